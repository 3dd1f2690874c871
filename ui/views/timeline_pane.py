"""The centre of the window: the timeline table under a one-line header, or an empty state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from ui import display, theme
from ui.models.timeline import TimelineModel
from ui.views.activity import ActivityStrip
from ui.views.filter_bar import FilterBar
from ui.views.tables import make_table, set_widths

EMPTY_TEXT = (
    "No events yet.\n\nImport chat exports, emails, photos or documents with "
    "Import files (Ctrl+I) or Import folder (Ctrl+Shift+I),\nor drop them onto this window."
)
NO_MATCH_TEXT = "No events match the search and filters.\n\nClear them to see every event."


class TimelinePane(QWidget):
    """The timeline: time in the case zone, source, sender, a one-line preview."""

    def __init__(self, model: TimelineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline-pane")
        self.model = model
        self.filtered = False  # a search or filter narrows the rows
        self.filters = FilterBar()
        # Events per day under the current filter; the window feeds it from a reader job.
        self.activity = ActivityStrip()
        self.activity.setObjectName("activity-strip")
        self.activity.setAccessibleName("Events per day")
        self.activity.setToolTip("Click a day, or drag across days, to show only those days")

        self.title = QLabel("Timeline")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        # Wraps rather than widening the pane when the docks leave it little room.
        self.legend.setWordWrap(True)
        self.legend.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 8)
        bar.addWidget(self.title)
        bar.addSpacing(16)
        bar.addWidget(self.legend, 1)

        self.table = make_table("timeline", "Timeline")
        self.table.setModel(model)
        fm = QFontMetrics(self.table.font())
        pad = 4 * fm.averageCharWidth()
        set_widths(
            self.table,
            {
                TimelineModel.TIME: fm.horizontalAdvance("≈ 2024-03-05 14:03:22 BST") + pad,
                TimelineModel.SOURCE: 20 * fm.averageCharWidth(),
                TimelineModel.FROM: 16 * fm.averageCharWidth(),
            },
        )

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("timeline-empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        palette = self.empty.palette()
        palette.setColor(self.empty.foregroundRole(), theme.muted())
        self.empty.setPalette(palette)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.filters)
        strip = QHBoxLayout()
        strip.setContentsMargins(8, 0, 8, 4)
        strip.addWidget(self.activity)
        layout.addLayout(strip)
        layout.addWidget(self.stack, 1)
        model.modelReset.connect(self._update)
        self._update()

    def _update(self) -> None:
        count = self.model.rowCount()
        self.title.setText(f"Timeline · {display.plural(count, 'event')}")
        amber = theme.amber().name()
        self.legend.setText(
            f"Times in <b>{self.model.zone_name}</b> &nbsp;·&nbsp; "
            f"<span style='color:{amber}'>{display.APPROX}</span> time zone assumed or "
            "time taken from the file"
        )
        self.empty.setText(NO_MATCH_TEXT if self.filtered else EMPTY_TEXT)
        self.stack.setCurrentWidget(self.table if count else self.empty)

    def set_filtered(self, on: bool) -> None:
        """Say whether a search or filter narrows the rows (for the empty state's text)."""
        self.filtered = on
        self._update()

    def focus_table(self) -> None:
        """Put the keyboard focus in the table, on the current row or the first one."""
        self.stack.setCurrentWidget(self.table if self.model.rowCount() else self.empty)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            current = self.table.currentIndex()
            self.table.selectRow(current.row() if current.isValid() else 0)
