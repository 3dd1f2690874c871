"""Timeline polish: day separators, the display zone picker and `?` for the keyboard help."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import import_paths
from tests.ui.conftest import LOAD_TIMEOUT_MS
from ui.dialogs.shortcuts import ShortcutsDialog
from ui.main_window import MainWindow
from ui.models import TimelineModel
from ui.settings import SettingsStore

LONDON = ZoneInfo("Europe/London")
# File times (UTC) around midnight in London in summer (BST = UTC+1): 1 July 21:00 and 22:30
# are 1 July in both zones; 23:30 UTC is already 2 July in London; then 2 July 10:00 and 3 July.
MOMENTS = (
    datetime(2024, 7, 1, 21, 0, tzinfo=UTC),
    datetime(2024, 7, 1, 22, 30, tzinfo=UTC),
    datetime(2024, 7, 1, 23, 30, tzinfo=UTC),
    datetime(2024, 7, 2, 10, 0, tzinfo=UTC),
    datetime(2024, 7, 3, 12, 0, tzinfo=UTC),
)


@pytest.fixture
def win(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """The window on a case of five text files whose times straddle London's midnight."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    paths = []
    for n, moment in enumerate(MOMENTS):
        path = folder / f"note-{n}.txt"
        path.write_text(f"note {n}\n", encoding="utf-8")
        stamp = moment.timestamp()
        os.utime(path, (stamp, stamp))
        paths.append(path)
    with Case.create(tmp_path / "Days", zone_name="Europe/London") as case:
        assert import_paths(case, paths).count("imported") == len(MOMENTS)
        case_folder = case.folder
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(case_folder))
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _column(model: TimelineModel, role: int, column: int = TimelineModel.TIME) -> list[object]:
    return [model.data(model.index(r, column), role) for r in range(model.rowCount())]


def _expected_new_days(model: TimelineModel, tz: ZoneInfo) -> list[bool]:
    days = []
    for r in range(model.rowCount()):
        row = model.row_at(r)
        assert row is not None
        days.append(datetime.fromtimestamp(row.ts_utc_us / 1e6, UTC).astimezone(tz).date())
    return [n == 0 or days[n] != days[n - 1] for n in range(len(days))]


def test_the_first_row_of_each_local_day_starts_a_day(win: MainWindow) -> None:
    model = win.timeline_model
    assert model.rowCount() == len(MOMENTS)
    new_day = _column(model, TimelineModel.NewDayRole)
    assert new_day == _expected_new_days(model, LONDON)
    assert new_day == [True, False, True, False, True]  # 23:30 UTC is 00:30 on 2 July in London
    labels = _column(model, TimelineModel.DayLabelRole, TimelineModel.TEXT)
    assert labels == ["Mon 1 Jul 2024", "", "Tue 2 Jul 2024", "", "Wed 3 Jul 2024"]
    # In UTC the day changes one row later.
    win.timeline_pane.set_zone_mode("utc")
    new_day = _column(model, TimelineModel.NewDayRole)
    assert new_day == _expected_new_days(model, ZoneInfo("UTC"))
    assert new_day == [True, False, False, True, True]
    # Painting the separators works (a grab paints every visible row through the delegate).
    assert not win.timeline_pane.table.grab().isNull()


def caption(w: MainWindow) -> str:
    return w.activity_strip.zone_caption()


def test_switching_the_zone_to_utc_and_back_changes_the_time_column(
    qtbot: QtBot, win: MainWindow
) -> None:
    model = win.timeline_model
    pane = win.timeline_pane
    assert pane.zone_combo.currentText() == "Case zone (Europe/London)"
    assert [pane.zone_combo.itemText(n) for n in range(3)][1:] == [
        "UTC",
        "Each source's own zone",
    ]
    london = _column(model, Qt.ItemDataRole.DisplayRole)
    assert london[2] == "≈ 2024-07-02 00:30:00 BST"
    assert all(str(t).endswith(" BST") for t in london)

    pane.zone_combo.setCurrentIndex(pane.zone_combo.findData("utc"))
    assert model.zone_name == "UTC"
    utc = _column(model, Qt.ItemDataRole.DisplayRole)
    assert utc[2] == "≈ 2024-07-01 23:30:00 UTC"
    assert all(str(t).endswith(" UTC") for t in utc)
    qtbot.waitUntil(lambda: caption(win).startswith("Days in UTC ·"), timeout=LOAD_TIMEOUT_MS)

    pane.set_zone_mode("case")
    assert _column(model, Qt.ItemDataRole.DisplayRole) == london
    qtbot.waitUntil(
        lambda: caption(win).startswith("Days in Europe/London ·"), timeout=LOAD_TIMEOUT_MS
    )

    # Each source's own zone: file times carry UTC as their zone, so they show in UTC.
    pane.set_zone_mode("source")
    zones = {row.zone for r in range(model.rowCount()) if (row := model.row_at(r)) is not None}
    assert zones == {"UTC"}
    assert _column(model, Qt.ItemDataRole.DisplayRole) == utc
    assert model.zone_name == "Europe/London"  # the charts keep the case zone


def test_question_mark_opens_the_keyboard_shortcuts(qtbot: QtBot, win: MainWindow) -> None:
    win.timeline_pane.focus_table()
    qtbot.keyClick(win.timeline_pane.table, Qt.Key.Key_Question)
    dialog = win.findChild(ShortcutsDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=LOAD_TIMEOUT_MS)
    dialog.close()
    # In a text field `?` is typed, not a shortcut.
    win.focus_search()
    assert QApplication.focusWidget() is win.search_box
    qtbot.keyClick(
        win.search_box,
        Qt.Key.Key_Question,
        Qt.KeyboardModifier.ShiftModifier,
    )
    assert "?" in win.search_box.text()
    assert not dialog.isVisible()
