"""The main window on a case: title, counts, import through the worker, cancel, shortcuts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import ImportReport
from tests.ui.conftest import LOAD_TIMEOUT_MS, write_evidence
from ui.dialogs.import_summary import ImportSummary
from ui.main_window import MainWindow
from ui.settings import SettingsStore


def test_opens_a_case_with_title_and_counts(window: MainWindow, case_path: Path) -> None:
    assert window.windowTitle() == "Example[*] — Threadline"
    assert window.case is not None
    assert window.case.folder == case_path
    assert window.timeline_model.rowCount() == 3
    assert window.sources_model.rowCount() == 3
    assert window.audit_model.rowCount() == 4
    assert window.counts_label.text() == "3 events · 3 sources"
    assert window.centre.currentWidget() is window.timeline_pane
    # The case is remembered for the welcome page and the Open recent menu.
    assert window.settings.recent_cases[0] == str(case_path)


def test_choosing_an_event_shows_its_text_and_provenance(window: MainWindow) -> None:
    window.focus_timeline()
    window.timeline_pane.table.selectRow(1)
    details = window.details
    assert details.stack.currentIndex() == 1
    assert details.text.toPlainText() == "note number 1\nSeen near the flat at 01:15.\n"
    assert details.source.text().startswith("note-001.txt (#")
    assert details.heading.text().startswith("≈ Tuesday 5 March 2024, ")
    assert len(details.sha256) == 64
    assert details.sha.text() == details.sha256[:12] + "…"


def test_import_through_the_worker_adds_rows(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    files = write_evidence(tmp_path / "more", 4, prefix="extra")
    dup = tmp_path / "more" / "copy.txt"
    dup.write_bytes(files[0].read_bytes())
    with qtbot.waitSignal(window.import_finished, timeout=LOAD_TIMEOUT_MS) as finished:
        runner = window.start_import([str(tmp_path / "more")])
        assert runner is not None
        assert window.job_bar.isVisibleTo(window)
    report = finished.args[0]
    assert isinstance(report, ImportReport)
    assert Counter(f.status for f in report.files) == {"imported": 4, "duplicate": 1}
    qtbot.waitUntil(lambda: window.timeline_model.rowCount() == 7, timeout=LOAD_TIMEOUT_MS)
    assert window.sources_model.rowCount() == 3 + 5
    assert window.audit_model.rowCount() == 4 + 5
    assert window.counts_label.text() == "7 events · 8 sources"
    assert window.job is None
    assert not window.job_bar.isVisibleTo(window)
    summary = window.findChild(ImportSummary)
    assert summary is not None
    assert summary.isVisible()
    assert not summary.isModal()
    assert summary.tree.topLevelItemCount() == 5
    results = {}
    for n in range(summary.tree.topLevelItemCount()):
        item = summary.tree.topLevelItem(n)
        assert item is not None
        results[item.text(0)] = item.text(1)
    # The folder is read in name order: copy.txt first, so extra-000.txt is the duplicate.
    assert results["copy.txt"] == "Imported"
    assert results["extra-000.txt"] == "Already in the case"


def test_cancelled_import_leaves_the_case_consistent(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    write_evidence(tmp_path / "many", 60, prefix="bulk")
    with qtbot.waitSignal(window.import_finished, timeout=LOAD_TIMEOUT_MS) as finished:
        window.start_import([str(tmp_path / "many")])
        assert window.actions_by_name["cancel_job"].isEnabled()
        window.actions_by_name["cancel_job"].trigger()
    report = finished.args[0]
    assert isinstance(report, ImportReport)
    assert report.cancelled
    assert report.count("imported") + report.count("cancelled") == 60
    qtbot.waitUntil(lambda: window.job is None, timeout=LOAD_TIMEOUT_MS)
    with qtbot.waitSignal(window.loaded, timeout=LOAD_TIMEOUT_MS):
        window.refresh()
    case = window.case
    assert case is not None
    sources = case.sources()
    assert len(sources) == 3 + report.count("imported")
    # Every source that exists has all its items; nothing half-imported is left behind.
    rows = case.timeline_rows(case.timeline_ids())
    items_per_source = Counter(
        source_id for source_id, _ in {(r.source_id, r.item_id) for r in rows}
    )
    assert {s.id: s.item_count for s in sources} == dict(items_per_source)
    assert window.timeline_model.rowCount() == len(rows)


def test_every_action_has_a_shortcut_and_says_so(window: MainWindow) -> None:
    expected = {
        "new_case": "Ctrl+N",
        "open_case": "Ctrl+O",
        "import_files": "Ctrl+I",
        "import_folder": "Ctrl+Shift+I",
        "cancel_job": "Esc",
        "show_sources": "Ctrl+1",
        "show_audit": "Ctrl+2",
        "focus_timeline": "Ctrl+3",
        "verify": "Ctrl+Shift+V",
        "shortcuts": "F1",
        "quit": "Ctrl+Q",
    }
    actions = window.actions_by_name
    assert set(expected) <= set(actions)
    for name, action in actions.items():
        assert action.shortcuts(), name
        assert action.shortcuts()[0].toString() in action.toolTip(), name
    for name, keys in expected.items():
        assert actions[name].shortcut().toString() == keys
    assert [s.toString() for s in actions["shortcuts"].shortcuts()] == ["F1", "?"]
    dialog = window.show_shortcuts()
    assert dialog.table.rowCount() == len(actions)


def test_panel_shortcuts_move_the_focus(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.actions_by_name["show_audit"].trigger()
    assert window.audit_dock.isVisible()
    window.actions_by_name["focus_timeline"].trigger()
    assert window.timeline_pane.table.selectionModel().hasSelection()


def test_verify_reports_an_intact_case(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.verify_finished, timeout=LOAD_TIMEOUT_MS) as done:
        window.actions_by_name["verify"].trigger()
    report = done.args[0]
    assert report is not None
    assert report.ok
    assert report.originals == 3


def test_dropping_files_imports_them(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    files = write_evidence(tmp_path / "dropped", 2, prefix="dropped")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
    event = QDropEvent(
        QPointF(QPoint(10, 10)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.import_finished, timeout=LOAD_TIMEOUT_MS):
        window.dropEvent(event)
    qtbot.waitUntil(lambda: window.timeline_model.rowCount() == 5, timeout=LOAD_TIMEOUT_MS)


def test_welcome_page_and_settings_round_trip(qtbot: QtBot, tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "s.ini")
    first = MainWindow(store)
    qtbot.addWidget(first)
    assert first.windowTitle() == "Threadline"
    assert first.centre.currentWidget() is first.welcome
    assert not first.actions_by_name["import_files"].isEnabled()
    with Case.create(tmp_path / "Fresh") as case:
        folder = case.folder
    with qtbot.waitSignal(first.loaded, timeout=LOAD_TIMEOUT_MS):
        first.open_case(str(folder))
    assert first.timeline_pane.stack.currentWidget() is first.timeline_pane.empty
    first.close()
    # The case was released and is remembered on the next start.
    assert store.load().recent_cases == (str(folder),)
    second = MainWindow(store)
    qtbot.addWidget(second)
    assert second.welcome.recent.count() == 1
    with qtbot.waitSignal(second.loaded, timeout=LOAD_TIMEOUT_MS):
        second.welcome.open_recent.emit(str(folder))
    assert second.case is not None
    second.close()
    assert second.case is None
