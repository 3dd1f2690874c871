"""The timeline's search box, filter bar and jump to date, checked against the core's lists."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot

from app.case import Case
from app.timeline.query import EVERYTHING, TimelineFilter
from tests.evidence import build_viewer_case
from tests.ui.conftest import LOAD_TIMEOUT_MS
from ui.main_window import MainWindow
from ui.models import TimelineModel
from ui.settings import SettingsStore
from ui.views.filter_bar import FilterBar, local_us, parse_when, search_terms

ZONE = "Europe/London"


@pytest.fixture
def win(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """The window, shown and active, on the generated viewer case (chats, email, PDF, ...)."""
    built = build_viewer_case(tmp_path)
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(built.folder))
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    yield w
    w.close()


def shown(w: MainWindow) -> list[int]:
    return list(w.timeline_model.event_ids())


def core(w: MainWindow, f: TimelineFilter) -> list[int]:
    assert w.case is not None
    return list(w.case.timeline_ids(f))


def selected_row(w: MainWindow) -> int:
    return w.timeline_pane.table.currentIndex().row()


def change(qtbot: QtBot, w: MainWindow, act: Callable[[], object]) -> None:
    """Do something that reloads the timeline, and wait for the reload."""
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        act()


def test_search_shows_hits_in_time_order_and_f3_steps(qtbot: QtBot, win: MainWindow) -> None:
    everything = core(win, EVERYTHING)
    win.search_box.setText("Bob")
    change(qtbot, win, lambda: qtbot.keyClick(win.search_box, Qt.Key.Key_Return))
    hits = core(win, TimelineFilter(search="Bob"))
    assert 2 <= len(hits) < len(everything)
    assert shown(win) == hits
    assert win.timeline_model.rowCount() == len(hits)
    assert win.case is not None
    times = [r.ts_utc_us for r in win.case.timeline_rows(hits)]
    assert times == sorted(times)
    assert win.counts_label.text() == f"{len(hits)} hits · {len(everything)} events"
    assert win.filter_label.text() == "Search “Bob”"
    assert selected_row(win) == 0  # lands on the first hit

    qtbot.keyClick(win, Qt.Key.Key_F3)
    assert selected_row(win) == 1
    qtbot.keyClick(win, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert selected_row(win) == 0
    win.timeline_pane.focus_table()
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_N)
    assert selected_row(win) == 1
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert selected_row(win) == 0
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert selected_row(win) == len(hits) - 1  # wraps round

    # Esc in the box drops the search.
    win.focus_search()
    change(qtbot, win, lambda: qtbot.keyClick(win.search_box, Qt.Key.Key_Escape))
    assert shown(win) == everything
    assert win.search_box.text() == ""
    assert win.filter_label.text() == ""


def test_phrase_and_prefix_search_match_the_core(qtbot: QtBot, win: MainWindow) -> None:
    for query in ('"selected message"', "morn*"):
        win.search_box.setText(query)
        change(qtbot, win, win.run_search)
        assert shown(win) == core(win, TimelineFilter(search=query))
        assert shown(win)


def test_a_search_with_no_words_is_refused_in_the_status_bar(win: MainWindow) -> None:
    everything = shown(win)
    win.search_box.setText("*")
    win.run_search()
    assert win.statusBar().currentMessage().startswith("Not searched: ")
    assert win.timeline_filter == EVERYTHING
    assert shown(win) == everything


def test_slash_and_ctrl_f_focus_the_search_box(qtbot: QtBot, win: MainWindow) -> None:
    win.timeline_pane.focus_table()
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_Slash)
    assert QApplication.focusWidget() is win.search_box
    win.timeline_pane.focus_table()
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is win.search_box


def _kind(bar: FilterBar) -> None:
    bar.kind_actions["message"].setChecked(True)


def _platform(bar: FilterBar) -> None:
    bar.platform_actions["whatsapp"].setChecked(True)


def _participant(bar: FilterBar) -> None:
    bar.participant.setText("carol")
    bar.participant.editingFinished.emit()


def _assumed(bar: FilterBar) -> None:
    bar.times.setCurrentIndex(1)


def _exact(bar: FilterBar) -> None:
    bar.times.setCurrentIndex(2)


def _from(bar: FilterBar) -> None:
    bar.date_from.setDate(QDate(2024, 3, 15))


def _to(bar: FilterBar) -> None:
    bar.date_to.setDate(QDate(2024, 3, 14))


FILTERS: list[tuple[str, Callable[[FilterBar], None], TimelineFilter]] = [
    ("kind", _kind, TimelineFilter(kinds=("message",))),
    ("platform", _platform, TimelineFilter(platforms=("whatsapp",))),
    ("participant", _participant, TimelineFilter(participant="carol")),
    ("assumed", _assumed, TimelineFilter(exclude_confidences=("exact",))),
    ("exact", _exact, TimelineFilter(confidences=("exact",))),
    ("from", _from, TimelineFilter(from_us=local_us(QDate(2024, 3, 15).toPython(), ZONE))),
    ("to", _to, TimelineFilter(to_us=local_us(QDate(2024, 3, 15).toPython(), ZONE))),
]


@pytest.mark.parametrize(("name", "act", "expected"), FILTERS, ids=[f[0] for f in FILTERS])
def test_each_filter_shows_what_the_core_says(
    qtbot: QtBot,
    win: MainWindow,
    name: str,
    act: Callable[[FilterBar], None],
    expected: TimelineFilter,
) -> None:
    everything = core(win, EVERYTHING)
    bar = win.timeline_pane.filters
    change(qtbot, win, lambda: act(bar))
    assert win.timeline_filter == expected
    want = core(win, expected)
    assert 0 < len(want) < len(everything), name
    assert shown(win) == want
    assert win.counts_label.text() == f"{len(want)} of {len(everything)} events shown"
    assert win.filter_label.text().startswith("Filters: ")

    change(qtbot, win, bar.clear_button.click)
    assert shown(win) == everything
    assert win.timeline_filter == EVERYTHING
    assert win.filter_label.text() == ""


def test_filters_combine_with_search_and_clear_restores_all(qtbot: QtBot, win: MainWindow) -> None:
    everything = core(win, EVERYTHING)
    bar = win.timeline_pane.filters
    change(qtbot, win, lambda: _kind(bar))
    win.search_box.setText("Bob")
    change(qtbot, win, win.run_search)
    change(qtbot, win, lambda: bar.has_ocr.setChecked(True))
    expected = TimelineFilter(kinds=("message",), search="Bob", has_ocr=True)
    assert shown(win) == core(win, expected)
    assert "has OCR text" in win.filter_label.text()
    change(qtbot, win, lambda: bar.has_ocr.setChecked(False))
    assert shown(win) == core(win, TimelineFilter(kinds=("message",), search="Bob"))
    assert shown(win)
    change(qtbot, win, win.actions_by_name["clear_filters"].trigger)
    assert shown(win) == everything
    assert win.search_box.text() == ""
    assert bar.kind_actions["message"].isChecked() is False


def test_jump_to_date_selects_the_first_event_from_then(qtbot: QtBot, win: MainWindow) -> None:
    assert win.case is not None
    case: Case = win.case
    rows = case.timeline_rows(core(win, EVERYTHING))
    when = parse_when("2024-03-15 08:01", ZONE)
    assert when is not None
    expected = next(n for n, r in enumerate(rows) if r.ts_utc_us >= when)
    assert win.jump_to("2024-03-15 08:01") == expected
    assert selected_row(win) == expected
    row = win.timeline_model.data(win.timeline_model.index(expected, 0), TimelineModel.RowRole)
    assert row.text == "Still ignoring me?"
    assert win.jump_to("not a date") == -1
    assert selected_row(win) == expected

    # Under a filter, the same date lands on that filter's first row from then.
    change(qtbot, win, lambda: _platform(win.timeline_pane.filters))
    filtered = case.timeline_rows(shown(win))
    first = next(n for n, r in enumerate(filtered) if r.ts_utc_us >= when)
    assert win.jump_to("2024-03-15 08:01") == first


def test_g_opens_the_jump_dialog(qtbot: QtBot, win: MainWindow) -> None:
    # Typed into a text field, g and / are letters, not shortcuts.
    bar = win.timeline_pane.filters
    bar.participant.setFocus()
    qtbot.keyClicks(bar.participant, "g/n")
    assert bar.participant.text() == "g/n"
    assert win.findChild(QInputDialog, "jump-to-date") is None
    bar.participant.clear()
    win.timeline_pane.focus_table()
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_G)
    dialog = win.findChild(QInputDialog, "jump-to-date")
    assert isinstance(dialog, QInputDialog)
    assert dialog.isVisible()
    dialog.setTextValue("2024-03-16")
    dialog.accept()
    when = parse_when("2024-03-16", ZONE)
    assert win.case is not None
    assert selected_row(win) == win.case.timeline_position(EVERYTHING, when or 0)


def test_help_lists_the_new_shortcuts(win: MainWindow) -> None:
    dialog = win.show_shortcuts()
    table = dialog.table
    rows = {table.item(n, 0).text(): table.item(n, 1).text() for n in range(table.rowCount())}
    assert rows["Search the timeline"] == "/ or Ctrl+F"
    assert rows["Next row"] == "F3"
    assert rows["Next row (in the timeline)"] == "N"
    assert rows["Go to date"] == "G or Ctrl+G"
    dialog.close()


def test_parsing_helpers() -> None:
    assert parse_when("2024-03-31 01:30", ZONE) == local_us(
        QDate(2024, 3, 31).toPython(), ZONE, 1, 30
    )
    assert parse_when("2024-07-01", ZONE) == 1_719_788_400_000_000  # 00:00 BST
    assert parse_when("2024-02-30", ZONE) is None
    assert parse_when("2024-03-01 25:00", ZONE) is None
    assert search_terms('"selected message" morn* OR bob') == ["selected", "message", "morn", "bob"]
