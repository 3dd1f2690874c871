"""A picker for one choice from a list, chosen by typing: a filter, the list, a description,
an optional note. Type to filter (every word must occur), Up/Down to move, Enter accepts,
Esc cancels. The reason picker (redaction) and the element picker (tagging) are two uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


def choose_first_visible(rows: QListWidget) -> None:
    """Make the first row the filter left visible the current one (none when none is)."""
    for i in range(rows.count()):
        if not rows.item(i).isHidden():
            rows.setCurrentRow(i)
            return
    rows.setCurrentRow(-1)


@dataclass(frozen=True, slots=True)
class Choice:
    """One row of a picker: the value returned, the text shown, a description, and the
    words the filter looks in (besides the text)."""

    value: str
    text: str
    description: str = ""
    words: str = ""


class ListPicker(QDialog):
    """Choose one value (and a note) by typing; `value` is the choice, None when none."""

    def __init__(
        self,
        what: str,
        choices: Sequence[Choice],
        parent: QWidget | None = None,
        *,
        title: str,
        ok_text: str,
        filter_hint: str,
        chosen: str = "",
        with_note: bool = True,
        note_hint: str = "Note (optional)",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._choices = list(choices)
        heading = QLabel(what)
        heading.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(filter_hint)
        self.filter.setAccessibleName("Filter the list")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.filter.installEventFilter(self)
        self.list = QListWidget()
        self.list.setAccessibleName(title)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.itemActivated.connect(lambda _item: self.accept())
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        for c in self._choices:
            item = QListWidgetItem(c.text)
            item.setData(Qt.ItemDataRole.UserRole, c.value)
            item.setToolTip(c.description)
            self.list.addItem(item)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.list.currentItemChanged.connect(self._describe)
        self.note = QLineEdit()
        self.note.setPlaceholderText(note_hint)
        self.note.setAccessibleName("Note")
        self.note.setVisible(with_note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.description)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        rows = max(1, len(self._choices))
        self.list.setMinimumHeight(min(rows, 9) * (self.list.sizeHintForRow(0) + 2) + 6)
        self.resize(460, self.sizeHint().height())
        self._choose(chosen)
        self.filter.setFocus()

    # -- choosing ---------------------------------------------------------------------

    def _choose(self, value: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == value and not item.isHidden():
                self.list.setCurrentItem(item)
                return
        self._first_visible()

    def _first_visible(self) -> None:
        choose_first_visible(self.list)

    def exact(self, text: str) -> str | None:
        """A value the typed text names exactly (chosen over the first match), or None."""
        return None

    def _filter(self, text: str) -> None:
        words = text.casefold().split()
        for i, c in enumerate(self._choices):
            hay = f"{c.text} {c.words} {c.description}".casefold()
            self.list.item(i).setHidden(not all(w in hay for w in words))
        current = self.list.currentItem()
        exact = self.exact(text.strip())
        if exact is not None:
            self._choose(exact)
        elif current is None or current.isHidden():
            self._first_visible()
        self.ok_button.setEnabled(self.value is not None)

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
    def value(self) -> str | None:
        """The value chosen (None when the filter left none)."""
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        return str(item.data(Qt.ItemDataRole.UserRole))

    def accept(self) -> None:
        if self.value is None:
            return
        super().accept()

    def answer(self) -> tuple[str, str] | None:
        """Show the dialog modally; (value, note) or None when cancelled. Deletes it."""
        try:
            if self.exec() != QDialog.DialogCode.Accepted or self.value is None:
                return None
            return self.value, self.note.text().strip()
        finally:
            self.deleteLater()
