"""Encrypted cases in the window: New case with a passphrase, the question on open, the change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.case import Case
from app.errors import WrongPassphrase
from app.ingest.job import import_paths
from app.store import crypto
from tests.ui.conftest import LOAD_TIMEOUT_MS, write_evidence
from ui.dialogs.passphrase import ChangePassphraseDialog, NewCaseDialog, OpenPassphraseDialog
from ui.main_window import MainWindow
from ui.settings import SettingsStore

PASSPHRASE = "violet kettle marching under rain"


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheaper scrypt (the key file records the cost it was made with)."""
    monkeypatch.setattr(crypto, "SCRYPT_N", 1 << 12)


@pytest.fixture
def empty_window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    yield w
    w.close()


@pytest.fixture
def encrypted_path(tmp_path: Path) -> Path:
    """A closed encrypted case holding three imported text files."""
    files = write_evidence(tmp_path / "evidence", 3)
    with Case.create(tmp_path / "Sealed", passphrase=PASSPHRASE) as case:
        assert import_paths(case, files).count("imported") == 3
        return case.folder


def type_into(qtbot: QtBot, widget: object, text: str) -> None:
    qtbot.keyClicks(widget, text)


def test_new_case_dialog_creates_an_encrypted_case(
    qtbot: QtBot, empty_window: MainWindow, tmp_path: Path
) -> None:
    w = empty_window
    dialog = w.new_case()
    assert isinstance(dialog, NewCaseDialog)
    assert dialog.isVisible()
    assert not dialog.create_button.isEnabled()  # no name yet
    dialog.folder.setText(str(tmp_path))
    type_into(qtbot, dialog.name, "Op Larch")
    assert dialog.create_button.isEnabled()  # a plain case could be made now
    assert not dialog.passphrase.first.isVisible()
    dialog.encrypt.setChecked(True)
    assert dialog.passphrase.first.isVisible()
    assert not dialog.create_button.isEnabled()
    type_into(qtbot, dialog.passphrase.first, "short")
    type_into(qtbot, dialog.passphrase.second, "short")
    assert "Too short" in dialog.passphrase.strength.text()
    assert not dialog.create_button.isEnabled()
    dialog.passphrase.clear()
    type_into(qtbot, dialog.passphrase.first, PASSPHRASE)
    type_into(qtbot, dialog.passphrase.second, PASSPHRASE + "!")
    assert "do not match" in dialog.passphrase.strength.text()
    assert not dialog.create_button.isEnabled()
    dialog.passphrase.second.backspace()
    assert dialog.create_button.isEnabled()
    assert "Strong" in dialog.passphrase.strength.text()
    left: list[str] = []
    dialog.finished.connect(lambda _: left.append(dialog.passphrase.first.text()))
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert w.case is not None
    assert w.case.encrypted
    assert w.case.folder == tmp_path / "Op Larch.threadline"
    assert (w.case.folder / "keys.json").is_file()
    assert left == [""]  # closed, with nothing left in the fields
    qtbot.waitUntil(lambda: "new-case" not in w._dialogs)
    assert w.actions_by_name["change_passphrase"].isEnabled()
    w.close_case()
    with pytest.raises(WrongPassphrase):
        Case.open(tmp_path / "Op Larch", passphrase="not it at all")
    Case.open(tmp_path / "Op Larch", passphrase=PASSPHRASE).close()


def test_new_case_dialog_makes_a_plain_case_and_refuses_an_existing_one(
    qtbot: QtBot, empty_window: MainWindow, tmp_path: Path
) -> None:
    w = empty_window
    dialog = w.new_case()
    dialog.folder.setText(str(tmp_path))
    type_into(qtbot, dialog.name, "Plain")
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        dialog.create_button.click()
    assert w.case is not None
    assert not w.case.encrypted
    assert not w.actions_by_name["change_passphrase"].isEnabled()
    again = w.new_case()
    again.folder.setText(str(tmp_path))
    type_into(qtbot, again.name, "Plain")
    assert "already exists" in again.target_label.text()
    assert not again.create_button.isEnabled()
    again.reject()


def test_opening_an_encrypted_case_asks_and_lets_the_user_try_again(
    qtbot: QtBot, empty_window: MainWindow, encrypted_path: Path
) -> None:
    w = empty_window
    assert w.open_case(str(encrypted_path)) is False  # asked first
    dialog = w._dialogs["passphrase"]
    assert isinstance(dialog, OpenPassphraseDialog)
    assert dialog.isVisible()
    assert "Sealed</b> is encrypted" in dialog.message.text()
    assert not dialog.open_button.isEnabled()
    type_into(qtbot, dialog.field, "wrong passphrase")
    dialog.open_button.click()
    assert w.case is None
    assert dialog.isVisible()
    assert "That passphrase does not open <b>Sealed</b>" in dialog.message.text()
    assert dialog.field.text() == ""
    type_into(qtbot, dialog.field, PASSPHRASE)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        dialog.open_button.click()
    assert w.case is not None
    assert w.case.encrypted
    assert w.timeline_model.rowCount() == 3
    qtbot.waitUntil(lambda: "passphrase" not in w._dialogs)


def test_cancelling_the_question_keeps_the_open_case(
    qtbot: QtBot, window: MainWindow, encrypted_path: Path
) -> None:
    before = window.case
    assert window.open_case(str(encrypted_path)) is False
    dialog = window._dialogs["passphrase"]
    assert isinstance(dialog, OpenPassphraseDialog)
    dialog.reject()
    qtbot.waitUntil(lambda: "passphrase" not in window._dialogs)
    assert window.case is before


def test_change_passphrase_in_the_window(
    qtbot: QtBot, empty_window: MainWindow, encrypted_path: Path
) -> None:
    w = empty_window
    w.open_case(str(encrypted_path))
    ask = w._dialogs["passphrase"]
    assert isinstance(ask, OpenPassphraseDialog)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        ask.submitted.emit(PASSPHRASE)
    action = w.actions_by_name["change_passphrase"]
    assert action.isEnabled()
    action.trigger()
    dialog = w._dialogs["change-passphrase"]
    assert isinstance(dialog, ChangePassphraseDialog)
    type_into(qtbot, dialog.current, "not the passphrase")
    type_into(qtbot, dialog.passphrase.first, "seven sleepy seals")
    type_into(qtbot, dialog.passphrase.second, "seven sleepy seals")
    dialog.change_button.click()
    assert dialog.isVisible()
    assert "not the current passphrase" in dialog.problem.text()
    assert dialog.current.text() == ""
    type_into(qtbot, dialog.current, PASSPHRASE)
    dialog.change_button.click()
    qtbot.waitUntil(lambda: "change-passphrase" not in w._dialogs)
    assert "only the new one opens it" in w.statusBar().currentMessage()
    assert w.case is not None
    assert any(r.action == "case.rekey" for r in w.case.audit_rows(5))
    w.close_case()
    with pytest.raises(WrongPassphrase):
        Case.open(encrypted_path, passphrase=PASSPHRASE)
    Case.open(encrypted_path, passphrase="seven sleepy seals").close()
