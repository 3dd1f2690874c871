"""Laying HTML onto PDF pages with MuPDF's Story engine, and stamping the pages afterwards.

The same approach as `app.tagging.coverage.write_coverage_pdf` (HTML + CSS laid out by
MuPDF, whose fallback fonts cover Polish, CJK, Arabic and emoji), made reusable: a `Flow`
places one block after another on the same page (so a long transcript can be laid out in
chunks of a few hundred messages, which keeps MuPDF fast), and starts a new page when asked.
"""

from __future__ import annotations

import html
import io
import logging
import re
from collections.abc import Callable
from typing import Any

import pymupdf

from app.errors import ExportError

log = logging.getLogger(__name__)
# PyMuPDF is only partly annotated: reach it untyped here (as app/redaction/apply.py does).
pm: Any = pymupdf

A4 = (595.0, 842.0)
A4_LANDSCAPE = (842.0, 595.0)
MARGIN_X = 62.0
"""Left and right margins (about 22 mm)."""
MARGIN_TOP = 58.0
MARGIN_BOTTOM = 70.0
"""Room kept free at the foot of every page for the stamp."""
BLOCK_GAP = 0.0
STAMP_FONT = "Helvetica"
STAMP_BOLD = "Helvetica-Bold"
"""Built-in fonts of the stamps, by their long names: a placed evidence page often uses the
short names ("helv") inside its own resources, and PyMuPDF would then not add ours."""
MAX_PAGES = 100_000

BASE_CSS = """
* { font-family: sans-serif; font-size: 9.5pt; line-height: 1.3; color: #1a1a1a; }
h1 { font-size: 17pt; font-weight: bold; margin: 0 0 6pt 0; color: #111111; }
h2 { font-size: 12.5pt; font-weight: bold; margin: 0 0 4pt 0; color: #111111; }
h3 { font-size: 10.5pt; font-weight: bold; margin: 8pt 0 3pt 0; }
p { margin: 0 0 4pt 0; }
.small { font-size: 8pt; color: #555555; }
.muted { color: #666666; }
.red { font-weight: bold; color: #000000; background-color: #dddddd; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-weight: bold; font-size: 8.5pt; color: #333333;
     border-bottom: 1pt solid #333333; padding: 3pt 4pt; }
td { border-bottom: 0.4pt solid #bbbbbb; padding: 3pt 4pt; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
"""

_MARKER = re.compile(r"\[REDACTED — [^\]]*\]")


def esc(value: object) -> str:
    """Text escaped for the HTML engine."""
    return html.escape(str(value), quote=True)


def text_html(text: str) -> str:
    """Evidence text as HTML: escaped, line breaks kept, redaction markers highlighted."""
    escaped = esc(text)
    escaped = _MARKER.sub(lambda m: f"<span class='red'>{m.group()}</span>", escaped)
    return escaped.replace("\r\n", "\n").replace("\n", "<br/>")


class Flow:
    """Blocks of HTML laid out one after another on pages of one size, into a PDF in memory."""

    def __init__(self, size: tuple[float, float] = A4, css: str = BASE_CSS) -> None:
        self.size = size
        self.css = css
        self.page_rect = pm.Rect(0, 0, *size)
        self.where = pm.Rect(MARGIN_X, MARGIN_TOP, size[0] - MARGIN_X, size[1] - MARGIN_BOTTOM)
        self._buf = io.BytesIO()
        self._writer: Any = pm.DocumentWriter(self._buf)
        self._device: Any = None
        self._y = self.where.y0
        self.pages = 0
        self._fresh = True  # nothing drawn on the current page yet

    @property
    def page_index(self) -> int:
        """0-based index of the page the next block starts on (as far as known now)."""
        return self.pages - 1 if self._device is not None else self.pages

    def new_page(self) -> None:
        """Finish the current page (if any); the next block starts on a fresh one."""
        if self._device is not None:
            self._writer.end_page()
            self._device = None

    def _begin(self) -> None:
        self._device = self._writer.begin_page(self.page_rect)
        self.pages += 1
        self._y = self.where.y0
        self._fresh = True
        if self.pages > MAX_PAGES:
            raise ExportError(f"the document would run past {MAX_PAGES} pages")

    def add(self, body: str, archive: Any = None, *, gap: float = BLOCK_GAP) -> None:
        """Lay out one block of HTML below what is already on the page, over as many pages
        as it needs."""
        story = pm.Story(html=body, user_css=self.css, archive=archive)
        while True:
            if self._device is None:
                self._begin()
            rect = pm.Rect(self.where.x0, self._y, self.where.x1, self.where.y1)
            if rect.height < 12:
                self.new_page()
                continue
            more, filled = story.place(rect)
            filled = pm.Rect(filled)
            story.draw(self._device)
            if filled.height > 0:
                self._fresh = False
            if not more:
                self._y = filled.y1 + gap
                return
            if self._fresh and filled.height <= 0:
                raise ExportError("a block of the document does not fit on a page")
            self.new_page()

    def finish(self) -> bytes:
        """The PDF laid out so far (the flow cannot be used after this)."""
        self.new_page()
        self._writer.close()
        return self._buf.getvalue()


