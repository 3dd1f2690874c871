"""What an import did, file by file: imported, already in the case, failed (and why)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ingest.job import FileResult, ImportReport
from ui import display, theme

RESULT_WORDS = {
    "imported": "Imported",
    "duplicate": "Already in the case",
    "failed": "Could not be read",
    "cancelled": "Not imported (cancelled)",
}
MAX_WARNINGS_SHOWN = 20


def headline(report: ImportReport) -> str:
    """`3 files imported, 1 already in the case, 1 could not be read.`"""
    parts = [f"{display.plural(report.count('imported'), 'file')} imported"]
    if report.count("duplicate"):
        parts.append(f"{report.count('duplicate')} already in the case")
    if report.count("failed"):
        parts.append(f"{report.count('failed')} could not be read")
    if report.cancelled:
        parts.append(f"{report.count('cancelled')} not imported because you cancelled")
    return ", ".join(parts) + "."


def _details(f: FileResult) -> str:
    if f.status == "imported":
        text = f"{display.plural(f.items, 'item')}, read as {f.importer}"
        if f.warnings:
            text += f", {display.plural(len(f.warnings), 'warning')}"
        return text
    if f.status == "cancelled":
        return "Import it again to add it."
    return f.reason


class ImportSummary(QDialog):
    """A non-modal report of one import; close it with Esc or the Close button."""

    def __init__(self, report: ImportReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import-summary")
        self.setWindowTitle("Import finished")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.report = report

        heading = QLabel(headline(report))
        heading.setWordWrap(True)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)

        self.tree = QTreeWidget()
        self.tree.setObjectName("import-summary-files")
        self.tree.setHeaderLabels(["File", "Result", "Details"])
        self.tree.setRootIsDecorated(any(f.warnings for f in report.files))
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(False)
        height = theme.row_height(self.tree)
        failed = theme.amber()
        for f in report.files:
            item = QTreeWidgetItem(
                [Path(f.path).name, RESULT_WORDS.get(f.status, f.status), _details(f)]
            )
            item.setToolTip(0, f.path)
            item.setToolTip(2, _details(f))
            item.setSizeHint(0, item.sizeHint(0).expandedTo(self._row(height)))
            if f.status == "failed":
                item.setForeground(1, failed)
            for w in f.warnings[:MAX_WARNINGS_SHOWN]:
                child = QTreeWidgetItem(["", "Warning", w])
                child.setToolTip(2, w)
                item.addChild(child)
            if len(f.warnings) > MAX_WARNINGS_SHOWN:
                more = len(f.warnings) - MAX_WARNINGS_SHOWN
                item.addChild(QTreeWidgetItem(["", "", f"… and {more} more warnings"]))
            self.tree.addTopLevelItem(item)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        fm = self.tree.fontMetrics()
        self.tree.setColumnWidth(0, 36 * fm.averageCharWidth())
        self.tree.setColumnWidth(1, fm.horizontalAdvance(RESULT_WORDS["cancelled"]) + 24)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)
        close.setFocus()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.resize(max(820, 130 * fm.averageCharWidth()), 26 * fm.height())

    @staticmethod
    def _row(height: int) -> QSize:
        return QSize(0, height)
