"""Image helpers shared by the importer, the viewers and redaction.

EXIF through exifread, pixels through Pillow (HEIC/HEIF through pillow-heif when installed),
a 64-bit DCT perceptual hash, near-duplicate grouping and cached thumbnails. Everything here
is defensive: evidence images are often truncated, fuzzed or enormous, so problems come back
as warning sentences and never as a lost file.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import math
import re
import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, cast

import exifread
import numpy
from PIL import Image, ImageOps, UnidentifiedImageError

from app import limits
from app.errors import EvidenceError

log = logging.getLogger(__name__)

MAX_PIXELS = limits.MAX_IMAGE_PIXELS
"""Images larger than this keep their metadata, but their pixels are never decoded."""

SANE_FIRST = datetime(1990, 1, 1)
"""The earliest capture time believed; earlier ones are clocks never set (or set to 0)."""

HASH_BITS = 64
_DCT_SIZE = 32
_LOW = 8
_XMP_LIMIT = 256 * 1024
_EXIF_VALUE_LIMIT = 256
_EXIF_TAG_LIMIT = 300
# Binary blobs and pointers that say nothing to a reviewer and only bloat the metadata.
_EXIF_SKIP = re.compile(
    r"(Thumbnail$|MakerNote|PrintIM|^Image (ExifOffset|GPSInfo|SubIFDs)$|"
    r"InteroperabilityOffset|ApplicationNotes|XMLPacket|InterColorProfile|Padding)"
)
_MESSAGE_LIMIT = 5
_QUIET_EXIF_LOG = ("does not have exif data", "File format not recognized")


@functools.cache
def heif_supported() -> bool:
    """Whether HEIC/HEIF pixels can be decoded (pillow-heif installed); registers it once."""
    try:
        import pillow_heif  # optional: registered on first use

        pillow_heif.register_heif_opener()
    except ImportError:
        log.info("pillow-heif is not installed: HEIC/HEIF pixels cannot be decoded")
        return False
    return True


# --- EXIF -------------------------------------------------------------------------------


class _ThreadLog(logging.Handler):
    """Collects exifread's warnings raised by this thread only."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            message = record.getMessage()
            if not any(quiet in message for quiet in _QUIET_EXIF_LOG):
                self.messages.append(message)


class _ExifTooCostly(Exception):
    """The EXIF asked for more reads than `limits.MAX_EXIF_READS`."""


class _ReadBudget:
    """A file seen by exifread, which may read it at most `reads` times.

    A forged value count makes exifread read a value a byte at a time, millions of times.
    """

    def __init__(self, fh: BinaryIO, reads: int) -> None:
        self._fh = fh
        self._left = reads
        # exifread seeks before nearly every read: bound here, not found by __getattr__.
        self.seek = fh.seek
        self.tell = fh.tell

    def read(self, size: int = -1) -> bytes:
        """Read, counting."""
        self._left -= 1
        if self._left < 0:
            raise _ExifTooCostly(
                f"more than {limits.MAX_EXIF_READS} reads asked for (forged value counts?)"
            )
        return self._fh.read(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def read_exif(fh: BinaryIO) -> tuple[dict[str, Any], list[str]]:
    """EXIF tags as exifread reads them (no MakerNote, no thumbnail) and problems met.

    A corrupt EXIF block never raises: what could be read is returned with a warning.
    """
    handler = _ThreadLog()
    logger = logging.getLogger("exifread")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)  # its warnings are ours to report, whatever the root
    logger.addHandler(handler)
    problems: list[str] = []
    tags: dict[str, Any] = {}
    try:
        fh.seek(0)
        budget = _ReadBudget(fh, limits.MAX_EXIF_READS)
        tags = dict(
            exifread.process_file(cast(BinaryIO, budget), details=False, extract_thumbnail=False)
        )
    except Exception as exc:  # exifread raises anything on hostile input
        log.debug("exifread failed", exc_info=True)
        problems.append(f"EXIF unreadable: {type(exc).__name__}: {exc}")
    finally:
        logger.removeHandler(handler)
    problems[:0] = _capped("EXIF", handler.messages)
    return tags, problems


def tag_text(tags: Mapping[str, Any], name: str) -> str:
    """A tag's printable value, stripped, looked up in the EXIF then the main IFD; '' if absent."""
    for ifd in ("EXIF", "Image"):
        value = tags.get(f"{ifd} {name}")
        if value is not None:
            return _printable(value).strip(" \x00")
    return ""


