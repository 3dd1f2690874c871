"""Item fingerprints: recognise a message already imported from an earlier export."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch (copy-and-rename) migration would orphan the FTS table.
    op.add_column("items", sa.Column("fingerprint", sa.String(40), nullable=True))
    op.create_index("ix_items_fingerprint", "items", ["fingerprint"])


def downgrade() -> None:
    raise NotImplementedError("case schemas only move forward")
