"""Musical values: pitch classes, notes, keys and the Camelot wheel.

Note names use sharps (``"F#"``, never ``"Gb"``) and scientific pitch notation (MIDI 60 = C4).

Example:
    >>> MusicalKey.parse("F#min").camelot
    '11A'
    >>> str(MusicalKey.parse("8B"))
    'C major'
    >>> midi_to_note_name(42)
    'F#2'
"""

from __future__ import annotations

import math
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "PITCH_CLASSES",
    "Mode",
    "MusicalKey",
    "hz_to_midi",
    "midi_to_hz",
    "midi_to_note_name",
    "note_name_to_midi",
    "parse_pitch_class",
]

PITCH_CLASSES: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

_FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E"}
_SHARP_ODDITIES = {"E#": "F", "B#": "C"}
_NOTE_RE = re.compile(r"^([A-Ga-g])([#b♯♭]?)(-?\d+)$")
_KEY_RE = re.compile(
    r"^\s*([A-Ga-g])\s*([#b♯♭]|sharp|flat)?\s*(maj(?:or)?|min(?:or)?|m|M)?\s*$", re.IGNORECASE
)
_CAMELOT_RE = re.compile(r"^\s*(1[0-2]|[1-9])\s*([ABab])\s*$")


class Mode(StrEnum):
    """Major or minor."""

    MAJOR = "major"
    MINOR = "minor"


def parse_pitch_class(name: str) -> int:
    """Pitch class (0 = C … 11 = B) of a note name such as ``"F#"``, ``"Gb"`` or ``"e"``.

    Raises:
        ValueError: if ``name`` is not a note name.
    """
    text = name.strip().replace("♯", "#").replace("♭", "b")
    if not text:
        raise ValueError("empty note name")
    text = text[0].upper() + text[1:]
    text = _FLATS.get(text, _SHARP_ODDITIES.get(text, text))
    if text not in PITCH_CLASSES:
        raise ValueError(f"not a note name: {name!r}")
    return PITCH_CLASSES.index(text)


def midi_to_note_name(midi: int) -> str:
    """``60 -> "C4"``, ``42 -> "F#2"``."""
    return f"{PITCH_CLASSES[midi % 12]}{midi // 12 - 1}"


def note_name_to_midi(name: str) -> int:
    """``"F#2" -> 42``, ``"Bb-1" -> 10``.

    Raises:
        ValueError: if ``name`` is not a note with an octave.
    """
    match = _NOTE_RE.match(name.strip())
    if not match:
        raise ValueError(f"not a note with octave: {name!r}")
    letter, accidental, octave = match.groups()
    pitch_class = PITCH_CLASSES.index(letter.upper())
    pitch_class += {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(accidental, 0)
    return (int(octave) + 1) * 12 + pitch_class


def hz_to_midi(frequency_hz: float) -> float:
    """Fractional MIDI number of a frequency (A4 = 440 Hz = 69)."""
    return 69.0 + 12.0 * float(math.log2(frequency_hz / 440.0))


def midi_to_hz(midi: float) -> float:
    """Frequency in Hz of a (fractional) MIDI number."""
    return 440.0 * math.pow(2.0, (midi - 69.0) / 12.0)


class MusicalKey(BaseModel):
    """A tonic pitch class and a mode, with its Camelot code.

    Example:
        >>> k = MusicalKey(tonic=9, mode=Mode.MINOR)
        >>> (str(k), k.camelot, str(k.relative))
        ('A minor', '8A', 'C major')
    """

    model_config = ConfigDict(frozen=True)

    tonic: int = Field(ge=0, le=11, description="Pitch class of the tonic, 0 = C.")
    mode: Mode

    @property
    def tonic_name(self) -> str:
        return PITCH_CLASSES[self.tonic]

    @property
    def name(self) -> str:
        """``"F# minor"``."""
        return f"{self.tonic_name} {self.mode.value}"

    @property
    def short_name(self) -> str:
        """``"F#m"`` / ``"C"``."""
        return self.tonic_name + ("m" if self.mode is Mode.MINOR else "")

    @property
    def camelot_number(self) -> int:
        major_tonic = self.tonic if self.mode is Mode.MAJOR else (self.tonic + 3) % 12
        return (7 * major_tonic + 7) % 12 + 1

    @property
    def camelot(self) -> str:
        """Camelot wheel code: ``"8A"`` is A minor, ``"8B"`` is C major."""
        return f"{self.camelot_number}{'B' if self.mode is Mode.MAJOR else 'A'}"

    @property
    def relative(self) -> MusicalKey:
        """The relative major/minor (same Camelot number)."""
        if self.mode is Mode.MAJOR:
            return MusicalKey(tonic=(self.tonic + 9) % 12, mode=Mode.MINOR)
        return MusicalKey(tonic=(self.tonic + 3) % 12, mode=Mode.MAJOR)

    def compatible(self) -> tuple[MusicalKey, ...]:
        """Harmonically compatible keys: itself, ±1 on the wheel, and its relative."""
        letter = "B" if self.mode is Mode.MAJOR else "A"
        up = (self.camelot_number % 12) + 1
        down = ((self.camelot_number - 2) % 12) + 1
        return (
            self,
            MusicalKey.from_camelot(f"{up}{letter}"),
            MusicalKey.from_camelot(f"{down}{letter}"),
            self.relative,
        )

    @classmethod
    def from_camelot(cls, code: str) -> MusicalKey:
        """``"8A" -> A minor``.

        Raises:
            ValueError: if ``code`` is not a Camelot code.
        """
        match = _CAMELOT_RE.match(code)
        if not match:
            raise ValueError(f"not a Camelot code: {code!r}")
        number, letter = int(match.group(1)), match.group(2).upper()
        # Inverse of camelot_number: major tonic = 7 * (n - 8) mod 12 (7 is its own inverse mod 12).
        major_tonic = (7 * (number - 8)) % 12
        if letter == "B":
            return cls(tonic=major_tonic, mode=Mode.MAJOR)
        return cls(tonic=(major_tonic + 9) % 12, mode=Mode.MINOR)

    @classmethod
    def parse(cls, text: str) -> MusicalKey:
        """Parse ``"Am"``, ``"A minor"``, ``"F#min"``, ``"Bb"``, ``"ebm"`` or a Camelot ``"8A"``.

        A bare note (``"C"``) means major.

        Raises:
            ValueError: if ``text`` is not a key.
        """
        if _CAMELOT_RE.match(text):
            return cls.from_camelot(text)
        match = _KEY_RE.match(text)
        if not match:
            raise ValueError(f"not a musical key: {text!r}")
        letter, accidental, mode_text = match.groups()
        accidental = {"sharp": "#", "flat": "b"}.get((accidental or "").lower(), accidental or "")
        tonic = parse_pitch_class(letter.upper() + accidental)
        is_minor = bool(mode_text) and (mode_text == "m" or mode_text.lower().startswith("min"))
        return cls(tonic=tonic, mode=Mode.MINOR if is_minor else Mode.MAJOR)

    def __str__(self) -> str:
        return self.name
