"""Cellebrite UFDR extraction reports: the zip with `report.xml`, read as a stream.

A UFDR is a zip whose `report.xml` (namespace `http://pa.cellebrite.com/report/2.0`) lists
the extraction, the device, the files copied from the phone (`taggedFiles`, with their
hashes and the zip path they were copied to), the decoded models (chats and their instant
messages, SMS, calls, contacts, user accounts, locations...) and, at the very end, where on
the phone each model was decoded from (`extraInfos`: database path, table, offset).

Reports reach gigabytes, so nothing is held whole:

1. A first pass over the raw bytes (no XML parsing) finds the `extraInfos` section and the
   file ids and zip paths that attachments name, so only those files' records are kept.
2. The main pass streams the XML with `XMLPullParser`, turns each model into items as soon
   as it ends and removes it from the tree; a chat's messages are emitted one by one.
3. A second reader streams `extraInfos` alongside, matched to models through a bounded
   window (the report writes both in the same order), so provenance costs no whole-report
   map in memory.

Times with an offset are exact; `DateTimeOnly` values (no offset) are read in the case zone
and marked assumed-zone. Attachments are handed over as child files whose parent is their
message; their bytes are hashed as they are stored and checked against the report's own
MD5/SHA-256. Every value keeps its raw text in `meta["fields"]`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import logging
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, ClassVar, cast

from app.errors import CorruptRecord, WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import normalise_phone
from app.importers.identifiers import identifier, phone_value
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

# Small pieces keep few parsed elements waiting at a time, so the garbage collector's passes
# stay short (1 MiB pieces cost a third more time in collections on a large report).
CHUNK = 64 * 1024
SCAN_CHUNK = 1024 * 1024
HEAD_LIMIT = 64 * 1024
OVERLAP = 8192
MAX_DEPTH = 256
#: extraInfo entries read ahead of (and kept behind) the last one matched to a model.
PROVENANCE_WINDOW = 20_000
NAMESPACE = "http://pa.cellebrite.com/report/2.0"
REPORT_NAMES = ("report.xml",)
_MISSING_SHOWN = 5

_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError)

# -- the raw first pass: literal-led patterns, so `re` finds them with a fast search -------
_FILE_ID = re.compile(rb"""file_id\s*=\s*["']([^"'<>]{1,256})["']""")
_TARGET = re.compile(
    rb"""targetid\b[^>]{0,200}?ismodel\s*=\s*["']false["'][^>]{0,200}>\s*([^<\s]{1,256})"""
)
_EXTRACTED = re.compile(
    rb"""attachment_extracted_path["'][^>]{0,200}>\s*<(?:[\w.-]{1,32}:)?value\b[^>]{0,400}>"""
    rb"""\s*(?:<!\[CDATA\[)?([^<\]]{1,4096})"""
)
_EXTRA_INFOS = re.compile(rb"extraInfos[\s>/]")
_PREFIX = re.compile(rb"<(?:[\w.-]{1,32}:)?\Z")
_TAG_NAME = re.compile(rb"<([\w.:-]{1,200})")
_BAD = bytes(b for b in range(32) if b not in (9, 10, 13))
_BAD_BYTES = re.compile(b"[" + re.escape(_BAD) + b"]")

_TIME_FORMATS = (
    "%d-%b-%y %I:%M:%S %p %z",
    "%d-%b-%y %H:%M:%S %z",
    "%d/%m/%Y %H:%M:%S %z",
    "%d/%m/%Y %I:%M:%S %p %z",
    "%d/%m/%Y %H:%M:%S",
)
# Sections read whole when they end (a few elements each); the others stream.
_SMALL_SECTIONS = frozenset({"sourceExtractions", "caseInformation", "metadata", "images"})
_UNKNOWN_NAMES = frozenset({"unknown", "(unknown)"})
_DEVICE_KEYS = ("imei", "serial", "iccid", "imsi", "meid", "wifiaddress", "bluetooth")
_PHONE_KEYS = ("msisdn", "phonenumber", "phone number")


# =========================================================================================
# Values and models as the report writes them
# =========================================================================================


@dataclass(slots=True)
class _Value:
    """One `<field>`'s value: its raw text and the attributes that say how to read it."""

    raw: str
    type: str = ""
    format: str = ""
    formatted: str = ""
    empty: bool = False

    @property
    def text(self) -> str:
        """The value to show: Base64String values decoded when they are readable text."""
        if self.format == "Base64String" and self.raw:
            try:
                decoded = base64.b64decode(self.raw, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                return self.raw
            return decoded if decoded.isprintable() or "\n" in decoded else self.raw
        return self.raw


_EMPTY = _Value("", empty=True)


@dataclass(slots=True)
class _Model:
    """A `<model>` read into plain values: fields, nested models, file links."""

    type: str
    id: str
    attrs: dict[str, str]
    fields: dict[str, _Value] = field(default_factory=dict)
    multi: dict[str, list[str]] = field(default_factory=dict)
    models: dict[str, list[_Model]] = field(default_factory=dict)
    nodes: dict[str, list[str]] = field(default_factory=dict)
    jumps: list[tuple[str, bool]] = field(default_factory=list)
    data: dict[str, dict[str, str]] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        """The shown text of field `name`, stripped ('' when absent)."""
        v = self.fields.get(name)
        return v.text.strip() if v is not None else ""

    def first(self, name: str) -> _Model | None:
        """The first model of a model field."""
        found = self.models.get(name)
        return found[0] if found else None

    def raw_fields(self) -> dict[str, str]:
        """Every field's raw text by its name in the report."""
        return {name: v.raw for name, v in self.fields.items()}

    def as_meta(self) -> dict[str, Any]:
        """The model as JSON-ready data, nested models included."""
        out: dict[str, Any] = {"type": self.type}
        if self.id:
            out["id"] = self.id
        if self.fields:
            out["fields"] = self.raw_fields()
        if self.multi:
            out["multi_fields"] = self.multi
        if self.models:
            out["models"] = {k: [m.as_meta() for m in v] for k, v in self.models.items()}
        if self.nodes:
            out["nodes"] = self.nodes
        return out


@dataclass(frozen=True, slots=True)
class _File:
    """A file of `taggedFiles` that a decoded model refers to."""

    id: str
    local: str  # the zip path, as written (backslashes)
    path: str  # the path on the phone
    size: str
    deleted: str
    md5: str
    sha256: str


@dataclass(slots=True)
class _Scan:
    """What the raw first pass found."""

    file_ids: set[str] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)
    extra_at: int = -1


@dataclass(slots=True)
class _Chat:
    """A chat being read: its element (its fields arrive before its messages)."""

    elem: ET.Element
    messages_field: ET.Element | None = None
    ready: bool = False
    conversation: str = ""
    participants: tuple[ParticipantDraft, ...] = ()
    provenance: list[dict[str, str]] | None = None
    count: int = 0


# =========================================================================================
# Where the report and its files are: a zip, or a folder holding an unzipped report
# =========================================================================================


