"""The detail viewers on a case of generated files: each kind in its viewer, the chat's
window and whole conversation, image zoom and near-duplicates, PDF pages, selection and
hits, the email's attachments, and the provenance line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest
from PIL import Image
from PySide6.QtCore import QRectF, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QImage, QTextDocument
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import import_paths
from app.ocr import OcrWord, run_ocr
from tests.evidence import (
    ATTACHMENT_NAME,
    CHAT_NAME,
    EMAIL_NAME,
    EMAIL_SUBJECT,
    JPEG_NAME,
    NOTES_NAME,
    PDF_NAME,
    PNG_NAME,
    SELECTED_TEXT,
    TURNED_NAME,
    ViewerCase,
    build_viewer_case,
)
from ui.viewers.chat import ChatThreadView
from ui.viewers.email import EmailView
from ui.viewers.image import ImageView
from ui.viewers.pdf import PdfView
from ui.viewers.stack import ViewerStack
from ui.viewers.text import TextView


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> ViewerCase:
    return build_viewer_case(tmp_path_factory.mktemp("viewers"))


@pytest.fixture
def case(built: ViewerCase) -> Iterator[Case]:
    c = Case.open(built.folder, readonly=True)
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


def _by_text(case: Case, value: str) -> int:
    return next(r.item_id for r in case.timeline_iter() if r.text == value)


def _by_source(case: Case, name: str) -> int:
    return next(r.item_id for r in case.timeline_iter() if r.source_name == name)


def test_each_kind_gets_its_viewer(stack: ViewerStack, case: Case) -> None:
    assert stack.currentWidget() is stack.placeholder
    expected = [
        (_by_text(case, SELECTED_TEXT), ChatThreadView),
        (_by_source(case, PNG_NAME), ImageView),
        (_by_source(case, PDF_NAME), PdfView),
        (_by_source(case, EMAIL_NAME), EmailView),
        (_by_source(case, NOTES_NAME), TextView),
    ]
    for item_id, viewer in expected:
        stack.show(item_id)
        assert isinstance(stack.currentWidget(), viewer), item_id
        assert stack.data is not None
        assert stack.data.detail.item_id == item_id
    stack.show(99_999)
    assert stack.currentWidget() is stack.placeholder
    assert "cannot be shown" in stack.placeholder.text()
    stack.clear()
    assert stack.data is None


def test_show_without_an_id_is_qwidget_show(qtbot: QtBot, case: Case) -> None:
    s = ViewerStack.for_case(case)
    qtbot.addWidget(s)
    s.show()
    assert s.isVisible()


def test_chat_marks_the_message_among_its_neighbours(stack: ViewerStack, case: Case) -> None:
    selected = _by_text(case, SELECTED_TEXT)
    stack.show(selected)
    chat = stack.chat
    assert chat.selected_id == selected
    ids = chat.message_ids
    assert len(ids) == 11
    assert ids[5] == selected
    text = chat.browser.toPlainText()
    assert "Chosen message" in text
    assert text.index("Are you there?") < text.index(SELECTED_TEXT) < text.index("Leave me alone")
    assert "Hi Alice" not in text  # six messages before: outside the window
    assert "Thursday 14 March 2024" in text
    assert "Friday 15 March 2024" in text
    assert "19:02 GMT" in text  # run header: time in the display zone, with its zone
    assert "≈" in text  # the export gave no zone: times are marked as assumed
    assert "deleted" in text
    assert "edited" in text
    assert "Attachment not in the case: IMG-20240314-WA0002.jpg" in text
    assert "11 of 14 messages" in chat.subtitle.text()
    assert chat.note.isVisible()
    assert "Europe/London" in chat.note.text()
    assert chat.whole.isVisible()


def test_whole_conversation_button_loads_every_message(
    qtbot: QtBot, stack: ViewerStack, case: Case
) -> None:
    selected = _by_text(case, SELECTED_TEXT)
    stack.show(selected)
    qtbot.mouseClick(stack.chat.whole, Qt.MouseButton.LeftButton)
    assert len(stack.chat.message_ids) == 14
    assert "Hi Alice" in stack.chat.browser.toPlainText()
    assert not stack.chat.whole.isVisible()
    assert "14 messages" in stack.chat.subtitle.text()


def test_chat_times_follow_the_display_zone(stack: ViewerStack, case: Case) -> None:
    stack.show(_by_text(case, SELECTED_TEXT))
    stack.set_zone("America/New_York")
    text = stack.chat.browser.toPlainText()
    assert "15:02 EDT" in text  # 19:02 GMT on 14 March 2024 is 15:02 in New York (DST)
    assert stack.zone_name == "America/New_York"


def test_chat_directions_and_attachment_thumbnails(
    qtbot: QtBot, stack: ViewerStack, case: Case
) -> None:
    stack.show(_by_text(case, "Please stop"))
    html = stack.chat.browser.toHtml()
    assert 'align="right"' in html  # Alice's own messages sit on the right
    carrier = next(
        r.item_id
        for r in case.timeline_iter()
        if r.source_name.endswith(".zip") and r.text.endswith("(file attached)")
    )
    stack.show(carrier)
    rows = stack.data.messages if stack.data else ()
    with_media = next(m for m in rows if m.attachments)
    child = with_media.attachments[0]
    with qtbot.waitSignal(stack.item_activated) as signal:
        stack.chat.browser.anchorClicked.emit(QUrl(f"item:{child.item_id}"))
    assert signal.args == [child.item_id]
    resource = stack.chat.browser.document().resource(
        QTextDocument.ResourceType.ImageResource, QUrl(f"thumb:{child.item_id}")
    )
    assert resource is not None


def test_image_fit_and_zoom_change_the_transform(
    qtbot: QtBot, stack: ViewerStack, case: Case
) -> None:
    stack.show(_by_source(case, PNG_NAME))
    view = stack.image.view
    assert view.fitting
    fitted = view.transform().m11()
    assert not stack.image.pixmap_item.pixmap().isNull()
    stack.image.in_button.click()
    assert view.transform().m11() == pytest.approx(fitted * 1.25)
    assert not view.fitting
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.transform().m11() == pytest.approx(fitted / 1.25)
    qtbot.keyClick(view, Qt.Key.Key_1)
    assert view.transform().m11() == pytest.approx(1.0)
    stack.image.fit_button.click()
    assert view.fitting
    assert view.transform().m11() == pytest.approx(fitted)
    assert stack.image.zoom_label.text() == f"{fitted * 100:.0f} %"


def test_image_strip_lists_the_recompressed_copy(
    qtbot: QtBot, stack: ViewerStack, case: Case
) -> None:
    jpeg = _by_source(case, JPEG_NAME)
    stack.show(_by_source(case, PNG_NAME))
    strip = stack.image.strip
    assert stack.image.duplicate_ids == [jpeg]
    assert strip.item(0).text() == JPEG_NAME
    assert not strip.item(0).icon().isNull()  # a thumbnail
    rect = strip.visualItemRect(strip.item(0))
    with qtbot.waitSignal(stack.item_activated) as signal:
        qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == [jpeg]


def test_image_upright_and_sensitive_gps(stack: ViewerStack, case: Case) -> None:
    stack.show(_by_source(case, TURNED_NAME))
    pixmap = stack.image.pixmap_item.pixmap()
    assert (pixmap.width(), pixmap.height()) == (100, 200)  # turned by its EXIF orientation
    meta = stack.image.meta.toPlainText()
    assert "51.510000, -0.130000" in meta
    assert "sensitive" in meta.lower()
    assert "turned 90° clockwise" in meta
    assert stack.image.strip_label.text().startswith("No other picture")
    stack.image.details_button.click()
    assert not stack.image.meta.isVisible()


def test_pdf_renders_pages_and_moves_by_page(qtbot: QtBot, stack: ViewerStack, case: Case) -> None:
    stack.show(_by_source(case, PDF_NAME))
    pdf = stack.pdf
    assert pdf.page_count == 2
    assert pdf.current_page == 1
    assert pdf.renders >= 1
    assert 1 in pdf.visible_pages()
    first = pdf._pages[0].pixmap.pixmap()
    assert not first.isNull()
    assert first.width() > 300  # at screen resolution, not a thumbnail
    assert pdf.page_total.text() == "of 2"
    assert not pdf.prev_button.isEnabled()
    pdf.canvas.setFocus()
    qtbot.keyClick(pdf.canvas, Qt.Key.Key_PageDown)
    assert pdf.current_page == 2
    assert pdf.page_box.value() == 2
    assert 2 in pdf.visible_pages()
    assert not pdf._pages[1].pixmap.pixmap().isNull()
    qtbot.keyClick(pdf.canvas, Qt.Key.Key_PageUp)
    assert pdf.current_page == 1
    pdf.page_box.setValue(2)
    assert pdf.current_page == 2
    zoom = pdf.canvas.zoom
    pdf.in_button.click()
    assert pdf.canvas.zoom == pytest.approx(zoom * 1.25)


def test_pdf_rectangle_selection_yields_the_words(
    qtbot: QtBot, stack: ViewerStack, case: Case
) -> None:
    stack.show(_by_source(case, PDF_NAME))
    pdf = stack.pdf
    words = pdf._pages[0].words
    title = [box for box, word in words if word in ("Statement", "Example")]
    band = title[0].united(title[-1]).adjusted(-4, -3, 4, 3)
    canvas = pdf.canvas
    start = canvas.mapFromScene(band.topLeft())
    end = canvas.mapFromScene(band.bottomRight())
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas.viewport(), pos=(start + end) / 2)
    qtbot.mouseMove(canvas.viewport(), pos=end)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert pdf.selected_words() == ["Statement", "of", "Alice", "Example"]
    assert pdf.selected_text() == "Statement of Alice Example"
    pdf.canvas.setFocus()
    qtbot.keyClick(pdf.canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "Statement of Alice Example"
    # A rectangle in page units, on the second page.
    assert pdf.select_page_rect(2, QRectF(60, 80, 400, 30))[:2] == ["Second", "page:"]
    pdf.clear_selection()
    assert pdf.selected_words() == []


def test_pdf_highlights_search_hits(stack: ViewerStack, case: Case) -> None:
    stack.show(_by_source(case, PDF_NAME))
    pdf = stack.pdf
    assert pdf.highlight(["reference"]) == 2  # one "Reference" per page
    assert "2 matches" in pdf.status.text()
    assert pdf.highlight("signed") == 1
    assert pdf.current_page == 2  # shows the first page with a hit
    assert pdf.highlight([]) == 0
    assert all(not p.marks for p in pdf._pages)


def test_email_headers_body_and_attachment(qtbot: QtBot, stack: ViewerStack, case: Case) -> None:
    stack.show(_by_source(case, EMAIL_NAME))
    email = stack.email
    assert email.subject.text() == EMAIL_SUBJECT
    assert email.from_.text() == "Bob Example <bob@example.com>"
    assert "alice@example.org" in email.to.text()
    assert email.cc.text() == "carol@example.org"
    assert email.date.text() == "Thursday 14 March 2024, 09:41:07 GMT"
    assert "I know where you were." in email.body.toPlainText()
    assert email.attachments.count() == 1
    assert email.attachments.item(0).text().startswith(ATTACHMENT_NAME)
    child = stack.data.detail.children[0].item_id if stack.data else 0
    assert email.attachment_ids == [child]
    with qtbot.waitSignal(stack.item_activated) as signal:
        email.attachments.itemActivated.emit(email.attachments.item(0))
    assert signal.args == [child]


def test_provenance_line_and_copy(stack: ViewerStack, case: Case) -> None:
    stack.show(_by_text(case, SELECTED_TEXT))
    bar = stack.chat.provenance
    assert bar.source.text() == f"Source: {CHAT_NAME}"
    assert bar.sha.text().startswith("SHA-256 ")
    assert bar.sha.text().endswith("…")
    assert "line 8" in bar.where.text()
    assert "WhatsApp" in bar.where.text()
    bar.copy.click()
    assert QGuiApplication.clipboard().text() == bar.sha256
    assert len(bar.sha256) == 64
    stack.show(_by_source(case, EMAIL_NAME))
    child = stack.data.detail.children[0].item_id if stack.data else 0
    stack.show(child)
    assert stack.image.provenance.source.text() == (
        f"Source: {ATTACHMENT_NAME} (inside {EMAIL_NAME})"
    )


def test_text_viewer_shows_text_and_metadata(stack: ViewerStack, case: Case) -> None:
    stack.show(_by_source(case, NOTES_NAME))
    body = stack.text.browser.toPlainText()
    assert "Bob came to the door at 9pm." in body
    assert "file_name" in body
    assert NOTES_NAME in body
    assert "File modified" in body


class _TwoWords:
    """A fake OCR engine: two words near the top left of every page it is given."""

    label = "two words"

    def read(self, image: Image.Image) -> list[OcrWord]:
        w, h = image.size
        return [
            OcrWord(w * 0.1, h * 0.1, w * 0.3, h * 0.13, "scanned"),
            OcrWord(w * 0.32, h * 0.1, w * 0.5, h * 0.13, "words"),
        ]


def test_pdf_marks_ocr_pages(qtbot: QtBot, tmp_path: Path) -> None:
    doc = pymupdf.open()
    doc.new_page(width=595, height=842).insert_text((72, 100), "Typed page", fontsize=14)
    doc.new_page(width=595, height=842).draw_rect(pymupdf.Rect(50, 50, 300, 300))  # no text
    path = tmp_path / "scan.pdf"
    doc.save(str(path))
    doc.close()
    with Case.create(tmp_path / "Scan") as case:
        assert import_paths(case, [path]).files[0].status == "imported"
        assert run_ocr(case, engine=_TwoWords()).pages == 1
        stack = ViewerStack.for_case(case)
        qtbot.addWidget(stack)
        stack.resize(700, 800)
        stack.show()
        item_id = next(r.item_id for r in case.timeline_iter())
        stack.show(item_id)
        pdf = stack.pdf
        assert [p.origin for p in pdf._pages] == ["text", "ocr"]
        assert pdf.origin_label.text() == ""
        pdf.go_to(2)
        assert "OCR" in pdf.origin_label.text()
        assert pdf.select_page_rect(2, QRectF(0, 0, 595, 200)) == ["scanned", "words"]
        assert pdf.highlight("scanned") == 1


def test_pixels_decoded_elsewhere_are_shown_as_given(stack: ViewerStack, case: Case) -> None:
    stack.show(_by_source(case, PNG_NAME))
    assert stack.data is not None
    image = QImage(64, 48, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.red)
    stack.show_data(stack.data, image)  # as the window will, after decoding on a worker
    pixmap = stack.image.pixmap_item.pixmap()
    assert (pixmap.width(), pixmap.height()) == (64, 48)
    assert stack.image.pixmap_item.scale() == pytest.approx(320 / 64)  # shown at file size
    assert stack.image.size_label.text() == "320 × 240 pixels"
