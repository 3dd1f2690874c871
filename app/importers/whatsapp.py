"""WhatsApp chat exports: the `.txt` chat and the `.zip` "export with media", any locale."""

from __future__ import annotations

import logging
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import BinaryIO, ClassVar, cast
from zoneinfo import ZoneInfo

from app import limits
from app.errors import NeedsDecision, WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import clip_long_lines, decode_text, long_line_warnings, participant
from app.model import Confidence, EventDraft, ItemDraft, ItemKind, ParticipantDraft
from app.timeline.clock import aware_to_us, local_event, zone

log = logging.getLogger(__name__)

MAX_CHAT_BYTES = limits.MAX_CHAT_BYTES
MAX_LINE_CHARS = limits.MAX_LINE_CHARS
MAX_LINE_WARNINGS = 50
SNIFF_LINES = 20

# Invisible direction marks (and a stray BOM) that WhatsApp puts before system text, before
# `<attached: …>` and around phone numbers; stripped wherever text is matched, never stored.
MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"
_MARKS_CLASS = "[\u200e\u200f\u202a-\u202e\ufeff]"
# Spaces found in headers: plain, no-break, narrow no-break (before AM/PM since 2023), thin.
_SP = "[ \u00a0\u202f\u2007\u2009]"

# A date: day, month and year in either order or year first, one separator used twice.
_DATE_SRC = (
    rf"\d{{1,4}}(?:\.{_SP}?\d{{1,2}}\.|/{_SP}?\d{{1,2}}/|-{_SP}?\d{{1,2}}-){_SP}?\d{{2,4}}\.?"
)
_TIME_START = rf",?{_SP}{{1,2}}\d{{1,2}}[:.]\d\d"
_HEADER_SRC = (
    rf"{_MARKS_CLASS}*"
    r"(\[)?"  # 1: bracket (iOS)
    rf"(({_DATE_SRC})"  # 2: the timestamp as written, 3: its date
    rf",?{_SP}{{1,2}}"
    r"(\d{1,2})[:.](\d\d)(?:[:.](\d\d))?"  # 4: hour, 5: minute, 6: second
    rf"(?:{_SP}?([AaPp])\.?{_SP}?[Mm]\.?)?"  # 7: a/p of a 12-hour clock
    r")"
    rf"(?(1)\]{_SP}?|{_SP}?(?:[-–]{_SP}|:{_SP}))"
)
_DATE = re.compile(rf"(\d{{1,4}})[./-]{_SP}?(\d{{1,2}})[./-]{_SP}?(\d{{2,4}})")
# One compiled pattern does all the work: matched at each line start of the whole text.
HEADER = re.compile(_HEADER_SRC, re.MULTILINE)
HEADER_AT_LINES = re.compile("^" + _HEADER_SRC, re.MULTILINE)
# Any line starting with something like a date, to find header forms this reader misses.
_DATE_LIKE_AT_LINES = re.compile(
    rf"^{_MARKS_CLASS}*\[?\d{{1,4}}[./-]{_SP}?\d{{1,2}}[./-]{_SP}?\d{{2,4}}\b", re.MULTILINE
)
# The dates of every header line, for the day/month decision: one group, so findall is all C.
_DATES_AT_LINES = re.compile(rf"^{_MARKS_CLASS}*\[?({_DATE_SRC}){_TIME_START}", re.MULTILINE)

