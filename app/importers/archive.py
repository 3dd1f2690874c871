"""Archives opened safely: every member becomes a child source, within firm limits.

`ArchiveImporter` reads zip files (self-extractors too); `TarImporter` reads tar files,
plain or gzip/bzip2/xz-compressed, and a single compressed file as its one member.

Members are streamed into the blob store through `sink.add_child`, never extracted to a
path, so a member's name is only a label. It is still normalised (no `..`, no drive letter,
no leading slash, control characters made visible) and every change is warned about.
Compression bombs are stopped by a per-member ratio limit and a total size limit, checked
against the sizes the archive declares and again while the bytes stream, so a lying header
cannot get past them. A damaged member is kept as far as it could be read, with a warning.
"""

from __future__ import annotations

import bisect
import bz2
import contextlib
import gzip
import hashlib
import io
import logging
import lzma
import mmap
import re
import struct
import tarfile
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any, BinaryIO, ClassVar, cast

from app import limits
from app.errors import CorruptRecord
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import file_time_events
from app.jobs import CancelToken
from app.model import ItemDraft, ItemKind

log = logging.getLogger(__name__)

# The limits are module constants so a deployment (or a test) can change them.
#: The most bytes all members of one archive may expand to together.
MAX_TOTAL_BYTES = limits.ARCHIVE_MAX_TOTAL_BYTES
#: A member may expand to at most this many times its compressed size...
MAX_RATIO = limits.ARCHIVE_MAX_RATIO
#: ...once it is larger than this: small files may compress as well as they like.
MIN_RATIO_BYTES = limits.ARCHIVE_MIN_RATIO_BYTES
#: The most members handed over from one archive.
MAX_MEMBERS = limits.ARCHIVE_MAX_MEMBERS
#: The largest central directory read (room for about a million members).
MAX_DIRECTORY_BYTES = 64 * 1024**2
#: The largest LZMA dictionary a member may ask for.
MAX_LZMA_DICTIONARY = 256 * 1024**2
#: The most bytes tarfile may read for one member's headers (PAX, long names, sparse maps).
MAX_TAR_HEADER = 8 * 1024**2
#: How many entries each list in the archive item's meta keeps.
MAX_LISTED = 1000
#: How many warnings of one kind are given before the rest are only counted.
MAX_WARNINGS_PER_KIND = 100

SPLIT_ARCHIVE = "split (multi-disk) archives are not supported: join the parts first"

_CHUNK = 256 * 1024
_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"
_END64 = b"PK\x06\x06"
_END64_LOCATOR = b"PK\x06\x07"
_DESCRIPTOR = b"PK\x07\x08"
_SIGNATURES = (_LOCAL, _CENTRAL, _END, _END64, _DESCRIPTOR)

_STORED, _DEFLATED, _BZIP2, _LZMA, _AES = 0, 8, 12, 14, 99
_READABLE = frozenset({_STORED, _DEFLATED, _BZIP2, _LZMA})
_METHOD_NAMES = {
    1: "Shrink",
    6: "Implode",
    9: "Deflate64",
    10: "PKWARE DCL Implode",
    18: "IBM TERSE",
    19: "IBM LZ77",
    93: "Zstandard",
    95: "XZ",
    96: "JPEG",
    97: "WavPack",
    98: "PPMd",
    99: "AES",
}
_F_ENCRYPTED, _F_DESCRIPTOR, _F_STRONG, _F_UTF8 = 0x1, 0x8, 0x40, 0x800
_UNICODE_PATH = 0x7075  # Info-ZIP's UTF-8 name beside a legacy one
_ZIP64_EXTRA = 0x0001
_SNIFF_MIMES = frozenset(
    {
        "application/zip",
        "application/x-zip-compressed",
        "application/octet-stream",
        "application/x-dosexec",
        "application/vnd.microsoft.portable-executable",
    }
)
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    UnicodeDecodeError,
    NotImplementedError,
    ValueError,
    EOFError,
    OSError,
    OverflowError,
    struct.error,
)
_DECOMPRESS_ERRORS = (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError)
# Characters that reorder text on screen: a name like "invoice\u202egpj.exe" shows as
# "invoiceexe.jpg". They are shown as escapes, as control characters are.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DRIVE = re.compile(r"^[A-Za-z]:")


class _Stop(Exception):
    """A member went past a limit while streaming: it is skipped, with this message."""


class _ArchiveStop(Exception):
    """A whole compressed stream went past a limit: reading stops, with this message."""


# -- finding the end of the archive ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _End:
    """The end-of-central-directory record (zip64 values when present)."""

    offset: int
    disk: int
    directory_disk: int
    disks: int
    entries: int
    directory_size: int
    comment: bytes

    @property
    def split(self) -> bool:
        """Whether the archive says it spans several files."""
        return self.disk != 0 or self.directory_disk != 0 or self.disks > 1


def _find_end(fh: BinaryIO, size: int) -> _End | None:
    """The last end record in the file's final 64 KiB, or None when there is none."""
    tail_len = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    i = tail.rfind(_END)
    while i >= 0 and len(tail) - i < 22:
        i = tail.rfind(_END, 0, i)
    if i < 0:
        return None
    disk, cd_disk, _here, entries, cd_size, _cd_offset, comment_len = struct.unpack(
        "<4H2LH", tail[i + 4 : i + 22]
    )
    comment = tail[i + 22 : i + 22 + comment_len]
    offset = size - tail_len + i
    disks = 1
    if offset >= 20:
        fh.seek(offset - 20)
        locator = fh.read(20)
        if locator[:4] == _END64_LOCATOR:
            _eocd_disk, _eocd_offset, disks = struct.unpack("<LQL", locator[4:20])
            if offset >= 76:
                fh.seek(offset - 76)
                record = fh.read(56)
                if record[:4] == _END64:
                    disk, cd_disk, _here64, entries, cd_size, _off64 = struct.unpack(
                        "<LLQQQQ", record[16:56]
                    )
    return _End(offset, disk, cd_disk, disks, entries, cd_size, comment)


def _plausible_end(fh: BinaryIO, end: _End) -> bool:
    """Whether a central directory starts where the end record says it ends."""
    if end.entries == 0:
        return True
    start = end.offset - end.directory_size
    if start < 0:
        return False
    fh.seek(start)
    return fh.read(4) == _CENTRAL


# -- member names ----------------------------------------------------------------------


def _is_ascii(raw: bytes) -> bool:
    return all(b < 0x80 for b in raw)


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _plausible_cp437(raw: bytes) -> bool:
    """Whether the CP437 reading is Latin letters (not box drawing, Greek or symbols)."""
    return all(
        ch.isascii() or ("\u00c0" <= ch <= "\u024f" and ch.isalpha()) for ch in raw.decode("cp437")
    )


