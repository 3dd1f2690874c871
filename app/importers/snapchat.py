"""Snapchat law-enforcement returns: each CSV of a return read by its column names.

A return is a folder of CSV files (`subscriber_info.csv`, `ip_data.csv`, `conversations.csv`,
...) and media. Each CSV holds one or more sections: a quoted legend (field definitions; the
first names the target, "Target username: ..."), a row of `=` characters, a header row, then
data rows. Headers change between return versions, so columns are matched by name and order
never matters. Times are UTC except the columns the legend puts in US Pacific time
(`last_active`): those are converted to UTC and marked assumed-zone America/Los_Angeles unless
the value states its own zone (PST/PDT).

Each CSV is imported as a file of its own, so each produces what it holds: subscriber_info
gives the subscriber record (with its identifiers), account changes and details; ip_data one
IP-activity record per row; conversations one message per row, with the sender's upload IP and
source port in the identifiers table and chat media found beside the CSV (`chat_media~…~b~<id>~
…`) handed over as the message's child files.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from app.errors import CorruptRecord, WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.identifiers import (
    email_identifiers,
    identifier,
    ip_identifier,
    parse_port,
    phone_identifiers,
)
from app.importers.meta_records import parse_time, put_field
from app.model import (
    EventDraft,
    IdentifierDraft,
    IdentifierKind,
    ItemDraft,
    ItemKind,
    ParticipantDraft,
)
from app.timeline.clock import us_to_utc

log = logging.getLogger(__name__)

PACIFIC = "America/Los_Angeles"
#: Columns Snapchat documents in US Pacific time, whatever the legend of a file says.
PACIFIC_COLUMNS = frozenset({"last_active"})

# The sections by their columns. `KNOWN` lists every documented column of a section (the rest
# are warned about); `_kind_of` chooses the section by the columns that tell it apart.
ACCOUNT_COLUMNS = frozenset(
    {"username", "user_id", "email_address", "email_status", "pending_email_address"}
    | {"created", "creation_ip", "phone_number", "phone_status", "pending_phone_number"}
    | {"former_phone_number", "display_name", "status"}
)
CHANGE_COLUMNS = frozenset(
    {"date", "action", "old_value", "new_value", "reason", "timestamp", "username"}
)
DETAIL_COLUMNS = frozenset(
    {"email_verified_timestamp", "phone_verified_timestamp", "birthdate", "last_active"}
    | {"follower_count", "app_version", "2fa_status"}
)
PRIVACY_COLUMNS = frozenset({"snap_privacy", "story_privacy"})
IP_COLUMNS = frozenset(
    {"ip", "ip_address", "asn", "url", "timestamp", "first_seen_time", "last_seen_time"}
    | {"port", "source_port", "source_port_number", "source", "type", "username", "country"}
    | {"city", "region", "user_agent", "event", "isp"}
)
CONVERSATION_COLUMNS = frozenset(
    {"content_type", "message_type", "conversation_id", "message_id", "reply_to_message_id"}
    | {"conversation_title", "sender_username", "sender_user_id", "recipient_username"}
    | {"recipient_user_id", "text", "media_id", "is_saved", "is_one_on_one", "timestamp"}
    | {"group_member_usernames", "group_member_user_ids", "reactions", "saved_by"}
    | {"screenshotted_by", "replayed_by", "screen_recorded_by", "read_by"}
    | {"chat_wallpaper_setter_id", "upload_ip", "source_port_number", "is_encrypted"}
    | {"is_topic_chat"}
)
KNOWN: dict[str, frozenset[str]] = {
    "account": ACCOUNT_COLUMNS,
    "change history": CHANGE_COLUMNS,
    "details": DETAIL_COLUMNS,
    "privacy": PRIVACY_COLUMNS,
    "ip data": IP_COLUMNS,
    "conversations": CONVERSATION_COLUMNS,
}
_ALL_KNOWN = frozenset().union(*KNOWN.values())
_TIME_COLUMN = re.compile(r"(^|_)(time|timestamp|date|created|last_active|seen)($|_)")
_TARGET = re.compile(r"Target username\s*:\s*(?P<name>[A-Za-z0-9._-]+)", re.I)
_SEPARATOR = re.compile(r"^\s*={3,}\s*$")
_LIST = re.compile(r"[;,]\s*")


def column(name: str) -> str:
    """A header cell as a column name: lower case, spaces and hyphens as underscores."""
    return re.sub(r"[\s-]+", "_", name.strip().lstrip("\ufeff").lower())


def _kind_of(columns: set[str]) -> str:
    """Which section a header row starts, or "" when none is known."""
    if "sender_username" in columns or {"conversation_id", "message_id"} <= columns:
        return "conversations"
    if "username" in columns and columns & {"creation_ip", "created", "email_address"}:
        return "account"
    if {"old_value", "new_value"} <= columns:
        return "change history"
    if len(columns & DETAIL_COLUMNS) >= 2:
        return "details"
    if columns & PRIVACY_COLUMNS:
        return "privacy"
    if columns & {"ip", "ip_address"}:
        return "ip data"
    return ""


class SnapchatImporter:
    """One CSV of a Snapchat law-enforcement return (subscriber_info, ip_data, conversations…)."""

    NAME: ClassVar[str] = "snapchat-return"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """High for a legend naming the target above a row of `=`; lower for a bare header row
        of Snapchat's own columns."""
        if not (probe.mime.startswith("text/") or probe.mime == "application/csv"):
            return 0
        head = probe.head_text()
        lines = head.splitlines()
        separator = next((i for i, line in enumerate(lines) if _SEPARATOR.match(line)), None)
        if separator is not None and separator + 1 < len(lines):
            header = {column(c) for c in lines[separator + 1].split(",")}
            if _TARGET.search(head):
                # a legend naming the target is Snapchat's; unknown columns are kept as text
                return 88 if header & _ALL_KNOWN or _kind_of(header) else 60
            if _kind_of(header):
                return 80
            return 0
        if lines:
            header = {column(c) for c in lines[0].split(",")}
            kind = _kind_of(header)
            if kind in ("conversations", "account") or (
                kind == "ip data" and header & {"first_seen_time", "last_seen_time", "asn"}
            ):
                return 72
        return 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """Read every section of the file into items, by column name."""
        _Reader(probe, sink, ctx).run()


