"""The DSP of ``samplemind process``, on float32 arrays shaped ``(frames, channels)``.

Each step returns the new samples and a :class:`Step` saying what it did in measured numbers
(seconds trimmed, gain applied, loudness reached), which the CLI prints and the library keeps
with the derived sample. :func:`run_chain` applies the steps of a spec in the fixed order of
:class:`~samplemind.processing.options.ProcessSpec`.

Time-stretch and pitch-shift are one Rubber Band pass (pedalboard's ``time_stretch``, its
high-quality "crisp" mode: transients stay sharp). Loudness is measured with the analysis's own
BS.1770 meter (pyloudnorm) and 4x-oversampled true peak, so a file normalized to -14 LUFS reads
-14 LUFS when the library analyzes it. The optional limiter is matchering's brick-wall "Hyrax"
limiter run at 4x the sample rate, so it holds true peaks, not only sample peaks.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import soxr

from samplemind.audio.signal import AudioSignal
from samplemind.errors import ProcessingError
from samplemind.processing.options import LoudnessTarget, ProcessSpec
from samplemind.processing.plan import Plan

__all__ = [
    "Step",
    "apply_fades",
    "db",
    "measure",
    "normalize",
    "resample",
    "run_chain",
    "stretch_shift",
    "to_mono",
    "trim_silence",
]

log = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]

#: Normalization stops iterating the limiter within this many LU of the target.
_LUFS_TOLERANCE = 0.05
_OVERSAMPLE = 4
#: The most gain the limiter is driven with beyond plain loudness matching.
_MAX_LIMITER_DB = 24.0
#: The limiter aims this far under the ceiling: the way back down from 4x rings a little.
_LIMITER_MARGIN_DB = 0.3


@dataclass(frozen=True)
class Step:
    """One step of a chain and what it did (numbers rounded for people)."""

    name: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.name, **self.detail}


def db(value: float) -> float:
    """Linear amplitude to dB (-200 for silence)."""
    return 20.0 * math.log10(value) if value > 0 else -200.0


def measure(samples: Audio, sample_rate_hz: int) -> tuple[float | None, float]:
    """``(integrated LUFS or None when gated out, true peak dBTP)`` by the analysis's meters."""
    from samplemind.analysis.loudness import integrated_loudness, true_peak

    signal = AudioSignal.from_array(samples, sample_rate_hz)
    lufs = integrated_loudness(signal)
    peak = max(float(np.max(np.abs(samples))), true_peak(samples, sample_rate_hz))
    return lufs, db(peak)


# --- 1. trim --------------------------------------------------------------------------------------
def trim_silence(
    samples: Audio, sample_rate_hz: int, *, threshold_dbfs: float
) -> tuple[Audio, Step]:
    """Cut leading and trailing audio whose every channel stays below ``threshold_dbfs``.

    Raises:
        ProcessingError: nothing rises above the threshold (the file is silent).
    """
    threshold = 10 ** (threshold_dbfs / 20)
    loud = np.flatnonzero((np.abs(samples) > threshold).any(axis=1))
    if loud.size == 0:
        raise ProcessingError(
            f"the audio never rises above {threshold_dbfs:g} dBFS: trimming would leave nothing"
        )
    first, last = int(loud[0]), int(loud[-1]) + 1
    frames = samples.shape[0]
    step = Step(
        "trim",
        {
            "threshold_dbfs": threshold_dbfs,
            "leading_s": round(first / sample_rate_hz, 4),
            "trailing_s": round((frames - last) / sample_rate_hz, 4),
        },
    )
    return np.ascontiguousarray(samples[first:last]), step


# --- 2. stretch and shift -------------------------------------------------------------------------
def stretch_shift(samples: Audio, sample_rate_hz: int, plan: Plan) -> tuple[Audio, Step]:
    """Change tempo by ``plan.speed`` and pitch by ``plan.semitones`` in one Rubber Band pass.

    The output holds exactly ``round(frames / speed)`` frames, so a loop cut on the bar line
    stays cut on the bar line at its new tempo.
    """
    from pedalboard import time_stretch

    frames = samples.shape[0]
    wanted = max(1, round(frames / plan.speed))
    try:
        out = time_stretch(
            np.ascontiguousarray(samples.T),
            float(sample_rate_hz),
            stretch_factor=float(plan.speed),
            pitch_shift_in_semitones=float(plan.semitones),
            high_quality=True,
            transient_mode="crisp",
            # Rubber Band's long window drifts ~1.5 ms a beat against the grid (13 ms over
            # four bars at 120 → 128 BPM); the short one stays within ±3 ms. One-shots, with
            # no grid to keep, get the long window's smoother tone.
            use_long_fft_window=None if plan.keep_timing is False else False,
        )
    except (RuntimeError, ValueError) as exc:
        raise ProcessingError(f"time-stretch failed: {exc}") from exc
    out = np.ascontiguousarray(np.asarray(out, dtype=np.float32).T)
    if out.shape[0] < wanted:
        out = np.concatenate([out, np.zeros((wanted - out.shape[0], out.shape[1]), np.float32)])
    detail: dict[str, Any] = {}
    if plan.changes_time:
        detail.update(from_bpm=plan.from_bpm, to_bpm=plan.to_bpm, speed=round(plan.speed, 6))
    if plan.changes_pitch:
        detail["semitones"] = plan.semitones
    for name in ("from_key", "to_key"):
        value = getattr(plan, name)
        if value is not None and plan.changes_pitch:
            detail[name] = value.name
    if plan.changes_pitch and plan.from_note is not None and plan.to_note is not None:
        detail.update(from_note=plan.params.get("from_note"), to_note=plan.params.get("to_note"))
    name = (
        "stretch+shift"
        if plan.changes_time and plan.changes_pitch
        else ("stretch" if plan.changes_time else "shift")
    )
    return np.ascontiguousarray(out[:wanted]), Step(name, detail)


