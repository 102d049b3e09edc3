"""④ Similarity index: the :class:`VectorIndex` port, its adapters, and the similarity spaces.

:class:`ChromaVectorIndex` is imported on first use (importing ``chromadb`` takes seconds).

Example:
    >>> from samplemind.index import ASPECTS, MemoryVectorIndex
    >>> ASPECTS
    ('timbre', 'pitch', 'rhythm', 'envelope', 'overall')
    >>> MemoryVectorIndex().count("timbre")
    0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from samplemind.index.base import FINGERPRINT_KEY, Hit, VectorIndex
from samplemind.index.memory import MemoryVectorIndex
from samplemind.index.spaces import (
    ASPECTS,
    DEFAULT_WEIGHTS,
    PARTS,
    SPACES,
    Space,
    aspect_weights,
    normalize_weights,
    similarity_query,
    spaces_fingerprint,
    vectors_from_outputs,
    weighted_query,
)

if TYPE_CHECKING:
    from samplemind.index.chroma import ChromaVectorIndex

__all__ = [
    "ASPECTS",
    "DEFAULT_WEIGHTS",
    "FINGERPRINT_KEY",
    "PARTS",
    "SPACES",
    "ChromaVectorIndex",
    "Hit",
    "MemoryVectorIndex",
    "Space",
    "VectorIndex",
    "aspect_weights",
    "normalize_weights",
    "similarity_query",
    "spaces_fingerprint",
    "vectors_from_outputs",
    "weighted_query",
]


def __getattr__(name: str) -> Any:
    if name == "ChromaVectorIndex":
        from samplemind.index.chroma import ChromaVectorIndex

        return ChromaVectorIndex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
