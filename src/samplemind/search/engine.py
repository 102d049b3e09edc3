"""Run a parsed query: filter and rank in the store, and rank by similarity for ``like:``.

The store evaluates the filter (SQL, with full-text relevance); the vector index answers "sounds
like this". With ``like:`` and a filter, the engine asks the index only about samples that pass
the filter when they are few enough to list (an exact answer), and otherwise widens a
nearest-neighbour candidate set until enough of it passes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisResult
from samplemind.domain.library import SearchHit
from samplemind.domain.query import SearchQuery
from samplemind.errors import ConfigError, NotAnalyzedError, SampleNotFoundError
from samplemind.index.base import VectorIndex
from samplemind.index.spaces import ASPECTS, similarity_query, vectors_from_outputs
from samplemind.storage.base import SampleStore

__all__ = ["Reference", "SearchEngine"]

log = logging.getLogger(__name__)

#: With ``like:`` and a filter matching at most this many samples, rank them all exactly.
_EXACT_FILTER_LIMIT = 20_000

Vector = npt.NDArray[np.float32]


class Reference:
    """What ``like:``/``similar`` compares against: a library sample or an outside file."""

    def __init__(self, vectors: Mapping[str, Vector], sample_id: int | None, label: str) -> None:
        self.vectors = vectors
        self.sample_id = sample_id
        self.label = label


class SearchEngine:
    """Queries over one store and one index."""

    def __init__(
        self,
        store: SampleStore,
        index: Callable[[], VectorIndex],
        settings: Settings,
    ) -> None:
        self._store = store
        # A callable defers opening the index (ChromaDB takes seconds to import) until a
        # similarity query needs it.
        self._index_source = index
        self._settings = settings

    @property
    def _index(self) -> VectorIndex:
        return self._index_source()

    def search(self, query: SearchQuery, *, limit: int = 50, offset: int = 0) -> list[SearchHit]:
        """Matching samples, best first; ``like:`` ranks by similarity (score = cosine)."""
        if limit <= 0:
            return []
        if query.like is None:
            return self._store.search(query, limit=limit, offset=offset)
        reference = self.reference(query.like)
        return self._similar_filtered(reference, query, limit=limit, offset=offset)

    def count(self, query: SearchQuery) -> int:
        """How many samples pass the filter (``like:`` does not filter)."""
        return self._store.count_matching(query)

    def search_page(
        self, query: SearchQuery, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[SearchHit], int]:
        """:meth:`search` and :meth:`count` together (the store's page and its total)."""
        if query.like is None and limit > 0:
            return self._store.search_page(query, limit=limit, offset=offset)
        return self.search(query, limit=limit, offset=offset), self.count(query)

    def similar(
        self,
        reference: Reference,
        *,
        aspect: str = "overall",
        n: int = 20,
        query: SearchQuery | None = None,
    ) -> list[SearchHit]:
        """The ``n`` samples most like ``reference`` in ``aspect``, optionally filtered."""
        base = query or SearchQuery()
        return self._similar_filtered(reference, replace(base, aspect=aspect), limit=n, offset=0)

    def reference(self, ref: str | int) -> Reference:
        """Resolve ``like:`` text: a sample id, a library path, or an audio file anywhere.

        Raises:
            SampleNotFoundError: no such id or path.
            AudioError: an outside file that cannot be analyzed.
        """
        text = str(ref).strip()
        if text.isdigit():
            return self._sample_reference(int(text))
        path = os.path.abspath(os.path.expanduser(text))
        sample = self._store.get_by_path(path)
        if sample is not None:
            return self._sample_reference(sample.id)
        if not os.path.isfile(path):
            raise SampleNotFoundError(f"like: {text!r} is neither a sample id nor an audio file")
        from samplemind.analysis.engine import analyze_file

        result = analyze_file(path, settings=self._settings)
        return Reference(vectors_from_outputs(result.model_dump(mode="json")), None, path)

    @staticmethod
    def reference_from(result: AnalysisResult, label: str) -> Reference:
        """A reference from an analysis made elsewhere (an uploaded file's, say)."""
        return Reference(vectors_from_outputs(result.model_dump(mode="json")), None, label)

    def _sample_reference(self, sample_id: int) -> Reference:
        sample = self._store.get(sample_id)
        analysis = self._store.analysis(sample_id)
        vectors = vectors_from_outputs(analysis.model_dump(mode="json")) if analysis else {}
        return Reference(vectors, sample_id, sample.path)

    def _similar_filtered(
        self, reference: Reference, query: SearchQuery, *, limit: int, offset: int
    ) -> list[SearchHit]:
        aspect = query.aspect
        if aspect not in ASPECTS:
            raise ConfigError(f"unknown aspect {aspect!r}; valid: {', '.join(ASPECTS)}")
        vector = reference.vectors.get(aspect)
        if vector is None:
            raise NotAnalyzedError(
                f"{os.path.basename(reference.label)} has no {aspect} description yet "
                "(not analyzed, or the analysis failed)"
            )
        space, vector = similarity_query(reference.vectors, aspect)
        exclude = {reference.sample_id} if reference.sample_id is not None else set()
        wanted = offset + limit
        filtered = replace(query, like=None)
        if query.where is None and not query.include_missing:
            ranked = self._index.query(space, vector, n=wanted + 50, exclude=exclude)
            return self._hydrate(ranked, filtered, offset, limit)
        matching = self._store.count_matching(filtered)
        if matching <= _EXACT_FILTER_LIMIT:
            ids = [
                hit.sample.id
                for hit in self._store.search(filtered, limit=max(matching, 1), offset=0)
            ]
            ranked = self._index.query(space, vector, n=wanted, exclude=exclude, restrict_to=ids)
            return self._hydrate(ranked, filtered, offset, limit)
        n = max(200, wanted * 10)
        total = self._index.count(space)
        while True:
            ranked = self._index.query(space, vector, n=n, exclude=exclude)
            hits = self._hydrate(ranked, filtered, 0, len(ranked))
            if len(hits) >= wanted or n >= total:
                return hits[offset:wanted]
            n *= 4

    def _hydrate(
        self,
        ranked: Sequence[tuple[int, float]],
        query: SearchQuery,
        offset: int,
        limit: int,
    ) -> list[SearchHit]:
        if not ranked:
            return []
        similarity = dict(ranked)
        found = self._store.search(
            query, limit=len(ranked), offset=0, restrict_to=[sample_id for sample_id, _ in ranked]
        )
        hits = [SearchHit(sample=h.sample, score=similarity[h.sample.id]) for h in found]
        if not query.sort or query.sort[0].field in ("similarity", "relevance"):
            hits.sort(key=lambda h: (-h.score, h.sample.id))
        return hits[offset : offset + limit]
