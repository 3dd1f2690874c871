"""PDF: every corpus file, the hostile ones, encryption, revisions, attachments, the pipeline."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pymupdf
import pytest
from sqlalchemy import select
from sqlalchemy import text as sql

from app.case import Case
from app.errors import Cancelled, CorruptRecord, NeedsDecision, WrongFormat
from app.importers import pdf as pdf_mod
from app.importers.base import ImportContext, ImportOptions, Probe
from app.importers.memory import MemorySink
from app.importers.pdf import PdfImporter, iso_date_event, pdf_date_event
from app.importers.registry import default_registry
from app.ingest.job import import_paths
from app.jobs import CancelToken
from app.model import Confidence, ItemDraft, ItemKind
from app.store.schema import Item, Page, Source
from app.timeline.clock import iso_utc
from app.verify import verify_case
from tests.conftest import CORPUS, corpus_file

PASSWORDS = {
    "pdfplumber__password-example.pdf": "test",
    "pysample__libreoffice-writer-password.pdf": "openpassword",
    "pdfminer__rc4-40.pdf": "foo",
    "pdfminer__aes-256-r6.pdf": "usersecret",
    "qpdf__encrypted-40-bit-R3.pdf": "623",
}


def run(path: Path, password: str = "", zone: str = "Europe/London") -> MemorySink:
    probe = Probe.of(path)
    sink = MemorySink()
    PdfImporter().parse(probe, sink, ImportContext(ImportOptions(zone=zone, password=password)))
    return sink


def document(sink: MemorySink) -> ItemDraft:
    assert len(sink.items) == 1
    item = sink.items[0]
    assert item.kind is ItemKind.DOCUMENT
    assert item.mime == "application/pdf"
    return item


def corpus_pdfs(folder: str) -> list[str]:
    base = CORPUS / folder
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.glob("*.pdf"))


def word(item: ItemDraft, page: int, text: str) -> tuple[float, float, float, float, str]:
    for w in item.pages[page - 1].words:
        if w[4] == text:
            return w
    raise AssertionError(f"{text!r} not on page {page}")


def make_pdf(path: Path, pages: list[str], **save: object) -> Path:
    doc = pymupdf.open()
    for text in pages:
        doc.new_page().insert_text((72, 72), text, fontsize=11)
    doc.save(path, **save)
    doc.close()
    return path


# -- choosing the importer ------------------------------------------------------------------


def test_score_by_content_not_name(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "letter.bin", ["Hello"])
    assert PdfImporter.score(Probe.of(pdf)) == 80
    assert default_registry().choose(Probe.of(pdf)) is PdfImporter
    text = tmp_path / "notes.txt"
    text.write_text("just text, %PDF- nowhere near the start\n" + "x" * 2000)
    assert PdfImporter.score(Probe.of(text)) == 0
    # A zip whose first member is a stored PDF shows the signature too: not ours.
    with zipfile.ZipFile(tmp_path / "a.zip", "w", zipfile.ZIP_STORED) as zf:
        zf.write(pdf, "inner.pdf")
    assert PdfImporter.score(Probe.of(tmp_path / "a.zip")) == 0


def test_junk_before_the_header_is_read_with_a_warning(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "a.pdf", ["Hello there"]).read_bytes()
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"Content-Type: application/pdf\r\n\r\n" + data)
    assert PdfImporter.score(Probe.of(path)) >= 60
    sink = run(path)
    assert document(sink).text == "Hello there\n"
    assert any("before the %PDF- header" in w for w in sink.warnings)


# -- the corpus -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", corpus_pdfs("pdf"))
def test_every_corpus_pdf_imports_or_fails_clearly(name: str) -> None:
    path = corpus_file(f"pdf/{name}")
    probe = Probe.of(path)
    assert PdfImporter.score(probe) > 10, "the PDF importer must claim every file named .pdf"
    if path.stat().st_size == 0:
        with pytest.raises(WrongFormat, match="empty"):
            run(path)
        return
    start = time.monotonic()
    sink = run(path, PASSWORDS.get(name, ""))
    assert time.monotonic() - start < 20
    item = document(sink)
    meta = item.meta
    assert meta["page_count"] == len(item.pages) >= 1
    assert [p.number for p in item.pages] == list(range(1, len(item.pages) + 1))
    assert item.text == "\f".join(p.text for p in item.pages)
    for page in item.pages:
        assert page.width > 0
        assert page.height > 0
        assert page.origin == "text"
        for x0, y0, x1, y1, w in page.words[:50]:
            assert x0 <= x1
            assert y0 <= y1
            assert w.strip()
            assert round(x0, 2) == x0
            assert round(y1, 2) == y1
    assert set(meta["pages_without_text"]) <= set(range(1, len(item.pages) + 1))
    assert meta["revisions"] >= 1
    assert isinstance(meta["javascript"], bool)


# file, pages, (page, word, box) found with PyMuPDF beforehand, title, producer
DOCUMENTS = [
    (
        "pysample__minimal-document.pdf",
        1,
        (1, "Lorem", (100.2, 86.62, 130.68, 97.53)),
        "",
        "pdfTeX-1.40.23",
    ),
    (
        "pysample__multicolumn.pdf",
        3,
        (1, "Two-Column", (155.82, 153.21, 246.07, 170.42)),
        "",
        "pdfTeX-1.40.21",
    ),
    (
        "pdfplumber__federal-register-2020-17221.pdf",
        15,
        (2, "47699", (536.42, 33.78, 567.0, 44.78)),
        "",
        "iText® 5.5.13 ©2000-2018 iText Group NV (Government Publishing Office; licensed version)",
    ),
    (
        "pysample__google-doc-document.pdf",
        1,
        (1, "Example", (72.0, 72.85, 173.13, 101.9)),
        "PDF Example Document",
        "Skia/PDF m103 Google Docs Renderer",
    ),
    (
        "tika__testPDF_childAttachments.pdf",
        67,
        (1, "Department", (94.0, 30.0, 146.04, 44.29)),
        "2013 Publication 15",
        "Antenna House PDF Output Library 6.0.284 (Linux64); modified using iText 2.1.7 by 1T3XT",
    ),
    (
        "qpdf__hybrid-xref.pdf",
        30,
        (30, "29", (148.06, 46.2, 174.74, 79.18)),
        "",
        "",
    ),
]


@pytest.mark.parametrize(("name", "pages", "found", "title", "producer"), DOCUMENTS)
def test_pages_words_and_metadata(
    name: str,
    pages: int,
    found: tuple[int, str, tuple[float, float, float, float]],
    title: str,
    producer: str,
) -> None:
    item = document(run(corpus_file(f"pdf/{name}")))
    assert len(item.pages) == pages
    page, text, box = found
    w = word(item, page, text)
    assert w[:4] == pytest.approx(box, abs=0.02)
    assert text in item.pages[page - 1].text
    assert item.meta["metadata"]["title"] == title
    assert item.meta["metadata"]["producer"] == producer


def test_page_sizes_and_rotation() -> None:
    item = document(run(corpus_file("pdf/pdfminer__zen_of_python_corrupted.pdf")))
    # Rotated 90 degrees: the size is the unrotated page's, the space its word boxes are in.
    assert item.meta["page_rotation"] == {"1": 90}
    page = item.pages[0]
    assert (page.width, page.height) == (595.0, 842.0)
    x0, y0, x1, y1, _ = word(item, 1, "Beautiful")
    assert 0 <= x0 < x1 <= page.width
    assert 0 <= y0 < y1 <= page.height
    assert page.text.startswith("Beautiful is better than ugly.\n")


def test_dates_exact_assumed_and_utc_designator() -> None:
    item = document(run(corpus_file("pdf/pdfplumber__federal-register-2020-17221.pdf")))
    created, modified = item.events[:2]
    assert (created.kind, created.original) == ("pdf_created", "D:20200806095125Z")
    assert iso_utc(created.ts_utc_us) == "2020-08-06T09:51:25Z"
    assert created.confidence is Confidence.EXACT
    assert modified.original == "D:20200806055139-04'00'"
    assert iso_utc(modified.ts_utc_us) == "2020-08-06T09:51:39Z"
    assert item.meta["xmp"] is True
    assert item.meta["xmp_dates"]["xmp_created"] == "2020-08-06T09:51:25Z"
    # XMP says the same moments: no duplicate events.
    assert len(item.events) == 2

    item = document(run(corpus_file("pdf/tika__testAnnotations.pdf")))
    assert item.events[0].original == "D:20110917125915Z00'00'"
    assert iso_utc(item.events[0].ts_utc_us) == "2011-09-17T12:59:15Z"

    # No offset: a wall-clock time, read in the case's zone (BST in April).
    item = document(run(corpus_file("pdf/pysample__imagemagick-CCITTFaxDecode.pdf")))
    event = item.events[0]
    assert event.confidence is Confidence.ASSUMED_ZONE
    assert event.zone == "Europe/London"
    assert iso_utc(event.ts_utc_us) == "2022-04-15T11:06:59Z"


def test_no_date_at_all_falls_back_to_the_file_time() -> None:
    path = corpus_file("pdf/pysample__google-doc-document.pdf")
    probe = Probe.of(path, mtime_us=1_700_000_000_000_000)
    sink = MemorySink()
    PdfImporter().parse(probe, sink, ImportContext())
    (event,) = document(sink).events
    assert event.confidence is Confidence.FILE_TIME
    assert event.ts_utc_us == 1_700_000_000_000_000


@pytest.mark.parametrize(
    ("raw", "utc", "confidence"),
    [
        ("D:20151220233142+01'00'", "2015-12-20T22:31:42Z", Confidence.EXACT),
        ("D:20111202172139-06'00'", "2011-12-02T23:21:39Z", Confidence.EXACT),
        ("D:20200806095125Z", "2020-08-06T09:51:25Z", Confidence.EXACT),
        ("D:20200806095125Z00'00'", "2020-08-06T09:51:25Z", Confidence.EXACT),
        ("D:20200806095125+0530", "2020-08-06T04:21:25Z", Confidence.EXACT),
        ("D:20200806095125+05'30", "2020-08-06T04:21:25Z", Confidence.EXACT),
        ("20200806095125+01'00'", "2020-08-06T08:51:25Z", Confidence.EXACT),
        ("D:20200106095125", "2020-01-06T09:51:25Z", Confidence.ASSUMED_ZONE),
        ("D:200805", "2008-05-01T00:00:00Z", Confidence.ASSUMED_ZONE),
        ("D:2020", "2020-01-01T00:00:00Z", Confidence.ASSUMED_ZONE),
        ("2012-08-16T10:18:34+03:00", "2012-08-16T07:18:34Z", Confidence.EXACT),
    ],
)
def test_pdf_date_strings(raw: str, utc: str, confidence: Confidence) -> None:
    event = pdf_date_event(raw, "pdf_created", "UTC")
    assert event is not None
    assert iso_utc(event.ts_utc_us) == utc
    assert event.original == raw
    assert event.confidence is confidence


@pytest.mark.parametrize(
    "raw", ["D:20201306095125Z", "yesterday", "D:20200806256000", "D:20200806+25'00'", "D:0000"]
)
def test_invalid_pdf_dates(raw: str) -> None:
    assert pdf_date_event(raw, "pdf_created", "UTC") is None


def test_invalid_date_is_a_warning(tmp_path: Path) -> None:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "dated")
    doc.set_metadata({"creationDate": "D:20231345990000", "modDate": "D:20230102030405Z"})
    doc.save(tmp_path / "d.pdf")
    sink = run(tmp_path / "d.pdf")
    item = document(sink)
    assert [e.kind for e in item.events] == ["pdf_modified"]
    assert any("'D:20231345990000' is not a valid PDF date" in w for w in sink.warnings)


def test_xmp_date_that_differs_is_an_event() -> None:
    assert iso_date_event("2013-02-05T15:47:05-05:00", "xmp_created", "UTC") is not None
    item = document(run(corpus_file("pdf/tika__testPDF_childAttachments.pdf")))
    kinds = [e.kind for e in item.events]
    assert kinds == ["pdf_created", "pdf_modified"]  # XMP agrees with the Info dictionary


# -- pages without text (OCR candidates) ----------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "tika__testOCR.pdf",
        "pysample__imagemagick-CCITTFaxDecode.pdf",
        "tika__testPopupAnnotation.pdf",
    ],
)
def test_image_only_pages_are_listed_for_ocr(name: str) -> None:
    item = document(run(corpus_file(f"pdf/{name}")))
    assert item.meta["pages_without_text"] == [1]
    assert item.pages[0].words == []
    assert item.text.strip() == ""


def test_pages_with_text_are_not_ocr_candidates() -> None:
    item = document(run(corpus_file("pdf/pdfjs__scan-bad.pdf")))
    # A scanner's invisible text layer (3 Tr) is text: no OCR needed.
    assert item.meta["pages_without_text"] == []
    assert item.pages[0].text == "pdf.js\n"


# -- annotations ------------------------------------------------------------------------------


def test_annotations_in_meta_including_inline_ones() -> None:
    item = document(run(corpus_file("pdf/pysample__annotated_pdf.pdf")))
    annots = item.meta["annotations"]
    assert [(a["page"], a["type"], a["content"]) for a in annots] == [
        (1, "Text", "This is a text annotation."),
        (1, "Highlight", "Highlight comment"),
        (1, "Ink", "Hello world!"),
    ]
    assert annots[2]["author"] == "Lucas"
    assert item.meta["annotations_text"].splitlines()[2] == "page 1, Ink, Lucas: Hello world!"
    assert "Hello world!" not in item.text  # annotations stay out of the page text

    item = document(run(corpus_file("pdf/tika__testPopupAnnotation.pdf")))
    note = item.meta["annotations"][-1]
    assert (note["type"], note["content"], note["author"]) == ("Text", "this is the note", "igalsh")
    assert note["created"] == "D:20120816102038+03'00'"
    assert note["rect"] == pytest.approx([207.52, 85.88, 225.52, 103.88], abs=0.01)


# -- encryption -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "password"), sorted(PASSWORDS.items()))
def test_encrypted_pdfs_open_with_their_password(name: str, password: str) -> None:
    path = corpus_file(f"pdf/{name}")
    sink = run(path, password)
    item = document(sink)
    assert item.meta["is_encrypted"] is True
    assert item.meta["needs_password"] is True
    assert item.text.strip()
    assert sink.decisions["password"] in ("user password given", "owner password given")
    assert password not in repr(item.meta) + repr(sink.decisions) + repr(sink.warnings)


@pytest.mark.parametrize("name", sorted(PASSWORDS))
def test_encrypted_pdfs_refused_without_their_password(name: str) -> None:
    path = corpus_file(f"pdf/{name}")
    with pytest.raises(NeedsDecision) as err:
        run(path)
    assert err.value.option == "password"
    assert err.value.choices == ()
    assert "password" in str(err.value)
    with pytest.raises(NeedsDecision, match="does not open it"):
        run(path, "wrong password")


def test_encrypted_pdf_text_and_permissions() -> None:
    sink = run(corpus_file("pdf/pysample__libreoffice-writer-password.pdf"), "openpassword")
    item = document(sink)
    assert sink.decisions == {"password": "user password given"}
    assert item.text.startswith("Lorem ipsum dolor sit amet")
    assert item.meta["permissions"]["assemble"] is False
    assert item.meta["permissions"]["print"] is True


def test_empty_user_password_opens_silently() -> None:
    sink = run(corpus_file("pdf/tika__testPDF_protected.pdf"))
    item = document(sink)
    assert sink.decisions == {"password": "empty user password"}
    assert item.meta["is_encrypted"] is True
    assert item.meta["needs_password"] is False
    assert len(item.pages) == 41
    assert "RETHINKING THE FINANCIAL NETWORK" in item.pages[0].text
    assert item.meta["metadata"]["encryption"] == "Standard V2 R3 128-bit RC4"
    assert item.meta["permissions"]["modify"] is False
    assert item.meta["permissions"]["copy"] is True
    # Linearized: two %%EOF markers but a single save.
    assert item.meta["linearized"] is True
    assert item.meta["eof_markers"] == 2
    assert item.meta["revisions"] == 1


def test_unicode_password_with_spaces_is_used_as_typed(tmp_path: Path) -> None:
    password = "  pässwörd \U0001f511 "
    path = make_pdf(
        tmp_path / "u.pdf",
        ["under lock"],
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        user_pw=password,
        owner_pw="owner",
    )
    sink = run(path, password)
    assert document(sink).text == "under lock\n"
    with pytest.raises(NeedsDecision):
        run(path, password.strip())


def test_encrypted_pipeline_reports_the_needed_password(tmp_path: Path) -> None:
    path = corpus_file("pdf/pdfplumber__password-example.pdf")
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(case, [path])
        result = report.files[0]
        assert result.status == "failed"
        assert result.importer == "pdf"
        assert "password" in result.reason
        assert result.needs == ("password", ())
        report = import_paths(case, [path], options=ImportOptions(zone=case.zone, password="test"))
        result = report.files[0]
        assert result.status == "imported"
        assert result.decisions == {"password": "user password given"}
    finally:
        case.close()


# -- revisions, layers, JavaScript ----------------------------------------------------------


def test_incremental_updates_are_counted_and_flagged(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "inc.pdf", ["first version"])
    for n in range(2):
        doc = pymupdf.open(path)
        doc[0].insert_text((72, 120 + 20 * n), f"edit {n}")
        doc.saveIncr()
        doc.close()
    sink = run(path)
    item = document(sink)
    assert item.meta["revisions"] == 3
    assert item.meta["eof_markers"] == 3
    assert (
        "the PDF was saved 3 times (incremental updates): an earlier revision can hide "
        "edited content" in sink.warnings
    )
    assert "edit 1" in item.text


def test_corpus_file_with_an_incremental_update() -> None:
    sink = run(corpus_file("pdf/pdfplumber__annotations.pdf"))
    assert document(sink).meta["revisions"] == 2
    assert any("saved 2 times" in w for w in sink.warnings)


def test_single_save_is_one_revision() -> None:
    sink = run(corpus_file("pdf/pysample__minimal-document.pdf"))
    assert document(sink).meta["revisions"] == 1
    assert sink.warnings == []


def test_hidden_layers_are_listed_and_their_text_kept_apart(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    secret = doc.add_ocg("Secret", on=False)
    doc.add_ocg("Shown", on=True)
    page.insert_text((72, 72), "visible words")
    page.insert_text((72, 120), "hidden words", oc=secret)
    doc.save(tmp_path / "layers.pdf")
    sink = run(tmp_path / "layers.pdf")
    item = document(sink)
    assert [(la["name"], la["on"]) for la in item.meta["layers"]] == [
        ("Secret", False),
        ("Shown", True),
    ]
    assert item.text == "visible words\n"
    assert item.meta["hidden_layer_text"] == {"1": "visible words\nhidden words\n"}
    assert any("hidden by default ('Secret')" in w for w in sink.warnings)


@pytest.mark.parametrize("objstms", [0, 1])
def test_javascript_is_detected_in_plain_and_compressed_objects(
    tmp_path: Path, objstms: int
) -> None:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "click me")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", "<</S/JavaScript/JS(app.alert\\(1\\))>>")
    doc.save(tmp_path / "js.pdf", use_objstms=objstms, deflate=True)
    sink = run(tmp_path / "js.pdf")
    assert document(sink).meta["javascript"] is True
    assert "the PDF contains JavaScript (not run)" in sink.warnings

    clean = make_pdf(tmp_path / "clean.pdf", ["no script"], use_objstms=objstms)
    assert document(run(clean)).meta["javascript"] is False


# -- attachments ------------------------------------------------------------------------------


def test_embedded_file_goes_to_add_child() -> None:
    sink = run(corpus_file("pdf/pysample__with-attachment.pdf"))
    item = document(sink)
    assert item.key
    ((name, data, context),) = sink.children
    assert name == "image.png"
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) == 6669
    assert context == item.key
    assert item.meta["embedded_files"][0]["name"] == "image.png"


def test_embedded_files_in_a_name_tree_with_kids() -> None:
    # PyMuPDF's embfile_names() sees only a flat /Names array; this file nests /Kids.
    sink = run(corpus_file("pdf/tika__testPDF_childAttachments.pdf"))
    names = [name for name, _data, _key in sink.children]
    assert names == ["Press Quality(1).joboptions", "Unit10.doc"]
    doc_bytes = sink.children[1][1]
    assert doc_bytes.startswith(b"\xd0\xcf\x11\xe0")
    assert len(doc_bytes) == 61440


def test_file_attachment_annotation_and_unsafe_names(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "see attached")
    page.add_file_annot((100, 200), b"note inside", "../../etc/evil.txt", desc="a note")
    doc.embfile_add("dup", b"first", filename="same.txt")
    doc.embfile_add("dup2", b"second", filename="same.txt")
    doc.save(tmp_path / "att.pdf")
    sink = run(tmp_path / "att.pdf")
    item = document(sink)
    children = {name: data for name, data, _key in sink.children}
    assert children == {"same.txt": b"first", "same (2).txt": b"second", "evil.txt": b"note inside"}
    assert {key for _n, _d, key in sink.children} == {item.key}
    annot = item.meta["annotations"][0]
    assert (annot["type"], annot["file"]) == ("FileAttachment", "evil.txt")


def test_attachment_imports_as_a_child_source(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(case, [corpus_file("pdf/pysample__with-attachment.pdf")])
        result = report.files[0]
        assert (result.status, result.importer, result.items) == ("imported", "pdf", 1)
        with case.read() as s:
            doc_item = s.execute(
                select(Item).where(Item.source_id == result.source_id)
            ).scalar_one()
            assert doc_item.kind == "document"
            child = s.execute(
                select(Source).where(Source.parent_id == result.source_id)
            ).scalar_one()
            assert child.name == "image.png"
            child_item = s.execute(select(Item).where(Item.source_id == child.id)).scalar_one()
            assert child_item.parent_id == doc_item.id
            pages = s.execute(select(Page).where(Page.item_id == doc_item.id)).scalars().all()
            assert [p.number for p in pages] == [1]
            assert pages[0].words[0] == [100.2, 86.62, 130.68, 97.53, "Lorem"]
        assert verify_case(case).ok
    finally:
        case.close()


# -- limits and cancel ------------------------------------------------------------------------


def test_page_limit_warns_and_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_pdf(tmp_path / "long.pdf", ["one", "two", "three"])
    monkeypatch.setattr(pdf_mod, "MAX_PAGES", 2)
    sink = run(path)
    item = document(sink)
    assert [p.text for p in item.pages] == ["one\n", "two\n"]
    assert item.meta["page_count"] == 3
    assert (
        "long.pdf: the PDF has 3 pages, over the limit of 2 pages: only the first 2 were read"
        in sink.warnings
    )


def test_word_and_attachment_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "one two three four five")
    doc.embfile_add("big", b"0123456789" * 500, filename="big.bin")
    doc.embfile_add("small", b"tiny", filename="small.txt")
    doc.save(tmp_path / "limits.pdf", deflate=True)
    monkeypatch.setattr(pdf_mod, "MAX_WORDS_PER_PAGE", 3)
    monkeypatch.setattr(pdf_mod, "MAX_ATTACHMENT_BYTES", 1000)
    sink = run(tmp_path / "limits.pdf")
    item = document(sink)
    assert [w[4] for w in item.pages[0].words] == ["one", "two", "three"]
    assert item.text == "one two three four five\n"  # the text is never cut
    assert "page 1: 5 words: only the first 3 keep their boxes" in sink.warnings
    assert [name for name, _d, _k in sink.children] == ["small.txt"]
    assert (
        "embedded: attached file 'big.bin' decodes to more than 1000 bytes: not extracted"
        in sink.warnings
    )


def test_cancel_stops_between_pages(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "c.pdf", ["one", "two"])
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        PdfImporter().parse(Probe.of(path), MemorySink(), ImportContext(cancel=token))


def test_mupdf_messages_become_warnings_not_stderr(
    capfd: pytest.CaptureFixture[str],
) -> None:
    sink = run(corpus_file("hostile/pdfjs__helloworld-bad.pdf"))
    assert document(sink).text == "Hello, world!\n"
    assert "the file was damaged and repaired: what was read may be incomplete" in sink.warnings
    assert "MuPDF: trying to repair broken xref" in sink.warnings
    out, err = capfd.readouterr()
    assert "MuPDF" not in out + err


# -- broken and hostile files -----------------------------------------------------------------


def test_empty_and_not_a_pdf(tmp_path: Path) -> None:
    empty = corpus_file("pdf/pdfplumber__empty.pdf")
    assert PdfImporter.score(Probe.of(empty)) == 11  # named .pdf: claimed to say what is wrong
    with pytest.raises(WrongFormat, match="empty"):
        run(empty)
    fake = tmp_path / "fake.pdf"
    fake.write_text("oops\n")
    with pytest.raises(WrongFormat, match="not a PDF"):
        run(fake)


def test_truncated_pdf_fails_or_warns(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "a.pdf", ["Hello there"]).read_bytes()
    head_only = tmp_path / "head.pdf"
    head_only.write_bytes(b"%PDF-1.7\n")
    with pytest.raises((CorruptRecord, WrongFormat)):
        run(head_only)
    no_xref = tmp_path / "no-xref.pdf"
    no_xref.write_bytes(data[: data.index(b"xref")])
    sink = run(no_xref)  # MuPDF rebuilds the cross-reference table by scanning the objects
    assert document(sink).text == "Hello there\n"
    assert "the file was damaged and repaired: what was read may be incomplete" in sink.warnings
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: data.index(b"stream") + 10])
    sink = run(cut)  # the page is there, its content stream is not
    item = document(sink)
    assert len(item.pages) == 1
    assert item.text == ""
    assert item.meta["pages_without_text"] == [1]
    assert "the file was damaged and repaired: what was read may be incomplete" in sink.warnings


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", corpus_pdfs("hostile"))
def test_hostile_pdfs_end_clearly_and_quickly(name: str, tmp_path: Path) -> None:
    path = corpus_file(f"hostile/{name}")
    case = Case.create(tmp_path / "c")
    try:
        start = time.monotonic()
        report = import_paths(case, [path])
        assert time.monotonic() - start < 20
        result = report.files[0]
        if result.status == "failed":
            assert result.reason
            assert result.importer == "pdf"
        else:
            assert result.status == "imported"
            assert result.importer == "pdf"
            assert result.items == 1
            if name == "qpdf__damaged-stream.pdf":
                # The damaged stream hangs off a key no reader follows: the page reads whole.
                with case.read() as s:
                    text = s.execute(
                        select(Item.text).where(Item.source_id == result.source_id)
                    ).scalar_one()
                assert text == "Potato\n"
            else:
                assert result.warnings, f"{name} imported without a warning"
        assert verify_case(case).ok
    finally:
        case.close()


def test_hostile_specifics() -> None:
    sink = run(corpus_file("hostile/pdfjs__bomb_giant.pdf"))
    assert "GIANT JBIG2 BOMB" in document(sink).text  # text read, the giant image never decoded
    sink = run(corpus_file("hostile/pdfminer__issue-1113-evil-xobjects.pdf"))
    assert document(sink).text == "Hello world\nHello world\n"
    sink = run(corpus_file("hostile/qpdf__fuzz-16214.pdf"))
    item = document(sink)
    assert item.pages == []
    assert "no %PDF- header: read as a damaged PDF" in sink.warnings
    assert "no page could be read from the PDF" in sink.warnings
    with pytest.raises(WrongFormat, match="not a PDF"):
        run(corpus_file("hostile/qpdf__bad1.pdf"))


# -- the pipeline -------------------------------------------------------------------------------


def test_pipeline_stores_pages_words_and_search(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(case, [corpus_file("pdf/pysample__multicolumn.pdf")])
        result = report.files[0]
        assert (result.status, result.importer, result.items) == ("imported", "pdf", 1)
        assert result.warnings == []
        assert result.first_us is not None
        with case.read() as s:
            item = s.execute(select(Item).where(Item.source_id == result.source_id)).scalar_one()
            assert item.text.count("\f") == 2
            pages = (
                s.execute(select(Page).where(Page.item_id == item.id).order_by(Page.number))
                .scalars()
                .all()
            )
            assert [p.number for p in pages] == [1, 2, 3]
            assert pages[0].words[0] == [155.82, 153.21, 246.07, 170.42, "Two-Column"]
            assert pages[0].width == pytest.approx(595.28)
            hits = s.execute(
                sql("SELECT rowid FROM items_fts WHERE items_fts MATCH 'Population'")
            ).all()
            assert [h[0] for h in hits] == [item.id]
        assert verify_case(case).ok
    finally:
        case.close()
