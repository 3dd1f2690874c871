"""What an import did, file by file: how each was read, what it held, what was decided, and why
a file was not imported. A table of files, and below it everything about the chosen one."""

from __future__ import annotations

import html
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import EvidenceError
from app.ingest.job import FileResult, ImportReport
from app.timeline.clock import zone
from ui import display, theme

RESULT_WORDS = {
    "imported": "Imported",
    "duplicate": "Already in the case",
    "failed": "Could not be read",
    "cancelled": "Not imported (cancelled)",
}
COLUMNS = ("File", "Result", "Read as", "Dates", "Items", "People", "Warnings")
FILE, RESULT, READ_AS, DATES, ITEMS, PEOPLE, WARNINGS = range(len(COLUMNS))
NONE = "–"
MAX_FILE_CHARS = 48  # wider names are elided in the middle (the full path is in the pane)

DATE_ORDER_WORDS = {
    "dmy": "day first (03/04/2024 is 3 April 2024)",
    "mdy": "month first (03/04/2024 is March 4, 2024)",
    "ymd": "year first (2024/04/03 is 3 April 2024)",
}
DATE_ORDER_FROM_WORDS = {
    "dates in file": "worked out from the dates in the file",
    "user": "as you chose",
}
DECISION_LABELS = {
    "zone": "Time zone",
    "encoding": "Text encoding",
    "mojibake_repaired": "Garbled accents (mojibake) repaired",
    "message_order": "Message order",
    "layout": "Layout",
    "time_source": "Times taken from",
    "export_utc_offsets": "UTC offsets in the export",
    "mail_format": "Mail format",
    "messages": "Messages in the file",
    "text_from_attributed_body": "Texts recovered from hidden message data",
    "surrogate_pairs": "Split emoji repaired",
    "password": "Password",
}
ENCODING_WORDS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}
_EXAMPLE = re.compile(r"\(e\.g\. ([^)]+)\)")


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


def date_example(reason: str) -> str:
    """The example date a day/month question quotes (`05/03/2024`), or ''."""
    m = _EXAMPLE.search(reason)
    return m.group(1) if m else ""


def reason_words(f: FileResult) -> str:
    """Why a file was not imported (or what it duplicates), as one plain sentence."""
    if f.status == "cancelled":
        return "The import was cancelled before this file was read. Import it again to add it."
    if f.status == "duplicate":
        tail = f.reason.removeprefix("same content as ")
        return f"The same content is already in the case as {tail}; nothing new was added."
    if f.needs is not None:
        option = f.needs[0]
        if option == "date_order":
            example = date_example(f.reason)
            eg = f" (for example {example})" if example else ""
            return (
                f"Every date in it could be read day first or month first{eg}, and no order "
                "was chosen, so it was not imported. Import it again to choose."
            )
        if option == "password":
            return (
                "It is locked with a password and was not opened, so it was not imported. "
                "Import it again to give the password."
            )
    reason = f.reason or "no reason was recorded"
    return reason[0].upper() + reason[1:] + ("" if reason.endswith(".") else ".")


def items_text(f: FileResult) -> str:
    """`349`, or `12 new, 337 earlier` when some were already in the case."""
    if f.status != "imported":
        return NONE
    if f.matched:
        return f"{f.items:,} new, {f.matched:,} earlier"
    return f"{f.items:,}"


def items_sentence(f: FileResult) -> str:
    """`12 new items; 337 already in the case from an earlier export.`"""
    new = display.plural(f.items, "new item")
    if not f.matched:
        return f"{new}."
    return f"{new}; {f.matched:,} already in the case from an earlier export."


def decision_lines(decisions: dict[str, str], case_zone: str) -> list[str]:
    """Each decision taken for a file, as `Label: value` in plain words; date order first."""
    lines: list[str] = []
    rest = dict(decisions)
    order = rest.pop("date_order", "")
    source = rest.pop("date_order_from", "")
    if order:
        text = f"Date order: {DATE_ORDER_WORDS.get(order, order)}"
        if source:
            text += f", {DATE_ORDER_FROM_WORDS.get(source, source)}"
        lines.append(text)
    for key, value in rest.items():
        label = DECISION_LABELS.get(key) or key.replace("_", " ").capitalize()
        if key == "encoding":
            value = ENCODING_WORDS.get(value.lower(), value.upper())
        elif key == "zone" and value != case_zone:
            value = f"{value} (not the case's zone, {case_zone})"
        lines.append(f"{label}: {value}")
    return lines


