"""Decoding: every format, and hostile input that must fail with a typed error, fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given
from hypothesis import strategies as st

from samplemind.audio import decode, probe
from samplemind.config import Settings
from samplemind.errors import (
    AudioError,
    AudioNotFoundError,
    DecodeError,
    EmptyAudioError,
    HeaderLimitError,
    TooLongError,
    UnsupportedFormatError,
)
from tests.audio.hostile import flac_declaring, wav_header
from tests.signals import SR, tone

FORMATS = [
    ("wav", "WAV", "PCM_16", 16),
    ("wav", "WAV", "PCM_24", 24),
    ("wav", "WAV", "FLOAT", 32),
    ("aiff", "AIFF", "PCM_24", 24),
    ("flac", "FLAC", "PCM_16", 16),
    ("ogg", "OGG", "VORBIS", None),
    ("mp3", "MP3", "MPEG_LAYER_III", None),
]


@pytest.mark.parametrize(("ext", "fmt", "subtype", "bits"), FORMATS)
@pytest.mark.parametrize("channels", [1, 2])
def test_decodes_every_format(
    tmp_path: Path, ext: str, fmt: str, subtype: str, bits: int | None, channels: int
) -> None:
    y = tone(57, 0.5)
    data = np.column_stack([y] * channels)
    path = tmp_path / f"a.{ext}"
    sf.write(path, data, SR, format=fmt, subtype=subtype)

    signal = decode(path)

    assert signal.info.format == fmt
    assert signal.info.bit_depth == bits
    assert signal.info.channels == channels == signal.channels
    assert signal.sample_rate_hz == SR
    assert signal.samples.dtype == np.float32
    # Lossy codecs add priming/padding frames; lossless are exact.
    tolerance = 0 if bits else int(0.06 * SR)
    assert abs(signal.frames - y.size) <= tolerance
    assert signal.info.duration_s == pytest.approx(signal.frames / SR)
    if bits:
        np.testing.assert_allclose(signal.samples[:, 0], y, atol=2.0 ** -(bits - 2))


def test_probe_reads_header_only(tmp_path: Path) -> None:
    path = tmp_path / "a.flac"
    sf.write(path, tone(60, 1.0, sr=48000), 48000, subtype="PCM_24")
    info = probe(path)
    assert (info.sample_rate_hz, info.channels, info.frames, info.bit_depth) == (
        48000,
        1,
        48000,
        24,
    )
    assert info.file_size_bytes == path.stat().st_size


def test_flac_declaring_2_to_36_frames_is_refused_without_allocating(tmp_path: Path) -> None:
    path = tmp_path / "bomb.flac"
    path.write_bytes(flac_declaring(2**36 - 1))
    assert path.stat().st_size == 97
    with pytest.raises(HeaderLimitError, match="68719476735 frames"):
        decode(path)


def test_one_hertz_wav_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "slow.wav"
    path.write_bytes(wav_header(sample_rate_hz=1, data_bytes=2**31))
    with pytest.raises(HeaderLimitError, match="sample rate of 1 Hz"):
        decode(path)


def test_absurd_channel_count_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.wav"
    path.write_bytes(wav_header(channels=200, data_bytes=800, payload=bytes(800)))
    with pytest.raises(HeaderLimitError, match="200 channels"):
        decode(path)


def test_wav_claiming_more_data_than_it_has_is_refused(tmp_path: Path) -> None:
    # libsndfile clamps the length to the file: without our check this passes as 100 frames.
    path = tmp_path / "liar.wav"
    path.write_bytes(wav_header(data_bytes=0x7FFFFFF0, payload=b"\x00\x10" * 100))
    with pytest.raises(DecodeError, match="truncated, or a lying header"):
        decode(path)
    with pytest.raises(DecodeError, match="declares 2,147,483,632 bytes"):
        probe(path)


def test_wav_with_unknown_data_length_decodes_what_is_there(tmp_path: Path) -> None:
    path = tmp_path / "streamed.wav"  # a recorder that never came back to fill in the length
    path.write_bytes(wav_header(data_bytes=0xFFFFFFFF, payload=b"\x00\x10" * 100))
    assert decode(path).frames == 100


def test_truncated_aiff_is_refused(tmp_path: Path) -> None:
    whole = tmp_path / "whole.aiff"
    sf.write(whole, np.full(SR, 0.25, dtype=np.float32), SR, format="AIFF", subtype="PCM_16")
    cut = tmp_path / "cut.aiff"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert decode(whole).frames == SR
    with pytest.raises(DecodeError, match="truncated"):
        decode(cut)


def test_longer_than_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    sf.write(path, np.zeros(SR * 3, dtype=np.float32), SR)
    with pytest.raises(TooLongError, match="longer than the limit of 2 s"):
        decode(path, Settings(max_duration_s=2))
    assert decode(path, Settings(max_duration_s=4)).frames == SR * 3


def test_decoded_memory_cap_stops_a_lying_stream(tmp_path: Path) -> None:
    # 6 s of stereo float32 is ~2 MB: a 1 MB cap must stop decoding in blocks.
    path = tmp_path / "big.flac"
    sf.write(path, np.zeros((SR * 6, 2), dtype=np.float32), SR)
    with pytest.raises(TooLongError, match="decoded more than"):
        decode(path, Settings(max_decoded_mb=1, decode_block_frames=4096))


def test_zero_length_audio(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(wav_header(data_bytes=0, payload=b""))
    with pytest.raises(EmptyAudioError):
        decode(path)
    zero_bytes = tmp_path / "zero.wav"
    zero_bytes.touch()
    with pytest.raises(EmptyAudioError, match="0 bytes"):
        decode(zero_bytes)


def test_missing_directory_and_unsupported(tmp_path: Path) -> None:
    with pytest.raises(AudioNotFoundError, match="no such file"):
        decode(tmp_path / "nope.wav")
    with pytest.raises(AudioNotFoundError, match="not a regular file"):
        decode(tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UnsupportedFormatError, match=r"supported: .*\.wav"):
        decode(text)


def test_zip_renamed_wav_is_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "kit.wav"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(DecodeError, match="not readable audio"):
        decode(path)


def test_non_finite_floats_are_zeroed(tmp_path: Path) -> None:
    y = tone(60, 0.2)
    y[100:110] = np.nan
    y[200] = np.inf
    path = tmp_path / "nan.wav"
    sf.write(path, y, SR, subtype="FLOAT")
    signal = decode(path)
    assert np.isfinite(signal.samples).all()
    assert signal.samples[105, 0] == 0.0


@given(st.binary(min_size=0, max_size=4096))
def test_random_bytes_never_escape_the_error_tree(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.wav"
        path.write_bytes(data)
        try:
            signal = decode(path)
        except AudioError:
            return
        assert signal.frames > 0
        assert np.isfinite(signal.samples).all()


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("valid")
    files = {}
    for ext, fmt, subtype, _bits in FORMATS:
        path = folder / f"x.{ext}"
        sf.write(path, tone(64, 0.4), SR, format=fmt, subtype=subtype)
        files[ext] = path.read_bytes()
    return files


@given(
    ext=st.sampled_from(["wav", "aiff", "flac", "ogg", "mp3"]),
    cut=st.floats(min_value=0.0, max_value=0.95),
    flip=st.lists(st.integers(min_value=0, max_value=10_000), max_size=8),
)
def test_truncated_and_corrupted_files_fail_cleanly(
    valid_files: dict[str, bytes], ext: str, cut: float, flip: list[int]
) -> None:
    import tempfile

    data = bytearray(valid_files[ext][: max(1, int(len(valid_files[ext]) * cut))])
    for index in flip:
        if index < len(data):
            data[index] ^= 0xA5
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"broken.{ext}"
        path.write_bytes(bytes(data))
        error: AudioError | None = None
        try:
            signal = decode(path)
        except AudioError as exc:
            error = exc
        if error is not None:
            assert error.code in {"decode_error", "empty_audio", "absurd_header", "too_long"}
            assert path.name in error.message
        else:
            assert np.isfinite(signal.samples).all()
            assert signal.frames > 0


def test_vbr_mp3_decodes_without_block_boundary_glitches(tmp_path: Path) -> None:
    # libsndfile 1.2 garbles MPEG samples near partial-read boundaries; decode must read the
    # file as a whole and match a single full read, block size notwithstanding.
    sr = 44_100
    t = np.arange(sr * 4) / sr
    wave = (0.5 * np.sin(2 * np.pi * 220 * t) * np.exp(-(t % 0.5) * 8)).astype(np.float32)
    path = tmp_path / "vbr.mp3"
    sf.write(path, wave, sr, format="MP3")  # libsndfile's default MP3 is VBR
    whole, _ = sf.read(path, dtype="float32", always_2d=True)
    decoded = decode(path, Settings(decode_block_frames=4096)).samples
    assert decoded.shape == whole.shape
    assert float(np.abs(decoded - whole).max()) == 0.0
    assert float(np.abs(decoded[: len(wave), 0] - wave).max()) < 0.05
