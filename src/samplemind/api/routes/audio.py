"""``POST /api/audio/analyze`` and ``POST /api/similar``: analyze an uploaded file.

Analysis runs in the app's isolated worker processes (a hostile or slow file costs its own
request an error, never the event loop or the server); the upload is deleted when the request
ends, unless ``add=true`` copies it into the library's uploads folder.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, File, Query, UploadFile

from samplemind.api.deps import ApiState, Expensive, State
from samplemind.api.routes.samples import Aspect
from samplemind.api.schemas import AnalyzeResponse, ErrorBody, ReferenceOut, SimilarPage
from samplemind.api.uploads import Received, received_audio
from samplemind.config import AnalysisLevelName
from samplemind.domain.analysis import AnalysisLevel, AnalysisResult
from samplemind.library.vectors import INPUT_ANALYZERS

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["analysis"])

_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "Over the upload size limit."},
    415: {"model": ErrorBody, "description": "Not audio (by content)."},
    422: {"model": ErrorBody, "description": "Audio that cannot be decoded or analyzed."},
    429: {"model": ErrorBody, "description": "Rate limited; see Retry-After."},
}


async def _analyze(
    state: ApiState,
    received: Received,
    *,
    level: AnalysisLevel,
    only: frozenset[str] | None,
    source: Literal["upload", "similar"],
) -> AnalysisResult:
    started = time.perf_counter()
    # The first upload starts the worker pool (a forkserver importing the analysis stack, then
    # a worker forked from it: seconds): submitted from a thread, so the event loop goes on
    # answering meanwhile.
    future = await anyio.to_thread.run_sync(
        lambda: state.pool.submit(received.path, level=level, only=only)
    )
    outcome = await asyncio.wrap_future(future)
    metrics = state.metrics
    metrics.analysis_seconds.labels(source).observe(time.perf_counter() - started)
    metrics.analyses.labels(source, "ok" if outcome.ok else outcome.error.code).inc()  # type: ignore[union-attr]
    if outcome.error is not None:
        raise outcome.error
    assert outcome.result is not None
    # The temporary path means nothing to the client: name the file as they did.
    return outcome.result.model_copy(update={"path": received.name})


@router.post("/audio/analyze", responses=_UPLOAD_ERRORS, dependencies=[Expensive])
async def analyze_upload(
    state: State,
    file: Annotated[UploadFile, File(description="One audio file (WAV, AIFF, FLAC, Ogg, MP3).")],
    level: AnalysisLevelName = "standard",
    add: Annotated[bool, Query(description="Also add it to the library.")] = False,
) -> AnalyzeResponse:
    """Analyze an uploaded file; it stays out of the library unless `add=true`."""
    async with received_audio(file, state.settings) as received:
        result = await _analyze(
            state, received, level=AnalysisLevel[level.upper()], only=None, source="upload"
        )
        sample = None
        if add:
            library = state.library
            sample = await anyio.to_thread.run_sync(
                lambda: library.add_file(received.path, name=received.name, analysis=result)
            )
    return AnalyzeResponse(analysis=result, sample=sample)


@router.post("/similar", responses=_UPLOAD_ERRORS, dependencies=[Expensive])
async def similar_to_upload(
    state: State,
    file: Annotated[UploadFile, File(description="The sound to match.")],
    aspect: Aspect = "overall",
    n: Annotated[int, Query(ge=1, le=200)] = 20,
    q: Annotated[str, Query(max_length=2000, description="Only samples matching this.")] = "",
) -> SimilarPage:
    """Library samples that sound like an uploaded file (which is not added)."""
    async with received_audio(file, state.settings) as received:
        result = await _analyze(
            state,
            received,
            level=AnalysisLevel.STANDARD,
            only=frozenset(INPUT_ANALYZERS),
            source="similar",
        )
    library = state.library
    hits = await anyio.to_thread.run_sync(
        lambda: library.similar_to_analysis(
            result, label=received.name, aspect=aspect, n=n, query=q or None
        )
    )
    return SimilarPage(
        reference=ReferenceOut(sample_id=None, label=received.name), aspect=aspect, items=hits
    )