def _norm(path: str) -> str:
    """A report path (`files\\Image\\x.jpg`) as a zip path: slashes, trimmed segments."""
    parts = [p.strip() for p in path.replace("\\", "/").split("/")]
    return "/".join(p for p in parts if p and p != ".")


class _Files:
    """The files beside the report: find a member by report path, open it."""

    def find(self, path: str) -> str | None:
        """The member's name for a report path, or None."""
        raise NotImplementedError

    def open(self, name: str) -> BinaryIO:
        """Open a member found by `find`."""
        raise NotImplementedError


class _ZipFiles(_Files):
    def __init__(self, archive: zipfile.ZipFile, base: str) -> None:
        self.archive = archive
        self.base = base
        self.folded: dict[str, str] | None = None  # built on the first path not found as is

    def find(self, path: str) -> str | None:
        rel = _norm(path)
        if not rel:
            return None
        names = (self.base + rel, rel) if self.base else (rel,)
        for name in names:
            info = self.archive.NameToInfo.get(name)
            if info is not None and not info.is_dir():
                return info.filename
        if self.folded is None:
            self.folded = {}
            for info in self.archive.infolist():
                if not info.is_dir():
                    self.folded.setdefault(_norm(info.filename).lower(), info.filename)
        for name in names:
            found = self.folded.get(name.lower())
            if found is not None:
                return found
        return None

    def open(self, name: str) -> BinaryIO:
        return cast(BinaryIO, self.archive.open(name))


class _FolderFiles(_Files):
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder.resolve() if folder is not None else None

    def find(self, path: str) -> str | None:
        rel = _norm(path)
        if self.folder is None or not rel or ".." in rel.split("/"):
            return None
        target = (self.folder / rel).resolve()
        if not target.is_relative_to(self.folder) or not target.is_file():
            return None
        return target.relative_to(self.folder).as_posix()

    def open(self, name: str) -> BinaryIO:
        assert self.folder is not None  # find() returned a name
        return (self.folder / name).open("rb")


class _Hashing(io.RawIOBase):
    """A stream that hashes (MD5 and SHA-256) what is read through it."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read into `buffer`, hashing the bytes."""
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.md5.update(data)
        self.sha256.update(data)
        return n

    def drain(self) -> None:
        """Read (and hash) whatever the consumer left unread."""
        while self.read(CHUNK):
            pass

    def close(self) -> None:
        """Close the inner stream too."""
        self.inner.close()
        super().close()


# =========================================================================================
# The raw passes: the root element, references, the extraInfos section
# =========================================================================================


class _Clean:
    """Control characters XML forbids (real reports carry some) replaced with U+FFFD.

    A cheap test first: most pieces hold none and pass through untouched.
    """

    def __init__(self) -> None:
        self.replaced = 0

    def __call__(self, data: bytes) -> bytes:
        """The piece, mended."""
        if len(data.translate(None, _BAD)) == len(data):
            return data
        data, n = _BAD_BYTES.subn("\ufffd".encode(), data)
        self.replaced += n
        return data


def _root(head: bytes, label: str) -> tuple[str, bytes] | None:
    """The root element's name and the bytes up to the end of its start tag.

    None when the head is not XML; WrongFormat for a DTD (refused: entity expansion).
    """
    pos = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    n = len(head)
    while True:
        while pos < n and head[pos] in b" \t\r\n":
            pos += 1
        if head.startswith(b"<?", pos):
            end = head.find(b"?>", pos)
            if end < 0:
                return None
            pos = end + 2
        elif head.startswith(b"<!--", pos):
            end = head.find(b"-->", pos + 4)
            if end < 0:
                return None
            pos = end + 3
        elif head.startswith(b"<!", pos):
            raise WrongFormat(f"{label}: the XML declares a DTD; refused (entity expansion)")
        else:
            break
    m = _TAG_NAME.match(head, pos)
    if m is None:
        return None
    quote = 0
    for i in range(m.end(), n):
        c = head[i]
        if quote:
            if c == quote:
                quote = 0
        elif c in (0x22, 0x27):
            quote = c
        elif c == 0x3E:  # ">"
            name = m.group(1).decode("utf-8", errors="replace").rpartition(":")[2]
            return name, head[: i + 1]
    return None


def _looks_like_report(head: bytes) -> bool:
    """Whether bytes start a Cellebrite report.xml (root `project` with its vocabulary)."""
    try:
        found = _root(head, "")
    except WrongFormat:
        return False
    if found is None or found[0] != "project":
        return False
    return any(
        word in head for word in (NAMESPACE.encode(), b"sourceExtractions", b"extractionType")
    )


def _scan(fh: BinaryIO) -> _Scan:
    """Read the report's raw bytes once for the file references and the extraInfos offset."""
    scan = _Scan()
    carry = b""
    base = 0  # offset in the file of carry's first byte
    while True:
        block = fh.read(SCAN_CHUNK)
        buf = carry + block
        limit = len(buf) if not block else len(buf) - OVERLAP
        for m in _FILE_ID.finditer(buf):
            if m.start() < limit:
                scan.file_ids.add(m.group(1).decode("utf-8", errors="replace"))
        for m in _TARGET.finditer(buf):
            if m.start() < limit:
                scan.file_ids.add(m.group(1).decode("utf-8", errors="replace"))
        for m in _EXTRACTED.finditer(buf):
            if m.start() < limit:
                text = m.group(1).decode("utf-8", errors="replace")
                scan.paths.add(_norm(text).lower())
        for m in _EXTRA_INFOS.finditer(buf):
            start = m.start()
            if start >= limit:
                continue
            lead = _PREFIX.search(buf, max(0, start - 34), start)
            if lead is not None:
                scan.extra_at = base + lead.start()
        if not block:
            return scan
        if len(buf) > OVERLAP:
            base += len(buf) - OVERLAP
            carry = buf[-OVERLAP:]
        else:
            carry = buf


def _skip(fh: BinaryIO, offset: int) -> None:
    """Move a stream forward to `offset`: a zip member by reading small pieces (its own
    seek reads 16 MiB at a time), anything else by seeking."""
    if not isinstance(fh, zipfile.ZipExtFile):
        fh.seek(offset)
        return
    left = offset
    while left > 0:
        got = fh.read(min(SCAN_CHUNK, left))
        if not got:
            return
        left -= len(got)


# One nodeInfo kept compactly while it waits to be matched: its attributes but the offset
# (shared by every entry naming the same database table) and the offset.
_Node = tuple[tuple[tuple[str, str], ...], str]


