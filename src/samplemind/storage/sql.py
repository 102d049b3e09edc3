"""``SqlStore``: the one :class:`~samplemind.storage.base.SampleStore` for SQLite and PostgreSQL.

SQLAlchemy Core over :mod:`samplemind.storage.tables`; the schema is made and upgraded by the
Alembic revisions in ``storage/migrations`` when the store opens. Dialect differences stay small
and local: ``INSERT … ON CONFLICT DO NOTHING`` (both have it), full-text objects (made by the
migration, queried by :mod:`samplemind.storage.sqlquery`) and locking.

Transactions: every write method is one short transaction. On SQLite writes start with
``BEGIN IMMEDIATE`` so two writers queue on ``busy_timeout`` instead of failing half-way when a
read lock cannot be upgraded; reads use plain deferred transactions (WAL lets them run beside a
writer). Errors: driver and SQLAlchemy exceptions are translated where they enter
(:func:`_translate`): an unreachable, locked or vanished database is
:class:`~samplemind.errors.StorageUnavailableError`, anything else :class:`StorageError`; messages
name the URL with its password hidden.

Analyses: one ``analyses`` row per analyzer, plus a reserved row (see
:mod:`samplemind.storage._common`) with the result-wide facts, so :meth:`SqlStore.analysis`
returns the level that was actually saved rather than guessing it from analyzer names.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, Row, make_url
from sqlalchemy.pool import StaticPool

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
    SampleRecord,
    ScanRun,
    ScanStatus,
    ScanSummary,
    SearchHit,
    Tag,
    TagSource,
)
from samplemind.domain.query import SearchQuery
from samplemind.domain.text import search_words
from samplemind.errors import (
    CollectionNotFoundError,
    ConfigError,
    DuplicateCollectionError,
    DuplicatePathError,
    SampleMindError,
    SampleNotFoundError,
    StorageError,
    StorageUnavailableError,
)
from samplemind.storage import tables as t
from samplemind.storage._common import (
    AUDIO_FACTS,
    BPM_BIN,
    LUFS_BIN,
    LUFS_FLOOR,
    MAX_ERROR_CODE,
    META,
    SUMMARY_COLUMNS,
    TOP_TAGS,
    analysis_rows,
    collection_name,
    file_name,
    folder,
    fts_tags,
    missing_facts,
    model_sample_type,
    normalise_tag_name,
    path_under,
    rebuild_analysis,
    summary_columns,
)
from samplemind.storage.base import FileState, SampleStore

#: Planner cost of a random page for our PostgreSQL sessions (SSD/cached storage).
PG_RANDOM_PAGE_COST = 1.1

__all__ = ["SqlStore"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: Connection execution option: the next transaction on SQLite is ``BEGIN IMMEDIATE``.
_IMMEDIATE = "samplemind_begin_immediate"
#: ``pg_advisory_xact_lock`` key serialising migrations between processes ("smai").
_MIGRATION_LOCK = 0x736D6169
#: Bound parameters per ``IN (...)`` list, well under SQLite's and PostgreSQL's limits.
_CHUNK = 500
_STREAM_BATCH = 2000
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    # A 100k-sample library is ~50 MB: keep it in the connection's page cache and map the file,
    # so filtered searches that visit thousands of rows do not pay a read() per page.
    "PRAGMA cache_size=-65536",
    "PRAGMA mmap_size=268435456",
    "PRAGMA temp_store=MEMORY",
)
_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)
_MIGRATIONS = Path(__file__).with_name("migrations")

_s = t.samples
_SAMPLE_COLUMNS = [c for c in _s.c if not c.name.startswith("fts_")]
#: The sample fields an analysis is rebuilt with (:func:`rebuild_analysis`).
_FACTS = frozenset({"path", "size_bytes", *AUDIO_FACTS})


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive UTC, PostgreSQL aware datetimes in the session's zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _chunks(items: Sequence[_T], size: int = _CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _detail(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def _translate(exc: BaseException, url: str) -> StorageError:
    """A driver or SQLAlchemy exception as the matching storage error."""
    if isinstance(exc, _UNAVAILABLE):
        return StorageUnavailableError(f"database {url} is unavailable: {_detail(exc)}")
    return StorageError(f"database {url} failed: {_detail(exc)}")


def _fact_values(facts: FileFacts) -> dict[str, Any]:
    name = file_name(facts.path)
    values = facts.model_dump()
    values.update(
        name=name,
        fts_name=search_words(name),
        fts_path=search_words(folder(facts.path)),
    )
    return values


#: The newest migration's revision; a test keeps it equal to Alembic's head.
SCHEMA_HEAD = "0007_name_order_present"


class SqlStore(SampleStore):
    """The library in a SQL database. Build it with :meth:`open`.

    Example:
        >>> store = SqlStore.open("sqlite://")  # in memory
        >>> store.count()
        0
        >>> store.close()
    """

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose schema is already at head (:meth:`open` makes sure of that)."""
        self._engine = engine
        self._dialect = engine.dialect.name
        self._url = engine.url.render_as_string(hide_password=True)
        self._closed = False
        self.embedded = self._dialect == "sqlite"
        # data_version(): this process's write transactions, counted under a lock (a lost
        # increment could hide a write), and on a SQLite file a connection of its own whose
        # ``PRAGMA data_version`` moves when any other connection, any process, commits.
        self._writes = 0
        self._version_lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None
        database = engine.url.database or ""
        self._watch_file = (
            database if self._dialect == "sqlite" and database not in ("", ":memory:") else None
        )

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for diagnostics and tests; the store owns it)."""
        return self._engine

    @classmethod
    def open(cls, url: str | URL, *, busy_timeout_ms: int = 10_000) -> SqlStore:
        """Connect to ``url`` (``sqlite:///path`` or ``postgresql+psycopg://…``) and migrate the
        schema to head.

        Args:
            url: SQLAlchemy database URL; a SQLite file's folder is created if needed.
            busy_timeout_ms: SQLite only: how long a writer waits for another's lock before
                the call fails with StorageUnavailableError.

        Raises:
            ConfigError: not a URL, or a database other than SQLite and PostgreSQL.
            StorageUnavailableError: the database cannot be reached or created.
            StorageError: the migration failed (e.g. a schema newer than this version knows).
        """
        try:
            parsed = make_url(url)
        except sa_exc.ArgumentError as exc:
            raise ConfigError(f"not a database URL: {url!r}") from exc
        safe = parsed.render_as_string(hide_password=True)
        backend = parsed.get_backend_name()
        try:
            if backend == "sqlite":
                engine = _sqlite_engine(parsed, safe, busy_timeout_ms=busy_timeout_ms)
            elif backend == "postgresql":
                connect_args: dict[str, Any] = {"connect_timeout": 10}
                if "options" not in parsed.query:
                    # The catalogue lives in RAM or on SSD, where an index probe costs about
                    # what a sequential page does; with the default 4.0 the planner seq-scans
                    # 100k samples (31 ms) rather than probe the 2,000 favourites (8 ms). A URL
                    # that passes its own ``options`` keeps the server's planner settings.
                    connect_args["options"] = f"-c random_page_cost={PG_RANDOM_PAGE_COST}"
                engine = sa.create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
            else:
                raise ConfigError(
                    f"unsupported database {backend!r} in {safe}; valid: postgresql, sqlite"
                )
        except sa_exc.SQLAlchemyError as exc:  # unknown driver, bad arguments
            raise ConfigError(f"cannot use database URL {safe}: {exc}") from exc
        store = cls(engine)
        try:
            store._migrate()
        except BaseException:
            engine.dispose()
            raise
        return store

    def _at_head(self) -> bool:
        """Whether the schema is already at :data:`SCHEMA_HEAD` (checked without Alembic, whose
        import costs a second on every CLI call)."""
        try:
            with self._engine.connect() as conn:
                version = conn.execute(sa.text("select version_num from alembic_version")).scalar()
        except sa.exc.SQLAlchemyError:
            return False
        return version == SCHEMA_HEAD

    def _migrate(self) -> None:
        if self._at_head():
            return
        from alembic import command
        from alembic.config import Config
        from alembic.util.exc import CommandError

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS).replace("%", "%%"))
        try:
            with self._begin() as conn:
                if self._dialect == "postgresql":  # one migrating process at a time
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        except CommandError as exc:
            raise StorageError(f"cannot migrate database {self._url}: {exc}") from exc
        finally:
            config.attributes.pop("connection", None)

    def truncate_all(self) -> None:
        """Empty every table and restart the ids (tests reuse one PostgreSQL database)."""
        names = [table.name for table in reversed(t.metadata.sorted_tables)]
        with self._begin() as conn:
            if self._dialect == "postgresql":
                conn.exec_driver_sql(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
                return
            for name in names:
                conn.exec_driver_sql(f"DELETE FROM {name}")
            conn.exec_driver_sql("DELETE FROM sqlite_sequence")

    def close(self) -> None:
        self._closed = True
        with self._version_lock:
            watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()
        self._engine.dispose()

    def data_version(self) -> Hashable | None:
        """``(writes here, PRAGMA data_version)`` on a SQLite file; the write count alone on
        an in-memory SQLite database (no other process can reach it); None on PostgreSQL,
        where no cheap token sees other processes' commits (nothing is cached there)."""
        if self._dialect != "sqlite":
            return None
        if self._closed:
            raise StorageUnavailableError(f"the store for {self._url} is closed")
        with self._version_lock:
            if self._watch_file is None:
                return self._writes
            try:
                if self._watch is None:
                    self._watch = sqlite3.connect(
                        self._watch_file,
                        uri=self._watch_file.startswith("file:"),
                        check_same_thread=False,  # used under the lock, from any thread
                        isolation_level=None,
                    )
                row = self._watch.execute("PRAGMA data_version").fetchone()
            except sqlite3.OperationalError as exc:  # gone, unreadable, locked
                raise StorageUnavailableError(
                    f"database {self._url} is unavailable: {exc}"
                ) from exc
            except sqlite3.Error as exc:
                raise StorageError(f"database {self._url} failed: {exc}") from exc
            return (self._writes, int(row[0]))

    def ping(self) -> None:
        with self._connect() as conn:
            conn.execute(sa.select(1))

    # --- plumbing --------------------------------------------------------------------------
    @contextmanager
    def _guard(self) -> Iterator[None]:
        if self._closed:
            raise StorageUnavailableError(f"the store for {self._url} is closed")
        try:
            yield
        except SampleMindError:
            raise
        except (sa_exc.SQLAlchemyError, self._engine.dialect.loaded_dbapi.Error) as exc:
            raise _translate(exc, self._url) from exc

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        try:
            with self._guard(), self._engine.connect() as conn:
                conn.execution_options(**{_IMMEDIATE: True})
                with conn.begin():
                    yield conn
        finally:  # committed or not: a changed token only costs a cache miss
            with self._version_lock:
                self._writes += 1

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        """One read transaction, rolled back at the end."""
        with self._guard(), self._engine.connect() as conn:
            yield conn

    def _insert(self, table: sa.Table) -> Any:
        """``INSERT`` that can say ``ON CONFLICT DO NOTHING`` in this dialect."""
        if self._dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    @staticmethod
    def _exists(conn: Connection, sample_id: int) -> bool:
        found = conn.execute(sa.select(_s.c.id).where(_s.c.id == sample_id)).first()
        return found is not None

    def _require(self, conn: Connection, sample_id: int) -> None:
        if not self._exists(conn, sample_id):
            raise SampleNotFoundError(f"no sample with id {sample_id}")

    @staticmethod
    @functools.cache
    def _select_samples() -> sa.Select[Any]:
        # Built once: a select is immutable (``.where`` copies it), and coercing its ~40
        # columns again on every read cost more than running the read.
        favourite = t.favourites.c.sample_id.is_not(None).label("favourite")
        return sa.select(*_SAMPLE_COLUMNS, favourite).select_from(
            _s.outerjoin(t.favourites, t.favourites.c.sample_id == _s.c.id)
        )

    @staticmethod
    def _hydrate(conn: Connection, rows: Sequence[Row[Any]]) -> list[Sample]:
        """Samples from ``samples`` rows (in their order), their tags in one more query."""
        ids = [row.id for row in rows]
        tags: dict[int, list[Tag]] = {}
        for chunk in _chunks(ids):
            for tag in conn.execute(_reads().tags_of, {"ids": list(chunk)}):
                tags.setdefault(tag.sample_id, []).append(
                    Tag(name=tag.name, source=TagSource(tag.source), confidence=tag.confidence)
                )
        samples = []
        for row in rows:
            values = dict(row._mapping)
            values.update(
                favourite=bool(values["favourite"]),
                tags=tuple(tags.get(row.id, ())),
                added_at=_utc(values["added_at"]),
                updated_at=_utc(values["updated_at"]),
            )
            samples.append(Sample.model_validate(values))
        return samples

    def _load(self, conn: Connection, sample_ids: Sequence[int]) -> list[Sample]:
        """Samples by id, in the order given (unknown ids skipped)."""
        unique = list(dict.fromkeys(sample_ids))
        rows: dict[int, Row[Any]] = {}
        for chunk in _chunks(unique):
            for row in conn.execute(_reads().samples_by_id, {"ids": list(chunk)}):
                rows[row.id] = row
        by_id = {sample.id: sample for sample in self._hydrate(conn, list(rows.values()))}
        return [by_id[i] for i in sample_ids if i in by_id]

    def _refresh_fts_tags(self, conn: Connection, sample_id: int) -> None:
        names = conn.execute(
            sa.select(t.tags.c.name).where(t.tags.c.sample_id == sample_id).distinct()
        ).scalars()
        conn.execute(
            sa.update(_s)
            .where(_s.c.id == sample_id)
            .values(fts_tags=fts_tags(names), updated_at=_now())
        )

    def _collection_id(self, conn: Connection, name: str) -> int:
        found = conn.execute(
            sa.select(t.collections.c.id).where(t.collections.c.name == name.strip())
        ).scalar()
        if found is None:
            raise CollectionNotFoundError(f"no collection named {name!r}")
        return int(found)

    # --- indexing --------------------------------------------------------------------------
    def file_states(self, under: str | None = None) -> Iterator[FileState]:
        columns = (_s.c.id, _s.c.path, _s.c.size_bytes, _s.c.mtime_ns, _s.c.content_hash)
        query = sa.select(*columns, _s.c.missing)
        if under is not None:
            prefix = path_under(under)
            query = query.where(
                sa.or_(_s.c.path == under, sa.func.substr(_s.c.path, 1, len(prefix)) == prefix)
            )
        last = 0
        while True:  # keyset batches: no connection is held while the caller works
            with self._connect() as conn:
                rows = conn.execute(
                    query.where(_s.c.id > last).order_by(_s.c.id).limit(_STREAM_BATCH)
                ).all()
            for row in rows:
                yield FileState(*row[:5], bool(row.missing))
            if len(rows) < _STREAM_BATCH:
                return
            last = rows[-1].id

    def find_by_hash(self, content_hash: str) -> list[Sample]:
        with self._connect() as conn:
            rows = conn.execute(
                self._select_samples().where(_s.c.content_hash == content_hash).order_by(_s.c.id)
            ).all()
            return self._hydrate(conn, rows)

    def add_samples(self, facts: Sequence[FileFacts]) -> list[int]:
        if not facts:
            return []
        paths = [f.path for f in facts]
        seen: set[str] = set()
        for path in paths:
            if path in seen:
                raise DuplicatePathError(f"path given twice: {path!r}")
            seen.add(path)
        now = _now()
        rows = [
            {
                **_fact_values(f),
                "missing": False,
                "analysis_state": AnalysisState.PENDING.value,
                "fts_tags": "",
                "added_at": now,
                "updated_at": now,
            }
            for f in facts
        ]
        with self._begin() as conn:
            for chunk in _chunks(paths):
                taken = conn.execute(sa.select(_s.c.path).where(_s.c.path.in_(chunk))).first()
                if taken is not None:
                    raise DuplicatePathError(f"already in the library: {taken.path!r}")
            try:
                result = conn.execute(
                    sa.insert(_s).returning(_s.c.id, sort_by_parameter_order=True), rows
                )
            except sa_exc.IntegrityError as exc:  # a concurrent scan added one meanwhile
                raise DuplicatePathError(f"a path is already in the library: {exc.orig}") from exc
            return [int(i) for i in result.scalars()]

    def update_file(self, sample_id: int, facts: FileFacts, *, content_changed: bool) -> None:
        with self._begin() as conn:
            self._require(conn, sample_id)
            other = conn.execute(
                sa.select(_s.c.id).where(_s.c.path == facts.path, _s.c.id != sample_id)
            ).first()
            if other is not None:
                raise DuplicatePathError(f"already in the library: {facts.path!r}")
            values = {**_fact_values(facts), "missing": False, "updated_at": _now()}
            if content_changed:
                values.update(dict.fromkeys(SUMMARY_COLUMNS))
                values["sample_type"] = _s.c.user_sample_type  # a user's type outlives the audio
                values.update(
                    analysis_state=AnalysisState.PENDING.value, error_code=None, error_message=None
                )
                conn.execute(sa.delete(t.analyses).where(t.analyses.c.sample_id == sample_id))
                conn.execute(
                    sa.delete(t.tags).where(
                        t.tags.c.sample_id == sample_id,
                        t.tags.c.source.in_([TagSource.MODEL.value, TagSource.FILENAME.value]),
                    )
                )
                names = conn.execute(
                    sa.select(t.tags.c.name).where(t.tags.c.sample_id == sample_id)
                ).scalars()
                values["fts_tags"] = fts_tags(names)
            try:
                conn.execute(sa.update(_s).where(_s.c.id == sample_id).values(**values))
            except sa_exc.IntegrityError as exc:
                raise DuplicatePathError(f"already in the library: {facts.path!r}") from exc

    def set_missing(self, sample_ids: Iterable[int], missing: bool = True) -> int:
        ids = list(dict.fromkeys(sample_ids))
        changed = 0
        with self._begin() as conn:
            for chunk in _chunks(ids):
                result = conn.execute(
                    sa.update(_s)
                    .where(_s.c.id.in_(chunk), _s.c.missing.is_not(missing))
                    .values(missing=missing, updated_at=_now())
                )
                changed += result.rowcount
        return changed

    # --- analysis --------------------------------------------------------------------------
    def pending_analysis(
        self, required: Mapping[str, int], *, limit: int | None = None, retry_failed: bool = False
    ) -> list[PendingAnalysis]:
        states = [AnalysisState.PENDING.value, AnalysisState.DONE.value]
        if retry_failed:
            states.append(AnalysisState.FAILED.value)
        state = _s.c.analysis_state
        names = sorted(required)
        a = t.analyses
        # One query: per sample, a flag per required analyzer "held at its version or newer".
        flags = [
            sa.func.max(
                sa.case((sa.and_(a.c.analyzer == name, a.c.version >= required[name]), 1), else_=0)
            )
            for name in names
        ]
        query = (
            sa.select(_s.c.id, _s.c.path, state, *flags)
            .select_from(
                _s.outerjoin(a, sa.and_(a.c.sample_id == _s.c.id, a.c.analyzer.in_(names)))
            )
            .where(_s.c.missing.is_(False), state.in_(states))
            .group_by(_s.c.id, _s.c.path, state, _s.c.duration_s)
            .having(sa.or_(state != AnalysisState.DONE.value, *(flag == 0 for flag in flags)))
            .order_by(_s.c.duration_s.is_(None), _s.c.duration_s, _s.c.id)
            .limit(limit)
        )
        with self._connect() as conn:
            rows = conn.execute(query).all()
        pending = []
        for row in rows:
            outdated: frozenset[str] = frozenset()
            if row.analysis_state == AnalysisState.DONE.value:
                outdated = frozenset(n for n, held in zip(names, row[3:], strict=True) if not held)
            pending.append(PendingAnalysis(sample_id=row.id, path=row.path, analyzers=outdated))
        return pending

    def save_analysis(self, sample_id: int, result: AnalysisResult) -> None:
        a = t.analyses
        with self._begin() as conn:
            facts = conn.execute(
                sa.select(*(_s.c[c] for c in AUDIO_FACTS), _s.c.user_sample_type).where(
                    _s.c.id == sample_id
                )
            ).first()
            if facts is None:
                return
            old_meta = conn.execute(
                sa.select(a.c.data).where(a.c.sample_id == sample_id, a.c.analyzer == META)
            ).scalar()
            rows = analysis_rows(result, old_meta)
            now = _now()
            conn.execute(sa.delete(a).where(a.c.sample_id == sample_id, a.c.analyzer.in_(rows)))
            conn.execute(
                sa.insert(a),
                [
                    {
                        "sample_id": sample_id,
                        "analyzer": name,
                        "version": version,
                        "data": data,
                        "created_at": now,
                    }
                    for name, (version, data) in rows.items()
                ],
            )
            merged = {
                row.analyzer: row.data
                for row in conn.execute(
                    sa.select(a.c.analyzer, a.c.data).where(a.c.sample_id == sample_id)
                )
            }
            values = {
                **summary_columns(merged, user_sample_type=facts.user_sample_type),
                **missing_facts(facts._mapping, result.audio),
                "analysis_state": AnalysisState.DONE.value,
                "error_code": None,
                "error_message": None,
                "updated_at": now,
            }
            conn.execute(sa.update(_s).where(_s.c.id == sample_id).values(**values))

    def set_user_sample_type(self, sample_id: int, sample_type: str | None) -> None:
        a = t.analyses
        with self._begin() as conn:
            self._require(conn, sample_id)
            stored = {
                row.analyzer: row.data
                for row in conn.execute(
                    sa.select(a.c.analyzer, a.c.data).where(
                        a.c.sample_id == sample_id, a.c.analyzer.in_(["sample_type", META])
                    )
                )
            }
            conn.execute(
                sa.update(_s)
                .where(_s.c.id == sample_id)
                .values(
                    user_sample_type=sample_type,
                    sample_type=sample_type or model_sample_type(stored),
                    updated_at=_now(),
                )
            )

    def save_failure(self, sample_id: int, code: str, message: str) -> None:
        with self._begin() as conn:
            conn.execute(
                sa.update(_s)
                .where(_s.c.id == sample_id)
                .values(
                    analysis_state=AnalysisState.FAILED.value,
                    error_code=code[:MAX_ERROR_CODE],
                    error_message=message,
                    updated_at=_now(),
                )
            )

    def analysis(self, sample_id: int) -> AnalysisResult | None:
        with self._connect() as conn:
            facts = conn.execute(
                sa.select(_s.c.path, _s.c.size_bytes, *(_s.c[c] for c in AUDIO_FACTS)).where(
                    _s.c.id == sample_id
                )
            ).first()
            if facts is None:
                raise SampleNotFoundError(f"no sample with id {sample_id}")
            return self._analysis(conn, sample_id, facts._mapping)

    @staticmethod
    def _analysis(
        conn: Connection, sample_id: int, facts: Mapping[Any, Any]
    ) -> AnalysisResult | None:
        rows = {
            row.analyzer: (row.version, row.data)
            for row in conn.execute(_reads().analyses_of, {"id": sample_id})
        }
        try:
            return rebuild_analysis(facts, rows)
        except ValidationError as exc:
            raise StorageError(f"stored analysis of sample {sample_id} is unreadable") from exc

    def record(self, sample_id: int) -> SampleRecord:
        """The sample and everything stored about it, in one read transaction."""
        with self._connect() as conn:
            found = self._load(conn, [sample_id])
            if not found:
                raise SampleNotFoundError(f"no sample with id {sample_id}")
            sample = found[0]
            return SampleRecord(
                sample=sample,
                analysis=self._analysis(
                    conn, sample_id, {name: getattr(sample, name) for name in _FACTS}
                ),
                collections=tuple(self._collections_of(conn, sample_id)),
                derived_from=self._derivation_of(conn, sample_id),
                derivatives=tuple(self._derivatives(conn, sample_id)),
            )

    def analyzer_outputs(
        self, analyzers: Sequence[str], *, batch_size: int = 1000
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        names = list(dict.fromkeys(analyzers))
        if not names:
            return
        a = t.analyses
        last = 0
        while True:
            batch = (
                sa.select(a.c.sample_id)
                .join(_s, _s.c.id == a.c.sample_id)
                .where(a.c.analyzer.in_(names), _s.c.missing.is_(False), a.c.sample_id > last)
                .group_by(a.c.sample_id)
                .order_by(a.c.sample_id)
                .limit(batch_size)
            )
            query = (
                sa.select(a.c.sample_id, a.c.analyzer, a.c.data)
                .where(a.c.sample_id.in_(batch.scalar_subquery()), a.c.analyzer.in_(names))
                .order_by(a.c.sample_id, a.c.analyzer)
            )
            with self._connect() as conn:
                rows = conn.execute(query).all()
            outputs: dict[int, dict[str, Any]] = {}
            for row in rows:
                outputs.setdefault(row.sample_id, {})[row.analyzer] = row.data
            yield from outputs.items()
            if len(outputs) < batch_size:
                return
            last = max(outputs)

    # --- reading ---------------------------------------------------------------------------
    def get(self, sample_id: int) -> Sample:
        found = self.get_many([sample_id])
        if not found:
            raise SampleNotFoundError(f"no sample with id {sample_id}")
        return found[0]

    def get_many(self, sample_ids: Sequence[int]) -> list[Sample]:
        if not sample_ids:
            return []
        with self._connect() as conn:
            return self._load(conn, sample_ids)

    def get_by_path(self, path: str) -> Sample | None:
        with self._connect() as conn:
            rows = conn.execute(self._select_samples().where(_s.c.path == path)).all()
            found = self._hydrate(conn, rows)
        return found[0] if found else None

    def count(self, *, include_missing: bool = False) -> int:
        query = sa.select(sa.func.count()).select_from(_s)
        if not include_missing:
            query = query.where(_s.c.missing.is_(False))
        with self._connect() as conn:
            return int(conn.execute(query).scalar_one())

    def labels(self) -> dict[int, tuple[str, str | None, bool | None]]:
        query = sa.select(_s.c.id, _s.c.name, _s.c.sample_type, _s.c.is_loop).where(
            _s.c.missing.is_(False)
        )
        with self._connect() as conn:
            return {row.id: (row.name, row.sample_type, row.is_loop) for row in conn.execute(query)}

    def search(
        self,
        query: SearchQuery,
        *,
        limit: int = 50,
        offset: int = 0,
        restrict_to: Sequence[int] | None = None,
    ) -> list[SearchHit]:
        from samplemind.storage.sqlquery import compile_search

        statement = compile_search(
            query, dialect=self._dialect, restrict_to=restrict_to, limit=limit, offset=offset
        )
        with self._connect() as conn:
            ranked = [(int(row[0]), float(row[1] or 0.0)) for row in conn.execute(statement)]
            samples = {s.id: s for s in self._load(conn, [i for i, _ in ranked])}
        return [SearchHit(sample=samples[i], score=score) for i, score in ranked if i in samples]

    def search_page(
        self, query: SearchQuery, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[SearchHit], int]:
        from samplemind.storage.sqlquery import compile_count, compile_search

        # The page, then the count: two statements, not one with ``count(*) OVER ()``, whose
        # window makes the database read and sort every match before the first row (~100 ms
        # on 100,000 samples, against ~5 ms for an index walk to the page plus a count).
        statement = compile_search(query, dialect=self._dialect, limit=limit, offset=offset)
        with self._connect() as conn:
            rows = conn.execute(statement).all()
            if len(rows) < limit and (rows or not offset):  # the page reached the end
                total = offset + len(rows)
            else:
                total = int(conn.execute(compile_count(query, dialect=self._dialect)).scalar_one())
            samples = {s.id: s for s in self._load(conn, [int(row[0]) for row in rows])}
        hits = [
            SearchHit(sample=samples[int(row[0])], score=float(row[1] or 0.0))
            for row in rows
            if int(row[0]) in samples
        ]
        return hits, total

    def count_matching(self, query: SearchQuery) -> int:
        from samplemind.storage.sqlquery import compile_count

        statement = compile_count(query, dialect=self._dialect, restrict_to=None)
        with self._connect() as conn:
            return int(conn.execute(statement).scalar_one())

    def duplicate_hashes(self) -> list[list[Sample]]:
        present = _s.c.missing.is_(False)
        shared = (
            sa.select(_s.c.content_hash)
            .where(present)
            .group_by(_s.c.content_hash)
            .having(sa.func.count() >= 2)
        )
        with self._connect() as conn:
            rows = conn.execute(
                self._select_samples()
                .where(present, _s.c.content_hash.in_(shared.scalar_subquery()))
                .order_by(_s.c.id)
            ).all()
            samples = self._hydrate(conn, rows)
        groups: dict[str, list[Sample]] = {}
        for sample in samples:
            groups.setdefault(sample.content_hash, []).append(sample)
        return sorted(groups.values(), key=lambda group: (-len(group), group[0].id))

    def stats(self) -> dict[str, Any]:
        present = _s.c.missing.is_(False)

        def n(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
            return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

        state = _s.c.analysis_state
        totals = sa.select(
            n(present),
            n(_s.c.missing.is_(True)),
            n(sa.and_(present, state == AnalysisState.DONE.value)),
            n(sa.and_(present, state == AnalysisState.FAILED.value)),
            n(sa.and_(present, state == AnalysisState.PENDING.value)),
            n(sa.and_(present, _s.c.is_loop.is_(True))),
            n(sa.and_(present, _s.c.is_loop.is_(False))),
        )
        favourites = (
            sa.select(sa.func.count())
            .select_from(t.favourites.join(_s, _s.c.id == t.favourites.c.sample_id))
            .where(present)
        )

        def by(column: sa.Column[Any]) -> sa.Select[Any]:
            return (
                sa.select(column, sa.func.count())
                .where(present, column.is_not(None))
                .group_by(column)
            )

        with self._connect() as conn:
            row = conn.execute(totals).one()
            by_type = {k: int(v) for k, v in conn.execute(by(_s.c.sample_type))}
            by_key = {k: int(v) for k, v in conn.execute(by(_s.c.key))}
            # Floor, not round: PostgreSQL's integer cast rounds, SQLite's truncates (= floor
            # for a BPM, always positive) and may lack floor().
            bpm_bin: sa.ColumnElement[Any] = (
                sa.func.floor(_s.c.bpm / BPM_BIN)
                if self._dialect == "postgresql"
                else sa.cast(_s.c.bpm / BPM_BIN, sa.Integer)
            )
            bins = {
                int(b) * BPM_BIN: int(v)
                for b, v in conn.execute(
                    sa.select(bpm_bin, sa.func.count())
                    .where(present, _s.c.is_loop.is_(True), _s.c.bpm.is_not(None))
                    .group_by(bpm_bin)
                )
            }
            # Shifted to positive before the integer cast, for the same reason (and SQLite
            # truncates toward zero, which is not floor for a negative loudness).
            lufs = _s.c.loudness_lufs
            lufs_bin: sa.ColumnElement[Any] = (
                sa.func.floor(lufs / LUFS_BIN)
                if self._dialect == "postgresql"
                else sa.cast((lufs + 1000.0) / LUFS_BIN, sa.Integer) - 1000 // LUFS_BIN
            )
            lufs_bins = {
                int(b) * LUFS_BIN: int(v)
                for b, v in conn.execute(
                    sa.select(lufs_bin, sa.func.count())
                    .where(present, lufs.is_not(None), lufs >= LUFS_FLOOR)
                    .group_by(lufs_bin)
                )
            }
            tag_count = sa.func.count(sa.distinct(t.tags.c.sample_id))
            by_tag = {
                name: int(v)
                for name, v in conn.execute(
                    sa.select(t.tags.c.name, tag_count)
                    .select_from(t.tags.join(_s, _s.c.id == t.tags.c.sample_id))
                    .where(present)
                    .group_by(t.tags.c.name)
                    .order_by(tag_count.desc(), t.tags.c.name)
                    .limit(TOP_TAGS)
                )
            }
            n_favourites = conn.execute(favourites).scalar_one()
            n_collections = conn.execute(
                sa.select(sa.func.count()).select_from(t.collections)
            ).scalar_one()
        samples, missing, analyzed, failed, pending, loops, oneshots = (int(v) for v in row)
        return {
            "samples": samples,
            "missing": missing,
            "analyzed": analyzed,
            "failed": failed,
            "pending": pending,
            "by_type": dict(sorted(by_type.items())),
            "by_key": dict(sorted(by_key.items())),
            "bpm_histogram": dict(sorted(bins.items())),
            "loudness_histogram": dict(sorted(lufs_bins.items())),
            "by_tag": by_tag,
            "loops": loops,
            "oneshots": oneshots,
            "favourites": int(n_favourites),
            "collections": int(n_collections),
        }

    # --- organising ------------------------------------------------------------------------
    def add_tags(self, sample_id: int, tags: Iterable[Tag]) -> None:
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        now = _now()
        for tag in tags:
            name = normalise_tag_name(tag.name)
            rows.setdefault(
                (name, tag.source.value),
                {
                    "sample_id": sample_id,
                    "name": name,
                    "source": tag.source.value,
                    "confidence": tag.confidence,
                    "created_at": now,
                },
            )
        with self._begin() as conn:
            self._require(conn, sample_id)
            if not rows:
                return
            conn.execute(self._insert(t.tags).on_conflict_do_nothing(), list(rows.values()))
            self._refresh_fts_tags(conn, sample_id)

    def remove_tags(
        self, sample_id: int, names: Iterable[str], *, source: TagSource | None = None
    ) -> int:
        wanted = sorted({name.strip().lower() for name in names} - {""})
        if not wanted:
            return 0
        query = sa.delete(t.tags).where(t.tags.c.sample_id == sample_id, t.tags.c.name.in_(wanted))
        if source is not None:
            query = query.where(t.tags.c.source == source.value)
        with self._begin() as conn:
            removed = conn.execute(query).rowcount
            if removed:
                self._refresh_fts_tags(conn, sample_id)
        return removed

    def set_favourite(self, sample_id: int, favourite: bool = True) -> None:
        f = t.favourites
        with self._begin() as conn:
            self._require(conn, sample_id)
            if favourite:
                conn.execute(
                    self._insert(f)
                    .values(sample_id=sample_id, created_at=_now())
                    .on_conflict_do_nothing()
                )
            else:
                conn.execute(sa.delete(f).where(f.c.sample_id == sample_id))

    def delete_sample(self, sample_id: int) -> None:
        with self._begin() as conn:
            if not conn.execute(sa.delete(_s).where(_s.c.id == sample_id)).rowcount:
                raise SampleNotFoundError(f"no sample with id {sample_id}")

    def create_collection(self, name: str) -> Collection:
        name = collection_name(name)
        c = t.collections
        now = _now()
        with self._begin() as conn:
            if conn.execute(sa.select(c.c.id).where(c.c.name == name)).first() is not None:
                raise DuplicateCollectionError(f"a collection named {name!r} exists")
            try:
                new_id = conn.execute(
                    sa.insert(c).values(name=name, created_at=now).returning(c.c.id)
                ).scalar_one()
            except sa_exc.IntegrityError as exc:
                raise DuplicateCollectionError(f"a collection named {name!r} exists") from exc
        return Collection(id=new_id, name=name, size=0, created_at=now)

    def collections(self) -> list[Collection]:
        c, items = t.collections, t.collection_items
        query = (
            sa.select(c.c.id, c.c.name, c.c.created_at, sa.func.count(items.c.sample_id))
            .select_from(c.outerjoin(items, items.c.collection_id == c.c.id))
            .group_by(c.c.id, c.c.name, c.c.created_at)
        )
        with self._connect() as conn:
            rows = conn.execute(query).all()
        # Sorted here: database collations disagree on case and accents.
        return sorted(
            (
                Collection(id=i, name=name, size=int(size), created_at=_utc(created))
                for i, name, created, size in rows
            ),
            key=lambda collection: collection.name,
        )

    def delete_collection(self, name: str) -> None:
        c = t.collections
        with self._begin() as conn:
            if not conn.execute(sa.delete(c).where(c.c.name == name.strip())).rowcount:
                raise CollectionNotFoundError(f"no collection named {name!r}")

    def add_to_collection(self, name: str, sample_ids: Sequence[int]) -> int:
        name = collection_name(name)
        ids = list(dict.fromkeys(sample_ids))
        c, items = t.collections, t.collection_items
        now = _now()
        with self._begin() as conn:
            found: set[int] = set()
            for chunk in _chunks(ids):
                found.update(conn.execute(sa.select(_s.c.id).where(_s.c.id.in_(chunk))).scalars())
            unknown = [i for i in ids if i not in found]
            if unknown:
                raise SampleNotFoundError(f"no samples with ids {unknown[:10]}")
            if conn.execute(sa.select(c.c.id).where(c.c.name == name)).first() is None:
                conn.execute(
                    self._insert(c).values(name=name, created_at=now).on_conflict_do_nothing()
                )
            collection_id = self._collection_id(conn, name)
            held = set(
                conn.execute(
                    sa.select(items.c.sample_id).where(items.c.collection_id == collection_id)
                ).scalars()
            )
            position = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(items.c.position), 0)).where(
                    items.c.collection_id == collection_id
                )
            ).scalar_one()
            new = [i for i in ids if i not in held]
            if new:
                conn.execute(
                    sa.insert(items),
                    [
                        {
                            "collection_id": collection_id,
                            "sample_id": sample_id,
                            "position": position + offset,
                            "added_at": now,
                        }
                        for offset, sample_id in enumerate(new, start=1)
                    ],
                )
        return len(new)

    def remove_from_collection(self, name: str, sample_ids: Sequence[int]) -> int:
        items = t.collection_items
        ids = list(dict.fromkeys(sample_ids))
        removed = 0
        with self._begin() as conn:
            collection_id = self._collection_id(conn, name)
            for chunk in _chunks(ids):
                removed += conn.execute(
                    sa.delete(items).where(
                        items.c.collection_id == collection_id, items.c.sample_id.in_(chunk)
                    )
                ).rowcount
        return removed

    def collection_samples(self, name: str) -> list[Sample]:
        items = t.collection_items
        with self._connect() as conn:
            collection_id = self._collection_id(conn, name)
            ids = conn.execute(
                sa.select(items.c.sample_id)
                .where(items.c.collection_id == collection_id)
                .order_by(items.c.position)
            ).scalars()
            return self._load(conn, list(ids))

    def collections_of(self, sample_id: int) -> list[str]:
        with self._connect() as conn:
            return self._collections_of(conn, sample_id)

    @staticmethod
    def _collections_of(conn: Connection, sample_id: int) -> list[str]:
        return sorted(conn.execute(_reads().collections_of, {"id": sample_id}).scalars())

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
        d = t.derivations
        now = _now()
        values = {
            "sample_id": sample_id,
            "source_id": source_id,
            "kind": DerivationKind(kind).value,
            "params": dict(params),
            "created_at": now,
        }
        with self._begin() as conn:
            self._require(conn, sample_id)
            if source_id is not None:
                self._require(conn, source_id)
            conn.execute(sa.delete(d).where(d.c.sample_id == sample_id))
            conn.execute(sa.insert(d).values(**values))
        return Derivation(
            sample_id=sample_id,
            source_id=source_id,
            kind=DerivationKind(kind),
            params=dict(params),
            created_at=now,
        )

    @staticmethod
    def _derivation(row: Row[Any]) -> Derivation:
        return Derivation(
            sample_id=row.sample_id,
            source_id=row.source_id,
            kind=DerivationKind(row.kind),
            params=row.params or {},
            created_at=_utc(row.created_at),
        )

    def derivation(self, sample_id: int) -> Derivation | None:
        with self._connect() as conn:
            return self._derivation_of(conn, sample_id)

    def derivatives(self, source_id: int) -> list[Derivation]:
        with self._connect() as conn:
            return self._derivatives(conn, source_id)

    @classmethod
    def _derivation_of(cls, conn: Connection, sample_id: int) -> Derivation | None:
        row = conn.execute(_reads().derivation_of, {"id": sample_id}).first()
        return None if row is None else cls._derivation(row)

    @classmethod
    def _derivatives(cls, conn: Connection, source_id: int) -> list[Derivation]:
        rows = conn.execute(_reads().derivatives_of, {"id": source_id}).all()
        return [cls._derivation(row) for row in rows]

    # --- scan runs -------------------------------------------------------------------------
    def start_scan(self, roots: Sequence[str]) -> ScanRun:
        runs = t.scan_runs
        now = _now()
        with self._begin() as conn:
            conn.execute(
                sa.update(runs)
                .where(runs.c.status == ScanStatus.RUNNING.value)
                .values(status=ScanStatus.INTERRUPTED.value)
            )
            scan_id = conn.execute(
                sa.insert(runs)
                .values(roots=list(roots), status=ScanStatus.RUNNING.value, started_at=now)
                .returning(runs.c.id)
            ).scalar_one()
        return ScanRun(id=scan_id, roots=tuple(roots), status=ScanStatus.RUNNING, started_at=now)

    def finish_scan(self, scan_id: int, summary: ScanSummary, *, interrupted: bool = False) -> None:
        runs = t.scan_runs
        status = ScanStatus.INTERRUPTED if interrupted else ScanStatus.DONE
        with self._begin() as conn:
            conn.execute(
                sa.update(runs)
                .where(runs.c.id == scan_id)
                .values(
                    status=status.value,
                    finished_at=_now(),
                    summary=summary.model_dump(mode="json"),
                )
            )
        self.optimize()

    def optimize(self) -> None:
        """Refresh the query planner's statistics (after a scan changed many rows)."""
        try:
            with self._engine.connect() as conn:
                if self._dialect == "sqlite":
                    # Full statistics (~0.1 s per 100k samples, once per scan): sampled ones
                    # (analysis_limit) misjudged type/key selectivity and cost 3-5x in search.
                    conn.exec_driver_sql("PRAGMA analysis_limit=0")
                    conn.exec_driver_sql("ANALYZE")
                else:
                    # Every table: tag, favourite and collection filters join them.
                    conn.exec_driver_sql("ANALYZE")
                conn.commit()
        except sa.exc.SQLAlchemyError as exc:  # statistics are an optimisation, never an error
            log.warning("could not refresh database statistics: %s", exc)

    def scan_roots(self) -> list[str]:
        # JSON has no equality on PostgreSQL, so the (short) lists are merged here.
        with self._connect() as conn:
            lists = conn.execute(sa.select(t.scan_runs.c.roots)).scalars()
            return sorted({str(root) for roots in lists for root in roots})

    def scans(self, limit: int = 20) -> list[ScanRun]:
        runs = t.scan_runs
        with self._connect() as conn:
            rows = conn.execute(sa.select(runs).order_by(runs.c.id.desc()).limit(limit)).all()
        return [
            ScanRun(
                id=row.id,
                roots=tuple(row.roots),
                status=ScanStatus(row.status),
                started_at=_utc(row.started_at),
                finished_at=_utc(row.finished_at) if row.finished_at else None,
                summary=ScanSummary.model_validate(row.summary or {}),
            )
            for row in rows
        ]

    # --- the AI layer's records ---------------------------------------------------------------
    def record_ai_calls(self, calls: Sequence[AiCall]) -> None:
        if not calls:
            return
        rows = []
        for call in calls:
            values = call.model_dump()
            values["at"] = _utc(call.at)  # SQLite compares the stored text: keep it all UTC
            rows.append(values)
        with self._begin() as conn:
            conn.execute(sa.insert(t.ai_calls), rows)

    @staticmethod
    def _period(since: datetime, until: datetime | None) -> sa.ColumnElement[bool]:
        at = t.ai_calls.c.at
        start = at >= _utc(since)
        return sa.and_(start, at < _utc(until)) if until is not None else start

    def ai_spend_usd(self, since: datetime, until: datetime | None = None) -> float:
        calls = t.ai_calls
        with self._connect() as conn:
            total = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(calls.c.cost_usd), 0.0)).where(
                    self._period(since, until)
                )
            ).scalar_one()
        return float(total)

    def ai_cost_lines(self, since: datetime, until: datetime | None = None) -> list[AiCostLine]:
        c = t.ai_calls.c
        keys = (c.provider, c.model, c.task)
        cost = sa.func.sum(c.cost_usd)
        query = (
            sa.select(
                *keys,
                sa.func.count().label("calls"),
                sa.func.sum(sa.case((c.cached, 1), else_=0)).label("cached"),
                sa.func.sum(sa.case((c.ok, 0), else_=1)).label("failed"),
                sa.func.sum(c.input_tokens).label("input_tokens"),
                sa.func.sum(c.output_tokens).label("output_tokens"),
                cost.label("cost_usd"),
            )
            .where(self._period(since, until))
            .group_by(*keys)
            .order_by(cost.desc(), *keys)
        )
        with self._connect() as conn:
            rows = conn.execute(query).all()
        return [AiCostLine.model_validate(dict(row._mapping)) for row in rows]

    def save_ai_description(self, description: AiDescription) -> None:
        table = t.ai_descriptions
        with self._begin() as conn:
            self._require(conn, description.sample_id)
            conn.execute(sa.delete(table).where(table.c.sample_id == description.sample_id))
            conn.execute(sa.insert(table).values(**description.model_dump()))

    def ai_description(self, sample_id: int) -> AiDescription | None:
        table = t.ai_descriptions
        with self._connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.sample_id == sample_id)).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values["created_at"] = _utc(values["created_at"])
        return AiDescription.model_validate(values)


