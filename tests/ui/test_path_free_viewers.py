"""The viewers, the window's loaders and thumbnails read originals with no plaintext file.

Each test runs on the test double that keeps originals scrambled on disk and on a real
encrypted case (tests/pathfree.py): the picture shows upright, the PDF renders its pages,
a chat shows its attachment's thumbnail, the details pane's thumbnail and the window's
background loader decode from memory, and the present view gets the original's hash.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from app.case import Case
from app.store import crypto
from tests.evidence import JPEG_NAME, PDF_NAME, PNG_NAME, TURNED_NAME
from tests.pathfree import KINDS, path_free_case
from ui.main_window import load_viewer
from ui.ocr import make_thumb
from ui.present.presenter import exhibit_hash
from ui.viewers.stack import ViewerStack


@pytest.fixture(scope="module", params=KINDS)
def case(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Case]:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(crypto, "SCRYPT_N", 1 << 12)  # a cheap key derivation for tests
        c = path_free_case(str(request.param), tmp_path_factory.mktemp(str(request.param)))
    yield c
    c.close()


@pytest.fixture
def stack(qtbot: QtBot, case: Case) -> ViewerStack:
    s = ViewerStack.for_case(case)
    qtbot.addWidget(s)
    s.resize(700, 800)
    s.show()
    qtbot.waitExposed(s)
    return s


def _by_source(case: Case, name: str) -> int:
    return next(r.item_id for r in case.timeline_iter() if r.source_name == name)


def test_the_picture_shows_upright_from_memory(stack: ViewerStack, case: Case) -> None:
    assert case.blobs.local_path(case.item_blob_sha(_by_source(case, TURNED_NAME)) or "") is None
    stack.show(_by_source(case, TURNED_NAME))
    assert stack.currentWidget() is stack.image
    pixmap = stack.image.pixmap_item.pixmap()
    assert (pixmap.width(), pixmap.height()) == (100, 200)  # turned by its EXIF orientation
    stack.show(_by_source(case, PNG_NAME))
    strip = stack.image.strip
    assert stack.image.duplicate_ids == [_by_source(case, JPEG_NAME)]
    assert not strip.item(0).icon().isNull()  # the look-alike's thumbnail, from bytes


def test_the_pdf_renders_its_pages_from_memory(stack: ViewerStack, case: Case) -> None:
    stack.show(_by_source(case, PDF_NAME))
    pdf = stack.pdf
    assert stack.currentWidget() is pdf
    assert pdf.page_count == 2
    assert pdf.renders >= 1
    assert not pdf._pages[0].pixmap.pixmap().isNull()


def test_a_chat_shows_its_attachments_thumbnail(stack: ViewerStack, case: Case) -> None:
    carrier = next(
        r.item_id
        for r in case.timeline_iter()
        if r.source_name.endswith(".zip") and r.text.endswith("(file attached)")
    )
    stack.show(carrier)
    rows = stack.data.messages if stack.data else ()
    child = next(m for m in rows if m.attachments).attachments[0]
    assert child.thumbnail is not None
    resource = stack.chat.browser.document().resource(
        QTextDocument.ResourceType.ImageResource, QUrl(f"thumb:{child.item_id}")
    )
    assert resource is not None


def test_the_windows_loader_thumbnail_and_present_hash(case: Case, tmp_path: Path) -> None:
    picture = _by_source(case, JPEG_NAME)
    loaded = load_viewer(case, picture)
    assert loaded.pixels is not None
    assert not loaded.pixels_failed
    assert (loaded.pixels.full_width, loaded.pixels.full_height) == (320, 240)
    thumb = make_thumb(case, picture, 128)
    assert thumb.image is not None, thumb.problem
    assert max(thumb.image.width(), thumb.image.height()) == 128
    assert exhibit_hash(case, picture) == case.item_blob_sha(picture)
