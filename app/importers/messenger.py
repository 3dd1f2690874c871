"""Facebook Messenger and Instagram "Download your information" JSON (message_N.json)."""

from __future__ import annotations

import logging
import re
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
    epoch_ms_to_dt,
    epoch_s_to_dt,
    head_keys,
    load_json,
    looks_like_json_object,
    plural,
)
from app.model import EventDraft, ItemDraft, ItemKind, ParticipantDraft
from app.timeline.clock import exact_event

log = logging.getLogger(__name__)

MEDIA_LISTS = (
    ("photos", "photo"),
    ("videos", "video"),
    ("audio_files", "audio"),
    ("files", "file"),
    ("gifs", "gif"),
    ("media", "media"),  # the end-to-end encrypted export's single list
)
SYSTEM_TYPES = frozenset({"Subscribe", "Unsubscribe"})
# Keys whose content becomes the item's author, text, time or attachments; the rest go to meta.
CONSUMED = frozenset(
    {"sender_name", "senderName", "timestamp_ms", "timestamp", "content", "text", "sticker"}
    | {key for key, _ in MEDIA_LISTS}
)
MAX_REPAIR_DEPTH = 64
MS_THRESHOLD = 100_000_000_000  # a `timestamp` above this is in milliseconds
_LONG_PARTICIPANTS = re.compile(r'\s*\{\s*"participants"\s*:\s*\[\s*\{\s*"name"\s*:')


def repair_mojibake(text: str) -> str:
    """Undo Facebook's encoding slip: UTF-8 bytes written as Latin-1 code points.

    Returns the string unchanged when it is ASCII, has a code point above U+00FF, or its
    code points do not spell valid UTF-8 (legitimately Latin-1 text such as "café").
    """
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


