"""Request and response bodies that are the API's own (domain models serve as they are)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from samplemind.config import AnalysisLevelName
from samplemind.domain.analysis import AnalysisResult
from samplemind.domain.library import Sample, ScanSummary, SearchHit

__all__ = [
    "AnalyzeResponse",
    "CollectionCreate",
    "DuplicateGroupOut",
    "ErrorBody",
    "ErrorDetail",
    "FolderOut",
    "Health",
    "JobOut",
    "Readiness",
    "ReferenceOut",
    "SampleDetail",
    "SamplePage",
    "SamplePatch",
    "ScanRequest",
    "SimilarPage",
    "SoundMapOut",
    "Stats",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `sample_not_found`.")
    message: str = Field(description="What went wrong, for people.")
    position: int | None = Field(None, description="Query errors: offset of the bad token.")


class ErrorBody(BaseModel):
    """Every error response: ``{"error": {"code", "message"}}``."""

    error: ErrorDetail


class SamplePage(BaseModel):
    items: list[SearchHit]
    total: int = Field(description="Samples matching the query (all pages).")
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")


class SampleDetail(BaseModel):
    sample: Sample
    analysis: AnalysisResult | None = Field(None, description="Null until analyzed.")
    collections: list[str]


class SamplePatch(_Body):
    """Changes to apply, all optional; removals happen before additions."""

    favourite: bool | None = None
    tags_add: list[str] = Field(default_factory=list, max_length=100)
    tags_remove: list[str] = Field(default_factory=list, max_length=100)
    collections_add: list[str] = Field(default_factory=list, max_length=100)
    collections_remove: list[str] = Field(default_factory=list, max_length=100)

    def names(self) -> list[str]:
        return [*self.tags_add, *self.tags_remove, *self.collections_add, *self.collections_remove]


class CollectionCreate(_Body):
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    sample_ids: list[int] = Field(default_factory=list, max_length=10_000)


class ReferenceOut(BaseModel):
    sample_id: int | None = Field(description="The query sample, or null for an uploaded file.")
    label: str


class SimilarPage(BaseModel):
    reference: ReferenceOut
    aspect: str
    items: list[SearchHit]


class AnalyzeResponse(BaseModel):
    analysis: AnalysisResult
    sample: Sample | None = Field(None, description="The new library record with `add=true`.")


class DuplicateGroupOut(BaseModel):
    kind: Literal["exact", "audio"]
    samples: list[Sample]
    similarity: list[float] = Field(description="Per sample, to the group's first sample.")


class Stats(BaseModel):
    samples: int
    missing: int
    analyzed: int
    failed: int
    pending: int
    loops: int
    oneshots: int
    favourites: int
    collections: int
    by_type: dict[str, int]
    by_key: dict[str, int]
    bpm_histogram: dict[int, int] = Field(description="Loops per 5-BPM bin, by lower edge.")
    by_tag: dict[str, int] = Field(
        default_factory=dict, description="Samples per tag, the 200 most used first."
    )
    loudness_histogram: dict[int, int] = Field(
        default_factory=dict,
        description="Samples per 1-LU bin of integrated loudness (LUFS), by lower edge.",
    )


class FolderOut(BaseModel):
    path: str = Field(description="Absolute path on the server.")
    configured: bool = Field(description="From SAMPLEMIND_LIBRARY_FOLDERS (else a scanned one).")
    exists: bool = Field(description="False while it is gone (an unplugged drive, say).")


class SoundMapOut(BaseModel):
    """Parallel arrays, one entry per point (compact at 20,000 points)."""

    method: str = Field(description="The projection used: `tsne`, `pca`, or `none` (< 3).")
    key: str = Field(description="The library state it was computed for.")
    ids: list[int]
    x: list[float] = Field(description="In [0, 1].")
    y: list[float] = Field(description="In [0, 1].")
    names: list[str]
    types: list[str] = Field(description="Sample type, else `loop` or `one-shot`.")


class ScanRequest(_Body):
    folders: list[str] | None = Field(
        None,
        max_length=100,
        description="Library folders to scan, or a new one (absolute path on the server); "
        "null: every library folder.",
    )
    level: AnalysisLevelName = "standard"
    reanalyze: bool = False
    retry_failed: bool = False


class JobOut(BaseModel):
    id: str
    kind: Literal["scan"]
    status: Literal["running", "done", "failed", "cancelled"]
    roots: list[str]
    phase: Literal["index", "analyze"] | None = None
    done: int = 0
    total: int | None = None
    current: str | None = Field(None, description="The file last finished.")
    started_at: datetime
    finished_at: datetime | None = None
    summary: ScanSummary | None = None
    error: ErrorDetail | None = None


class Health(BaseModel):
    status: Literal["ok"]
    version: str = Field("", description="The server's SampleMind version.")
    capabilities: list[str] = Field(
        default_factory=list,
        description="Optional features this server has configured, e.g. `ai` (the web app "
        "shows their panels only when listed); empty by default.",
    )


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]
