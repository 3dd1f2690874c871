"""ORM tables of a case (SQLAlchemy 2.0 declarative). Migrations create them; never `create_all`."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every case table."""


class Setting(Base):
    """Case-wide settings: name, default zone, creation."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Source(Base):
    """One imported file: its original in the blob store and how it was read."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    importer: Mapped[str] = mapped_column(String)
    importer_version: Mapped[str] = mapped_column(String)
    status: Mapped[str] = mapped_column(String)  # imported | duplicate
    zone: Mapped[str] = mapped_column(String)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    decisions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    imported_at_us: Mapped[int] = mapped_column(BigInteger)
    imported_by: Mapped[str] = mapped_column(String)


class Person(Base):
    """A real person behind one or more participants (accounts, numbers)."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")


class Participant(Base):
    """An identity as seen in one source: display name, phone number, handle."""

    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    name: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String, default="")
    handle: Mapped[str] = mapped_column(Text, default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)


class Item(Base):
    """One reviewable unit: a message, an image, a document, an email."""

    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_kind", "kind"),
        Index("ix_items_conversation", "conversation"),
        Index("ix_items_ocr", "id", sqlite_where=text("ocr_text != ''")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    kind: Mapped[str] = mapped_column(String)
    locator: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    conversation: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    mime: Mapped[str] = mapped_column(String, default="")
    blob_sha256: Mapped[str] = mapped_column(String(64), default="")
    meta: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # Sender, time and text of a message: the same message in a later export of the chat.
    fingerprint: Mapped[str | None] = mapped_column(String(40), index=True)
    # Machine-read text (OCR), searchable but never shown as evidence text.
    ocr_text: Mapped[str] = mapped_column(Text, default="")
    # Perceptual hash of an image (64 bits as hex), for grouping near-duplicates.
    phash: Mapped[str | None] = mapped_column(String(16), index=True)


class Page(Base):
    """One page of a document (or the single page of an image) with its words and boxes."""

    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_item_number", "item_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1-based
    width: Mapped[float] = mapped_column(Float)  # PDF points, or pixels for an image
    height: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    # [[x0, y0, x1, y1, "word"], ...] in the page's own units, reading order.
    words: Mapped[list[list[object]]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String)  # "text" (the file's own) or "ocr"


class ItemRecipient(Base):
    """Who an item was addressed to."""

    __tablename__ = "item_recipients"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), primary_key=True)


class Event(Base):
    """A moment of an item on the timeline, in UTC microseconds with its original text."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_ts_id", "ts_utc_us", "id"),
        Index("ix_events_item_ts", "item_id", "ts_utc_us"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    ts_utc_us: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String)
    original: Mapped[str] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String)
    zone: Mapped[str] = mapped_column(String, default="")
    flags: Mapped[str] = mapped_column(String, default="")


class AuditEntry(Base):
    """Append-only, hash-chained record of every change to the case."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts_us: Mapped[int] = mapped_column(BigInteger)
    user: Mapped[str] = mapped_column(String)
    action: Mapped[str] = mapped_column(String)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
