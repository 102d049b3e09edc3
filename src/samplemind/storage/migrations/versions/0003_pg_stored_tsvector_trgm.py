"""PostgreSQL: a stored full-text vector and a trigram index for ``path:`` (SQLite: nothing).

The GIN index of 0001 was on the weighted ``tsvector`` *expression*, so every matching row had
its vector recomputed for the recheck and for ``ts_rank``: a one-word search over 100,000
samples took ~70 ms. A generated, stored column (the same expression) is computed once per write.
``path:`` substring filters scanned every row (~110 ms); a ``pg_trgm`` GIN index on the
case-folded path serves ``LIKE '%…%'``. ``pg_trgm`` is a trusted extension (PostgreSQL ≥ 13),
but where it cannot be created the index is skipped and ``path:`` still works, unindexed.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, as migrations never import live code (test_migrations checks it equals fts.py's).
_PG_TSVECTOR = (
    "setweight(to_tsvector('simple', fts_name), 'A') || "
    "setweight(to_tsvector('simple', fts_tags), 'B') || "
    "setweight(to_tsvector('simple', fts_path), 'C')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER TABLE samples ADD COLUMN fts_vector tsvector "
        f"GENERATED ALWAYS AS ({_PG_TSVECTOR}) STORED"
    )
    op.execute("DROP INDEX IF EXISTS ix_samples_fts")
    op.execute("CREATE INDEX ix_samples_fts ON samples USING gin (fts_vector)")
    op.execute(
        """
        DO $$
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXCEPTION WHEN others THEN
            RAISE NOTICE 'pg_trgm unavailable (%): path: filters stay unindexed', SQLERRM;
        END $$;
        """
    )
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                CREATE INDEX ix_samples_path_trgm ON samples
                    USING gin (lower(path COLLATE "C") gin_trgm_ops);
            END IF;
        END $$;
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_samples_path_trgm")
    op.execute("DROP INDEX IF EXISTS ix_samples_fts")
    op.execute("ALTER TABLE samples DROP COLUMN IF EXISTS fts_vector")
    op.execute(f"CREATE INDEX ix_samples_fts ON samples USING gin (({_PG_TSVECTOR}))")