def _printable(value: Any) -> str:
    text = getattr(value, "printable", None)
    if isinstance(text, str):
        return text
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def exif_strings(tags: Mapping[str, Any]) -> tuple[dict[str, str], bool]:
    """Every readable tag as a short string, binary blobs left out; and whether it was capped."""
    out: dict[str, str] = {}
    capped = False
    for name, value in tags.items():
        if _EXIF_SKIP.search(name) or isinstance(value, bytes):
            continue
        if len(out) >= _EXIF_TAG_LIMIT:
            capped = True
            break
        text = _printable(value)
        if getattr(value, "field_type", 0) == 7 and len(getattr(value, "values", ())) > 64:
            text = f"<{len(value.values)} bytes>"
        if len(text) > _EXIF_VALUE_LIMIT:
            text = text[:_EXIF_VALUE_LIMIT] + "…"
            capped = True
        out[name] = text
    return out, capped


_EXIF_DT = re.compile(
    r"^\s*(\d{4})[:\-/](\d{1,2})[:\-/](\d{1,2})[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?"
    r"(?:[.,](\d+))?\s*(Z|[+-]\d{1,2}:?\d{2})?\s*$"
)
_OFFSET = re.compile(r"^\s*([+-])(\d{1,2}):?(\d{2})\s*$")


def parse_exif_time(text: str) -> tuple[datetime, timezone | None] | None:
    """A naive time and its offset (if written in the value) from an EXIF or XMP date-time.

    Accepts the EXIF form `2022:08:14 14:12:31` and the ISO forms writers also use
    (`2012-05-03T13:36:11-04:00`); None for blanks, zeros and impossible dates.
    """
    match = _EXIF_DT.match(text.replace("\x00", ""))
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int(fraction[:6].ljust(6, "0")) if fraction else 0,
        )
    except ValueError:
        return None
    return moment, parse_offset(offset) if offset else None


def parse_offset(text: str) -> timezone | None:
    """A UTC offset from `+03:00`, `-0500`, `+1:00` or `Z`; None when it is not one."""
    if text.strip().upper() == "Z":
        return UTC
    match = _OFFSET.match(text)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14) or int(minutes) >= 60:
        return None
    return timezone(-delta if sign == "-" else delta)


def subsec_micros(text: str) -> int | None:
    """Microseconds from an EXIF SubSecTime value ('762' is 0.762 s); None if not digits."""
    digits = text.strip(" \x00")
    if not digits.isdigit():
        return None
    return int(digits[:6].ljust(6, "0"))


def sane_time(moment: datetime, now: datetime | None = None) -> bool:
    """Whether a capture time is plausible: from 1990 to a day after now (naive comparison)."""
    latest = (now or datetime.now(UTC)).replace(tzinfo=None) + timedelta(days=1)
    return SANE_FIRST <= moment.replace(tzinfo=None) <= latest


# --- GPS --------------------------------------------------------------------------------


@dataclass(slots=True)
class Gps:
    """A position in decimal degrees (WGS-84 as phones write it), and what was wrong with it."""

    lat: float | None = None
    lon: float | None = None
    alt: float | None = None
    time_utc: datetime | None = None
    warnings: list[str] = field(default_factory=list)

    def as_meta(self) -> dict[str, Any]:
        """The position as JSON-ready metadata: lat, lon and, when known, alt and time_utc."""
        out: dict[str, Any] = {}
        if self.lat is not None and self.lon is not None:
            out["lat"] = round(self.lat, 7)
            out["lon"] = round(self.lon, 7)
        if self.alt is not None:
            out["alt"] = round(self.alt, 2)
        if self.time_utc is not None:
            out["time_utc"] = self.time_utc.isoformat().replace("+00:00", "Z")
        return out


def _ratio(value: Any) -> float | None:
    """A rational's value; None for x/0 (0/0 reads as 0: "no fraction" to many writers)."""
    num = getattr(value, "num", None)
    den = getattr(value, "den", None)
    if num is None or den is None:
        try:
            return float(value)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return None
    if den == 0:
        return 0.0 if num == 0 else None
    return float(num) / float(den)


def _values(tags: Mapping[str, Any], name: str) -> list[Any]:
    tag = tags.get(f"GPS {name}")
    values = getattr(tag, "values", None)
    if values is None:
        return []
    if isinstance(values, str | bytes):
        return [values]
    return list(values)


