"""Timeline indexes: events by item with their time, items by kind, conversation and OCR."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain CREATE INDEX only: a batch (copy-and-rename) migration would orphan the FTS table.
    # A filter that starts from items (an author, a kind, a search hit) reaches their events
    # and sorts them by time without reading the events table: (item_id, ts_utc_us) covers it.
    op.create_index("ix_events_item_ts", "events", ["item_id", "ts_utc_us"])
    # Item conditions a filter starts from when they are rare.
    op.create_index("ix_items_kind", "items", ["kind"])
    op.create_index("ix_items_conversation", "items", ["conversation"])
    # "Has OCR text": few items have any, so a partial index lists exactly those.
    op.create_index("ix_items_ocr", "items", ["id"], sqlite_where=sa.text("ocr_text != ''"))


def downgrade() -> None:
    raise NotImplementedError("case schemas only move forward")