# System lines whose text holds ": " would split like "Name: text"; these words in the part
# before the colon say it is not a name.
_SYSTEM_NAME = re.compile(
    r"end-to-end|Ende-zu-Ende|extremo a extremo|ponta a ponta|de bout en bout|"
    r"\bcreated group\b|\bcreated this group\b|\badded\b|\bremoved\b|\bleft$|\bjoined using\b|"
    r"\bchanged (?:the|this|their|your|to)\b|\bsecurity code\b|\bwere added\b|\bwas added\b|"
    r"\bhat die Gruppe\b|\bcreó el grupo\b|\bcriou o grupo\b|\ba créé le groupe\b|"
    r"\bdisappearing messages\b|\bmessage timer\b|\bdeleted this group\b",
    re.IGNORECASE,
)
_CREATED_WORDS = (
    "created group",
    "created the group",
    "creó el grupo",
    "criou o grupo",
    "a créé le groupe",
    "hat die Gruppe",
)
_QUOTED = re.compile(r"\s*[“\"„«]\s*(.+?)\s*[”\"“»]")
_CHAT_NAME = re.compile(
    r"^(?:WhatsApp[ _-]?Chat[ _]*(?:with|mit|con|avec|met|com|-|–|_)|Chat de WhatsApp con|"
    r"Conversa do WhatsApp com|Discussion WhatsApp avec|Conversazione WhatsApp con|"
    r"Chat WhatsApp con)[ _]*(.+?)(?:[ _]?\(\d+\))?$",
    re.IGNORECASE,
)

# First lines worth a closer look (attachments, omitted media, deleted messages, calls): the
# cheap test that lets most messages through untouched.
_SPECIAL_ENDS = frozenset(">)d")
_SPECIAL_STARTS = (
    "\u200e",
    "<",
    "Missed ",
    "This message",
    "You deleted",
    "Diese Nachricht",
    "Du hast diese",
    "Se eliminó",
    "Eliminaste",
    "Ce message",
    "Vous avez supprimé",
    "Esta mensagem",
    "Você apagou",
    "Dit bericht",
    "Je hebt dit",
    "Questo messaggio",
    "Hai eliminato",
)
_ATTACHED_IOS = re.compile(r"<attached: ([^>]+)>")
_ATTACHED_ANDROID = re.compile(
    r"^(.+?\.\w{1,8}) \((?:file attached|Datei angehängt|archivo adjunto|fichier joint|"
    r"arquivo anexado|file allegato|bestand bijgevoegd|fil bifogad|plik załączony)\)$"
)
_OMITTED = re.compile(
    r"^<(?:Media omitted|Medien ausgeschlossen|Multimedia omitido|Médias omis|Mídia oculta|"
    r"Arquivo de mídia oculto|Media weggelaten|Media omessi|Media omesso)>$|"
    r"^(?:image|video|audio|sticker|GIF|document|Contact card|contact card|photo) omitted$|"
    r"\bdocument omitted$"
)
_DELETED = re.compile(
    r"^(?:This message was deleted|You deleted this message|Diese Nachricht wurde gelöscht|"
    r"Du hast diese Nachricht gelöscht|Se eliminó este mensaje|Eliminaste este mensaje|"
    r"Ce message a été supprimé|Vous avez supprimé ce message|Esta mensagem foi apagada|"
    r"Você apagou esta mensagem|Dit bericht is verwijderd|Je hebt dit bericht verwijderd|"
    r"Questo messaggio è stato eliminato|Hai eliminato questo messaggio)\.?$"
)
# System text that newer iOS exports show under the chat's or a member's name, after U+200E.
_SYSTEM_BODY = re.compile(
    r"Messages and calls are end-to-end encrypted|Messages to this group are now secured|"
    r"Your security code with|.*\b(?:created group|created this group|added|removed|left|"
    r"joined using|changed the subject|changed this group|changed the group|"
    r"changed their phone number|changed to|now an admin|turned on disappearing|"
    r"turned off disappearing|deleted this group|pinned a message)\b"
)
_MISSED_CALL = re.compile(r"^Missed (?:group )?(voice|video) call")
_EDITED = re.compile(
    r"<(?:This message was edited|Diese Nachricht wurde bearbeitet|Se editó este mensaje\.?|"
    r"Mensagem editada|Ce message a été modifié|Bericht bewerkt|Messaggio modificato)>$"
)


@dataclass(slots=True)
class _Media:
    """The zip's members by base name, and the attachments met while reading the chat."""

    archive: zipfile.ZipFile
    members: dict[str, zipfile.ZipInfo]
    chat_member: str
    children: list[tuple[zipfile.ZipInfo, str]] = field(default_factory=list)
    used: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _Order:
    """How to read the day and month of every date in one file."""

    order: str  # "dmy" | "mdy" | "ymd"
    source: str  # "dates in file" | "user"
    warning: str = ""


