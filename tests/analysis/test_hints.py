"""BPM and key priors from file names and embedded metadata."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import soundfile as sf
from mutagen.id3 import ID3, TBPM, TKEY

from samplemind.analysis.hints import Hints, parse_filename, read_acid_chunk, read_hints, read_tags
from samplemind.domain.analysis import Source
from tests.signals import SR, tone


@pytest.mark.parametrize(
    ("name", "bpm", "explicit", "key", "loop"),
    [
        ("Loop_128_Am.wav", 128.0, False, "A minor", True),
        ("dark pad 140bpm F#min.flac", 140.0, True, "F# minor", None),
        ("BPM_95 - Gbm - keys.wav", 95.0, True, "F# minor", None),
        ("Trap Loop - 140 - C minor.mp3", 140.0, False, "C minor", True),
        ("Bass_Ebm_90.wav", 90.0, False, "D# minor", None),
        ("Kick A.wav", None, False, None, None),
        ("Snare_01.wav", None, False, None, None),
        ("808 one shot.wav", None, False, None, False),
        ("Lead_C#_Hit.wav", None, False, "C# major", False),
        ("Song 2024 Final.wav", None, False, None, None),
        ("Drums 87.5bpm.wav", 87.5, True, None, None),
        ("Groove_Dusty.wav", None, False, None, True),
    ],
)
def test_filename_priors(
    name: str, bpm: float | None, explicit: bool, key: str | None, loop: bool | None
) -> None:
    hints = parse_filename(name)
    assert hints.bpm == bpm
    assert hints.bpm_explicit is explicit
    assert (hints.key.name if hints.key else None) == key
    assert hints.says_loop is loop
    if bpm is not None:
        assert hints.bpm_source is Source.FILENAME


def _with_acid(path: Path, *, tempo: float, one_shot: bool) -> None:
    data = path.read_bytes()
    flags = 0x01 if one_shot else 0x02
    body = struct.pack("<IHHfIHHf", flags, 60, 0x8000, 0.0, 8, 4, 4, tempo)
    chunk = b"acid" + struct.pack("<I", len(body)) + body
    riff = data[:12] + chunk + data[12:]
    riff = riff[:4] + struct.pack("<I", len(riff) - 8) + riff[8:]
    path.write_bytes(riff)


def test_acid_chunk(tmp_path: Path) -> None:
    path = tmp_path / "neutral.wav"
    sf.write(path, tone(60, 0.5), SR)
    assert read_acid_chunk(path) == (None, None)
    _with_acid(path, tempo=122.0, one_shot=False)
    assert sf.info(path).frames == int(0.5 * SR)  # still a valid WAV
    assert read_acid_chunk(path) == (122.0, False)
    hints = read_hints(path)
    assert (hints.bpm, hints.bpm_source, hints.says_loop) == (122.0, Source.METADATA, True)


def test_id3_tags_win_over_the_name(tmp_path: Path) -> None:
    path = tmp_path / "Loop_100_Cm.mp3"
    sf.write(path, tone(60, 0.5), SR, format="MP3")
    tags = ID3()
    tags.add(TBPM(encoding=3, text=["124"]))
    tags.add(TKEY(encoding=3, text=["F#m"]))
    tags.save(path)
    hints = read_hints(path)
    assert (hints.bpm, hints.bpm_source) == (124.0, Source.METADATA)
    assert (hints.key.name if hints.key else None, hints.key_source) == (
        "F# minor",
        Source.METADATA,
    )
    assert hints.says_loop is True  # only the name says so


def test_vorbis_comments(tmp_path: Path) -> None:
    path = tmp_path / "x.flac"
    sf.write(path, tone(60, 0.5), SR)
    from mutagen.flac import FLAC

    audio = FLAC(path)
    audio["BPM"] = "not a number"
    audio["INITIALKEY"] = ["??", "Dm"]
    audio.save()
    hints = read_tags(path)
    assert hints.bpm is None
    assert hints.key is not None and hints.key.name == "D minor"


def test_unreadable_tags_are_no_hints(tmp_path: Path) -> None:
    path = tmp_path / "junk.wav"
    path.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(40))
    assert read_hints(path) == Hints()
    missing = tmp_path / "missing.wav"
    assert read_acid_chunk(missing) == (None, None)


def test_merge_prefers_self() -> None:
    a = Hints(bpm=120.0, bpm_source=Source.METADATA, bpm_explicit=True)
    b = parse_filename("Loop_90_Am.wav")
    merged = a.merged(b)
    assert (merged.bpm, merged.bpm_source) == (120.0, Source.METADATA)
    assert merged.key == b.key
    assert merged.says_loop is True
