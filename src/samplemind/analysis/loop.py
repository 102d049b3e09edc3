"""Loop or one-shot (STANDARD), and a loop's length in bars.

A one-shot is one event: a hit, a note or a chord, however long it rings (an 808, a pad). It starts
with its attack and decays or fades to silence by its end. A loop is material cut on bar lines: it
re-attacks (drums, notes, chord changes) and usually still sounds at its last sample, because the
next repetition starts there. So the audio evidence is:

* **re-attacks**: broadband level jumps of 12 dB or more within 17 ms after the first 50 ms,
  above -35 dB re the loudest moment. A decaying tail never jumps and the slower swells of a
  pad's LFO or a lead's tremolo (10 dB over 30 ms) stay below the bar; a drum hit clears it;
* **end level**: the level over the last 100 ms (before a 20 ms fade) re the loudest 46 ms;
* **length**: below half a second nothing is a loop, and without re-attacks nothing shorter than
  a bar at 200 BPM (1.2 s) is;
* **a dying sound**: without re-attacks, a level that only ever falls after its peak (never
  rising 3 dB over 50 ms blocks again) and ends 12 dB or more below it is one note or chord
  cut short (an 808 or a bass note truncated with a short fade), not a bar of music: a held
  loop keeps its level, or swells and changes chords.

They combine into log-odds by a logistic regression fitted on the FluidR3 development corpus; the
file name (``loop``, ``one shot``) or a WAV ACID chunk's one-shot flag adds a strong prior that
only unmistakable audio overrides. ``bars`` comes from the tempo fit (:mod:`.tempo`), which picks
bar count and tempo together, so ``bars * 4 * 60 / bpm`` is the duration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext, frame_signal
from samplemind.analysis.tempo import fit_tempo
from samplemind.domain.analysis import AnalysisLevel, LoopEstimate

__all__ = ["LoopAnalyzer", "LoopFeatures", "loop_features", "loop_log_odds"]

_BLOCK = 256  # 5.8 ms at 44.1 kHz: drum attacks take a few ms
#: Power window (23 ms): a whole period of an E1 (41 Hz), so a sub-bass note's own waveform
#: does not dip the level between blocks and fake re-attacks (an 11.6 ms window did).
_WINDOW = 4 * _BLOCK
_ATTACK_DB = 12.0
_ATTACK_SPAN = 3  # blocks (17 ms) over which the level must rise
_ATTACK_GAP = 9  # blocks (52 ms) between two counted attacks
_ATTACK_FLOOR_DB = -35.0
_HEAD_S = 0.05
_TAIL_S = 0.1
_FADE_S = 0.02
_MIN_LOOP_S = 0.5
_MIN_SMOOTH_LOOP_S = 1.2
#: Envelope blocks of the dying-sound test, the rise that breaks it, and the decay it needs.
_ENVELOPE_S = 0.05
_RISE_DB = 3.0
_RISE_FLOOR_DB = -40.0
_DYING_DB = 12.0
#: Log-odds a name or ACID flag adds. People label loops and one-shots far more reliably than the
#: audio model decides edge cases (a held chord, a fill), so only a dense pattern of re-attacks,
#: or a file too short for any bar, overrides it.
_HINT_LOG_ODDS = 8.0

# Logistic regression on (re-attacks capped at 8, end level dB floored at -60, log2 duration),
# fitted on 1200 files of the FluidR3 development corpus plus 200 synthetic dry files (drum loops
# silent between hits, dry hits, flams and cut notes: ``benchmarks.fit.loop``).
_W_ATTACKS = 2.92
_W_END_DB = 0.22
_W_LOG_DURATION = 1.48
_BIAS = 1.92


@dataclass(frozen=True)
class LoopFeatures:
    """The audio evidence (see module docstring).

    Attributes:
        attacks: Re-attacks after the first 50 ms.
        end_db: Level at the end re the loudest moment, dB (<= 0).
        duration_s: Length of the file.
        monotone_decay_db: How far (dB, >= 0) the level falls from its peak to the end when it
            never rises again on the way; None when it does rise (or the file is too short).
    """

    attacks: int
    end_db: float
    duration_s: float
    monotone_decay_db: float | None = None


def loop_features(ctx: AnalysisContext) -> LoopFeatures:
    """Measure re-attacks, end level and length of ``ctx``'s signal."""
    y = ctx.y
    rate = ctx.sample_rate_hz
    blocks = frame_signal(y, _WINDOW, _BLOCK)
    power = np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64) / _WINDOW
    peak = float(power.max()) if power.size else 0.0
    if peak <= 0.0:
        return LoopFeatures(attacks=0, end_db=-120.0, duration_s=ctx.duration_s)
    level = 10.0 * np.log10(np.maximum(power / peak, 1e-12))
    # Lowest level over the preceding 17 ms: a rise from it is an attack.
    floor = np.full_like(level, np.inf)
    for lag in range(1, _ATTACK_SPAN + 1):
        floor[lag:] = np.minimum(floor[lag:], level[:-lag])
    rising = np.flatnonzero((level - floor >= _ATTACK_DB) & (level >= _ATTACK_FLOOR_DB))
    # Rising blocks closer than 52 ms are one attack; the first 50 ms hold the file's own attack.
    starts = rising[np.diff(rising, prepend=-_ATTACK_GAP) >= _ATTACK_GAP]
    attacks = int(np.count_nonzero(starts >= int(_HEAD_S * rate / _BLOCK)))
    end = y.shape[0] - int(_FADE_S * rate)
    tail = y[max(0, end - int(_TAIL_S * rate)) : max(1, end)].astype(np.float64)
    frame_peak = float(ctx.frame_rms.max())
    tail_rms = math.sqrt(float(np.mean(tail * tail))) if tail.size else 0.0
    end_db = 20.0 * math.log10(max(tail_rms, 1e-9) / max(frame_peak, 1e-9))
    return LoopFeatures(
        attacks=attacks,
        end_db=min(end_db, 0.0),
        duration_s=ctx.duration_s,
        monotone_decay_db=_monotone_decay_db(y, rate),
    )