def _ref(tags: Mapping[str, Any], name: str) -> str:
    values = _values(tags, name)
    if not values:
        return ""
    first = values[0]
    if isinstance(first, bytes):
        first = first.decode("ascii", "replace")
    return str(first).strip(" \x00").upper()[:1]


def _degrees(tags: Mapping[str, Any], axis: str, limit: float, gps: Gps) -> float | None:
    name = "GPSLatitude" if axis == "lat" else "GPSLongitude"
    values = _values(tags, name)
    if not values:
        return None
    parts = [_ratio(v) for v in values[:3]]
    if any(p is None for p in parts):
        gps.warnings.append(f"GPS: {name} {values} has a zero denominator: position not read")
        return None
    deg = 0.0
    for part, scale in zip(parts, (1.0, 60.0, 3600.0), strict=False):
        deg += abs(part or 0.0) / scale
    negative = any((p or 0.0) < 0 for p in parts)
    ref = _ref(tags, name + "Ref")
    south_west = "S" if axis == "lat" else "W"
    north_east = "N" if axis == "lat" else "E"
    if ref == south_west or (not ref and negative):
        deg = -deg
    elif ref != north_east:
        hemisphere = "north" if axis == "lat" else "east"
        what = "missing" if not ref else f"{ref!r} is not {north_east}/{south_west}"
        gps.warnings.append(f"GPS: {name}Ref {what}: {hemisphere} assumed")
    if not math.isfinite(deg) or abs(deg) > limit:
        gps.warnings.append(f"GPS: {name} {values} is out of range: position not read")
        return None
    return deg


def gps_from_tags(tags: Mapping[str, Any]) -> Gps | None:
    """The GPS position and fix time in an EXIF GPS IFD; None when it holds no position."""
    gps = Gps()
    if not any(name.startswith("GPS ") for name in tags):
        return None
    lat = _degrees(tags, "lat", 90.0, gps)
    lon = _degrees(tags, "lon", 180.0, gps)
    if lat is not None and lon is not None:
        if lat == 0.0 and lon == 0.0:
            gps.warnings.append("GPS: position 0,0 (a fix never made) ignored")
        else:
            gps.lat, gps.lon = lat, lon
    elif (lat is None) != (lon is None):
        gps.warnings.append("GPS: only one of latitude and longitude is present")
    alt_values = _values(tags, "GPSAltitude")
    if alt_values:
        alt = _ratio(alt_values[0])
        below = _values(tags, "GPSAltitudeRef")[:1] == [1]
        if alt is None or not math.isfinite(alt) or abs(alt) > 50_000:
            gps.warnings.append(f"GPS: altitude {alt_values[0]} is not plausible: not read")
        else:
            gps.alt = -abs(alt) if below else alt
    gps.time_utc = _gps_time(tags, gps)
    if gps.lat is None and gps.alt is None and gps.time_utc is None and not gps.warnings:
        return None
    return gps


def _gps_time(tags: Mapping[str, Any], gps: Gps) -> datetime | None:
    date_values = _values(tags, "GPSDate")
    stamp = _values(tags, "GPSTimeStamp")
    if not date_values or len(stamp) < 3:
        return None
    raw = date_values[0]
    date_text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
    parts = [_ratio(v) for v in stamp[:3]]
    match = re.match(r"^\s*(\d{4})[:\-](\d\d)[:\-](\d\d)", date_text)
    try:
        if match is None or any(p is None for p in parts):
            raise ValueError
        hours, minutes, seconds = (p or 0.0 for p in parts)
        year, month, day_of_month = (int(g) for g in match.groups())
        day = datetime(year, month, day_of_month, tzinfo=UTC)
        if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
            raise ValueError
        moment = day + timedelta(hours=hours, minutes=minutes, seconds=seconds)
    except (ValueError, OverflowError):
        gps.warnings.append(f"GPS: date/time {date_text.strip()!r} {stamp} is not valid")
        return None
    if not sane_time(moment):
        gps.warnings.append(f"GPS: date {date_text.strip()!r} is not plausible")
        return None
    return moment


# --- XMP --------------------------------------------------------------------------------

_XMP_DATE = re.compile(
    r"(?:xmp|xap|photoshop|exif):(CreateDate|DateCreated|DateTimeOriginal|DateTimeDigitized|"
    r"ModifyDate)\s*(?:=\s*[\"']([^\"']*)[\"']|>\s*([^<\s][^<]*?)\s*<)"
)


