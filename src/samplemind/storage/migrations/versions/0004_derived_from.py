"""Derived samples: which sample a transform's output was made from (``derivations``).

One row per derived sample (``samplemind process|master|stems``): its source (set to NULL when
the source is forgotten, so the derived sample and what was done stay), the kind of transform
and its parameters as JSON. A table of its own rather than columns on ``samples``: SQLite
cannot add a foreign key to an existing table without rebuilding it, which would drop the
full-text triggers.

Revision ID: 0004_derived_from
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_derived_from"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "derivations",
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["samples.id"],
            name="fk_derivations_sample_id_samples",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["samples.id"],
            name="fk_derivations_source_id_samples",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("sample_id", name="pk_derivations"),
    )
    op.create_index("ix_derivations_source_id", "derivations", ["source_id"])


def downgrade() -> None:
    op.drop_index("ix_derivations_source_id", table_name="derivations")
    op.drop_table("derivations")
