"""The result-order index leads with ``missing``, which every search filters on.

Searches end ``WHERE missing = false … ORDER BY lower(name), name, id LIMIT n OFFSET k``. The
index of 0002 had the order but not ``missing``, so walking it to row 50,000 looked up 50,000
table rows to test that flag (~70 ms on 100,000 samples). Led by ``missing`` the index covers
the whole walk: a page at offset 50,000 takes ~3 ms, a count of the present samples ~5 ms.

Revision ID: 0007_name_order_present
Revises: 0006_ai_ledger
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_name_order_present"
down_revision: str | Sequence[str] | None = "0006_ai_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _name_order_index(*, present_first: bool) -> None:
    """(Re)create ``ix_samples_name_order``, led by ``missing`` or (as 0002 made it) not."""
    op.execute("DROP INDEX IF EXISTS ix_samples_name_order")
    lead = "missing, " if present_first else ""
    if op.get_bind().dialect.name == "postgresql":
        columns = f'{lead}lower(name COLLATE "C"), (name COLLATE "C"), id'
    else:
        columns = f"{lead}lower(name), name, id"
    op.execute(f"CREATE INDEX ix_samples_name_order ON samples ({columns})")


def upgrade() -> None:
    _name_order_index(present_first=True)


def downgrade() -> None:
    _name_order_index(present_first=False)
