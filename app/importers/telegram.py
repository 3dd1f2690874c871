"""Telegram Desktop JSON exports: a single chat's result.json or a whole account's."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from app.errors import WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import participant
from app.importers.jsonchat import (
    RecordWarnings,
    as_int,
    as_str,
    epoch_s_to_dt,
    head_has_value,
    head_keys,
    load_json,
    looks_like_json_object,
    plural,
)
from app.model import EventDraft, ItemDraft, ItemKind, ParticipantDraft
from app.timeline.clock import exact_event, local_event, us_to_utc

log = logging.getLogger(__name__)

CHAT_TYPES = (
    "personal_chat",
    "private_group",
    "private_supergroup",
    "public_supergroup",
    "public_channel",
    "private_channel",
    "saved_messages",
    "bot_chat",
)
# Chats whose every member is one of the people seen writing; in the others (supergroups,
# channels) the audience is the membership, which the export does not list.
SMALL_CHATS = frozenset({"personal_chat", "bot_chat", "private_group", "saved_messages"})
BROADCAST_CHATS = frozenset(
    {"private_supergroup", "public_supergroup", "public_channel", "private_channel"}
)
MAX_RECIPIENTS = 50
CALL_ACTIONS = frozenset(
    {"phone_call", "group_call", "group_call_scheduled", "invite_to_group_call"}
)
NOT_INCLUDED = ("(File not included", "(File exceeds maximum size")
MEDIA_KEYS = ("photo", "file")
# Keys whose content becomes the item's author or text; every other key is kept in meta.
CONSUMED = frozenset({"id", "text", "from", "from_id", "actor", "actor_id"})


def flatten_text(value: Any) -> tuple[str, list[Any] | None]:
    """Plain text of a Telegram `text` (a string or an array of strings and entities)."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, list):
        parts: list[str] = []
        for part in value:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                parts.append(as_str(part.get("text")))
        return "".join(parts), value
    return "", None


@dataclass(slots=True)
class _Tally:
    """What the whole file showed, summarised in a few warnings at the end."""

    messages: int = 0
    exact: int = 0
    local: int = 0
    undated: int = 0
    media: int = 0
    media_examples: list[str] = field(default_factory=list)
    not_included: int = 0
    entity_mismatch: int = 0
    offsets: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class _Chat:
    """One chat of the export and where it sits in the JSON."""

    data: dict[str, Any]
    path: str
    left: bool


