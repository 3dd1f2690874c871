"""Images: corpus photos and screenshots, file-name times, GPS quirks, hashes, thumbnails."""

from __future__ import annotations

import io
import os
import random
import struct
import time
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from exifread.utils import Ratio
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import select

from app import images
from app.case import Case
from app.errors import Cancelled, EvidenceError
from app.importers.base import ImportContext, ImportOptions, Probe
from app.importers.image import ImageImporter, image_type
from app.importers.memory import MemorySink
from app.ingest.job import import_paths
from app.jobs import CancelToken
from app.model import Confidence, EventDraft, ItemDraft, ItemKind
from app.store.schema import Item
from app.timeline.clock import iso_utc
from app.timeline.filename import time_from_name
from tests.conftest import corpus_file

MTIME_US = 1_700_000_000_000_000  # 2023-11-14T22:13:20Z
# HEIC pixels need pillow-heif; HEIC EXIF (times, GPS) is read by exifread either way.
needs_heif = pytest.mark.skipif(not images.heif_supported(), reason="pillow-heif is not installed")
HOSTILE_SECONDS = 5.0


def run(path: Path, name: str | None = None, zone: str = "Europe/London") -> MemorySink:
    sink = MemorySink()
    probe = Probe.of(path, name, MTIME_US)
    assert ImageImporter.score(probe) == 70
    ImageImporter().parse(probe, sink, ImportContext(ImportOptions(zone=zone)))
    assert len(sink.items) == 1
    assert sink.items[0].kind == ItemKind.IMAGE
    return sink


def only(sink: MemorySink) -> ItemDraft:
    return sink.items[0]


def event(item: ItemDraft, kind: str) -> EventDraft:
    found = [e for e in item.events if e.kind == kind]
    assert found, [e.kind for e in item.events]
    return found[0]


def gps(item: ItemDraft) -> dict[str, Any]:
    value: dict[str, Any] = item.meta["sensitive"]["gps"]
    return value


# --- file-name times ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "moment", "source", "matched"),
    [
        (
            "Screenshot_20240312-211530.png",
            datetime(2024, 3, 12, 21, 15, 30),
            "android-screenshot",
            "Screenshot_20240312-211530",
        ),
        (
            "Screenshot_20240312-211530_WhatsApp.jpg",
            datetime(2024, 3, 12, 21, 15, 30),
            "android-screenshot",
            "Screenshot_20240312-211530",
        ),
        (
            "Screenshot_2024-03-12-21-15-30-123_com.whatsapp.jpg",
            datetime(2024, 3, 12, 21, 15, 30, 123000),
            "miui-screenshot",
            "Screenshot_2024-03-12-21-15-30-123",
        ),
        (
            "Screenshot 2024-03-12 at 21.15.30.png",
            datetime(2024, 3, 12, 21, 15, 30),
            "macos-screenshot",
            "Screenshot 2024-03-12 at 21.15.30",
        ),
        (
            "Screenshot 2024-03-12 at 9.15.30\u202fPM.png",
            datetime(2024, 3, 12, 21, 15, 30),
            "macos-screenshot",
            "Screenshot 2024-03-12 at 9.15.30\u202fPM",
        ),
        (
            "Screen Shot 2020-03-12 at 12.05.09 AM.png",
            datetime(2020, 3, 12, 0, 5, 9),
            "macos-screenshot",
            "Screen Shot 2020-03-12 at 12.05.09 AM",
        ),
        (
            "Screenshot 2024-03-12 211530.png",
            datetime(2024, 3, 12, 21, 15, 30),
            "windows-screenshot",
            "Screenshot 2024-03-12 211530",
        ),
        (
            "IMG_20240312_211530.jpg",
            datetime(2024, 3, 12, 21, 15, 30),
            "android-camera",
            "IMG_20240312_211530",
        ),
        (
            "PXL_20240312_211530123.jpg",
            datetime(2024, 3, 12, 21, 15, 30, 123000),
            "pixel-camera",
            "PXL_20240312_211530123",
        ),
        (
            "IMG-20240312-WA0001.jpg",
            datetime(2024, 3, 12),
            "whatsapp-media",
            "IMG-20240312-WA0001",
        ),
        (
            "WhatsApp Image 2024-03-12 at 21.15.30.jpeg",
            datetime(2024, 3, 12, 21, 15, 30),
            "whatsapp-desktop",
            "WhatsApp Image 2024-03-12 at 21.15.30",
        ),
        (
            "WhatsApp Image 2024-03-12 at 9.15.30 PM.jpeg",
            datetime(2024, 3, 12, 21, 15, 30),
            "whatsapp-desktop",
            "WhatsApp Image 2024-03-12 at 9.15.30 PM",
        ),
        (
            "00000001-PHOTO-2019-06-20-16-00-15.jpg",
            datetime(2019, 6, 20, 16, 0, 15),
            "whatsapp-ios-export",
            "00000001-PHOTO-2019-06-20-16-00-15",
        ),
        (
            "photo_2024-03-12_21-15-30.jpg",
            datetime(2024, 3, 12, 21, 15, 30),
            "telegram",
            "photo_2024-03-12_21-15-30",
        ),
        (
            "photo_7@12-03-2024_21-15-30.jpg",
            datetime(2024, 3, 12, 21, 15, 30),
            "telegram-export",
            "photo_7@12-03-2024_21-15-30",
        ),
        (
            "signal-2024-03-12-211530.jpg",
            datetime(2024, 3, 12, 21, 15, 30),
            "signal",
            "signal-2024-03-12-211530",
        ),
        (
            "signal-2024-03-12-21-15-30-123.jpg",
            datetime(2024, 3, 12, 21, 15, 30, 123000),
            "signal",
            "signal-2024-03-12-21-15-30-123",
        ),
        (
            "20240312_211530.jpg",
            datetime(2024, 3, 12, 21, 15, 30),
            "camera",
            "20240312_211530",
        ),
    ],
)
def test_time_from_name(name: str, moment: datetime, source: str, matched: str) -> None:
    found = time_from_name(name)
    assert found is not None
    assert (found.moment, found.source, found.matched) == (moment, source, matched)
    assert found.date_only == (source == "whatsapp-media")
    assert found.utc == (source == "pixel-camera")
    assert found.screenshot == source.endswith("-screenshot")


