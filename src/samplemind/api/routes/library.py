"""Library-wide routes: scans and their jobs (with live progress), duplicates, stats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from samplemind.api.deps import Client, State
from samplemind.api.jobs import Job
from samplemind.api.schemas import (
    DuplicateGroupOut,
    ErrorBody,
    FolderOut,
    JobOut,
    ScanRequest,
    Stats,
)
from samplemind.domain.analysis import AnalysisLevel
from samplemind.library.pipeline import ScanOptions

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["library"])

JobId = Annotated[str, Path(min_length=1, max_length=64, description="A job id.")]


@router.post(
    "/library/scans",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        400: {"model": ErrorBody, "description": "A folder that may not be scanned."},
        409: {"model": ErrorBody, "description": "A scan is already running."},
    },
)
def start_scan(
    state: State, _client: Client, response: Response, request: ScanRequest | None = None
) -> JobOut:
    """Scan the library's folders (`GET /api/library/folders`), or some of them, or a new
    folder (an absolute path on the server, when `SAMPLEMIND_ALLOW_NEW_FOLDERS` is on, the
    default); follow it at `/api/jobs/{id}` or live at `/api/jobs/{id}/events`."""
    request = request or ScanRequest()
    roots = state.library.scan_folders(request.folders)
    options = ScanOptions(
        level=AnalysisLevel[request.level.upper()],
        reanalyze=request.reanalyze,
        retry_failed=request.retry_failed,
    )
    job = state.jobs.start_scan(roots, options)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return job.view()


@router.get("/library/folders")
def library_folders(state: State, _client: Client) -> list[FolderOut]:
    """The configured library folders, then the other folders scans were given."""
    return [
        FolderOut(path=f.path, configured=f.configured, exists=f.exists)
        for f in state.library.folders()
    ]


def _job(state: State, _client: Client, job_id: JobId) -> Job:
    return state.jobs.get(job_id)


@router.get("/jobs", tags=["jobs"])
def list_jobs(state: State, _client: Client) -> list[JobOut]:
    """Running and recent jobs, newest first."""
    return [job.view() for job in state.jobs.list()]


@router.get(
    "/jobs/{job_id}",
    tags=["jobs"],
    responses={404: {"model": ErrorBody, "description": "No such job."}},
)
def get_job(job: Annotated[Job, Depends(_job)]) -> JobOut:
    return job.view()


@router.get(
    "/jobs/{job_id}/events",
    tags=["jobs"],
    response_class=EventSourceResponse,
    responses={404: {"model": ErrorBody, "description": "No such job."}},
)
async def job_events(
    state: State, job: Annotated[Job, Depends(_job)]
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events: `progress` with the job's state at each change, then one `end`."""
    async for view in state.jobs.follow(job.id):
        final = view.status != "running"
        yield ServerSentEvent(
            data=view.model_dump(mode="json"),
            event="end" if final else "progress",
            id=str(view.done),
        )


@router.get("/duplicates")
def duplicates(
    state: State,
    _client: Client,
    strictness: Literal["exact-audio", "strict", "normal", "loose"] = "normal",
    exact_only: Annotated[bool, Query(description="Only byte-identical files.")] = False,
) -> list[DuplicateGroupOut]:
    """Exact duplicates (same bytes) and near-duplicates (the same sound re-encoded, resampled,
    gain-changed or renamed), largest groups first."""
    return [
        DuplicateGroupOut(
            kind=group.kind, samples=list(group.samples), similarity=list(group.similarity)
        )
        for group in state.library.duplicates(strictness=strictness, exact_only=exact_only)
    ]


@router.get("/stats")
def stats(state: State, _client: Client) -> Stats:
    """Counts by state, type and key, and a BPM histogram of loops."""
    return Stats.model_validate(state.library.stats())
