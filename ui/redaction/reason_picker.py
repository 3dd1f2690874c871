"""The reason picker: which reason code a redaction carries, chosen by typing.

Type to filter (code, label or description), Up/Down to move, Enter accepts, Esc cancels.
The last reason used is chosen first next time; an optional note goes with the redaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.redaction.model import Reason
from app.redaction.store import reasons as configured_reasons

_remembered: dict[str, str] = {}  # one choice, remembered for the whole session


def last_reason() -> str:
    """The code chosen last in this session ('' before the first choice)."""
    return _remembered.get("reason", "")


def remember_reason(code: str) -> None:
    """Make `code` the reason chosen first next time."""
    _remembered["reason"] = code


class ReasonPicker(QDialog):
    """Choose a reason code (and a note) for what is about to be redacted."""

    def __init__(
        self,
        what: str,
        parent: QWidget | None = None,
        reasons: Sequence[Reason] | None = None,
        *,
        with_note: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reason-picker")
        self.setWindowTitle("Reason for redaction")
        self._reasons = list(reasons if reasons is not None else configured_reasons())
        heading = QLabel(what)
        heading.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setObjectName("reason-filter")
        self.filter.setPlaceholderText("Type to filter: code or words of the reason")
        self.filter.setAccessibleName("Filter the reasons")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.filter.installEventFilter(self)
        self.list = QListWidget()
        self.list.setObjectName("reason-list")
        self.list.setAccessibleName("Reasons")
        self.list.itemActivated.connect(lambda _item: self.accept())
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        for r in self._reasons:
            item = QListWidgetItem(f"{r.code}  —  {r.label}")
            item.setData(Qt.ItemDataRole.UserRole, r.code)
            item.setToolTip(r.description)
            self.list.addItem(item)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("reason-description")
        self.list.currentItemChanged.connect(self._describe)
        self.note = QLineEdit()
        self.note.setObjectName("reason-note")
        self.note.setPlaceholderText("Note (optional)")
        self.note.setAccessibleName("Note")
        self.note.setVisible(with_note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Redact")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.description)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        rows = max(1, len(self._reasons))
        self.list.setMinimumHeight(min(rows, 9) * (self.list.sizeHintForRow(0) + 2) + 6)
        self.resize(460, self.sizeHint().height())
        self._choose(last_reason())
        self.filter.setFocus()

    # -- choosing ---------------------------------------------------------------------

    def _choose(self, code: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == code and not item.isHidden():
                self.list.setCurrentItem(item)
                return
        self._first_visible()

    def _first_visible(self) -> None:
        for i in range(self.list.count()):
            if not self.list.item(i).isHidden():
                self.list.setCurrentRow(i)
                return
        self.list.setCurrentRow(-1)

    def _filter(self, text: str) -> None:
        words = text.casefold().split()
        for i, r in enumerate(self._reasons):
            hay = f"{r.code} {r.label} {r.description}".casefold()
            self.list.item(i).setHidden(not all(w in hay for w in words))
        current = self.list.currentItem()
        exact = text.strip().upper()
        if any(r.code == exact for r in self._reasons):
            self._choose(exact)  # a code typed in full wins
        elif current is None or current.isHidden():
            self._first_visible()
        self.ok_button.setEnabled(self.code is not None)

    def _describe(self, current: QListWidgetItem | None, _previous: object = None) -> None:
        self.description.setText(current.toolTip() if current is not None else "")

    def _move(self, step: int) -> None:
        rows = [i for i in range(self.list.count()) if not self.list.item(i).isHidden()]
        if not rows:
            return
        now = self.list.currentRow()
        at = rows.index(now) if now in rows else -1
        self.list.setCurrentRow(rows[max(0, min(len(rows) - 1, at + step))])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.filter
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up)
        ):
            self._move(1 if event.key() == Qt.Key.Key_Down else -1)
            return True
        return super().eventFilter(watched, event)

    # -- result -----------------------------------------------------------------------

    @property
    def code(self) -> str | None:
        """The reason chosen (None when the filter left none)."""
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        return str(item.data(Qt.ItemDataRole.UserRole))

    def accept(self) -> None:
        code = self.code
        if code is None:
            return
        remember_reason(code)
        super().accept()

    @classmethod
    def ask(cls, what: str, parent: QWidget | None = None) -> tuple[str, str] | None:
        """Ask; (code, note) or None when cancelled."""
        dialog = cls(what, parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.code is None:
                return None
            return dialog.code, dialog.note.text().strip()
        finally:
            dialog.deleteLater()
