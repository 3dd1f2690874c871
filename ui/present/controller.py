"""Presentations and protective viewing in the window: the Presentations dock, the Present
menu, presentation mode with its presenter window, and the marks that blur pictures.

The window makes one `PresentController(window)` and tells it when the case changes
(`set_case`); everything else the controller wires itself. Every edit (a presentation, its
steps, a protective mark) is an undoable command on the window's stack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QImage, QScreen
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from app import items as app_items
from app.case import Case
from app.errors import EvidenceError
from app.jobs import CancelToken, ProgressCallback
from app.ops import Changes, Operation
from app.present import store
from app.present.model import PresentationRow
from app.present.ops import (
    AddSteps,
    CreatePresentation,
    DeletePresentation,
    EditStep,
    MoveStep,
    RemoveSteps,
)
from app.present.render import Refused, render_step
from app.protect import MarkProtective, UnmarkProtective, protective_marks, record_reveal
from app.redaction.model import Box
from ui import display
from ui.errors import show_error
from ui.present.builder import PresentationsPanel, RegionDialog
from ui.present.guard import GUARD, blurred
from ui.present.mode import PresentationSession, PresentationWindow, choose_screen
from ui.present.presenter import PresenterWindow
from ui.undo import push_edit

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

SHORT = 70  # characters of an item's text in the steps list
KIND_CHOICES = (
    ("Intimate", "intimate"),
    ("Distressing", "distressing"),
    ("Not marked (take the mark off)", ""),
)


def describe(detail: app_items.ItemDetail) -> str:
    """A step in the builder's list: "Message · Bob: I'm outside…", "Picture · IMG_1.jpg"."""
    kind = detail.kind
    if kind == "email":
        headers = detail.meta.get("headers")
        subject = headers.get("Subject") if isinstance(headers, dict) else None
        what = f"Email · {subject or detail.name}"
    elif kind in ("image", "document", "video", "audio", "file"):
        what = f"{kind.capitalize()} · {detail.name}"
    else:
        text = " ".join(detail.text.split())
        text = text if len(text) <= SHORT else text[: SHORT - 1] + "…"
        who = f"{detail.author}: " if detail.author else ""
        what = f"{kind.capitalize()} · {who}{text}"
    return what


