"""The Alembic revisions build exactly the schema of ``storage/tables.py``, on both databases."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from samplemind.storage import fts
from samplemind.storage.sql import SqlStore
from samplemind.storage.tables import metadata

MIGRATIONS = Path(__file__).parents[2] / "src" / "samplemind" / "storage" / "migrations"
INITIAL = MIGRATIONS / "versions" / "0001_initial.py"


def _include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """The full-text objects and the dialect-specific expression index (name order) are made by
    hand, outside the metadata; test_name_order_index_exists checks the latter."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(fts.SQLITE_FTS_TABLE)
    if type_ == "column":  # PostgreSQL's generated full-text column (migration 0003)
        return name != fts.PG_TSVECTOR_COLUMN
    hand_made = (fts.PG_FTS_INDEX, fts.PG_PATH_TRGM_INDEX, "ix_samples_name_order")
    return not (type_ == "index" and name in hand_made)


def schema_diffs(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": _include_name, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def load_initial() -> ModuleType:
    spec = importlib.util.spec_from_file_location("initial_revision", INITIAL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fresh_postgres(postgres_url: str) -> Iterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards."""
    name = f"samplemind_migrations_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_upgrade_head_on_empty_sqlite_matches_tables_py(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'library.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = sa.create_engine(url)
    try:
        assert schema_diffs(engine) == []
        assert table_names(engine) >= {t.name for t in metadata.sorted_tables} | {
            fts.SQLITE_FTS_TABLE
        }
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_again_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'library.db'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = sa.create_engine(url)
    try:
        assert table_names(engine) == {"alembic_version"}
        command.upgrade(config, "head")
        assert schema_diffs(engine) == []
    finally:
        engine.dispose()


def test_store_open_on_empty_postgres_matches_tables_py(fresh_postgres: str) -> None:
    SqlStore.open(fresh_postgres).close()
    engine = sa.create_engine(fresh_postgres)
    try:
        assert schema_diffs(engine) == []
        indexes = {ix["name"] for ix in sa.inspect(engine).get_indexes("samples")}
        assert fts.PG_FTS_INDEX in indexes
        command.downgrade(alembic_config(fresh_postgres), "base")
        assert table_names(engine) == {"alembic_version"}
    finally:
        engine.dispose()


def test_the_revision_stands_alone_and_agrees_with_the_fts_constants() -> None:
    source = INITIAL.read_text()
    assert "samplemind" not in "".join(
        line for line in source.splitlines() if line.startswith(("import ", "from "))
    )
    initial = load_initial()
    assert initial._PG_TSVECTOR == fts.PG_TSVECTOR_SQL
    assert f"CREATE VIRTUAL TABLE {fts.SQLITE_FTS_TABLE} USING fts5" in initial._SQLITE_FTS[0]
    assert f"CREATE INDEX {fts.PG_FTS_INDEX} ON samples" in source


def test_schema_head_constant_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from samplemind.storage import sql

    config = Config()
    config.set_main_option("script_location", str(sql._MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == sql.SCHEMA_HEAD


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_name_order_index_exists(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'lib.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres")
    store = SqlStore.open(url)
    try:
        engine = store.engine
        listing = (
            "select name from sqlite_master where type = 'index'"
            if kind == "sqlite"
            else "select indexname from pg_indexes where tablename = 'samples'"
        )
        with engine.connect() as conn:  # reflection skips expression indexes
            names = set(conn.exec_driver_sql(listing).scalars())
        assert "ix_samples_name_order" in names
    finally:
        store.close()


def test_later_revisions_copy_the_tsvector_expression() -> None:
    path = MIGRATIONS / "versions" / "0003_pg_stored_tsvector_trgm.py"
    spec = importlib.util.spec_from_file_location("revision_0003", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module._PG_TSVECTOR == fts.PG_TSVECTOR_SQL
