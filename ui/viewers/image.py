"""The image viewer: the picture upright and fitted, zoom and pan, its metadata beside it,
and the pictures that look like it in a strip below."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QIcon, QImage, QPalette, QPixmap
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPixmapItem,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import EvidenceError
from app.items import ItemDetail, ItemRef, PageRow, original_pixels
from app.redaction.model import Box, RedactionRow, RedactionState
from ui import display, theme
from ui.present.guard import GUARD, ProtectiveBar, blurred
from ui.redaction.overlay import RedactionBoxItem
from ui.redaction.tools import AreaTool
from ui.viewers.common import (
    ProvenanceBar,
    blend,
    event_label,
    event_time,
    muted,
    palette_color,
    qimage,
)
from ui.viewers.zoom import ZoomView

STRIP_ICON = 72
MAX_SIDE = 4096

_ORIENTATION = {
    2: "mirrored",
    3: "turned 180°",
    4: "mirrored upside down",
    5: "mirrored and turned 90° anticlockwise",
    6: "turned 90° clockwise",
    7: "mirrored and turned 90° clockwise",
    8: "turned 90° anticlockwise",
}


def _tool(text: str, tip: str, name: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setObjectName(name)
    button.setAutoRaise(True)
    return button


def _rows(rows: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f'<tr><td style="padding-right:10px" valign="top">{html.escape(k)}</td>'
        f"<td>{html.escape(v)}</td></tr>"
        for k, v in rows
        if v
    )


def _degrees(value: Any, positive: str, negative: str) -> str:
    if not isinstance(value, int | float):
        return ""
    hemisphere = positive if value >= 0 else negative
    return f"{abs(value):.6f}° {hemisphere}"


Region = tuple[int, Box, str]
"""A place to redact: page (1 for a picture), box in pixels of the upright image, words."""


class ImageView(QWidget):
    """One picture; `item_activated` is emitted with the id of a near-duplicate clicked.

    `shown` is emitted with the item id once a picture is shown; `redact_requested` with a
    list of `Region`s when the "Redact area" tool draws a box (Shift: snapped to the OCR
    words it meets, one box per line).
    """

    item_activated = Signal(int)
    shown = Signal(int)
    redact_requested = Signal(object)  # list[Region]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("image-viewer")
        self._detail: ItemDetail | None = None
        self._zone = "Europe/London"
        self._words: list[tuple[QRectF, str]] = []  # OCR words, in pixels of the upright image
        self._redaction_items: list[QGraphicsItem] = []

        self.view = ZoomView()
        self.view.setObjectName("image-canvas")
        self.view.setAccessibleName("Picture")
        self.view.setDragMode(ZoomView.DragMode.ScrollHandDrag)
        # A quiet backdrop, so that a white screenshot still shows its edges.
        backdrop = blend(palette_color(QPalette.ColorRole.Base), theme.muted(), 0.12)
        self.view.setBackgroundBrush(QBrush(backdrop))
        self.pixmap_item = QGraphicsPixmapItem()
        self.pixmap_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.view.scene().addItem(self.pixmap_item)
        self.view.zoom_changed.connect(self._zoom_changed)

        self.problem = muted(QLabel())
        self.problem.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem.setWordWrap(True)
        self.canvas = QStackedWidget()
        self.canvas.addWidget(self.view)
        self.canvas.addWidget(self.problem)

        self.fit_button = _tool("Fit", "Fit the picture to the pane (0)", "image-fit")
        self.fit_button.clicked.connect(self.view.fit)
        self.out_button = _tool("−", "Zoom out (−, Ctrl+wheel)", "image-zoom-out")
        self.out_button.clicked.connect(self.view.zoom_out)
        self.in_button = _tool("+", "Zoom in (+, Ctrl+wheel)", "image-zoom-in")
        self.in_button.clicked.connect(self.view.zoom_in)
        self.actual_button = _tool(
            "Actual size", "One pixel of the file per pixel (1)", "image-actual"
        )
        self.actual_button.clicked.connect(self.view.actual_size)
        self.zoom_label = muted(QLabel())
        self.size_label = muted(QLabel())
        self.details_button = _tool("Details", "Show or hide the picture's metadata", "image-meta")
        self.details_button.setCheckable(True)
        self.details_button.setChecked(True)
        self.details_button.toggled.connect(self._toggle_meta)
        self.redact_button = _tool(
            "Redact area", "Draw a box to redact (R; Shift snaps to OCR words)", "image-redact-area"
        )
        self.redact_button.setCheckable(True)
        self.area_tool = AreaTool(self.view)
        self.redact_button.toggled.connect(self.area_tool.set_active)
        self.area_tool.active_changed.connect(self.redact_button.setChecked)
        self.area_tool.drawn.connect(self._area_drawn)

        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        bar.setSpacing(2)
        for w in (self.fit_button, self.out_button, self.in_button, self.actual_button):
            bar.addWidget(w)
        bar.addSpacing(8)
        bar.addWidget(self.zoom_label)
        bar.addSpacing(12)
        bar.addWidget(self.redact_button)
        bar.addSpacing(12)
        bar.addWidget(self.size_label, 1)
        bar.addWidget(self.details_button)

        self.meta = QTextBrowser()
        self.meta.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.meta.document().setDocumentMargin(10)
        self.meta.setObjectName("image-metadata")
        self.meta.setAccessibleName("Picture metadata")
        self.meta.setOpenLinks(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(self.meta)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([600, 340])  # in proportion: the picture gets the most room

        self.strip_label = muted(QLabel())
        self.strip = QListWidget()
        self.strip.setObjectName("near-duplicates")
        self.strip.setAccessibleName("Pictures that look like this one")
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setMovement(QListView.Movement.Static)
        self.strip.setIconSize(QSize(STRIP_ICON, STRIP_ICON))
        self.strip.setSpacing(4)
        self.strip.setUniformItemSizes(True)
        self.strip.setFixedHeight(STRIP_ICON + self.fontMetrics().height() * 2 + 20)
        self.strip.itemClicked.connect(self._strip_clicked)
        self.strip.itemActivated.connect(self._strip_clicked)

        strip_box = QVBoxLayout()
        strip_box.setContentsMargins(12, 4, 12, 0)
        strip_box.setSpacing(2)
        strip_box.addWidget(self.strip_label)
        strip_box.addWidget(self.strip)

        self.provenance = ProvenanceBar()
        # A picture marked intimate or distressing is blurred (only the blurred copy is kept)
        # until "Reveal…" is chosen and recorded; leaving the item blurs it again.
        self.protective_bar = ProtectiveBar()
        self.protective_bar.reveal_clicked.connect(self.reveal)
        self._revealed = False
        GUARD.changed.connect(self._marks_changed)
        self.setFocusProxy(self.view)  # focusing the viewer focuses what it shows
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.protective_bar)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(strip_box)
        layout.addWidget(self.provenance)

    # -- public -----------------------------------------------------------------------

    def show_item(
        self,
        detail: ItemDetail,
        image: QImage | None = None,
        duplicates: Sequence[ItemRef] = (),
        zone_name: str = "Europe/London",
        pages: Sequence[PageRow] = (),
    ) -> None:
        """Show a picture: `image` as decoded, else the item's original read through the
        case's store (slow for a large photo: decode it off the GUI thread and pass the
        QImage). `pages` carry the words OCR read, for redacting them."""
        self._detail = detail
        self._zone = zone_name
        self._words = [
            (QRectF(w.x0, w.y0, w.x1 - w.x0, w.y1 - w.y0), w.text)
            for p in pages[:1]
            for w in p.words
        ]
        self.provenance.show_detail(detail)
        self._revealed = False
        self._show_pixels(detail, image)
        self._show_meta(detail)
        self._show_duplicates(duplicates)
        self.set_redactions(())
        self.shown.emit(detail.item_id)

    @property
    def duplicate_ids(self) -> list[int]:
        """The ids listed in the near-duplicate strip, closest first."""
        return [
            int(self.strip.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.strip.count())
        ]

    # -- parts ------------------------------------------------------------------------

    def _show_pixels(self, detail: ItemDetail, image: QImage | None) -> None:
        source = detail.original
        problem = ""
        picture = QImage()
        if image is not None:
            picture = image
        elif source is None:
            problem = "The case holds no separate original for this picture."
        elif not source.present:
            problem = "The original of this picture is missing from the case's store."
        else:
            try:
                picture = qimage(original_pixels(source, MAX_SIDE, name=detail.name))
            except EvidenceError as exc:
                problem = f"The picture cannot be shown: {exc}"
        if picture.isNull():
            self.problem.setText(problem or "The picture cannot be shown.")
            self.canvas.setCurrentWidget(self.problem)
            self.pixmap_item.setPixmap(QPixmap())
            self.size_label.setText("")
            self._set_zoom_enabled(False)
            self.protective_bar.hide()
            return
        mark = GUARD.mark(detail.item_id)
        self.protective_bar.show_mark(mark, self._revealed)
        if mark is not None and not self._revealed:
            picture = blurred(picture)  # the sharp pixels are not kept
        self.canvas.setCurrentWidget(self.view)
        self._set_zoom_enabled(True)
        pixmap = QPixmap.fromImage(picture)
        self.pixmap_item.setPixmap(pixmap)
        # Shown at the size of the original, so 100 % is one pixel of the file per pixel.
        width = detail.meta.get("width")
        height = detail.meta.get("height")
        scale = 1.0
        if (
            isinstance(width, int)
            and isinstance(height, int)
            and width > 0
            and height > 0
            and (picture.width() >= picture.height()) == (width >= height)
        ):
            scale = width / max(1, picture.width())
        self.pixmap_item.setScale(scale)
        self.view.set_content_rect(QRectF(0, 0, picture.width() * scale, picture.height() * scale))
        self.view.fit()
        shown_w, shown_h = round(picture.width() * scale), round(picture.height() * scale)
        self.size_label.setText(f"{shown_w} × {shown_h} pixels")

    def _set_zoom_enabled(self, on: bool) -> None:
        for w in (self.fit_button, self.out_button, self.in_button, self.actual_button):
            w.setEnabled(on)
        if not on:
            self.zoom_label.setText("")

    def _zoom_changed(self, scale: float) -> None:
        self.zoom_label.setText(f"{scale * 100:.0f} %")

    def _toggle_meta(self, on: bool) -> None:
        self.meta.setVisible(on)

    def _show_meta(self, d: ItemDetail) -> None:
        m = d.meta
        sections: list[str] = []

        def section(
            title: str, rows: Sequence[tuple[str, str]], note: str = "", after: str = ""
        ) -> None:
            body = _rows(rows)
            if body or note:
                sections.append(f"<h4 style='margin-bottom:4px'>{title}</h4>{note}")
                if body:
                    sections.append(f"<table cellspacing='0' cellpadding='1'>{body}</table>")
                sections.append(after)

        orientation = m.get("orientation")
        turned = _ORIENTATION.get(orientation, "") if isinstance(orientation, int) else ""
        width, height = m.get("width"), m.get("height")
        section(
            "Picture",
            [
                ("Name", d.name),
                ("Format", str(m.get("format", "") or d.mime)),
                ("Size", f"{width} × {height} pixels" if width and height else ""),
                ("Orientation", f"{turned} (shown upright)" if turned else ""),
                ("Frames", str(m["frames"]) if m.get("frames") else ""),
                ("Screenshot", "yes" if m.get("screenshot") else ""),
            ],
        )
        notes = {
            display.confidence_note(e.confidence, e.zone or self._zone)
            for e in d.events
            if not display.is_exact(e.confidence)
        }
        amber = theme.amber().name()
        section(
            "Times",
            [(event_label(e.kind), event_time(e, self._zone)) for e in d.events]
            or [("Time", "none found in the file")],
            after="".join(
                f"<p style='color:{amber}; margin-top:0'>{display.APPROX} {html.escape(n)}</p>"
                for n in sorted(notes)
            ),
        )
        summary = m.get("exif_summary")
        if isinstance(summary, dict) and summary:
            section("Camera (EXIF)", [(str(k), str(v)) for k, v in summary.items()])
        sensitive = m.get("sensitive")
        if isinstance(sensitive, dict):
            note = (
                "<p style='margin-top:0'><b>Sensitive:</b> it can reveal where someone lives "
                "or was. Redact it before disclosure.</p>"
            )
            gps = sensitive.get("gps")
            if isinstance(gps, dict):
                lat, lon = gps.get("lat"), gps.get("lon")
                section(
                    "Location (GPS) — sensitive",
                    [
                        ("Latitude", _degrees(lat, "N", "S")),
                        ("Longitude", _degrees(lon, "E", "W")),
                        ("Decimal", f"{lat:.6f}, {lon:.6f}" if lat is not None else ""),
                        ("Altitude", f"{gps['alt']} m" if gps.get("alt") is not None else ""),
                        ("Fix time (UTC)", str(gps.get("time_utc", ""))),
                    ],
                    note,
                )
            ids = sensitive.get("identifiers")
            if isinstance(ids, dict) and ids:
                section(
                    "Device identifiers — sensitive",
                    [(str(k).split(" ", 1)[-1], str(v)) for k, v in ids.items()],
                    note if not isinstance(gps, dict) else "",
                )
        if d.ocr_text:
            sections.append(
                "<h4 style='margin-bottom:4px'>Text read by OCR</h4>"
                "<p style='margin-top:0'><i>Machine-read from the pixels: it can be wrong.</i>"
                f"</p><p style='white-space:pre-wrap'>{html.escape(d.ocr_text)}</p>"
            )
        self.meta.setHtml("".join(sections))

    def _show_duplicates(self, duplicates: Sequence[ItemRef]) -> None:
        self.strip.clear()
        marks = GUARD.marks(ref.item_id for ref in duplicates)
        for ref in duplicates:
            item = QListWidgetItem(ref.name)
            item.setData(Qt.ItemDataRole.UserRole, ref.item_id)
            item.setToolTip(f"{ref.name} (item {ref.item_id})")
            if ref.thumbnail is not None:
                icon = QImage.fromData(ref.thumbnail)
                if ref.item_id in marks:
                    icon = blurred(icon)
                if not icon.isNull():
                    item.setIcon(QIcon(QPixmap.fromImage(icon)))
            self.strip.addItem(item)
        n = len(duplicates)
        if n:
            self.strip_label.setText(
                f"Looks like this picture: {display.plural(n, 'other picture')} "
                "(near-duplicates; click one to open it)"
            )
        else:
            self.strip_label.setText("No other picture in the case looks like this one.")
        self.strip.setVisible(bool(n))

    def _strip_clicked(self, item: QListWidgetItem) -> None:
        self.item_activated.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    # -- protective viewing -----------------------------------------------------------

    @property
    def is_blurred(self) -> bool:
        """Whether the picture shown is a blurred copy (marked, not revealed)."""
        return not self.protective_bar.isHidden() and not self._revealed

    def reveal(self) -> bool:
        """Show the marked picture unblurred once the user confirms; the reveal is written to
        the audit log. False when nothing was revealed."""
        d = self._detail
        if d is None or self._revealed or GUARD.mark(d.item_id) is None:
            return False
        if not GUARD.ask_reveal(d.item_id, "viewer", self):
            return False
        self._revealed = True
        self._show_pixels(d, None)  # read again from the original: the sharp copy was dropped
        return True

    def _marks_changed(self) -> None:
        d = self._detail
        if d is None or self._revealed or self.canvas.currentWidget() is not self.view:
            return
        if (GUARD.mark(d.item_id) is not None) != self.is_blurred:
            self._show_pixels(d, None)

    # -- redaction --------------------------------------------------------------------

    @property
    def item_id(self) -> int | None:
        """The item shown (None when nothing is)."""
        return self._detail.item_id if self._detail is not None else None

    def _picture_rect(self) -> QRectF:
        return self.pixmap_item.sceneBoundingRect()

    def scene_to_box(self, rect: QRectF) -> Box | None:
        """A scene rectangle clipped to the picture, in pixels of the upright image."""
        part = self._picture_rect().intersected(rect)
        if part.isEmpty():
            return None
        return (
            round(part.left(), 2),
            round(part.top(), 2),
            round(part.right(), 2),
            round(part.bottom(), 2),
        )

    def words_in(self, rect: QRectF) -> list[Region]:
        """The OCR words a scene rectangle meets, as one box per line."""
        lines: list[tuple[QRectF, list[str]]] = []
        for box, word in sorted(
            (w for w in self._words if w[0].intersects(rect)),
            key=lambda w: (w[0].center().y(), w[0].left()),
        ):
            last = lines[-1] if lines else None
            if last is not None and abs(last[0].center().y() - box.center().y()) < box.height() / 2:
                lines[-1] = (last[0].united(box), [*last[1], word])
            else:
                lines.append((QRectF(box), [word]))
        out: list[Region] = []
        for rect_line, words in lines:
            placed = self.scene_to_box(rect_line)
            if placed is not None:
                out.append((1, placed, " ".join(words)))
        return out

    def _area_drawn(self, rect: QRectF, modifiers: object) -> None:
        if isinstance(modifiers, Qt.KeyboardModifier) and (
            modifiers & Qt.KeyboardModifier.ShiftModifier
        ):
            regions = self.words_in(rect)
            if not regions:
                return
        else:
            box = self.scene_to_box(rect)
            if box is None:
                return
            regions = [(1, box, "")]
        self.redact_requested.emit(regions)

    def set_redactions(self, rows: Sequence[RedactionRow], show_rejected: bool = False) -> None:
        """Draw these redactions (region ones of this picture) over it."""
        scene = self.view.scene()
        for item in self._redaction_items:
            scene.removeItem(item)
        self._redaction_items = []
        for row in rows:
            if row.box is None or row.item_id != self.item_id:
                continue
            if row.state == RedactionState.REJECTED and not show_rejected:
                continue
            x0, y0, x1, y1 = row.box
            item = RedactionBoxItem(QRectF(x0, y0, x1 - x0, y1 - y0), row)
            scene.addItem(item)
            self._redaction_items.append(item)

    @property
    def redaction_items(self) -> list[RedactionBoxItem]:
        """The redaction boxes drawn (for tests and screenshots)."""
        return [i for i in self._redaction_items if isinstance(i, RedactionBoxItem)]
