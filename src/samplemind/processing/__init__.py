"""Transforms: reshape sounds without leaving the library.

``process`` (trim, time-stretch to a BPM, pitch-shift to a key or note, mono, resample, fades,
loudness normalization, format conversion; in that fixed order), ``master`` (match a reference
track with matchering) and ``separate`` (harmonic/percussive stems with librosa, or demucs when
installed). See docs/processing.md.

Example:
    >>> spec = ProcessSpec(
    ...     normalize=LoudnessTarget.parse("-14LUFS"), format=OutputFormat.parse("wav24")
    ... )
    >>> spec.normalize.label, spec.format.subtype
    ('-14 LUFS, -1 dBTP', 'PCM_24')
"""

from samplemind.processing.options import (
    DEFAULT_CEILING_DBTP,
    LoudnessTarget,
    OutputFormat,
    ProcessSpec,
    parse_duration_ms,
    parse_pitch_target,
)
from samplemind.processing.plan import MAX_SEMITONES, MAX_SPEED_FACTOR, Plan, SourceFacts, resolve
from samplemind.processing.render import (
    OutputFile,
    TransformReport,
    facts_from_analysis,
    master_file,
    process_file,
    separate_file,
)

__all__ = [
    "DEFAULT_CEILING_DBTP",
    "MAX_SEMITONES",
    "MAX_SPEED_FACTOR",
    "LoudnessTarget",
    "OutputFile",
    "OutputFormat",
    "Plan",
    "ProcessSpec",
    "SourceFacts",
    "TransformReport",
    "facts_from_analysis",
    "master_file",
    "parse_duration_ms",
    "parse_pitch_target",
    "process_file",
    "resolve",
    "separate_file",
]
