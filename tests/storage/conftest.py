"""SQL-only storage fixtures (the contract suite's PostgreSQL rules apply here too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from samplemind.storage.sql import SqlStore


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore.open(f"sqlite:///{tmp_path / 'deep' / 'er' / 'library.db'}")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[SqlStore]:
    store = SqlStore.open(postgres_url)
    store.truncate_all()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_store(request: pytest.FixtureRequest) -> SqlStore:
    fixture = "sqlite_store" if request.param == "sqlite" else "pg_store"
    store: SqlStore = request.getfixturevalue(fixture)
    return store
