"""Proof that a redacted output holds nothing it should not. Pure functions, no database.

Each `verify_*` reopens an output of `app.redaction.apply` and returns its findings; an
empty list is a clean file. `ensure_clean` turns findings into `VerificationFailed`, which
must block use of the output. Findings never quote a redacted term in full (they go to
logs and screens): a term is named by its number, first and last letter and length.

Rules (what "clean" means):
- PDF: no forbidden term (case-insensitive, whitespace runs collapsed; also with all
  whitespace removed for terms of 4+ letters) in any page's extracted text (including
  invisible text and text outside the page box), in the strings of any content stream, in
  any object's dictionary or any decompressed stream (fonts' ToUnicode maps, XMP, forms,
  attachments...). No annotations or widgets, no metadata or XMP, no attachments, no
  bookmarks, no form, no JavaScript, no optional-content layers, no earlier revision, no
  JPEG carrying EXIF/XMP. Inside each box (shrunk by 1 pt): no character other than the
  box's own label in white; rendered at 72 dpi without annotations, no coloured pixel
  (channels differ by more than 32) and at least half the pixels dark (luma < 80); in
  every image under the box, the covered pixels all one value (blanked).
- Image: a PNG with only IHDR, PLTE, IDAT, IEND and tRNS chunks; every pixel inside each
  box exactly what `redact_image` draws there (black and the white label).
- Text: no forbidden term.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pymupdf
from PIL import Image, ImageChops, ImageDraw

from app.errors import EvidenceError
from app.redaction.apply import Mark, draw_label, open_pdf, pdf_label, pixel_box

log = logging.getLogger(__name__)
# PyMuPDF is only partly annotated: reach it untyped here (as app/importers/pdf.py does).
pm: Any = pymupdf

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_ALLOWED_CHUNKS = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS"})
RENDER_DPI = 72
MIN_DARK_SHARE = 0.5
DARK_LUMA = 80
MAX_CHROMA = 32
_TEXT_FLAGS = pm.TEXT_PRESERVE_WHITESPACE  # no mediabox clip, ligatures expanded
_META_FIELDS = ("title", "author", "subject", "keywords", "creator", "producer")
_STRINGS = re.compile(rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>", re.DOTALL)
_JAVASCRIPT = re.compile(r"/(?:JS|JavaScript)(?![A-Za-z0-9#_.-])")
_FONT_PROGRAM = re.compile(r"/Length[123]\b|/Subtype\s*/(?:Type1C|CIDFontType0C|OpenType)\b")
_COLOURED = [255 if v > MAX_CHROMA else 0 for v in range(256)]
_IMAGE = re.compile(r"/Subtype\s*/Image\b")
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with a redacted output: where it is and what it is."""

    where: str
    what: str


class VerificationFailed(EvidenceError):
    """A redacted output failed verification and must not be used; `findings` say why."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        first = self.findings[0] if self.findings else Finding("output", "unknown")
        more = f" (and {len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        super().__init__(f"redacted output failed verification: {first.where}: {first.what}{more}")


def ensure_clean(findings: Sequence[Finding]) -> None:
    """Raise `VerificationFailed` if there is any finding."""
    if findings:
        for finding in findings:
            log.warning("redaction verification: %s: %s", finding.where, finding.what)
        raise VerificationFailed(findings)


# --- forbidden terms --------------------------------------------------------------------


def collapse(text: str) -> str:
    """Text as forbidden terms are matched: NFKC, case-folded, whitespace collapsed."""
    # NFKC first: extracted PDF text may carry ligatures (ﬁ) or Arabic presentation forms
    # that are the same words as the forbidden term in another code point.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True, slots=True)
class _Needle:
    number: int
    spaced: str
    tight: str
    name: str


class _Matcher:
    """Finds many terms at once (one regular expression each for spaced and tight forms)."""

    def __init__(self, forbidden: Iterable[str]) -> None:
        self.needles: list[_Needle] = []
        for n, term in enumerate(forbidden, 1):
            spaced = collapse(term)
            if not spaced:
                continue
            tight = spaced.replace(" ", "")
            name = f'term {n} ("{tight[0]}…{tight[-1]}", {len(spaced)} characters)'
            self.needles.append(_Needle(n, spaced, tight if len(tight) >= 4 else "", name))
        self._spaced = alternation(n.spaced for n in self.needles)
        self._tight = alternation(n.tight for n in self.needles if n.tight)

    def __bool__(self) -> bool:
        return bool(self.needles)

    def hits(self, text: str) -> list[_Needle]:
        """The terms found in `text` (case-insensitive, whitespace collapsed or removed)."""
        if not self.needles or not text:
            return []
        spaced = collapse(text)
        found = {m.group() for m in self._spaced.finditer(spaced)} if self._spaced else set()
        tight: set[str] = set()
        if self._tight:
            tight = {m.group() for m in self._tight.finditer(spaced.replace(" ", ""))}
        if not found and not tight:
            return []
        return [n for n in self.needles if n.spaced in found or (n.tight and n.tight in tight)]


def alternation(forms: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern matching any of the forms, factored as a trie so it fails fast."""
    trie: dict[str, Any] = {}
    for form in set(forms):
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(_trie_pattern(trie)) if trie else None


