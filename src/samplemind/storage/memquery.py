"""The reference meaning of a :class:`~samplemind.domain.query.SearchQuery`, in plain Python.

:class:`~samplemind.storage.memory.MemoryStore` searches with :func:`evaluate`, and
:mod:`samplemind.storage.sqlquery` must return the same samples in the same order (relevance
values differ: SQL scores with ``bm25``/``ts_rank``, this module by the weighted count below).

* A text term matches when each of its words starts a word of the name, the tags or the folder
  (the words the SQL stores index: :func:`~samplemind.domain.text.search_words`).
* Relevance (when :func:`~samplemind.domain.query.relevance_words` gives words): for each word,
  ``NAME_WEIGHT`` if it matches in the name, plus ``TAGS_WEIGHT`` in the tags, plus
  ``PATH_WEIGHT`` in the folder.
* Logic is two-valued: ``Not`` is the complement, and a NULL field never satisfies a comparison.
* Order: explicit sort keys, else relevance (best first) when there are words to score; then
  name (ASCII case folded, then exact), then id. NULLs last in both directions.

Example:
    >>> from datetime import UTC, datetime
    >>> from samplemind.domain.library import Sample
    >>> from samplemind.domain.query import SearchQuery, TextTerm
    >>> now = datetime.now(UTC)
    >>> def sample(id, path):
    ...     return Sample(id=id, path=path, name=path.rsplit("/", 1)[1], content_hash="0",
    ...                   size_bytes=1, mtime_ns=0, added_at=now, updated_at=now)
    >>> found = evaluate(SearchQuery(where=TextTerm("kick")),
    ...                  [sample(1, "/kick/a.wav"), sample(2, "/x/Kick.wav"), sample(3, "/b.wav")],
    ...                  collections={})
    >>> [sample_id for sample_id, _ in found]
    [2, 1]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from samplemind.domain.library import Sample
from samplemind.domain.query import (
    And,
    Flag,
    HasTag,
    InCollection,
    Node,
    Not,
    OneOf,
    Or,
    PathContains,
    Range,
    SearchQuery,
    SortKey,
    TextTerm,
    relevance_words,
    term_words,
)
from samplemind.domain.text import words
from samplemind.storage._common import folder
from samplemind.storage.sqlquery import (
    CAMELOT_RANKS,
    EXACT_FIELDS,
    KEY_RANKS,
    NAME_WEIGHT,
    PATH_WEIGHT,
    TAGS_WEIGHT,
    ascii_lower,
)

__all__ = ["evaluate"]

_TEXT_SORTS = frozenset({"name", "path", "sample_type"})


class _Words:
    """A sample's search words per column, computed once."""

    __slots__ = ("name", "path", "tags")

    def __init__(self, sample: Sample) -> None:
        self.name = tuple(dict.fromkeys(words(sample.name)))
        self.tags = tuple(dict.fromkeys(words(" ".join(sorted(sample.tag_names)))))
        self.path = tuple(dict.fromkeys(words(folder(sample.path))))

    @staticmethod
    def _has(column: tuple[str, ...], prefix: str) -> bool:
        return any(word.startswith(prefix) for word in column)

    def matches(self, prefix: str) -> bool:
        return (
            self._has(self.name, prefix)
            or self._has(self.tags, prefix)
            or self._has(self.path, prefix)
        )

    def score(self, prefixes: Sequence[str]) -> float:
        total = 0.0
        for prefix in prefixes:
            total += NAME_WEIGHT * self._has(self.name, prefix)
            total += TAGS_WEIGHT * self._has(self.tags, prefix)
            total += PATH_WEIGHT * self._has(self.path, prefix)
        return total


