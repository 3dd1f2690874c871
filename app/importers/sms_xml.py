"""Android "SMS Backup & Restore" XML: <smses> with <sms> and <mms> records, streamed.

Everything is in attributes (epoch-millisecond dates, the literal string "null" for none).
MMS pictures and videos are base64 inside `data` attributes and become child files.
The app's call-log backups (<calls> with <call> records) are read too.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from typing import Any, ClassVar, cast

from app.errors import WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import normalise_phone, participant
from app.importers.email import extension_for_mime, safe_file_name
from app.model import EventDraft, ItemDraft, ItemKind, ParticipantDraft
from app.timeline.clock import exact_event

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
PROLOGUE_LIMIT = 256 * 1024
_ROOT = re.compile(
    r"\A\ufeff?\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<\?[^>]*\?>)\s*)*<(smses|calls)[\s>/]",
    re.S,
)
_CHAR_REF = re.compile(rb"&#(x[0-9a-fA-F]{1,8}|[0-9]{1,10});")
_BAD_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_REPLACEMENT_REF = b"&#65533;"

SMS_TYPES = {
    "1": "received",
    "2": "sent",
    "3": "draft",
    "4": "outbox",
    "5": "failed",
    "6": "queued",
}
MMS_BOXES = {"1": "inbox", "2": "sent", "3": "draft", "4": "outbox"}
CALL_TYPES = {
    "1": "incoming",
    "2": "outgoing",
    "3": "missed",
    "4": "voicemail",
    "5": "rejected",
    "6": "blocked",
    "7": "answered externally",
}
ADDR_TYPES = {"137": "from", "151": "to", "130": "cc", "129": "bcc"}

ME = participant("Me")


def _value(attrs: dict[str, str], name: str) -> str:
    """An attribute, with SyncTech's literal "null" read as empty."""
    value = attrs.get(name, "")
    return "" if value == "null" else value


def _name(attrs: dict[str, str]) -> str:
    name = _value(attrs, "contact_name").strip()
    return "" if name in ("(Unknown)", "Unknown") else name


@lru_cache(maxsize=4096)
def other_party(name: str, address: str) -> ParticipantDraft:
    """The person at the other end: a phone number when it is one, else a handle (a short
    code or an alphanumeric sender such as "AMAZON")."""
    address = address.strip()
    if address and normalise_phone(address):
        return participant(name, phone=address)
    return participant(name, handle=address)


def ms_moment(raw: str) -> datetime | None:
    """The UTC time of an epoch count in milliseconds (or seconds, judged by magnitude)."""
    try:
        value = int(raw)
    except ValueError:
        return None
    if value <= 0:
        return None
    seconds = value / 1000 if value > 100_000_000_000 else float(value)
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


class _Repair:
    """Streams the file's bytes with what expat refuses mended: emoji written as UTF-16
    surrogate-pair character references are joined, other invalid references and raw control
    bytes become U+FFFD."""

    def __init__(self) -> None:
        self.joined = 0
        self.replaced = 0
        self._carry = b""

    def feed(self, chunk: bytes, final: bool = False) -> bytes:
        """The next piece of the file, repaired; a reference cut by the chunk end, or a high
        surrogate that may pair with the next chunk's first reference, waits for more."""
        data = self._carry + chunk
        self._carry = b""
        if not final:
            cut = len(data)
            amp = data.rfind(b"&", max(0, cut - 16))
            if amp >= 0 and b";" not in data[amp:]:
                cut = amp
            last = data.rfind(b"&#", max(0, cut - 16), cut)
            if last >= 0 and data[cut - 1 : cut] == b";" and _is_high(data[last:cut]):
                cut = last
            data, self._carry = data[:cut], data[cut:]
        data, n = _BAD_BYTES.subn(_REPLACEMENT_REF, data)
        self.replaced += n
        return self._refs(data)

    def _refs(self, data: bytes) -> bytes:
        out: list[bytes] = []
        pos = 0
        matches = list(_CHAR_REF.finditer(data))
        i = 0
        while i < len(matches):
            m = matches[i]
            code = _code(m.group(1))
            if _valid_xml_char(code):
                i += 1
                continue
            out.append(data[pos : m.start()])
            nxt = matches[i + 1] if i + 1 < len(matches) else None
            if (
                0xD800 <= code <= 0xDBFF
                and nxt is not None
                and nxt.start() == m.end()
                and 0xDC00 <= _code(nxt.group(1)) <= 0xDFFF
            ):
                joined = 0x10000 + ((code - 0xD800) << 10) + (_code(nxt.group(1)) - 0xDC00)
                out.append(b"&#%d;" % joined)
                self.joined += 1
                pos = nxt.end()
                i += 2
                continue
            out.append(_REPLACEMENT_REF)
            self.replaced += 1
            pos = m.end()
            i += 1
        if not out:
            return data
        out.append(data[pos:])
        return b"".join(out)


