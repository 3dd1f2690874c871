"""Photos and screenshots: one image item per file, with EXIF, GPS, a perceptual hash and a time.

The time comes from the best source the file offers, and the event says which: the EXIF
capture time (`exif_taken`, exact when the camera wrote its UTC offset), an XMP date, the
EXIF modification time, a time written into the file name (`file_name_time`) or, failing
all of those, the file's modification time (`file_modified`). GPS and device serial numbers
are kept apart under meta["sensitive"] for redaction.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar

from app import images
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import file_time_events
from app.model import Confidence, EventDraft, ItemDraft, ItemKind
from app.timeline.clock import aware_to_us, exact_event, iso_utc, local_event, local_to_us, zone
from app.timeline.filename import NameTime, time_from_name

log = logging.getLogger(__name__)

_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
# iOS marks its screenshots in XMP: <exif:UserComment>…<rdf:li …>Screenshot</rdf:li>.
_IOS_SCREENSHOT = re.compile(rb"UserComment.{0,200}?>\s*Screenshot\s*<", re.DOTALL)
_SUMMARY_LIMIT = 256
_SUMMARY = (
    "Make",
    "Model",
    "Software",
    "DateTimeOriginal",
    "SubSecTimeOriginal",
    "OffsetTimeOriginal",
    "DateTimeDigitized",
    "OffsetTimeDigitized",
    "DateTime",
    "OffsetTime",
    "Orientation",
    "LensMake",
    "LensModel",
    "HostComputer",
    "ImageDescription",
    "Copyright",
    "UserComment",
    "ExifImageWidth",
    "ExifImageLength",
)
# Tags that identify a device or its owner: kept with GPS under meta["sensitive"].
_IDENTIFIERS = frozenset(
    {
        "BodySerialNumber",
        "CameraSerialNumber",
        "LensSerialNumber",
        "CameraOwnerName",
        "ImageUniqueID",
        "SerialNumber",
        "Artist",
    }
)


def image_type(head: bytes, mime: str = "") -> str:
    """The image format a file's first bytes announce ('JPEG', 'PNG', 'HEIF'…), or ''."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[4:8] == b"ftyp":
        size = int.from_bytes(head[:4], "big")
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(size, 64), 4)}
        if brands & _AVIF_BRANDS:
            return "AVIF"
        if brands & _HEIF_BRANDS:
            return "HEIF"
    if head[:2] == b"BM" and mime == "image/bmp":
        return "BMP"
    return ""


@dataclass(slots=True)
class _Times:
    """The events chosen for an item and what the reviewer should know about them."""

    events: list[EventDraft] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    source: str = "none"


