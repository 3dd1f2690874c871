"""macOS Messages `chat.db` (SQLite): iMessage and SMS messages, chats, handles, attachments.

The database is opened read-only and immutable, so SQLite never writes to the original (no
journal, no WAL checkpoint). Attachment files live outside the database and are only listed.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from app.errors import CorruptRecord, WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import normalise_phone, participant
from app.model import EventDraft, ItemDraft, ItemKind, ParticipantDraft
from app.timeline.clock import aware_to_us, exact_event, iso_utc

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
_NS_THRESHOLD = 100_000_000_000  # beyond ~3,000 years in seconds: the value is nanoseconds
REQUIRED_TABLES = frozenset({"message", "handle", "chat"})
ME = participant("Me")

# Tapback reactions (associated_message_type), 3000+ being their removal.
REACTIONS = {
    2000: "loved",
    2001: "liked",
    2002: "disliked",
    2003: "laughed",
    2004: "emphasized",
    2005: "questioned",
    2006: "reacted",
}
# message columns copied into meta when present and not empty/zero.
META_COLUMNS = (
    "guid",
    "service",
    "account",
    "destination_caller_id",
    "subject",
    "is_delivered",
    "is_sent",
    "is_read",
    "is_played",
    "is_audio_message",
    "is_emote",
    "is_auto_reply",
    "is_forward",
    "is_spam",
    "is_system_message",
    "is_service_message",
    "is_corrupt",
    "was_downgraded",
    "error",
    "item_type",
    "group_action_type",
    "group_title",
    "message_action_type",
    "share_status",
    "share_direction",
    "balloon_bundle_id",
    "expressive_send_style_id",
    "associated_message_guid",
    "associated_message_type",
    "reply_to_guid",
    "thread_originator_guid",
    "cache_has_attachments",
)
DATE_COLUMNS = ("date_read", "date_delivered", "date_played", "date_edited", "date_retracted")


def apple_time(raw: object) -> datetime | None:
    """The UTC time of a Messages timestamp: seconds or nanoseconds since 2001-01-01 UTC.

    Newer databases store nanoseconds, older ones seconds; the magnitude tells them apart.
    0 and NULL mean "never".
    """
    if not isinstance(raw, int | float) or isinstance(raw, bool) or raw == 0:
        return None
    value = int(raw)
    try:
        if abs(value) > _NS_THRESHOLD:
            return APPLE_EPOCH + timedelta(microseconds=value // 1000)
        return APPLE_EPOCH + timedelta(seconds=value)
    except OverflowError:
        return None


def attributed_body_text(blob: bytes | None) -> str | None:
    """The plain text of an `attributedBody` typedstream (NSArchiver) blob, or None.

    The string follows the class name `NSString`: a version byte, a few typing bytes ending
    in `\\x84\\x01+` (a new C string), then its UTF-8 length, a single byte below 0x80, or 0x81
    and a 2-byte little-endian integer, or 0x82 and a 4-byte one, then the bytes.
    """
    if not blob:
        return None
    start = 0
    while True:
        at = blob.find(b"NSString", start)
        if at < 0:
            return None
        start = at + 1
        plus = blob.find(b"\x84\x01+", at + 8, at + 8 + 16)
        if plus < 0:
            continue
        pos = plus + 3
        if pos >= len(blob):
            return None
        head = blob[pos]
        pos += 1
        if head < 0x80:
            length = head
        elif head == 0x81:
            length = int.from_bytes(blob[pos : pos + 2], "little", signed=True)
            pos += 2
        elif head == 0x82:
            length = int.from_bytes(blob[pos : pos + 4], "little", signed=True)
            pos += 4
        else:
            continue
        if length < 0 or pos + length > len(blob):
            continue
        try:
            return blob[pos : pos + length].decode("utf-8")
        except UnicodeDecodeError:
            return blob[pos : pos + length].decode("utf-8", errors="replace")


def _uri(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro&immutable=1"


def _connect(probe: Probe) -> sqlite3.Connection:
    """A read-only, immutable connection: SQLite writes nothing, not even a journal.

    With no plaintext file (an encrypted case) the database is read into memory instead;
    its header is marked rollback-journal there, as SQLite cannot run WAL in memory.
    """
    if probe.path is not None:
        con = sqlite3.connect(_uri(probe.path), uri=True)
    else:
        data = bytearray(probe.read())
        if len(data) > 19 and data[18] == 2:
            data[18] = data[19] = 1
        con = sqlite3.connect(":memory:")
        con.deserialize(bytes(data))
    con.row_factory = sqlite3.Row
    return con


def _tables(con: sqlite3.Connection) -> set[str]:
    return {str(r[0]) for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {str(r[1]) for r in con.execute(f"PRAGMA table_info({table})")}


def _get(row: sqlite3.Row, name: str, default: Any = None) -> Any:
    return row[name] if name in row.keys() else default  # noqa: SIM118 - Row has no __contains__


@lru_cache(maxsize=4096)
def handle_participant(handle_id: str) -> ParticipantDraft:
    """A handle (`+1…` phone number or e-mail address) as a participant; anything that is
    neither (a short code, a number that does not parse) is kept as a handle as written."""
    handle_id = handle_id.strip()
    if not handle_id:
        return participant("(unknown)")
    if "@" in handle_id:
        return participant(handle=handle_id.lower())
    if normalise_phone(handle_id):
        return participant(phone=handle_id)
    return participant(handle=handle_id)


class IMessageImporter:
    """The macOS Messages database, chat.db."""

    NAME: ClassVar[str] = "imessage"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """High for an SQLite file holding the message, handle and chat tables."""
        if not probe.head.startswith(SQLITE_MAGIC):
            return 0
        try:
            with closing(_connect(probe)) as con:
                tables = _tables(con)
        except sqlite3.Error:
            return 0
        return 95 if tables >= REQUIRED_TABLES else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One item per message row, ordered by time."""
        if not probe.head.startswith(SQLITE_MAGIC):
            raise WrongFormat(f"{probe.name}: not an SQLite database")
        try:
            con = _connect(probe)
        except sqlite3.Error as exc:
            raise WrongFormat(f"{probe.name}: SQLite cannot open it: {exc}") from exc
        with closing(con):
            try:
                tables = _tables(con)
            except sqlite3.Error as exc:
                raise WrongFormat(f"{probe.name}: SQLite cannot read it: {exc}") from exc
            if not tables >= REQUIRED_TABLES:
                raise WrongFormat(f"{probe.name}: not a Messages database (no message table)")
            if len(probe.head) > 19 and probe.head[18] == 2:
                sink.warn(
                    "the database is in WAL mode: recent messages still in a chat.db-wal file "
                    "beside it are not in this file"
                )
            try:
                _Reader(con, tables, sink, ctx).run()
            except sqlite3.DatabaseError as exc:  # damage found past the first page
                raise CorruptRecord(f"{probe.name}: the database is damaged: {exc}") from exc


