"""Backends for the contract suites: every test here runs once per store.

The PostgreSQL store uses the session's own database (``postgres_url`` in tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from samplemind.storage.base import SampleStore


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