def _code(token: bytes) -> int:
    try:
        return int(token[1:], 16) if token[:1] in (b"x", b"X") else int(token)
    except ValueError:
        return -1


def _is_high(ref: bytes) -> bool:
    m = _CHAR_REF.fullmatch(ref)
    return m is not None and 0xD800 <= _code(m.group(1)) <= 0xDBFF


def _valid_xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


class SmsBackupXmlImporter:
    """SMS Backup & Restore (SyncTech) XML backups of SMS, MMS and call logs."""

    NAME: ClassVar[str] = "sms_xml"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """High when the first element is <smses> or <calls>; 0 when a DTD comes first."""
        text = probe.head_text()
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            return 0
        return 90 if _ROOT.match(text) else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One item per record, in file order; MMS media become child files."""
        reader = _Reader(probe, sink, ctx)
        reader.run()


class _Reader:
    """One pass over one backup file."""

    def __init__(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        self.probe = probe
        self.sink = sink
        self.ctx = ctx
        self.counts = {"sms": 0, "mms": 0, "call": 0}
        self.declared = ""
        self.root = ""

    def run(self) -> None:
        repair = _Repair()
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        root: ET.Element | None = None
        depth = 0

        def drain() -> None:
            nonlocal root, depth
            for entry in parser.read_events():
                event, elem = cast(tuple[str, ET.Element], entry)
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = elem
                        self._start_root(elem)
                    continue
                depth -= 1
                if depth == 1 and root is not None:
                    # Records are read as soon as they end, then dropped: memory stays flat.
                    self._record(elem)
                    root.remove(elem)

        try:
            for chunk in self._chunks(repair):
                parser.feed(chunk)
                drain()
            parser.close()
            drain()
        except (ET.ParseError, LookupError, ValueError) as exc:  # an encoding expat refuses
            if isinstance(exc, ValueError) and "encoding" not in str(exc):
                raise
            if root is None:
                raise WrongFormat(f"{self.probe.name}: not readable XML: {exc}") from exc
            self.sink.warn(f"XML broken ({exc}): the records before it were read")
        if root is None:
            raise WrongFormat(f"{self.probe.name}: no <smses> or <calls> element")
        if repair.joined:
            self.sink.decide("surrogate_pairs", f"{repair.joined} joined")
        if repair.replaced:
            self.sink.warn(f"{repair.replaced} characters not allowed in XML replaced with U+FFFD")
        found = sum(self.counts.values())
        if self.declared.isdigit() and int(self.declared) != found:
            self.sink.warn(f"the backup says it holds {self.declared} records; {found} were read")

    def _chunks(self, repair: _Repair) -> Iterator[bytes]:
        """The file's bytes, repaired, after checking that no DTD precedes the root element."""
        with self.probe.open() as fh:
            prologue = b""
            while True:
                block = fh.read(CHUNK)
                prologue += block
                text = prologue.decode("utf-8", errors="replace")
                if "<!DOCTYPE" in text or "<!ENTITY" in text:
                    raise WrongFormat(
                        f"{self.probe.name}: the XML declares a DTD; refused (entity expansion)"
                    )
                if _ROOT.match(text) or not block or len(prologue) > PROLOGUE_LIMIT:
                    break
            if not _ROOT.match(prologue.decode("utf-8", errors="replace")):
                raise WrongFormat(f"{self.probe.name}: not an SMS Backup & Restore file")
            yield repair.feed(prologue, final=not block)
            while block:
                block = fh.read(CHUNK)
                yield repair.feed(block, final=not block)

    def _start_root(self, elem: ET.Element) -> None:
        self.root = elem.tag
        self.declared = elem.get("count", "")
        for name in ("backup_set", "backup_date", "type"):
            if elem.get(name):
                self.sink.decide(f"backup_{name.removeprefix('backup_')}", elem.get(name, ""))

    def _record(self, elem: ET.Element) -> None:
        if elem.tag == "sms":
            self.counts["sms"] += 1
            self._sms(elem, self.counts["sms"])
        elif elem.tag == "mms":
            self.counts["mms"] += 1
            self._mms(elem, self.counts["mms"])
        elif elem.tag == "call":
            self.counts["call"] += 1
            self._call(elem, self.counts["call"])
        else:
            self.sink.warn(f"unknown record <{elem.tag}> skipped")
            return
        if sum(self.counts.values()) % 1000 == 0:
            self.ctx.cancel.check()

    # -- records -------------------------------------------------------------------------

    def _events(self, attrs: dict[str, str], outgoing: bool) -> list[EventDraft]:
        events: list[EventDraft] = []
        date = _value(attrs, "date")
        moment = ms_moment(date)
        if moment is not None:
            events.append(exact_event(moment, "sent" if outgoing else "received", date))
        sent = _value(attrs, "date_sent")
        sent_moment = ms_moment(sent)
        if not outgoing and sent_moment is not None:
            events.append(exact_event(sent_moment, "sent", sent))
        return events

    def _sms(self, elem: ET.Element, n: int) -> None:
        attrs = dict(elem.attrib)
        kind = _value(attrs, "type")
        status = SMS_TYPES.get(kind, f"type {kind}")
        outgoing = kind != "1"
        address = _value(attrs, "address")
        name = _name(attrs)
        other = other_party(name, address)
        locator = f"sms {n}"
        events = self._events(attrs, outgoing)
        if not events:
            self.sink.warn(f"{locator}: date unreadable: {attrs.get('date', '')!r}")
        meta: dict[str, Any] = {
            "direction": "outgoing" if outgoing else "incoming",
            "type": kind,
            "status": status,
            "address": address,
            "contact_name": name,
            "readable_date": _value(attrs, "readable_date"),
            "service": "sms",
        }
        for key in ("read", "status", "locked", "subject", "service_center", "protocol", "sub_id"):
            value = _value(attrs, key)
            if value:
                meta["sms_" + key if key == "status" else key] = value
        self.sink.add_item(
            ItemDraft(
                kind=ItemKind.MESSAGE,
                locator=locator,
                text=_value(attrs, "body"),
                author=ME if outgoing else other,
                recipients=(other,) if outgoing else (ME,),
                events=events,
                meta=meta,
                conversation=name or address,
                key=locator,
            )
        )

    def _mms(self, elem: ET.Element, n: int) -> None:
        attrs = dict(elem.attrib)
        box = _value(attrs, "msg_box")
        outgoing = box != "1"
        address = _value(attrs, "address")
        name = _name(attrs)
        locator = f"mms {n}"
        addrs: list[dict[str, str]] = []
        for addr in elem.iter("addr"):
            kind = addr.get("type", "")
            addrs.append(
                {
                    "address": _value(dict(addr.attrib), "address"),
                    "type": ADDR_TYPES.get(kind, kind),
                }
            )
        numbers = [a for a in address.split("~") if a]
        single_name = name if len(numbers) <= 1 else ""
        sender = next((a["address"] for a in addrs if a["type"] == "from"), "")
        if outgoing:
            author = ME
            targets = [a["address"] for a in addrs if a["type"] in ("to", "cc", "bcc")] or numbers
            recipients = tuple(
                other_party(single_name if len(targets) == 1 else "", t) for t in targets if t
            )
        else:
            author = other_party(single_name, sender or (numbers[0] if numbers else ""))
            recipients = (ME,)
        texts: list[str] = []
        media: list[tuple[str, bytes, str]] = []
        parts_meta: list[dict[str, str]] = []
        for index, part in enumerate(elem.iter("part"), start=1):
            p = dict(part.attrib)
            ctype = _value(p, "ct").lower()
            parts_meta.append(
                {
                    "ct": ctype,
                    "name": _value(p, "name"),
                    "cl": _value(p, "cl"),
                    "seq": p.get("seq", ""),
                }
            )
            if ctype == "application/smil":
                continue
            if ctype.startswith("text/plain") and "data" not in p:
                texts.append(_value(p, "text"))
                continue
            data = p.get("data", "")
            if not data:
                if _value(p, "text"):
                    texts.append(_value(p, "text"))
                continue
            try:
                payload = base64.b64decode(data, validate=False)
            except (binascii.Error, ValueError) as exc:
                self.sink.warn(f"{locator}: part {index} ({ctype}) not decoded: {exc}")
                continue
            file_name = safe_file_name(_value(p, "name") or _value(p, "cl"))
            if not file_name:
                file_name = f"{locator.replace(' ', '-')}-part-{index}{extension_for_mime(ctype)}"
            media.append((file_name, payload, ctype))
        events = self._events(attrs, outgoing)
        if not events:
            self.sink.warn(f"{locator}: date unreadable: {attrs.get('date', '')!r}")
        meta: dict[str, Any] = {
            "direction": "outgoing" if outgoing else "incoming",
            "msg_box": box,
            "status": MMS_BOXES.get(box, f"box {box}"),
            "address": address,
            "contact_name": name,
            "readable_date": _value(attrs, "readable_date"),
            "service": "mms",
            "addrs": addrs,
            "parts": parts_meta,
            "attachments": [{"name": f, "mime": c, "size": len(b)} for f, b, c in media],
        }
        for key in ("sub", "read", "m_id", "tr_id", "ct_t", "m_type", "locked", "text_only"):
            value = _value(attrs, key)
            if value:
                meta["subject" if key == "sub" else key] = value
        self.sink.add_item(
            ItemDraft(
                kind=ItemKind.MESSAGE,
                locator=locator,
                text="\n".join(t for t in texts if t),
                author=author,
                recipients=recipients,
                events=events,
                meta=meta,
                conversation=name or address,
                key=locator,
            )
        )
        for file_name, payload, _ctype in media:
            self.sink.add_child(file_name, BytesIO(payload), context_key=locator)

    def _call(self, elem: ET.Element, n: int) -> None:
        attrs = dict(elem.attrib)
        kind = _value(attrs, "type")
        outgoing = kind == "2"
        number = _value(attrs, "number")
        name = _name(attrs)
        other = other_party(name, number)
        locator = f"call {n}"
        moment = ms_moment(_value(attrs, "date"))
        events = [] if moment is None else [exact_event(moment, "call", _value(attrs, "date"))]
        duration = _value(attrs, "duration")
        self.sink.add_item(
            ItemDraft(
                kind=ItemKind.CALL,
                locator=locator,
                text="",
                author=ME if outgoing else other,
                recipients=(other,) if outgoing else (ME,),
                events=events,
                meta={
                    "direction": "outgoing" if outgoing else "incoming",
                    "type": kind,
                    "status": CALL_TYPES.get(kind, f"type {kind}"),
                    "number": number,
                    "contact_name": name,
                    "duration_s": int(duration) if duration.isdigit() else duration,
                    "readable_date": _value(attrs, "readable_date"),
                    "presentation": _value(attrs, "presentation"),
                },
                conversation=name or number,
                key=locator,
            )
        )