class WhatsAppImporter:
    """A WhatsApp "Export chat" file: iOS or Android, with or without the media zip."""

    NAME: ClassVar[str] = "whatsapp"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """High when the text starts with WhatsApp message headers or the zip holds such a chat."""
        if probe.head.startswith(b"PK\x03\x04"):
            return _score_zip(probe)
        if b"\x00" in probe.head and not probe.head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return 0
        score = _score_text(decode_text(probe.head)[0])
        # The content decides; the extension only ranks a .log that looks the same lower.
        return score if probe.suffix in (".txt", "") else min(score, 55)

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """Read the chat (and hand over its media when it is a zip)."""
        if probe.head.startswith(b"PK\x03\x04"):
            self._parse_zip(probe, sink, ctx)
            return
        with probe.open() as fh:
            data = fh.read(MAX_CHAT_BYTES + 1)
        _read_chat(data, probe.name, _name_hint(probe.name), sink, ctx, None)

    def _parse_zip(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        try:
            archive = _zip(probe)
        except (zipfile.BadZipFile, OSError) as exc:
            raise WrongFormat(f"{probe.name}: not a readable zip ({exc})") from exc
        with archive:
            members = _members(archive)
            chat = _find_chat(archive, members)
            if chat is None:
                raise WrongFormat(f"{probe.name}: no WhatsApp chat text in this zip")
            try:
                with archive.open(chat) as fh:
                    data = fh.read(MAX_CHAT_BYTES + 1)
            except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, zlib.error) as exc:
                raise WrongFormat(f"{probe.name}: cannot read {chat.filename}: {exc}") from exc
            by_name: dict[str, zipfile.ZipInfo] = {}
            for info in sorted(members, key=lambda i: i.filename.count("/")):
                by_name.setdefault(PurePosixPath(info.filename).name, info)
            media = _Media(archive, by_name, chat.filename)
            hint = _name_hint(probe.name) or _name_hint(chat.filename)
            label = f"{probe.name}!/{chat.filename}"
            _read_chat(data, label, hint, sink, ctx, media)
            _hand_over_media(media, members, sink)


# -- sniffing -------------------------------------------------------------------------------


def _score_text(text: str) -> int:
    lines = [ln for ln in text.split("\n")[:SNIFF_LINES] if ln.strip()]
    if not lines:
        return 0
    hits = sum(1 for ln in lines if HEADER.match(ln))
    if HEADER.match(lines[0]):
        return 80
    if hits >= 2:
        return 60
    return 0


def _members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Members that are files, without macOS resource forks."""
    out = []
    for info in archive.infolist():
        name = info.filename
        if info.is_dir() or name.startswith("__MACOSX/") or "/__MACOSX/" in name:
            continue
        if PurePosixPath(name).name.startswith("._"):
            continue
        out.append(info)
    return out


def _find_chat(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> zipfile.ZipInfo | None:
    """The chat text: `_chat.txt`, `WhatsApp Chat with X.txt`, else a .txt that parses."""
    texts = sorted(
        (i for i in members if i.filename.lower().endswith(".txt")),
        key=lambda i: (i.filename.count("/"), i.filename),
    )
    for info in texts:
        base = PurePosixPath(info.filename).name
        if base == "_chat.txt" or _CHAT_NAME.match(PurePosixPath(base).stem):
            return info
    for info in texts:
        try:
            with archive.open(info) as fh:
                head = fh.read(4096)
        except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, zlib.error):
            continue
        if _score_text(decode_text(head)[0]):
            return info
    return None


def _zip(probe: Probe) -> zipfile.ZipFile:
    """The probe's file as a zip, by name when it is a plaintext file, else as a stream."""
    return zipfile.ZipFile(probe.path if probe.path is not None else probe.open())


