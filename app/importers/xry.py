"""MSAB XRY text export: one UTF-16 `.txt` per report type (Messages-SMS.txt, Calls.txt...).

The layout, as Autopsy's XRY reader documents it: a five-line header starting `XRY Export`
whose third line names the report type; then records separated by blank lines, each opened
by a title line (`Messages-SMS #<TAB>1`) and made of `Key:<TAB>Value` lines. A bare `From`,
`To` or `Participant` line says whose the following keys are. Only `Text` continues on
following lines. SMS split in segments (`Reference Number`, `Segment Number`, `Segments`)
are joined back into one message. Times are `M/d/yyyy h:mm:ss AM|PM`, with `UTC±h` when the
export knows the offset and `(Device)` or `(Network)` saying which clock stamped them; a time
without an offset is read in the case zone and marked assumed-zone.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from app.errors import WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import decode_text, normalise_phone, participant
from app.model import (
    EventDraft,
    IdentifierDraft,
    IdentifierKind,
    ItemDraft,
    ItemKind,
    ParticipantDraft,
)
from app.timeline.clock import exact_event, local_event

log = logging.getLogger(__name__)

MAX_BYTES = 256 * 1024 * 1024
_NAMESPACES = frozenset({"From", "To", "Participant"})
_KEY_VALUE = re.compile(r"^([^\t:][^\t:]{0,60}):(?:\t+(.*))?$")
_TITLE = re.compile(r"^(.+?) #\t*\s*(\d+)\s*$")
_TIME = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?"
    r"\s*(UTC(?:\s*([+-])(\d{1,2})(?::?(\d{2}))?)?)?\s*(?:\((Device|Network)\))?\s*$"
)
OWNER = participant("Device owner")


@dataclass(slots=True)
class _Entity:
    """One record as read: its title, its keys (with their namespace) in order."""

    title: str
    number: str
    line: int
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (namespace, key, value)

    def get(self, key: str, namespace: str = "") -> str:
        """The first value of `key` in `namespace` ('' for the record's own keys)."""
        for ns, k, v in self.fields:
            if k == key and ns == namespace:
                return v.strip()
        return ""

    def text(self) -> str:
        """The `Text` value exactly as written (segments are joined without trimming)."""
        for ns, k, v in self.fields:
            if k == "Text" and not ns:
                return v
        return ""

    def any(self, key: str) -> str:
        """The first value of `key` in any namespace."""
        for _ns, k, v in self.fields:
            if k == key:
                return v.strip()
        return ""

    def raw(self) -> dict[str, str]:
        """`{"From/Tel": value, "Text": value}`: every key as the file had it."""
        out: dict[str, str] = {}
        for ns, k, v in self.fields:
            label = f"{ns}/{k}" if ns else k
            n = 2
            key = label
            while key in out:
                key = f"{label} #{n}"
                n += 1
            out[key] = v
        return out


def _number(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0


class XryTextImporter:
    """An XRY text export file (UTF-16 with BOM, header `XRY Export`)."""

    NAME: ClassVar[str] = "xry"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """90 when the first non-blank line is `XRY Export`."""
        text, _enc = decode_text(probe.head)
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return 90 if lines and lines[0] == "XRY Export" else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One item per record; SMS segments joined; unknown report types kept as records."""
        with probe.open() as fh:
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            sink.warn(f"{probe.name}: only the first {MAX_BYTES // 2**20} MiB were read")
            data = data[:MAX_BYTES]
        text, encoding = decode_text(data)
        _Reader(probe.name, text, encoding, sink, ctx).run()


class _Reader:
    def __init__(self, name: str, text: str, encoding: str, sink: Sink, ctx: ImportContext) -> None:
        self.name = name
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.encoding = encoding
        self.sink = sink
        self.ctx = ctx
        self.kind = ""
        self.layout = ""
        self.assumed = 0
        self.bad_times: list[str] = []
        self.unknown_lines = 0
        self.segments: dict[tuple[str, str, str], list[_Entity]] = {}
        self.items = 0

    def run(self) -> None:
        start = self._header()
        for entity in self._entities(start):
            self._entity(entity)
        for parts in self.segments.values():
            self.sink.warn(
                f"{self._locator(parts[0])}: SMS reference {parts[0].get('Reference Number')} "
                f"has {len(parts)} of {parts[0].get('Segments')} segments; joined as found"
            )
            self._sms(parts)
        if self.assumed:
            self.sink.decide("zone", f"{self.ctx.options.zone} for times without an offset")
            self.sink.warn(
                f"{self.assumed} time(s) have no UTC offset: read as wall-clock time in the case "
                f"zone {self.ctx.options.zone}, marked assumed-zone"
            )
        if self.bad_times:
            self.sink.warn(
                f"{len(self.bad_times)} time value(s) not understood, kept as text "
                f"(first: {self.bad_times[0]!r})"
            )
        if self.unknown_lines:
            self.sink.warn(f"{self.unknown_lines} line(s) not understood, kept as text")

    def _header(self) -> int:
        n = 0
        while n < len(self.lines) and not self.lines[n].strip():
            n += 1
        if n >= len(self.lines) or self.lines[n].strip() != "XRY Export":
            raise WrongFormat(f"{self.name}: not an XRY text export (no 'XRY Export' header)")
        header = self.lines[n : n + 5]
        if len(header) < 3 or not header[2].strip():
            raise WrongFormat(f"{self.name}: XRY export header without a report type")
        self.kind = header[2].strip()
        self.layout = f"XRY text export: {self.kind}"
        self.sink.decide("layout", self.layout)
        self.sink.decide("encoding", self.encoding)
        return n + 5

    def _entities(self, start: int) -> list[_Entity]:
        out: list[_Entity] = []
        current: _Entity | None = None
        namespace = ""
        last_key: tuple[int, str] | None = None
        for index in range(start, len(self.lines)):
            line = self.lines[index]
            stripped = line.strip()
            if not stripped:
                continue
            title = _TITLE.match(stripped)
            if title is not None and ":" not in stripped:
                current = _Entity(title.group(1).strip(), title.group(2), index + 1)
                out.append(current)
                namespace = ""
                last_key = None
                continue
            if current is None:
                self.unknown_lines += 1
                continue
            if stripped in _NAMESPACES:
                namespace = stripped
                last_key = None
                continue
            kv = _KEY_VALUE.match(line)
            if kv is not None:
                current.fields.append((namespace, kv.group(1).strip(), kv.group(2) or ""))
                last_key = (len(current.fields) - 1, kv.group(1).strip())
                continue
            if last_key is not None and last_key[1] == "Text":
                ns, key, value = current.fields[last_key[0]]
                current.fields[last_key[0]] = (ns, key, f"{value}\n{line.rstrip()}")
                continue
            current.fields.append((namespace, "(line)", line.rstrip()))
            self.unknown_lines += 1
        return out

    # -- records --------------------------------------------------------------------------

    def _locator(self, e: _Entity) -> str:
        return f"{e.title} #{e.number}"

    def _entity(self, e: _Entity) -> None:
        kind = self.kind.lower()
        if kind.startswith("messages"):
            total = e.get("Segments")
            ref = e.get("Reference Number")
            if ref and _number(total) > 1:
                key = (ref, e.any("Tel"), total)
                parts = self.segments.setdefault(key, [])
                parts.append(e)
                if len(parts) >= _number(total):
                    del self.segments[key]
                    self._sms(parts)
                return
            self._sms([e])
        elif kind == "calls":
            self._call(e)
        else:
            self._record(e)

    def _event(self, raw: str, kind: str) -> EventDraft | None:
        m = _TIME.match(raw.strip())
        if m is None:
            if raw.strip():
                self.bad_times.append(raw.strip())
            return None
        month, day, year, hour, minute = (int(m.group(i)) for i in range(1, 6))
        second = int(m.group(6) or 0)
        ampm = (m.group(7) or "").upper()
        if ampm:
            hour = hour % 12 + (12 if ampm == "PM" else 0)
        try:
            naive = datetime(year, month, day, hour, minute, second)
        except ValueError:
            self.bad_times.append(raw.strip())
            return None
        if m.group(8):  # "UTC", "UTC+0", "UTC-5", "UTC+05:30"
            sign = -1 if m.group(9) == "-" else 1
            offset = timedelta(hours=int(m.group(10) or 0), minutes=int(m.group(11) or 0))
            if offset >= timedelta(hours=24):
                self.bad_times.append(raw.strip())
                return None
            return exact_event(naive.replace(tzinfo=timezone(sign * offset)), kind, raw.strip())
        self.assumed += 1
        return local_event(naive, self.ctx.options.zone, kind, raw.strip())

    def _party(self, e: _Entity, namespace: str) -> ParticipantDraft | None:
        tel = e.get("Tel", namespace) or e.get("Number", namespace)
        name = e.get("Name", namespace) or e.get("Name (Matched)", namespace)
        if not tel and not name:
            return None
        return (
            participant(name, phone=tel) if normalise_phone(tel) else participant(name, handle=tel)
        )

    def _meta(self, parts: list[_Entity]) -> dict[str, Any]:
        first = parts[0]
        meta: dict[str, Any] = {"layout": self.layout, "fields": first.raw()}
        if len(parts) > 1:
            meta["segments"] = [p.raw() for p in parts]
        clock = re.search(r"\((Device|Network)\)", first.get("Time"))
        if clock:
            meta["time_source"] = clock.group(1)
        return meta

    def _add(self, draft: ItemDraft) -> None:
        self.sink.add_item(draft)
        self.items += 1
        if self.items % 1000 == 0:
            self.ctx.cancel.check()

    def _sms(self, parts: list[_Entity]) -> None:
        parts = sorted(parts, key=lambda p: _number(p.get("Segment Number")))
        first = parts[0]
        text = "".join(p.text() for p in parts) if len(parts) > 1 else first.text().strip()
        sender = self._party(first, "From")
        target = self._party(first, "To")
        kind = (first.get("Type") or "").lower()
        way = (first.get("Direction") or "").lower()
        if way in ("outgoing", "sent") or kind == "submit" or (target and not sender):
            direction = "outgoing"
        elif way in ("incoming", "received") or kind == "deliver" or sender:
            direction = "incoming"
        else:
            direction = ""
        author = sender or (OWNER if direction == "outgoing" else None)
        recipients = (target,) if target else ((OWNER,) if direction == "incoming" else ())
        event = self._event(first.get("Time"), "sent" if direction != "incoming" else "received")
        meta = self._meta(parts)
        if direction:
            meta["direction"] = direction
        other = target if direction == "outgoing" else sender
        self._add(
            ItemDraft(
                kind=ItemKind.MESSAGE,
                locator=self._locator(first),
                text=text,
                author=author,
                recipients=recipients,
                events=[event] if event else [],
                meta=meta,
                conversation=f"SMS: {other.label}" if other else "SMS",
                key=self._locator(first),
            )
        )

    def _call(self, e: _Entity) -> None:
        call_type = e.get("Call Type")
        outgoing = call_type.lower() in ("dialed", "last dialed", "outgoing")
        other = self._party(e, "To" if outgoing else "From") or self._party(e, "")
        other = other or self._party(e, "From") or self._party(e, "To")
        duration = e.get("Duration")
        text = f"{call_type or 'Call'} call" + (f", {duration}" if duration else "")
        meta = self._meta([e])
        meta["direction"] = "outgoing" if outgoing else "incoming"
        meta["call_type"] = call_type
        event = self._event(e.get("Time"), "call")
        self._add(
            ItemDraft(
                kind=ItemKind.CALL,
                locator=self._locator(e),
                text=text,
                author=OWNER if outgoing else other,
                recipients=((other,) if other else ()) if outgoing else (OWNER,),
                events=[event] if event else [],
                meta=meta,
                conversation=f"Calls: {other.label}" if other else "Calls",
                key=self._locator(e),
            )
        )

    def _record(self, e: _Entity) -> None:
        kind = self.kind.lower()
        record = "device" if kind.startswith("device") else "contact" if "contact" in kind else kind
        meta = self._meta([e])
        meta["record"] = record
        identifiers: list[IdentifierDraft] = []
        attribute, data = e.get("Attribute"), e.get("Data")
        if record == "device" and "imei" in attribute.lower() and data:
            identifiers.append(
                IdentifierDraft(f"device:{data.lower()}", IdentifierKind.DEVICE, data, data)
            )
        events = [ev for ev in (self._event(e.get("Time"), "record"),) if ev]
        lines = [f"{k}: {v}" for k, v in e.raw().items() if v.strip()]
        self._add(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=self._locator(e),
                text="\n".join(lines),
                events=events,
                meta=meta,
                identifiers=identifiers,
                key=self._locator(e),
            )
        )
