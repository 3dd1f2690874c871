"""Redaction in the window: boxes drawn on PDF pages and pictures, exact spans of selected
text, the reason picker, the redaction log's review (approve, reject, delete) and search and
redact, each undone and redone through the window's undo stack."""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pymupdf
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QPoint, QRectF, Qt, QTimer
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import import_paths
from app.redaction.model import RedactionKind, RedactionRow, RedactionState
from app.redaction.store import CSV_COLUMNS, DEFAULT_SET, list_redactions, list_sets, reasons
from ui.dialogs.list_picker import ListPicker
from ui.main_window import MainWindow
from ui.redaction.controller import RedactionController
from ui.redaction.find_dialog import SearchRedactDialog
from ui.redaction.reason_picker import ReasonPicker, last_reason
from ui.redaction.spans import SpanMap
from ui.settings import SettingsStore

SHOTS = (
    Path(os.environ.get("THREADLINE_SHOTS_D", "")) if os.environ.get("THREADLINE_SHOTS_D") else None
)

PHONE = "07700 900123"
CHAT = [
    "14/03/2024, 19:00 - Bob: Hi Alice",
    # A message over two lines, an emoji (two UTF-16 units) before the number.
    "14/03/2024, 19:01 - Bob: I'm outside 😀 now",
    f"Ring me on {PHONE} tonight",
    "14/03/2024, 19:02 - Alice: Please stop. My flat is not yours to visit.",
    "14/03/2024, 19:03 - Bob: Flat 4 or flat 5?",
]
PDF_LINES = ("Statement of Alice Example", "Lives at Flat 4, 12 Harbour Road", "Phone 07700 900123")
PDF_NAME = "statement.pdf"
PNG_NAME = "photo.png"
CHAT_NAME = "WhatsApp Chat with Bob.txt"


def _pdf() -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for n, line in enumerate(PDF_LINES):
        page.insert_text((72, 100 + 30 * n), line, fontsize=14)
    turned = doc.new_page(width=595, height=842)
    turned.insert_text((72, 100), "Turned page: flat 9", fontsize=14)
    turned.set_rotation(90)
    data: bytes = doc.tobytes()
    doc.close()
    return data