@pytest.mark.parametrize(
    "name",
    [
        "IMG_1234.JPG",
        "photo.jpg",
        "Screenshot_20241399-211530.png",  # month 13
        "Screenshot 2024-03-12 at 13.15.30 PM.png",  # 13 PM
        "scan_2024.png",
        "report-20240312.pdf",
    ],
)
def test_time_from_name_rejects(name: str) -> None:
    assert time_from_name(name) is None


# --- content detection ----------------------------------------------------------------------


def encoded(fmt: str, mode: str = "RGB", size: tuple[int, int] = (64, 48)) -> bytes:
    im = Image.new(mode, size, "navy")
    ImageDraw.Draw(im).ellipse((8, 8, 40, 40), fill="orange")
    out = io.BytesIO()
    im.save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("JPEG", "JPEG"), ("PNG", "PNG"), ("GIF", "GIF"), ("WEBP", "WEBP"), ("TIFF", "TIFF")],
)
def test_formats_by_content(tmp_path: Path, fmt: str, expected: str) -> None:
    path = tmp_path / "no-extension"
    path.write_bytes(encoded(fmt))
    assert image_type(path.read_bytes()[:64]) == expected
    item = only(run(path))
    assert item.meta["format"] == expected
    assert (item.meta["width"], item.meta["height"]) == (64, 48)
    assert len(item.phash) == 16
    assert item.meta["time_source"] == "file-time"
    assert item.events == [
        EventDraft(MTIME_US, "file_modified", iso_utc(MTIME_US), Confidence.FILE_TIME, "UTC")
    ]


def test_score_by_content_not_name(tmp_path: Path) -> None:
    text = tmp_path / "photo.jpg"
    text.write_text("not a picture at all\n")
    assert ImageImporter.score(Probe.of(text)) == 0
    mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 32
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32
    avif = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 32
    assert image_type(mp4) == ""
    assert image_type(heic) == "HEIF"
    assert image_type(avif) == "AVIF"
    assert image_type(encoded("BMP"), "image/bmp") == "BMP"


# --- the corpus: photos -------------------------------------------------------------------


def test_every_corpus_photo_and_screenshot_imports() -> None:
    for folder in ("images_exif", "screenshots"):
        files = sorted(p for p in corpus_file(folder).iterdir() if p.is_file())
        assert files
        for path in files:
            sink = run(path)
            item = only(sink)
            if item.meta["format"] == "HEIF" and not images.heif_supported():
                assert any("pillow-heif is not installed" in w for w in sink.warnings)
                continue
            assert item.meta["format"] in {"JPEG", "PNG", "HEIF"}, path.name
            assert item.meta["width"] > 0, path.name
            assert item.meta["height"] > 0, path.name
            assert len(item.phash) == 16, path.name
            assert item.events, path.name
            assert item.meta["time_source"] in {"exif", "xmp", "file-time"}, path.name
            assert item.mime.startswith("image/"), path.name


