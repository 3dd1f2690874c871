"""Screenshots of the passphrase dialogs of encrypted cases, filled in as a user would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from ui.dialogs.passphrase import ChangePassphraseDialog, NewCaseDialog, OpenPassphraseDialog
from ui.main_window import MainWindow

SAMPLE = "violet kettle marching"


def new_case(window: MainWindow) -> QWidget | None:
    """New case, to be encrypted: name, folder and the passphrase typed twice."""
    folder = str(window.case.folder.parent) if window.case is not None else str(Path.home())
    dialog = NewCaseDialog(folder, window)
    dialog.name.setText("Op Larch – J. Smith")
    dialog.encrypt.setChecked(True)
    dialog.passphrase.first.setText(SAMPLE)
    dialog.passphrase.second.setText(SAMPLE)
    dialog.show()
    return dialog


def ask_passphrase(window: MainWindow) -> QWidget | None:
    """The question when an encrypted case is opened, after one wrong try."""
    name = window.case.name if window.case is not None else "Op Larch – J. Smith"
    dialog = OpenPassphraseDialog(name, window)
    dialog.refused()
    dialog.field.setText("another try")
    dialog.show()
    return dialog


def change_passphrase(window: MainWindow) -> QWidget | None:
    """Case ▸ Change passphrase…, the new one typed twice."""
    name = window.case.name if window.case is not None else "Op Larch – J. Smith"
    dialog = ChangePassphraseDialog(name, window)
    dialog.current.setText("the old passphrase")
    dialog.passphrase.first.setText("Tr0ub4dor&3")
    dialog.passphrase.second.setText("Tr0ub4dor&3")
    dialog.show()
    return dialog


PASSPHRASE_SHOTS: list[tuple[str, Callable[[MainWindow], QWidget | None]]] = [
    ("new-case-encrypted.png", new_case),
    ("ask-passphrase.png", ask_passphrase),
    ("change-passphrase.png", change_passphrase),
]
