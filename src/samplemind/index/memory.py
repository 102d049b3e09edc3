"""The reference :class:`VectorIndex`: exact nearest neighbours by numpy brute force.

Each space keeps ``{id: vector}``; the first query after a write stacks them into one matrix
(ids sorted ascending, rows unit-normalised for cosine spaces), so a query is one matrix-vector
product and an ``argpartition``: a few milliseconds at 100,000 x 64. Nothing is persisted.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from samplemind.index.base import Hit, Vector, VectorIndex
from samplemind.index.spaces import SPACES, Space

__all__ = ["MemoryVectorIndex"]


class _Matrix:
    """The stacked, query-ready form of one space."""

    __slots__ = ("ids", "rows")

    def __init__(self, vectors: dict[int, Vector], *, cosine: bool) -> None:
        self.ids = np.fromiter(sorted(vectors), dtype=np.int64, count=len(vectors))
        if vectors:
            rows = np.stack([vectors[int(i)] for i in self.ids])
        else:
            rows = np.zeros((0, 0), dtype=np.float32)
        if cosine and rows.size:
            rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        self.rows: Vector = rows.astype(np.float32, copy=False)

    def positions(self, ids: list[int]) -> npt.NDArray[np.intp]:
        """Row numbers of those ``ids`` that are present."""
        if not self.ids.size:
            return np.zeros(0, dtype=np.intp)
        wanted = np.asarray(ids, dtype=np.int64)
        found = np.minimum(np.searchsorted(self.ids, wanted), self.ids.size - 1)
        present: npt.NDArray[np.intp] = found[self.ids[found] == wanted]
        return present


class MemoryVectorIndex(VectorIndex):
    """Exact, in-process, not persistent; the reference the contract suite trusts."""

    def __init__(self, *, spaces: Iterable[Space] = SPACES) -> None:
        super().__init__(spaces=spaces)
        self._vectors: dict[str, dict[int, Vector]] = {name: {} for name in self._spaces}
        self._matrices: dict[str, _Matrix] = {}
        self._metadata: dict[str, str] = {}

    def _matrix(self, space: Space) -> _Matrix:
        matrix = self._matrices.get(space.name)
        if matrix is None:
            matrix = _Matrix(self._vectors[space.name], cosine=space.metric == "cosine")
            self._matrices[space.name] = matrix
        return matrix

    def _upsert(self, space: Space, ids: list[int], vectors: Vector) -> None:
        stored = self._vectors[space.name]
        for key, row in zip(ids, vectors, strict=True):
            stored[key] = row.copy()
        self._matrices.pop(space.name, None)

    def _delete(self, ids: list[int]) -> None:
        for name, stored in self._vectors.items():
            removed = [stored.pop(key, None) for key in ids]
            if any(row is not None for row in removed):
                self._matrices.pop(name, None)

    def _clear(self) -> None:
        for stored in self._vectors.values():
            stored.clear()
        self._matrices.clear()
        self._metadata.clear()

    def _query(
        self,
        space: Space,
        vector: Vector,
        *,
        n: int,
        exclude: frozenset[int],
        restrict_to: list[int] | None,
    ) -> list[Hit]:
        matrix = self._matrix(space)
        if not matrix.ids.size:
            return []
        if space.metric == "cosine":
            vector = vector / np.linalg.norm(vector)
        if restrict_to is None:
            ids, rows = matrix.ids, matrix.rows
            scores = rows @ vector
            if exclude:
                scores[matrix.positions(sorted(exclude))] = -np.inf
        else:
            positions = matrix.positions(restrict_to)
            ids = matrix.ids[positions]
            scores = matrix.rows[positions] @ vector
        keep = min(n, int(np.isfinite(scores).sum()))
        if keep == 0:
            return []
        top = np.argpartition(-scores, keep - 1)[:keep] if keep < scores.size else np.arange(keep)
        return [(int(ids[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]

    def _get(self, space: Space, ids: list[int]) -> dict[int, Vector]:
        stored = self._vectors[space.name]
        return {key: stored[key].copy() for key in ids if key in stored}

    def _ids(self, space: Space) -> set[int]:
        return set(self._vectors[space.name])

    def _count(self, space: Space) -> int:
        return len(self._vectors[space.name])

    def _meta(self) -> dict[str, str]:
        return dict(self._metadata)

    def _set_meta(self, values: dict[str, str]) -> None:
        self._metadata.update(values)

    def _close(self) -> None:
        self._vectors.clear()
        self._matrices.clear()
