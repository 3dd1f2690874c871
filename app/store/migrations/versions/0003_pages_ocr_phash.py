"""Pages with word boxes, OCR text beside evidence text, perceptual hashes of images."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("width", sa.Float(), nullable=False),
        sa.Column("height", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
    )
    op.create_index("ix_pages_item_number", "pages", ["item_id", "number"])
    op.add_column("items", sa.Column("ocr_text", sa.Text(), nullable=False, server_default=""))
    op.add_column("items", sa.Column("phash", sa.String(16), nullable=True))
    op.create_index("ix_items_phash", "items", ["phash"])
    if op.get_bind().dialect.name == "sqlite":
        # The index now covers OCR text as a column of its own, so search can find words in
        # screenshots while the UI still tells evidence text from machine-read text.
        op.execute("DROP TABLE items_fts")
        op.execute(
            "CREATE VIRTUAL TABLE items_fts USING fts5(text, ocr_text, content='items', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")


def downgrade() -> None:
    raise NotImplementedError("case schemas only move forward")
