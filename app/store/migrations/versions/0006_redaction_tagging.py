"""Redaction sets, redactions and protected terms; charges, tags and user-defined offences."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _geometry() -> list[sa.Column[object]]:
    """Where on an item a redaction or tag sits: a page region or a character span."""
    return [
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("x0", sa.Float(), nullable=True),
        sa.Column("y0", sa.Float(), nullable=True),
        sa.Column("x1", sa.Float(), nullable=True),
        sa.Column("y1", sa.Float(), nullable=True),
        sa.Column("start", sa.Integer(), nullable=True),
        sa.Column("end", sa.Integer(), nullable=True),
    ]


def _who() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "redaction_sets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False, unique=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        *_who(),
    )
    op.create_table(
        "redactions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("set_id", sa.Integer(), sa.ForeignKey("redaction_sets.id"), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False, server_default=""),
        *_geometry(),
        sa.Column("quote", sa.Text(), nullable=False, server_default=""),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("origin", sa.String(), nullable=False, server_default="manual"),
        sa.Column("state", sa.String(), nullable=False, server_default="proposed"),
        *_who(),
        sa.Column("reviewed_at_us", sa.BigInteger(), nullable=True),
        sa.Column("reviewed_by", sa.String(), nullable=False, server_default=""),
    )
    op.create_index("ix_redactions_set_item", "redactions", ["set_id", "item_id"])
    op.create_index("ix_redactions_item", "redactions", ["item_id"])
    op.create_table(
        "protected_terms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("spellings", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        *_who(),
    )
    op.create_table(
        "custom_offences",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        *_who(),
    )
    op.create_table(
        "charges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("offence_id", sa.String(), nullable=False),
        sa.Column("from_date", sa.String(), nullable=False),
        sa.Column("to_date", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        *_who(),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("charge_id", sa.Integer(), sa.ForeignKey("charges.id"), nullable=False),
        sa.Column("element_id", sa.String(), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), nullable=False),
        *_geometry(),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("origin", sa.String(), nullable=False, server_default="manual"),
        *_who(),
    )
    op.create_index("ix_tags_item", "tags", ["item_id"])
    op.create_index("ix_tags_charge_element", "tags", ["charge_id", "element_id"])
    op.create_table(
        "rejected_suggestions",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("charge_id", sa.Integer(), sa.ForeignKey("charges.id"), primary_key=True),
        sa.Column("element_id", sa.String(), primary_key=True),
        sa.Column("rule", sa.String(), nullable=False, server_default=""),
        *_who(),
    )


def downgrade() -> None:
    raise NotImplementedError("case schemas only move forward")
