"""The detail viewers in the window's Details dock: each kind in its viewer, loaded off the
GUI thread, the pane's OCR block, thumbnail and provenance kept; Enter opens the viewer and
a look-alike clicked chooses its event in the timeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.model import TimelineRow
from tests.evidence import (
    CHAT_NAME,
    JPEG_NAME,
    NOTES_NAME,
    PDF_NAME,
    PNG_NAME,
    SELECTED_TEXT,
    ViewerCase,
    build_viewer_case,
)
from tests.ui.conftest import LOAD_TIMEOUT_MS
from ui.main_window import MainWindow
from ui.settings import SettingsStore


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> ViewerCase:
    return build_viewer_case(tmp_path_factory.mktemp("details-viewers"))


@pytest.fixture
def window(qtbot: QtBot, built: ViewerCase, tmp_path: Path) -> Iterator[MainWindow]:
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(built.folder))
    yield w
    w.close()


def _row(window: MainWindow, wanted: Callable[[TimelineRow], bool]) -> tuple[int, TimelineRow]:
    model = window.timeline_model
    for n in range(model.rowCount()):
        row = model.row_at(n)
        if row is not None and wanted(row):
            return n, row
    raise AssertionError("no such row")


def _select(window: MainWindow, n: int) -> None:
    window.focus_timeline()
    window.timeline_pane.table.selectRow(n)


def _current_item(window: MainWindow) -> int | None:
    index = window.timeline_pane.table.currentIndex()
    row = window.timeline_model.row_at(index.row()) if index.isValid() else None
    return row.item_id if row else None


def test_a_message_row_shows_the_chat_with_that_message_chosen(
    qtbot: QtBot, window: MainWindow
) -> None:
    n, row = _row(window, lambda r: r.item_kind == "message" and r.text == SELECTED_TEXT)
    _select(window, n)
    details, viewer = window.details, window.details.viewer
    assert details.viewer_item == row.item_id
    qtbot.waitUntil(lambda: viewer.currentWidget() is viewer.chat, timeout=LOAD_TIMEOUT_MS)
    assert viewer.chat.selected_id == row.item_id
    assert row.item_id in viewer.chat.message_ids
    assert SELECTED_TEXT in viewer.chat.browser.toPlainText()
    assert viewer.isVisibleTo(details)
    assert not details.text.isVisibleTo(details)  # the viewer takes the plain text's place
    # The pane's own heading and provenance are still there.
    assert details.source.text().startswith(f"{CHAT_NAME} (#")
    assert len(details.sha256) == 64
    assert details.heading.text()


def test_an_image_row_shows_the_image_viewer_and_its_thumbnail(
    qtbot: QtBot, window: MainWindow
) -> None:
    n, _ = _row(window, lambda r: r.item_kind == "image" and r.source_name == PNG_NAME)
    _select(window, n)
    details, viewer = window.details, window.details.viewer
    qtbot.waitUntil(lambda: viewer.currentWidget() is viewer.image, timeout=LOAD_TIMEOUT_MS)
    image = viewer.image
    assert image.canvas.currentWidget() is image.view  # decoded off the GUI thread and shown
    assert not image.pixmap_item.pixmap().isNull()
    assert details.thumb.isVisibleTo(details)
    qtbot.waitUntil(lambda: details.has_thumbnail, timeout=LOAD_TIMEOUT_MS)
    assert details.source.text().startswith(f"{PNG_NAME} (#")

    # Clicking the look-alike chooses its event in the timeline, and the viewer follows.
    _, copy = _row(window, lambda r: r.item_kind == "image" and r.source_name == JPEG_NAME)
    assert copy.item_id in image.duplicate_ids
    viewer.item_activated.emit(copy.item_id)
    qtbot.waitUntil(lambda: _current_item(window) == copy.item_id, timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: viewer.data is not None and viewer.data.detail.item_id == copy.item_id,
        timeout=LOAD_TIMEOUT_MS,
    )
    assert details.source.text().startswith(f"{JPEG_NAME} (#")


def test_the_pdf_row_shows_the_pdf_viewer(qtbot: QtBot, window: MainWindow) -> None:
    n, _ = _row(window, lambda r: r.item_kind == "document" and r.source_name == PDF_NAME)
    _select(window, n)
    viewer = window.details.viewer
    qtbot.waitUntil(lambda: viewer.currentWidget() is viewer.pdf, timeout=LOAD_TIMEOUT_MS)
    assert viewer.pdf.page_count == 2


def test_a_text_row_keeps_the_plain_text(qtbot: QtBot, window: MainWindow) -> None:
    n, _ = _row(window, lambda r: r.source_name == NOTES_NAME)
    _select(window, n)
    details = window.details
    assert details.viewer_item is None
    assert not details.viewer.isVisibleTo(details)
    assert details.text.isVisibleTo(details)
    assert details.text.toPlainText().startswith("Notes kept by Alice.")


def test_only_the_newest_choice_is_shown(qtbot: QtBot, window: MainWindow) -> None:
    picture, _ = _row(window, lambda r: r.item_kind == "image" and r.source_name == PNG_NAME)
    pdf, _ = _row(window, lambda r: r.item_kind == "document" and r.source_name == PDF_NAME)
    n, row = _row(window, lambda r: r.item_kind == "message" and r.text == SELECTED_TEXT)
    for chosen in (picture, pdf, n):
        _select(window, chosen)
    viewer = window.details.viewer
    qtbot.waitUntil(lambda: viewer.currentWidget() is viewer.chat, timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window._viewer_running, timeout=LOAD_TIMEOUT_MS)
    window.reader.waitForDone()
    QApplication.processEvents()
    assert viewer.currentWidget() is viewer.chat
    assert viewer.chat.selected_id == row.item_id


def test_enter_on_the_timeline_opens_the_viewer(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    n, _ = _row(window, lambda r: r.item_kind == "message" and r.text == SELECTED_TEXT)
    _select(window, n)
    viewer = window.details.viewer
    qtbot.waitUntil(lambda: viewer.currentWidget() is viewer.chat, timeout=LOAD_TIMEOUT_MS)
    window.details_dock.hide()
    qtbot.keyClick(window.timeline_pane.table, Qt.Key.Key_Return)
    assert window.details_dock.isVisible()
    focused = QApplication.focusWidget()
    assert focused is not None
    assert viewer.chat.isAncestorOf(focused)
