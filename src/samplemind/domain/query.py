"""The query language's syntax tree (what ``search.parse`` produces and every store evaluates).

The parser does the musical thinking (``bpm:~128`` becomes an :class:`Or` of BPM ranges,
``key:~8A`` a :class:`OneOf` of compatible keys), so stores only ever see plain comparisons: a
node's meaning is the same in SQL and in the in-memory reference store. Field names are columns
of the ``samples`` table and attributes of :class:`~samplemind.domain.library.Sample`.

Logic is two-valued: :class:`Not` matches exactly the samples its node does not match, so
``Not(Range("bpm", low=120))`` includes samples whose BPM is unknown.

Free-text relevance is computed from :func:`relevance_words`: the words of the text terms every
match must have (those directly under the top-level :class:`And`), or, when there are none, of
every text term not under a :class:`Not`.

Example:
    >>> where = And((TextTerm("kick"), Or((TextTerm("dark"), Flag("loop")))))
    >>> relevance_words(where)
    (('kick',), True)
    >>> relevance_words(Or((TextTerm("kick"), Not(TextTerm("snare")))))
    (('kick',), False)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from samplemind.domain.text import words

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
    "relevance_words",
    "required_terms",
    "term_words",
    "walk",
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
    "bars",
    "root_midi",
    "sample_rate_hz",
    "bit_depth",
    "channels",
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
    """The field equals one of ``values``. NULL never matches.

    Values are canonical: ``key`` holds ``MusicalKey.name`` strings (``"A minor"``), ``camelot``
    upper-case codes, ``root_note`` sharp note names (``"F#2"``), the others lower case.
    ``key``, ``sample_type`` and ``analysis_state`` are stored canonical and compared exactly
    (so the comparison can use their indexes); ``format``, ``camelot`` and ``root_note`` are
    compared ignoring ASCII case.
    """

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
    """The path contains ``text``, ignoring ASCII case (``path:drums/``; every store folds only
    A-Z, so they agree on any path)."""

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


Node: TypeAlias = (
    TextTerm | Range | OneOf | Flag | HasTag | PathContains | InCollection | Not | And | Or
)


@dataclass(frozen=True)
class SortKey:
    """One sort key. Values that are NULL sort last in either direction.

    ``relevance`` and ``similarity`` sort best first unless ``descending`` (which reverses them,
    as ``-`` does for every field); ``key`` sorts by tonic then mode (C major, C minor, C# major,
    …), ``camelot`` around the wheel (1A, 1B, 2A, …); text fields ignore ASCII case.
    """

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


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node below it, depth first."""
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, Not):
            stack.append(current.node)
        elif isinstance(current, And | Or):
            stack.extend(reversed(current.nodes))


def term_words(term: TextTerm) -> tuple[str, ...]:
    """The distinct words a text term must all match (one for a term the parser made; a term
    built by hand is normalised the same way, and one with no words matches every sample)."""
    return tuple(dict.fromkeys(words(term.word)))


def _positive_terms(node: Node) -> Iterator[TextTerm]:
    if isinstance(node, TextTerm):
        yield node
    elif isinstance(node, And | Or):
        for child in node.nodes:
            yield from _positive_terms(child)


def required_terms(where: Node | None) -> tuple[TextTerm, ...]:
    """Text terms every match must have: ``where`` itself or its (nested) top-level ``And``'s
    direct text terms."""
    if where is None:
        return ()
    if isinstance(where, TextTerm):
        return (where,)
    if isinstance(where, And):
        found: list[TextTerm] = []
        for child in where.nodes:
            found.extend(required_terms(child) if isinstance(child, TextTerm | And) else ())
        return tuple(found)
    return ()


def relevance_words(where: Node | None) -> tuple[tuple[str, ...], bool]:
    """``(words, required)``: the words free-text relevance is scored on, and whether every
    match has them all (the required terms) or any of them (the positive terms)."""
    required = required_terms(where)
    if required:
        found = tuple(dict.fromkeys(w for term in required for w in term_words(term)))
        if found:
            return found, True
    if where is None:
        return (), False
    positive = tuple(dict.fromkeys(w for term in _positive_terms(where) for w in term_words(term)))
    return positive, False
