"""The first page when no case is open: new, open, demo, and the recent cases."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import theme

INTRO = (
    "Review chat exports, emails, photos and documents on one timeline, offline.\n"
    "Originals are kept untouched and every change is recorded in the case's audit log."
)


class WelcomePage(QWidget):
    """Buttons to start, and the recent cases to pick up again."""

    new_case = Signal()
    open_case = Signal()
    open_demo = Signal()
    open_recent = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        title = QLabel("Threadline")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        palette = intro.palette()
        palette.setColor(intro.foregroundRole(), theme.muted())
        intro.setPalette(palette)

        self.new_button = QPushButton("New case…")
        self.open_button = QPushButton("Open case…")
        self.demo_button = QPushButton("Open demo case")
        self.new_button.clicked.connect(self.new_case)
        self.open_button.clicked.connect(self.open_case)
        self.demo_button.clicked.connect(self.open_demo)
        self.new_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        for b in (self.new_button, self.open_button, self.demo_button):
            b.setMinimumHeight(theme.row_height(b))
            buttons.addWidget(b)
        buttons.addStretch(1)

        recent_title = QLabel("Recent cases")
        bold = recent_title.font()
        bold.setBold(True)
        recent_title.setFont(bold)
        self.recent = QListWidget()
        self.recent.setObjectName("recent-cases")
        self.recent.setAccessibleName("Recent cases")
        self.recent.itemActivated.connect(self._activated)
        self.recent.setMaximumHeight(theme.row_height(self.recent) * 8)
        self.no_recent = QLabel("None yet.")
        self.no_recent.setPalette(palette)

        column = QVBoxLayout()
        column.setSpacing(12)
        column.addWidget(title)
        column.addWidget(intro)
        column.addSpacing(8)
        column.addLayout(buttons)
        column.addSpacing(16)
        column.addWidget(recent_title)
        column.addWidget(self.recent)
        column.addWidget(self.no_recent)
        column.addStretch(1)
        box = QWidget()
        box.setLayout(column)
        box.setMaximumWidth(720)

        outer = QHBoxLayout(self)
        outer.setContentsMargins(48, 64, 48, 32)
        outer.addStretch(1)
        outer.addWidget(box, 4)
        outer.addStretch(1)

    def set_recent(self, paths: tuple[str, ...]) -> None:
        """List these recent cases, newest first."""
        self.recent.clear()
        for p in paths:
            item = QListWidgetItem(f"{Path(p).name.removesuffix('.threadline')}   —   {p}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            item.setToolTip(p)
            item.setSizeHint(QSize(0, theme.row_height(self.recent)))
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.no_recent.setVisible(not paths)

    def _activated(self, item: QListWidgetItem) -> None:
        self.open_recent.emit(str(item.data(Qt.ItemDataRole.UserRole)))
