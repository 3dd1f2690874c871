"""Questions an import cannot answer alone: the day/month order of a file's dates, a password.

Both are modal and small. Neither guesses: the user picks, or the file stays not imported.
A password is held only as long as the dialog lives; it is never stored and never logged.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import display, theme

DATE_ORDER_CHOICES = {
    "dmy": "&Day first (UK: 03/04 = 3 April)",
    "mdy": "&Month first (US: 03/04 = March 4)",
    "ymd": "&Year first (2024/04/03 = 3 April)",
}
SKIP_TEXT = "Do&n't import it"
EXAMPLE_DATE = "03/04/2024"


def _muted(label: QLabel) -> QLabel:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), theme.muted())
    label.setPalette(palette)
    return label


def _others_box(others: list[str], what: str) -> QCheckBox | None:
    """`Use this answer for the 3 other files …`, with their names in the tooltip."""
    if not others:
        return None
    box = QCheckBox(f"&{what} for the {display.plural(len(others), 'other file')} asking this")
    box.setObjectName("apply-to-others")
    box.setToolTip("\n".join(others))
    return box


def _message(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("question")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DateOrderDialog(QDialog):
    """Asks whether a file's dates are day first or month first; `choice` holds the answer."""

    def __init__(
        self,
        file_name: str,
        choices: tuple[str, ...] = ("dmy", "mdy"),
        example: str = "",
        others: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ask-date-order")
        self.setWindowTitle("Day or month first?")
        self.setModal(True)
        self.choice = ""
        example = example or EXAMPLE_DATE
        self.message = message = _message(
            f"The dates in <b>{html.escape(file_name)}</b> could be day/month or month/day "
            f"(e.g. {html.escape(example)}). Which order does the phone use?"
        )
        hint = _muted(
            QLabel(
                "Threadline will not guess: every time in the file depends on this. "
                "The phone's own date settings, or a date you know, will tell."
            )
        )
        hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(message)
        layout.addWidget(hint)
        layout.addSpacing(4)
        self.buttons: dict[str, QPushButton] = {}
        known = [c for c in choices if c in DATE_ORDER_CHOICES] or ["dmy", "mdy"]
        for value in known:
            button = QPushButton(DATE_ORDER_CHOICES[value])
            button.setObjectName(f"choose-{value}")
            button.setMinimumHeight(theme.row_height(button))
            button.setStyleSheet("text-align: left; padding-left: 12px; padding-right: 12px;")
            button.clicked.connect(lambda _=False, v=value: self.choose(v))
            layout.addWidget(button)
            self.buttons[value] = button
        self.apply_to_others = _others_box(others or [], "Use this answer")
        if self.apply_to_others is not None:
            layout.addWidget(self.apply_to_others)
        skip = QDialogButtonBox()
        self.skip = skip.addButton(SKIP_TEXT, QDialogButtonBox.ButtonRole.RejectRole)
        self.skip.setObjectName("skip")
        self.skip.setAutoDefault(False)
        skip.rejected.connect(self.reject)
        layout.addSpacing(4)
        layout.addWidget(skip)
        self.buttons[known[0]].setFocus()
        width = 72 * self.fontMetrics().averageCharWidth()
        message.setMinimumWidth(width)
        self.adjustSize()

    def choose(self, value: str) -> None:
        """Answer `value` (`dmy`, `mdy`) and close."""
        self.choice = value
        self.accept()

    @property
    def for_others(self) -> bool:
        """Whether the answer also settles the other files asking the same."""
        return self.apply_to_others is not None and self.apply_to_others.isChecked()


class PasswordDialog(QDialog):
    """Asks for the password of a locked file; the field is cleared when the dialog closes."""

    def __init__(
        self,
        file_name: str,
        *,
        retry: bool = False,
        others: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ask-password")
        self.setWindowTitle("Password needed")
        self.setModal(True)
        name = f"<b>{html.escape(file_name)}</b>"
        if retry:
            text = f"That password did not open {name}. Try again, or leave it not imported."
        else:
            text = f"{name} is locked with a password. Type it to open the file."
        self.message = message = _message(text)
        hint = _muted(
            QLabel("The password is used for this import only. It is not saved or logged.")
        )
        hint.setWordWrap(True)
        self.field = QLineEdit()
        self.field.setObjectName("password")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setAccessibleName("Password")
        self.field.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
            | Qt.InputMethodHint.ImhNoAutoUppercase
        )
        self.field.setMinimumHeight(theme.row_height(self.field))
        label = QLabel("&Password:")
        label.setBuddy(self.field)
        self.apply_to_others = _others_box(others or [], "Try it")

        box = QDialogButtonBox()
        self.open_button = box.addButton("&Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setObjectName("open")
        self.open_button.setDefault(True)
        self.open_button.setEnabled(False)
        self.skip = box.addButton(SKIP_TEXT, QDialogButtonBox.ButtonRole.RejectRole)
        self.skip.setObjectName("skip")
        self.skip.setAutoDefault(False)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        self.field.textChanged.connect(lambda text: self.open_button.setEnabled(bool(text)))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(message)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(hint)
        if self.apply_to_others is not None:
            layout.addWidget(self.apply_to_others)
        layout.addSpacing(4)
        layout.addWidget(box)
        self.field.setFocus()
        message.setMinimumWidth(64 * self.fontMetrics().averageCharWidth())
        self.adjustSize()

    def password(self) -> str:
        """What was typed (empty when nothing was)."""
        return self.field.text()

    @property
    def for_others(self) -> bool:
        """Whether to try the same password on the other locked files."""
        return self.apply_to_others is not None and self.apply_to_others.isChecked()

    def take(self) -> str:
        """The password, clearing the field so it lives nowhere else in the dialog."""
        text = self.field.text()
        self.field.clear()
        return text
