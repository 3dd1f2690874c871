"""Passphrases of encrypted cases: the New case dialog, the question on open, the change.

None of them blocks the window: each emits `submitted` and the window answers, closing the
dialog when the passphrase worked or calling `refused(...)` so the user can try again. A
passphrase lives only in the fields while the dialog is open; it is never saved or logged.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpacerItem,
    QVBoxLayout,
    QWidget,
)

from app.case import MIN_PASSPHRASE, SUFFIX, passphrase_strength
from ui import theme

NO_RECOVERY = (
    "Without the passphrase nobody can open this case, you included: Threadline cannot "
    "recover it. Keep it somewhere safe, apart from the computer."
)
STRENGTH_WORDS = ("Too short", "Weak", "Fair", "Strong")
WIDTH_CHARS = 84
FIELD_CHARS = 56


@contextmanager
def waiting() -> Iterator[None]:
    """The busy cursor while a passphrase is being checked (about half a second)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def _muted(label: QLabel) -> QLabel:
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(label.foregroundRole(), theme.muted())
    label.setPalette(palette)
    return label


def _message(text: str, name: str = "question") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def secret_field(name: str, accessible: str) -> QLineEdit:
    """A line edit for a passphrase: hidden, no prediction or capitals from the keyboard."""
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible)
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhSensitiveData
        | Qt.InputMethodHint.ImhNoPredictiveText
        | Qt.InputMethodHint.ImhNoAutoUppercase
    )
    field.setMinimumHeight(theme.row_height(field))
    field.setMinimumWidth(36 * field.fontMetrics().averageCharWidth())
    return field


class NewPassphrase(QObject):
    """A new passphrase typed twice, with a strength hint and whether the two match; its
    rows go into the dialog's own form, so every label lines up."""

    changed = Signal()

    def __init__(self, parent: QWidget, label: str = "&Passphrase:") -> None:
        super().__init__(parent)
        self.first = secret_field("new-passphrase", "New passphrase")
        self.second = secret_field("new-passphrase-again", "New passphrase again")
        self.strength = _muted(QLabel())
        self.strength.setObjectName("strength")
        self.strength.setTextFormat(Qt.TextFormat.RichText)
        self.strength.setMinimumWidth(FIELD_CHARS * self.strength.fontMetrics().averageCharWidth())
        self.first_label = QLabel(label)
        self.first_label.setBuddy(self.first)
        self.second_label = QLabel("&Again:")
        self.second_label.setBuddy(self.second)
        for field in (self.first, self.second):
            field.textChanged.connect(self._update)
        self._update()

    def add_to(self, form: QFormLayout) -> None:
        """Add the two fields and the hint as rows of `form`."""
        form.addRow(self.first_label, self.first)
        form.addRow(self.second_label, self.second)
        form.addRow("", self.strength)

    def set_visible(self, form: QFormLayout, on: bool) -> None:
        """Show or hide the rows in `form`."""
        for widget in (self.first, self.second, self.strength):
            form.setRowVisible(widget, on)

    def _update(self) -> None:
        first, second = self.first.text(), self.second.text()
        level, hint = passphrase_strength(first)
        if not first:
            text = f"At least {MIN_PASSPHRASE} characters; a phrase of unrelated words is best."
        elif level == 0:
            text = f"<b>{STRENGTH_WORDS[0]}</b>: at least {MIN_PASSPHRASE} characters"
        else:
            detail = hint.partition(": ")[2]
            text = f"<b>{STRENGTH_WORDS[level]}</b>" + (
                f": {html.escape(detail)}" if detail else ""
            )
        if second and first != second:
            text += "<br>The two do not match yet."
        elif second and level > 0:
            text += "<br>The two match."
        self.strength.setText(text)
        self.changed.emit()

    @property
    def valid(self) -> bool:
        """Whether the passphrase is long enough and typed the same twice."""
        text = self.first.text()
        return len(text) >= MIN_PASSPHRASE and text == self.second.text()

    def take(self) -> str:
        """The passphrase, clearing both fields."""
        text = self.first.text()
        self.clear()
        return text

    def clear(self) -> None:
        """Empty both fields."""
        self.first.clear()
        self.second.clear()


