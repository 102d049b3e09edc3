"""Request and response bodies that are the API's own (domain models serve as they are)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from samplemind.config import AnalysisLevelName
from samplemind.domain.analysis import AnalysisResult
from samplemind.domain.library import Derivation, DerivationKind, Sample, ScanSummary, SearchHit

__all__ = [
    "AnalyzeResponse",
    "CollectionCreate",
    "DerivedOut",
    "DuplicateGroupOut",
    "ErrorBody",
    "ErrorDetail",
    "FolderOut",
    "Health",
    "JobOut",
    "MasterRequest",
    "ProcessRequest",
    "Readiness",
    "ReferenceOut",
    "SampleDetail",
    "SamplePage",
    "SamplePatch",
    "ScanRequest",
    "SimilarPage",
    "SoundMapOut",
    "Stats",
    "StemsRequest",
    "TransformOut",
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
    derived_from: Derivation | None = Field(
        None, description="How this sample was made from another (null for an original)."
    )
    derivatives: list[Derivation] = Field(
        default_factory=list, description="The samples made from this one (`sample_id` each)."
    )


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


# --- transforms (docs/processing.md) ---------------------------------------------------------
_OUTPUT_NAME = Field(
    None,
    max_length=255,
    description="A file name for the output, written beside the source (never a path); "
    "null: named by what was done, e.g. `Loop (128 BPM, Cm).wav`.",
)
_FORMAT = Field(
    None,
    max_length=16,
    description="wav16, wav24, wav32f, aiff16, aiff24, flac16, flac24, mp3, ogg; "
    "null: the source's own format (24-bit WAV for MP3/Ogg sources).",
)


class ProcessRequest(_Body):
    """The options of `samplemind process`, applied in a fixed order: trim, stretch/shift,
    mono, resample, fades, normalize, write."""

    normalize: str | None = Field(
        None, max_length=40, examples=["-14LUFS", "-1dBTP", "-14LUFS,-1dBTP"]
    )
    limiter: bool = Field(False, description="Reach a LUFS target past the peaks with a limiter.")
    trim_silence: bool = False
    trim_db: float = Field(-60.0, ge=-120.0, le=-20.0, description="Silence threshold, dBFS.")
    fade: str | None = Field(None, max_length=16, examples=["10ms"], description="In and out.")
    fade_in: str | None = Field(None, max_length=16, examples=["5ms"])
    fade_out: str | None = Field(None, max_length=16, examples=["0.5s"])
    stretch_to: float | None = Field(None, gt=0, le=1000, description="Target BPM.")
    shift_to: str | None = Field(
        None, max_length=32, examples=["Am", "8A", "C3"], description="A key, or a note."
    )
    semitones: float | None = Field(None, ge=-24, le=24)
    source_bpm: float | None = Field(None, gt=0, le=1000, description="Overrides the analysis.")
    source_key: str | None = Field(None, max_length=32, description="Overrides the analysis.")
    source_note: str | None = Field(None, max_length=8, description="Overrides the analysis.")
    mono: bool = False
    sample_rate: int | None = Field(None, ge=8_000, le=384_000)
    format: str | None = _FORMAT
    output_name: str | None = _OUTPUT_NAME
    overwrite: bool = Field(False, description="Replace an existing output file.")
    in_place: bool = Field(False, description="Replace the source file itself (same format).")

    def spec(self) -> Any:
        """The :class:`~samplemind.processing.options.ProcessSpec` (ConfigError if invalid)."""
        from samplemind.processing.options import (
            LoudnessTarget,
            OutputFormat,
            ProcessSpec,
            parse_duration_ms,
        )

        both = parse_duration_ms(self.fade) if self.fade else 0.0
        return ProcessSpec.of(
            trim_silence=self.trim_silence,
            trim_threshold_dbfs=self.trim_db,
            stretch_to_bpm=self.stretch_to,
            shift_to=self.shift_to,
            semitones=self.semitones,
            source_bpm=self.source_bpm,
            source_key=self.source_key,
            source_note=self.source_note,
            mono=self.mono,
            sample_rate_hz=self.sample_rate,
            fade_in_ms=parse_duration_ms(self.fade_in) if self.fade_in else both,
            fade_out_ms=parse_duration_ms(self.fade_out) if self.fade_out else both,
            normalize=(
                LoudnessTarget.parse(self.normalize, limiter=self.limiter)
                if self.normalize
                else None
            ),
            format=OutputFormat.parse(self.format) if self.format else None,
        )


class MasterRequest(_Body):
    reference_id: int = Field(ge=1, le=2**62, description="The library sample to sound like.")
    format: str | None = _FORMAT
    output_name: str | None = _OUTPUT_NAME
    overwrite: bool = False


class StemsRequest(_Body):
    method: Literal["hpss", "demucs"] = Field(
        "hpss", description="hpss: harmonic + percussive; demucs (when installed): 4 stems."
    )
    format: str | None = _FORMAT
    overwrite: bool = False


class DerivedOut(BaseModel):
    path: str
    stem: str | None = Field(None, description="For stems: harmonic, percussive, drums, ...")
    format: str
    sample_rate_hz: int
    channels: int
    duration_s: float
    sample: Sample | None = Field(description="The new library record.")
    analysis_error: ErrorDetail | None = Field(
        None, description="Set when the output could not be analyzed (the file is there)."
    )


class TransformOut(BaseModel):
    kind: DerivationKind
    source_id: int
    outputs: list[DerivedOut]
    steps: list[dict[str, Any]] = Field(description="Each step with its measured numbers.")
    params: dict[str, Any] = Field(description="What is recorded with each derived sample.")
    elapsed_s: float
