"""The AI layer's tables: the cost ledger (one row per model call) and sample descriptions.

Revision ID: 0006_ai_ledger
Revises: 0005_user_sample_type
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_ai_ledger"
down_revision: str | Sequence[str] | None = "0005_user_sample_type"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ai_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("priced_by", sa.String(16), nullable=False),
        sa.Column("cached", sa.Boolean(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ai_calls"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_ai_calls_at", "ai_calls", ["at"])
    op.create_table(
        "ai_descriptions",
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("model", sa.String(160), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["samples.id"],
            name="fk_ai_descriptions_sample_id_samples",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sample_id", name="pk_ai_descriptions"),
    )


def downgrade() -> None:
    op.drop_table("ai_descriptions")
    op.drop_index("ix_ai_calls_at", table_name="ai_calls")
    op.drop_table("ai_calls")