# --- 3. channels and rate -------------------------------------------------------------------------
def to_mono(samples: Audio) -> tuple[Audio, Step]:
    """The channels' average (a sum would clip correlated stereo)."""
    channels = samples.shape[1]
    mono = samples.mean(axis=1, dtype=np.float32)[:, None]
    return np.ascontiguousarray(mono), Step("mono", {"from_channels": channels})


def resample(samples: Audio, from_hz: int, to_hz: int) -> tuple[Audio, Step]:
    """soxr at its very-high-quality setting."""
    out = soxr.resample(samples, from_hz, to_hz, "VHQ")
    return (
        np.ascontiguousarray(np.asarray(out, dtype=np.float32)),
        Step("resample", {"from_hz": from_hz, "to_hz": to_hz}),
    )


# --- 4. fades -------------------------------------------------------------------------------------
def apply_fades(
    samples: Audio, sample_rate_hz: int, *, fade_in_ms: float, fade_out_ms: float
) -> tuple[Audio, Step]:
    """Equal-power (quarter-sine) fades; two that would overlap are shortened to meet."""
    frames = samples.shape[0]
    n_in = round(fade_in_ms / 1000 * sample_rate_hz)
    n_out = round(fade_out_ms / 1000 * sample_rate_hz)
    if n_in + n_out > frames:
        scale = frames / (n_in + n_out)
        n_in, n_out = int(n_in * scale), int(n_out * scale)
    out = samples.copy()
    if n_in:
        out[:n_in] *= np.sin(0.5 * np.pi * (np.arange(n_in) + 0.5) / n_in)[:, None].astype(
            np.float32
        )
    if n_out:
        ramp = np.sin(0.5 * np.pi * (np.arange(n_out)[::-1] + 0.5) / n_out)
        out[frames - n_out :] *= ramp[:, None].astype(np.float32)
    detail = {
        "in_ms": round(n_in / sample_rate_hz * 1000, 2),
        "out_ms": round(n_out / sample_rate_hz * 1000, 2),
    }
    return out, Step("fade", detail)


# --- 5. loudness ----------------------------------------------------------------------------------
def _gain(samples: Audio, gain_db: float) -> Audio:
    return (samples * np.float32(10 ** (gain_db / 20))).astype(np.float32)


def _limit(samples: Audio, sample_rate_hz: int, ceiling_dbtp: float) -> Audio:
    """matchering's brick-wall limiter at 4x the rate, holding peaks at ``ceiling_dbtp``."""
    from samplemind.processing.master import import_matchering

    matchering = import_matchering()
    Config, limit = matchering.Config, matchering.limiter.limit  # noqa: N806 - its class
    rate = sample_rate_hz * _OVERSAMPLE
    up = np.asarray(soxr.resample(samples, sample_rate_hz, rate, "HQ"), dtype=np.float64)
    config = Config(
        internal_sample_rate=rate, threshold=10 ** ((ceiling_dbtp - _LIMITER_MARGIN_DB) / 20)
    )
    limited = limit(up, config)
    down = soxr.resample(limited, rate, sample_rate_hz, "HQ")
    return np.ascontiguousarray(np.asarray(down, dtype=np.float32)[: samples.shape[0]])


