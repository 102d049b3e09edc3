"""The SQL compiler's shape: user text only ever travels as bound parameters."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from samplemind.search import parse_query
from samplemind.storage.sqlquery import compile_count, compile_search

DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}
HOSTILE = (
    """tag:"zq'tag" path:"zq'%_path" collection:"zq'col" type:"zq'type" format:zq' """
    """like:zq'like zq'x '"; DROP TABLE samples; --"""
)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_user_text_is_bound_never_inlined(dialect: str) -> None:
    query = parse_query(HOSTILE)
    for statement in (
        compile_search(query, dialect=dialect, restrict_to=[1, 2], limit=5, offset=5),
        compile_count(query, dialect=dialect),
    ):
        compiled = statement.compile(dialect=DIALECTS[dialect])
        assert "zq" not in str(compiled).lower()
        assert "drop" not in str(compiled).lower()
        assert any(value == "zq'tag" for value in compiled.params.values())


@pytest.mark.parametrize("dialect", DIALECTS)
def test_restrict_to_is_one_parameter_however_long(dialect: str) -> None:
    statement = compile_search(parse_query(""), dialect=dialect, restrict_to=range(50_000))
    compiled = statement.compile(dialect=DIALECTS[dialect])
    assert len(compiled.params) < 10


def test_full_text_uses_the_indexes_of_each_dialect() -> None:
    query = parse_query("kick OR snare dark")
    lite = str(compile_search(query, dialect="sqlite").compile(dialect=DIALECTS["sqlite"]))
    assert "samples_fts MATCH" in lite
    assert "bm25(samples_fts, 10.0, 5.0, 1.0)" in lite
    pg = str(compile_search(query, dialect="postgresql").compile(dialect=DIALECTS["postgresql"]))
    assert "fts_vector @@" in pg  # the stored, GIN-indexed column (migration 0003)
    assert "to_tsquery('simple'::regconfig" in pg
    assert "ts_rank" in pg


def test_unknown_dialect_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="valid: sqlite, postgresql"):
        compile_search(parse_query("kick"), dialect="mysql")
