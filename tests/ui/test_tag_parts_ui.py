"""Tagging part of an item from the viewers: an exact span of a message chosen by selecting
text ("Tag selection…", Shift+T), a region of a PDF page or a picture drawn with the area
tool ("Tag area", T), the element chosen in the element picker; undo and redo."""

from __future__ import annotations

from datetime import date

import pytest
from pytestqt.qtbot import QtBot

from app.tagging import store
from app.tagging.model import TagRow, element_key
from app.tagging.ops import AddCharge
from tests.ui import test_redaction_ui as base
from tests.ui.test_redaction_ui import PDF_NAME, PHONE, PNG_NAME, _case, _close, _drag, _item, _show
from ui.main_window import MainWindow
from ui.tagging.element_picker import ElementPicker
from ui.tagging.panel import tag_where

HARASSMENT = "PHA1997-s2"

template = base.template  # the fixtures of the redaction tests: a chat, a PDF, a picture
window = base.window


@pytest.fixture
def charged(window: MainWindow) -> MainWindow:
    """The window on the redaction test case, with a harassment charge."""
    AddCharge(HARASSMENT, date(2024, 3, 1), date(2024, 3, 31)).apply(_case(window))
    window.tagger.reload()
    return window


def _tags(w: MainWindow) -> list[TagRow]:
    return store.tags(_case(w))


def test_a_selected_span_of_a_message_is_tagged_exactly(qtbot: QtBot, charged: MainWindow) -> None:
    w = charged
    chat_id = _item(w, lambda kind, _s, text: kind == "message" and PHONE in text)
    _show(w, chat_id)
    chat = w.details.viewer.chat
    text = next(m.text for m in chat._messages if m.item_id == chat_id)
    assert "😀" in text  # two UTF-16 units before the number
    assert "\n" in text
    cursor = chat.browser.document().find(f"{PHONE} tonight")
    chat.browser.setTextCursor(cursor)
    seen = base.answer_picker(qtbot, "2", note="the number he gave", picker=ElementPicker)
    w.actions_by_name["tag_selection"].trigger()
    assert any(row.startswith("2 · Harassment s.2 · ") for row in seen)
    (tag,) = _tags(w)
    start = text.index(PHONE)
    assert (tag.item_id, tag.key, tag.start, tag.end, tag.page, tag.box, tag.note) == (
        chat_id,
        element_key(1, f"{HARASSMENT}-E2"),
        start,
        start + len(f"{PHONE} tonight"),
        None,
        None,
        "the number he gave",
    )
    assert w.undo_stack.undoText() == "Tag 1 span with 2"
    # The tagger lists the item's tag with the words it covers.
    w.go_to_item(chat_id)
    rows = [
        w.tagger.panel.item_tags.item(i).text() for i in range(w.tagger.panel.item_tags.count())
    ]
    assert len(rows) == 1
    assert rows[0].startswith(f"2 · “{PHONE} tonight” — Harassment s.2 · ")
    w.undo_stack.undo()
    assert _tags(w) == []
    w.undo_stack.redo()
    assert [(t.id, t.start, t.end) for t in _tags(w)] == [(tag.id, tag.start, tag.end)]


def test_a_region_drawn_on_a_pdf_page_is_stored_in_page_points(
    qtbot: QtBot, charged: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = charged
    pdf_id = _item(w, lambda kind, source, _t: kind == "document" and source == PDF_NAME)
    _show(w, pdf_id)
    pdf = w.details.viewer.pdf
    key = element_key(1, f"{HARASSMENT}-E1")
    monkeypatch.setattr(w.tagger, "ask_element", lambda what: (key, ""))
    w.actions_by_name["tag_area"].trigger()
    tool = w.tagger.area_tools["pdf"]
    assert tool.active
    assert not pdf.area_tool.active  # the redaction tool of the same view is off
    pdf.canvas.set_zoom(2.0)
    want = (70.0, 112.0, 320.0, 136.0)  # around the address line, in PDF points
    scene = pdf.page_box_to_scene(1, want)
    assert scene is not None
    pdf.canvas.centerOn(scene.center())
    start, end = (
        pdf.canvas.mapFromScene(scene.topLeft()),
        pdf.canvas.mapFromScene(scene.bottomRight()),
    )
    _drag(qtbot, pdf.canvas.viewport(), start, end)
    (tag,) = _tags(w)
    assert (tag.item_id, tag.key, tag.page, tag.start) == (pdf_id, key, 1, None)
    assert _close(tag.box, want), tag.box
    assert tag_where(tag).startswith("page 1, box 250×24 at 70, 112")
    # Turning the redaction tool on turns the tag tool off (one tool draws at a time).
    w.actions_by_name["redact_area"].trigger()
    assert pdf.area_tool.active
    assert not tool.active
    w.undo_stack.undo()
    assert _tags(w) == []
    w.undo_stack.redo()
    assert [t.box for t in _tags(w)] == [tag.box]


def test_a_region_of_a_picture_is_in_its_pixels_and_selected_pdf_words_one_region(
    qtbot: QtBot, charged: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = charged
    key = element_key(1, f"{HARASSMENT}-ID")
    monkeypatch.setattr(w.tagger, "ask_element", lambda what: (key, ""))
    png_id = _item(w, lambda kind, source, _t: kind == "image" and source == PNG_NAME)
    _show(w, png_id)
    image = w.details.viewer.image
    image.view.set_zoom(2.0)
    image.view.centerOn(160, 120)
    w.actions_by_name["tag_area"].trigger()
    start, end = image.view.mapFromScene(100, 80), image.view.mapFromScene(220, 160)
    _drag(qtbot, image.view.viewport(), start, end)
    (tag,) = _tags(w)
    assert (tag.item_id, tag.page) == (png_id, 1)
    assert _close(tag.box, (100, 80, 220, 160)), tag.box
    w.actions_by_name["tag_area"].trigger()
    assert not w.tagger.area_tools["image"].active

    # Words selected over two lines of a page: one region of that page, one undo step.
    pdf_id = _item(w, lambda kind, source, _t: kind == "document" and source == PDF_NAME)
    _show(w, pdf_id)
    pdf = w.details.viewer.pdf
    lines = (
        pdf.page_box_to_scene(1, (60, 85, 400, 106)),
        pdf.page_box_to_scene(1, (60, 115, 400, 136)),
    )
    assert lines[0] is not None
    assert lines[1] is not None
    pdf.select_scene_rect(lines[0].united(lines[1]))
    assert len(pdf.selected_regions()) == 2
    before = w.undo_stack.count()
    assert w.tagger.tag_selection()
    assert w.undo_stack.count() == before + 1
    region = next(t for t in _tags(w) if t.item_id == pdf_id)
    assert region.page == 1
    assert region.box is not None
    assert region.box[1] < 100 < 120 < region.box[3]  # both lines inside the one box


def test_nothing_selected_or_no_charge_tags_nothing(charged: MainWindow) -> None:
    w = charged
    png_id = _item(w, lambda kind, source, _t: kind == "image" and source == PNG_NAME)
    _show(w, png_id)
    assert not w.tagger.tag_selection()  # a picture has no text selection
    assert "Tag area" in w.statusBar().currentMessage()
    assert w.undo_stack.count() == 0
