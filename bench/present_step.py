"""Benchmark: painting a presentation step, beside bare PyMuPDF rendering the same page.

Run: .venv/bin/python bench/present_step.py [--runs N] [--max-px PX]
Builds the demo case in a temporary home, then times `render_step` (the redaction set
applied, the slide built) with the slide cache empty, i.e. what stepping to a step not yet
shown costs:
- a message step (the message and the 3 earlier messages of its conversation, each with
  its own redactions applied) — target < 100 ms;
- a PDF page step (the crime report, page 1, whole page at PX on its long side) — target
  < 250 ms — both "first time" (the redacted PDF built by `redact_pdf`, then the page drawn)
  and "next page" (the redacted PDF already in memory);
- a PDF page zoomed to a region;
- bare PyMuPDF on the same original page: `page.get_pixmap` at the same scale (and with the
  PNG encoding the slide carries), the least any renderer does;
- a cached step (stepping back to a step already shown).
Figures are medians in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import pymupdf

pm: Any = pymupdf


def _median_ms(
    fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None
) -> float:
    times: list[float] = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Build the demo, time the steps, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--max-px", type=int, default=1600)
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="threadline-bench-")
    os.environ["THREADLINE_HOME"] = home

    from app.case import Case
    from app.demo import ensure_demo_case
    from app.present import render
    from app.present.model import StepRow
    from app.present.store import presentations

    t = time.perf_counter()
    path = ensure_demo_case()
    print(f"demo case built in {time.perf_counter() - t:.1f} s")
    with Case.open(path, readonly=True) as case:
        (pres,) = presentations(case)
        message = next(s for s in pres.steps if s.item_kind == "message")
        page = next(s for s in pres.steps if s.item_kind == "document")
        whole_page = StepRow(page.id, page.position, page.item_id, 1, None, "", "document")
        sha = case.item_blob_sha(page.item_id)
        assert sha is not None

        def step(s: StepRow) -> Callable[[], object]:
            return lambda: render.render_step(case, pres, s, max_px=args.max_px)

        step(message)()  # warm imports and the SQLite page cache
        slides_only = render._slides.clear
        rows = [
            (
                "message + 3 context (target < 100)",
                _median_ms(step(message), args.runs, slides_only),
            ),
            (
                "PDF page, first time (redact_pdf + draw)",
                _median_ms(step(whole_page), args.runs, render.clear_cache),
            ),
            (
                "PDF page, next page (target < 250)",
                _median_ms(step(whole_page), args.runs, slides_only),
            ),
            ("PDF page zoomed to its region", _median_ms(step(page), args.runs, slides_only)),
            ("a step already shown (cache)", _median_ms(step(message), args.runs)),
        ]
        doc = pm.open(stream=case.blobs.read(sha), filetype="pdf")
        first = doc[0]
        zoom = args.max_px / max(first.rect.width, first.rect.height)
        matrix = pm.Matrix(zoom, zoom)
        rows.append(
            (
                "bare PyMuPDF get_pixmap, same page",
                _median_ms(lambda: first.get_pixmap(matrix=matrix, alpha=False), args.runs),
            )
        )
        rows.append(
            (
                "bare PyMuPDF get_pixmap + its PNG encoder",
                _median_ms(
                    lambda: first.get_pixmap(matrix=matrix, alpha=False).tobytes("png"), args.runs
                ),
            )
        )
        doc.close()
    print(f"medians of {args.runs} runs, pages at {args.max_px} px on the long side:")
    for name, ms in rows:
        print(f"  {name:<44} {ms:8.1f} ms")


if __name__ == "__main__":
    main()
