"""Alembic environment for the library schema.

:meth:`samplemind.storage.sql.SqlStore.open` runs it programmatically with an open connection in
``config.attributes["connection"]`` (already inside the transaction that holds the migration
lock); a developer can also run ``alembic`` with ``-x url=...`` or ``sqlalchemy.url`` set.
Autogenerate compares against :mod:`samplemind.storage.tables`, ignoring the full-text objects
the migrations create by hand.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from samplemind.storage.fts import PG_FTS_INDEX, SQLITE_FTS_TABLE
from samplemind.storage.tables import metadata


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Hide the hand-made full-text objects from autogenerate (FTS5 shadow tables included)."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(SQLITE_FTS_TABLE)
    return not (type_ == "index" and name == PG_FTS_INDEX)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("pass the database with -x url=... (or set sqlalchemy.url)")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


# Alembic executes this file with its context set up; anything else merely importing it (pytest's
# doctest collection walks the package) must not run migrations.
if hasattr(context, "config"):
    run()