class NewCaseDialog(QDialog):
    """Name, folder and, when asked for, encryption of a new case."""

    submitted = Signal()

    def __init__(self, folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("new-case")
        self.setWindowTitle("New case")
        self.setModal(True)
        self.name = QLineEdit()
        self.name.setObjectName("case-name")
        self.name.setPlaceholderText("e.g. Op Larch – J. Smith")
        self.name.setMinimumHeight(theme.row_height(self.name))
        self.folder = QLineEdit(folder)
        self.folder.setObjectName("case-folder")
        self.folder.setMinimumHeight(theme.row_height(self.folder))
        self.choose = QPushButton("C&hoose…")
        self.choose.setObjectName("choose-folder")
        self.choose.setAutoDefault(False)
        self.choose.clicked.connect(self._choose_folder)
        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(self.choose)
        self.target_label = _muted(QLabel())
        self.target_label.setObjectName("target")
        self.target_label.setMinimumWidth(FIELD_CHARS * self.fontMetrics().averageCharWidth())
        self.encrypt = QCheckBox("&Encrypt this case with a passphrase")
        self.encrypt.setObjectName("encrypt")
        self.encrypt_hint = _muted(
            QLabel(
                "Everything in the case folder is then unreadable without it: the database, "
                "every original and every thumbnail. Recommended on a laptop."
            )
        )
        self.passphrase = NewPassphrase(self)
        self.warning = _muted(QLabel(NO_RECOVERY))
        self.warning.setObjectName("no-recovery")
        self.problem = _message("", "problem")
        self.problem.hide()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(8)
        name_label = QLabel("&Name:")
        name_label.setBuddy(self.name)
        folder_label = QLabel("&Folder:")
        folder_label.setBuddy(self.folder)
        form.addRow(name_label, self.name)
        form.addRow(folder_label, where)
        form.addRow("", self.target_label)
        form.addItem(QSpacerItem(0, 6))
        form.addRow(self.encrypt)
        form.addRow(self.encrypt_hint)
        self.passphrase.add_to(form)
        form.addRow(self.warning)
        self.form = form

        buttons = QDialogButtonBox()
        self.create_button = buttons.addButton("&Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("create")
        self.create_button.setDefault(True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addSpacing(4)
        layout.addWidget(buttons)

        self.name.textChanged.connect(self._update)
        self.folder.textChanged.connect(self._update)
        self.encrypt.toggled.connect(self._toggled)
        self.passphrase.changed.connect(self._update)
        self.name.setFocus()
        self.setMinimumWidth(WIDTH_CHARS * self.fontMetrics().averageCharWidth())
        self._update()
        self.adjustSize()

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Folder for the new case", self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)

    def target(self) -> Path | None:
        """The case folder that would be created (None until a name and folder are given)."""
        name, folder = self.name.text().strip(), self.folder.text().strip()
        if not name or not folder or "/" in name or "\\" in name:
            return None
        return Path(folder).expanduser() / (name if name.endswith(SUFFIX) else name + SUFFIX)

    def _update(self) -> None:
        on = self.encrypt.isChecked()
        self.passphrase.set_visible(self.form, on)
        self.form.setRowVisible(self.warning, on)
        target = self.target()
        if self.folder.text().strip() and not Path(self.folder.text()).expanduser().is_dir():
            self.target_label.setText("There is no such folder: choose one that exists.")
        elif target is None:
            self.target_label.setText("The case is a folder: NAME.threadline inside this folder.")
        elif target.exists():
            self.target_label.setText(f"{target} already exists: choose another name.")
        else:
            self.target_label.setText(f"Creates {target}")
        ready = target is not None and not target.exists() and target.parent.is_dir()
        self.create_button.setEnabled(ready and (not on or self.passphrase.valid))
        self.problem.hide()

    def _toggled(self, on: bool) -> None:
        self._update()
        if on:
            self.passphrase.first.setFocus()
        self.adjustSize()

    def _submit(self) -> None:
        if self.create_button.isEnabled():
            self.submitted.emit()

    def passphrase_text(self) -> str | None:
        """The new case's passphrase (None: not encrypted)."""
        if not self.encrypt.isChecked():
            return None
        return self.passphrase.first.text()

    def done(self, result: int) -> None:
        """Close, leaving no passphrase in the fields."""
        self.passphrase.clear()
        super().done(result)

    def refused(self, reason: str) -> None:
        """The case could not be created: say why and stay open."""
        self.problem.setText(html.escape(reason))
        self.problem.show()


class OpenPassphraseDialog(QDialog):
    """Asks for the passphrase of an encrypted case being opened; says so when it is wrong."""

    submitted = Signal(str)

    def __init__(self, case_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ask-passphrase")
        self.setWindowTitle("Encrypted case")
        self.setModal(True)
        self.case_name = case_name
        self.tries = 0
        self.message = _message(
            f"<b>{html.escape(case_name)}</b> is encrypted. Type its passphrase to open it."
        )
        self.field = secret_field("passphrase", "Passphrase")
        label = QLabel("&Passphrase:")
        label.setBuddy(self.field)
        hint = _muted(QLabel("The passphrase is not saved or logged."))
        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton("&Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setObjectName("open")
        self.open_button.setDefault(True)
        self.open_button.setEnabled(False)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        self.field.textChanged.connect(lambda text: self.open_button.setEnabled(bool(text)))
        self.rejected.connect(self.field.clear)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(self.message)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(hint)
        layout.addSpacing(4)
        layout.addWidget(buttons)
        self.field.setFocus()
        self.message.setMinimumWidth(60 * self.fontMetrics().averageCharWidth())
        self.adjustSize()

    def _submit(self) -> None:
        text = self.field.text()
        if text:
            self.field.clear()
            self.submitted.emit(text)

    def refused(self) -> None:
        """The passphrase did not open the case: say so, and let the user try again."""
        self.tries += 1
        again = " again" if self.tries > 1 else ""
        self.message.setText(
            f"That passphrase does not open <b>{html.escape(self.case_name)}</b>{again}. "
            "Check Caps Lock and the keyboard layout, and try again."
        )
        self.field.clear()
        self.field.setFocus()


class ChangePassphraseDialog(QDialog):
    """The current passphrase of the open case and a new one, typed twice."""

    submitted = Signal(str, str)

    def __init__(self, case_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("change-passphrase")
        self.setWindowTitle("Change passphrase")
        self.setModal(True)
        self.case_name = case_name
        self.message = _message(
            f"A new passphrase for <b>{html.escape(case_name)}</b>. From now on only the "
            "new one opens the case; nothing in it is changed. Backups made before keep "
            "the passphrase they were made with."
        )
        self.current = secret_field("current-passphrase", "Current passphrase")
        current_label = QLabel("C&urrent passphrase:")
        current_label.setBuddy(self.current)
        self.passphrase = NewPassphrase(self, "&New passphrase:")
        self.problem = _message("", "problem")
        self.problem.hide()
        buttons = QDialogButtonBox()
        self.change_button = buttons.addButton(
            "&Change passphrase", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.change_button.setObjectName("change")
        self.change_button.setDefault(True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        self.current.textChanged.connect(self._update)
        self.passphrase.changed.connect(self._update)
        self.rejected.connect(self._clear)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(self.message)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(8)
        form.addRow(current_label, self.current)
        self.passphrase.add_to(form)
        layout.addLayout(form)
        layout.addWidget(_muted(QLabel(NO_RECOVERY)))
        layout.addWidget(self.problem)
        layout.addSpacing(4)
        layout.addWidget(buttons)
        self.current.setFocus()
        self.setMinimumWidth(WIDTH_CHARS * self.fontMetrics().averageCharWidth())
        self._update()

    def _update(self) -> None:
        self.change_button.setEnabled(bool(self.current.text()) and self.passphrase.valid)

    def _clear(self) -> None:
        self.current.clear()
        self.passphrase.clear()

    def _submit(self) -> None:
        if self.change_button.isEnabled():
            old, new = self.current.text(), self.passphrase.first.text()
            self.submitted.emit(old, new)

    def refused(self, reason: str) -> None:
        """The change did not happen: say why, empty the current passphrase, stay open."""
        self.problem.setText(html.escape(reason))
        self.problem.show()
        self.current.clear()
        self.current.setFocus()

    def done(self, result: int) -> None:
        """Close, leaving no passphrase in the fields."""
        self._clear()
        super().done(result)
