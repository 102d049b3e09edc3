"""The analysis result and its parts.

Every estimate that can come from more than one place says where it came from (:class:`Source`) and
how confident it is (0..1). Units are in the field names.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from samplemind.domain.music import MusicalKey

__all__ = [
    "ANALYSIS_SCHEMA_VERSION",
    "SAMPLE_TYPES",
    "AnalysisLevel",
    "AnalysisResult",
    "AudioInfo",
    "Envelope",
    "KeyEstimate",
    "LoopEstimate",
    "Loudness",
    "PitchEstimate",
    "Rhythm",
    "SampleTypeEstimate",
    "Silence",
    "Source",
    "Spectral",
    "TempoEstimate",
    "TimedKey",
]

#: Version of the result's shape (the JSON record in docs/analysis-schema.md).
ANALYSIS_SCHEMA_VERSION = 1


class AnalysisLevel(IntEnum):
    """How much to analyze. Each level includes everything below it."""

    BASIC = 1
    STANDARD = 2
    DETAILED = 3
    PROFESSIONAL = 4

    @classmethod
    def parse(cls, value: str | int | AnalysisLevel) -> AnalysisLevel:
        """``"standard" -> STANDARD``.

        Raises:
            ValueError: listing the valid names when ``value`` is not a level.
        """
        if isinstance(value, AnalysisLevel):
            return value
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[value.strip().upper()]
        except KeyError:
            valid = ", ".join(level.name.lower() for level in cls)
            raise ValueError(f"unknown analysis level {value!r}; valid: {valid}") from None


class Source(StrEnum):
    """Where a BPM or key value came from."""

    AUDIO = "audio"
    DURATION = "duration"
    FILENAME = "filename"
    METADATA = "metadata"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class AudioInfo(_Frozen):
    """Facts about the file and its decoded signal."""

    format: str = Field(description="Container, e.g. WAV, FLAC, MP3.")
    subtype: str | None = Field(None, description="Encoding, e.g. PCM_24, VORBIS.")
    bit_depth: int | None = Field(None, description="Bits per sample for PCM, else None.")
    sample_rate_hz: int
    channels: int
    frames: int
    duration_s: float
    file_size_bytes: int


class Loudness(_Frozen):
    """Level measurements (BASIC)."""

    peak_dbfs: float
    true_peak_dbtp: float
    rms_dbfs: float
    loudness_lufs: float | None = Field(description="ITU-R BS.1770 integrated; None if gated out.")
    crest_factor_db: float


class Silence(_Frozen):
    """Silence facts (BASIC). Threshold: -60 dBFS."""

    is_silent: bool
    leading_silence_s: float
    trailing_silence_s: float


class LoopEstimate(_Frozen):
    """One-shot versus loop."""

    is_loop: bool
    confidence: float = Field(ge=0, le=1)
    bars: int | None = Field(None, description="Whole 4/4 bars the loop spans, when a loop.")


class TempoEstimate(_Frozen):
    """A BPM value with its provenance."""

    bpm: float
    confidence: float = Field(ge=0, le=1)
    source: Source


class KeyEstimate(_Frozen):
    """A musical key with its provenance."""

    key: MusicalKey
    confidence: float = Field(ge=0, le=1)
    source: Source


class PitchEstimate(_Frozen):
    """Root note of a tonal one-shot."""

    note: str = Field(description='Scientific pitch name, e.g. "F#2".')
    midi: int
    cents: float = Field(description="Offset from the equal-tempered note, -50..50.")
    frequency_hz: float
    confidence: float = Field(ge=0, le=1)


class Spectral(_Frozen):
    """Spectral descriptors, averaged over non-silent frames."""

    centroid_hz: float
    rolloff_hz: float = Field(description="85% energy roll-off.")
    flatness: float = Field(description="Wiener entropy, 0 tonal .. 1 noise.")
    bandwidth_hz: float
    zero_crossing_rate: float = Field(description="Crossings per sample.")


class Envelope(_Frozen):
    """Amplitude envelope timings."""

    attack_s: float = Field(description="Onset to peak of the smoothed envelope.")
    decay_s: float = Field(description="Peak to -20 dB below peak.")


#: What a sound can be: the model's classes (drums first), ``drums`` for a loop of drum hits,
#: and ``unknown`` when the model is not confident enough (docs/ml.md).
SAMPLE_TYPES: tuple[str, ...] = (
    "kick",
    "snare",
    "clap",
    "hihat",
    "tom",
    "cymbal",
    "percussion",
    "bass",
    "keys",
    "pad",
    "lead",
    "pluck",
    "strings",
    "brass-wind",
    "guitar",
    "vocal",
    "fx",
    "drums",
    "unknown",
)


class SampleTypeEstimate(_Frozen):
    """What the sound is, by the sample-type model."""

    label: str = Field(description="One of SAMPLE_TYPES; unknown below the model's threshold.")
    confidence: float = Field(ge=0, le=1, description="Calibrated probability of the top class.")
    top: tuple[tuple[str, float], ...] = Field(
        (), description="Up to three (class, probability) pairs, most likely first."
    )


class TimedKey(_Frozen):
    """A key or chord label from ``start_s``."""

    start_s: float
    label: str


class Rhythm(_Frozen):
    """Time-varying detail (DETAILED)."""

    beats_s: list[float] = Field(default_factory=list)
    downbeats_s: list[float] = Field(default_factory=list)
    onsets_s: list[float] = Field(default_factory=list)
    key_changes: list[TimedKey] = Field(default_factory=list)
    chords: list[TimedKey] = Field(default_factory=list)
    loudness_momentary_lufs: list[float] = Field(
        default_factory=list, description="Momentary loudness every 100 ms (400 ms window)."
    )


class AnalysisResult(_Frozen):
    """Everything SampleMind knows about one file."""

    path: str
    level: AnalysisLevel
    audio: AudioInfo
    loudness: Loudness | None = None
    silence: Silence | None = None
    loop: LoopEstimate | None = None
    tempo: TempoEstimate | None = None
    key: KeyEstimate | None = None
    pitch: PitchEstimate | None = None
    spectral: Spectral | None = None
    envelope: Envelope | None = None
    timbre: list[float] | None = Field(None, description="L2-normalised timbre vector.")
    fingerprint: list[float] | None = Field(
        None,
        description="L2-normalised near-duplicate fingerprint (256 floats); not in to_record().",
    )
    rhythm: Rhythm | None = None
    sample_type: SampleTypeEstimate | None = None
    analyzers: dict[str, int] = Field(default_factory=dict, description="name -> version run.")
    elapsed_s: float = 0.0

    @property
    def analysis_version(self) -> str:
        """``"1:envelope@1,key@1,..."``: schema version and every analyzer that ran."""
        parts = ",".join(f"{name}@{version}" for name, version in sorted(self.analyzers.items()))
        return f"{ANALYSIS_SCHEMA_VERSION}:{parts}"

    def to_record(self) -> dict[str, Any]:
        """The flat JSON record of ``samplemind analyze --json`` (docs/analysis-schema.md)."""
        loud, tempo, key, pitch = self.loudness, self.tempo, self.key, self.pitch
        record: dict[str, Any] = {
            "path": self.path,
            "ok": True,
            "error": None,
            "level": self.level.name.lower(),
            "format": self.audio.format,
            "subtype": self.audio.subtype,
            "bit_depth": self.audio.bit_depth,
            "duration_s": self.audio.duration_s,
            "sample_rate_hz": self.audio.sample_rate_hz,
            "channels": self.audio.channels,
            "loudness_lufs": loud.loudness_lufs if loud else None,
            "peak_dbfs": loud.peak_dbfs if loud else None,
            "true_peak_dbtp": loud.true_peak_dbtp if loud else None,
            "rms_dbfs": loud.rms_dbfs if loud else None,
            "crest_factor_db": loud.crest_factor_db if loud else None,
            "is_silent": self.silence.is_silent if self.silence else None,
            "leading_silence_s": self.silence.leading_silence_s if self.silence else None,
            "is_loop": self.loop.is_loop if self.loop else None,
            "bars": self.loop.bars if self.loop else None,
            "bpm": tempo.bpm if tempo else None,
            "bpm_confidence": tempo.confidence if tempo else None,
            "bpm_source": tempo.source.value if tempo else None,
            "key": key.key.name if key else None,
            "key_confidence": key.confidence if key else None,
            "key_source": key.source.value if key else None,
            "camelot": key.key.camelot if key else None,
            "root_note": pitch.note if pitch else None,
            "root_midi": pitch.midi if pitch else None,
            "root_cents": pitch.cents if pitch else None,
            "root_confidence": pitch.confidence if pitch else None,
            "sample_type": self.sample_type.label if self.sample_type else None,
            "sample_type_confidence": self.sample_type.confidence if self.sample_type else None,
            "sample_type_top": (
                [list(pair) for pair in self.sample_type.top] if self.sample_type else None
            ),
            "spectral": self.spectral.model_dump() if self.spectral else None,
            "envelope": self.envelope.model_dump() if self.envelope else None,
            "timbre": self.timbre,
            "analysis_version": self.analysis_version,
        }
        if self.rhythm is not None:
            record["rhythm"] = self.rhythm.model_dump()
        return record
