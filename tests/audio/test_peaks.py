"""Waveform peaks in WaveSurfer's ``exportPeaks()`` shape: known signals, known answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from samplemind.audio.peaks import MAX_POINTS, Waveform, compute_peaks
from samplemind.config import Settings
from samplemind.errors import (
    AudioNotFoundError,
    ConfigError,
    DecodeError,
    EmptyAudioError,
    TooLongError,
)
from tests.audio.hostile import wav_header
from tests.signals import SR, tone


def _write(path: Path, data: np.ndarray, *, subtype: str = "FLOAT") -> Path:
    sf.write(path, data, SR, subtype=subtype)
    return path


def test_signed_peak_of_each_bucket(tmp_path: Path) -> None:
    # 1000 frames: +0.5 DC, then -0.5 DC, with one spike of each sign in a known bucket.
    y = np.concatenate([np.full(500, 0.5), np.full(500, -0.5)]).astype(np.float32)
    y[130] = -0.75  # bucket 1 (frames 100..199): the negative spike outweighs +0.5
    y[720] = 0.9  # bucket 7 (frames 700..799): the positive spike outweighs -0.5
    path = _write(tmp_path / "dc.wav", y)

    waveform = compute_peaks(path, points=10)

    assert waveform.points == 10
    assert waveform.channels == 1
    assert waveform.samples_per_point == 100.0
    assert waveform.sample_rate_hz == SR
    assert waveform.duration_s == pytest.approx(1000 / SR)
    assert waveform.peaks == [[0.5, -0.75, 0.5, 0.5, 0.5, -0.5, -0.5, 0.9, -0.5, -0.5]]


def test_uneven_buckets_cover_every_frame_and_round_to_four_decimals(tmp_path: Path) -> None:
    # 10 frames in 3 buckets: frames 0..2, 3..5, 6..9 (floor(i * 10 / 3)).
    y = np.array([0.1, 0.2, 0.123456, 0, 0, -0.333333, 0, 0, 0, 0.987654], dtype=np.float32)
    path = _write(tmp_path / "ten.wav", y)

    waveform = compute_peaks(path, points=3)

    assert waveform.peaks == [[0.2, -0.3333, 0.9877]]
    assert waveform.samples_per_point == pytest.approx(10 / 3)
    # Exactly the numbers, not float32 noise, in the JSON the browser gets.
    assert json.loads(waveform.model_dump_json())["peaks"] == [[0.2, -0.3333, 0.9877]]


def test_values_are_clipped_to_unit_range(tmp_path: Path) -> None:
    y = np.array([1.5, 0.0, -2.0, 0.0], dtype=np.float32)
    path = _write(tmp_path / "hot.wav", y)
    assert compute_peaks(path, points=2).peaks == [[1.0, -1.0]]


def test_stereo_keeps_both_channels(tmp_path: Path) -> None:
    left = np.full(4000, 0.25, dtype=np.float32)
    right = np.full(4000, -0.6, dtype=np.float32)
    path = _write(tmp_path / "stereo.wav", np.column_stack([left, right]))

    waveform = compute_peaks(path, points=40)

    assert waveform.channels == 2
    assert len(waveform.peaks) == 2
    assert waveform.peaks[0] == [0.25] * 40
    assert waveform.peaks[1] == [-0.6] * 40


def test_more_channels_than_allowed_mix_down_to_mono(tmp_path: Path) -> None:
    # Six channels at 0.1 .. 0.6: the mono mix is their mean, 0.35.
    data = np.column_stack([np.full(600, 0.1 * (c + 1)) for c in range(6)]).astype(np.float32)
    path = _write(tmp_path / "surround.wav", data)

    waveform = compute_peaks(path, points=6)

    assert waveform.channels == 1
    assert waveform.peaks == [[0.35] * 6]
    assert compute_peaks(path, points=6, max_channels=6).channels == 6


def test_fewer_frames_than_points_gives_one_point_per_frame(tmp_path: Path) -> None:
    y = np.array([0.1, -0.2, 0.3, -0.4, 0.5], dtype=np.float32)
    path = _write(tmp_path / "tiny.wav", y)

    waveform = compute_peaks(path, points=800)

    assert waveform.points == 5
    assert waveform.samples_per_point == 1.0
    assert waveform.peaks == [[0.1, -0.2, 0.3, -0.4, 0.5]]


@pytest.mark.parametrize(
    ("ext", "fmt", "subtype"),
    [("flac", "FLAC", "PCM_16"), ("aiff", "AIFF", "PCM_24"), ("ogg", "OGG", "VORBIS")],
)
def test_every_format_gives_the_requested_shape(
    tmp_path: Path, ext: str, fmt: str, subtype: str
) -> None:
    path = tmp_path / f"tone.{ext}"
    sf.write(path, np.column_stack([tone(60, 0.5), tone(67, 0.5)]), SR, format=fmt, subtype=subtype)

    waveform = compute_peaks(path, points=200)

    assert (waveform.points, waveform.channels) == (200, 2)
    assert all(len(channel) == 200 for channel in waveform.peaks)
    assert all(-1.0 <= value <= 1.0 for channel in waveform.peaks for value in channel)
    assert max(abs(value) for value in waveform.peaks[0]) > 0.1


def test_waveform_is_frozen_and_versioned(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.wav", tone(60, 0.1))
    waveform = compute_peaks(path, points=10)
    assert waveform.version == 1
    assert set(waveform.model_dump()) == {
        "duration_s",
        "sample_rate_hz",
        "channels",
        "samples_per_point",
        "points",
        "peaks",
        "version",
    }
    with pytest.raises(ValueError, match="frozen"):
        waveform.points = 3  # type: ignore[misc]


def test_waveform_refuses_inconsistent_shapes() -> None:
    with pytest.raises(ValueError, match="2 peak lists for 1 channels"):
        Waveform(
            duration_s=1.0,
            sample_rate_hz=SR,
            channels=1,
            samples_per_point=1.0,
            points=1,
            peaks=[[0.0], [0.0]],
        )
    with pytest.raises(ValueError, match="must hold 2 points"):
        Waveform(
            duration_s=1.0,
            sample_rate_hz=SR,
            channels=1,
            samples_per_point=1.0,
            points=2,
            peaks=[[0.0]],
        )


@pytest.mark.parametrize("points", [0, -5, MAX_POINTS + 1])
def test_points_out_of_range_is_a_config_error(tmp_path: Path, points: int) -> None:
    path = _write(tmp_path / "a.wav", tone(60, 0.1))
    with pytest.raises(ConfigError, match=f"points must be between 1 and {MAX_POINTS}"):
        compute_peaks(path, points=points)


def test_max_channels_below_one_is_a_config_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.wav", tone(60, 0.1))
    with pytest.raises(ConfigError, match="max_channels"):
        compute_peaks(path, max_channels=0)


def test_boundary_point_counts_are_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.wav", tone(60, 0.5))
    assert compute_peaks(path, points=1).points == 1
    assert compute_peaks(path, points=MAX_POINTS).points == MAX_POINTS


def test_decode_errors_pass_through(tmp_path: Path) -> None:
    with pytest.raises(AudioNotFoundError):
        compute_peaks(tmp_path / "missing.wav")

    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(DecodeError, match=r"corrupt\.wav"):
        compute_peaks(corrupt)

    empty = tmp_path / "empty.wav"
    empty.write_bytes(wav_header(data_bytes=0, payload=b""))
    with pytest.raises(EmptyAudioError):
        compute_peaks(empty)


def test_settings_limits_are_enforced(tmp_path: Path) -> None:
    path = _write(tmp_path / "long.wav", np.zeros(SR * 3, dtype=np.float32))
    with pytest.raises(TooLongError):
        compute_peaks(path, settings=Settings(max_duration_s=2))
    assert compute_peaks(path, settings=Settings(max_duration_s=4)).duration_s == 3.0