def test_nokia_jpeg_exact_time_and_gps() -> None:
    sink = run(corpus_file("images_exif/exifpy__HMD_Nokia_8.3_5G.jpg"))
    item = only(sink)
    taken = event(item, "exif_taken")
    assert taken.confidence == Confidence.EXACT
    assert iso_utc(taken.ts_utc_us) == "2022-08-14T11:12:31Z"
    assert taken.original == "2022:08:14 14:12:31 +03:00"
    summary = item.meta["exif_summary"]
    assert (summary["Make"], summary["Model"]) == ("HMD Global", "Nokia 8.3 5G")
    assert summary["OffsetTimeOriginal"] == "+03:00"
    position = gps(item)
    assert (round(position["lat"], 4), round(position["lon"], 4)) == (60.1467, 24.9068)
    assert position["time_utc"] == "2022-08-14T11:12:32Z"
    assert position["tags"]["GPS GPSLatitudeRef"] == "N"
    assert not any(k.startswith("GPS ") for k in item.meta["exif"])  # GPS only as sensitive
    assert (item.meta["width"], item.meta["height"]) == (4608, 1976)
    assert sink.warnings == []


@needs_heif
def test_iphone_heic_exact_time_subseconds_and_rotation() -> None:
    item = only(run(corpus_file("images_exif/exifpy__iphone_13_pro_max.heic")))
    taken = event(item, "exif_taken")
    assert taken.confidence == Confidence.EXACT
    assert iso_utc(taken.ts_utc_us) == "2022-02-16T11:55:41.762000Z"
    assert item.meta["format"] == "HEIF"
    assert item.meta["orientation"] == 6
    assert (item.meta["width"], item.meta["height"]) == (3024, 4032)  # upright: portrait
    assert item.meta["exif_summary"]["LensModel"].startswith("iPhone 13 Pro Max back triple")
    assert "sensitive" not in item.meta
    assert [e.kind for e in item.events] == ["exif_taken"]  # DateTime is the same moment


def test_nokia_heif_without_date_taken_uses_modify_date_and_gps_altitude() -> None:
    item = only(run(corpus_file("images_exif/exifpy__HMD_Nokia_8.3_5G.heif")))
    modified = event(item, "exif_modified")
    assert modified.confidence == Confidence.ASSUMED_ZONE
    assert modified.zone == "Europe/London"
    assert iso_utc(modified.ts_utc_us) == "2022-02-03T14:44:07.722000Z"
    assert item.meta["time_source"] == "exif"
    assert "Make" not in item.meta["exif_summary"]
    position = gps(item)
    assert (round(position["lat"], 4), round(position["lon"], 4)) == (40.7887, -4.0051)
    assert position["alt"] == pytest.approx(1942.42, abs=0.01)


def test_iphone8_heic_without_offset_is_assumed_zone_and_gps_clock_disagrees() -> None:
    sink = run(corpus_file("images_exif/tika__IMG_1034.heic"))
    item = only(sink)
    taken = event(item, "exif_taken")
    assert taken.confidence == Confidence.ASSUMED_ZONE
    assert iso_utc(taken.ts_utc_us) == "2018-02-05T15:11:44.277000Z"  # London is UTC in Feb
    assert item.meta["offset_from_gps"] == "+08:00"
    assert any("GPS clock" in w and "UTC+08:00" in w for w in sink.warnings)
    position = gps(item)
    assert (round(position["lat"], 4), round(position["lon"], 4)) == (23.1779, 113.3943)


def test_dscn0010_gps_decimal_degrees_and_edit_time() -> None:
    item = only(run(corpus_file("images_exif/exifpy__DSCN0010.jpg")))
    position = gps(item)
    assert (round(position["lat"], 4), round(position["lon"], 4)) == (43.4674, 11.8851)
    assert position["time_utc"] == "2008-10-23T14:27:07.240000Z"  # the next day, in UTC
    taken = event(item, "exif_taken")
    assert iso_utc(taken.ts_utc_us) == "2008-10-22T15:28:39Z"  # BST
    assert taken.zone == "Europe/London"
    # Nikon Transfer rewrote DateTime: kept as a second event.
    assert iso_utc(event(item, "exif_modified").ts_utc_us) == "2008-11-01T21:15:07Z"
    assert item.meta["exif_summary"]["Software"] == "Nikon Transfer 1.1 W"


def test_canon_gps_west_and_jolla_offset_from_xmp() -> None:
    geo = only(run(corpus_file("images_exif/tika__testJPEG_GEO.jpg")))
    assert (round(gps(geo)["lat"], 4), round(gps(geo)["lon"], 4)) == (12.5432, -54.1234)
    jolla = only(run(corpus_file("images_exif/exifpy__jolla.jpg")))
    taken = event(jolla, "exif_taken")
    assert taken.confidence == Confidence.EXACT
    assert iso_utc(taken.ts_utc_us) == "2014-09-21T14:00:56Z"
    assert jolla.meta["offset_source"] == "xmp"
    assert "+02:00 from XMP" in taken.original


