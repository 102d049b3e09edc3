"""Background jobs the API starts (library scans), with progress for polling and for SSE.

A scan runs in a thread of its own (its analysis in the library's worker processes). One scan
at a time: a second request while one runs is a conflict naming the running job. Finished jobs
are kept (the most recent :data:`KEEP_FINISHED`) so clients can read their summaries.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from samplemind.api.schemas import ErrorDetail, JobOut
from samplemind.domain.library import ScanSummary
from samplemind.errors import ConflictError, NotFoundError, SampleMindError
from samplemind.library import Library
from samplemind.library.pipeline import ScanOptions, ScanProgress

__all__ = ["KEEP_FINISHED", "Job", "JobManager", "JobNotFoundError"]

log = logging.getLogger(__name__)

KEEP_FINISHED = 50
_POLL_S = 0.2


class JobNotFoundError(NotFoundError):
    code = "job_not_found"


@dataclass
class Job:
    """A job's live state; ``version`` increases with every change (SSE sends on change)."""

    id: str
    roots: list[str]
    started_at: datetime
    status: Literal["running", "done", "failed", "cancelled"] = "running"
    phase: Literal["index", "analyze"] | None = None
    done: int = 0
    total: int | None = None
    current: str | None = None
    finished_at: datetime | None = None
    summary: ScanSummary | None = None
    error: ErrorDetail | None = None
    version: int = 0
    final: bool = False  # set after the last change: nothing will change any more
    stop: threading.Event = field(default_factory=threading.Event)

    def view(self) -> JobOut:
        return JobOut(
            id=self.id,
            kind="scan",
            status=self.status,
            roots=self.roots,
            phase=self.phase,
            done=self.done,
            total=self.total,
            current=self.current,
            started_at=self.started_at,
            finished_at=self.finished_at,
            summary=self.summary,
            error=self.error,
        )


class JobManager:
    """Starts scans in threads and tracks them."""

    def __init__(
        self, library: Library, *, on_analyzed: Callable[[str | None], None] | None = None
    ) -> None:
        """Args:
        library: What scans run on.
        on_analyzed: Called after each analyzed file with its error code (None: analyzed).
        """
        self._library = library
        self._on_analyzed = on_analyzed
        self._jobs: dict[str, Job] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def start_scan(self, roots: Sequence[str], options: ScanOptions) -> Job:
        """Start scanning ``roots``.

        Raises:
            ConflictError: a scan is running.
        """
        with self._lock:
            running = [j for j in self._jobs.values() if j.status == "running"]
            if running:
                raise ConflictError(f"a scan is already running (job {running[0].id})")
            job = Job(id=uuid.uuid4().hex, roots=list(roots), started_at=datetime.now(UTC))
            self._jobs[job.id] = job
            self._forget_old()
            thread = threading.Thread(
                target=self._run, args=(job, options), name=f"scan-{job.id[:8]}", daemon=True
            )
            self._threads[job.id] = thread
        thread.start()
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        return job

    def list(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.started_at, reverse=True)

    async def follow(self, job_id: str) -> AsyncIterator[JobOut]:
        """The job's state now, then at every change, ending with its final state."""
        job = self.get(job_id)
        seen = -1
        while True:
            final, version = job.final, job.version
            if version != seen:
                seen = version
                yield job.view()
            if final:
                return
            await asyncio.sleep(_POLL_S)

    def close(self, timeout_s: float = 30.0) -> None:
        """Ask running scans to stop (between files) and wait for them."""
        with self._lock:
            jobs = list(self._jobs.values())
            threads = list(self._threads.values())
        for job in jobs:
            job.stop.set()
        for thread in threads:
            thread.join(timeout_s)

    # --- internals ----------------------------------------------------------------------------
    def _run(self, job: Job, options: ScanOptions) -> None:
        def progress(event: ScanProgress) -> None:
            job.phase, job.done, job.total = event.phase, event.done, event.total
            if event.path is not None:
                job.current = event.path
                if event.phase == "analyze" and self._on_analyzed is not None:
                    self._on_analyzed(None if event.error is None else "failed")
            job.version += 1

        status: Literal["done", "failed", "cancelled"] = "failed"
        try:
            job.summary = self._library.scan(
                job.roots, options=options, progress=progress, stop=job.stop
            )
            status = "cancelled" if job.stop.is_set() else "done"
        except SampleMindError as exc:
            job.error = ErrorDetail(code=exc.code, message=exc.message)
        except Exception as exc:  # a thread's last line of defence: record it, never vanish
            log.exception("scan job %s failed", job.id)
            job.error = ErrorDetail(code="internal_error", message=type(exc).__name__)
        finally:
            job.finished_at = datetime.now(UTC)
            job.status = status
            job.version += 1
            job.final = True
            with self._lock:
                self._threads.pop(job.id, None)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.status != "running"]
        finished.sort(key=lambda j: j.started_at)
        for job in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job.id]
