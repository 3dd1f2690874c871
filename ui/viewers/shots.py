"""Screenshots of each detail viewer on its own, on an item of the open case.

Each prepare function shows a `ViewerStack` in a small window (a dialog, which the
screenshot run closes after the picture) at the size of a generous details pane.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from app import items
from app.case import Case
from app.errors import EvidenceError
from app.timeline.query import TimelineFilter
from ui.main_window import MainWindow
from ui.viewers.stack import ViewerStack

SIZE = (700, 800)
SCAN = 500  # rows looked at when choosing an item


def _dialog(window: MainWindow, case: Case, item_id: int, title: str) -> QDialog:
    dialog = QDialog(window)
    dialog.setWindowTitle(title)
    stack = ViewerStack.for_case(case)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(stack)
    dialog.resize(*SIZE)
    dialog.show()
    stack.show(item_id)
    return dialog


def _ids(case: Case, kinds: tuple[str, ...]) -> list[int]:
    rows = case.timeline_page(TimelineFilter(kinds=kinds), limit=SCAN)
    return list(dict.fromkeys(r.item_id for r in rows))


def _chosen_message(case: Case) -> int | None:
    """A message marked edited or deleted (the chat at its most telling), else the middle."""
    ids = _ids(case, ("message",))
    for item_id in ids:
        meta = items.item_detail(case, item_id).meta
        if meta.get("edited") or meta.get("deleted"):
            return item_id
    return ids[len(ids) // 2] if ids else None


def _chosen_image(case: Case) -> int | None:
    """An image with near-duplicates, else one with GPS, else the first."""
    ids = _ids(case, ("image",))
    for item_id in ids:
        if items.near_duplicates(case, item_id):
            return item_id
    for item_id in ids:
        if "sensitive" in items.item_detail(case, item_id).meta:
            return item_id
    return ids[0] if ids else None


def _first(case: Case, kind: str) -> int | None:
    ids = _ids(case, (kind,))
    return ids[0] if ids else None


def _shot(
    choose: Callable[[Case], int | None], title: str
) -> Callable[[MainWindow], QWidget | None]:
    def prepare(window: MainWindow) -> QWidget | None:
        case = window.case
        if case is None:
            return None
        try:
            item_id = choose(case)
        except EvidenceError:
            return None
        return None if item_id is None else _dialog(window, case, item_id, title)

    prepare.__doc__ = f"The {title.lower()} on an item of the case."
    return prepare


VIEWER_SHOTS: list[tuple[str, Callable[[MainWindow], QWidget | None]]] = [
    ("viewer-chat.png", _shot(_chosen_message, "Chat viewer")),
    ("viewer-image.png", _shot(_chosen_image, "Image viewer")),
    ("viewer-pdf.png", _shot(lambda c: _first(c, "document"), "PDF viewer")),
    ("viewer-email.png", _shot(lambda c: _first(c, "email"), "Email viewer")),
]
"""(file name, prepare) pairs for the screenshot registry."""