def flow_pdf(
    blocks: list[str],
    size: tuple[float, float] = A4,
    css: str = BASE_CSS,
    archive: Any = None,
) -> bytes:
    """Blocks laid out one after another as a PDF in memory."""
    flow = Flow(size, css)
    for block in blocks:
        flow.add(block, archive)
    return flow.finish()


def stamp_pages(
    doc: Any,
    footer: Callable[[int], tuple[str, str, str]],
    *,
    size: float = 8.0,
    headers: dict[int, str] | None = None,
) -> None:
    """Write three pieces of text (left, centre, right) at the foot of every page, and a
    small header line on the pages `headers` names (0-based page index -> text).

    Latin-1 text is written straight into one added content stream per page, with the
    built-in Helvetica shared by every page (a 1,000-page bundle takes well under a
    second; PyMuPDF's insert_text costs several ms a call); anything else goes through the
    HTML engine so every script still shows. The page's own content is wrapped in q/Q so
    nothing it leaves set moves the stamp.
    """
    headers = headers or {}
    regular = _font_object(doc, STAMP_FONT)
    bold = _font_object(doc, STAMP_BOLD)
    save_xref = doc.get_new_xref()
    doc.update_object(save_xref, "<<>>")
    doc.update_stream(save_xref, b"q\n")
    for page in doc:
        left, centre, right = footer(page.number)
        header = headers.get(page.number, "")
        rect = page.rect
        y = rect.height - 34
        if not all(_latin1(t) for t in (left, centre, right, header)):
            _stamp_html(page, left, centre, right, header, y, size)
            continue
        w, h = rect.width, rect.height
        rule = h - y + size + 5
        ops = ["Q", "q", "0.6 0.6 0.6 RG 0.4 w",
               f"{MARGIN_X:.2f} {rule:.2f} m {w - MARGIN_X:.2f} {rule:.2f} l S",
               "BT 0.2 0.2 0.2 rg"]  # fmt: skip
        if header:
            ops.append(_show("TLst", size, MARGIN_X, h - MARGIN_TOP + 4, header))
        ops.append(_show("TLst", size, MARGIN_X, h - y, left))
        cw = pm.get_text_length(centre, "helv", size)
        ops.append(_show("TLst", size, (w - cw) / 2, h - y, centre))
        rw = pm.get_text_length(right, "hebo", size + 1)
        ops.append("0 0 0 rg")
        ops.append(_show("TLsb", size + 1, w - MARGIN_X - rw, h - y, right))
        ops += ["ET", "Q"]
        stream = doc.get_new_xref()
        doc.update_object(stream, "<<>>")
        doc.update_stream(stream, "\n".join(ops).encode("latin-1"))
        contents = " ".join(f"{x} 0 R" for x in page.get_contents())
        doc.xref_set_key(page.xref, "Contents", f"[{save_xref} 0 R {contents} {stream} 0 R]")
        _add_font(doc, page, "TLst", regular)
        _add_font(doc, page, "TLsb", bold)


def _font_object(doc: Any, base: str) -> int:
    xref: int = doc.get_new_xref()
    doc.update_object(
        xref, f"<</Type/Font/Subtype/Type1/BaseFont/{base}/Encoding/WinAnsiEncoding>>"
    )
    return xref


def _add_font(doc: Any, page: Any, name: str, xref: int) -> None:
    kind, value = doc.xref_get_key(page.xref, "Resources")
    if kind == "xref":
        owner, prefix = int(value.split()[0]), ""
    else:
        owner, prefix = page.xref, "Resources/"
        if kind == "null":
            doc.xref_set_key(page.xref, "Resources", "<<>>")
    fonts = doc.xref_get_key(owner, f"{prefix}Font")
    if fonts[0] == "xref":
        doc.xref_set_key(int(fonts[1].split()[0]), name, f"{xref} 0 R")
    elif fonts[0] == "null":
        doc.xref_set_key(owner, f"{prefix}Font", f"<</{name} {xref} 0 R>>")
    else:
        doc.xref_set_key(owner, f"{prefix}Font/{name}", f"{xref} 0 R")


def _show(font: str, size: float, x: float, y: float, text: str) -> str:
    raw = text.encode("cp1252", "replace").decode("latin-1")
    escaped = raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"/{font} {size:g} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm ({escaped}) Tj"


def _stamp_html(
    page: Any, left: str, centre: str, right: str, header: str, y: float, size: float
) -> None:
    rect = page.rect
    css = f"* {{font-family: sans-serif; font-size: {size}pt; color: #333333;}}"
    box = pm.Rect(MARGIN_X, y - size - 2, rect.width - MARGIN_X, y + 6)
    page.insert_htmlbox(
        box,
        "<table style='width:100%'><tr>"
        f"<td>{esc(left)}</td><td style='text-align:center'>{esc(centre)}</td>"
        f"<td style='text-align:right'><b>{esc(right)}</b></td></tr></table>",
        css=css,
    )
    if header:
        page.insert_htmlbox(
            pm.Rect(MARGIN_X, MARGIN_TOP - 14, rect.width - MARGIN_X, MARGIN_TOP),
            esc(header),
            css=css,
        )
    page.draw_line(
        (MARGIN_X, y - size - 5),
        (rect.width - MARGIN_X, y - size - 5),
        color=(0.6, 0.6, 0.6),
        width=0.4,
    )


def _latin1(text: str) -> bool:
    return all(ord(c) < 256 and c.isprintable() for c in text)
