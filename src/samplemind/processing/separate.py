"""Stem separation: harmonic/percussive (always available) or demucs (when installed).

**HPSS** (librosa's median-filtering harmonic/percussive separation, Fitzgerald 2010) splits
each channel's STFT (2048-point Hann, hop 512) with soft masks that sum to one, so the two
stems add back up to the original (to float rounding): tones, pads and bass lines go to
``harmonic``, drum hits and clicks to ``percussive``. It takes about a second per minute of
stereo audio.

**demucs** (Hybrid Transformer Demucs) separates ``drums``, ``bass``, ``other`` and ``vocals``
with a neural network. It needs PyTorch and the model weights, which this project does not
install (PyTorch alone is gigabytes); :func:`demucs_stems` explains how to add them, or runs
them when they are there (``settings.demucs_repo``: a folder of model files for offline use).
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from samplemind.audio.signal import AudioSignal
from samplemind.errors import MissingDependencyError, ProcessingError

__all__ = ["HPSS_STEMS", "SeparationMethod", "demucs_available", "demucs_stems", "hpss_stems"]

log = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]
SeparationMethod = Literal["hpss", "demucs"]

HPSS_STEMS: tuple[str, ...] = ("harmonic", "percussive")
_N_FFT = 2048
_HOP = 512
_KERNEL = 31

DEMUCS_INSTALL = (
    "demucs is not installed in this environment. It needs PyTorch (a CPU build is enough), "
    "which SampleMind does not install for you: `pip install torch` (pick the CPU or CUDA "
    "build on PyTorch's site), then `pip install demucs`, in the environment samplemind runs "
    "in. The model weights download on first use, or set SAMPLEMIND_DEMUCS_REPO to a folder "
    "holding them. Until then, `--method hpss` separates harmonic and percussive parts."
)


def hpss_stems(signal: AudioSignal, *, kernel_size: int = _KERNEL) -> dict[str, Audio]:
    """``{"harmonic": ..., "percussive": ...}``, each ``(frames, channels)`` like the input
    (any length: librosa pads what is shorter than one FFT)."""
    import librosa

    y = np.ascontiguousarray(signal.samples.T)  # (channels, frames)
    frames = y.shape[1]
    stems: dict[str, list[Audio]] = {name: [] for name in HPSS_STEMS}
    for channel in y:  # one at a time: the STFTs of a long stereo file are large
        spectrum = librosa.stft(channel, n_fft=_N_FFT, hop_length=_HOP)
        harmonic, percussive = librosa.decompose.hpss(spectrum, kernel_size=kernel_size)
        for name, part in (("harmonic", harmonic), ("percussive", percussive)):
            audio = librosa.istft(part, hop_length=_HOP, n_fft=_N_FFT, length=frames)
            stems[name].append(np.asarray(audio, dtype=np.float32))
    return {name: np.ascontiguousarray(np.stack(parts, axis=1)) for name, parts in stems.items()}


def demucs_available() -> bool:
    """Whether demucs (and PyTorch) can be imported here."""
    return all(importlib.util.find_spec(name) is not None for name in ("torch", "demucs"))


def demucs_stems(
    signal: AudioSignal, *, model: str = "htdemucs", repo: Path | None = None
) -> tuple[dict[str, Audio], int]:
    """Separate with demucs: ``({stem: (frames, 2)}, sample rate of the model)``.

    Raises:
        MissingDependencyError: demucs or PyTorch is not installed, or the model's weights
            cannot be loaded (not downloaded, no network, not in ``repo``).
        ProcessingError: the model failed on this audio.
    """
    if not demucs_available():
        raise MissingDependencyError(DEMUCS_INSTALL)
    import soxr
    import torch
    from demucs.apply import apply_model
    from demucs.pretrained import get_model

    try:
        network = get_model(model, repo=repo) if repo is not None else get_model(model)
    except Exception as exc:  # demucs raises ModelLoadingError, network and file errors
        where = f"in {repo}" if repo is not None else "in demucs's download cache"
        raise MissingDependencyError(
            f"demucs model {model!r} could not be loaded {where} ({exc}). Download it once "
            "with network access (`python -m demucs --help` lists models; the first "
            "separation downloads them), or point SAMPLEMIND_DEMUCS_REPO at a folder holding "
            "the model files"
        ) from exc
    network.eval()
    rate = int(network.samplerate)
    audio = signal.samples
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    elif audio.shape[1] > 2:
        audio = audio[:, :2]
    if signal.sample_rate_hz != rate:
        audio = np.asarray(soxr.resample(audio, signal.sample_rate_hz, rate, "VHQ"), np.float32)
    try:
        mix = torch.from_numpy(np.ascontiguousarray(audio.T))[None]
        center, scale = mix.mean(), mix.std() + 1e-8
        with torch.no_grad():
            separated = apply_model(network, (mix - center) / scale, device="cpu", progress=False)
        separated = separated * scale + center
    except Exception as exc:
        raise ProcessingError(f"demucs failed on {Path(signal.path).name}: {exc}") from exc
    return (
        {
            name: np.ascontiguousarray(separated[0, index].numpy().T.astype(np.float32))
            for index, name in enumerate(network.sources)
        },
        rate,
    )
