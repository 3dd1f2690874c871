"""The Presentations dock: the case's presentations, the steps of the chosen one (reorder
with Ctrl+Up / Ctrl+Down or by dragging, remove with Del), their notes, a page and a zoom
region, and the buttons to add the timeline's chosen items and to present.

The panel only shows and asks; the controller turns each wish into an undoable edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QDropEvent, QFocusEvent, QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.present.model import PresentationRow, StepRow
from app.redaction.model import Box
from ui import theme
from ui.redaction.tools import AreaTool
from ui.viewers.zoom import ZoomView


def _muted(label: QLabel) -> QLabel:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), theme.muted())
    label.setPalette(palette)
    label.setWordWrap(True)
    return label


class StepList(QListWidget):
    """The steps in order; drag or Ctrl+Up / Ctrl+Down to move one, Del to remove."""

    move_requested = Signal(int, int)  # step id, new 1-based position
    remove_requested = Signal(object)  # list[int] of step ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presentation-steps")
        self.setAccessibleName("Steps of the presentation")
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.setSpacing(2)

    def step_id(self, row: int) -> int | None:
        """The id of the step on a row."""
        item = self.item(row)
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def chosen_ids(self) -> list[int]:
        """The ids of the selected steps, in order."""
        rows = sorted(self.row(i) for i in self.selectedItems())
        return [i for i in (self.step_id(r) for r in rows) if i is not None]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        row = self.currentRow()
        step = self.step_id(row)
        if ctrl and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and step is not None:
            to = row + (-1 if event.key() == Qt.Key.Key_Up else 1)
            if 0 <= to < self.count():
                self.move_requested.emit(step, to + 1)
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.chosen_ids():
            self.remove_requested.emit(self.chosen_ids())
            return
        super().keyPressEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        moving = self.step_id(self.currentRow())
        super().dropEvent(event)
        if moving is None:
            return
        for row in range(self.count()):
            if self.step_id(row) == moving:
                self.move_requested.emit(moving, row + 1)
                return


class NotesEdit(QPlainTextEdit):
    """The presenter's notes of a step; `done` when the focus leaves (or Ctrl+Enter)."""

    done = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.done.emit()
        super().focusOutEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.done.emit()
            return
        super().keyPressEvent(event)