class TelegramImporter:
    """Telegram Desktop "Export chat history" / "Export Telegram data" in JSON."""

    NAME: ClassVar[str] = "telegram"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """Recognise the export by its keys: `date_unixtime`, `from_id`, chat types, `chats`."""
        if not looks_like_json_object(probe):
            return 0
        keys = head_keys(probe)
        if "date_unixtime" in keys or "text_entities" in keys:
            return 90
        if "messages" in keys and (
            "from_id" in keys or "actor_id" in keys or head_has_value(probe, "type", CHAT_TYPES)
        ):
            return 85
        if "chats" in keys and (keys & {"list", "personal_information", "left_chats"}):
            return 75
        if "personal_information" in keys and keys & {"user_id", "frequent_contacts"}:
            return 70
        if {"messages", "date", "from"} <= keys and head_has_value(
            probe, "type", ("message", "service")
        ):
            return 60
        return 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """Every chat's messages become items, in file order, one conversation per chat."""
        loaded = load_json(probe)
        root = loaded.value
        if not isinstance(root, dict):
            raise WrongFormat(f"{probe.name}: the JSON is not an object, so not a Telegram export")
        chats = _find_chats(root)
        if chats is None:
            raise WrongFormat(f"{probe.name}: no Telegram 'messages' or 'chats' in this JSON")
        sink.decide("encoding", loaded.encoding)
        if loaded.replaced:
            sink.warn(
                f"not valid {loaded.encoding}: {plural(loaded.replaced, 'bad byte')} replaced"
            )
        sink.decide("layout", "single chat" if "messages" in root else "full account")
        names = Counter(as_str(c.data.get("name")) for c in chats)
        tally = _Tally()
        fallback = Path(probe.name).stem
        records = RecordWarnings(sink)
        for chat in chats:
            self._chat(chat, names, fallback, sink, records, ctx, tally)
        records.finish()
        self._summarise(tally, sink, ctx)

    def _chat(
        self,
        chat: _Chat,
        names: Counter[str],
        fallback: str,
        sink: Sink,
        records: RecordWarnings,
        ctx: ImportContext,
        tally: _Tally,
    ) -> None:
        data = chat.data
        name = as_str(data.get("name"))
        chat_id = data.get("id")
        chat_type = as_str(data.get("type"))
        if name and names[name] > 1 and chat_id is not None:
            conversation = f"{name} (chat {chat_id})"
        elif name:
            conversation = name
        elif chat_id is not None:
            conversation = f"chat {chat_id}"
        else:
            conversation = fallback
        messages = data.get("messages")
        if not isinstance(messages, list):
            if messages is not None:
                records.warn(f"{chat.path}: not a list; chat {conversation!r} skipped")
            return
        people = _senders(messages)
        share = chat_type in SMALL_CHATS or (
            chat_type not in BROADCAST_CHATS and len(people) <= MAX_RECIPIENTS
        )
        base_meta: dict[str, Any] = {"chat_type": chat_type} if chat_type else {}
        if chat_id is not None:
            base_meta["chat_id"] = chat_id
        if chat.left:
            base_meta["left_chat"] = True
        for i, msg in enumerate(messages):
            if i % 1000 == 0:
                ctx.cancel.check()
            where = f"{chat.path}[{i}]"
            if not isinstance(msg, dict):
                records.warn(f"{where}: not a message object, skipped")
                continue
            draft = self._message(msg, where, conversation, base_meta, ctx, tally)
            if share and draft.kind == ItemKind.MESSAGE and draft.author is not None:
                draft.recipients = tuple(p for p in people if p != draft.author)
            sink.add_item(draft)
            tally.messages += 1

    def _message(
        self,
        msg: dict[str, Any],
        where: str,
        conversation: str,
        base_meta: dict[str, Any],
        ctx: ImportContext,
        tally: _Tally,
    ) -> ItemDraft:
        msg_type = as_str(msg.get("type")) or "message"
        if msg_type == "service":
            author = _person(msg.get("actor"), msg.get("actor_id"))
            action = as_str(msg.get("action"))
            kind = ItemKind.CALL if action in CALL_ACTIONS else ItemKind.SYSTEM
        else:
            author = _person(msg.get("from"), msg.get("from_id"))
            kind = ItemKind.MESSAGE
        text, entities = flatten_text(msg.get("text"))
        meta: dict[str, Any] = dict(base_meta)
        meta.update((k, v) for k, v in msg.items() if k not in CONSUMED)
        if entities is not None and "text_entities" not in msg:
            meta["text_entities"] = entities
        rich = msg.get("text_entities")
        if isinstance(rich, list):
            plain = flatten_text(rich)[0]
            if plain != text:
                meta["text_from_entities"] = plain
                tally.entity_mismatch += 1
        for key in MEDIA_KEYS:
            ref = msg.get(key)
            if not isinstance(ref, str) or not ref:
                continue
            if ref.startswith(NOT_INCLUDED):
                meta["attachment_missing"] = True
                tally.not_included += 1
            else:
                meta.setdefault("attachment", ref)
                tally.media += 1
                if len(tally.media_examples) < 3:
                    tally.media_examples.append(ref)
        events: list[EventDraft] = []
        sent = _event(msg, "date_unixtime", "date", "sent", ctx, tally)
        if sent is None:
            tally.undated += 1
        else:
            events.append(sent)
            _note_offset(msg, sent, tally)
        edited = _event(msg, "edited_unixtime", "edited", "edited", ctx, tally)
        if edited is not None:
            events.append(edited)
        msg_id = msg.get("id")
        locator = f"id {msg_id}" if isinstance(msg_id, int | str) and msg_id != "" else where
        return ItemDraft(
            kind=kind,
            locator=locator,
            text=text,
            author=author,
            events=events,
            meta=meta,
            conversation=conversation,
        )

    def _summarise(self, tally: _Tally, sink: Sink, ctx: ImportContext) -> None:
        if tally.messages == 0:
            sink.warn("no messages in this Telegram export")
        if tally.local and tally.exact:
            sink.decide("time_source", "date_unixtime where present, else local date")
        elif tally.local:
            sink.decide("time_source", "date (local wall-clock time)")
        elif tally.exact:
            sink.decide("time_source", "date_unixtime (UTC epoch)")
        if tally.local:
            sink.warn(
                f"{plural(tally.local, 'time')} without a zone (no date_unixtime): read as "
                f"wall-clock times in {ctx.options.zone}"
            )
        odd = {m for m in tally.offsets if m % 15 or abs(m) > 14 * 60}
        usual = sorted(set(tally.offsets) - odd)
        if usual:
            sink.decide("export_utc_offsets", ", ".join(_hhmm(m) for m in usual))
        if len(usual) > 2:
            sink.warn(
                f"'date' and 'date_unixtime' imply {len(usual)} different UTC offsets, more "
                "than one zone's summer and winter time: date_unixtime used"
            )
        if odd:
            count = sum(tally.offsets[m] for m in odd)
            sink.warn(
                f"{plural(count, 'message')} whose 'date' and 'date_unixtime' differ by an "
                f"amount no time zone has ({', '.join(_hhmm(m) for m in sorted(odd))}): "
                "date_unixtime used"
            )
        if tally.undated:
            sink.warn(f"{plural(tally.undated, 'message')} without a readable date")
        if tally.media:
            examples = ", ".join(tally.media_examples)
            sink.warn(
                f"{plural(tally.media, 'media reference')} ({examples}…) name files kept beside "
                "result.json in the export folder; the JSON alone carries no media, so they "
                "are not imported from it"
            )
        if tally.not_included:
            sink.warn(
                f"{plural(tally.not_included, 'media file')} marked 'File not included' by "
                "Telegram: the export was made without them"
            )
        if tally.entity_mismatch:
            sink.warn(
                f"{plural(tally.entity_mismatch, 'message')} whose text_entities spell a "
                "different text than 'text': 'text' kept, the other in meta text_from_entities"
            )