class ImageImporter:
    """JPEG, PNG, HEIC/HEIF, AVIF, WebP, GIF, TIFF and BMP pictures, recognised by content."""

    NAME: ClassVar[str] = "image"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """70 when the first bytes are those of an image format, else 0."""
        return 70 if image_type(probe.head, probe.mime) else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One image item: metadata always, pixels (for the hash) when they can be read."""
        ctx.cancel.check()
        announced = image_type(probe.head, probe.mime)
        with probe.open() as fh:
            tags, problems = images.read_exif(fh)
            facts = images.inspect_image(fh)
        if announced in ("HEIF", "AVIF") and not facts.format and not images.heif_supported():
            problems.append("HEIC/HEIF pixels cannot be decoded: pillow-heif is not installed")
        meta: dict[str, Any] = {"file_name": probe.name, "format": facts.format or announced}
        if facts.width:
            meta.update(width=facts.width, height=facts.height, mode=facts.mode)
        if facts.frames > 1:
            meta["frames"] = facts.frames
        orientation = _orientation(tags) or facts.orientation
        if orientation:
            meta["orientation"] = orientation
        gps = images.gps_from_tags(tags)
        if gps is not None:
            problems.extend(gps.warnings)
        meta.update(_exif_meta(tags, gps))
        xmp = images.xmp_dates(facts.xmp) if facts.xmp else {}
        if xmp:
            meta["xmp_dates"] = xmp
        if facts.text:
            meta["text_chunks"] = facts.text
        name_time = time_from_name(probe.name)
        if name_time is not None:
            meta["time_from_name"] = {
                "convention": name_time.source,
                "matched": name_time.matched,
                "date_only": name_time.date_only,
                "utc": name_time.utc,
            }
        if (name_time is not None and name_time.screenshot) or _IOS_SCREENSHOT.search(facts.xmp):
            meta["screenshot"] = True
        if probe.mtime_us is not None:
            meta["file_modified"] = iso_utc(probe.mtime_us)
        times = _capture_times(tags, xmp, gps, name_time, probe, ctx.options.zone)
        meta["time_source"] = times.source
        meta.update(times.info)
        for warning in dict.fromkeys([*problems, *times.warnings, *facts.warnings]):
            sink.warn(warning)
        sink.add_item(
            ItemDraft(
                kind=ItemKind.IMAGE,
                locator="",
                events=times.events,
                meta=meta,
                mime=probe.mime,
                phash=facts.phash,
            )
        )


def _exif_meta(tags: dict[str, Any], gps: images.Gps | None) -> dict[str, Any]:
    """The EXIF summary, the other tags as strings, and GPS and owner tags kept as sensitive."""
    meta: dict[str, Any] = {}
    summary = {
        name: text[:_SUMMARY_LIMIT] for name in _SUMMARY if (text := images.tag_text(tags, name))
    }
    if summary:
        meta["exif_summary"] = summary
    raw, capped = images.exif_strings(tags)
    gps_tags = {k: v for k, v in raw.items() if k.startswith("GPS ")}
    ids = {k: v for k, v in raw.items() if k.split(" ", 1)[-1] in _IDENTIFIERS}
    public = {k: v for k, v in raw.items() if k not in gps_tags and k not in ids}
    if public:
        meta["exif"] = public
    if capped:
        meta["exif_capped"] = True
    sensitive: dict[str, Any] = {}
    gps_meta = gps.as_meta() if gps is not None else {}
    if gps_tags:
        gps_meta["tags"] = gps_tags
    if gps_meta:
        sensitive["gps"] = gps_meta
    if ids:
        sensitive["identifiers"] = ids
    if sensitive:
        meta["sensitive"] = sensitive
    return meta


def _orientation(tags: dict[str, Any]) -> int:
    values = getattr(tags.get("Image Orientation"), "values", None)
    if values and isinstance(values[0], int) and 1 <= values[0] <= 8:
        return values[0]
    return 0


@dataclass(frozen=True, slots=True)
class _Read:
    """One EXIF/XMP time as read: the event and the wall-clock time it came from."""

    event: EventDraft
    naive: datetime
    exact: bool


def _capture_times(
    tags: dict[str, Any],
    xmp: dict[str, str],
    gps: images.Gps | None,
    name_time: NameTime | None,
    probe: Probe,
    zone_name: str,
) -> _Times:
    """Events from the best time source present, in the order of the module docstring."""
    t = _Times()
    primary: _Read | None = None
    for field_name, kind, offset_tag, subsec_tag in (
        ("DateTimeOriginal", "exif_taken", "OffsetTimeOriginal", "SubSecTimeOriginal"),
        ("DateTimeDigitized", "exif_digitized", "OffsetTimeDigitized", "SubSecTimeDigitized"),
    ):
        primary = _exif_time(tags, field_name, kind, offset_tag, subsec_tag, xmp, zone_name, t)
        if primary is not None:
            t.source = "exif"
            break
    if primary is None:
        primary = _xmp_time(xmp, zone_name, t)
        if primary is not None:
            t.source = "xmp"
    modified = _exif_time(
        tags, "DateTime", "exif_modified", "OffsetTime", "SubSecTime", {}, zone_name, t
    )
    if primary is not None:
        t.events.append(primary.event)
        if not primary.exact and gps is not None and gps.time_utc is not None:
            _compare_with_gps(primary, gps.time_utc, zone_name, t)
    if modified is not None and (
        primary is None
        or abs(modified.naive.replace(microsecond=0) - primary.naive.replace(microsecond=0))
        > timedelta(seconds=1)
    ):
        t.events.append(modified.event)
        if primary is None:
            t.source = "exif"
    if t.events:
        return t
    if name_time is not None:
        if images.sane_time(name_time.moment):
            t.events.append(_name_event(name_time, zone_name))
            t.source = "file-name"
            return t
        t.warnings.append(f"the time in the file name {name_time.matched!r} is not plausible")
    t.events.extend(file_time_events(probe))
    if t.events:
        t.source = "file-time"
    return t


def _exif_time(
    tags: dict[str, Any],
    field_name: str,
    kind: str,
    offset_tag: str,
    subsec_tag: str,
    xmp: dict[str, str],
    zone_name: str,
    t: _Times,
) -> _Read | None:
    """An event for one EXIF date-time tag, or None (with a warning when it is unusable)."""
    raw = images.tag_text(tags, field_name)
    if not raw:
        return None
    parsed = images.parse_exif_time(raw)
    if parsed is None:
        t.warnings.append(f"EXIF {field_name} {raw!r} is not a valid date and time: not used")
        return None
    naive, offset = parsed
    if not images.sane_time(naive):
        t.warnings.append(
            f"EXIF {field_name} {raw!r} is outside {images.SANE_FIRST.year} to today: not used"
        )
        return None
    original = raw
    subsec = images.tag_text(tags, subsec_tag)
    micros = images.subsec_micros(subsec) if subsec else None
    if micros is not None and naive.microsecond == 0:
        naive = naive.replace(microsecond=micros)
        original += f".{subsec}"
    offset_text = images.tag_text(tags, offset_tag)
    if offset is None and offset_text:
        offset = images.parse_offset(offset_text)
        if offset is None:
            t.warnings.append(f"EXIF {offset_tag} {offset_text!r} is not a UTC offset: ignored")
        else:
            original += f" {offset_text}"
    if offset is None:
        offset = _xmp_offset(xmp, naive)
        if offset is not None:
            t.info["offset_source"] = "xmp"
            original += f" (offset {_offset_text(offset.utcoffset(None))} from XMP)"
    if offset is not None:
        return _Read(exact_event(naive.replace(tzinfo=offset), kind, original), naive, True)
    return _Read(local_event(naive, zone_name, kind, original), naive, False)


def _xmp_offset(xmp: dict[str, str], naive: datetime) -> timezone | None:
    """The offset of an XMP date that names the same wall-clock second as the EXIF one."""
    for key in ("DateTimeOriginal", "CreateDate", "DateCreated"):
        parsed = images.parse_exif_time(xmp.get(key, ""))
        if parsed is None or parsed[1] is None:
            continue
        same = parsed[0].replace(microsecond=0) == naive.replace(microsecond=0)
        if same:
            return parsed[1]
    return None


def _xmp_time(xmp: dict[str, str], zone_name: str, t: _Times) -> _Read | None:
    """An event from the XMP capture date when the EXIF has none."""
    for key in ("DateTimeOriginal", "CreateDate", "DateCreated"):
        raw = xmp.get(key, "")
        parsed = images.parse_exif_time(raw)
        if parsed is None:
            continue
        naive, offset = parsed
        if not images.sane_time(naive):
            t.warnings.append(f"XMP {key} {raw!r} is outside {images.SANE_FIRST.year} to today")
            continue
        if offset is not None:
            return _Read(exact_event(naive.replace(tzinfo=offset), "xmp_created", raw), naive, True)
        return _Read(local_event(naive, zone_name, "xmp_created", raw), naive, False)
    return None


def _compare_with_gps(primary: _Read, gps_utc: datetime, zone_name: str, t: _Times) -> None:
    """Note the UTC offset the GPS clock implies, and warn when the assumed zone disagrees."""
    wall = primary.naive.replace(microsecond=0)
    minutes = (wall - gps_utc.replace(tzinfo=None, microsecond=0)).total_seconds() / 60
    rounded = round(minutes / 15) * 15
    if abs(minutes - rounded) > 5 or abs(rounded) > 14 * 60:
        return
    implied = timedelta(minutes=rounded)
    t.info["offset_from_gps"] = _offset_text(implied)
    assumed = wall.replace(tzinfo=zone(zone_name)).utcoffset()
    if assumed is not None and assumed != implied:
        t.warnings.append(
            f"{primary.event.kind} {primary.event.original!r} has no UTC offset and was read "
            f"in {zone_name} (UTC{_offset_text(assumed)}), but the GPS clock in the file "
            f"implies UTC{_offset_text(implied)}"
        )


def _offset_text(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"


def _name_event(name_time: NameTime, zone_name: str) -> EventDraft:
    """The file-name time as an event: wall clock in the case zone, or UTC for Pixel names."""
    if name_time.utc:
        us, flag, where = aware_to_us(name_time.moment.replace(tzinfo=UTC)), "", "UTC"
    else:
        us, flag = local_to_us(name_time.moment, zone_name)
        where = zone_name
    flags = ",".join(f for f in (flag, "date-only" if name_time.date_only else "") if f)
    return EventDraft(us, "file_name_time", name_time.matched, Confidence.FILE_NAME, where, flags)
