"""A user's own sample type: ``samples.user_sample_type``, which wins over the model's.

``samples.sample_type`` stays the value search filters on; it is the user's type when there is
one, else the model's (kept so by the store on every analysis save and correction).

Revision ID: 0005_user_sample_type
Revises: 0004_derived_from
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_user_sample_type"
down_revision: str | Sequence[str] | None = "0004_derived_from"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both dialects: no table rebuild (SQLite's FTS triggers stay).
    op.add_column("samples", sa.Column("user_sample_type", sa.String(32), nullable=True))


def downgrade() -> None:
    op.drop_column("samples", "user_sample_type")
