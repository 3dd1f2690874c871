"""Benchmark: exporting a pack of 10,000 chat messages and a 200-page PDF with redactions,
as pages/s beside bare PyMuPDF writing the same number of pages in the same run.

Run: .venv/bin/python bench/export_pack.py [--messages N] [--pdf-pages P] [--no-pack]
A generated case (a WhatsApp export of N messages, one phone number redacted in every 50th
message; a P-page PDF with one box per page) is imported into a temporary folder, then:
- `render_bundle` (cover, index, transcript, redacted PDF pages, stamps, bookmarks);
- `write_natives` (transcript .txt, redacted PDF);
- `build_pack` (bundle + natives + schedule + manifest + verification of the whole pack),
  when app/export/pack.py provides it;
- bare PyMuPDF: as many pages as the bundle has, one `insert_text` of 40 lines per page and a
  save (garbage=3, deflate): the least any PDF writer does per page.
Figures are pages/s (bundle pages / seconds) and the ratio to bare.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pymupdf
from sqlalchemy import select

from app.case import Case
from app.export.bundle import render_bundle, write_natives
from app.export.plan import PackOptions, plan_pack
from app.ingest.job import import_paths
from app.redaction.model import RedactionDraft, RedactionKind
from app.redaction.ops import AddRedactions
from app.redaction.store import DEFAULT_SET
from app.store.schema import Item

pm: Any = pymupdf
PHONE = "07700 900123"
WORDS = [
    "I",
    "know",
    "where",
    "you",
    "are",
    "tonight",
    "and",
    "I",
    "will",
    "keep",
    "messaging",
    "until",
    "you",
    "answer",
    "me,",
    "zażółć",
    "gęślą",
    "jaźń,",
    "you",
    "cannot",
    "block",
    "me",
    "forever",
]


def chat(messages: int) -> str:
    """A WhatsApp export: two people, varied lengths, a phone number every 50th message."""
    start = datetime(2024, 1, 1, 8, 0)
    lines = []
    for n in range(messages):
        when = start + timedelta(minutes=7 * n)
        who = "Daniel" if n % 3 else "Sarah"
        text = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(4 + n % 23))
        if n % 50 == 0:
            text += f" call {PHONE}"
        lines.append(f"{when:%d/%m/%Y, %H:%M} - {who}: {text}")
    return "\n".join(lines) + "\n"


def pdf(pages: int) -> bytes:
    """A text PDF, 40 lines a page, the phone number on line 8 of every page."""
    doc = pm.open()
    for n in range(pages):
        page = doc.new_page()
        lines = [f"{n + 1}.{i:02} Report line about the incident, entry {i}." for i in range(40)]
        lines[7] = f"{n + 1}.07 Her number is {PHONE} as given."
        page.insert_text((50, 60), "\n".join(lines), fontsize=9)
    data: bytes = doc.tobytes()
    doc.close()
    return data


def build_case(root: Path, messages: int, pdf_pages: int) -> Case:
    """Import the chat and the PDF and approve one redaction per phone number."""
    files = root / "files"
    files.mkdir()
    (files / "WhatsApp Chat with Daniel.txt").write_text(chat(messages), encoding="utf-8")
    (files / "report.pdf").write_bytes(pdf(pdf_pages))
    case = Case.create(root / "case")
    import_paths(case, [files / "WhatsApp Chat with Daniel.txt", files / "report.pdf"])
    drafts: list[RedactionDraft] = []
    with case.read() as s:
        for item_id, text in s.execute(select(Item.id, Item.text).where(Item.kind == "message")):
            at = text.find(PHONE)
            if at >= 0:
                drafts.append(
                    RedactionDraft(item_id, RedactionKind.SPAN, "VC", target="text", start=at,
                                   end=at + len(PHONE), quote=PHONE)
                )  # fmt: skip
        doc_id = s.scalar(select(Item.id).where(Item.kind == "document"))
    assert doc_id is not None
    with pm.open(stream=pdf(1)) as probe:
        box = tuple(probe[0].search_for(PHONE)[0])
    for page in range(1, pdf_pages + 1):
        drafts.append(
            RedactionDraft(doc_id, RedactionKind.REGION, "VC", page=page, box=box, quote=PHONE)
        )
    AddRedactions(DEFAULT_SET, tuple(drafts), approve=True).apply(case)
    return case


def bare(pages: int, out: Path) -> float:
    """Seconds for bare PyMuPDF to write `pages` pages of 40 lines each."""
    t0 = time.perf_counter()
    doc = pm.open()
    text = "\n".join(f"Line {i} of a page of text written by bare PyMuPDF." for i in range(40))
    for _ in range(pages):
        page = doc.new_page()
        page.insert_text((50, 60), text, fontsize=9)
    doc.save(out, garbage=3, deflate=True)
    doc.close()
    return time.perf_counter() - t0


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--pdf-pages", type=int, default=200)
    ap.add_argument("--no-pack", action="store_true", help="skip build_pack")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        case = build_case(root, args.messages, args.pdf_pages)
        print(f"case: {args.messages} messages + {args.pdf_pages}-page PDF imported and "
              f"redacted in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        try:
            options = PackOptions(everything=True, bates_prefix="BENCH", initials="AB")
            t0 = time.perf_counter()
            plan = plan_pack(case, options)
            t_plan = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = render_bundle(case, plan, root / "bundle.pdf")
            t_bundle = time.perf_counter() - t0
            t0 = time.perf_counter()
            natives = write_natives(case, plan, root / "natives")
            t_natives = time.perf_counter() - t0
            pages = result.pages
            t_bare = bare(pages, root / "bare.pdf")
            print(f"plan: {t_plan:.2f} s; bundle: {pages} pages "
                  f"({result.path.stat().st_size / 1e6:.1f} MB)")  # fmt: skip
            print(f"render_bundle:        {t_bundle:6.2f} s  {pages / t_bundle:7.0f} pages/s")
            print(f"write_natives:        {t_natives:6.2f} s  ({len(natives)} files)")
            both = t_bundle + t_natives
            print(f"bundle + natives:     {both:6.2f} s  {pages / both:7.0f} pages/s")
            print(f"bare PyMuPDF:         {t_bare:6.2f} s  {pages / t_bare:7.0f} pages/s")
            print(f"ratio bundle / bare:  {t_bundle / t_bare:6.1f}x slower")
            if not args.no_pack:
                try:
                    from app.export.pack import build_pack
                except ImportError:
                    print("build_pack: not available")
                else:
                    t0 = time.perf_counter()
                    packed: Any = build_pack(case, options, root / "pack")
                    t_pack = time.perf_counter() - t0
                    print(f"build_pack (verified): {t_pack:6.2f} s  {pages / t_pack:7.0f} "
                          f"pages/s  status {packed.status}")  # fmt: skip
        finally:
            case.close()


if __name__ == "__main__":
    main()