@dataclass(frozen=True)
class _Reads:
    """The reads of a sample's detail and of a search page, built once with bound parameters
    (building a statement, column by column, cost more than running it)."""

    samples_by_id: sa.Select[Any]
    tags_of: sa.Select[Any]
    analyses_of: sa.Select[Any]
    collections_of: sa.Select[Any]
    derivation_of: sa.Select[Any]
    derivatives_of: sa.Select[Any]


@functools.cache
def _reads() -> _Reads:
    a, d, items, named = t.analyses, t.derivations, t.collection_items, t.collections
    one: sa.BindParameter[int] = sa.bindparam("id")
    return _Reads(
        samples_by_id=SqlStore._select_samples().where(
            _s.c.id.in_(sa.bindparam("ids", expanding=True))
        ),
        tags_of=sa.select(t.tags.c.sample_id, t.tags.c.name, t.tags.c.source, t.tags.c.confidence)
        .where(t.tags.c.sample_id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(t.tags.c.id),
        analyses_of=sa.select(a.c.analyzer, a.c.version, a.c.data).where(a.c.sample_id == one),
        collections_of=sa.select(named.c.name)
        .join(items, items.c.collection_id == named.c.id)
        .where(items.c.sample_id == one),
        derivation_of=sa.select(d).where(d.c.sample_id == one),
        derivatives_of=sa.select(d).where(d.c.source_id == one).order_by(d.c.sample_id),
    )


def _sqlite_engine(url: URL, safe: str, *, busy_timeout_ms: int) -> Engine:
    """An engine whose every connection is in WAL mode with foreign keys on, and which issues
    ``BEGIN`` itself (``BEGIN IMMEDIATE`` for writes) instead of the driver's implicit one."""
    database = url.database or ""
    if database in ("", ":memory:"):
        engine = sa.create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        if not database.startswith("file:"):
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageUnavailableError(
                    f"cannot create the folder of database {safe}: {exc}"
                ) from exc
        engine = sa.create_engine(url)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # autocommit at the driver; we say BEGIN
        cursor = dbapi_connection.cursor()
        try:
            # The timeout first: switching to WAL itself may wait for another connection.
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    def on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    listen: Callable[..., None] = sa.event.listen
    listen(engine, "connect", on_connect)
    listen(engine, "begin", on_begin)
    return engine
