"""Every reader of originals and derived files works with no plaintext file to open.

Each test runs twice (tests/pathfree.py): on a test double whose stores keep their files
scrambled and answer None to `local_path`, and on a real encrypted case. Thumbnails, the
image and PDF readers, OCR, the present renderer, the export pack and the timeline's key
cache all read through `blobs.open/read` and `derived.read/write`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest
from PIL import Image
from sqlalchemy import select

from app import images, items
from app.case import Case
from app.export.pack import build_pack
from app.export.plan import PackOptions
from app.ocr import OcrWord, run_ocr
from app.originals import open_pdf
from app.present.ops import CreatePresentation
from app.present.render import clear_cache, render_step
from app.present.store import presentation
from app.redaction.model import RedactionDraft, RedactionKind
from app.redaction.ops import AddRedactions, CreateSet
from app.store import crypto
from app.store.schema import Item, Page, Source
from app.timeline.cache import FILE_NAME, KeysCache
from app.timeline.query import EVERYTHING, data_version
from tests.evidence import JPEG_NAME, PDF_NAME, PDF_PAGE_TEXT, TURNED_NAME, ZIP_PHOTO
from tests.pathfree import KINDS, SCAN_NAME, path_free_case


@pytest.fixture(scope="module", params=KINDS)
def case(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Case]:
    """One case of each kind for the module: the tests only add to it (OCR pages, a set,
    a presentation, a pack), never change what another test reads."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(crypto, "SCRYPT_N", 1 << 12)  # a cheap key derivation for tests
        c = path_free_case(str(request.param), tmp_path_factory.mktemp(str(request.param)))
    yield c
    c.close()
    clear_cache()


def _by_source(case: Case, name: str) -> int:
    with case.read() as s:
        return int(
            s.scalars(
                select(Item.id).join(Source, Source.id == Item.source_id).where(Source.name == name)
            ).first()
            or 0
        )


def _raw_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_no_original_has_a_plaintext_file(case: Case) -> None:
    assert case.blobs.encrypted
    with case.read() as s:
        shas = list(s.scalars(select(Source.sha256)))
    assert shas
    for sha in shas:
        assert case.blobs.local_path(sha) is None
        data = case.blobs.read(sha)
        # On disk the store keeps something else than the plaintext.
        assert case.blobs.path(sha).read_bytes() != data
        assert case.blobs.rehash(sha) == sha
    detail = items.item_detail(case, _by_source(case, PDF_NAME))
    assert detail.original is not None
    assert detail.original.present
    assert detail.original.path is None


def test_thumbnails_are_made_from_the_stream_and_kept_sealed(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id = _by_source(case, JPEG_NAME)
    sha = case.item_blob_sha(item_id)
    assert sha is not None
    thumb = items.make_thumbnail(case, sha, 128)
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.format == "JPEG"
        assert max(im.size) == 128
    name = f"thumbnails/{sha}_128.jpg"
    assert case.derived.read(name) == thumb
    assert case.derived.local_path(name) is None
    (kept,) = [p for p in _raw_files(case.derived.root) if p.name == f"{sha}_128.jpg"]
    assert kept.read_bytes() != thumb  # sealed on disk

    def never(*_: object, **__: object) -> tuple[bytes, str]:
        raise AssertionError("the thumbnail should come from the derived files")

    monkeypatch.setattr(images, "thumbnail", never)
    assert items.make_thumbnail(case, sha, 128) == thumb
    # A chat attachment's thumbnail (an image inside a WhatsApp zip) too.
    carrier = next(
        r.item_id for r in case.timeline_iter() if r.text == f"{ZIP_PHOTO} (file attached)"
    )
    monkeypatch.undo()
    message = items.conversation_context(case, carrier)[1]
    (attachment,) = message.attachments
    assert attachment.thumbnail is not None
    assert attachment.thumbnail[:2] == b"\xff\xd8"


def test_pixels_and_pdf_pages_are_read_from_memory(case: Case) -> None:
    turned = items.item_detail(case, _by_source(case, TURNED_NAME))
    assert turned.original is not None
    px = items.original_pixels(turned.original)
    assert (px.width, px.height) == (100, 200)  # upright from its EXIF orientation
    statement = items.item_detail(case, _by_source(case, PDF_NAME))
    assert statement.original is not None
    doc = open_pdf(statement.original)
    try:
        assert doc.page_count == 2
        assert PDF_PAGE_TEXT[1] in doc[1].get_text()
    finally:
        doc.close()


class TwoWords:
    label = "two words"

    def read(self, image: Image.Image) -> list[OcrWord]:
        return [OcrWord(10, 20, 60, 40, "hello", 0), OcrWord(70, 20, 130, 40, "there", 0)]


def test_ocr_reads_pictures_and_scanned_pages(case: Case) -> None:
    report = run_ocr(case, engine=TwoWords())
    assert report.failures == ()
    assert report.items >= 5  # the pictures, the email's and the chat's, the scan
    scan = _by_source(case, SCAN_NAME)
    with case.read() as s:
        numbers = list(
            s.scalars(select(Page.number).where(Page.item_id == scan, Page.origin == "ocr"))
        )
    assert numbers == [2]
    assert "hello there" in case.item_ocr_text(_by_source(case, JPEG_NAME))


def test_present_renders_a_picture_and_a_pdf_page_from_memory(case: Case) -> None:
    picture = _by_source(case, JPEG_NAME)
    statement = _by_source(case, PDF_NAME)
    CreateSet("court").apply(case)
    box = RedactionDraft(picture, RedactionKind.REGION, "PII", page=1, box=(10, 10, 60, 40))
    AddRedactions("court", (box,), approve=True).apply(case)
    op = CreatePresentation("Hearing", "court", (picture, statement))
    op.apply(case)
    assert op.id is not None
    shown = presentation(case, op.id)
    image = render_step(case, shown, shown.steps[0])
    assert image.kind == "image"
    assert image.png is not None
    with Image.open(io.BytesIO(image.png)) as im:
        assert im.convert("RGB").getpixel((12, 12)) == (0, 0, 0)  # the box is burnt in
    page = render_step(case, shown, shown.steps[1])
    assert page.png is not None
    assert page.sha256 == case.item_blob_sha(statement)


def test_export_pack_reads_originals_from_memory(case: Case, tmp_path: Path) -> None:
    picture = _by_source(case, JPEG_NAME)
    statement = _by_source(case, PDF_NAME)
    result = build_pack(
        case,
        PackOptions(item_ids=(picture, statement), initials="AB", name="pack"),
        out_dir=tmp_path / "out",
    )
    assert result.status == "complete", result.findings
    natives = sorted(f for f in result.files if f.startswith("natives/"))
    assert [Path(f).suffix for f in natives] == [".png", ".pdf"]
    with pymupdf.open(result.folder / natives[1]) as doc:
        assert PDF_PAGE_TEXT[0] in doc[0].get_text()
    with pymupdf.open(result.folder / "bundle.pdf") as doc:
        assert any(page.get_images() for page in doc)  # the picture drawn from its original


def test_timeline_keys_persist_through_the_derived_files(case: Case) -> None:
    ids = case.timeline_ids()
    assert len(ids) > 10
    assert case.derived.exists(FILE_NAME)
    assert case.derived.local_path(FILE_NAME) is None
    with case.read() as s:
        version = data_version(s)
    again = KeysCache(case.derived).get(EVERYTHING, version)  # read back from the file
    assert again is not None
    assert list(again.ids) == list(ids)
