"""``MemoryStore``: the reference :class:`~samplemind.storage.base.SampleStore`, in plain dicts.

It is what the contract suite's expectations are read against, and a throwaway library for tests
and demos. It keeps the same records as :class:`~samplemind.storage.sql.SqlStore` (one JSON
value per analyzer, the summary columns derived from them, see :mod:`samplemind.storage._common`)
so both behave alike by construction. One lock makes every method atomic; iterators work on a
snapshot taken under it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from samplemind.domain.ai import AiCall, AiCostLine, AiDescription
from samplemind.domain.analysis import AnalysisResult
from samplemind.domain.library import (
    AnalysisState,
    Collection,
    Derivation,
    DerivationKind,
    FileFacts,
    PendingAnalysis,
    Sample,
    ScanRun,
    ScanStatus,
    ScanSummary,
    SearchHit,
    Tag,
    TagSource,
)
from samplemind.domain.query import SearchQuery
from samplemind.errors import (
    CollectionNotFoundError,
    DuplicateCollectionError,
    DuplicatePathError,
    SampleNotFoundError,
    StorageUnavailableError,
)
from samplemind.storage._common import (
    MAX_ERROR_CODE,
    META,
    SUMMARY_COLUMNS,
    analysis_rows,
    bpm_histogram,
    collection_name,
    file_name,
    loudness_histogram,
    missing_facts,
    model_sample_type,
    normalise_tag_name,
    path_under,
    rebuild_analysis,
    summary_columns,
    top_tags,
)
from samplemind.storage.base import FileState, SampleStore

__all__ = ["MemoryStore"]

_RESET_ON_CHANGE = (TagSource.MODEL, TagSource.FILENAME)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Collection:
    id: int
    created_at: datetime
    items: dict[int, None] = field(default_factory=dict)  # ordered set of sample ids


class MemoryStore(SampleStore):
    """Everything in this process's memory; gone when it ends.

    Example:
        >>> from samplemind.domain.library import FileFacts
        >>> store = MemoryStore()
        >>> store.add_samples([FileFacts(path="/s/Kick.wav", content_hash="0" * 32,
        ...                              size_bytes=10, mtime_ns=0)])
        [1]
        >>> store.get(1).name
        'Kick.wav'
    """

    embedded = True

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._closed = False
        self._samples: dict[int, dict[str, Any]] = {}
        self._by_path: dict[str, int] = {}
        self._analyses: dict[int, dict[str, tuple[int, Any]]] = {}
        self._tags: dict[int, dict[tuple[str, TagSource], Tag]] = {}
        self._favourites: set[int] = set()
        self._collections: dict[str, _Collection] = {}
        self._scans: dict[int, ScanRun] = {}
        self._derivations: dict[int, Derivation] = {}
        self._ai_calls: list[AiCall] = []
        self._ai_descriptions: dict[int, AiDescription] = {}
        self._next = {"sample": 1, "collection": 1, "scan": 1}

    # --- plumbing --------------------------------------------------------------------------
    def _check(self) -> None:
        if self._closed:
            raise StorageUnavailableError("the in-memory store is closed")

    def _new_id(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value

    def _row(self, sample_id: int) -> dict[str, Any]:
        row = self._samples.get(sample_id)
        if row is None:
            raise SampleNotFoundError(f"no sample with id {sample_id}")
        return row

    def _sample(self, sample_id: int) -> Sample:
        return Sample.model_validate(
            {
                **self._samples[sample_id],
                "favourite": sample_id in self._favourites,
                "tags": tuple(self._tags.get(sample_id, {}).values()),
            }
        )

    def _collection(self, name: str) -> _Collection:
        found = self._collections.get(name.strip())
        if found is None:
            raise CollectionNotFoundError(f"no collection named {name!r}")
        return found

    # --- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._closed = True

    def ping(self) -> None:
        with self._lock:
            self._check()

    # --- indexing --------------------------------------------------------------------------
    def file_states(self, under: str | None = None) -> Iterator[FileState]:
        with self._lock:
            self._check()
            prefix = path_under(under) if under is not None else None
            states = [
                FileState(
                    i,
                    row["path"],
                    row["size_bytes"],
                    row["mtime_ns"],
                    row["content_hash"],
                    row["missing"],
                )
                for i, row in sorted(self._samples.items())
                if prefix is None or row["path"] == under or row["path"].startswith(prefix)
            ]
        yield from states

    def find_by_hash(self, content_hash: str) -> list[Sample]:
        with self._lock:
            self._check()
            return [
                self._sample(i)
                for i, row in sorted(self._samples.items())
                if row["content_hash"] == content_hash
            ]

    def add_samples(self, facts: Sequence[FileFacts]) -> list[int]:
        with self._lock:
            self._check()
            seen: set[str] = set()
            for fact in facts:
                if fact.path in self._by_path or fact.path in seen:
                    raise DuplicatePathError(f"already in the library: {fact.path!r}")
                seen.add(fact.path)
            now = _now()
            ids = []
            for fact in facts:
                sample_id = self._new_id("sample")
                self._samples[sample_id] = {
                    **fact.model_dump(),
                    "id": sample_id,
                    "name": file_name(fact.path),
                    "missing": False,
                    "analysis_state": AnalysisState.PENDING,
                    "error_code": None,
                    "error_message": None,
                    **dict.fromkeys(SUMMARY_COLUMNS),
                    "user_sample_type": None,
                    "added_at": now,
                    "updated_at": now,
                }
                self._by_path[fact.path] = sample_id
                ids.append(sample_id)
            return ids

    def update_file(self, sample_id: int, facts: FileFacts, *, content_changed: bool) -> None:
        with self._lock:
            self._check()
            row = self._row(sample_id)
            holder = self._by_path.get(facts.path)
            if holder is not None and holder != sample_id:
                raise DuplicatePathError(f"already in the library: {facts.path!r}")
            del self._by_path[row["path"]]
            row.update(facts.model_dump(), name=file_name(facts.path), missing=False)
            row["updated_at"] = _now()
            self._by_path[facts.path] = sample_id
            if content_changed:
                row.update(dict.fromkeys(SUMMARY_COLUMNS))
                row["sample_type"] = row["user_sample_type"]
                row.update(
                    analysis_state=AnalysisState.PENDING, error_code=None, error_message=None
                )
                self._analyses.pop(sample_id, None)
                tags = self._tags.get(sample_id, {})
                for key in [k for k in tags if k[1] in _RESET_ON_CHANGE]:
                    del tags[key]

    def set_missing(self, sample_ids: Iterable[int], missing: bool = True) -> int:
        with self._lock:
            self._check()
            changed = 0
            for sample_id in dict.fromkeys(sample_ids):
                row = self._samples.get(sample_id)
                if row is not None and row["missing"] != missing:
                    row.update(missing=missing, updated_at=_now())
                    changed += 1
            return changed

    # --- analysis --------------------------------------------------------------------------
    def pending_analysis(
        self, required: Mapping[str, int], *, limit: int | None = None, retry_failed: bool = False
    ) -> list[PendingAnalysis]:
        with self._lock:
            self._check()
            found: list[tuple[tuple[bool, float, int], PendingAnalysis]] = []
            for sample_id, row in self._samples.items():
                state = row["analysis_state"]
                if row["missing"] or (state == AnalysisState.FAILED and not retry_failed):
                    continue
                outdated: frozenset[str] = frozenset()
                if state == AnalysisState.DONE:
                    held = self._analyses.get(sample_id, {})
                    outdated = frozenset(
                        name
                        for name, version in required.items()
                        if name not in held or held[name][0] < version
                    )
                    if not outdated:
                        continue
                duration = row["duration_s"]
                order = (duration is None, duration or 0.0, sample_id)
                found.append(
                    (
                        order,
                        PendingAnalysis(sample_id=sample_id, path=row["path"], analyzers=outdated),
                    )
                )
        found.sort(key=lambda item: item[0])
        pending = [item[1] for item in found]
        return pending if limit is None else pending[:limit]

    def save_analysis(self, sample_id: int, result: AnalysisResult) -> None:
        with self._lock:
            self._check()
            row = self._samples.get(sample_id)
            if row is None:
                return
            stored = self._analyses.setdefault(sample_id, {})
            old_meta = stored.get(META, (0, None))[1]
            stored.update(copy.deepcopy(analysis_rows(result, old_meta)))
            row.update(
                summary_columns(
                    {name: data for name, (_, data) in stored.items()},
                    user_sample_type=row["user_sample_type"],
                )
            )
            row.update(missing_facts(row, result.audio))
            row.update(
                analysis_state=AnalysisState.DONE,
                error_code=None,
                error_message=None,
                updated_at=_now(),
            )

    def set_user_sample_type(self, sample_id: int, sample_type: str | None) -> None:
        with self._lock:
            self._check()
            row = self._row(sample_id)
            stored = self._analyses.get(sample_id, {})
            model = model_sample_type({name: data for name, (_, data) in stored.items()})
            row.update(
                user_sample_type=sample_type,
                sample_type=sample_type or model,
                updated_at=_now(),
            )

    def save_failure(self, sample_id: int, code: str, message: str) -> None:
        with self._lock:
            self._check()
            row = self._samples.get(sample_id)
            if row is not None:
                row.update(
                    analysis_state=AnalysisState.FAILED,
                    error_code=code[:MAX_ERROR_CODE],
                    error_message=message,
                    updated_at=_now(),
                )

    def analysis(self, sample_id: int) -> AnalysisResult | None:
        with self._lock:
            self._check()
            row = self._row(sample_id)
            rows = copy.deepcopy(self._analyses.get(sample_id, {}))
            return rebuild_analysis(row, rows)

    def analyzer_outputs(
        self, analyzers: Sequence[str], *, batch_size: int = 1000
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        names = list(dict.fromkeys(analyzers))
        with self._lock:
            self._check()
            outputs = []
            for sample_id in sorted(self._analyses):
                if self._samples[sample_id]["missing"]:
                    continue
                held = self._analyses[sample_id]
                found = {
                    name: copy.deepcopy(held[name][1]) for name in sorted(names) if name in held
                }
                if found:
                    outputs.append((sample_id, found))
        yield from outputs

    # --- reading ---------------------------------------------------------------------------
    def get(self, sample_id: int) -> Sample:
        with self._lock:
            self._check()
            self._row(sample_id)
            return self._sample(sample_id)

    def get_many(self, sample_ids: Sequence[int]) -> list[Sample]:
        with self._lock:
            self._check()
            return [self._sample(i) for i in sample_ids if i in self._samples]

    def get_by_path(self, path: str) -> Sample | None:
        with self._lock:
            self._check()
            sample_id = self._by_path.get(path)
            return None if sample_id is None else self._sample(sample_id)

    def count(self, *, include_missing: bool = False) -> int:
        with self._lock:
            self._check()
            return sum(1 for row in self._samples.values() if include_missing or not row["missing"])

    def labels(self) -> dict[int, tuple[str, str | None, bool | None]]:
        with self._lock:
            self._check()
            return {
                i: (row["name"], row["sample_type"], row["is_loop"])
                for i, row in self._samples.items()
                if not row["missing"]
            }

    def search(
        self,
        query: SearchQuery,
        *,
        limit: int = 50,
        offset: int = 0,
        restrict_to: Sequence[int] | None = None,
    ) -> list[SearchHit]:
        from samplemind.storage.memquery import evaluate

        with self._lock:
            self._check()
            samples = {i: self._sample(i) for i in sorted(self._samples)}
            ranked = evaluate(
                query,
                samples.values(),
                collections={name: list(c.items) for name, c in self._collections.items()},
                restrict_to=restrict_to,
            )
        page = ranked[offset : offset + limit]
        return [SearchHit(sample=samples[i], score=score) for i, score in page]

    def count_matching(self, query: SearchQuery) -> int:
        from samplemind.storage.memquery import evaluate

        with self._lock:
            self._check()
            samples = [self._sample(i) for i in sorted(self._samples)]
            collections = {name: list(c.items) for name, c in self._collections.items()}
            return len(evaluate(query, samples, collections=collections, restrict_to=None))

    def duplicate_hashes(self) -> list[list[Sample]]:
        with self._lock:
            self._check()
            groups: dict[str, list[int]] = {}
            for sample_id, row in sorted(self._samples.items()):
                if not row["missing"]:
                    groups.setdefault(row["content_hash"], []).append(sample_id)
            found = [[self._sample(i) for i in ids] for ids in groups.values() if len(ids) >= 2]
        return sorted(found, key=lambda group: (-len(group), group[0].id))

    def stats(self) -> dict[str, Any]:
        with self._lock:
            self._check()
            present = [(i, row) for i, row in self._samples.items() if not row["missing"]]
            by_type: dict[str, int] = {}
            by_key: dict[str, int] = {}
            for _, row in present:
                if row["sample_type"] is not None:
                    by_type[row["sample_type"]] = by_type.get(row["sample_type"], 0) + 1
                if row["key"] is not None:
                    by_key[row["key"]] = by_key.get(row["key"], 0) + 1

            def n(state: AnalysisState) -> int:
                return sum(1 for _, row in present if row["analysis_state"] == state)

            return {
                "samples": len(present),
                "missing": len(self._samples) - len(present),
                "analyzed": n(AnalysisState.DONE),
                "failed": n(AnalysisState.FAILED),
                "pending": n(AnalysisState.PENDING),
                "by_type": dict(sorted(by_type.items())),
                "by_key": dict(sorted(by_key.items())),
                "bpm_histogram": bpm_histogram(
                    row["bpm"]
                    for _, row in present
                    if row["is_loop"] is True and row["bpm"] is not None
                ),
                "loudness_histogram": loudness_histogram(
                    row["loudness_lufs"] for _, row in present if row["loudness_lufs"] is not None
                ),
                "by_tag": top_tags([name for name, _ in self._tags.get(i, {})] for i, _ in present),
                "loops": sum(1 for _, row in present if row["is_loop"] is True),
                "oneshots": sum(1 for _, row in present if row["is_loop"] is False),
                "favourites": sum(1 for i, _ in present if i in self._favourites),
                "collections": len(self._collections),
            }

    # --- organising ------------------------------------------------------------------------
    def add_tags(self, sample_id: int, tags: Iterable[Tag]) -> None:
        normalised = [
            Tag(name=normalise_tag_name(tag.name), source=tag.source, confidence=tag.confidence)
            for tag in tags
        ]
        with self._lock:
            self._check()
            row = self._row(sample_id)
            held = self._tags.setdefault(sample_id, {})
            for tag in normalised:
                held.setdefault((tag.name, tag.source), tag)
            if normalised:
                row["updated_at"] = _now()

    def remove_tags(
        self, sample_id: int, names: Iterable[str], *, source: TagSource | None = None
    ) -> int:
        wanted = {name.strip().lower() for name in names} - {""}
        with self._lock:
            self._check()
            held = self._tags.get(sample_id, {})
            gone = [k for k in held if k[0] in wanted and (source is None or k[1] == source)]
            for key in gone:
                del held[key]
            if gone:
                self._samples[sample_id]["updated_at"] = _now()
            return len(gone)

    def set_favourite(self, sample_id: int, favourite: bool = True) -> None:
        with self._lock:
            self._check()
            self._row(sample_id)
            if favourite:
                self._favourites.add(sample_id)
            else:
                self._favourites.discard(sample_id)

    def delete_sample(self, sample_id: int) -> None:
        with self._lock:
            self._check()
            row = self._row(sample_id)
            del self._samples[sample_id]
            del self._by_path[row["path"]]
            self._analyses.pop(sample_id, None)
            self._tags.pop(sample_id, None)
            self._favourites.discard(sample_id)
            self._ai_descriptions.pop(sample_id, None)
            for collection in self._collections.values():
                collection.items.pop(sample_id, None)
            # The foreign keys' rules: CASCADE for the derived sample, SET NULL for a source.
            self._derivations.pop(sample_id, None)
            for derived, link in list(self._derivations.items()):
                if link.source_id == sample_id:
                    self._derivations[derived] = link.model_copy(update={"source_id": None})

    def create_collection(self, name: str) -> Collection:
        name = collection_name(name)
        with self._lock:
            self._check()
            if name in self._collections:
                raise DuplicateCollectionError(f"a collection named {name!r} exists")
            collection = _Collection(id=self._new_id("collection"), created_at=_now())
            self._collections[name] = collection
            return Collection(id=collection.id, name=name, created_at=collection.created_at)

    def collections(self) -> list[Collection]:
        with self._lock:
            self._check()
            return [
                Collection(id=c.id, name=name, size=len(c.items), created_at=c.created_at)
                for name, c in sorted(self._collections.items())
            ]

    def delete_collection(self, name: str) -> None:
        with self._lock:
            self._check()
            self._collection(name)
            del self._collections[name.strip()]

    def add_to_collection(self, name: str, sample_ids: Sequence[int]) -> int:
        name = collection_name(name)
        with self._lock:
            self._check()
            unknown = [i for i in dict.fromkeys(sample_ids) if i not in self._samples]
            if unknown:
                raise SampleNotFoundError(f"no samples with ids {unknown[:10]}")
            collection = self._collections.get(name)
            if collection is None:
                collection = _Collection(id=self._new_id("collection"), created_at=_now())
                self._collections[name] = collection
            new = [i for i in dict.fromkeys(sample_ids) if i not in collection.items]
            collection.items.update(dict.fromkeys(new))
            return len(new)

    def remove_from_collection(self, name: str, sample_ids: Sequence[int]) -> int:
        with self._lock:
            self._check()
            items = self._collection(name).items
            gone = [i for i in dict.fromkeys(sample_ids) if i in items]
            for sample_id in gone:
                del items[sample_id]
            return len(gone)

    def collection_samples(self, name: str) -> list[Sample]:
        with self._lock:
            self._check()
            return [self._sample(i) for i in self._collection(name).items]

    def collections_of(self, sample_id: int) -> list[str]:
        with self._lock:
            self._check()
            return sorted(name for name, c in self._collections.items() if sample_id in c.items)

    # --- derived samples ---------------------------------------------------------------------
    def record_derivation(
        self,
        sample_id: int,
        source_id: int | None,
        kind: DerivationKind,
        params: Mapping[str, Any],
    ) -> Derivation:
        if source_id == sample_id:
            raise ValueError(f"sample {sample_id} cannot be derived from itself")
        with self._lock:
            self._check()
            self._row(sample_id)
            if source_id is not None:
                self._row(source_id)
            link = Derivation(
                sample_id=sample_id,
                source_id=source_id,
                kind=DerivationKind(kind),
                params=copy.deepcopy(dict(params)),
                created_at=_now(),
            )
            self._derivations[sample_id] = link
            return link.model_copy(deep=True)

    def derivation(self, sample_id: int) -> Derivation | None:
        with self._lock:
            self._check()
            link = self._derivations.get(sample_id)
            return None if link is None else link.model_copy(deep=True)

    def derivatives(self, source_id: int) -> list[Derivation]:
        with self._lock:
            self._check()
            return [
                link.model_copy(deep=True)
                for _, link in sorted(self._derivations.items())
                if link.source_id == source_id
            ]

    # --- scan runs -------------------------------------------------------------------------
    def start_scan(self, roots: Sequence[str]) -> ScanRun:
        with self._lock:
            self._check()
            for scan_id, run in self._scans.items():
                if run.status == ScanStatus.RUNNING:
                    self._scans[scan_id] = run.model_copy(update={"status": ScanStatus.INTERRUPTED})
            run = ScanRun(
                id=self._new_id("scan"),
                roots=tuple(roots),
                status=ScanStatus.RUNNING,
                started_at=_now(),
            )
            self._scans[run.id] = run
            return run

    def finish_scan(self, scan_id: int, summary: ScanSummary, *, interrupted: bool = False) -> None:
        with self._lock:
            self._check()
            run = self._scans.get(scan_id)
            if run is not None:
                status = ScanStatus.INTERRUPTED if interrupted else ScanStatus.DONE
                self._scans[scan_id] = run.model_copy(
                    update={"status": status, "finished_at": _now(), "summary": summary}
                )

    def scans(self, limit: int = 20) -> list[ScanRun]:
        with self._lock:
            self._check()
            return [self._scans[i] for i in sorted(self._scans, reverse=True)[:limit]]

    def scan_roots(self) -> list[str]:
        with self._lock:
            self._check()
            return sorted({root for run in self._scans.values() for root in run.roots})

    # --- the AI layer's records ---------------------------------------------------------------
    def record_ai_calls(self, calls: Sequence[AiCall]) -> None:
        with self._lock:
            self._check()
            self._ai_calls.extend(calls)

    def _calls_in(self, since: datetime, until: datetime | None) -> list[AiCall]:
        with self._lock:
            self._check()
            return [c for c in self._ai_calls if c.at >= since and (until is None or c.at < until)]

    def ai_spend_usd(self, since: datetime, until: datetime | None = None) -> float:
        return float(sum(c.cost_usd for c in self._calls_in(since, until)))

    def ai_cost_lines(self, since: datetime, until: datetime | None = None) -> list[AiCostLine]:
        totals: dict[tuple[str, str, str], dict[str, Any]] = {}
        for c in self._calls_in(since, until):
            line = totals.setdefault(
                (c.provider, c.model, c.task),
                dict.fromkeys(("calls", "cached", "failed", "input_tokens", "output_tokens"), 0)
                | {"cost_usd": 0.0},
            )
            line["calls"] += 1
            line["cached"] += int(c.cached)
            line["failed"] += int(not c.ok)
            line["input_tokens"] += c.input_tokens
            line["output_tokens"] += c.output_tokens
            line["cost_usd"] += c.cost_usd
        lines = [
            AiCostLine(provider=p, model=m, task=t, **values)
            for (p, m, t), values in totals.items()
        ]
        return sorted(lines, key=lambda x: (-x.cost_usd, x.provider, x.model, x.task))

    def save_ai_description(self, description: AiDescription) -> None:
        with self._lock:
            self._check()
            self._row(description.sample_id)
            self._ai_descriptions[description.sample_id] = description

    def ai_description(self, sample_id: int) -> AiDescription | None:
        with self._lock:
            self._check()
            return self._ai_descriptions.get(sample_id)
