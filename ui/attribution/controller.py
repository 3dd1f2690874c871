"""The attribution view in the window: its dock (Ctrl+Shift+L), the Attribution menu, and
every decision (accept, reject, attribute an account) as an undoable command on the window's
stack. The links are worked out again whenever the dock is shown after a change.

The window makes one `AttributionController(window)` and tells it when the case changes
(`set_case`); everything else the controller wires itself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QInputDialog, QScrollArea

from app.attribution.accounts import accounts, identity_coverage, persons
from app.attribution.model import IdentityCoverage, LinkRow
from app.attribution.ops import AcceptLink, AttributeAccount, RejectLink
from app.attribution.propose import DEFAULT_WINDOW_MINUTES, propose
from app.case import Case
from app.errors import EvidenceError
from app.ops import Changes, Operation
from app.tagging import store
from ui import display
from ui.attribution.panel import AttributionPanel
from ui.errors import show_error
from ui.menus import add_menu_before_help
from ui.undo import push_edit

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

SHORTCUT = "Ctrl+Shift+L"
FLOAT_BELOW = 1000  # a docked view narrower than this (pixels) floats when first shown
FLOAT_WIDTH = 1360
FLOAT_HEIGHT = 660
NOBODY = "Nobody (take it away from its person)"


def coverage_change(before: list[IdentityCoverage], after: list[IdentityCoverage]) -> str:
    """What a decision changed in the identity elements:
    "identity of Harassment s.2 (…): gap → 2 items"."""

    def state(c: IdentityCoverage) -> str:
        return display.plural(c.items, "item") if c.covered else "gap"

    was = {c.charge_id: c for c in before}
    parts = [
        f"identity of {c.charge}: {state(was[c.charge_id])} → {state(c)}"
        for c in after
        if c.charge_id in was and (was[c.charge_id].items, was[c.charge_id].gap) != (c.items, c.gap)
    ]
    return "; ".join(parts)


class AttributionController(QObject):
    """Owns the Attribution dock and runs its decisions for a window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.case: Case | None = None
        self.links: list[LinkRow] = []
        self.window_minutes: float = DEFAULT_WINDOW_MINUTES
        self.stale = True
        self.last_error = ""
        self.change_text = ""
        self.identity: list[IdentityCoverage] = []
        self._chosen_charges: set[int] | None = None
        self._placed = False

        self.panel = AttributionPanel()
        # In a scroll area: squeezed among the bottom docks the view scrolls rather than
        # making the window taller than the screen.
        scroll = QScrollArea()
        scroll.setObjectName("attribution-scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.panel)
        self.dock = window._dock("attribution-dock", "Attribution", scroll)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.audit_dock, self.dock)
        window.audit_dock.raise_()
        self.docks = (self.dock,)

        self.panel.accept_requested.connect(self.accept)
        self.panel.reject_requested.connect(self.reject)
        self.panel.item_requested.connect(self._show_item)
        self.panel.attribute_requested.connect(self.ask_person)
        self.panel.window_changed.connect(self._window_changed)
        self.panel.charges_changed.connect(self._charges_changed)
        self.dock.visibilityChanged.connect(self._shown)

        self.actions: dict[str, QAction] = {
            "show_attribution": window._action(
                "show_attribution",
                "Show &attribution",
                [SHORTCUT],
                self.show,
                "Show the accounts in the returns and the links between them",
            ),
        }
        menu = add_menu_before_help(window, "Attri&bution", "attribution-menu")
        menu.addAction(self.actions["show_attribution"])
        menu.addSeparator()
        for name, text, key, slot in (
            ("attribution_accept", "&Accept the chosen link", "A", self.panel.accept_current),
            ("attribution_reject", "&Reject the chosen link", "R", self.panel.reject_current),
            (
                "attribution_person",
                "Attribute the chosen account…",
                "P",
                self.panel.attribute_current,
            ),
            ("attribution_jump", "Show the evidence in the timeline", "Enter", self.panel.jump),
        ):
            action = QAction(f"{text}\t{key}", window)
            action.setObjectName(name)
            action.triggered.connect(slot)
            menu.addAction(action)
            self.actions[name] = action
        self.menu = menu
        self._update_enabled()

    # -- the case ---------------------------------------------------------------------------

    def set_case(self, case: Case | None) -> None:
        """Show the attribution of `case` (None: no case open)."""
        self.case = case
        self.links = []
        self._chosen_charges = None
        self.stale = True
        self.identity = []
        self.change_text = ""
        self.panel.set_change("")
        self._update_enabled()
        if case is None:
            self.panel.set_content([], [], [], "UTC")
            return
        if self.dock.isVisible():
            self.reload()

    def _update_enabled(self) -> None:
        has_case = self.case is not None
        writable = has_case and not (self.case.readonly if self.case else True)
        for name, action in self.actions.items():
            action.setEnabled(
                has_case if name in ("show_attribution", "attribution_jump") else writable
            )
        self.panel.setEnabled(has_case)
        self.panel.set_writable(writable)

    def _shown(self, visible: bool) -> None:
        if visible and self.stale:
            self.reload()

    def reload(self) -> None:
        """Work out the accounts, the links (storing new proposals) and identity coverage."""
        case = self.case
        if case is None:
            return
        try:
            self.links = propose(case, self.window_minutes)
            rows = accounts(case)
            identity = identity_coverage(case)
            charges = [(c.id, c.label) for c in store.charges(case)]
        except EvidenceError as exc:
            log.warning("attribution not worked out: %s", exc)
            show_error(self.window, exc, "Attribution")
            return
        self.stale = False
        self.identity = identity
        self.panel.set_charges(charges, self._chosen_charges)
        self.panel.set_content(rows, self.links, identity, case.zone)

    def show(self) -> None:
        """Show the attribution dock, work it out again, and move the focus to the links."""
        if self.case is None:
            return
        self.window._raise_dock(self.dock, self.panel.links)
        self._place()
        self.reload()

    def _place(self) -> None:
        """The first time in a session, a dock squeezed between the side panels floats over
        the window's lower part, wide enough for the evidence; the user may dock it again
        (double-click its title) and it stays where they put it."""
        if self._placed:
            return
        self._placed = True
        w = self.window
        if self.dock.isFloating() or self.dock.width() >= FLOAT_BELOW:
            return
        self.dock.setFloating(True)
        width = min(FLOAT_WIDTH, w.width() - 40)
        height = min(FLOAT_HEIGHT, int(w.height() * 0.7))
        top_left = w.mapToGlobal(w.rect().bottomLeft())
        self.dock.setGeometry(
            top_left.x() + (w.width() - width) // 2, top_left.y() - height - 40, width, height
        )

    def _window_changed(self, minutes: int) -> None:
        self.window_minutes = float(minutes)
        self.reload()

    def _charges_changed(self) -> None:
        chosen = set(self.panel.chosen_charges())
        everything = {cid for cid, _ in self.panel.charge_actions}
        self._chosen_charges = None if chosen == everything else chosen

    def _charge_ids(self) -> tuple[int, ...] | None:
        return None if self._chosen_charges is None else tuple(sorted(self._chosen_charges))

    # -- decisions --------------------------------------------------------------------------

    def accept(self, link_id: int) -> bool:
        """Accept a link (undoable): its evidence is tagged to identity. The next link still
        to decide is chosen."""
        done = self._decide(
            AcceptLink(link_id, self._charge_ids(), label=f"Accept link #{link_id}"),
            f"Accepted link #{link_id}",
        )
        if done:
            self.panel.select_next_proposed()
        return done

    def reject(self, link_id: int) -> bool:
        """Reject a link (undoable): it is not proposed again. The next one is chosen."""
        done = self._decide(
            RejectLink(link_id, label=f"Reject link #{link_id}"),
            f"Rejected link #{link_id}: it will not be proposed again",
        )
        if done:
            self.panel.select_next_proposed()
        return done

    def attribute(self, account: str, person_id: int | None = None, person_name: str = "") -> bool:
        """Attribute an account to a person (an existing one, or a new one by name); neither
        takes it away from its person. Undoable."""
        case = self.case
        if case is None:
            return False
        op = AttributeAccount(
            account, person_id, person_name, self._charge_ids(), label=f"Attribute {account}"
        )
        who = person_name.strip() or next(
            (p.name for p in persons(case) if p.person_id == person_id), "nobody"
        )
        return self._decide(op, f"{account} attributed to {who}")

    def ask_person(self, account: str) -> bool:
        """Ask whose `account` is (an existing person, a new name, or nobody), then attribute."""
        case = self.case
        if case is None:
            return False
        known = persons(case)
        names = [p.name for p in known] + [NOBODY]
        current = next(
            (a.person_name for a in self.panel.accounts_model.rows if a.key == account), ""
        )
        start = names.index(current) if current in names else 0
        text, ok = QInputDialog.getItem(
            self.window,
            "Attribute an account",
            f"Whose is {account}? Choose a person, or type a new person's name:",
            names,
            start,
            True,
        )
        if not ok or not text.strip():
            return False
        if text == NOBODY:
            return self.attribute(account)
        match = next((p for p in known if p.name == text.strip()), None)
        if match is not None:
            return self.attribute(account, person_id=match.person_id)
        return self.attribute(account, person_name=text.strip())

    def _decide(self, op: Operation, done: str) -> bool:
        case = self.case
        if case is None:
            return False
        self.identity = identity_coverage(case)
        self.last_error = push_edit(self.window, self.window.undo_stack, case, op, self._changed)
        if self.last_error:
            return False
        change = self.change_text
        self.window.statusBar().showMessage(
            f"{done}. {change + '. ' if change else ''}(Ctrl+Z undoes)", 8000
        )
        return True

    def _changed(self, changes: Changes) -> None:
        """After a decision (or its undo / redo): refresh this view, the tagger and the log,
        and say what the identity elements gained or lost."""
        case = self.case
        if case is None:
            return
        after = identity_coverage(case)
        change = coverage_change(self.identity, after)
        self.change_text = change[:1].upper() + change[1:]
        self.identity = after
        self.panel.set_change(self.change_text)
        self.stale = True
        if not self.dock.isHidden():
            self.reload()
        if changes.tags:
            self.window.tagger.reload()
            self.window.timeline_model.invalidate()
            f = self.window.timeline_filter
            if f.elements or f.untagged is not None:
                self.window.refresh()
        self.window.audit_model.set_rows(case.audit_rows(), case.zone)

    def _show_item(self, item_id: int) -> None:
        self.window.go_to_item(item_id)
        self.window.focus_timeline()