def _find_chats(root: dict[str, Any]) -> list[_Chat] | None:
    """The chats of either layout, or None when the JSON is not a Telegram export."""
    if isinstance(root.get("messages"), list):
        messages = root["messages"]
        dated = [
            m
            for m in messages[:50]
            if isinstance(m, dict) and ("date" in m or "date_unixtime" in m)
        ]
        if messages and not dated:
            return None
        return [_Chat(root, "messages", False)]
    chats: list[_Chat] = []
    found = False
    for key, left in (("chats", False), ("left_chats", True)):
        block = root.get(key)
        if isinstance(block, dict):
            block, path = block.get("list"), f"{key}.list"
        else:
            path = key
        if not isinstance(block, list):
            continue
        found = True
        chats.extend(
            _Chat(c, f"{path}[{i}].messages", left)
            for i, c in enumerate(block)
            if isinstance(c, dict)
        )
    return chats if found else None


def _person(name: Any, handle: Any) -> ParticipantDraft | None:
    """A participant from Telegram's `from`/`from_id` (or `actor`/`actor_id`)."""
    n, h = as_str(name), as_str(handle)
    if not n and not h:
        return None
    return participant(n, handle=h)


def _senders(messages: list[Any]) -> list[ParticipantDraft]:
    """Everyone who wrote in the chat, in order of first message."""
    seen: dict[ParticipantDraft, None] = {}
    for msg in messages:
        if isinstance(msg, dict) and as_str(msg.get("type")) in ("", "message"):
            p = _person(msg.get("from"), msg.get("from_id"))
            if p is not None:
                seen.setdefault(p, None)
    return list(seen)


def _event(
    msg: dict[str, Any], unix_key: str, local_key: str, kind: str, ctx: ImportContext, tally: _Tally
) -> EventDraft | None:
    """An event from the epoch field when present, else from the local wall-clock field."""
    raw_unix = msg.get(unix_key)
    seconds = as_int(raw_unix)
    if seconds is not None:
        try:
            moment = epoch_s_to_dt(seconds)
        except OverflowError:
            moment = None
        if moment is not None:
            tally.exact += 1
            return exact_event(moment, kind, as_str(raw_unix))
    local = as_str(msg.get(local_key))
    if not local:
        return None
    try:
        parsed = datetime.fromisoformat(local)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        tally.exact += 1
        return exact_event(parsed, kind, local)
    tally.local += 1
    return local_event(parsed, ctx.options.zone, kind, local)


def _note_offset(msg: dict[str, Any], sent: EventDraft, tally: _Tally) -> None:
    """Count the exporter's UTC offset shown by `date` (local) beside `date_unixtime`."""
    if as_int(msg.get("date_unixtime")) is None:
        return
    try:
        local = datetime.fromisoformat(as_str(msg.get("date")))
    except ValueError:
        return
    if local.tzinfo is not None:
        return
    utc = us_to_utc(sent.ts_utc_us).replace(tzinfo=None)
    tally.offsets[round((local - utc).total_seconds() / 60)] += 1


def _hhmm(minutes: int) -> str:
    """A UTC offset in minutes as `+01:00`."""
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"