def _trie_pattern(node: dict[str, Any]) -> str:
    prefix = []
    while len(node) == 1 and "" not in node:  # a chain: no recursion along it
        ((char, node),) = node.items()
        prefix.append(re.escape(char))
    branches = [re.escape(c) + _trie_pattern(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return "".join(prefix)
    group = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a form ends here, longer ones go on
        group = f"(?:{group})?" if len(branches) == 1 else group + "?"
    return "".join(prefix) + group


def _check(text: str, matcher: _Matcher, where: str, out: list[Finding]) -> None:
    out.extend(Finding(where, f"redacted {n.name} is still there") for n in matcher.hits(text))


def verify_text(text: str, forbidden: Sequence[str]) -> list[Finding]:
    """Findings for every forbidden term still in a redacted text."""
    out: list[Finding] = []
    _check(text, _Matcher(forbidden), "text", out)
    return out


# --- PDF --------------------------------------------------------------------------------


def verify_pdf(
    data: bytes,
    forbidden: Sequence[str],
    marks: Sequence[Mark] = (),
    *,
    allow_outline: bool = False,
) -> list[Finding]:
    """Findings for every way a redacted PDF could still give away what was redacted.

    `allow_outline` accepts bookmarks (a disclosure bundle has one per exhibit) and checks
    their titles for forbidden terms instead.
    """
    try:
        doc = open_pdf(data)
    except EvidenceError as exc:
        return [Finding("file", f"cannot be reopened: {exc}")]
    try:
        needles = _Matcher(forbidden)
        out: list[Finding] = []
        _check_document(doc, needles, out, allow_outline=allow_outline)
        by_page: dict[int, list[Mark]] = {}
        for mark in marks:
            by_page.setdefault(mark.page, []).append(mark)
        for page in doc:
            _check_page(doc, page, needles, by_page.get(page.number + 1, []), out)
        for number in by_page:
            if not 1 <= number <= doc.page_count:
                out.append(Finding(f"page {number}", "a redaction's page is missing"))
        _check_objects(doc, needles, out)
        return out
    except Exception as exc:  # MuPDF raises its own errors on broken files
        log.debug("verification failed to run", exc_info=True)
        return [Finding("file", f"cannot be checked: {type(exc).__name__}: {exc}")]
    finally:
        doc.close()


def _check_document(
    doc: Any, needles: _Matcher, out: list[Finding], *, allow_outline: bool = False
) -> None:
    meta = doc.metadata or {}
    for key in _META_FIELDS:
        if meta.get(key):
            out.append(Finding("metadata", f"{key} is not empty"))
    if meta.get("creationDate") or meta.get("modDate"):
        out.append(Finding("metadata", "dates are not empty"))
    if doc.get_xml_metadata():
        out.append(Finding("metadata", "XMP metadata is present"))
    if doc.embfile_count():
        out.append(Finding("attachments", f"{doc.embfile_count()} embedded files"))
    toc = doc.get_toc(simple=True)
    if toc and not allow_outline:
        out.append(Finding("bookmarks", "bookmarks are present"))
    elif toc:
        for n, entry in enumerate(toc, start=1):
            _check(str(entry[1]), needles, f"bookmark {n}", out)
    if doc.is_form_pdf:
        out.append(Finding("form", "form fields are present"))
    if doc.xref_get_key(doc.pdf_catalog(), "OCProperties")[0] != "null" or doc.get_ocgs():
        out.append(Finding("layers", "optional-content layers are present"))
    if doc.version_count > 1 or doc.xref_get_key(-1, "Prev")[0] != "null":
        out.append(Finding("revisions", "earlier revisions (incremental updates) are present"))


def _check_page(
    doc: Any,
    page: Any,
    needles: _Matcher,
    marks: Sequence[Mark],
    out: list[Finding],
) -> None:
    where = f"page {page.number + 1}"
    if doc.xref_get_key(page.xref, "Annots")[0] != "null" or page.first_annot is not None:
        out.append(Finding(where, "annotations are present"))
    if page.first_widget is not None:
        out.append(Finding(where, "form widgets are present"))
    textpage: Any = page.get_textpage(flags=_TEXT_FLAGS) if needles or marks else None
    if needles:
        _check(textpage.extractText(), needles, f"{where} text", out)
        for xref in page.get_contents():
            _check(_content_strings(doc.xref_stream(xref) or b""), needles, f"{where} strings", out)
    if marks:
        words = textpage.extractWORDS()
        images = bool(page.get_images())
        for mark in marks:
            _check_box(doc, page, mark, marks, words, images, out)


def _check_box(
    doc: Any,
    page: Any,
    mark: Mark,
    marks: Sequence[Mark],
    words: Sequence[Any],
    images: bool,
    out: list[Finding],
) -> None:
    where = f"page {page.number + 1} box {tuple(round(v, 1) for v in mark.box)}"
    rect = pm.Rect(mark.box).normalize()
    inner = pm.Rect(rect.x0 + 1, rect.y0 + 1, rect.x1 - 1, rect.y1 - 1)
    if inner.is_empty or inner.width < 1 or inner.height < 1:
        return
    labels = [pdf_label(m.label) for m in marks]
    label_words = {w for label in labels for w in label.split()}
    x0, y0, x1, y1 = inner.x0, inner.y0, inner.x1, inner.y1
    touching = [w for w in words if w[0] < x1 and w[2] > x0 and w[1] < y1 and w[3] > y0]
    if all(w[4] in label_words for w in touching):
        left: list[str] = []  # only label words near the box: nothing else under it
    else:
        left = _chars_left(page, inner, set("".join(labels)) | {".", " "})
    if left:
        out.append(Finding(where, f"{len(left)} characters of text remain under the box"))
    _check_render(page, inner, where, out)
    if images:
        _check_images(doc, page, inner, where, out)


def _chars_left(page: Any, inner: Any, label_chars: set[str]) -> list[str]:
    """Characters centred in the box that are not white label lettering."""
    left: list[str] = []
    raw = page.get_text("rawdict", clip=inner, flags=_TEXT_FLAGS)
    for block in raw.get("blocks", ()):
        for line in block.get("lines", ()):
            for span in line.get("spans", ()):
                ours = span.get("color") == 0xFFFFFF and "helv" in span.get("font", "").lower()
                for char in span.get("chars", ()):
                    c = char.get("c", "")
                    x0, y0, x1, y1 = char["bbox"]
                    centre = pm.Point((x0 + x1) / 2, (y0 + y1) / 2)
                    if not c.strip() or not inner.contains(centre):
                        continue
                    if not (ours and c in label_chars):
                        left.append(c)
    return left


def _check_render(page: Any, inner: Any, where: str, out: list[Finding]) -> None:
    pix = page.get_pixmap(clip=inner, dpi=RENDER_DPI, annots=False, alpha=False)
    if pix.width == 0 or pix.height == 0:
        return
    if pix.n != 3:
        pix = pm.Pixmap(pm.csRGB, pix)
    im = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    r, g, b = im.split()
    coloured = (
        ImageChops.difference(x, y).point(_COLOURED).getbbox() for x, y in ((r, g), (g, b), (r, b))
    )
    if any(box is not None for box in coloured):
        out.append(Finding(where, "coloured pixels show through the box"))
    histogram = im.convert("L").histogram()
    dark = sum(histogram[:DARK_LUMA]) / max(1, sum(histogram))
    if dark < MIN_DARK_SHARE:
        out.append(Finding(where, f"the box is not filled ({dark:.0%} dark pixels)"))


def _check_images(doc: Any, page: Any, inner: Any, where: str, out: list[Finding]) -> None:
    """Every image under the box must hold one uniform value there (its pixels blanked)."""
    for info in page.get_image_info(xrefs=True):
        xref = info.get("xref", 0)
        bbox = pm.Rect(info["bbox"])
        if not xref or not bbox.intersects(inner):
            continue
        matrix = pm.Matrix(info["transform"])
        if abs(matrix.b) > 1e-6 or abs(matrix.c) > 1e-6 or not matrix.a or not matrix.d:
            continue  # rotated or skewed image: its covered pixels are not a rectangle
        try:
            pix = pm.Pixmap(doc, xref)
        except Exception:  # stencil masks and exotic images cannot be read back alone
            log.debug("image %s not readable for checking", xref, exc_info=True)
            continue
        inverse = ~matrix
        a = (inner & bbox).tl * inverse
        b = (inner & bbox).br * inverse
        x0, x1 = sorted((a.x * pix.width, b.x * pix.width))
        y0, y1 = sorted((a.y * pix.height, b.y * pix.height))
        box = (int(x0) + 1, int(y0) + 1, min(pix.width, int(x1)) - 1, min(pix.height, int(y1)) - 1)
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        if pix.alpha:
            pix = pm.Pixmap(pix, 0)
        mode = {1: "L", 3: "RGB", 4: "CMYK"}.get(pix.n)
        if mode is None:
            continue
        im = Image.frombytes(mode, (pix.width, pix.height), pix.samples).crop(box)
        if any(len(set(band.getextrema())) > 1 for band in im.split()):
            out.append(Finding(where, f"image {xref} still has pixels under the box"))


def _content_strings(stream: bytes) -> str:
    """The strings a content stream shows, decoded naively and joined (for split TJ arrays)."""
    parts: list[bytes] = []
    for match in _STRINGS.finditer(stream):
        token = match.group()
        if token.startswith(b"<"):
            digits = re.sub(rb"\s", b"", token[1:-1])
            if len(digits) % 2:
                digits += b"0"
            parts.append(bytes.fromhex(digits.decode("ascii")))
        else:
            parts.append(_unescape(token[1:-1]))
    joined = b"".join(parts)
    text = joined.decode("latin-1")
    if b"\x00" in joined:  # two-byte codes (often UTF-16BE or Identity CIDs)
        text += " " + joined.replace(b"\x00", b"").decode("latin-1")
    return text


def _unescape(body: bytes) -> bytes:
    if b"\\" not in body:
        return body
    return _ESCAPE.sub(_unescape_one, body)


def _unescape_one(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    if code in _ESCAPES:
        return _ESCAPES[code]
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    return b"" if code in (b"\n", b"\r") else code  # a line continuation, or the char itself


def _check_objects(doc: Any, needles: _Matcher, out: list[Finding]) -> None:
    """One pass over every object: its dictionary and its decompressed stream."""
    for xref in range(1, doc.xref_length()):
        try:
            source = doc.xref_object(xref, compressed=True)
        except Exception:  # a free or broken slot holds nothing
            log.debug("object %s unreadable", xref, exc_info=True)
            continue
        where = f"object {xref}"
        if _JAVASCRIPT.search(source):
            out.append(Finding(where, "JavaScript is present"))
        if "/EmbeddedFile" in source or "/Type/Filespec" in source.replace(" ", ""):
            out.append(Finding(where, "an embedded file is present"))
        _check(_content_strings(source.encode("latin-1", "replace")), needles, where, out)
        if not doc.xref_is_stream(xref) or _FONT_PROGRAM.search(source):
            continue  # a font program's own name table and licence are not document text
        if _IMAGE.search(source) and "/DCTDecode" not in source:
            continue  # pixels, not text (what is under a box is checked per box)
        if "/DCTDecode" in source:
            raw = doc.xref_stream_raw(xref) or b""
            if _jpeg_has_metadata(raw):
                out.append(Finding(where, "a JPEG image keeps EXIF or XMP metadata"))
            _check(raw.decode("latin-1"), needles, f"{where} image", out)
            continue
        try:
            stream = doc.xref_stream(xref) or b""
        except Exception:  # an undecodable stream: nothing extractable from it
            log.debug("stream %s undecodable", xref, exc_info=True)
            continue
        if needles:
            _check(stream.decode("latin-1"), needles, f"{where} stream", out)
            if b"UTF-16" in stream or b"\xfe\xff" in stream:
                _check(_utf16_runs(stream), needles, f"{where} stream", out)


def _utf16_runs(data: bytes) -> str:
    return data.decode("utf-16-be", "ignore") + " " + data[1:].decode("utf-16-be", "ignore")


def _jpeg_has_metadata(raw: bytes) -> bool:
    """Whether a JPEG carries an APP1 (EXIF, XMP) or APP13 (IPTC) segment or a comment."""
    i = 2
    if not raw.startswith(b"\xff\xd8"):
        return False
    while i + 4 <= len(raw) and raw[i] == 0xFF:
        marker = raw[i + 1]
        if marker == 0xDA:  # start of scan: no more headers
            return False
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", raw[i + 2 : i + 4])
        if marker in (0xE1, 0xED, 0xFE):
            return True
        i += 2 + length
    return False


# --- images -----------------------------------------------------------------------------


def verify_image(data: bytes, marks: Sequence[Mark]) -> list[Finding]:
    """Findings for a redacted image: metadata left in the file, or a box not fully burnt."""
    out: list[Finding] = []
    if not data.startswith(PNG_SIGNATURE):
        return [Finding("file", "is not a PNG")]
    for kind in _png_chunks(data, out):
        if kind not in PNG_ALLOWED_CHUNKS:
            out.append(Finding("metadata", f"PNG chunk {kind.decode('latin-1')} is present"))
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            canvas = im.convert("RGB")
    except Exception as exc:  # Pillow raises anything on broken files
        log.debug("redacted image undecodable", exc_info=True)
        return [*out, Finding("file", f"cannot be decoded: {exc}")]
    expected = canvas.copy()
    draw = ImageDraw.Draw(expected)
    boxes = []
    for mark in marks:
        box = pixel_box(mark.box, canvas.size)
        if box is None:
            out.append(Finding(f"box {mark.box}", "lies outside the image"))
            continue
        draw.rectangle(box, fill=(0, 0, 0))
        draw_label(draw, box, mark.label)
        boxes.append((mark, box))
    for mark, box in boxes:
        crop = (box[0], box[1], box[2] + 1, box[3] + 1)
        diff = ImageChops.difference(canvas.crop(crop), expected.crop(crop)).getbbox()
        if diff is not None:
            out.append(
                Finding(
                    f"box {tuple(round(v) for v in mark.box)}",
                    "pixels inside the box differ from the fill and its label",
                )
            )
    return out


def _png_chunks(data: bytes, out: list[Finding]) -> list[bytes]:
    kinds = []
    i = len(PNG_SIGNATURE)
    while i + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        kinds.append(kind)
        i += 12 + length
        if kind == b"IEND":
            break
    if i < len(data):
        out.append(Finding("file", f"{len(data) - i} bytes after the end of the PNG"))
    return kinds
