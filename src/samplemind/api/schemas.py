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
    "Health",
    "JobOut",
    "Readiness",
    "ReferenceOut",
    "SampleDetail",
    "SamplePage",
    "SamplePatch",
    "ScanRequest",
    "SimilarPage",
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
    sample_type: str | None = Field(
        None,
        max_length=32,
        description="Your sample type (it wins over the model's, re-analysis included); "
        "null forgets it. Absent: unchanged.",
    )

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


class ScanRequest(_Body):
    folders: list[str] | None = Field(
        None, description="Some of the configured library folders; null: all of them."
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


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]
