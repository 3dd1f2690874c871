"""The look: system font and style, one accent colour, amber only for assumed times."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

ACCENT = QColor("#2f6cad")  # selection and focus; white text on it passes WCAG AA
AMBER_LIGHT = QColor("#8a5300")  # assumed times on a light background (AA on white)
AMBER_DARK = QColor("#f2b866")  # the same on a dark background
MUTED_LIGHT = QColor("#595959")  # secondary text, AA on white and on a light grey window
MUTED_DARK = QColor("#b3b3b3")
OCR_LIGHT = QColor("#efece4")  # the background of machine-read (OCR) text, never evidence
OCR_DARK = QColor("#35322b")
ROW_HEIGHT_FACTOR = 2.0


def is_dark(palette: QPalette) -> bool:
    """Whether the palette has light text on a dark background."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def apply_theme(app: QApplication) -> None:
    """Give the application its accent colour, keeping the platform's style and font."""
    palette = app.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Highlight, ACCENT)
        palette.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        palette.setColor(group, QPalette.ColorRole.Accent, ACCENT)
        palette.setColor(group, QPalette.ColorRole.Link, ACCENT)
    app.setPalette(palette)


def amber() -> QColor:
    """The colour of an assumed time for the current palette."""
    return AMBER_DARK if is_dark(QGuiApplication.palette()) else AMBER_LIGHT


def muted() -> QColor:
    """Secondary text (duplicates, hints); darker than Qt's placeholder grey, for contrast."""
    return MUTED_DARK if is_dark(QGuiApplication.palette()) else MUTED_LIGHT


def ocr_background() -> QColor:
    """The muted background that sets text read by OCR apart from evidence text."""
    return OCR_DARK if is_dark(QGuiApplication.palette()) else OCR_LIGHT


def row_height(widget: QWidget) -> int:
    """A generous, fixed row height for tables, from the widget's font."""
    return round(QFontMetrics(widget.font()).height() * ROW_HEIGHT_FACTOR)


# One colour per platform (Okabe-Ito, colour-blind safe), always beside the platform's
# initial and name, never the only cue.
PLATFORM_COLOURS = {
    "whatsapp": "#009E73",
    "telegram": "#56B4E9",
    "messenger": "#0072B2",
    "discord": "#CC79A7",
    "sms_xml": "#E69F00",
    "imessage": "#0072B2",
    "email": "#D55E00",
    "image": "#7a7a7a",
    "pdf": "#b22222",
    # Police extractions and platform returns: darker shades, so white initials stay legible.
    "ufdr": "#1f4e79",
    "xry": "#5b3f8c",
    "meta-records": "#0072B2",
    "snapchat-return": "#7a6400",
    "google-return": "#3d6b35",
    "x-return": "#000000",
}
_BADGES: dict[str, QIcon] = {}


def platform_badge(importer: str, label: str) -> QIcon:
    """A small rounded square in the platform's colour with the initial of its name."""
    icon = _BADGES.get(importer)
    if icon is None:
        pixmap = QPixmap(32, 32)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(PLATFORM_COLOURS.get(importer, "#595959")))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(QRectF(2, 2, 28, 28), 6, 6)
        font = painter.font()
        font.setPixelSize(18)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(QRectF(2, 2, 28, 28), Qt.AlignmentFlag.AlignCenter, label[:1].upper())
        painter.end()
        icon = _BADGES[importer] = QIcon(pixmap)
    return icon
