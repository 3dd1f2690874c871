"""What the viewers show of one item: its detail, its conversation, its pages, its look-alikes.

Everything here reads the case and hands back frozen records (no ORM objects, no Qt), so
the window can call it on a worker thread and install the result on the GUI thread. Every
query is bounded: a conversation is read a keyset window at a time around the item, never
whole unless asked, and then only up to `WHOLE_LIMIT` messages on each side.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageOps
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import images
from app.case import Case
from app.errors import EvidenceError, StoreError
from app.originals import Original
from app.originals import original as stored_original
from app.paths import user_data_dir
from app.store.derived import DerivedFiles
from app.timeline.query import label

log = logging.getLogger(__name__)

CHAT_KINDS = frozenset({"message", "system", "call"})
"""Kinds shown as a conversation."""

FILE_KINDS = frozenset({"image", "video", "audio", "document", "file", "text"})
"""Kinds whose item is a whole file: its source's original is its content."""

OWNER_NAMES = frozenset({"you", "me", "du", "tú", "vous", "ich", "yo"})
"""Sender names an export gives the phone's owner (compared case-insensitively)."""

OUTGOING = "outgoing"
INCOMING = "incoming"

WHOLE_LIMIT = 1000
"""At most this many messages each side of the item in a "whole" conversation."""

NEAR_DISTANCE = 10
"""Images whose perceptual hashes differ in at most this many of 64 bits look alike."""

THUMB_SIZE = 160
"""The long side in pixels of the thumbnails viewers show beside an item."""

_UNKNOWN = "(unknown)"


# -- records ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventInfo:
    """One moment of an item: UTC microseconds, what happened, the original text."""

    kind: str
    ts_utc_us: int
    original: str
    confidence: str
    zone: str = ""
    flags: str = ""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """The file an item was read from, and how."""

    id: int
    name: str
    sha256: str
    importer: str
    importer_version: str
    path: str
    mime: str = ""
    parent_name: str = ""  # the file this one was found in (zip, email, PDF), if any


@dataclass(frozen=True, slots=True)
class ItemRef:
    """Another item shown beside one: an attachment, a near-duplicate.

    `sha256` is the item's own original in the case's store ('' when none); `thumbnail` the
    bytes of a small upright JPEG/PNG of an image, when one could be made.
    """

    item_id: int
    kind: str
    name: str
    mime: str = ""
    sha256: str = ""
    thumbnail: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """Everything a viewer shows of one item. `meta` is the importer's; do not change it.

    `original` is the item's own original (a photo, a PDF) in the case's store, read through
    it (`open`, `read`; `path` only when the store keeps a plaintext file); None when the
    only original is the container it was read from (a chat export, a mailbox).
    """

    item_id: int
    kind: str
    text: str
    ocr_text: str
    mime: str
    meta: dict[str, Any]
    author: str
    author_id: int | None
    recipients: tuple[str, ...]
    conversation: str
    locator: str
    events: tuple[EventInfo, ...]
    source: SourceInfo
    original: Original | None
    page_count: int
    children: tuple[ItemRef, ...]
    parent_id: int | None = None

    @property
    def name(self) -> str:
        """A short name for headings: the file name the importer saw, else the source's."""
        file_name = self.meta.get("file_name")
        return file_name if isinstance(file_name, str) and file_name else self.source.name

    @property
    def blob_sha(self) -> str | None:
        """The SHA-256 of the item's own original, None when it has none."""
        return self.original.sha256 if self.original is not None else None

    @property
    def first_event(self) -> EventInfo | None:
        """The earliest event (the one a message is placed by), None when undated."""
        return min(self.events, key=lambda e: e.ts_utc_us) if self.events else None


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One message of a conversation as the chat viewer draws it.

    `direction` is "outgoing" when the phone's owner wrote it, else "incoming". `missing`
    names media the message refers to that the case does not hold (a text-only export).
    """

    item_id: int
    kind: str
    sender: str
    sender_id: int | None
    ts_utc_us: int | None
    confidence: str
    zone: str
    original: str
    text: str
    direction: str
    deleted: bool = False
    edited: bool = False
    attachments: tuple[ItemRef, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Word:
    """A word and its box, in the page's own units (PDF points of the unrotated page)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass(frozen=True, slots=True)