class _Provenance:
    """The report's `extraInfos`, streamed beside the main pass and matched by model id.

    Both sections follow the same model order, so a window of entries around the last one
    matched finds every model's entry; entries outside it (sub-models this reader does not
    ask for, or a report that orders them otherwise) are counted, not kept.
    """

    def __init__(
        self, opener: Callable[[], BinaryIO], root_tag: bytes, offset: int, window: int
    ) -> None:
        self._opener = opener
        self._root_tag = root_tag
        self._offset = offset
        self._window = window
        self._entries: Iterator[tuple[str, tuple[_Node, ...]]] | None = None
        self._buffer: dict[str, tuple[int, tuple[_Node, ...]]] = {}
        self._shared: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
        self._order: deque[tuple[int, str]] = deque()
        self._read = 0
        self._last = 0
        self.done = offset < 0
        self.matched = 0
        self.dropped = 0
        self.error = ""

    def lookup(self, model_id: str) -> list[dict[str, str]] | None:
        """The nodeInfo entries naming where `model_id` was decoded from, or None."""
        if not model_id:
            return None
        hit = self._buffer.pop(model_id, None)
        while hit is None and not self.done and self._read < self._last + self._window:
            entry = self._next()
            if entry is None:
                break
            seq = self._read
            self._read += 1
            if entry[0] == model_id:
                hit = (seq, entry[1])
            elif entry[0] not in self._buffer:
                self._buffer[entry[0]] = (seq, entry[1])
                self._order.append((seq, entry[0]))
            else:
                self.dropped += 1  # a second entry for one id: the first is kept
        if hit is None:
            return None
        self.matched += 1
        self._last = max(self._last, hit[0])
        self._evict()
        out = []
        for shared, offset in hit[1]:
            node = dict(shared)
            if offset:
                node["offset"] = offset
            out.append(node)
        return out

    def finish(self) -> None:
        """Count what was never matched (reading the rest of the section to its end)."""
        while not self.done and self._next() is not None:
            self.dropped += 1
        self.dropped += len(self._buffer)
        self._buffer.clear()
        self._order.clear()
        self._close()

    def _evict(self) -> None:
        while self._order and self._order[0][0] < self._last - self._window:
            _seq, model_id = self._order.popleft()
            if self._buffer.get(model_id, (-1,))[0] == _seq:
                del self._buffer[model_id]
                self.dropped += 1

    def _next(self) -> tuple[str, tuple[_Node, ...]] | None:
        if self._entries is None:
            self._entries = self._stream()
        try:
            return next(self._entries)
        except StopIteration:
            self.done = True
            return None

    def _close(self) -> None:
        if self._entries is not None:
            close = getattr(self._entries, "close", None)
            if close is not None:
                close()

    def _compact(self, attrs: dict[str, str]) -> _Node:
        offset = attrs.pop("offset", "")
        key = tuple(sorted(attrs.items()))
        shared = self._shared.get(key)
        if shared is None:
            shared = key
            if len(self._shared) < 10_000:
                self._shared[key] = key
        return shared, offset

    def _stream(self) -> Iterator[tuple[str, tuple[_Node, ...]]]:
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        clean = _Clean()
        stack: list[ET.Element] = []
        try:
            with self._opener() as fh:
                _skip(fh, self._offset)
                parser.feed(self._root_tag)
                while True:
                    block = fh.read(CHUNK)
                    parser.feed(clean(block))
                    for entry in parser.read_events():
                        event, elem = cast(tuple[str, ET.Element], entry)
                        if event == "start":
                            stack.append(elem)
                            continue
                        stack.pop()
                        if len(stack) == 2 and elem.tag.endswith("extraInfo"):
                            nodes = tuple(
                                self._compact(dict(n.attrib))
                                for n in elem
                                if n.tag.endswith("nodeInfo")
                            )
                            stack[1].remove(elem)
                            yield elem.get("id", ""), nodes
                        elif len(stack) == 1:
                            stack[0].remove(elem)
                    if not block:
                        break
        except (ET.ParseError, *_ZIP_ERRORS, OSError, ValueError) as exc:
            self.error = str(exc)


# =========================================================================================
# Small readers of values
# =========================================================================================


def _moment(raw: str) -> datetime | None:
    text = raw.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _phone_of(identifier: str) -> str:
    """A phone number in E.164 from a party identifier (a number or a WhatsApp JID)."""
    text = identifier.strip()
    user, at, domain = text.partition("@")
    if at:
        digits = user.split(":", 1)[0]
        if domain in ("s.whatsapp.net", "c.us") and digits.isdigit() and 7 <= len(digits) <= 15:
            return normalise_phone("+" + digits)
        return ""
    stripped = text.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if stripped.lstrip("+").isdigit() and len(stripped) >= 6:
        return normalise_phone(stripped)
    return ""


@lru_cache(maxsize=4096)
def _party_draft(identifier: str, name: str) -> ParticipantDraft:
    """A participant from a party's identifier and name (a chat repeats the same few)."""
    ident = identifier.strip()
    shown = name.strip()
    if shown.lower() in _UNKNOWN_NAMES:
        shown = ""
    phone = _phone_of(ident)
    handle = "" if phone and "@" not in ident else ident
    return ParticipantDraft(name=shown, phone=phone, handle=handle)


def _party(m: _Model) -> ParticipantDraft:
    return _party_draft(m.text("Identifier"), m.text("Name"))


def _is_owner(m: _Model | None) -> bool | None:
    if m is None:
        return None
    value = m.text("IsPhoneOwner").lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    return None


