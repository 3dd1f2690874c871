"""Benchmark: OCR of ten 540×960 chat screenshots, ours beside the bare RapidOCR call.

Run: .venv/bin/python bench/ocr_screenshots.py [--rounds N]

load  = importing RapidOCR and loading its three models (what the first item of a job pays).
ours  = `run_ocr` on a case holding the ten screenshots (imported beforehand, not timed):
        blob read, EXIF orientation, RGB conversion, the engine, word boxes, one transaction
        per item with pages rows, items.ocr_text, the FTS5 row and an audit entry.
bare  = `RapidOCR()(path, return_word_box=True)` on the same files, nothing stored.
Both use the same loaded models in the same process; each round runs bare then ours, and
the best round of each is reported (the machine may be shared). Recall is the share of
the words drawn that come back among the words read.
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import text

from app.case import Case
from app.ingest.job import import_paths
from app.ocr import OcrWord, RapidOcrEngine, run_ocr

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MESSAGES = [
    "I know where you live now",
    "Why are you ignoring me",
    "Answer the phone",
    "Please stop messaging me",
    "I saw you at the station tonight",
    "You can't just leave like this",
    "Leave me alone",
    "I will tell everyone what you did",
    "Who were you with on Friday",
    "Send me a photo now",
    "I am outside your house",
    "Don't make me come over there",
]


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT.is_file():
        return ImageFont.truetype(str(FONT), size)
    return ImageFont.load_default(size=size)


def screenshot(path: Path, rng: random.Random) -> list[str]:
    """A 540×960 chat screenshot with 6-8 bubbles; returns the messages drawn."""
    size = (540, 960)
    image = Image.new("RGB", size, (236, 229, 221))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 70), fill=(7, 94, 84))
    draw.text((20, 20), "Daniel", font=font(26), fill="white")
    drawn = []
    y = 96
    f = font(22)
    for _ in range(rng.randint(6, 8)):
        message = rng.choice(MESSAGES)
        mine = rng.random() < 0.4
        left, top, right, bottom = draw.textbbox((0, 0), message, font=f)
        w, h = int(right - left) + 32, int(bottom - top) + 40
        x = size[0] - w - 14 if mine else 14
        fill = (220, 248, 198) if mine else "white"
        draw.rounded_rectangle((x, y, x + w, y + h), radius=14, fill=fill)
        draw.text((x + 16, y + 10 - top), message, font=f, fill=(20, 20, 20))
        stamp = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
        draw.text((x + w - 60, y + h - 18), stamp, font=font(13), fill=(120, 120, 120))
        drawn.append(message)
        y += h + 18
    image.save(path)
    return drawn


def words_of(texts: list[str]) -> list[str]:
    return [w for t in texts for w in re.findall(r"[a-z']+", t.lower())]


def recall(expected: list[str], found: list[str]) -> float:
    pool = list(found)
    hit = 0
    for w in expected:
        if w in pool:
            pool.remove(w)
            hit += 1
    return hit / len(expected) if expected else 1.0


class NoEngine:
    """Answers every image with the words the real engine read on the first screenshot."""

    label = "canned"

    def __init__(self, words: list[OcrWord]) -> None:
        self.words = words

    def read(self, image: Image.Image) -> list[OcrWord]:
        return list(self.words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--count", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("exifread").setLevel(logging.ERROR)  # "PNG file does not have exif data"
    rng = random.Random(4)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "shots"
        folder.mkdir()
        shots: list[Path] = []
        expected: list[str] = []
        for n in range(args.count):
            path = folder / f"Screenshot_2024031{n % 10}-2{n:05d}.png"
            expected += words_of(screenshot(path, rng))
            shots.append(path)

        start = time.perf_counter()
        engine = RapidOcrEngine()
        load = time.perf_counter() - start
        bare_engine = engine._ocr  # the very same RapidOCR object, called directly
        with Image.open(shots[0]) as first:
            words = engine.read(first.convert("RGB"))

        bare_rounds: list[list[float]] = []
        ours_rounds: list[float] = []
        bare_cpu: list[float] = []
        ours_cpu: list[float] = []
        bare_words: list[str] = []
        ours_words: list[str] = []
        for r in range(args.rounds):
            times = []
            bare_words = []
            c = time.process_time()
            for path in shots:
                t = time.perf_counter()
                result: Any = bare_engine(str(path), return_word_box=True)
                times.append(time.perf_counter() - t)
                bare_words += words_of(list(result.txts or ()))
            bare_rounds.append(times)
            bare_cpu.append(time.process_time() - c)

            case = Case.create(root / f"bench{r}")
            report = import_paths(case, shots)
            assert report.count("imported") == len(shots)
            t, c = time.perf_counter(), time.process_time()
            ocr = run_ocr(case, engine=engine)
            ours_rounds.append(time.perf_counter() - t)
            ours_cpu.append(time.process_time() - c)
            assert ocr.items == len(shots), ocr
            assert not ocr.failures, ocr
            with case.read() as s:
                ours_words = words_of(
                    [row[0] for row in s.execute(text("SELECT ocr_text FROM items"))]
                )
            case.close()

        # What ours adds, measured apart from the engine: the same job with a canned answer.
        canned = NoEngine(words)
        overhead = []
        for r in range(args.rounds):
            case = Case.create(root / f"canned{r}")
            import_paths(case, shots)
            t = time.perf_counter()
            run_ocr(case, engine=canned)
            overhead.append(time.perf_counter() - t)
            case.close()

    n = len(shots)
    best_bare = min(sum(t) for t in bare_rounds)
    best_ours = min(ours_rounds)
    per_shot = [t for rnd in bare_rounds for t in rnd]
    print(f"screenshots: {n} × 540×960 PNG, {len(expected)} words drawn, {args.rounds} rounds")
    print(f"engine load (import + 3 models):   {load:6.2f} s (once per job)")
    print(
        f"bare RapidOCR call:                {best_bare / n:6.2f} s/screenshot "
        f"(median single call {statistics.median(per_shot):.2f} s), "
        f"recall {recall(expected, bare_words):.1%}"
    )
    print(
        f"threadline run_ocr (+ storage/FTS): {best_ours / n:5.2f} s/screenshot, "
        f"recall {recall(expected, ours_words):.1%}"
    )
    print(
        f"CPU s/screenshot (all threads, best round): bare {min(bare_cpu) / n:.2f}, "
        f"ours {min(ours_cpu) / n:.2f}"
    )
    print(
        f"ours with a canned engine (load, orient, store, FTS, audit): "
        f"{min(overhead) / n * 1000:.0f} ms/screenshot"
    )
    print(f"overhead ours vs bare: {(best_ours - best_bare) / n * 1000:+.0f} ms/screenshot")
    print(f"all rounds, s/screenshot: bare {[round(sum(t) / n, 2) for t in bare_rounds]}")
    print(f"                          ours {[round(t / n, 2) for t in ours_rounds]}")


if __name__ == "__main__":
    main()