def _is_gb2312(raw: bytes) -> bool:
    """Whether every non-ASCII byte pairs into a GB2312 character (both bytes A1-FE)."""
    i = 0
    while i < len(raw):
        b = raw[i]
        if b < 0x80:
            i += 1
            continue
        if i + 1 >= len(raw) or not (0xA1 <= b <= 0xF7 and 0xA1 <= raw[i + 1] <= 0xFE):
            return False
        i += 2
    try:
        raw.decode("gbk")
    except UnicodeDecodeError:
        return False
    return True


def _is_shift_jis(raw: bytes) -> bool:
    """Whether the bytes are Shift_JIS double-byte characters (JIS X 0208), no half-width."""
    i = 0
    while i < len(raw):
        b = raw[i]
        if b < 0x80:
            i += 1
            continue
        lead_ok = 0x81 <= b <= 0x84 or 0x87 <= b <= 0x9F or 0xE0 <= b <= 0xEA
        if not lead_ok or i + 1 >= len(raw):
            return False
        t = raw[i + 1]
        if not (0x40 <= t <= 0x7E or 0x80 <= t <= 0xFC):
            return False
        i += 2
    try:
        raw.decode("cp932")
    except UnicodeDecodeError:
        return False
    return True


def _choose_legacy(raws: list[bytes]) -> str:
    """The encoding of names that are neither flagged UTF-8 nor valid UTF-8.

    Zip's historical encoding is CP437, and zipfile reads it so; but Chinese and Japanese
    tools write their own code page without saying so. When the CP437 reading of some name
    is mojibake and every such name is valid GB2312 (or Shift_JIS), that is taken instead.
    The choice is made once for the archive, as one tool wrote all its names.
    """
    legacy = [r for r in raws if not _is_ascii(r) and _utf8(r) is None]
    if not legacy or all(_plausible_cp437(r) for r in legacy):
        return "cp437"
    if all(_is_gb2312(r) for r in legacy):
        return "gbk"
    if all(_is_shift_jis(r) for r in legacy):
        return "shift_jis"
    return "cp437"


def _unicode_path(raw: bytes, extra: bytes) -> str | None:
    """The UTF-8 name of Info-ZIP's Unicode Path extra field, if it matches the raw name."""
    i = 0
    while i + 4 <= len(extra):
        tag, length = struct.unpack("<HH", extra[i : i + 4])
        body = extra[i + 4 : i + 4 + length]
        unicode = tag == _UNICODE_PATH and len(body) >= 5 and body[0] == 1
        if unicode and struct.unpack("<L", body[1:5])[0] == zlib.crc32(raw):
            return _utf8(body[5:])
        i += 4 + length
    return None


def _decode_name(raw: bytes, flags: int, extra: bytes, legacy: str) -> tuple[str, str]:
    """The member's name and the encoding it was read in."""
    if flags & _F_UTF8:
        text = _utf8(raw)
        if text is not None:
            return text, "utf-8"
        return raw.decode("utf-8", errors="replace"), "utf-8 (damaged)"
    if _is_ascii(raw):
        return raw.decode("ascii"), "ascii"
    unicode_path = _unicode_path(raw, extra)
    if unicode_path is not None:
        return unicode_path, "utf-8"
    text = _utf8(raw)
    if text is not None:
        return text, "utf-8"
    if legacy == "gbk":
        return raw.decode("gbk"), "gbk"
    if legacy == "shift_jis":
        return raw.decode("cp932"), "shift_jis"
    if legacy == "latin-1":
        return raw.decode("latin-1"), "latin-1"
    return raw.decode("cp437"), "cp437"


def _escape(name: str) -> tuple[str, bool]:
    """Control and bidirectional characters shown as escapes; whether there were any."""
    out: list[str] = []
    found = False
    for ch in name:
        if unicodedata.category(ch) == "Cc":
            out.append(f"\\x{ord(ch):02x}")
            found = True
        elif ch in _BIDI:
            out.append(f"\\u{ord(ch):04x}")
            found = True
        else:
            out.append(ch)
    return "".join(out), found


@dataclass(frozen=True, slots=True)
class _Name:
    """A member name made safe: the label, how it was stored, and what was changed."""

    label: str
    shown: str
    is_dir: bool
    climbed: bool
    absolute: bool
    escaped: bool


def _normalise(name: str) -> _Name:
    """The name as a relative POSIX path that cannot leave the archive.

    Backslashes count as separators, a drive letter and leading slashes are dropped, `.`
    and empty segments vanish, `..` takes away the segment before it and is dropped where
    it would climb out. Control characters are escaped after the split, so an escape can
    never become a separator.
    """
    shown, escaped = _escape(name)
    path = name.replace("\\", "/")
    is_dir = path.endswith("/")
    absolute = False
    if _DRIVE.match(path):
        path = path[2:]
        absolute = True
    if path.startswith("/"):
        absolute = True
    parts: list[str] = []
    climbed = False
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if parts:
                parts.pop()
            else:
                climbed = True
            continue
        parts.append(_escape(seg)[0])
    label = unicodedata.normalize("NFC", "/".join(parts))
    return _Name(label, shown, is_dir, climbed, absolute, escaped)


def _short(text: str, limit: int = 120) -> str:
    """A long name shortened in the middle for a warning."""
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


def _is_macos_metadata(label: str) -> bool:
    parts = label.split("/")
    return "__MACOSX" in parts or parts[-1].startswith("._")


# -- the entries of an archive ---------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    """One member as the directory (or a local header, when scanning) describes it."""

    raw_name: bytes
    flags: int
    method: int
    crc: int | None
    compressed: int | None
    size: int | None
    header_offset: int
    extra: bytes
    external_attr: int = 0
    data_start: int | None = None  # known when scanning
    info: zipfile.ZipInfo | None = None
    data_end: int | None = None  # set after reading, for the scan to go on from

    @classmethod
    def of(cls, info: zipfile.ZipInfo) -> _Entry:
        """An entry from zipfile's reading of the central directory."""
        flagged = info.flag_bits & _F_UTF8
        return cls(
            raw_name=info.orig_filename.encode("utf-8" if flagged else "cp437"),
            flags=info.flag_bits,
            method=info.compress_type,
            crc=info.CRC,
            compressed=info.compress_size,
            size=info.file_size,
            header_offset=info.header_offset,
            extra=info.extra,
            external_attr=info.external_attr,
            info=info,
        )


