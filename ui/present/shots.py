"""Screenshots of presenting: the court's screen (a message in its context, a PDF page, a
blurred picture), the presenter window, the Presentations dock and a blurred picture in the
viewer. They use the demo's presentation; nothing is written to the case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

from app.errors import EvidenceError
from app.present import store
from app.present.model import PresentationRow

if TYPE_CHECKING:
    from ui.main_window import MainWindow

Prepare = Callable[["MainWindow"], QWidget | None]
COURT = QSize(1600, 900)  # the court's screen, drawn smaller than 1080p to keep files small
DEMO = "Court — harassment"


def _presentation(window: MainWindow) -> PresentationRow | None:
    """The demo's presentation (else the first of the case), chosen in the dock."""
    case = window.case
    if case is None:
        return None
    try:
        rows = store.presentations(case)
    except EvidenceError:
        return None
    chosen = next((r for r in rows if r.name == DEMO), rows[0] if rows else None)
    if chosen is None or not chosen.steps:
        return None
    window.present.chosen = chosen.id
    window.present.reload()
    return chosen


def _index(pres: PresentationRow, kind: str, nth: int = 0) -> int:
    found = [n for n, s in enumerate(pres.steps) if s.item_kind == kind]
    return found[min(nth, len(found) - 1)] if found else 0


def _court(window: MainWindow, kind: str, nth: int = 0) -> QWidget | None:
    pres = _presentation(window)
    if pres is None:
        return None
    session = window.present.start(at=_index(pres, kind, nth), full_screen=False, size=COURT)
    return window.present.presentation_window if session is not None else None


def presentation(window: MainWindow) -> QWidget | None:
    """The court's screen: a message in its conversation, the earlier ones greyed."""
    return _court(window, "message", 1)


def presentation_page(window: MainWindow) -> QWidget | None:
    """The court's screen: a page of a PDF (redacted through the court set)."""
    return _court(window, "document")


def presentation_blurred(window: MainWindow) -> QWidget | None:
    """The court's screen: a picture marked intimate, blurred (no reveal from here)."""
    return _court(window, "image")


def presenter(window: MainWindow) -> QWidget | None:
    """The presenter window: current and next step, notes, the elements, hash, clock."""
    pres = _presentation(window)
    if pres is None:
        return None
    c = window.present
    session = c.start(presenter=True, at=_index(pres, "message", 2), full_screen=False, size=COURT)
    if session is None or c.presenter_window is None:
        return None
    c.presenter_window.resize(1440, 860)
    return c.presenter_window


def presentations_dock(window: MainWindow) -> QWidget | None:
    """The Presentations dock: the demo's steps, the chosen one's notes."""
    window.present.end()
    pres = _presentation(window)
    if pres is None:
        return None
    window.present.show_presentations()
    window.present.panel.steps.setCurrentRow(min(2, len(pres.steps) - 1))
    return window.present.dock


SHOTS_PRESENT: list[tuple[str, Prepare]] = [
    ("presentation.png", presentation),
    ("presentation-page.png", presentation_page),
    ("presentation-blurred.png", presentation_blurred),
    ("presenter.png", presenter),
    ("presentations-dock.png", presentations_dock),
]
"""(file name, prepare) pairs for the screenshot registry."""
