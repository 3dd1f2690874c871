"""The area tool: a left-button drag on a page or picture draws a box ("Redact area", and
with its own colour "Tag area").

Installed on a graphics view's viewport, it takes the mouse only while `active`; the box
dragged is emitted in scene units with the keyboard modifiers held at release (for
redaction, Shift snaps the box to the words it meets). Several tools may watch one view:
turning one on turns the others of that view off.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPen
from PySide6.QtWidgets import QApplication, QGraphicsRectItem, QGraphicsView

from ui.redaction.overlay import PROPOSED, PROPOSED_FILL, Z_REDACTION


class AreaTool(QObject):
    """Draws a rubber band while active; `drawn(rect, modifiers)` on release."""

    drawn = Signal(QRectF, object)  # scene rectangle, Qt.KeyboardModifier
    active_changed = Signal(bool)

    def __init__(
        self, view: QGraphicsView, colour: QColor = PROPOSED, fill: QColor = PROPOSED_FILL
    ) -> None:
        super().__init__(view)
        self.view = view
        self.colour = colour
        self.fill = fill
        self._active = False
        self._press: QPoint | None = None
        self._band: QGraphicsRectItem | None = None
        self._drag_mode = view.dragMode()
        view.viewport().installEventFilter(self)

    @property
    def active(self) -> bool:
        """Whether a drag draws a redaction box."""
        return self._active

    def set_active(self, on: bool) -> None:
        """Turn the tool on (a cross cursor, no panning or word selection) or off."""
        if on == self._active:
            return
        if on:
            for other in self.view.findChildren(AreaTool):
                if other is not self:
                    other.set_active(False)
        self._active = on
        viewport = self.view.viewport()
        if on:
            self._drag_mode = self.view.dragMode()
            self.view.setDragMode(QGraphicsView.DragMode.NoDrag)
            viewport.setCursor(Qt.CursorShape.CrossCursor)
        else:
            self._drop_band()
            self.view.setDragMode(self._drag_mode)
            viewport.unsetCursor()
        self.active_changed.emit(on)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._active or not isinstance(event, QMouseEvent):
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            return True
        if kind == QEvent.Type.MouseMove and self._press is not None:
            self._show_band(self._scene_rect(self._press, event.position().toPoint()))
            return True
        if kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            start, self._press = self._press, None
            self._drop_band()
            if start is None:
                return True
            end = event.position().toPoint()
            if (end - start).manhattanLength() >= QApplication.startDragDistance():
                self.drawn.emit(self._scene_rect(start, end), event.modifiers())
            return True
        return kind in (QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseButtonPress)

    def _scene_rect(self, a: QPoint, b: QPoint) -> QRectF:
        return QRectF(self.view.mapToScene(a), self.view.mapToScene(b)).normalized()

    def _show_band(self, rect: QRectF) -> None:
        if self._band is None:
            pen = QPen(self.colour, 1.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            self._band = self.view.scene().addRect(rect, pen, QBrush(self.fill))
            self._band.setZValue(Z_REDACTION + 1)
        else:
            self._band.setRect(rect)

    def _drop_band(self) -> None:
        if self._band is not None:
            if self._band.scene() is not None:
                self._band.scene().removeItem(self._band)
            self._band = None
