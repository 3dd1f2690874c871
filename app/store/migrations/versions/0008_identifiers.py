"""Identifiers of accounts stated by platform returns and extractions (for attribution)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identifiers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("account", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("ts_utc_us", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_identifiers_item_id", "identifiers", ["item_id"])
    op.create_index("ix_identifiers_kind_value", "identifiers", ["kind", "value"])
    op.create_index("ix_identifiers_account", "identifiers", ["account"])


def downgrade() -> None:
    op.drop_table("identifiers")
