"""Root note of tonal one-shots."""

from __future__ import annotations

import numpy as np
import pytest

from samplemind.analysis.pitch import PitchAnalyzer
from samplemind.domain.analysis import LoopEstimate
from tests.analysis.helpers import run
from tests.signals import SR, noise, tone


@pytest.mark.parametrize(
    ("midi", "name"),
    [(24, "C1"), (30, "F#1"), (42, "F#2"), (45, "A2"), (60, "C4"), (71, "B4"), (88, "E6")],
)
def test_root_note_of_harmonic_tones(midi: int, name: str) -> None:
    estimate = run(PitchAnalyzer(), tone(midi, 1.2))
    assert estimate is not None
    assert (estimate.note, estimate.midi) == (name, midi)
    assert abs(estimate.cents) < 8
    assert estimate.confidence > 0.5


def test_cents_off_are_reported() -> None:
    estimate = run(PitchAnalyzer(), tone(57.3, 1.0))
    assert estimate is not None
    assert estimate.midi == 57
    assert estimate.cents == pytest.approx(30, abs=4)


def test_missing_fundamental_still_finds_the_root() -> None:
    # A bass through a small speaker: partials 2..8 only, the ear (and YIN) still hear A1.
    t = np.arange(int(1.0 * SR)) / SR
    f0 = 55.0
    y = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(2, 9))
    estimate = run(PitchAnalyzer(), (0.3 * y * np.exp(-t)).astype(np.float32))
    assert estimate is not None
    assert estimate.note[:-1] == "A"


def test_noise_and_silence_have_no_pitch() -> None:
    decaying = noise(1.0) * np.exp(-np.arange(SR) / (0.1 * SR)).astype(np.float32)
    assert run(PitchAnalyzer(), decaying) is None
    assert run(PitchAnalyzer(), np.zeros(SR, dtype=np.float32)) is None


def test_loops_are_left_to_the_key_analyzer() -> None:
    loop = LoopEstimate(is_loop=True, confidence=0.9, bars=2)
    assert run(PitchAnalyzer(), tone(60, 1.0), loop=loop) is None


def test_attack_transient_does_not_decide_the_note() -> None:
    # A 30 ms noise click before a sustained E2.
    y = tone(40, 1.5, decay=0.5)
    y[: int(0.03 * SR)] += noise(0.03, level=0.8)
    estimate = run(PitchAnalyzer(), y)
    assert estimate is not None
    assert estimate.note == "E2"


def test_808_settles_on_its_note_despite_the_sweep() -> None:
    # A sine swept from three times F#1 down to F#1 (30 ms time constant), decaying slowly.
    t = np.arange(int(2.5 * SR)) / SR
    f = 440 * 2 ** ((30 - 69) / 12)
    frequency = f + 2 * f * np.exp(-t / 0.03)
    phase = 2 * np.pi * np.cumsum(frequency) / SR
    y = (np.tanh(1.8 * np.sin(phase) * np.exp(-t / 0.45)) * 0.8).astype(np.float32)
    estimate = run(PitchAnalyzer(), y)
    assert estimate is not None
    assert estimate.note == "F#1"
    assert abs(estimate.cents) < 30