class PresentationsPanel(QWidget):
    """The dock's contents; signals carry what the user asked for."""

    presentation_chosen = Signal(int)
    new_requested = Signal()
    delete_requested = Signal()
    add_requested = Signal()
    start_requested = Signal()
    note_edited = Signal(int, str)  # step id, notes
    page_edited = Signal(int, int)  # step id, page
    region_requested = Signal(int)  # step id
    region_cleared = Signal(int)  # step id
    step_activated = Signal(int)  # item id: show it in the timeline

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presentations-panel")
        self._rows: list[PresentationRow] = []
        self._quiet = False

        self.chooser = QComboBox()
        self.chooser.setObjectName("presentation-chooser")
        self.chooser.setAccessibleName("Presentation")
        self.chooser.currentIndexChanged.connect(self._chosen)
        self.new_button = QPushButton("New…")
        self.new_button.setToolTip("A new presentation from the items chosen in the timeline")
        self.new_button.clicked.connect(self.new_requested)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete this presentation (Edit ▸ Undo brings it back)")
        self.delete_button.clicked.connect(self.delete_requested)
        top = QHBoxLayout()
        top.addWidget(self.chooser, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.delete_button)
        self.set_label = _muted(QLabel())

        self.steps = StepList()
        self.steps.currentRowChanged.connect(lambda _row: self._step_changed())
        self.steps.itemActivated.connect(self._activated)

        self.notes = NotesEdit()
        self.notes.setObjectName("presentation-notes")
        self.notes.setAccessibleName("Notes for the presenter")
        self.notes.setPlaceholderText("Notes for the presenter (shown only on the presenter view)")
        self.notes.setMaximumHeight(self.fontMetrics().lineSpacing() * 6)
        self.notes.done.connect(self.save_notes)
        self.page = QSpinBox()
        self.page.setObjectName("presentation-page")
        self.page.setPrefix("Page ")
        self.page.setMinimum(1)
        self.page.setMaximum(9999)
        self.page.setToolTip("The page of the document this step shows")
        self.page.editingFinished.connect(self._page_done)
        self.region_button = QPushButton("Mark zoom region…")
        self.region_button.setObjectName("presentation-region")
        self.region_button.setToolTip("Draw the part of the page or picture to zoom to")
        self.region_button.clicked.connect(self._region)
        self.clear_region_button = QPushButton("Whole page")
        self.clear_region_button.setToolTip("Show the whole page or picture again")
        self.clear_region_button.clicked.connect(self._clear_region)
        self.region_label = _muted(QLabel())
        step_row = QHBoxLayout()
        step_row.addWidget(self.page)
        step_row.addWidget(self.region_button)
        step_row.addWidget(self.clear_region_button)
        step_row.addStretch(1)

        self.add_button = QPushButton("Add chosen timeline items")
        self.add_button.setObjectName("presentation-add")
        self.add_button.clicked.connect(self.add_requested)
        self.start_button = QPushButton("Present")
        self.start_button.setObjectName("presentation-start")
        self.start_button.clicked.connect(self.start_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        bottom.addWidget(self.start_button)

        self.empty = _muted(QLabel())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.set_label)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.notes)
        layout.addLayout(step_row)
        layout.addWidget(self.region_label)
        layout.addLayout(bottom)
        self._step_changed()

    # -- filling ------------------------------------------------------------------------

    def set_presentations(
        self,
        rows: Sequence[PresentationRow],
        chosen: int | None,
        descriptions: Mapping[int, str],
        keep_step: int | None = None,
    ) -> None:
        """Show these presentations, `chosen` (an id) open with its steps described by
        item id."""
        self._rows = list(rows)
        self._quiet = True
        try:
            self.chooser.clear()
            for r in rows:
                self.chooser.addItem(f"{r.name}  ({len(r.steps)})", r.id)
            index = next((n for n, r in enumerate(rows) if r.id == chosen), 0 if rows else -1)
            self.chooser.setCurrentIndex(index)
            current = self.current()
            self.steps.clear()
            for step in current.steps if current else ():
                text = f"{step.position}.  {descriptions.get(step.item_id, f'item {step.item_id}')}"
                extra = []
                if step.page:
                    extra.append(f"page {step.page}")
                if step.region:
                    extra.append("zoomed")
                if step.note:
                    extra.append("notes")
                if extra:
                    text += f"   ({', '.join(extra)})"
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, step.id)
                item.setToolTip(step.note or "")
                self.steps.addItem(item)
            if current is not None and current.steps:
                ids = [s.id for s in current.steps]
                self.steps.setCurrentRow(ids.index(keep_step) if keep_step in ids else 0)
        finally:
            self._quiet = False
        current = self.current()
        self.set_label.setText(
            f"Shown through the redaction set “{current.set_name}”: approved redactions only; "
            "an item with redactions not yet reviewed is not shown."
            if current
            else ""
        )
        if not rows:
            self.empty.setText(
                "No presentation yet. Choose items in the timeline, then New… (or Present ▸ "
                "New presentation from the filter)."
            )
        elif current is not None and not current.steps:
            self.empty.setText(
                "No steps yet: choose items in the timeline, then Add (Ctrl+Shift+A)."
            )
        else:
            self.empty.setText("")
        self.empty.setVisible(bool(self.empty.text()))
        self.delete_button.setEnabled(current is not None)
        self.start_button.setEnabled(current is not None and bool(current.steps))
        self.add_button.setEnabled(current is not None)
        self._step_changed()

    def current(self) -> PresentationRow | None:
        """The presentation chosen."""
        pid = self.chooser.currentData()
        return next((r for r in self._rows if r.id == pid), None)

    def current_step(self) -> StepRow | None:
        """The step chosen in the list."""
        current = self.current()
        sid = self.steps.step_id(self.steps.currentRow())
        if current is None or sid is None:
            return None
        return next((s for s in current.steps if s.id == sid), None)

    # -- reacting -----------------------------------------------------------------------

    def _chosen(self, _index: int) -> None:
        if self._quiet:
            return
        pid = self.chooser.currentData()
        if isinstance(pid, int):
            self.presentation_chosen.emit(pid)

    def _step_changed(self) -> None:
        step = self.current_step()
        on = step is not None
        for w in (self.notes, self.page, self.region_button, self.clear_region_button):
            w.setEnabled(on)
        was = self._quiet
        self._quiet = True
        try:
            self.notes.setPlainText(step.note if step else "")
            self.notes.setProperty("step_id", step.id if step else None)
            paged = step is not None and step.item_kind == "document"
            self.page.setVisible(paged)
            self.page.setValue(step.page or 1 if step else 1)
            pictured = step is not None and step.item_kind in ("document", "image")
            self.region_button.setVisible(pictured)
            self.clear_region_button.setVisible(pictured and step is not None and bool(step.region))
            if step is not None and step.region:
                x0, y0, x1, y1 = step.region
                self.region_label.setText(
                    f"Zoomed to ({x0:.0f}, {y0:.0f})–({x1:.0f}, {y1:.0f})"
                    + (" in points of the page" if step.item_kind == "document" else " pixels")
                )
            else:
                self.region_label.setText("")
            self.region_label.setVisible(bool(self.region_label.text()))
        finally:
            self._quiet = was

    def save_notes(self) -> None:
        """Save the notes typed for the step they belong to, when they changed."""
        sid = self.notes.property("step_id")
        current = self.current()
        if self._quiet or not isinstance(sid, int) or current is None:
            return
        step = next((s for s in current.steps if s.id == sid), None)
        text = self.notes.toPlainText()
        if step is not None and text != step.note:
            self.note_edited.emit(sid, text)

    def _page_done(self) -> None:
        step = self.current_step()
        if step is not None and not self._quiet and self.page.value() != (step.page or 1):
            self.page_edited.emit(step.id, self.page.value())

    def _region(self) -> None:
        step = self.current_step()
        if step is not None:
            self.region_requested.emit(step.id)

    def _clear_region(self) -> None:
        step = self.current_step()
        if step is not None:
            self.region_cleared.emit(step.id)

    def _activated(self, item: QListWidgetItem) -> None:
        step = self.current_step()
        if step is not None:
            self.step_activated.emit(step.item_id)


