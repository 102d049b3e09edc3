"""Names of the full-text objects the migration creates, for the query compiler.

SQLite keeps an FTS5 external-content table over ``samples(fts_name, fts_tags, fts_path)``, synced
by triggers; its rowid is ``samples.id``. PostgreSQL has a GIN index on a weighted ``tsvector``
expression; a query uses the index only when it repeats the expression exactly, so it lives here,
once. The migration writes its own copy of the DDL (a migration never imports live code), and
``tests/storage/test_sql.py`` checks that the two agree by asking the planner.

Example:
    >>> SQLITE_FTS_TABLE
    'samples_fts'
    >>> PG_TSVECTOR_SQL.count("to_tsvector('simple'")
    3
"""

from __future__ import annotations

__all__ = ["PG_FTS_INDEX", "PG_TSVECTOR_SQL", "SQLITE_FTS_TABLE"]

#: FTS5 table (columns ``fts_name, fts_tags, fts_path``; ``rowid`` = ``samples.id``).
SQLITE_FTS_TABLE = "samples_fts"

#: The indexed expression over ``samples``: name words weigh A, tags B, folder words C.
PG_TSVECTOR_SQL = (
    "setweight(to_tsvector('simple', fts_name), 'A') || "
    "setweight(to_tsvector('simple', fts_tags), 'B') || "
    "setweight(to_tsvector('simple', fts_path), 'C')"
)

#: Name of the GIN index on :data:`PG_TSVECTOR_SQL`.
PG_FTS_INDEX = "ix_samples_fts"