def _float(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _service_key(service: str) -> str:
    """The platform part of an account key ("instagram", "whatsapp", "x"...)."""
    s = re.sub(r"[^a-z0-9]", "", service.lower())
    aliases = {
        "twitter": "x",
        "gmail": "google",
        "googleaccount": "google",
        "fbmessenger": "facebook",
        "messenger": "facebook",
        "whatsappbusiness": "whatsapp",
    }
    return aliases.get(s, s) or "account"


# =========================================================================================
# The importer
# =========================================================================================


class UfdrImporter:
    """A Cellebrite UFDR (zip with report.xml) or a bare report.xml, read as a stream."""

    NAME: ClassVar[str] = "ufdr"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """95 for a zip holding a Cellebrite report.xml, or for the report itself."""
        head = probe.head
        if head.startswith(b"PK"):
            try:
                with _zip(probe) as archive:
                    info = _find_report(archive)
                    if info is not None:
                        with archive.open(info) as fh:
                            if _looks_like_report(fh.read(HEAD_LIMIT)):
                                return 95
            except (*_ZIP_ERRORS, OSError, RuntimeError, ValueError, NotImplementedError):
                pass
            # A damaged zip: its first member's name may still say what it is.
            if head.startswith(b"PK\x03\x04") and len(head) >= 30:
                length = int.from_bytes(head[26:28], "little")
                first = head[30 : 30 + length].decode("cp437", errors="replace")
                if PurePosixPath(first.replace("\\", "/")).name.lower() in REPORT_NAMES:
                    return 95
            return 45 if probe.suffix == ".ufdr" else 0
        return 95 if _looks_like_report(head) else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """Read the report's models into items; attachments become child files."""
        files: _Files
        if not probe.head.startswith(b"PK"):
            files = _FolderFiles(probe.origin.parent if probe.origin is not None else None)
            _Reader(probe, probe.name, probe.open, files, sink, ctx).run()
            return
        try:
            archive = _zip(probe)
        except (*_ZIP_ERRORS, OSError, ValueError) as exc:
            raise WrongFormat(
                f"{probe.name}: not a readable zip ({exc}); a UFDR is a zip archive: "
                "the file may be truncated or damaged"
            ) from exc
        with archive:
            info = _find_report(archive)
            if info is None:
                raise WrongFormat(
                    f"{probe.name}: no report.xml in this zip: a Cellebrite UFDR holds its "
                    "report as report.xml"
                )
            base = info.filename.rpartition("/")[0]
            files = _ZipFiles(archive, f"{_norm(base)}/" if base else "")
            label = f"{probe.name}!/{info.filename}"

            def opener() -> BinaryIO:
                return cast(BinaryIO, archive.open(info))

            _Reader(probe, label, opener, files, sink, ctx).run()


def _zip(probe: Probe) -> zipfile.ZipFile:
    """The probe's file as a zip, by name when it is a plaintext file, else as a stream."""
    return zipfile.ZipFile(probe.path if probe.path is not None else probe.open())


def _find_report(archive: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The report member: `report.xml` in any case, the shallowest if several."""
    found = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and PurePosixPath(info.filename.replace("\\", "/")).name.lower() in REPORT_NAMES
        and not info.filename.startswith("__MACOSX/")
    ]
    if not found:
        return None
    return min(found, key=lambda i: (i.filename.count("/"), i.filename))


class _Reader:
    """One import of one report: the passes, the state between them, the counts."""

    def __init__(
        self,
        probe: Probe,
        label: str,
        opener: Callable[[], BinaryIO],
        files: _Files,
        sink: Sink,
        ctx: ImportContext,
    ) -> None:
        self.probe = probe
        self.label = label
        self.opener = opener
        self.files = files
        self.sink = sink
        self.ctx = ctx
        self.zone = ctx.options.zone
        self.names: dict[str, str] = {}
        self.layout = "Cellebrite UFDR report.xml"
        self.project: dict[str, str] = {}
        self.extractions: list[dict[str, str]] = []
        self.case_info: dict[str, str] = {}
        self.metadata: dict[str, dict[str, str]] = {}
        self.images: list[dict[str, str]] = []
        self.scan = _Scan()
        self.tagged: dict[str, _File] = {}
        self.tagged_by_local: dict[str, _File] = {}
        self.tagged_total = 0
        self.provenance: _Provenance | None = None
        self.device_done = False
        self.owner: ParticipantDraft | None = None
        self.imei = ""
        self.device_zone = ""
        self.chat: _Chat | None = None
        self.section = ""
        self.models = 0
        self.items = 0
        self.unknown_types: dict[str, int] = {}
        self.unknown_tags: dict[str, int] = {}
        self.assumed = 0
        self.bad_times: list[str] = []
        self.no_time = 0
        self.missing: list[str] = []
        self.children = 0
        self.checked: dict[str, bool] = {}
        self.unknown_sections: set[str] = set()

    # -- the passes ----------------------------------------------------------------------

    def run(self) -> None:
        root_tag = self._check_head()
        try:
            with self.opener() as fh:
                self.scan = _scan(fh)
            self.provenance = _Provenance(
                self.opener, root_tag, self.scan.extra_at, PROVENANCE_WINDOW
            )
            try:
                self._main()
            finally:
                self.provenance.finish()
        except ET.ParseError as exc:
            if not self.items:
                raise WrongFormat(f"{self.label}: not well-formed XML ({exc})") from exc
            line = exc.position[0] if exc.position else 0
            self.sink.warn(
                f"{self.label}: the XML breaks at line {line} ({exc}): the models before it "
                "were read, the rest of the report was not"
            )
        except (*_ZIP_ERRORS, OSError, LookupError, ValueError) as exc:
            raise CorruptRecord(
                f"{self.label}: damaged, cannot be read to its end ({exc}); nothing was imported"
            ) from exc
        if not self.device_done:
            self._device()
        self._report()

    def _check_head(self) -> bytes:
        """The root start tag, after checking the report is a Cellebrite `project`."""
        try:
            with self.opener() as fh:
                head = fh.read(HEAD_LIMIT)
        # RuntimeError: an encrypted member; NotImplementedError: a compression zipfile lacks.
        except (*_ZIP_ERRORS, OSError, RuntimeError, NotImplementedError) as exc:
            raise WrongFormat(f"{self.label}: cannot be read ({exc})") from exc
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise WrongFormat(f"{self.label}: a UTF-16 report; only UTF-8 reports are read")
        found = _root(head, self.label)
        if found is None:
            raise WrongFormat(f"{self.label}: not XML (no root element in its first bytes)")
        name, tag = found
        if name != "project":
            raise WrongFormat(
                f"{self.label}: unknown layout: the root element is <{name}>, not the <project> "
                "of a Cellebrite report"
            )
        return tag

    def _local(self, tag: str) -> str:
        name = self.names.get(tag)
        if name is None:
            name = tag.rpartition("}")[2]
            if len(self.names) < 10_000:
                self.names[tag] = name
        return name

    def _main(self) -> None:
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        clean = _Clean()
        stack: list[ET.Element] = []
        push, pop = stack.append, stack.pop
        events = cast(Callable[[], Iterator[tuple[str, ET.Element]]], parser.read_events)
        with self.opener() as fh:
            while True:
                block = fh.read(CHUNK)
                parser.feed(clean(block))
                # The hot loop: one pass per start and end of every element of the report.
                for event, elem in events():
                    if event == "start":
                        push(elem)
                        depth = len(stack)
                        if depth <= 5:
                            self._start(elem, depth - 1)
                        elif depth > MAX_DEPTH:
                            raise CorruptRecord(
                                f"{self.label}: elements nested deeper than {MAX_DEPTH} levels"
                            )
                        continue
                    pop()
                    depth = len(stack)
                    if depth > 5:
                        continue
                    if depth == 5:
                        chat = self.chat
                        if chat is not None and stack[4] is chat.messages_field:
                            self._chat_message(chat, elem)
                            stack[4].remove(elem)
                    elif depth == 3:
                        if self.section == "decodedData" and self._local(elem.tag) == "model":
                            self._model(elem)
                            stack[2].remove(elem)
                    elif depth == 2:
                        self._second_level(elem, stack[1])
                    elif depth == 1:
                        self._section(elem)
                        stack[0].remove(elem)
                if not block:
                    break
            parser.close()
        if clean.replaced:
            self.sink.warn(
                f"{self.label}: {clean.replaced} characters not allowed in XML were replaced "
                "with U+FFFD"
            )

    def _start(self, elem: ET.Element, depth: int) -> None:
        if depth == 0:
            self.project = dict(elem.attrib)
            ns = elem.tag[1:].partition("}")[0] if elem.tag.startswith("{") else ""
            version = self.project.get("reportVersion", "")
            self.layout = f"Cellebrite UFDR report.xml {version or '(no version)'}".strip()
            self.sink.decide("layout", f"{self.layout}; namespace {ns or '(none)'}")
        elif depth == 1:
            self.section = self._local(elem.tag)
            if self.section in ("taggedFiles", "decodedData", "extraInfos") and not (
                self.device_done
            ):
                self._device()
        elif depth == 3 and self.section == "decodedData":
            if elem.get("type") == "Chat" and self._local(elem.tag) == "model":
                self.chat = _Chat(elem)
        elif (
            depth == 4
            and self.chat is not None
            and elem.get("name") == "Messages"
            and self._local(elem.tag) == "multiModelField"
        ):
            self.chat.messages_field = elem

    # -- sections ------------------------------------------------------------------------

    def _section(self, elem: ET.Element) -> None:
        name = self._local(elem.tag)
        if name == "sourceExtractions":
            self.extractions = [dict(e.attrib) for e in elem]
        elif name == "caseInformation":
            for f in elem:
                label = f.get("name") or f.get("fieldType") or self._local(f.tag)
                self.case_info[label] = f.text or ""
        elif name == "metadata":
            section = elem.get("section", "")
            values = self.metadata.setdefault(section, {})
            seen: dict[str, int] = {}
            for item in elem:
                label = item.get("name", "") or self._local(item.tag)
                seen[label] = seen.get(label, 0) + 1
                key = label if seen[label] == 1 else f"{label} #{seen[label]}"
                values[key] = item.text or ""
        elif name == "images":
            for image in elem:
                entry = dict(image.attrib)
                for meta in image.iter():
                    if self._local(meta.tag) == "item" and meta.get("name"):
                        entry[meta.get("name", "")] = meta.text or ""
                self.images.append(entry)
        elif (
            name not in ("taggedFiles", "decodedData", "extraInfos")
            and name not in self.unknown_sections
        ):
            self.unknown_sections.add(name)
            self.sink.warn(f"project/{name}: a section this reader does not know, not read")
        self.section = ""

    def _second_level(self, elem: ET.Element, parent: ET.Element) -> None:
        if self.section == "taggedFiles":
            if self._local(elem.tag) == "file":
                self._tagged_file(elem)
            parent.remove(elem)
        elif self.section not in _SMALL_SECTIONS:  # read as they stream by, or not at all
            parent.remove(elem)

    def _tagged_file(self, elem: ET.Element) -> None:
        self.tagged_total += 1
        file_id = elem.get("id", "")
        items: dict[str, str] = {}
        for meta in elem:
            if self._local(meta.tag) != "metadata" or meta.get("section") != "File":
                continue
            for item in meta:
                items.setdefault(item.get("name", ""), (item.text or "").strip())
        local = items.get("Local Path", "")
        if file_id not in self.scan.file_ids and _norm(local).lower() not in self.scan.paths:
            return
        record = _File(
            file_id,
            local,
            elem.get("path", ""),
            elem.get("size", ""),
            elem.get("deleted", ""),
            items.get("MD5", "").lower(),
            items.get("SHA256", "").lower(),
        )
        if file_id:
            self.tagged[file_id] = record
        if local:
            self.tagged_by_local[_norm(local).lower()] = record

    # -- the device ----------------------------------------------------------------------

    def _device(self) -> None:
        """One record for the phone: its identifiers, the extraction and the case details."""
        self.device_done = True
        info = self.metadata.get("Device Info", {})
        extraction = self.metadata.get("Extraction Data", {})
        msisdn = ""
        account = ""
        identifiers: list[IdentifierDraft] = []
        pending: list[tuple[IdentifierKind, str]] = []
        for label, raw in info.items():
            key = re.sub(r"[^a-z]", "", label.lower())
            value = raw.strip()
            if not value:
                continue
            # An all-zero or "unknown" IMEI names no device: it must not key an account.
            imei = identifier("device:", IdentifierKind.DEVICE, value)
            if "imei" in key and not self.imei and imei is not None:
                self.imei = imei.value
                account = f"device:{imei.value.lower()}"
            if any(k in key for k in _DEVICE_KEYS):
                pending.append((IdentifierKind.DEVICE, raw))
            elif any(k.replace(" ", "") in key for k in _PHONE_KEYS):
                msisdn = msisdn or phone_value(value)
                pending.append((IdentifierKind.PHONE, raw))
            elif "timezone" in key:
                self.device_zone = self.device_zone or value
        if not account:
            serial = next(
                (
                    d.value
                    for k, v in info.items()
                    if "serial" in k.lower()
                    and (d := identifier("device:", IdentifierKind.DEVICE, v)) is not None
                ),
                "",
            )
            if serial:
                account = f"device:{serial.lower()}"
        if account:
            identifiers = [d for k, r in pending if (d := identifier(account, k, r)) is not None]
        if not self.device_zone:
            self.device_zone = extraction.get("Time zone settings (ID)", "").strip()
        self.owner = ParticipantDraft(name="Device owner", phone=msisdn) if msisdn else None
        if not (info or extraction or self.extractions or self.case_info):
            return
        names = [e.get("deviceName", "") for e in self.extractions if e.get("deviceName")]
        device = names[0] if names else "Extracted device"
        parts = [f"{label}: {value}" for label, value in info.items() if value.strip()]
        meta: dict[str, Any] = {
            "record": "device",
            "layout": self.layout,
            "fields": dict(info),
            "project": self.project,
            "extractions": self.extractions,
            "case_information": self.case_info,
            "metadata": {k: v for k, v in self.metadata.items() if k != "Device Info"},
        }
        if self.images:
            meta["images"] = self.images
        self._add(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator="device info",
                text=f"{device}\n" + "\n".join(parts),
                meta=meta,
                identifiers=identifiers,
            )
        )

    # -- models --------------------------------------------------------------------------

    def _read(self, elem: ET.Element, depth: int = 0, skip: str = "") -> _Model:
        if depth > 64:
            raise CorruptRecord(f"{self.label}: models nested deeper than 64 levels")
        attrs = dict(elem.attrib)
        m = _Model(attrs.get("type", ""), attrs.get("id", ""), attrs)
        names = self.names
        local = self._local
        fields = m.fields
        dups: dict[str, int] = {}
        for child in elem:
            tag = names.get(child.tag) or local(child.tag)
            cattrs = child.attrib
            name = cattrs.get("name", "")
            if tag == "field":
                value: _Value | None = None
                for sub in child:
                    stag = names.get(sub.tag) or local(sub.tag)
                    if stag == "value":
                        sattrs = sub.attrib
                        value = _Value(
                            sub.text or "",
                            cattrs.get("type", "") or sattrs.get("type", ""),
                            sattrs.get("format", ""),
                            sattrs.get("formattedTimestamp", ""),
                        )
                    elif stag == "empty":
                        value = _EMPTY
                    break
                if value is None:
                    value = _Value((child.text or "").strip(), cattrs.get("type", ""))
                if name in fields:  # a name met twice: kept as "Name #2", "Name #3"...
                    dups[name] = n = dups.get(name, 1) + 1
                    name = f"{name} #{n}"
                fields[name] = value
            elif tag == "multiField":
                m.multi[name] = [v.text or "" for v in child if local(v.tag) == "value"]
            elif tag in ("modelField", "multiModelField"):
                if name == skip:
                    continue
                m.models.setdefault(name, []).extend(
                    self._read(sub, depth + 1) for sub in child if local(sub.tag) == "model"
                )
            elif tag == "nodeField":
                m.nodes[name] = [(v.text or "").strip() for v in child]
            elif tag == "jumptargets":
                m.jumps.extend(
                    ((t.text or "").strip(), t.get("ismodel", "").lower() == "true") for t in child
                )
            elif tag == "dataField":
                m.data[name] = {k: v for sub in child for k, v in sub.attrib.items()}
            else:
                m.unknown[tag] = "".join(child.itertext())
                self.unknown_tags[tag] = self.unknown_tags.get(tag, 0) + 1
        return m

    def _meta(self, m: _Model, record: str = "") -> dict[str, Any]:
        """What every item of a model keeps: its attributes, raw fields, nested models,
        the files it points to and where on the phone it was decoded from."""
        meta: dict[str, Any] = {"layout": self.layout, "ufdr_type": m.type, "model": m.attrs}
        if record:
            meta["record"] = record
        meta["fields"] = m.raw_fields()
        formats = {
            name: {"format": v.format, "formattedTimestamp": v.formatted}
            for name, v in m.fields.items()
            if v.format not in ("", "TimeStampKnown")
        }
        if formats:
            meta["value_formats"] = formats
        if m.multi:
            meta["multi_fields"] = m.multi
        if m.models:
            meta["models"] = {k: [x.as_meta() for x in v] for k, v in m.models.items()}
        if m.nodes:
            meta["nodes"] = m.nodes
        if m.data:
            meta["data_fields"] = m.data
        if m.unknown:
            meta["not_understood"] = m.unknown
        if m.jumps:
            meta["jump_targets"] = [self._jump(target, is_model) for target, is_model in m.jumps]
        if m.attrs.get("deleted_state", "").lower() == "deleted":
            meta["deleted"] = True
        source = m.text("Source")
        if source:
            meta["source_app"] = source
        assert self.provenance is not None
        where = self.provenance.lookup(m.id)
        if where:
            meta["provenance"] = where
        return meta

    def _jump(self, target: str, is_model: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"id": target, "is_model": is_model}
        record = None if is_model else self.tagged.get(target)
        if record is not None:
            out["device_path"] = record.path
            out["local_path"] = record.local
        return out

    def _event(self, value: _Value | None, kind: str) -> EventDraft | None:
        if value is None or not value.raw.strip():
            return None
        raw = value.raw.strip()
        moment = _moment(raw)
        if moment is None:
            if len(self.bad_times) < 1000:
                self.bad_times.append(raw)
            return None
        if moment.tzinfo is None:
            self.assumed += 1
            return local_event(moment, self.zone, kind, raw)
        return exact_event(moment, kind, raw)

    def _tick(self) -> None:
        self.models += 1
        if self.models % 500 == 0:
            self.ctx.cancel.check()

    def _add(self, draft: ItemDraft) -> None:
        self.sink.add_item(draft)
        self.items += 1

    def _model(self, elem: ET.Element) -> None:
        """A top-level model (a child of its `modelType`) that has just ended."""
        self._tick()
        kind = elem.get("type", "")
        chat = self.chat
        if kind == "Chat" and chat is not None and chat.elem is elem:
            self.chat = None
            self._chat_end(chat)
            return
        m = self._read(elem)
        handler = _HANDLERS.get(m.type)
        if handler is None:
            self._other(m)
        else:
            handler(self, m)

    # -- chats and messages --------------------------------------------------------------

    def _chat_context(self, chat: _Chat) -> None:
        chat.ready = True
        m = self._read(chat.elem, skip="Messages")
        parties = m.models.get("Participants", [])
        chat.participants = tuple(_party(p) for p in parties)
        label = m.text("Name")
        if not label:
            others = [p for p in parties if _is_owner(p) is not True]
            label = ", ".join(_party(p).label for p in others) if others else ""
        label = label or m.text("Id") or f"chat {m.id}"
        source = m.text("Source")
        chat.conversation = f"{source}: {label}" if source else label
        chat.provenance = self.provenance.lookup(m.id) if self.provenance else None

    def _chat_message(self, chat: _Chat, elem: ET.Element) -> None:
        if self._local(elem.tag) != "model":
            return
        self._tick()
        if not chat.ready:
            self._chat_context(chat)
        chat.count += 1
        m = self._read(elem)
        if m.type in ("InstantMessage", "", "Message"):
            self._message(m, chat)
        else:
            self._other(m)

    def _chat_end(self, chat: _Chat) -> None:
        if not chat.ready:
            self._chat_context(chat)
        m = self._read(chat.elem, skip="Messages")
        meta = self._meta(m, "chat")
        if chat.provenance:
            meta["provenance"] = chat.provenance
        meta["messages"] = chat.count
        # Named in meta, not as the item's conversation: a record about the chat is not one
        # of its messages, and would show as one from "(unknown sender)" in the thread.
        meta["conversation"] = chat.conversation
        start = self._event(m.fields.get("StartTime"), "chat_started")
        self._add(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"model {m.id}",
                text=f"{chat.conversation} ({chat.count} messages)",
                recipients=chat.participants,
                events=[start] if start else [],
                meta=meta,
            )
        )

    def _message(self, m: _Model, chat: _Chat | None) -> None:
        """An instant message, in a chat or on its own."""
        sender = m.first("From")
        author = _party(sender) if sender is not None else None
        recipients = tuple(_party(p) for p in m.models.get("To", []))
        if not recipients and chat is not None:
            recipients = tuple(p for p in chat.participants if p != author)
        owner = _is_owner(sender)
        direction = "outgoing" if owner else "incoming" if owner is False else ""
        if chat is not None:
            conversation = chat.conversation
        else:
            label = m.text("ChatId") or (author.label if author else "")
            source = m.text("Source")
            conversation = f"{source}: {label}" if source and label else label
        self._communication(
            m, ItemKind.MESSAGE, m.text("Body"), author, recipients, direction, conversation
        )

    def _communication(
        self,
        m: _Model,
        kind: ItemKind,
        text: str,
        author: ParticipantDraft | None,
        recipients: tuple[ParticipantDraft, ...],
        direction: str,
        conversation: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Emit a message, SMS, e-mail or call; then hand over its attachments."""
        event_kind = "call" if kind is ItemKind.CALL else "received"
        if kind is not ItemKind.CALL and direction != "incoming":
            event_kind = "sent"
        event = self._event(m.fields.get("TimeStamp") or m.fields.get("DateSent"), event_kind)
        if event is None:
            self.no_time += 1
        key = f"m:{m.id}" if m.id else f"m:#{self.models}"
        meta = self._meta(m)
        if direction:
            meta["direction"] = direction
        status = m.text("Status")
        if status:
            meta["status"] = status
        if extra:
            meta.update(extra)
        found = [self._resolve(a) for a in m.models.get("Attachments", [])]
        if found:
            meta["attachments"] = [info for info, _member, _record in found]
        self._add(
            ItemDraft(
                kind=kind,
                locator=f"model {m.id}" if m.id else f"model #{self.models}",
                text=text,
                author=author,
                recipients=recipients,
                events=[event] if event else [],
                meta=meta,
                conversation=conversation,
                # Only a message with files gets a key: the store keeps every key of a
                # source in memory until its end, and a million messages need none.
                key=key if any(member for _info, member, _record in found) else "",
            )
        )
        for info, member, record in found:
            if member is not None:
                self._hand_over(member, record, key, info.get("filename", ""))

    def _sms(self, m: _Model) -> None:
        parties = [p for name in ("Parties", "From", "To") for p in m.models.get(name, [])]
        senders = [p for p in parties if p.text("Role").lower() == "from"]
        targets = [p for p in parties if p.text("Role").lower() in ("to", "cc", "bcc")]
        folder = m.text("Folder").lower()
        owner_sent = _is_owner(senders[0]) if senders else None
        if owner_sent is None:
            owner_sent = True if folder in ("sent", "outbox") else False if folder else None
        if owner_sent is None and targets and _is_owner(targets[0]) is not None:
            owner_sent = not _is_owner(targets[0])
        author = _party(senders[0]) if senders else (self.owner if owner_sent else None)
        recipients = tuple(_party(p) for p in targets)
        if not recipients and owner_sent is False and self.owner is not None:
            recipients = (self.owner,)
        if author is None and not senders and owner_sent is False:
            others = [p for p in parties if _is_owner(p) is not True]
            author = _party(others[0]) if others else None
        direction = "outgoing" if owner_sent else "incoming" if owner_sent is False else ""
        other = recipients[0] if direction == "outgoing" and recipients else author
        service = m.type  # SMS or MMS
        conversation = f"{service}: {other.label}" if other is not None else service
        text = m.text("Body") or m.text("Snippet")
        subject = m.text("Subject")
        if subject and not text:
            text = subject
        self._communication(m, ItemKind.MESSAGE, text, author, recipients, direction, conversation)

    def _email(self, m: _Model) -> None:
        sender = m.first("From")
        author = _party(sender) if sender is not None else None
        recipients = tuple(
            _party(p) for name in ("To", "Cc", "Bcc") for p in m.models.get(name, [])
        )
        owner = _is_owner(sender)
        direction = "outgoing" if owner else "incoming" if owner is False else ""
        headers = {"Subject": m.text("Subject")}
        if author is not None:
            headers["From"] = author.label
        if recipients:
            headers["To"] = ", ".join(r.label for r in recipients)
        self._communication(
            m,
            ItemKind.EMAIL,
            m.text("Body") or m.text("Snippet"),
            author,
            recipients,
            direction,
            m.text("Subject") or "E-mail",
            {"headers": headers},
        )

    def _call(self, m: _Model) -> None:
        parties = m.models.get("Parties", [])
        senders = [p for p in parties if p.text("Role").lower() == "from"]
        targets = [p for p in parties if p.text("Role").lower() == "to"]
        way = m.text("Direction") or m.text("Type")
        outgoing = way.lower() in ("outgoing", "dialed", "dialled")
        others = [p for p in parties if _is_owner(p) is not True]
        if senders:
            author: ParticipantDraft | None = _party(senders[0])
        elif outgoing:
            author = self.owner
        else:
            author = _party(others[0]) if others else None
        if targets:
            recipients = tuple(_party(p) for p in targets)
        elif outgoing:
            recipients = tuple(_party(p) for p in others)
        else:
            recipients = (self.owner,) if self.owner is not None else ()
        duration = m.text("Duration")
        source = m.text("Source")
        words = [w for w in (way, source if source.lower() != "phone" else "", "call") if w]
        text = " ".join(words).capitalize()
        status = m.text("Status")
        if status:
            text += f" ({status})"
        if duration:
            text += f", {duration}"
        other = (recipients[0] if recipients else None) if outgoing else author
        label = other.label if other is not None else ""
        self._communication(
            m,
            ItemKind.CALL,
            text,
            author,
            recipients,
            "outgoing" if outgoing else "incoming" if way else "",
            f"Calls: {label}" if label else "Calls",
            {"call_direction": way, "duration": duration},
        )

    # -- attachments ---------------------------------------------------------------------

    def _resolve(self, att: _Model) -> tuple[dict[str, Any], str | None, _File | None]:
        """Where an attachment's bytes are: its extracted path, else its file id's local path."""
        name = att.text("Filename")
        extracted = att.text("attachment_extracted_path")
        file_id = att.attrs.get("file_id", "")
        record = self.tagged.get(file_id) if file_id else None
        member = self.files.find(extracted) if extracted else None
        how = "attachment_extracted_path" if member is not None else ""
        if member is None and record is not None and record.local:
            member = self.files.find(record.local)
            how = "file_id" if member is not None else ""
        if record is None and member is not None:
            record = self.tagged_by_local.get(_norm(member).lower()) or self.tagged_by_local.get(
                _norm(extracted).lower()
            )
        info: dict[str, Any] = {"filename": name, "content_type": att.text("ContentType")}
        if file_id:
            info["file_id"] = file_id
        if record is not None:
            info["device_path"] = record.path
            info["report_md5"] = record.md5
            info["report_sha256"] = record.sha256
            info["deleted"] = record.deleted
        if member is not None:
            info["member"] = member
            info["resolved_by"] = how
            info["status"] = "extracted"
        else:
            info["status"] = "not extracted"
            self.missing.append(name or extracted or file_id or "(unnamed)")
        return info, member, record

    def _hand_over(self, member: str, record: _File | None, key: str, filename: str) -> None:
        """Hand the attachment over as a child file; check its bytes against the report."""
        try:
            stream = _Hashing(self.files.open(member))
        except (*_ZIP_ERRORS, OSError, RuntimeError, NotImplementedError) as exc:
            self.sink.warn(f"{member}: attachment not read: {exc}")
            return
        try:
            with stream:
                self.sink.add_child(member, cast(BinaryIO, stream), context_key=key)
                stream.drain()
        except (*_ZIP_ERRORS, OSError, RuntimeError, NotImplementedError) as exc:
            self.sink.warn(f"{member}: attachment not read: {exc}")
            return
        self.children += 1
        if record is None or member in self.checked:
            return
        md5, sha = stream.md5.hexdigest(), stream.sha256.hexdigest()
        problems = []
        if record.sha256 and record.sha256 != sha:
            problems.append(f"SHA-256 {record.sha256}, the file's is {sha}")
        if record.md5 and record.md5 != md5:
            problems.append(f"MD5 {record.md5}, the file's is {md5}")
        self.checked[member] = not problems
        if problems:
            self.sink.warn(
                f"{member} ({filename or record.path}): hash mismatch: the report records "
                + "; ".join(problems)
                + " - the file is not the one the report describes"
            )

    # -- records -------------------------------------------------------------------------

    def _record_events(self, m: _Model, names: dict[str, str]) -> list[EventDraft]:
        """Events for the record's time fields (`names` renames some, e.g. registered)."""
        events = []
        for label, value in m.fields.items():
            if value.type != "TimeStamp" and label not in names:
                continue
            kind = names.get(label) or re.sub(r"(?<!^)(?=[A-Z])", "_", label).lower()
            event = self._event(value, kind)
            if event is not None:
                events.append(event)
        return events

    def _entries(self, m: _Model) -> list[dict[str, str]]:
        return [
            {"type": e.type, "category": e.text("Category"), "value": e.text("Value")}
            for e in m.models.get("Entries", [])
        ]

    def _account(self, m: _Model) -> None:
        """A user account found on the phone, with what identifies it."""
        service = m.text("ServiceType") or m.text("Source") or m.text("ServiceIdentifier")
        platform = _service_key(service)
        username = m.text("Username")
        entries = self._entries(m)
        emails = [e["value"] for e in entries if "email" in (e["type"] + e["category"]).lower()]
        phones = [e["value"] for e in entries if "phone" in (e["type"] + e["category"]).lower()]
        ids = [
            e["value"]
            for e in entries
            if e["type"].lower() == "userid" or e["category"].lower().endswith(" id")
        ]
        ident = ids[0] if ids else ""
        if platform == "whatsapp":
            digits = re.sub(r"\D", "", _phone_of(username) or (phones[0] if phones else ""))
            ident = digits or ident or username
        elif platform == "google":
            ident = (emails[0] if emails else username).lower()
        elif platform == "x" and not ident and username:
            ident = "@" + username.lstrip("@")
        elif platform == "snapchat":
            ident = username or ident
        ident = ident or username or (emails[0] if emails else "") or m.text("ServiceIdentifier")
        account = f"{platform}:{ident.lower()}" if ident else ""
        identifiers: list[IdentifierDraft] = []
        if account:
            stated = [(IdentifierKind.USERNAME, username), (IdentifierKind.NAME, m.text("Name"))]
            stated += [(IdentifierKind.EMAIL, e) for e in emails]
            stated += [(IdentifierKind.PHONE, p) for p in phones]
            # Found on this phone: the account shares the device with its owner.
            stated.append((IdentifierKind.DEVICE, self.imei))
            identifiers = [d for k, r in stated if (d := identifier(account, k, r)) is not None]
        meta = self._meta(m, "account")
        meta["entries"] = entries
        meta["account"] = account
        meta["platform"] = platform
        lines = [f"{service or 'Account'}: {username or ident}"]
        lines += [f"{k}: {m.text(k)}" for k in ("Name", "ServerAddress") if m.text(k)]
        lines += [f"{e['category'] or e['type']}: {e['value']}" for e in entries if e["value"]]
        self._add(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"model {m.id}",
                text="\n".join(lines),
                events=self._record_events(m, {"TimeCreated": "registered"}),
                meta=meta,
                identifiers=identifiers,
            )
        )

    def _contact(self, m: _Model) -> None:
        entries = self._entries(m)
        meta = self._meta(m, "contact")
        meta["entries"] = entries
        name = m.text("Name")
        lines = [name or "(no name)"]
        lines += [f"{e['category'] or e['type']}: {e['value']}" for e in entries if e["value"]]
        phones = [e["value"] for e in entries if "phone" in (e["type"] + e["category"]).lower()]
        self._add(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"model {m.id}",
                text="\n".join(lines),
                author=_party_draft(phones[0] if phones else "", name) if name or phones else None,
                events=self._record_events(m, {}),
                meta=meta,
            )
        )

    def _location(self, m: _Model) -> None:
        meta = self._meta(m, "location")
        where = m.first("Position")
        lat = _float(where.text("Latitude")) if where is not None else None
        lon = _float(where.text("Longitude")) if where is not None else None
        if lat is not None and lon is not None:
            meta["latitude"], meta["longitude"] = lat, lon
        lines = [f"{lat}, {lon}" if lat is not None and lon is not None else "(no position)"]
        lines += [
            f"{k}: {m.text(k)}" for k in ("Name", "Address", "Description", "Type") if m.text(k)
        ]
        self._add(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"model {m.id}",
                text="\n".join(lines),
                events=self._record_events(m, {"TimeStamp": "location"}),
                meta=meta,
            )
        )

    def _other(self, m: _Model) -> None:
        """A model type this reader does not decode: a record with all its fields."""
        kind = m.type or "(no type)"
        self.unknown_types[kind] = self.unknown_types.get(kind, 0) + 1
        meta = self._meta(m, kind.lower())
        lines = [kind] + [f"{k}: {v.text}" for k, v in m.fields.items() if v.raw.strip()]
        self._add(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"model {m.id}",
                text="\n".join(lines),
                events=self._record_events(m, {}),
                meta=meta,
            )
        )

    # -- the end -------------------------------------------------------------------------

    def _report(self) -> None:
        sink = self.sink
        if self.tagged_total:
            sink.decide(
                "tagged_files",
                f"{self.tagged_total} listed; {len(self.tagged) or len(self.tagged_by_local)} "
                "referenced by decoded models were read",
            )
        for kind, n in sorted(self.unknown_types.items()):
            sink.warn(
                f"decodedData/{kind}: {n} model(s) of a type this reader does not decode, "
                "kept as records with their fields"
            )
        for tag, n in sorted(self.unknown_tags.items()):
            sink.warn(f"model/{tag}: not understood in {n} model(s), kept as text")
        if self.assumed:
            sink.decide("zone", f"{self.zone} for times without an offset")
            note = ""
            if self.device_zone and self.device_zone != self.zone:
                note = f" (the phone's own zone setting was {self.device_zone})"
            sink.warn(
                f"{self.assumed} time(s) in the report have no UTC offset (DateTimeOnly): read "
                f"as wall-clock time in the case zone {self.zone}{note}, marked assumed-zone"
            )
        if self.bad_times:
            sink.warn(
                f"{len(self.bad_times)} time value(s) not understood, kept as text "
                f"(first: {self.bad_times[0]!r})"
            )
        if self.no_time:
            sink.warn(f"{self.no_time} message(s) or call(s) have no time")
        if self.missing:
            shown = ", ".join(self.missing[:_MISSING_SHOWN])
            more = len(self.missing) - _MISSING_SHOWN
            sink.warn(
                f"{len(self.missing)} attachment(s) named by the report are not in the "
                f"extraction: {shown}" + (f" and {more} more" if more > 0 else "")
            )
        prov = self.provenance
        if prov is not None:
            if self.scan.extra_at < 0:
                sink.decide("provenance", "the report has no extraInfos section")
            else:
                sink.decide("provenance", f"{prov.matched} model(s) traced to their source")
            if prov.error:
                sink.warn(f"extraInfos: not read to the end ({prov.error})")
            if prov.dropped:
                sink.warn(
                    f"extraInfos: {prov.dropped} entr(y/ies) matched no model this reader "
                    "emitted (sub-models, or out of the report's order), not kept"
                )
        if not self.items:
            sink.warn(f"{self.label}: the report holds no decoded models or device details")


_HANDLERS: dict[str, Callable[[_Reader, _Model], None]] = {
    "InstantMessage": lambda r, m: r._message(m, None),
    "SMS": _Reader._sms,
    "MMS": _Reader._sms,
    "Email": _Reader._email,
    "Call": _Reader._call,
    "Contact": _Reader._contact,
    "UserAccount": _Reader._account,
    "Location": _Reader._location,
}
