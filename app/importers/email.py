"""E-mail: single RFC 822 messages (.eml or no extension), Apple Mail .emlx and mbox files.

One `email` item per message, its body as text, its attachments and enclosed messages handed
to the sink as child files so they are imported like any other file.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy as email_policy
from email.generator import BytesGenerator
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from io import BytesIO
from itertools import islice
from typing import Any, ClassVar

from app import limits
from app.errors import WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import decode_text, file_time_events, participant
from app.model import EventDraft, ItemDraft, ItemKind, ParticipantDraft
from app.timeline.clock import exact_event, local_event

log = logging.getLogger(__name__)

# A mbox "From_" separator: "From <sender> <asctime date>", with optional trailing text. The
# date is required so that an unquoted "From time to time" in a body does not split a message.
FROM_LINE = re.compile(
    rb"^From .*?(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+"
    rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+"
    rb"\d{1,2}:\d{2}(?::\d{2})?\s.*?\d{4}"
)
_FROM_DATE = re.compile(
    rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+"
    rb"(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:[A-Z]{1,5}\s+|[+-]\d{4}\s+)?(\d{4})"
)
_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]*:")
_KNOWN_HEADERS = frozenset(
    {
        b"from",
        b"to",
        b"cc",
        b"bcc",
        b"subject",
        b"date",
        b"received",
        b"return-path",
        b"message-id",
        b"mime-version",
        b"delivered-to",
        b"reply-to",
        b"sender",
        b"in-reply-to",
        b"references",
        b"content-type",
        b"x-mailer",
        b"user-agent",
    }
)
_STRONG_HEADERS = frozenset(
    {b"from", b"received", b"return-path", b"message-id", b"mime-version", b"date", b"delivered-to"}
)
_LEADING_BLANK = re.compile(rb"\A(?:[ \t]*\r?\n)+")
_UNFOLD = re.compile(r"[\r\n]")
_LEADING_SPACES = re.compile(rb"\A(?:[ \t]+\r?\n)+")
_QUOTED_FROM = re.compile(rb"^>(>*From )")
_MSG_ID = re.compile(r"<[^<>\s]+>")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|sv|wg|vs|tr|rif|antw|odp|ynt)\s*(?:\[\d+\])?\s*[:：]\s*)+", re.I
)
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# Headers copied into meta["headers"] when present (decoded).
COMMON_HEADERS = (
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Return-Path",
    "Delivered-To",
    "X-Original-To",
    "X-Mailer",
    "User-Agent",
    "X-Originating-IP",
    "MIME-Version",
    "Content-Type",
    "List-Id",
    "Resent-Date",
    "Resent-From",
    "Resent-To",
)

_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/bmp": ".bmp",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "image/tiff": ".tif",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "video/quicktime": ".mov",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/amr": ".amr",
    "audio/aac": ".aac",
    "audio/ogg": ".ogg",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/css": ".css",
    "text/calendar": ".ics",
    "text/vcard": ".vcf",
    "text/x-vcard": ".vcf",
    "text/x-vcalendar": ".vcs",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/json": ".json",
    "application/smil": ".smil",
    "application/octet-stream": ".bin",
    "application/pgp-signature": ".asc",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
}

# Charsets whose common real-world use is a superset: decode with the superset first.
_SUPERSETS = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc-cn": "gb18030",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "big5": "big5hkscs",
}
_ASCII_NAMES = {"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "7bit"}

MAX_MIME_DEPTH = limits.MAX_MIME_DEPTH
MAX_EMAIL_BYTES = 512 * 1024 * 1024


def extension_for_mime(mime: str) -> str:
    """A file extension (with its dot) for a MIME type, '.bin' when none is known."""
    mime = mime.lower().strip()
    ext = _EXTENSIONS.get(mime) or mimetypes.guess_extension(mime, strict=False)
    return ext or ".bin"


def safe_file_name(name: str) -> str:
    """A file name without folders, control characters or surrounding blanks ('' if none)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip()
    if name.strip(".") == "":
        return ""
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = stem[: 190 - len(ext)] + dot + ext if dot and len(ext) <= 10 else name[:200]
    return name


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: scripts and styles dropped, block tags as line breaks."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return parser.text()