@dataclass(slots=True)
class _Section:
    """One section of a CSV: its legend, its header, and what it is."""

    number: int
    legend: str
    header: list[str]
    columns: list[str]
    kind: str
    name: str
    rows: int = 0


@dataclass(slots=True)
class _Held:
    """Items of unknown sections held back until the file shows it is a Snapchat return."""

    items: list[ItemDraft] = field(default_factory=list)
    released: bool = False


class _Reader:
    """One CSV read into drafts, section by section, row by row."""

    def __init__(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        self.probe = probe
        self.sink = sink
        self.ctx = ctx
        self.target = ""
        self.pacific: set[str] = set(PACIFIC_COLUMNS)
        self.sections: list[_Section] = []
        self.held = _Held()
        self._warned: set[str] = set()
        self._media: dict[str, Path] | None = None
        self.folder = probe.origin.parent if probe.origin is not None else None
        self.layout = ""
        self._handlers: dict[str, Callable[[_Section, dict[str, str], dict[str, Any], int], None]]
        self._handlers = {
            "account": self._account,
            "change history": self._change,
            "details": self._details,
            "privacy": self._details,
            "ip data": self._ip,
            "conversations": self._message,
        }

    # -- reading ---------------------------------------------------------------------

    def run(self) -> None:
        """Split the file into sections and hand each data row to its section's reader."""
        with self.probe.open() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
            try:
                self._read(csv.reader(text))
            except csv.Error as exc:
                if not self.sections or not any(s.rows for s in self.sections):
                    raise CorruptRecord(f"{self.probe.name}: not readable as CSV: {exc}") from exc
                self.sink.warn(f"the CSV breaks off ({exc}): the rest of the file was not read")
        known = [s for s in self.sections if s.kind]
        if not known and not self.target:
            headers = "; ".join(", ".join(s.header[:8]) for s in self.sections[:3]) or "none"
            raise WrongFormat(
                f"{self.probe.name}: no Snapchat columns recognised (headers: {headers}), so "
                "this is not a Snapchat return file this reader knows"
            )
        self._release()
        kinds = ", ".join(dict.fromkeys(s.name for s in self.sections))
        self.sink.decide("layout", self.layout or f"Snapchat return CSV: {kinds}")
        if self.target:
            self.sink.decide("target", f"snapchat:{self.target}")

    def _read(self, reader: Iterator[list[str]]) -> None:
        legend: list[str] = []
        # A file with legends holds its header rows after rows of `=`; one without takes its
        # first row of several cells as the header.
        separated = any(_SEPARATOR.match(line) for line in self.probe.head_text().splitlines())
        expect_header = False
        section: _Section | None = None
        line = 0
        for count, row in enumerate(reader):
            line = getattr(reader, "line_num", line + 1)
            if count % 1000 == 0:
                self.ctx.cancel.check()
            cells = [c for c in row if c.strip()]
            if not cells:
                continue
            if any(_SEPARATOR.match(c) for c in row):
                expect_header, section = True, None
                continue
            first = not separated and not self.sections
            if expect_header or (section is None and len(cells) >= 2 and first):
                section = self._start(row, "\n".join(legend))
                legend, expect_header = [], False
                continue
            if len(row) < 2 and (section is None or len(section.columns) > 1):
                legend.append(cells[0])  # a legend is one (quoted) cell
                self._legend_line(cells[0])
                section = None
                continue
            if section is None:
                legend.append(",".join(row))
                self._legend_line(legend[-1])
                continue
            section.rows += 1
            self._row(section, row, line)

    def _legend_line(self, text: str) -> None:
        """Learn the target and the columns a legend puts in Pacific time."""
        if not self.target and (m := _TARGET.search(text)):
            self.target = m["name"].lower()
        for line in text.splitlines():
            if re.search(r"\b(PDT|PST|Pacific)\b", line):
                for word in re.findall(r"[A-Za-z0-9_]+", line):
                    if _TIME_COLUMN.search(word.lower()):
                        self.pacific.add(word.lower())

    def _start(self, header: list[str], legend: str) -> _Section:
        columns = [column(h) for h in header]
        kind = _kind_of(set(columns))
        number = len(self.sections) + 1
        name = kind or f"{Path(self.probe.name).stem} section {number}"
        section = _Section(number, legend, header, columns, kind, name)
        self.sections.append(section)
        if kind:
            for col, raw in zip(columns, header, strict=True):
                if col and col not in KNOWN[kind]:
                    self._warn_once(f"{name}/{col}", f"{name}/{raw}: not understood, kept as text")
            if kind == "ip data" and not self.layout:
                newer = {"first_seen_time", "asn"} & set(columns) and "timestamp" in columns
                self.layout = (
                    "Snapchat return CSV: ip data ("
                    + ("consolidated columns, 2024+" if newer else "older ip/first/last seen")
                    + ")"
                )
            if kind == "conversations" and not self.layout:
                newer = bool({"is_encrypted", "is_topic_chat"} & set(columns))
                self.layout = "Snapchat return CSV: conversations (" + (
                    "with is_encrypted/is_topic_chat, mid-2026+)" if newer else "older columns)"
                )
        else:
            self._warn_once(name, f"{name}: not understood, kept as text")
        return section

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.sink.warn(message)

    # -- rows ------------------------------------------------------------------------

    def _row(self, section: _Section, row: list[str], line: int) -> None:
        if len(row) < len(section.columns):
            self._warn_once(
                f"{section.name}/short",
                f"{section.name}: line {line} has {len(row)} of {len(section.columns)} columns; "
                "the rest are read as empty (cut off?)",
            )
        values: dict[str, str] = {}
        fields: dict[str, Any] = {}
        for n, cell in enumerate(row):
            if n < len(section.columns):
                values.setdefault(section.columns[n], cell)
                put_field(fields, section.header[n], cell)
            elif cell.strip():
                put_field(fields, f"(extra column {n + 1})", cell)
                self._warn_once(
                    f"{section.name}/extra",
                    f"{section.name}/(extra column): rows longer than the header, kept as text",
                )
        self._handlers.get(section.kind, self._other)(section, values, fields, line)

    def _account_key(self, username: str = "") -> str:
        name = (username or self.target).strip().lower()
        if not name:
            self._warn_once(
                "target",
                "the file does not name its target username: identifiers are kept under "
                "snapchat:unknown",
            )
        return f"snapchat:{name or 'unknown'}"

    def _holder(self) -> ParticipantDraft | None:
        return ParticipantDraft(handle=self.target) if self.target else None

    def _time(
        self, section: _Section, col: str, raw: str, kind: str, line: int
    ) -> EventDraft | None:
        """An event for one cell, in the column's documented zone; warns when unreadable."""
        if not raw.strip():
            return None
        zone = PACIFIC if col in self.pacific else "UTC"
        event = parse_time(raw, kind, zone)
        if event is None:
            self._warn_once(
                f"{section.name}/{col}/time",
                f"{section.name}/{col}: {raw!r} (line {line}) is not a time this reader knows, "
                "kept as text",
            )
            return None
        if col in self.pacific:
            self._check_pacific(section, col, raw, event)
        return event

    def _check_pacific(self, section: _Section, col: str, raw: str, event: EventDraft) -> None:
        """Say so when a Pacific-time column states another zone than Pacific's on that day."""
        stated = re.search(r"\b(UTC|GMT|PST|PDT)\b", raw.upper())
        if stated is None:
            return
        actual = us_to_utc(event.ts_utc_us).astimezone(ZoneInfo(PACIFIC)).tzname()
        if stated[1] in ("UTC", "GMT"):
            self._warn_once(
                f"{section.name}/{col}/zone",
                f"{section.name}/{col}: the legend puts it in Pacific time but the value says "
                f"{stated[1]}; read as the value states",
            )
        elif stated[1] != actual:
            self._warn_once(
                f"{section.name}/{col}/zone",
                f"{section.name}/{col}: {raw!r} says {stated[1]} but Pacific time was {actual} "
                "then; read as the value states",
            )

    def _events(
        self, section: _Section, values: dict[str, str], line: int, kinds: dict[str, str]
    ) -> list[EventDraft]:
        """Events for the time columns of a row; `kinds` names some, the rest by column."""
        events: list[EventDraft] = []
        seen: set[int] = set()
        for col, raw in values.items():
            if not _TIME_COLUMN.search(col) or col == "birthdate":
                continue
            kind = kinds.get(col) or col.removesuffix("_timestamp").removesuffix("_time")
            event = self._time(section, col, raw, kind, line)
            if event is not None and event.ts_utc_us not in seen:
                seen.add(event.ts_utc_us)
                events.append(event)
        return events

    def _meta(self, section: _Section, record: str, fields: dict[str, Any]) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "layout": self.layout or f"Snapchat return CSV: {section.name}",
            "section": section.name,
            "fields": fields,
        }
        if record:
            meta["record"] = record
        if section.legend:
            meta["legend"] = section.legend
        return meta

    def _emit(self, draft: ItemDraft, known: bool = True) -> None:
        if known:
            self._release()
            self.sink.add_item(draft)
        elif self.held.released:
            self.sink.add_item(draft)
        else:
            self.held.items.append(draft)

    def _release(self) -> None:
        if not self.held.released:
            self.held.released = True
            for draft in self.held.items:
                self.sink.add_item(draft)
            self.held.items.clear()

    # subscriber_info ------------------------------------------------------------------

    def _account(
        self, section: _Section, values: dict[str, str], fields: dict[str, Any], line: int
    ) -> None:
        username = values.get("username", "").strip()
        if username and not self.target:
            self.target = username.lower()
        account = self._account_key(username)
        ids: list[IdentifierDraft] = []
        if ident := identifier(account, IdentifierKind.USERNAME, username):
            ids.append(ident)
        for col in ("email_address", "pending_email_address"):
            ids.extend(email_identifiers(account, values.get(col, "")))
        for col in ("phone_number", "pending_phone_number", "former_phone_number"):
            ids.extend(phone_identifiers(account, values.get(col, ""), international=True))
        if display := values.get("display_name", "").strip():
            ids.append(
                IdentifierDraft(account, IdentifierKind.NAME, display, values["display_name"])
            )
        events = self._events(section, values, line, {"created": "registered"})
        registered = next((e.ts_utc_us for e in events if e.kind == "registered"), None)
        if creation_ip := values.get("creation_ip", "").strip():
            ident = ip_identifier(
                account, creation_ip, kind=IdentifierKind.REGISTRATION_IP, ts_utc_us=registered
            )
            if ident is None:
                self.sink.warn(f"line {line}: creation_ip {creation_ip!r} is not an IP address")
            else:
                ids.append(ident)
        lines = [f"Snapchat subscriber record for {account}"]
        lines += [f"{k}: {v}" for k, v in fields.items() if v]
        self._emit(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"line {line}",
                text="\n".join(lines),
                author=ParticipantDraft(name=display, handle=username.lower())
                if username
                else None,
                events=events,
                meta=self._meta(section, "subscriber", fields),
                identifiers=list(dict.fromkeys(ids)),
            )
        )

    def _change(
        self, section: _Section, values: dict[str, str], fields: dict[str, Any], line: int
    ) -> None:
        account = self._account_key(values.get("username", ""))
        action = values.get("action", "").upper()
        ids: list[IdentifierDraft] = []
        for col in ("old_value", "new_value"):
            raw = values.get(col, "")
            if not raw.strip():
                continue
            if "EMAIL" in action:
                ids.extend(email_identifiers(account, raw))
            elif "PHONE" in action:
                ids.extend(phone_identifiers(account, raw, international=True))
            elif "USERNAME" in action:
                ids.extend(
                    i for i in [identifier(account, IdentifierKind.USERNAME, raw)] if i is not None
                )
            elif "DISPLAY" in action or "NAME" in action:
                ids.append(IdentifierDraft(account, IdentifierKind.NAME, raw.strip(), raw))
        events = self._events(section, values, line, {"date": "changed", "timestamp": "changed"})
        what = values.get("action") or "value change"
        old, new = values.get("old_value", ""), values.get("new_value", "")
        self._emit(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"line {line}",
                text=f"Snapchat account change ({account}): {what}: {old!r} → {new!r}",
                author=self._holder(),
                events=events,
                meta=self._meta(section, "account-change", fields),
                identifiers=list(dict.fromkeys(ids)),
            )
        )

    def _details(
        self, section: _Section, values: dict[str, str], fields: dict[str, Any], line: int
    ) -> None:
        account = self._account_key()
        events = self._events(section, values, line, {})
        title = "account details" if section.kind == "details" else "privacy settings"
        lines = [f"Snapchat {title} for {account}"]
        lines += [f"{k}: {v}" for k, v in fields.items() if v]
        record = "account-details" if section.kind == "details" else "settings"
        self._emit(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"line {line}",
                text="\n".join(lines),
                author=self._holder(),
                events=events,
                meta=self._meta(section, record, fields),
            )
        )

    # ip_data ---------------------------------------------------------------------------

    def _ip(
        self, section: _Section, values: dict[str, str], fields: dict[str, Any], line: int
    ) -> None:
        account = self._account_key(values.get("username", ""))
        raw_ip = values.get("ip") or values.get("ip_address") or ""
        port = next(
            (
                p
                for c in ("port", "source_port", "source_port_number")
                if (p := parse_port(values.get(c, ""))) is not None
            ),
            None,
        )
        kinds = {"timestamp": "ip_activity", "first_seen_time": "first_seen"}
        kinds["last_seen_time"] = "last_seen"
        events = self._events(section, values, line, kinds)
        ids: list[IdentifierDraft] = []
        stamps: list[int | None] = [e.ts_utc_us for e in events] or [None]
        for ts in stamps:
            ident = ip_identifier(account, raw_ip, port=port, ts_utc_us=ts)
            if ident is not None:
                ids.append(ident)
        if raw_ip and not ids:
            self.sink.warn(f"line {line}: {raw_ip!r} is not an IP address, kept as text")
        elif not raw_ip:
            self.sink.warn(f"line {line}: no IP address given")
        where = (
            ids[0].value + (f" port {ids[0].port}" if ids and ids[0].port else "")
            if ids
            else raw_ip
        )
        extra = f", {values['asn']}" if values.get("asn") else ""
        self._emit(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"line {line}",
                text=f"IP activity from {where or '(no address)'} ({account}{extra})",
                author=self._holder(),
                events=events,
                meta=self._meta(section, "login", fields),
                identifiers=ids,
            )
        )

    # conversations ---------------------------------------------------------------------

    def _message(
        self, section: _Section, values: dict[str, str], fields: dict[str, Any], line: int
    ) -> None:
        sender = values.get("sender_username", "").strip()
        recipient = values.get("recipient_username", "").strip()
        members = [m for m in _LIST.split(values.get("group_member_usernames", "")) if m.strip()]
        others = [r for r in dict.fromkeys([recipient, *members]) if r and r != sender]
        event = self._time(section, "timestamp", values.get("timestamp", ""), "sent", line)
        ids: list[IdentifierDraft] = []
        if upload := values.get("upload_ip", "").strip():
            ident = ip_identifier(
                self._account_key(sender),
                upload,
                port=parse_port(values.get("source_port_number", "")),
                ts_utc_us=event.ts_utc_us if event else None,
            )
            if ident is None:
                self.sink.warn(f"line {line}: upload_ip {upload!r} is not an IP address")
            else:
                ids.append(ident)
        title = values.get("conversation_title", "").strip()
        conversation = (
            title
            or ", ".join(sorted({sender, *others} - {""}))
            or values.get("conversation_id", "")
        )
        key = f"line {line}"
        media = [t for t in _LIST.split(values.get("media_id", "")) if t.strip()]
        meta = self._meta(section, "", fields)
        meta["conversation_id"] = values.get("conversation_id", "")
        if media:
            meta["media_ids"] = media
        self._emit(
            ItemDraft(
                kind=ItemKind.MESSAGE,
                locator=f"line {line}",
                text=values.get("text", ""),
                author=ParticipantDraft(handle=sender) if sender else None,
                recipients=tuple(ParticipantDraft(handle=o) for o in others),
                events=[event] if event else [],
                meta=meta,
                conversation=conversation,
                key=key,
                identifiers=ids,
            )
        )
        for token in media:
            self._attach(token.strip(), key, line)

    def _media_index(self) -> dict[str, Path]:
        """Media files beside the CSV (and one folder down), by their `b~<id>` token and stem."""
        if self._media is not None:
            return self._media
        index: dict[str, Path] = {}
        folders = [self.folder] if self.folder is not None else []
        if self.folder is not None:
            with contextlib.suppress(OSError):
                folders += sorted(p for p in self.folder.iterdir() if p.is_dir())
        for folder in folders:
            try:
                files = sorted(p for p in folder.iterdir() if p.is_file())
            except OSError:
                continue
            for path in files:
                if path.suffix.lower() == ".csv":
                    continue
                stem = path.name.split(".", 1)[0]
                index.setdefault(stem, path)
                parts = stem.split("~")
                for i, part in enumerate(parts[:-1]):
                    if part == "b":
                        index.setdefault(f"b~{parts[i + 1]}", path)
        self._media = index
        return index

    def _attach(self, token: str, key: str, line: int) -> None:
        if self.folder is None:
            self.sink.warn(
                f"media {token} named by line {line} was not found: the file was not read from "
                "a folder, so the media beside it could not be looked for"
            )
            return
        path = self._media_index().get(token)
        if path is None:
            path = next(
                (p for n, p in self._media_index().items() if f"~{token}~" in f"~{n}~"), None
            )
        if path is None:
            self.sink.warn(
                f"media {token} named by line {line} was not found beside {self.probe.name}"
            )
            return
        with path.open("rb") as fh:
            self.sink.add_child(path.name, fh, context_key=key)

    # anything else ---------------------------------------------------------------------

    def _other(
        self, section: _Section, values: dict[str, str], fields: dict[str, Any], line: int
    ) -> None:
        events = self._events(section, values, line, {})
        lines = [f"Snapchat {section.name}"] + [f"{k}: {v}" for k, v in fields.items() if v]
        self._emit(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"line {line}",
                text="\n".join(lines),
                author=self._holder(),
                events=events,
                meta=self._meta(section, "other", fields),
            ),
            known=False,
        )
