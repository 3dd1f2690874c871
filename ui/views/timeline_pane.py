"""The centre of the window: the timeline table under a one-line header, or an empty state."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ui import display, theme
from ui.models.timeline import ZONE_CASE, ZONE_SOURCE, ZONE_UTC, TimelineModel
from ui.views.activity import ActivityStrip
from ui.views.filter_bar import FilterBar
from ui.views.tables import make_table, set_widths

EMPTY_TEXT = (
    "No events yet.\n\nImport chat exports, emails, photos or documents with "
    "Import files (Ctrl+I) or Import folder (Ctrl+Shift+I),\nor drop them onto this window."
)
NO_MATCH_TEXT = "No events match the search and filters.\n\nClear them to see every event."


class DayDelegate(QStyledItemDelegate):
    """Paints a thin line over the first row of each local day, and the day at the text's end."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        label = index.data(TimelineModel.DayLabelRole)
        if not label:
            super().paint(painter, option, index)
            return
        rect = QRect(option.rect)
        fm = QFontMetrics(option.font)
        if index.column() == TimelineModel.TEXT:
            # The preview elides before the day's name, which sits at the row's right end.
            width = fm.horizontalAdvance(label) + 2 * fm.averageCharWidth()
            if rect.width() > 2 * width:
                full = QStyleOptionViewItem(option)
                self.initStyleOption(full, index)
                full.text = ""
                widget = option.widget
                style = widget.style() if widget is not None else QApplication.style()
                style.drawControl(QStyle.ControlElement.CE_ItemViewItem, full, painter, widget)
                narrow = QStyleOptionViewItem(option)
                narrow.rect = QRect(rect.left(), rect.top(), rect.width() - width, rect.height())
                super().paint(painter, narrow, index)
                painter.save()
                selected = bool(full.state & QStyle.StateFlag.State_Selected)
                role = QPalette.ColorRole.HighlightedText
                painter.setPen(full.palette.color(role) if selected else theme.muted())
                text_rect = QRect(
                    rect.right() - width, rect.top(), width - fm.averageCharWidth(), rect.height()
                )
                painter.drawText(
                    text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label
                )
                painter.restore()
            else:
                super().paint(painter, option, index)
        else:
            super().paint(painter, option, index)
        painter.save()
        pen = QPen(theme.muted())
        pen.setWidth(1)
        painter.setPen(pen)
        painter.drawLine(rect.left(), rect.top(), rect.right(), rect.top())
        painter.restore()


ZONE_CHOICES = (ZONE_CASE, ZONE_UTC, ZONE_SOURCE)


class TimelinePane(QWidget):
    """The timeline: time in the chosen zone, source, sender, a one-line preview."""

    zone_mode_changed = Signal(str)  # `case`, `utc` or `source`

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
        self.zone_combo = QComboBox()
        self.zone_combo.setObjectName("timeline-zone")
        self.zone_combo.setAccessibleName("Show times in")
        self.zone_combo.setToolTip("The time zone the timeline's times are shown in")
        for mode in ZONE_CHOICES:
            self.zone_combo.addItem("", mode)
        self.zone_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.zone_combo.currentIndexChanged.connect(self._zone_chosen)
        zone_label = QLabel("Times in")
        zone_label.setBuddy(self.zone_combo)
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 8)
        bar.addWidget(self.title)
        bar.addSpacing(16)
        bar.addWidget(zone_label)
        bar.addWidget(self.zone_combo)
        bar.addWidget(self.legend, 1)

        self.table = make_table("timeline", "Timeline")
        self.table.setModel(model)
        self.day_delegate = DayDelegate(self.table)
        self.table.setItemDelegate(self.day_delegate)
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
            f"<span style='color:{amber}'>{display.APPROX}</span> time zone assumed or "
            "time taken from the file"
        )
        texts = {
            ZONE_CASE: f"Case zone ({self.model.case_zone})",
            ZONE_UTC: "UTC",
            ZONE_SOURCE: "Each source's own zone",
        }
        for n in range(self.zone_combo.count()):
            self.zone_combo.setItemText(n, texts[self.zone_combo.itemData(n)])
        self.empty.setText(NO_MATCH_TEXT if self.filtered else EMPTY_TEXT)
        self.stack.setCurrentWidget(self.table if count else self.empty)

    def _zone_chosen(self, _index: int) -> None:
        mode = str(self.zone_combo.currentData())
        self.model.set_zone_mode(mode)
        self.zone_mode_changed.emit(mode)

    def set_zone_mode(self, mode: str) -> None:
        """Choose how times are shown: `case`, `utc` or `source` (as picking it would)."""
        self.zone_combo.setCurrentIndex(self.zone_combo.findData(mode))

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