def normalize(samples: Audio, sample_rate_hz: int, target: LoudnessTarget) -> tuple[Audio, Step]:
    """Reach ``target`` (see :class:`~samplemind.processing.options.LoudnessTarget`).

    Raises:
        ProcessingError: the audio is silent (nothing to measure), or too quiet for the
            true-peak target (over +60 dB of gain).
    """
    lufs, peak_dbtp = measure(samples, sample_rate_hz)
    detail: dict[str, Any] = {"before_lufs": _r(lufs), "before_dbtp": _r(peak_dbtp)}
    ceiling = target.true_peak_dbtp
    limited = False
    if target.lufs is not None:
        if lufs is None:
            raise ProcessingError(
                "the audio is silent (below the -70 LUFS gate): no loudness to normalize"
            )
        gain_db = target.lufs - lufs
        out = _gain(samples, gain_db)
        if ceiling is not None:
            _, out_peak = measure(out, sample_rate_hz)
            if out_peak > ceiling:
                if target.limiter:
                    out, gain_db = _limited(samples, sample_rate_hz, target.lufs, ceiling, gain_db)
                    limited = True
                else:
                    gain_db -= out_peak - ceiling  # peak protection: stop at the ceiling
                    out = _gain(samples, gain_db)
    else:
        assert ceiling is not None
        if peak_dbtp <= -200.0:
            raise ProcessingError("the audio is silent: no peak to normalize")
        gain_db = ceiling - peak_dbtp
        out = _gain(samples, gain_db)
    if ceiling is not None:
        # The last word on peaks: true peak never passes the ceiling, whatever came before.
        _, out_peak = measure(out, sample_rate_hz)
        if out_peak > ceiling:
            gain_db -= out_peak - ceiling + 0.005
            out = _gain(out, -(out_peak - ceiling + 0.005))
    after_lufs, after_peak = measure(out, sample_rate_hz)
    detail.update(
        gain_db=_r(gain_db),
        lufs=_r(after_lufs),
        true_peak_dbtp=_r(after_peak),
        limited=limited,
    )
    if target.lufs is not None and after_lufs is not None and target.lufs - after_lufs > 0.1:
        detail["short_of_target_lu"] = _r(target.lufs - after_lufs)
    return out, Step("normalize", {"target": target.label, **detail})


def _limited(
    samples: Audio, sample_rate_hz: int, target_lufs: float, ceiling: float, gain_db: float
) -> tuple[Audio, float]:
    """Gain plus limiter, the gain re-aimed (secant steps on the measured loudness) until the
    limited result reads ``target_lufs``, or the limiter can give no more (at most
    :data:`_MAX_LIMITER_DB` of gain into it)."""
    start = gain_db
    tried: list[tuple[float, float]] = []
    best: tuple[float, Audio, float] | None = None
    for _ in range(8):
        out = _limit(_gain(samples, gain_db), sample_rate_hz, ceiling)
        lufs, _ = measure(out, sample_rate_hz)
        if lufs is None:
            return out, gain_db
        miss = abs(lufs - target_lufs)
        if best is None or miss < best[0]:
            best = (miss, out, gain_db)
        if miss <= _LUFS_TOLERANCE:
            break
        slope = 1.0
        if tried:
            last_gain, last_lufs = tried[-1]
            if gain_db != last_gain:
                slope = min(1.0, max(0.05, (lufs - last_lufs) / (gain_db - last_gain)))
        tried.append((gain_db, lufs))
        step = (target_lufs - lufs) / slope
        gain_db = min(start + _MAX_LIMITER_DB, gain_db + step)
        if tried and gain_db == tried[-1][0]:
            break  # at the cap: the limiter cannot get louder than this
    assert best is not None
    return best[1], best[2]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- the chain ------------------------------------------------------------------------------------
def run_chain(
    samples: Audio, sample_rate_hz: int, spec: ProcessSpec, plan: Plan
) -> tuple[Audio, int, list[Step]]:
    """Apply ``spec`` (with its resolved ``plan``) in the documented order.

    Returns:
        The samples, their rate, and the steps taken.
    """
    steps: list[Step] = []
    rate = sample_rate_hz
    if spec.trim_silence:
        samples, step = trim_silence(samples, rate, threshold_dbfs=spec.trim_threshold_dbfs)
        steps.append(step)
    if plan.changes_time or plan.changes_pitch:
        samples, step = stretch_shift(samples, rate, plan)
        steps.append(step)
    if spec.mono and samples.shape[1] > 1:
        samples, step = to_mono(samples)
        steps.append(step)
    if spec.sample_rate_hz is not None and spec.sample_rate_hz != rate:
        samples, step = resample(samples, rate, spec.sample_rate_hz)
        rate = spec.sample_rate_hz
        steps.append(step)
    if spec.fade_in_ms > 0 or spec.fade_out_ms > 0:
        samples, step = apply_fades(
            samples, rate, fade_in_ms=spec.fade_in_ms, fade_out_ms=spec.fade_out_ms
        )
        steps.append(step)
    if spec.normalize is not None:
        samples, step = normalize(samples, rate, spec.normalize)
        steps.append(step)
    return samples, rate, steps
