"""Where the library lives: the :class:`SampleStore` port and its two implementations.

:class:`MemoryStore` is the reference (plain dicts, for tests and throwaway libraries);
:class:`SqlStore` keeps the library in SQLite or PostgreSQL. ``SqlStore`` is imported on first
use, so code that only needs the port does not load SQLAlchemy and Alembic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from samplemind.storage.base import FileState, SampleStore
from samplemind.storage.memory import MemoryStore

if TYPE_CHECKING:
    from samplemind.storage.sql import SqlStore

__all__ = ["FileState", "MemoryStore", "SampleStore", "SqlStore"]


def __getattr__(name: str) -> Any:
    if name == "SqlStore":
        from samplemind.storage.sql import SqlStore

        return SqlStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
