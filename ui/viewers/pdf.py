"""The PDF viewer: continuous pages rendered by PyMuPDF at screen resolution, a page box,
zoom, text selection by dragging a rectangle over the page's words, search hits marked.

Pages are laid out from their sizes at once and rendered only when they come into view
(a small cache keeps the last few), so a long document opens as fast as a short one.
Word boxes come from the case (the file's own text layer, or OCR for scanned pages).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.items import ItemDetail, PageRow
from app.originals import Original, open_pdf
from app.redaction.model import Box, RedactionRow, RedactionState
from ui import theme
from ui.redaction.overlay import RedactionBoxItem
from ui.redaction.tools import AreaTool
from ui.viewers.common import ProvenanceBar, blend, muted, palette_color
from ui.viewers.zoom import ZoomView

log = logging.getLogger(__name__)

GAP = 16.0  # points between pages
CACHE_PAGES = 6
MAX_RENDER_PIXELS = 24_000_000
HIT_COLOUR = QColor(255, 200, 0, 110)
_WORD_EDGE = re.compile(r"^\W+|\W+$")


def _pymupdf() -> Any:
    """PyMuPDF, imported on first use (its API is untyped: used as Any)."""
    import pymupdf

    return pymupdf


def _norm(word: str) -> str:
    return _WORD_EDGE.sub("", word).casefold()


@dataclass(slots=True)
class _Page:
    number: int
    rect: QRectF  # in the scene, in points, as displayed (rotation applied)
    words: list[tuple[QRectF, str]]  # boxes in the scene
    origin: str
    frame: QGraphicsRectItem
    pixmap: QGraphicsPixmapItem
    scale: float = 0.0  # the render scale of the pixmap shown, 0 when none
    marks: list[QGraphicsItem] = field(default_factory=list)
    matrix: Any = None  # PyMuPDF's rotation matrix: page units to the page as displayed


class _Canvas(ZoomView):
    """The pages; PgUp/PgDn move by page, a left-button drag selects words."""

    page_step = Signal(int)  # -1 / +1 page; -2 / +2 first / last
    copy_requested = Signal()
    clicked = Signal()
    band_selected = Signal(QRectF)  # the rectangle dragged, in scene units

    def __init__(self, parent: QWidget | None = None, *, fit_width: bool = False) -> None:
        super().__init__(parent, fit_width=fit_width)
        self._press: QPoint | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_requested.emit()
        elif key == Qt.Key.Key_PageDown:
            self.page_step.emit(1)
        elif key == Qt.Key.Key_PageUp:
            self.page_step.emit(-1)
        elif key == Qt.Key.Key_Home and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.page_step.emit(-2)
        elif key == Qt.Key.Key_End and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.page_step.emit(2)
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self.clicked.emit()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        start, self._press = self._press, None
        if start is None or event.button() != Qt.MouseButton.LeftButton:
            return
        end = event.position().toPoint()
        if (end - start).manhattanLength() >= QApplication.startDragDistance():
            # From the press to the release, whatever moves the platform delivered between.
            band = QRectF(self.mapToScene(start), self.mapToScene(end)).normalized()
            self.band_selected.emit(band)


def _tool(text: str, tip: str, name: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setObjectName(name)
    button.setAutoRaise(True)
    return button


Region = tuple[int, Box, str]
"""A place to redact: page number, box in PDF points of the unrotated page, words covered."""


class PdfView(QWidget):
    """A PDF document; `page_changed` follows the page in view.

    `shown` is emitted with the item id once a document is laid out; `redact_requested`
    with a list of `Region`s when the "Redact area" tool draws a box (Shift: snapped to the
    words it meets, one box per line).
    """

    page_changed = Signal(int)
    shown = Signal(int)
    redact_requested = Signal(object)  # list[Region]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdf-viewer")
        self._detail: ItemDetail | None = None
        self._doc: Any = None
        self._pages: list[_Page] = []
        self._cache: OrderedDict[tuple[int, float], QPixmap] = OrderedDict()
        self._current = 0
        self._selected: list[tuple[int, int]] = []  # (page index, word index)
        self._selection_marks: list[QGraphicsItem] = []
        self._terms: tuple[str, ...] = ()
        self._redaction_items: list[QGraphicsItem] = []
        self.renders = 0  # pages rendered by PyMuPDF (not from the cache): for tests

        self.canvas = _Canvas(fit_width=True)
        self.canvas.setObjectName("pdf-canvas")
        self.canvas.setAccessibleName("Document pages")
        self.canvas.setDragMode(_Canvas.DragMode.RubberBandDrag)
        # Pages always scroll: a scroll bar that came and went would change the fitted width.
        self.canvas.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        # Pages are paper-white in both palettes; the desk around them is a quiet grey.
        desk = blend(
            palette_color(QPalette.ColorRole.Base), palette_color(QPalette.ColorRole.Text), 0.12
        )
        self.canvas.setBackgroundBrush(QBrush(desk))
        self.canvas.band_selected.connect(self.select_scene_rect)
        self.canvas.page_step.connect(self._step)
        self.canvas.copy_requested.connect(self.copy_selection)
        self.canvas.clicked.connect(self.clear_selection)
        self.canvas.zoom_changed.connect(self._zoom_changed)
        self.canvas.verticalScrollBar().valueChanged.connect(self._scrolled)
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(0)
        self._render_timer.timeout.connect(self.render_visible)

        self.problem = muted(QLabel())
        self.problem.setWordWrap(True)
        self.fallback = QPlainTextEdit()
        self.fallback.setReadOnly(True)
        self.fallback.setAccessibleName("Text of the document as read at import")
        problem_page = QWidget()
        problem_box = QVBoxLayout(problem_page)
        problem_box.setContentsMargins(12, 12, 12, 12)
        problem_box.addWidget(self.problem)
        problem_box.addWidget(self.fallback, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.canvas)
        self.stack.addWidget(problem_page)

        self.prev_button = _tool("‹ Previous", "Previous page (PgUp)", "pdf-previous")
        self.prev_button.clicked.connect(lambda: self._step(-1))
        self.next_button = _tool("Next ›", "Next page (PgDn)", "pdf-next")
        self.next_button.clicked.connect(lambda: self._step(1))
        self.page_box = QSpinBox()
        self.page_box.setObjectName("pdf-page-number")
        self.page_box.setAccessibleName("Page number")
        self.page_box.setKeyboardTracking(False)
        self.page_box.setMinimum(1)
        self.page_box.valueChanged.connect(self.go_to)
        self.page_total = muted(QLabel())
        self.fit_button = _tool("Fit width", "Fit the page width to the pane (0)", "pdf-fit")
        self.fit_button.clicked.connect(self.canvas.fit)
        self.out_button = _tool("−", "Zoom out (−, Ctrl+wheel)", "pdf-zoom-out")
        self.out_button.clicked.connect(self.canvas.zoom_out)
        self.in_button = _tool("+", "Zoom in (+, Ctrl+wheel)", "pdf-zoom-in")
        self.in_button.clicked.connect(self.canvas.zoom_in)
        self.zoom_label = muted(QLabel())
        self.status = muted(QLabel())
        self.status.setObjectName("pdf-status")
        self.redact_button = _tool(
            "Redact area", "Draw a box to redact (R; Shift snaps to words)", "pdf-redact-area"
        )
        self.redact_button.setCheckable(True)
        self.area_tool = AreaTool(self.canvas)
        self.redact_button.toggled.connect(self.area_tool.set_active)
        self.area_tool.active_changed.connect(self.redact_button.setChecked)
        self.area_tool.drawn.connect(self._area_drawn)

        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        bar.setSpacing(4)
        bar.addWidget(self.prev_button)
        bar.addWidget(QLabel("Page"))
        bar.addWidget(self.page_box)
        bar.addWidget(self.page_total)
        bar.addWidget(self.next_button)
        bar.addSpacing(12)
        for w in (self.fit_button, self.out_button, self.in_button, self.zoom_label):
            bar.addWidget(w)
        bar.addSpacing(12)
        bar.addWidget(self.redact_button)
        bar.addStretch(1)
        self.origin_label = QLabel()
        self.origin_label.setObjectName("pdf-origin")
        bar.addWidget(self.origin_label)

        self.provenance = ProvenanceBar()
        self.setFocusProxy(self.canvas)  # focusing the viewer focuses what it shows
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        status_row = QHBoxLayout()
        status_row.setContentsMargins(12, 2, 12, 0)
        status_row.addWidget(self.status)
        layout.addLayout(status_row)
        layout.addWidget(self.provenance)

    # -- loading ----------------------------------------------------------------------

    def show_item(self, detail: ItemDetail, pages: Sequence[PageRow] = ()) -> None:
        """Show a document from its original in the case, with the pages' words."""
        self._close()
        self._detail = detail
        self.provenance.show_detail(detail)
        problem = self._open(detail.original)
        if problem:
            self.problem.setText(problem)
            self.fallback.setPlainText(detail.text.replace("\f", "\n\n") or "(no text)")
            self.stack.setCurrentIndex(1)
            self._set_navigation(0)
            self.shown.emit(detail.item_id)
            return
        self.stack.setCurrentWidget(self.canvas)
        self._layout(pages)
        self._set_navigation(len(self._pages))
        self.canvas.fit()
        self.go_to(1)
        self.render_visible()
        self.shown.emit(detail.item_id)

    def _open(self, original: Original | None) -> str:
        """Open the original (by name when the store keeps a plaintext file, else from its
        bytes); a sentence saying why not, or ''."""
        if original is None:
            return "The case holds no separate original for this document."
        if not original.present:
            return "The original of this document is missing from the case's store."
        try:
            doc = open_pdf(original)
        except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
            log.info("cannot open %s: %s", original.sha256[:12], exc)
            return f"The document cannot be opened: {exc}. Its text as read at import:"
        if doc.needs_pass and not doc.authenticate(""):
            doc.close()
            return "The document is locked with a password. Its text as read at import:"
        if doc.page_count == 0:
            doc.close()
            return "The document has no page to show. Its text as read at import:"
        self._doc = doc
        return ""

    def _close(self) -> None:
        self.clear_selection()
        self.canvas.scene().clear()
        self._pages = []
        self._redaction_items = []  # the scene's clear() deleted them
        self._cache.clear()
        self._terms = ()
        self.status.setText("")
        if self._doc is not None:
            self._doc.close()
            self._doc = None

    def _layout(self, rows: Sequence[PageRow]) -> None:
        """Place every page from its size (nothing is rendered yet)."""
        by_number = {r.number: r for r in rows}
        scene = self.canvas.scene()
        y = 0.0
        width = 0.0
        paper = QBrush(QColor("white"))
        edge = QPen(QColor(0, 0, 0, 60))
        edge.setCosmetic(True)
        for index in range(self._doc.page_count):
            number = index + 1
            try:
                page = self._doc.load_page(index)
                rect = page.rect
                w, h = float(rect.width), float(rect.height)
                matrix = page.rotation_matrix
            except Exception:  # a damaged page keeps its place, drawn blank
                log.info("page %d unreadable", number, exc_info=True)
                w, h, matrix = 595.0, 842.0, None
            frame = scene.addRect(QRectF(0, y, w, h), edge, paper)
            pixmap = QGraphicsPixmapItem(frame)
            pixmap.setPos(0, y)  # the frame sits at the scene's origin: its children too
            pixmap.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
            row = by_number.get(number)
            words: list[tuple[QRectF, str]] = []
            if row is not None and matrix is not None:
                fitz = _pymupdf()
                for word in row.words:
                    box = fitz.Rect(word.x0, word.y0, word.x1, word.y1) * matrix
                    words.append((QRectF(box.x0, y + box.y0, box.width, box.height), word.text))
            origin = row.origin if row is not None else "none"
            if origin == "ocr":
                # In the page's top margin, at a readable size whatever the zoom.
                tag = QGraphicsSimpleTextItem("OCR text (machine-read)", frame)
                tag.setBrush(QBrush(QColor(theme.MUTED_LIGHT)))
                tag.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
                tag.setPos(4, y + 4)
                tag.setZValue(4)
            self._pages.append(
                _Page(number, QRectF(0, y, w, h), words, origin, frame, pixmap, matrix=matrix)
            )
            width = max(width, w)
            y += h + GAP
        self.canvas.set_content_rect(QRectF(0, 0, width, max(0.0, y - GAP)))

    # -- navigation -------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        """How many pages the document has."""
        return len(self._pages)

    @property
    def current_page(self) -> int:
        """The 1-based number of the page in view (0 when nothing is shown)."""
        return self._current

    def go_to(self, number: int) -> None:
        """Scroll so that page `number`'s top is at the top of the pane."""
        if not self._pages:
            return
        number = max(1, min(len(self._pages), number))
        rect = self._pages[number - 1].rect
        bar = self.canvas.verticalScrollBar()
        top = self.canvas.mapFromScene(QPointF(rect.left(), rect.top() - GAP / 2))
        bar.setValue(bar.value() + top.y())
        self._set_current(number)
        self.render_visible()

    def _step(self, step: int) -> None:
        if step in (-2, 2):
            self.go_to(1 if step < 0 else len(self._pages))
        else:
            self.go_to(self._current + step)

    def _set_navigation(self, count: int) -> None:
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(max(1, count))
        self.page_box.setValue(1)
        self.page_box.blockSignals(False)
        self.page_total.setText(f"of {count}")
        for w in (
            self.page_box,
            self.prev_button,
            self.next_button,
            self.fit_button,
            self.in_button,
            self.out_button,
        ):
            w.setEnabled(count > 0)
        self.prev_button.setEnabled(False)
        self.next_button.setEnabled(count > 1)
        self._current = 1 if count else 0
        self._update_origin()

    def _set_current(self, number: int) -> None:
        if number == self._current:
            return
        self._current = number
        self.page_box.blockSignals(True)
        self.page_box.setValue(number)
        self.page_box.blockSignals(False)
        self.prev_button.setEnabled(number > 1)
        self.next_button.setEnabled(number < len(self._pages))
        self._update_origin()
        self.page_changed.emit(number)

    def _update_origin(self) -> None:
        page = self._pages[self._current - 1] if 0 < self._current <= len(self._pages) else None
        if page is not None and page.origin == "ocr":
            self.origin_label.setText("Page text: read by OCR (machine-read, may be wrong)")
        elif page is not None and page.origin == "none":
            self.origin_label.setText("No text on this page")
        else:
            self.origin_label.setText("")

    def _scrolled(self) -> None:
        if not self._pages:
            return
        view = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        probe = view.top() + min(view.height() / 3, 120 / max(self.canvas.zoom, 1e-6))
        for page in self._pages:
            if page.rect.top() - GAP <= probe <= page.rect.bottom() + GAP / 2:
                self._set_current(page.number)
                break
        self._render_timer.start()

    def _zoom_changed(self, scale: float) -> None:
        self.zoom_label.setText(f"{scale * 100:.0f} %")
        self._render_timer.start()

    # -- rendering --------------------------------------------------------------------

    def visible_pages(self) -> list[int]:
        """The numbers of the pages in view."""
        view = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        return [p.number for p in self._pages if p.rect.intersects(view)]

    def render_visible(self) -> None:
        """Render the pages in view (and the next one) at the current zoom."""
        if self._doc is None or not self._pages:
            return
        dpr = self.devicePixelRatioF() or 1.0
        scale = round(self.canvas.zoom * dpr, 3)
        wanted = self.visible_pages()
        if wanted and wanted[-1] < len(self._pages):
            wanted.append(wanted[-1] + 1)
        for number in wanted:
            page = self._pages[number - 1]
            if page.scale == scale:
                continue
            pixmap = self._render(page, scale)
            if pixmap is None:
                continue
            page.pixmap.setPixmap(pixmap)
            page.pixmap.setScale(page.rect.width() / max(1, pixmap.width()))
            page.scale = scale

    def _render(self, page: _Page, scale: float) -> QPixmap | None:
        key = (page.number, scale)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        area = page.rect.width() * page.rect.height() * scale * scale
        if area > MAX_RENDER_PIXELS:
            scale = (MAX_RENDER_PIXELS / (page.rect.width() * page.rect.height())) ** 0.5
        fitz = _pymupdf()
        try:
            pix = self._doc.load_page(page.number - 1).get_pixmap(
                matrix=fitz.Matrix(scale, scale), alpha=False, colorspace=fitz.csRGB
            )
        except Exception as exc:  # noqa: BLE001 - a damaged page stays blank, others show
            log.info("page %d not rendered: %s", page.number, exc)
            return None
        image = QImage(pix.samples, pix.width, pix.height, pix.stride, QImage.Format.Format_RGB888)
        pixmap = QPixmap.fromImage(image.copy())
        self.renders += 1
        self._cache[key] = pixmap
        while len(self._cache) > CACHE_PAGES:
            old_key, _ = self._cache.popitem(last=False)
            for p in self._pages:
                if p.number == old_key[0] and p.scale == old_key[1]:
                    p.scale = 0.0  # still shown, re-rendered when next in view
        return pixmap

    # -- selection and search ---------------------------------------------------------

    def select_scene_rect(self, rect: QRectF) -> list[str]:
        """Select the words whose boxes meet `rect` (scene units); returns them in order."""
        self.clear_selection()
        for pi, page in enumerate(self._pages):
            if not page.rect.intersects(rect):
                continue
            for wi, (box, _) in enumerate(page.words):
                if box.intersects(rect):
                    self._selected.append((pi, wi))
        colour = QColor(theme.ACCENT)
        colour.setAlpha(90)
        for pi, wi in self._selected:
            box = self._pages[pi].words[wi][0]
            mark = self.canvas.scene().addRect(box, QPen(Qt.PenStyle.NoPen), QBrush(colour))
            mark.setZValue(3)
            self._selection_marks.append(mark)
        words = self.selected_words()
        if words:
            self.status.setText(
                f"{len(words)} word{'s' if len(words) != 1 else ''} selected: Ctrl+C copies them"
            )
        return words

    def select_page_rect(self, number: int, rect: QRectF) -> list[str]:
        """Select the words in `rect` given in points of page `number` as displayed."""
        page = self._pages[number - 1]
        return self.select_scene_rect(rect.translated(page.rect.topLeft()))

    def selected_words(self) -> list[str]:
        """The selected words in reading order."""
        return [self._pages[pi].words[wi][1] for pi, wi in self._selected]

    def selected_text(self) -> str:
        """The selection as text: words of one line joined by spaces, lines by newlines."""
        lines: list[str] = []
        last: tuple[int, float] | None = None
        for pi, wi in self._selected:
            box, word = self._pages[pi].words[wi]
            here = (pi, box.center().y())
            same_line = (
                last is not None and last[0] == pi and abs(last[1] - here[1]) < box.height() / 2
            )
            if same_line:
                lines[-1] += " " + word
            else:
                lines.append(word)
            last = here
        return "\n".join(lines)

    def copy_selection(self) -> None:
        """Put the selected words on the clipboard."""
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.status.setText("Copied the selected words.")

    def clear_selection(self) -> None:
        """Forget the selected words."""
        scene = self.canvas.scene()
        for mark in self._selection_marks:
            scene.removeItem(mark)
        self._selection_marks = []
        self._selected = []

    def highlight(self, terms: Sequence[str] | str) -> int:
        """Mark the words that match `terms` (whole words or prefixes, any case) on every
        page; shows the first page with a hit and returns how many words matched."""
        if isinstance(terms, str):
            terms = terms.split()
        wanted = tuple(t for t in (_norm(t.rstrip("*")) for t in terms) if t)
        self._terms = wanted
        scene = self.canvas.scene()
        hits = 0
        first = 0
        edge = QPen(QColor(150, 100, 0))
        edge.setCosmetic(True)
        for page in self._pages:
            for mark in page.marks:
                scene.removeItem(mark)
            page.marks = []
            if not wanted:
                continue
            for box, word in page.words:
                norm = _norm(word)
                if norm and any(norm.startswith(t) for t in wanted):
                    mark = scene.addRect(box, edge, QBrush(HIT_COLOUR))
                    mark.setZValue(2)
                    page.marks.append(mark)
                    hits += 1
                    first = first or page.number
        if wanted:
            pages = sum(1 for p in self._pages if p.marks)
            self.status.setText(
                f"{hits} match{'es' if hits != 1 else ''} for {' '.join(wanted)}"
                + (f" on {pages} page{'s' if pages != 1 else ''}" if hits else "")
            )
        if first:
            self.go_to(first)
        return hits

    # -- redaction --------------------------------------------------------------------

    @property
    def item_id(self) -> int | None:
        """The item shown (None when nothing is)."""
        return self._detail.item_id if self._detail is not None else None

    def page_box_to_scene(self, number: int, box: Box) -> QRectF | None:
        """A box in points of the unrotated page `number`, in scene units as displayed."""
        if not 0 < number <= len(self._pages):
            return None
        page = self._pages[number - 1]
        x0, y0, x1, y1 = box
        if page.matrix is not None:
            r = _pymupdf().Rect(x0, y0, x1, y1) * page.matrix
            x0, y0, x1, y1 = r.x0, r.y0, r.x1, r.y1
        return QRectF(x0, page.rect.top() + y0, x1 - x0, y1 - y0).normalized()

    def scene_to_page_box(self, rect: QRectF) -> tuple[int, Box] | None:
        """The page a scene rectangle lies on (the one holding most of it) and the rectangle
        clipped to it, in points of the unrotated page; None off the pages."""
        best: tuple[float, _Page] | None = None
        for page in self._pages:
            part = page.rect.intersected(rect)
            area = part.width() * part.height()
            if area > 0 and (best is None or area > best[0]):
                best = (area, page)
        if best is None:
            return None
        page = best[1]
        local = page.rect.intersected(rect).translated(0, -page.rect.top())
        x0, y0, x1, y1 = local.left(), local.top(), local.right(), local.bottom()
        if page.matrix is not None:
            r = _pymupdf().Rect(x0, y0, x1, y1) * ~page.matrix
            r.normalize()
            x0, y0, x1, y1 = r.x0, r.y0, r.x1, r.y1
        return page.number, (round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2))

    def selected_regions(self) -> list[Region]:
        """The selected words as boxes to redact: one per line of each page, with its words."""
        lines: list[tuple[int, QRectF, list[str]]] = []
        for pi, wi in self._selected:
            box, word = self._pages[pi].words[wi]
            last = lines[-1] if lines else None
            if (
                last is not None
                and last[0] == pi
                and abs(last[1].center().y() - box.center().y()) < box.height() / 2
            ):
                lines[-1] = (pi, last[1].united(box), [*last[2], word])
            else:
                lines.append((pi, QRectF(box), [word]))
        out: list[Region] = []
        for _pi, rect, words in lines:
            placed = self.scene_to_page_box(rect)
            if placed is not None:
                out.append((placed[0], placed[1], " ".join(words)))
        return out

    def _area_drawn(self, rect: QRectF, modifiers: object) -> None:
        if isinstance(modifiers, Qt.KeyboardModifier) and (
            modifiers & Qt.KeyboardModifier.ShiftModifier
        ):
            self.select_scene_rect(rect)
            regions = self.selected_regions()
            self.clear_selection()
            if not regions:
                self.status.setText("No words in the box drawn: draw it over some words.")
                return
        else:
            placed = self.scene_to_page_box(rect)
            if placed is None:
                return
            regions = [(placed[0], placed[1], "")]
        self.redact_requested.emit(regions)

    def set_redactions(self, rows: Sequence[RedactionRow], show_rejected: bool = False) -> None:
        """Draw these redactions (region ones of this document) over the pages."""
        scene = self.canvas.scene()
        for item in self._redaction_items:
            scene.removeItem(item)
        self._redaction_items = []
        for row in rows:
            if row.box is None or row.page is None or row.item_id != self.item_id:
                continue
            if row.state == RedactionState.REJECTED and not show_rejected:
                continue
            rect = self.page_box_to_scene(row.page, row.box)
            if rect is None:
                continue
            item = RedactionBoxItem(rect, row)
            scene.addItem(item)
            self._redaction_items.append(item)

    @property
    def redaction_items(self) -> list[RedactionBoxItem]:
        """The redaction boxes drawn (for tests and screenshots)."""
        return [i for i in self._redaction_items if isinstance(i, RedactionBoxItem)]