class _Evaluator:
    def __init__(self, collections: Mapping[str, Sequence[int]]) -> None:
        self.collections = {name: frozenset(ids) for name, ids in collections.items()}
        self.words: dict[int, _Words] = {}

    def words_of(self, sample: Sample) -> _Words:
        found = self.words.get(sample.id)
        if found is None:
            found = self.words[sample.id] = _Words(sample)
        return found

    def matches(self, node: Node, sample: Sample) -> bool:
        if isinstance(node, TextTerm):
            sample_words = self.words_of(sample)
            return all(sample_words.matches(word) for word in term_words(node))
        if isinstance(node, Range):
            return _in_range(node, getattr(sample, node.field))
        if isinstance(node, OneOf):
            value = getattr(sample, node.field)
            if value is None:
                return False
            if node.field in EXACT_FIELDS:
                return str(value) in node.values
            return ascii_lower(str(value)) in {ascii_lower(v) for v in node.values}
        if isinstance(node, Flag):
            if node.name == "loop":
                return sample.is_loop is True
            if node.name == "oneshot":
                return sample.is_loop is False
            if node.name == "favourite":
                return sample.favourite
            return sample.missing
        if isinstance(node, HasTag):
            return any(
                tag.name == node.name and (node.source is None or tag.source.value == node.source)
                for tag in sample.tags
            )
        if isinstance(node, PathContains):
            return ascii_lower(node.text) in ascii_lower(sample.path)
        if isinstance(node, InCollection):
            return sample.id in self.collections.get(node.name, frozenset())
        if isinstance(node, Not):
            return not self.matches(node.node, sample)
        if isinstance(node, And):
            return all(self.matches(child, sample) for child in node.nodes)
        if isinstance(node, Or):
            return any(self.matches(child, sample) for child in node.nodes)
        raise TypeError(f"not a query node: {node!r}")  # pragma: no cover


def _in_range(node: Range, value: Any) -> bool:
    if value is None:
        return False
    number = float(value)
    if node.low is not None and (number <= node.low if node.low_open else number < node.low):
        return False
    return not (
        node.high is not None and (number >= node.high if node.high_open else number > node.high)
    )


def evaluate(
    query: SearchQuery,
    samples: Iterable[Sample],
    *,
    collections: Mapping[str, Sequence[int]],
    restrict_to: Sequence[int] | None = None,
) -> list[tuple[int, float]]:
    """``(sample id, score)`` of every sample matching ``query.where``, in the final order.

    Args:
        query: The parsed query (``like`` is ignored; the search engine handles it).
        samples: Every sample of the library (missing ones included; they are filtered here).
        collections: Collection name -> member sample ids.
        restrict_to: Only these sample ids are candidates.
    """
    evaluator = _Evaluator(collections)
    allowed = frozenset(restrict_to) if restrict_to is not None else None
    scored_words, _ = relevance_words(query.where)
    found: list[tuple[Sample, float]] = []
    for sample in samples:
        if sample.missing and not query.include_missing:
            continue
        if allowed is not None and sample.id not in allowed:
            continue
        if query.where is not None and not evaluator.matches(query.where, sample):
            continue
        score = evaluator.words_of(sample).score(scored_words) if scored_words else 0.0
        found.append((sample, score))
    keys = list(query.sort) if query.sort else ([SortKey("relevance")] if scored_words else [])
    # Stable sorts from the least significant key up: id, name, then the keys in reverse.
    found.sort(key=lambda item: item[0].id)
    found.sort(key=lambda item: _text_key(item[0].name))
    for key in reversed(keys):
        _sort_by(found, key)
    return [(sample.id, score) for sample, score in found]


def _text_key(text: str) -> tuple[str, str]:
    return ascii_lower(text), text


def _sort_value(key: SortKey) -> Callable[[tuple[Sample, float]], Any] | None:
    field = key.field
    if field == "relevance":
        return lambda item: item[1]
    if field == "similarity":
        return None  # the search engine orders by similarity; stores have no vectors
    if field in _TEXT_SORTS:

        def text(item: tuple[Sample, float]) -> Any:
            value = getattr(item[0], field)
            return None if value is None else _text_key(value)

        return text
    if field in ("key", "camelot"):
        ranks = KEY_RANKS if field == "key" else CAMELOT_RANKS
        return lambda item: ranks.get(getattr(item[0], field) or "")
    return lambda item: getattr(item[0], field)


def _sort_by(found: list[tuple[Sample, float]], key: SortKey) -> None:
    value = _sort_value(key)
    if value is None:
        return
    if key.field == "relevance":
        # Best (highest) first unless reversed.
        found.sort(key=value, reverse=not key.descending)
        return
    present = [item for item in found if value(item) is not None]
    absent = [item for item in found if value(item) is None]
    present.sort(key=value, reverse=key.descending)
    found[:] = present + absent
