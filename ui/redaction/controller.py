"""The redaction controller: installs the "Redactions" dock, the Redaction menu and the
viewer tools on the main window, and turns every request into an undoable command.

The window makes one (`self.redaction = RedactionController(self)`) and tells it when a
case opens or closes (`set_case`). Overlays follow the viewers: each time one shows an
item, its redactions in the current set are read (one small query) and drawn.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QFileDialog, QInputDialog, QWidget

from app import items
from app.case import Case
from app.errors import EvidenceError
from app.jobs import CancelToken, ProgressCallback
from app.ops import Changes, Operation
from app.redaction import ops
from app.redaction.find import FindQuery, find_hits
from app.redaction.model import (
    RedactionDraft,
    RedactionKind,
    RedactionRow,
    RedactionState,
)
from app.redaction.store import (
    DEFAULT_SET,
    list_redactions,
    list_sets,
    protected_terms,
    write_redactions_csv,
)
from ui import display
from ui.errors import show_error
from ui.menus import add_menu_before_help
from ui.redaction.find_dialog import ProtectedTermsDialog, SearchRedactDialog, hit_context
from ui.redaction.log import RedactionLogPanel
from ui.redaction.reason_picker import ReasonPicker
from ui.undo import push_edit
from ui.viewers.selection import viewer_selection
from ui.workers import JobRunner

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

CONTEXT_ITEMS = 2000  # items read for the context of search hits; beyond, the quote only
SUMMARY_TEXT = 48

Region = tuple[int, tuple[float, float, float, float], str]


def item_summary(summary: items.ItemSummary, zone_name: str) -> str:
    """An item in a few words: its time and what it is ("Message from Daniel: hi…")."""
    when = ""
    if summary.ts_utc_us is not None:
        when = display.local_time(summary.ts_utc_us, ZoneInfo(zone_name))[:16]
    short = display.one_line(summary.text, SUMMARY_TEXT)
    if summary.kind in ("message", "call", "system"):
        what = f"{summary.kind.capitalize()} from {summary.author or 'unknown'}"
        what = f"{what}: {short}" if short else what
    elif summary.kind == "email":
        what = f"Email: {summary.name}" if summary.name else "Email"
    else:
        what = f"{summary.kind.capitalize()}: {summary.name}"
    return f"{when} · {what}" if when else what


def read_summaries(case: Case, item_ids: Iterable[int], zone_name: str) -> dict[int, str]:
    """Short descriptions of these items, one query (an item no longer there says so)."""
    wanted = list(item_ids)
    found = items.item_summaries(case, wanted)
    return {
        i: item_summary(found[i], zone_name) if i in found else f"item #{i} (not readable)"
        for i in wanted
    }


class FindResult:
    """What the search job hands back: the hits, their items in words, their contexts."""

    def __init__(
        self, hits: list[RedactionDraft], summaries: dict[int, str], contexts: list[str]
    ) -> None:
        self.hits = hits
        self.summaries = summaries
        self.contexts = contexts


def run_find(
    case: Case,
    query: FindQuery,
    reason: str,
    set_name: str,
    zone_name: str,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> FindResult:
    """Search the case and read what the review list shows beside each hit."""
    hits = find_hits(case, query, reason, set_name, cancel=cancel, progress=progress)
    ids = list(dict.fromkeys(d.item_id for d in hits))[:CONTEXT_ITEMS]
    summaries = read_summaries(case, ids, zone_name)
    details: dict[int, items.ItemDetail] = {}
    for item_id in dict.fromkeys(d.item_id for d in hits if d.kind == RedactionKind.SPAN):
        if item_id not in summaries:
            continue
        try:
            details[item_id] = items.item_detail(case, item_id)
        except EvidenceError:
            continue
    contexts: list[str] = []
    for d in hits:
        detail = details.get(d.item_id)
        text = ""
        if detail is not None and d.kind == RedactionKind.SPAN:
            if d.target == "text":
                text = detail.text
            elif d.target.startswith("header:"):
                headers = detail.meta.get("headers")
                value = headers.get(d.target[7:]) if isinstance(headers, dict) else None
                text = value if isinstance(value, str) else ""
        contexts.append(hit_context(d, text))
    return FindResult(hits, summaries, contexts)


class RedactionController(QObject):
    """Redaction in the window: dock, menu, viewer tools, dialogs, undoable edits."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.case: Case | None = None
        self.set_name = DEFAULT_SET
        self.show_rejected = False
        self._summaries: dict[int, str] = {}
        self._summary_job = False
        self.search_dialog: SearchRedactDialog | None = None
        self.protected_dialog: ProtectedTermsDialog | None = None
        self.last_error = ""

        self.panel = RedactionLogPanel()
        self.dock = window._dock("redactions-dock", "Redactions", self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.audit_dock, self.dock)
        window.audit_dock.raise_()
        self.dock.hide()
        self.docks = (self.dock,)
        self.panel.set_chosen.connect(self.choose_set)
        self.panel.new_set_requested.connect(self.ask_new_set)
        self.panel.review_requested.connect(
            lambda ids, state: self.review(tuple(ids), RedactionState(state))
        )
        self.panel.delete_requested.connect(lambda ids: self.delete(tuple(ids)))
        self.panel.jump_requested.connect(self.go_to_item)
        self.panel.export_requested.connect(self.ask_export)

        stack = window.details.viewer
        self.stack = stack
        for viewer in (stack.pdf, stack.image, stack.chat, stack.email, stack.text):
            viewer.shown.connect(lambda _item_id: self.refresh_viewer())
        stack.pdf.redact_requested.connect(
            lambda regions: self.redact_regions(stack.pdf.item_id, regions)
        )
        stack.image.redact_requested.connect(
            lambda regions: self.redact_regions(stack.image.item_id, regions)
        )
        self._build_actions()
        self._update_enabled()

    # -- building -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        w = self.window
        a = w._action
        self.actions: dict[str, QAction] = {
            "redact_area": a(
                "redact_area",
                "Redact &area",
                ["R"],
                self.toggle_area_tool,
                "Draw a box to redact on the PDF page or picture shown",
            ),
            "redact_selection": a(
                "redact_selection",
                "Redact &selection",
                ["Shift+R"],
                self.redact_selection,
                "Redact the text or words selected in the viewer",
            ),
            "redact_item": a(
                "redact_item",
                "Redact whole &item",
                ["Ctrl+Shift+X"],
                self.redact_item,
                "Redact the whole of the items chosen in the timeline",
            ),
            "search_redact": a(
                "search_redact",
                "Search and &redact…",
                ["Ctrl+Shift+R"],
                self.open_search,
                "Find a term, a pattern or personal data across the case and propose redactions",
            ),
            "protected_terms": a(
                "protected_terms",
                "&Protected names…",
                ["Ctrl+Shift+P"],
                self.open_protected,
                "Names, numbers and addresses always to redact, with every spelling",
            ),
            "show_redactions": a(
                "show_redactions",
                "Redaction &log",
                ["Ctrl+9"],
                self.show_log,
                "Show every redaction of the set, to review them",
            ),
        }
        rejected = QAction("Show &rejected redactions", w)
        rejected.setObjectName("show_rejected_redactions")
        rejected.setCheckable(True)
        rejected.setStatusTip("Draw rejected redactions as faint dashed outlines")
        rejected.toggled.connect(self.set_show_rejected)
        self.actions["show_rejected"] = rejected
        menu = add_menu_before_help(w, "&Redaction", "redaction-menu")
        for name in ("redact_area", "redact_selection", "redact_item"):
            menu.addAction(self.actions[name])
        menu.addSeparator()
        for name in ("search_redact", "protected_terms"):
            menu.addAction(self.actions[name])
        menu.addSeparator()
        menu.addAction(self.actions["show_redactions"])
        menu.addAction(rejected)
        self.menu = menu

    def _update_enabled(self) -> None:
        has_case = self.case is not None
        writable = has_case and not (self.case.readonly if self.case else True)
        for name, action in self.actions.items():
            if name in ("show_redactions", "show_rejected"):
                action.setEnabled(has_case)
            else:
                action.setEnabled(writable)
        self.panel.setEnabled(has_case)
        for viewer in (self.stack.pdf, self.stack.image):
            viewer.redact_button.setEnabled(writable)
            if not writable:
                viewer.area_tool.set_active(False)

    # -- the case -------------------------------------------------------------------------

    def set_case(self, case: Case | None) -> None:
        """Show the redactions of `case` (None: no case open)."""
        self.case = case
        self.set_name = DEFAULT_SET
        self._summaries = {}
        for dialog in (self.search_dialog, self.protected_dialog):
            if dialog is not None:
                dialog.close()
        self.search_dialog = None
        self.protected_dialog = None
        self._update_enabled()
        self.refresh()

    @property
    def zone_name(self) -> str:
        """The zone the log shows times in."""
        return self.case.zone if self.case is not None else "UTC"

    def refresh(self) -> None:
        """Read the sets and the current set's redactions again; redraw the viewer's marks."""
        case = self.case
        if case is None:
            self.panel.set_sets([], "")
            self.panel.set_rows([], {}, "UTC")
            return
        try:
            sets = list_sets(case)
            rows = list_redactions(case, self.set_name)
        except EvidenceError as exc:
            log.warning("redactions not read: %s", exc)
            sets, rows = [], []
        self.panel.set_sets(sets, self.set_name)
        self.panel.set_rows(rows, self._summaries, self.zone_name)
        missing = sorted({r.item_id for r in rows} - self._summaries.keys())
        if missing:
            self._load_summaries(case, missing)
        self.refresh_viewer()

    def _load_summaries(self, case: Case, item_ids: list[int]) -> None:
        zone_name = self.zone_name
        if self.window.sync_loads:
            self._summaries.update(read_summaries(case, item_ids, zone_name))
            self.panel.set_rows(self.panel.model.all_rows, self._summaries, zone_name)
            return
        if self._summary_job:
            return
        self._summary_job = True

        def job(progress: ProgressCallback, cancel: CancelToken) -> dict[int, str]:
            return read_summaries(case, item_ids, zone_name)

        def done(found: object) -> None:
            if self.case is case and isinstance(found, dict):
                self._summaries.update(found)
                self.panel.set_rows(self.panel.model.all_rows, self._summaries, zone_name)

        def finished() -> None:
            self._summary_job = False
            if self.case is case:
                rest = {r.item_id for r in self.panel.model.all_rows} - self._summaries.keys()
                if rest:
                    self._load_summaries(case, sorted(rest))

        runner = JobRunner(job, "redaction-items")
        runner.signals.succeeded.connect(done)
        runner.signals.finished.connect(finished)
        self.window._launch(runner, self.window.reader)

    def refresh_viewer(self) -> None:
        """Draw the current set's redactions on the item the viewer shows."""
        case = self.case
        stack = self.stack
        shown = stack.currentWidget()
        if shown is stack.chat:
            ids = stack.chat.message_ids
        elif shown in (stack.pdf, stack.image, stack.email, stack.text):
            item_id = getattr(shown, "item_id", None)
            ids = [item_id] if isinstance(item_id, int) else []
        else:
            return
        rows: list[RedactionRow] = []
        if case is not None and ids:
            try:
                rows = list_redactions(case, self.set_name, item_ids=ids)
            except EvidenceError as exc:
                log.warning("redactions of the item shown not read: %s", exc)
        if shown is stack.chat:
            stack.chat.set_redactions(rows, self.show_rejected)
        elif shown is stack.pdf:
            stack.pdf.set_redactions(rows, self.show_rejected)
        elif shown is stack.image:
            stack.image.set_redactions(rows, self.show_rejected)
        elif shown is stack.email:
            stack.email.set_redactions(rows, self.show_rejected)
        elif shown is stack.text:
            stack.text.set_redactions(rows, self.show_rejected)

    def set_show_rejected(self, on: bool) -> None:
        """Draw rejected redactions faintly, or hide them."""
        self.show_rejected = on
        self.refresh_viewer()

    def choose_set(self, name: str) -> None:
        """Show and draw the redactions of set `name`."""
        if name and name != self.set_name:
            self.set_name = name
            self.refresh()

    # -- edits ----------------------------------------------------------------------------

    def push(self, op: Operation) -> bool:
        """Run an edit through the undo stack; False (and a message) when the core refused."""
        case = self.case
        if case is None:
            return False
        self.last_error = push_edit(self.window, self.window.undo_stack, case, op, self._changed)
        return not self.last_error

    def _changed(self, changes: Changes) -> None:
        case = self.case
        if case is None or not changes.redactions:
            return
        self.refresh()
        if self.protected_dialog is not None:
            self.protected_dialog.set_terms(protected_terms(case))
        self.window.audit_model.set_rows(case.audit_rows(), case.zone)

    def _status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 6000)

    def ask_reason(self, what: str) -> tuple[str, str] | None:
        """The reason (and note) for a redaction about to be made; None when cancelled."""
        return ReasonPicker.ask(what, self.window)

    def add(self, drafts: Sequence[RedactionDraft], label: str) -> bool:
        """Propose these redactions in the current set (one undoable step)."""
        if not drafts:
            return False
        done = self.push(ops.AddRedactions(self.set_name, tuple(drafts), label=label))
        if done:
            n = len(drafts)
            self._status(
                f"{label}: {display.plural(n, 'redaction')} proposed in “{self.set_name}” "
                "(Ctrl+Z undoes)."
            )
        return done

    def redact_regions(self, item_id: int | None, regions: Sequence[Region]) -> bool:
        """Ask a reason, then propose a region redaction per box (page, box, words)."""
        if item_id is None or not regions:
            return False
        n = len(regions)
        words = " / ".join(q for _p, _b, q in regions if q)
        what = f"Redact {display.plural(n, 'box', 'boxes')}" + (f": “{words}”" if words else "")
        answer = self.ask_reason(what)
        if answer is None:
            return False
        code, note = answer
        drafts = [
            RedactionDraft(
                item_id=item_id,
                kind=RedactionKind.REGION,
                reason=code,
                page=page,
                box=box,
                quote=quote,
                note=note,
            )
            for page, box, quote in regions
        ]
        return self.add(drafts, f"Redact area ({code})")

    def toggle_area_tool(self) -> None:
        """Turn the "Redact area" tool of the PDF or picture viewer shown on or off."""
        shown = self.stack.currentWidget()
        if shown is self.stack.pdf or shown is self.stack.image:
            viewer = self.stack.pdf if shown is self.stack.pdf else self.stack.image
            viewer.redact_button.toggle()
            if viewer.redact_button.isChecked():
                self._raise_details()
                viewer.setFocus()
                self._status("Drag a box over what to redact (Shift snaps to words); R ends.")
            return
        self._status("Open a PDF or a picture in the details to draw a box on it.")

    def _raise_details(self) -> None:
        dock = self.window.details_dock
        if not dock.isVisible():
            dock.show()
        dock.raise_()

    def selection_drafts(self, reason: str = "", note: str = "") -> list[RedactionDraft]:
        """The viewer's selection as drafts: exact spans of text, or boxes per line of words."""
        return [
            RedactionDraft(
                item_id=sel.item_id,
                kind=RedactionKind.REGION if sel.is_region else RedactionKind.SPAN,
                reason=reason,
                target="" if sel.is_region else sel.target,
                page=sel.page,
                box=sel.box,
                start=sel.start,
                end=sel.end,
                quote=sel.quote,
                note=note,
            )
            for sel in viewer_selection(self.stack)
        ]

    def redact_selection(self) -> bool:
        """Ask a reason, then propose a redaction of what is selected in the viewer."""
        found = self.selection_drafts()
        if not found:
            self._status(
                "Select some text in a message, email or document first "
                "(on a picture, use Redact area)."
            )
            return False
        quotes = " / ".join(d.quote for d in found if d.quote)
        what = f"Redact {display.plural(len(found), 'selection')}: “{quotes[:200]}”"
        answer = self.ask_reason(what)
        if answer is None:
            return False
        code, note = answer
        drafts = self.selection_drafts(code, note)
        return self.add(drafts, f"Redact selection ({code})")

    def chosen_item_ids(self) -> list[int]:
        """The items chosen in the timeline (the viewer's item when none is)."""
        w = self.window
        table = w.timeline_pane.table
        ids: list[int] = []
        for index in sorted(table.selectionModel().selectedRows(), key=lambda i: i.row()):
            row = w.timeline_model.row_at(index.row())
            if row is not None and row.item_id not in ids:
                ids.append(row.item_id)
        if not ids:
            current = w.details.viewer_item
            if current is not None:
                ids.append(current)
        return ids

    def redact_item(self) -> bool:
        """Ask a reason, then propose redacting the whole of each chosen item."""
        ids = self.chosen_item_ids()
        if not ids:
            self._status("Choose an item in the timeline first.")
            return False
        answer = self.ask_reason(f"Redact the whole of {display.plural(len(ids), 'item')}")
        if answer is None:
            return False
        code, note = answer
        drafts = [
            RedactionDraft(item_id=i, kind=RedactionKind.ITEM, reason=code, note=note) for i in ids
        ]
        return self.add(drafts, f"Redact whole item ({code})")

    def review(self, ids: tuple[int, ...], state: RedactionState) -> bool:
        """Approve, reject or send back redactions (one undoable step)."""
        if not ids:
            return False
        verb = {"approved": "Approve", "rejected": "Reject", "proposed": "Re-propose"}[str(state)]
        label = f"{verb} {display.plural(len(ids), 'redaction')}"
        done = self.push(ops.ReviewRedactions(ids, state, label=label))
        if done:
            self._status(f"{label} (Ctrl+Z undoes).")
        return done

    def delete(self, ids: tuple[int, ...]) -> bool:
        """Delete redactions (one undoable step)."""
        if not ids:
            return False
        label = f"Delete {display.plural(len(ids), 'redaction')}"
        done = self.push(ops.DeleteRedactions(ids, label=label))
        if done:
            self._status(f"{label} (Ctrl+Z undoes).")
        return done

    def new_set(self, name: str) -> bool:
        """Create a redaction set and show it."""
        name = name.strip()
        if not name:
            return False
        if self.push(ops.CreateSet(name, label=f"Create redaction set “{name}”")):
            self.set_name = name
            self.refresh()
            return True
        return False

    def ask_new_set(self) -> None:
        """Ask a name, then create the set."""
        name, ok = QInputDialog.getText(
            self.window, "New redaction set", "Name of the set (e.g. court):"
        )
        if ok:
            self.new_set(name)

    # -- the log, export, navigation ------------------------------------------------------

    def show_log(self) -> None:
        """Show the redaction log and move the keyboard to it."""
        if self.case is None:
            return
        self.dock.show()
        self.dock.raise_()
        rows = self.panel.table.verticalHeader().defaultSectionSize()
        if self.dock.height() < 9 * rows:  # room for a few rows beside the buttons
            self.window.resizeDocks([self.dock], [11 * rows], Qt.Orientation.Vertical)
        self.panel.table.setFocus()
        if self.panel.model.rowCount() and not self.panel.table.currentIndex().isValid():
            self.panel.table.selectRow(0)

    def go_to_item(self, item_id: int) -> None:
        """Choose the item in the timeline and show it in the details."""
        self.window.go_to_item(item_id)
        self._raise_details()

    def export_csv(self, path: Path) -> int:
        """Write the current set's redactions as CSV; returns how many rows."""
        case = self.case
        if case is None:
            return 0
        rows = list_redactions(case, self.set_name)
        with path.open("w", newline="", encoding="utf-8") as fh:
            write_redactions_csv(rows, fh)
        self._status(f"Wrote {display.plural(len(rows), 'redaction')} to {path.name}.")
        return len(rows)

    def ask_export(self) -> None:
        """Ask where, then write the CSV."""
        case = self.case
        if case is None:
            return
        default = case.export_dir() / f"redactions-{self.set_name.replace(' ', '-')}.csv"
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export redactions", str(default), "CSV (*.csv)"
        )
        if path:
            try:
                self.export_csv(Path(path))
            except OSError as exc:
                show_error(self.window, exc, "Export redactions")

    # -- search and redact, protected names -----------------------------------------------

    def open_search(self) -> SearchRedactDialog | None:
        """Show the search-and-redact dialog."""
        if self.case is None:
            return None
        if self.search_dialog is None:
            dialog = SearchRedactDialog(self.set_name, self.window)
            dialog.find_requested.connect(self.find)
            dialog.accept_requested.connect(
                lambda drafts: self.add(
                    tuple(drafts), f"Propose {display.plural(len(drafts), 'redaction')}"
                )
            )
            dialog.jump_requested.connect(self.go_to_item)
            dialog.protected_requested.connect(self.open_protected)
            self.search_dialog = dialog
        self.search_dialog.show()
        self.search_dialog.raise_()
        self.search_dialog.activateWindow()
        return self.search_dialog

    def find(self, query: FindQuery, reason: str) -> None:
        """Run the search in a background job; the dialog lists the hits."""
        case, dialog = self.case, self.search_dialog
        if case is None or dialog is None:
            return
        set_name, zone_name = self.set_name, self.zone_name

        def job(progress: ProgressCallback, cancel: CancelToken) -> FindResult:
            return run_find(case, query, reason, set_name, zone_name, cancel, progress)

        def found(result: object) -> None:
            if self.case is case and isinstance(result, FindResult):
                self._summaries.update(result.summaries)
                dialog.show_hits(result.hits, self._summaries, result.contexts)

        def failed(exc: BaseException) -> None:
            dialog.search_failed(f"The search failed: {exc}")

        runner = self.window._start_job(
            "redaction-find",
            job,
            self.window.reader,
            "Searching for what to redact",
            found,
            lambda: dialog.search_failed("The search stopped before the end."),
            on_error=failed,
        )
        if runner is None:
            dialog.search_failed("Another job is running: try again when it ends.")

    def open_protected(self) -> ProtectedTermsDialog | None:
        """Show the protected names."""
        case = self.case
        if case is None:
            return None
        parent: QWidget = self.search_dialog or self.window
        if self.protected_dialog is None:
            dialog = ProtectedTermsDialog(parent)
            dialog.add_requested.connect(
                lambda term_label, spellings, reason: self.push(
                    ops.AddProtectedTerm(
                        term_label=term_label, spellings=tuple(spellings), reason=reason
                    )
                )
            )
            dialog.remove_requested.connect(
                lambda term_id: self.push(
                    ops.RemoveProtectedTerm(term_id, label="Remove a protected name")
                )
            )
            self.protected_dialog = dialog
        self.protected_dialog.set_terms(protected_terms(case))
        self.protected_dialog.show()
        self.protected_dialog.raise_()
        return self.protected_dialog

    @property
    def log_dock(self) -> QDockWidget:
        """The "Redactions" dock."""
        return self.dock
