"""Tempo on synthetic loops whose tempo is known: click tracks, drum patterns, name hints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samplemind.analysis.context import AnalysisContext
from samplemind.analysis.loop import LoopAnalyzer
from samplemind.analysis.tempo import TempoAnalyzer, fit_tempo, grid_tempi, round_bpm
from samplemind.audio.decode import decode
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, LoopEstimate, Source, TempoEstimate
from tests.analysis.helpers import context
from tests.signals import SR, Array, chord, click_track, noise, tone, write

# --------------------------------------------------------------------------- synthetic drums


def _kick() -> Array:
    t = np.arange(int(0.25 * SR)) / SR
    freq = 50 + 100 * np.exp(-t / 0.03)  # the pitch drop of an 808-ish kick
    return (np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.08)).astype(np.float32)


def _snare() -> Array:
    t = np.arange(int(0.2 * SR)) / SR
    body = 0.6 * np.random.default_rng(1).standard_normal(t.size) + 0.5 * np.sin(
        2 * np.pi * 190 * t
    )
    return (body * np.exp(-t / 0.05)).astype(np.float32)


def _hat() -> Array:
    t = np.arange(int(0.05 * SR)) / SR
    hiss = np.diff(np.random.default_rng(2).standard_normal(t.size + 1))  # crude high-pass
    return (0.3 * hiss * np.exp(-t / 0.01)).astype(np.float32)


def drum_loop(
    bpm: float,
    bars: int,
    *,
    kick: tuple[int, ...] = (0, 10),
    snare: tuple[int, ...] = (4, 12),
    hats: tuple[int, ...] = tuple(range(0, 16, 2)),
    swing: float = 0.0,
    lead_in_s: float = 0.0,
) -> Array:
    """``bars`` bars of a 16-step pattern, cut on the bar line, tails wrapped to the start.

    Steps are 16th notes; ``swing`` delays the odd ones by that fraction of a 16th. With
    ``lead_in_s`` the loop is preceded by that much silence (no longer cut on a bar line).
    """
    n = round(bars * 240 / bpm * SR)
    y = np.zeros(n + SR, dtype=np.float32)
    sixteenth = 60 / bpm / 4
    for bar in range(bars):
        for sound, steps in ((_kick(), kick), (_snare(), snare), (_hat(), hats)):
            for step in steps:
                start = round(((bar * 16 + step) + (swing if step % 2 else 0.0)) * sixteenth * SR)
                y[start : start + sound.size] += sound
    y[:SR] += y[n:]  # what rings past the loop point sounds again at its start
    out = 0.5 * y[:n]
    return np.concatenate([np.zeros(round(lead_in_s * SR), np.float32), out])


# --------------------------------------------------------------------------- helpers


def _run(y: Array, *, path: str = "mem.wav") -> tuple[LoopEstimate, TempoEstimate | None]:
    ctx = context(y, path=path)
    return _loop_then_tempo(ctx)


def _run_file(path: Path) -> tuple[LoopEstimate, TempoEstimate | None]:
    settings = Settings()
    ctx = AnalysisContext(decode(path, settings), level=AnalysisLevel.STANDARD, settings=settings)
    return _loop_then_tempo(ctx)


def _loop_then_tempo(ctx: AnalysisContext) -> tuple[LoopEstimate, TempoEstimate | None]:
    loop = LoopAnalyzer().analyze(ctx)
    ctx.outputs["loop"] = loop
    return loop, TempoAnalyzer().analyze(ctx)


# --------------------------------------------------------------------------- click tracks


@pytest.mark.parametrize("bpm", [70, 90, 128, 140, 174])
def test_click_track_tempo_is_the_bar_grid_value(bpm: int) -> None:
    loop, tempo = _run(click_track(bpm, 4))
    assert tempo is not None
    assert tempo.bpm == pytest.approx(bpm, rel=0.01)
    # Snapped to the bar grid: exactly the tempo the loop was cut at, not 127.6.
    assert tempo.bpm == float(bpm)
    assert tempo.source is Source.DURATION
    assert loop.bars == 4


def test_fractional_tempo_is_snapped_to_two_decimals() -> None:
    _, tempo = _run(click_track(93.5, 2))
    assert tempo is not None
    assert tempo.bpm == 93.5


def test_eight_bar_click_track() -> None:
    loop, tempo = _run(click_track(120, 8))
    assert tempo is not None and tempo.bpm == 120.0
    assert loop.bars == 8


# --------------------------------------------------------------------------- drum patterns


@pytest.mark.parametrize(
    ("bpm", "pattern"),
    [
        (95, {"swing": 0.25}),  # boom-bap: swung 8th hats, snare on 2 and 4
        (124, {"kick": (0, 4, 8, 12), "hats": (2, 6, 10, 14)}),  # house: off-beat hats
        (140, {"kick": (0, 7, 10), "snare": (8,), "hats": tuple(range(16))}),  # half-time trap
        (174, {"hats": tuple(range(16))}),  # drum and bass
    ],
)
def test_drum_loop_tempo(bpm: int, pattern: dict[str, object]) -> None:
    loop, tempo = _run(drum_loop(bpm, 4, **pattern))  # type: ignore[arg-type]
    assert loop.is_loop
    assert tempo is not None
    assert tempo.bpm == float(bpm)
    assert tempo.source is Source.DURATION
    assert 0.5 < tempo.confidence <= 1.0


def test_loop_not_cut_on_bar_lines_falls_back_to_audio() -> None:
    # 0.37 s of silence first: the duration no longer fits a whole number of bars.
    _, tempo = _run(drum_loop(120, 4, lead_in_s=0.37))
    assert tempo is not None
    assert tempo.bpm == pytest.approx(120, rel=0.01)
    assert tempo.source is Source.AUDIO


def test_sustained_chords_get_a_lower_confidence_than_drums() -> None:
    # Four one-bar chords at 120 BPM: only the chord changes say anything about the beat.
    bar = round(2.0 * SR)
    chords = np.concatenate(
        [
            chord(notes, 2.0, decay=0.1)[:bar]
            for notes in ([57, 60, 64], [53, 57, 60], [48, 52, 55], [55, 59, 62])
        ]
    )
    _, pad_tempo = _run(chords)
    _, drum_tempo = _run(drum_loop(120, 4))
    assert pad_tempo is not None and drum_tempo is not None
    assert pad_tempo.bpm in {60.0, 120.0, 240.0}  # on the bar grid, whatever the level
    assert pad_tempo.confidence < drum_tempo.confidence


# --------------------------------------------------------------------------- one-shots


@pytest.mark.parametrize(
    "one_shot",
    [
        noise(0.3) * np.exp(-np.arange(int(0.3 * SR)) / (0.05 * SR)).astype(np.float32),
        tone(57, 2.0, decay=3.0),
    ],
    ids=["noise-burst", "decaying-tone"],
)
def test_one_shots_have_no_tempo(one_shot: Array) -> None:
    loop, tempo = _run(one_shot)
    assert not loop.is_loop
    assert tempo is None


def test_tempo_analyzer_skips_when_loop_says_one_shot() -> None:
    ctx = context(click_track(120, 4))
    ctx.outputs["loop"] = LoopEstimate(is_loop=False, confidence=0.9)
    assert TempoAnalyzer().analyze(ctx) is None


# --------------------------------------------------------------------------- name and tag hints


def test_filename_bpm_consistent_with_duration_wins(tmp_path: Path) -> None:
    path = write(tmp_path / "Loop_128_Am.wav", click_track(128, 4))
    _, tempo = _run_file(path)
    assert tempo is not None
    assert (tempo.bpm, tempo.source) == (128.0, Source.FILENAME)


def test_filename_bpm_decides_half_time(tmp_path: Path) -> None:
    # 4 bars at 140 last exactly as long as 2 bars at 70: the name picks the level.
    path = write(tmp_path / "trap loop 70bpm.wav", click_track(140, 4))
    loop, tempo = _run_file(path)
    assert tempo is not None
    assert (tempo.bpm, tempo.source) == (70.0, Source.FILENAME)
    assert loop.bars == 2


def test_inconsistent_filename_bpm_does_not_override_clear_audio(tmp_path: Path) -> None:
    # 4 bars at 90 BPM; 128 fits neither the duration grid nor the clicks.
    path = write(tmp_path / "Loop_128_Am.wav", click_track(90, 4))
    _, tempo = _run_file(path)
    assert tempo is not None
    assert (tempo.bpm, tempo.source) == (90.0, Source.DURATION)


# --------------------------------------------------------------------------- small pieces


def test_round_bpm() -> None:
    assert round_bpm(127.99981) == 128.0
    assert round_bpm(93.456) == 93.46
    assert round_bpm(174.0) == 174.0


def test_grid_tempi_lists_bar_counts_in_range() -> None:
    grid = dict(grid_tempi(8.0))
    assert grid[4] == 120.0
    assert grid[2] == 60.0
    assert 1 not in grid  # 30 BPM is below the range
    assert grid_tempi(0.0) == []


def test_fit_is_computed_once_per_file() -> None:
    ctx = context(click_track(120, 2))
    assert fit_tempo(ctx) is fit_tempo(ctx)