def _zip64_sizes(extra: bytes, size: int, compressed: int) -> tuple[int, int]:
    """Sizes from a local header's zip64 extra field when the 32-bit ones are maxed out."""
    i = 0
    while i + 4 <= len(extra):
        tag, length = struct.unpack("<HH", extra[i : i + 4])
        body = extra[i + 4 : i + 4 + length]
        if tag == _ZIP64_EXTRA:
            values = [struct.unpack("<Q", body[j : j + 8])[0] for j in range(0, len(body) - 7, 8)]
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if compressed == 0xFFFFFFFF and values:
                compressed = values.pop(0)
            break
        i += 4 + length
    return size, compressed


def _next_signature(mm: mmap.mmap, start: int) -> int:
    """Where the next zip record starts after `start`, or the end of the file."""
    found = [p for p in (mm.find(sig, start) for sig in _SIGNATURES) if p >= 0]
    return min(found) if found else len(mm)


def _scan(mm: mmap.mmap) -> Iterator[_Entry]:
    """Members found by their local headers, for an archive whose directory is lost.

    Sizes come from the local header; when a member's size is unknown (a data descriptor
    follows it) or runs past the end of the file, deflated data is read until its stream
    ends and stored data up to the next zip record. The caller sets `data_end` on each
    entry after reading it so the scan goes on after the member's data.
    """
    size = len(mm)
    pos = mm.find(_LOCAL)
    while pos >= 0 and pos + 30 <= size:
        (_sig, version, flags, method, _t, _d, crc, csize, usize, n, m) = struct.unpack(
            "<4s5H3L2H", mm[pos : pos + 30]
        )
        start = pos + 30 + n + m
        if (version & 0xFF) > 63 or n == 0 or start > size:
            pos = mm.find(_LOCAL, pos + 4)
            continue
        raw = bytes(mm[pos + 30 : pos + 30 + n])
        extra = bytes(mm[pos + 30 + n : start])
        usize, csize = _zip64_sizes(extra, usize, csize)
        known = not (flags & _F_DESCRIPTOR and csize == 0)
        compressed: int | None = csize if known else None
        if compressed is not None and start + compressed > size:
            compressed = None
        if compressed is None and method == _STORED:
            # Neither size can be trusted: the data is taken up to the next zip record.
            compressed = _next_signature(mm, start) - start
            known = False
        entry = _Entry(
            raw_name=raw,
            flags=flags,
            method=method,
            crc=crc if known else None,
            compressed=compressed,
            size=usize if known else None,
            header_offset=pos,
            extra=extra,
            data_start=start,
        )
        yield entry
        end = entry.data_end
        if end is None:
            end = start + compressed if compressed is not None else start
        pos = mm.find(_LOCAL, max(end, pos + 4))


def _descriptor_crc(fh: BinaryIO, pos: int) -> int | None:
    """The CRC of the data descriptor at `pos` (its signature is optional)."""
    fh.seek(pos)
    record = fh.read(8)
    if record[:4] == _DESCRIPTOR:
        record = record[4:]
    return int(struct.unpack("<L", record[:4])[0]) if len(record) >= 4 else None


# -- reading one member ----------------------------------------------------------------


