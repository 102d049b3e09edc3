"""What only the SQL store has: connection set-up, error translation, full-text upkeep."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from samplemind.domain.library import FileFacts, Tag, TagSource
from samplemind.domain.query import SearchQuery
from samplemind.domain.text import search_words
from samplemind.errors import (
    ConfigError,
    SampleNotFoundError,
    StorageError,
    StorageUnavailableError,
)
from samplemind.storage.fts import (
    PG_FTS_INDEX,
    PG_PATH_TRGM_INDEX,
    PG_TSVECTOR_COLUMN,
    PG_TSVECTOR_SQL,
    SQLITE_FTS_TABLE,
)
from samplemind.storage.sql import SqlStore


def facts(path: str, content_hash: str = "0" * 32) -> FileFacts:
    return FileFacts(path=path, content_hash=content_hash, size_bytes=10, mtime_ns=1)


def fts_columns(store: SqlStore, sample_id: int) -> tuple[str, str, str]:
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT fts_name, fts_tags, fts_path FROM samples WHERE id = :id"),
            {"id": sample_id},
        ).one()
    return row[0], row[1], row[2]


def matching(store: SqlStore, word: str) -> list[int]:
    """Ids whose full-text index (not the columns) holds a word starting with ``word``."""
    if store.engine.dialect.name == "sqlite":
        sql = f"SELECT rowid FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH :q"
        query = f'"{word}"*'
    else:
        sql = f"SELECT id FROM samples WHERE {PG_TSVECTOR_COLUMN} @@ to_tsquery('simple', :q)"
        query = f"{word}:*"
    with store.engine.connect() as conn:
        return sorted(conn.execute(sa.text(sql), {"q": query}).scalars())


# --- connection set-up ---------------------------------------------------------------------


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    assert (tmp_path / "deep" / "er" / "library.db").is_file()  # folders created
    with sqlite_store.engine.connect() as conn:

        def pragma(name: str) -> object:
            return conn.exec_driver_sql(f"PRAGMA {name}").scalar()

        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 10000
        assert pragma("synchronous") == 1  # NORMAL


def test_sqlite_enforces_foreign_keys(sqlite_store: SqlStore) -> None:
    with pytest.raises(sa.exc.IntegrityError), sqlite_store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO favourites (sample_id, created_at) VALUES (12345, '2025-01-01')"
        )


def test_reopening_keeps_the_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'library.db'}"
    first = SqlStore.open(url)
    (sid,) = first.add_samples([facts("/lib/a.wav")])
    first.close()
    monkeypatch.chdir(tmp_path.parent)  # migrations are found from the package, not the cwd
    second = SqlStore.open(url)
    try:
        assert second.get(sid).path == "/lib/a.wav"
    finally:
        second.close()


def test_in_memory_sqlite(tmp_path: Path) -> None:
    store = SqlStore.open("sqlite://")
    try:
        (sid,) = store.add_samples([facts("/lib/a.wav")])
        assert store.get(sid).name == "a.wav"
    finally:
        store.close()


# --- errors --------------------------------------------------------------------------------


def test_unreachable_postgres_is_unavailable_and_the_password_stays_secret() -> None:
    with pytest.raises(StorageUnavailableError) as caught:
        SqlStore.open("postgresql+psycopg://someone:s3cret-pw@127.0.0.1:1/library")
    message = str(caught.value)
    assert "127.0.0.1:1" in message
    assert "s3cret-pw" not in message
    assert caught.value.code == "storage_unavailable"


def test_sqlite_below_a_file_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StorageUnavailableError, match="not-a-folder"):
        SqlStore.open(f"sqlite:///{blocker / 'library.db'}")


def test_sqlite_on_a_folder_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailableError, match="unable to open"):
        SqlStore.open(f"sqlite:///{tmp_path}")


def test_a_locked_sqlite_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    store = SqlStore.open(f"sqlite:///{path}", busy_timeout_ms=50)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(StorageUnavailableError, match="locked"):
            store.add_samples([facts("/lib/a.wav")])
        assert store.count() == 0  # readers are not blocked in WAL mode
        holder.execute("ROLLBACK")
        assert store.add_samples([facts("/lib/a.wav")]) == [1]
    finally:
        holder.close()
        store.close()


def test_two_stores_on_one_sqlite_file_queue_their_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'library.db'}"
    stores = [SqlStore.open(url), SqlStore.open(url)]
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                (sid,) = stores[n % 2].add_samples([facts(f"/lib/{n}/{i}.wav")])
                stores[(n + 1) % 2].add_tags(sid, [Tag(name=f"w{n}")])
        except BaseException as exc:  # re-raised by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert stores[0].count() == 80
    finally:
        for store in stores:
            store.close()


@pytest.mark.parametrize("url", ["mysql://someone@localhost/db", "not a url"])
def test_unsupported_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        SqlStore.open(url)


def test_driver_errors_are_wrapped(pg_store: SqlStore) -> None:
    # content_hash is VARCHAR(32): PostgreSQL refuses a longer one with a DataError.
    with pytest.raises(StorageError) as caught:
        pg_store.add_samples([facts("/lib/a.wav", content_hash="f" * 40)])
    assert not isinstance(caught.value, StorageUnavailableError)
    assert isinstance(caught.value.__cause__, sa.exc.DBAPIError)
    assert pg_store.count() == 0


# --- full text -----------------------------------------------------------------------------


def test_search_words_follow_inserts_moves_and_tag_changes(sql_store: SqlStore) -> None:
    store = sql_store
    (sid,) = store.add_samples([facts("/lib/Drums/DarkKick_01.wav")])
    (other,) = store.add_samples([facts("/lib/Keys/Piano.wav")])
    assert fts_columns(store, sid) == ("dark kick 01 wav", "", "lib drums")
    assert matching(store, "kick") == [sid]
    assert matching(store, "drum") == [sid]

    store.update_file(sid, facts("/lib/Bass/Sub Boom.wav"), content_changed=False)
    assert fts_columns(store, sid) == ("sub boom wav", "", "lib bass")
    assert matching(store, "kick") == []
    assert matching(store, "boo") == [sid]
    assert matching(store, "lib") == [sid, other]

    store.add_tags(sid, [Tag(name="Gritty Lo-Fi"), Tag(name="warm", source=TagSource.MODEL)])
    assert fts_columns(store, sid)[1] == search_words("gritty lo-fi warm")
    assert matching(store, "gritt") == [sid]
    assert matching(store, "warm") == [sid]
    store.remove_tags(sid, ["gritty lo-fi"])
    assert matching(store, "gritt") == []

    store.update_file(sid, facts("/lib/Bass/Sub Boom.wav", "1" * 32), content_changed=True)
    assert matching(store, "warm") == []  # model tags go with the old content

    store.delete_sample(sid)
    assert matching(store, "boom") == []
    assert matching(store, "piano") == [other]
    with pytest.raises(SampleNotFoundError):
        store.get(sid)


def test_postgres_queries_on_the_tsvector_use_its_index(pg_store: SqlStore) -> None:
    pg_store.add_samples([facts(f"/lib/k{i}/Kick {i}.wav") for i in range(20)])
    with pg_store.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(
            conn.execute(
                sa.text(
                    "EXPLAIN SELECT id FROM samples "
                    f"WHERE {PG_TSVECTOR_COLUMN} @@ to_tsquery('simple', 'kick:*')"
                )
            ).scalars()
        )
    assert PG_FTS_INDEX in plan


def test_postgres_stored_vector_is_the_weighted_expression(pg_store: SqlStore) -> None:
    pg_store.add_samples([facts("/lib/Drums/Dark Kick.wav")])
    with pg_store.engine.connect() as conn:
        same = conn.execute(
            sa.text(f"SELECT {PG_TSVECTOR_COLUMN} = ({PG_TSVECTOR_SQL}) FROM samples")
        ).scalar_one()
    assert same is True


def test_postgres_path_filter_uses_the_trigram_index(pg_store: SqlStore) -> None:
    from samplemind.search.parse import parse_query
    from samplemind.storage.sqlquery import compile_search

    pg_store.add_samples([facts(f"/lib/pack_{i:03d}/Kick {i}.wav") for i in range(50)])
    statement = compile_search(parse_query("path:pack_01"), dialect="postgresql", limit=20)
    with pg_store.engine.connect() as conn:
        found = [row[0] for row in conn.execute(statement)]
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(
            conn.execute(
                sa.text(
                    "EXPLAIN SELECT id FROM samples "
                    """WHERE lower((path COLLATE "C")) LIKE :p ESCAPE '\\'"""
                ),
                {"p": "%pack\\_01%"},
            ).scalars()
        )
    assert PG_PATH_TRGM_INDEX in plan
    assert len(found) == 10  # pack_010 .. pack_019: "_" is literal, not a LIKE wildcard


def test_postgres_sessions_plan_for_cached_storage_unless_the_url_says_otherwise(
    postgres_url: str,
) -> None:
    from samplemind.storage.sql import PG_RANDOM_PAGE_COST

    def page_cost(url: str) -> float:
        store = SqlStore.open(url)
        try:
            with store.engine.connect() as conn:
                return float(conn.exec_driver_sql("SHOW random_page_cost").scalar_one())
        finally:
            store.close()

    assert page_cost(postgres_url) == PG_RANDOM_PAGE_COST
    separator = "&" if "?" in postgres_url else "?"
    assert page_cost(f"{postgres_url}{separator}options=-c%20random_page_cost%3D3") == 3.0


# --- data version (what the API's response cache is keyed by) -------------------------------


def test_the_sqlite_data_version_moves_on_every_write_from_any_connection(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'library.db'}"
    store, other = SqlStore.open(url), SqlStore.open(url)
    try:
        (sample_id,) = store.add_samples([facts("/lib/a.wav")])
        start = store.data_version()
        assert start is not None and store.data_version() == start
        store.get(sample_id), store.search_page(SearchQuery())  # reads change nothing
        assert store.data_version() == start

        store.set_favourite(sample_id)  # this store
        mine = store.data_version()
        assert mine != start

        other.add_tags(sample_id, [Tag(name="dark")])  # another connection, as another process
        theirs = store.data_version()
        assert theirs != mine

        with sqlite3.connect(tmp_path / "library.db") as raw:  # not even through a store
            raw.execute("UPDATE samples SET bpm = 120 WHERE id = ?", (sample_id,))
        assert store.data_version() != theirs
    finally:
        store.close()
        other.close()
    with pytest.raises(StorageUnavailableError):
        store.data_version()


def test_in_memory_sqlite_counts_its_writes_and_postgres_cannot_tell(pg_store: SqlStore) -> None:
    store = SqlStore.open("sqlite://")
    try:
        start = store.data_version()
        store.add_samples([facts("/lib/a.wav")])
        assert store.data_version() not in (None, start)
    finally:
        store.close()
    assert pg_store.data_version() is None


def test_sqlite_pages_in_the_default_order_walk_the_name_index(tmp_path: Path) -> None:
    from samplemind.storage.sqlquery import compile_count, compile_search

    store = SqlStore.open(f"sqlite:///{tmp_path / 'library.db'}")
    try:
        store.add_samples([facts(f"/lib/k/Kick {i:03d}.wav") for i in range(300)])
        page = compile_search(SearchQuery(), dialect="sqlite", limit=20, offset=150)
        count = compile_count(SearchQuery(), dialect="sqlite")
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")

            def plan(statement: sa.Select[Any]) -> str:
                sql = str(statement.compile(store.engine, compile_kwargs={"literal_binds": True}))
                return " | ".join(
                    str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
                )

            page_plan, count_plan = plan(page), plan(count)
            names = [row[0] for row in conn.execute(page)]
    finally:
        store.close()
    # The page is read off the index (no sort of every match, no table lookups for `missing`),
    # and the count of present samples needs nothing else either.
    assert "COVERING INDEX ix_samples_name_order" in page_plan and "TEMP B-TREE" not in page_plan
    assert "COVERING INDEX" in count_plan
    assert len(names) == 20


def test_postgres_pages_in_the_default_order_walk_the_name_index(pg_store: SqlStore) -> None:
    from samplemind.storage.sqlquery import compile_search

    pg_store.add_samples([facts(f"/lib/k/Kick {i:03d}.wav") for i in range(300)])
    page = compile_search(SearchQuery(), dialect="postgresql", limit=20, offset=150)
    with pg_store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE samples")  # index-only scans need the visibility map
        conn.exec_driver_sql("SET enable_seqscan = off")
        sql = str(page.compile(pg_store.engine, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        names = [row[0] for row in conn.execute(page)]
    # Off the index alone, in order: `missing` is in it, no table row is read to test it.
    assert "Index Only Scan using ix_samples_name_order" in plan and "Sort" not in plan
    assert len(names) == 20
