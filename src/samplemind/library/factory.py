"""The composition root: the ONLY place settings become concrete backends.

Backends are chosen by name (an unknown one fails listing the valid names) so delivery layers
never import an adapter: the CLI, the API and tests all go through :func:`open_library`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from samplemind.config import Settings
from samplemind.errors import ConfigError
from samplemind.index.base import VectorIndex
from samplemind.storage.base import SampleStore

__all__ = ["INDEX_BACKENDS", "create_index", "create_store"]

log = logging.getLogger(__name__)


def create_store(settings: Settings) -> SampleStore:
    """SQLite in the data dir by default; any SQLAlchemy URL from ``database_url``.

    ``memory://`` gives the in-memory reference store (nothing persists).
    """
    url = settings.resolved_database_url()
    if url.startswith("memory://"):
        from samplemind.storage.memory import MemoryStore

        return MemoryStore()
    if not url.startswith(("sqlite", "postgresql")):
        raise ConfigError(
            f"unsupported database URL {url.split('://')[0]}://…; valid: sqlite:///PATH, "
            "postgresql+psycopg://USER@HOST/DB, memory://"
        )
    from samplemind.storage.sql import SqlStore

    return SqlStore.open(url)


def _memory_index(settings: Settings) -> VectorIndex:
    from samplemind.index.memory import MemoryVectorIndex

    return MemoryVectorIndex()


def _chroma_index(settings: Settings) -> VectorIndex:
    from samplemind.index.chroma import ChromaVectorIndex

    if settings.chroma_url:
        return ChromaVectorIndex.http(settings.chroma_url)
    path: Path = settings.resolved_data_dir() / "chroma"
    return ChromaVectorIndex.persistent(path)


#: Similarity index backends by name (``settings.vector_backend``).
INDEX_BACKENDS: dict[str, Callable[[Settings], VectorIndex]] = {
    "chroma": _chroma_index,
    "memory": _memory_index,
}


def create_index(settings: Settings) -> VectorIndex:
    """The configured similarity index (ChromaDB embedded, or a server with ``chroma_url``)."""
    try:
        factory = INDEX_BACKENDS[settings.vector_backend]
    except KeyError:
        valid = ", ".join(sorted(INDEX_BACKENDS))
        raise ConfigError(
            f"unknown vector backend {settings.vector_backend!r}; valid: {valid}"
        ) from None
    return factory(settings)
