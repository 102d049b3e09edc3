"""Library records: samples as stored, tags, collections, scan runs.

A :class:`Sample` is one audio file the library knows, with its audio facts and the analysis
summary that search filters on (the full per-analyzer results live beside it, see
:class:`~samplemind.domain.analysis.AnalysisResult`). Records are immutable values; the store
returns fresh ones after every change.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from samplemind.domain.analysis import AnalysisResult

__all__ = [
    "AnalysisState",
    "Collection",
    "Derivation",
    "DerivationKind",
    "FileFacts",
    "PendingAnalysis",
    "Sample",
    "SampleRecord",
    "ScanRun",
    "ScanStatus",
    "ScanSummary",
    "SearchHit",
    "Tag",
    "TagSource",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class TagSource(StrEnum):
    """Who put a tag on a sample. A user's tag always wins over the others."""

    USER = "user"
    FILENAME = "filename"
    AI = "ai"
    MODEL = "model"


class AnalysisState(StrEnum):
    """Where a sample stands in analysis."""

    PENDING = "pending"  # indexed, not analyzed yet (or changed since)
    DONE = "done"
    FAILED = "failed"  # the last attempt failed; error_code/error_message say why


class ScanStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    INTERRUPTED = "interrupted"  # stopped early (Ctrl-C, kill -9 found by the next scan)


class Tag(_Frozen):
    """A tag on a sample. Names are lower-case, trimmed, 1..64 characters."""

    name: str = Field(min_length=1, max_length=64)
    source: TagSource = TagSource.USER
    confidence: float | None = Field(None, ge=0, le=1)


class FileFacts(_Frozen):
    """What indexing learns from the file system and the header, before any analysis."""

    path: str = Field(description="Absolute, resolved path.")
    content_hash: str = Field(description="xxh3-128 of the file's bytes, hex.")
    size_bytes: int = Field(ge=0)
    mtime_ns: int
    format: str | None = None
    subtype: str | None = None
    bit_depth: int | None = None
    sample_rate_hz: int | None = None
    channels: int | None = None
    frames: int | None = None
    duration_s: float | None = None


class Sample(_Frozen):
    """One file in the library: facts, analysis summary, tags and favourite."""

    id: int
    path: str
    name: str = Field(description="File name with extension.")
    content_hash: str
    size_bytes: int
    mtime_ns: int
    missing: bool = Field(False, description="Not found at its path by the last scan.")
    format: str | None = None
    subtype: str | None = None
    bit_depth: int | None = None
    sample_rate_hz: int | None = None
    channels: int | None = None
    frames: int | None = None
    duration_s: float | None = None
    # Analysis summary: the values search filters and sorts on.
    analysis_state: AnalysisState = AnalysisState.PENDING
    error_code: str | None = None
    error_message: str | None = None
    loudness_lufs: float | None = None
    peak_dbfs: float | None = None
    true_peak_dbtp: float | None = None
    is_loop: bool | None = None
    bars: int | None = None
    bpm: float | None = None
    bpm_confidence: float | None = None
    key: str | None = Field(None, description='MusicalKey.name, e.g. "A minor".')
    camelot: str | None = None
    key_confidence: float | None = None
    root_note: str | None = None
    root_midi: int | None = None
    sample_type: str | None = Field(
        None, description="The user's type when set (user_sample_type), else the model's."
    )
    user_sample_type: str | None = Field(
        None, description="A user's correction; it wins over the model, re-analysis included."
    )
    favourite: bool = False
    tags: tuple[Tag, ...] = ()
    added_at: datetime
    updated_at: datetime

    @property
    def tag_names(self) -> list[str]:
        """Distinct tag names, sorted."""
        return sorted({tag.name for tag in self.tags})


class PendingAnalysis(_Frozen):
    """A sample that needs (some) analyzers run: ``analyzers`` empty means all of the level's."""

    sample_id: int
    path: str
    analyzers: frozenset[str] = frozenset()


class Collection(_Frozen):
    """A named, ordered set of samples (a kit in the making)."""

    id: int
    name: str
    size: int = 0
    created_at: datetime


class ScanSummary(_Frozen):
    """What a scan did, by file count, and each failure with its reason."""

    added: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0
    missing: int = 0
    analyzed: int = 0
    failed: int = 0
    failures: tuple[tuple[str, str, str], ...] = Field(
        (), description="(path, error code, message) per failed file."
    )


class ScanRun(_Frozen):
    """One run of ``samplemind scan``."""

    id: int
    roots: tuple[str, ...]
    status: ScanStatus
    started_at: datetime
    finished_at: datetime | None = None
    summary: ScanSummary = ScanSummary()


class DerivationKind(StrEnum):
    """How a sample was made from another one (``samplemind process|master|stems``)."""

    PROCESS = "process"  # stretch, shift, normalize, trim, fade, convert
    MASTER = "master"  # matched to a reference track (matchering)
    STEM = "stem"  # one stem of a separation (HPSS or demucs)


class Derivation(_Frozen):
    """The link from a sample made by a transform to the sample it was made from.

    ``source_id`` becomes None when the source is forgotten (the link's ``params`` still name
    its path); a derived sample keeps its derivation when its own file is re-analyzed.
    """

    sample_id: int = Field(description="The derived sample.")
    source_id: int | None = Field(description="The sample it was made from.")
    kind: DerivationKind
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="What was done: the options, the values resolved from the source's "
        "analysis (e.g. `from_bpm`, `semitones`), and the source path.",
    )
    created_at: datetime


class SearchHit(_Frozen):
    """A sample found by a search, with its score (higher is better)."""

    sample: Sample
    score: float = 0.0


class SampleRecord(_Frozen):
    """A sample with everything stored about it: what a detail view shows."""

    sample: Sample
    analysis: AnalysisResult | None = None
    collections: tuple[str, ...] = ()
    derived_from: Derivation | None = None
    derivatives: tuple[Derivation, ...] = ()
