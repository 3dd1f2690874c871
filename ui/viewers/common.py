"""What every viewer shares: the provenance line, muted labels, times with their zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.items import EventInfo, ItemDetail, Pixels
from app.timeline.clock import us_to_utc
from ui import display, theme

SHA_SHORT = 12


def muted(label: QLabel) -> QLabel:
    """Give a label the secondary text colour (AA contrast on both palettes)."""
    palette = label.palette()
    palette.setColor(label.foregroundRole(), theme.muted())
    label.setPalette(palette)
    return label


def selectable(label: QLabel, *, wrap: bool = True) -> QLabel:
    """Let the reader select and copy a label's text."""
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(wrap)
    return label


def bold(label: QLabel, scale: float = 1.0) -> QLabel:
    """A bold label, optionally larger than the body text."""
    font = label.font()
    font.setBold(True)
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def rule() -> QFrame:
    """A thin horizontal line between parts of a viewer."""
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


EVENT_NAMES = {
    "sent": "Sent",
    "received": "Received",
    "exif_taken": "Taken (EXIF)",
    "exif_digitized": "Digitised (EXIF)",
    "exif_modified": "Changed (EXIF)",
    "gps_time": "GPS fix",
    "file_name_time": "From the file name",
    "file_modified": "File modified",
    "pdf_created": "Created (PDF)",
    "pdf_modified": "Modified (PDF)",
}


def event_label(kind: str) -> str:
    """What an event kind is called on screen: `File modified` for `file_modified`."""
    return EVENT_NAMES.get(kind, kind.replace("_", " ").capitalize())


def local(us: int, zone_name: str) -> datetime:
    """The moment in the display zone."""
    return us_to_utc(us).astimezone(ZoneInfo(zone_name))


def event_time(event: EventInfo | None, zone_name: str) -> str:
    """`Thursday 14 March 2024, 09:41:07 GMT`, with ≈ when the zone was assumed."""
    if event is None:
        return "no date"
    text = display.long_time(event.ts_utc_us, ZoneInfo(zone_name))
    return text if display.is_exact(event.confidence) else f"{display.APPROX} {text}"


def is_dark() -> bool:
    """Whether the application runs with a dark palette."""
    return theme.is_dark(QGuiApplication.palette())


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved towards `b` by `t` (0..1): tints that follow the palette."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def palette_color(role: QPalette.ColorRole) -> QColor:
    """A colour of the application palette."""
    return QGuiApplication.palette().color(role)


def qimage(pixels: Pixels) -> QImage:
    """A QImage owning a copy of decoded pixels."""
    fmt = QImage.Format.Format_RGBA8888 if pixels.mode == "RGBA" else QImage.Format.Format_RGB888
    channels = 4 if pixels.mode == "RGBA" else 3
    image = QImage(pixels.data, pixels.width, pixels.height, pixels.width * channels, fmt)
    return image.copy()  # the bytes object may go away; the copy owns its memory


class ProvenanceBar(QWidget):
    """The line at the bottom of every viewer: source file, SHA-256 (copyable), locator,
    importer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("provenance")
        self._sha = ""
        self.source = selectable(QLabel(), wrap=True)
        self.sha = selectable(muted(QLabel()), wrap=False)
        self.sha.setAccessibleName("SHA-256 of the source file")
        self.copy = QPushButton("Copy")
        self.copy.setObjectName("copy-sha")
        self.copy.setToolTip("Copy the full SHA-256 of the source file")
        self.copy.setAccessibleName("Copy SHA-256")
        self.copy.clicked.connect(self.copy_sha)
        self.where = selectable(muted(QLabel()), wrap=True)

        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        second.setSpacing(8)
        second.addWidget(self.sha)
        second.addWidget(self.copy)
        second.addWidget(self.where, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 8)
        layout.setSpacing(2)
        layout.addWidget(rule())
        layout.addWidget(self.source)
        layout.addLayout(second)

    def show_detail(self, detail: ItemDetail) -> None:
        """Show where the item came from."""
        src = detail.source
        inside = f" (inside {src.parent_name})" if src.parent_name else ""
        self.source.setText(f"Source: {src.name}{inside}")
        self.source.setToolTip(src.path)
        self._sha = src.sha256
        self.sha.setText(f"SHA-256 {src.sha256[:SHA_SHORT]}…" if src.sha256 else "SHA-256 unknown")
        self.sha.setToolTip(src.sha256)
        self.copy.setEnabled(bool(src.sha256))
        parts = []
        if detail.locator:
            parts.append(detail.locator)
        reader = display.importer_name(src.importer)
        parts.append(f"read as {reader} (reader version {src.importer_version})")
        self.where.setText(" · ".join(parts))

    @property
    def sha256(self) -> str:
        """The full SHA-256 shown, empty when none."""
        return self._sha

    def copy_sha(self) -> None:
        """Put the full SHA-256 on the clipboard."""
        if self._sha:
            QGuiApplication.clipboard().setText(self._sha)
