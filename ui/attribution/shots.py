"""Screenshots of the attribution view and of a phone extraction's chat in the timeline
(registered in ui/screenshots.py).

"attribution-accepted.png" accepts a link to show what it changes in the identity element's
coverage; "attribution-audit.png" undoes that acceptance and shows the audit log recording
both, so the case is left as it was found.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from app.attribution.model import LinkState, Strength
from ui.main_window import MainWindow

SCAN_ROWS = 2000  # timeline rows looked at for a phone extraction's chat message


def _link_to_choose(window: MainWindow) -> int | None:
    """A proposed strong link from an attributed account, preferring one with an IP match."""
    links = window.attribution.links
    owned = {a.key for a in window.attribution.panel.accounts_model.rows if a.person_id}
    candidates = [
        lk
        for lk in links
        if lk.state == LinkState.PROPOSED and lk.strength == Strength.STRONG and lk.id is not None
    ]
    candidates.sort(
        key=lambda lk: (
            not (set(lk.accounts) & owned),
            not any(m.signal == "ip-port" for m in lk.matches),
            len(lk.matches) == 1,
        )
    )
    return candidates[0].id if candidates else None


def attribution(window: MainWindow) -> QWidget | None:
    """The attribution view: accounts, proposed links, a link's IP and port evidence."""
    if window.case is None:
        return None
    window.hide_progress()  # the progress shots leave made-up jobs showing
    window.attribution.show()
    if not window.attribution.links:
        return None
    chosen = _link_to_choose(window)
    if chosen is not None:
        window.attribution.panel.select_link(chosen)
    return window.attribution.dock


def attribution_accepted(window: MainWindow) -> QWidget | None:
    """The same view just after accepting the chosen link: the identity gap closed."""
    if window.case is None or window.case.readonly or not window.attribution.links:
        return None
    link = window.attribution.panel.current_link()
    if link is None or link.id is None or link.state != LinkState.PROPOSED:
        return None
    if not window.attribution.accept(link.id):
        return None
    window.attribution.panel.select_link(link.id)
    return window.attribution.dock


def undo_acceptance(window: MainWindow) -> QWidget | None:
    """The audit log after the acceptance the shot before made was undone: the decision, its
    tags and the undo, each recorded (the case is left as it was found)."""
    if window.case is None:
        return None
    command = window.undo_stack.command(window.undo_stack.index() - 1)
    if command is None or not command.text().startswith("Accept link #"):
        return None
    window.undo_stack.undo()
    window.attribution.dock.setFloating(False)
    window.attribution.dock.hide()
    window.show_audit()
    return window.audit_dock


def _select_extraction_message(window: MainWindow) -> bool:
    model = window.timeline_model
    for row in range(min(model.rowCount(), SCAN_ROWS)):
        r = model.row_at(row)
        if r is not None and r.importer == "ufdr" and r.item_kind == "message" and r.author:
            window.focus_timeline()
            table = window.timeline_pane.table
            table.selectRow(row)
            table.scrollTo(model.index(row, 0), table.ScrollHint.PositionAtCenter)
            return True
    return False


def extraction_chat(window: MainWindow) -> QWidget | None:
    """The window with a message of the phone extraction (UFDR) chosen: the chat it belongs
    to in the details."""
    if window.case is None:
        return None
    window.hide_progress()
    window.clear_filters()  # an earlier shot may have left a search in place
    if not _select_extraction_message(window):
        return None
    window.details_dock.show()
    window.details_dock.raise_()
    return window


ATTRIBUTION_SHOTS: list[tuple[str, Callable[[MainWindow], QWidget | None]]] = [
    ("timeline-ufdr-chat.png", extraction_chat),
    ("attribution.png", attribution),
    ("attribution-accepted.png", attribution_accepted),
    ("attribution-audit.png", undo_acceptance),
]
"""(file name, prepare) pairs for the screenshot registry."""
