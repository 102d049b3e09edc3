"""The ``VectorIndex`` port: nearest neighbours of sample vectors, one named space at a time.

Two implementations honour it and one contract suite (``tests/contracts/test_index.py``) runs
against all of them: :class:`~samplemind.index.memory.MemoryVectorIndex` (the reference, exact
numpy brute force) and :class:`~samplemind.index.chroma.ChromaVectorIndex` (ChromaDB's HNSW, on
disk or on a server).

Ids are sample ids. Each index serves a fixed set of :class:`~samplemind.index.spaces.Space`
declarations (by default :data:`~samplemind.index.spaces.SPACES`); vectors are float32 rows of the
space's ``dim``. Similarities are cosine-like, in [-1, 1], best first: the cosine for ``cosine``
spaces, the inner product for ``ip`` spaces (whose query vectors keep it in range).

The public methods here validate their arguments once for every adapter and delegate to the
``_``-prefixed hooks that adapters implement. Every failure is a
:class:`~samplemind.errors.VectorIndexError`, never a driver or numpy exception.

Example:
    >>> from samplemind.index import MemoryVectorIndex, Space
    >>> index = MemoryVectorIndex(spaces=[Space("demo", 2, 1, "a plane")])
    >>> index.upsert("demo", [1, 2, 3], np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32))
    >>> [(i, round(s, 3)) for i, s in index.query("demo", np.array([1, 0.1]), n=2)]
    [(1, 0.995), (3, 0.774)]
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Self

import numpy as np
import numpy.typing as npt

from samplemind.errors import VectorIndexError
from samplemind.index.spaces import SPACES, Space, spaces_fingerprint

__all__ = ["FINGERPRINT_KEY", "Hit", "Vector", "VectorIndex"]

Vector = npt.NDArray[np.float32]
#: ``(sample id, similarity)``.
Hit = tuple[int, float]

#: The :meth:`VectorIndex.meta` key holding the fingerprint of the spaces the vectors follow.
FINGERPRINT_KEY = "spaces"


class VectorIndex(ABC):
    """Vectors per named space, and their nearest neighbours. See the module docstring."""

    def __init__(self, *, spaces: Iterable[Space] = SPACES) -> None:
        chosen = tuple(spaces)
        self._spaces: dict[str, Space] = {space.name: space for space in chosen}
        if len(self._spaces) != len(chosen):
            raise VectorIndexError("space names must be unique")
        self._closed = False

    # --- spaces ----------------------------------------------------------------------------
    @property
    def spaces(self) -> Mapping[str, Space]:
        """The spaces this index serves, by name."""
        return dict(self._spaces)

    @property
    def fingerprint(self) -> str:
        """:func:`~samplemind.index.spaces.spaces_fingerprint` of this index's spaces."""
        return spaces_fingerprint(self._spaces.values())

    def space(self, name: str) -> Space:
        """The space called ``name``.

        Raises:
            VectorIndexError: no such space; the message lists the valid ones.
        """
        try:
            return self._spaces[name]
        except KeyError:
            valid = ", ".join(self._spaces)
            raise VectorIndexError(f"unknown vector space {name!r}; valid: {valid}") from None

    # --- writes ----------------------------------------------------------------------------
    def upsert(self, space: str, ids: Sequence[int], vectors: npt.ArrayLike) -> None:
        """Insert or replace the vectors of ``ids`` in ``space``.

        Args:
            space: A space name.
            ids: Sample ids, unique.
            vectors: Shape ``(len(ids), dim)``; converted to float32.

        Raises:
            VectorIndexError: an unknown space, a shape or dimension mismatch (the message names
                the space and both dimensions), duplicate ids, non-finite values, or a zero vector
                in a cosine space; or the backend failed.
        """
        self._check_open()
        spec = self.space(space)
        keys = _ids(ids)
        if len(set(keys)) != len(keys):
            raise VectorIndexError(f"space {space!r}: duplicate ids in one upsert")
        matrix = _matrix(spec, vectors, rows=len(keys))
        if not keys:
            return
        self._upsert(spec, keys, matrix)

    def delete(self, ids: Iterable[int]) -> None:
        """Remove ``ids`` from every space; unknown ids are ignored."""
        self._check_open()
        keys = sorted(set(_ids(ids)))
        if keys:
            self._delete(keys)

    def clear(self) -> None:
        """Remove every vector from every space, and the metadata."""
        self._check_open()
        self._clear()

    # --- reads -----------------------------------------------------------------------------
    def query(
        self,
        space: str,
        vector: npt.ArrayLike,
        *,
        n: int,
        exclude: Collection[int] = (),
        restrict_to: Iterable[int] | None = None,
    ) -> list[Hit]:
        """The ``n`` most similar samples to ``vector`` in ``space``.

        Args:
            space: A space name.
            vector: The query, shape ``(dim,)``.
            n: How many hits at most; 0 gives none.
            exclude: Ids never returned (typically the query sample itself).
            restrict_to: When given, only these ids are candidates (ids not in the space are
                ignored; an empty collection gives no hits).

        Returns:
            ``(id, similarity)`` pairs, best first; similarity in [-1, 1].

        Raises:
            VectorIndexError: an unknown space, a wrong dimension, a negative ``n``, a zero or
                non-finite query vector; or the backend failed.
        """
        self._check_open()
        spec = self.space(space)
        query = _matrix(spec, vector, rows=None)[0]
        if n < 0:
            raise VectorIndexError(f"n must be zero or positive, got {n}")
        excluded = frozenset(_ids(exclude))
        allowed: list[int] | None = None
        if restrict_to is not None:
            allowed = sorted(set(_ids(restrict_to)) - excluded)
            if not allowed:
                return []
        if n == 0:
            return []
        hits = self._query(spec, query, n=n, exclude=excluded, restrict_to=allowed)
        if spec.metric == "cosine":
            hits = [(i, min(1.0, max(-1.0, s))) for i, s in hits]
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits[:n]

    def get(self, space: str, ids: Iterable[int]) -> dict[int, Vector]:
        """The stored vectors of those ``ids`` that are in ``space``, as float32 arrays."""
        self._check_open()
        spec = self.space(space)
        keys = sorted(set(_ids(ids)))
        return self._get(spec, keys) if keys else {}

    def ids(self, space: str) -> set[int]:
        """Every id with a vector in ``space``."""
        self._check_open()
        return self._ids(self.space(space))

    def count(self, space: str) -> int:
        """How many vectors ``space`` holds."""
        self._check_open()
        return self._count(self.space(space))

    # --- metadata --------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        """Small string facts kept with the vectors (e.g. :data:`FINGERPRINT_KEY`)."""
        self._check_open()
        return self._meta()

    def get_meta(self, key: str) -> str | None:
        """One value of :meth:`meta`, or None."""
        return self.meta().get(key)

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` in :meth:`meta`, replacing any previous value.

        Raises:
            VectorIndexError: a key or value that is not a string, or an empty key.
        """
        self._check_open()
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise VectorIndexError(
                f"metadata maps non-empty strings to strings, got {key!r}: {value!r}"
            )
        self._set_meta({key: value})

    def is_stale(self) -> bool:
        """Whether the stored vectors were made by other space recipes than this index's.

        An index that has never been marked (:meth:`mark_current`) and holds no vectors is not
        stale; one holding vectors without a fingerprint is.
        """
        stored = self.meta().get(FINGERPRINT_KEY)
        if stored is None:
            return self._holds_vectors()
        return stored != self.fingerprint

    def mark_current(self) -> None:
        """Record that the stored vectors follow this index's spaces (after a (re)build)."""
        self.set_meta(FINGERPRINT_KEY, self.fingerprint)

    # --- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Release the backend. The index is unusable afterwards; closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise VectorIndexError(f"{type(self).__name__} is closed")

    # --- adapter hooks (arguments already validated) ---------------------------------------
    @abstractmethod
    def _upsert(self, space: Space, ids: list[int], vectors: Vector) -> None:
        """Store ``vectors`` (float32, ``(len(ids), space.dim)``, finite) under ``ids``."""

    @abstractmethod
    def _delete(self, ids: list[int]) -> None:
        """Remove ``ids`` (non-empty, unique) from every space."""

    @abstractmethod
    def _clear(self) -> None:
        """Remove every vector and the metadata."""

    @abstractmethod
    def _query(
        self,
        space: Space,
        vector: Vector,
        *,
        n: int,
        exclude: frozenset[int],
        restrict_to: list[int] | None,
    ) -> list[Hit]:
        """At least the ``n`` best hits (``n >= 1``), in any order.

        ``restrict_to`` is None or non-empty, sorted and disjoint from ``exclude``.
        """

    @abstractmethod
    def _get(self, space: Space, ids: list[int]) -> dict[int, Vector]:
        """Stored vectors of ``ids`` (non-empty, sorted, unique) that exist."""

    @abstractmethod
    def _ids(self, space: Space) -> set[int]: ...

    @abstractmethod
    def _count(self, space: Space) -> int: ...

    @abstractmethod
    def _meta(self) -> dict[str, str]: ...

    @abstractmethod
    def _set_meta(self, values: dict[str, str]) -> None:
        """Merge ``values`` (validated) into the metadata."""

    @abstractmethod
    def _close(self) -> None: ...

    def _holds_vectors(self) -> bool:
        """Whether any vectors are stored, in any space, even of another recipe."""
        return any(self._count(space) for space in self._spaces.values())


def _ids(ids: Iterable[int]) -> list[int]:
    keys: list[int] = []
    for key in ids:
        if isinstance(key, bool) or not isinstance(key, int | np.integer):
            raise VectorIndexError(f"sample ids are integers, got {key!r}")
        keys.append(int(key))
    return keys


def _matrix(space: Space, values: npt.ArrayLike, *, rows: int | None) -> Vector:
    """``values`` as a finite float32 matrix of ``space.dim`` columns.

    ``rows=None`` means one query vector of shape ``(dim,)``, returned as ``(1, dim)``.
    """
    try:
        matrix = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise VectorIndexError(f"space {space.name!r}: vectors are not numeric ({exc})") from exc
    if rows is None:
        if matrix.ndim != 1:
            raise VectorIndexError(
                f"space {space.name!r}: a query is one vector of shape ({space.dim},), "
                f"got shape {matrix.shape}"
            )
        matrix = matrix.reshape(1, -1)
    elif matrix.size == 0 and rows == 0:
        return np.zeros((0, space.dim), dtype=np.float32)
    elif matrix.ndim != 2 or matrix.shape[0] != rows:
        raise VectorIndexError(
            f"space {space.name!r}: expected {rows} vectors of shape ({space.dim},), "
            f"got an array of shape {matrix.shape}"
        )
    if matrix.shape[1] != space.dim:
        raise VectorIndexError(
            f"space {space.name!r} holds {space.dim}-dimensional vectors, got {matrix.shape[1]}"
        )
    if not np.isfinite(matrix).all():
        raise VectorIndexError(f"space {space.name!r}: vectors must be finite (no NaN or inf)")
    if space.metric == "cosine" and not np.any(matrix, axis=1).all():
        raise VectorIndexError(f"space {space.name!r}: a zero vector has no direction (cosine)")
    return np.ascontiguousarray(matrix)
