"""Attribution: proposed, accepted and rejected links between accounts, and accounts
attributed to a person."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_a", sa.Text(), nullable=False),
        sa.Column("account_b", sa.Text(), nullable=False),
        sa.Column("strength", sa.String(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("tag_ids", sa.JSON(), nullable=False),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("decided_at_us", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.String(), nullable=False, server_default=""),
        sa.UniqueConstraint("account_a", "account_b", name="uq_account_links_pair"),
    )
    op.create_table(
        "account_persons",
        sa.Column("account", sa.Text(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("tag_ids", sa.JSON(), nullable=False),
        sa.Column("decided_at_us", sa.BigInteger(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
    )
    op.create_index("ix_account_persons_person_id", "account_persons", ["person_id"])


def downgrade() -> None:
    op.drop_table("account_persons")
    op.drop_table("account_links")
