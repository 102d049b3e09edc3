"""The scan job: index folders first, then analyze what needs it, committing as it goes.

Phase 1, **index**: walk the roots; a file whose size and mtime match its record is unchanged
(one ``stat``, no read); otherwise it is hashed (xxh3-128) and its header probed. A new path
whose hash belongs to a record whose file is gone is that file **moved**: the record is relinked
and keeps its tags, favourite and collections. Records under a root that the walk did not find
are marked **missing**, never deleted (an unplugged drive comes back). New files are inserted in
small batches, so an interrupted index phase keeps what it did.

Phase 2, **analyze**: the store lists samples whose analysis is pending (new or changed files),
shortest first, the order producers browse in (one-shots before long loops); with
``reanalyze`` also those that lack an analyzer of the level or hold an outdated version of one,
and only those analyzers re-run. Files go to isolated worker processes
(:func:`~samplemind.analysis.batch.analyze_many`); each result is committed on its own, so
``kill -9`` at any moment loses at most the files in flight, and the next scan resumes with the
rest. Failures are stored with their reason and not retried until the file changes (or
``retry_failed``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from samplemind.audio.decode import probe
from samplemind.audio.discover import content_hash, discover
from samplemind.audio.formats import is_supported
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel
from samplemind.domain.library import FileFacts, PendingAnalysis, Sample, ScanSummary
from samplemind.errors import AudioError, SampleMindError
from samplemind.index.base import VectorIndex
from samplemind.library.tagging import filename_tags
from samplemind.library.vectors import VectorWriter
from samplemind.storage.base import FileState, SampleStore

if TYPE_CHECKING:
    from samplemind.analysis.batch import FileOutcome

__all__ = ["ScanOptions", "ScanProgress", "run_scan"]

log = logging.getLogger(__name__)

_INSERT_BATCH = 200


@dataclass(frozen=True)
class ScanProgress:
    """A progress event: ``total`` is None while the index phase is still walking."""

    phase: Literal["index", "analyze"]
    done: int
    total: int | None
    path: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ScanOptions:
    """How to scan. ``jobs`` None means ``settings.jobs`` or every core."""

    level: AnalysisLevel = AnalysisLevel.STANDARD
    jobs: int | None = None
    reanalyze: bool = False
    retry_failed: bool = False
    analyze: bool = True


@dataclass
class _Counts:
    added: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0
    missing: int = 0
    analyzed: int = 0
    failed: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> ScanSummary:
        return ScanSummary.model_validate(asdict(self))


Progress = Callable[[ScanProgress], None]


def run_scan(
    store: SampleStore,
    index: VectorIndex | Callable[[], VectorIndex] | None,
    roots: Sequence[str | Path],
    *,
    settings: Settings,
    options: ScanOptions = ScanOptions(),
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> ScanSummary:
    """Bring the library in line with ``roots`` and analyze what needs it.

    Args:
        store: Where records live.
        index: Similarity index to keep up to date, or a callable opening it, called only when
            there is something to analyze (None: leave it; it is rebuilt when found stale).
        roots: Folders (walked recursively) or single files. A root that does not exist marks
            its records missing (an offline drive).
        settings: Limits and ignore patterns.
        options: Level, parallelism, re-analysis.
        progress: Called with each :class:`ScanProgress` event.
        stop: Set it to stop early (between files); the summary says what was done.

    Returns:
        What the scan did. The scan run is recorded in the store either way.
    """
    absolute = [os.path.abspath(os.path.expanduser(str(root))) for root in roots]
    run = store.start_scan(absolute)
    counts = _Counts()
    interrupted = True
    try:
        _index(store, absolute, settings, counts, progress, stop)
        if options.analyze and not (stop and stop.is_set()):
            _analyze(store, index, settings, options, counts, progress, stop)
        interrupted = bool(stop and stop.is_set())
    finally:
        store.finish_scan(run.id, counts.summary(), interrupted=interrupted)
    return counts.summary()


# --- phase 1: index -------------------------------------------------------------------------


def _facts(
    path: str, st: os.stat_result, settings: Settings
) -> tuple[FileFacts, AudioError | None]:
    """Hash and probe one file; a header the decoder refuses still indexes the file."""
    digest = content_hash(path)
    base = {"path": path, "content_hash": digest, "size_bytes": st.st_size}
    try:
        info = probe(path, settings)
    except AudioError as exc:
        return FileFacts(**base, mtime_ns=st.st_mtime_ns), exc
    header = info.model_dump(exclude={"file_size_bytes"})  # the rest are FileFacts fields
    return FileFacts(**base, mtime_ns=st.st_mtime_ns, **header), None


def _walk(root: str, ignore: Sequence[str]) -> Iterator[str]:
    if os.path.isdir(root):
        for path in discover([root], ignore=ignore):
            yield str(path)
    elif os.path.isfile(root) and is_supported(Path(root)):
        yield root


def _index(
    store: SampleStore,
    roots: Sequence[str],
    settings: Settings,
    counts: _Counts,
    progress: Progress | None,
    stop: threading.Event | None,
) -> None:
    done = 0
    for root in roots:
        if os.path.isfile(root):
            state = next((s for s in store.file_states(under=root) if s.path == root), None)
            known: dict[str, FileState] = {root: state} if state else {}
        else:  # a folder, or a root that is gone (an unplugged drive): everything under it
            prefix = root.rstrip(os.sep) + os.sep
            known = {s.path: s for s in store.file_states(under=prefix)}
            known.update({s.path: s for s in store.file_states(under=root) if s.path == root})
            if not os.path.exists(root):
                log.warning("%s is not there: its samples are marked missing", root)
        found_again: list[int] = []
        batch: list[tuple[FileFacts, AudioError | None]] = []
        for path in _walk(root, settings.scan_ignore):
            if stop and stop.is_set():
                break
            done += 1
            try:
                st = os.stat(path)
                state = known.pop(path, None)
                if state is not None:
                    _reindex_known(store, state, path, st, settings, counts, found_again)
                else:
                    batch.append(_facts(path, st, settings))
            except OSError as exc:
                counts.failed += 1
                counts.failures.append((path, "io_error", f"{Path(path).name}: {exc.strerror}"))
                continue
            if len(batch) >= _INSERT_BATCH:
                _insert(store, batch, counts, known)
                batch = []
            if progress is not None:
                progress(ScanProgress("index", done, None, path))
        _insert(store, batch, counts, known)
        if found_again:
            store.set_missing(found_again, missing=False)
        if stop and stop.is_set():
            return
        # What the walk did not find is missing (moves were relinked above, so their old paths
        # are no longer in ``known``).
        gone = [s.id for s in known.values() if not s.missing and not os.path.exists(s.path)]
        counts.missing += store.set_missing(gone) if gone else 0
    if progress is not None:  # the index phase is over: its total is now known
        progress(ScanProgress("index", done, done))


def _reindex_known(
    store: SampleStore,
    state: FileState,
    path: str,
    st: os.stat_result,
    settings: Settings,
    counts: _Counts,
    found_again: list[int],
) -> None:
    if state.missing:
        found_again.append(state.id)
    if state.size_bytes == st.st_size and state.mtime_ns == st.st_mtime_ns:
        counts.unchanged += 1
        return
    facts, error = _facts(path, st, settings)
    changed = facts.content_hash != state.content_hash
    store.update_file(state.id, facts, content_changed=changed)
    if not changed:  # touched, same bytes
        counts.unchanged += 1
        return
    counts.updated += 1
    if error is not None:
        _record_failure(store, state.id, path, error, counts)


def _insert(
    store: SampleStore,
    batch: list[tuple[FileFacts, AudioError | None]],
    counts: _Counts,
    known: dict[str, FileState],
) -> None:
    new: list[tuple[FileFacts, AudioError | None]] = []
    for facts, error in batch:
        moved_from = _moved_from(store, facts)
        if moved_from is None:
            new.append((facts, error))
            continue
        store.update_file(moved_from.id, facts, content_changed=False)
        store.set_missing([moved_from.id], missing=False)
        known.pop(moved_from.path, None)  # relinked: its old path is not missing
        counts.moved += 1
    if not new:
        return
    ids = store.add_samples([facts for facts, _ in new])
    counts.added += len(ids)
    for sample_id, (facts, error) in zip(ids, new, strict=True):
        tags = filename_tags(facts.path)
        if tags:
            store.add_tags(sample_id, tags)
        if error is not None:
            _record_failure(store, sample_id, facts.path, error, counts)


def _moved_from(store: SampleStore, facts: FileFacts) -> Sample | None:
    """The record this file was moved or renamed from: same bytes, old file gone."""
    candidates = [
        s
        for s in store.find_by_hash(facts.content_hash)
        if s.path != facts.path and not os.path.exists(s.path)
    ]
    if not candidates:
        return None
    name = Path(facts.path).name
    candidates.sort(key=lambda s: (s.name != name, s.id))  # a plain move keeps its name
    return candidates[0]


def _record_failure(
    store: SampleStore, sample_id: int, path: str, error: SampleMindError, counts: _Counts
) -> None:
    store.save_failure(sample_id, error.code, error.message)
    counts.failed += 1
    counts.failures.append((path, error.code, error.message))


# --- phase 2: analyze -----------------------------------------------------------------------


def _analyze(
    store: SampleStore,
    index: VectorIndex | Callable[[], VectorIndex] | None,
    settings: Settings,
    options: ScanOptions,
    counts: _Counts,
    progress: Progress | None,
    stop: threading.Event | None,
) -> None:
    # The DSP stack (Essentia, NumPy FFTs) loads only when there is something to analyze.
    from samplemind.analysis.batch import AnalysisTask, analyze_many
    from samplemind.analysis.registry import default_registry

    required = default_registry().versions(options.level)
    todo: list[PendingAnalysis] = [
        item
        for item in store.pending_analysis(required, retry_failed=options.retry_failed)
        if options.reanalyze or not item.analyzers
    ]
    if not todo:
        return
    ids = {item.path: item.sample_id for item in todo}
    tasks = (
        AnalysisTask(item.path, frozenset(item.analyzers) if item.analyzers else None)
        for item in todo
        if not (stop and stop.is_set())
    )
    if index is not None and not isinstance(index, VectorIndex):
        index = index()  # opened only now: a re-scan with nothing to analyze never pays for it
    vectors = VectorWriter(index)
    vectors.begin()
    done = 0
    started = time.perf_counter()
    outcome: FileOutcome
    try:
        for outcome in analyze_many(
            tasks, level=options.level, settings=settings, jobs=options.jobs
        ):
            done += 1
            sample_id = ids[outcome.path]
            if outcome.result is not None:
                store.save_analysis(sample_id, outcome.result)
                counts.analyzed += 1
                vectors.add(sample_id, outcome.result.model_dump(mode="json"))
            else:
                assert outcome.error is not None
                _record_failure(store, sample_id, outcome.path, outcome.error, counts)
            if progress is not None:
                error = outcome.error.message if outcome.error else None
                progress(ScanProgress("analyze", done, len(todo), outcome.path, error))
    finally:
        vectors.finish()
        log.info("analyzed %d files in %.1f s", done, time.perf_counter() - started)
