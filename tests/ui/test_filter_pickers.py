"""The filter bar's Source and Person pickers, checked against the core's lists."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import import_paths
from app.ops import LinkParticipants
from app.people import participants
from app.timeline.query import EVERYTHING, TimelineFilter
from tests.ui.conftest import LOAD_TIMEOUT_MS
from ui.main_window import MainWindow
from ui.settings import SettingsStore

ZONE = "Europe/London"
PHONE = "+44 7700 900456"
CHAT_A = [
    f"19/03/2024, 01:15 - {PHONE}: are you awake",
    "19/03/2024, 13:00 - Sarah: Please stop messaging me",
    f"20/03/2024, 01:05 - {PHONE}: again",
]
CHAT_B = [
    f"21/03/2024, 02:15 - {PHONE}: from the other phone",
    "21/03/2024, 08:00 - Sarah: leave me alone",
]


@pytest.fixture
def win(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """The window on a case of two WhatsApp chats with messages from one number."""
    files = []
    for name, lines in (("A", CHAT_A), ("B", CHAT_B)):
        path = tmp_path / f"WhatsApp Chat with {name}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
    folder = tmp_path / "case"
    c = Case.create(folder, zone_name=ZONE)
    report = import_paths(c, files)
    assert [f.status for f in report.files] == ["imported", "imported"]
    c.close()
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(folder))
    w.show()
    yield w
    w.close()


def shown(w: MainWindow) -> list[int]:
    return list(w.timeline_model.event_ids())


def core(w: MainWindow, f: TimelineFilter) -> list[int]:
    assert w.case is not None
    return list(w.case.timeline_ids(f))


def change(qtbot: QtBot, w: MainWindow, act: Callable[[], object]) -> None:
    """Do something that reloads the timeline, and wait for the reload."""
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        act()


def test_ticking_a_source_shows_only_its_events(qtbot: QtBot, win: MainWindow) -> None:
    bar = win.timeline_pane.filters
    assert win.case is not None
    sources = win.case.sources()
    assert list(bar.source_actions) == [s.id for s in sources]
    assert bar.source_button.isEnabled()
    assert not bar.person_button.isEnabled()  # nobody linked yet
    first = sources[0]
    assert bar.source_actions[first.id].text() == first.name
    everything = core(win, EVERYTHING)
    change(qtbot, win, lambda: bar.source_actions[first.id].setChecked(True))
    expected = core(win, TimelineFilter(source_ids=(first.id,)))
    assert 0 < len(expected) < len(everything)
    assert shown(win) == expected
    assert bar.source_button.text() == "Source (1)"
    assert bar.filter(ZONE).source_ids == (first.id,)
    assert f"source {first.name}" in bar.summary()
    change(qtbot, win, bar.clear)
    assert shown(win) == everything
    assert bar.source_button.text() == "Source"
    assert bar.summary() == ""


def test_ticking_a_person_shows_all_their_accounts(qtbot: QtBot, win: MainWindow) -> None:
    bar = win.timeline_pane.filters
    assert win.case is not None
    accounts = tuple(p.id for p in participants(win.case) if p.name == PHONE)
    assert len(accounts) == 2
    LinkParticipants(accounts, person_name="Suspect").apply(win.case)
    change(qtbot, win, win.refresh)
    assert bar.person_button.isEnabled()
    assert [a.text() for a in bar.person_actions.values()] == ["Suspect"]
    (pid,) = bar.person_actions
    everything = core(win, EVERYTHING)
    change(qtbot, win, lambda: bar.person_actions[pid].setChecked(True))
    expected = core(win, TimelineFilter(person_ids=(pid,)))
    assert len(expected) == 3
    assert shown(win) == expected
    assert bar.person_button.text() == "Person (1)"
    assert "person Suspect" in bar.summary()
    change(qtbot, win, bar.clear)
    assert shown(win) == everything
    assert bar.person_button.text() == "Person"
