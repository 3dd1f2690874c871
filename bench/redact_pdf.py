"""Benchmark: one redaction per page of a 1,000-page PDF, applied and verified, beside bare PyMuPDF.

Run: .venv/bin/python bench/redact_pdf.py [--pages N] [--repeat R]
Prints pages/s for both and the ratio (ours / bare). Both runs redact the same file in the
same process, one after the other (best of R runs each), so the ratio is what to compare
across machines. The bare run is the least a redaction can do: per page add_redact_annot
and apply_redactions, then save (garbage=4, deflate). Ours is `redact_pdf` (the same plus
label text, hidden-content and metadata sanitising, a clean fresh save) followed by
`verify_pdf` (reopen; every page's text, the box's text, pixels and images; every object
and decompressed stream searched for the redacted terms). Target: ours within 3x of bare.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import pymupdf

from app.redaction.apply import Mark, redact_pdf
from app.redaction.verify import verify_pdf

LINES_PER_PAGE = 40
LABEL = "third-party personal data"
pm: Any = pymupdf


def make_pdf(pages: int) -> tuple[bytes, list[Mark], list[str]]:
    """A text PDF like a printed chat log, with one phone number a page to redact."""
    doc = pm.open()
    for n in range(pages):
        page = doc.new_page()
        lines = [
            f"{n + 1}.{i + 1:02} [{i % 24:02}:{(n + i) % 60:02}] He wrote again: I know where "
            f"you are tonight, message {n * LINES_PER_PAGE + i}."
            for i in range(LINES_PER_PAGE)
        ]
        lines[7] = f"{n + 1}.08 Call me on 07700 9{n:05} before midnight."
        page.insert_text((50, 60), "\n".join(lines), fontsize=9)
    doc.set_metadata({"title": "Bench", "creationDate": "D:20240101120000+00'00'"})
    data: bytes = doc.tobytes(deflate=True)
    marks, forbidden = [], []
    for page in doc:
        words = page.get_text("words")
        phone = [w for w in words if w[4] == "07700" or (w[4].startswith("9") and len(w[4]) == 6)]
        box = (
            min(w[0] for w in phone),
            min(w[1] for w in phone),
            max(w[2] for w in phone),
            max(w[3] for w in phone),
        )
        marks.append(Mark(page.number + 1, box, LABEL))
        forbidden.append(" ".join(w[4] for w in phone))
    doc.close()
    return data, marks, forbidden


def bare(data: bytes, marks: list[Mark]) -> tuple[float, float]:
    """PyMuPDF alone: annotate, apply, save. (wall, CPU) seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    doc = pm.open(stream=data)
    for mark in marks:
        page = doc[mark.page - 1]
        page.add_redact_annot(pm.Rect(mark.box), fill=(0, 0, 0))
        page.apply_redactions()
    doc.tobytes(garbage=4, deflate=True)
    doc.close()
    return time.perf_counter() - start, time.process_time() - cpu


def ours(data: bytes, marks: list[Mark], forbidden: list[str]) -> tuple[float, float, float]:
    """redact_pdf then verify_pdf: (wall, CPU, wall of verification alone) seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    out = redact_pdf(data, marks)
    checked = time.perf_counter()
    findings = verify_pdf(out, forbidden, marks)
    end = time.perf_counter()
    assert findings == [], findings[:5]
    return end - start, time.process_time() - cpu, end - checked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data, marks, forbidden = make_pdf(args.pages)
    bare(data, marks)  # warm PyMuPDF
    runs_bare, runs_ours = [], []
    for _ in range(args.repeat):  # alternate, so a busy machine slows both alike
        runs_bare.append(bare(data, marks))
        runs_ours.append(ours(data, marks, forbidden))
    n = args.pages
    wall_bare, cpu_bare = min(r[0] for r in runs_bare), min(r[1] for r in runs_bare)
    wall_ours, cpu_ours = min(r[0] for r in runs_ours), min(r[1] for r in runs_ours)
    verify = min(r[2] for r in runs_ours)
    print(f"pages: {n}, one redaction each")
    for label, wall, cpu in (
        ("bare PyMuPDF redact+save", wall_bare, cpu_bare),
        ("threadline redact+verify", wall_ours, cpu_ours),
    ):
        print(f"{label} : {n / wall:6.0f} pages/s  ({wall:.2f} s, CPU {cpu:.2f} s)")
    print(f"  of which verification  : {verify:.2f} s")
    print(
        f"ratio ours/bare: {wall_ours / wall_bare:.2f}x wall time, {cpu_ours / cpu_bare:.2f}x CPU"
        " (target: within 3x)"
    )


if __name__ == "__main__":
    main()
