"""Plain records passed between the layers: drafts importers produce, rows the UI reads.

Importers never see the database: they hand `ItemDraft`s to a sink. The UI never sees ORM
objects: it gets the frozen rows at the bottom of this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ItemKind(StrEnum):
    """What an item is, as a reviewer would name it."""

    MESSAGE = "message"
    SYSTEM = "system"
    CALL = "call"
    EMAIL = "email"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    TEXT = "text"
    FILE = "file"
    # A platform's or a device's record about an account, not a communication: subscriber
    # details, a login or IP activity entry, a contact card, a device or location record.
    # `meta["record"]` names which ("subscriber", "login", "contact", "device", "location").
    RECORD = "record"


class Confidence(StrEnum):
    """How sure we are of an event's time zone."""

    EXACT = "exact"
    ASSUMED_ZONE = "assumed-zone"
    FILE_NAME = "file-name"
    FILE_TIME = "file-time"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ParticipantDraft:
    """An identity as one source shows it; equal drafts within a source are one participant."""

    name: str = ""
    phone: str = ""
    handle: str = ""

    @property
    def label(self) -> str:
        """The best short name to show."""
        return self.name or self.handle or self.phone or "(unknown)"


@dataclass(frozen=True, slots=True)
class EventDraft:
    """One moment of an item: UTC microseconds, what happened, the original text, confidence."""

    ts_utc_us: int
    kind: str
    original: str
    confidence: Confidence
    zone: str = ""
    flags: str = ""


@dataclass(slots=True)
class PageDraft:
    """One page of a document as read: size, text and word boxes (x0, y0, x1, y1, word).

    `origin` is "text" for the file's own text layer and "ocr" for machine-read text.
    """

    number: int
    width: float
    height: float
    text: str
    words: list[tuple[float, float, float, float, str]] = field(default_factory=list)
    origin: str = "text"


class IdentifierKind(StrEnum):
    """What an identifier of an account is; the attribution view compares like with like."""

    IP = "ip"  # an address the account was used from (login, activity); port and time matter
    REGISTRATION_IP = "registration-ip"  # the address the account was created from
    EMAIL = "email"
    PHONE = "phone"
    DEVICE = "device"  # IMEI, device id, advertising id, cookie, machine id
    USERNAME = "username"
    NAME = "name"  # a display or subscriber name (weak on its own)
    LINKED_ACCOUNT = "linked-account"  # the value is another account key the platform links


@dataclass(frozen=True, slots=True)
class IdentifierDraft:
    """Something that identifies who used an account, as a return or extraction states it.

    `account` is the account's key, "platform:id" in lower case ("instagram:17841400000001",
    "snapchat:synthetic_fake_123", "x:1234567890", "google:person@example.com",
    "device:<imei>"). `value` is normalised (an IP in canonical `ipaddress` form, an e-mail
    lower-cased, a phone in E.164 where it parses); `raw` is the text exactly as the file had
    it. `port` and `ts_utc_us` are set for IP activity where the return gives them.
    """

    account: str
    kind: IdentifierKind
    value: str
    raw: str
    port: int | None = None
    ts_utc_us: int | None = None


@dataclass(slots=True)
class ItemDraft:
    """One reviewable unit as an importer found it, not yet stored.

    `key` lets a later draft of the same source name this one as its `parent_key` (an
    attachment and the message that carried it). `blob_sha256` names content already put in
    the blob store through the sink (a photo inside a chat zip, for instance).
    """

    kind: ItemKind
    locator: str
    text: str = ""
    author: ParticipantDraft | None = None
    recipients: tuple[ParticipantDraft, ...] = ()
    events: list[EventDraft] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    conversation: str = ""
    key: str = ""
    parent_key: str = ""
    blob_sha256: str = ""
    mime: str = ""
    pages: list[PageDraft] = field(default_factory=list)
    ocr_text: str = ""
    phash: str = ""
    identifiers: list[IdentifierDraft] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One line of the timeline, as the UI and the CLI show it."""

    event_id: int
    item_id: int
    ts_utc_us: int
    original: str
    confidence: str
    event_kind: str
    item_kind: str
    source_id: int
    source_name: str
    importer: str
    author: str
    text: str
    # What the details pane shows beside the row (defaults keep older callers working).
    zone: str = ""  # the zone a local time was read in; "UTC" for exact times
    flags: str = ""  # "dst-ambiguous" or "dst-nonexistent" when the clock changed
    source_sha256: str = ""
    author_id: int | None = None
    person: str = ""  # the person the author is linked to, if any
    locator: str = ""  # where the item sits in its source: "line 12", "id 4567"
    conversation: str = ""
    recipients: str = ""  # labels, comma-joined
    mime: str = ""
    has_ocr: bool = False
    parent_item_id: int | None = None  # the message or email an attachment came with

    @property
    def platform(self) -> str:
        """The platform the row came from: the name of the importer that read its source."""
        return self.importer


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One imported file, as the sources list shows it."""

    id: int
    name: str
    path: str
    sha256: str
    size: int
    mime: str
    importer: str
    status: str
    item_count: int
    imported_at_us: int
    imported_by: str
    parent_id: int | None
    duplicate_of: int | None
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One entry of the audit log, as the audit dock shows it."""

    seq: int
    ts_us: int
    user: str
    action: str
    payload: dict[str, Any]
    hash: str


@dataclass(frozen=True, slots=True)
class CaseInfo:
    """A summary of a case: where it is, what it holds, and its integrity anchor."""

    name: str
    path: str
    zone: str
    created_at_us: int
    created_by: str
    schema: str
    sources: int
    items: int
    events: int
    participants: int
    originals_bytes: int
    audit_entries: int
    audit_head: str
