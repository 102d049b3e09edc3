"""Compile a :class:`~samplemind.domain.query.SearchQuery` to one SELECT for SQLite or PostgreSQL.

:func:`compile_search` returns ``(samples.id, score)`` rows in their final order, paged;
:func:`compile_count` how many samples match. :mod:`samplemind.storage.memquery` is the reference
meaning of every node; the two must agree on which samples match and on the order rules.

Free text:
    Every word of a text term must prefix-match a word of the name, tags or folder
    (``samples.fts_*``). SQLite asks its FTS5 table (``"kick"*``), PostgreSQL the GIN-indexed
    ``tsvector`` expression (``to_tsquery('simple', 'kick:*')``). Words are
    :func:`~samplemind.domain.text.words`, so only ``[0-9a-z]`` reaches the full-text syntax, and
    it travels as a bound parameter all the same. The text terms every match must have (the
    top-level ones) are joined as one full-text query that drives the search and scores it:
    ``-bm25`` with column weights name 10, tags 5, folder 1 on SQLite, ``ts_rank`` with the same
    proportions on PostgreSQL (higher is better). Other text terms (under ``OR`` or ``-``) become
    ``id IN (full-text subquery)``; when there is no required term, relevance is scored on the
    positive ones (any of them).

Everything else is a plain, index-friendly predicate: ``bpm``/``key``/``sample_type``/
``is_loop`` comparisons on their indexed columns; tags, favourites and collections as
``id IN (SELECT sample_id ...)`` over indexed columns, evaluated once, never per row. Every
predicate is two-valued (a NULL column makes it false, not unknown), so ``-bpm:>120`` includes
samples without a BPM, as the in-memory store does.

Order: explicit sort keys, else relevance (when free text contributes a score); then name
(ignoring ASCII case, then exactly), then id. NULLs sort last in both directions on both
dialects; text compares byte-wise (``COLLATE "C"`` on PostgreSQL) so every store sorts alike.

Example:
    >>> from samplemind.domain.query import And, SearchQuery, TextTerm, Range
    >>> q = SearchQuery(where=And((TextTerm("kick"), Range("bpm", 120, 128))))
    >>> sql = str(compile_search(q, dialect="sqlite", limit=10).compile())
    >>> "samples_fts MATCH" in sql and "bm25(samples_fts, 10.0, 5.0, 1.0)" in sql
    True
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from samplemind.domain.music import Mode, MusicalKey
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
from samplemind.storage.fts import PG_TSVECTOR_COLUMN, SQLITE_FTS_TABLE
from samplemind.storage.tables import collection_items, collections, favourites, samples, tags

__all__ = [
    "CAMELOT_RANKS",
    "DIALECTS",
    "EXACT_FIELDS",
    "KEY_RANKS",
    "NAME_WEIGHT",
    "PATH_WEIGHT",
    "TAGS_WEIGHT",
    "Dialect",
    "ascii_lower",
    "compile_count",
    "compile_search",
]

Dialect = Literal["sqlite", "postgresql"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgresql")

#: Relevance weight of a match in the file name, the tags and the folder words.
NAME_WEIGHT, TAGS_WEIGHT, PATH_WEIGHT = 10.0, 5.0, 1.0

#: OneOf fields stored canonical, compared exactly so the comparison can use their index.
EXACT_FIELDS = frozenset({"key", "sample_type", "analysis_state"})
_INTEGER_COLUMNS = frozenset(
    name for name, column in samples.c.items() if isinstance(column.type, sa.Integer)
)
_TEXT_SORTS = frozenset({"name", "path", "sample_type"})


def _key_ranks() -> tuple[dict[str, int], dict[str, int]]:
    by_name: dict[str, int] = {}
    by_camelot: dict[str, int] = {}
    for tonic in range(12):
        for mode in Mode:
            key = MusicalKey(tonic=tonic, mode=mode)
            by_name[key.name] = tonic * 2 + (mode is Mode.MINOR)
            by_camelot[key.camelot] = key.camelot_number * 2 + (mode is Mode.MAJOR)
    return by_name, by_camelot


#: Sort ranks of the 24 keys by name (C major, C minor, C# major, …) and by Camelot code (1A,
#: 1B, 2A, …); a value outside them sorts with the NULLs.
KEY_RANKS, CAMELOT_RANKS = _key_ranks()


def _check_dialect(dialect: str) -> Dialect:
    for known in DIALECTS:
        if dialect == known:
            return known
    raise ValueError(f"unknown SQL dialect {dialect!r}; valid: {', '.join(DIALECTS)}")


def _fts5_query(words: Sequence[str], operator: str) -> str:
    return f" {operator} ".join('"' + word.replace('"', '""') + '"*' for word in words)


def _tsquery(words: Sequence[str], operator: str) -> str:
    return f" {operator} ".join(
        "'" + word.replace("\\", "\\\\").replace("'", "''") + "':*" for word in words
    )


class _Compiler:
    """Node -> boolean SQL for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.fts = sa.table(SQLITE_FTS_TABLE, sa.column("rowid", sa.Integer))

    # text ------------------------------------------------------------------------------------
    def fts_match(self, words: Sequence[str], operator: str) -> ColumnElement[bool]:
        """SQLite: the FTS5 table matches ``words`` (joined by AND or OR)."""
        expression = sa.literal(_fts5_query(words, operator), sa.String)
        return sa.literal_column(SQLITE_FTS_TABLE).op("MATCH")(expression)

    def tsquery(self, words: Sequence[str], operator: str) -> ColumnElement[Any]:
        """PostgreSQL: ``to_tsquery('simple', ...)`` of ``words`` (joined by & or |)."""
        return self.to_tsquery(_tsquery(words, operator))

    @staticmethod
    def to_tsquery(expression: str) -> ColumnElement[Any]:
        config: ColumnElement[Any] = sa.literal_column("'simple'::regconfig")
        return sa.func.to_tsquery(config, sa.literal(expression, sa.Text))

    @staticmethod
    def tsvector() -> ColumnElement[Any]:
        """The stored, indexed vector, unqualified: it names the innermost ``samples`` in scope."""
        return sa.literal_column(PG_TSVECTOR_COLUMN, postgresql.TSVECTOR)

    def text_in(self, groups: Sequence[Sequence[str]], *, top: bool) -> ColumnElement[bool]:
        """``samples.id`` is among the samples matching every word of one of ``groups``: one
        full-text subquery, evaluated once (``kick OR snare`` is one index scan).

        On PostgreSQL a ``top`` condition (one every match must meet) is the index expression
        itself, a bitmap scan of the GIN index; as a subquery there, the planner would turn it
        into a join and rank every row before filtering. Under OR or NOT it stays a subquery,
        hashed once, so the expression is never computed row by row.
        """
        if self.dialect == "sqlite":
            expression = " OR ".join(f"({_fts5_query(words, 'AND')})" for words in groups)
            match = sa.literal_column(SQLITE_FTS_TABLE).op("MATCH")(
                sa.literal(expression, sa.String)
            )
            return samples.c.id.in_(sa.select(self.fts.c.rowid).where(match))
        expression = " | ".join(f"({_tsquery(words, '&')})" for words in groups)
        if top:
            return self.tsvector().op("@@")(self.to_tsquery(expression))
        inner = samples.alias("fts_samples")
        matching = sa.select(inner.c.id).where(
            self.tsvector().op("@@")(self.to_tsquery(expression))
        )
        return samples.c.id.in_(matching)

    # nodes -----------------------------------------------------------------------------------
    def node(self, node: Node, *, top: bool = False) -> ColumnElement[bool]:
        """``node`` as a two-valued condition; ``top``: every match must meet it (a conjunct of
        the WHERE clause), which decides the best full-text form."""
        if isinstance(node, TextTerm):
            words = term_words(node)
            return self.text_in([words], top=top) if words else sa.true()
        if isinstance(node, Range):
            return self.range(node)
        if isinstance(node, OneOf):
            return self.one_of(node)
        if isinstance(node, Flag):
            return self.flag(node)
        if isinstance(node, HasTag):
            tagged = sa.select(tags.c.sample_id).where(tags.c.name == node.name)
            if node.source is not None:
                tagged = tagged.where(tags.c.source == node.source)
            return samples.c.id.in_(tagged)
        if isinstance(node, PathContains):
            return self.contains(samples.c.path, node.text)
        if isinstance(node, InCollection):
            members = (
                sa.select(collection_items.c.sample_id)
                .join(collections, collections.c.id == collection_items.c.collection_id)
                .where(collections.c.name == node.name)
            )
            return samples.c.id.in_(members)
        if isinstance(node, Not):
            return sa.not_(self.node(node.node))
        if isinstance(node, And):
            return sa.and_(sa.true(), *(self.node(child, top=top) for child in node.nodes))
        if isinstance(node, Or):
            texts = [term_words(c) for c in node.nodes if isinstance(c, TextTerm)]
            if len(texts) < 2 or not all(texts):  # a term without words matches everything
                return sa.or_(sa.false(), *(self.node(child) for child in node.nodes))
            others = [self.node(c) for c in node.nodes if not isinstance(c, TextTerm)]
            return sa.or_(self.text_in(texts, top=top and not others), *others)
        raise TypeError(f"not a query node: {node!r}")  # pragma: no cover

    def range(self, node: Range) -> ColumnElement[bool]:
        column = samples.c[node.field]
        conditions: list[ColumnElement[bool]] = [column.is_not(None)]
        if node.low is not None:
            low = self.bound(node.field, node.low)
            conditions.append(column > low if node.low_open else column >= low)
        if node.high is not None:
            high = self.bound(node.field, node.high)
            conditions.append(column < high if node.high_open else column <= high)
        return sa.and_(*conditions)

    @staticmethod
    def bound(field: str, value: float) -> float | int:
        """An integral bound on an integer column binds as an integer (PostgreSQL would cast
        the column to compare it with a float, and lose the index)."""
        value = float(value)
        if field in _INTEGER_COLUMNS and value.is_integer():
            return int(value)
        return value

    def one_of(self, node: OneOf) -> ColumnElement[bool]:
        column = samples.c[node.field]
        if not node.values:
            return sa.false()
        if node.field in EXACT_FIELDS:
            return sa.and_(column.is_not(None), column.in_(sorted(node.values)))
        lowered = sorted({ascii_lower(value) for value in node.values})
        return sa.and_(column.is_not(None), self.lower(column).in_(lowered))

    def flag(self, node: Flag) -> ColumnElement[bool]:
        if node.name == "loop":
            return sa.and_(samples.c.is_loop.is_not(None), samples.c.is_loop == sa.true())
        if node.name == "oneshot":
            return sa.and_(samples.c.is_loop.is_not(None), samples.c.is_loop == sa.false())
        if node.name == "favourite":
            return samples.c.id.in_(sa.select(favourites.c.sample_id))
        return samples.c.missing == sa.true()

    # dialect details -------------------------------------------------------------------------
    def c_text(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """``column`` compared byte-wise (PostgreSQL's database collation may not be)."""
        return sa.collate(column, "C") if self.dialect == "postgresql" else column

    def lower(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """Lower case of ASCII letters only (SQLite's ``lower``; PostgreSQL's under "C")."""
        return sa.func.lower(self.c_text(column))

    def contains(self, column: ColumnElement[Any], text: str) -> ColumnElement[bool]:
        needle = ascii_lower(text)
        if self.dialect == "sqlite":
            return sa.func.instr(self.lower(column), sa.literal(needle, sa.String)) > 0
        # LIKE (escaped), so PostgreSQL can use the pg_trgm index on lower(path COLLATE "C").
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = sa.literal(f"%{escaped}%", sa.String)
        return self.lower(column).like(pattern, escape="\\")

    def restrict(self, ids: Sequence[int]) -> ColumnElement[bool]:
        """``samples.id`` among ``ids``: one bound parameter however many there are."""
        unique = sorted({int(i) for i in ids})
        if not unique:
            return sa.false()
        if self.dialect == "sqlite":
            each = sa.func.json_each(sa.literal(json.dumps(unique), sa.String)).table_valued(
                "value"
            )
            return samples.c.id.in_(sa.select(each.c.value))
        array = sa.literal(unique, postgresql.ARRAY(sa.Integer))
        return samples.c.id == sa.any_(array)


def ascii_lower(text: str) -> str:
    """Lower-case A-Z only, as SQLite's ``lower`` does (so every store folds alike)."""
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _split_required(where: Node | None) -> tuple[list[TextTerm], list[Node]]:
    """The top-level text terms (see :func:`~samplemind.domain.query.required_terms`) and the
    other top-level nodes."""
    if where is None:
        return [], []
    if isinstance(where, TextTerm):
        return [where], []
    if not isinstance(where, And):
        return [], [where]
    required: list[TextTerm] = []
    rest: list[Node] = []
    for child in where.nodes:
        inner_required, inner_rest = (
            _split_required(child) if isinstance(child, And | TextTerm) else ([], [child])
        )
        required.extend(inner_required)
        rest.extend(inner_rest)
    return required, rest


def _filters(
    compiler: _Compiler,
    query: SearchQuery,
    nodes: Sequence[Node],
    restrict_to: Sequence[int] | None,
) -> list[ColumnElement[bool]]:
    conditions = [compiler.node(node, top=True) for node in nodes]
    if not query.include_missing:
        conditions.append(samples.c.missing == sa.false())
    if restrict_to is not None:
        conditions.append(compiler.restrict(restrict_to))
    return conditions


def compile_count(
    query: SearchQuery, *, dialect: str, restrict_to: Sequence[int] | None = None
) -> sa.Select[int]:
    """``SELECT count(*)`` of the samples matching ``query.where`` (and ``restrict_to``)."""
    compiler = _Compiler(_check_dialect(dialect))
    nodes = [query.where] if query.where is not None else []
    conditions = _filters(compiler, query, nodes, restrict_to)
    return sa.select(sa.func.count()).select_from(samples).where(*conditions)


def compile_search(
    query: SearchQuery,
    *,
    dialect: str,
    restrict_to: Sequence[int] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> sa.Select[Any]:
    """``SELECT samples.id, score`` of the samples matching ``query.where``, in final order.

    Args:
        query: The parsed query (``like`` is ignored; the search engine handles it).
        dialect: ``"sqlite"`` or ``"postgresql"``.
        restrict_to: Only these sample ids are candidates.
        limit: At most this many rows (None: all).
        offset: Rows to skip first.

    Raises:
        ValueError: an unknown dialect.
    """
    compiler = _Compiler(_check_dialect(dialect))
    words, required = relevance_words(query.where)
    # The required text terms become the full-text join (SQLite) or condition (PostgreSQL).
    _, rest = _split_required(query.where)
    if not (required and words):
        rest = [query.where] if query.where is not None else []
    source: sa.FromClause = samples
    score: ColumnElement[float]
    conditions: list[ColumnElement[bool]] = []
    operators = ("AND", "&") if required else ("OR", "|")
    if not words:
        score = sa.literal(0.0, sa.Float)
    elif compiler.dialect == "sqlite":
        bm25 = sa.func.bm25(
            sa.literal_column(SQLITE_FTS_TABLE),
            sa.literal_column(repr(NAME_WEIGHT)),
            sa.literal_column(repr(TAGS_WEIGHT)),
            sa.literal_column(repr(PATH_WEIGHT)),
        )
        ranked = (
            sa.select(compiler.fts.c.rowid.label("id"), (-bm25).label("score"))
            .select_from(compiler.fts)
            .where(compiler.fts_match(words, operators[0]))
            .subquery("fts_rank")
        )
        source = samples.join(ranked, ranked.c.id == samples.c.id, isouter=not required)
        score = ranked.c.score if required else sa.func.coalesce(ranked.c.score, 0.0)
    else:
        tsquery = compiler.tsquery(words, operators[1])
        # ts_rank's weights are {D, C, B, A}: folder words are C, tags B, the name A.
        scale = 1 / NAME_WEIGHT
        weights: ColumnElement[Any] = sa.literal_column(
            f"'{{0, {PATH_WEIGHT * scale}, {TAGS_WEIGHT * scale}, 1}}'::float4[]"
        )
        score = sa.func.ts_rank(weights, compiler.tsvector(), tsquery).cast(sa.Float)
        if required:
            conditions.append(compiler.tsvector().op("@@")(tsquery))
    conditions.extend(_filters(compiler, query, rest, restrict_to))
    labelled = score.label("score")
    statement = (
        sa.select(samples.c.id, labelled)
        .select_from(source)
        .where(*conditions)
        .order_by(*_order(compiler, query.sort, labelled, scored=bool(words)))
    )
    if limit is not None:
        statement = statement.limit(limit)
    if offset:
        statement = statement.offset(offset)
    return statement


def _order(
    compiler: _Compiler, sort: Sequence[SortKey], score: ColumnElement[float], *, scored: bool
) -> list[ColumnElement[Any]]:
    order: list[ColumnElement[Any]] = []
    keys = list(sort) if sort else ([SortKey("relevance")] if scored else [])
    for key in keys:
        if key.field == "relevance":
            # Best first unless reversed.
            order.append(score.asc() if key.descending else score.desc())
            continue
        if key.field == "similarity":
            continue  # the search engine orders by similarity; stores have no vectors
        for expression in _sort_expressions(compiler, key.field):
            direction = expression.desc() if key.descending else expression.asc()
            order.append(direction.nulls_last())
    order.extend(expression.asc() for expression in _sort_expressions(compiler, "name"))
    order.append(samples.c.id.asc())
    return order


def _sort_expressions(compiler: _Compiler, field: str) -> list[ColumnElement[Any]]:
    if field in _TEXT_SORTS:
        column = samples.c[field]
        return [compiler.lower(column), compiler.c_text(column)]
    if field in ("key", "camelot"):
        ranks = KEY_RANKS if field == "key" else CAMELOT_RANKS
        return [sa.case(ranks, value=samples.c[field], else_=None)]
    return [samples.c[field]]
