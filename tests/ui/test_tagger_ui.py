"""The tagger in the window: number keys and the type-ahead tag the chosen timeline rows,
undo and redo, the coverage matrix filtering the timeline, and the Add charge dialog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import import_paths
from app.tagging import store
from app.tagging.coverage import coverage
from app.tagging.library import load_library
from app.tagging.ops import AddCharge
from tests.ui.conftest import LOAD_TIMEOUT_MS
from ui.main_window import MainWindow
from ui.models.timeline import TimelineModel
from ui.settings import SettingsStore
from ui.tagging.charge_dialog import ChargeDialog
from ui.tagging.coverage_view import KEY_ROLE

ZONE = "Europe/London"
PHONE = "+44 7700 900456"
CHAT = [
    f"14/03/2024, 23:15 - {PHONE}: I know where you are tonight",
    "15/03/2024, 08:02 - Sarah: Please stop messaging me",
    f"16/03/2024, 01:20 - {PHONE}: you can't ignore me",
    f"19/03/2024, 02:05 - {PHONE}: I'll send those pictures to everyone",
    f"22/03/2024, 00:40 - {PHONE}: answer me",
]
HARASSMENT = "PHA1997-s2"


@pytest.fixture
def tag_case(tmp_path: Path) -> Path:
    """A closed case: one WhatsApp chat of five messages and a harassment charge."""
    chat = tmp_path / "WhatsApp Chat with Sarah.txt"
    chat.write_text("\n".join(CHAT) + "\n", encoding="utf-8")
    with Case.create(tmp_path / "Tagging", zone_name=ZONE) as case:
        report = import_paths(case, [chat])
        assert [f.status for f in report.files] == ["imported"]
        AddCharge(HARASSMENT, date(2024, 3, 1), date(2024, 3, 31)).apply(case)
        return case.folder


@pytest.fixture
def win(qtbot: QtBot, tag_case: Path, tmp_path: Path) -> Iterator[MainWindow]:
    """The window on the tagging case, read in step (no background loads)."""
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"), sync_loads=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(tag_case))
    yield w
    w.close()


def _select(w: MainWindow, rows: list[int]) -> list[int]:
    """Choose these timeline rows (as Ctrl+click would); their item ids."""
    table = w.timeline_pane.table
    w.focus_timeline()
    table.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        table.selectionModel().select(w.timeline_model.index(row, 0), flags)
    table.selectionModel().setCurrentIndex(
        w.timeline_model.index(rows[-1], 0), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    items = []
    for row in rows:
        r = w.timeline_model.row_at(row)
        assert r is not None
        items.append(r.item_id)
    return items


def _keys(case: Case, items: list[int]) -> dict[int, set[str]]:
    tags = store.tags_for_items(case, items)
    return {i: {t.key for t in tags.get(i, [])} for i in items}


def test_number_key_tags_both_rows_then_untags_and_undo_restores(
    qtbot: QtBot, win: MainWindow
) -> None:
    case = win.case
    assert case is not None
    first = win.tagger.entries[0]
    assert first.number == 1
    assert first.charge.offence.id == HARASSMENT
    items = _select(win, [0, 2])
    table = win.timeline_pane.table

    qtbot.keyClick(table, Qt.Key.Key_1)
    assert _keys(case, items) == {i: {first.key} for i in items}
    # The rows show the element's chip; a row not chosen shows none.
    assert [
        c.number
        for c in win.timeline_model.index(0, TimelineModel.TAGS).data(TimelineModel.TagsRole)
    ] == [1]
    assert win.timeline_model.index(1, TimelineModel.TAGS).data(TimelineModel.TagsRole) == ()
    assert win.tagger.panel.element_rows()[0].text(2) == "2"  # the panel counts them

    qtbot.keyClick(table, Qt.Key.Key_1)  # every chosen item has it: the key untags
    assert _keys(case, items) == {i: set() for i in items}

    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _keys(case, items) == {i: {first.key} for i in items}
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _keys(case, items) == {i: set() for i in items}
    qtbot.keyClick(
        table,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert _keys(case, items) == {i: {first.key} for i in items}
    # The selection survived every edit: the tagger still counts both rows.
    assert len(table.selectionModel().selectedRows()) == 2


def test_number_key_tags_only_items_lacking_it_when_some_have_it(
    qtbot: QtBot, win: MainWindow
) -> None:
    case = win.case
    assert case is not None
    second = win.tagger.entries[1]
    one = _select(win, [1])
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_2)
    both = _select(win, [1, 3])
    assert one[0] in both
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_2)  # not all have it: tag the rest
    assert _keys(case, both) == {i: {second.key} for i in both}
    assert len(store.tags(case)) == 2


def test_number_beyond_the_elements_tags_nothing(qtbot: QtBot, win: MainWindow) -> None:
    case = win.case
    assert case is not None
    count = len(win.tagger.entries)
    assert count < 9
    items = _select(win, [0])
    qtbot.keyClick(win.timeline_pane.table, getattr(Qt.Key, f"Key_{count + 1}"))
    assert _keys(case, items) == {items[0]: set()}
    assert f"no element {count + 1}" in win.statusBar().currentMessage()


def test_type_ahead_tags_the_selection_with_the_element_typed(
    qtbot: QtBot, win: MainWindow
) -> None:
    case = win.case
    assert case is not None
    identity = next(e for e in win.tagger.entries if e.element.identity)
    items = _select(win, [0, 3, 4])
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    panel = win.tagger.panel
    assert QApplication.focusWidget() is panel.type_ahead
    panel.note.setText("number on the subscriber check")
    qtbot.keyClicks(panel.type_ahead, "identity")
    shown = [r for r in panel.element_rows() if not r.isHidden()]
    assert [r.data(0, Qt.ItemDataRole.UserRole + 1) for r in shown] == [identity.key]
    qtbot.keyClick(panel.type_ahead, Qt.Key.Key_Return)
    assert _keys(case, items) == {i: {identity.key} for i in items}
    notes = {t.note for tags in store.tags_for_items(case, items).values() for t in tags}
    assert notes == {"number on the subscriber check"}
    # Enter hands the focus back to the timeline, the type-ahead cleared.
    assert QApplication.focusWidget() is win.timeline_pane.table
    assert panel.type_ahead.text() == ""
    # The current item's tags show in the panel, and Untag removes one.
    assert panel.item_tags.count() == 1
    assert identity.short[:20] in panel.item_tags.item(0).text()
    panel.untag_button.click()
    assert _keys(case, items)[items[-1]] == set()
    assert _keys(case, items)[items[0]] == {identity.key}


def test_coverage_click_filters_the_timeline_to_the_element(qtbot: QtBot, win: MainWindow) -> None:
    case = win.case
    assert case is not None
    first = win.tagger.entries[0]
    _select(win, [0, 2, 4])
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_1)
    win.tagger.show_coverage()
    view = win.tagger.coverage_view
    row = next(i for i in view.element_items() if i.data(0, KEY_ROLE) == first.key)
    assert row.text(2) == "3"
    assert row.text(3) == "3"  # three days: three occasions of the course of conduct
    gaps = [i for i in view.element_items() if i.text(6).startswith("⚠")]
    assert len(gaps) == len(win.tagger.entries) - 1  # every other element lacks evidence
    rect = view.tree.visualItemRect(row)
    qtbot.mouseClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.timeline_filter.elements == (first.key,)
    expected = next(r for r in coverage(case).rows if r.key == first.key).items
    assert win.timeline_model.rowCount() == expected == 3
    assert "Element (1)" in win.timeline_pane.filters.element_button.text()


def test_filter_bar_offers_the_elements_and_untagged(qtbot: QtBot, win: MainWindow) -> None:
    bar = win.timeline_pane.filters
    keys = list(bar.element_actions)
    assert keys == [e.key for e in win.tagger.entries]
    _select(win, [1])
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_1)
    bar.untagged_action.setChecked(True)
    assert win.timeline_filter.untagged is True
    assert win.timeline_model.rowCount() == len(CHAT) - 1


def test_charge_dialog_warns_of_the_s33_repeal(qtbot: QtBot, win: MainWindow) -> None:
    library = load_library()
    s33 = next((o for o in library.offences if o.repealed_from == date(2024, 1, 31)), None)
    if s33 is None:
        pytest.skip("the offence library has no offence repealed on 31 January 2024 yet")
    dialog = win.tagger.ask_charge()
    assert isinstance(dialog, ChargeDialog)
    qtbot.addWidget(dialog)
    # The dates default to the case's timeline span.
    assert dialog.dates() == (date(2024, 3, 14), date(2024, 3, 22))
    qtbot.keyClicks(dialog.search, "s.33")
    assert dialog.select(s33.id)
    assert dialog.warnings.isHidden() or "31 January 2024" in dialog.warnings.text()
    dialog.date_from.setDate(QDate(2023, 12, 1))
    dialog.date_to.setDate(QDate(2024, 3, 1))
    assert not dialog.warnings.isHidden()
    assert "31 January 2024" in dialog.warnings.text()
    dialog.date_to.setDate(QDate(2024, 1, 15))  # before the repeal: no warning
    assert "31 January 2024" not in dialog.warnings.text()
    dialog.reject()


def test_add_charge_from_the_dialog_and_undo(qtbot: QtBot, win: MainWindow) -> None:
    case = win.case
    assert case is not None
    before = len(store.charges(case))
    dialog = win.tagger.ask_charge()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.select(HARASSMENT)
    dialog.note.setText("second period")
    dialog.accept()
    charges = store.charges(case)
    assert len(charges) == before + 1
    assert charges[-1].note == "second period"
    assert charges[-1].from_date == date(2024, 3, 14)
    # Its elements are numbered after the first charge's.
    assert len(win.tagger.entries) == 2 * len(charges[0].elements)
    assert win.tagger.entries[-1].number == len(win.tagger.entries)
    win.undo_stack.undo()
    assert len(store.charges(case)) == before
    assert len(win.tagger.entries) == len(charges[0].elements)


def test_user_defined_offence_is_stored_and_chosen(qtbot: QtBot, win: MainWindow) -> None:
    case = win.case
    assert case is not None
    dialog = win.tagger.ask_charge()
    assert dialog is not None
    qtbot.addWidget(dialog)
    form = dialog.ask_custom()
    assert form is not None
    form.name.setText("Breach of a non-molestation order")
    form.statute.setText("Family Law Act 1996 s.42A")
    form.elements.setPlainText("An order was in force\nD knew of it\nD breached it")
    form.accept()
    offence = dialog.offence()
    assert offence is not None
    assert offence.custom
    assert [e.text for e in offence.elements][:3] == [
        "An order was in force",
        "D knew of it",
        "D breached it",
    ]
    assert any(e.identity for e in offence.elements)
    assert offence.id in {o.id for o in store.offences(case)}
    dialog.reject()


def test_suggestions_are_off_until_asked_and_tag_only_when_accepted(
    qtbot: QtBot, win: MainWindow
) -> None:
    case = win.case
    assert case is not None
    panel = win.tagger.panel
    assert not panel.suggest_toggle.isChecked()
    assert panel.suggest_list.isHidden()
    panel.suggest_toggle.setChecked(True)
    assert panel.suggest_note.isVisible()
    assert panel.suggest_note.text() == "Suggested — not evidence until accepted"
    texts = [panel.suggest_list.item(i).text() for i in range(panel.suggest_list.count())]
    stop = [n for n, t in enumerate(texts) if "stop messaging me" in t]
    assert stop, texts
    assert store.tags(case) == []  # a suggestion is not a tag
    chosen = panel.suggestions[stop[0]]
    assert chosen.element_id == "PHA1997-s2-E3"
    panel.suggest_list.item(stop[0]).setSelected(True)
    panel.accept_button.click()
    tags = store.tags(case)
    assert [(t.item_id, t.element_id, t.origin) for t in tags] == [
        (chosen.item_id, "PHA1997-s2-E3", "suggestion")
    ]
    # Accepted, it is no longer suggested; undo brings the suggestion back, untagged.
    assert all(
        s.item_id != chosen.item_id or s.element_id != chosen.element_id for s in panel.suggestions
    )
    win.undo_stack.undo()
    assert store.tags(case) == []
    assert any(s == chosen for s in panel.suggestions)


def test_matrix_export_writes_the_core_csv(qtbot: QtBot, win: MainWindow, tmp_path: Path) -> None:
    case = win.case
    assert case is not None
    _select(win, [0, 2])
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_1)
    target = tmp_path / "matrix.csv"
    win.tagger.write_matrix("csv", target)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + len(win.tagger.entries)  # a header, then one row per element
    assert "Evidence matrix written" in win.statusBar().currentMessage()