class RegionDialog(QDialog):
    """The page or picture as the court would see it; drag a rectangle to zoom to.

    `image` is the rendered (redacted) slide; `units_per_px` turns its pixels into the
    item's units (PDF points of the page, pixels of the upright picture)."""

    def __init__(
        self,
        image: QImage,
        units_per_px: float,
        region: Box | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mark the zoom region")
        self.region: Box | None = None
        self.view = ZoomView()
        self.view.setObjectName("region-view")
        self.pixmap = QGraphicsPixmapItem(QPixmap.fromImage(image))
        self.pixmap.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.pixmap.setScale(units_per_px)
        self.view.scene().addItem(self.pixmap)
        self.view.set_content_rect(self.pixmap.sceneBoundingRect())
        self.band: QGraphicsRectItem | None = None
        if region is not None:
            self._show(QRectF(region[0], region[1], region[2] - region[0], region[3] - region[1]))
        self.tool = AreaTool(self.view)
        self.tool.set_active(True)
        self.tool.drawn.connect(lambda rect, _mods: self._drawn(rect))
        self.tool.active_changed.connect(self._keep_active)
        hint = _muted(QLabel("Drag a rectangle over the part to show large; Enter keeps it."))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(820, 900)

    def _keep_active(self, on: bool) -> None:
        if not on:  # Esc in the view turns the tool off; here it is the only tool
            self.tool.set_active(True)

    def _drawn(self, rect: QRectF) -> None:
        part = self.pixmap.sceneBoundingRect().intersected(rect)
        if part.isEmpty():
            return
        self._show(part)
        self.region = (
            round(part.left(), 2),
            round(part.top(), 2),
            round(part.right(), 2),
            round(part.bottom(), 2),
        )
        self.ok.setEnabled(True)

    def _show(self, rect: QRectF) -> None:
        if self.band is None:
            self.band = self.view.scene().addRect(rect)
            pen = self.band.pen()
            pen.setColor(theme.ACCENT)
            pen.setWidthF(2)
            pen.setCosmetic(True)
            self.band.setPen(pen)
        else:
            self.band.setRect(rect)
