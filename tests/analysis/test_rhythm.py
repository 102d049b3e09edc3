"""Beats, downbeats, onsets and momentary loudness (DETAILED) on signals with known timing."""

from __future__ import annotations

import numpy as np
import pytest

from samplemind.analysis.context import AnalysisContext
from samplemind.analysis.loop import LoopAnalyzer
from samplemind.analysis.rhythm import RhythmAnalyzer, onset_times
from samplemind.analysis.tempo import TempoAnalyzer
from samplemind.domain.analysis import Rhythm
from tests.analysis.helpers import context
from tests.analysis.test_tempo import drum_loop
from tests.signals import SR, Array, click_track, tone


def _detailed(y: Array) -> tuple[AnalysisContext, Rhythm]:
    ctx = context(y)
    for analyzer in (LoopAnalyzer(), TempoAnalyzer()):
        ctx.outputs[analyzer.name] = analyzer.analyze(ctx)
    return ctx, RhythmAnalyzer().analyze(ctx)


@pytest.mark.parametrize("bpm", [90, 128])
def test_bar_cut_loop_beats_and_downbeats(bpm: int) -> None:
    _, rhythm = _detailed(click_track(bpm, 2))
    beats = np.array(rhythm.beats_s)
    assert beats.size == 8
    assert beats[0] == 0.0
    np.testing.assert_allclose(np.diff(beats), 60 / bpm, atol=1e-3)
    assert rhythm.downbeats_s == rhythm.beats_s[::4]


def test_onsets_are_at_the_clicks() -> None:
    bpm = 120
    _, rhythm = _detailed(click_track(bpm, 2))
    expected = np.arange(8) * 60 / bpm
    onsets = np.array(rhythm.onsets_s)
    assert onsets.size == expected.size
    np.testing.assert_allclose(onsets, expected, atol=0.015)


def test_drum_onsets_include_every_hit() -> None:
    # Kick, snare and 8th hats coincide on the beats: 8 distinct onset times per bar.
    onsets = onset_times(context(drum_loop(100, 1)))
    expected = np.arange(8) * 60 / 100 / 2
    assert len(onsets) == expected.size
    np.testing.assert_allclose(onsets, expected, atol=0.015)


def test_downbeats_follow_the_kick_when_the_loop_is_not_bar_cut() -> None:
    lead_in = 0.3
    bpm = 120
    # Kick only on the downbeat, hats on every beat: the bar starts where the kick is.
    y = drum_loop(bpm, 4, kick=(0,), snare=(), hats=(0, 4, 8, 12), lead_in_s=lead_in)
    _, rhythm = _detailed(y)
    downbeats = np.array(rhythm.downbeats_s)
    expected = lead_in + np.arange(4) * 4 * 60 / bpm
    assert downbeats.size >= 4
    np.testing.assert_allclose(downbeats[:4], expected, atol=0.03)
    np.testing.assert_allclose(np.diff(rhythm.beats_s), 60 / bpm, rtol=0.01)


def test_one_shot_has_onsets_and_loudness_but_no_beats() -> None:
    y = tone(57, 2.0, decay=3.0)
    _, rhythm = _detailed(y)
    assert rhythm.beats_s == []
    assert rhythm.downbeats_s == []
    assert len(rhythm.onsets_s) == 1
    assert rhythm.onsets_s[0] == pytest.approx(0.0, abs=0.015)
    # EBU R128 momentary loudness every 100 ms; a decaying tone gets quieter.
    loudness = rhythm.loudness_momentary_lufs
    assert len(loudness) == pytest.approx(2.0 / 0.1, abs=5)
    assert max(loudness[:5]) > loudness[-1]


def test_silence_has_no_onsets() -> None:
    assert onset_times(context(np.zeros(SR, dtype=np.float32))) == []
