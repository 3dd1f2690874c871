"""The keyboard help: every action of the window and its shortcut."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import theme


def shortcut_text(action: QAction) -> str:
    """All of an action's shortcuts as the platform writes them, e.g. `F1 or ?`."""
    return " or ".join(
        s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()
    )


class ShortcutsDialog(QDialog):
    """A non-modal table of actions and keys."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcuts")
        self.setWindowTitle("Keyboard shortcuts")
        self.setModal(False)
        rows = [(a.text().replace("&", "").rstrip("…."), shortcut_text(a)) for a in actions]
        table = QTableWidget(len(rows), 2)
        table.setObjectName("shortcuts-table")
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(theme.row_height(table))
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        table.setColumnWidth(1, table.fontMetrics().horizontalAdvance("Ctrl+Shift+V") * 2)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for n, (name, keys) in enumerate(rows):
            table.setItem(n, 0, QTableWidgetItem(name))
            table.setItem(n, 1, QTableWidgetItem(keys))
        self.table = table

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.addWidget(table, 1)
        layout.addWidget(buttons)
        height = theme.row_height(table) * (len(rows) + 1) + 90
        self.resize(60 * table.fontMetrics().averageCharWidth(), min(height, 720))
