"""The details pane: the chosen event's full text, its time in full, and its provenance."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.model import SourceRow, TimelineRow
from app.timeline.clock import iso_utc
from ui import display, theme

SHA_SHORT = 12


def _muted(label: QLabel) -> QLabel:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), theme.muted())
    label.setPalette(palette)
    return label


def _selectable(label: QLabel) -> QLabel:
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class DetailsPane(QWidget):
    """Shows one timeline row in full; a hint when nothing is chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("details-pane")
        self._sha = ""

        self.placeholder = _muted(QLabel("Choose an event in the timeline to read it here."))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)

        self.heading = _selectable(QLabel())
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.note = _selectable(QLabel())
        self.meta = _selectable(_muted(QLabel()))
        self.author = _selectable(QLabel())
        self.text = QPlainTextEdit()
        self.text.setObjectName("details-text")
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Full text")
        self.text.setFrameShape(QFrame.Shape.NoFrame)

        self.source = _selectable(QLabel())
        self.sha = _selectable(QLabel())
        self.copy_sha = QPushButton("Copy")
        self.copy_sha.setToolTip("Copy the full SHA-256 of the source file")
        self.copy_sha.clicked.connect(self._copy_sha)
        sha_row = QHBoxLayout()
        sha_row.setContentsMargins(0, 0, 0, 0)
        sha_row.addWidget(self.sha, 1)
        sha_row.addWidget(self.copy_sha)
        self.locator = _selectable(QLabel())
        self.importer = _selectable(QLabel())
        self.original = _selectable(QLabel())

        provenance = QFormLayout()
        provenance.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        provenance.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        provenance.addRow(_muted(QLabel("Source")), self.source)
        provenance.addRow(_muted(QLabel("SHA-256")), sha_row)
        provenance.addRow(_muted(QLabel("Locator")), self.locator)
        provenance.addRow(_muted(QLabel("Read as")), self.importer)
        provenance.addRow(_muted(QLabel("As written")), self.original)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        title = QLabel("Provenance")
        bold = title.font()
        bold.setBold(True)
        title.setFont(bold)

        content = QWidget()
        col = QVBoxLayout(content)
        col.setContentsMargins(12, 10, 12, 10)
        col.setSpacing(6)
        col.addWidget(self.heading)
        col.addWidget(self.note)
        col.addWidget(self.meta)
        col.addWidget(self.author)
        col.addWidget(self.text, 1)
        col.addWidget(rule)
        col.addWidget(title)
        col.addLayout(provenance)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    def show_row(
        self, row: TimelineRow | None, source: SourceRow | None, locator: str, zone_name: str
    ) -> None:
        """Show a row (None clears the pane)."""
        if row is None:
            self.stack.setCurrentWidget(self.placeholder)
            self._sha = ""
            return
        tz = ZoneInfo(zone_name)
        exact = display.is_exact(row.confidence)
        prefix = "" if exact else f"{display.APPROX} "
        self.heading.setText(prefix + display.long_time(row.ts_utc_us, tz))
        note = display.confidence_note(row.confidence, zone_name)
        self.note.setText(f"{display.APPROX} {note}" if note else "")
        self.note.setVisible(bool(note))
        palette = self.note.palette()
        palette.setColor(self.note.foregroundRole(), theme.amber())
        self.note.setPalette(palette)
        self.meta.setText(f"{row.event_kind} · {row.item_kind} · UTC {iso_utc(row.ts_utc_us)}")
        self.author.setText(f"From {row.author}" if row.author else "")
        self.author.setVisible(bool(row.author))
        self.text.setPlainText(row.text or "(no text)")

        self._sha = source.sha256 if source else ""
        self.source.setText(f"{row.source_name} (#{row.source_id})")
        self.source.setToolTip(source.path if source else "")
        self.sha.setText(f"{self._sha[:SHA_SHORT]}…" if self._sha else "unknown")
        self.sha.setToolTip(self._sha)
        self.copy_sha.setEnabled(bool(self._sha))
        self.locator.setText(locator or "–")
        self.importer.setText(row.importer)
        self.original.setText(row.original or "–")
        self.stack.setCurrentIndex(1)

    @property
    def sha256(self) -> str:
        """The full SHA-256 of the shown row's source, empty when none."""
        return self._sha

    def _copy_sha(self) -> None:
        if self._sha:
            QGuiApplication.clipboard().setText(self._sha)
