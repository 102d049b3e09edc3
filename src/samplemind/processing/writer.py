"""Write processed audio: format, bit depth, dither, and never a half-written or replaced file.

The file is written beside its target under a temporary name and then moved into place: a
crash leaves no torn output, and without ``overwrite`` the final step is a hard link, which
fails if a file of that name appeared meanwhile, so nothing existing is ever replaced by
accident. Reductions to 16 bits or fewer get TPDF dither (±1 LSB triangular noise, seeded, so
the same input always gives the same bytes); integer and lossy outputs whose peaks would pass
0 dBFS are turned down just enough rather than clipped (the step says by how much).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import uuid
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from samplemind.errors import OutputExistsError, ProcessingError
from samplemind.processing.chain import Step, db, resample
from samplemind.processing.options import OutputFormat

__all__ = ["MP3_RATES_HZ", "check_output", "write_audio"]

log = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]

#: Sample rates the MP3 encoder (LAME) takes; others are resampled to 48 or 44.1 kHz.
MP3_RATES_HZ = frozenset({8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000})
_CLIP_HEADROOM = 10 ** (-0.1 / 20)  # a clip guard leaves the peak at -0.1 dBFS
_DITHER_SEED = 0x5A4D


def check_output(path: Path, *, overwrite: bool) -> None:
    """Fail early when ``path`` exists and may not be replaced, or is not a file.

    Raises:
        OutputExistsError: it exists and ``overwrite`` is False.
        ProcessingError: it is a folder.
    """
    if path.is_dir():
        raise ProcessingError(f"{path} is a folder, not an output file")
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"{path} exists; pass --overwrite to replace it, or -o another name"
        )


def write_audio(
    path: Path, samples: Audio, sample_rate_hz: int, fmt: OutputFormat, *, overwrite: bool
) -> list[Step]:
    """Encode ``samples`` ``(frames, channels)`` to ``path`` in ``fmt``.

    Returns:
        The steps writing added (resampling for MP3, clip guard, dither).

    Raises:
        OutputExistsError: ``path`` exists (or appeared meanwhile) and ``overwrite`` is False.
        ProcessingError: the encoder failed or the folder is not writable.
    """
    check_output(path, overwrite=overwrite)
    steps: list[Step] = []
    if fmt.container == "mp3" and sample_rate_hz not in MP3_RATES_HZ:
        to_hz = 44_100 if sample_rate_hz % 11_025 == 0 else 48_000
        samples, step = resample(samples, sample_rate_hz, to_hz)
        sample_rate_hz = to_hz
        steps.append(step)
    integer_or_lossy = not fmt.floating
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if integer_or_lossy and peak > 1.0:
        gain = _CLIP_HEADROOM / peak
        samples = (samples * np.float32(gain)).astype(np.float32)
        steps.append(Step("clip-guard", {"gain_db": round(db(gain), 2)}))
    bits = None if fmt.lossy or fmt.floating else (fmt.bit_depth or 24)
    if bits is not None and bits <= 16:
        samples = _dither(samples, bits)
        steps.append(Step("dither", {"bits": bits, "kind": "tpdf"}))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProcessingError(f"cannot create {path.parent}: {exc.strerror or exc}") from exc
    partial = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:12]}.partial{path.suffix}")
    try:
        try:
            sf.write(
                partial,
                samples,
                sample_rate_hz,
                format=fmt.soundfile_format,
                subtype=fmt.subtype,
            )
        except (sf.LibsndfileError, RuntimeError, ValueError, TypeError) as exc:
            raise ProcessingError(f"cannot encode {path.name} as {fmt.label}: {exc}") from exc
        except OSError as exc:
            raise ProcessingError(f"cannot write {path}: {exc.strerror or exc}") from exc
        _commit(partial, path, overwrite=overwrite)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return steps


def _commit(partial: Path, path: Path, *, overwrite: bool) -> None:
    if overwrite:
        os.replace(partial, path)
        return
    try:
        os.link(partial, path)  # atomic, and refuses to replace
    except FileExistsError as exc:
        raise OutputExistsError(f"{path} appeared while it was being written; kept it") from exc
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise ProcessingError(f"cannot write {path}: {exc.strerror or exc}") from exc
        if path.exists():  # no hard links on this file system: the best we can do
            raise OutputExistsError(f"{path} exists; kept it") from exc
        os.replace(partial, path)


def _dither(samples: Audio, bits: int) -> Audio:
    """Triangular (TPDF) dither of ±1 LSB before the encoder rounds to ``bits``."""
    lsb = 1.0 / (1 << (bits - 1))
    rng = np.random.default_rng(_DITHER_SEED)
    noise = rng.random(samples.shape, dtype=np.float32) - rng.random(
        samples.shape, dtype=np.float32
    )
    return np.clip(samples + noise * np.float32(lsb), -1.0, 1.0 - lsb).astype(np.float32)
