"""Pure data: no I/O, no heavy imports."""

from samplemind.domain.analysis import (
    ANALYSIS_SCHEMA_VERSION,
    AnalysisLevel,
    AnalysisResult,
    AudioInfo,
    Envelope,
    KeyEstimate,
    LoopEstimate,
    Loudness,
    PitchEstimate,
    Rhythm,
    Silence,
    Source,
    Spectral,
    TempoEstimate,
    TimedKey,
)
from samplemind.domain.music import Mode, MusicalKey

__all__ = [
    "ANALYSIS_SCHEMA_VERSION",
    "AnalysisLevel",
    "AnalysisResult",
    "AudioInfo",
    "Envelope",
    "KeyEstimate",
    "LoopEstimate",
    "Loudness",
    "Mode",
    "MusicalKey",
    "PitchEstimate",
    "Rhythm",
    "Silence",
    "Source",
    "Spectral",
    "TempoEstimate",
    "TimedKey",
]
