"""Names of the full-text objects the migration creates, for the query compiler.

SQLite keeps an FTS5 external-content table over ``samples(fts_name, fts_tags, fts_path)``, synced
by triggers; its rowid is ``samples.id``. PostgreSQL stores the weighted ``tsvector`` in a
generated column with a GIN index (migration 0003; 0001 indexed the expression itself). The
migrations write their own copy of the DDL (a migration never imports live code), and
``tests/storage/test_sql.py`` checks that the two agree by asking the planner.

Example:
    >>> SQLITE_FTS_TABLE
    'samples_fts'
    >>> PG_TSVECTOR_SQL.count("to_tsvector('simple'")
    3
"""

from __future__ import annotations

__all__ = [
    "PG_FTS_INDEX",
    "PG_PATH_TRGM_INDEX",
    "PG_TSVECTOR_COLUMN",
    "PG_TSVECTOR_SQL",
    "SQLITE_FTS_TABLE",
]

#: FTS5 table (columns ``fts_name, fts_tags, fts_path``; ``rowid`` = ``samples.id``).
SQLITE_FTS_TABLE = "samples_fts"

#: The indexed expression over ``samples``: name words weigh A, tags B, folder words C.
PG_TSVECTOR_SQL = (
    "setweight(to_tsvector('simple', fts_name), 'A') || "
    "setweight(to_tsvector('simple', fts_tags), 'B') || "
    "setweight(to_tsvector('simple', fts_path), 'C')"
)

#: The stored, generated column holding :data:`PG_TSVECTOR_SQL` (migration 0003), which queries
#: use: computed once per write instead of once per matching row.
PG_TSVECTOR_COLUMN = "fts_vector"

#: Name of the GIN index on :data:`PG_TSVECTOR_COLUMN`.
PG_FTS_INDEX = "ix_samples_fts"

#: ``pg_trgm`` GIN index on ``lower(path COLLATE "C")`` serving ``path:`` (when the extension
#: could be created).
PG_PATH_TRGM_INDEX = "ix_samples_path_trgm"
