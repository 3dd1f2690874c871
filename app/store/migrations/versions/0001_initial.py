"""The first schema: settings, sources, persons, participants, items, events, audit, search."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("sources.id"), index=True),
        sa.Column("duplicate_of", sa.Integer(), sa.ForeignKey("sources.id")),
        sa.Column("importer", sa.String(), nullable=False),
        sa.Column("importer_version", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("zone", sa.String(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("imported_at_us", sa.BigInteger(), nullable=False),
        sa.Column("imported_by", sa.String(), nullable=False),
    )
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "source_id", sa.Integer(), sa.ForeignKey("sources.id"), nullable=False, index=True
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("handle", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("persons.id"), index=True),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "source_id", sa.Integer(), sa.ForeignKey("sources.id"), nullable=False, index=True
        ),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("items.id"), index=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("locator", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("participants.id"), index=True),
        sa.Column("conversation", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("mime", sa.String(), nullable=False),
        sa.Column("blob_sha256", sa.String(64), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
    )
    op.create_table(
        "item_recipients",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column(
            "participant_id", sa.Integer(), sa.ForeignKey("participants.id"), primary_key=True
        ),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), nullable=False, index=True),
        sa.Column("ts_utc_us", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(), nullable=False),
        sa.Column("zone", sa.String(), nullable=False),
        sa.Column("flags", sa.String(), nullable=False),
    )
    op.create_index("ix_events_ts_id", "events", ["ts_utc_us", "id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("ts_us", sa.BigInteger(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    if op.get_bind().dialect.name == "sqlite":
        # The audit log is append-only: the database itself refuses edits and deletions.
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
        # Full-text index over item text, external content: filled in bulk per source.
        op.execute(
            "CREATE VIRTUAL TABLE items_fts USING fts5(text, content='items', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    raise NotImplementedError("case schemas only move forward")