class _Reader:
    """One pass over one database."""

    def __init__(
        self, con: sqlite3.Connection, tables: set[str], sink: Sink, ctx: ImportContext
    ) -> None:
        self.con = con
        self.tables = tables
        self.sink = sink
        self.ctx = ctx
        self.handles = self._handles()
        self.chats = self._chats()
        self.chat_of = self._pairs("chat_message_join", "message_id", "chat_id")
        self.members = self._groups("chat_handle_join", "chat_id", "handle_id")
        self.attachments = self._attachments()

    def _handles(self) -> dict[int, str]:
        return {
            int(r["ROWID"]): str(r["id"] or "") for r in self.con.execute("SELECT * FROM handle")
        }

    def _chats(self) -> dict[int, sqlite3.Row]:
        return {int(r["ROWID"]): r for r in self.con.execute("SELECT * FROM chat")}

    def _pairs(self, table: str, key: str, value: str) -> dict[int, int]:
        out: dict[int, int] = {}
        if table in self.tables:
            for r in self.con.execute(f"SELECT {key}, {value} FROM {table} ORDER BY {value}"):
                out.setdefault(int(r[0]), int(r[1]))
        return out

    def _groups(self, table: str, key: str, value: str) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        if table in self.tables:
            for r in self.con.execute(f"SELECT {key}, {value} FROM {table} ORDER BY {value}"):
                out.setdefault(int(r[0]), []).append(int(r[1]))
        return out

    def _attachments(self) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        if not {"attachment", "message_attachment_join"} <= self.tables:
            return out
        rows = self.con.execute(
            "SELECT j.message_id AS message_id, a.* FROM message_attachment_join j "
            "JOIN attachment a ON a.ROWID = j.attachment_id ORDER BY j.message_id, a.ROWID"
        )
        for r in rows:
            entry: dict[str, Any] = {}
            for name in ("filename", "transfer_name", "mime_type", "uti", "total_bytes", "guid"):
                value = _get(r, name)
                if value not in (None, ""):
                    entry[name] = value
            created = apple_time(_get(r, "created_date"))
            if created is not None:
                entry["created"] = iso_utc(aware_to_us(created))
            out.setdefault(int(r["message_id"]), []).append(entry)
        return out

    def _rows(self) -> Iterator[sqlite3.Row]:
        order = "date, ROWID" if "date" in _columns(self.con, "message") else "ROWID"
        yield from self.con.execute(f"SELECT * FROM message ORDER BY {order}")

    def run(self) -> None:
        count = 0
        unresolved = 0
        recovered = 0
        for row in self._rows():
            count += 1
            if count % 1000 == 0:
                self.ctx.cancel.check()
            draft, from_body = self._draft(row)
            recovered += from_body
            unresolved += len(draft.meta.get("attachments", []))
            self.sink.add_item(draft)
        self.sink.decide("messages", str(count))
        if recovered:
            self.sink.decide("text_from_attributed_body", str(recovered))
        if unresolved:
            self.sink.warn(
                f"{unresolved} attachment(s) are listed but their files are not in the "
                "database (they live under ~/Library/Messages/Attachments): not imported"
            )
        for table in ("deleted_messages", "sync_deleted_messages"):
            if table in self.tables:
                n = int(self.con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                if n:
                    self.sink.warn(f"{table} lists {n} deleted message(s): only their ids remain")

    def _draft(self, row: sqlite3.Row) -> tuple[ItemDraft, int]:
        rowid = int(row["ROWID"])
        text = _get(row, "text")
        source = "text"
        from_body = 0
        if text is None:
            body = attributed_body_text(_get(row, "attributedBody"))
            if body is not None:
                text, source, from_body = body, "attributedBody", 1
            else:
                text, source = "", ""
        chat_id = self.chat_of.get(rowid)
        chat = self.chats.get(chat_id) if chat_id is not None else None
        conversation = ""
        members: list[ParticipantDraft] = []
        if chat is not None:
            conversation = str(_get(chat, "display_name") or _get(chat, "chat_identifier") or "")
            members = [
                handle_participant(self.handles[h])
                for h in self.members.get(int(chat["ROWID"]), [])
                if h in self.handles
            ]
        handle_id = int(_get(row, "handle_id") or 0)
        sender = handle_participant(self.handles[handle_id]) if handle_id in self.handles else None
        if _get(row, "is_from_me"):
            author: ParticipantDraft | None = ME
            recipients = tuple(members) or ((sender,) if sender else ())
        else:
            author = sender
            recipients = (ME, *(m for m in members if m != sender))
        if not conversation and sender is not None:
            conversation = sender.handle or sender.phone

        meta: dict[str, Any] = {"text_source": source, "direction": _direction(row)}
        for name in META_COLUMNS:
            value = _get(row, name)
            if value not in (None, "", 0):
                meta[name] = value
        for name in DATE_COLUMNS:
            moment = apple_time(_get(row, name))
            if moment is not None:
                meta[name] = iso_utc(aware_to_us(moment))
        if chat is not None:
            meta["chat_identifier"] = _get(chat, "chat_identifier") or ""
            meta["chat_style"] = {43: "group", 45: "one-to-one"}.get(
                int(_get(chat, "style") or 0), str(_get(chat, "style"))
            )
        attachments = self.attachments.get(rowid, [])
        if attachments:
            meta["attachments"] = attachments
        reaction = int(_get(row, "associated_message_type") or 0)
        if reaction >= 3000:
            meta["reaction"] = f"removed {REACTIONS.get(reaction - 1000, 'reaction')}"
        elif reaction >= 2000:
            meta["reaction"] = REACTIONS.get(reaction, "reacted")

        kind = ItemKind.MESSAGE
        item_type = int(_get(row, "item_type") or 0)
        if item_type != 0 or _get(row, "is_system_message"):
            kind = ItemKind.SYSTEM
            action = _action(row, self.handles)
            meta["action"] = action
            if not text:
                text = f"[{action}]"
                meta["text_source"] = "generated"

        events: list[EventDraft] = []
        raw_date = _get(row, "date")
        moment = apple_time(raw_date)
        if moment is not None:
            events.append(exact_event(moment, "sent", str(raw_date)))
        else:
            self.sink.warn(f"ROWID {rowid}: no date")
        draft = ItemDraft(
            kind=kind,
            locator=f"ROWID {rowid}",
            text=text,
            author=author,
            recipients=recipients,
            events=events,
            meta=meta,
            conversation=conversation,
            key=f"ROWID {rowid}",
        )
        return draft, from_body


def _direction(row: sqlite3.Row) -> str:
    return "outgoing" if _get(row, "is_from_me") else "incoming"


def _action(row: sqlite3.Row, handles: dict[int, str]) -> str:
    """A short description of a group event or other non-message row."""
    item_type = int(_get(row, "item_type") or 0)
    action_type = int(_get(row, "group_action_type") or 0)
    other = handles.get(int(_get(row, "other_handle") or 0), "")
    if item_type == 1:
        verb = "removed" if action_type == 1 else "added"
        return f"{verb} {other or 'a participant'}"
    if item_type == 2:
        return f"named the conversation {_get(row, 'group_title') or ''!r}"
    if item_type == 3:
        return {0: "left the conversation", 1: "changed the group photo"}.get(
            action_type, "removed the group photo" if action_type == 2 else "group action"
        )
    if item_type == 4:
        return "location sharing"
    if item_type == 5:
        return "kept an audio message"
    if item_type == 6:
        return "FaceTime call"
    return f"system event (item_type {item_type})"
