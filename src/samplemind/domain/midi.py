"""Audio transcribed to MIDI: notes of tonal material, drum hits of percussive material."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DrumHit", "DrumKind", "MidiMode", "TranscribedNote", "Transcription"]


class MidiMode(StrEnum):
    """How to transcribe: by the sample type (auto), as notes, or as drum hits."""

    AUTO = "auto"
    TONAL = "tonal"
    DRUMS = "drums"


class DrumKind(StrEnum):
    """What a drum hit is, as the issue's pattern asks: kick, snare, hi-hat or anything else."""

    KICK = "kick"
    SNARE = "snare"
    HIHAT = "hihat"
    OTHER = "other"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class TranscribedNote(_Frozen):
    """A note; ``bends`` are semitone offsets spread evenly over it (empty: none)."""

    start_s: float
    end_s: float
    pitch: int = Field(ge=0, le=127)
    velocity: int = Field(ge=1, le=127)
    bends: tuple[float, ...] = ()


class DrumHit(_Frozen):
    """A drum onset, its kind, the General MIDI key it is written as, and the sample type the
    classifier gave it (clap, tom, cymbal, … are ``other`` kinds with their own GM keys)."""

    time_s: float
    kind: DrumKind
    gm_note: int = Field(ge=0, le=127)
    velocity: int = Field(ge=1, le=127)
    sample_type: str


class Transcription(_Frozen):
    """The result of audio to MIDI, before it is written as a file."""

    mode: MidiMode = Field(description="tonal or drums (never auto: what was chosen).")
    bpm: float = Field(gt=0, description="Tempo of the MIDI file (the analysis's, else 120).")
    quantize: str | None = Field(None, description='Grid the times were snapped to, e.g. "1/16".')
    duration_s: float
    program: int = Field(0, ge=0, le=127, description="GM program of the notes (tonal).")
    notes: tuple[TranscribedNote, ...] = ()
    hits: tuple[DrumHit, ...] = ()
