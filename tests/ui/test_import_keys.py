"""The import options step: public keys chosen there check a signed X return's signature."""

from __future__ import annotations

import json
from pathlib import Path

import pysequoia
import pytest
from pytestqt.qtbot import QtBot

from app.ingest.job import ImportReport
from tests.ui.conftest import LOAD_TIMEOUT_MS
from ui.dialogs.import_options import NO_KEYS, ImportOptionsDialog
from ui.main_window import MainWindow


def test_keys_chosen_before_import_verify_the_signed_return(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tsk = pysequoia.Tsk.generate("X law enforcement <le@example.com>")
    keys = tmp_path / "keys"
    keys.mkdir()
    key = keys / "x-law-enforcement.asc"  # kept apart from the return: only the dialog gives it
    key.write_text(str(tsk.extract_certificate()))
    entry = {"ipAudit": {"createdAt": "2024-03-05T21:10:00.000Z", "loginIp": "198.51.100.23"}}
    data = json.dumps([entry]).encode()
    signed = tmp_path / "return" / "42-ip-audit.txt"
    signed.parent.mkdir()
    signed.write_bytes(pysequoia.sign(tsk.signer(), data, mode=pysequoia.SignatureMode.CLEAR))
    seen: list[tuple[str, ...]] = []

    def choose_key(dialog: ImportOptionsDialog) -> int:
        assert dialog.keys_label.text() == NO_KEYS
        assert not dialog.keys_clear.isEnabled()
        dialog.keys_button.click()  # the file dialog below answers
        seen.append(dialog.signing_keys())
        assert dialog.keys_label.text() == "x-law-enforcement.asc"
        assert dialog.keys_clear.isEnabled()
        dialog.ok.click()
        return dialog.result()

    monkeypatch.setattr(ImportOptionsDialog, "exec", choose_key)
    captions: list[str] = []

    def open_file_names(_parent: object, caption: str, *_a: object) -> tuple[list[str], str]:
        # one QFileDialog class serves both steps: the dialog's caption tells them apart
        captions.append(caption)
        return ([str(key)] if "key" in caption.lower() else [str(signed)]), ""

    monkeypatch.setattr("ui.main_window.QFileDialog.getOpenFileNames", open_file_names)
    with qtbot.waitSignal(window.import_finished, timeout=LOAD_TIMEOUT_MS) as finished:
        window.actions_by_name["import_files"].trigger()
    report = finished.args[0]
    assert isinstance(report, ImportReport)
    (result,) = report.files
    assert seen == [(str(key),)]
    assert captions[0] == "Public keys to check signed returns"
    assert result.importer == "x-return"
    assert result.decisions["signature"].startswith("signature verified: made on ")
    assert result.decisions["signature_keys"].startswith("x-law-enforcement.asc (")


def test_clearing_the_keys(qtbot: QtBot) -> None:
    dialog = ImportOptionsDialog("Europe/London")
    qtbot.addWidget(dialog)
    dialog.set_signing_keys(("/evidence/a.asc", "/evidence/b.asc"))
    assert dialog.keys_label.text() == "a.asc, b.asc"
    dialog.keys_clear.click()
    assert dialog.signing_keys() == ()
    assert dialog.keys_label.text() == NO_KEYS
