"""Spectral, envelope and timbre descriptors on signals whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from samplemind.analysis.envelope import EnvelopeAnalyzer
from samplemind.analysis.spectral import SpectralAnalyzer
from samplemind.analysis.timbre import TIMBRE_DIMENSIONS, TimbreAnalyzer
from tests.analysis.helpers import run
from tests.signals import SR, noise, sine, tone


def test_sine_spectrum() -> None:
    result = run(SpectralAnalyzer(), sine(1000, 1.0))
    assert result.centroid_hz == pytest.approx(1000, rel=0.03)
    assert result.rolloff_hz == pytest.approx(1000, rel=0.05)
    assert result.flatness < 0.01
    assert result.bandwidth_hz < 100
    # A sine crosses zero twice per period.
    assert result.zero_crossing_rate == pytest.approx(2 * 1000 / SR, rel=0.02)


def test_white_noise_spectrum() -> None:
    result = run(SpectralAnalyzer(), noise(1.0))
    assert result.centroid_hz == pytest.approx(SR / 4, rel=0.05)
    assert result.flatness > 0.5
    assert result.rolloff_hz == pytest.approx(0.85 * SR / 2, rel=0.05)


def test_brighter_sound_has_higher_centroid() -> None:
    dull = run(SpectralAnalyzer(), tone(48, 1.0, harmonics=2))
    bright = run(SpectralAnalyzer(), tone(48, 1.0, harmonics=30))
    assert bright.centroid_hz > dull.centroid_hz * 1.5


def test_envelope_attack_and_decay() -> None:
    t = np.arange(int(1.0 * SR)) / SR
    attack_s, tau_s = 0.05, 0.1
    env = np.where(t < attack_s, t / attack_s, np.exp(-(t - attack_s) / tau_s))
    y = (np.sin(2 * np.pi * 220 * t) * env).astype(np.float32)
    result = run(EnvelopeAnalyzer(), y)
    # 10% -> 90% of a linear ramp is 80% of it.
    assert result.attack_s == pytest.approx(0.8 * attack_s, abs=0.006)
    # -20 dB of an exponential: tau * ln(10).
    assert result.decay_s == pytest.approx(tau_s * np.log(10), abs=0.015)


def test_envelope_of_silence() -> None:
    result = run(EnvelopeAnalyzer(), np.zeros(SR, dtype=np.float32))
    assert (result.attack_s, result.decay_s) == (0.0, 0.0)


def _cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b))


def test_timbre_vector_is_fixed_length_unit_and_gain_invariant() -> None:
    y = tone(50, 1.0, harmonics=12)
    vector = run(TimbreAnalyzer(), y)
    louder = run(TimbreAnalyzer(), y * 4)
    assert len(vector) == TIMBRE_DIMENSIONS
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)
    assert _cosine(vector, louder) > 0.999


def test_timbre_similar_sounds_are_closer_than_different_ones() -> None:
    piano_a = run(TimbreAnalyzer(), tone(60, 1.0, harmonics=10))
    piano_b = run(TimbreAnalyzer(), tone(62, 1.0, harmonics=10))
    hiss = run(TimbreAnalyzer(), noise(1.0))
    assert _cosine(piano_a, piano_b) > _cosine(piano_a, hiss) + 0.2


def test_timbre_of_silence_is_still_a_unit_vector() -> None:
    vector = run(TimbreAnalyzer(), np.zeros(SR, dtype=np.float32))
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)