class PageRow:
    """One page of a document: size, text and words; `origin` "text" or "ocr"."""

    number: int
    width: float
    height: float
    text: str
    words: tuple[Word, ...]
    origin: str

    @property
    def is_ocr(self) -> bool:
        """Whether the text was machine-read from the page's pixels."""
        return self.origin == "ocr"


@dataclass(frozen=True, slots=True)
class ViewerData:
    """One load of the details pane: the item and what its viewer shows beside it."""

    detail: ItemDetail
    messages: tuple[MessageRow, ...] = ()  # chat kinds: the window around the item
    conversation_size: int = 0
    pages: tuple[PageRow, ...] = ()  # documents and images with pages
    duplicates: tuple[ItemRef, ...] = ()  # images: the near-duplicates


@dataclass(frozen=True, slots=True)
class Pixels:
    """Decoded upright pixels, 8 bits per channel: `mode` "RGB" or "RGBA"."""

    width: int
    height: int
    mode: str
    data: bytes
    full_width: int
    full_height: int


# -- helpers ---------------------------------------------------------------------------


def _meta(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _json_ids(ids: Iterable[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _blob_sha(kind: str, blob_sha: str, source_sha: str, source_items: int) -> str:
    """The item's own original: its blob, or its source's when the source is the item."""
    if blob_sha:
        return blob_sha
    if kind in FILE_KINDS and source_items == 1 and source_sha:
        return source_sha
    return ""


def _original(case: Case, sha: str) -> Original | None:
    return stored_original(case.blobs, sha) if sha else None


THUMBNAILS = "thumbnails"
"""The folder of `derived/` holding thumbnails: `thumbnails/<sha256>_<size>.jpg|png`."""


def _thumbnail_name(sha: str, size: int, suffix: str) -> str:
    return f"{THUMBNAILS}/{sha}_{size}{suffix}"


def _thumbnail_stores(case: Case) -> tuple[list[DerivedFiles], DerivedFiles | None]:
    """Where thumbnails are looked for, and where a new one is kept (None: nowhere)."""
    if not case.readonly:
        return [case.derived], case.derived
    if case.derived.encrypted:
        # A read-only case is never written to; and an encrypted case's pictures never
        # go to a plaintext folder: a new thumbnail is made in memory and not kept.
        return [case.derived], None
    # A read-only plain case keeps new thumbnails in the user's own data folder (evidence
    # never goes to a shared temporary folder).
    own = DerivedFiles(user_data_dir())
    return [case.derived, own], own


def make_thumbnail(case: Case, sha: str, size: int = THUMB_SIZE, *, name: str = "") -> bytes:
    """The bytes of a thumbnail (JPEG, or PNG with transparency) of the image original `sha`.

    Made once per original and size from the original's stream, kept through the case's
    derived files (sealed in an encrypted case), then read back. Slow the first time for a
    large photo: call it off the GUI thread. Raises `EvidenceError` when the original is not
    in the store or its pixels cannot be read.
    """
    look_in, keep_in = _thumbnail_stores(case)
    for suffix in (".jpg", ".png"):
        for store in look_in:
            kept = store.read(_thumbnail_name(sha, size, suffix))
            if kept:
                return kept
    if not case.blobs.exists(sha):
        raise StoreError(f"the original {sha[:12]}… is not in the case's store")
    with case.blobs.open(sha) as fh:
        data, suffix = images.thumbnail(fh, size, name=name or f"original {sha[:12]}…")
    if keep_in is not None:
        try:
            keep_in.write(_thumbnail_name(sha, size, suffix), data)
        except (EvidenceError, OSError) as exc:  # a cache: not kept, still shown
            log.info("thumbnail of %s not kept: %s", sha[:12], exc)
    return data


def thumbnail(case: Case, sha: str | None, size: int = THUMB_SIZE) -> bytes | None:
    """A cached thumbnail of an image original (see `make_thumbnail`); None when there is
    no original or its pixels cannot be read."""
    if not sha:
        return None
    try:
        return make_thumbnail(case, sha, size)
    except (EvidenceError, OSError) as exc:
        log.info("no thumbnail for %s: %s", sha[:12], exc)
        return None


def _with_thumbnail(case: Case, ref: ItemRef) -> ItemRef:
    if ref.kind != "image" or not ref.sha256:
        return ref
    thumb = thumbnail(case, ref.sha256)
    if thumb is None:
        return ref
    return replace(ref, thumbnail=thumb)


_CHILDREN = (
    "SELECT i.parent_id, i.id, i.kind, i.mime, i.meta, i.blob_sha256, s.name, s.sha256, "
    "s.item_count FROM items i JOIN sources s ON s.id = i.source_id "
    "WHERE i.parent_id IN (SELECT value FROM json_each(:ids)) ORDER BY i.parent_id, i.id"
)


def _children(case: Case, s: Session, ids: Sequence[int]) -> dict[int, list[ItemRef]]:
    """The attachments of these items (items whose parent they are), by parent id."""
    out: dict[int, list[ItemRef]] = {}
    if not ids:
        return out
    for parent, cid, kind, mime, meta, blob_sha, sname, ssha, scount in s.execute(
        text(_CHILDREN), {"ids": _json_ids(ids)}
    ):
        m = _meta(meta)
        name = m.get("file_name") if isinstance(m.get("file_name"), str) else ""
        out.setdefault(parent, []).append(
            ItemRef(
                item_id=cid,
                kind=kind,
                name=name or sname,
                mime=mime or "",
                sha256=_blob_sha(kind, blob_sha or "", ssha, scount),
            )
        )
    return out


# -- one item --------------------------------------------------------------------------

_DETAIL = (
    "SELECT i.kind, i.text, i.ocr_text, i.mime, i.meta, i.author_id, p.name, p.handle, "
    "p.phone, i.conversation, i.locator, i.blob_sha256, i.parent_id, s.id, s.name, s.sha256, "
    "s.importer, s.importer_version, s.path, s.mime, s.item_count, ps.name "
    "FROM items i JOIN sources s ON s.id = i.source_id "
    "LEFT JOIN participants p ON p.id = i.author_id "
    "LEFT JOIN sources ps ON ps.id = s.parent_id WHERE i.id = :id"
)


def item_detail(case: Case, item_id: int) -> ItemDetail:
    """The item with its source, events, recipients and attachments; StoreError if absent."""
    with case.read() as s:
        row = s.execute(text(_DETAIL), {"id": item_id}).first()
        if row is None:
            raise StoreError(f"item {item_id} is not in the case")
        (
            kind,
            body,
            ocr_text,
            mime,
            meta,
            author_id,
            pname,
            phandle,
            pphone,
            conversation,
            locator,
            blob_sha,
            parent_id,
            source_id,
            source_name,
            source_sha,
            importer,
            importer_version,
            source_path,
            source_mime,
            source_items,
            parent_name,
        ) = row
        events = tuple(
            EventInfo(k, ts, original or "", confidence, zone or "", flags or "")
            for k, ts, original, confidence, zone, flags in s.execute(
                text(
                    "SELECT kind, ts_utc_us, original, confidence, zone, flags FROM events "
                    "WHERE item_id = :id ORDER BY ts_utc_us, id"
                ),
                {"id": item_id},
            )
        )
        recipients = tuple(
            label(n, h, p) or _UNKNOWN
            for n, h, p in s.execute(
                text(
                    "SELECT p.name, p.handle, p.phone FROM item_recipients r "
                    "JOIN participants p ON p.id = r.participant_id "
                    "WHERE r.item_id = :id ORDER BY p.id"
                ),
                {"id": item_id},
            )
        )
        numbered = s.execute(
            text("SELECT count(DISTINCT number) FROM pages WHERE item_id = :id"), {"id": item_id}
        ).scalar()
        children = _children(case, s, [item_id]).get(item_id, [])
    meta_dict = _meta(meta)
    declared = meta_dict.get("page_count")
    page_count = max(int(numbered or 0), declared if isinstance(declared, int) else 0)
    author = label(pname, phandle, pphone) if author_id is not None else ""
    return ItemDetail(
        item_id=item_id,
        kind=kind,
        text=body or "",
        ocr_text=ocr_text or "",
        mime=mime or "",
        meta=meta_dict,
        author=author or (_UNKNOWN if author_id is not None else ""),
        author_id=author_id,
        recipients=recipients,
        conversation=conversation or "",
        locator=locator or "",
        events=events,
        source=SourceInfo(
            id=source_id,
            name=source_name,
            sha256=source_sha,
            importer=importer,
            importer_version=importer_version,
            path=source_path,
            mime=source_mime or "",
            parent_name=parent_name or "",
        ),
        original=_original(case, _blob_sha(kind, blob_sha or "", source_sha, source_items)),
        page_count=page_count,
        children=tuple(children),
        parent_id=parent_id,
    )


# -- conversations ---------------------------------------------------------------------

# A message is placed by its first event (earliest time, then lowest id): the key of an item
# is that event's (ts, id), and a window around an item is read by keyset on that key.
_FIRST_EVENT = (
    "(SELECT e2.id FROM events e2 WHERE e2.item_id = {item} ORDER BY e2.ts_utc_us, e2.id LIMIT 1)"
)
# Walk the time index from the anchor, at most :budget events, keeping the conversation's:
# a few milliseconds when the conversation is dense around the item (the usual case).
_WALK = (
    "SELECT w.item_id FROM (SELECT e.id, e.item_id, e.ts_utc_us FROM events e "
    "INDEXED BY ix_events_ts_id WHERE (e.ts_utc_us, e.id) {op} (:ts, :eid) "
    "ORDER BY e.ts_utc_us {order}, e.id {order} LIMIT :budget) w "
    "CROSS JOIN items i ON i.id = w.item_id "
    "WHERE i.source_id = :s AND i.conversation = :c AND w.id = "
    + _FIRST_EVENT.format(item="w.item_id")
    + " ORDER BY w.ts_utc_us {order}, w.id {order} LIMIT :n"
)
# From the conversation's items: exact whatever the rest of the timeline holds, but it
# reads the whole conversation (about 130 ms for 100,000 messages).
_SCAN = (
    "SELECT i.id FROM items i CROSS JOIN events e ON e.item_id = i.id "
    "WHERE i.source_id = :s AND i.conversation = :c AND (e.ts_utc_us, e.id) {op} (:ts, :eid) "
    "AND e.id = "
    + _FIRST_EVENT.format(item="i.id")
    + " ORDER BY e.ts_utc_us {order}, e.id {order} LIMIT :n"
)
_CONV_UNDATED = (
    "SELECT id FROM items WHERE source_id = :s AND conversation = :c AND {cond} "
    "ORDER BY id {order} LIMIT :n"
)
_WALK_BUDGET = 2000
_WALK_PER_MESSAGE = 20
_MESSAGES = (
    "SELECT i.id, i.kind, i.author_id, p.name, p.handle, p.phone, i.text, i.meta, "
    "e.ts_utc_us, e.confidence, e.zone, e.original "
    "FROM items i LEFT JOIN participants p ON p.id = i.author_id "
    "LEFT JOIN events e ON e.id = (SELECT e2.id FROM events e2 WHERE e2.item_id = i.id "
    "ORDER BY e2.ts_utc_us, e2.id LIMIT 1) "
    "WHERE i.id IN (SELECT value FROM json_each(:ids))"
)


@dataclass(frozen=True, slots=True)
class _Anchor:
    source_id: int
    conversation: str
    ts: int | None  # the item's first event, None when it is undated
    event_id: int | None


def _anchor(s: Session, item_id: int) -> _Anchor:
    row = s.execute(
        text(
            "SELECT i.source_id, i.conversation, e.ts_utc_us, e.id FROM items i "
            "LEFT JOIN events e ON e.id = " + _FIRST_EVENT.format(item="i.id") + " "
            "WHERE i.id = :id"
        ),
        {"id": item_id},
    ).first()
    if row is None:
        raise StoreError(f"item {item_id} is not in the case")
    return _Anchor(row[0], row[1] or "", row[2], row[3])


def _side(s: Session, a: _Anchor, params: dict[str, Any], earlier: bool, n: int) -> list[int]:
    """Up to `n` ids on one side of the anchor, nearest first."""
    if n <= 0:
        return []
    op, order = ("<", "DESC") if earlier else (">", "ASC")
    if a.ts is None:  # an undated item: its neighbours in the order they were read
        sql = _CONV_UNDATED.format(cond=f"id {op} :id", order=order)
        return [r[0] for r in s.execute(text(sql), params | {"n": n})]
    budget = max(_WALK_BUDGET, _WALK_PER_MESSAGE * n)
    walk = _WALK.format(op=op, order=order)
    found = [r[0] for r in s.execute(text(walk), params | {"n": n, "budget": budget})]
    if len(found) == n:
        return found
    # Too few in the budget: either the conversation ends here or other sources' events
    # crowd the timeline around it. Count what the walk covered to tell which.
    covered = s.execute(
        text(
            "SELECT count(*) FROM (SELECT 1 FROM events e INDEXED BY ix_events_ts_id "
            f"WHERE (e.ts_utc_us, e.id) {op} (:ts, :eid) LIMIT :budget)"
        ),
        params | {"budget": budget},
    ).scalar()
    if int(covered or 0) < budget:
        return found  # the walk reached the end of the timeline: nothing more to find
    return [r[0] for r in s.execute(text(_SCAN.format(op=op, order=order)), params | {"n": n})]


def _window(s: Session, item_id: int, a: _Anchor, before: int, after: int) -> list[int]:
    """Ids of up to `before` + 1 + `after` items around the item, in (time, id) order."""
    params: dict[str, Any] = {
        "s": a.source_id,
        "c": a.conversation,
        "id": item_id,
        "ts": a.ts,
        "eid": a.event_id,
    }
    earlier = _side(s, a, params, True, before)
    later = _side(s, a, params, False, after)
    return [*reversed(earlier), item_id, *later]


def _owner(s: Session, source_id: int, conversation: str) -> str:
    """The phone owner's name in a one-to-one chat named after the other person, else ''.

    A WhatsApp export "Chat with Daniel" names its two senders: the one who is not Daniel
    exported it.
    """
    if not conversation:
        return ""
    names = [
        r[0]
        for r in s.execute(
            text(
                "SELECT DISTINCT name FROM participants WHERE source_id = :s AND name != '' LIMIT 3"
            ),
            {"s": source_id},
        )
    ]
    if len(names) != 2:
        return ""
    title = conversation.strip().casefold()
    if names[0].casefold() == title:
        return str(names[1])
    if names[1].casefold() == title:
        return str(names[0])
    return ""


def direction(meta: Mapping[str, Any], sender: str, owner: str = "") -> str:
    """The message's direction: "outgoing" when the phone's owner wrote it, else "incoming".

    The importer's word wins (`direction`, `is_from_me`, `from_me`), then a sender named
    "You" or "Me", then the owner inferred from a one-to-one chat's title.
    """
    said = meta.get("direction")
    if said in (OUTGOING, INCOMING):
        return str(said)
    for key in ("is_from_me", "from_me", "outgoing"):
        if meta.get(key) is True or meta.get(key) == 1:
            return OUTGOING
    name = sender.strip().casefold()
    if name in OWNER_NAMES or (owner and name == owner.casefold()):
        return OUTGOING
    return INCOMING


def _missing(meta: Mapping[str, Any], linked: Sequence[ItemRef]) -> tuple[str, ...]:
    """Media a message names that no attachment item holds."""
    if linked:
        return ()
    names: list[str] = []
    single = meta.get("attachment")
    if isinstance(single, str) and single:
        names.append(single)
    many = meta.get("attachments")
    if isinstance(many, list):
        for entry in many:
            if isinstance(entry, str) and entry:
                names.append(entry.rsplit("/", 1)[-1])
            elif isinstance(entry, dict):
                value = entry.get("name") or entry.get("filename") or entry.get("uri") or ""
                if isinstance(value, str) and value:
                    names.append(value.rsplit("/", 1)[-1])
    if not names and meta.get("media_omitted"):
        names.append("media not included in the export")
    return tuple(dict.fromkeys(names))


def _messages(
    case: Case, s: Session, ids: Sequence[int], owner: str, thumbnails: bool
) -> list[MessageRow]:
    children = _children(case, s, ids)
    by_id: dict[int, MessageRow] = {}
    for (
        mid,
        kind,
        author_id,
        name,
        handle,
        phone,
        body,
        meta,
        ts,
        confidence,
        zone,
        original,
    ) in s.execute(text(_MESSAGES), {"ids": _json_ids(ids)}):
        m = _meta(meta)
        sender = label(name, handle, phone) or (_UNKNOWN if author_id is not None else "")
        attached = children.get(mid, [])
        if thumbnails:
            attached = [_with_thumbnail(case, r) for r in attached]
        by_id[mid] = MessageRow(
            item_id=mid,
            kind=kind,
            sender=sender,
            sender_id=author_id,
            ts_utc_us=ts,
            confidence=confidence or "",
            zone=zone or "",
            original=original or "",
            text=body or "",
            direction=direction(m, sender, owner),
            deleted=bool(m.get("deleted") or m.get("unsent")),
            edited=bool(m.get("edited")),
            attachments=tuple(attached),
            missing=_missing(m, attached),
        )
    return [by_id[i] for i in ids if i in by_id]


def conversation_context(
    case: Case, item_id: int, before: int = 5, after: int = 5, *, thumbnails: bool = True
) -> list[MessageRow]:
    """The messages of the item's source and conversation around it, in time order.

    Up to `before` earlier and `after` later messages, keyed by (time, id); the item itself
    is always included. With `thumbnails`, image attachments get a cached thumbnail.
    """
    with case.read() as s:
        a = _anchor(s, item_id)
        ids = _window(s, item_id, a, before, after)
        owner = _owner(s, a.source_id, a.conversation)
        return _messages(case, s, ids, owner, thumbnails)


def conversation_all(case: Case, item_id: int, *, thumbnails: bool = True) -> list[MessageRow]:
    """The item's whole conversation in time order, up to `WHOLE_LIMIT` messages each side."""
    return conversation_context(case, item_id, WHOLE_LIMIT, WHOLE_LIMIT, thumbnails=thumbnails)


def conversation_size(case: Case, item_id: int) -> int:
    """How many items share the item's source and conversation (the item included)."""
    with case.read() as s:
        a = _anchor(s, item_id)
        return int(
            s.execute(
                text("SELECT count(*) FROM items WHERE source_id = :s AND conversation = :c"),
                {"s": a.source_id, "c": a.conversation},
            ).scalar()
            or 0
        )


# -- pages -----------------------------------------------------------------------------

_PAGES = (
    "SELECT number, width, height, text, words, origin FROM pages WHERE item_id = :id "
    "{cond} ORDER BY number, id"
)


def _words(raw: Any) -> tuple[Word, ...]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return ()
    out: list[Word] = []
    for w in raw if isinstance(raw, list) else ():
        if isinstance(w, list | tuple) and len(w) >= 5:
            try:
                out.append(Word(float(w[0]), float(w[1]), float(w[2]), float(w[3]), str(w[4])))
            except (TypeError, ValueError):
                continue
    return tuple(out)


def _best_pages(rows: Iterable[Any]) -> list[PageRow]:
    """One row per page number: the file's own text when it has words, else OCR's."""
    chosen: dict[int, PageRow] = {}
    for number, width, height, body, words, origin in rows:
        page = PageRow(int(number), float(width), float(height), body or "", _words(words), origin)
        held = chosen.get(page.number)
        if held is None or (not held.words and page.words):
            chosen[page.number] = page
    return [chosen[n] for n in sorted(chosen)]


def page(case: Case, item_id: int, number: int) -> PageRow | None:
    """Page `number` (1-based) of the item with its words; None when it has no such page."""
    with case.read() as s:
        rows = s.execute(
            text(_PAGES.format(cond="AND number = :n")), {"id": item_id, "n": number}
        ).all()
    found = _best_pages(rows)
    return found[0] if found else None


def pages(case: Case, item_id: int) -> list[PageRow]:
    """Every page of the item with its words, in order (one row per page number)."""
    with case.read() as s:
        rows = s.execute(text(_PAGES.format(cond="")), {"id": item_id}).all()
    return _best_pages(rows)


# -- images ----------------------------------------------------------------------------


def near_duplicates(case: Case, item_id: int, max_distance: int = NEAR_DISTANCE) -> list[int]:
    """Ids of the items whose perceptual hash is within `max_distance` bits of this one's.

    Closest first, then by id; the item itself is left out. Every hash of the case is read
    (one per image: thousands at most).
    """
    with case.read() as s:
        mine = s.execute(text("SELECT phash FROM items WHERE id = :id"), {"id": item_id}).scalar()
        if not mine or len(mine) != images.HASH_BITS // 4:
            return []
        rows = s.execute(
            text("SELECT id, phash FROM items WHERE phash IS NOT NULL AND id != :id"),
            {"id": item_id},
        ).all()
    try:
        target = int(mine, 16)
    except ValueError:
        return []
    close: list[tuple[int, int]] = []
    for other, value in rows:
        try:
            distance = (target ^ int(value, 16)).bit_count()
        except (TypeError, ValueError):
            continue
        if distance <= max_distance:
            close.append((distance, other))
    return [other for _, other in sorted(close)]


def item_refs(case: Case, ids: Sequence[int], *, thumbnails: bool = True) -> list[ItemRef]:
    """Short references to these items (name, kind, original, thumbnail), in the order given."""
    if not ids:
        return []
    with case.read() as s:
        rows = s.execute(
            text(
                "SELECT i.id, i.kind, i.mime, i.meta, i.blob_sha256, s.name, s.sha256, "
                "s.item_count FROM items i JOIN sources s ON s.id = i.source_id "
                "WHERE i.id IN (SELECT value FROM json_each(:ids))"
            ),
            {"ids": _json_ids(ids)},
        ).all()
    by_id: dict[int, ItemRef] = {}
    for iid, kind, mime, meta, blob_sha, sname, ssha, scount in rows:
        m = _meta(meta)
        name = m.get("file_name") if isinstance(m.get("file_name"), str) else ""
        ref = ItemRef(
            iid, kind, name or sname, mime or "", _blob_sha(kind, blob_sha or "", ssha, scount)
        )
        by_id[iid] = _with_thumbnail(case, ref) if thumbnails else ref
    return [by_id[i] for i in ids if i in by_id]


SUMMARY_CHARS = 200
"""At most this many characters of an item's text in an `ItemSummary`."""


@dataclass(frozen=True, slots=True)
class ItemSummary:
    """An item in a few words, for lists: its first time, kind, author and a short text.

    `text` is the start of the item's text (at most `SUMMARY_CHARS`, white space folded);
    `name` an email's subject (may be empty), another item's file name as the importer saw
    it, else its source's name.
    """

    item_id: int
    ts_utc_us: int | None
    kind: str
    author: str
    text: str
    name: str


_SUMMARIES = (
    "SELECT i.id, i.kind, i.author_id, p.name, p.handle, p.phone, substr(i.text, 1, :n), "
    "CASE WHEN json_valid(i.meta) THEN json_extract(i.meta, '$.subject') END, "
    "CASE WHEN json_valid(i.meta) THEN json_extract(i.meta, '$.file_name') END, s.name, "
    "(SELECT min(e.ts_utc_us) FROM events e WHERE e.item_id = i.id) "
    "FROM items i JOIN sources s ON s.id = i.source_id "
    "LEFT JOIN participants p ON p.id = i.author_id "
    "WHERE i.id IN (SELECT value FROM json_each(:ids))"
)


def item_summaries(case: Case, item_ids: Iterable[int]) -> dict[int, ItemSummary]:
    """Short summaries of these items in one query (ids not in the case are absent)."""
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return {}
    with case.read() as s:
        fetched = s.execute(text(_SUMMARIES), {"ids": _json_ids(ids), "n": SUMMARY_CHARS}).all()
    out: dict[int, ItemSummary] = {}
    for (
        iid,
        kind,
        author_id,
        pname,
        phandle,
        pphone,
        body,
        subject,
        file_name,
        sname,
        ts,
    ) in fetched:
        author = (label(pname, phandle, pphone) or _UNKNOWN) if author_id is not None else ""
        if kind == "email":
            name = subject if isinstance(subject, str) else ""
        else:
            name = file_name if isinstance(file_name, str) and file_name else sname
        out[iid] = ItemSummary(
            item_id=iid,
            ts_utc_us=ts,
            kind=kind,
            author=author,
            text=" ".join((body or "").split()),
            name=name or "",
        )
    return out


def load_pixels(source: Path | BinaryIO, max_side: int = 4096, *, name: str = "") -> Pixels:
    """An image original decoded upright (EXIF orientation applied), at most `max_side`
    pixels on its long side, from a file or a seekable stream (`name` says which picture in
    messages). Raises `EvidenceError` when the pixels cannot be read.

    Large JPEGs decode at a reduced scale; images over `images.MAX_PIXELS` are refused
    before decoding. Slow for large photos: call it off the GUI thread.
    """
    images.heif_supported()
    what = name or (source.name if isinstance(source, Path) else "the picture")
    try:
        with warnings.catch_warnings(record=True), Image.open(source) as im:
            full = im.size
            if full[0] * full[1] > images.MAX_PIXELS:
                raise EvidenceError(
                    f"{what}: {full[0]}×{full[1]} pixels is over the "
                    f"{images.MAX_PIXELS // 1_000_000} MP limit: not shown"
                )
            if im.format == "JPEG":
                im.draft("RGB", (max_side, max_side))
            im.load()
            upright = im if "original_orientation" in im.info else ImageOps.exif_transpose(im)
            if upright is None:
                upright = im
            alpha = upright.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
                "transparency" in upright.info
            )
            out = upright.convert("RGBA" if alpha else "RGB")
            out.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            turned = upright.size != im.size and upright.size == im.size[::-1]
            full_w, full_h = (full[1], full[0]) if turned else full
            return Pixels(out.width, out.height, out.mode, out.tobytes(), full_w, full_h)
    except EvidenceError:
        raise
    except Exception as exc:  # Pillow raises anything on damaged or hostile files
        log.debug("pixels unreadable", exc_info=True)
        raise EvidenceError(f"{what}: the pixels cannot be read ({exc})") from exc


def original_pixels(source: Original, max_side: int = 4096, *, name: str = "") -> Pixels:
    """`load_pixels` of a stored original, read through the case's store (no plaintext file
    needed). Raises `EvidenceError` when it is missing or its pixels cannot be read."""
    if not source.present:
        raise StoreError(f"{name or 'the picture'}: the original is not in the case's store")
    try:
        fh = source.open()
    except OSError as exc:
        raise StoreError(f"{name or 'the picture'}: the original cannot be read ({exc})") from exc
    with fh:
        return load_pixels(fh, max_side, name=name)


# -- one load for the details pane -----------------------------------------------------


def viewer_data(
    case: Case, item_id: int, *, before: int = 5, after: int = 5, thumbnails: bool = True
) -> ViewerData:
    """The item and what its viewer shows beside it, chosen by its kind, in one call.

    Chat kinds get the messages around the item and the conversation's size; documents
    their pages with words; images their pages (OCR) and near-duplicates.
    """
    detail = item_detail(case, item_id)
    if thumbnails and detail.children:
        children = tuple(_with_thumbnail(case, c) for c in detail.children)
        detail = replace(detail, children=children)
    if detail.kind in CHAT_KINDS:
        messages = conversation_context(case, item_id, before, after, thumbnails=thumbnails)
        return ViewerData(detail, tuple(messages), conversation_size(case, item_id))
    if detail.kind == "document":
        return ViewerData(detail, pages=tuple(pages(case, item_id)))
    if detail.kind == "image":
        dupes = item_refs(case, near_duplicates(case, item_id), thumbnails=thumbnails)
        return ViewerData(detail, pages=tuple(pages(case, item_id)), duplicates=tuple(dupes))
    return ViewerData(detail)
