"""Exhibits and disclosure packs in the window: the Exhibits dock, exhibit references on the
timeline rows and in the details, the marks for the schedules, and the export dialog whose
preview and build run in background jobs.

The window makes one (`self.export = ExportController(self)`) and tells it when a case opens
or closes (`set_case`); everything else the controller wires itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QMenu

from app.case import Case
from app.errors import Cancelled, EvidenceError
from app.export import exhibits as ex
from app.jobs import CancelToken, Progress, ProgressCallback
from app.ops import Changes, Operation
from app.redaction.model import RedactionRow
from app.redaction.store import DEFAULT_SET, list_sets
from app.tagging import store as tag_store
from ui import display
from ui.errors import show_error
from ui.export.dialog import ExportChoices, ExportDialog
from ui.export.exhibit_dialog import ExhibitDialog, MarkDialog, RenameDialog
from ui.export.exhibits_panel import ExhibitsPanel
from ui.export.result import ExportResultDialog
from ui.models.timeline import TimelineModel
from ui.redaction.controller import read_summaries
from ui.tagging.elements import number_elements
from ui.undo import push_edit
from ui.workers import JobRunner

if TYPE_CHECKING:
    from app.export.plan import PackOptions, PackPlan
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

EXPORT_JOB = "export"


def exhibit_refs(case: Case, item_ids: Sequence[int]) -> Mapping[int, Sequence[str]]:
    """The exhibit references of each item (one query for a page of timeline rows)."""
    return {i: [r.ref for r in rows] for i, rows in ex.exhibits_for_items(case, item_ids).items()}


def exhibit_text(case: Case, item_id: int) -> str:
    """What the details say of an item's exhibit and disclosure mark ("" for neither)."""
    parts = []
    for r in ex.exhibits_for_items(case, [item_id]).get(item_id, []):
        text = f"{r.ref} — {display.one_line(r.description, 80)}" if r.description else r.ref
        parts.append(text + (" (locked by an export)" if r.locked else ""))
    mark = ex.marks(case, [item_id]).get(item_id)
    if mark is not None:
        parts.append(
            "marked sensitive" + (f": {mark.reason}" if mark.reason else "")
            if mark.sensitive
            else "marked not sensitive"
        )
    return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Preview:
    """What the export dialog's preview shows: the plan, and what stops the build."""

    plan: PackPlan
    unreviewed: list[RedactionRow]
    summaries: dict[int, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # what would fail verification


def read_preview(case: Case, options: PackOptions, zone_name: str) -> Preview:
    """Plan the pack, find the redactions still to review and what would fail verification
    (slow: not on the GUI thread)."""
    from app.export.plan import plan_pack, plan_warnings, unreviewed

    plan = plan_pack(case, options)
    waiting = unreviewed(case, plan)
    ids = sorted({r.item_id for r in waiting})[:200]
    summaries = read_summaries(case, ids, zone_name)
    return Preview(plan, list(waiting), summaries, plan_warnings(case, plan))


class ExportController(QObject):
    """Owns the Exhibits dock, the exhibit and mark edits, and the export dialog."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.case: Case | None = None
        self.rows: list[ex.ExhibitRow] = []
        self.dialog: ExportDialog | None = None
        self.result_dialog: ExportResultDialog | None = None
        self.runner: JobRunner | None = None  # the running export
        self.last_result: object = None
        self.last_error = ""
        self._preview_seq = 0

        self.panel = ExhibitsPanel()
        self.dock = window._dock("exhibits-dock", "Exhibits", self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.audit_dock, self.dock)
        window.audit_dock.raise_()
        self.dock.hide()
        self.docks = (self.dock,)
        self.panel.jump_requested.connect(window.go_to_item)
        self.panel.give_requested.connect(self.ask_exhibit)
        self.panel.rename_requested.connect(self.ask_rename)
        self.panel.remove_requested.connect(self.remove_exhibit)

        self._build_actions()
        self._install_timeline()
        self._update_enabled()

    # -- building -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        w = self.window
        a = w._action
        self.actions: dict[str, QAction] = {
            "give_exhibit": a(
                "give_exhibit",
                "Give &exhibit reference…",
                ["Ctrl+E"],
                self.ask_exhibit,
                "Give the items chosen in the timeline an exhibit reference (AB/1)",
            ),
            "mark_material": a(
                "mark_material",
                "&Mark for disclosure…",
                ["Ctrl+Shift+M"],
                self.ask_mark,
                "Mark the chosen items sensitive or not sensitive for the schedules",
            ),
            "show_exhibits": a(
                "show_exhibits",
                "Show e&xhibits",
                ["Ctrl+0"],
                self.show_exhibits,
                "Show every exhibit reference of the case",
            ),
            "export_pack": a(
                "export_pack",
                "Export &disclosure pack…",
                ["Ctrl+Shift+E"],
                self.open_dialog,
                "Build a redacted, numbered and verified disclosure pack",
            ),
        }
        menu = QMenu("E&xport", w)
        menu.setObjectName("export-menu")
        help_action = next(
            (m for m in w.menuBar().actions() if m.text().replace("&", "") == "Help"), None
        )
        if help_action is not None:
            w.menuBar().insertMenu(help_action, menu)
        else:
            w.menuBar().addMenu(menu)
        for name in ("give_exhibit", "mark_material", "show_exhibits"):
            menu.addAction(self.actions[name])
        menu.addSeparator()
        menu.addAction(self.actions["export_pack"])
        self.menu = menu
        # The Case menu (the window's File menu) offers the export too, beside Verify.
        case_menu = next(
            (m.menu() for m in w.menuBar().actions() if m.text().replace("&", "") == "Case"),
            None,
        )
        verify = w.actions_by_name.get("verify")
        if isinstance(case_menu, QMenu) and verify is not None:
            case_menu.insertAction(verify, self.actions["export_pack"])

    def _install_timeline(self) -> None:
        table = self.window.timeline_pane.table
        header = table.horizontalHeader()
        header.setSectionResizeMode(TimelineModel.EXHIBIT, QHeaderView.ResizeMode.Interactive)
        fm = table.fontMetrics()
        table.setColumnWidth(TimelineModel.EXHIBIT, fm.horizontalAdvance("Exhibit AB/12") + 16)
        table.selectionModel().currentRowChanged.connect(lambda *_: self._show_details())

    def _update_enabled(self) -> None:
        has_case = self.case is not None
        writable = has_case and not (self.case.readonly if self.case else True)
        for name, action in self.actions.items():
            action.setEnabled(has_case if name == "show_exhibits" else writable)
        self.panel.setEnabled(has_case)

    # -- the case -------------------------------------------------------------------------

    def set_case(self, case: Case | None) -> None:
        """Show the exhibits of `case` (None: no case open)."""
        if self.runner is not None:
            self.runner.cancel()
        for dialog in (self.dialog, self.result_dialog):
            if dialog is not None:
                dialog.close()
        self.dialog = None
        self.result_dialog = None
        self.case = case
        self.window.timeline_model.set_exhibits(exhibit_refs if case is not None else None)
        self._update_enabled()
        self.reload()

    def reload(self) -> None:
        """Read the exhibits again: the dock, the timeline's column, the details."""
        case = self.case
        rows: list[ex.ExhibitRow] = []
        if case is not None:
            try:
                rows = ex.exhibits(case)
            except EvidenceError as exc:
                log.warning("exhibits not read: %s", exc)
        self.rows = rows
        self.panel.set_rows(rows)
        self._show_details()

    def _changed(self, changes: Changes) -> None:
        """After an exhibit or mark edit (or its undo / redo): refresh what shows it."""
        case = self.case
        if case is None:
            return
        if changes.exhibits:
            self.reload()
            self.window.timeline_model.invalidate()
        else:
            self._show_details()
        self.window.audit_model.set_rows(case.audit_rows(), case.zone)

    def _show_details(self) -> None:
        case = self.case
        details = self.window.details
        item_id = self.current_item_id()
        if case is None or item_id is None:
            details.show_exhibit("")
            return
        try:
            details.show_exhibit(exhibit_text(case, item_id))
        except EvidenceError as exc:
            log.warning("exhibit of item %d not read: %s", item_id, exc)
            details.show_exhibit("")

    # -- selection ------------------------------------------------------------------------

    def selected_item_ids(self) -> list[int]:
        """The items of the timeline rows chosen, in row order, each once."""
        table = self.window.timeline_pane.table
        model = self.window.timeline_model
        seen: dict[int, None] = {}
        for row in sorted(i.row() for i in table.selectionModel().selectedRows()):
            r = model.row_at(row)
            if r is not None:
                seen.setdefault(r.item_id, None)
        return list(seen)

    def current_item_id(self) -> int | None:
        """The item of the timeline's current row."""
        current = self.window.timeline_pane.table.currentIndex()
        r = self.window.timeline_model.row_at(current.row()) if current.isValid() else None
        return r.item_id if r is not None else None

    # -- edits ----------------------------------------------------------------------------

    def push(self, op: Operation) -> bool:
        """Run an edit as an undoable command; False (and the core's message shown) when
        refused."""
        case = self.case
        if case is None:
            return False
        self.last_error = push_edit(self.window, self.window.undo_stack, case, op, self._changed)
        return not self.last_error

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 6000)

    @property
    def initials(self) -> str:
        """The officer initials remembered for exhibit references."""
        return self.window.settings.officer_initials

    def remember_initials(self, initials: str) -> None:
        """Keep the officer's initials for the next reference (a user setting)."""
        w = self.window
        if initials and initials != w.settings.officer_initials:
            from dataclasses import replace

            w.settings = replace(w.settings, officer_initials=initials)
            w.settings_store.save(w.settings)

    def ask_exhibit(self) -> ExhibitDialog | None:
        """Open the "Give exhibit reference" dialog for the chosen timeline rows (Ctrl+E)."""
        case = self.case
        if case is None or case.readonly:
            return None
        ids = self.selected_item_ids()
        if not ids:
            self._status("Choose one or more items in the timeline first.")
            return None
        dialog = ExhibitDialog(
            len(ids),
            self.initials,
            self.rows,
            lambda initials: ex.next_ref(case, initials),
            ex.parse_ref,
            self.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._exhibit_chosen(dialog, ids))
        dialog.open()
        return dialog

    def _exhibit_chosen(self, dialog: ExhibitDialog, ids: list[int]) -> None:
        if not dialog.parent_ref():
            self.remember_initials(dialog.initials_text())
        try:
            ref = dialog.chosen_ref()
        except EvidenceError as exc:
            show_error(self.window, exc, "Give exhibit reference")
            return
        self.give_exhibit(ids, ref, dialog.description_text(), dialog.parent_ref())

    def give_exhibit(
        self,
        item_ids: Sequence[int],
        ref: str,
        description: str = "",
        parent_ref: str | None = None,
    ) -> bool:
        """Give items an exhibit reference (undoable)."""
        label = f"Exhibit {ref} ({display.plural(len(item_ids), 'item')})"
        op = ex.AssignExhibit(tuple(item_ids), ref, description, parent_ref, label=label)
        if self.push(op):
            self._status(f"{label} (Ctrl+Z undoes).")
            return True
        return False

    def ask_rename(self, ref: str) -> RenameDialog | None:
        """Ask for a new reference for an exhibit."""
        if self.case is None:
            return None
        dialog = RenameDialog(ref, ex.parse_ref, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.rename_exhibit(ref, dialog.new_ref()))
        dialog.open()
        return dialog

    def rename_exhibit(self, ref: str, new_ref: str) -> bool:
        """Change an exhibit's reference (undoable; refused once exported)."""
        if self.push(ex.RenameExhibit(ref, new_ref, label=f"Rename exhibit {ref} to {new_ref}")):
            self.panel.select(ex.parse_ref(new_ref))
            return True
        return False

    def remove_exhibit(self, ref: str) -> bool:
        """Remove an exhibit reference, its items staying (undoable; refused once exported)."""
        return self.push(ex.RemoveExhibit(ref, label=f"Remove exhibit {ref}"))

    def ask_mark(self) -> MarkDialog | None:
        """Ask how the chosen items stand for disclosure (Ctrl+Shift+M)."""
        case = self.case
        if case is None or case.readonly:
            return None
        ids = self.selected_item_ids()
        if not ids:
            self._status("Choose one or more items in the timeline first.")
            return None
        dialog = MarkDialog(len(ids), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.mark(ids, *dialog.values()))
        dialog.open()
        return dialog

    def mark(self, item_ids: Sequence[int], sensitive: bool, description: str, reason: str) -> bool:
        """Mark items sensitive or not sensitive (undoable)."""
        what = "sensitive" if sensitive else "not sensitive"
        label = f"Mark {display.plural(len(item_ids), 'item')} {what}"
        op = ex.MarkMaterial(tuple(item_ids), sensitive, description, reason, label=label)
        if self.push(op):
            self._status(f"{label} (Ctrl+Z undoes).")
            return True
        return False

    def show_exhibits(self) -> None:
        """Show the Exhibits dock and move the focus to its list (Ctrl+0)."""
        if self.case is None:
            return
        self.window._raise_dock(self.dock, self.panel.table)
        rows = self.panel.table.verticalHeader().defaultSectionSize()
        if self.dock.height() < 8 * rows:
            self.window.resizeDocks([self.dock], [10 * rows], Qt.Orientation.Vertical)
        if self.panel.model.rowCount() and not self.panel.table.currentIndex().isValid():
            self.panel.table.selectRow(0)

    # -- the export dialog ----------------------------------------------------------------

    def choices(self) -> ExportChoices:
        """What the export dialog offers for the case as the window shows it now."""
        case = self.case
        assert case is not None
        w = self.window
        try:
            sets = [s.name for s in list_sets(case)]
        except EvidenceError as exc:
            log.warning("redaction sets not read: %s", exc)
            sets = []
        try:
            entries = number_elements(tag_store.charges(case))
        except EvidenceError as exc:
            log.warning("charges not read: %s", exc)
            entries = []
        current_set = w.redaction.set_name if hasattr(w, "redaction") else DEFAULT_SET
        return ExportChoices(
            timeline_filter=w.timeline_filter,
            filter_summary=w.filter_label.text(),
            filter_count=len(w.timeline_model.event_ids()),
            selected_ids=tuple(self.selected_item_ids()),
            exhibits=tuple(self.rows),
            elements=tuple((e.key, f"{e.number} · {e.label}") for e in entries),
            sets=tuple(sets),
            current_set=current_set,
            zone=case.zone,
            display_zone=w.timeline_model.zone_name,
            initials=self.initials,
            out_dir=case.export_dir(),
            encrypted=case.encrypted,
            case_folder=case.folder,
        )

    def open_dialog(self) -> ExportDialog | None:
        """Open the export dialog (Ctrl+Shift+E); its preview is worked out at once."""
        case = self.case
        if case is None:
            return None
        if self.dialog is not None:
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        dialog = ExportDialog(self.choices(), self.window)
        dialog.preview_wanted.connect(lambda: self.want_preview(dialog))
        dialog.export_requested.connect(lambda: self.start_export(dialog))
        dialog.cancel_requested.connect(self.cancel_export)
        dialog.open_log_requested.connect(self.open_in_log)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.show()
        self.want_preview(dialog)
        return dialog

    def _dialog_closed(self, dialog: ExportDialog) -> None:
        if self.dialog is dialog and self.runner is None:
            self.dialog = None
            dialog.deleteLater()

    def want_preview(self, dialog: ExportDialog) -> None:
        """Work out the plan for the dialog's options in a reader job (newest wins)."""
        case = self.case
        if case is None:
            return
        try:
            options = dialog.options()
        except EvidenceError as exc:
            dialog.show_problem(str(exc))
            return
        self._preview_seq += 1
        seq = self._preview_seq
        zone_name = case.zone
        dialog.preview_pending()
        if self.window.sync_loads:
            try:
                self._preview_loaded(case, dialog, seq, read_preview(case, options, zone_name))
            except EvidenceError as exc:
                self._preview_failed(case, dialog, seq, exc)
            return

        def job(progress: ProgressCallback, cancel: CancelToken) -> Preview:
            return read_preview(case, options, zone_name)

        runner = JobRunner(job, "export-preview")
        runner.signals.succeeded.connect(lambda p: self._preview_loaded(case, dialog, seq, p))
        runner.signals.failed.connect(lambda exc: self._preview_failed(case, dialog, seq, exc))
        self.window._launch(runner, self.window.reader)

    def _preview_loaded(self, case: Case, dialog: ExportDialog, seq: int, preview: object) -> None:
        if self.case is not case or seq != self._preview_seq or self.dialog is not dialog:
            return
        if isinstance(preview, Preview):
            plan = preview.plan
            dialog.show_preview(
                plan.entries,
                preview.unreviewed,
                preview.summaries,
                plan.zone,
                len(plan.left_out),
                warnings=preview.warnings,
            )

    def _preview_failed(self, case: Case, dialog: ExportDialog, seq: int, exc: object) -> None:
        if self.case is not case or seq != self._preview_seq or self.dialog is not dialog:
            return
        if isinstance(exc, EvidenceError):
            dialog.show_problem(str(exc))
        else:
            log.warning("export preview failed: %s", exc)
            dialog.show_problem(f"The preview could not be worked out: {exc}")

    def open_in_log(self, set_name: str, ids: Sequence[int]) -> None:
        """Show redactions in the redaction log, chosen, to review them."""
        redaction = self.window.redaction
        redaction.set_name = set_name
        redaction.refresh()  # the log may not know of redactions added elsewhere
        redaction.show_log()
        redaction.panel.select_ids(list(ids))

    def refresh_preview(self) -> None:
        """Work the open dialog's preview out again (after a review, for instance)."""
        if self.dialog is not None:
            self.want_preview(self.dialog)

    # -- export ---------------------------------------------------------------------------

    def start_export(self, dialog: ExportDialog) -> JobRunner | None:
        """Build the pack in the background, with progress and Cancel in the dialog."""
        case = self.case
        if case is None or self.runner is not None:
            return None
        try:
            options = dialog.options()
        except EvidenceError as exc:
            dialog.show_problem(str(exc))
            return None
        out_dir = dialog.out_folder()  # the pack's own folder (or zip) is made in there
        password = dialog.zip_password()  # None: a plain folder
        self.remember_initials(dialog.initials_text())

        def job(progress: ProgressCallback, cancel: CancelToken) -> object:
            from app.export.pack import build_pack

            return build_pack(
                case, options, out_dir, progress=progress, cancel=cancel, zip_password=password
            )

        runner = self.window._start_job(
            EXPORT_JOB,
            job,
            self.window.writer,
            "Building the disclosure pack",
            lambda result: self._export_done(case, dialog, result),
            lambda: self._export_ended(case, dialog),
            on_error=lambda exc: self._export_failed(case, dialog, exc),
        )
        if runner is None:
            dialog.show_problem("Another job is running: export when it ends.")
            return None
        self.runner = runner
        runner.signals.progress.connect(self._export_progress)
        runner.signals.finished.connect(lambda: self._export_finished(runner))
        dialog.set_running(True)
        return runner

    def _export_progress(self, p: object) -> None:
        if isinstance(p, Progress) and self.dialog is not None:
            self.dialog.set_progress(p)

    def cancel_export(self) -> None:
        """Ask the running export to stop; what it wrote is marked cancelled."""
        if self.runner is not None:
            self.runner.cancel()
            if self.dialog is not None:
                self.dialog.set_cancelling()

    def _export_finished(self, runner: JobRunner) -> None:
        if self.runner is runner:
            self.runner = None
        if self.dialog is not None:
            self.dialog.set_running(False)

    def _export_done(self, case: Case, dialog: ExportDialog, result: object) -> None:
        self.last_result = result
        if self.case is not case:
            return
        self.reload()  # exhibits the pack used are locked now
        self.window.timeline_model.invalidate()
        self.window.refresh()
        status = str(getattr(result, "status", ""))
        if status == "complete":
            dialog.accept()
        self._show_result(result)

    def _export_ended(self, case: Case, dialog: ExportDialog) -> None:
        """Failed (already reported) or cancelled: the dialog stays open to try again."""
        if self.case is case and self.runner is not None and self.runner.cancel_requested:
            self.last_result = Cancelled("cancelled by the user")
            self._show_result(self.last_result)

    def _export_failed(self, case: Case, dialog: ExportDialog, exc: BaseException) -> None:
        self.last_result = exc
        if self.case is case:
            self._show_result(exc)

    def _show_result(self, result: object) -> ExportResultDialog:
        if self.result_dialog is not None:
            self.result_dialog.close()
        box = ExportResultDialog(result, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda: setattr(self, "result_dialog", None))
        self.result_dialog = box
        box.show()
        return box

    def close_result(self) -> None:
        """Close the result dialog, if shown."""
        if self.result_dialog is not None:
            self.result_dialog.close()
