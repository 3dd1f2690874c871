"""The look: system font and style, one accent colour, amber only for assumed times."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication, QPalette
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
