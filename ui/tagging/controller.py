"""The tagger in the window: its docks, the Tagging menu, number keys on the timeline, and
every edit (tag, untag, charges, suggestions) as an undoable command on the window's stack.

The window makes one `TaggerController(window)` and tells it when the case changes
(`set_case`); everything else the controller wires itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QKeyEvent
from PySide6.QtWidgets import QFileDialog, QHeaderView, QMessageBox

from app.case import Case
from app.errors import EvidenceError
from app.jobs import CancelToken, ProgressCallback
from app.ops import Changes, Operation
from app.tagging import coverage as tag_coverage
from app.tagging import store
from app.tagging.library import Offence
from app.tagging.model import ChargeRow, TagRow, parse_element_key
from app.tagging.ops import (
    AddCharge,
    AddCustomOffence,
    RemoveCharge,
    TagItems,
    TagParts,
    UntagItems,
)
from app.tagging.suggest import (
    AcceptSuggestions,
    RejectSuggestions,
    Suggestion,
    set_suggestions_enabled,
    suggestions,
    suggestions_enabled,
)
from app.timeline.clock import us_to_utc
from ui import display, theme
from ui.errors import show_error
from ui.menus import add_menu_before_help
from ui.models.timeline import TimelineModel
from ui.redaction.tools import AreaTool
from ui.tagging.charge_dialog import ChargeDialog
from ui.tagging.chips import ChipDelegate, chips_width
from ui.tagging.coverage_view import CoverageView
from ui.tagging.element_picker import ElementPicker
from ui.tagging.elements import KEYED, ElementEntry, chips, number_elements
from ui.tagging.panel import TaggerPanel
from ui.undo import push_edit
from ui.viewers.selection import REGION, Selected, viewer_selection
from ui.workers import JobRunner

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

NUMBER_KEYS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, KEYED + 1)}
CHIPS_SHOWN = 4  # the Tags column is wide enough for this many chips
TAG_AREA_FILL = QColor(theme.ACCENT.red(), theme.ACCENT.green(), theme.ACCENT.blue(), 40)


def merge_regions(parts: Sequence[Selected]) -> list[Selected]:
    """Spans as they are; the boxes of one page of one item (a selection's lines) united
    into one region of that page, its words joined."""
    out: list[Selected] = []
    at: dict[tuple[int, int | None], int] = {}
    for p in parts:
        if not p.is_region or p.box is None:
            out.append(p)
            continue
        where = (p.item_id, p.page)
        if where not in at:
            at[where] = len(out)
            out.append(p)
            continue
        prev = out[at[where]]
        assert prev.box is not None
        box = (
            min(prev.box[0], p.box[0]),
            min(prev.box[1], p.box[1]),
            max(prev.box[2], p.box[2]),
            max(prev.box[3], p.box[3]),
        )
        quote = " ".join(q for q in (prev.quote, p.quote) if q)
        out[at[where]] = Selected(p.item_id, REGION, page=p.page, box=box, quote=quote)
    return out


def tag_keys(case: Case, item_ids: Sequence[int]) -> Mapping[int, Sequence[str]]:
    """The element keys each item is tagged with (one query for a page of rows)."""
    return {i: [t.key for t in tags] for i, tags in store.tags_for_items(case, item_ids).items()}


def case_span(case: Case, ids: Sequence[int]) -> tuple[date, date]:
    """The local dates of the first and last events in `ids` (today when there are none)."""
    if not len(ids):
        today = date.today()
        return today, today
    rows = case.timeline_rows([ids[0], ids[-1]])
    if not rows:
        today = date.today()
        return today, today
    tz = ZoneInfo(case.zone)
    days = sorted(us_to_utc(r.ts_utc_us).astimezone(tz).date() for r in rows)
    return days[0], days[-1]


class TaggerController(QObject):
    """Owns the Tagger and Coverage docks and runs the tagger's edits for a window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.case: Case | None = None
        self.charges: list[ChargeRow] = []
        self.entries: list[ElementEntry] = []
        self.counts: dict[str, int] = {}
        self.suggestions_on = False
        self._quiet = False
        self.last_error = ""

        self.panel = TaggerPanel()
        self.coverage_view = CoverageView()
        self.tagger_dock = window._dock("tagger-dock", "Tagger", self.panel)
        self.coverage_dock = window._dock("coverage-dock", "Coverage", self.coverage_view)
        # Below the details (whose tabs hold the heat map and participants): read and tag
        # side by side.
        window.addDockWidget(
            Qt.DockWidgetArea.RightDockWidgetArea, self.tagger_dock, Qt.Orientation.Vertical
        )
        height = window.fontMetrics().height()
        window.resizeDocks(
            [window.details_dock, self.tagger_dock],
            [30 * height, 26 * height],
            Qt.Orientation.Vertical,
        )
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.coverage_dock)
        window.tabifyDockWidget(window.audit_dock, self.coverage_dock)
        window.audit_dock.raise_()
        self.docks = (self.tagger_dock, self.coverage_dock)

        self.panel.tag_requested.connect(self._type_ahead_tag)
        self.panel.untag_requested.connect(self.untag)
        self.panel.add_charge_requested.connect(self.ask_charge)
        self.panel.remove_charge_requested.connect(self.remove_charge)
        self.panel.suggestions_toggled.connect(self.show_suggestions)
        self.panel.accept_requested.connect(lambda chosen: self.accept_suggestions(chosen))
        self.panel.reject_requested.connect(lambda chosen: self.reject_suggestions(chosen))
        self.panel.suggestion_chosen.connect(window.go_to_item)
        self.panel.done.connect(window.focus_timeline)
        self.coverage_view.element_chosen.connect(self.show_element)
        self.coverage_view.export_requested.connect(self.export_matrix)
        self.coverage_dock.visibilityChanged.connect(self._coverage_shown)

        self._build_actions()
        self._install_timeline()
        self._install_viewers()

    # -- building -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        w = self.window
        a = w._action
        self.actions: dict[str, QAction] = {
            "tag_type_ahead": a(
                "tag_type_ahead",
                "&Tag with…",
                ["Ctrl+T"],
                self.focus_type_ahead,
                "Type an element to tag the chosen items with",
            ),
            "tag_selection": a(
                "tag_selection",
                "Tag s&election…",
                ["Shift+T"],
                self.tag_selection,
                "Tag the text selected in the viewer (a span) or the words selected on a page",
            ),
            "tag_area": a(
                "tag_area",
                "Tag a&rea…",
                ["T"],
                self.toggle_tag_area,
                "Draw a box on the PDF page or picture shown to tag that region",
            ),
            "add_charge": a(
                "add_charge",
                "&Add charge…",
                ["Ctrl+Shift+T"],
                self.ask_charge,
                "Add an offence being considered on the case",
            ),
            "show_tagger": a(
                "show_tagger", "Show ta&gger", ["Ctrl+7"], self.show_tagger, "Show the tagger"
            ),
            "show_coverage": a(
                "show_coverage",
                "Show &coverage",
                ["Ctrl+8"],
                self.show_coverage,
                "Show which elements have evidence and which lack it",
            ),
        }
        # The exports have no key of their own: menu entries (and the coverage's buttons).
        for kind, text in (
            ("csv", "Export evidence matrix as &CSV…"),
            ("pdf", "Export evidence matrix as &PDF…"),
        ):
            action = QAction(text, w)
            action.setObjectName(f"export_matrix_{kind}")
            action.setStatusTip(f"Write the evidence matrix as a {kind.upper()} file")
            action.triggered.connect(lambda _=False, k=kind: self.export_matrix(k))
            self.actions[f"export_matrix_{kind}"] = action
        menu = add_menu_before_help(w, "Ta&gging", "tagging-menu")
        for name in ("tag_type_ahead", "tag_selection", "tag_area", "add_charge"):
            menu.addAction(self.actions[name])
        menu.addSeparator()
        for name in ("show_tagger", "show_coverage"):
            menu.addAction(self.actions[name])
        menu.addSeparator()
        for name in ("export_matrix_csv", "export_matrix_pdf"):
            menu.addAction(self.actions[name])
        self.menu = menu
        self._update_enabled()

    def _install_timeline(self) -> None:
        table = self.window.timeline_pane.table
        # Several rows can be chosen (Shift/Ctrl+click, Shift+arrows) and tagged at once.
        table.setSelectionMode(table.SelectionMode.ExtendedSelection)
        table.installEventFilter(self)
        table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        table.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        self.chip_delegate = ChipDelegate(table)
        table.setItemDelegateForColumn(TimelineModel.TAGS, self.chip_delegate)
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TimelineModel.TEXT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(TimelineModel.TAGS, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(TimelineModel.TAGS, chips_width(table.fontMetrics(), CHIPS_SHOWN))

    def _update_enabled(self) -> None:
        has_case = self.case is not None
        writable = has_case and not (self.case.readonly if self.case else True)
        editing = ("tag_type_ahead", "tag_selection", "tag_area", "add_charge")
        for name, action in self.actions.items():
            action.setEnabled(writable if name in editing else has_case)
        self.panel.setEnabled(has_case)
        self.panel.set_writable(writable)
        if not writable:
            for tool in getattr(self, "area_tools", {}).values():
                tool.set_active(False)

    # -- the case -------------------------------------------------------------------------

    def set_case(self, case: Case | None) -> None:
        """Show the tagger of `case` (None: no case open)."""
        self.case = case
        self.charges, self.entries, self.counts = [], [], {}
        # Suggestions are a case setting, off unless the user turned them on for this case.
        self.suggestions_on = case is not None and suggestions_enabled(case)
        self._quiet = True
        try:
            self.panel.suggest_toggle.setChecked(self.suggestions_on)
        finally:
            self._quiet = False
        self.panel.note.clear()
        self.panel.type_ahead.clear()
        self._update_enabled()
        self.reload()

    def reload(self) -> None:
        """Read the charges again: the panel, the timeline's chips, the filter bar's
        elements and (when shown) the coverage."""
        case = self.case
        if case is None:
            self.window.timeline_model.set_tagging(None, {})
            self.panel.set_elements([], {})
            self.panel.set_selection(0, [])
            self.panel.set_suggestions([])
            self.coverage_view.set_coverage(None, [], "UTC")
            self.window.timeline_pane.filters.set_elements([])
            return
        try:
            self.charges = store.charges(case)
            self.counts = store.element_counts(case)
        except EvidenceError as exc:
            log.warning("charges not read: %s", exc)
            self.charges, self.counts = [], {}
        self.entries = number_elements(self.charges)
        self.window.timeline_model.set_tagging(tag_keys, chips(self.entries))
        self.panel.set_elements(self.entries, self.counts)
        self.window.timeline_pane.filters.set_elements(
            [(e.key, f"{e.number} · {e.label}") for e in self.entries]
        )
        self._selection_changed()
        self.refresh_coverage()
        if self.suggestions_on:
            self.load_suggestions()

    def _changed(self, changes: Changes) -> None:
        """After a tag or charge edit (or its undo / redo): refresh what shows it."""
        case = self.case
        if case is None:
            return
        if changes.charges:
            self.reload()
        elif changes.tags:
            self.counts = store.element_counts(case)
            self.panel.set_elements(self.entries, self.counts)
            self.window.timeline_model.invalidate()
            self._selection_changed()
            self.refresh_coverage()
            if self.suggestions_on:
                self.load_suggestions()
        f = self.window.timeline_filter
        if f.elements or f.untagged is not None:
            self.window.refresh()  # the rows shown depend on the tags
        else:
            self.window.audit_model.set_rows(case.audit_rows(), case.zone)

    # -- selection ----------------------------------------------------------------------------

    def selected_item_ids(self) -> list[int]:
        """The items of the timeline rows chosen, in row order, each once."""
        table = self.window.timeline_pane.table
        model = self.window.timeline_model
        rows = sorted(i.row() for i in table.selectionModel().selectedRows())
        seen: dict[int, None] = {}
        for row in rows:
            r = model.row_at(row)
            if r is not None:
                seen.setdefault(r.item_id, None)
        return list(seen)

    def current_item_id(self) -> int | None:
        """The item of the timeline's current row."""
        current = self.window.timeline_pane.table.currentIndex()
        r = self.window.timeline_model.row_at(current.row()) if current.isValid() else None
        return r.item_id if r is not None else None

    def _selection_changed(self) -> None:
        case = self.case
        if case is None:
            return
        count = len(self.window.timeline_pane.table.selectionModel().selectedRows())
        item_id = self.current_item_id()
        tags: list[TagRow] = []
        if item_id is not None and self.entries:
            tags = store.tags_for_items(case, [item_id]).get(item_id, [])
        self.panel.set_item_title(
            f"Tags of item #{item_id}" if item_id is not None else "Tags of the current item"
        )
        self.panel.set_selection(count, tags, store.span_quotes(case, tags))

    # -- tagging --------------------------------------------------------------------------------

    def entry(self, key: str) -> ElementEntry | None:
        """The numbered element with this key."""
        return next((e for e in self.entries if e.key == key), None)

    def tag_number(self, number: int) -> bool:
        """Tag the chosen items with element `number` (1-based), or untag them when every
        one already has it. False when nothing was done."""
        if not 1 <= number <= len(self.entries):
            self._status(
                f"There is no element {number}: "
                + (
                    "add a charge first."
                    if not self.entries
                    else f"the case has {len(self.entries)}."
                )
            )
            return False
        return self.toggle(self.entries[number - 1].key)

    def toggle(self, key: str) -> bool:
        """Tag the chosen items with an element, or untag them if all have it already."""
        return self._tag(key, toggle=True)

    def tag(self, key: str) -> bool:
        """Tag the chosen items with an element (those already tagged stay as they are)."""
        return self._tag(key, toggle=False)

    def _tag(self, key: str, *, toggle: bool) -> bool:
        case = self.case
        entry = self.entry(key)
        if case is None or entry is None:
            return False
        items = self.selected_item_ids()
        if not items:
            self._status("Choose one or more items in the timeline first.")
            return False
        charge_id, element_id = parse_element_key(key)
        tagged = store.tags_for_items(case, items)
        have = [i for i in items if any(t.key == key for t in tagged.get(i, []))]
        what = f"{entry.number} · {entry.label}"
        op: Operation
        if len(have) == len(items):
            if not toggle:
                self._status(f"Already tagged with {what}.")
                return False
            op = UntagItems(
                item_ids=tuple(items),
                charge_id=charge_id,
                element_id=element_id,
                label=f"Untag {display.plural(len(items), 'item')} from {entry.number}",
            )
            done = f"Untagged {display.plural(len(items), 'item')} from {what}"
        else:
            op = TagItems(
                item_ids=tuple(items),
                charge_id=charge_id,
                element_id=element_id,
                note=self.panel.note_text(),
                label=f"Tag {display.plural(len(items) - len(have), 'item')} with {entry.number}",
            )
            done = f"Tagged {display.plural(len(items) - len(have), 'item')} with {what}"
        if self.push(op):
            self._status(done + " (Ctrl+Z undoes)")
            return True
        return False

    def untag(self, tag: object) -> bool:
        """Remove one tag (of the current item)."""
        if not isinstance(tag, TagRow):
            return False
        entry = self.entry(tag.key)
        label = f"Untag item #{tag.item_id} from {entry.number if entry else tag.element_id}"
        return self.push(UntagItems(tag_ids=(tag.id,), label=label))

    def _type_ahead_tag(self, key: str) -> None:
        if self.tag(key):
            self.panel.type_ahead.clear()
            self.window.focus_timeline()

    def push(self, op: Operation) -> bool:
        """Run an edit as an undoable command; False (and the error shown) when refused."""
        case = self.case
        if case is None:
            return False
        self.last_error = push_edit(self.window, self.window.undo_stack, case, op, self._changed)
        return not self.last_error

    def focus_type_ahead(self) -> None:
        """Show the tagger and move the focus to its type-ahead (Ctrl+T)."""
        if self.case is None:
            return
        self.tagger_dock.show()
        self.tagger_dock.raise_()
        self.panel.focus_type_ahead()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Number keys 1–9 on the timeline tag the chosen rows with element N.
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and watched is self.window.timeline_pane.table
            and event.key() in NUMBER_KEYS
            and not (
                event.modifiers()
                & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.NoModifier)
            )
            and self.case is not None
        ):
            self.tag_number(NUMBER_KEYS[event.key()])
            return True
        return super().eventFilter(watched, event)

    # -- parts of items: spans and regions chosen in the viewers --------------------------------

    def _install_viewers(self) -> None:
        stack = self.window.details.viewer
        self.stack = stack
        # "Tag area": the redaction area tool in the tagger's colour, one per graphics view.
        self.area_tools = {
            "pdf": AreaTool(stack.pdf.canvas, theme.ACCENT, TAG_AREA_FILL),
            "image": AreaTool(stack.image.view, theme.ACCENT, TAG_AREA_FILL),
        }
        self.area_tools["pdf"].drawn.connect(lambda rect, _m: self._area_drawn("pdf", rect))
        self.area_tools["image"].drawn.connect(lambda rect, _m: self._area_drawn("image", rect))

    def ask_element(self, what: str) -> tuple[str, str] | None:
        """The element key (and a note) for a tag about to be made; None when cancelled."""
        return ElementPicker.ask(what, self.entries, self.window, self.panel.current_key())

    def tag_selection(self) -> bool:
        """Ask an element, then tag what is selected in the viewer: exact spans of messages'
        or emails' text, or the words selected on a PDF page as a region of that page."""
        chosen = viewer_selection(self.stack)
        parts = [p for p in chosen if p.is_region or p.target == "text"]
        if not parts:
            self._status(
                "An email header cannot be tagged: select words of the body."
                if chosen
                else "Select some text in a message, email or document first "
                "(on a picture, use Tag area)."
            )
            return False
        return self.tag_parts(merge_regions(parts))

    def toggle_tag_area(self) -> None:
        """Turn the "Tag area" tool of the PDF or picture viewer shown on or off."""
        shown = self.stack.currentWidget()
        name = "pdf" if shown is self.stack.pdf else "image" if shown is self.stack.image else ""
        if not name or shown is None:
            self._status("Open a PDF or a picture in the details to draw a box on it.")
            return
        tool = self.area_tools[name]
        tool.set_active(not tool.active)
        if tool.active:
            self.window.details_dock.show()
            self.window.details_dock.raise_()
            shown.setFocus()
            self._status("Drag a box over the region to tag; T ends.")

    def _area_drawn(self, name: str, rect: QRectF) -> None:
        if name == "pdf":
            item_id, placed = self.stack.pdf.item_id, self.stack.pdf.scene_to_page_box(rect)
        else:
            box = self.stack.image.scene_to_box(rect)
            item_id, placed = self.stack.image.item_id, (1, box) if box is not None else None
        if item_id is None or placed is None:
            return
        self.tag_parts([Selected(item_id, REGION, page=placed[0], box=placed[1])])

    def tag_parts(self, parts: Sequence[Selected]) -> bool:
        """Ask an element, then tag each part (a span or a region) as one undoable step."""
        if self.case is None or not parts:
            return False
        if not self.entries:
            self._status("Add a charge first: its elements are what a tag points to.")
            return False
        spans = sum(1 for p in parts if not p.is_region)
        what = "Tag " + (
            display.plural(spans, "span") if spans else display.plural(len(parts), "region")
        )
        quotes = " / ".join(p.quote for p in parts if p.quote)
        answer = self.ask_element(what + (f": “{display.one_line(quotes, 200)}”" if quotes else ""))
        if answer is None:
            return False
        key, note = answer
        entry = self.entry(key)
        if entry is None:
            return False
        charge_id, element_id = parse_element_key(key)
        tags = tuple(
            TagItems(
                (p.item_id,),
                charge_id,
                element_id,
                note=note,
                page=p.page,
                box=p.box,
                start=p.start,
                end=p.end,
            )
            for p in parts
        )
        label = f"{what} with {entry.number}"
        op: Operation = tags[0] if len(tags) == 1 else TagParts(tags)
        op.label = label
        if self.push(op):
            self._status(f"{label} · {entry.label} (Ctrl+Z undoes)")
            return True
        return False

    # -- charges --------------------------------------------------------------------------------

    def ask_charge(self) -> ChargeDialog | None:
        """Open the Add charge dialog (non-modal to the timeline's data, modal to the window)."""
        case = self.case
        if case is None:
            return None
        try:
            offences = store.offences(case)
        except EvidenceError as exc:
            show_error(self.window, exc, "Add charge")
            return None
        ids = self.window.timeline_model.event_ids()
        dialog = ChargeDialog(offences, case_span(case, ids), self.add_custom, self.window)
        dialog.accepted.connect(lambda: self._charge_chosen(dialog))
        dialog.open()
        return dialog

    def _charge_chosen(self, dialog: ChargeDialog) -> None:
        offence = dialog.offence()
        if offence is None:
            return
        start, end = dialog.dates()
        self.add_charge(offence.id, start, end, dialog.note_text())

    def add_charge(self, offence_id: str, start: date, end: date, note: str = "") -> bool:
        """Add a charge (undoable)."""
        label = f"Add charge {offence_id}"
        return self.push(AddCharge(offence_id, start, end, note, label=label))

    def add_custom(self, data: dict[str, object]) -> Offence | None:
        """Store a user-defined offence (undoable); the offence, or None when refused."""
        case = self.case
        if case is None:
            return None
        op = AddCustomOffence(dict(data), label=f"Add offence {data.get('name', '')}")
        if not self.push(op):
            return None
        try:
            return store.offence(case, op.offence_id)
        except EvidenceError as exc:
            show_error(self.window, exc, "User-defined offence")
            return None

    def remove_charge(self, charge_id: int) -> bool:
        """Remove a charge and its tags, after asking once (undoable)."""
        charge = next((c for c in self.charges if c.id == charge_id), None)
        if charge is None:
            return False
        tagged = sum(v for k, v in self.counts.items() if k.startswith(f"{charge_id}:"))
        if tagged and not self.window.sync_loads:
            answer = QMessageBox.question(
                self.window,
                "Remove charge",
                f"Remove {charge.label} and its {display.plural(tagged, 'tag')}?\n"
                "Edit ▸ Undo brings them back.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        return self.push(
            RemoveCharge(charge_id, label=f"Remove charge {charge.offence.short_name}")
        )

    # -- coverage ---------------------------------------------------------------------------

    def _coverage_shown(self, visible: bool) -> None:
        if visible:
            self.refresh_coverage()

    def refresh_coverage(self) -> None:
        """Work out the matrix again when its dock is shown."""
        case = self.case
        if case is None or self.coverage_dock.isHidden():
            return
        try:
            cov = tag_coverage.coverage(case, case.zone)
        except EvidenceError as exc:
            log.warning("coverage not worked out: %s", exc)
            cov = None
        self.coverage_view.set_coverage(cov, self.entries, case.zone)

    def show_element(self, key: str) -> None:
        """Show in the timeline the items tagged for one element (the filter bar's Element)."""
        if self.case is None:
            return
        self.window.timeline_pane.filters.show_element(key)

    def export_matrix(self, kind: str) -> str:
        """Ask where to write the evidence matrix (CSV or PDF), then write it in a job."""
        case = self.case
        if case is None:
            return ""
        folder = case.export_dir()
        pattern = "CSV file (*.csv)" if kind == "csv" else "PDF document (*.pdf)"
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export evidence matrix", str(folder / f"evidence-matrix.{kind}"), pattern
        )
        if not path:
            return ""
        if not path.lower().endswith(f".{kind}"):
            path += f".{kind}"
        self.write_matrix(kind, Path(path))
        return path

    def write_matrix(self, kind: str, path: Path) -> None:
        """Write the matrix to `path` (in the background unless the window reads in step)."""
        case = self.case
        if case is None:
            return

        def job(progress: ProgressCallback, cancel: CancelToken) -> Path:
            cov = tag_coverage.coverage(case, case.zone)
            if kind == "csv":
                tag_coverage.write_coverage_csv(cov, path)
            else:
                tag_coverage.write_coverage_pdf(case, cov, path)
            return path

        def done(result: object) -> None:
            self.window.statusBar().showMessage(f"Evidence matrix written to {result}", 8000)

        if self.window.sync_loads:
            try:
                done(job(lambda _p: None, CancelToken()))
            except (EvidenceError, OSError) as exc:
                show_error(self.window, exc, "Export evidence matrix")
            return
        self.window._start_job(
            "export-matrix", job, self.window.reader, "Writing the evidence matrix", done
        )

    # -- suggestions --------------------------------------------------------------------------

    def show_suggestions(self, on: bool) -> None:
        """Turn the suggested tags on or off (off by default; kept as a case setting)."""
        self.suggestions_on = on
        case = self.case
        if not self._quiet and case is not None and not case.readonly:
            try:
                set_suggestions_enabled(case, on)
            except EvidenceError as exc:
                log.warning("suggestion setting not saved: %s", exc)
        if on:
            self.load_suggestions()
        else:
            self.panel.set_suggestions([])

    def load_suggestions(self) -> None:
        """Work out the suggestions for the case's charges (in a reader job)."""
        case = self.case
        if case is None or not self.suggestions_on:
            return
        if self.window.sync_loads:
            self._suggestions_loaded(case, suggestions(case))
            return

        def job(progress: ProgressCallback, cancel: CancelToken) -> list[Suggestion]:
            return suggestions(case)

        runner = JobRunner(job, "suggestions")
        runner.signals.succeeded.connect(lambda found: self._suggestions_loaded(case, found))
        runner.signals.failed.connect(lambda exc: log.warning("suggestions failed: %s", exc))
        self.window._launch(runner, self.window.reader)

    def _suggestions_loaded(self, case: Case, found: object) -> None:
        if case is self.case and self.suggestions_on and isinstance(found, list):
            self.panel.set_suggestions(found)

    def accept_suggestions(self, chosen: Sequence[Suggestion]) -> bool:
        """Tag the items as suggested (undoable)."""
        if not chosen:
            return False
        label = f"Accept {display.plural(len(chosen), 'suggestion')}"
        return self.push(AcceptSuggestions(tuple(chosen), label=label))

    def reject_suggestions(self, chosen: Sequence[Suggestion]) -> bool:
        """Do not suggest these again (undoable)."""
        if not chosen:
            return False
        label = f"Reject {display.plural(len(chosen), 'suggestion')}"
        return self.push(RejectSuggestions(tuple(chosen), label=label))

    # -- showing ------------------------------------------------------------------------------

    def show_tagger(self) -> None:
        """Show the tagger dock and move the focus to its elements."""
        if self.case is not None:
            self.window._raise_dock(self.tagger_dock, self.panel.tree)

    def show_coverage(self) -> None:
        """Show the coverage matrix and move the focus to it."""
        if self.case is not None:
            self.window._raise_dock(self.coverage_dock, self.coverage_view.tree)
            # Tall enough for a few charges' elements without scrolling.
            rows = max(8, min(22, len(self.entries) + len(self.charges) + 4))
            height = self.coverage_view.tree.fontMetrics().height() + 6
            self.window.resizeDocks([self.coverage_dock], [rows * height], Qt.Orientation.Vertical)
            self.refresh_coverage()

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 6000)
