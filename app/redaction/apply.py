"""Burning redactions into copies: PDFs, images and text. Pure functions, no database.

Every function takes the original's bytes (or path) and returns new bytes; the original is
never touched. PDFs lose what is under each box (text, image pixels, vector paths), then
everything a reader does not see on the page: hidden optional-content layers, annotations,
form fields, attachments, JavaScript, metadata, XMP, bookmarks, the structure tree and
earlier revisions. Images are rebuilt from their pixels with no metadata at all.
Call `app.redaction.verify` on every output before it leaves the case.
"""

from __future__ import annotations

import functools
import io
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymupdf
from PIL import Image, ImageDraw, ImageFont, ImageOps

from app.images import MAX_PIXELS, heif_supported
from app.redaction.model import Box, RedactionError

log = logging.getLogger(__name__)
# PyMuPDF is only partly annotated: reach it untyped here (as app/importers/pdf.py does).
pm: Any = pymupdf

FILL = (0.0, 0.0, 0.0)
"""Fill of a redaction box on a PDF page (black)."""
LABEL_COLOUR = (1.0, 1.0, 1.0)
"""Colour of the reason label drawn inside a box (white)."""
LABEL_FONT = "helv"
LABEL_MAX_SIZE = 8.0
LABEL_MIN_SIZE = 4.0
WHOLE_PAGE_LABEL = "page withheld"
PNG_LEVEL = 1
"""zlib level of redacted PNGs: twice as fast as the default for about 15% more bytes."""

# Keys of the catalog, pages and other objects that carry content a reader never sees on
# the page. Garbage collection then drops whatever they alone referred to (embedded files,
# JavaScript, XMP streams, outlines, optional-content groups, signatures...).
_CATALOG_KEYS = (
    "OCProperties",
    "Names",
    "Dests",
    "OpenAction",
    "AA",
    "AcroForm",
    "Outlines",
    "Metadata",
    "StructTreeRoot",
    "MarkInfo",
    "PieceInfo",
    "Threads",
    "Perms",
    "Collection",
    "SpiderInfo",
    "URI",
    "Legal",
    "DSS",
    "AF",
)
_PAGE_KEYS = ("Annots", "AA", "Thumb", "PieceInfo", "Metadata", "B", "AF", "StructParents")
_OBJECT_KEYS = ("Metadata", "PieceInfo", "AF", "OC", "OPI")
_OF_INTEREST = re.compile(
    r"/(?:JavaScript|Metadata|PieceInfo|AF|OC|OPI|AA|JS|DCTDecode)(?![\w.#-])"
)


@dataclass(frozen=True, slots=True)
class Mark:
    """A box to burn in: 1-based page (images use 1), PDF points or upright-image pixels."""

    page: int
    box: Box
    label: str


@dataclass(frozen=True, slots=True)
class SpanMark:
    """Characters start..end of a text to replace by a marker carrying `label`."""

    start: int
    end: int
    label: str


def marker(label: str) -> str:
    """The visible stand-in for redacted text, e.g. `[REDACTED — address]`."""
    return f"[REDACTED — {label}]"


# --- text -------------------------------------------------------------------------------


def redact_text(text: str, spans: Sequence[SpanMark]) -> str:
    """`text` with every span replaced by its marker; overlapping or touching spans merge.

    A merged span carries the labels of its parts, in order, joined by "; ".
    """
    merged: list[tuple[int, int, list[str]]] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        start, end = max(0, span.start), min(len(text), span.end)
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            labels = last[2] if span.label in last[2] else [*last[2], span.label]
            merged[-1] = (last[0], max(last[1], end), labels)
        else:
            merged.append((start, end, [span.label]))
    out: list[str] = []
    at = 0
    for start, end, labels in merged:
        out.append(text[at:start])
        out.append(marker("; ".join(labels)))
        at = end
    out.append(text[at:])
    return "".join(out)


# --- images -----------------------------------------------------------------------------