def xmp_dates(xmp: bytes | str) -> dict[str, str]:
    """The first value of each date property in an XMP packet (CreateDate, DateCreated…)."""
    text = xmp.decode("utf-8", "replace") if isinstance(xmp, bytes) else xmp
    found: dict[str, str] = {}
    for match in _XMP_DATE.finditer(text[:_XMP_LIMIT]):
        found.setdefault(match.group(1), (match.group(2) or match.group(3) or "").strip())
    return found


# --- Pixels -----------------------------------------------------------------------------


@dataclass(slots=True)
class PixelFacts:
    """What Pillow read: format, upright size, orientation, perceptual hash, XMP, problems."""

    format: str = ""
    width: int = 0
    height: int = 0
    mode: str = ""
    orientation: int = 0
    frames: int = 1
    phash: str = ""
    xmp: bytes = b""
    text: dict[str, str] = field(default_factory=dict)
    decoded: bool = False
    warnings: list[str] = field(default_factory=list)


@contextmanager
def _pillow_warnings(problems: list[str]) -> Iterator[None]:
    """Turn Pillow's Python warnings (corrupt EXIF, bomb size…) into problem sentences."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    messages = [
        str(w.message)
        for w in caught
        if not issubclass(w.category, Image.DecompressionBombWarning)  # said more plainly below
    ]
    problems.extend(_capped("image", messages))


def _capped(prefix: str, messages: list[str]) -> list[str]:
    """Distinct messages, prefixed, at most `_MESSAGE_LIMIT` of them and a count of the rest."""
    distinct = list(dict.fromkeys(messages))
    out = [f"{prefix}: {m}" for m in distinct[:_MESSAGE_LIMIT]]
    if len(distinct) > _MESSAGE_LIMIT:
        out.append(f"{prefix}: {len(distinct) - _MESSAGE_LIMIT} more warnings like these")
    return out


def _open(fh: BinaryIO, problems: list[str], facts: PixelFacts | None = None) -> Image.Image | None:
    """Open lazily (header only), or None with the reason in `problems`.

    For an image over Pillow's own bomb limit, the size its header declares goes in `facts`.
    """
    heif_supported()
    fh.seek(0)
    try:
        return Image.open(fh)
    except Image.DecompressionBombError as exc:
        size = _header_size(fh)
        count = re.search(r"\((\d+) pixels\)", str(exc))
        what = f"{size[0]}×{size[1]}" if size else count.group(1) if count else "too many"
        problems.append(
            f"image too large to decode safely ({what} pixels, "
            f"limit {MAX_PIXELS // 1_000_000} MP): pixels not read"
        )
        if size and facts is not None:
            facts.width, facts.height = size
    except UnidentifiedImageError:
        problems.append("image format not readable (Pillow cannot identify it): pixels not read")
    except Exception as exc:  # Pillow raises anything on hostile headers
        log.debug("Pillow could not open the image", exc_info=True)
        problems.append(f"image header unreadable: {type(exc).__name__}: {exc}")
    return None


def _header_size(fh: BinaryIO) -> tuple[int, int] | None:
    """The size a header declares, read by the format plugin without Pillow's bomb check."""
    fh.seek(0)
    prefix = fh.read(16)
    for factory, accept in list(Image.OPEN.values()):
        try:
            if accept is not None and not accept(prefix):
                continue
            fh.seek(0)
            im = factory(fh, "")
            return im.size
        except Exception:  # not this plugin's format: try the next one
            log.debug("plugin did not read the header", exc_info=True)
            continue
    return None


def _upright_size(im: Image.Image, orientation: int) -> tuple[int, int]:
    w, h = im.size
    already_applied = "original_orientation" in im.info  # pillow-heif rotates HEIF itself
    if orientation in (5, 6, 7, 8) and not already_applied:
        return h, w
    return w, h


