"""The library schema: samples, analyses, tags, favourites, collections, scan runs; full text.

Written out by hand rather than from the live metadata, so this revision means the same thing
forever; ``tests/storage/test_migrations.py`` checks that head equals
:mod:`samplemind.storage.tables`. Integer keys never come back after a delete on any backend
(SQLite tables use ``AUTOINCREMENT``, as PostgreSQL sequences do): the vector index and users'
notes refer to sample ids.

Full text is dialect-specific: SQLite gets an FTS5 external-content table ``samples_fts`` kept in
sync by triggers; PostgreSQL a GIN index on a weighted ``tsvector`` of the same three columns
(the expression is repeated in :mod:`samplemind.storage.fts`, which queries must match).

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)

_PG_TSVECTOR = (
    "setweight(to_tsvector('simple', fts_name), 'A') || "
    "setweight(to_tsvector('simple', fts_tags), 'B') || "
    "setweight(to_tsvector('simple', fts_path), 'C')"
)

_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE samples_fts USING fts5(fts_name, fts_tags, fts_path, "
    "content='samples', content_rowid='id', tokenize='unicode61')",
    """CREATE TRIGGER samples_fts_insert AFTER INSERT ON samples BEGIN
        INSERT INTO samples_fts(rowid, fts_name, fts_tags, fts_path)
        VALUES (new.id, new.fts_name, new.fts_tags, new.fts_path);
    END""",
    """CREATE TRIGGER samples_fts_delete AFTER DELETE ON samples BEGIN
        INSERT INTO samples_fts(samples_fts, rowid, fts_name, fts_tags, fts_path)
        VALUES ('delete', old.id, old.fts_name, old.fts_tags, old.fts_path);
    END""",
    """CREATE TRIGGER samples_fts_update AFTER UPDATE OF fts_name, fts_tags, fts_path ON samples
    BEGIN
        INSERT INTO samples_fts(samples_fts, rowid, fts_name, fts_tags, fts_path)
        VALUES ('delete', old.id, old.fts_name, old.fts_tags, old.fts_path);
        INSERT INTO samples_fts(rowid, fts_name, fts_tags, fts_path)
        VALUES (new.id, new.fts_name, new.fts_tags, new.fts_path);
    END""",
]


def upgrade() -> None:
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("missing", sa.Boolean(), nullable=False),
        sa.Column("format", sa.String(16), nullable=True),
        sa.Column("subtype", sa.String(32), nullable=True),
        sa.Column("bit_depth", sa.Integer(), nullable=True),
        sa.Column("sample_rate_hz", sa.Integer(), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("frames", sa.BigInteger(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("analysis_state", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("loudness_lufs", sa.Float(), nullable=True),
        sa.Column("peak_dbfs", sa.Float(), nullable=True),
        sa.Column("true_peak_dbtp", sa.Float(), nullable=True),
        sa.Column("is_loop", sa.Boolean(), nullable=True),
        sa.Column("bars", sa.Integer(), nullable=True),
        sa.Column("bpm", sa.Float(), nullable=True),
        sa.Column("bpm_confidence", sa.Float(), nullable=True),
        sa.Column("key", sa.String(16), nullable=True),
        sa.Column("camelot", sa.String(4), nullable=True),
        sa.Column("key_confidence", sa.Float(), nullable=True),
        sa.Column("root_note", sa.String(8), nullable=True),
        sa.Column("root_midi", sa.Integer(), nullable=True),
        sa.Column("sample_type", sa.String(32), nullable=True),
        sa.Column("fts_name", sa.Text(), nullable=False),
        sa.Column("fts_tags", sa.Text(), nullable=False),
        sa.Column("fts_path", sa.Text(), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_samples"),
        sa.UniqueConstraint("path", name="uq_samples_path"),
        sqlite_autoincrement=True,
    )
    # No single-column index on low-cardinality flags (missing, is_loop): without statistics
    # SQLite would prefer them over a selective one and scan the whole table.
    for column in (
        "content_hash",
        "duration_s",
        "analysis_state",
        "bpm",
        "key",
        "sample_type",
    ):
        op.create_index(f"ix_samples_{column}", "samples", [column])
    op.create_index("ix_samples_is_loop_bpm", "samples", ["is_loop", "bpm"])

    op.create_table(
        "analyses",
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("analyzer", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["samples.id"],
            name="fk_analyses_sample_id_samples",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sample_id", "analyzer", name="pk_analyses"),
    )

    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name="fk_tags_sample_id_samples", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
        sa.UniqueConstraint("sample_id", "name", "source", name="uq_tags_sample_id_name_source"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_tags_sample_id", "tags", ["sample_id"])
    op.create_index("ix_tags_name", "tags", ["name"])

    op.create_table(
        "favourites",
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["samples.id"],
            name="fk_favourites_sample_id_samples",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sample_id", name="pk_favourites"),
    )

    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_collections"),
        sa.UniqueConstraint("name", name="uq_collections_name"),
        sqlite_autoincrement=True,
    )

    op.create_table(
        "collection_items",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name="fk_collection_items_collection_id_collections",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["samples.id"],
            name="fk_collection_items_sample_id_samples",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("collection_id", "sample_id", name="pk_collection_items"),
    )
    op.create_index("ix_collection_items_sample_id", "collection_items", ["sample_id"])

    op.create_table(
        "scan_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("roots", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_scan_runs"),
        sqlite_autoincrement=True,
    )

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(f"CREATE INDEX ix_samples_fts ON samples USING gin (({_PG_TSVECTOR}))")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("samples_fts_insert", "samples_fts_delete", "samples_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS samples_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_samples_fts")
    for table in (
        "scan_runs",
        "collection_items",
        "collections",
        "favourites",
        "tags",
        "analyses",
    ):
        op.drop_table(table)
    op.drop_table("samples")
