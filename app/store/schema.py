"""ORM tables of a case (SQLAlchemy 2.0 declarative). Migrations create them; never `create_all`."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
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


class Identifier(Base):
    """An identifier of an account that an item states (see `IdentifierDraft`)."""

    __tablename__ = "identifiers"
    __table_args__ = (
        Index("ix_identifiers_kind_value", "kind", "value"),
        Index("ix_identifiers_account", "account"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    account: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String)
    value: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    port: Mapped[int | None] = mapped_column(Integer)
    ts_utc_us: Mapped[int | None] = mapped_column(BigInteger)


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


class RedactionSet(Base):
    """A named set of redactions, e.g. "defence disclosure" or "court"."""

    __tablename__ = "redaction_sets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class Redaction(Base):
    """What one redaction covers, why, and its review state. Originals are never touched.

    `kind` says which geometry applies: "region" (page + x0..y1: PDF points on a PDF page,
    pixels of the upright image on an image), "span" (start..end characters of the text
    named by `target`: "text" for the item's own text, "header:NAME" for an email header),
    "item" (the whole item) or "metadata" (the metadata field named by `target`).
    """

    __tablename__ = "redactions"
    __table_args__ = (
        Index("ix_redactions_set_item", "set_id", "item_id"),
        Index("ix_redactions_item", "item_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("redaction_sets.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[str] = mapped_column(String)  # region | span | item | metadata
    target: Mapped[str] = mapped_column(Text, default="")
    page: Mapped[int | None] = mapped_column(Integer)  # 1-based
    x0: Mapped[float | None] = mapped_column(Float)
    y0: Mapped[float | None] = mapped_column(Float)
    x1: Mapped[float | None] = mapped_column(Float)
    y1: Mapped[float | None] = mapped_column(Float)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    # The text covered, when known: shown in review, and what verification looks for.
    quote: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String)
    note: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String, default="manual")  # manual | search | pii:KIND
    state: Mapped[str] = mapped_column(String, default="proposed")  # proposed|approved|rejected
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)
    reviewed_at_us: Mapped[int | None] = mapped_column(BigInteger)
    reviewed_by: Mapped[str] = mapped_column(String, default="")


class ProtectedTerm(Base):
    """A name, number or address the user marks as protected, with every spelling given."""

    __tablename__ = "protected_terms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(Text)  # e.g. "Child's name"
    spellings: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String)
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class CustomOffence(Base):
    """A user-defined offence (same shape as a library entry), kept in the case."""

    __tablename__ = "custom_offences"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class Charge(Base):
    """An offence being considered on this case, over a date range of the alleged conduct."""

    __tablename__ = "charges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offence_id: Mapped[str] = mapped_column(String)
    from_date: Mapped[str] = mapped_column(String)  # ISO date, inclusive
    to_date: Mapped[str] = mapped_column(String)  # ISO date, inclusive
    note: Mapped[str] = mapped_column(Text, default="")
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class Tag(Base):
    """An item (or a span / region of it) supporting one element of one charge."""

    __tablename__ = "tags"
    __table_args__ = (
        Index("ix_tags_item", "item_id"),
        Index("ix_tags_charge_element", "charge_id", "element_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charges.id"))
    element_id: Mapped[str] = mapped_column(String)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    page: Mapped[int | None] = mapped_column(Integer)
    x0: Mapped[float | None] = mapped_column(Float)
    y0: Mapped[float | None] = mapped_column(Float)
    x1: Mapped[float | None] = mapped_column(Float)
    y1: Mapped[float | None] = mapped_column(Float)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String, default="manual")  # manual | suggestion
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class RejectedSuggestion(Base):
    """A suggested tag the user turned down, so it is not proposed again."""

    __tablename__ = "rejected_suggestions"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charges.id"), primary_key=True)
    element_id: Mapped[str] = mapped_column(String, primary_key=True)
    rule: Mapped[str] = mapped_column(String, default="")
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class Exhibit(Base):
    """An exhibit reference (`AB/1`, sub-exhibit `AB/1/3`) given to an item or a group.

    Once an export has used it (`locked_at_us` set) its reference is never rewritten.
    """

    __tablename__ = "exhibits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String, unique=True)
    alias: Mapped[str] = mapped_column(String, unique=True)  # file-safe: AB_1_3
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("exhibits.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    locked_at_us: Mapped[int | None] = mapped_column(BigInteger)
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class ExhibitItem(Base):
    """The items an exhibit holds, in order."""

    __tablename__ = "exhibit_items"
    __table_args__ = (Index("ix_exhibit_items_item", "item_id"),)
    exhibit_id: Mapped[int] = mapped_column(ForeignKey("exhibits.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class MaterialMark(Base):
    """How an item stands for disclosure: sensitive (MG6D) or not, with its description."""

    __tablename__ = "material_marks"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    sensitive: Mapped[bool] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class ExportRecord(Base):
    """One export (disclosure pack, presentation PDF, matrix) and whether it completed."""

    __tablename__ = "exports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String)  # pack | presentation | matrix | report
    folder: Mapped[str] = mapped_column(Text)  # relative to the case's exports/
    set_name: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String)  # building | complete | failed | cancelled
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    manifest_sha256: Mapped[str] = mapped_column(String(64), default="")
    started_at_us: Mapped[int] = mapped_column(BigInteger)
    finished_at_us: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class Presentation(Base):
    """An ordered list of items to step a court through, shown through one redaction set."""

    __tablename__ = "presentations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    set_name: Mapped[str] = mapped_column(Text, default="court")
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class PresentationStep(Base):
    """One step: an item, optionally a page and a region to zoom to, and presenter notes."""

    __tablename__ = "presentation_steps"
    __table_args__ = (Index("ix_presentation_steps_order", "presentation_id", "position"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    presentation_id: Mapped[int] = mapped_column(ForeignKey("presentations.id"))
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    page: Mapped[int | None] = mapped_column(Integer)
    x0: Mapped[float | None] = mapped_column(Float)
    y0: Mapped[float | None] = mapped_column(Float)
    x1: Mapped[float | None] = mapped_column(Float)
    y1: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")


class ProtectiveMark(Base):
    """An image marked intimate or distressing: blurred everywhere until deliberately revealed.

    `state` is "marked" (a person decided), "inherited" (a near-duplicate of a marked image)
    or "suggested" (flagged by an importer for review: a toggle, not a verdict).
    """

    __tablename__ = "protective_marks"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String)  # intimate | distressing
    state: Mapped[str] = mapped_column(String)  # marked | inherited | suggested
    source_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String)


class AccountLink(Base):
    """Two accounts the evidence suggests one person uses, and what the user decided.

    `account_a` < `account_b` (account keys, "platform:id"); one row per pair. `basis` is the
    plain-English reason as proposed, `evidence` the ids of the `identifiers` rows behind it
    (as last proposed or decided), `state` "proposed" | "accepted" | "rejected", and
    `tag_ids` the identity-element tags an acceptance added (removed again on rejection).
    """

    __tablename__ = "account_links"
    __table_args__ = (UniqueConstraint("account_a", "account_b", name="uq_account_links_pair"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_a: Mapped[str] = mapped_column(Text)
    account_b: Mapped[str] = mapped_column(Text)
    strength: Mapped[str] = mapped_column(String)  # strong | supporting | weak
    basis: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String, default="proposed")
    note: Mapped[str] = mapped_column(Text, default="")
    tag_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    decided_at_us: Mapped[int | None] = mapped_column(BigInteger)
    decided_by: Mapped[str] = mapped_column(String, default="")


class AccountPerson(Base):
    """An account (key "platform:id") the user attributed to a person, with the
    identity-element tags that attribution added."""

    __tablename__ = "account_persons"
    account: Mapped[str] = mapped_column(Text, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    tag_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    decided_at_us: Mapped[int] = mapped_column(BigInteger)
    decided_by: Mapped[str] = mapped_column(String)
