"""Applying redactions to copies (PDF, image, text) and proving nothing redacted survives."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PIL import Image, ImageDraw

from app.redaction.apply import (
    Mark,
    SpanMark,
    marker,
    redact_image,
    redact_pdf,
    redact_text,
    strip_jpeg_metadata,
)
from app.redaction.model import RedactionError
from app.redaction.verify import (
    Finding,
    VerificationFailed,
    ensure_clean,
    verify_image,
    verify_pdf,
    verify_text,
)
from tests.conftest import corpus_file

pm: Any = pymupdf
SECRET = "Jennifer Ashworth"
LABEL = "victim's contact details"


# --- helpers ----------------------------------------------------------------------------


def all_stream_bytes(data: bytes) -> bytes:
    """Every object and every decompressed stream of a PDF, lower-cased, one blob."""
    doc = pm.open(stream=data)
    parts = []
    for xref in range(1, doc.xref_length()):
        parts.append(doc.xref_object(xref).encode("latin-1", "replace"))
        if doc.xref_is_stream(xref):
            parts.append(doc.xref_stream(xref) or b"")
    doc.close()
    return b"\n".join(parts).lower()


def encodings(term: str) -> list[bytes]:
    """The ways a term can sit in PDF bytes: plain, hex (as PyMuPDF writes it), UTF-16."""
    low = term.lower()
    return [
        low.encode(),
        term.encode().hex().encode(),
        low.encode().hex().encode(),
        term.encode("utf-16-be").hex().encode(),
        term.encode("utf-16-be").lower(),
    ]


def leaks(data: bytes, term: str) -> bool:
    blob = all_stream_bytes(data)
    return any(form in blob for form in encodings(term)) or term.lower().encode() in data.lower()


def word_box(page: Any, *words: str) -> tuple[float, float, float, float]:
    """The union box of consecutive words on a page, as the finder stores it."""
    found = [w for w in page.get_text("words") if w[4] in words]
    assert found, words
    return (
        min(w[0] for w in found),
        min(w[1] for w in found),
        max(w[2] for w in found),
        max(w[3] for w in found),
    )


def text_pdf() -> bytes:
    doc = pm.open()
    page = doc.new_page()
    page.insert_text(
        (72, 100),
        f"Statement of witness\nShe met {SECRET} outside the station\nNothing else happened",
        fontsize=11,
    )
    annot = page.add_text_annot((400, 100), f"note: ask {SECRET} again")
    annot.set_info(title=SECRET)
    doc.set_metadata({"title": "Statement", "author": "PC Hale"})
    data: bytes = doc.tobytes()
    doc.close()
    return data


def pdf_marks(data: bytes, *words: str, page: int = 1) -> list[Mark]:
    doc = pm.open(stream=data)
    box = word_box(doc[page - 1], *words)
    doc.close()
    return [Mark(page, box, LABEL)]


# --- text -------------------------------------------------------------------------------


def test_text_spans_become_markers_and_overlaps_merge() -> None:
    text = "Call 07700 900123 or write to 12 Elm Road, Leeds"
    spans = [SpanMark(5, 17, "phone"), SpanMark(30, 41, "address"), SpanMark(33, 47, "address")]
    out = redact_text(text, spans)
    assert out == f"Call {marker('phone')} or write to {marker('address')}s"
    assert marker("phone") == "[REDACTED — phone]"
    assert verify_text(out, ["07700 900123", "Elm Road"]) == []
    assert verify_text(text, ["07700  900123"]) != []  # whitespace collapsed when matching


# --- PDF: text layer --------------------------------------------------------------------


def test_redacted_word_gone_from_text_streams_and_annotations() -> None:
    original = text_pdf()
    assert leaks(original, SECRET)  # the check below can fail
    marks = pdf_marks(original, "Jennifer", "Ashworth")
    out = redact_pdf(original, marks)

    doc = pm.open(stream=out)
    page = doc[0]
    assert SECRET.split()[0] not in page.get_text()
    assert "outside the station" in page.get_text()  # the rest of the line stays
    assert LABEL in " ".join(w[4] for w in page.get_text("words"))  # the reason on paper
    assert page.first_annot is None
    assert doc.metadata["title"] == ""
    assert doc.metadata["author"] == ""
    doc.close()
    assert not leaks(out, SECRET)
    assert not leaks(out, "Jennifer")
    assert verify_pdf(out, [SECRET, "PC Hale"], marks) == []


def test_box_is_black_with_white_reason_on_the_rendered_page() -> None:
    original = text_pdf()
    marks = pdf_marks(original, "Jennifer", "Ashworth")
    doc = pm.open(stream=redact_pdf(original, marks))
    pix = doc[0].get_pixmap(clip=pm.Rect(marks[0].box), dpi=144)
    im = Image.frombytes("RGB", (pix.width, pix.height), pix.samples).convert("L")
    histogram = im.histogram()
    assert sum(histogram[:40]) / sum(histogram) > 0.6  # mostly black
    assert sum(histogram[200:]) > 0  # with white lettering


def test_broken_redaction_box_drawn_but_not_applied_is_caught() -> None:
    original = text_pdf()
    marks = pdf_marks(original, "Jennifer", "Ashworth")
    doc = pm.open(stream=original)
    page = doc[0]
    page.draw_rect(pm.Rect(marks[0].box), color=(0, 0, 0), fill=(0, 0, 0))
    page.delete_annot(page.first_annot)
    doc.set_metadata({})
    broken: bytes = doc.tobytes(garbage=4, deflate=True)
    doc.close()

    findings = verify_pdf(broken, [SECRET], marks)
    whats = " | ".join(f.what for f in findings)
    assert "characters of text remain under the box" in whats
    assert "is still there" in whats
    assert all(SECRET not in f.what and "Jennifer" not in f.what for f in findings)
    with pytest.raises(VerificationFailed) as raised:
        ensure_clean(findings)
    assert raised.value.findings == tuple(findings)


def test_unfilled_box_is_caught_by_its_pixels() -> None:
    original = text_pdf()
    marks = pdf_marks(original, "Jennifer", "Ashworth")
    doc = pm.open(stream=original)
    page = doc[0]
    page.add_redact_annot(pm.Rect(marks[0].box), fill=False)  # removes, but paints nothing
    page.apply_redactions()
    page.delete_annot(page.first_annot)
    unfilled: bytes = doc.tobytes(garbage=4)
    doc.close()
    findings = [f for f in verify_pdf(unfilled, [], marks) if "box" in f.where]
    assert [f.what for f in findings] == ["the box is not filled (0% dark pixels)"]


def test_text_split_into_pieces_in_the_content_stream_is_still_found() -> None:
    doc = pm.open()
    page = doc.new_page()
    page.insert_text((72, 72), "harmless")
    xref = page.get_contents()[0]
    doc.update_stream(xref, b"BT /F1 11 Tf 72 700 Td [(Jenn) -20 (ifer Ash) 10 (worth)] TJ ET")
    data: bytes = doc.tobytes()
    doc.close()
    assert "strings" in " ".join(f.where for f in verify_pdf(data, [SECRET]))


def test_marks_on_a_missing_page_are_refused() -> None:
    with pytest.raises(RedactionError, match="page 3 is not in the PDF"):
        redact_pdf(text_pdf(), [Mark(3, (0, 0, 10, 10), LABEL)])


def test_whole_page_becomes_a_blank_page_with_its_label() -> None:
    doc = pm.open()
    for n in range(3):
        doc.new_page(width=400, height=600).insert_text((50, 50), f"page {n + 1} {SECRET}")
    original: bytes = doc.tobytes()
    doc.close()
    out = redact_pdf(original, [Mark(2, (0, 0, 400, 600), "child's identity")], whole_pages=[2])
    doc = pm.open(stream=out)
    assert doc.page_count == 3
    assert doc[1].rect == pm.Rect(0, 0, 400, 600)
    assert doc[1].get_text().strip() == "[REDACTED - child's identity]"
    assert SECRET in doc[0].get_text()
    assert SECRET in doc[2].get_text()
    doc.close()
    assert verify_pdf(out, []) == []


# --- PDF: scanned page with an invisible OCR layer --------------------------------------


def scanned_pdf() -> tuple[bytes, tuple[float, float, float, float]]:
    """A page that is an image of text, with the OCR words laid invisibly over it."""
    scan = Image.new("RGB", (1200, 400), (250, 248, 240))
    draw = ImageDraw.Draw(scan)
    draw.rectangle((420, 150, 900, 230), fill=(200, 20, 20))  # where the name is "printed"
    buf = io.BytesIO()
    scan.save(buf, "PNG")
    doc = pm.open()
    page = doc.new_page(width=600, height=200)
    page.insert_image(page.rect, stream=buf.getvalue())
    page.insert_text((30, 100), "Witness", fontsize=20, render_mode=3)
    page.insert_text((210, 100), SECRET, fontsize=20, render_mode=3)
    data: bytes = doc.tobytes()
    box = word_box(doc[0], "Jennifer", "Ashworth")
    doc.close()
    return data, box


def test_scanned_page_loses_both_pixels_and_hidden_text_under_the_box() -> None:
    original, text_box = scanned_pdf()
    assert SECRET in pm.open(stream=original)[0].get_text()
    box = (205.0, 70.0, 455.0, 120.0)  # covers the red name and its OCR words
    assert pm.Rect(box).contains(pm.Rect(text_box))
    marks = [Mark(1, box, LABEL)]
    out = redact_pdf(original, marks)

    doc = pm.open(stream=out)
    page = doc[0]
    assert "Jennifer" not in page.get_text()
    assert "Witness" in page.get_text()  # the OCR layer stays searchable elsewhere
    (info,) = page.get_image_info(xrefs=True)
    pix = pm.Pixmap(doc, info["xref"])
    im = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    reds = sum(1 for r, g, b in im.get_flattened_data() if r > 150 and g < 80 and b < 80)
    assert reds == 0  # the red "name" is gone from the image itself, not just covered
    assert im.getpixel((100, 50)) == (250, 248, 240)  # the rest of the scan is intact
    doc.close()
    assert not leaks(out, "Jennifer")
    assert verify_pdf(out, [SECRET], marks) == []


def test_image_pixels_left_under_a_box_are_caught() -> None:
    original, _ = scanned_pdf()
    box = (205.0, 70.0, 455.0, 120.0)
    doc = pm.open(stream=original)
    page = doc[0]
    page.add_redact_annot(pm.Rect(box), fill=(0, 0, 0))
    page.apply_redactions(images=pm.PDF_REDACT_IMAGE_NONE)  # text goes, pixels stay
    covered: bytes = doc.tobytes(garbage=4)
    doc.close()
    findings = verify_pdf(covered, [SECRET], [Mark(1, box, LABEL)])
    assert any("still has pixels under the box" in f.what for f in findings)


# --- PDF: everything a reader does not see ----------------------------------------------


def kitchen_sink_pdf(tmp_path: Path) -> bytes:
    """Secrets in an annotation, an attachment, a hidden layer, metadata, XMP, a bookmark,
    a form field, JavaScript and an earlier revision; the visible page shows none of them."""
    doc = pm.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Visible statement text")
    hidden = doc.add_ocg("Reviewer notes", on=False)
    shown = doc.add_ocg("Stamp", on=True)
    page.insert_text((72, 200), f"Layer note: {SECRET} lives at 4 Mill Lane", oc=hidden)
    page.draw_rect(pm.Rect(300, 300, 400, 400), color=(1, 0, 0), fill=(1, 0, 0), oc=hidden)
    page.insert_text((72, 240), "Stamped copy", oc=shown)
    page.add_text_annot((500, 500), f"Called {SECRET}")
    doc.embfile_add(f"{SECRET}.txt", f"address of {SECRET}".encode(), desc=SECRET)
    doc.set_metadata({"title": SECRET, "subject": "Mill Lane"})
    doc.set_xml_metadata(f"<x:xmpmeta><dc:creator>{SECRET}</dc:creator></x:xmpmeta>")
    doc.set_toc([[1, f"About {SECRET}", 1]])
    widget = pm.Widget()
    widget.field_name = "victim"
    widget.field_type = pm.PDF_WIDGET_TYPE_TEXT
    widget.field_value = SECRET
    widget.rect = pm.Rect(72, 600, 300, 620)
    page.add_widget(widget)
    doc.xref_set_key(
        doc.pdf_catalog(), "OpenAction", f"<</S/JavaScript/JS(app.alert('{SECRET}'))>>"
    )
    page2 = doc.new_page()
    page2.insert_text((72, 72), f"Draft naming {SECRET}")
    path = tmp_path / "sink.pdf"
    doc.save(path)
    doc.close()

    doc = pm.open(path)  # a later revision deletes the draft page
    doc.delete_page(1)
    doc.saveIncr()
    doc.close()
    return path.read_bytes()


def test_kitchen_sink_pdf_is_sanitised_and_verified_clean(tmp_path: Path) -> None:
    original = kitchen_sink_pdf(tmp_path)
    assert original.count(b"%%EOF") == 2
    assert pm.open(stream=original).get_ocgs()
    forbidden = [SECRET, "Mill Lane"]
    before = verify_pdf(original, forbidden)
    wheres = {f.where.split()[0] for f in before}
    assert {"metadata", "attachments", "bookmarks", "form", "layers", "revisions"} <= wheres

    out = redact_pdf(original, [])
    assert not leaks(out, SECRET)
    assert not leaks(out, "Mill Lane")
    assert out.count(b"%%EOF") == 1
    doc = pm.open(stream=out)
    page = doc[0]
    text = page.get_text()
    assert "Visible statement text" in text
    assert "Stamped copy" in text
    assert "Layer note" not in text
    assert doc.get_ocgs() == {}
    assert doc.embfile_count() == 0
    assert doc.get_toc() == []
    assert page.first_annot is None
    assert page.first_widget is None
    assert not doc.is_form_pdf
    assert doc.get_xml_metadata() == ""
    reds = page.get_pixmap(clip=pm.Rect(300, 300, 400, 400)).pixel(10, 10)
    assert reds == (255, 255, 255)  # the hidden red square did not surface
    doc.close()
    assert verify_pdf(out, forbidden) == []


def test_hidden_layer_images_and_nested_blocks_are_cut() -> None:
    doc = pm.open()
    page = doc.new_page()
    hidden = doc.add_ocg("hidden", on=False)
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 255)).save(buf, "PNG")
    page.insert_image(pm.Rect(100, 100, 200, 200), stream=buf.getvalue(), oc=hidden)
    page.insert_text((72, 300), "after the image")
    xref = page.get_contents()[-1]  # an unclosed block runs to the end of the page
    stream = doc.xref_stream(xref)
    doc.update_stream(xref, stream + b"\n/OC /MC0 BDC /Span BMC BT /helv 9 Tf 72 500 Td (x) Tj ET")
    resources = doc.xref_get_key(page.xref, "Resources")
    assert resources[0] == "xref"  # the lookup must follow it
    doc.xref_set_key(int(resources[1].split()[0]), "Properties", f"<</MC0 {hidden} 0 R>>")
    data: bytes = doc.tobytes()
    doc.close()
    out = pm.open(stream=redact_pdf(data, []))
    assert out[0].get_images() == []
    assert out[0].get_text().strip() == "after the image"


# --- PDF: the corpus --------------------------------------------------------------------

CORPUS_PDFS = [
    "pdf/pysample__annotated_pdf.pdf",
    "pdf/pdfplumber__annotations.pdf",
    "pdf/pdfjs__annotation-highlight.pdf",
    "pdf/pdfjs__annotation-freetext.pdf",
    "pdf/tika__testAnnotations.pdf",
    "pdf/tika__testPopupAnnotation.pdf",
    "pdf/pysample__with-attachment.pdf",
    "pdf/tika__testPDF_childAttachments.pdf",
    "pdf/tika__testPDF_incrementalUpdates.pdf",
    "pdf/pdfjs__issue13931.pdf",
    "pdf/pdfjs__issue5747.pdf",
    "pdf/pdfjs__scan-bad.pdf",
    "pdf/pysample__crazyones-pdfa.pdf",
    "pdf/tika__testPDF_bom.pdf",
    "pdf/pysample__minimal-document.pdf",
]


def hidden_strings(doc: Any) -> list[str]:
    """Text a reader does not see on the pages: annotations, attachments, metadata, XMP."""
    found = [v for k, v in (doc.metadata or {}).items() if k not in ("format", "encryption")]
    for page in doc:
        for annot in page.annots():
            info = annot.info
            found += [info.get("content", ""), info.get("title", ""), info.get("subject", "")]
    for name in doc.embfile_names():
        found.append(name)
        found.append(doc.embfile_info(name).get("description", ""))
    found += re.findall(r">([^<>]{6,80})<", doc.get_xml_metadata() or "")
    return [s.strip() for s in found if s and len(s.strip()) >= 6]


@pytest.mark.parametrize("rel", CORPUS_PDFS)
def test_corpus_pdf_redacted_and_verified_clean(rel: str) -> None:
    original = corpus_file(rel).read_bytes()
    doc = pm.open(stream=original)
    visible = " ".join(" ".join(p.get_text().casefold().split()) for p in doc)
    hidden = [s for s in hidden_strings(doc) if " ".join(s.casefold().split()) not in visible]
    marks: list[Mark] = []
    forbidden = list(hidden)
    marked = ""
    words = [w for w in doc[0].get_text("words") if len(w[4]) >= 5 and w[4].isalpha()]
    unique = [w for w in words if visible.count(w[4].casefold()) == 1]
    if unique:
        word = max(unique, key=lambda w: len(w[4]))
        marks.append(Mark(1, tuple(word[:4]), LABEL))  # type: ignore[arg-type]
        marked = word[4]
        forbidden.append(marked)
    doc.close()

    out = redact_pdf(original, marks)
    findings = verify_pdf(out, forbidden, marks)
    assert findings == [], findings
    doc = pm.open(stream=out)
    assert doc.version_count == 1
    assert doc.embfile_count() == 0
    assert doc.get_ocgs() == {}
    assert all(p.first_annot is None for p in doc)
    assert not any(doc.metadata.get(k) for k in ("title", "author", "creator", "producer"))
    assert doc.get_xml_metadata() == ""
    assert marked == "" or marked.casefold() not in doc[0].get_text().casefold()
    doc.close()
    for term in hidden:  # (the marked word may be a common one, such as "Contents")
        assert not leaks(out, term), term


# --- images -----------------------------------------------------------------------------


def png_chunks(data: bytes) -> list[bytes]:
    kinds, i = [], 8
    while i < len(data):
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        kinds.append(kind)
        i += 12 + length
    return kinds


def gps_photo(orientation: int) -> bytes:
    """A 300×200 stored JPEG with GPS and an orientation; a red patch at stored (20..80, 30..70)."""
    im = Image.new("RGB", (300, 200), (40, 160, 40))
    ImageDraw.Draw(im).rectangle((20, 30, 80, 70), fill=(230, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)})
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95, exif=exif.tobytes())
    return buf.getvalue()


def test_phone_photo_orientation_applied_before_the_box_and_no_exif_left() -> None:
    src = gps_photo(orientation=6)
    assert Image.open(io.BytesIO(src)).getexif().get_ifd(0x8825)  # GPS there to begin with
    # Orientation 6 turns the picture 90° clockwise: stored (x, y) shows at (199 - y, x).
    # The red patch stored at x 20..80, y 30..70 shows at x 129..169, y 20..80.
    box = (125.0, 15.0, 175.0, 85.0)
    marks = [Mark(1, box, "address")]
    out = redact_image(src, marks)

    assert out.startswith(b"\x89PNG")
    assert set(png_chunks(out)) <= {b"IHDR", b"IDAT", b"IEND"}
    im = Image.open(io.BytesIO(out))
    assert im.size == (200, 300)  # upright
    assert not im.getexif()
    assert "exif" not in im.info
    assert "icc_profile" not in im.info
    rgb = im.convert("RGB")
    reds = [p for p in rgb.get_flattened_data() if p[0] > 150 and p[1] < 80]
    assert reds == []  # the patch was under the box, so the box landed where it was drawn
    assert rgb.getpixel((150, 50)) == (0, 0, 0) or rgb.getpixel((150, 50)) != (230, 0, 0)
    assert rgb.getpixel((130, 16)) == (0, 0, 0)
    assert rgb.getpixel((20, 250))[1] > 120  # outside the box the photo is unchanged
    assert b"PhoneMaker" not in out
    assert b"Exif" not in out
    assert verify_image(out, marks) == []


@pytest.mark.parametrize(
    "rel",
    [
        "images_exif/exifpy__DSCN0010.jpg",
        "images_exif/tika__testJPEG_GEO.jpg",
        "images_exif/exifpy__HMD_Nokia_8.3_5G.jpg",
    ],
)
def test_corpus_gps_photo_redacted_to_no_metadata(rel: str) -> None:
    src = corpus_file(rel).read_bytes()
    assert Image.open(io.BytesIO(src)).getexif().get_ifd(0x8825)
    with Image.open(io.BytesIO(src)) as probe:
        width, height = probe.size
    marks = [Mark(1, (width * 0.2, height * 0.2, width * 0.5, height * 0.4), "address")]
    out = redact_image(src, marks)
    assert set(png_chunks(out)) <= {b"IHDR", b"IDAT", b"IEND"}
    im = Image.open(io.BytesIO(out))
    assert not im.getexif()
    assert set(im.info) <= {"dpi"}
    assert verify_image(out, marks) == []


def test_altered_pixel_inside_an_image_box_is_caught() -> None:
    marks = [Mark(1, (10, 10, 60, 40), "address")]
    out = redact_image(gps_photo(orientation=1), marks)
    assert verify_image(out, marks) == []
    im = Image.open(io.BytesIO(out)).convert("RGB")
    im.putpixel((12, 38), (0, 0, 1))  # one pixel, nearly black
    buf = io.BytesIO()
    im.save(buf, "PNG")
    findings = verify_image(buf.getvalue(), marks)
    assert [f.what for f in findings] == [
        "pixels inside the box differ from the fill and its label"
    ]


def test_metadata_chunk_in_a_redacted_png_is_caught() -> None:
    out = redact_image(gps_photo(orientation=1), [])
    body = b"tEXt" + b"GPS\x0051.5N"
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    tampered = out[:-12] + chunk + out[-12:]
    assert verify_image(tampered, []) == [Finding("metadata", "PNG chunk tEXt is present")]


def test_transparent_and_palette_images_are_flattened_on_white() -> None:
    im = Image.new("RGBA", (50, 50), (255, 0, 0, 0))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    out = Image.open(io.BytesIO(redact_image(buf.getvalue(), [])))
    assert out.mode == "RGB"
    assert out.getpixel((5, 5)) == (255, 255, 255)


def test_unreadable_image_is_a_redaction_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really")
    with pytest.raises(RedactionError):
        redact_image(bad, [])


def test_jpeg_metadata_stripped_from_images_kept_in_a_pdf() -> None:
    photo = gps_photo(orientation=1)
    assert b"Exif" in photo
    assert b"Exif" not in strip_jpeg_metadata(photo)
    doc = pm.open()
    doc.new_page().insert_image(pm.Rect(50, 50, 350, 250), stream=photo)
    data: bytes = doc.tobytes()
    doc.close()
    assert any("EXIF" in f.what for f in verify_pdf(data, []))
    out = redact_pdf(data, [])
    assert b"PhoneMaker" not in out
    assert verify_pdf(out, ["PhoneMaker"]) == []
    doc = pm.open(stream=out)
    assert doc[0].get_images()[0][0]  # the picture itself is still there
    pix = doc[0].get_pixmap(clip=pm.Rect(60, 60, 70, 70))
    assert pix.pixel(2, 2)[1] > 120  # and still shows (green)
    doc.close()


def test_a_term_found_in_another_unicode_form_is_still_a_leak() -> None:
    # Text extracted from PDFs may come back as ligatures or Arabic presentation forms.
    assert verify_text("the ﬁle of Sofia", ["file"])
    assert verify_text("ﻣﺮﺣﺒﺎ", ["مرحبا"])
    assert not verify_text("a clean page", ["file"])
