"""Benchmark: importing 1,000 phone photos (JPEG with EXIF), beside a bare SHA-256 + exifread loop.

Run: .venv/bin/python bench/import_photos.py [--files N] [--size 1600x1200]
Prints files/s and the ratio (ours / bare) as bench/import_text_files.py does. Both runs read
the same files in the same process, one after the other, so the ratio is what to compare
across machines. Two more lines split the cost:

bare      = read + SHA-256 + exifread.process_file (details=False) per file: the least an
            image importer must do.
importer  = the image importer alone (probe, exifread, Pillow header, perceptual hash from a
            draft-mode decode, events) writing into a MemorySink.
floor     = the same files through `import_paths` with only the opaque file importer: blob
            store copy with fsync, probe, one transaction and audit entry per file. No image
            reader can be faster than this.
threadline= `Case.create` + `import_paths` on the folder, the real thing.
no-phash  = the same import with the perceptual hash skipped (a what-if, not a mode of the
            app): what moving the hash out of the import, as OCR is, would gain.

CPU seconds are printed beside wall time, and the load average before and after: on a
shared machine the CPU ratio is the steadier of the two.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import exifread
from PIL import Image, ImageDraw, ImageFilter

from app import images
from app.case import Case
from app.importers.base import ImportContext, Probe
from app.importers.image import ImageImporter
from app.importers.memory import MemorySink
from app.importers.opaque import OpaqueFileImporter
from app.importers.registry import Registry
from app.ingest.job import import_paths

BASES = 24


def base_images(size: tuple[int, int], rnd: random.Random) -> list[Image.Image]:
    """A few photo-like backgrounds: a colour gradient, blurred blobs and some grain."""
    out = []
    w, h = size
    for _ in range(BASES):
        sky = Image.linear_gradient("L").resize(size)
        top = tuple(rnd.randint(40, 220) for _ in range(3))
        bottom = tuple(rnd.randint(20, 160) for _ in range(3))
        im = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), sky)
        draw = ImageDraw.Draw(im)
        for _ in range(12):
            x, y = rnd.randrange(w), rnd.randrange(h)
            r = rnd.randint(w // 20, w // 5)
            colour = tuple(rnd.randint(0, 255) for _ in range(3))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        im = im.filter(ImageFilter.GaussianBlur(6))
        grain = Image.effect_noise(size, 24).convert("RGB")
        out.append(Image.blend(im, grain, 0.12))
    return out


def exif_for(n: int, when: datetime) -> Image.Exif:
    """EXIF as a phone writes it: make, model, capture time with offset, GPS."""
    exif = Image.Exif()
    exif[0x010F] = "Google"
    exif[0x0110] = "Pixel 7"
    exif[0x0131] = "HDR+ 1.0.540104767zd"
    exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9004] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9011] = "+01:00"
    sub[0x9291] = f"{n % 1000:03}"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0 + n % 20, 12.5)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 40.25)
    gps[5] = b"\x00"
    gps[6] = 35.5
    gps[7] = (float((when.hour - 1) % 24), float(when.minute), float(when.second))
    gps[29] = when.strftime("%Y:%m:%d")
    return exif


def make_photos(folder: Path, count: int, size: tuple[int, int]) -> list[Path]:
    """`count` distinct JPEGs like a phone's camera roll, named as Android names them."""
    rnd = random.Random(4)
    bases = base_images(size, rnd)
    folder.mkdir(parents=True)
    start = datetime(2024, 3, 1, 8, 0, 0)
    paths = []
    for n in range(count):
        when = start + timedelta(minutes=37 * n, seconds=n % 60)
        im = bases[n % BASES].copy()
        draw = ImageDraw.Draw(im)
        for _ in range(3):
            x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
            r = rnd.randint(20, size[0] // 8)
            draw.rectangle((x, y, x + r, y + r), fill=tuple(rnd.randint(0, 255) for _ in range(3)))
        utc = when - timedelta(hours=1)  # Pixel names its files in UTC
        path = folder / f"PXL_{utc:%Y%m%d_%H%M%S}{n % 1000:03}.jpg"
        im.save(path, "JPEG", quality=88, exif=exif_for(n, when))
        paths.append(path)
    return paths


Times = tuple[float, float]  # wall and CPU seconds


def bare(paths: list[Path]) -> Times:
    """Read, SHA-256 and exifread every file."""
    start, cpu = time.perf_counter(), time.process_time()
    for p in paths:
        hashlib.sha256(p.read_bytes()).hexdigest()
        with p.open("rb") as fh:
            tags = exifread.process_file(fh, details=False, extract_thumbnail=False)
        assert "EXIF DateTimeOriginal" in tags
    return time.perf_counter() - start, time.process_time() - cpu


def importer_only(paths: list[Path]) -> Times:
    """The image importer into a MemorySink: what it costs beyond the bare loop."""
    start, cpu = time.perf_counter(), time.process_time()
    for p in paths:
        sink = MemorySink()
        ImageImporter().parse(Probe.of(p, mtime_us=0), sink, ImportContext())
        assert sink.items[0].phash
        assert sink.items[0].events[0].kind == "exif_taken"
    return time.perf_counter() - start, time.process_time() - cpu


def pipeline(
    root: Path, folder: Path, count: int, registry: Registry | None, *, phash: bool = True
) -> Times:
    """`import_paths` on the folder in a fresh case (`phash=False`: the hash skipped)."""
    case = Case.create(root)
    real = images.inspect_image
    if not phash:
        images.inspect_image = functools.partial(real, hash_pixels=False)  # type: ignore[assignment]
    try:
        start, cpu = time.perf_counter(), time.process_time()
        report = import_paths(case, [folder], registry=registry)
        elapsed = time.perf_counter() - start, time.process_time() - cpu
    finally:
        images.inspect_image = real  # type: ignore[assignment]
    case.close()
    assert report.count("imported") == count, report.files[:3]
    return elapsed


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1_000)
    parser.add_argument("--size", default="1600x1200")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    n = args.files
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "DCIM"
        began = time.perf_counter()
        paths = make_photos(folder, n, (w, h))
        made = time.perf_counter() - began
        megabytes = sum(p.stat().st_size for p in paths) / 1e6
        load_before = load()
        t_bare = bare(paths)
        t_importer = importer_only(paths)
        t_floor = pipeline(root / "floor", folder, n, Registry([OpaqueFileImporter]))
        t_ours = pipeline(root / "case", folder, n, None)
        t_nohash = pipeline(root / "nohash", folder, n, None, phash=False)
        t_bare2 = bare(paths)  # again, after: a machine that got busier slows both alike
        load_after = load()
    t_bare = min(t_bare, t_bare2)
    print(f"files: {n} JPEG {w}x{h}, {megabytes:.0f} MB (made in {made:.1f} s)")
    print(f"load average before: {load_before}, after: {load_after}")
    for label, (wall, cpu) in (
        ("bare sha256+exifread ", t_bare),
        ("image importer only  ", t_importer),
        ("pipeline floor (file)", t_floor),
        ("threadline import    ", t_ours),
        ("no-phash what-if     ", t_nohash),
    ):
        print(f"{label}: {n / wall:7.0f} files/s  ({wall:.2f} s, CPU {cpu:.2f} s)")
    print(
        f"ratio ours/bare speed: {t_bare[0] / t_ours[0]:.3f} (bare is "
        f"{t_ours[0] / t_bare[0]:.1f}x faster; CPU {t_ours[1] / t_bare[1]:.1f}x)"
    )
    print(
        f"without the perceptual hash: bare is {t_nohash[0] / t_bare[0]:.1f}x faster "
        f"(CPU {t_nohash[1] / t_bare[1]:.1f}x)"
    )
    print(
        f"importer only / bare: {t_bare[0] / t_importer[0]:.3f} "
        f"(bare is {t_importer[0] / t_bare[0]:.1f}x faster); "
        f"pipeline beyond the floor: {(t_ours[0] - t_floor[0]) / n * 1000:.1f} ms/file"
    )


if __name__ == "__main__":
    main()
