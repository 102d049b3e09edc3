"""Analyze many files in isolated worker processes.

Each file is decoded and analyzed in a worker process that has an address-space limit
(``settings.worker_memory_mb``) and a per-file time limit (``settings.worker_timeout_s``). A file
that hangs, explodes in memory or crashes the interpreter costs one error record; the worker is
replaced and the batch goes on.

Workers come from a ``forkserver`` that has already imported the analysis stack, so starting one
is a fork (milliseconds), not a fresh import of Essentia and NumPy, and no worker inherits the
parent's threads (the progress bar's, for one).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool

from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, AnalysisResult
from samplemind.errors import (
    AnalysisError,
    SampleMindError,
    WorkerCrashError,
    WorkerTimeoutError,
)

__all__ = ["AnalysisPool", "AnalysisTask", "FileOutcome", "analyze_many", "default_jobs"]

log = logging.getLogger(__name__)

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class AnalysisTask:
    """One file to analyze; ``only`` limits the run to those analyzers (and their dependencies)."""

    path: str
    only: frozenset[str] | None = None


@dataclass(frozen=True)
class FileOutcome:
    """One file's result or its error (never both)."""

    path: str
    result: AnalysisResult | None = None
    error: SampleMindError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_record(self) -> dict[str, Any]:
        """The JSON line for this file: the full record, or ``path``/``ok``/``error``."""
        if self.result is not None:
            return self.result.to_record()
        assert self.error is not None
        return {"path": self.path, "ok": False, "error": self.error.to_dict()}


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(memory_mb: int) -> None:
    # One worker per core already: nested BLAS/FFT threads would only fight each other.
    for name in _THREAD_VARS:
        os.environ[name] = "1"
    limit = memory_mb * 2**20
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _work(
    path: str, level: int, settings_data: dict[str, Any], only: frozenset[str] | None = None
) -> AnalysisResult | dict[str, str]:
    """Runs in the worker. Errors come back as data: exceptions may not pickle cleanly."""
    from samplemind.analysis.engine import analyze_file

    settings = Settings.model_validate(settings_data)
    try:
        return analyze_file(path, level=AnalysisLevel(level), settings=settings, only=only)
    except SampleMindError as exc:
        return {"type": type(exc).__name__, "message": exc.message}
    except MemoryError:
        return {
            "type": "WorkerCrashError",
            "message": f"{Path(path).name}: exceeded the worker memory limit "
            f"({settings.worker_memory_mb} MB)",
        }


@dataclass(frozen=True)
class _Failed:
    """A SampleMind error raised in a worker, sent back as data (it may not pickle itself)."""

    type: str
    message: str


def _call(fn: Callable[..., Any], args: tuple[Any, ...], memory_mb: int) -> Any:
    """Runs ``fn(*args)`` in the worker for :meth:`AnalysisPool.call`."""
    try:
        return fn(*args)
    except SampleMindError as exc:
        return _Failed(type(exc).__name__, exc.message)
    except MemoryError:
        return _Failed("WorkerCrashError", f"exceeded the worker memory limit ({memory_mb} MB)")


def _error_from(data: dict[str, str]) -> SampleMindError:
    import samplemind.errors as errors

    cls = getattr(errors, data["type"], None)
    if not (isinstance(cls, type) and issubclass(cls, SampleMindError)):
        cls = AnalysisError
    return cls(data["message"])


def _context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["samplemind.analysis.engine"])
    return ctx


def _process_pool(settings: Settings, jobs: int) -> ProcessPool:
    """Workers with the memory limit, forked from the preloaded forkserver."""
    return ProcessPool(
        max_workers=jobs,
        initializer=_init_worker,
        initargs=(settings.worker_memory_mb,),
        context=_context(),
    )


def analyze_many(
    paths: Iterable[str | Path | AnalysisTask],
    *,
    level: AnalysisLevel = AnalysisLevel.STANDARD,
    settings: Settings | None = None,
    jobs: int | None = None,
    on_start: Callable[[str], None] | None = None,
) -> Iterator[FileOutcome]:
    """Analyze ``paths`` in parallel, yielding each outcome as soon as it is ready.

    Args:
        paths: Audio files, or :class:`AnalysisTask` items to run only some analyzers.
        level: Analysis level.
        settings: Limits; ``Settings()`` when None.
        jobs: Worker processes; ``settings.jobs`` or all cores when None.
        on_start: Called with each path when it is handed to a worker.

    Yields:
        One :class:`FileOutcome` per path, in completion order.
    """
    settings = settings or Settings()
    jobs = jobs or settings.jobs or default_jobs()
    settings_data = settings.model_dump()
    # Consumed lazily: a caller may stream millions of tasks from a database.
    source = (p if isinstance(p, AnalysisTask) else AnalysisTask(str(p)) for p in paths)
    in_flight: dict[Future[Any], str] = {}
    with _process_pool(settings, jobs) as pool:
        try:
            exhausted = False
            while not exhausted or in_flight:
                # Keep a short queue: scheduling everything up front would make the per-file
                # timeout start ticking while a file still waits for a worker.
                while not exhausted and len(in_flight) < jobs * 2:
                    task = next(source, None)
                    if task is None:
                        exhausted = True
                        break
                    path = task.path
                    if on_start is not None:
                        on_start(path)
                    future: Future[Any] = pool.schedule(
                        _work,
                        args=(path, int(level), settings_data, task.only),
                        timeout=settings.worker_timeout_s,
                    )
                    in_flight[future] = path
                done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for finished in done:
                    yield _outcome(in_flight.pop(finished), finished, settings)
        finally:
            for waiting in in_flight:
                waiting.cancel()
            pool.stop()  # type: ignore[no-untyped-call]


