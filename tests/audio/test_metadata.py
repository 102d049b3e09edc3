"""Writing BPM and key tags: read back by mutagen and by our own hints, audio bytes untouched."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import mutagen
import numpy as np
import pytest
import soundfile as sf

from samplemind.analysis.hints import read_hints, read_tags
from samplemind.audio.metadata import TAGGABLE_EXTENSIONS, write_tags
from samplemind.errors import (
    AudioError,
    AudioNotFoundError,
    ConfigError,
    DecodeError,
    UnsupportedFormatError,
)
from tests.signals import SR, tone

# (extension, soundfile format, subtype, tag family)
FORMATS = [
    ("wav", "WAV", "PCM_16", "id3"),
    ("wav", "WAV", "FLOAT", "id3"),
    ("aiff", "AIFF", "PCM_24", "id3"),
    ("aif", "AIFF", "PCM_16", "id3"),
    ("flac", "FLAC", "PCM_16", "vorbis"),
    ("ogg", "OGG", "VORBIS", "vorbis"),
    ("mp3", "MP3", "MPEG_LAYER_III", "id3"),
]


def _make(tmp_path: Path, ext: str, fmt: str, subtype: str, *, channels: int = 2) -> Path:
    path = tmp_path / f"sample.{ext}"
    y = tone(57, 0.5)
    data = np.stack([y, 0.5 * y], axis=1) if channels == 2 else y
    sf.write(path, data, SR, format=fmt, subtype=subtype)
    return path


def _riff_chunk(data: bytes, wanted: bytes, *, big_endian: bool) -> bytes:
    """Payload of the first ``wanted`` chunk of a RIFF (WAV) or FORM (AIFF) file."""
    order = ">" if big_endian else "<"
    position = 12
    while position + 8 <= len(data):
        chunk_id = data[position : position + 4]
        (size,) = struct.unpack(order + "I", data[position + 4 : position + 8])
        if chunk_id == wanted:
            return data[position + 8 : position + 8 + size]
        position += 8 + size + (size & 1)
    raise AssertionError(f"no {wanted!r} chunk")


def _flac_frames(data: bytes) -> bytes:
    """Everything after the last metadata block: the encoded audio frames."""
    assert data[:4] == b"fLaC"
    position = 4
    while True:
        header = data[position]
        size = int.from_bytes(data[position + 1 : position + 4], "big")
        position += 4 + size
        if header & 0x80:
            return data[position:]


def _mp3_frames(data: bytes) -> bytes:
    """The MPEG stream without a leading ID3v2 tag."""
    if data[:3] == b"ID3":
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        data = data[10 + size :]
    return data


def _audio_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    ext = path.suffix.lower()
    if ext == ".wav":
        return _riff_chunk(data, b"data", big_endian=False)
    if ext in {".aif", ".aiff"}:
        return _riff_chunk(data, b"SSND", big_endian=True)
    if ext == ".flac":
        return _flac_frames(data)
    if ext == ".mp3":
        return _mp3_frames(data)
    raise AssertionError(ext)


def _tag_values(path: Path, family: str) -> tuple[list[str], list[str]]:
    tagged = mutagen.File(path)
    assert tagged is not None and tagged.tags is not None
    if family == "id3":
        return list(tagged.tags["TBPM"].text), list(tagged.tags["TKEY"].text)
    return list(tagged.tags["BPM"]), list(tagged.tags["INITIALKEY"])


@pytest.mark.parametrize(("ext", "fmt", "subtype", "family"), FORMATS)
def test_tags_read_back_and_audio_is_untouched(
    tmp_path: Path, ext: str, fmt: str, subtype: str, family: str
) -> None:
    path = _make(tmp_path, ext, fmt, subtype)
    before_samples, rate = sf.read(path, dtype="float32")
    before_bytes = _audio_bytes(path) if ext != "ogg" else b""

    write_tags(path, bpm=87.5, key="F# minor")

    bpm_values, key_values = _tag_values(path, family)
    assert bpm_values == (["88"] if family == "id3" else ["87.5"])
    assert key_values == ["F#m"]
    hints = read_tags(path)
    assert hints.bpm == (88.0 if family == "id3" else 87.5)
    assert hints.key is not None and hints.key.camelot == "11A"
    after_samples, after_rate = sf.read(path, dtype="float32")
    assert after_rate == rate
    assert np.array_equal(after_samples, before_samples)
    if ext != "ogg":
        assert _audio_bytes(path) == before_bytes


@pytest.mark.parametrize(("ext", "fmt", "subtype", "family"), FORMATS)
def test_rewriting_replaces_values_and_keeps_other_tags(
    tmp_path: Path, ext: str, fmt: str, subtype: str, family: str
) -> None:
    path = _make(tmp_path, ext, fmt, subtype, channels=1)
    write_tags(path, bpm=120, key="C")
    tagged = mutagen.File(path)
    if family == "id3":
        from mutagen.id3 import TIT2

        tagged.tags.add(TIT2(encoding=3, text=["my loop"]))
        tagged.save(v2_version=3)
    else:
        tagged.tags["TITLE"] = ["my loop"]
        tagged.save()

    write_tags(path, key="8A")  # the BPM stays, the key changes
    write_tags(path, bpm=140)

    bpm_values, key_values = _tag_values(path, family)
    assert bpm_values == ["140"]
    assert key_values == ["Am"]
    tags = mutagen.File(path).tags
    assert (tags["TIT2"].text if family == "id3" else tags["TITLE"]) == ["my loop"]
    # The name says nothing; the prior comes from the tags.
    hints = read_hints(path)
    assert (hints.bpm, str(hints.key), hints.bpm_source.value) == (140.0, "A minor", "metadata")


def test_vorbis_key_comment_is_kept_in_step(tmp_path: Path) -> None:
    path = _make(tmp_path, "flac", "FLAC", "PCM_16")
    tagged = mutagen.File(path)
    if tagged.tags is None:
        tagged.add_tags()
    tagged.tags["KEY"] = ["C"]
    tagged.save()
    write_tags(path, key="Ebm")
    tags = mutagen.File(path).tags
    assert tags["INITIALKEY"] == ["D#m"]
    assert tags["KEY"] == ["D#m"]


def test_nothing_to_write_leaves_the_file_alone(tmp_path: Path) -> None:
    path = _make(tmp_path, "wav", "WAV", "PCM_16")
    before = path.read_bytes()
    write_tags(path)
    assert path.read_bytes() == before


def test_bad_values_are_refused_before_the_file_is_opened(tmp_path: Path) -> None:
    path = _make(tmp_path, "wav", "WAV", "PCM_16")
    before = path.read_bytes()
    for bpm in (0, -5, float("nan"), float("inf"), 1000):
        with pytest.raises(ConfigError, match="bpm"):
            write_tags(path, bpm=bpm)
    with pytest.raises(ConfigError, match="key"):
        write_tags(path, key="H minor")
    assert path.read_bytes() == before


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    assert ".mp3" in TAGGABLE_EXTENSIONS and ".w64" not in TAGGABLE_EXTENSIONS
    w64 = tmp_path / "a.w64"
    sf.write(w64, tone(57, 0.1), SR, format="W64")
    with pytest.raises(UnsupportedFormatError, match="supported"):
        write_tags(w64, bpm=120)
    with pytest.raises(AudioNotFoundError):
        write_tags(tmp_path / "missing.wav", bpm=120)
    with pytest.raises(AudioNotFoundError):
        write_tags(tmp_path, bpm=120)


@pytest.mark.parametrize("ext", ["wav", "aiff", "flac", "ogg", "mp3"])
def test_garbage_is_a_decode_error(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"fake.{ext}"
    path.write_bytes(b"this is not audio at all " * 40)
    with pytest.raises(DecodeError):
        write_tags(path, bpm=120, key="Am")


def test_write_failures_are_audio_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mutagen.flac

    def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise mutagen.MutagenError(PermissionError(13, "Permission denied"))

    path = _make(tmp_path, "flac", "FLAC", "PCM_16")
    monkeypatch.setattr(mutagen.flac.FLAC, "save", refuse)
    with pytest.raises(AudioError, match="Permission denied") as caught:
        write_tags(path, bpm=120)
    assert not isinstance(caught.value, DecodeError)


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root may write read-only files")
def test_read_only_file_is_an_audio_error(tmp_path: Path) -> None:
    path = _make(tmp_path, "flac", "FLAC", "PCM_16")
    path.chmod(0o444)
    try:
        with pytest.raises(AudioError, match="cannot write tags"):
            write_tags(path, bpm=120)
    finally:
        path.chmod(0o644)
