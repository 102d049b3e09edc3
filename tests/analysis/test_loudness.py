"""Levels and BS.1770 loudness against reference values."""

from __future__ import annotations

import numpy as np
import pytest

from samplemind.analysis.loudness import LoudnessAnalyzer, momentary_loudness
from samplemind.analysis.silence import SilenceAnalyzer
from samplemind.domain.analysis import Loudness, Silence
from tests.analysis.helpers import make_signal, run
from tests.signals import SR, noise, sine


def _loudness(samples: np.ndarray) -> Loudness:
    result = run(LoudnessAnalyzer(), samples)
    assert isinstance(result, Loudness)
    return result


def test_ebu_reference_sine_reads_minus_23_lufs() -> None:
    # EBU Tech 3341 case 1: 997 Hz at -23 dBFS on both channels of a stereo signal.
    y = sine(997, 10.0, dbfs=-23.0)
    result = _loudness(np.column_stack([y, y]))
    assert result.loudness_lufs == pytest.approx(-23.0, abs=0.1)
    assert result.peak_dbfs == pytest.approx(-23.0, abs=0.05)
    assert result.crest_factor_db == pytest.approx(3.01, abs=0.05)


def test_mono_counts_as_one_channel() -> None:
    result = _loudness(sine(997, 5.0, dbfs=-23.0))
    assert result.loudness_lufs == pytest.approx(-26.0, abs=0.1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agrees_with_essentias_independent_meter(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = noise(6.0, seed=seed, level=0.1) * np.repeat(rng.uniform(0.05, 1.0, 60), SR // 10)
    stereo = np.column_stack([y, np.roll(y, 1000) * 0.5]).astype(np.float32)
    from samplemind.analysis._essentia import es

    reference = es.LoudnessEBUR128(sampleRate=float(SR))(stereo)[2]
    assert _loudness(stereo).loudness_lufs == pytest.approx(reference, abs=0.2)


def test_true_peak_exceeds_sample_peak_between_samples() -> None:
    # A sine at fs/4 sampled at 45 degrees never hits its crest: samples peak at -3 dB.
    t = np.arange(SR) / SR
    y = (0.9 * np.sin(2 * np.pi * (SR / 4) * t + np.pi / 4)).astype(np.float32)
    result = _loudness(y)
    assert result.peak_dbfs == pytest.approx(20 * np.log10(0.9 * np.sqrt(0.5)), abs=0.05)
    assert result.true_peak_dbtp == pytest.approx(20 * np.log10(0.9), abs=0.3)


def test_silence_has_no_loudness() -> None:
    result = _loudness(np.zeros(SR, dtype=np.float32))
    assert result.loudness_lufs is None
    assert result.peak_dbfs <= -190
    silence = run(SilenceAnalyzer(), np.zeros(SR, dtype=np.float32))
    assert silence == Silence(is_silent=True, leading_silence_s=1.0, trailing_silence_s=1.0)


def test_leading_and_trailing_silence() -> None:
    y = np.concatenate([np.zeros(SR // 4), sine(440, 0.5), np.zeros(SR // 2)]).astype(np.float32)
    result = run(SilenceAnalyzer(), y)
    assert not result.is_silent
    assert result.leading_silence_s == pytest.approx(0.25, abs=0.001)
    assert result.trailing_silence_s == pytest.approx(0.5, abs=0.001)


def test_short_hits_are_measured_over_their_own_length() -> None:
    # 100 ms of a -20 dBFS 997 Hz sine, mono: as loud as the same sine held for seconds.
    short = _loudness(sine(997, 0.1, dbfs=-20)).loudness_lufs
    held = _loudness(sine(997, 3.0, dbfs=-20)).loudness_lufs
    assert short is not None and held is not None
    assert short == pytest.approx(held, abs=0.3)


def test_momentary_loudness_every_100_ms() -> None:
    y = np.concatenate([sine(997, 2.0, dbfs=-40), sine(997, 2.0, dbfs=-20)])
    values = momentary_loudness(make_signal(np.column_stack([y, y])))
    assert len(values) == pytest.approx(40, abs=3)
    assert values[5] == pytest.approx(-40, abs=0.5)
    assert values[-3] == pytest.approx(-20, abs=0.5)


def test_true_peak_of_loud_blocks_equals_full_oversampling() -> None:
    import soxr

    from samplemind.analysis.loudness import true_peak

    rng = np.random.default_rng(5)
    # Hits of different levels scattered over 3 s: only the loudest blocks get oversampled.
    y = np.zeros((3 * SR, 2), dtype=np.float32)
    for start, gain in zip(
        rng.integers(0, 3 * SR - 4000, 12), rng.uniform(0.1, 0.9, 12), strict=True
    ):
        y[start : start + 4000] += (noise(4000 / SR, seed=int(start)) * gain)[:, None]
    full = float(np.max(np.abs(soxr.resample(y, SR, 4 * SR, "HQ"))))
    assert true_peak(y, SR) == pytest.approx(full, rel=1e-5)


@pytest.mark.parametrize(
    "segments",
    [
        [(-36, 10), (-23, 60), (-36, 10)],  # EBU Tech 3341 case 3: relative gate
        [(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)],  # case 4: absolute gate too
        [(-26, 20), (-20, 20.1), (-26, 20)],  # case 5
    ],
)
def test_ebu_tech_3341_gating_cases_read_minus_23(segments: list[tuple[float, float]]) -> None:
    y = np.concatenate([sine(997, seconds, dbfs=dbfs) for dbfs, seconds in segments])
    assert _loudness(np.column_stack([y, y])).loudness_lufs == pytest.approx(-23.0, abs=0.1)


@pytest.mark.parametrize(("sr", "channels"), [(44100, 2), (48000, 1), (22050, 2)])
def test_integrated_loudness_is_pyloudnorms_reading(sr: int, channels: int) -> None:
    # The filters run as one second-order-section cascade over all channels; the reading must
    # stay the library's own (its per-channel filters and gating), not an approximation of it.
    import pyloudnorm

    from samplemind.analysis.loudness import integrated_loudness

    rng = np.random.default_rng(sr + channels)
    shaped = np.cumsum(rng.standard_normal((3 * sr, channels)), axis=0)
    shaped = (0.3 * shaped / np.max(np.abs(shaped)) * np.linspace(0.2, 1, 3 * sr)[:, None]).astype(
        np.float32
    )
    data = shaped[:, 0] if channels == 1 else shaped
    expected = pyloudnorm.Meter(sr).integrated_loudness(data.astype(np.float64))
    assert integrated_loudness(make_signal(shaped, sr=sr)) == pytest.approx(expected, abs=1e-6)
