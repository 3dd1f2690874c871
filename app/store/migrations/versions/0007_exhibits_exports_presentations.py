"""Exhibits, disclosure marks, export records, presentations and protective marks."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _who() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
    ]


def _region() -> list[sa.Column[object]]:
    return [
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("x0", sa.Float(), nullable=True),
        sa.Column("y0", sa.Float(), nullable=True),
        sa.Column("x1", sa.Float(), nullable=True),
        sa.Column("y1", sa.Float(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "exhibits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ref", sa.String(), nullable=False, unique=True),
        sa.Column("alias", sa.String(), nullable=False, unique=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("exhibits.id"), nullable=True),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("locked_at_us", sa.BigInteger(), nullable=True),
        *_who(),
    )
    op.create_table(
        "exhibit_items",
        sa.Column("exhibit_id", sa.Integer(), sa.ForeignKey("exhibits.id"), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_exhibit_items_item", "exhibit_items", ["item_id"])
    op.create_table(
        "material_marks",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("sensitive", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        *_who(),
    )
    op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("folder", sa.Text(), nullable=False),
        sa.Column("set_name", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("started_at_us", sa.BigInteger(), nullable=False),
        sa.Column("finished_at_us", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
    )
    op.create_table(
        "presentations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False, unique=True),
        sa.Column("set_name", sa.Text(), nullable=False, server_default="court"),
        *_who(),
    )
    op.create_table(
        "presentation_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "presentation_id", sa.Integer(), sa.ForeignKey("presentations.id"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), nullable=False),
        *_region(),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index(
        "ix_presentation_steps_order", "presentation_steps", ["presentation_id", "position"]
    )
    op.create_table(
        "protective_marks",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("source_item_id", sa.Integer(), sa.ForeignKey("items.id"), nullable=True),
        *_who(),
    )


def downgrade() -> None:
    raise NotImplementedError("case schemas only move forward")
