"""A presentation as a PDF for the court bundle: one step per page, notes optional.

Every page is built from `render_step` (so only approved-redacted material goes in); images
marked intimate or distressing go in blurred unless the caller reveals them, and that reveal
is audited. The file is written beside its final name and moved into place when complete.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
from pathlib import Path
from typing import Any

import pymupdf
from PIL import Image, ImageFilter

from app.case import Case
from app.present.model import PresentationRow
from app.present.render import Refused, Slide, render_step
from app.present.store import presentation
from app.protect import record_reveal

log = logging.getLogger(__name__)
pm: Any = pymupdf

PAGE_W, PAGE_H = 842.0, 595.0  # A4 landscape, points
MARGIN = 36.0
EXPORT_PX = 2000
"""The long side in pixels of pictures and pages placed in the PDF."""
_CSS = (
    "body{font-family:sans-serif;font-size:13pt;color:#111}"
    ".ctx{color:#8a8a8a}.who{font-weight:bold}.when{font-size:9pt;color:#666}"
    ".f{color:#555}.withheld{font-size:20pt;text-align:center;color:#111}"
    ".notes{font-size:10pt;color:#333}.footer{font-size:9pt;color:#555}"
)


def _esc(text: str) -> str:
    return html.escape(text).replace("\n", "<br/>")


def _blurred(rgb: bytes, width: int, height: int) -> bytes:
    im = Image.frombytes("RGB", (width, height), rgb)
    radius = max(12, max(width, height) // 18)
    return im.filter(ImageFilter.GaussianBlur(radius)).tobytes()


def _body_html(slide: Slide) -> str:
    if slide.kind == "withheld":
        return f"<p class='withheld'>{_esc(slide.text)}</p>"
    if slide.kind == "message":
        parts = []
        for m in slide.messages:
            cls = " class='ctx'" if m.context else ""
            who = f"<span class='who'>{_esc(m.author)}</span> " if m.author else ""
            parts.append(
                f"<p{cls}>{who}<span class='when'>{_esc(m.time)}</span><br/>{_esc(m.text)}</p>"
            )
        return "".join(parts)
    fields = "".join(
        f"<div><span class='f'>{_esc(k)}:</span> {_esc(v)}</div>" for k, v in slide.fields
    )
    return fields + (f"<p>{_esc(slide.text)}</p>" if slide.text else "")


def _page(doc: Any, slide: Slide, note: str, n: int, total: int, notes: bool, reveal: bool) -> None:
    page = doc.new_page(width=PAGE_W, height=PAGE_H)
    page.insert_htmlbox(
        pm.Rect(MARGIN, MARGIN - 12, PAGE_W - MARGIN, MARGIN + 16),
        f"<b>{_esc(slide.title)}</b> <span class='when'>step {n} of {total}</span>",
        css=_CSS,
    )
    bottom = PAGE_H - MARGIN - 18
    if notes:
        bottom -= 70
    area = pm.Rect(MARGIN, MARGIN + 24, PAGE_W - MARGIN, bottom)
    if slide.rgb is not None:
        rgb = slide.rgb
        if slide.protective and not reveal:
            rgb = _blurred(rgb, slide.width, slide.height)
        pix = pm.Pixmap(pm.csRGB, slide.width, slide.height, rgb, 0)
        page.insert_image(area, pixmap=pix, keep_proportion=True)
        if slide.protective and not reveal:
            what = "Intimate" if slide.protective == "intimate" else "Distressing"
            page.insert_htmlbox(
                pm.Rect(area.x0, area.y1 - 22, area.x1, area.y1),
                f"<p style='text-align:center'>{what} image: blurred in this copy</p>",
                css=_CSS,
            )
    else:
        page.insert_htmlbox(area, _body_html(slide), css=_CSS)
    if notes:
        page.insert_htmlbox(
            pm.Rect(MARGIN, bottom + 6, PAGE_W - MARGIN, bottom + 70),
            f"<div class='notes'><b>Notes:</b> {_esc(note) or '(none)'}</div>",
            css=_CSS,
        )
    page.draw_line(
        (MARGIN, PAGE_H - MARGIN - 14),
        (PAGE_W - MARGIN, PAGE_H - MARGIN - 14),
        color=(0.8, 0.8, 0.8),
        width=0.5,
    )
    page.insert_htmlbox(
        pm.Rect(MARGIN, PAGE_H - MARGIN - 12, PAGE_W - MARGIN, PAGE_H - MARGIN + 6),
        f"<div class='footer'>{_esc(slide.footer.text)}</div>",
        css=_CSS,
    )


def export_presentation_pdf(
    case: Case,
    presentation_id: int | str,
    path: str | Path,
    notes: bool = False,
    *,
    reveal_protective: bool = False,
) -> Path:
    """Write the presentation as a PDF, one step per page; returns the path written.

    Refuses (nothing is written) when any step is refused. Protected images are blurred
    unless `reveal_protective`, and each one revealed is recorded as a reveal "export".
    Audited "present.export" with the file's name and SHA-256.
    """
    pres: PresentationRow = presentation(case, presentation_id)
    target = Path(path)
    slides: list[Slide] = []
    refused: list[str] = []
    for step in pres.steps:
        try:
            slides.append(render_step(case, pres, step, max_px=EXPORT_PX))
        except Refused as exc:
            refused.append(f"step {step.position}: {exc}")
    if refused:
        raise Refused(f"{len(refused)} step(s) cannot be exported: " + "; ".join(refused))
    revealed = sorted({s.item_id for s in slides if s.protective and reveal_protective})
    for item in revealed:
        record_reveal(case, item, "export")
    doc = pm.open()
    try:
        for n, (step, slide) in enumerate(zip(pres.steps, slides, strict=True), start=1):
            _page(doc, slide, step.note, n, len(slides), notes, reveal_protective)
        if not slides:
            doc.new_page(width=PAGE_W, height=PAGE_H)
        doc.set_metadata({"title": pres.name, "creator": "Threadline"})
        data: bytes = doc.tobytes(garbage=3, deflate=True)
    finally:
        doc.close()
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, target)
    digest = hashlib.sha256(data).hexdigest()
    with case.write() as s:
        case.audit(
            s,
            "present.export",
            {
                "presentation_id": pres.id,
                "name": pres.name,
                "set": pres.set_name,
                "steps": len(slides),
                "notes": notes,
                "file": target.name,
                "sha256": digest,
                "protective_revealed": revealed,
            },
        )
    log.info("presentation %r exported: %d pages", pres.name, len(slides))
    return target