def _zone_or_utc(name: str) -> ZoneInfo:
    try:
        return zone(name)
    except EvidenceError:  # an unknown zone name must not stop the summary from showing
        return ZoneInfo("UTC")


class ImportSummary(QDialog):
    """A non-modal report of one import; close it with Esc or the Close button."""

    def __init__(
        self,
        report: ImportReport,
        parent: QWidget | None = None,
        zone_name: str = "Europe/London",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("import-summary")
        self.setWindowTitle("Import finished")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.report = report
        self.zone_name = zone_name
        self.tz = _zone_or_utc(zone_name)

        heading = QLabel(headline(report))
        heading.setObjectName("import-summary-headline")
        heading.setWordWrap(True)
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        heading.setFont(font)
        note = QLabel(
            f"Times are shown in {zone_name}, the case's time zone. Choose a file to read "
            "everything about it below."
        )
        note.setWordWrap(True)
        palette = note.palette()
        palette.setColor(note.foregroundRole(), theme.muted())
        note.setPalette(palette)

        self.widths: list[int] = []  # each column's width for its content, in pixels
        self.tree = self._table()
        self.details = QTextBrowser()
        self.details.setObjectName("import-summary-details")
        self.details.setAccessibleName("About the chosen file")
        self.details.setOpenLinks(False)
        self.details.setTabChangesFocus(True)
        self.details.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.details)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(note)
        layout.addSpacing(4)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)

        self.tree.currentItemChanged.connect(lambda item, _old: self._show(item))
        first = self._first_interesting()
        if first is not None:
            self.tree.setCurrentItem(first)
        self.tree.setFocus()
        self._fit(splitter)

    # -- the table -------------------------------------------------------------------------

    def _table(self) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setObjectName("import-summary-files")
        tree.setAccessibleName("Imported files")
        tree.setColumnCount(len(COLUMNS))
        labels = list(COLUMNS)
        labels[DATES] = f"Dates ({self.zone_name})"
        tree.setHeaderLabels(labels)
        tree.setRootIsDecorated(False)
        tree.setItemsExpandable(False)
        tree.setAlternatingRowColors(True)
        tree.setUniformRowHeights(True)
        tree.setWordWrap(False)
        tree.setAllColumnsShowFocus(True)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        height = QSize(0, theme.row_height(tree))
        amber = theme.amber()
        muted = theme.muted()
        for f in self.report.files:
            item = QTreeWidgetItem([self._cell(f, c) for c in range(len(COLUMNS))])
            item.setData(FILE, Qt.ItemDataRole.UserRole, f.path)
            item.setToolTip(FILE, f.path)
            if f.status != "imported":
                item.setToolTip(RESULT, reason_words(f))
            if f.matched:
                item.setToolTip(ITEMS, items_sentence(f))
            if f.warnings:
                item.setToolTip(WARNINGS, "Choose the file to read its warnings below.")
            for c in (ITEMS, PEOPLE, WARNINGS):
                item.setTextAlignment(
                    c, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
            item.setSizeHint(FILE, height)
            if f.status == "failed":
                item.setForeground(RESULT, amber)
            elif f.status in ("duplicate", "cancelled"):
                item.setForeground(RESULT, muted)
            if f.warnings:
                item.setForeground(WARNINGS, amber)
            tree.addTopLevelItem(item)
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionsMovable(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        fm = tree.fontMetrics()
        pad = 3 * fm.averageCharWidth()
        head = tree.headerItem()
        # Measured from the text: a view not yet shown sizes its columns from nothing.
        for c in range(len(COLUMNS)):
            cells = [fm.horizontalAdvance(self._cell(f, c)) for f in self.report.files]
            tree.setColumnWidth(c, max([fm.horizontalAdvance(labels[c]), *cells]) + pad)
            if c in (ITEMS, PEOPLE, WARNINGS):
                head.setTextAlignment(
                    c, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
        char = fm.averageCharWidth()
        self.widths = [tree.columnWidth(c) for c in range(len(COLUMNS))]
        self.widths[FILE] = max(24 * char, min(self.widths[FILE], MAX_FILE_CHARS * char))
        tree.setColumnWidth(FILE, self.widths[FILE])
        header.setMinimumSectionSize(fm.horizontalAdvance(NONE) + pad)
        header.setSectionResizeMode(FILE, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
        return tree

    def _cell(self, f: FileResult, column: int) -> str:
        imported = f.status == "imported"
        if column == FILE:
            return Path(f.path).name
        if column == RESULT:
            return RESULT_WORDS.get(f.status, f.status)
        if column == READ_AS:
            return display.importer_name(f.importer) or NONE
        if column == ITEMS:
            return items_text(f)
        if column == PEOPLE:
            return f"{f.participants:,}" if imported and f.participants else NONE
        if column == DATES:
            if imported and f.first_us is not None and f.last_us is not None:
                return display.short_range(f.first_us, f.last_us, self.tz)
            return NONE
        if column == WARNINGS:
            return f"⚠ {len(f.warnings):,}" if f.warnings else NONE
        return ""

    def _first_interesting(self) -> QTreeWidgetItem | None:
        """The first failed file, else the first with warnings, else the first file."""
        files = self.report.files
        for wanted in (
            lambda f: f.status == "failed",
            lambda f: bool(f.warnings),
            lambda f: True,
        ):
            for n, f in enumerate(files):
                if wanted(f):
                    return self.tree.topLevelItem(n)
        return None

    def result_of(self, item: QTreeWidgetItem | None) -> FileResult | None:
        """The file result a row shows."""
        if item is None:
            return None
        n = self.tree.indexOfTopLevelItem(item)
        return self.report.files[n] if 0 <= n < len(self.report.files) else None

    def select_path(self, path: str) -> bool:
        """Choose the row of the file at `path`; False when it is not in the report."""
        for n, f in enumerate(self.report.files):
            item = self.tree.topLevelItem(n)
            if f.path == path and item is not None:
                self.tree.setCurrentItem(item)
                return True
        return False

    # -- the pane --------------------------------------------------------------------------

    def _show(self, item: QTreeWidgetItem | None) -> None:
        f = self.result_of(item)
        self.details.setHtml(self.describe(f) if f is not None else "")

    def describe(self, f: FileResult) -> str:
        """Everything about one file, as the pane's HTML (every value escaped)."""
        e = html.escape
        parts = [
            f"<p><b>{e(Path(f.path).name)}</b><br>"
            f"<span style='color:{theme.muted().name()}'>{e(f.path)}</span></p>"
        ]
        status = RESULT_WORDS.get(f.status, f.status)
        if f.status == "imported":
            reader = display.importer_name(f.importer)
            parts.append(f"<p>Imported, read as {e(reader)}. {e(items_sentence(f))}")
            if f.participants:
                parts.append(f" {e(display.plural(f.participants, 'participant'))}.")
            parts.append("</p>")
            if f.first_us is not None and f.last_us is not None:
                first = display.long_time(f.first_us, self.tz)
                last = display.long_time(f.last_us, self.tz)
                span = first if f.first_us == f.last_us else f"{first} to {last}"
                parts.append(f"<p>Dates: {e(span)} ({e(self.zone_name)}).</p>")
            else:
                parts.append("<p>No dated events.</p>")
        else:
            colour = theme.amber().name() if f.status == "failed" else theme.muted().name()
            parts.append(
                f"<p><span style='color:{colour}'><b>{e(status)}.</b></span> "
                f"{e(reason_words(f))}</p>"
            )
        decisions = decision_lines(f.decisions, self.zone_name)
        if decisions:
            parts.append("<p><b>Decisions</b></p><ul>")
            parts.extend(f"<li>{e(line)}</li>" for line in decisions)
            parts.append("</ul>")
        if f.warnings:
            count = display.plural(len(f.warnings), "warning")
            parts.append(f"<p><b>{e(count[0].upper() + count[1:])}</b></p><ul>")
            parts.extend(f"<li>{e(w)}</li>" for w in f.warnings)
            parts.append("</ul>")
        elif f.status == "imported":
            parts.append("<p>No warnings.</p>")
        return "".join(parts)

    # -- size ------------------------------------------------------------------------------

    def _fit(self, splitter: QSplitter) -> None:
        """As wide as the columns need (within the screen), the table above the pane."""
        fm = self.tree.fontMetrics()
        columns = sum(self.widths)
        width = max(90 * fm.averageCharWidth(), columns + 64)
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            # Within the screen; an offscreen render (800 pixels wide) keeps its full width.
            room = max(int(screen.availableGeometry().width() * 0.92), 1000)
            width = min(width, room)
        rows = min(max(len(self.report.files), 3), 12)
        table = theme.row_height(self.tree) * (rows + 1) + 8
        pane = 14 * fm.height()
        splitter.setSizes([table, pane])
        self.resize(width, table + pane + 9 * fm.height())