def test_iso_datetime_and_xmp_create_date() -> None:
    item = only(run(corpus_file("images_exif/tika__testJPEG_EXIF_emptyDateTime.jpg")))
    created = event(item, "xmp_created")
    assert created.confidence == Confidence.EXACT
    assert iso_utc(created.ts_utc_us) == "2012-04-30T16:52:07Z"
    modified = event(item, "exif_modified")
    assert modified.original == "2012-05-03T13:36:11-04:00"
    assert iso_utc(modified.ts_utc_us) == "2012-05-03T17:36:11Z"
    assert item.meta["time_source"] == "xmp"


def test_empty_gps_ifd_and_subseconds() -> None:
    sink = run(corpus_file("images_exif/pillow__empty_gps_ifd.jpg"))
    item = only(sink)
    assert "sensitive" not in item.meta
    taken = event(item, "exif_taken")
    assert iso_utc(taken.ts_utc_us) == "2020-07-27T13:46:48.780685Z"
    assert item.meta["orientation"] == 6


def test_portrait_orientation_applied_to_size_and_thumbnail(tmp_path: Path) -> None:
    path = corpus_file("images_exif/exifpy__portrait_6.jpg")
    item = only(run(path))
    assert item.meta["orientation"] == 6
    assert (item.meta["width"], item.meta["height"]) == (450, 600)
    assert item.meta["time_source"] == "file-time"
    thumb, suffix = images.thumbnail(path)
    assert suffix == ".jpg"
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.height > im.width
        assert im.size == (192, 256)
        assert not im.getexif()
        assert "exif" not in im.info


def test_motion_photo_and_png_exif() -> None:
    motion = only(run(corpus_file("images_exif/tika__testJPEG_MotionPhoto.jpg")))
    assert motion.meta["time_source"] == "file-time"
    png = only(run(corpus_file("images_exif/pillow__exif.png")))
    assert png.meta["exif_summary"]["Orientation"] == "Horizontal (normal)"
    assert png.meta["text_chunks"]["date:create"] == "2019-01-07T10:13:34+00:00"


def test_kept_back_nexus_gps_in_degrees_slot() -> None:
    item = only(run(corpus_file("images_exif/tika__testJPEG_GEO_2.jpg")))
    assert round(gps(item)["lat"], 4) == 51.5758


def test_kept_back_live_photo_heic() -> None:
    taken = event(only(run(corpus_file("images_exif/tika__testHEIC_livePhoto.heic"))), "exif_taken")
    assert taken.confidence == Confidence.EXACT
    assert iso_utc(taken.ts_utc_us).startswith("2025-07-11T20:41:55")


# --- screenshots ----------------------------------------------------------------------------


def test_corpus_screenshots_without_exif_fall_back_to_file_time() -> None:
    for name in ("nia__screenshot-1-foryou.png", "dce__output.png"):
        item = only(run(corpus_file(f"screenshots/{name}")))
        assert item.meta["time_source"] == "file-time"
        assert [(e.kind, e.confidence) for e in item.events] == [
            ("file_modified", Confidence.FILE_TIME)
        ]
    big = only(run(corpus_file("screenshots/nia__screenshot-1-foryou.png")))
    assert (big.meta["width"], big.meta["height"], big.meta["mode"]) == (1440, 3120, "RGBA")


def test_ps3_screenshot_has_exif_time_and_empty_gps_ifd() -> None:
    sink = run(corpus_file("screenshots/exifpy__45-gps_ifd.jpg"))
    item = only(sink)
    assert item.meta["exif_summary"]["Model"] == "Gran Turismo 5"
    assert iso_utc(event(item, "exif_taken").ts_utc_us) == "2012-06-23T05:55:49Z"
    assert "sensitive" not in item.meta
    assert any("GPS" in w for w in sink.warnings)


