"""The timeline's Tags column: a small chip per element (its number, the charge's colour)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui import theme
from ui.models.timeline import TagChip, TimelineModel

TINT_ALPHA = 46  # of 255: the chip's fill, a pale wash of the charge's colour


def chip_width(fm: QFontMetrics, chip: TagChip) -> int:
    """The width of one chip in pixels."""
    return fm.horizontalAdvance(str(chip.number)) + 2 * fm.averageCharWidth() + 2


def chips_width(fm: QFontMetrics, count: int) -> int:
    """Room for `count` two-digit chips with their gaps."""
    one = fm.horizontalAdvance("88") + 2 * fm.averageCharWidth() + 2
    return count * (one + 4) + 2 * fm.averageCharWidth()


class ChipDelegate(QStyledItemDelegate):
    """Paints a row's tag chips (number inside a rounded outline in the charge's colour)
    and, like the other columns, a thin line over the first row of each day."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        full = QStyleOptionViewItem(option)
        self.initStyleOption(full, index)
        full.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, full, painter, widget)
        chips = index.data(TimelineModel.TagsRole) or ()
        rect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(option.font)
        selected = bool(full.state & QStyle.StateFlag.State_Selected)
        text_colour = full.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        height = fm.height() + 4
        top = rect.top() + (rect.height() - height) / 2
        x = rect.left() + fm.averageCharWidth()
        for chip in chips:
            width = chip_width(fm, chip)
            if x + width > rect.right() - 2:
                painter.setPen(text_colour)
                painter.drawText(
                    QRectF(x, top, rect.right() - x, height),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    "…",
                )
                break
            box = QRectF(x, top, width, height)
            colour = QColor(chip.colour)
            fill = QColor(colour)
            fill.setAlpha(TINT_ALPHA if not selected else 110)
            painter.setBrush(fill)
            pen = QPen(colour if not selected else text_colour)
            pen.setWidthF(1.5)
            painter.setPen(pen)
            painter.drawRoundedRect(box.adjusted(0.75, 0.75, -0.75, -0.75), 5, 5)
            painter.setPen(text_colour)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(chip.number))
            x += width + 4
        if index.data(TimelineModel.NewDayRole):
            line = QPen(theme.muted())
            line.setWidth(1)
            painter.setPen(line)
            painter.drawLine(rect.left(), rect.top(), rect.right(), rect.top())
        painter.restore()
