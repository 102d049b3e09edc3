"""An index in the default result order (case-folded name, name, id).

Most searches end ``ORDER BY lower(name), name, id LIMIT n``. With this index the database can
walk names in order and stop after ``n`` matches instead of sorting every match: on 100,000
samples a filter matching 10 % of them goes from ~15 ms to ~5 ms on SQLite. PostgreSQL compares
under ``COLLATE "C"`` (byte order, what every store sorts by), so its index is built the same way.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            'CREATE INDEX ix_samples_name_order ON samples (lower(name COLLATE "C"), '
            '(name COLLATE "C"), id)'
        )
    else:
        op.execute("CREATE INDEX ix_samples_name_order ON samples (lower(name), name, id)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_samples_name_order")
