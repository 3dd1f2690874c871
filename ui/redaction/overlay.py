"""How redactions look on the viewers: boxes on pages and pictures, marks on text.

Proposed: an outline with a hatched, translucent fill and the reason code on a chip above
the box. Approved: a solid black box with the reason code in white, as on paper.
Rejected: hidden, or a faint dashed outline when the user asks to see them.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QPlainTextEdit,
    QStyleOptionGraphicsItem,
    QTextEdit,
    QWidget,
)

from app.redaction.model import RedactionKind, RedactionRow, RedactionState
from app.redaction.store import reason_label
from ui.redaction.spans import SpanMap

PROPOSED = QColor("#b3261e")  # a red that reads on white paper and on photos
PROPOSED_FILL = QColor(179, 38, 30, 38)
PROPOSED_HATCH = QColor(179, 38, 30, 120)
APPROVED = QColor("black")
REJECTED = QColor(110, 110, 110, 160)
Z_REDACTION = 5.0  # above the page, its search hits and selection


def describe(row: RedactionRow) -> str:
    """A tooltip: reason, state, who and the note."""
    bits = [f"{row.reason} — {reason_label(row.reason)}", str(row.state)]
    if row.created_by:
        bits.append(f"by {row.created_by}")
    text = " · ".join(bits)
    if row.quote:
        text += f"\n“{row.quote}”"
    if row.note:
        text += f"\nNote: {row.note}"
    return text


class _Chip(QGraphicsSimpleTextItem):
    """The reason code at a readable size whatever the zoom, on a coloured chip."""

    PAD = 3.0

    def __init__(self, text: str, fg: QColor, bg: QColor, parent: QGraphicsItem) -> None:
        super().__init__(text, parent)
        font = QFont()
        font.setBold(True)
        font.setPointSizeF(max(7.5, font.pointSizeF() * 0.85))
        self.setFont(font)
        self.setBrush(QBrush(fg))
        self._bg = bg
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)

    def boundingRect(self) -> QRectF:
        return super().boundingRect().adjusted(-self.PAD, -1, self.PAD, 1)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        painter.fillRect(self.boundingRect(), self._bg)
        super().paint(painter, option, cast(QWidget, widget))


class RedactionBoxItem(QGraphicsRectItem):
    """One region redaction drawn over a page or a picture (`rect` in scene units)."""

    def __init__(self, rect: QRectF, row: RedactionRow) -> None:
        super().__init__(rect)
        self.row = row
        self.setZValue(Z_REDACTION)
        self.setToolTip(describe(row))
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        state = row.state
        if state == RedactionState.APPROVED:
            pen = QPen(APPROVED)
            self.setBrush(QBrush(APPROVED))
            chip = _Chip(row.reason, QColor("white"), APPROVED, self)
            chip.setPos(rect.topLeft())
            chip.setTransform(chip.transform().translate(_Chip.PAD, 1))
        elif state == RedactionState.REJECTED:
            pen = QPen(REJECTED, 1.0, Qt.PenStyle.DashLine)
            self.setBrush(QBrush(Qt.BrushStyle.NoBrush))
            chip = _Chip(f"{row.reason} rejected", QColor("white"), REJECTED, self)
            chip.setPos(rect.topLeft())
            chip.setY(rect.top())
        else:
            pen = QPen(PROPOSED, 1.5)
            self.setBrush(QBrush(PROPOSED_FILL))
            chip = _Chip(f"{row.reason} ?", QColor("white"), PROPOSED, self)
            chip.setPos(rect.topLeft())
        pen.setCosmetic(True)
        self.setPen(pen)
        self.chip = chip
        # The chip of a proposal sits just above the box, leaving what it covers readable.
        if state == RedactionState.PROPOSED:
            height = chip.boundingRect().height()
            chip.setTransform(chip.transform().translate(0, -height + 1))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        super().paint(painter, option, widget)
        if self.row.state == RedactionState.PROPOSED:
            painter.save()
            # The hatch is drawn in screen pixels, so it looks the same at every zoom.
            device = painter.worldTransform().mapRect(self.rect())
            painter.resetTransform()
            painter.setClipRect(device)
            painter.fillRect(device, QBrush(PROPOSED_HATCH, Qt.BrushStyle.BDiagPattern))
            painter.restore()


def mark_text_spans(
    editor: QTextEdit | QPlainTextEdit,
    span_map: SpanMap | None,
    item_id: int | None,
    rows: list[RedactionRow],
    show_rejected: bool = False,
) -> None:
    """Mark the redacted spans of an item's own text ("text" target) in a text view."""
    marks: list[QTextEdit.ExtraSelection] = []
    for r in rows:
        if r.kind != RedactionKind.SPAN or r.target != "text" or r.item_id != item_id:
            continue
        if r.state == RedactionState.REJECTED and not show_rejected:
            continue
        if span_map is None or r.start is None or r.end is None:
            continue
        where = span_map.to_document(r.start, r.end)
        if where is None:
            continue
        mark = QTextEdit.ExtraSelection()
        cursor = QTextCursor(editor.document())
        cursor.setPosition(where[0])
        cursor.setPosition(where[1], QTextCursor.MoveMode.KeepAnchor)
        mark.cursor = cursor
        mark.format = span_format(r.state)
        marks.append(mark)
    editor.setExtraSelections(marks)


def span_format(state: RedactionState) -> QTextCharFormat:
    """How a redacted span of text is marked in the text viewers."""
    fmt = QTextCharFormat()
    if state == RedactionState.APPROVED:
        fmt.setBackground(QBrush(APPROVED))
        fmt.setForeground(QBrush(QColor("white")))
    elif state == RedactionState.REJECTED:
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline)
        fmt.setUnderlineColor(REJECTED)
    else:
        fmt.setBackground(QBrush(PROPOSED_FILL.lighter(100)))
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
        fmt.setUnderlineColor(PROPOSED)
    return fmt