def _outcome(path: str, future: Future[Any], settings: Settings) -> FileOutcome:
    name = Path(path).name
    try:
        value = future.result()
    except TimeoutError:
        return FileOutcome(
            path,
            error=WorkerTimeoutError(
                f"{name}: analysis took longer than {settings.worker_timeout_s:g} s; stopped"
            ),
        )
    except ProcessExpired as exc:
        return FileOutcome(
            path,
            error=WorkerCrashError(
                f"{name}: the worker died (exit code {exc.exitcode}); "
                f"memory limit {settings.worker_memory_mb} MB"
            ),
        )
    except Exception as exc:  # anything else from the pool is still one file's failure
        log.exception("worker failed on %s", path)
        return FileOutcome(path, error=AnalysisError(f"{name}: {type(exc).__name__}: {exc}"))
    if isinstance(value, dict):
        return FileOutcome(path, error=_error_from(value))
    return FileOutcome(path, result=value)


class AnalysisPool:
    """A long-lived pool of isolated analysis workers, for a server analyzing uploads one by one.

    Same isolation as :func:`analyze_many` (address-space limit, per-file time limit, a crashed
    worker replaced); the pool starts on the first :meth:`submit`, so an app that never analyzes
    never forks. Thread-safe.

    Example:
        >>> pool = AnalysisPool(Settings(), jobs=1)
        >>> pool.close()  # never started: nothing to stop
    """

    def __init__(self, settings: Settings, *, jobs: int | None = None) -> None:
        self._settings = settings
        self._settings_data = settings.model_dump()
        self._jobs = jobs or max(1, default_jobs() // 2)
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    @property
    def jobs(self) -> int:
        return self._jobs

    def submit(
        self,
        path: str | Path,
        *,
        level: AnalysisLevel = AnalysisLevel.STANDARD,
        only: frozenset[str] | None = None,
    ) -> Future[FileOutcome]:
        """Schedule one file; the future resolves to its :class:`FileOutcome` (never raises)."""
        with self._lock:
            if self._pool is None:
                self._pool = _process_pool(self._settings, self._jobs)
            scheduled: Future[Any] = self._pool.schedule(
                _work,
                args=(str(path), int(level), self._settings_data, only),
                timeout=self._settings.worker_timeout_s,
            )
        outcome: Future[FileOutcome] = Future()
        outcome.set_running_or_notify_cancel()

        def settle(done: Future[Any]) -> None:
            outcome.set_result(_outcome(str(path), done, self._settings))

        scheduled.add_done_callback(settle)
        return outcome

    def call(
        self,
        fn: Callable[..., Any],
        *args: Any,
        timeout_s: float | None = None,
        label: str = "the task",
    ) -> Future[Any]:
        """Run ``fn(*args)`` (a module-level function, picklable arguments) in a worker with the
        same limits as an analysis; the future holds its value, or raises a
        :class:`~samplemind.errors.SampleMindError`: the one ``fn`` raised, or
        WorkerTimeoutError / WorkerCrashError.

        Args:
            fn: What to run.
            args: Its arguments.
            timeout_s: Its time limit; ``settings.worker_timeout_s`` when None.
            label: How errors name the task.
        """
        limit = timeout_s or self._settings.worker_timeout_s
        with self._lock:
            if self._pool is None:
                self._pool = _process_pool(self._settings, self._jobs)
            scheduled: Future[Any] = self._pool.schedule(
                _call, args=(fn, args, self._settings.worker_memory_mb), timeout=limit
            )
        outcome: Future[Any] = Future()
        outcome.set_running_or_notify_cancel()
        memory_mb = self._settings.worker_memory_mb

        def settle(done: Future[Any]) -> None:
            try:
                value = done.result()
            except TimeoutError:
                outcome.set_exception(
                    WorkerTimeoutError(f"{label} took longer than {limit:g} s; stopped")
                )
            except ProcessExpired as exc:
                outcome.set_exception(
                    WorkerCrashError(
                        f"{label}: the worker died (exit code {exc.exitcode}); "
                        f"memory limit {memory_mb} MB"
                    )
                )
            except Exception as exc:  # an unexpected error in fn: still one task's failure
                log.error("worker failed on %s: %s: %s", label, type(exc).__name__, exc)
                outcome.set_exception(AnalysisError(f"{label}: {type(exc).__name__}: {exc}"))
            else:
                if isinstance(value, _Failed):
                    outcome.set_exception(
                        _error_from({"type": value.type, "message": value.message})
                    )
                else:
                    outcome.set_result(value)

        scheduled.add_done_callback(settle)
        return outcome

    def close(self) -> None:
        """Stop the workers (files in flight are abandoned)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()  # type: ignore[no-untyped-call]
            pool.join()