class PresentController(QObject):
    """Owns the Presentations dock, the Present menu, presentation mode and the marks."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.case: Case | None = None
        self.rows: list[PresentationRow] = []
        self.chosen: int | None = None
        self._descriptions: dict[int, str] = {}
        self.session: PresentationSession | None = None
        self.presentation_window: PresentationWindow | None = None
        self.presenter_window: PresenterWindow | None = None
        self.last_error = ""
        # Asked before a reveal; tests and scripts replace it. True: reveal.
        self.confirm_reveal: Callable[[str, QWidget | None], bool] = self._ask_reveal

        self.panel = PresentationsPanel()
        self.dock = window._dock("presentations-dock", "Presentations", self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.details_dock, self.dock)
        self.dock.hide()
        window.details_dock.raise_()
        self.docks = (self.dock,)

        p = self.panel
        p.presentation_chosen.connect(self._choose)
        p.new_requested.connect(lambda: self.new_from_selection())
        p.delete_requested.connect(lambda: self.delete_presentation())
        p.add_requested.connect(lambda: self.add_selected())
        p.start_requested.connect(lambda: self.start(presenter=True, at=self._chosen_index()))
        p.steps.move_requested.connect(self.move_step)
        p.steps.remove_requested.connect(lambda ids: self.remove_steps(list(ids)))
        p.note_edited.connect(self.edit_note)
        p.page_edited.connect(lambda sid, page: self.push(EditStep(sid, page=page)))
        p.region_requested.connect(lambda sid: self.ask_region(sid))
        p.region_cleared.connect(
            lambda sid: self.push(EditStep(sid, clear_region=True, label="Show the whole page"))
        )
        p.step_activated.connect(window.go_to_item)

        self._build_actions()

    # -- building -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        w = self.window
        a = w._action
        self.actions: dict[str, QAction] = {
            "start_presentation": a(
                "start_presentation",
                "&Start presentation",
                ["F5"],
                lambda: self.start(presenter=False),
                "Show the chosen presentation full screen, one step at a time",
            ),
            "presenter_view": a(
                "presenter_view",
                "Start with &presenter view",
                ["Alt+F5"],
                lambda: self.start(presenter=True),
                "Present, with the notes, next step and a clock in a window of their own",
            ),
            "show_presentations": a(
                "show_presentations",
                "Show p&resentations",
                ["Ctrl+Alt+P"],
                self.show_presentations,
                "Show the presentations and their steps",
            ),
            "add_to_presentation": a(
                "add_to_presentation",
                "&Add chosen items to the presentation",
                ["Ctrl+Shift+A"],
                lambda: self.add_selected(),
                "Add the items chosen in the timeline as steps, after the step chosen",
            ),
            "mark_protective": a(
                "mark_protective",
                "&Mark image intimate or distressing…",
                ["Ctrl+Shift+B"],
                lambda: self.ask_mark(),
                "Blur the chosen pictures everywhere until deliberately revealed",
            ),
            "reveal_picture": a(
                "reveal_picture",
                "Re&veal blurred picture…",
                ["Ctrl+Alt+V"],
                lambda: self.reveal_in_viewer(),
                "Show the blurred picture in the viewer (asked first; recorded in the audit log)",
            ),
        }
        plain = (
            (
                "new_from_selection",
                "&New presentation from the chosen items…",
                self.new_from_selection,
            ),
            ("new_from_filter", "New presentation from the &filter…", self.new_from_filter),
            ("new_from_element", "New presentation from an &element…", self.new_from_element),
            ("delete_presentation", "&Delete presentation", self.delete_presentation),
            ("export_presentation", "&Export presentation as PDF…", self.export_pdf),
        )
        for name, text, slot in plain:
            action = QAction(text, w)
            action.setObjectName(name)
            action.triggered.connect(lambda _=False, f=slot: f())
            self.actions[name] = action
        menu = w.menuBar().addMenu("&Present")
        menu.setObjectName("present-menu")
        help_action = next(
            (m for m in w.menuBar().actions() if m.text().replace("&", "") == "Help"), None
        )
        if help_action is not None:
            w.menuBar().insertMenu(help_action, menu)
        for names in (
            ("start_presentation", "presenter_view"),
            ("show_presentations", "new_from_selection", "new_from_filter", "new_from_element"),
            ("add_to_presentation", "delete_presentation", "export_presentation"),
            ("mark_protective", "reveal_picture"),
        ):
            for name in names:
                menu.addAction(self.actions[name])
            menu.addSeparator()
        self.menu = menu
        self._update_enabled()

    def _update_enabled(self) -> None:
        has_case = self.case is not None
        writable = has_case and not (self.case.readonly if self.case else True)
        reading = {
            "start_presentation",
            "presenter_view",
            "show_presentations",
            "reveal_picture",
            "export_presentation",
        }
        for name, action in self.actions.items():
            action.setEnabled(has_case if name in reading else writable)
        self.panel.setEnabled(has_case)

    # -- the case ---------------------------------------------------------------------------

    def set_case(self, case: Case | None) -> None:
        """Show the presentations of `case` and blur its marked pictures (None: no case)."""
        self.end()
        self.case = case
        self.chosen = None
        self._descriptions.clear()
        if case is None:
            GUARD.install(None, None)
        else:
            GUARD.install(lambda ids: self._marks(case, ids), self._reveal)
        self._update_enabled()
        self.reload()

    @staticmethod
    def _marks(case: Case, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        return {i: (m.kind, m.state) for i, m in protective_marks(case, ids).items()}

    def reload(self, keep_step: int | None = None) -> None:
        """Read the presentations again and show them."""
        case = self.case
        if case is None:
            self.rows = []
            self.panel.set_presentations([], None, {})
            return
        try:
            self.rows = store.presentations(case)
        except EvidenceError as exc:
            log.warning("presentations not read: %s", exc)
            self.rows = []
        if self.chosen not in {r.id for r in self.rows}:
            self.chosen = self.rows[0].id if self.rows else None
        current = self.current()
        wanted = [s.item_id for s in current.steps] if current else []
        for item_id in wanted:
            if item_id not in self._descriptions:
                try:
                    self._descriptions[item_id] = describe(app_items.item_detail(case, item_id))
                except EvidenceError:
                    self._descriptions[item_id] = f"item {item_id}"
        if keep_step is None:
            step = self.panel.current_step()
            keep_step = step.id if step else None
        self.panel.set_presentations(self.rows, self.chosen, self._descriptions, keep_step)

    def current(self) -> PresentationRow | None:
        """The presentation chosen in the dock."""
        return next((r for r in self.rows if r.id == self.chosen), None)

    def _choose(self, presentation_id: int) -> None:
        self.chosen = presentation_id
        self.reload()

    def _chosen_index(self) -> int:
        step = self.panel.current_step()
        current = self.current()
        if step is None or current is None:
            return 0
        return next((n for n, s in enumerate(current.steps) if s.id == step.id), 0)

    def _changed(self, changes: Changes) -> None:
        """After an edit (or its undo / redo): refresh what shows it."""
        case = self.case
        if case is None:
            return
        if changes.presentations:
            self.reload()
        if changes.protective_marks:
            GUARD.forget()
            item = self.window.details.thumbnail_item
            if item is not None:
                self.window._thumbs.pop(item, None)
                self.window.want_thumbnail(item)
        self.window.audit_model.set_rows(case.audit_rows(), case.zone)

    def push(self, op: Operation) -> bool:
        """Run an edit as an undoable command; False (and the error shown) when refused."""
        case = self.case
        if case is None:
            return False
        w = self.window
        self.last_error = push_edit(w, w.undo_stack, case, op, self._changed, quiet=w.sync_loads)
        return not self.last_error

    # -- presentations ------------------------------------------------------------------------

    def _name(self, suggested: str) -> str | None:
        taken = {r.name for r in self.rows}
        name, n = suggested, 2
        while name in taken:
            name, n = f"{suggested} {n}", n + 1
        if self.window.sync_loads:
            return name
        text, ok = QInputDialog.getText(self.window, "New presentation", "Name:", text=name)
        return text.strip() if ok and text.strip() else None

    def new_presentation(self, item_ids: Sequence[int], name: str | None = None) -> int | None:
        """Make a presentation of these items (asked for a name unless given); its id."""
        if self.case is None:
            return None
        chosen = name or self._name("Presentation")
        if not chosen:
            return None
        op = CreatePresentation(
            chosen, item_ids=tuple(item_ids), label=f"New presentation {chosen}"
        )
        if not self.push(op):
            return None
        self.chosen = op.id
        self.reload()
        self.show_presentations()
        return op.id

    def new_from_selection(self, name: str | None = None) -> int | None:
        """A new presentation of the items chosen in the timeline (may be none)."""
        return self.new_presentation(self.window.tagger.selected_item_ids(), name)

    def new_from_filter(self, name: str | None = None) -> int | None:
        """A new presentation of the items the timeline's filter shows (the first 200)."""
        case = self.case
        if case is None:
            return None
        try:
            ids = store.items_for_filter(case, self.window.timeline_filter)
        except EvidenceError as exc:
            show_error(self.window, exc, "New presentation")
            return None
        if len(ids) >= store.FILTER_LIMIT:
            self._status(f"Only the first {store.FILTER_LIMIT} items of the filter were added.")
        return self.new_presentation(ids, name)

    def new_from_element(self, key: str | None = None, name: str | None = None) -> int | None:
        """A new presentation of the items tagged for an element of a charge (asked)."""
        case = self.case
        if case is None:
            return None
        entries = self.window.tagger.entries
        if key is None:
            if not entries:
                self._status("No element to choose: add a charge and tag items first.")
                return None
            labels = [f"{e.number} · {e.label}" for e in entries]
            label, ok = QInputDialog.getItem(
                self.window, "New presentation from an element", "Element:", labels, 0, False
            )
            if not ok:
                return None
            key = entries[labels.index(label)].key
        try:
            ids = store.items_for_element(case, key)
        except EvidenceError as exc:
            show_error(self.window, exc, "New presentation")
            return None
        entry = next((e for e in entries if e.key == key), None)
        return self.new_presentation(ids, name or self._name(entry.label if entry else "Element"))

    def delete_presentation(self) -> bool:
        """Delete the chosen presentation (undoable)."""
        current = self.current()
        if current is None:
            return False
        return self.push(
            DeletePresentation(current.id, label=f"Delete presentation {current.name}")
        )

    def add_selected(self) -> bool:
        """Add the items chosen in the timeline after the chosen step (undoable)."""
        current = self.current()
        if current is None:
            if self.case is not None and self.window.tagger.selected_item_ids():
                return self.new_from_selection() is not None
            return False
        ids = self.window.tagger.selected_item_ids()
        if not ids:
            self._status("Choose one or more items in the timeline first.")
            return False
        step = self.panel.current_step()
        at = step.position + 1 if step is not None else None  # after the chosen step
        op = AddSteps(
            current.id,
            tuple(ids),
            at=at,
            label=f"Add {display.plural(len(ids), 'item')} to {current.name}",
        )
        if not self.push(op):
            return False
        new = op.step_ids
        self.reload(keep_step=new[-1] if new else None)
        self._status(f"Added {display.plural(len(ids), 'step')} to {current.name} (Ctrl+Z undoes)")
        return True

    def remove_steps(self, step_ids: Sequence[int]) -> bool:
        """Remove steps (undoable)."""
        if not step_ids:
            return False
        label = f"Remove {display.plural(len(step_ids), 'step')}"
        return self.push(RemoveSteps(tuple(step_ids), label=label))

    def move_step(self, step_id: int, position: int) -> bool:
        """Move a step to a 1-based position (undoable)."""
        ok = self.push(MoveStep(step_id, position, label=f"Move step to {position}"))
        self.reload(keep_step=step_id)
        return ok

    def edit_note(self, step_id: int, note: str) -> bool:
        """Change a step's notes (undoable)."""
        return self.push(EditStep(step_id, note=note, label="Edit step notes"))

    def ask_region(self, step_id: int) -> RegionDialog | None:
        """Show the step's page or picture as the court sees it and let a rectangle be drawn
        over the part to zoom to."""
        case, current = self.case, self.current()
        if case is None or current is None:
            return None
        step = current.step(step_id)
        whole = replace(step, region=None)
        try:
            slide = render_step(case, current, whole, max_px=1600)
        except Refused as exc:
            show_error(self.window, exc, "Mark the zoom region")
            return None
        except EvidenceError as exc:
            show_error(self.window, exc, "Mark the zoom region")
            return None
        if not slide.png:
            self._status("Only a page or a picture can be zoomed.")
            return None
        image = QImage.fromData(slide.png)
        units = self._units_per_px(case, step.item_id, step.page, image)
        marked = bool(GUARD.kind(step.item_id))
        dialog = RegionDialog(blurred(image) if marked else image, units, step.region, self.window)
        if marked:
            dialog.setWindowTitle("Mark the zoom region (the picture is marked: shown blurred)")
        dialog.accepted.connect(lambda: self._region_chosen(step_id, dialog.region))
        dialog.open()
        return dialog

    @staticmethod
    def _units_per_px(case: Case, item_id: int, page: int | None, image: QImage) -> float:
        long_px = max(image.width(), image.height(), 1)
        try:
            row = app_items.page(case, item_id, page or 1)
            if row is not None and row.width and row.height:
                return max(row.width, row.height) / long_px
            detail = app_items.item_detail(case, item_id)
        except EvidenceError:
            return 1.0
        w, h = detail.meta.get("width"), detail.meta.get("height")
        if isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0:
            return max(w, h) / long_px
        return 1.0

    def _region_chosen(self, step_id: int, region: Box | None) -> None:
        if region is not None:
            self.push(EditStep(step_id, region=region, label="Mark zoom region"))

    def export_pdf(self, path: Path | None = None, notes: bool = False) -> Path | None:
        """Write the chosen presentation as a PDF (one step per page) in a job."""
        case, current = self.case, self.current()
        if case is None or current is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self.window,
                "Export presentation",
                str(case.export_dir() / f"{current.name}.pdf"),
                "PDF document (*.pdf)",
            )
            if not chosen:
                return None
            path = Path(chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf")
            notes = (
                QMessageBox.question(
                    self.window, "Export presentation", "Include the presenter's notes?"
                )
                == QMessageBox.StandardButton.Yes
            )
        from app.present.render import export_presentation_pdf

        target, pid = path, current.id

        def job(progress: ProgressCallback, cancel: CancelToken) -> Path:
            return export_presentation_pdf(case, pid, target, notes)

        def done(result: object) -> None:
            self._status(f"Presentation written to {result}")
            self.window.audit_model.set_rows(case.audit_rows(), case.zone)

        if self.window.sync_loads:
            try:
                done(job(lambda _p: None, CancelToken()))
            except EvidenceError as exc:
                self.last_error = str(exc)
                return None
            return target
        self.window._start_job(
            "export-presentation", job, self.window.writer, "Writing the presentation", done
        )
        return target

    # -- presenting -----------------------------------------------------------------------------

    def start(
        self,
        *,
        presenter: bool = False,
        at: int = 0,
        screen: QScreen | None = None,
        full_screen: bool = True,
        size: QSize | None = None,
    ) -> PresentationSession | None:
        """Present the chosen presentation from step `at`: full screen on the second screen
        when there is one; with `presenter`, the presenter window on this one."""
        case = self.case
        if case is None:
            return None
        self.panel.save_notes()
        current = self.current()
        if current is None:
            self._status(
                "No presentation to show: make one in the Presentations dock (Ctrl+Alt+P)."
            )
            return None
        if not current.steps:
            self._status(f"{current.name} has no steps yet.")
            return None
        self.end()
        target = screen if screen is not None else choose_screen(self.window)
        if size is None:
            size = target.size() if target is not None else QSize(1920, 1080)
        session = PresentationSession(
            case,
            current,
            size=size,
            start=at,
            sync=self.window.sync_loads,
            reveal=self._reveal,
            parent=self,
        )
        self.session = session
        self.presentation_window = PresentationWindow(session)
        session.finished.connect(self._ended)
        if presenter:
            self.presenter_window = PresenterWindow(session)
        session.start()
        if full_screen:
            self.presentation_window.open_on(target)
        else:
            self.presentation_window.resize(size)
            self.presentation_window.open_on(None, full_screen=False)
        if self.presenter_window is not None:
            here = self.window.screen()
            if here is not None and here is not target:
                self.presenter_window.setGeometry(here.availableGeometry())
            else:
                self.presenter_window.resize(1280, 800)
            self.presenter_window.show()
            self.presenter_window.raise_()
            self.presenter_window.activateWindow()
        return session

    def end(self) -> None:
        """Leave presentation mode (closes both windows)."""
        if self.session is not None:
            self.session.leave()

    def _ended(self) -> None:
        for w in (self.presentation_window, self.presenter_window):
            if w is not None:
                w.close()
        self.session = None
        self.presentation_window = None
        self.presenter_window = None
        self.window.activateWindow()
        if self.case is not None:
            self.window.audit_model.set_rows(self.case.audit_rows(), self.case.zone)

    # -- protective marks ---------------------------------------------------------------------

    def _chosen_items(self) -> list[int]:
        ids = self.window.tagger.selected_item_ids()
        if not ids:
            shown = self.window.details.viewer.image.item_id
            ids = [shown] if shown is not None else []
        return ids

    def ask_mark(self) -> bool:
        """Ask how to mark the chosen pictures (intimate, distressing, or not), then do it."""
        ids = self._chosen_items()
        if self.case is None or not ids:
            self._status("Choose one or more pictures in the timeline first.")
            return False
        labels = [label for label, _ in KIND_CHOICES]
        label, ok = QInputDialog.getItem(
            self.window,
            "Protective viewing",
            f"Mark {display.plural(len(ids), 'chosen item')} as:\n"
            "(blurred everywhere until deliberately revealed; look-alike pictures too)",
            labels,
            0,
            False,
        )
        if not ok:
            return False
        kind = dict(KIND_CHOICES)[label]
        return self.mark(ids, kind) if kind else self.unmark(ids)

    def mark(self, item_ids: Sequence[int], kind: str = "intimate") -> bool:
        """Mark pictures intimate or distressing (undoable); their near-duplicates inherit it."""
        if not item_ids:
            return False
        label = f"Mark {display.plural(len(item_ids), 'picture')} {kind}"
        return self.push(MarkProtective(tuple(item_ids), kind, label=label))

    def unmark(self, item_ids: Sequence[int]) -> bool:
        """Take the protective mark off pictures (undoable)."""
        if not item_ids:
            return False
        label = f"Unmark {display.plural(len(item_ids), 'picture')}"
        return self.push(UnmarkProtective(tuple(item_ids), label=label))

    def reveal_in_viewer(self) -> bool:
        """Reveal the blurred picture in the details viewer (asked; audited)."""
        image = self.window.details.viewer.image
        if not image.is_blurred:
            self._status("No blurred picture is shown.")
            return False
        return image.reveal()

    def _ask_reveal(self, what: str, parent: QWidget | None) -> bool:
        answer = QMessageBox.question(
            parent or self.window,
            "Reveal picture",
            f"{what}\n\nShow it unblurred? Your name and the time are written to the audit "
            "log. It is blurred again when you leave it.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _reveal(self, item_id: int, where: str, parent: QWidget | None) -> bool:
        """The guard's reveal: ask, then record; False (nothing shown) when either fails."""
        case = self.case
        if case is None:
            return False
        mark = GUARD.mark(item_id)
        kind = mark[0] if mark else "protected"
        what = f"This picture (item {item_id}) is marked {kind}."
        if where == "presentation":
            what += " It will be shown unblurred on the court's screen."
        if not self.confirm_reveal(what, parent):
            return False
        try:
            record_reveal(case, item_id, where)
        except EvidenceError as exc:
            self.last_error = str(exc)
            show_error(self.window, exc, "Reveal picture")
            return False
        self.window.audit_model.set_rows(case.audit_rows(), case.zone)
        return True

    # -- showing --------------------------------------------------------------------------------

    def show_presentations(self) -> None:
        """Show the Presentations dock and move the focus to its steps."""
        if self.case is not None:
            self.window._raise_dock(self.dock, self.panel.steps)

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 6000)
