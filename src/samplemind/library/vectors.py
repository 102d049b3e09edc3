"""Writing similarity vectors in batches: the scan and the index rebuild share this.

Vectors are derived from stored analyses (:func:`samplemind.index.spaces.vectors_from_outputs`),
grouped per space and upserted in batches. While a scan writes, the index is marked dirty, so a
crash between a database commit and the index write makes the next session rebuild it.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from samplemind.errors import SampleMindError
from samplemind.index.base import VectorIndex
from samplemind.index.spaces import spaces_fingerprint, vectors_from_outputs

__all__ = ["INPUT_ANALYZERS", "META_DIRTY", "META_SPACES", "VectorWriter"]

log = logging.getLogger(__name__)

#: Index metadata keys: the spaces fingerprint it was built with, and "1" while a scan writes.
META_SPACES = "spaces"
META_DIRTY = "dirty"

#: Analyzer outputs the similarity spaces read (what a rebuild streams from the store).
INPUT_ANALYZERS = (
    "envelope",
    "key",
    "loop",
    "loudness",
    "pitch",
    "rhythm",
    "silence",
    "tempo",
    "timbre",
)


class VectorWriter:
    """Batches vectors into ``index`` (None: a writer that does nothing).

    With ``strict`` an index failure raises (a rebuild must not half-succeed quietly); without it
    a failure is logged and the index left marked dirty, so it is rebuilt later (a scan goes on).
    """

    def __init__(
        self, index: VectorIndex | None, *, batch_size: int = 64, strict: bool = False
    ) -> None:
        self._index = index
        self._batch_size = batch_size
        self._strict = strict
        self._pending: dict[str, tuple[list[int], list[Any]]] = {}
        self._count = 0
        self._ok = True

    def begin(self) -> None:
        """Mark the index dirty until :meth:`finish`."""
        self._set_meta(META_DIRTY, "1")

    def add(self, sample_id: int, outputs: dict[str, Any]) -> bool:
        """Queue the vectors of one sample's analysis; False when it yields none."""
        if self._index is None:
            return False
        vectors = vectors_from_outputs(outputs)
        for space, vector in vectors.items():
            ids, vecs = self._pending.setdefault(space, ([], []))
            ids.append(sample_id)
            vecs.append(vector)
        if vectors:
            self._count += 1
        if self._count >= self._batch_size:
            self.flush()
        return bool(vectors)

    def flush(self) -> None:
        if self._index is None or not self._pending:
            return
        try:
            for space, (ids, vecs) in self._pending.items():
                self._index.upsert(space, ids, np.asarray(vecs, dtype=np.float32))
        except SampleMindError as exc:
            self._ok = False
            if self._strict:
                raise
            log.warning("similarity index not updated (%s); it will be rebuilt", exc.message)
        finally:
            self._pending = {}
            self._count = 0

    def finish(self, *, rebuilt: bool = False) -> None:
        """Flush; clear the dirty mark if every write succeeded (and, after a full rebuild,
        record the spaces fingerprint it was built with)."""
        self.flush()
        if self._ok:
            if rebuilt:
                self._set_meta(META_SPACES, spaces_fingerprint())
            self._set_meta(META_DIRTY, "0")

    def _set_meta(self, key: str, value: str) -> None:
        if self._index is None:
            return
        try:
            self._index.set_meta(key, value)
        except SampleMindError as exc:
            if self._strict:
                raise
            log.warning("similarity index unavailable (%s)", exc.message)
