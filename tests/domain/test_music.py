"""Keys, Camelot codes and note names."""

from __future__ import annotations

import pytest

from samplemind.domain.music import (
    Mode,
    MusicalKey,
    hz_to_midi,
    midi_to_hz,
    midi_to_note_name,
    note_name_to_midi,
    parse_pitch_class,
)

# The Camelot wheel as DJs print it.
WHEEL = {
    "1A": "G# minor", "1B": "B major", "2A": "D# minor", "2B": "F# major",
    "3A": "A# minor", "3B": "C# major", "4A": "F minor", "4B": "G# major",
    "5A": "C minor", "5B": "D# major", "6A": "G minor", "6B": "A# major",
    "7A": "D minor", "7B": "F major", "8A": "A minor", "8B": "C major",
    "9A": "E minor", "9B": "G major", "10A": "B minor", "10B": "D major",
    "11A": "F# minor", "11B": "A major", "12A": "C# minor", "12B": "E major",
}  # fmt: skip


@pytest.mark.parametrize(("code", "name"), WHEEL.items())
def test_camelot_wheel(code: str, name: str) -> None:
    key = MusicalKey.parse(name)
    assert key.camelot == code
    assert MusicalKey.from_camelot(code) == key
    assert str(MusicalKey.parse(code)) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Am", "A minor"), ("A minor", "A minor"), ("F#min", "F# minor"), ("Gbm", "F# minor"),
        ("Bb", "A# major"), ("ebm", "D# minor"), ("C", "C major"), ("Cmaj", "C major"),
        ("C# major", "C# major"), ("E flat minor", "D# minor"), ("8a", "A minor"),
    ],
)  # fmt: skip
def test_parse_key_spellings(text: str, expected: str) -> None:
    assert MusicalKey.parse(text).name == expected


@pytest.mark.parametrize("text", ["", "H", "Xm", "13A", "minor", "C##"])
def test_parse_rejects_non_keys(text: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        MusicalKey.parse(text)


def test_relative_and_compatible_keys() -> None:
    a_minor = MusicalKey(tonic=9, mode=Mode.MINOR)
    assert a_minor.relative.name == "C major"
    assert a_minor.relative.relative == a_minor
    assert [k.camelot for k in a_minor.compatible()] == ["8A", "9A", "7A", "8B"]
    assert [k.camelot for k in MusicalKey.from_camelot("12B").compatible()] == [
        "12B", "1B", "11B", "12A",
    ]  # fmt: skip
    assert a_minor.short_name == "Am"


def test_note_names() -> None:
    assert midi_to_note_name(60) == "C4"
    assert midi_to_note_name(42) == "F#2"
    assert midi_to_note_name(0) == "C-1"
    for midi in range(128):
        assert note_name_to_midi(midi_to_note_name(midi)) == midi
    assert note_name_to_midi("Bb1") == 34
    assert parse_pitch_class("E#") == 5
    with pytest.raises(ValueError, match="not a note"):
        note_name_to_midi("H2")
    with pytest.raises(ValueError, match="empty"):
        parse_pitch_class(" ")


def test_frequency_conversions() -> None:
    assert hz_to_midi(440.0) == pytest.approx(69.0)
    assert midi_to_hz(57) == pytest.approx(220.0)
    assert hz_to_midi(midi_to_hz(41.37)) == pytest.approx(41.37)