class _MemberReader(io.RawIOBase):
    """One member's bytes, decompressed as they are read, stopped at the limits.

    A limit raises `_Stop`. Damaged data ends the stream early: `damage` says why, and what
    was read so far is kept. `crc` is the CRC-32 of what was produced.
    """

    def __init__(
        self,
        fh: BinaryIO,
        label: str,
        entry: _Entry,
        start: int,
        room: int,
        cancel: CancelToken,
    ) -> None:
        super().__init__()
        self._fh = fh
        self._label = label
        self._pos = start
        self._start = start
        self._left = entry.compressed if entry.compressed is not None else 1 << 62
        self._method = entry.method
        self._declared = entry.size
        self._room = room
        self._cancel = cancel
        self._input = b""
        self._done = False
        self.produced = 0
        self.consumed = 0
        self.crc = 0
        self.damage = ""
        self._dec: Any = None
        if self._method == _DEFLATED:
            self._dec = zlib.decompressobj(-15)
        elif self._method == _BZIP2:
            self._dec = bz2.BZ2Decompressor()
        elif self._method == _LZMA:
            self._dec = self._lzma()

    def readable(self) -> bool:
        """Always: this is a reader."""
        return True

    @property
    def data_end(self) -> int:
        """Where the member's compressed data ended in the archive."""
        unused = len(getattr(self._dec, "unused_data", b"")) if self._dec is not None else 0
        return self._start + self.consumed - len(self._input) - unused

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` with the next decompressed bytes; 0 at the end."""
        view = memoryview(buffer).cast("B")
        while not self._done:
            self._cancel.check()
            out = self._next(min(len(view), self._cap() - self.produced + 1))
            if out:
                self.produced += len(out)
                self._check()
                self.crc = zlib.crc32(out, self.crc)
                view[: len(out)] = out
                return len(out)
        return 0

    def _cap(self) -> int:
        cap = min(self._room, max(MIN_RATIO_BYTES, self.consumed * MAX_RATIO))
        if self._declared is not None:
            cap = min(cap, self._declared)
        return cap

    def _check(self) -> None:
        n, label = self.produced, self._label
        if self._declared is not None and n > self._declared:
            raise _Stop(
                f"compression bomb: member '{label}' stopped at {n} bytes: it holds more "
                f"than the {self._declared} bytes its header declares"
            )
        if n > self._room:
            raise _Stop(
                f"size limit: member '{label}' stopped at {n} bytes: the archive's members "
                f"reached the limit of {MAX_TOTAL_BYTES} bytes in total"
            )
        if n > max(MIN_RATIO_BYTES, self.consumed * MAX_RATIO):
            raise _Stop(
                f"compression bomb: member '{label}' stopped at {n} bytes from "
                f"{self.consumed} compressed bytes (more than {MAX_RATIO}:1)"
            )

    def _read(self, n: int) -> bytes:
        n = min(n, self._left)
        if n <= 0:
            return b""
        self._fh.seek(self._pos)
        data = self._fh.read(n)
        self._pos += len(data)
        self._left -= len(data)
        self.consumed += len(data)
        return data

    def _lzma(self) -> Any:
        head = self._read(4)
        props = self._read(struct.unpack("<H", head[2:4])[0]) if len(head) == 4 else b""
        if len(props) < 5:
            self._finish("the LZMA header is cut short")
            return None
        d = props[0]
        lc, lp, pb = d % 9, (d // 9) % 5, d // 45
        dictionary = int(struct.unpack("<L", props[1:5])[0])
        if self._declared is not None:
            dictionary = max(4096, min(dictionary, self._declared))
        if dictionary > MAX_LZMA_DICTIONARY or pb > 4:
            self._finish(f"an LZMA dictionary of {dictionary} bytes is beyond this reader")
            return None
        lzma1 = {"id": lzma.FILTER_LZMA1, "dict_size": dictionary, "lc": lc, "lp": lp, "pb": pb}
        try:
            return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma1])
        except lzma.LZMAError as exc:
            self._finish(f"bad LZMA settings ({exc})")
            return None

    def _finish(self, damage: str = "") -> None:
        self._done = True
        if damage and not self.damage:
            self.damage = damage

    def _next(self, want: int) -> bytes:
        if self._done:
            return b""
        if self._method == _STORED:
            data = self._read(min(want, _CHUNK))
            if not data:
                self._finish("" if self._left == 0 else "the archive ends inside this member")
            return data
        dec = self._dec
        if dec is None or dec.eof:
            self._finish()
            return b""
        if self._method == _LZMA and self._declared is not None:
            # Without an end marker an LZMA stream ends where the declared size says.
            want = min(want, self._declared - self.produced)
            if want <= 0:
                self._finish()
                return b""
        is_zlib = self._method == _DEFLATED
        if not self._input and (is_zlib or dec.needs_input):
            self._input = self._read(_CHUNK)
            if not self._input:
                return self._ran_dry(dec, is_zlib)
        try:
            if is_zlib:
                out = dec.decompress(self._input, want)
                self._input = dec.unconsumed_tail
            else:
                out = dec.decompress(self._input, max_length=want)
                self._input = b""
        except _DECOMPRESS_ERRORS as exc:
            self._finish(f"damaged compressed data: {exc}")
            return b""
        if dec.eof:
            self._finish()
        return bytes(out)

    def _ran_dry(self, dec: Any, is_zlib: bool) -> bytes:
        """The compressed bytes are used up before the stream said it ended."""
        tail = b""
        if is_zlib:
            try:
                tail = dec.flush()
            except zlib.error:
                tail = b""
        if self._declared is not None and self.produced + len(tail) >= self._declared:
            self._finish()  # e.g. LZMA without an end marker: the size says where it ends
        elif self._left > 0 and self._left < 1 << 61:
            self._finish("the archive ends inside this member")
        else:
            self._finish("the compressed data ends before its stream does")
        return tail


class _Capped(io.RawIOBase):
    """Another stream (decrypting, or a tar member) read within the limits.

    `room` is what the archive's total may still grow by; `stored`, when given, is the
    member's size in the archive, which its output may exceed only by the ratio limit (a
    sparse tar member). With `tolerant`, a read that fails because the data is damaged or
    cut short ends the stream instead, and `damage` says why, so what came before is kept.
    """

    def __init__(
        self,
        inner: IO[bytes],
        label: str,
        room: int,
        cancel: CancelToken,
        *,
        stored: int | None = None,
        tolerant: bool = False,
    ) -> None:
        super().__init__()
        self._inner = inner
        self._label = label
        self._room = room
        self._ratio_cap = None if stored is None else max(MIN_RATIO_BYTES, stored * MAX_RATIO)
        self._cancel = cancel
        self._tolerant = tolerant
        self.produced = 0
        self.damage = ""

    def readable(self) -> bool:
        """Always: this is a reader."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` from the inner stream; raises `_Stop` past a limit."""
        self._cancel.check()
        if self.damage:
            return 0
        cap = self._room if self._ratio_cap is None else min(self._room, self._ratio_cap)
        view = memoryview(buffer).cast("B")
        try:
            data = self._inner.read(min(len(view), cap - self.produced + 1, _CHUNK))
        except (*_DECOMPRESS_ERRORS, tarfile.TarError) as exc:
            if not self._tolerant:
                raise
            self.damage = str(exc) or type(exc).__name__
            return 0
        self.produced += len(data)
        n, label = self.produced, self._label
        if self._ratio_cap is not None and n > self._ratio_cap:
            raise _Stop(
                f"compression bomb: member '{label}' stopped at {n} bytes "
                f"(more than {MAX_RATIO}:1 of what the archive stores for it)"
            )
        if n > self._room:
            raise _Stop(
                f"size limit: member '{label}' stopped at {n} bytes: the archive's members "
                f"reached the limit of {MAX_TOTAL_BYTES} bytes in total"
            )
        view[: len(data)] = data
        return len(data)


# -- the importer ----------------------------------------------------------------------


class ArchiveImporter:
    """Zip files (and self-extractors): the archive as one item, each member a child source."""

    NAME: ClassVar[str] = "zip"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """40 for zip content, so importers of zip-based formats (90 and up) win over it."""
        head = probe.head
        if head.startswith((_LOCAL, _END, _DESCRIPTOR + _LOCAL, b"PK00" + _LOCAL)):
            return 40
        if _LOCAL not in head and probe.mime not in _SNIFF_MIMES:
            return 0
        try:
            with probe.open() as fh:
                end = _find_end(fh, probe.size)
                return 35 if end is not None and _plausible_end(fh, end) else 0
        except OSError:
            return 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One FILE item for the archive; every member handed over with `add_child`."""
        with probe.open() as fh:
            _Expansion(probe, fh, sink, ctx).run()