def redact_image(src: bytes | Path, marks: Sequence[Mark]) -> bytes:
    """A PNG of the upright image with each box filled black and labelled, and no metadata.

    The EXIF orientation is applied first, so boxes are in the pixels the user saw. The
    output is built from raw pixels: no EXIF, GPS, XMP, ICC profile, text chunk or thumbnail.
    """
    heif_supported()
    data = src.read_bytes() if isinstance(src, Path) else bytes(src)
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.size[0] * im.size[1] > MAX_PIXELS:
                raise RedactionError(
                    f"image too large to redact ({im.size[0]}×{im.size[1]} pixels, limit "
                    f"{MAX_PIXELS // 1_000_000} MP)"
                )
            im.load()
            upright = _upright(im)
            flat = _flat_rgb(upright)
    except RedactionError:
        raise
    except Exception as exc:  # Pillow raises anything on hostile input
        raise RedactionError(f"image cannot be read for redaction: {exc}") from exc
    canvas = Image.new("RGB", flat.size)  # a fresh image: nothing but pixels, no info
    canvas.paste(flat)
    draw = ImageDraw.Draw(canvas)
    for mark in marks:
        box = pixel_box(mark.box, canvas.size)
        if box is None:
            continue
        draw.rectangle(box, fill=(0, 0, 0))
        draw_label(draw, box, mark.label)
    out = io.BytesIO()
    canvas.save(out, "PNG", optimize=False, compress_level=PNG_LEVEL)
    return out.getvalue()


def _upright(im: Image.Image) -> Image.Image:
    if "original_orientation" in im.info:  # pillow-heif has turned HEIF already
        return im
    turned = ImageOps.exif_transpose(im)
    return turned if turned is not None else im


def _flat_rgb(im: Image.Image) -> Image.Image:
    """RGB, transparent areas laid on white."""
    if im.mode == "RGB":
        return im
    if im.mode in ("P", "PA", "LA", "RGBA", "La", "RGBa") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        return im.convert("L").convert("RGB")
    return im.convert("RGB")