def _monotone_decay_db(y: np.ndarray, rate: int) -> float | None:
    """Peak-to-end fall of the 50 ms block level if it never rises by 3 dB after the peak."""
    size = int(_ENVELOPE_S * rate)
    n = y.shape[0] // size
    if n < 3:
        return None
    blocks = y[: n * size].astype(np.float64).reshape(n, size)
    power = np.einsum("ij,ij->i", blocks, blocks) / size
    peak = float(power.max())
    if peak <= 0.0:
        return None
    level = 10.0 * np.log10(np.maximum(power / peak, 1e-12))
    after = level[int(np.argmax(level)) :]
    running_min = np.minimum.accumulate(after)
    if np.any((after - running_min >= _RISE_DB) & (after > _RISE_FLOOR_DB)):
        return None
    return float(-after[-1])


def loop_log_odds(features: LoopFeatures) -> float:
    """Audio log-odds that the file is a loop (positive: loop)."""
    if features.duration_s < _MIN_LOOP_S:
        return -8.0
    if features.attacks == 0 and features.duration_s < _MIN_SMOOTH_LOOP_S:
        # No re-attack and shorter than a bar at 200 BPM: one note or chord, cut short.
        return -6.0
    dying = features.monotone_decay_db
    if features.attacks == 0 and dying is not None and dying >= _DYING_DB:
        # One event dying away, cut before it is silent: a one-shot whatever its length.
        return -6.0
    return (
        _W_ATTACKS * min(features.attacks, 8)
        + _W_END_DB * max(features.end_db, -60.0)
        + _W_LOG_DURATION * math.log2(features.duration_s)
        + _BIAS
    )


class LoopAnalyzer(Analyzer):
    """One-shot versus loop; a loop's ``bars`` from the tempo fit."""

    name = "loop"
    version = 2
    level = AnalysisLevel.STANDARD

    def analyze(self, ctx: AnalysisContext) -> LoopEstimate:
        log_odds = loop_log_odds(loop_features(ctx))
        says_loop = ctx.hints.says_loop
        if says_loop is not None:
            log_odds += _HINT_LOG_ODDS if says_loop else -_HINT_LOG_ODDS
        is_loop = log_odds > 0
        confidence = 1.0 / (1.0 + math.exp(-abs(log_odds)))
        bars = None
        if is_loop:
            fit = fit_tempo(ctx)
            bars = fit.bars if fit is not None else None
        return LoopEstimate(is_loop=is_loop, confidence=round(confidence, 3), bars=bars)