class _Expansion:
    """The state of reading one archive: limits used, names given, what was skipped."""

    def __init__(self, probe: Probe, fh: BinaryIO, sink: Sink, ctx: ImportContext) -> None:
        self.probe = probe
        self.fh = fh
        self.sink = sink
        self.ctx = ctx
        self.size = probe.size
        self.total = 0
        self.found = 0
        self.handed = 0
        self.directories = 0
        self.declared_total = 0
        self.labels: set[str] = set()
        self.encodings: Counter[str] = Counter()
        self.encrypted: list[str] = []
        self.skipped: list[dict[str, str]] = []
        self.renamed: list[dict[str, str]] = []
        self.warned: Counter[str] = Counter()
        self.regions: list[tuple[int, int, str]] = []
        self.macos = 0
        self.too_many = 0
        self.over_total = 0
        self.own_sha: str | None = None
        self.scanned = False
        self.legacy = "cp437"
        self.local_index: dict[bytes, list[int]] | None = None

    # -- the whole archive --------------------------------------------------------------

    def run(self) -> None:
        """Read the directory (or scan for members), hand the members over, add the item."""
        name = self.probe.name
        end = _find_end(self.fh, self.size)
        if end is not None and end.split:
            raise CorruptRecord(f"{name}: {SPLIT_ARCHIVE}")
        if end is None and self.probe.head.startswith(_DESCRIPTOR):
            raise CorruptRecord(f"{name}: {SPLIT_ARCHIVE}")
        if end is not None and end.directory_size > MAX_DIRECTORY_BYTES:
            raise CorruptRecord(
                f"{name}: the archive's directory of {end.directory_size} bytes is larger "
                f"than the {MAX_DIRECTORY_BYTES} bytes this reader accepts"
            )
        try:
            archive: zipfile.ZipFile | None = zipfile.ZipFile(self.fh)
            problem = ""
        except _ZIP_ERRORS as exc:
            archive, problem = None, _describe(exc)
        comment = end.comment if end is not None else b""
        if archive is not None:
            with archive:
                infos = archive.infolist()
                if end is not None and end.entries != len(infos):
                    self.sink.warn(
                        f"the archive's end record counts {end.entries} members but its "
                        f"directory lists {len(infos)}: the directory was followed"
                    )
                entries = [_Entry.of(i) for i in infos]
                first = min((e.header_offset for e in entries), default=0)
                starts = (_LOCAL, _END, _DESCRIPTOR + _LOCAL, b"PK00" + _LOCAL)
                if first > 0 and not self.probe.head.startswith(starts):
                    self.sink.warn(
                        f"{first} bytes of other data before the first member "
                        "(a self-extracting archive or a damaged start)"
                    )
                self.legacy = _choose_legacy([e.raw_name for e in entries if not e.flags & _F_UTF8])
                for entry in entries:
                    self.member(entry, archive)
        else:
            self.recover(problem)
        self.finish(comment)

    def recover(self, problem: str) -> None:
        """Members found by scanning local headers, when the directory cannot be read."""
        self.scanned = True
        name = self.probe.name
        if self.size == 0:
            raise CorruptRecord(f"{name}: not a readable zip archive ({problem})")
        with mmap.mmap(self.fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            for entry in _scan(mm):
                if self.found == 0:
                    self.sink.warn(
                        f"the archive's directory cannot be read ({problem}): members "
                        "were recovered by scanning their local headers"
                    )
                if self.found >= 2 * MAX_MEMBERS:
                    break
                self.legacy = _choose_legacy([entry.raw_name])
                self.member(entry, None)
        if self.found == 0:
            raise CorruptRecord(
                f"{name}: not a readable zip archive ({problem}); no member could be recovered"
            )

    def finish(self, comment_raw: bytes) -> None:
        """Summary warnings, the decisions, and the archive's own item."""
        if self.macos:
            self.sink.warn(f"skipped {self.macos} macOS metadata files (__MACOSX/, ._*)")
        if self.too_many:
            self.sink.warn(
                f"{self.too_many} members not read: an archive may hand over at most "
                f"{MAX_MEMBERS} members"
            )
        if self.over_total:
            self.sink.warn(
                f"{self.over_total} members not read: together they would pass the limit of "
                f"{MAX_TOTAL_BYTES} bytes for one archive"
            )
        for kind, n in sorted(self.warned.items()):
            if n > MAX_WARNINGS_PER_KIND:
                self.sink.warn(
                    f"{n - MAX_WARNINGS_PER_KIND} more warnings of the kind '{kind}' "
                    "(the archive item lists the members)"
                )
        encodings = sorted(e for e in self.encodings if e != "ascii")
        if encodings:
            self.sink.decide("name_encoding", ", ".join(encodings))
        comment = _utf8(comment_raw)
        if comment is None:
            comment = comment_raw.decode("cp437")
        meta: dict[str, Any] = {
            "file_name": self.probe.name,
            "size": self.size,
            "members": self.found - self.directories,
            "members_read": self.handed,
            "directories": self.directories,
            "total_size": self.declared_total,
            "bytes_read": self.total,
            "comment": comment,
            "encrypted": self.encrypted[:MAX_LISTED],
            "skipped": self.skipped[:MAX_LISTED],
            "renamed": self.renamed[:MAX_LISTED],
            "name_encoding": dict(self.encodings),
        }
        if self.scanned:
            meta["recovered_by_scan"] = True
        self.sink.add_item(
            ItemDraft(
                kind=ItemKind.FILE,
                locator="",
                text=comment,
                events=file_time_events(self.probe),
                meta=meta,
                key="archive",
                mime=self.probe.mime,
            )
        )

    # -- one member ---------------------------------------------------------------------

    def note(self, kind: str, message: str) -> None:
        """A warning about one member; past a hundred of a kind they are only counted."""
        self.warned[kind] += 1
        if self.warned[kind] <= MAX_WARNINGS_PER_KIND:
            self.sink.warn(message)

    def skip(self, label: str, reason: str) -> None:
        """Record a member that was not handed over."""
        if len(self.skipped) < MAX_LISTED:
            self.skipped.append({"name": label, "reason": reason})

    def label(self, entry: _Entry) -> tuple[str, bool]:
        """The member's unique label and whether it is a directory."""
        text, encoding = _decode_name(entry.raw_name, entry.flags, entry.extra, self.legacy)
        self.encodings[encoding] += 1
        name = _normalise(text)
        label = name.label
        if name.climbed:
            self.note(
                "zip-slip",
                f"zip-slip attempt: '{_short(name.shown)}' kept as '{_short(label)}'",
            )
        elif name.absolute:
            self.note(
                "absolute path",
                f"absolute path '{_short(name.shown)}' kept as '{_short(label)}'",
            )
        if name.escaped:
            self.note(
                "control characters",
                f"member name '{_short(name.shown)}' holds control characters "
                "(shown as \\x.. escapes)",
            )
        is_dir = name.is_dir or bool(entry.external_attr & 0x10 and not entry.size)
        if is_dir and not entry.size:
            return label, True
        if is_dir:
            self.note(
                "directory with data",
                f"directory entry '{_short(label)}' holds {entry.size} bytes: read as a file",
            )
        if not label:
            label = f"unnamed member {self.found}"
        if label in self.labels:
            path = PurePosixPath(label)
            n = 2
            while (new := str(path.with_name(f"{path.stem} ({n}){path.suffix}"))) in self.labels:
                n += 1
            self.note(
                "duplicate name",
                f"duplicate member name '{_short(label)}': this copy is kept as '{_short(new)}'",
            )
            label = new
        self.labels.add(label)
        if label != text and len(self.renamed) < MAX_LISTED:
            self.renamed.append({"name": label, "stored_as": name.shown})
        return label, False

    def member(self, entry: _Entry, archive: zipfile.ZipFile | None) -> None:
        """Check one member against the rules and limits, then hand it over."""
        self.ctx.cancel.check()
        self.found += 1
        label, is_dir = self.label(entry)
        if is_dir:
            self.directories += 1
            return
        if _is_macos_metadata(label):
            self.macos += 1
            self.skip(label, "macOS metadata")
            return
        if entry.size is not None:
            self.declared_total += entry.size
        if self.handed >= MAX_MEMBERS:
            self.too_many += 1
            self.skip(label, "too many members")
            return
        if entry.flags & _F_ENCRYPTED:
            self.encrypted_member(label, entry, archive)
            return
        if entry.method not in _READABLE:
            method = _METHOD_NAMES.get(entry.method, "unknown")
            self.note(
                "unsupported method",
                f"member '{label}' not read: compression method {entry.method} ({method}) "
                "is not supported",
            )
            self.skip(label, f"compression method {entry.method} ({method})")
            return
        if not self.within_limits(label, entry):
            return
        start = self.data_start(label, entry)
        if start is None:
            return
        try:
            if self.is_copy_of_archive(label, entry, start):
                return
            reader = _MemberReader(self.fh, label, entry, start, self.room(), self.ctx.cancel)
            stream = io.BufferedReader(reader, _CHUNK)
            stream.peek(1)
            if reader.produced == 0 and reader.damage:
                self.note("damaged", f"member '{label}' not read: {reader.damage}")
                self.skip(label, reader.damage)
                return
            self.sink.add_child(label, stream)
        except _Stop as stop:
            self.note("limit", str(stop))
            self.skip(label, str(stop))
            return
        entry.data_end = reader.data_end
        if entry.crc is None and entry.flags & _F_DESCRIPTOR and not reader.damage:
            entry.crc = _descriptor_crc(self.fh, entry.data_end)
        self.handed += 1
        self.total += reader.produced
        self.after_reading(label, entry, reader)

    def room(self) -> int:
        """How many bytes the members still to come may expand to."""
        return max(0, MAX_TOTAL_BYTES - self.total)

    def within_limits(self, label: str, entry: _Entry) -> bool:
        """Whether the declared sizes keep within the ratio and total limits."""
        if entry.size is None:
            return True
        if entry.compressed is not None:
            limit = max(MIN_RATIO_BYTES, entry.compressed * MAX_RATIO)
            if entry.size > limit:
                message = (
                    f"compression bomb: member '{label}' not read: it declares {entry.size} "
                    f"bytes from {entry.compressed} compressed bytes (more than {MAX_RATIO}:1)"
                )
                self.note("limit", message)
                self.skip(label, message)
                return False
        if entry.size > self.room():
            self.over_total += 1
            self.skip(label, f"past the total size limit of {MAX_TOTAL_BYTES} bytes")
            return False
        return True

    def data_start(self, label: str, entry: _Entry) -> int | None:
        """Where the member's data starts, after checking its local header and region."""
        if entry.data_start is not None:
            start = entry.data_start
        else:
            header = b""
            if entry.header_offset >= 0:  # a forged directory can place a member before 0
                self.fh.seek(entry.header_offset)
                header = self.fh.read(30)
            if len(header) < 30 or header[:4] != _LOCAL:
                found = self.find_local(entry.raw_name)
                if found is None:
                    reason = f"no local header at offset {entry.header_offset}"
                    self.note("damaged", f"member '{label}' not read: {reason}")
                    self.skip(label, reason)
                    return None
                self.note(
                    "damaged",
                    f"member '{label}': the directory places it at offset "
                    f"{entry.header_offset}, it was found by its name at {found}",
                )
                entry.header_offset = found
                self.fh.seek(found)
                header = self.fh.read(30)
            n, m = struct.unpack("<HH", header[26:30])
            start = entry.header_offset + 30 + n + m
        if entry.compressed is not None:
            end = start + entry.compressed
            other = self.overlapping(entry.header_offset, end)
            if other is not None:
                reason = f"its data overlaps member '{other}' (a zip-bomb construction)"
                self.note("limit", f"compression bomb: member '{label}' not read: {reason}")
                self.skip(label, reason)
                return None
            bisect.insort(self.regions, (entry.header_offset, end, label))
        return start

    def find_local(self, raw: bytes) -> int | None:
        """The offset of an unused local header with this name, when the directory is wrong."""
        if self.local_index is None:
            self.local_index = {}
            with mmap.mmap(self.fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                pos, found = mm.find(_LOCAL), 0
                while pos >= 0 and pos + 30 <= len(mm) and found < 2 * MAX_MEMBERS:
                    n = struct.unpack("<H", mm[pos + 26 : pos + 28])[0]
                    self.local_index.setdefault(bytes(mm[pos + 30 : pos + 30 + n]), []).append(pos)
                    pos, found = mm.find(_LOCAL, pos + 4), found + 1
        offsets = self.local_index.get(raw)
        return offsets.pop(0) if offsets else None

    def overlapping(self, start: int, end: int) -> str | None:
        """The label of a member read earlier whose bytes overlap [start, end)."""
        i = bisect.bisect_left(self.regions, (start, -1, ""))
        for j in (i - 1, i):
            if 0 <= j < len(self.regions):
                s, e, other = self.regions[j]
                if s < end and start < e:
                    return other
        return None

    def is_copy_of_archive(self, label: str, entry: _Entry, start: int) -> bool:
        """Whether the member is byte for byte the archive itself (a zip quine)."""
        if entry.size != self.size:
            return False
        if self.own_sha is None:
            self.own_sha = _file_sha256(self.fh)
        reader = _MemberReader(self.fh, label, entry, start, self.room(), self.ctx.cancel)
        digest = hashlib.sha256()
        while chunk := reader.read(1 << 20):
            digest.update(chunk)
        if digest.hexdigest() != self.own_sha:
            return False
        reason = "it is a copy of the archive itself (a recursive archive)"
        self.note("recursive", f"member '{label}' not read: {reason}")
        self.skip(label, reason)
        entry.data_end = reader.data_end
        return True

    def after_reading(self, label: str, entry: _Entry, reader: _MemberReader) -> None:
        """Warnings for a member that was kept but is damaged, short, or fails its CRC."""
        n = reader.produced
        if reader.damage:
            of = f" of {entry.size}" if entry.size is not None else ""
            self.note(
                "damaged",
                f"member '{label}' is damaged ({reader.damage}): kept the {n}{of} bytes read",
            )
        elif entry.size is not None and n < entry.size:
            self.note(
                "damaged",
                f"member '{label}' is shorter than declared: kept the {n} of {entry.size} bytes",
            )
        elif entry.crc is not None and reader.crc != entry.crc:
            self.note("damaged", f"member '{label}' fails its CRC check (damaged): kept as read")

    def encrypted_member(self, label: str, entry: _Entry, archive: zipfile.ZipFile | None) -> None:
        """Read a ZipCrypto member with the password given; report what cannot be read."""
        self.encrypted.append(label)
        password = self.ctx.options.password
        reason = ""
        if not password:
            reason = "no password"
        elif entry.method == _AES or entry.flags & _F_STRONG:
            reason = "AES or strong encryption is not supported"
        elif entry.method not in (_STORED, _DEFLATED):
            reason = f"compression method {entry.method} is not supported when encrypted"
        elif archive is None or entry.info is None:
            reason = "the archive's directory is damaged"
        elif not self.within_limits(label, entry):
            return
        if reason:
            self.note("encrypted", f"encrypted member '{label}' not read ({reason})")
            self.skip(label, f"encrypted: {reason}")
            return
        assert archive is not None  # for mypy: checked above
        assert entry.info is not None
        try:
            inner = _open_encrypted(archive, entry.info, password)
            if inner is None:
                self.note("encrypted", f"encrypted member '{label}' not read (wrong password)")
                self.skip(label, "encrypted: wrong password")
                return
            with inner:
                capped = _Capped(inner, label, self.room(), self.ctx.cancel)
                self.sink.add_child(label, io.BufferedReader(capped, _CHUNK))
        except _Stop as stop:
            self.note("limit", str(stop))
            self.skip(label, str(stop))
            return
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            reason = f"it cannot be decrypted: {exc} (wrong password or damaged)"
            self.note("encrypted", f"encrypted member '{label}' not read ({reason})")
            self.skip(label, f"encrypted: {reason}")
            return
        self.handed += 1
        self.total += capped.produced


def _open_encrypted(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, password: str
) -> IO[bytes] | None:
    """The decrypting stream of a ZipCrypto member, or None when the password is wrong."""
    tried: list[bytes] = []
    for encoding in ("utf-8", "cp437", "cp1252"):
        try:
            pwd = password.encode(encoding)
        except UnicodeEncodeError:
            continue
        if pwd in tried:
            continue
        tried.append(pwd)
        try:
            return archive.open(info, pwd=pwd)
        except RuntimeError as exc:
            if "password" not in str(exc).lower():
                raise zipfile.BadZipFile(str(exc)) from exc
    return None


def _file_sha256(fh: BinaryIO) -> str:
    """The SHA-256 of a whole open file."""
    digest = hashlib.sha256()
    fh.seek(0)
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _describe(exc: BaseException) -> str:
    """An exception from zipfile as a short phrase."""
    if isinstance(exc, UnicodeDecodeError):
        return "a member name marked UTF-8 is not valid UTF-8"
    text = str(exc) or type(exc).__name__
    return text[0].lower() + text[1:] if text else text


# -- tar, and single compressed files --------------------------------------------------

_GZIP, _BZIP2_MAGIC, _XZ = b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"
_TAR_ERRORS = (tarfile.TarError, *_DECOMPRESS_ERRORS)
_SUFFIXES = {".gz": "", ".tgz": ".tar", ".bz2": "", ".tbz2": ".tar", ".xz": "", ".txz": ".tar"}


def _compression(head: bytes) -> str:
    """The compression a file starts with: gzip, bzip2, xz, or ''."""
    if head.startswith(_GZIP):
        return "gzip"
    if head.startswith(_BZIP2_MAGIC) and head[3:4].isdigit():
        return "bzip2"
    if head.startswith(_XZ):
        return "xz"
    return ""


def _is_tar_header(block: bytes) -> bool:
    """Whether a 512-byte block is a tar header: ustar magic, or a v7 header's checksum."""
    if len(block) < 512 or block[0] == 0:
        return False
    if block[257:262] == b"ustar":
        return True
    field = block[148:156].replace(b"\0", b" ").strip()
    if not field or any(c not in b"01234567" for c in field):
        return False
    return int(field, 8) == sum(block[:148]) + 8 * 32 + sum(block[156:512])


def _gzip_name(head: bytes) -> str:
    """The original file name a gzip header carries (FNAME), or ''."""
    if len(head) < 10 or not head[3] & 0x08:
        return ""
    pos = 10
    if head[3] & 0x04:
        pos += 2 + int.from_bytes(head[10:12], "little")
    end = head.find(b"\0", pos)
    return head[pos:end].decode("latin-1") if end > pos else ""


def _decompressed(fh: BinaryIO, compression: str) -> contextlib.AbstractContextManager[IO[bytes]]:
    """The file's bytes as they read after decompression (the file itself when plain)."""
    if compression == "gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=fh, mode="rb"))
    if compression == "bzip2":
        return cast(IO[bytes], bz2.BZ2File(fh))
    if compression == "xz":
        return cast(IO[bytes], lzma.LZMAFile(fh))
    return contextlib.nullcontext(fh)


class _TarStream(io.RawIOBase):
    """The tar bytes (decompressed as they are read) within the archive's limits.

    tarfile reads through this: every read is checked against the total size limit and,
    for a compressed stream, the ratio limit; while a member's headers are read (`header`
    is set) they may not pass MAX_TAR_HEADER, so a forged PAX header or sparse map cannot
    fill the memory; reading on at the end of the data cannot loop forever.
    """

    def __init__(
        self, inner: IO[bytes], raw: BinaryIO, compressed: bool, cancel: CancelToken
    ) -> None:
        super().__init__()
        self._inner = inner
        self._raw = raw
        self._compressed = compressed
        self._cancel = cancel
        self._header_bytes = 0
        self._empty_reads = 0
        self.header = False

    def readable(self) -> bool:
        """Always: this is a reader."""
        return True

    def seekable(self) -> bool:
        """Always (forward seeks on compressed data decompress what they skip)."""
        return True

    def tell(self) -> int:
        """The position in the decompressed tar bytes."""
        return self._inner.tell()

    def begin_header(self) -> None:
        """Count what is read from here on against MAX_TAR_HEADER."""
        self.header = True
        self._header_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` bytes; a header read past MAX_TAR_HEADER raises `_ArchiveStop`."""
        if size is None or size < 0 or size > MAX_TAR_HEADER:
            raise _ArchiveStop(
                f"a tar header claims {size} bytes (forged?): the rest of the archive was not read"
            )
        if self.header:
            self._header_bytes += size
            if self._header_bytes > MAX_TAR_HEADER:
                raise _ArchiveStop(
                    f"a tar header of more than {MAX_TAR_HEADER} bytes (forged?): "
                    "the rest of the archive was not read"
                )
        return self._read(size)

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` (for io's sake; tarfile calls `read`)."""
        data = self.read(len(buffer))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def _read(self, size: int) -> bytes:
        self._cancel.check()
        data = self._inner.read(size)
        if data or not size:
            self._empty_reads = 0
        else:
            self._empty_reads += 1
            if self._empty_reads > 1000:
                raise _ArchiveStop("the tar data ends inside a header")
        pos = self._inner.tell()
        if pos > MAX_TOTAL_BYTES:
            raise _ArchiveStop(
                f"size limit: the archive stopped at {pos} bytes, the limit for one archive"
            )
        if self._compressed:
            consumed = self._raw.tell()
            if pos > max(MIN_RATIO_BYTES, consumed * MAX_RATIO):
                raise _ArchiveStop(
                    f"compression bomb: the archive stopped at {pos} bytes from {consumed} "
                    f"compressed bytes (more than {MAX_RATIO}:1)"
                )
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move in the decompressed bytes; going forward reads within the limits."""
        if whence == io.SEEK_CUR:
            offset += self.tell()
        elif whence != io.SEEK_SET:
            raise OSError("a tar stream cannot seek from its end")
        here = self.tell()
        if not self._compressed or offset < here:
            return self._inner.seek(offset)
        while here < offset:
            chunk = self._read(min(_CHUNK, offset - here))
            if not chunk:
                break
            here += len(chunk)
        return here


class TarImporter:
    """Tar archives, plain or compressed (gzip, bzip2, xz), and single compressed files."""

    NAME: ClassVar[str] = "tar"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """40 for a tar header, 30 for gzip/bzip2/xz data (a compressed tar or one file)."""
        if _is_tar_header(probe.head[:512]):
            return 40
        return 30 if _compression(probe.head) else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One FILE item for the archive; every member handed over with `add_child`."""
        with probe.open() as fh:
            _TarExpansion(probe, fh, sink, ctx).run()


class _TarExpansion(_Expansion):
    """Reading one tar (or compressed file): the zip reader's names, limits and record."""

    def run(self) -> None:
        """Open the compression, then read a tar or hand over the one compressed file."""
        self.legacy = "latin-1"
        compression = _compression(self.probe.head)
        with _decompressed(self.fh, compression) as inner:
            self.read(inner, compression)
        if self.found == 0 and not compression:
            raise CorruptRecord(f"{self.probe.name}: not a readable tar archive (no member)")
        self.finish(b"")

    def read(self, inner: IO[bytes], compression: str) -> None:
        """Read a tar, or hand over the one compressed file."""
        name = self.probe.name
        stream = _TarStream(inner, self.fh, bool(compression), self.ctx.cancel)
        try:
            first = stream.read(512)
            stream.seek(0)
        except _ArchiveStop as stop:
            raise CorruptRecord(f"{name}: {stop}") from None
        except _TAR_ERRORS as exc:
            raise CorruptRecord(f"{name}: the {compression} data cannot be read ({exc})") from exc
        try:
            if _is_tar_header(first):
                self.tar(stream)
            elif compression:
                self.single(stream, compression)
            else:
                raise CorruptRecord(f"{name}: not a readable tar archive")
        except _ArchiveStop as stop:
            if self.found == 0:
                raise CorruptRecord(f"{name}: {stop}") from None
            self.sink.warn(str(stop))
        except _TAR_ERRORS as exc:
            if self.found == 0:
                raise CorruptRecord(f"{name}: not a readable archive ({exc})") from exc
            self.sink.warn(
                f"the archive is damaged after {self.found} members ({exc}): the rest was not read"
            )

    def tar(self, stream: _TarStream) -> None:
        """Every member of the tar, in order."""
        stream.begin_header()
        with tarfile.open(
            fileobj=cast(IO[bytes], stream), mode="r:", encoding="utf-8", errors="surrogateescape"
        ) as archive:
            while True:
                stream.begin_header()
                member = archive.next()
                stream.header = False
                if member is None:
                    break
                kept = getattr(archive, "members", None)
                if isinstance(kept, list):
                    kept.clear()  # tarfile keeps every header otherwise
                self.tar_member(archive, member)
                if self.found >= 2 * MAX_MEMBERS:
                    self.sink.warn(f"only the first {self.found} entries of the archive were read")
                    return
            end = archive.offset
        stream.seek(end)
        rest = stream.read(512)
        if rest.strip(b"\0"):
            self.sink.warn(
                f"a damaged or cut-short tar header at offset {end}: the rest of the archive "
                "was not read"
            )

    def tar_member(self, archive: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        """Check one tar entry and hand it over when it is a file."""
        self.ctx.cancel.check()
        self.found += 1
        raw = member.name.encode("utf-8", "surrogateescape")
        entry = _Entry(raw, 0, 0, None, member.size, member.size, member.offset, b"")
        label, is_dir = self.label(entry)
        if member.isdir() or (is_dir and not member.size):
            self.directories += 1
            return
        if not member.isreg():
            kind = "symbolic link" if member.issym() else "hard link" if member.islnk() else ""
            target = f" to '{member.linkname}'" if member.linkname else ""
            self.skip(label, f"{kind or 'device or pipe'}{target}: not a file")
            return
        if _is_macos_metadata(label):
            self.macos += 1
            self.skip(label, "macOS metadata")
            return
        self.declared_total += member.size
        if self.handed >= MAX_MEMBERS:
            self.too_many += 1
            self.skip(label, "too many members")
            return
        sparse: Any = getattr(member, "sparse", None)
        stored = sum(n for _, n in sparse) if sparse else member.size
        content = archive.extractfile(member)
        if content is None:
            return
        self.hand_over(label, content, stored, member.size)

    def single(self, stream: _TarStream, compression: str) -> None:
        """A compressed file that is not a tar: its content as the one member."""
        name = _gzip_name(self.probe.head) if compression == "gzip" else ""
        if not name:
            path = PurePosixPath(self.probe.name)
            name = path.stem + _SUFFIXES.get(path.suffix.lower(), "")
            if not path.suffix or path.suffix.lower() not in _SUFFIXES:
                name = f"{self.probe.name} (decompressed)"
        self.found += 1
        entry = _Entry(name.encode("latin-1", "replace"), 0, 0, None, None, None, 0, b"")
        label, _ = self.label(entry)
        self.hand_over(label, cast(IO[bytes], stream), None, None)

    def hand_over(
        self, label: str, content: IO[bytes], stored: int | None, size: int | None
    ) -> None:
        """Stream one member into a child source within the limits; warn if it is cut short."""
        capped = _Capped(content, label, self.room(), self.ctx.cancel, stored=stored, tolerant=True)
        try:
            self.sink.add_child(label, io.BufferedReader(capped, _CHUNK))
        except _Stop as stop:
            self.note("limit", str(stop))
            self.skip(label, str(stop))
            return
        self.handed += 1
        self.total += capped.produced
        if capped.damage:
            of = f" of {size}" if size is not None else ""
            self.note(
                "damaged",
                f"member '{label}' is damaged or cut short ({capped.damage}): kept the "
                f"{capped.produced}{of} bytes read",
            )
