"""The ``SampleStore`` port: everything the library keeps about samples.

Two implementations honour it and one contract suite (``tests/contracts/test_store.py``) runs
against both: :class:`~samplemind.storage.memory.MemoryStore` (the reference, plain dicts) and
:class:`~samplemind.storage.sql.SqlStore` (SQLAlchemy Core on SQLite or PostgreSQL).

Every write method is its own short transaction, so an interrupted scan loses at most the call in
progress. Methods raise :class:`~samplemind.errors.StorageError` subclasses only; a database that
is down or locked becomes ``StorageUnavailableError``, never a driver exception.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from samplemind.domain.ai import AiCall, AiCostLine, AiDescription
from samplemind.domain.analysis import AnalysisResult
from samplemind.domain.library import (
    Collection,
    Derivation,
    DerivationKind,
    FileFacts,
    PendingAnalysis,
    Sample,
    SampleRecord,
    ScanRun,
    ScanSummary,
    SearchHit,
    Tag,
    TagSource,
)
from samplemind.domain.query import SearchQuery

__all__ = ["FileState", "SampleStore"]


class FileState(tuple[int, str, int, int, str, bool]):
    """``(id, path, size_bytes, mtime_ns, content_hash, missing)``: what a re-scan compares."""

    __slots__ = ()

    def __new__(
        cls, id: int, path: str, size_bytes: int, mtime_ns: int, content_hash: str, missing: bool
    ) -> FileState:
        return super().__new__(cls, (id, path, size_bytes, mtime_ns, content_hash, missing))

    @property
    def id(self) -> int:
        return self[0]

    @property
    def path(self) -> str:
        return self[1]

    @property
    def size_bytes(self) -> int:
        return self[2]

    @property
    def mtime_ns(self) -> int:
        return self[3]

    @property
    def content_hash(self) -> str:
        return self[4]

    @property
    def missing(self) -> bool:
        return self[5]


class SampleStore(ABC):
    """Persistent library state. See the module docstring for the transaction rules."""

    #: Whether reads are computation in this process (an embedded database such as SQLite,
    #: or memory) rather than waits on a server. A server answers such reads on its event
    #: loop: threads would only queue for the GIL.
    embedded: bool = False

    # --- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    def close(self) -> None:
        """Release connections. The store is unusable afterwards."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StorageUnavailableError unless the backend answers."""

    def data_version(self) -> Hashable | None:
        """A token that changes whenever stored data may have changed since it was last read,
        by this process or by any other (a CLI scan beside a server); ``None`` where the store
        cannot tell, and then nothing may be cached on it.

        Read it *before* reading the data it stands for: an answer computed after a write
        that raced the read is then filed under the old token, which no later call returns.
        """
        return None

    # --- indexing (used by the scan pipeline) -----------------------------------------------
    @abstractmethod
    def file_states(self, under: str | None = None) -> Iterator[FileState]:
        """Every sample's file state, or those whose path starts with ``under`` (a folder)."""

    @abstractmethod
    def find_by_hash(self, content_hash: str) -> list[Sample]:
        """Samples with this content hash (duplicates, or a moved file's old record)."""

    @abstractmethod
    def add_samples(self, facts: Sequence[FileFacts]) -> list[int]:
        """Insert new samples (state pending, not missing); returns their ids in order.

        Raises:
            DuplicatePathError: a path is already in the library (nothing is inserted).
        """

    @abstractmethod
    def update_file(self, sample_id: int, facts: FileFacts, *, content_changed: bool) -> None:
        """New file facts for a sample (a modified or moved file).

        With ``content_changed`` the analysis is reset (state pending, analyses and the summary
        columns cleared, ``model``/``filename`` tags dropped); user tags, ``ai`` tags, the
        favourite and collections always stay. A move (new path, same hash) keeps everything.

        Raises:
            SampleNotFoundError, DuplicatePathError.
        """

    @abstractmethod
    def set_missing(self, sample_ids: Iterable[int], missing: bool = True) -> int:
        """Mark samples missing (or found again); returns how many changed."""

    # --- analysis ---------------------------------------------------------------------------
    @abstractmethod
    def pending_analysis(
        self, required: Mapping[str, int], *, limit: int | None = None, retry_failed: bool = False
    ) -> list[PendingAnalysis]:
        """Present samples whose analysis is pending, or which lack an analyzer of ``required``
        (name -> version) or hold an older version of one. ``analyzers`` lists what to re-run
        (empty: everything). Failed samples are included only with ``retry_failed``. Ordered by
        duration (unknown last), then id: short one-shots first, the order users browse in.
        """

    @abstractmethod
    def save_analysis(self, sample_id: int, result: AnalysisResult) -> None:
        """Store each analyzer's output (``result.analyzers``: name -> version; the value is the
        result's field of that name as JSON, None when it produced nothing), replacing older
        versions of the same analyzers and keeping others; refresh the summary columns from the
        merged result; state done, error cleared. Ignores a sample that no longer exists.
        """

    @abstractmethod
    def set_user_sample_type(self, sample_id: int, sample_type: str | None) -> None:
        """Record a user's sample type (None: forget it). ``sample_type`` becomes the user's
        type, or the model's again; analyses never overwrite a user's type, and a changed file
        keeps it.

        Raises:
            SampleNotFoundError.
        """

    @abstractmethod
    def save_failure(self, sample_id: int, code: str, message: str) -> None:
        """State failed with the error's code and message. Ignores a deleted sample."""

    @abstractmethod
    def analysis(self, sample_id: int) -> AnalysisResult | None:
        """The merged stored analysis, or None when nothing was analyzed.

        Raises:
            SampleNotFoundError.
        """

    @abstractmethod
    def analyzer_outputs(
        self, analyzers: Sequence[str], *, batch_size: int = 1000
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(sample_id, {analyzer: json})`` for every present sample holding at least one of
        ``analyzers`` (used to rebuild the vector index), in id order, streamed."""

    # --- reading ----------------------------------------------------------------------------
    @abstractmethod
    def get(self, sample_id: int) -> Sample:
        """Raises: SampleNotFoundError."""

    @abstractmethod
    def get_many(self, sample_ids: Sequence[int]) -> list[Sample]:
        """Samples in the order of ``sample_ids``; unknown ids are skipped."""

    @abstractmethod
    def get_by_path(self, path: str) -> Sample | None: ...

    @abstractmethod
    def count(self, *, include_missing: bool = False) -> int: ...

    @abstractmethod
    def labels(self) -> dict[int, tuple[str, str | None, bool | None]]:
        """``{id: (name, sample_type, is_loop)}`` of every present sample: what a view of the
        whole library (the sound map) draws, without hydrating full records."""

    @abstractmethod
    def search(
        self,
        query: SearchQuery,
        *,
        limit: int = 50,
        offset: int = 0,
        restrict_to: Sequence[int] | None = None,
    ) -> list[SearchHit]:
        """Samples matching ``query.where`` (``query.like`` is ignored here), ordered by
        ``query.sort``, else by relevance (free-text score, higher first), then name, then id.
        ``restrict_to`` limits the candidates to those ids (the engine's ``like:`` candidates).
        """

    @abstractmethod
    def count_matching(self, query: SearchQuery) -> int: ...

    def search_page(
        self, query: SearchQuery, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[SearchHit], int]:
        """``search(query, limit=, offset=)`` and ``count_matching(query)`` together, in one
        read where the backend can (SQL: one statement)."""
        return self.search(query, limit=limit, offset=offset), self.count_matching(query)

    @abstractmethod
    def duplicate_hashes(self) -> list[list[Sample]]:
        """Groups (size >= 2) of present samples sharing a content hash, largest first."""

    @abstractmethod
    def stats(self) -> dict[str, Any]:
        """``{"samples", "missing", "analyzed", "failed", "pending", "by_type": {type: n},
        "by_key": {key: n}, "bpm_histogram": {bin start: n}, "loops", "oneshots",
        "favourites", "collections", "loudness_histogram": {bin start: n}}``; the BPM
        histogram counts loops in :data:`BPM_BIN`-wide bins (``120`` holds 120 ≤ BPM < 125),
        the loudness one every sample's integrated LUFS in 1-LU bins by floor (``-15`` holds
        -15 ≤ LUFS < -14; levels under -70 are left out); ``"by_tag": {name: samples}``
        holds the 200 most used tags, most used first."""

    # --- organising -------------------------------------------------------------------------
    @abstractmethod
    def add_tags(self, sample_id: int, tags: Iterable[Tag]) -> None:
        """Add tags (names normalised: trimmed, lower-case); existing (name, source) kept.

        Raises:
            SampleNotFoundError.
        """

    @abstractmethod
    def remove_tags(
        self, sample_id: int, names: Iterable[str], *, source: TagSource | None = None
    ) -> int:
        """Remove tags by name (from every source unless ``source``); returns how many went."""

    @abstractmethod
    def set_favourite(self, sample_id: int, favourite: bool = True) -> None:
        """Raises: SampleNotFoundError."""

    @abstractmethod
    def delete_sample(self, sample_id: int) -> None:
        """Forget a sample (its record, analyses, tags; never the file).

        Raises:
            SampleNotFoundError.
        """

    @abstractmethod
    def create_collection(self, name: str) -> Collection:
        """Raises: DuplicateCollectionError, ValueError for an empty name."""

    @abstractmethod
    def collections(self) -> list[Collection]:
        """All collections by name, with their sizes."""

    @abstractmethod
    def delete_collection(self, name: str) -> None:
        """Raises: CollectionNotFoundError."""

    @abstractmethod
    def add_to_collection(self, name: str, sample_ids: Sequence[int]) -> int:
        """Append samples (creating the collection if needed); returns how many were new.

        Raises:
            SampleNotFoundError (nothing added).
        """

    @abstractmethod
    def remove_from_collection(self, name: str, sample_ids: Sequence[int]) -> int:
        """Raises: CollectionNotFoundError."""

    @abstractmethod
    def collection_samples(self, name: str) -> list[Sample]:
        """In the order they were added. Raises: CollectionNotFoundError."""

    @abstractmethod
    def collections_of(self, sample_id: int) -> list[str]:
        """Names of the collections holding the sample, sorted. Unknown ids give []."""

    # --- derived samples ----------------------------------------------------------------------
    @abstractmethod
    def record_derivation(
        self,
        sample_id: int,
        source_id: int | None,
        kind: DerivationKind,
        params: Mapping[str, Any],
    ) -> Derivation:
        """Record that ``sample_id`` was made from ``source_id`` (None: from a file outside
        the library) by ``kind`` with ``params`` (JSON-able), replacing an earlier derivation of
        the same sample (its file was rendered again).

        Raises:
            SampleNotFoundError: either sample is unknown (nothing recorded).
            ValueError: a sample derived from itself.
        """

    @abstractmethod
    def derivation(self, sample_id: int) -> Derivation | None:
        """How ``sample_id`` was made, or None for an original. Forgetting a source keeps its
        derivatives' rows with ``source_id`` None; forgetting a derived sample drops its row."""

    @abstractmethod
    def derivatives(self, source_id: int) -> list[Derivation]:
        """The derivations of samples made from ``source_id``, by sample id."""

    def record(self, sample_id: int) -> SampleRecord:
        """The sample, its analysis, collections (sorted), derivation and derivatives.

        Raises:
            SampleNotFoundError.
        """
        return SampleRecord(
            sample=self.get(sample_id),
            analysis=self.analysis(sample_id),
            collections=tuple(self.collections_of(sample_id)),
            derived_from=self.derivation(sample_id),
            derivatives=tuple(self.derivatives(sample_id)),
        )

    # --- scan runs --------------------------------------------------------------------------
    @abstractmethod
    def start_scan(self, roots: Sequence[str]) -> ScanRun:
        """Record a running scan. Earlier scans still marked running become interrupted."""

    @abstractmethod
    def finish_scan(
        self, scan_id: int, summary: ScanSummary, *, interrupted: bool = False
    ) -> None: ...

    @abstractmethod
    def scans(self, limit: int = 20) -> list[ScanRun]:
        """Most recent first."""

    @abstractmethod
    def scan_roots(self) -> list[str]:
        """Every root any scan was given, once each, sorted."""

    # --- the AI layer's records ---------------------------------------------------------------
    @abstractmethod
    def record_ai_calls(self, calls: Sequence[AiCall]) -> None:
        """Append model calls to the cost ledger (one transaction)."""

    @abstractmethod
    def ai_spend_usd(self, since: datetime, until: datetime | None = None) -> float:
        """Total ``cost_usd`` of the calls made at or after ``since`` (and before ``until``)."""

    @abstractmethod
    def ai_cost_lines(self, since: datetime, until: datetime | None = None) -> list[AiCostLine]:
        """Calls in the period summed by (provider, model, task): most expensive first, then
        by provider, model and task."""

    @abstractmethod
    def save_ai_description(self, description: AiDescription) -> None:
        """Store (replace) a sample's AI description.

        Raises:
            SampleNotFoundError.
        """

    @abstractmethod
    def ai_description(self, sample_id: int) -> AiDescription | None:
        """The sample's stored AI description, if any."""
