"""One writer per case in the window: a case open elsewhere is offered read-only, and a
read-only case has every editing action off; Verify is recorded in the chain when it can be."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app.case import Case
from app.store.lock import current_user
from app.verify import NOT_RECORDED_ELSEWHERE, RECORDED, VERIFY_ACTION, VerifyReport
from tests.ui.conftest import LOAD_TIMEOUT_MS, write_evidence
from ui.main_window import MainWindow
from ui.settings import SettingsStore

#: Editing actions of the window and its controllers, by owner.
EDITING = {
    "window": ("import_files", "import_folder", "run_ocr"),
    "tagger": ("tag_type_ahead", "tag_selection", "tag_area", "add_charge"),
    "redaction": ("redact_area", "redact_selection", "redact_item", "search_redact"),
    "export": ("give_exhibit", "mark_material", "export_pack"),
    "present": ("add_to_presentation", "mark_protective"),
}


@pytest.fixture
def bare_window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """The window with no case open."""
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    yield w
    w.close()


@pytest.fixture
def holder(case_path: Path) -> Iterator[Case]:
    """The case held for writing by another Case (as another window or process would)."""
    with Case.open(case_path) as case:
        yield case


def _action(window: MainWindow, owner: str, name: str) -> bool:
    actions = window.actions_by_name if owner == "window" else getattr(window, owner).actions
    return bool(actions[name].isEnabled())


def _locked_box(window: MainWindow) -> QMessageBox:
    box = window.findChild(QMessageBox, "case-locked")
    assert isinstance(box, QMessageBox)
    return box


def test_open_elsewhere_offers_read_only_and_disables_every_edit(
    qtbot: QtBot, bare_window: MainWindow, holder: Case, tmp_path: Path
) -> None:
    window = bare_window
    assert not window.open_case(str(holder.folder))
    assert window.case is None
    box = _locked_box(window)
    assert f"open elsewhere by {current_user()} on {socket.gethostname()} since " in box.text()
    button = box.findChild(QPushButton, "open-read-only")
    assert isinstance(button, QPushButton)
    assert button.text().replace("&", "") == "Open read-only"
    assert box.button(QMessageBox.StandardButton.Cancel) is not None

    with qtbot.waitSignal(window.loaded, timeout=LOAD_TIMEOUT_MS):
        button.click()
    case = window.case
    assert case is not None
    assert case.readonly
    assert "read-only" in window.windowTitle()
    assert "read-only" in window.case_label.text()
    assert window.timeline_model.rowCount() == 3  # reading works
    for owner, names in EDITING.items():
        for name in names:
            assert not _action(window, owner, name), f"{owner} {name} is on"
    assert not window.ocr_toggle.isEnabled()
    assert not window.tagger.panel.add_button.isEnabled()
    for owner, name in (("window", "verify"), ("window", "find"), ("export", "show_exhibits")):
        assert _action(window, owner, name), f"{owner} {name} is off"

    # An import by drop or script is refused with a clear message, and nothing is written.
    before = case.info().audit_entries
    extra = write_evidence(tmp_path / "more", 1, prefix="extra")
    assert window.start_import([str(p) for p in extra]) is None
    assert "read-only" in window.statusBar().currentMessage()
    assert case.info().audit_entries == before
    with holder.write() as s:  # the holder still writes
        holder.audit(s, "setting", {"key": "probe", "value": "1", "previous": None})


def test_cancel_leaves_no_case_open(bare_window: MainWindow, holder: Case) -> None:
    window = bare_window
    assert not window.open_case(str(holder.folder))
    _locked_box(window).button(QMessageBox.StandardButton.Cancel).click()
    assert window.case is None
    assert window.windowTitle() == "Threadline"


def test_a_writable_case_has_its_edits_on(window: MainWindow) -> None:
    assert window.case is not None
    assert not window.case.readonly
    assert "read-only" not in window.windowTitle()
    assert window.tagger.panel.add_button.isEnabled()
    for owner, names in EDITING.items():
        for name in names:
            if owner == "tagger" and name in ("tag_selection", "tag_area"):
                continue  # these also need a selection or a viewer
            if owner in ("redaction", "export", "present"):
                continue  # these follow the selection too
            assert _action(window, owner, name), f"{owner} {name} is off"


def test_verify_in_the_window_is_recorded(qtbot: QtBot, window: MainWindow) -> None:
    case = window.case
    assert case is not None
    head = case.info().audit_head
    with qtbot.waitSignal(window.verify_finished, timeout=LOAD_TIMEOUT_MS) as done:
        window.actions_by_name["verify"].trigger()
    report = done.args[0]
    assert isinstance(report, VerifyReport)
    assert report.recorded == RECORDED
    entry = case.audit_rows(limit=1)[0]
    assert entry.action == VERIFY_ACTION
    assert entry.payload["chain_head"] == head
    box = window.findChild(QMessageBox, "verify-result")
    assert isinstance(box, QMessageBox)
    assert "recorded in the audit log" in box.informativeText()


def test_verify_read_only_beside_the_writer_is_not_recorded(
    qtbot: QtBot, bare_window: MainWindow, holder: Case
) -> None:
    window = bare_window
    with qtbot.waitSignal(window.loaded, timeout=LOAD_TIMEOUT_MS):
        assert window.open_case_read_only(str(holder.folder))
    before = holder.info().audit_entries
    with qtbot.waitSignal(window.verify_finished, timeout=LOAD_TIMEOUT_MS) as done:
        window.actions_by_name["verify"].trigger()
    report = done.args[0]
    assert isinstance(report, VerifyReport)
    assert report.ok
    assert report.recorded == NOT_RECORDED_ELSEWHERE
    assert holder.info().audit_entries == before
    box = window.findChild(QMessageBox, "verify-result")
    assert isinstance(box, QMessageBox)
    assert "not recorded: case open elsewhere" in box.informativeText()
