"""The window's activity strip, heat map dock, participants dock and Edit menu undo."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import import_paths
from app.people import participants
from app.timeline.query import TimelineFilter
from tests.ui.conftest import LOAD_TIMEOUT_MS
from ui.main_window import MainWindow
from ui.settings import SettingsStore
from ui.views.filter_bar import local_us

ZONE = "Europe/London"
PHONE = "+44 7700 900456"
CHAT_A = [
    f"19/03/2024, 01:15 - {PHONE}: are you awake",
    f"19/03/2024, 01:20 - {PHONE}: answer me",
    "19/03/2024, 13:00 - Sarah: Please stop messaging me",
    f"20/03/2024, 01:05 - {PHONE}: again",
    f"26/03/2024, 01:40 - {PHONE}: a week on",
]
CHAT_B = [f"21/03/2024, 02:15 - {PHONE}: from the other phone"]


@pytest.fixture
def win(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """The window, shown and active, on two small WhatsApp chats read in London time."""
    files = []
    for name, lines in (("A", CHAT_A), ("B", CHAT_B)):
        path = tmp_path / f"WhatsApp Chat with {name}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
    with Case.create(tmp_path / "case", zone_name=ZONE) as c:
        assert [f.status for f in import_paths(c, files).files] == ["imported", "imported"]
        folder = c.folder
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(folder))
    yield w
    w.close()


def _wait_days(qtbot: QtBot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: bool(w.activity_strip.days), timeout=LOAD_TIMEOUT_MS)


def test_the_strip_shows_the_days_and_a_click_narrows_the_timeline(
    qtbot: QtBot, win: MainWindow
) -> None:
    _wait_days(qtbot, win)
    strip = win.activity_strip
    assert strip.isVisible()
    days = [d.day for d in strip.days]
    assert days[0] == date(2024, 3, 19)
    assert days[-1] == date(2024, 3, 26)
    assert len(days) == 8
    assert strip.days[0].total == 3
    # The strip sits above the timeline table.
    table = win.timeline_pane.table
    assert (
        strip.mapTo(win, strip.rect().bottomLeft()).y()
        <= table.mapTo(win, table.rect().topLeft()).y()
    )

    with qtbot.waitSignal(win.loaded, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.day_rect(1).center())
    day = date(2024, 3, 20)
    f = TimelineFilter(from_us=local_us(day, ZONE), to_us=local_us(day + timedelta(days=1), ZONE))
    assert win.case is not None
    expected = list(win.case.timeline_ids(f))
    assert len(expected) == 1
    assert list(win.timeline_model.event_ids()) == expected
    bar = win.timeline_pane.filters
    assert bar.date_from.date().toString("yyyy-MM-dd") == "2024-03-20"
    assert bar.date_to.date().toString("yyyy-MM-dd") == "2024-03-20"
    # The strip is read again under the new filter: only that day now.
    qtbot.waitUntil(lambda: [d.day for d in strip.days] == [day], timeout=LOAD_TIMEOUT_MS)


def test_the_heat_map_and_participants_docks_open_with_their_keys(
    qtbot: QtBot, win: MainWindow
) -> None:
    assert win.heat_dock.isHidden()
    assert win.participants_dock.isHidden()
    _wait_days(qtbot, win)
    qtbot.keyClick(win, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert win.heat_dock.isVisible()
    assert win.heat_view.current_sender() is not None
    qtbot.waitUntil(lambda: win.heat_view.canvas.heat is not None, timeout=LOAD_TIMEOUT_MS)
    heat = win.heat_view.canvas.heat
    assert heat is not None
    assert heat.zone == ZONE
    assert heat.total > 0
    qtbot.keyClick(win, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert win.participants_dock.isVisible()
    assert win.participants_panel is not None
    assert win.participants_dock.widget() is win.participants_panel


def test_edit_menu_undo_and_redo_a_link(qtbot: QtBot, win: MainWindow) -> None:
    _wait_days(qtbot, win)
    qtbot.keyClick(win, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    panel = win.participants_panel
    assert panel is not None
    assert win.case is not None
    undo, redo = win.actions_by_name["undo"], win.actions_by_name["redo"]
    assert undo in win.edit_menu.actions()
    assert redo in win.edit_menu.actions()
    assert undo.shortcut() == QKeySequence("Ctrl+Z")
    assert redo.shortcut() == QKeySequence("Ctrl+Shift+Z")
    assert not undo.isEnabled()

    ids = [p.id for p in participants(win.case)][:2]
    panel.select_participants(ids)
    with qtbot.waitSignal(win.loaded, timeout=LOAD_TIMEOUT_MS):
        assert panel.link_selected("Daniel Hughes")
    assert {p.person_name for p in participants(win.case) if p.id in ids} == {"Daniel Hughes"}
    assert win.isWindowModified()
    assert undo.isEnabled()

    with qtbot.waitSignal(win.loaded, timeout=LOAD_TIMEOUT_MS):
        qtbot.keyClick(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert all(p.person_id is None for p in participants(win.case))
    assert not win.isWindowModified()

    with qtbot.waitSignal(win.loaded, timeout=LOAD_TIMEOUT_MS):
        redo.trigger()
    assert {p.person_name for p in participants(win.case) if p.id in ids} == {"Daniel Hughes"}
    assert panel.model.item(0).text() == "Daniel Hughes"
