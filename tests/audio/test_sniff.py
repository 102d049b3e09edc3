"""Sniffing: real encoded files are recognised by content; hostile bytes are refused by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given
from hypothesis import strategies as st

from samplemind.audio.sniff import AUDIO_KINDS, SNIFF_BYTES, sniff_audio, sniff_file
from samplemind.errors import AudioNotFoundError, UnsupportedFormatError
from tests.audio.hostile import flac_declaring, wav_header
from tests.signals import SR, tone

ENCODINGS = [
    ("wav", "WAV", "PCM_16", "wav"),
    ("wav", "WAV", "FLOAT", "wav"),
    ("rf64", "RF64", "PCM_16", "wav"),
    ("aiff", "AIFF", "PCM_24", "aiff"),
    ("aifc", "AIFF", "ALAW", "aiff"),
    ("flac", "FLAC", "PCM_16", "flac"),
    ("ogg", "OGG", "VORBIS", "ogg"),
    ("opus", "OGG", "OPUS", "ogg"),
    ("mp3", "MP3", "MPEG_LAYER_III", "mp3"),
]


def _id3v2(payload_size: int, *, version: int = 4) -> bytes:
    """An ID3v2 tag of ``payload_size`` bytes (one TIT2 frame, then zero padding)."""
    size = payload_size
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    frame = b"TIT2" + (9).to_bytes(4, "big") + b"\x00\x00" + b"\x03kick 01"
    return b"ID3" + bytes([version, 0, 0]) + syncsafe + frame + bytes(size - len(frame))


def _encode(tmp_path: Path, name: str, fmt: str, subtype: str) -> Path:
    if fmt not in sf.available_formats() or subtype not in sf.available_subtypes(fmt):
        pytest.skip(f"this libsndfile cannot write {fmt}/{subtype}")
    rate = 48_000 if subtype == "OPUS" else SR
    path = tmp_path / f"x.{name}"
    sf.write(path, tone(60, 0.3, sr=rate), rate, format=fmt, subtype=subtype)
    return path


@pytest.mark.parametrize(("name", "fmt", "subtype", "kind"), ENCODINGS)
def test_real_encoded_files_are_recognised(
    tmp_path: Path, name: str, fmt: str, subtype: str, kind: str
) -> None:
    path = _encode(tmp_path, name, fmt, subtype)
    assert sniff_audio(path.read_bytes()[:SNIFF_BYTES]) == kind
    assert sniff_file(path) == kind
    # Content, not name: the same bytes under a misleading name are still recognised.
    renamed = path.rename(tmp_path / "renamed.txt")
    assert sniff_file(renamed) == kind


def test_id3_prefixed_mp3_and_flac_are_recognised(tmp_path: Path) -> None:
    mp3 = _encode(tmp_path, "mp3", "MP3", "MPEG_LAYER_III").read_bytes()
    flac = _encode(tmp_path, "flac", "FLAC", "PCM_16").read_bytes()
    for version in (2, 3, 4):
        assert sniff_audio((_id3v2(512, version=version) + mp3)[:SNIFF_BYTES]) == "mp3"
    assert sniff_audio((_id3v2(512) + flac)[:SNIFF_BYTES]) == "flac"
    # Zero padding past the declared tag size, as some taggers write.
    assert sniff_audio(_id3v2(512) + bytes(64) + mp3) == "mp3"


def test_id3_tag_larger_than_the_head(tmp_path: Path) -> None:
    mp3 = _encode(tmp_path, "mp3", "MP3", "MPEG_LAYER_III").read_bytes()
    cover_art = _id3v2(3 * SNIFF_BYTES)
    # From the head alone, a tag filling it is taken as MP3 (the convention) ...
    assert sniff_audio((cover_art + mp3)[:SNIFF_BYTES]) == "mp3"
    # ... and the file is checked past the tag.
    good = tmp_path / "art.mp3"
    good.write_bytes(cover_art + mp3)
    assert sniff_file(good) == "mp3"
    fake = tmp_path / "fake.mp3"
    fake.write_bytes(cover_art + b"PK\x03\x04" + bytes(200))
    with pytest.raises(UnsupportedFormatError, match=r"fake\.mp3: .*ID3v2 tag followed by a ZIP"):
        sniff_file(fake)
    tag_only = tmp_path / "tag_only.mp3"
    tag_only.write_bytes(cover_art)
    with pytest.raises(UnsupportedFormatError, match="no audio after it"):
        sniff_file(tag_only)


def test_hostile_flac_header_still_sniffs_as_flac() -> None:
    # Sniffing recognises; decode() is what refuses the absurd length.
    assert sniff_audio(flac_declaring(2**36 - 1)) == "flac"


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04" + bytes(200), "looks like a ZIP archive, not audio"),
        (b"kick drum, 120 bpm, dry\n" * 40, "looks like text"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "looks like a PNG image, not audio"),
        (b"%PDF-1.7\n" + bytes(200), "looks like a PDF document"),
        (b"\xff\xd8\xff\xe0" + bytes(200), "looks like a JPEG image"),
        (wav_header().replace(b"WAVE", b"JUNK", 1), "RIFF container of type 'JUNK', not WAVE"),
        (wav_header().replace(b"WAVE", bytes(4), 1), "RIFF container of type 00 00 00 00"),
        (b"RIFF\x00\x10\x00\x00AVI LIST" + bytes(64), "AVI video .*not WAVE audio"),
        (b"RIFF\x00\x10", "truncated RIFF header"),
        (b"FORM\x00\x00\x10\x008SVXVHDR" + bytes(64), "IFF container of type '8SVX'"),
        (b"fLaC\x01\x00\x00\x22" + bytes(64), "without its STREAMINFO"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x10" + bytes(16) + b"not mpeg", "neither MPEG audio nor"),
        (b"ID3\x04\x00\x00\x80\x80\x80\x80" + bytes(64), "malformed ID3v2 tag"),
        (b"\xff\xfb\x90\xc4" + b"\x01" * 3000, "damaged or fake MP3"),
        (b"\xff\xf1\x50\x80" + bytes(64), "AAC audio .*not a format we decode"),
        (b"\x00" * 512, "not a recognised audio format .*00 00 00"),
    ],
)
def test_hostile_kinds_are_refused_with_what_they_look_like(head: bytes, message: str) -> None:
    with pytest.raises(UnsupportedFormatError, match=message):
        sniff_audio(head)


def test_ogg_video_is_refused(tmp_path: Path) -> None:
    vorbis = _encode(tmp_path, "ogg", "OGG", "VORBIS").read_bytes()
    start = 27 + vorbis[26]
    theora = vorbis[:start] + b"\x80theora" + vorbis[start + 7 :]
    with pytest.raises(UnsupportedFormatError, match="Theora video"):
        sniff_audio(theora)


def test_random_bytes_are_refused() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        head = rng.bytes(SNIFF_BYTES)
        with pytest.raises(UnsupportedFormatError):
            sniff_audio(head)


@given(st.binary(max_size=2048))
def test_any_bytes_give_a_kind_or_the_typed_error(head: bytes) -> None:
    try:
        kind = sniff_audio(head)
    except UnsupportedFormatError as exc:
        message = exc.message
    else:
        assert kind in AUDIO_KINDS
        return
    assert message


def test_sniff_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(AudioNotFoundError, match="no such file"):
        sniff_file(tmp_path / "missing.wav")
    with pytest.raises(AudioNotFoundError, match="not a regular file"):
        sniff_file(tmp_path)
    archive = tmp_path / "kit.wav"
    archive.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(UnsupportedFormatError, match=r"^kit\.wav: looks like a ZIP archive"):
        sniff_file(archive)
    empty = tmp_path / "empty.wav"
    empty.touch()
    with pytest.raises(UnsupportedFormatError, match="empty"):
        sniff_file(empty)