def _orientation(im: Image.Image) -> int:
    if "original_orientation" in im.info:
        value = im.info.get("original_orientation")
        return value if isinstance(value, int) else 1
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # corrupt EXIF: orientation unknown, taken as upright
        log.debug("EXIF orientation unreadable", exc_info=True)
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def inspect_image(fh: BinaryIO, *, hash_pixels: bool = True) -> PixelFacts:
    """Header facts, XMP and (unless told not to) the perceptual hash of an image stream.

    Large JPEGs are decoded at 1/8 scale straight to grey (Pillow's draft mode), HEIF from
    its embedded thumbnail when it has one, so hashing costs little. Never raises for bad
    input: problems are listed in `warnings`.
    """
    facts = PixelFacts()
    with _pillow_warnings(facts.warnings):
        im = _open(fh, facts.warnings, facts)
        if im is None:
            return facts
        with im:
            try:
                _read_header(im, facts)
            except Exception as exc:  # plugins parse lazily and raise anything on bad headers
                log.debug("header unreadable", exc_info=True)
                facts.warnings.append(f"image header unreadable: {type(exc).__name__}: {exc}")
                return facts
            if im.size[0] * im.size[1] > MAX_PIXELS:
                facts.warnings.append(
                    f"image too large to decode safely ({im.size[0]}×{im.size[1]} pixels, "
                    f"limit {MAX_PIXELS // 1_000_000} MP): pixels not read"
                )
                return facts
            if hash_pixels:
                try:
                    facts.phash = phash(_small_upright(im))
                    facts.decoded = True
                except Exception as exc:  # decoders raise anything on bad data
                    log.debug("decoding failed", exc_info=True)
                    facts.warnings.append(_decode_problem(exc))
    return facts


def _read_header(im: Image.Image, facts: PixelFacts) -> None:
    """Format, size, orientation, XMP and PNG text: everything short of decoding pixels."""
    facts.format = im.format or ""
    facts.mode = im.mode
    facts.orientation = _orientation(im)
    facts.width, facts.height = _upright_size(im, facts.orientation)
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp") or b""
    facts.xmp = (xmp.encode("utf-8") if isinstance(xmp, str) else bytes(xmp))[:_XMP_LIMIT]
    if facts.format == "PNG":  # text chunks before the pixels (im.text would decode them)
        facts.text = {
            str(k): v[:_EXIF_VALUE_LIMIT]
            for k, v in im.info.items()
            if isinstance(v, str) and k != "XML:com.adobe.xmp"
        }
    if facts.format == "TIFF":
        try:
            facts.frames = int(getattr(im, "n_frames", 1))
        except Exception as exc:  # a later page is broken: the first one still counts
            log.debug("TIFF pages unreadable", exc_info=True)
            facts.warnings.append(f"TIFF pages after the first unreadable: {exc}")
            im.seek(0)


def _decode_problem(exc: BaseException) -> str:
    text = str(exc)
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return f"image data truncated ({text or type(exc).__name__}): no perceptual hash"
    return f"image data unreadable ({type(exc).__name__}: {text}): no perceptual hash"


def _small_upright(im: Image.Image) -> Image.Image:
    """A small upright copy for hashing: JPEG decoded at reduced scale, HEIF from its thumbnail."""
    if im.format in ("JPEG", "HEIF", "MPO"):
        im.draft("L", (64, 64))
    im.load()
    return _upright(im)


