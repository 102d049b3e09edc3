"""Time-varying detail (DETAILED): beats, downbeats, onsets, momentary loudness.

* **Beats and downbeats** (loops only): the tempo fit's grid, not a beat tracker. A loop cut on bar
  lines starts on a downbeat, so its beats are ``k * 60 / bpm`` exactly and every fourth is a
  downbeat (4/4). A loop that is not bar-cut takes the beat phase the tempo fit found and the
  downbeat among the first four beats whose bar positions carry the most low-band (kick, bass)
  onset strength.
* **Onsets** (all material): peaks of a loudness-weighted spectral flux that stand above their
  0.4 s surroundings and reach 15 % of the strongest onset, at least 50 ms apart.
* **Momentary loudness**: EBU R128 momentary (400 ms) every 100 ms, from :mod:`.loudness`.

``key_changes`` and ``chords`` are filled by their own functions (:func:`key_changes`,
:func:`chords`); each part of :class:`~samplemind.domain.analysis.Rhythm` has one function here.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.fft
from scipy.ndimage import uniform_filter1d
from scipy.signal import find_peaks

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.analysis.key import chord_sequence, key_changes
from samplemind.analysis.loudness import momentary_loudness
from samplemind.analysis.tempo import TempoFit, fit_tempo, onset_novelty
from samplemind.domain.analysis import AnalysisLevel, LoopEstimate, Rhythm, TempoEstimate

__all__ = [
    "BEATS_PER_BAR",
    "RhythmAnalyzer",
    "beat_grid",
    "onset_times",
]

BEATS_PER_BAR = 4
_ONSET_RELATIVE = 0.15  # of the strongest onset: a pad's tremolo stays below, hats do not
_ONSET_GAP_S = 0.05
_DETREND_S = 0.4
_DELAY_HOPS = 2
_ONSET_LAG_HOPS = 0.5
_PHASE_SNAP_S = 0.03
F64 = npt.NDArray[np.float64]


def onset_times(ctx: AnalysisContext) -> list[float]:
    """Onset times in seconds (see module docstring)."""
    strength = ctx.shared("rhythm.onset_strength", _onset_strength)
    if strength.size == 0:
        return []
    fps = ctx.sample_rate_hz / ctx.hop
    size = max(3, int(_DETREND_S * fps) | 1)
    detrended = np.maximum(strength - uniform_filter1d(strength, size, mode="nearest"), 0.0)
    top = float(detrended.max())
    if top <= 0.0:
        return []
    # Zeros around let an onset at 0 s be a peak (find_peaks never reports the edges).
    padded = np.concatenate([[0.0], detrended, [0.0]])
    peaks, _ = find_peaks(
        padded, height=_ONSET_RELATIVE * top, distance=max(1, round(_ONSET_GAP_S * fps))
    )
    times = []
    for p in peaks:
        before, at, after = padded[p - 1], padded[p], padded[p + 1]
        curvature = before - 2 * at + after
        # Parabolic interpolation between hops; flux peaks about half a hop before the attack
        # ends up centred in the window, except at 0 s where the first window is centred.
        offset = 0.5 * (before - after) / curvature if curvature < 0 else 0.0
        frame = p - 1 + offset + (_ONSET_LAG_HOPS if p > 1 else 0.0)
        times.append(max(0.0, frame / fps))
    return [round(t, 4) for t in times if t < ctx.duration_s]


def _onset_strength(ctx: AnalysisContext) -> F64:
    """Loudness-weighted spectral flux, value ``j`` describing time ``j * hop / sr``.

    Unlike the tempo novelty (level-independent dB flux, good for finding a grid), this one
    compresses quiet detail (``log1p(100 * mel / max)``: linear below -40 dB re the peak), so the
    flicker of a decaying tail is not an onset while every real attack is. Silence is assumed
    before the file; a window centred on 0 s (half zeros) measures what starts right there.
    """
    mel = ctx.mel.astype(np.float64)
    if mel.size == 0:
        return np.zeros(0)
    half = ctx.frame // 2
    head = np.zeros(ctx.frame, dtype=np.float64)
    first = ctx.y[:half]
    head[half : half + first.shape[0]] = first
    head_mel = np.abs(scipy.fft.rfft(head * np.hanning(ctx.frame))) @ ctx.mel_filterbank.T
    reference = max(float(mel.max()), float(head_mel.max()), 1e-12)
    levels = np.log1p(100.0 * mel / reference)
    head_level = np.log1p(100.0 * head_mel / reference)
    flux = np.maximum(np.diff(levels, axis=0, prepend=head_level[None, :]), 0.0).sum(axis=1)
    # Frame i starts at i hops but is centred two hops later, where an onset's flux peaks.
    out: F64 = np.zeros_like(flux)
    out[_DELAY_HOPS:] = flux[: flux.shape[0] - _DELAY_HOPS]
    out[0] = float(head_level.sum())
    return out


def beat_grid(ctx: AnalysisContext, fit: TempoFit) -> tuple[list[float], list[float]]:
    """``(beats_s, downbeats_s)`` over the whole file for a tempo ``fit``."""
    duration = ctx.duration_s
    period = 60.0 / fit.bpm
    if fit.bars is not None and fit.downbeat_s == 0.0:
        # Cut on bar lines: the exact period (the reported BPM is rounded) and a downbeat at 0.
        period = duration / (BEATS_PER_BAR * fit.bars)
        first_downbeat = 0.0
    else:
        phase = fit.downbeat_s % period
        if period - phase < _PHASE_SNAP_S:  # a hair before the next beat is on this one at 0 s
            phase = 0.0
        first_downbeat = _downbeat(ctx, phase, period)
    # Extend back to the first beat at or after t = 0 (a pickup before the first downbeat).
    first_beat = first_downbeat - period * int(first_downbeat / period + 1e-9)
    count = int((duration - first_beat) / period - 1e-9) + 1
    beats = [first_beat + k * period for k in range(max(0, count))]
    downbeats = [t for t in beats if round((t - first_downbeat) / period) % BEATS_PER_BAR == 0]
    return [round(t, 4) for t in beats], [round(t, 4) for t in downbeats]


def _downbeat(ctx: AnalysisContext, first_beat_s: float, period_s: float) -> float:
    """Which of the first four beats starts the bars: the one whose bar positions hold the most
    low-band onset strength (kicks and bass notes fall on downbeats)."""
    low = onset_novelty(ctx, band="low")
    fps = ctx.sample_rate_hz / ctx.hop
    best, best_strength = first_beat_s, -1.0
    for k in range(BEATS_PER_BAR):
        start = first_beat_s + k * period_s
        times = np.arange(start, ctx.duration_s, BEATS_PER_BAR * period_s)
        idx = np.round(times * fps).astype(np.int64)
        idx = idx[(idx >= 0) & (idx < low.shape[0])]
        strength = float(low[idx].mean()) if idx.size else 0.0
        if strength > best_strength:
            best, best_strength = start, strength
    return best


class RhythmAnalyzer(Analyzer):
    """Beats and downbeats of loops, onsets and momentary loudness of everything."""

    name = "rhythm"
    version = 2
    level = AnalysisLevel.DETAILED
    after = ("tempo", "loop", "key")

    def analyze(self, ctx: AnalysisContext) -> Rhythm:
        beats: list[float] = []
        downbeats: list[float] = []
        loop = ctx.outputs.get("loop")
        tempo = ctx.outputs.get("tempo")
        if isinstance(loop, LoopEstimate) and loop.is_loop and isinstance(tempo, TempoEstimate):
            fit = fit_tempo(ctx)
            if fit is not None:
                beats, downbeats = beat_grid(ctx, fit)
        return Rhythm(
            beats_s=beats,
            downbeats_s=downbeats,
            onsets_s=onset_times(ctx),
            key_changes=key_changes(ctx),
            chords=chord_sequence(ctx),
            loudness_momentary_lufs=momentary_loudness(ctx.signal),
        )
