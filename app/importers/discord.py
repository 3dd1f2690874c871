"""Discord channels exported by DiscordChatExporter, as JSON or as CSV."""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from app.errors import CorruptRecord, WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import decode_text, participant
from app.importers.jsonchat import (
    MAX_JSON_BYTES,
    RecordWarnings,
    as_str,
    head_keys,
    load_json,
    looks_like_json_object,
    plural,
)
from app.model import EventDraft, ItemDraft, ItemKind, ParticipantDraft
from app.timeline.clock import exact_event, local_event

log = logging.getLogger(__name__)

# DCE's MessageKind names (and Discord's numbers, for exports that wrote them raw) that are
# somebody writing; "Call" is a call; every other kind is a system notice.
MESSAGE_TYPES = frozenset(
    {
        "Default",
        "Reply",
        "ChatInputCommand",
        "ContextMenuCommand",
        "ApplicationCommand",
        "ThreadStarterMessage",
        "0",
        "19",
        "20",
        "21",
        "23",
    }
)
CALL_TYPES = frozenset({"Call", "3"})
DIRECT_CHANNELS = frozenset({"DirectTextChat", "DirectGroupTextChat"})
MAX_RECIPIENTS = 50
CSV_HEADER = ("authorid", "author", "date", "content")
# Keys whose content becomes the item's locator, text or time; the rest go to meta.
CONSUMED = frozenset({"id", "timestamp", "content"})
_FILE_NAME = re.compile(r"^(?P<rest>.+?) \[(?P<id>\d+)\](?: \(.*\))?$")


@dataclass(slots=True)
class _Tally:
    """What the file showed, summarised in warnings at the end."""

    items: int = 0
    local: int = 0
    undated: int = 0
    attachments: list[str] = field(default_factory=list)


def _csv_header(probe: Probe) -> list[str]:
    """The first line of the head as lower-case CSV cells."""
    first = probe.head_text().splitlines()[:1]
    if not first:
        return []
    return [c.strip().lower() for c in next(csv.reader(first), [])]


