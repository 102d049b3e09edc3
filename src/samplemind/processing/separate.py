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
_BLOCK_S = 20.0
_CONTEXT_S = 1.0
_RAMP_S = 0.2

DEMUCS_INSTALL = (
    "demucs is not installed in this environment. It needs PyTorch (a CPU build is enough), "
    "which SampleMind does not install for you: `pip install torch` (pick the CPU or CUDA "
    "build on PyTorch's site), then `pip install demucs`, in the environment samplemind runs "
    "in. The model weights download on first use, or set SAMPLEMIND_DEMUCS_REPO to a folder "
    "holding them. Until then, `--method hpss` separates harmonic and percussive parts."
)


def _hpss_block(y: Audio, kernel_size: int) -> tuple[Audio, Audio]:
    """Harmonic and percussive parts of ``y`` ``(channels, frames)``, one channel at a time."""
    import librosa

    frames = y.shape[1]
    parts: tuple[list[Audio], list[Audio]] = ([], [])
    for channel in y:
        spectrum = librosa.stft(channel, n_fft=_N_FFT, hop_length=_HOP)
        harmonic, percussive = librosa.decompose.hpss(spectrum, kernel_size=kernel_size)
        for index, part in enumerate((harmonic, percussive)):
            audio = librosa.istft(part, hop_length=_HOP, n_fft=_N_FFT, length=frames)
            parts[index].append(np.asarray(audio, dtype=np.float32))
    return np.stack(parts[0]), np.stack(parts[1])


def hpss_stems(
    signal: AudioSignal, *, kernel_size: int = _KERNEL, block_s: float = _BLOCK_S
) -> dict[str, Audio]:
    """``{"harmonic": ..., "percussive": ...}``, each ``(frames, channels)`` like the input.

    Long files are separated in blocks of ``block_s`` seconds, each with a second of context
    either side (the median filters see 0.36 s), blended over 0.2 s with weights that add to
    one, so memory stays that of one block (~1 GB per 2 minutes otherwise) and the stems
    still add up to the original.
    """
    y = np.ascontiguousarray(signal.samples.T)  # (channels, frames)
    rate = signal.sample_rate_hz
    frames = y.shape[1]
    block = max(1, round(block_s * rate))
    if frames <= block + 2 * round(_CONTEXT_S * rate):
        harmonic, percussive = _hpss_block(y, kernel_size)
    else:
        context, ramp = round(_CONTEXT_S * rate), round(_RAMP_S * rate)
        harmonic = np.zeros_like(y)
        percussive = np.zeros_like(y)
        t = np.arange(frames, dtype=np.float64)
        for begin in range(0, frames, block):
            finish = min(frames, begin + block)
            lo, hi = max(0, begin - context), min(frames, finish + context)
            weight = np.ones(hi - lo)
            if begin > 0:  # ramp up across this block's start ...
                weight *= np.clip((t[lo:hi] - (begin - ramp / 2)) / ramp, 0.0, 1.0)
            if finish < frames:  # ... and down across its end, mirroring the neighbours
                weight *= np.clip(((finish + ramp / 2) - t[lo:hi]) / ramp, 0.0, 1.0)
            h, p = _hpss_block(np.ascontiguousarray(y[:, lo:hi]), kernel_size)
            harmonic[:, lo:hi] += (h * weight).astype(np.float32)
            percussive[:, lo:hi] += (p * weight).astype(np.float32)
    return {
        "harmonic": np.ascontiguousarray(harmonic.T),
        "percussive": np.ascontiguousarray(percussive.T),
    }


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