def screenshot(seed: int, width: int = 540, height: int = 1170) -> Image.Image:
    """A chat-like screenshot: header bar, bubbles and lines of text."""
    rnd = random.Random(seed)
    im = Image.new("RGB", (width, height), (245, 245, 245))
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, width, 90), fill=(7, 94, 84))
    y = 120
    while y < height - 80:
        mine = rnd.random() < 0.5
        bw, bh = rnd.randint(150, 420), rnd.randint(45, 135)
        x0 = width - bw - 20 if mine else 20
        fill = (220, 248, 198) if mine else (255, 255, 255)
        draw.rounded_rectangle((x0, y, x0 + bw, y + bh), 14, fill=fill)
        for line in range(bh // 24):
            words = "".join(rnd.choice("abcdefghij klmnop") for _ in range(bw // 9))
            draw.text((x0 + 14, y + 8 + line * 22), words, fill=(20, 20, 20))
        y += bh + rnd.randint(15, 45)
    return im


def test_screenshot_time_from_its_name(tmp_path: Path) -> None:
    path = tmp_path / "Screenshot_20240312-211530.png"
    screenshot(1).save(path)
    item = only(run(path))
    assert item.meta["screenshot"] is True
    assert item.meta["time_source"] == "file-name"
    [named] = item.events
    assert named == EventDraft(
        named.ts_utc_us,
        "file_name_time",
        "Screenshot_20240312-211530",
        Confidence.FILE_NAME,
        "Europe/London",
        "",
    )
    assert iso_utc(named.ts_utc_us) == "2024-03-12T21:15:30Z"
    assert item.meta["time_from_name"]["convention"] == "android-screenshot"
    new_york = only(run(path, zone="America/New_York")).events[0]
    assert iso_utc(new_york.ts_utc_us) == "2024-03-13T01:15:30Z"  # EDT began on 10 March


def test_whatsapp_date_only_and_pixel_utc_names(tmp_path: Path) -> None:
    data = encoded("JPEG")
    whatsapp = tmp_path / "IMG-20240312-WA0001.jpg"
    whatsapp.write_bytes(data)
    [day] = only(run(whatsapp)).events
    assert (day.kind, day.confidence, day.flags) == (
        "file_name_time",
        Confidence.FILE_NAME,
        "date-only",
    )
    assert iso_utc(day.ts_utc_us) == "2024-03-12T00:00:00Z"
    assert only(run(whatsapp)).meta["time_from_name"]["date_only"] is True
    pixel = tmp_path / "PXL_20240701_101530123.jpg"
    pixel.write_bytes(data)
    [utc] = only(run(pixel)).events
    assert (utc.zone, iso_utc(utc.ts_utc_us)) == ("UTC", "2024-07-01T10:15:30.123000Z")
    # A child file (a chat's media) has no file time; its name still dates it.
    sink = MemorySink()
    ImageImporter().parse(Probe.of(whatsapp, "IMG-20240312-WA0001.jpg"), sink, ImportContext())
    assert only(sink).meta["time_source"] == "file-name"


def test_implausible_name_time_falls_back_to_file_time(tmp_path: Path) -> None:
    path = tmp_path / "IMG_19800101_000000.jpg"
    path.write_bytes(encoded("JPEG"))
    sink = run(path)
    assert only(sink).meta["time_source"] == "file-time"
    assert any("not plausible" in w for w in sink.warnings)


def test_dst_gap_flagged_for_name_time(tmp_path: Path) -> None:
    path = tmp_path / "Screenshot_20240331-013000.png"  # 01:30 did not exist in London
    path.write_bytes(encoded("PNG"))
    [named] = only(run(path)).events
    assert named.flags == "dst-nonexistent"


def test_ios_screenshot_marked_in_xmp(tmp_path: Path) -> None:
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        '22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        'photoshop:DateCreated="2024-03-12T21:15:30">'
        '<exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">Screenshot</rdf:li>'
        "</rdf:Alt></exif:UserComment></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp)
    path = tmp_path / "IMG_0042.PNG"
    screenshot(7).save(path, pnginfo=info)
    item = only(run(path))
    assert item.meta["screenshot"] is True
    assert item.meta["time_source"] == "xmp"
    created = event(item, "xmp_created")
    assert (created.confidence, created.zone) == (Confidence.ASSUMED_ZONE, "Europe/London")
    assert iso_utc(created.ts_utc_us) == "2024-03-12T21:15:30Z"


def test_owner_and_serial_numbers_are_sensitive(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x013B] = "Jane Example"  # Artist
    exif[0x010F] = "Canon"
    exif.get_ifd(0x8769)[0xA431] = "083024001234"  # BodySerialNumber
    path = tmp_path / "owned.jpg"
    Image.new("RGB", (16, 16), "grey").save(path, exif=exif)
    item = only(run(path))
    assert item.meta["sensitive"]["identifiers"] == {
        "Image Artist": "Jane Example",
        "EXIF BodySerialNumber": "083024001234",
    }
    assert "Image Artist" not in item.meta["exif"]
    assert "Artist" not in item.meta["exif_summary"]
    assert item.meta["exif_summary"]["Make"] == "Canon"


# --- GPS and EXIF values --------------------------------------------------------------------


class Tag:
    """Just enough of an exifread IfdTag."""

    def __init__(self, values: Any, printable: str = "") -> None:
        self.values = values
        self.printable = printable or str(values)
        self.field_type = 2 if isinstance(values, str) else 5


def gps_tags(**tags: Any) -> dict[str, Any]:
    return {f"GPS {k}": v if isinstance(v, Tag) else Tag(v) for k, v in tags.items()}


def test_gps_decoding_quirks() -> None:
    south_west = images.gps_from_tags(
        gps_tags(
            GPSLatitudeRef="S",
            GPSLatitude=[Ratio(33, 1), Ratio(52, 1), Ratio(0, 0)],  # 0/0 seconds: zero
            GPSLongitudeRef="W",
            GPSLongitude=[Ratio(151, 1), Ratio(12, 1), Ratio(30, 1)],
            GPSAltitudeRef=[1],
            GPSAltitude=[Ratio(12, 1)],
        )
    )
    assert south_west is not None
    assert south_west.as_meta() == {"lat": -33.8666667, "lon": -151.2083333, "alt": -12.0}
    assert south_west.warnings == []

    degrees_slot = images.gps_from_tags(
        gps_tags(
            GPSLatitudeRef="N",
            GPSLatitude=[Ratio(515757623, 10000000), Ratio(0, 1), Ratio(0, 1)],
            GPSLongitudeRef="W",
            GPSLongitude=[Ratio(1234567, 10000000), Ratio(0, 1), Ratio(0, 1)],
        )
    )
    assert degrees_slot is not None
    assert (degrees_slot.lat, degrees_slot.lon) == (51.5757623, -0.1234567)

    zero_den = images.gps_from_tags(
        gps_tags(GPSLatitude=[Ratio(51, 0), Ratio(0, 1), Ratio(0, 1)], GPSLongitude=[Ratio(1, 1)])
    )
    assert zero_den is not None
    assert zero_den.lat is None
    assert any("zero denominator" in w for w in zero_den.warnings)

    absurd = images.gps_from_tags(gps_tags(GPSLatitude=[4294967295], GPSLongitude=[4294967295]))
    assert absurd is not None
    assert absurd.lat is None
    assert any("out of range" in w for w in absurd.warnings)
    assert any("GPSLatitudeRef missing" in w for w in absurd.warnings)

    no_ref = images.gps_from_tags(gps_tags(GPSLatitude=[Ratio(10, 1)], GPSLongitude=[Ratio(20, 1)]))
    assert no_ref is not None
    assert (no_ref.lat, no_ref.lon) == (10.0, 20.0)
    assert len(no_ref.warnings) == 2

    null_island = images.gps_from_tags(gps_tags(GPSLatitude=[0], GPSLongitude=[0]))
    assert null_island is not None
    assert null_island.lat is None

    bad_time = images.gps_from_tags(
        gps_tags(GPSDate="1999:99:99 99:99:99", GPSTimeStamp=[Ratio(99, 1), 0, 0])
    )
    assert bad_time is not None
    assert bad_time.time_utc is None
    assert any("not valid" in w for w in bad_time.warnings)

    assert images.gps_from_tags({}) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022:08:14 14:12:31", "2022-08-14T14:12:31"),
        ("2012-05-03T13:36:11-04:00", "2012-05-03T13:36:11-04:00"),
        ("2014-09-21T16:00:56.000000+02:00", "2014-09-21T16:00:56+02:00"),
        ("2020:07:27 14:46:48\x00", "2020-07-27T14:46:48"),
        ("0000:00:00 00:00:00", None),
        ("    :  :     :  :  ", None),
        ("", None),
        ("1999:99:99 99:99:99", None),
    ],
)
def test_parse_exif_time(text: str, expected: str | None) -> None:
    parsed = images.parse_exif_time(text)
    if expected is None:
        assert parsed is None
    else:
        assert parsed is not None
        naive, offset = parsed
        shown = naive.replace(tzinfo=offset) if offset else naive
        assert shown.isoformat() == expected


def test_invalid_exif_dates_warn_and_fall_back(tmp_path: Path) -> None:
    im = Image.new("RGB", (32, 32), "white")
    exif = Image.Exif()
    exif[0x8769] = {0x9003: "0000:00:00 00:00:00", 0x9011: "+99:00"}
    exif[0x0132] = "2099:01:01 00:00:00"
    path = tmp_path / "bad-dates.jpg"
    im.save(path, exif=exif)
    sink = run(path)
    assert only(sink).meta["time_source"] == "file-time"
    assert any("DateTimeOriginal '0000:00:00 00:00:00' is not a valid" in w for w in sink.warnings)
    assert any("DateTime '2099:01:01 00:00:00' is outside 1990" in w for w in sink.warnings)


# --- hostile files --------------------------------------------------------------------------


def hostile_images() -> list[Path]:
    folder = corpus_file("hostile")
    return sorted(p for p in folder.iterdir() if image_type(p.read_bytes()[:64]))


def test_hostile_images_end_with_a_reason_in_time() -> None:
    paths = hostile_images()
    assert {p.name for p in paths} >= {
        "pillow__truncated_jpeg.jpg",
        "pillow__truncated_image.png",
        "pillow__exif_gps.jpg",
        "exifpy__corrupted.jpg",
    }
    for path in paths:
        start = time.perf_counter()
        item = only(run(path))
        assert time.perf_counter() - start < HOSTILE_SECONDS, path.name
        assert item.events, path.name


def test_hostile_specific_reasons() -> None:
    truncated = run(corpus_file("hostile/pillow__truncated_jpeg.jpg"))
    assert any(w.startswith("image data truncated") for w in truncated.warnings)
    assert only(truncated).phash == ""
    assert only(truncated).meta["width"] == 100  # header facts kept
    png = run(corpus_file("hostile/pillow__truncated_image.png"))
    assert any(w.startswith("image data truncated") for w in png.warnings)
    absurd = run(corpus_file("hostile/pillow__exif_gps.jpg"))
    assert any("2099:09:29 10:10:10" in w for w in absurd.warnings)
    assert any("4294967295" in w for w in absurd.warnings)
    assert only(absurd).meta["time_source"] == "file-time"
    assert "lat" not in only(absurd).meta.get("sensitive", {}).get("gps", {})
    twice = run(corpus_file("hostile/pillow__multiple_exif.jpg"))
    assert any("Possibly corrupted field ImageDescription" in w for w in twice.warnings)
    # The corrupt IFD loses one field; what could be read is kept, and XMP dates the image.
    invalid = only(run(corpus_file("hostile/pillow__invalid-exif.jpg")))
    assert invalid.meta["exif_summary"]["Software"] == "Adobe Photoshop CC 2017 (Macintosh)"
    assert iso_utc(event(invalid, "xmp_created").ts_utc_us) == "2017-03-14T06:03:09Z"
    olympus = only(run(corpus_file("hostile/exifpy__corrupted.jpg")))
    assert olympus.meta["exif_summary"]["Model"] == "u1020,S1020"
    assert iso_utc(event(olympus, "exif_taken").ts_utc_us) == "2015-09-08T10:02:17Z"


def test_garbage_with_png_signature_is_kept_with_a_warning() -> None:
    sink = run(corpus_file("hostile/pillow__broken.png"))
    item = only(sink)
    assert item.meta["format"] == "PNG"
    assert item.phash == ""
    assert any("Pillow cannot identify it" in w for w in sink.warnings)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_oversized_images_keep_metadata_without_decoding(tmp_path: Path) -> None:
    header = struct.pack(">IIBBBBB", 12_000, 9_000, 8, 2, 0, 0, 0)  # 108 MP: over our limit
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    png += chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    big = tmp_path / "big.png"
    big.write_bytes(png)
    sink = run(big)
    assert (only(sink).meta["width"], only(sink).meta["height"]) == (12_000, 9_000)
    assert any("too large to decode safely" in w for w in sink.warnings)
    assert only(sink).phash == ""
    # A GIF declaring 65535×65535 (Pillow's own bomb error): the header size is still read.
    gif = b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
    gif += b"," + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00;"
    bomb = tmp_path / "bomb.gif"
    bomb.write_bytes(gif)
    sink = run(bomb)
    assert (only(sink).meta["width"], only(sink).meta["height"]) == (65535, 65535)
    assert any("65535×65535" in w for w in sink.warnings)
    with pytest.raises(EvidenceError, match="too large"):
        images.thumbnail(bomb)


def test_kept_back_decompression_bomb_gif() -> None:
    sink = run(corpus_file("hostile/pillow__decompression_bomb.gif"))
    assert any("too large to decode safely" in w for w in sink.warnings)


def test_jpeg_signature_over_garbage(tmp_path: Path) -> None:
    path = tmp_path / "fake.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))
    sink = run(path)
    assert only(sink).phash == ""
    assert sink.warnings


def test_cancel_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(encoded("PNG"))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        ImageImporter().parse(Probe.of(path), MemorySink(), ImportContext(cancel=token))


# --- perceptual hash and near-duplicates ----------------------------------------------------


def jpeg_again(im: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality)
    out.seek(0)
    return Image.open(out)


def test_near_duplicate_groups_of_a_recompressed_resized_cropped_screenshot() -> None:
    base = screenshot(1)
    w, h = base.size
    variants = [
        base,
        jpeg_again(base, 60),
        base.resize((int(w * 0.8), int(h * 0.8)), Image.Resampling.LANCZOS),
        base.crop((int(w * 0.03), int(h * 0.03), int(w * 0.97), int(h * 0.97))),
        screenshot(2),
        screenshot(3),
    ]
    hashes = {10 + n: images.phash(v) for n, v in enumerate(variants)}
    assert all(len(h) == 16 for h in hashes.values())
    assert images.hamming(hashes[10], hashes[14]) > 10
    assert images.near_duplicate_groups(hashes) == [[10, 11, 12, 13]]
    assert images.near_duplicate_groups(hashes, max_distance=0) in ([], [[10, 11, 12]], [[10, 11]])
    assert images.near_duplicate_groups({1: "", 2: "zz", 3: hashes[10]}) == []


def test_flat_images_hash_alike() -> None:
    flats = [
        Image.new("RGB", (50, 30), "red"),
        Image.new("L", (50, 30), 7),
        Image.new("CMYK", (640, 480), (0, 100, 200, 0)),
    ]
    assert {images.phash(im) for im in flats} == {"8000000000000000"}


def test_near_duplicate_groups_chain_and_scale() -> None:
    a = 0x0123456789ABCDEF
    hashes = {1: f"{a:016x}", 2: f"{a ^ 0b111111:016x}", 3: f"{a ^ 0b111111 << 20:016x}"}
    assert images.near_duplicate_groups(hashes, max_distance=6) == [[1, 2, 3]]  # 1~2, 1~3
    rnd = random.Random(7)
    many = {n: f"{rnd.getrandbits(64):016x}" for n in range(3000)}
    many[5000] = f"{int(many[17], 16) ^ 0b101:016x}"
    start = time.perf_counter()
    assert [17, 5000] in images.near_duplicate_groups(many)
    assert time.perf_counter() - start < 5


def test_hash_applies_orientation(tmp_path: Path) -> None:
    upright = screenshot(4, 300, 400)
    turned = upright.rotate(90, expand=True)  # stored on its side...
    exif = Image.Exif()
    exif[0x0112] = 6  # ...with the EXIF saying "rotate 90 CW to show"
    plain, tagged = tmp_path / "plain.jpg", tmp_path / "tagged.jpg"
    upright.save(plain, quality=90)
    turned.save(tagged, quality=90, exif=exif)
    a, b = only(run(plain)), only(run(tagged))
    assert images.hamming(a.phash, b.phash) <= 6
    assert (b.meta["width"], b.meta["height"]) == (300, 400)


# --- thumbnails -----------------------------------------------------------------------------


def test_thumbnail_made_in_memory_without_metadata(tmp_path: Path) -> None:
    src = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[0x010F] = "SecretPhone"
    screenshot(5, 800, 600).save(src, exif=exif)
    before = sorted(tmp_path.rglob("*"))
    with src.open("rb") as fh:
        data, suffix = images.thumbnail(fh, size=128)
    assert sorted(tmp_path.rglob("*")) == before  # nothing written to disk
    assert suffix == ".jpg"
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG"
        assert im.size == (128, 96)
        assert not im.getexif()
    assert b"SecretPhone" not in data
    transparent = io.BytesIO()
    Image.new("RGBA", (300, 300), (255, 0, 0, 0)).save(transparent, format="PNG")
    assert images.thumbnail(transparent)[1] == ".png"


@needs_heif
def test_thumbnail_of_heic_and_unreadable(tmp_path: Path) -> None:
    thumb, _ = images.thumbnail(corpus_file("images_exif/exifpy__iphone_13_pro_max.heic"))
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.height > im.width  # the portrait orientation is applied
        assert max(im.size) <= 256
    with pytest.raises(EvidenceError, match="no thumbnail"):
        images.thumbnail(corpus_file("hostile/pillow__broken.png"))


# --- the real pipeline ----------------------------------------------------------------------


def test_pipeline_imports_photos_and_screenshots(tmp_path: Path) -> None:
    named = tmp_path / "in" / "Screenshot_20240312-211530.png"
    named.parent.mkdir()
    screenshot(6).save(named)
    paths = [
        corpus_file("images_exif/exifpy__HMD_Nokia_8.3_5G.jpg"),
        corpus_file("images_exif/exifpy__iphone_13_pro_max.heic"),
        corpus_file("screenshots/nia__compactWidth_compactHeight_showsNavigationBar.png"),
        corpus_file("hostile/pillow__truncated_jpeg.jpg"),
        named,
    ]
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(case, paths)
        assert [(f.status, f.importer, f.items) for f in report.files] == [
            ("imported", "image", 1)
        ] * 5
        assert any("truncated" in w for w in report.files[3].warnings)
        with case.read() as s:
            items = s.execute(select(Item).order_by(Item.id)).scalars().all()
            assert [i.kind for i in items] == ["image"] * 5
            assert items[0].phash is not None
            assert len(items[0].phash) == 16
            assert items[3].phash is None
            meta = items[0].meta
            assert isinstance(meta["sensitive"], dict)
        rows = {r.event_kind: r for r in case.timeline_iter()}
        assert iso_utc(rows["exif_taken"].ts_utc_us) in {
            "2022-08-14T11:12:31Z",
            "2022-02-16T11:55:41.762000Z",
        }
        assert rows["file_name_time"].confidence == "file-name"
        assert iso_utc(rows["file_name_time"].ts_utc_us) == "2024-03-12T21:15:30Z"
    finally:
        case.close()