class _HTMLText(HTMLParser):
    """Collects the text of an HTML document with the line breaks a reader would see."""

    _SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style", "template", "title"})
    # Blocks set apart by a blank line, and blocks that only start a new line.
    _PARAGRAPH: ClassVar[frozenset[str]] = frozenset(
        {"p", "ul", "ol", "table", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
    )
    _LINE: ClassVar[frozenset[str]] = frozenset(
        {"div", "li", "tr", "dt", "dd", "section", "article", "header", "footer", "address"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._skip = 0
        self._pre = 0
        self._href: list[tuple[str, int]] = []

    def _breaks(self, wanted: int) -> None:
        """End the text so far with at least `wanted` line breaks (none at the very start)."""
        have = 0
        for piece in reversed(self._out):
            stripped = piece.rstrip(" \t\n")
            have += piece[len(stripped) :].count("\n")
            if stripped:
                break
        else:
            return
        if have < wanted:
            self._out.append("\n" * (wanted - have))

    def _block(self, tag: str) -> None:
        if tag in self._PARAGRAPH:
            self._breaks(2)
        elif tag in self._LINE:
            self._breaks(1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "br":
            self._out.append("\n")
        elif tag == "a":
            self._href.append((dict(attrs).get("href") or "", len(self._out)))
        elif tag in ("td", "th"):
            self._out.append(" ")
        else:
            self._block(tag)
            if tag == "pre":
                self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._out.append("\n")
        else:
            self._block(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self._href:
            href, start = self._href.pop()
            shown = "".join(self._out[start:])
            if href.startswith(("http:", "https:", "mailto:")) and href not in shown:
                self._out.append(f" ({href})")
        else:
            self._block(tag)
            if tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self._out.append(data if self._pre else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        """The collected text, blank runs tidied."""
        raw = "".join(self._out).replace("\xa0", " ")
        lines = [line.strip(" \t") for line in raw.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def sniff(head: bytes, mime: str = "") -> str:
    """What kind of mail file the head is: 'mbox', 'emlx', 'eml' or '' (not mail)."""
    body = _LEADING_BLANK.sub(b"", head)
    if not body:
        return ""
    lines = body.split(b"\n")
    first = lines[0].rstrip(b"\r")
    if FROM_LINE.match(first):
        return "mbox"
    if re.fullmatch(rb"\d{1,12}[ \t]*", first) and len(lines) > 1:
        return "emlx" if _header_block_score(lines[1:], mime) else ""
    return "eml" if _header_block_score(lines, mime) else ""


def _header_block_score(lines: list[bytes], mime: str) -> bool:
    """Whether the lines open with a header block that looks like mail."""
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    known = strong = 0
    for raw in lines[:400]:
        line = raw.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            continue
        m = _HEADER_LINE.match(line)
        if m is None:
            break
        name = m.group(1).lower()
        known += name in _KNOWN_HEADERS
        strong += name in _STRONG_HEADERS
    if mime == "message/rfc822":
        return known >= 1
    return known >= 2 and strong >= 1


@dataclass(slots=True)
class _Built:
    """One message read into a draft, with the files it carries, before anything is emitted."""

    draft: ItemDraft
    children: list[tuple[str, bytes]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Walk:
    """What a walk over the MIME tree collects."""

    body: list[str] = field(default_factory=list)
    html: bool = False
    has_html: bool = False
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


class EmailImporter:
    """E-mail messages: .eml / RFC 822 files, Apple Mail .emlx and mbox mailboxes."""

    NAME: ClassVar[str] = "email"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """High for a mbox From_ line or an .emlx length line, lower for a bare header block."""
        kind = sniff(probe.head, probe.mime)
        if kind in ("mbox", "emlx"):
            return 85
        if kind == "eml":
            return 80 if probe.mime == "message/rfc822" else 70
        return 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One item per message; attachments become child files."""
        kind = sniff(probe.head, probe.mime)
        if not kind:
            raise WrongFormat(f"{probe.name}: not an e-mail message or mailbox")
        sink.decide("mail_format", kind)
        threads: dict[str, str] = {}
        if kind == "mbox":
            count = 0
            for n, from_line, data in _mbox_messages(probe):
                ctx.cancel.check()
                count += 1
                _emit(data, f"message {n}", f"message {n}: ", from_line, sink, ctx, threads, None)
            sink.decide("messages", str(count))
            return
        with probe.open() as fh:
            data = fh.read(MAX_EMAIL_BYTES + 1)
        if len(data) > MAX_EMAIL_BYTES:
            sink.warn(f"message larger than {MAX_EMAIL_BYTES} bytes: only the start is read")
            data = data[:MAX_EMAIL_BYTES]
        if kind == "emlx":
            data = _emlx_message(data, sink)
        _emit(data, "", "", b"", sink, ctx, threads, probe)


def _emlx_message(data: bytes, sink: Sink) -> bytes:
    """The RFC 822 part of an .emlx file: the length line skipped, the plist trailer left."""
    data = _LEADING_BLANK.sub(b"", data)
    first, _, rest = data.partition(b"\n")
    length = int(first.strip())
    if length > len(rest):
        sink.warn(f"emlx length line says {length} bytes but only {len(rest)} follow")
        length = len(rest)
    return rest[:length]


def _mbox_messages(probe: Probe) -> Iterator[tuple[int, bytes, bytes]]:
    """(number, From_ line, message bytes) for each message of a mbox, read as a stream."""
    n = 0
    from_line = b""
    lines: list[bytes] = []
    started = False
    with probe.open() as fh:
        for line in fh:
            if FROM_LINE.match(line):
                if started:
                    n += 1
                    yield n, from_line, _mbox_body(lines)
                started = True
                from_line = line.rstrip(b"\r\n")
                lines = []
            elif started:
                lines.append(_QUOTED_FROM.sub(rb"\1", line))
    if started:
        n += 1
        yield n, from_line, _mbox_body(lines)


def _mbox_body(lines: list[bytes]) -> bytes:
    """A message's bytes, without the blank line that separates it from the next one."""
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)


def _emit(
    data: bytes,
    locator: str,
    prefix: str,
    from_line: bytes,
    sink: Sink,
    ctx: ImportContext,
    threads: dict[str, str],
    probe: Probe | None,
) -> None:
    """Read one message and hand its item, warnings and attached files to the sink."""
    key = locator or "message"
    # Lines of blanks before the headers (flanker's iPhone sample) are dropped; an empty first
    # line of a mbox message means "no headers" and is kept.
    data = (_LEADING_BLANK if probe is not None else _LEADING_SPACES).sub(b"", data)
    built = _read(data, locator, key, from_line, ctx, threads)
    if probe is not None and not built.draft.events:
        built.draft.events.extend(file_time_events(probe))
    sink.add_item(built.draft)
    for warning in built.warnings:
        sink.warn(prefix + warning)
    for name, payload in built.children:
        sink.add_child(name, BytesIO(payload), context_key=key)


def _read(
    data: bytes,
    locator: str,
    key: str,
    from_line: bytes,
    ctx: ImportContext,
    threads: dict[str, str],
) -> _Built:
    """Parse with the modern policy; on a crash, again with compat32; at worst keep raw text."""
    linesep = "\r\n" if b"\r\n" in data[:4096] else "\n"
    try:
        msg = BytesParser(policy=email_policy.default).parsebytes(data)
        return _build(msg, "default", locator, key, from_line, ctx, threads, linesep)
    except Exception:
        log.warning("the default e-mail policy failed on %s; trying compat32", key, exc_info=True)
    try:
        old = BytesParser(policy=email_policy.compat32).parsebytes(data)
        built = _build(old, "compat32", locator, key, from_line, ctx, threads, linesep)
        built.warnings.append("read with the lenient compat32 parser (the message is malformed)")
        return built
    except Exception as exc:
        log.warning("e-mail %s could not be parsed", key, exc_info=True)
        text, _ = decode_text(data)
        draft = ItemDraft(
            kind=ItemKind.EMAIL,
            locator=locator,
            text=text,
            meta={"unreadable": True},
            key=key,
            mime="message/rfc822",
        )
        return _Built(draft, [], [f"message could not be parsed ({exc}): kept as raw text"])


def _build(
    msg: Message,
    parsed_with: str,
    locator: str,
    key: str,
    from_line: bytes,
    ctx: ImportContext,
    threads: dict[str, str],
    linesep: str,
) -> _Built:
    """The draft of one parsed message, with its attachments and warnings."""
    heads = _Headers(msg, _charset_hint(msg))
    warnings: list[str] = []
    subject = heads.first("Subject")
    date_raw = heads.first("Date")
    message_id = heads.first("Message-ID")
    in_reply_to = heads.first("In-Reply-To")
    references = heads.first("References")
    received = heads.values("Received")

    author_list = heads.participants("From")
    author = author_list[0] if author_list else None
    recipients: list[ParticipantDraft] = []
    for name in ("To", "Cc", "Bcc"):
        for p in heads.participants(name):
            if p not in recipients:
                recipients.append(p)

    events, date_warning = _events(date_raw, received, from_line, ctx)
    if date_warning:
        warnings.append(date_warning)

    walk = _Walk()
    _walk(msg, walk, 0, linesep, top=True)
    warnings.extend(walk.warnings)
    problems = sorted({_DEFECTS.get(d, d) for d in walk.defects} - {""})
    if problems:
        warnings.append("damaged MIME structure: " + "; ".join(problems))

    children: list[tuple[str, bytes]] = []
    attachments_meta: list[dict[str, Any]] = []
    for index, (name, payload, ctype) in enumerate(walk.attachments, start=1):
        final = name or f"attachment-{index}{extension_for_mime(ctype)}"
        children.append((final, payload))
        attachments_meta.append({"name": final, "mime": ctype, "size": len(payload)})

    headers: dict[str, str] = {}
    for name in COMMON_HEADERS:
        values = heads.values(name)
        if values:
            headers[name] = values[0] if len(values) == 1 else "\n".join(values)

    meta: dict[str, Any] = {
        "subject": subject,
        "from": heads.first("From"),
        "to": heads.first("To"),
        "cc": heads.first("Cc"),
        "bcc": heads.first("Bcc"),
        "date": date_raw.strip(),
        "message_id": message_id.strip(),
        "in_reply_to": in_reply_to.strip(),
        "references": references.strip(),
        "headers": headers,
        "received": received,
        "html": walk.html,
        "has_html_part": walk.has_html,
        "attachments": attachments_meta,
        "thread_subject": normalise_subject(subject),
        "parsed_with": parsed_with,
    }
    if from_line:
        meta["mbox_from"] = from_line.decode("utf-8", errors="replace")
    draft = ItemDraft(
        kind=ItemKind.EMAIL,
        locator=locator,
        text="\n".join(walk.body),
        author=author,
        recipients=tuple(recipients),
        events=events,
        meta=meta,
        conversation=_thread(message_id, in_reply_to, references, subject, threads),
        key=key,
        mime="message/rfc822",
    )
    return _Built(draft, children, warnings)


def normalise_subject(subject: str) -> str:
    """A subject without Re:/Fwd:/AW:/SV: prefixes and with single spaces."""
    stripped = _REPLY_PREFIX.sub("", " ".join(subject.split()))
    return stripped.strip() or "(no subject)"


def _thread(
    message_id: str, in_reply_to: str, references: str, subject: str, threads: dict[str, str]
) -> str:
    """The thread's root Message-ID, through references already seen in this file if any."""
    refs = _MSG_ID.findall(references)
    parents = _MSG_ID.findall(in_reply_to)
    own = _MSG_ID.findall(message_id)
    root = next((threads[r] for r in [*refs, *parents] if r in threads), "")
    if not root:
        root = (refs or parents or own or [""])[0]
    for ref in [*refs, *parents, *own[:1]]:
        threads.setdefault(ref, root)
    return root or normalise_subject(subject)


# -- headers ---------------------------------------------------------------------------


def _charset_hint(msg: Message) -> str:
    """The first legacy charset declared in the message, a guess for raw 8-bit header bytes."""
    for part in islice(msg.walk(), 50):
        try:
            charset = (part.get_content_charset() or "").lower()
        except (ValueError, LookupError, TypeError):
            continue
        if charset and charset not in _ASCII_NAMES and charset not in ("utf-8", "utf8"):
            return charset
    return ""


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _fix_8bit(raw: str, hint: str) -> str:
    """Raw 8-bit header bytes (kept as surrogates by the parser) decoded as text."""
    data = raw.encode("ascii", errors="surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if hint:
        try:
            return data.decode(_SUPERSETS.get(hint.lower(), hint))
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("utf-8", errors="replace")


class _Headers:
    """A message's header values as written, decoded once: folding undone, raw 8-bit bytes
    and RFC 2047 encoded words turned into text, nothing else normalised."""

    def __init__(self, msg: Message, hint: str) -> None:
        self._raw: dict[str, list[str]] = {}
        for key, raw in msg.raw_items():
            value = raw if isinstance(raw, str) else str(raw)
            value = _UNFOLD.sub("", value)
            if _has_surrogates(value):
                value = _fix_8bit(value, hint)
            self._raw.setdefault(key.lower(), []).append(value)
        self._text: dict[str, list[str]] = {}

    def values(self, name: str) -> list[str]:
        """Every value of a header, in order."""
        key = name.lower()
        if key not in self._text:
            self._text[key] = [_decode_words(name, v) for v in self._raw.get(key, [])]
        return self._text[key]

    def first(self, name: str) -> str:
        """The first value of a header, '' when absent."""
        values = self.values(name)
        return values[0] if values else ""

    def participants(self, name: str) -> list[ParticipantDraft]:
        """The people an address header names."""
        out: list[ParticipantDraft] = []
        for raw in self._raw.get(name.lower(), []):
            for display, addr in _addresses(name, raw):
                display = display.strip()
                addr = addr.strip()
                if not display and not addr:
                    continue
                if "@" not in addr:
                    p = participant(display or addr.strip('"'))
                else:
                    p = participant(display, handle=addr.lower())
                if p not in out:
                    out.append(p)
        return out


def _decode_words(name: str, value: str) -> str:
    """RFC 2047 encoded words decoded; the rest of the value left as written."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        log.debug("encoded words in %s not decoded by email.header", name, exc_info=True)
    try:
        return str(email_policy.default.header_fetch_parse(name, value))
    except Exception:
        log.debug("header %s not parsed", name, exc_info=True)
        return value


def _addresses(name: str, value: str) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header.

    Plain values go through the fast, lenient `getaddresses` (which also reads the old
    `addr (Real Name)` form); values with encoded words through the modern parser, so that a
    decoded name holding a comma is not split in two.
    """
    if "=?" not in value:
        return getaddresses([value])
    try:
        header = email_policy.default.header_fetch_parse(name, value)
        addresses = getattr(header, "addresses", None)
        if addresses is not None:
            return [(a.display_name, a.addr_spec) for a in addresses]
    except Exception:
        log.debug("address header %s not parsed by the default policy", name, exc_info=True)
    return getaddresses([_decode_words(name, value)])


# -- dates -----------------------------------------------------------------------------


def parse_mail_date(raw: str) -> datetime | None:
    """An RFC 5322 date read leniently (Apple's 'at', 'GMT+1', comments); None if unreadable.

    The result is aware when the text carried an offset, naive when it had none or -0000.
    """
    text = " ".join(raw.split())
    if not text:
        return None
    tidy = re.sub(r"\s+at\s+", " ", text)
    tidy = re.sub(r"\([^)]*\)", " ", tidy)
    tidy = _GMT_OFFSET.sub(
        lambda m: f"{m.group(1)}{int(m.group(2)):02d}{int(m.group(3) or 0):02d}", tidy
    )
    for candidate in (text, " ".join(tidy.split())):
        try:
            return parsedate_to_datetime(candidate)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _date_event(moment: datetime, kind: str, original: str, ctx: ImportContext) -> EventDraft:
    if moment.tzinfo is None:
        return local_event(moment, ctx.options.zone, kind, original)
    return exact_event(moment, kind, original)


def _events(
    date_raw: str, received: list[str], from_line: bytes, ctx: ImportContext
) -> tuple[list[EventDraft], str]:
    """The message's events and a warning when its Date header cannot be read."""
    original = date_raw.strip()
    warning = ""
    if original:
        moment = parse_mail_date(original)
        if moment is not None:
            return [_date_event(moment, "sent", original, ctx)], ""
        warning = f"Date header unreadable: {original!r}"
    for value in received:
        stamp = value.rpartition(";")[2].strip()
        moment = parse_mail_date(stamp) if stamp else None
        if moment is not None:
            return [_date_event(moment, "received", stamp, ctx)], warning
    if from_line:
        m = _FROM_DATE.search(from_line)
        if m is not None:
            month = _MONTHS.index(m.group(1).decode().lower()) + 1
            try:
                naive = datetime(
                    int(m.group(6)),
                    month,
                    int(m.group(2)),
                    int(m.group(3)),
                    int(m.group(4)),
                    int(m.group(5) or 0),
                )
            except ValueError:
                return [], warning
            stamp = m.group(0).decode("ascii", errors="replace")
            return [local_event(naive, ctx.options.zone, "received", stamp)], warning
    return [], warning


# -- MIME walk -------------------------------------------------------------------------


def _is_attachment(part: Message) -> bool:
    try:
        disposition = part.get_content_disposition()
    except (ValueError, TypeError, IndexError):
        disposition = None
    return disposition == "attachment" or bool(_raw_filename(part))


def _raw_filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        log.debug("attachment file name not readable", exc_info=True)
        name = ""
    if not name:
        try:
            param = part.get_param("name")
        except (ValueError, TypeError, IndexError):
            param = None
        if isinstance(param, tuple):
            name = str(param[2])
        elif isinstance(param, str):
            name = param
    return name


def _file_name(part: Message) -> str:
    """The decoded, sanitised file name of a part, or '' when it has none."""
    name = _raw_filename(part)
    if name and _has_surrogates(name):
        name = _fix_8bit(name, "")
    if "=?" in name and "?=" in name:
        try:
            name = str(make_header(decode_header(name)))
        except Exception:
            log.debug("encoded file name not decoded: %r", name, exc_info=True)
    if not name:
        location = str(part.get("Content-Location") or "")
        tail = location.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        name = tail if "." in tail else ""
    return safe_file_name(name)


def _decode_bytes(data: bytes, charset: str) -> tuple[str, str]:
    """Text of a body part in its declared charset; returns (text, problem or '')."""
    charset = charset.lower().strip().strip('"')
    tries: list[str] = []
    if charset in _ASCII_NAMES or not charset:
        tries = ["utf-8"]
    else:
        if charset in _SUPERSETS:
            tries.append(_SUPERSETS[charset])
        tries.append(charset)
    for name in tries:
        try:
            return data.decode(name), ""
        except (UnicodeDecodeError, LookupError):
            continue
    if charset in _ASCII_NAMES or not charset:
        text, used = decode_text(data)
        return text, f"8-bit text without a charset read as {used}"
    try:
        return data.decode(charset, errors="replace"), f"bytes not valid in {charset} replaced"
    except LookupError:
        text, used = decode_text(data)
        return text, f"unknown charset {charset!r}: read as {used}"


def _part_text(part: Message, walk: _Walk) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        log.debug("part payload not decodable", exc_info=True)
        data = None
    if not isinstance(data, bytes):
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    try:
        charset = part.get_content_charset() or ""
    except (ValueError, LookupError, TypeError):
        charset = ""
    text, problem = _decode_bytes(data, charset)
    if problem:
        walk.warnings.append(f"body text: {problem}")
    return text


def _add_body(part: Message, walk: _Walk) -> None:
    text = _part_text(part, walk)
    if part.get_content_type() == "text/html":
        walk.has_html = True
        walk.html = True
        text = html_to_text(text)
    if text:
        walk.body.append(text)


def _attachment(part: Message, walk: _Walk, linesep: str) -> None:
    """Keep a part as an attached file (an enclosed message serialised back to bytes)."""
    ctype = part.get_content_type()
    name = _file_name(part)
    if ctype in ("message/rfc822", "message/global"):
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            inner_defects = _defects_below(inner)
            if inner_defects:
                walk.warnings.append(
                    f"enclosed message {name or '(unnamed)'} is damaged "
                    f"({', '.join(sorted(set(inner_defects)))}): handed over as found"
                )
            try:
                buf = BytesIO()
                gen = BytesGenerator(
                    buf,
                    mangle_from_=False,
                    policy=email_policy.compat32.clone(linesep=linesep, max_line_length=0),
                )
                gen.flatten(inner)
                walk.attachments.append((name, buf.getvalue(), ctype))
            except Exception as exc:
                log.warning("enclosed message not serialised", exc_info=True)
                walk.warnings.append(f"enclosed message {name or '(unnamed)'} not extracted: {exc}")
            return
        raw = payload if isinstance(payload, str) else ""
        walk.warnings.append(f"enclosed message {name or '(unnamed)'} is broken: kept as found")
        walk.attachments.append((name, raw.encode("utf-8", errors="surrogateescape"), ctype))
        return
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        log.warning("attachment payload not decoded", exc_info=True)
        walk.warnings.append(f"attachment {name or '(unnamed)'} not decoded: {exc}")
        return
    if not isinstance(data, bytes):
        payload = part.get_payload()
        data = (
            payload.encode("utf-8", errors="surrogateescape") if isinstance(payload, str) else b""
        )
    walk.attachments.append((name, data, ctype))


def _defects_below(msg: Message) -> list[str]:
    out: list[str] = []
    for part in msg.walk():
        out.extend(type(d).__name__ for d in part.defects)
    return out


_BENIGN_DEFECTS = {"FirstHeaderLineIsContinuationDefect"}
# Parser defects as a reviewer would read them; '' for ones another entry already explains.
_DEFECTS = {
    "StartBoundaryNotFoundDefect": "multipart boundary never found, body kept as raw text",
    "MultipartInvariantViolationDefect": "",
    "CloseBoundaryNotFoundDefect": "multipart without its closing boundary",
    "MissingHeaderBodySeparatorDefect": "a header line is malformed, read as start of the body",
    "InvalidBase64PaddingDefect": "damaged base64 content",
    "InvalidBase64CharactersDefect": "damaged base64 content",
    "InvalidBase64LengthDefect": "damaged base64 content",
    "NoBoundaryInMultipartDefect": "multipart without a boundary parameter",
    "MisplacedEnvelopeHeaderDefect": "a mbox From_ line inside the headers",
}


def _walk(
    part: Message, walk: _Walk, depth: int, linesep: str, top: bool = False, body: bool = True
) -> None:
    """Collect body text and attachments from a MIME tree, in reading order.

    With `body` false only attached files are collected (an alternative not chosen as body).
    """
    if depth > MAX_MIME_DEPTH:
        walk.warnings.append(f"MIME parts nested deeper than {MAX_MIME_DEPTH} levels not read")
        return
    walk.defects.extend(
        type(d).__name__ for d in part.defects if type(d).__name__ not in _BENIGN_DEFECTS
    )
    ctype = part.get_content_type()
    payload = part.get_payload()
    if ctype.startswith("multipart/") and isinstance(payload, list):
        children = [p for p in payload if isinstance(p, Message)]
        if ctype == "multipart/alternative":
            _walk_alternative(children, walk, depth, linesep, body)
            return
        for child in children:
            _walk(child, walk, depth + 1, linesep, body=body)
        return
    if ctype.startswith("multipart/"):
        # A multipart whose boundary never appears: the body is kept as raw text.
        text = payload if isinstance(payload, str) else ""
        if body and text.strip():
            walk.body.append(text)
        return
    if ctype.startswith("message/") and ctype != "message/delivery-status":
        _attachment(part, walk, linesep)
        return
    if (ctype in ("text/plain", "text/html") or (top and ctype.startswith("text/"))) and (
        not _is_attachment(part)
    ):
        if body:
            _add_body(part, walk)
        elif ctype == "text/html":
            walk.has_html = True
        return
    _attachment(part, walk, linesep)


def _walk_alternative(
    children: list[Message], walk: _Walk, depth: int, linesep: str, body: bool
) -> None:
    """Read the plain-text alternative (else the last, richest one) as the body.

    The other alternatives give no body text, but files inside them (inline images of an
    HTML alternative, a calendar invitation) are still collected.
    """
    plain = [p for p in children if p.get_content_type() == "text/plain"]
    chosen = plain[0] if plain else (children[-1] if children else None)
    for child in children:
        _walk(child, walk, depth + 1, linesep, body=body and child is chosen)
