"""The details pane: the chosen event's full text, its time in full, and its provenance.

Items with a viewer (a chat message, a picture, a PDF, an email) show it in place of the
plain text; the window loads what it shows off the GUI thread and hands it to `show_data`.
An image shows its thumbnail (made off the GUI thread; a placeholder until then), and text
OCR read in it appears in its own labelled, differently styled block, never mixed with the
evidence text.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPalette, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.items import ViewerData
from app.model import SourceRow, TimelineRow
from app.timeline.clock import iso_utc
from ui import display, theme
from ui.ocr import OCR_LABEL, OCR_TIP, THUMB_SIZE, Thumb
from ui.present.guard import GUARD, blurred, label_for
from ui.viewers.stack import VIEWER_FOR_KIND, ViewerStack

SHA_SHORT = 12
QWIDGETSIZE_MAX = 16_777_215  # Qt's "no maximum" for a widget's size


def _muted(label: QLabel) -> QLabel:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), theme.muted())
    label.setPalette(palette)
    return label


def _selectable(label: QLabel) -> QLabel:
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class DetailsPane(QWidget):
    """Shows one timeline row in full; a hint when nothing is chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("details-pane")
        self._sha = ""

        self.placeholder = _muted(QLabel("Choose an event in the timeline to read it here."))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)

        self.heading = _selectable(QLabel())
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.note = _selectable(QLabel())
        self.meta = _selectable(_muted(QLabel()))
        self.author = _selectable(QLabel())
        self.thumb = _muted(QLabel())
        self.thumb.setObjectName("details-thumbnail")
        self.thumb.setAccessibleName("Picture")
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setFrameShape(QFrame.Shape.StyledPanel)
        self.thumb.setWordWrap(True)
        self._thumb_item: int | None = None
        self.text = QPlainTextEdit()
        self.text.setObjectName("details-text")
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Full text")
        self.text.setFrameShape(QFrame.Shape.NoFrame)
        # The viewer for the item's kind, in place of the plain text; loaded by the window.
        self.viewer = ViewerStack()
        self.viewer.setAccessibleName("Viewer")
        for view in (self.viewer.chat, self.viewer.image, self.viewer.pdf, self.viewer.email):
            view.provenance.hide()  # the pane's own provenance block says it all
        self.viewer.hide()
        self._viewer_item: int | None = None
        self.ocr_box = self._build_ocr_box()

        self.source = _selectable(QLabel())
        self.sha = _selectable(QLabel())
        self.copy_sha = QPushButton("Copy")
        self.copy_sha.setToolTip("Copy the full SHA-256 of the source file")
        self.copy_sha.clicked.connect(self._copy_sha)
        sha_row = QHBoxLayout()
        sha_row.setContentsMargins(0, 0, 0, 0)
        sha_row.addWidget(self.sha, 1)
        sha_row.addWidget(self.copy_sha)
        self.locator = _selectable(QLabel())
        self.importer = _selectable(QLabel())
        self.original = _selectable(QLabel())
        self.exhibit = _selectable(QLabel("–"))
        self.exhibit.setObjectName("details-exhibit")
        self.exhibit.setAccessibleName("Exhibit")

        provenance = QFormLayout()
        provenance.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        provenance.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        provenance.addRow(_muted(QLabel("Source")), self.source)
        provenance.addRow(_muted(QLabel("SHA-256")), sha_row)
        provenance.addRow(_muted(QLabel("Locator")), self.locator)
        provenance.addRow(_muted(QLabel("Read as")), self.importer)
        provenance.addRow(_muted(QLabel("As written")), self.original)
        provenance.addRow(_muted(QLabel("Exhibit")), self.exhibit)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        title = QLabel("Provenance")
        bold = title.font()
        bold.setBold(True)
        title.setFont(bold)

        content = QWidget()
        col = QVBoxLayout(content)
        col.setContentsMargins(12, 10, 12, 10)
        col.setSpacing(6)
        col.addWidget(self.heading)
        col.addWidget(self.note)
        col.addWidget(self.meta)
        col.addWidget(self.author)
        col.addWidget(self.thumb, 0, Qt.AlignmentFlag.AlignLeft)
        col.addWidget(self.text, 1)
        col.addWidget(self.viewer, 3)
        col.addWidget(self.ocr_box, 1)
        col.addWidget(rule)
        col.addWidget(title)
        col.addLayout(provenance)
        col.addStretch(0)  # takes what is left when the text boxes are short

        # In a short window (1366 × 768) the pane scrolls rather than making the window
        # taller than the screen; otherwise the content fills it as before.
        scroller = QScrollArea()
        scroller.setObjectName("details-scroll")
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setWidget(content)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(scroller)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    def _build_ocr_box(self) -> QFrame:
        """The block OCR text goes in: titled as OCR, italic, on its own muted background."""
        box = QFrame()
        box.setObjectName("details-ocr")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setAutoFillBackground(True)
        box.setToolTip(OCR_TIP)
        background = theme.ocr_background()
        palette = box.palette()
        palette.setColor(QPalette.ColorRole.Window, background)
        palette.setColor(QPalette.ColorRole.Base, background)
        box.setPalette(palette)
        self.ocr_title = _muted(QLabel(OCR_LABEL))
        self.ocr_title.setObjectName("details-ocr-title")
        bold = self.ocr_title.font()
        bold.setBold(True)
        self.ocr_title.setFont(bold)
        self.ocr_text = QPlainTextEdit()
        self.ocr_text.setObjectName("details-ocr-text")
        self.ocr_text.setReadOnly(True)
        self.ocr_text.setAccessibleName(OCR_LABEL)
        self.ocr_text.setFrameShape(QFrame.Shape.NoFrame)
        self.ocr_text.setPalette(palette)
        italic = self.ocr_text.font()
        italic.setItalic(True)
        self.ocr_text.setFont(italic)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(8, 6, 8, 6)
        inner.setSpacing(4)
        inner.addWidget(self.ocr_title)
        inner.addWidget(self.ocr_text, 1)
        box.hide()
        return box

    def show_row(
        self,
        row: TimelineRow | None,
        source: SourceRow | None,
        locator: str,
        zone_name: str,
        *,
        ocr_text: str = "",
    ) -> None:
        """Show a row (None clears the pane); `ocr_text` goes in the OCR block, if any."""
        if row is None:
            self.stack.setCurrentWidget(self.placeholder)
            self._sha = ""
            self._thumb_item = None
            self._viewer_item = None
            self.viewer.clear()
            return
        tz = ZoneInfo(zone_name)
        exact = display.is_exact(row.confidence)
        prefix = "" if exact else f"{display.APPROX} "
        self.heading.setText(prefix + display.long_time(row.ts_utc_us, tz))
        note = display.confidence_note(row.confidence, zone_name)
        self.note.setText(f"{display.APPROX} {note}" if note else "")
        self.note.setVisible(bool(note))
        palette = self.note.palette()
        palette.setColor(self.note.foregroundRole(), theme.amber())
        self.note.setPalette(palette)
        self.meta.setText(f"{row.event_kind} · {row.item_kind} · UTC {iso_utc(row.ts_utc_us)}")
        self.author.setText(f"From {row.author}" if row.author else "")
        self.author.setVisible(bool(row.author))
        self.text.setPlainText(row.text or "(no text)")
        if row.text:
            self.text.setMaximumHeight(QWIDGETSIZE_MAX)
            self.text.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        else:  # one line, so a picture's OCR text below gets the room
            margins = 2 * (self.text.document().documentMargin() + self.text.frameWidth()) + 4
            self.text.setMaximumHeight(self.text.fontMetrics().lineSpacing() + round(margins))
            self.text.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.ocr_text.setPlainText(ocr_text)
        self.ocr_box.setVisible(bool(ocr_text))
        if row.item_kind in VIEWER_FOR_KIND:
            if self.viewer.zone_name != zone_name:
                self.viewer.set_zone(zone_name)
            if self._viewer_item != row.item_id:
                self._viewer_item = row.item_id
                self.viewer.show_message("Loading…")
            self.text.hide()
            self.viewer.show()
        else:
            self._viewer_item = None
            self.viewer.clear()
            self.viewer.hide()
            self.text.show()
        if row.item_kind == "image":
            if self._thumb_item != row.item_id:
                self._thumb_item = row.item_id
                self._thumb_placeholder("Loading preview…")
            self.thumb.show()
        else:
            self._thumb_item = None
            self.thumb.hide()

        self._sha = source.sha256 if source else ""
        self.source.setText(f"{row.source_name} (#{row.source_id})")
        self.source.setToolTip(source.path if source else "")
        self.sha.setText(f"{self._sha[:SHA_SHORT]}…" if self._sha else "unknown")
        self.sha.setToolTip(self._sha)
        self.copy_sha.setEnabled(bool(self._sha))
        self.locator.setText(locator or "–")
        self.importer.setText(row.importer)
        self.original.setText(row.original or "–")
        self.stack.setCurrentIndex(1)

    def show_exhibit(self, text: str) -> None:
        """Show the shown item's exhibit references ("AB/1 · Messages…"); "" for none."""
        self.exhibit.setText(text or "–")

    @property
    def viewer_item(self) -> int | None:
        """The item whose viewer the pane waits for or shows; None when it shows plain text."""
        return self._viewer_item

    def show_data(self, data: ViewerData, image: QImage | None = None) -> bool:
        """Show what the window loaded for the viewer; False (ignored) if another item is
        shown now."""
        if data.detail.item_id != self._viewer_item:
            return False
        self.viewer.show_data(data, image=image)
        return True

    def show_viewer_problem(self, item_id: int, message: str) -> bool:
        """Say why the item's viewer cannot show it; False if another item is shown now."""
        if item_id != self._viewer_item:
            return False
        self.viewer.show_message(message)
        return True

    @property
    def focus_target(self) -> QWidget:
        """Where the keyboard goes when the pane is opened: the viewer, else the text."""
        shown = self.viewer.currentWidget()
        return shown if shown is not None and self.viewer.isVisibleTo(self) else self.text

    @property
    def thumbnail_item(self) -> int | None:
        """The item whose thumbnail the pane waits for or shows; None when not an image."""
        return self._thumb_item

    def set_thumbnail(self, thumb: Thumb) -> bool:
        """Show a thumbnail made in the background; False (ignored) if another item is shown."""
        if thumb.item_id != self._thumb_item:
            return False
        if thumb.image is None:
            self._thumb_placeholder(thumb.problem or "No preview.")
            return True
        mark = GUARD.mark(thumb.item_id)  # marked intimate or distressing: only a blurred copy
        pixmap = QPixmap.fromImage(thumb.image if mark is None else blurred(thumb.image))
        self.thumb.setText("")
        self.thumb.setPixmap(pixmap)
        self.thumb.setFixedSize(pixmap.width() + 2, pixmap.height() + 2)
        self.thumb.setToolTip(
            "A thumbnail of the picture; the original is kept untouched."
            if mark is None
            else f"{label_for(*mark)}. Reveal it in the viewer below."
        )
        return True

    def _thumb_placeholder(self, message: str) -> None:
        self.thumb.setPixmap(QPixmap())
        self.thumb.setText(message)
        self.thumb.setFixedSize(THUMB_SIZE, THUMB_SIZE * 3 // 4)
        self.thumb.setToolTip("")

    @property
    def has_thumbnail(self) -> bool:
        """Whether a picture (not a placeholder) is shown."""
        return self.thumb.isVisibleTo(self) and not self.thumb.pixmap().isNull()

    @property
    def sha256(self) -> str:
        """The full SHA-256 of the shown row's source, empty when none."""
        return self._sha

    def _copy_sha(self) -> None:
        if self._sha:
            QGuiApplication.clipboard().setText(self._sha)
