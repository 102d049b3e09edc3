"""Reference mastering with matchering: make a track sound like a reference track.

matchering matches the target's RMS, frequency response, peak amplitude and stereo width to the
reference's, then applies its brick-wall limiter. Both files are decoded by our own decoder
first (header checks, length caps, typed errors), handed to matchering as 32-bit float WAVs at
their own rates (it resamples to 44.1 kHz itself), and its result comes back at 44.1 kHz
stereo. Its errors become ours: a file it finds too short is
:class:`~samplemind.errors.TooShortError`, too long :class:`~samplemind.errors.TooLongError`,
target equal to reference :class:`~samplemind.errors.ProcessingError`.
"""

from __future__ import annotations

import logging
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile as sf

from samplemind.audio.signal import AudioSignal
from samplemind.errors import ProcessingError, TooLongError, TooShortError
from samplemind.processing.chain import Step, measure

__all__ = ["MATCHERING_RATE_HZ", "MIN_FRAMES", "import_matchering", "master_signals"]

log = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]

#: matchering's working sample rate.
MATCHERING_RATE_HZ = 44_100
#: matchering refuses audio shorter than its FFT (4096 frames at 44.1 kHz, 93 ms).
MIN_FRAMES = 4096
_CODE = re.compile(r"^(\d{4})")


def import_matchering() -> Any:
    """The matchering module, imported without its SciPy deprecation warning (its limiter
    imports ``scipy.ndimage.filters``), which is not the user's to act on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import matchering
        import matchering.limiter

    return matchering


def master_signals(target: AudioSignal, reference: AudioSignal) -> tuple[Audio, int, list[Step]]:
    """Master ``target`` after ``reference``.

    Returns:
        The mastered samples ``(frames, 2)`` at 44.1 kHz, the rate, and the step.

    Raises:
        TooShortError: either is shorter than matchering's 93 ms.
        TooLongError: either is longer than matchering's 15 minutes.
        ProcessingError: they are the same audio, or matchering failed.
    """
    for role, signal in (("track", target), ("reference", reference)):
        needed_s = MIN_FRAMES / MATCHERING_RATE_HZ
        if signal.duration_s < needed_s:
            raise TooShortError(
                f"the {role} {Path(signal.path).name} is {signal.duration_s:.3f} s long; "
                f"matchering needs at least {needed_s:.3f} s ({MIN_FRAMES} frames at 44.1 kHz), "
                "and a few seconds of a finished mix to match anything meaningful"
            )
    mg = import_matchering()

    before_lufs, _ = measure(target.samples, target.sample_rate_hz)
    reference_lufs, reference_peak = measure(reference.samples, reference.sample_rate_hz)
    with tempfile.TemporaryDirectory(prefix="samplemind-master-") as tmp:
        folder = Path(tmp)
        target_path, reference_path = folder / "target.wav", folder / "reference.wav"
        result_path = folder / "result.wav"
        sf.write(target_path, target.samples, target.sample_rate_hz, subtype="FLOAT")
        sf.write(reference_path, reference.samples, reference.sample_rate_hz, subtype="FLOAT")
        try:
            mg.process(
                target=str(target_path),
                reference=str(reference_path),
                results=[mg.Result(str(result_path), subtype="FLOAT", use_limiter=True)],
                config=mg.Config(temp_folder=str(folder)),
            )
        except Exception as exc:  # matchering raises ModuleError, and numpy/scipy errors
            raise _translated(exc, target, reference) from exc
        mastered, rate = sf.read(result_path, dtype="float32", always_2d=True)
    after_lufs, after_peak = measure(mastered, int(rate))
    step = Step(
        "master",
        {
            "engine": f"matchering {getattr(mg, '__version__', '?')}",
            "reference": Path(reference.path).name,
            "reference_lufs": _r(reference_lufs),
            "reference_true_peak_dbtp": _r(reference_peak),
            "before_lufs": _r(before_lufs),
            "lufs": _r(after_lufs),
            "true_peak_dbtp": _r(after_peak),
        },
    )
    return np.ascontiguousarray(mastered), int(rate), [step]


def _translated(exc: Exception, target: AudioSignal, reference: AudioSignal) -> Exception:
    message = str(exc).strip() or type(exc).__name__
    match = _CODE.match(message)
    code = int(match.group(1)) if match else 0
    names = f"{Path(target.path).name} / {Path(reference.path).name}"
    if code in (4003, 4103):
        return TooShortError(f"matchering: {message} ({names})")
    if code in (4002, 4102):
        return TooLongError(f"matchering: {message} ({names})")
    if code == 4005:
        return ProcessingError(
            f"the track and the reference are the same audio ({names}): nothing to match"
        )
    log.debug("matchering failed", exc_info=exc)
    return ProcessingError(f"matchering failed on {names}: {message}")


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
