"""Screenshots of redaction: a PDF page and a picture with their redaction boxes (reason
codes showing), the redaction log and the search-and-redact dialog with hits.

Only existing redactions are drawn (the demo case has some); nothing is written to the case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from app import items
from app.case import Case
from app.errors import EvidenceError
from app.redaction.find import FindQuery
from app.redaction.model import RedactionKind, RedactionRow, RedactionState
from app.redaction.store import list_redactions
from ui.redaction.controller import run_find
from ui.viewers.stack import ViewerStack

if TYPE_CHECKING:
    from ui.main_window import MainWindow

SIZE = (760, 820)
Prepare = Callable[["MainWindow"], QWidget | None]


def _regions(case: Case, set_name: str, kind: str) -> dict[int, list[RedactionRow]]:
    """Region redactions of the set on items of `kind`, by item."""
    rows = [r for r in list_redactions(case, set_name) if r.kind == RedactionKind.REGION]
    ids = sorted({r.item_id for r in rows})
    kinds = {ref.item_id: ref.kind for ref in items.item_refs(case, ids, thumbnails=False)}
    out: dict[int, list[RedactionRow]] = {}
    for r in rows:
        if kinds.get(r.item_id) == kind:
            out.setdefault(r.item_id, []).append(r)
    return out


def _best(found: dict[int, list[RedactionRow]]) -> tuple[int, list[RedactionRow]] | None:
    """The item showing the most states (a proposed and an approved box at best)."""
    if not found:
        return None
    return max(found.items(), key=lambda kv: (len({r.state for r in kv[1]}), len(kv[1])))


def _viewer(window: MainWindow, item_id: int, title: str) -> tuple[QDialog, ViewerStack]:
    assert window.case is not None
    dialog = QDialog(window)
    dialog.setWindowTitle(title)
    stack = ViewerStack.for_case(window.case)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(stack)
    dialog.resize(*SIZE)
    dialog.show()
    stack.show(item_id)
    return dialog, stack


def redaction_pdf(window: MainWindow) -> QWidget | None:
    """A PDF page with its redactions: proposed (hatched, code above) and approved (black)."""
    case = window.case
    if case is None:
        return None
    try:
        chosen = _best(_regions(case, window.redaction.set_name, "document"))
    except EvidenceError:
        return None
    if chosen is None:
        return None
    item_id, rows = chosen
    dialog, stack = _viewer(window, item_id, "Redactions on a PDF page")
    from ui.screenshots import settle  # the registry imports this module: import late

    settle()
    stack.pdf.canvas.fit()  # the pane has its final size only now
    stack.pdf.set_redactions(rows)
    approved = [r for r in rows if r.state == RedactionState.APPROVED]
    page = (approved or rows)[0].page or 1
    stack.pdf.go_to(page)
    return dialog


def redaction_image(window: MainWindow) -> QWidget | None:
    """A picture with its redaction boxes."""
    case = window.case
    if case is None:
        return None
    try:
        chosen = _best(_regions(case, window.redaction.set_name, "image"))
    except EvidenceError:
        return None
    if chosen is None:
        return None
    item_id, rows = chosen
    dialog, stack = _viewer(window, item_id, "Redactions on a picture")
    stack.image.set_redactions(rows)
    return dialog


def redaction_log(window: MainWindow) -> QWidget | None:
    """The Redactions dock, its first row chosen."""
    if window.case is None:
        return None
    window.redaction.refresh()
    window.redaction.show_log()
    return window.redaction.dock


def search_redact(window: MainWindow) -> QWidget | None:
    """The search-and-redact dialog listing the phone numbers, e-mail addresses and postcodes
    found (those not redacted yet)."""
    case = window.case
    if case is None:
        return None
    dialog = window.redaction.open_search()
    if dialog is None:
        return None
    kinds = ("phone", "email", "postcode")
    for kind in kinds:
        dialog.pii_boxes[kind].setChecked(True)
    dialog.reason.setCurrentIndex(max(0, dialog.reason.findData("VC")))
    try:
        result = run_find(
            case,
            FindQuery(pii=kinds),
            "VC",
            window.redaction.set_name,
            case.zone,
        )
    except EvidenceError:
        return dialog
    dialog.show_hits(result.hits, result.summaries, result.contexts)
    return dialog


REDACTION_SHOTS: list[tuple[str, Prepare]] = [
    ("redaction-pdf.png", redaction_pdf),
    ("redaction-image.png", redaction_image),
    ("redaction-log.png", redaction_log),
    ("search-redact.png", search_redact),
]
"""(file name, prepare) pairs for the screenshot registry."""
