"""Loop versus one-shot on synthetic material, with and without name hints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samplemind.analysis.context import AnalysisContext
from samplemind.analysis.loop import LoopAnalyzer, loop_features
from samplemind.audio.decode import decode
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, LoopEstimate
from tests.analysis.helpers import context, run
from tests.analysis.test_tempo import drum_loop
from tests.signals import SR, Array, chord, click_track, noise, tone, write


def _envelope(duration_s: float, *, attack_s: float, release_s: float) -> Array:
    """Linear attack, sustain, linear release to silence at the end."""
    t = np.arange(int(duration_s * SR)) / SR
    rise = np.minimum(1.0, t / attack_s)
    fall = np.clip((duration_s - t) / release_s, 0.0, 1.0)
    return (rise * fall).astype(np.float32)


def _pad(duration_s: float) -> Array:
    """A sustained minor chord with a slow attack and a release to silence: a pad one-shot."""
    notes = chord([57, 60, 64], duration_s, decay=0.05)
    return (notes * _envelope(duration_s, attack_s=0.4, release_s=1.0)).astype(np.float32)


def _808(duration_s: float = 2.5) -> Array:
    t = np.arange(int(duration_s * SR)) / SR
    freq = 45 + 30 * np.exp(-t / 0.05)  # pitch glide into a long sub tone
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.7)
    return (0.8 * body * _envelope(duration_s, attack_s=0.002, release_s=0.05)).astype(np.float32)


def _chord_stabs(bpm: float, bars: int) -> Array:
    """Short chord hits on the off-beat 8ths, cut on the bar line."""
    n = round(bars * 240 / bpm * SR)
    y = np.zeros(n, dtype=np.float32)
    stab = chord([60, 64, 67], 0.15, decay=8.0)
    for eighth in range(1, bars * 8, 2):
        start = round(eighth * 30 / bpm * SR)
        end = min(n, start + stab.size)
        y[start:end] += stab[: end - start]
    return y


def _chord_loop(bpm: float, bars: int) -> Array:
    """One sustained chord per bar, still sounding at the loop point."""
    bar = round(240 / bpm * SR)
    progression = ([57, 60, 64], [53, 57, 60], [48, 52, 55], [55, 59, 62])
    parts = [chord(progression[i % 4], 240 / bpm + 0.1, decay=0.1)[:bar] for i in range(bars)]
    return np.concatenate(parts).astype(np.float32)


@pytest.mark.parametrize(
    "one_shot",
    [
        noise(0.3) * np.exp(-np.arange(int(0.3 * SR)) / (0.05 * SR)).astype(np.float32),
        tone(57, 2.0, decay=3.0),
        _pad(4.0),
        _808(),
        # Notes dying away but cut 13-15 dB down without a fade (truncated bass and keys
        # one-shots): no bar of music, however long.
        tone(40, 1.4, decay=1.2),
        tone(64, 1.3, decay=1.3),
        tone(33, 1.55, decay=1.0),
    ],
    ids=["noise-burst", "decaying-tone", "long-pad", "808", "cut-bass", "cut-keys", "cut-sub"],
)
def test_one_shots(one_shot: Array) -> None:
    result = run(LoopAnalyzer(), one_shot)
    assert result == LoopEstimate(is_loop=False, confidence=result.confidence, bars=None)
    assert result.confidence > 0.6


@pytest.mark.parametrize(
    ("loop", "bars"),
    [
        (drum_loop(95, 4, swing=0.25), 4),
        (click_track(128, 2), 2),
        (_chord_stabs(120, 2), None),  # off-beat stabs alone: 2 bars at 120 or 4 at 240
        (_chord_loop(100, 4), 4),
    ],
    ids=["drums", "clicks", "chord-stabs", "sustained-chords"],
)
def test_loops(loop: Array, bars: int | None) -> None:
    result = run(LoopAnalyzer(), loop)
    assert result.is_loop
    assert result.bars is not None
    assert bars is None or result.bars == bars
    assert result.confidence > 0.7


def test_very_short_and_silent_files_are_one_shots() -> None:
    assert not run(LoopAnalyzer(), click_track(240, 1)[: int(0.4 * SR)]).is_loop
    assert not run(LoopAnalyzer(), np.zeros(SR * 2, dtype=np.float32)).is_loop


def test_features_count_re_attacks_and_the_end_level() -> None:
    clicks = loop_features(context(click_track(120, 2)))
    assert clicks.attacks == 7  # 8 clicks; the first is the file's own attack
    pad = loop_features(context(_pad(4.0)))
    assert pad.attacks == 0
    assert pad.end_db < -20.0  # released to silence
    assert loop_features(context(_chord_loop(100, 2))).end_db > -10.0  # cut while sounding


def test_a_dying_note_decays_monotonically_and_a_chord_loop_does_not() -> None:
    dying = loop_features(context(tone(40, 1.4, decay=1.2))).monotone_decay_db
    assert dying is not None
    assert 12.0 < dying < 17.0  # 1.68 nepers = 14.6 dB, read on 50 ms blocks
    # Legato chord changes need not rise, but a held loop keeps its level.
    assert (loop_features(context(_chord_loop(100, 4))).monotone_decay_db or 0.0) < 10.0
    assert loop_features(context(click_track(120, 2))).monotone_decay_db is None


def _analyze_file(path: Path) -> LoopEstimate:
    settings = Settings()
    ctx = AnalysisContext(decode(path, settings), level=AnalysisLevel.STANDARD, settings=settings)
    return LoopAnalyzer().analyze(ctx)


def test_name_hint_decides_an_ambiguous_sound(tmp_path: Path) -> None:
    # One sustained chord cut abruptly after a bar: as much a held pad as a one-chord loop.
    held = chord([57, 60, 64], 2.0, decay=0.05)
    unnamed = _analyze_file(write(tmp_path / "sample.wav", held))
    one_shot = _analyze_file(write(tmp_path / "Warm Pad One Shot.wav", held))
    loop = _analyze_file(write(tmp_path / "Warm Pad Loop.wav", held))
    assert not one_shot.is_loop
    assert loop.is_loop
    assert loop.bars is not None
    assert min(one_shot.confidence, loop.confidence) > unnamed.confidence - 0.5


def test_name_hint_does_not_turn_a_drum_hit_into_a_loop(tmp_path: Path) -> None:
    hit = noise(0.3) * np.exp(-np.arange(int(0.3 * SR)) / (0.03 * SR)).astype(np.float32)
    assert not _analyze_file(write(tmp_path / "snare loop.wav", hit)).is_loop