def _upright(im: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (pillow-heif has turned HEIF already)."""
    if "original_orientation" in im.info:
        return im
    turned = ImageOps.exif_transpose(im)
    return turned if turned is not None else im


def _flat(im: Image.Image) -> Image.Image:
    """RGB or L, transparent areas laid on white, for hashing and JPEG thumbnails."""
    if im.mode in ("L", "RGB"):
        return im
    if im.mode in ("P", "PA", "LA", "RGBA", "La", "RGBa") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        return im.convert("L")
    return im.convert("RGB")


def _resizable(im: Image.Image) -> Image.Image:
    """The image in a mode Pillow resamples smoothly (palettes and odd modes converted)."""
    if im.mode in ("L", "RGB", "RGBA", "LA"):
        return im
    if im.mode in ("P", "PA") or "transparency" in im.info:
        return im.convert("RGBA")
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        return im.convert("L")
    return im.convert("RGB")


_COS = [
    [math.cos(math.pi * (2 * x + 1) * u / (2 * _DCT_SIZE)) for x in range(_DCT_SIZE)]
    for u in range(_LOW)
]
_COS_MATRIX = numpy.array(_COS, dtype=numpy.float64)


def phash(im: Image.Image) -> str:
    """The 64-bit DCT perceptual hash of an image, as 16 hex digits.

    The pHash / `imagehash.phash` method: grey, 32×32, 2-D DCT, the 8×8 lowest frequencies
    compared with their median. Apply the orientation before calling.
    """
    small = _resizable(im).resize(
        (_DCT_SIZE, _DCT_SIZE), Image.Resampling.LANCZOS, reducing_gap=2.0
    )
    pixels = numpy.frombuffer(_flat(small).convert("L").tobytes(), dtype=numpy.uint8)
    grid = pixels.reshape(_DCT_SIZE, _DCT_SIZE).astype(numpy.float64)
    # The 2-D DCT's 8×8 lowest frequencies: low[v][u] = Σy Σx C[v][y]·p[y][x]·C[u][x].
    # Rounded so that float noise cannot set bits: a flat image hashes the same everywhere.
    low = numpy.round(_COS_MATRIX @ (grid @ _COS_MATRIX.T), 6).ravel().tolist()
    ordered = sorted(low)
    median = (ordered[31] + ordered[32]) / 2
    bits = 0
    for value in low:
        bits = (bits << 1) | (value > median)
    return f"{bits:016x}"


def phash_file(path: Path) -> str:
    """The perceptual hash of an image file; '' when its pixels cannot be read."""
    with path.open("rb") as fh:
        return inspect_image(fh).phash


def hamming(a: str, b: str) -> int:
    """How many of the 64 bits differ between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def near_duplicate_groups(hashes: Mapping[int, str], max_distance: int = 10) -> list[list[int]]:
    """Items whose hashes are within `max_distance` bits, chained (single linkage).

    Returns groups of two or more ids, each sorted, ordered by their first id. Invalid or
    empty hashes are ignored. Candidate pairs come from the pigeonhole rule: two hashes
    within d bits agree exactly on at least one of d + 1 disjoint bit blocks.
    """
    values: dict[int, int] = {}
    for item_id, text in hashes.items():
        if len(text) == HASH_BITS // 4:
            try:
                values[item_id] = int(text, 16)
            except ValueError:
                continue
    parent = {item_id: item_id for item_id in values}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    blocks = max(1, min(max_distance + 1, HASH_BITS))
    edges = [HASH_BITS * i // blocks for i in range(blocks + 1)]
    ids = sorted(values)
    for start, stop in itertools.pairwise(edges):
        mask = ((1 << (stop - start)) - 1) << start
        buckets: dict[int, list[int]] = {}
        for item_id in ids:
            buckets.setdefault(values[item_id] & mask, []).append(item_id)
        for members in buckets.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    ra, rb = find(a), find(b)
                    if ra != rb and (values[a] ^ values[b]).bit_count() <= max_distance:
                        parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for item_id in ids:
        groups.setdefault(find(item_id), []).append(item_id)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


# --- Thumbnails -------------------------------------------------------------------------


def thumbnail(source: BinaryIO | Path, size: int = 256, *, name: str = "") -> tuple[bytes, str]:
    """A thumbnail of at most `size` pixels a side, made in memory: (its bytes, its suffix).

    `source` is the picture as a seekable stream (or a file); `name` says which picture in
    messages. Upright; no metadata (no EXIF, GPS or profile) is written. JPEG (".jpg"), or
    PNG (".png") when the image has transparency. Nothing is written to disk. Slow for big
    images: call it off the GUI thread. Raises `EvidenceError` when the pixels cannot be read.
    """
    if isinstance(source, Path):
        with source.open("rb") as fh:
            return thumbnail(fh, size, name=name or source.name)
    what = name or "the picture"
    problems: list[str] = []
    with _pillow_warnings(problems):
        im = _open(source, problems)
        if im is None:
            raise EvidenceError(f"no thumbnail for {what}: {'; '.join(problems)}")
        with im:
            if im.size[0] * im.size[1] > MAX_PIXELS:
                raise EvidenceError(
                    f"no thumbnail for {what}: {im.size[0]}×{im.size[1]} pixels "
                    f"is over the {MAX_PIXELS // 1_000_000} MP limit"
                )
            try:
                im.draft("RGB", (size, size))
                small = _upright(_loaded(im))
                small.thumbnail((size, size), Image.Resampling.LANCZOS)
                alpha = small.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
                    "transparency" in small.info
                )
                out = small.convert("RGBA") if alpha else _flat(small).convert("RGB")
            except Exception as exc:  # decoders raise anything on bad data
                log.debug("thumbnail decoding failed", exc_info=True)
                raise EvidenceError(f"no thumbnail for {what}: {_decode_problem(exc)}") from exc
    # A fresh image carries no info (EXIF, XMP, ICC, text chunks) into the saved bytes.
    clean = Image.frombytes(out.mode, out.size, out.tobytes())
    buf = io.BytesIO()
    if alpha:
        clean.save(buf, "PNG", optimize=False)
        return buf.getvalue(), ".png"
    clean.save(buf, "JPEG", quality=85)
    return buf.getvalue(), ".jpg"


def _loaded(im: Image.Image) -> Image.Image:
    im.load()
    return im