def pixel_box(box: Box, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """The box widened to whole pixels and clipped to the image (inclusive corners)."""
    x0, x1 = sorted((box[0], box[2]))
    y0, y1 = sorted((box[1], box[3]))
    left, top = max(0, int(x0)), max(0, int(y0))
    right, bottom = min(size[0], -int(-x1)), min(size[1], -int(-y1))
    if right <= left or bottom <= top:
        return None
    return left, top, right - 1, bottom - 1


def draw_label(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], label: str) -> None:
    """The label in white, centred, as large as fits (up to 1/3 of the box height)."""
    width, height = box[2] - box[0] + 1, box[3] - box[1] + 1
    size = max(6, min(48, height // 3))
    while size >= 6:
        font = ImageFont.load_default(size)
        left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
        if right - left <= width - 4 and bottom - top <= height - 2:
            x = box[0] + (width - (right - left)) // 2 - left
            y = box[1] + (height - (bottom - top)) // 2 - top
            draw.text((x, y), label, fill=(255, 255, 255), font=font)
            return
        size -= 2


# --- PDF --------------------------------------------------------------------------------


def open_pdf(src: bytes | Path) -> Any:
    """Open a PDF for redaction or checking; encrypted files open only with no password."""
    try:
        doc = pm.open(stream=src.read_bytes() if isinstance(src, Path) else bytes(src))
    except Exception as exc:  # MuPDF raises its own errors on broken files
        raise RedactionError(f"PDF cannot be opened: {exc}") from exc
    if not doc.is_pdf:
        doc.close()
        raise RedactionError("not a PDF")
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise RedactionError("the PDF is password-protected: decrypt it before redacting")
    return doc


def redact_pdf(src: bytes | Path, marks: Sequence[Mark], whole_pages: Sequence[int] = ()) -> bytes:
    """A new PDF with every box burnt in and every hidden carrier of content removed.

    Under each box: text goes (visible or invisible, e.g. an OCR layer), image pixels are
    blanked inside the image itself, and every vector path touching the box goes whole.
    The box is filled black with its label in small white type. `whole_pages` (1-based) are
    replaced by blank pages of the same size carrying a label. Raises `RedactionError`.
    """
    doc = open_pdf(src)
    try:
        count = doc.page_count
        for number in (*whole_pages, *(m.page for m in marks)):
            if not 1 <= number <= count:
                raise RedactionError(f"page {number} is not in the PDF (it has {count})")
        _strip_hidden_content(doc)
        withheld = set(whole_pages)
        for number in sorted(withheld):
            labels = list(dict.fromkeys(m.label for m in marks if m.page == number))
            _replace_page(doc, number - 1, "; ".join(labels) or WHOLE_PAGE_LABEL)
        by_page: dict[int, list[Mark]] = {}
        for mark in marks:
            if mark.page not in withheld:
                by_page.setdefault(mark.page, []).append(mark)
        for number, page_marks in sorted(by_page.items()):
            _burn(doc[number - 1], page_marks)
        _sanitise(doc)
        data: bytes = doc.tobytes(
            garbage=4,
            deflate=True,
            deflate_images=True,
            deflate_fonts=True,
            clean=True,
            incremental=False,
            encryption=pm.PDF_ENCRYPT_NONE,
        )
        return data
    except RedactionError:
        raise
    except Exception as exc:  # MuPDF raises its own errors on broken content
        log.debug("redaction failed", exc_info=True)
        raise RedactionError(f"redaction could not be applied: {exc}") from exc
    finally:
        doc.close()


def _burn(page: Any, marks: Sequence[Mark]) -> None:
    for mark in marks:
        rect = pm.Rect(mark.box).normalize()
        if rect.is_empty:
            continue
        text, size = _fit_label(mark.label, rect)
        page.add_redact_annot(
            rect,
            text=text or None,
            fontname=LABEL_FONT,
            fontsize=size,
            align=pm.TEXT_ALIGN_CENTER,
            fill=FILL,
            text_color=LABEL_COLOUR,
            cross_out=False,
        )
    page.apply_redactions(
        images=pm.PDF_REDACT_IMAGE_PIXELS,
        graphics=pm.PDF_REDACT_LINE_ART_REMOVE_IF_TOUCHED,
        text=pm.PDF_REDACT_TEXT_REMOVE,
    )


_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def pdf_label(label: str) -> str:
    """The label as PDF boxes show it: the built-in font has Latin-1 only ('?' for the rest)."""
    plain = label.translate(_PLAIN)
    return "".join(c if ord(c) < 256 and c.isprintable() else "?" for c in plain)


def _fit_label(label: str, rect: Any) -> tuple[str, float]:
    """The label (cut short with '..' if need be) and a size that fits on one line in rect."""
    label = pdf_label(label)
    size = min(LABEL_MAX_SIZE, rect.height / 1.25)
    if size < LABEL_MIN_SIZE:
        return "", LABEL_MIN_SIZE
    room = rect.width - 2
    width = _text_width(label) * size
    if width <= room:
        return label, size
    size = max(LABEL_MIN_SIZE, size * room / width)
    text = label
    while text and _text_width(text) * size > room:
        text = text[:-3] + ".." if len(text) > 2 else ""
    return text, size


@functools.lru_cache(maxsize=256)
def _text_width(text: str) -> float:
    """Width of text in the label font at size 1 (widths scale with the size)."""
    return float(pm.get_text_length(text, LABEL_FONT, 1))


def _replace_page(doc: Any, index: int, label: str) -> None:
    """Put a blank page of the same visible size, with a centred label, in place of a page."""
    rect = doc[index].rect
    doc.delete_page(index)
    page = doc.new_page(index, width=rect.width, height=rect.height)
    size = 14.0
    text = pdf_label(marker(label))
    width = pm.get_text_length(text, LABEL_FONT, size)
    if width > rect.width - 40:
        size = max(LABEL_MIN_SIZE, size * (rect.width - 40) / width)
    box = pm.Rect(20, rect.height / 2 - size, rect.width - 20, rect.height / 2 + size * 2)
    page.insert_textbox(box, text, fontname=LABEL_FONT, fontsize=size, align=1)


def _sanitise(doc: Any) -> None:
    """Drop everything beyond the page content a reader sees."""
    doc.scrub(
        attached_files=True,
        clean_pages=False,  # the save cleans every page
        embedded_files=True,
        hidden_text=False,  # an OCR layer stays searchable; text under boxes is gone already
        javascript=False,  # done below, tolerant of broken objects (scrub's loop is not)
        metadata=True,
        redactions=False,  # applied above, with our options
        remove_links=True,
        reset_fields=False,  # widgets go below with every other annotation
        reset_responses=False,
        thumbnails=True,
        xml_metadata=False,  # done below
    )
    catalog = doc.pdf_catalog()
    for key in _CATALOG_KEYS:
        if doc.xref_get_key(catalog, key)[0] != "null":
            doc.xref_set_key(catalog, key, "null")
    for page in doc:
        for key in _PAGE_KEYS:
            if doc.xref_get_key(page.xref, key)[0] != "null":
                doc.xref_set_key(page.xref, key, "null")
    for xref in range(1, doc.xref_length()):
        try:
            _sanitise_object(doc, xref)
        except Exception:  # a broken or free slot: garbage collection drops it
            log.debug("object %s not sanitised", xref, exc_info=True)
    doc.set_metadata({})
    doc.del_xml_metadata()


def _sanitise_object(doc: Any, xref: int) -> None:
    if not _OF_INTEREST.search(doc.xref_object(xref, compressed=True)):
        return  # one cheap look: most objects carry none of these keys
    if doc.xref_get_key(xref, "S") == ("name", "/JavaScript"):
        doc.update_object(xref, "<<>>")  # an action object: no script left to reach
        return
    if doc.xref_get_key(xref, "Type") == ("name", "/Metadata"):
        doc.update_object(xref, "<<>>")
        doc.update_stream(xref, b" ", new=True)
        return
    stream = doc.xref_is_stream(xref)
    for key in _OBJECT_KEYS if stream else ("Metadata", "AA", "JS"):
        if doc.xref_get_key(xref, key)[0] != "null":
            doc.xref_set_key(xref, key, "null")
    if stream and doc.xref_get_key(xref, "Filter") == ("name", "/DCTDecode"):
        _clean_jpeg(doc, xref)


def _clean_jpeg(doc: Any, xref: int) -> None:
    """Drop EXIF, XMP, IPTC and comments from a JPEG image kept as it is in the PDF."""
    raw = doc.xref_stream_raw(xref) or b""
    clean = strip_jpeg_metadata(raw)
    if clean == raw:
        return
    parms = doc.xref_get_key(xref, "DecodeParms")
    doc.update_stream(xref, clean, compress=False)  # this drops the filter: put it back
    doc.xref_set_key(xref, "Filter", "/DCTDecode")
    if parms[0] != "null":
        doc.xref_set_key(xref, "DecodeParms", parms[1])


def strip_jpeg_metadata(data: bytes) -> bytes:
    """A JPEG without its APP1 (EXIF, XMP), APP13 (IPTC) and comment segments.

    Everything else (JFIF, Adobe colour transform, ICC profile, the image data) is kept
    byte for byte; anything that does not parse as a JPEG is returned unchanged.
    """
    if not data.startswith(b"\xff\xd8"):
        return data
    out = bytearray(data[:2])
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        kind = data[i + 1]
        if kind == 0xFF:  # fill byte
            i += 1
            continue
        if kind == 0xDA:  # start of scan: the rest is image data
            break
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if length < 2:
            return data
        if kind not in (0xE1, 0xED, 0xFE):
            out += data[i : i + 2 + length]
        i += 2 + length
    else:
        return data
    out += data[i:]
    return bytes(out)


# --- hidden optional content ------------------------------------------------------------


def _strip_hidden_content(doc: Any) -> None:
    """Delete content that sits in an optional-content layer hidden by default.

    A hidden layer is invisible on screen (so nobody reviewed it) but still in the file;
    once the layer structure is dropped, it would show. Its marked-content blocks and the
    XObjects it hides are cut out of every content stream; visible layers become plain
    content. Does nothing for a PDF without layers.
    """
    if doc.xref_get_key(doc.pdf_catalog(), "OCProperties")[0] == "null":
        return
    states = {xref: bool(info.get("on")) for xref, info in doc.get_ocgs().items()}
    for page in doc:
        page.clean_contents(sanitize=False)  # one content stream, normalised syntax
        for xref in page.get_contents():
            _strip_stream(doc, xref, page.xref, states)
    for xref in range(1, doc.xref_length()):
        if doc.xref_get_key(xref, "Subtype")[1] == "/Form" and doc.xref_is_stream(xref):
            _strip_stream(doc, xref, xref, states)


def _strip_stream(doc: Any, xref: int, owner: int, states: dict[int, bool]) -> None:
    data = doc.xref_stream(xref)
    if not data:
        return
    cuts: list[tuple[int, int]] = []
    stack: list[tuple[int, bool]] = []  # (start of the BDC, hidden)
    for op, start, end, operands in _operators(data):
        if op == b"BDC":
            hidden = False
            if len(operands) >= 2 and operands[0] == b"/OC" and operands[1].startswith(b"/"):
                ref = _resource(doc, owner, "Properties", operands[1][1:].decode("latin-1"))
                hidden = ref is not None and _oc_hidden(doc, ref, states)
            stack.append((start, hidden))
        elif op == b"BMC":
            stack.append((start, False))
        elif op == b"EMC" and stack:
            begin, hidden = stack.pop()
            if hidden and not any(h for _, h in stack):
                cuts.append((begin, end))
        elif (
            op == b"Do"
            and operands
            and operands[0].startswith(b"/")
            and not any(h for _, h in stack)
        ):
            ref = _resource(doc, owner, "XObject", operands[0][1:].decode("latin-1"))
            if ref is not None:
                oc = _ref(doc.xref_get_key(ref, "OC"))
                if oc is not None and _oc_hidden(doc, oc, states):
                    cuts.append((start, end))
    for begin, hidden in stack:  # unterminated hidden block: hidden to the end
        if hidden:
            cuts.append((begin, len(data)))
            break
    if not cuts:
        return
    out = bytearray()
    at = 0
    for begin, end in sorted(cuts):
        if begin >= at:
            out += data[at:begin] + b"\n"
            at = end
    out += data[at:]
    doc.update_stream(xref, bytes(out))


def _resource(doc: Any, owner: int, kind: str, name: str) -> int | None:
    """The xref a resource name points at, looking up the page tree for inherited ones."""
    xref: int | None = owner
    for _ in range(32):
        if xref is None:
            return None
        ref = _ref(_lookup(doc, xref, ("Resources", kind, name)))
        if ref is not None:
            return ref
        xref = _ref(doc.xref_get_key(xref, "Parent"))
    return None


def _lookup(doc: Any, xref: int, path: Sequence[str]) -> tuple[str, str]:
    """A value at a key path, following indirect objects on the way."""
    value: tuple[str, str] = ("null", "null")
    prefix: list[str] = []
    for n, key in enumerate(path):
        prefix.append(key)
        value = doc.xref_get_key(xref, "/".join(prefix))
        if value[0] == "null":
            return value
        if n < len(path) - 1 and value[0] == "xref":
            xref, prefix = int(value[1].split()[0]), []
    return value


def _ref(value: tuple[str, str]) -> int | None:
    if value[0] != "xref":
        return None
    return int(value[1].split()[0])


def _oc_hidden(doc: Any, xref: int, states: dict[int, bool]) -> bool:
    """Whether an OCG or an OCMD (membership policy) is hidden in the default view."""
    if xref in states:
        return not states[xref]
    if doc.xref_get_key(xref, "Type")[1] != "/OCMD":
        return False
    members = [int(n) for n in re.findall(r"(\d+) 0 R", doc.xref_get_key(xref, "OCGs")[1])]
    on = [states.get(m, True) for m in members]
    if doc.xref_get_key(xref, "VE")[0] != "null":
        return not all(on)  # a visibility expression: hidden if any member is (cautious)
    if not on:
        return False
    policy = doc.xref_get_key(xref, "P")[1] or "/AnyOn"
    visible = {
        "/AllOn": all(on),
        "/AnyOff": not all(on),
        "/AllOff": not any(on),
    }.get(policy, any(on))
    return not visible


_WS = b" \t\r\n\f\x00"
_REGULAR_END = re.compile(rb"[ \t\r\n\f\x00()<>\[\]{}/%]")
_EI = re.compile(rb"\sEI(?=[ \t\r\n\f\x00/\[<(%]|$)")


def _operators(data: bytes) -> Iterator[tuple[bytes, int, int, list[bytes]]]:
    """Each operator of a content stream: (operator, start of its operands, end, operands).

    A small lexer that is only as clever as cutting blocks needs: operands are kept as raw
    tokens; strings, dictionaries and inline images are stepped over whole.
    """
    i, n = 0, len(data)
    operands: list[bytes] = []
    first = -1
    while i < n:
        c = data[i]
        if c in _WS:
            i += 1
            continue
        if first < 0:
            first = i
        start = i
        if c == 0x25:  # % comment
            end = data.find(b"\n", i)
            i = n if end < 0 else end + 1
            if not operands:
                first = -1
            continue
        if c == 0x28:  # ( literal string )
            i = _skip_string(data, i)
        elif data.startswith(b"<<", i) or data.startswith(b">>", i):
            i += 2
        elif c == 0x3C:  # <hex>
            end = data.find(b">", i)
            i = n if end < 0 else end + 1
        elif c in b"[]{}":
            i += 1
        elif c == 0x2F:  # /name
            m = _REGULAR_END.search(data, i + 1)
            i = n if m is None else m.start()
        else:
            m = _REGULAR_END.search(data, i)
            i = n if m is None else max(m.start(), i + 1)
            token = data[start:i]
            if not re.fullmatch(rb"[+\-.0-9]+|true|false|null", token):
                if token == b"BI":  # inline image: skip to its EI
                    at = data.find(b"ID", i)
                    m = _EI.search(data, at + 3) if at >= 0 else None
                    i = n if m is None else m.end()
                yield token, first, i, operands
                operands, first = [], -1
                continue
        operands.append(data[start:i])
    return


def _skip_string(data: bytes, i: int) -> int:
    depth, n = 0, len(data)
    while i < n:
        c = data[i]
        if c == 0x5C:  # backslash escape
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n