def _score_zip(probe: Probe) -> int:
    try:
        with _zip(probe) as archive:
            members = _members(archive)
            texts = [i for i in members if i.filename.lower().endswith(".txt")]
            for info in texts:
                base = PurePosixPath(info.filename).name
                if base == "_chat.txt" or _CHAT_NAME.match(PurePosixPath(base).stem):
                    return 90 if _find_chat(archive, [info]) is not None else 0
            # Any other .txt only when it is the one text of the zip, as in an export.
            if len(texts) == 1 and _find_chat(archive, texts) is not None:
                return 75
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error, ValueError):
        return 0
    return 0


def _name_hint(name: str) -> str:
    """The chat partner or group from an export's file name, or ''."""
    stem = PurePosixPath(name.replace("\\", "/")).name
    for suffix in (".txt", ".zip"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    m = _CHAT_NAME.match(stem.strip())
    return m.group(1).strip() if m else ""


# -- date order -----------------------------------------------------------------------------


def _date_order(text: str, label: str, ctx: ImportContext) -> _Order:
    """Settle day/month order once for the file from all its distinct dates."""
    dates = set(_DATES_AT_LINES.findall(text))
    if not dates:
        raise WrongFormat(f"{label}: no WhatsApp message header found")
    first_big = second_big = year_first = other = 0
    for date in dates:
        m = _DATE.match(date)
        if m is None:  # cannot happen: the date came from the same grammar
            continue
        d1, d2 = m.group(1), m.group(2)
        if len(d1) > 2 or int(d1) > 31:
            year_first += 1
            continue
        other += 1
        first_big += int(d1) > 12
        second_big += int(d2) > 12
    chosen = ctx.options.date_order
    if not other:
        return _Order("ymd", "dates in file")
    if first_big or second_big:
        found = "dmy" if first_big >= second_big else "mdy"
        notes = []
        if first_big and second_big:
            notes.append(
                f"the dates mix day-first and month-first forms; read as {found}, "
                "headers that do not fit are kept with the previous message"
            )
        if chosen in ("dmy", "mdy") and chosen != found:
            notes.append(f"date order {chosen} was given, but the dates in the file are {found}")
        return _Order(found, "dates in file", "; ".join(notes))
    if chosen in ("dmy", "mdy"):
        return _Order(chosen, "user")
    example = min(dates)
    raise NeedsDecision(
        f"{label}: every date could be read day-first or month-first (e.g. {example}), so "
        "the day/month order cannot be told from the file. Import it again with "
        "--date-order dmy (day first, as UK phones write it) or --date-order mdy "
        "(month first, as US phones write it).",
        option="date_order",
        choices=("dmy", "mdy"),
    )


def _day_base(y: int, mo: int, d: int, tz: ZoneInfo) -> int | None:
    """UTC microseconds of local midnight when the day has one offset throughout, else None."""
    offsets = {
        datetime(y, mo, d, h, mi, s, tzinfo=tz, fold=f).utcoffset()
        for (h, mi, s) in ((0, 0, 0), (23, 59, 59))
        for f in (0, 1)
    }
    if len(offsets) != 1:
        return None  # a DST change that day: convert each time on its own
    (offset,) = offsets
    assert offset is not None
    return aware_to_us(datetime(y, mo, d, tzinfo=UTC)) - offset // timedelta(microseconds=1)


# -- reading --------------------------------------------------------------------------------


def _read_chat(
    data: bytes,
    label: str,
    name_hint: str,
    sink: Sink,
    ctx: ImportContext,
    media: _Media | None,
) -> None:
    """Parse one chat text into the sink; everything that can fail is checked first."""
    truncated = len(data) > MAX_CHAT_BYTES
    if truncated:
        data = data[:MAX_CHAT_BYTES]
    text, encoding = decode_text(data)
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    text, cut = clip_long_lines(text, MAX_LINE_CHARS)
    order = _date_order(text, label, ctx)  # may raise, before any output
    zone_name = ctx.options.zone
    tz = zone(zone_name)
    conversation = name_hint or _created_group(text) or _stem(label)

    sink.decide("encoding", encoding)
    sink.decide("date_order", order.order)
    sink.decide("date_order_from", order.source)
    sink.decide("zone", zone_name)
    if truncated:
        sink.warn(f"chat longer than {MAX_CHAT_BYTES} bytes: only the start was read")
    if encoding == "cp1252":
        sink.warn("not valid UTF-8: read as Windows-1252")
    for warning in long_line_warnings(label, cut, MAX_LINE_CHARS):
        sink.warn(warning)
    if order.warning:
        sink.warn(order.warning)

    reader = _Reader(text, order.order, tz, zone_name, conversation, sink, ctx, media)
    reader.run()
    log.debug("%s: read as WhatsApp, date order %s (%s)", label, order.order, order.source)


def _created_group(text: str) -> str:
    """The group name of the first "created group “X”" system line, or ''."""
    found: list[tuple[int, str]] = []
    for word in _CREATED_WORDS:
        pos = text.find(word)
        while pos >= 0:
            start = text.rfind("\n", 0, pos) + 1
            head = HEADER.match(text, start)
            quoted = _QUOTED.match(text, pos + len(word))
            if head is not None and quoted and ": " not in text[head.end() : pos]:
                found.append((pos, quoted.group(1)))
                break
            pos = text.find(word, pos + 1)
    return min(found)[1] if found else ""


def _stem(label: str) -> str:
    """The file name without extension; for a chat inside a zip, the zip's."""
    name = PurePosixPath(label.split("!/", 1)[0].replace("\\", "/")).name
    return name.rsplit(".", 1)[0] if "." in name else name


class _Reader:
    """The single pass over the headers: one regex step and a few string slices a message."""

    def __init__(
        self,
        text: str,
        order: str,
        tz: ZoneInfo,
        zone_name: str,
        conversation: str,
        sink: Sink,
        ctx: ImportContext,
        media: _Media | None,
    ) -> None:
        self.text = text
        self.order = order
        self.tz = tz
        self.zone_name = zone_name
        self.conversation = conversation
        self.sink = sink
        self.ctx = ctx
        self.media = media
        self.line_warnings = 0
        self.text_only_media: list[str] = []

    def warn_line(self, message: str) -> None:
        """A warning about one line, up to a cap so a broken file cannot flood the record."""
        self.line_warnings += 1
        if self.line_warnings <= MAX_LINE_WARNINGS:
            self.sink.warn(message)

    def day(self, date: str) -> tuple[int, int, int, int | None] | None:
        """(year, month, day, UTC µs of local midnight or None on a DST day), None if invalid."""
        m = _DATE.match(date)
        if m is None:
            return None
        d1, d2, d3 = m.groups()
        if len(d1) > 2 or int(d1) > 31:
            y, mo, d = int(d1), int(d2), int(d3)
        elif self.order == "mdy":
            mo, d, y = int(d1), int(d2), int(d3)
        else:
            d, mo, y = int(d1), int(d2), int(d3)
        if y < 100:
            y += 2000
        try:
            datetime(y, mo, d)
        except ValueError:
            return None
        return y, mo, d, _day_base(y, mo, d, self.tz)

    def run(self) -> None:
        """Emit every message, system line and leftover text, then report what was missed."""
        text = self.text
        sink = self.sink
        add = sink.add_item
        check = self.ctx.cancel.check
        conversation = self.conversation
        zone_name = self.zone_name
        assumed = Confidence.ASSUMED_ZONE
        message_kind, system_kind = ItemKind.MESSAGE, ItemKind.SYSTEM
        days: dict[str, tuple[int, int, int, int | None] | None] = {}
        names: dict[str, ParticipantDraft | None] = {}
        special_ends = _SPECIAL_ENDS
        special_starts = _SPECIAL_STARTS
        find = text.find
        count = text.count

        cur: ItemDraft | None = None
        cur_body = 0  # where the current item's text starts
        cur_line = 0  # and its header's line number
        lineno = 1
        counted = 0  # text offset up to which newlines are counted into lineno
        n = 0
        next_check = 1000
        last_ts = ""  # never equal to a timestamp, so the first event is built
        last_event = EventDraft(0, "sent", "", assumed)

        for m in HEADER_AT_LINES.finditer(text):
            start = m.start()
            lineno += count("\n", counted, start)
            counted = start
            _br, ts, date, hs, mis, ss, ap = m.groups()
            try:
                dinfo = days[date]
            except KeyError:
                dinfo = days[date] = self.day(date)
            if dinfo is None:
                self.warn_line(
                    f"line {lineno}: {date} is not a valid date as {self.order}, "
                    "kept with the previous message"
                )
                continue
            h = int(hs)
            mi = int(mis)
            s = int(ss) if ss else 0
            if ap is not None:
                if ap in "pP":
                    if h < 12:
                        h += 12
                elif h == 12:
                    h = 0
            if h > 23 or mi > 59 or s > 59:
                self.warn_line(
                    f"line {lineno}: {ts} is not a valid time, kept with the previous message"
                )
                continue

            # The previous item ends where this header starts.
            if cur is not None:
                body = text[cur_body : start - 1]
                if body and body[-1] == ">" and _EDITED.search(body):
                    cur.meta["edited"] = True
                if "\n" in body:
                    self.check_body(body, cur_line)
                cur.text = body
                add(cur)
            elif start > 0:  # text before the first header
                self.leftover(text[: start - 1])

            n += 1
            cur_line = lineno
            if n >= next_check:
                next_check += 1000
                check()

            if ts == last_ts:  # same minute (or second): the frozen event can be shared
                event = last_event
            else:
                base = dinfo[3]
                if base is not None:
                    event = EventDraft(
                        base + ((h * 60 + mi) * 60 + s) * 1_000_000,
                        "sent",
                        ts,
                        assumed,
                        zone_name,
                    )
                else:
                    event = local_event(
                        datetime(dinfo[0], dinfo[1], dinfo[2], h, mi, s), zone_name, "sent", ts
                    )
                last_ts, last_event = ts, event

            bs = m.end()
            le = find("\n", bs)
            if le < 0:
                le = len(text)
            ci = find(": ", bs, le)
            if ci >= 0:
                name = text[bs:ci]
                cur_body = ci + 2
            else:
                ci = find(":", bs, le)
                if ci > bs and (ci + 1 == le or text[ci + 1] not in "0123456789/"):
                    name = text[bs:ci]
                    cur_body = ci + 1
                else:
                    name = ""
                    ci = -1
                    cur_body = bs
            if ci >= 0:
                try:
                    author = names[name]
                except KeyError:
                    author = names[name] = _author(name)
                if author is None:  # a system line whose text holds a colon
                    cur_body = bs
            else:
                author = None

            if author is None:
                cur = ItemDraft(
                    system_kind, f"line {lineno}", "", None, (), [event], {}, conversation
                )
                continue
            cur = ItemDraft(
                message_kind, f"line {lineno}", "", author, (), [event], {}, conversation
            )
            first = text[cur_body:le]
            if (
                first
                and (first[-1] in special_ends or first.startswith(special_starts))
                and self.special(cur, first, lineno, n)
            ):
                cur.kind = system_kind
                cur.author = None
                cur_body = bs

        if cur is not None:
            body = text[cur_body:]
            if body.endswith("\n"):
                body = body[:-1]
            if body and body[-1] == ">" and _EDITED.search(body):
                cur.meta["edited"] = True
            if "\n" in body:
                self.check_body(body, cur_line)
            cur.text = body
            add(cur)
        elif text.strip():  # no valid header at all: keep the text
            self.leftover(text)
        self.finish()

    def check_body(self, body: str, lineno: int) -> None:
        """Warn about continuation lines that start with a date (a header form not known)."""
        pos = body.find("\n") + 1
        for m in _DATE_LIKE_AT_LINES.finditer(body, pos):
            if HEADER.match(body, m.start()) is None:  # impossible dates are warned already
                where = lineno + body.count("\n", 0, m.start())
                self.warn_line(
                    f"line {where}: starts with a date but is not a message header, "
                    "kept with the previous message"
                )

    def special(self, item: ItemDraft, raw: str, lineno: int, n: int) -> bool:
        """Attachments, omitted media, deleted messages and missed calls on a first line.

        True when the "message" is a system line shown under a sender: newer iOS exports
        write `Group: Alice added Bob` with U+200E before the system text.
        """
        meta = item.meta
        first = raw.strip(MARKS + " ")
        if _DELETED.match(first):
            meta["deleted"] = True
            return False
        call = _MISSED_CALL.match(first)
        if call:
            item.kind = ItemKind.CALL
            meta["missed_call"] = call.group(1)
            return False
        if _OMITTED.search(first):
            meta["media_omitted"] = True
            return False
        att = _ATTACHED_IOS.search(first) or _ATTACHED_ANDROID.match(first)
        if att is None:
            return raw.startswith("\u200e") and _SYSTEM_BODY.match(first) is not None
        name = att.group(1).strip(MARKS + " ")
        meta["attachment"] = name
        media = self.media
        if media is None:
            self.text_only_media.append(name)
            return False
        info = media.members.get(name)
        if info is None or info.filename == media.chat_member:
            self.warn_line(f"media referenced but missing: {name} (line {lineno})")
            return False
        meta["attachment_member"] = info.filename
        if info.filename in media.used:
            return False
        item.key = f"m{n}"
        media.used.add(info.filename)
        media.children.append((info, item.key))
        return False

    def leftover(self, chunk: str) -> None:
        """Text before the first header (or a file with none): one undated item, warned."""
        if not chunk.strip():
            return
        lines = chunk.count("\n") + 1
        where = "line 1" if lines == 1 else f"lines 1-{lines}"
        self.sink.warn(f"{where}: not a message header, kept as an undated item")
        self.sink.add_item(
            ItemDraft(
                ItemKind.SYSTEM,
                "line 1",
                chunk,
                meta={"unparsed": True},
                conversation=self.conversation,
            )
        )

    def finish(self) -> None:
        """Summaries: warnings over the cap and media a text-only export cannot carry."""
        if self.line_warnings > MAX_LINE_WARNINGS:
            self.sink.warn(
                f"{self.line_warnings - MAX_LINE_WARNINGS} more line warnings not listed"
            )
        if self.text_only_media:
            n = len(self.text_only_media)
            self.sink.warn(
                f"{n} media file(s) referenced (first: {self.text_only_media[0]}) but this "
                "text export does not hold them: import the zip export to link them"
            )


def _author(name: str) -> ParticipantDraft | None:
    """The participant for a sender name, or None when the "name" is a system text."""
    clean = name.strip(MARKS + " \u00a0\u202f")
    if any(ch in clean for ch in MARKS):
        clean = clean.translate({ord(ch): None for ch in MARKS})
    clean = " ".join(clean.split())  # no-break and narrow spaces as plain ones
    if not clean:
        return participant("")
    if _SYSTEM_NAME.search(clean):
        return None
    return participant(clean)


def _hand_over_media(media: _Media, members: list[zipfile.ZipInfo], sink: Sink) -> None:
    """Each referenced member as a child of its message, then the rest without a parent."""
    for info, key in media.children:
        _add_child(media.archive, info, key, sink)
    rest = [i for i in members if i.filename not in media.used and i.filename != media.chat_member]
    if rest:
        names = ", ".join(i.filename for i in rest[:5]) + (" …" if len(rest) > 5 else "")
        sink.warn(
            f"{len(rest)} zip member(s) not referenced by any message, "
            f"imported without a parent message: {names}"
        )
    for info in rest:
        _add_child(media.archive, info, "", sink)


def _add_child(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, sink: Sink) -> None:
    try:
        with archive.open(info) as stream:
            sink.add_child(info.filename, cast(BinaryIO, stream), context_key=key)
    except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, zlib.error) as exc:
        sink.warn(f"{info.filename}: cannot read this zip member: {exc}")