class DiscordImporter:
    """DiscordChatExporter JSON (`guild`, `channel`, `messages`) and CSV exports."""

    NAME: ClassVar[str] = "discord"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """Recognise `guild` + `channel` (+ `messages`/`author`), or DCE's CSV header."""
        if looks_like_json_object(probe):
            keys = head_keys(probe)
            if not {"guild", "channel"} <= keys:
                return 0
            return 90 if keys & {"messages", "author", "messageCount"} else 70
        if probe.mime.startswith("text/") or probe.mime == "application/csv":
            return 90 if tuple(_csv_header(probe)[:4]) == CSV_HEADER else 0
        return 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One item per message, in file order, one conversation per channel."""
        if tuple(_csv_header(probe)[:4]) == CSV_HEADER:
            self._parse_csv(probe, sink, ctx)
        else:
            self._parse_json(probe, sink, ctx)

    # -- JSON -------------------------------------------------------------------------

    def _parse_json(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        loaded = load_json(probe)
        root = loaded.value
        if (
            not isinstance(root, dict)
            or not isinstance(root.get("channel"), dict)
            or not isinstance(root.get("messages"), list)
        ):
            raise WrongFormat(f"{probe.name}: no 'channel' and 'messages', so not a Discord export")
        sink.decide("encoding", loaded.encoding)
        if loaded.replaced:
            sink.warn(
                f"not valid {loaded.encoding}: {plural(loaded.replaced, 'bad byte')} replaced"
            )
        guild_raw = root.get("guild")
        guild: dict[str, Any] = guild_raw if isinstance(guild_raw, dict) else {}
        channel: dict[str, Any] = root["channel"]
        channel_type = as_str(channel.get("type"))
        conversation = _conversation(
            as_str(guild.get("name")),
            as_str(channel.get("name")) or f"channel {as_str(channel.get('id'))}",
            channel_type in DIRECT_CHANNELS,
        )
        base_meta: dict[str, Any] = {
            "guild_id": as_str(guild.get("id")),
            "channel_id": as_str(channel.get("id")),
            "channel_type": channel_type,
        }
        if channel.get("category"):
            base_meta["category"] = channel["category"]
        base_meta = {k: v for k, v in base_meta.items() if v}
        messages: list[Any] = root["messages"]
        people = _authors(messages)
        by_handle = {p.handle: p for p in people if p.handle}
        share = channel_type in DIRECT_CHANNELS and len(people) <= MAX_RECIPIENTS
        tally = _Tally()
        records = RecordWarnings(sink)
        for i, msg in enumerate(messages):
            if i % 1000 == 0:
                ctx.cancel.check()
            if not isinstance(msg, dict):
                records.warn(f"messages[{i}]: not a message object, skipped")
                continue
            draft = self._json_message(msg, i, conversation, base_meta, ctx, tally)
            if draft.author is not None and draft.author.handle:
                # one participant per user id, named as first seen (the raw author is in meta)
                draft.author = by_handle.get(draft.author.handle, draft.author)
            if share and draft.kind != ItemKind.SYSTEM and draft.author is not None:
                draft.recipients = tuple(p for p in people if p != draft.author)
            sink.add_item(draft)
            tally.items += 1
        records.finish()
        count = root.get("messageCount")
        if isinstance(count, int) and count != len(messages):
            sink.warn(f"messageCount says {count} but the file holds {len(messages)} messages")
        self._summarise(tally, sink, ctx)

    def _json_message(
        self,
        msg: dict[str, Any],
        index: int,
        conversation: str,
        base_meta: dict[str, Any],
        ctx: ImportContext,
        tally: _Tally,
    ) -> ItemDraft:
        msg_type = as_str(msg.get("type")) or "Default"
        if msg_type in CALL_TYPES:
            kind = ItemKind.CALL
        elif msg_type in MESSAGE_TYPES:
            kind = ItemKind.MESSAGE
        else:
            kind = ItemKind.SYSTEM
        author_data = msg.get("author")
        author = _author(author_data) if isinstance(author_data, dict) else None
        meta: dict[str, Any] = dict(base_meta)
        meta.update((k, v) for k, v in msg.items() if k not in CONSUMED)
        reference = msg.get("reference")
        if isinstance(reference, dict) and reference.get("messageId"):
            meta["reply_to"] = as_str(reference["messageId"])
        attachments = msg.get("attachments")
        if isinstance(attachments, list):
            for entry in attachments:
                url = as_str(entry.get("url")) if isinstance(entry, dict) else ""
                if url:
                    tally.attachments.append(url)
        events: list[EventDraft] = []
        for key, kind_name in (
            ("timestamp", "sent"),
            ("timestampEdited", "edited"),
            ("callEndedTimestamp", "call_ended"),
        ):
            event = _event(as_str(msg.get(key)), kind_name, ctx, tally)
            if event is not None:
                events.append(event)
            elif key == "timestamp":
                tally.undated += 1
        msg_id = as_str(msg.get("id"))
        return ItemDraft(
            kind=kind,
            locator=f"id {msg_id}" if msg_id else f"messages[{index}]",
            text=as_str(msg.get("content")),
            author=author,
            events=events,
            meta=meta,
            conversation=conversation,
        )

    # -- CSV --------------------------------------------------------------------------

    def _parse_csv(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        if probe.size > MAX_JSON_BYTES:
            raise CorruptRecord(f"{probe.name}: larger than this reader accepts for one export")
        with probe.open() as fh:
            text, encoding = decode_text(fh.read())
        sink.decide("encoding", encoding)
        if encoding == "cp1252":
            sink.warn("not valid UTF-8: read as Windows-1252")
        conversation = _conversation_from_name(probe.name)
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [c.strip().lower() for c in next(reader, [])]
        column = {name: i for i, name in enumerate(header)}
        tally = _Tally()
        records = RecordWarnings(sink)
        line = reader.line_num + 1
        for n, row in enumerate(reader):
            if n % 1000 == 0:
                ctx.cancel.check()
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(CSV_HEADER):
                records.warn(f"line {start}: {len(row)} columns instead of {len(header)}, skipped")
                continue

            def cell(name: str, row: list[str] = row) -> str:
                i = column.get(name)
                return row[i] if i is not None and i < len(row) else ""

            name, handle = cell("author"), cell("authorid")
            meta: dict[str, Any] = {}
            if cell("attachments"):
                meta["attachments"] = [u for u in cell("attachments").split(",") if u]
                tally.attachments.extend(meta["attachments"])
            if cell("reactions"):
                meta["reactions"] = cell("reactions")
            event = _event(cell("date"), "sent", ctx, tally)
            if event is None:
                tally.undated += 1
            sink.add_item(
                ItemDraft(
                    kind=ItemKind.MESSAGE,
                    locator=f"line {start}",
                    text=cell("content"),
                    author=participant(name, handle=handle) if name or handle else None,
                    events=[event] if event else [],
                    meta=meta,
                    conversation=conversation,
                )
            )
            tally.items += 1
        records.finish()
        self._summarise(tally, sink, ctx)

    # -- both -------------------------------------------------------------------------

    def _summarise(self, tally: _Tally, sink: Sink, ctx: ImportContext) -> None:
        if tally.items == 0:
            sink.warn("no messages in this Discord export")
        if tally.local:
            sink.warn(
                f"{plural(tally.local, 'time')} without an offset: read as wall-clock times "
                f"in {ctx.options.zone}"
            )
        if tally.undated:
            sink.warn(f"{plural(tally.undated, 'message')} without a readable timestamp")
        if tally.attachments:
            local = sum(not u.startswith(("http://", "https://")) for u in tally.attachments)
            where = (
                "files beside the export (DCE --media)"
                if local == len(tally.attachments)
                else "Discord's servers"
                if local == 0
                else "Discord's servers or files beside the export"
            )
            sink.warn(
                f"{plural(len(tally.attachments), 'attachment reference')} (e.g. "
                f"{tally.attachments[0]}) point to {where}; the export file alone carries no "
                "media, so they are not imported from it"
            )


def _conversation(guild: str, channel: str, direct: bool) -> str:
    """`Guild / #channel`, or `Direct Messages / name` for a private chat."""
    if direct:
        return f"{guild} / {channel}" if guild else channel
    return f"{guild} / #{channel}" if guild else f"#{channel}"


def _conversation_from_name(name: str) -> str:
    """The channel named by DCE's file name `<Guild> - <Category> - <channel> [<id>]`."""
    stem = Path(name).stem
    match = _FILE_NAME.match(stem)
    if not match:
        return stem
    parts = match["rest"].split(" - ")
    if len(parts) < 2:
        return match["rest"]
    return _conversation(parts[0], parts[-1], parts[0] == "Direct Messages")


def _author(data: dict[str, Any]) -> ParticipantDraft | None:
    """The author as a participant: nickname or name, handle the user id (or name#0001)."""
    name = as_str(data.get("name"))
    shown = as_str(data.get("nickname")) or name
    discriminator = as_str(data.get("discriminator"))
    handle = as_str(data.get("id"))
    if not handle and name:
        handle = f"{name}#{discriminator}" if discriminator not in ("", "0", "0000") else name
    if not shown and not handle:
        return None
    return participant(shown, handle=handle)


def _authors(messages: list[Any]) -> list[ParticipantDraft]:
    """Everyone who wrote in the channel, in order of first message."""
    seen: dict[str, ParticipantDraft] = {}
    for msg in messages:
        if isinstance(msg, dict) and isinstance(msg.get("author"), dict):
            p = _author(msg["author"])
            if p is not None:
                seen.setdefault(p.handle or p.name, p)
    return list(seen.values())


def _event(raw: str, kind: str, ctx: ImportContext, tally: _Tally) -> EventDraft | None:
    """An event from DCE's ISO 8601 time (with an offset: exact; without: assumed zone)."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return exact_event(moment, kind, raw)
    tally.local += 1
    return local_event(moment, ctx.options.zone, kind, raw)