def _png() -> bytes:
    im = Image.new("RGB", (320, 240), (200, 220, 240))
    ImageDraw.Draw(im).rectangle((100, 80, 220, 160), fill=(40, 90, 40))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed case with a chat, a two-page PDF (the second page turned) and a picture."""
    root = tmp_path_factory.mktemp("redaction-ui")
    folder = root / "evidence"
    folder.mkdir()
    files = {
        CHAT_NAME: ("\n".join(CHAT) + "\n").encode(),
        PDF_NAME: _pdf(),
        PNG_NAME: _png(),
    }
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        os.utime(path, (1_710_400_000, 1_710_400_000))
        paths.append(path)
    with Case.create(root / "Redaction") as case:
        report = import_paths(case, paths)
        assert report.count("imported") == len(paths)
        return case.folder


@pytest.fixture
def window(qtbot: QtBot, template: Path, tmp_path: Path) -> Iterator[MainWindow]:
    """The window (reading synchronously) on a fresh copy of the case."""
    folder = tmp_path / template.name
    shutil.copytree(template, folder)
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"), sync_loads=True)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        assert w.open_case(str(folder))
    yield w
    w.close()


def _case(w: MainWindow) -> Case:
    assert w.case is not None
    return w.case


def _item(w: MainWindow, pred: Callable[[str, str, str], bool]) -> int:
    """The first item whose (kind, source name, text) satisfies `pred`."""
    for r in _case(w).timeline_iter():
        if pred(r.item_kind, r.source_name, r.text):
            return r.item_id
    raise AssertionError("no such item")


def _show(w: MainWindow, item_id: int) -> None:
    w.details_dock.show()
    w.go_to_item(item_id)
    assert w.details.viewer.data is not None
    assert w.details.viewer.data.detail.item_id == item_id


def _redactions(w: MainWindow) -> list[RedactionRow]:
    return list_redactions(_case(w), DEFAULT_SET)


def answer_picker(
    qtbot: QtBot,
    code: str,
    note: str = "",
    cancel: bool = False,
    picker: type[ListPicker] = ReasonPicker,
) -> list[str]:
    """When the reason picker (or another `picker`) opens, type `code` into its filter and
    press Enter (or Esc). Returns a list that records what the picker showed (its rows left
    by the filter) for assertions."""
    seen: list[str] = []

    def act(tries: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, picker):
            if tries < 50:
                QTimer.singleShot(20, lambda: act(tries + 1))
            return
        qtbot.keyClicks(dialog.filter, code)
        seen.extend(
            dialog.list.item(i).text()
            for i in range(dialog.list.count())
            if not dialog.list.item(i).isHidden()
        )
        dialog.note.setText(note)
        qtbot.keyClick(dialog.filter, Qt.Key.Key_Escape if cancel else Qt.Key.Key_Return)

    QTimer.singleShot(0, act)
    return seen


def _drag(qtbot: QtBot, view: QWidget, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view, pos=(start + end) / 2)
    qtbot.mouseMove(view, pos=end)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end)


def _close(box: tuple[float, ...] | None, want: tuple[float, ...], tol: float = 1.0) -> bool:
    return box is not None and all(abs(a - b) <= tol for a, b in zip(box, want, strict=True))


# -- spans --------------------------------------------------------------------------------


def test_span_map_is_exact_across_emoji_crlf_and_separators() -> None:
    text = "a😀b\r\nc d"
    # As a QTextDocument stores it: CR LF became one paragraph separator, a no-break space.
    shown = "head a😀b\u2029c\u00a0d"
    m = SpanMap.align(text, shown, 5)
    assert m is not None
    # "b" is document code point 7, UTF-16 unit 8 (the emoji takes two units).
    assert m.to_text(8, 9) == (2, 3)
    assert m.to_document(2, 3) == (8, 9)
    # Selecting the separator takes the CR and the LF; "c d" maps through the no-break space.
    assert m.to_text(9, 10) == (3, 5)
    assert m.to_text(10, 13) == (5, 8)
    # Outside the text: nothing.
    assert m.to_text(0, 4) is None
    # Text not shown verbatim is refused rather than approximated.
    assert SpanMap.align("abc", "abd") is None


# -- boxes on PDF pages -----------------------------------------------------------------


def test_drawing_a_box_on_a_pdf_page_then_undo_and_redo(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    pdf_id = _item(w, lambda kind, source, _t: kind == "document" and source == PDF_NAME)
    _show(w, pdf_id)
    pdf = w.details.viewer.pdf
    assert w.details.viewer.currentWidget() is pdf
    w.actions_by_name["redact_area"].trigger()
    assert pdf.redact_button.isChecked()
    assert pdf.area_tool.active

    pdf.canvas.set_zoom(2.0)
    want = (70.0, 112.0, 320.0, 136.0)  # around the address line, in PDF points
    scene = pdf.page_box_to_scene(1, want)
    assert scene is not None
    pdf.canvas.centerOn(scene.center())
    start = pdf.canvas.mapFromScene(scene.topLeft())
    end = pdf.canvas.mapFromScene(scene.bottomRight())
    seen = answer_picker(qtbot, "ADDR", note="victim's address")
    _drag(qtbot, pdf.canvas.viewport(), start, end)

    # The filter narrowed the list to reasons mentioning what was typed.
    assert "ADDR  —  address / location" in seen
    assert len(seen) < len(reasons())
    rows = _redactions(w)
    assert len(rows) == 1
    r = rows[0]
    assert (r.item_id, r.kind, r.page, r.reason, r.note) == (
        pdf_id,
        RedactionKind.REGION,
        1,
        "ADDR",
        "victim's address",
    )
    assert r.state == RedactionState.PROPOSED
    assert _close(r.box, want), r.box
    assert [i.row.id for i in pdf.redaction_items] == [r.id]
    assert pdf.redaction_items[0].chip.text() == "ADDR ?"
    assert last_reason() == "ADDR"

    w.undo_stack.undo()
    assert _redactions(w) == []
    assert pdf.redaction_items == []
    assert w.redaction.panel.model.rowCount() == 0
    w.undo_stack.redo()
    again = _redactions(w)
    assert [(x.id, x.box) for x in again] == [(r.id, r.box)]
    assert len(pdf.redaction_items) == 1
    assert w.redaction.panel.model.rowCount() == 1


def test_a_cancelled_reason_stores_nothing(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    pdf_id = _item(w, lambda kind, source, _t: kind == "document" and source == PDF_NAME)
    _show(w, pdf_id)
    answer_picker(qtbot, "", cancel=True)
    assert not w.redaction.redact_regions(pdf_id, [(1, (10.0, 10.0, 50.0, 50.0), "")])
    assert _redactions(w) == []
    assert w.undo_stack.count() == 0


def test_a_box_on_a_turned_page_is_stored_in_the_pages_own_points(window: MainWindow) -> None:
    w = window
    pdf_id = _item(w, lambda kind, source, _t: kind == "document" and source == PDF_NAME)
    _show(w, pdf_id)
    pdf = w.details.viewer.pdf
    case = _case(w)
    # The word "Turned" as PyMuPDF reads it on the turned page (unrotated page points)...
    from app import items

    page2 = next(p for p in items.pages(case, pdf_id) if p.number == 2)
    word = next(x for x in page2.words if x.text == "Turned")
    want = (word.x0, word.y0, word.x1, word.y1)
    # ...is drawn where the viewer shows it, and a box drawn there maps back to it.
    shown = pdf.page_box_to_scene(2, want)
    assert shown is not None
    assert shown.height() > shown.width()  # turned: the word runs down the screen
    placed = pdf.scene_to_page_box(shown)
    assert placed is not None
    assert placed[0] == 2
    assert _close(placed[1], want, 0.05), (placed, want)
    # The same box selects the word in the viewer's own word layer.
    assert pdf.select_scene_rect(shown.adjusted(1, 1, -1, -1)) == ["Turned"]


def test_selected_pdf_words_become_one_box_per_line(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    pdf_id = _item(w, lambda kind, source, _t: kind == "document" and source == PDF_NAME)
    _show(w, pdf_id)
    pdf = w.details.viewer.pdf
    # A rubber band over the second and third lines of page 1.
    words = pdf.select_page_rect(1, QRectF(60, 108, 400, 50))
    assert words[:2] == ["Lives", "at"]
    answer_picker(qtbot, "VC")
    assert w.redaction.redact_selection()
    rows = sorted(_redactions(w), key=lambda r: r.box[1] if r.box else 0)
    assert [r.quote for r in rows] == [PDF_LINES[1], PDF_LINES[2]]
    assert all(r.kind == RedactionKind.REGION and r.page == 1 for r in rows)
    # Each box is the union of its line's words (as stored at import).
    from app import items

    page1 = next(p for p in items.pages(_case(w), pdf_id) if p.number == 1)
    for r, line in zip(rows, PDF_LINES[1:], strict=True):
        mine = [x for x in page1.words if x.text in line.split() and r.box and x.y0 >= r.box[1] - 1]
        line_words = [x for x in mine if r.box and x.y1 <= r.box[3] + 1]
        assert r.box is not None
        assert _close(r.box[:2], (min(x.x0 for x in line_words), min(x.y0 for x in line_words)))
        assert _close(r.box[2:], (max(x.x1 for x in line_words), max(x.y1 for x in line_words)))
    w.undo_stack.undo()
    assert _redactions(w) == []


# -- the log: approve, reject, delete, jump ---------------------------------------------


def _two_boxes(w: MainWindow) -> tuple[int, list[RedactionRow]]:
    pdf_id = _item(w, lambda kind, source, _t: kind == "document" and source == PDF_NAME)
    _show(w, pdf_id)
    from app.redaction.model import RedactionDraft

    drafts = [
        RedactionDraft(pdf_id, RedactionKind.REGION, "ADDR", page=1, box=(70, 112, 320, 136)),
        RedactionDraft(pdf_id, RedactionKind.REGION, "VC", page=1, box=(70, 142, 230, 166)),
    ]
    assert w.redaction.add(drafts, "Two boxes")
    return pdf_id, _redactions(w)


def test_approving_in_the_log_then_undo(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    _pdf_id, _rows = _two_boxes(w)
    c: RedactionController = w.redaction
    c.show_log()
    assert c.dock.isVisible()
    panel = c.panel
    assert panel.model.rowCount() == 2
    assert "2 redactions: 2 proposed" in panel.summary.text()
    panel.table.selectRow(0)
    first = panel.selected_ids()
    assert first == [panel.model.row_at(0).id]  # type: ignore[union-attr]
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_A)
    states = {r.id: r.state for r in _redactions(w)}
    assert states[first[0]] == RedactionState.APPROVED
    assert sum(s == RedactionState.PROPOSED for s in states.values()) == 1
    approved = next(r for r in _redactions(w) if r.id == first[0])
    assert approved.reviewed_by == _case(w).user
    assert approved.reviewed_at_us
    # The approved box is drawn solid black on the page.
    pdf = w.details.viewer.pdf
    drawn = {i.row.id: i for i in pdf.redaction_items}
    assert drawn[first[0]].brush().color().name() == "#000000"
    assert "1 approved" in panel.summary.text()
    # The choice survives the refresh, so A then X works on the same row.
    assert panel.selected_ids() == first
    w.undo_stack.undo()
    assert {r.id: r.state for r in _redactions(w)}[first[0]] == RedactionState.PROPOSED
    w.undo_stack.redo()
    assert {r.id: r.state for r in _redactions(w)}[first[0]] == RedactionState.APPROVED
    # Reject with X, filtered views follow the state.
    qtbot.keyClick(panel.table, Qt.Key.Key_X)
    assert {r.id: r.state for r in _redactions(w)}[first[0]] == RedactionState.REJECTED
    assert first[0] not in {i.row.id for i in pdf.redaction_items}  # rejected: hidden
    w.redaction.actions["show_rejected"].trigger()
    assert first[0] in {i.row.id for i in pdf.redaction_items}
    panel.state_box.setCurrentIndex(panel.state_box.findData("rejected"))
    assert panel.model.rowCount() == 1
    panel.state_box.setCurrentIndex(0)
    panel.text_box.setText("nothing like this")
    assert panel.model.rowCount() == 0


def test_deleting_in_the_log_then_undo(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    _pdf_id, rows = _two_boxes(w)
    panel = w.redaction.panel
    w.redaction.show_log()
    panel.table.selectAll()
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert _redactions(w) == []
    assert panel.model.rowCount() == 0
    assert w.details.viewer.pdf.redaction_items == []
    w.undo_stack.undo()
    assert sorted((r.id, r.box) for r in _redactions(w)) == sorted((r.id, r.box) for r in rows)
    assert panel.model.rowCount() == 2
    assert len(w.details.viewer.pdf.redaction_items) == 2


def test_log_jumps_to_the_item_and_exports_csv(window: MainWindow, tmp_path: Path) -> None:
    w = window
    pdf_id, rows = _two_boxes(w)
    chat_id = _item(w, lambda kind, _s, text: kind == "message" and text == "Hi Alice")
    _show(w, chat_id)
    panel = w.redaction.panel
    w.redaction.show_log()
    panel.table.selectRow(0)
    panel.jump()
    assert w.details.viewer.data is not None
    assert w.details.viewer.data.detail.item_id == pdf_id
    item_cell = panel.model.data(panel.model.index(0, panel.model.ITEM))
    assert PDF_NAME in item_cell  # time and a short description of the item
    out = tmp_path / "log.csv"
    assert w.redaction.export_csv(out) == 2
    with out.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        table = list(reader)
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS  # the columns of `redactions --csv`
    assert [(int(r["id"]), r["reason"], r["state"]) for r in table] == [
        (r.id, r.reason, "proposed") for r in rows
    ]


def test_a_new_set_is_chosen_and_drawn_on_its_own(window: MainWindow) -> None:
    w = window
    _two_boxes(w)
    c = w.redaction
    assert c.new_set("court")
    assert c.set_name == "court"
    assert c.panel.set_box.currentData() == "court"
    assert c.panel.model.rowCount() == 0
    assert w.details.viewer.pdf.redaction_items == []  # the other set's boxes are not drawn
    assert {s.name for s in list_sets(_case(w))} == {DEFAULT_SET, "court"}
    c.choose_set(DEFAULT_SET)
    assert len(w.details.viewer.pdf.redaction_items) == 2


# -- text spans ---------------------------------------------------------------------------


def test_a_selected_span_in_a_chat_message_is_exact(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    chat_id = _item(w, lambda kind, _s, text: kind == "message" and PHONE in text)
    _show(w, chat_id)
    chat = w.details.viewer.chat
    assert w.details.viewer.currentWidget() is chat
    text = next(m.text for m in chat._messages if m.item_id == chat_id)
    assert "\n" in text
    assert "😀" in text
    # Select the number the way a user does: Qt's own find in the shown document.
    cursor = chat.browser.document().find(PHONE)
    assert not cursor.isNull()
    chat.browser.setTextCursor(cursor)
    answer_picker(qtbot, "VC")
    w.actions_by_name["redact_selection"].trigger()
    rows = _redactions(w)
    assert len(rows) == 1
    r = rows[0]
    start = text.index(PHONE)
    assert (r.item_id, r.kind, r.target, r.start, r.end) == (
        chat_id,
        RedactionKind.SPAN,
        "text",
        start,
        start + len(PHONE),
    )
    assert r.quote == PHONE
    # The span is marked in the chat over exactly the number.
    marks = chat.browser.extraSelections()
    assert [m.cursor.selectedText() for m in marks] == [PHONE]
    w.undo_stack.undo()
    assert _redactions(w) == []
    assert chat.browser.extraSelections() == []


def test_a_selection_over_two_messages_is_two_spans(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    chat_id = _item(w, lambda kind, _s, text: kind == "message" and PHONE in text)
    _show(w, chat_id)
    chat = w.details.viewer.chat
    doc = chat.browser.document()
    a = doc.find("tonight")
    b = doc.find("Please stop", a.position())
    cursor = QTextCursor(doc)
    cursor.setPosition(a.selectionStart())
    cursor.setPosition(b.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
    chat.browser.setTextCursor(cursor)
    drafts = w.redaction.selection_drafts("TP")
    texts = {m.item_id: m.text for m in chat._messages}
    # Across two bubbles Qt selects both cells whole (as it shows them): two whole spans.
    assert [d.item_id for d in drafts] == [chat_id, chat_id + 1]
    assert [(d.start, d.end, d.quote) for d in drafts] == [
        (0, len(texts[d.item_id]), texts[d.item_id]) for d in drafts
    ]


def test_redacting_the_whole_item_chosen_in_the_timeline(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    png_id = _item(w, lambda kind, source, _t: kind == "image" and source == PNG_NAME)
    _show(w, png_id)
    answer_picker(qtbot, "INTIMATE")
    w.actions_by_name["redact_item"].trigger()
    rows = _redactions(w)
    assert [(r.item_id, r.kind, r.reason) for r in rows] == [
        (png_id, RedactionKind.ITEM, "INTIMATE")
    ]
    assert w.redaction.panel.model.data(w.redaction.panel.model.index(0, 1)) == "whole item"
    w.undo_stack.undo()
    assert _redactions(w) == []


def test_a_box_on_a_picture_is_in_its_pixels(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    png_id = _item(w, lambda kind, source, _t: kind == "image" and source == PNG_NAME)
    _show(w, png_id)
    image = w.details.viewer.image
    image.view.set_zoom(2.0)
    image.view.centerOn(160, 120)
    w.actions_by_name["redact_area"].trigger()
    assert image.area_tool.active
    start = image.view.mapFromScene(100, 80)
    end = image.view.mapFromScene(220, 160)
    answer_picker(qtbot, "TP")
    _drag(qtbot, image.view.viewport(), start, end)
    rows = _redactions(w)
    assert len(rows) == 1
    assert rows[0].page == 1
    assert _close(rows[0].box, (100, 80, 220, 160)), rows[0].box
    assert len(image.redaction_items) == 1
    w.undo_stack.undo()
    assert image.redaction_items == []
    # R again turns the tool off: the picture pans by dragging again.
    w.actions_by_name["redact_area"].trigger()
    assert not image.area_tool.active


# -- search and redact ------------------------------------------------------------------


def test_search_dialog_accept_all_proposes_every_hit(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    dialog = w.redaction.open_search()
    assert isinstance(dialog, SearchRedactDialog)
    dialog.term.setText("flat")
    qtbot.mouseClick(dialog.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.hit_list.count() > 0, timeout=10_000)
    hits = dialog.hits
    # Two messages ("My flat", "Flat 4 or flat 5"), the PDF's address line and turned page.
    assert len(hits) >= 4
    kinds = {d.kind for d in hits}
    assert kinds == {RedactionKind.SPAN, RedactionKind.REGION}
    entries = [dialog.hit_list.item(i) for i in range(dialog.hit_list.count())]
    contexts = [e.text(0) for e in entries if e is not None]
    assert "Please stop. My [flat] is not yours to visit." in contexts
    qtbot.mouseClick(dialog.accept_all, Qt.MouseButton.LeftButton)
    rows = _redactions(w)
    assert len(rows) == len(hits)
    assert all(r.state == RedactionState.PROPOSED for r in rows)
    assert {r.quote.casefold() for r in rows} == {"flat"}
    assert dialog.hit_list.count() == 0
    w.undo_stack.undo()  # one step for them all
    assert _redactions(w) == []
    # Searching again after the undo finds them all again; choose one to propose.
    qtbot.mouseClick(dialog.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.hit_list.count() == len(hits), timeout=10_000)
    dialog.hit_list.setCurrentRow(0)
    first = dialog.hit_list.item(0)
    assert first is not None
    first.setSelected(True)
    qtbot.mouseClick(dialog.accept_selected, Qt.MouseButton.LeftButton)
    assert len(_redactions(w)) == 1
    assert dialog.hit_list.count() == len(hits) - 1
    dialog.close()


def test_search_for_pii_finds_the_phone_number(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    dialog = w.redaction.open_search()
    assert dialog is not None
    dialog.pii_boxes["phone"].setChecked(True)
    dialog.reason.setCurrentIndex(dialog.reason.findData("VC"))
    qtbot.mouseClick(dialog.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.hit_list.count() > 0, timeout=10_000)
    quotes = {d.quote.replace(" ", "") for d in dialog.hits}
    assert PHONE.replace(" ", "") in quotes
    assert {d.reason for d in dialog.hits} == {"VC"}
    dialog.close()


def test_protected_names_are_added_and_removed_with_undo(window: MainWindow) -> None:
    w = window
    dialog = w.redaction.open_protected()
    assert dialog is not None
    dialog.label.setText("Child's name")
    dialog.spellings.setPlainText("Lily Hart\nLil\n")
    dialog.reason.setCurrentIndex(dialog.reason.findData("CHILD"))
    dialog.add_button.click()
    from app.redaction.store import protected_terms

    terms = protected_terms(_case(w))
    assert [(t.label, t.spellings, t.reason) for t in terms] == [
        ("Child's name", ("Lily Hart", "Lil"), "CHILD")
    ]
    assert "Lily Hart" in dialog.terms.item(0).text()
    assert w.undo_stack.undoText() == "Add protected name"  # the term's label is data
    w.undo_stack.undo()
    assert protected_terms(_case(w)) == []
    assert dialog.terms.item(0).text() == "No protected names yet."


def test_reason_picker_filters_by_words_and_keys(qtbot: QtBot) -> None:
    picker = ReasonPicker("Redact 1 box")
    qtbot.addWidget(picker)
    everything = picker.list.count()
    assert everything >= 6
    qtbot.keyClicks(picker.filter, "child")
    visible = [i for i in range(everything) if not picker.list.item(i).isHidden()]
    assert [picker.list.item(i).data(Qt.ItemDataRole.UserRole) for i in visible] == ["CHILD"]
    assert picker.code == "CHILD"
    picker.filter.clear()
    qtbot.keyClicks(picker.filter, "zzzz")
    assert picker.code is None
    assert not picker.ok_button.isEnabled()
    picker.filter.clear()
    first = picker.code
    qtbot.keyClick(picker.filter, Qt.Key.Key_Down)
    assert picker.code != first


# -- screenshots --------------------------------------------------------------------------


def test_screenshots_of_redactions(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    """A PDF page with a proposed and an approved box, a picture with a box, the log and the
    search dialog; saved where THREADLINE_SHOTS_D says (else a temporary folder)."""
    from ui.redaction import shots

    out = SHOTS or tmp_path
    w = window
    _pdf_id, rows = _two_boxes(w)
    assert w.redaction.review((rows[1].id,), RedactionState.APPROVED)
    png_id = _item(w, lambda kind, source, _t: kind == "image" and source == PNG_NAME)
    from app.redaction.model import RedactionDraft

    assert w.redaction.add(
        [RedactionDraft(png_id, RedactionKind.REGION, "TP", page=1, box=(100, 80, 220, 160))],
        "Box",
    )
    for name, prepare in shots.REDACTION_SHOTS:
        widget = prepare(w)
        assert widget is not None, name
        from ui.screenshots import settle

        settle()
        assert widget.grab().save(str(out / name), "PNG"), name
        widget.close() if name != "redaction-log.png" else None
    assert (out / "redaction-pdf.png").stat().st_size > 5_000
