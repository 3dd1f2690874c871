"""The "Exhibits" dock: every exhibit reference of the case with its description, how many
items it holds and whether an export has locked it; Enter goes to its first item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.export.exhibits import ExhibitRow
from ui import display
from ui.models.base import Index, ReadOnlyTableModel
from ui.views.tables import make_table, set_widths

LOCKED = "🔒 locked"


class ExhibitsModel(ReadOnlyTableModel):
    """The case's exhibits, one row each, in reference order."""

    REF, DESCRIPTION, ITEMS, LOCKED = range(4)
    HEADERS = ("Exhibit", "Description", "Items", "Export")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ExhibitRow] = []

    def set_rows(self, rows: Sequence[ExhibitRow]) -> None:
        """Show these exhibits."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    @property
    def rows(self) -> list[ExhibitRow]:
        """The exhibits shown."""
        return list(self._rows)

    def row_at(self, row: int) -> ExhibitRow | None:
        """The exhibit at a table row."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, ref: str) -> int:
        """The table row of an exhibit, or -1."""
        return next((n for n, r in enumerate(self._rows) if r.ref == ref), -1)

    def _count(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = self.row_at(index.row()) if index.isValid() else None
        if r is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.REF:
                return r.ref
            if col == self.DESCRIPTION:
                return display.one_line(r.description) or "–"
            if col == self.ITEMS:
                return str(len(r.item_ids))
            return LOCKED if r.locked else "not yet used"
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.LOCKED:
                return (
                    "Used in an export: its reference can no longer change"
                    if r.locked
                    else "Not used in an export yet: it can still be renamed or removed"
                )
            if col == self.DESCRIPTION and r.description:
                return r.description
            if col == self.REF:
                return f"File name alias {r.alias}"
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.ITEMS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _button(text: str, tip: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setObjectName(name)
    return button


class ExhibitsPanel(QWidget):
    """The Exhibits dock's content: the table and its buttons."""

    jump_requested = Signal(int)  # an item id
    give_requested = Signal()
    rename_requested = Signal(str)  # an exhibit ref
    remove_requested = Signal(str)  # an exhibit ref

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exhibits-panel")
        self.model = ExhibitsModel(self)
        self.table = make_table("exhibits-table", "Exhibits")
        self.table.setModel(self.model)
        self.table.activated.connect(lambda _index: self.jump())
        fm = self.table.fontMetrics()
        char = fm.averageCharWidth()
        set_widths(
            self.table,
            {
                ExhibitsModel.REF: 12 * char,
                ExhibitsModel.DESCRIPTION: 44 * char,
                ExhibitsModel.ITEMS: 7 * char,
            },
        )
        self.give_button = _button(
            "Give reference…",
            "Give the items chosen in the timeline an exhibit reference (Ctrl+E)",
            "exhibit-give",
        )
        self.jump_button = _button("Go to item", "Show its first item (Enter)", "exhibit-jump")
        self.rename_button = _button("Rename…", "Change the reference (F2)", "exhibit-rename")
        self.remove_button = _button("Remove", "Remove the reference (Del)", "exhibit-remove")
        self.give_button.clicked.connect(self.give_requested)
        self.jump_button.clicked.connect(self.jump)
        self.rename_button.clicked.connect(self._rename)
        self.remove_button.clicked.connect(self._remove)
        self.summary = QLabel()
        self.summary.setObjectName("exhibits-summary")
        for name, keys, slot in (
            ("rename", ["F2"], self._rename),
            ("remove", ["Del", "Backspace"], self._remove),
        ):
            action = QAction(name, self.table)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.table.addAction(action)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(8, 0, 8, 6)
        for b in (self.give_button, self.jump_button, self.rename_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addSpacing(12)
        buttons.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.setFocusProxy(self.table)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update())
        self._update()

    def set_rows(self, rows: Sequence[ExhibitRow]) -> None:
        """List these exhibits, keeping the chosen one chosen."""
        current = self.current()
        self.model.set_rows(rows)
        locked = sum(1 for r in rows if r.locked)
        text = display.plural(len(rows), "exhibit")
        self.summary.setText(f"{text}, {locked} locked by an export" if locked else text)
        if current is not None:
            self.select(current.ref)
        self._update()

    def current(self) -> ExhibitRow | None:
        """The exhibit chosen in the table."""
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select(self, ref: str) -> bool:
        """Choose an exhibit by its reference."""
        row = self.model.row_of(ref)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        return row >= 0

    def jump(self) -> None:
        """Show the chosen exhibit's first item in the timeline."""
        r = self.current()
        if r is not None and r.item_ids:
            self.jump_requested.emit(r.item_ids[0])

    def _rename(self) -> None:
        r = self.current()
        if r is not None:
            self.rename_requested.emit(r.ref)

    def _remove(self) -> None:
        r = self.current()
        if r is not None:
            self.remove_requested.emit(r.ref)

    def _update(self) -> None:
        r = self.current()
        self.jump_button.setEnabled(r is not None and bool(r.item_ids))
        # A locked exhibit's buttons stay enabled: the core says why it refuses.
        self.rename_button.setEnabled(r is not None)
        self.remove_button.setEnabled(r is not None)
