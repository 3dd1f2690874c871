"""The coverage matrix: each charge's elements with the items, occasions and dates that
support them, and the gaps. A click (or Enter) on an element shows its evidence."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.tagging.coverage import Coverage, CoverageRow
from app.tagging.model import element_key
from app.timeline.clock import us_to_utc
from ui import display, theme
from ui.tagging.elements import (
    KEYED,
    ElementEntry,
    charge_name,
    child_items,
    day_range,
    short_text,
    top_items,
)

log = logging.getLogger(__name__)

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Key", "Element (point to prove)", "Items", "Occasions", "First", "Last", "Gap")
KEY, ELEMENT, ITEMS, OCCASIONS, FIRST, LAST, GAP = range(len(COLUMNS))
GAP_LIGHT = QColor("#fbf1dc")  # a pale, warm wash behind a gap (the text stays AA)
GAP_DARK = QColor("#3a3122")
EMPTY_TEXT = "No charges on this case yet. Add one in the Tagger panel (Add charge…)."


def gap_background() -> QColor:
    """The calm background of an element still lacking evidence."""
    return GAP_DARK if theme.is_dark(QGuiApplication.palette()) else GAP_LIGHT


def when(us: int | None, tz: ZoneInfo) -> str:
    """A coverage date in the case zone: `5 Mar 2024 14:03`, or `—`."""
    if us is None:
        return "—"
    moment: datetime = us_to_utc(us).astimezone(tz)
    return f"{moment.day} {moment:%b %Y %H:%M}"


class CoverageView(QWidget):
    """Charges × elements with their evidence counts, dates and gaps."""

    element_chosen = Signal(str)  # an element key: show its evidence in the timeline
    export_requested = Signal(str)  # "csv" or "pdf"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coverage-view")
        self.coverage: Coverage | None = None
        self.title = QLabel("Coverage")
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.summary = QLabel()
        self.summary.setObjectName("coverage-summary")
        palette = self.summary.palette()
        palette.setColor(self.summary.foregroundRole(), theme.muted())
        self.summary.setPalette(palette)
        self.csv_button = QPushButton("Export &CSV…")
        self.csv_button.setObjectName("coverage-export-csv")
        self.csv_button.setToolTip("Write the evidence matrix as a CSV file")
        self.csv_button.clicked.connect(lambda: self.export_requested.emit("csv"))
        self.pdf_button = QPushButton("Export &PDF…")
        self.pdf_button.setObjectName("coverage-export-pdf")
        self.pdf_button.setToolTip("Write the evidence matrix as a PDF for the case file")
        self.pdf_button.clicked.connect(lambda: self.export_requested.emit("pdf"))
        top = QHBoxLayout()
        top.setContentsMargins(8, 6, 8, 0)
        top.addWidget(self.title)
        top.addSpacing(12)
        top.addWidget(self.summary, 1)
        top.addWidget(self.csv_button)
        top.addWidget(self.pdf_button)

        self.tree = QTreeWidget()
        self.tree.setObjectName("coverage-matrix")
        self.tree.setAccessibleName("Coverage of each charge's elements")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setToolTip(
            "Click an element, or press Enter, to see its evidence in the timeline"
        )
        header = self.tree.header()
        header.setStretchLastSection(False)
        fm = self.tree.fontMetrics()
        char = fm.averageCharWidth()
        header.setSectionResizeMode(ELEMENT, QHeaderView.ResizeMode.Stretch)
        for col, sample in (
            (KEY, "Key"),
            (ITEMS, "Items"),
            (OCCASIONS, "Occasions"),
            (FIRST, "28 Sep 2024 23:59"),
            (LAST, "28 Sep 2024 23:59"),
            (GAP, "2 occasions needed"),
        ):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.tree.setColumnWidth(col, fm.horizontalAdvance(sample) + 3 * char)
        self.tree.itemClicked.connect(lambda item, _col: self._chosen(item))
        self.tree.itemActivated.connect(lambda item, _col: self._chosen(item))
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty, 1)
        self.set_coverage(None, [], "UTC")

    def set_coverage(
        self, coverage: Coverage | None, entries: list[ElementEntry], zone_name: str
    ) -> None:
        """Show the matrix (None: no case), numbering elements as the tagger does."""
        self.coverage = coverage
        chosen = self.current_key()
        self.tree.clear()
        tz = ZoneInfo(zone_name)
        numbers = {e.key: e for e in entries}
        rows: list[CoverageRow] = list(coverage.rows) if coverage is not None else []
        bold = QFont(self.tree.font())
        bold.setBold(True)
        parents: dict[int, QTreeWidgetItem] = {}
        gaps = 0
        for r in rows:
            parent = parents.get(r.charge.id)
            if parent is None:
                parent = QTreeWidgetItem(self.tree)
                entry_colour = next((e.colour for e in entries if e.charge.id == r.charge.id), "")
                dates = day_range(r.charge.from_date, r.charge.to_date)
                warn = "  ⚠" if r.charge.warnings else ""
                parent.setText(0, f"{charge_name(r.charge)}  ·  {dates}{warn}")
                parent.setToolTip(
                    0,
                    "\n".join([r.charge.offence.name, *(f"⚠ {w}" for w in r.charge.warnings)]),
                )
                parent.setFont(0, bold)
                if entry_colour:
                    parent.setForeground(0, QColor(entry_colour))
                parent.setFirstColumnSpanned(True)
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                parents[r.charge.id] = parent
            key = element_key(r.charge.id, r.element.id)
            entry = numbers.get(key)
            item = QTreeWidgetItem(parent)
            item.setData(0, KEY_ROLE, key)
            if entry is not None and entry.number <= KEYED:
                item.setText(KEY, str(entry.number))
            item.setTextAlignment(KEY, Qt.AlignmentFlag.AlignCenter)
            text = short_text(r.element.text, 90)
            if r.element.unverified:
                text += "  (unverified)"
            item.setText(ELEMENT, text)
            item.setToolTip(ELEMENT, r.element.text)
            item.setText(ITEMS, f"{r.items:,}")
            occasions = f"{r.occasions:,}" if r.element.course_of_conduct else "—"
            item.setText(OCCASIONS, occasions)
            if r.element.course_of_conduct:
                item.setToolTip(OCCASIONS, "Distinct occasions (a course of conduct needs two)")
            item.setText(FIRST, when(r.first_us, tz))
            item.setText(LAST, when(r.last_us, tz))
            for col in (ITEMS, OCCASIONS):
                item.setTextAlignment(
                    col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
            if r.gap:
                gaps += 1
                item.setText(GAP, f"⚠ {r.gap}")
                item.setToolTip(GAP, r.gap)
                for col in range(len(COLUMNS)):
                    item.setBackground(col, gap_background())
            else:
                item.setText(GAP, "✓ covered")
                item.setForeground(GAP, theme.muted())
        self.tree.expandAll()
        has = bool(rows)
        self.tree.setVisible(has)
        self.empty.setVisible(not has)
        self.csv_button.setEnabled(has)
        self.pdf_button.setEnabled(has)
        elements = len(rows)
        self.summary.setText(
            f"{display.plural(len(parents), 'charge')} · {display.plural(elements, 'element')}"
            f" · {display.plural(gaps, 'gap')} · times in {zone_name}"
            if has
            else ""
        )
        if chosen:
            self.select_key(chosen)

    def current_key(self) -> str:
        """The element key of the chosen row, or ""."""
        item = self.tree.currentItem()
        return str(item.data(0, KEY_ROLE) or "") if item is not None else ""

    def element_items(self) -> list[QTreeWidgetItem]:
        """Every element row, in order."""
        return [child for top in top_items(self.tree) for child in child_items(top)]

    def select_key(self, key: str) -> bool:
        """Choose an element's row (no signal)."""
        for item in self.element_items():
            if item.data(0, KEY_ROLE) == key:
                self.tree.setCurrentItem(item)
                return True
        return False

    def _chosen(self, item: QTreeWidgetItem) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.element_chosen.emit(str(key))
