"""The library schema on one screen (SQLAlchemy Core; SQLite and PostgreSQL).

``samples`` holds one row per file: file facts, the analysis summary that search filters and sorts
on (denormalised from ``analyses`` so a filtered search is one indexed query), and three columns of
search words (:func:`samplemind.domain.text.search_words`) for full-text search: SQLite indexes
them with an FTS5 external-content table ``samples_fts`` kept in sync by triggers, PostgreSQL with
a GIN index on a weighted ``tsvector`` expression (both created in the Alembic migration).
``analyses`` keeps each analyzer's output as JSON under ``analyzer`` and its ``version``, so an
improved analyzer means re-running what is outdated, never a migration.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "ai_calls",
    "ai_descriptions",
    "analyses",
    "collection_items",
    "collections",
    "derivations",
    "favourites",
    "metadata",
    "samples",
    "scan_runs",
    "tags",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Timestamp = DateTime(timezone=True)

samples = Table(
    "samples",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("content_hash", String(32), nullable=False, index=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("missing", Boolean, nullable=False, default=False),
    # Audio facts from the header.
    Column("format", String(16)),
    Column("subtype", String(32)),
    Column("bit_depth", Integer),
    Column("sample_rate_hz", Integer),
    Column("channels", Integer),
    Column("frames", BigInteger),
    Column("duration_s", Float, index=True),
    # Analysis summary.
    Column("analysis_state", String(16), nullable=False, default="pending", index=True),
    Column("error_code", String(32)),
    Column("error_message", Text),
    Column("loudness_lufs", Float),
    Column("peak_dbfs", Float),
    Column("true_peak_dbtp", Float),
    Column("is_loop", Boolean),
    Column("bars", Integer),
    Column("bpm", Float, index=True),
    Column("bpm_confidence", Float),
    Column("key", String(16), index=True),
    Column("camelot", String(4)),
    Column("key_confidence", Float),
    Column("root_note", String(8)),
    Column("root_midi", Integer),
    Column("sample_type", String(32), index=True),  # the user's type, else the model's
    Column("user_sample_type", String(32)),  # a user's correction (migration 0004_derived_from)
    # Full-text search words (space-separated, lower-case).
    Column("fts_name", Text, nullable=False, default=""),
    Column("fts_tags", Text, nullable=False, default=""),
    Column("fts_path", Text, nullable=False, default=""),
    Column("added_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    sqlite_autoincrement=True,
)

analyses = Table(
    "analyses",
    metadata,
    Column("sample_id", Integer, ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True),
    Column("analyzer", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("data", JSON, nullable=True),
    Column("created_at", Timestamp, nullable=False),
)

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "sample_id",
        Integer,
        ForeignKey("samples.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("name", String(64), nullable=False, index=True),
    Column("source", String(16), nullable=False),
    Column("confidence", Float),
    Column("created_at", Timestamp, nullable=False),
    UniqueConstraint("sample_id", "name", "source"),
    sqlite_autoincrement=True,
)

favourites = Table(
    "favourites",
    metadata,
    Column("sample_id", Integer, ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", Timestamp, nullable=False),
)

collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("created_at", Timestamp, nullable=False),
    sqlite_autoincrement=True,
)

collection_items = Table(
    "collection_items",
    metadata,
    Column(
        "collection_id",
        Integer,
        ForeignKey("collections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "sample_id",
        Integer,
        ForeignKey("samples.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    Column("position", Integer, nullable=False),
    Column("added_at", Timestamp, nullable=False),
)

scan_runs = Table(
    "scan_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("roots", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp),
    Column("summary", JSON),
    sqlite_autoincrement=True,
)

# A sample made from another by a transform (migration 0004_derived_from): one row a sample.
derivations = Table(
    "derivations",
    metadata,
    Column("sample_id", Integer, ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "source_id",
        Integer,
        ForeignKey("samples.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column("kind", String(16), nullable=False),
    Column("params", JSON, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

# The AI layer's cost ledger: one row per model call (cache hits too, at no cost), summed by
# month for the budget and by provider/model/task for `samplemind ai costs`.
ai_calls = Table(
    "ai_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Timestamp, nullable=False, index=True),
    Column("task", String(32), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("model", String(128), nullable=False),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("cost_usd", Float, nullable=False),
    Column("priced_by", String(16), nullable=False),
    Column("cached", Boolean, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error_code", String(32)),
    Column("latency_ms", Float, nullable=False),
    sqlite_autoincrement=True,
)

# A sample's latest AI description (its tags live in `tags` with source "ai").
ai_descriptions = Table(
    "ai_descriptions",
    metadata,
    Column("sample_id", Integer, ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True),
    Column("description", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Column("model", String(160), nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

# Flags (missing, is_loop) get no index of their own: with two values they never narrow a search,
# and without statistics SQLite's planner would pick them over a selective index.
Index("ix_samples_is_loop_bpm", samples.c.is_loop, samples.c.bpm)
