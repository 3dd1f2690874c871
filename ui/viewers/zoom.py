"""A graphics view that fits its content to the pane, zooms by steps and pans by dragging."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

ZOOM_STEP = 1.25
MIN_ZOOM = 0.05
MAX_ZOOM = 16.0


class ZoomView(QGraphicsView):
    """Fit to the pane by default; + / − / Ctrl+wheel zoom, 0 fits again, 1 is 100 %.

    `fit_width` fits the width only (documents); otherwise the whole content fits.
    """

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None, *, fit_width: bool = False) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._fit = True
        self._fit_width = fit_width
        self._content = QRectF()

    # -- content and zoom -------------------------------------------------------------

    def set_content_rect(self, rect: QRectF) -> None:
        """The area that "fit" shows; also the scene's extent."""
        self._content = QRectF(rect)
        margin = 8.0
        self.scene().setSceneRect(rect.adjusted(-margin, -margin, margin, margin))
        if self._fit:
            self.fit()

    @property
    def zoom(self) -> float:
        """The current scale: 1.0 is one scene unit per screen pixel."""
        return float(self.transform().m11()) or 1.0

    @property
    def fitting(self) -> bool:
        """Whether the view follows the pane's size."""
        return self._fit

    def fit(self) -> None:
        """Fit the content to the pane (its width, for documents) and keep fitting."""
        self._fit = True
        if self._content.isEmpty():
            return
        area = self.viewport().rect()
        whole = self.scene().sceneRect()  # the content and its margin
        if area.width() <= 2 or area.height() <= 2:
            return
        # A pixel less than the pane: rounding must not bring a scroll bar back.
        sx = (area.width() - 1) / whole.width()
        sy = (area.height() - 1) / whole.height()
        scale = sx if self._fit_width else min(sx, sy)
        self._apply(scale)
        if self._fit_width:
            self.centerOn(self._content.center().x(), self.mapToScene(area.center()).y())
        else:
            self.centerOn(self._content.center())

    def set_zoom(self, scale: float) -> None:
        """Zoom to an absolute scale; the view stops fitting."""
        self._fit = False
        self._apply(scale)

    def zoom_in(self) -> None:
        """One step closer."""
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        """One step further."""
        self.set_zoom(self.zoom / ZOOM_STEP)

    def actual_size(self) -> None:
        """One scene unit per screen pixel."""
        self.set_zoom(1.0)

    def _apply(self, scale: float) -> None:
        scale = max(MIN_ZOOM, min(MAX_ZOOM, scale))
        rotation = self.transform()
        if abs(rotation.m11() - scale) < 1e-9 and abs(rotation.m22() - scale) < 1e-9:
            return
        self.resetTransform()
        self.scale(scale, scale)
        self.zoom_changed.emit(scale)

    # -- events -----------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self.zoom * ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        elif key == Qt.Key.Key_0:
            self.fit()
        elif key == Qt.Key.Key_1:
            self.actual_size()
        else:
            super().keyPressEvent(event)
