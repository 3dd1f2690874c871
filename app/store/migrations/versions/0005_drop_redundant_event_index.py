"""Drop events(item_id): events(item_id, ts_utc_us) serves every lookup it served."""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One index fewer to maintain on every imported event.
    op.drop_index("ix_events_item_id", table_name="events")


def downgrade() -> None:
    raise NotImplementedError("case schemas only move forward")
