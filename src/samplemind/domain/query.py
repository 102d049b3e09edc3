"""The query language's syntax tree (what ``search.parse`` produces and every store evaluates).

The parser does the musical thinking (``bpm:~128`` becomes an :class:`Or` of BPM ranges,
``key:~8A`` a :class:`OneOf` of compatible keys), so stores only ever see plain comparisons: a
node's meaning is the same in SQL and in the in-memory reference store. Field names are columns
of the ``samples`` table and attributes of :class:`~samplemind.domain.library.Sample`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

__all__ = [
    "And",
    "Flag",
    "FlagName",
    "HasTag",
    "InCollection",
    "Node",
    "Not",
    "NumericField",
    "OneOf",
    "Or",
    "PathContains",
    "Range",
    "SearchQuery",
    "SortField",
    "SortKey",
    "TextField",
    "TextTerm",
]

NumericField = Literal[
    "bpm",
    "duration_s",
    "loudness_lufs",
    "peak_dbfs",
    "bars",
    "sample_rate_hz",
    "channels",
    "bit_depth",
    "root_midi",
    "size_bytes",
    "id",
]
TextField = Literal["key", "camelot", "sample_type", "format", "root_note", "analysis_state"]
FlagName = Literal["loop", "oneshot", "favourite", "missing"]
SortField = Literal[
    "relevance",
    "similarity",
    "name",
    "path",
    "bpm",
    "key",
    "camelot",
    "duration_s",
    "loudness_lufs",
    "peak_dbfs",
    "sample_type",
    "added_at",
    "size_bytes",
    "id",
]


@dataclass(frozen=True)
class TextTerm:
    """A free-text word: matches samples whose name, tags or path has a word starting with it.

    ``word`` is one lower-case word as :func:`samplemind.domain.text.words` makes them.
    """

    word: str


@dataclass(frozen=True)
class Range:
    """``low <= field <= high`` (an open end excludes its bound; None is unbounded).

    A sample whose field is NULL never matches.
    """

    field: NumericField
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False


@dataclass(frozen=True)
class OneOf:
    """The field equals one of ``values``, compared case-insensitively. NULL never matches."""

    field: TextField
    values: frozenset[str]


@dataclass(frozen=True)
class Flag:
    """``loop``: is_loop true; ``oneshot``: is_loop false (unknown matches neither);
    ``favourite``; ``missing``."""

    name: FlagName


@dataclass(frozen=True)
class HasTag:
    """Has a tag called ``name`` (lower-case), from any source or only ``source``."""

    name: str
    source: str | None = None


@dataclass(frozen=True)
class PathContains:
    """The path contains ``text``, case-insensitively (``path:drums/``)."""

    text: str


@dataclass(frozen=True)
class InCollection:
    """In the collection called ``name`` (case-sensitive, as collections are named)."""

    name: str


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node: TypeAlias = TextTerm | Range | OneOf | Flag | HasTag | PathContains | InCollection | Not | And | Or


@dataclass(frozen=True)
class SortKey:
    field: SortField
    descending: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query.

    Attributes:
        where: The filter; None matches every sample.
        like: ``like:<id or path>``: rank by similarity to that sample (the search engine resolves
            it through the vector index; stores ignore it).
        aspect: Similarity aspect for ``like:`` (``timbre``, ``pitch``, ``rhythm``, ``envelope``,
            ``overall``).
        sort: Explicit order; empty means relevance (or similarity with ``like``), then name.
        include_missing: Samples marked missing are excluded unless this is true (``is:missing``
            sets it).
    """

    where: Node | None = None
    like: str | None = None
    aspect: str = "overall"
    sort: tuple[SortKey, ...] = field(default_factory=tuple)
    include_missing: bool = False
