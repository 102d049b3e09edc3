"""Backends for the contract suites: every test here runs once per store.

PostgreSQL is the server on 127.0.0.1 (``SAMPLEMIND_TEST_POSTGRES_URL`` overrides it). When it
is unreachable its tests are skipped with the reason, except when
``SAMPLEMIND_TEST_REQUIRE_POSTGRES=1`` (``.ci/run`` sets it): then they fail, so CI never passes
without having run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from samplemind.storage.base import SampleStore

POSTGRES_URL = os.environ.get(
    "SAMPLEMIND_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("SAMPLEMIND_TEST_REQUIRE_POSTGRES") == "1"


def _postgres_or_skip() -> str:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:
        message = f"PostgreSQL at {POSTGRES_URL} unreachable ({type(exc).__name__}: {exc})"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{message}; SAMPLEMIND_TEST_REQUIRE_POSTGRES=1 forbids skipping")
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return _postgres_or_skip()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SampleStore]:
    """A fresh, empty store of each kind."""
    from samplemind.storage.memory import MemoryStore
    from samplemind.storage.sql import SqlStore

    kind = request.param
    if kind == "memory":
        s: SampleStore = MemoryStore()
    elif kind == "sqlite":
        s = SqlStore.open(f"sqlite:///{tmp_path / 'library.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        s = SqlStore.open(url)
        SqlStore.truncate_all(s)  # type: ignore[arg-type]
    try:
        yield s
    finally:
        s.close()
