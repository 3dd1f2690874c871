"""Benchmark: an encrypted case against the same plain case, import and timeline open.

Run: .venv/bin/python bench/encrypted_case.py [--photos N] [--pages N] [--messages N]
                                             [--size WxH] [--runs R]

The evidence is generated once with the other benchmarks' generators: N phone photos with
EXIF (bench/import_photos.py), a text PDF of N pages (bench/import_pdf.py) and a WhatsApp
export of N messages (bench/import_whatsapp.py). Then, in the same process and alternating
plain and encrypted R times (the best run of each is kept):

  create            Case.create: with the key file (one scrypt) when encrypted
  import            import_paths of every file (no OCR): the originals are sealed chunk by
                    chunk and the database pages go through SQLCipher
  open, cold        a fresh Case.open, timeline_ids() and the first 256 rows, with no kept
                    id list (it is built, then written to derived/, sealed when encrypted)
  open, warm        the same with the kept id list read back
  passphrase check  scrypt (n=2^17, r=8, p=1) once per open of an encrypted case: deliberate,
                    the cost of guessing a passphrase; timed inside each open, shown apart

Target: encrypted within 1.5x of plain for import and for the timeline open (beyond the one
passphrase check). Prints each figure and the ratios.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_pdf import make_pdf
from import_photos import make_photos
from import_whatsapp import make_export

import app.case
from app.case import Case
from app.ingest.job import import_paths
from app.store import crypto

PASSPHRASE = "bench passphrase, not a secret"
PAGE = 256
TARGET = 1.5


def make_evidence(folder: Path, photos: int, pages: int, messages: int, size: str) -> list[Path]:
    """The files to import: a camera roll, a long PDF, a long chat."""
    w, h = (int(v) for v in size.split("x"))
    make_photos(folder / "DCIM", photos, (w, h))
    make_pdf(folder / "printout.pdf", pages)
    chat = folder / "WhatsApp Chat with Daniel Hughes.txt"
    make_export(chat, messages)
    return [folder / "DCIM", folder / "printout.pdf", chat]


class KdfClock:
    """Times every passphrase check `Case.open` makes (it calls app.case.unlock)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._unlock = crypto.unlock

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self._unlock(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


KDF = KdfClock()
setattr(app.case, "unlock", KDF)  # noqa: B010 (what Case.open calls)


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(Seconds, of which passphrase checks) of a call."""
    before = KDF.seconds
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start, KDF.seconds - before


def import_case(
    root: Path, name: str, evidence: list[Path], passphrase: str | None
) -> tuple[float, float]:
    """Seconds to create a case (with its key file when encrypted), then to import every
    file into it; the case is left in `root`."""
    shutil.rmtree(root / f"{name}.threadline", ignore_errors=True)
    start = time.perf_counter()
    case = Case.create(root / name, passphrase=passphrase)
    created = time.perf_counter() - start
    with case:
        start = time.perf_counter()
        report = import_paths(case, evidence)
        imported = time.perf_counter() - start
    if report.count("failed"):
        raise SystemExit(f"import failed: {[f.reason for f in report.files]}")
    return created, imported


def first_rows(folder: Path, passphrase: str | None, *, cold: bool) -> tuple[float, float]:
    """Seconds from a fresh Case.open to the first page of timeline rows, and of them the
    passphrase check."""
    if cold:
        (folder / "derived" / "timeline-keys.bin").unlink(missing_ok=True)

    def run() -> None:
        with Case.open(folder, passphrase=passphrase) as case:
            ids = case.timeline_ids()
            rows = case.timeline_rows(ids[:PAGE])
            if len(rows) != PAGE:
                raise SystemExit("the timeline is shorter than a page")

    return timed(run)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--size", default="1600x1200", help="photo size WxH")
    parser.add_argument("--runs", type=int, default=2, help="alternating runs; best kept")
    args = parser.parse_args()

    creates: dict[bool, list[float]] = {False: [], True: []}
    imports: dict[bool, list[float]] = {False: [], True: []}
    cold: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    warm: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="bench-encrypted-") as tmp:
        root = Path(tmp)
        began = time.perf_counter()
        evidence = make_evidence(
            root / "evidence", args.photos, args.pages, args.messages, args.size
        )
        made = time.perf_counter() - began
        print(
            f"evidence: {args.photos} photos {args.size}, a {args.pages}-page PDF, a "
            f"{args.messages}-message chat; {folder_size(root / 'evidence') / 1e6:.0f} MB "
            f"(made in {made:.1f} s)"
        )
        for _ in range(args.runs):
            for encrypted in (False, True):
                name = "Encrypted" if encrypted else "Plain"
                passphrase = PASSPHRASE if encrypted else None
                created, imported = import_case(root, name, evidence, passphrase)
                creates[encrypted].append(created)
                imports[encrypted].append(imported)
                folder = root / f"{name}.threadline"
                cold[encrypted].append(first_rows(folder, passphrase, cold=True))
                warm[encrypted].append(first_rows(folder, passphrase, cold=False))
        with Case.open(root / "Plain.threadline") as case:
            info = case.info()
        plain_mb = folder_size(root / "Plain.threadline") / 1e6
        sealed_mb = folder_size(root / "Encrypted.threadline") / 1e6

    print(
        f"case: {info.sources} sources, {info.items} items, {info.events} events; "
        f"on disk {plain_mb:.0f} MB plain, {sealed_mb:.0f} MB encrypted"
    )
    print(f"{'':36}{'plain':>10}{'encrypted':>12}{'ratio':>8}")

    def line(label: str, plain: float, enc: float, target: bool = True) -> None:
        ratio = enc / plain
        verdict = ("  ok" if ratio <= TARGET else "  OVER") if target else ""
        print(f"{label:36}{plain * 1000:>8.0f}ms{enc * 1000:>10.0f}ms{ratio:>8.2f}{verdict}")

    def best_total(runs: list[tuple[float, float]]) -> float:
        return min(t for t, _ in runs)

    def best_beyond(runs: list[tuple[float, float]]) -> float:
        return min(t - k for t, k in runs)

    line("create (with the key file)", min(creates[False]), min(creates[True]), target=False)
    line("import (every file)", min(imports[False]), min(imports[True]))
    line("open + first rows, cold", best_total(cold[False]), best_total(cold[True]), False)
    line("open + first rows, warm", best_total(warm[False]), best_total(warm[True]), False)
    check = min(k for _, k in cold[True] + warm[True])
    print(f"{'passphrase check (scrypt), per open':36}{'':>10}{check * 1000:>10.0f}ms")
    line("  cold, beyond the check", best_total(cold[False]), best_beyond(cold[True]))
    line("  warm, beyond the check", best_total(warm[False]), best_beyond(warm[True]))
    print(f"target: encrypted within {TARGET}x of plain (ratio <= {TARGET}); best of {args.runs}")


if __name__ == "__main__":
    main()