@dataclass(slots=True)
class _Repairer:
    """Repairs every string of a JSON tree and counts what it changed and what it left."""

    repaired: int = 0
    left: int = 0
    too_deep: int = 0
    examples: list[str] = field(default_factory=list)

    def tree(self, value: Any, depth: int = 0) -> Any:
        """A copy of the tree with every string repaired."""
        if isinstance(value, str):
            return self.text(value)
        if depth >= MAX_REPAIR_DEPTH:
            self.too_deep += 1
            return value
        if isinstance(value, dict):
            return {k: self.tree(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.tree(v, depth + 1) for v in value]
        return value

    def text(self, value: str) -> str:
        """One string repaired, counted."""
        fixed = repair_mojibake(value)
        if fixed != value:
            self.repaired += 1
            if len(self.examples) < 3 and len(fixed) <= 40 and fixed not in self.examples:
                self.examples.append(fixed)
        elif not value.isascii():
            self.left += 1
        return fixed


class MessengerImporter:
    """Messenger / Instagram thread JSON: participants, messages newest first, epoch ms."""

    NAME: ClassVar[str] = "messenger"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """Recognise `sender_name` + `timestamp_ms` (or the encrypted-chat export's keys)."""
        if not looks_like_json_object(probe):
            return 0
        keys = head_keys(probe)
        if {"sender_name", "timestamp_ms"} <= keys:
            return 90
        if {"participants", "messages"} <= keys and keys & {
            "sender_name",
            "timestamp_ms",
            "thread_path",
            "is_still_participant",
        }:
            return 85
        if {"senderName", "timestamp"} <= keys and keys & {"isUnsent", "threadName", "media"}:
            return 80
        if {"thread_path", "participants"} <= keys:
            return 70
        if _LONG_PARTICIPANTS.match(probe.head_text()) and keys <= {"participants", "name"}:
            return 60  # a big group's participant list fills the whole head
        return 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One item per message, oldest first, strings repaired of the export's mojibake."""
        loaded = load_json(probe)
        raw = loaded.value
        if not isinstance(raw, dict) or not isinstance(raw.get("messages"), list):
            raise WrongFormat(f"{probe.name}: no 'messages' list, so not a Messenger export")
        raw_messages: list[Any] = raw["messages"]
        sample = [m for m in raw_messages[:50] if isinstance(m, dict)]
        if raw_messages and not any(
            k in m for m in sample for k in ("sender_name", "timestamp_ms", "senderName")
        ):
            raise WrongFormat(f"{probe.name}: messages without sender_name or timestamp_ms")
        sink.decide("encoding", loaded.encoding)
        if loaded.replaced:
            sink.warn(
                f"not valid {loaded.encoding}: {plural(loaded.replaced, 'bad byte')} replaced"
            )

        fixer = _Repairer()
        root: dict[str, Any] = fixer.tree(raw)
        messages: list[Any] = root["messages"]
        people = _participants(root.get("participants"), messages)
        title = as_str(root.get("title")) or as_str(root.get("threadName"))
        thread_path = as_str(root.get("thread_path"))
        conversation = (
            title or thread_path or ", ".join(p.label for p in people) or Path(probe.name).stem
        )
        base_meta: dict[str, Any] = {"thread_path": thread_path} if thread_path else {}

        order = list(range(len(messages)))
        stamps = [_timestamp(m)[0] for m in messages if isinstance(m, dict)]
        known = [t for t in stamps if t is not None]
        if len(known) >= 2 and known[0] > known[-1]:
            order.reverse()
            sink.decide("message_order", "newest first in the file; imported oldest first")
        else:
            sink.decide("message_order", "oldest first in the file")

        media: list[str] = []
        unsent = undated = 0
        records = RecordWarnings(sink)
        for n, i in enumerate(order):
            if n % 1000 == 0:
                ctx.cancel.check()
            msg, raw_msg = messages[i], raw_messages[i]
            if not isinstance(msg, dict) or not isinstance(raw_msg, dict):
                records.warn(f"messages[{i}]: not a message object, skipped")
                continue
            draft = _message(msg, raw_msg, i, conversation, people, base_meta)
            media.extend(a["uri"] for a in draft.meta.get("attachments", ()) if a.get("uri"))
            unsent += bool(draft.meta.get("unsent"))
            undated += not draft.events
            sink.add_item(draft)
        records.finish()

        sink.decide("mojibake_repaired", "yes" if fixer.repaired else "no")
        if fixer.repaired:
            examples = ", ".join(repr(e) for e in fixer.examples)
            sink.warn(
                f"repaired {plural(fixer.repaired, 'string')} written as Latin-1 code points "
                f"of UTF-8 bytes (the export's known mojibake), e.g. {examples}; the text as "
                "exported is kept in meta as_exported"
            )
        if fixer.left and fixer.repaired:
            sink.warn(
                f"{plural(fixer.left, 'non-ASCII string')} left as exported: not UTF-8 "
                "bytes in Latin-1 code points"
            )
        if fixer.too_deep:
            sink.warn(f"values nested deeper than {MAX_REPAIR_DEPTH} levels were not repaired")
        if undated:
            sink.warn(f"{plural(undated, 'message')} without a readable timestamp")
        if unsent:
            sink.warn(f"{plural(unsent, 'message')} marked unsent: the content was withdrawn")
        if media:
            sink.warn(
                f"{plural(len(media), 'attachment reference')} (e.g. {media[0]}) name files in "
                "the export folder; the JSON alone carries no media, so they are not imported "
                "from it"
            )
        if not messages:
            sink.warn("no messages in this thread")


def _participants(value: Any, messages: list[Any]) -> list[ParticipantDraft]:
    """The thread's participants as listed, else everyone seen sending, in order."""
    seen: dict[ParticipantDraft, None] = {}
    if isinstance(value, list):
        for entry in value:
            name = as_str(entry.get("name")) if isinstance(entry, dict) else as_str(entry)
            if name:
                seen.setdefault(participant(name), None)
    if not seen:
        for msg in reversed(messages):
            if isinstance(msg, dict):
                name = as_str(msg.get("sender_name")) or as_str(msg.get("senderName"))
                if name:
                    seen.setdefault(participant(name), None)
    return list(seen)


def _timestamp(msg: dict[str, Any]) -> tuple[datetime | None, str]:
    """The message's time and its text as exported (`timestamp_ms`, or `timestamp`)."""
    ms = as_int(msg.get("timestamp_ms"))
    raw = msg.get("timestamp_ms")
    seconds: int | None = None
    if ms is None:
        raw = msg.get("timestamp")
        value = as_int(raw)
        if value is not None and abs(value) >= MS_THRESHOLD:
            ms = value
        else:
            seconds = value
    try:
        if ms is not None:
            return epoch_ms_to_dt(ms), as_str(raw)
        if seconds is not None:
            return epoch_s_to_dt(seconds), as_str(raw)
    except OverflowError:
        pass
    return None, as_str(raw)


def _attachments(msg: dict[str, Any]) -> list[dict[str, Any]]:
    """Every media reference of a message, with its kind and creation time when given."""
    found: list[dict[str, Any]] = []
    for key, kind in MEDIA_LISTS:
        entries = msg.get(key)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if isinstance(entry, dict):
                found.append({"type": kind, **entry})
            elif isinstance(entry, str):
                found.append({"type": kind, "uri": entry})
    sticker = msg.get("sticker")
    if isinstance(sticker, dict):
        found.append({"type": "sticker", **sticker})
    return found


def _message(
    msg: dict[str, Any],
    raw: dict[str, Any],
    index: int,
    conversation: str,
    people: list[ParticipantDraft],
    base_meta: dict[str, Any],
) -> ItemDraft:
    """One message as an item; `raw` is the same message before repair."""
    sender = as_str(msg.get("sender_name")) or as_str(msg.get("senderName"))
    text_key = "content" if "content" in msg else "text"
    text = as_str(msg.get(text_key))
    msg_type = as_str(msg.get("type"))
    if msg_type.lower() == "call" or "call_duration" in msg:
        kind = ItemKind.CALL
    elif msg_type in SYSTEM_TYPES:
        kind = ItemKind.SYSTEM
    else:
        kind = ItemKind.MESSAGE
    meta: dict[str, Any] = dict(base_meta)
    meta.update((k, v) for k, v in msg.items() if k not in CONSUMED)
    attachments = _attachments(msg)
    if attachments:
        meta["attachments"] = attachments
    if msg.get("is_unsent") is True or msg.get("isUnsent") is True:
        meta["unsent"] = True
    as_exported = {
        key: raw[key]
        for key in (text_key, "sender_name", "senderName")
        if key in raw and raw[key] != msg.get(key)
    }
    if as_exported:
        meta["as_exported"] = as_exported
    moment, original = _timestamp(msg)
    events: list[EventDraft] = [exact_event(moment, "sent", original)] if moment else []
    author = participant(sender) if sender else None
    recipients = tuple(p for p in people if p != author)
    return ItemDraft(
        kind=kind,
        locator=f"messages[{index}]",
        text=text,
        author=author,
        recipients=recipients,
        events=events,
        meta=meta,
        conversation=conversation,
    )
