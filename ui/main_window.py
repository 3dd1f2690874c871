"""The main window: sources left, the timeline in the centre, details right, audit below."""

from __future__ import annotations

import logging
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app import items
from app.case import Case, needs_passphrase
from app.errors import CaseLocked, EvidenceError, WrongPassphrase
from app.importers.base import ImportOptions
from app.ingest.job import FileResult, ImportReport
from app.jobs import CancelToken, Progress, ProgressCallback
from app.model import AuditRow, SourceRow, TimelineRow
from app.ocr import SETTING as OCR_SETTING
from app.ocr import OcrReport, ocr_enabled, pending, set_setting
from app.ops import Changes
from app.people import participants
from app.timeline.activity import DayCount, HeatMap, activity_per_day, heat_map
from app.timeline.query import EVERYTHING, TimelineFilter
from app.verify import RECORDED, VerifyReport
from ui import display
from ui.attribution.controller import AttributionController
from ui.dialogs.ask import DateOrderDialog, PasswordDialog
from ui.dialogs.import_options import ImportOptionsDialog
from ui.dialogs.import_summary import ImportSummary, date_example
from ui.dialogs.passphrase import (
    ChangePassphraseDialog,
    NewCaseDialog,
    OpenPassphraseDialog,
    waiting,
)
from ui.dialogs.shortcuts import ShortcutsDialog, shortcut_text
from ui.errors import offer_read_only, show_error
from ui.export.controller import ExportController
from ui.models import AuditModel, SourcesModel, TimelineModel
from ui.models.timeline import PAGE_SIZE
from ui.ocr import (
    OCR_TITLE,
    EngineFactory,
    OcrRequest,
    Thumb,
    failures_note,
    make_thumb,
    ocr_job,
    ocr_summary,
    thumbnail_job,
)
from ui.present.controller import PresentController
from ui.redaction.controller import RedactionController
from ui.settings import SettingsStore, UiSettings
from ui.tagging.chips import chips_width
from ui.tagging.controller import TaggerController
from ui.viewers.common import qimage
from ui.viewers.image import MAX_SIDE
from ui.views.activity import HeatMapView, Sender, senders_of
from ui.views.details import DetailsPane
from ui.views.filter_bar import SearchBox, parse_when, search_terms
from ui.views.participants import ParticipantsPanel
from ui.views.tables import make_table, set_widths
from ui.views.timeline_pane import TimelinePane
from ui.views.welcome import WelcomePage
from ui.workers import Job, JobRunner, reader_pool, writer_pool

log = logging.getLogger(__name__)

APP_NAME = "Threadline"
CANCEL_TEXT = {
    "import": "&Cancel import",
    "verify": "&Cancel verification",
    "demo": "&Cancel building the demo",
    "ocr": "&Cancel OCR",
    "export": "&Cancel export",
}
AUDIT_ROWS = 500
THUMB_CACHE = 32  # thumbnails kept in memory; the rest are on disk in derived/thumbnails
ASKABLE = ("date_order", "password")  # the ImportOptions fields the window can ask about
DETAILS_WIDTH = 480  # the details dock's widest first width: room for a chat or a picture
DETAILS_MIN_FIRST = 360  # ... and its narrowest, in a small window
DETAILS_SHARE = 0.28  # the share of the window's width the right docks start with
SOURCES_MIN_WIDTH = 160  # the sources dock, at least: a name still reads beside its badge
SOURCES_WIDTH = 190  # the sources dock's first width
TAG_CHIPS_SHOWN = 3  # the timeline's Tags column is wide enough for this many chips
FIND_SPAN = 500  # timeline rows read after an item's time when looking for its event
HEAT_MIN_WIDTH = 380  # the heat map dock's canvas, at least


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the panes show, read off the GUI thread in one go."""

    ids: array[int]
    sources: list[SourceRow]
    audit: list[AuditRow]
    total: int = -1  # every event of the case, when `ids` is filtered
    persons: list[tuple[int, str]] = field(default_factory=list)  # (id, name), by name


@dataclass(slots=True)
class ImportBatch:
    """One import the user started, with the re-reads of files that waited for an answer.

    The report is merged: a file read again replaces its earlier result. No password is
    kept here; it lives only in the job that uses it.
    """

    options: ImportOptions
    report: ImportReport = field(default_factory=ImportReport)
    settled: set[str] = field(default_factory=set)  # answered for good, or left unimported
    password_tried: set[str] = field(default_factory=set)
    failed: bool = False  # a job raised: the error was shown, no more questions

    def merge(self, report: ImportReport) -> None:
        """Add a run's results, replacing those of files read again."""
        where = {f.path: n for n, f in enumerate(self.report.files)}
        for f in report.files:
            n = where.get(f.path)
            if n is None:
                where[f.path] = len(self.report.files)
                self.report.files.append(f)
            else:
                self.report.files[n] = f

    def questions(self) -> list[FileResult]:
        """Files not imported for want of an answer the window can ask for, in order."""
        if self.failed or self.report.cancelled:
            return []
        return [
            f
            for f in self.report.files
            if f.status == "failed"
            and f.needs is not None
            and f.needs[0] in ASKABLE
            and f.path not in self.settled
        ]


@dataclass(frozen=True, slots=True)
class ViewerLoad:
    """What the details viewer shows of one item, read off the GUI thread.

    `pixels` is a picture's decoded original (None when not a picture, or none is held);
    `pixels_failed` says its pixels could not be decoded; `problem` why nothing was read.
    """

    item_id: int
    data: items.ViewerData | None
    pixels: items.Pixels | None = None
    pixels_failed: bool = False
    problem: str = ""


def load_viewer(case: Case, item_id: int) -> ViewerLoad:
    """Read an item for its viewer, with a picture's pixels decoded (slow: not on the GUI
    thread)."""
    try:
        data = items.viewer_data(case, item_id)
    except EvidenceError as exc:
        return ViewerLoad(item_id, None, problem=f"This item cannot be shown: {exc}")
    original = data.detail.original
    if data.detail.kind != "image" or original is None or not original.present:
        return ViewerLoad(item_id, data)
    try:
        pixels = items.original_pixels(original, MAX_SIDE, name=data.detail.name)
        return ViewerLoad(item_id, data, pixels)
    except EvidenceError as exc:
        log.info("pixels of item %d not read: %s", item_id, exc)
        return ViewerLoad(item_id, data, pixels_failed=True)


def find_event(
    case: Case, item_id: int, ids: array[int], f: TimelineFilter = EVERYTHING
) -> int | None:
    """The id of the item's earliest event among the timeline's `ids` (in time order, under
    the filter `f` that built them), None when it has none there."""
    first = items.item_detail(case, item_id).first_event
    if first is None:
        return None
    start = case.timeline_position(f, first.ts_utc_us)
    for row in case.timeline_rows(ids[start : start + FIND_SPAN]):
        if row.item_id == item_id:
            return row.event_id
    return None


@dataclass(frozen=True, slots=True)
class Activity:
    """The activity strip's days and the heat map's senders under one filter."""

    days: list[DayCount]
    senders: list[Sender]


def read_activity(case: Case, f: TimelineFilter, zone_name: str) -> Activity:
    """Events per local day (empty days filled) and the senders to choose from (slow: not on
    the GUI thread)."""
    days = activity_per_day(case, f, zone_name, fill=True)
    return Activity(days, senders_of(participants(case)))


def read_heat_map(case: Case, f: TimelineFilter, zone_name: str, sender: Sender) -> HeatMap:
    """One sender's weekday x hour map under a filter (slow: not on the GUI thread)."""
    return heat_map(
        case, f, zone_name, participant_id=sender.participant_id, person_id=sender.person_id
    )


def read_snapshot(case: Case, f: TimelineFilter = EVERYTHING) -> Snapshot:
    """Read the id list (under a filter), the sources and the newest audit entries of a case."""
    ids = case.timeline_ids(f)
    total = len(ids) if f.is_everything else case.timeline_count()
    persons = {p.person_id: p.person_name for p in participants(case) if p.person_id is not None}
    by_name = sorted(persons.items(), key=lambda kv: (kv[1].casefold(), kv[0]))
    return Snapshot(ids, case.sources(), case.audit_rows(limit=AUDIT_ROWS), total, by_name)


class MainWindow(QMainWindow):
    """One window on one case (or on the welcome page when none is open)."""

    loaded = Signal()  # the panes show the case as it is now
    import_finished = Signal(object)  # ImportReport, or None when the import failed
    verify_finished = Signal(object)  # VerifyReport, or None
    ocr_finished = Signal(object)  # OcrReport, or None when the job failed
    ocr_setting_saved = Signal(bool)  # the case's OCR setting as now stored

    def __init__(
        self, settings_store: SettingsStore, *, sync_loads: bool = False, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main-window")
        self.settings_store = settings_store
        self.settings: UiSettings = settings_store.load()
        self.case: Case | None = None
        # Screenshots and scripted runs read synchronously; the window reads in the background.
        self.sync_loads = sync_loads
        self.writer: QThreadPool = writer_pool(self)
        self.reader: QThreadPool = reader_pool(self)
        self.job: JobRunner | None = None
        self.job_kind = ""
        self._runners: set[JobRunner] = set()
        self._pending_imports: list[tuple[list[str], ImportOptions | None]] = []
        self._batch: ImportBatch | None = None
        self._import_zones: dict[str, str] = {}  # per case folder, for this session only
        self._generation = 0
        self._dock_visibility: dict[str, bool] = {}
        self._dialogs: dict[str, QWidget] = {}
        # OCR runs after imports on the writer pool; tests give it a fake engine.
        self.ocr_engine_factory: EngineFactory | None = None
        self._ocr_queue: OcrRequest | None = None  # to run when the writer is free
        self._ocr_running: OcrRequest | None = None
        self._ocr_paused = False  # the running OCR job was stopped to let an import in
        # Thumbnails: one reader job at a time, the newest wish waiting; a few kept in memory.
        self._thumbs: OrderedDict[int, Thumb] = OrderedDict()
        self._thumb_running = False
        self._thumb_wanted: int | None = None
        # The details viewer: likewise one reader job at a time, only the newest wish kept.
        self._viewer_running = False
        self._viewer_wanted: int | None = None
        # The search and filters the timeline shows; the event to keep chosen across a reload.
        self.timeline_filter: TimelineFilter = EVERYTHING
        self._keep_event: int | None = None
        self._heat_seq = 0  # only the newest heat map asked for is shown
        self.participants_panel: ParticipantsPanel | None = None  # made when first shown

        # Edits (participant links) go through this stack; the title's [*] follows it.
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(lambda clean: self.setWindowModified(not clean))

        self.timeline_model = TimelineModel(self)
        self.sources_model = SourcesModel(self)
        self.audit_model = AuditModel(self)

        self.welcome = WelcomePage()
        self.timeline_pane = TimelinePane(self.timeline_model)
        self.centre = QStackedWidget()
        self.centre.addWidget(self.welcome)
        self.centre.addWidget(self.timeline_pane)
        self.setCentralWidget(self.centre)

        self._build_docks()
        self.actions_by_name: dict[str, QAction] = {}
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        # The offence tagger: its docks, Tagging menu and number keys on the timeline.
        self.tagger = TaggerController(self)
        # Redaction: the Redactions dock, the Redaction menu, the viewers' tools.
        self.redaction = RedactionController(self)
        # Presentations, presentation mode and protective viewing: the Present menu.
        self.present = PresentController(self)
        # Exhibits and disclosure packs: the Exhibits dock, the Export menu and dialog.
        self.export = ExportController(self)
        # Attribution: the accounts in returns, links between them (Ctrl+Shift+L).
        self.attribution = AttributionController(self)
        self._fit_timeline_columns()
        self.timeline_model.modelReset.connect(self._show_timeline_columns)
        self.timeline_model.dataChanged.connect(lambda *_: self._show_timeline_columns())
        self.timeline_pane.filters.changed.connect(self.apply_filters)
        self.timeline_pane.zone_mode_changed.connect(self._zone_mode_changed)
        self.activity_strip = self.timeline_pane.activity
        self.activity_strip.day_clicked.connect(lambda day: self.show_days(day, day))
        self.activity_strip.range_selected.connect(self.show_days)
        self.heat_view.sender_chosen.connect(lambda _sender: self.want_heat_map())
        self.heat_dock.visibilityChanged.connect(self._heat_dock_shown)
        self.participants_dock.visibilityChanged.connect(self._participants_dock_shown)

        self.welcome.new_case.connect(self.new_case)
        self.welcome.open_case.connect(self.choose_case)
        self.welcome.open_demo.connect(self.open_demo)
        self.welcome.open_recent.connect(self.open_case)
        self.timeline_pane.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.timeline_pane.table.activated.connect(lambda _index: self.open_details())
        self.details.viewer.item_activated.connect(self.go_to_item)
        self.details.viewer.chat.whole_requested.connect(self.want_whole_conversation)

        self.setAcceptDrops(True)
        self.resize(1400, 900)
        if self.settings.geometry:
            self.restoreGeometry(self.settings.geometry)
        if self.settings.window_state:
            self.restoreState(self.settings.window_state)
        else:
            self.fit_docks()
        self._show_case_ui(False)
        self._update_title()
        self._update_enabled()

    # -- building -------------------------------------------------------------------------

    def _build_docks(self) -> None:
        self.sources_view = make_table("sources", "Sources")
        self.sources_view.setModel(self.sources_model)
        fm = self.sources_view.fontMetrics()
        char = fm.averageCharWidth()
        # The name takes what the other, fixed columns leave, so nothing scrolls sideways.
        header = self.sources_view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(SourcesModel.NAME, QHeaderView.ResizeMode.Stretch)
        self.sources_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.sources_view.setMinimumWidth(SOURCES_MIN_WIDTH)
        set_widths(
            self.sources_view,
            {
                SourcesModel.IMPORTER: fm.horizontalAdvance("Read as") + 3 * char,
                SourcesModel.ITEMS: fm.horizontalAdvance("Items") + 3 * char,
                SourcesModel.STATUS: fm.horizontalAdvance("Duplicate") + 3 * char,
                SourcesModel.WARNINGS: fm.horizontalAdvance("Warnings") + 3 * char,
            },
        )
        self.audit_view = make_table("audit", "Audit log")
        self.audit_view.setModel(self.audit_model)
        set_widths(
            self.audit_view,
            {
                AuditModel.SEQ: 6 * char,
                AuditModel.TIME: fm.horizontalAdvance("2024-03-05 14:03:22 BST") + 4 * char,
                AuditModel.USER: 14 * char,
                AuditModel.ACTION: fm.horizontalAdvance("Duplicate recorded") + 4 * char,
            },
        )
        self.details = DetailsPane()
        self.heat_view = HeatMapView()
        self.heat_view.setObjectName("heat-map")
        # Narrower than the canvas asks for on its own, so the dock fits beside the timeline
        # in a 1400-pixel window (24 hour columns of 14 pixels still read well).
        self.heat_view.canvas.setMinimumWidth(HEAT_MIN_WIDTH)
        heat = QWidget()
        heat_layout = QVBoxLayout(heat)
        heat_layout.setContentsMargins(0, 0, 0, 0)
        heat_layout.addWidget(self.heat_view, 1)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(8, 0, 8, 8)
        buttons.addStretch(1)
        self.heat_png_button = QPushButton("Export &PNG…")
        self.heat_png_button.setObjectName("heat-export-png")
        self.heat_png_button.clicked.connect(lambda: self.export_heat_map("png"))
        self.heat_pdf_button = QPushButton("Export P&DF…")
        self.heat_pdf_button.setObjectName("heat-export-pdf")
        self.heat_pdf_button.clicked.connect(lambda: self.export_heat_map("pdf"))
        buttons.addWidget(self.heat_png_button)
        buttons.addWidget(self.heat_pdf_button)
        heat_layout.addLayout(buttons)
        self.participants_empty = QLabel("Open a case to see its participants.")
        self.participants_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.sources_dock = self._dock("sources-dock", "Sources", self.sources_view)
        self.details_dock = self._dock("details-dock", "Details", self.details)
        self.audit_dock = self._dock("audit-dock", "Audit log", self.audit_view)
        self.heat_dock = self._dock("heat-map-dock", "Heat map", heat)
        self.participants_dock = self._dock(
            "participants-dock", "Participants", self.participants_empty
        )
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.sources_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.details_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.audit_dock)
        # Both start hidden, as tabs beside the details: opened with Ctrl+5 and Ctrl+6.
        for dock in (self.heat_dock, self.participants_dock):
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            self.tabifyDockWidget(self.details_dock, dock)
            dock.hide()
        self.resizeDocks([self.audit_dock], [11 * fm.height()], Qt.Orientation.Vertical)

    def fit_docks(self) -> None:
        """The docks' first sizes for this window: the sources narrow, the details and tagger
        about a quarter of the width, the audit log a few rows, the timeline (its text above
        all) the rest."""
        right = round(self.width() * DETAILS_SHARE)
        right = min(max(right, DETAILS_MIN_FIRST), DETAILS_WIDTH)
        self.resizeDocks(
            [self.sources_dock, self.details_dock],
            [SOURCES_WIDTH, right],
            Qt.Orientation.Horizontal,
        )
        line = self.fontMetrics().height()
        audit = min(11 * line, round(self.height() * 0.17))
        self.resizeDocks([self.audit_dock], [audit], Qt.Orientation.Vertical)
        tagger = self.tagger.tagger_dock
        if self.dockWidgetArea(tagger) == self.dockWidgetArea(self.details_dock):
            # The item being read gets a little more height than the tagger below it.
            self.resizeDocks([self.details_dock, tagger], [55, 45], Qt.Orientation.Vertical)

    def _fit_timeline_columns(self) -> None:
        """Each timeline column as wide as what it shows, so the text column gets the rest."""
        table = self.timeline_pane.table
        fm = table.fontMetrics()
        char = fm.averageCharWidth()
        pad = 2 * char  # the cell's margins, and a little air
        set_widths(
            table,
            {
                TimelineModel.TIME: fm.horizontalAdvance("≈ 2024-03-05 14:03:22 BST") + pad,
                # The platform badge, then the start of the source's name (elided).
                TimelineModel.SOURCE: fm.height() + 16 * char,
                TimelineModel.FROM: 14 * char,
                TimelineModel.TAGS: chips_width(fm, TAG_CHIPS_SHOWN),
                TimelineModel.EXHIBIT: fm.horizontalAdvance("LB/12/3") + pad,
            },
        )
        self._show_timeline_columns()

    def _show_timeline_columns(self) -> None:
        """Tags show once the case has charges, Exhibit once it has exhibits."""
        table = self.timeline_pane.table
        table.setColumnHidden(TimelineModel.TAGS, not self.timeline_model.tagging)
        table.setColumnHidden(TimelineModel.EXHIBIT, not self.export.rows)

    def _dock(self, name: str, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        return dock

    def _action(
        self,
        name: str,
        text: str,
        keys: list[str],
        slot: Callable[[], object],
        tip: str,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({shortcut_text(action)})")
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even with the menu bar and toolbar hidden
        self.actions_by_name[name] = action
        return action

    def _build_actions(self) -> None:
        a = self._action
        a("new_case", "&New case…", ["Ctrl+N"], self.new_case, "Create a new, empty case")
        a("open_case", "&Open case…", ["Ctrl+O"], self.choose_case, "Open an existing case")
        a("import_files", "&Import files…", ["Ctrl+I"], self.choose_files, "Import files")
        a(
            "import_folder",
            "Import &folder…",
            ["Ctrl+Shift+I"],
            self.choose_folder,
            "Import every file in a folder",
        )
        a("cancel_job", "&Cancel import", ["Esc"], self.cancel_job, "Stop the running import")
        a("verify", "&Verify case", ["Ctrl+Shift+V"], self.verify, "Re-check every original")
        a(
            "change_passphrase",
            "Change &passphrase…",
            ["Ctrl+Alt+K"],
            self.change_passphrase,
            "Give the encrypted case a new passphrase",
        )
        a(
            "run_ocr",
            "R&un OCR now",
            ["Ctrl+Shift+O"],
            self.run_ocr_now,
            "Read the text in every image and scanned page not read yet",
        )
        a("show_sources", "Show &sources", ["Ctrl+1"], self.show_sources, "Show the sources")
        a("show_audit", "Show &audit log", ["Ctrl+2"], self.show_audit, "Show the audit log")
        a("focus_timeline", "Focus &timeline", ["Ctrl+3"], self.focus_timeline, "Go to timeline")
        a("show_details", "Show &details", ["Ctrl+4"], self.show_details, "Show the event details")
        a(
            "show_heat_map",
            "Show &heat map",
            ["Ctrl+5"],
            self.show_heat_map,
            "Show a sender's events by weekday and hour",
        )
        a(
            "show_participants",
            "Show &participants",
            ["Ctrl+6"],
            self.show_participants,
            "Show the participants and the persons behind them",
        )
        a("find", "&Search the timeline", ["/", "Ctrl+F"], self.focus_search, "Search the text")
        a("find_next", "&Next row", ["F3"], self.find_next, "Go to the next row (next hit)")
        a("find_previous", "&Previous row", ["Shift+F3"], self.find_previous, "Previous row")
        # n / Shift+N only while the timeline has the focus (elsewhere they are typing).
        for name, text, key, slot in (
            ("table_next", "Next row (in the timeline)", "N", self.find_next),
            ("table_previous", "Previous row (in the timeline)", "Shift+N", self.find_previous),
        ):
            action = a(name, text, [key], slot, text)
            self.removeAction(action)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.timeline_pane.table.addAction(action)
        a("jump_to_date", "&Go to date…", ["G", "Ctrl+G"], self.ask_jump, "Go to a date and time")
        a(
            "focus_filters",
            "&Filters",
            ["Ctrl+Shift+F"],
            self.focus_filters,
            "Move to the filters above the timeline",
        )
        a(
            "clear_filters",
            "C&lear search and filters",
            ["Ctrl+Shift+Del"],
            self.clear_filters,
            "Show every event again",
        )
        a(
            "shortcuts",
            "&Keyboard shortcuts",
            ["F1", "?"],
            self.show_shortcuts,
            "List every keyboard shortcut",
        )
        a("quit", "&Quit", ["Ctrl+Q"], self.close, "Close Threadline")
        # A case setting, not a command: in the Case menu, with no key of its own.
        toggle = QAction("Read &text in images (OCR) after import", self)
        toggle.setObjectName("ocr_after_import")
        toggle.setCheckable(True)
        tip = "Read the text in imported images and scanned pages (a case setting, audited)"
        toggle.setToolTip(tip)
        toggle.setStatusTip(tip)
        toggle.triggered.connect(self._ocr_toggled)
        self.ocr_toggle = toggle
        # Undo and redo come from the stack, their text naming the edit ("Undo Link to …").
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setObjectName("undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setObjectName("redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z")])
        for name, action, tip in (
            ("undo", undo, "Undo the last edit"),
            ("redo", redo, "Redo the edit undone"),
        ):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{tip} ({shortcut_text(action)})")
            action.setStatusTip(tip)
            self.addAction(action)
            self.actions_by_name[name] = action

    def _build_menus(self) -> None:
        acts = self.actions_by_name
        bar = self.menuBar()
        case_menu = bar.addMenu("&Case")
        case_menu.addAction(acts["new_case"])
        case_menu.addAction(acts["open_case"])
        self.recent_menu = QMenu("Open &recent", self)
        self.recent_menu.setObjectName("recent-menu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        case_menu.addMenu(self.recent_menu)
        case_menu.addSeparator()
        case_menu.addAction(acts["import_files"])
        case_menu.addAction(acts["import_folder"])
        case_menu.addAction(acts["cancel_job"])
        case_menu.addSeparator()
        case_menu.addAction(acts["verify"])
        case_menu.addAction(acts["change_passphrase"])
        case_menu.addSeparator()
        case_menu.addAction(acts["run_ocr"])
        case_menu.addAction(self.ocr_toggle)
        case_menu.addSeparator()
        case_menu.addAction(acts["quit"])
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(acts["undo"])
        edit_menu.addAction(acts["redo"])
        self.edit_menu = edit_menu
        view_menu = bar.addMenu("&View")
        for name in (
            "show_sources",
            "show_audit",
            "focus_timeline",
            "show_details",
            "show_heat_map",
            "show_participants",
        ):
            view_menu.addAction(acts[name])
        find_menu = bar.addMenu("&Find")
        for name in ("find", "find_next", "find_previous", "jump_to_date"):
            find_menu.addAction(acts[name])
        find_menu.addSeparator()
        find_menu.addAction(acts["focus_filters"])
        find_menu.addAction(acts["clear_filters"])
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(acts["shortcuts"])

    def _build_toolbar(self) -> None:
        acts = self.actions_by_name
        bar = QToolBar("Main", self)
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.case_label = QLabel()
        self.case_label.setObjectName("case-name")
        font = self.case_label.font()
        font.setBold(True)
        self.case_label.setFont(font)
        self.case_label.setContentsMargins(8, 0, 16, 0)
        bar.addWidget(self.case_label)
        for name in ("import_files", "import_folder"):
            bar.addAction(acts[name])
        bar.addSeparator()
        bar.addAction(acts["verify"])
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.search_box = SearchBox()
        self.search_box.setToolTip(f"Search the timeline ({shortcut_text(acts['find'])})")
        self.search_box.returnPressed.connect(self.run_search)
        self.search_box.cleared.connect(self.clear_search)
        bar.addWidget(self.search_box)
        bar.addAction(acts["shortcuts"])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setSizeGripEnabled(False)
        self.job_label = QLabel()
        self.job_label.setObjectName("job-message")
        self.job_bar = QProgressBar()
        self.job_bar.setObjectName("job-progress")
        self.job_bar.setFixedWidth(220)
        self.job_bar.setTextVisible(True)
        self.job_bar.setFormat("%v of %m")
        self.job_cancel = QPushButton("Cancel")
        self.job_cancel.setObjectName("job-cancel")
        self.job_cancel.setToolTip(f"Stop the running job ({QKeySequence('Esc').toString()})")
        self.job_cancel.clicked.connect(self.cancel_job)
        for w in (self.job_label, self.job_bar, self.job_cancel):
            status.addWidget(w)
            w.hide()
        self.filter_label = QLabel()
        self.filter_label.setObjectName("filter-summary")
        self.filter_label.setContentsMargins(0, 0, 12, 0)
        status.addPermanentWidget(self.filter_label)
        self.counts_label = QLabel()
        self.counts_label.setObjectName("counts")
        self.counts_label.setContentsMargins(0, 0, 8, 0)
        status.addPermanentWidget(self.counts_label)

    # -- cases ----------------------------------------------------------------------------

    def _keep_dialog(self, key: str, dialog: QWidget) -> None:
        """Hold a non-blocking dialog under `key` while it lives (closing the one before)."""
        old = self._dialogs.pop(key, None)
        if old is not None and old is not dialog:
            old.close()
        self._dialogs[key] = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(
            lambda: self._dialogs.pop(key) if self._dialogs.get(key) is dialog else None
        )

    def new_case(self) -> NewCaseDialog:
        """Ask for the new case's name, folder and, if it is to be encrypted, passphrase;
        the case is created and opened when the dialog is answered (it does not block)."""
        dialog = NewCaseDialog(self.settings.last_case_dir or str(Path.home()), self)
        dialog.submitted.connect(lambda: self._create_case(dialog))
        self._keep_dialog("new-case", dialog)
        dialog.open()
        return dialog

    def _create_case(self, dialog: NewCaseDialog) -> None:
        target = dialog.target()
        if target is None:
            return
        try:
            with waiting():
                case = Case.create(target, passphrase=dialog.passphrase_text())
        except EvidenceError as exc:
            dialog.refused(str(exc))
            return
        dialog.accept()
        self.set_case(case)

    def choose_case(self) -> None:
        """Ask for a case folder and open it."""
        path = QFileDialog.getExistingDirectory(
            self, "Open case", self.settings.last_case_dir or str(Path.home())
        )
        if path:
            self.open_case(path)

    def open_case(self, path: str, passphrase: str | None = None) -> bool:
        """Open the case at `path`; errors are shown, and the current case stays open.

        An encrypted case opened with no `passphrase` asks for it first (`ask_passphrase`)
        and opens once it is given: False until then.
        """
        if self.case is not None and Path(path).absolute() == self.case.folder:
            return True
        if passphrase is None:
            try:
                encrypted = needs_passphrase(path)
            except EvidenceError as exc:
                show_error(self, exc, "Open case")
                return False
            if encrypted:
                self.ask_passphrase(path)
                return False
        return self._open(path, passphrase)

    def _open(
        self, path: str, passphrase: str | None, on_wrong: Callable[[], None] | None = None
    ) -> bool:
        try:
            with waiting():
                case = Case.open(path, passphrase=passphrase)
        except WrongPassphrase as exc:
            if on_wrong is None:
                show_error(self, exc, "Open case")
            else:
                on_wrong()
            return False
        except CaseLocked as exc:
            # Another window or process is writing to it: offer to read it beside them.
            box = offer_read_only(self, exc, lambda: self.open_case_read_only(path, passphrase))
            self._dialogs["case-locked"] = box
            box.destroyed.connect(lambda: self._dialogs.pop("case-locked", None))
            return False
        except EvidenceError as exc:
            show_error(self, exc, "Open case")
            return False
        self.set_case(case)
        return True

    def ask_passphrase(self, path: str) -> OpenPassphraseDialog:
        """Ask for the passphrase of the encrypted case at `path` and open it with it; a
        wrong one is said so in the dialog, which stays for another try (does not block)."""
        name = Path(path).name.removesuffix(".threadline")
        dialog = OpenPassphraseDialog(name, self)
        dialog.submitted.connect(lambda text: self._open_with_passphrase(dialog, path, text))
        self._keep_dialog("passphrase", dialog)
        dialog.open()
        return dialog

    def _open_with_passphrase(self, dialog: OpenPassphraseDialog, path: str, text: str) -> None:
        wrong: list[bool] = []

        def refused() -> None:
            wrong.append(True)
            dialog.refused()

        self._open(path, text, on_wrong=refused)
        if not wrong:
            dialog.accept()

    def change_passphrase(self) -> ChangePassphraseDialog | None:
        """Ask for the current and a new passphrase of the open encrypted case."""
        case = self.case
        if case is None or not case.encrypted or case.readonly:
            return None
        dialog = ChangePassphraseDialog(case.name, self)
        dialog.submitted.connect(lambda old, new: self._change_passphrase(dialog, old, new))
        self._keep_dialog("change-passphrase", dialog)
        dialog.open()
        return dialog

    def _change_passphrase(self, dialog: ChangePassphraseDialog, old: str, new: str) -> None:
        case = self.case
        if case is None:
            dialog.reject()
            return
        try:
            with waiting():
                case.change_passphrase(old, new)
        except WrongPassphrase:
            dialog.refused("That is not the current passphrase of the case: nothing changed.")
            return
        except EvidenceError as exc:
            dialog.refused(f"Nothing changed: {exc}.")
            return
        dialog.accept()
        self.statusBar().showMessage(
            f"The passphrase of {case.name} is changed: only the new one opens it now.", 10_000
        )
        self.refresh()

    def open_case_read_only(self, path: str, passphrase: str | None = None) -> bool:
        """Open the case at `path` without the write lock: every editing action is off."""
        self._dialogs.pop("case-locked", None)
        try:
            case = Case.open(path, readonly=True, passphrase=passphrase)
        except EvidenceError as exc:
            show_error(self, exc, "Open case")
            return False
        self.set_case(case)
        self.statusBar().showMessage(
            f"{case.name} is open read-only: it is open for changes elsewhere.", 10_000
        )
        return True

    def open_demo(self) -> None:
        """Build the demo case in the background (first time only), then open it."""
        try:
            from app.demo import ensure_demo_case
        except ImportError:
            show_error(self, EvidenceError("The demo case is not part of this build."))
            return

        def job(progress: ProgressCallback, cancel: CancelToken) -> Path:
            return ensure_demo_case(progress=progress, cancel=cancel)

        self._start_job(
            "demo",
            job,
            self.writer,
            "Preparing the demo case",
            lambda path: self.open_case(str(path)),
        )

    def set_case(self, case: Case) -> None:
        """Show `case` (already open) in this window, closing the one shown before."""
        self.close_case()
        self.case = case
        folder = str(case.folder)
        self.settings = replace(
            self.settings.with_recent(folder), last_case_dir=str(case.folder.parent)
        )
        self.settings_store.save(self.settings)
        self.undo_stack.clear()
        self._drop_participants_panel()
        self.tagger.set_case(case)
        self.redaction.set_case(case)
        self.present.set_case(case)
        self.export.set_case(case)
        self.attribution.set_case(case)
        zone_name = case.zone
        self.timeline_model.set_case(case, zone_name)
        self.sources_model.set_rows([])
        self.audit_model.set_rows([], zone_name)
        self.details.show_row(None, None, "", zone_name)
        self._thumbs.clear()
        self._thumb_wanted = None
        self._viewer_wanted = None
        self.ocr_toggle.setChecked(ocr_enabled(case))
        self._reset_filters()
        self._show_case_ui(True)
        self._update_title()
        self._update_enabled()
        self.refresh()

    def close_case(self) -> None:
        """Stop the case's jobs, remember the layout and release the case."""
        if self.case is None:
            return
        self._pending_imports.clear()
        self._batch = None
        self._ocr_queue = None
        self._thumb_wanted = None
        self._viewer_wanted = None
        if self.job is not None:
            self.job.cancel()
        self.writer.waitForDone()
        self.reader.waitForDone()
        self._generation += 1  # results still queued for this case are dropped
        self._heat_seq += 1
        self.undo_stack.clear()  # its commands hold this case
        self._drop_participants_panel()
        self.settings = replace(self.settings, window_state=bytes(self.saveState().data()))
        self.case.close()
        self.case = None
        self.tagger.set_case(None)
        self.redaction.set_case(None)
        self.present.set_case(None)
        self.export.set_case(None)
        self.attribution.set_case(None)
        self.timeline_model.set_case(None)
        self.sources_model.set_rows([])
        self.audit_model.set_rows([])
        self.activity_strip.set_data([], "UTC")
        self.heat_view.set_senders([])
        self._thumbs.clear()
        self.ocr_toggle.setChecked(False)
        self._reset_filters()
        self._show_case_ui(False)
        self._update_title()
        self._update_enabled()

    def _show_case_ui(self, on: bool) -> None:
        docks = (
            self.sources_dock,
            self.details_dock,
            self.audit_dock,
            self.heat_dock,
            self.participants_dock,
            *self.tagger.docks,
            *self.redaction.docks,
            *self.present.docks,
            *self.export.docks,
            *self.attribution.docks,
        )
        if on:
            self.centre.setCurrentWidget(self.timeline_pane)
            for dock in docks:
                dock.setVisible(self._dock_visibility.get(dock.objectName(), not dock.isHidden()))
        else:
            if self.centre.currentWidget() is not self.welcome or not self._dock_visibility:
                self._dock_visibility = {d.objectName(): not d.isHidden() for d in docks}
            for dock in docks:
                dock.hide()
            self.welcome.set_recent(self.settings.existing_recent())
            self.centre.setCurrentWidget(self.welcome)

    def _update_title(self) -> None:
        if self.case is None:
            self.setWindowTitle(APP_NAME)
            self.case_label.setText("No case open")
        else:
            name = f"{self.case.name} (read-only)" if self.case.readonly else self.case.name
            self.setWindowTitle(f"{name}[*] — {APP_NAME}")
            self.case_label.setText(name)
            self.case_label.setToolTip(str(self.case.folder))

    def _update_enabled(self) -> None:
        acts = self.actions_by_name
        has_case = self.case is not None
        writable = self.case is not None and not self.case.readonly
        busy = self.job is not None
        for name in ("import_files", "import_folder"):
            acts[name].setEnabled(writable)
        acts["verify"].setEnabled(has_case and not busy)
        acts["change_passphrase"].setEnabled(
            writable and self.case is not None and self.case.encrypted
        )
        acts["run_ocr"].setEnabled(writable and self.job_kind != "ocr")
        self.ocr_toggle.setEnabled(writable)
        acts["cancel_job"].setEnabled(busy and self.job_kind in CANCEL_TEXT)
        acts["cancel_job"].setText(CANCEL_TEXT.get(self.job_kind, CANCEL_TEXT["import"]))
        for name in (
            "show_sources",
            "show_audit",
            "focus_timeline",
            "show_details",
            "show_heat_map",
            "show_participants",
            "find",
            "find_next",
            "find_previous",
            "table_next",
            "table_previous",
            "jump_to_date",
            "focus_filters",
            "clear_filters",
        ):
            acts[name].setEnabled(has_case)
        self.search_box.setEnabled(has_case)
        self.welcome.demo_button.setEnabled(not busy)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.existing_recent()
        if not recent:
            empty = self.recent_menu.addAction("No recent cases")
            empty.setEnabled(False)
            return
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name.removesuffix(".threadline"))
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_case(p))

    # -- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the timeline ids, sources and audit log (in the background)."""
        case = self.case
        if case is None:
            return
        self._generation += 1
        generation = self._generation
        f = self.timeline_filter
        if self.sync_loads:
            self._install(generation, read_snapshot(case, f))
            return

        def job(progress: ProgressCallback, cancel: CancelToken) -> Snapshot:
            return read_snapshot(case, f)

        runner = JobRunner(job, "load")
        runner.signals.succeeded.connect(lambda snap: self._install(generation, snap))
        runner.signals.failed.connect(lambda exc: self._load_failed(generation, exc))
        self._launch(runner, self.reader)

    def _install(self, generation: int, snap: Snapshot) -> None:
        if generation != self._generation or self.case is None:
            return
        current = self.timeline_pane.table.currentIndex()
        keep = (
            self.timeline_model.data(current, TimelineModel.EventIdRole)
            if current.isValid()
            else self._keep_event
        )
        self._keep_event = None
        self.sources_model.set_rows(snap.sources)
        self.audit_model.set_rows(snap.audit, self.case.zone)
        bar = self.timeline_pane.filters
        bar.set_platforms([s.importer for s in snap.sources if s.importer])
        bar.set_sources([(s.id, s.name) for s in snap.sources])
        bar.set_persons(snap.persons)
        self.timeline_model.set_ids(snap.ids)
        self.details.show_row(None, None, "", self.timeline_model.zone_name)
        row = self.timeline_model.row_of_event(int(keep)) if keep is not None else -1
        if row < 0 and self.timeline_filter.search and snap.ids:
            row = 0  # a new search lands on its first hit
        if row >= 0:
            self.timeline_pane.table.selectRow(row)
        self.counts_label.setText(self._counts_text(snap))
        self.loaded.emit()
        self._load_activity(generation)

    # -- activity, heat map and participants ----------------------------------------------

    def _zone_mode_changed(self, _mode: str) -> None:
        """Times now show in another zone: recount the strip's days and the heat map's hours
        in it (the case zone when each source shows its own); date filters now read in it."""
        bar = self.timeline_pane.filters
        f = bar.filter(self.timeline_model.zone_name, self.timeline_filter.search)
        if f != self.timeline_filter:
            self._set_filter(f)  # the reload recounts the strip and the heat map
        else:
            self._load_activity(self._generation)

    def _load_activity(self, generation: int) -> None:
        """Read the strip's days and the heat map's senders under the current filter."""
        case = self.case
        if case is None:
            return
        f = self.timeline_filter
        zone_name = self.timeline_model.zone_name
        if self.sync_loads:
            self._activity_loaded(case, generation, read_activity(case, f, zone_name))
            return

        def job(progress: ProgressCallback, cancel: CancelToken) -> Activity:
            return read_activity(case, f, zone_name)

        runner = JobRunner(job, "activity")
        runner.signals.succeeded.connect(
            lambda loaded: self._activity_loaded(case, generation, loaded)
        )
        runner.signals.failed.connect(lambda exc: log.warning("activity not read: %s", exc))
        self._launch(runner, self.reader)

    def _activity_loaded(self, case: Case, generation: int, loaded: object) -> None:
        if (
            not isinstance(loaded, Activity)
            or self.case is not case
            or generation != self._generation
        ):
            return
        self.activity_strip.set_data(loaded.days, self.timeline_model.zone_name, case.zone)
        before = self.heat_view.current_sender()
        labels = [s.label for s in loaded.senders]
        current = labels.index(before.label) if before and before.label in labels else 0
        self.heat_view.set_senders(loaded.senders, current)
        self.want_heat_map()

    def want_heat_map(self) -> None:
        """Count the chosen sender's events by weekday and hour under the current filter, in
        a reader job (only while the heat map dock is shown)."""
        case = self.case
        sender = self.heat_view.current_sender()
        if case is None or sender is None or self.heat_dock.isHidden():
            return
        self._heat_seq += 1
        seq = self._heat_seq
        f = self.timeline_filter
        zone_name = self.timeline_model.zone_name
        if self.sync_loads:
            self._heat_loaded(case, seq, read_heat_map(case, f, zone_name, sender))
            return

        def job(progress: ProgressCallback, cancel: CancelToken) -> HeatMap:
            return read_heat_map(case, f, zone_name, sender)

        runner = JobRunner(job, "heat-map")
        runner.signals.succeeded.connect(lambda heat: self._heat_loaded(case, seq, heat))
        runner.signals.failed.connect(lambda exc: log.warning("heat map not read: %s", exc))
        self._launch(runner, self.reader)

    def _heat_loaded(self, case: Case, seq: int, heat: object) -> None:
        if isinstance(heat, HeatMap) and self.case is case and seq == self._heat_seq:
            self.heat_view.set_data(heat, case.zone)

    def _heat_dock_shown(self, visible: bool) -> None:
        if visible:
            self.want_heat_map()

    def export_heat_map(self, kind: str) -> str:
        """Ask where to write the heat map as PNG or PDF, and write it; the path, or ""."""
        if self.heat_view.canvas.heat is None:
            self.statusBar().showMessage("Choose a sender first.", 4000)
            return ""
        folder = self.settings.last_case_dir or str(Path.home())
        pattern = "PNG image (*.png)" if kind == "png" else "PDF document (*.pdf)"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export heat map", str(Path(folder) / f"heat-map.{kind}"), pattern
        )
        if not path:
            return ""
        if not path.lower().endswith(f".{kind}"):
            path += f".{kind}"
        try:
            if kind == "png":
                if not self.heat_view.export_png(path):
                    raise OSError(f"{path} could not be written")
            else:
                self.heat_view.export_pdf(path)
        except OSError as exc:
            show_error(self, exc, "Export heat map")
            return ""
        self.statusBar().showMessage(f"Heat map written to {path}", 6000)
        return path

    def show_days(self, start: date, end: date) -> None:
        """Show only the events of these local days (the filter bar's From and To)."""
        if self.case is not None:
            self.timeline_pane.filters.set_dates(start, end)

    def _participants_dock_shown(self, visible: bool) -> None:
        if visible:
            self._ensure_participants_panel()

    def _ensure_participants_panel(self) -> ParticipantsPanel | None:
        case = self.case
        if case is None:
            return None
        if self.participants_panel is None or self.participants_panel.case is not case:
            self._drop_participants_panel()
            panel = ParticipantsPanel(case, self.undo_stack)
            panel.setObjectName("participants-panel")
            # The window's Edit menu holds Ctrl+Z and Ctrl+Shift+Z: no second, ambiguous pair.
            for action in (panel.undo_action, panel.redo_action):
                action.setShortcuts([])
                panel.removeAction(action)
            panel.changed.connect(self._participants_changed)
            self.participants_panel = panel
            self.participants_dock.setWidget(panel)
        return self.participants_panel

    def _drop_participants_panel(self) -> None:
        panel, self.participants_panel = self.participants_panel, None
        if panel is not None:
            self.participants_dock.setWidget(self.participants_empty)
            panel.deleteLater()

    def _participants_changed(self, changes: object) -> None:
        """A link, unlink, undo or redo: the author labels and the charts read again."""
        if not isinstance(changes, Changes) or self.case is None:
            return
        self.timeline_model.invalidate()
        self.refresh()

    def _counts_text(self, snap: Snapshot) -> str:
        f = self.timeline_filter
        shown = len(snap.ids)
        total = snap.total if snap.total >= 0 else shown
        if f.search:
            return f"{display.plural(shown, 'hit')} · {display.plural(total, 'event')}"
        if not f.is_everything:
            return f"{shown:,} of {display.plural(total, 'event')} shown"
        return f"{display.plural(shown, 'event')} · {display.plural(len(snap.sources), 'source')}"

    def _load_failed(self, generation: int, exc: object) -> None:
        if generation == self._generation and isinstance(exc, BaseException):
            show_error(self, exc, "Reading the case")

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        zone_name = self.timeline_model.zone_name
        row = self.timeline_model.row_at(current.row()) if current.isValid() else None
        if row is None or self.case is None:
            self.details.show_row(None, None, "", zone_name)
            return
        source = self.sources_model.source(row.source_id)
        # OCR text is read only for rows that have some: one small read by primary key.
        ocr_text = self.case.item_ocr_text(row.item_id) if row.has_ocr else ""
        self.details.show_row(row, source, row.locator, zone_name, ocr_text=ocr_text)
        if row.item_kind == "image":
            self.want_thumbnail(row.item_id)
        if self.details.viewer_item is not None:
            self.want_viewer(row.item_id)

    # -- jobs -----------------------------------------------------------------------------

    def _launch(self, runner: JobRunner, pool: QThreadPool) -> None:
        self._runners.add(runner)
        runner.signals.finished.connect(lambda: self._runners.discard(runner))
        pool.start(runner)

    def _start_job(
        self,
        kind: str,
        job: Job,
        pool: QThreadPool,
        message: str,
        succeeded: Callable[[object], object],
        ended: Callable[[], object] | None = None,
        *,
        on_error: Callable[[BaseException], object] | None = None,
    ) -> JobRunner | None:
        """Run a job the user waits for, with progress and Cancel in the status bar.

        `succeeded` gets the job's result; `ended` runs instead when it failed or was
        cancelled. Both are connected before the job starts, so a quick job cannot finish
        unheard. An error is shown in a window-modal box unless `on_error` takes it.
        """
        if self.job is not None:
            self.statusBar().showMessage("Wait for the running job to finish.", 4000)
            return None
        runner = JobRunner(job, kind)
        self.job = runner
        self.job_kind = kind

        def failed(exc: object) -> None:
            if isinstance(exc, BaseException):
                if on_error is not None:
                    on_error(exc)
                else:
                    show_error(self, exc)
            if ended is not None:
                ended()

        def cancelled() -> None:
            self.statusBar().showMessage(f"{message}: cancelled.", 6000)
            if ended is not None:
                ended()

        runner.signals.progress.connect(self._job_progress)
        runner.signals.succeeded.connect(succeeded)
        runner.signals.failed.connect(failed)
        runner.signals.cancelled.connect(cancelled)
        runner.signals.finished.connect(lambda: self._job_done(runner))
        self.show_progress(f"{message}…", None, cancellable=kind in CANCEL_TEXT)
        self._update_enabled()
        self._launch(runner, pool)
        return runner

    def show_progress(self, message: str, p: Progress | None, *, cancellable: bool) -> None:
        """Show a job's message, progress bar and Cancel button in the status bar."""
        self.statusBar().clearMessage()  # a temporary message would hide the job's widgets
        self.job_label.setText(message)
        self.job_bar.setRange(0, 0)  # busy until the job says how much there is
        self.job_cancel.setEnabled(cancellable)
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.show()
        if p is not None:
            self._job_progress(p)

    def hide_progress(self) -> None:
        """Hide the job widgets of the status bar."""
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.hide()

    def _job_progress(self, p: object) -> None:
        if not isinstance(p, Progress):
            return
        if p.total:
            self.job_bar.setRange(0, p.total)
            self.job_bar.setValue(p.done)
        self.job_label.setText(display.one_line(p.message, 80))

    def _job_done(self, runner: JobRunner) -> None:
        if runner is not self.job:
            return
        self.job = None
        self.job_kind = ""
        self.hide_progress()
        self._update_enabled()
        if runner.name == "import" and self._batch is not None:
            # Ask any questions once this slot has returned, not inside the job's signal.
            QTimer.singleShot(0, self._continue_import)
            return
        self._start_pending()

    def _start_pending(self) -> None:
        """Start what waits for the writer: queued imports first, then OCR."""
        if self.case is None or self.job is not None or self._batch is not None:
            return
        if self._pending_imports:
            paths, options = self._pending_imports.pop(0)
            self.start_import(paths, options)
        elif self._ocr_queue is not None:
            request, self._ocr_queue = self._ocr_queue, None
            self._start_ocr(request)

    def cancel_job(self) -> None:
        """Ask the running import (or verification, demo build, OCR) to stop soon."""
        if self.job is None or self.job_kind not in CANCEL_TEXT:
            return
        if self.job_kind == "ocr":
            self._ocr_queue = None  # stopped by the user: not started again by itself
            self._ocr_paused = False
        else:
            self._pending_imports.clear()
        self.job.cancel()
        self.job_label.setText("Cancelling…")
        self.job_cancel.setEnabled(False)

    # -- import ---------------------------------------------------------------------------

    def ask_import_options(self, what: str = "files") -> ImportOptions | None:
        """The options step before choosing files: the zone (remembered for this session)."""
        case = self.case
        if case is None:
            return None
        key = str(case.folder)
        case_zone = case.zone
        dialog = ImportOptionsDialog(case_zone, self._import_zones.get(key, case_zone), what, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        zone_name = dialog.zone_name()
        signing_keys = dialog.signing_keys()
        dialog.deleteLater()
        if not accepted or not zone_name or self.case is not case:
            return None
        self._import_zones[key] = zone_name
        return ImportOptions(zone=zone_name, signing_keys=signing_keys)

    def choose_files(self) -> None:
        """Ask for the zone, then for files, and import them."""
        options = self.ask_import_options("files")
        if options is None:
            return
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import files", self.settings.last_import_dir or str(Path.home())
        )
        if paths:
            self._remember_import_dir(str(Path(paths[0]).parent))
            self.start_import(paths, options)

    def choose_folder(self) -> None:
        """Ask for the zone, then for a folder, and import everything in it."""
        options = self.ask_import_options("folder")
        if options is None:
            return
        path = QFileDialog.getExistingDirectory(
            self, "Import folder", self.settings.last_import_dir or str(Path.home())
        )
        if path:
            self._remember_import_dir(str(Path(path).parent))
            self.start_import([path], options)

    def _remember_import_dir(self, folder: str) -> None:
        self.settings = replace(self.settings, last_import_dir=folder)
        self.settings_store.save(self.settings)

    def start_import(
        self, paths: list[str], options: ImportOptions | None = None
    ) -> JobRunner | None:
        """Import files and folders in the background; queued if an import is running.

        Without `options` the files are read in the case's zone (as for a drop). Files that
        need an answer (day/month order, a password) are asked about when the run ends and
        read again; `import_finished` comes once, with every file's final result.
        """
        case = self.case
        if case is None:
            self.statusBar().showMessage("Open or create a case first, then import.", 5000)
            return None
        if case.readonly:
            self.statusBar().showMessage(
                f"{case.name} is open read-only: nothing can be imported into it here.", 8000
            )
            return None
        if self.job is not None and self.job_kind == "ocr" and self._batch is None:
            # OCR can wait: it stops after the image in hand and carries on after the import.
            self._pending_imports.append((list(paths), options))
            self._pause_ocr()
            return None
        if self.job is not None or self._batch is not None:
            if self.job_kind == "import" or self._batch is not None:
                self._pending_imports.append((list(paths), options))
                self.statusBar().showMessage("Queued: these files import next.", 4000)
            else:
                self.statusBar().showMessage("Wait for the running job to finish.", 4000)
            return None
        batch = ImportBatch(options or ImportOptions(zone=case.zone))
        self._batch = batch
        runner = self._run_import(paths, batch.options)
        if runner is None:
            self._batch = None
        return runner

    def _run_import(self, paths: list[str], options: ImportOptions) -> JobRunner | None:
        case = self.case
        if case is None:
            return None

        def job(progress: ProgressCallback, cancel: CancelToken) -> ImportReport:
            from app.ingest.job import import_paths

            return import_paths(case, paths, options=options, progress=progress, cancel=cancel)

        what = Path(paths[0]).name if len(paths) == 1 else display.plural(len(paths), "item")
        return self._start_job(
            "import",
            job,
            self.writer,
            f"Importing {what}",
            self._import_done,
            self._import_failed,
        )

    def _import_done(self, report: object) -> None:
        if not isinstance(report, ImportReport):
            return
        if self._batch is not None:
            self._batch.merge(report)
            return
        # The case was closed meanwhile: say the import ended, with no summary for it.
        self._import_ended(report)

    def _import_failed(self) -> None:
        if self._batch is not None:
            self._batch.failed = True
        else:
            self._import_ended(None)

    def _continue_import(self) -> None:
        """Ask what the last run could not settle and read those files again, or finish."""
        batch = self._batch
        if batch is None or self.job is not None:
            return
        while self.case is not None and self._batch is batch:
            questions = batch.questions()
            if not questions:
                break
            if self._ask_and_reread(batch, questions[0], questions[1:]):
                return  # the re-read runs; its end brings us back here
        if self._batch is not batch:
            return
        self._batch = None
        if batch.report.files or not batch.failed:
            self._finish_import(batch.report)
        else:
            self._import_ended(None)
        self._start_pending()

    def _ask_and_reread(self, batch: ImportBatch, f: FileResult, rest: list[FileResult]) -> bool:
        """Ask about one file (offering the answer to the others asking the same), then
        start reading the answered files again; False when nothing was started."""
        assert f.needs is not None
        option, choices = f.needs
        same = [g for g in rest if g.needs is not None and g.needs[0] == option]
        names = [Path(g.path).name for g in same]
        name = Path(f.path).name
        value = ""
        dialog: DateOrderDialog | PasswordDialog
        if option == "date_order":
            dialog = DateOrderDialog(name, choices, date_example(f.reason), names, self)
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            value = dialog.choice if accepted else ""
        else:
            dialog = PasswordDialog(
                name, retry=f.path in batch.password_tried, others=names, parent=self
            )
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            value = dialog.take() if accepted else ""
            dialog.take()
        chosen = [f, *same] if dialog.for_others else [f]
        dialog.deleteLater()
        if self._batch is not batch or self.case is None:
            return False
        paths = [g.path for g in chosen]
        if not value:
            batch.settled.update(paths)  # left failed, with their reason
            return False
        if option == "date_order":
            batch.settled.update(paths)
            options = replace(batch.options, date_order=value, password="")
        else:
            batch.password_tried.update(paths)  # asked again (as a retry) if it did not open
            options = replace(batch.options, date_order="", password=value)
        runner = self._run_import(paths, options)
        if runner is None:
            batch.settled.update(paths)
            return False
        return True

    def _finish_import(self, report: ImportReport) -> None:
        if report.files:
            self.show_import_summary(report)
        else:
            self.statusBar().showMessage("Nothing to import: no files found.", 6000)
        self._queue_ocr_after(report)
        self._import_ended(report)

    def _import_ended(self, report: ImportReport | None) -> None:
        self.refresh()
        self.import_finished.emit(report)

    def show_import_summary(self, report: ImportReport) -> ImportSummary:
        """Show what an import did, in a panel that does not block the window."""
        old = self._dialogs.pop("import", None)
        if old is not None:
            old.close()
        zone_name = self.case.zone if self.case is not None else "Europe/London"
        dialog = ImportSummary(report, self, zone_name)
        self._dialogs["import"] = dialog
        dialog.destroyed.connect(lambda: self._dialogs.pop("import", None))
        dialog.show()
        return dialog

    # -- OCR ------------------------------------------------------------------------------

    def _queue_ocr_after(self, report: ImportReport) -> None:
        """Queue OCR of what an import brought, when the case reads text in images."""
        case = self.case
        if case is None or not self.ocr_toggle.isChecked():
            return
        sources = [f.source_id for f in report.files if f.status == "imported" and f.source_id]
        if not sources:
            return
        # One indexed read; it lets a text-only import end without an OCR job at all.
        ids = pending(case, sources=sources)
        if ids:
            self._queue_ocr(OcrRequest(frozenset(ids)))

    def _queue_ocr(self, request: OcrRequest) -> None:
        self._ocr_queue = request if self._ocr_queue is None else self._ocr_queue.merge(request)

    def run_ocr_now(self) -> None:
        """Read every image and scanned page OCR has not read yet, in the background."""
        if self.case is None:
            return
        if self.case.readonly:
            self.statusBar().showMessage(
                f"{self.case.name} is open read-only: OCR cannot store text in it here.", 8000
            )
            return
        if not self.ocr_toggle.isChecked():
            self.statusBar().showMessage(
                "OCR is off for this case: turn on Case ▸ Read text in images (OCR) "
                "after import first.",
                8000,
            )
            return
        if self.job is not None or self._batch is not None:
            if self.job_kind == "ocr":
                self.statusBar().showMessage("OCR is already running.", 4000)
                return
            self._queue_ocr(OcrRequest(None))
            self.statusBar().showMessage("OCR runs when the current job ends.", 4000)
            return
        self._start_ocr(OcrRequest(None))

    def _start_ocr(self, request: OcrRequest) -> JobRunner | None:
        case = self.case
        if case is None:
            return None
        runner = self._start_job(
            "ocr",
            ocr_job(case, request, self.ocr_engine_factory),
            self.writer,
            OCR_TITLE,
            lambda report: self._ocr_done(case, report),
            lambda: self._ocr_ended(case),
            on_error=lambda exc: self._ocr_failed(case, exc),
        )
        if runner is not None:
            self._ocr_running = request
            self._ocr_paused = False
        return runner

    def _pause_ocr(self) -> None:
        """Stop the running OCR job soon, to run it again after the imports waiting."""
        if self.job is None or self.job_kind != "ocr":
            return
        self._ocr_paused = True
        self.job.cancel()
        self.job_label.setText("OCR pauses for the import…")
        self.job_cancel.setEnabled(False)

    def _ocr_done(self, case: Case, report: object) -> None:
        if not isinstance(report, OcrReport):
            return
        running, self._ocr_running = self._ocr_running, None
        paused, self._ocr_paused = self._ocr_paused, False
        if self.case is not case:
            return  # the case was closed meanwhile; what was read is kept in it
        if report.cancelled and paused and running is not None:
            self._queue_ocr(running)  # pending() skips what this run finished
            self.statusBar().showMessage("OCR paused for the import; it carries on after.", 6000)
        else:
            self.statusBar().showMessage(ocr_summary(report), 12_000)
            if report.failures:
                self._show_ocr_failures(report)
        if report.items:
            self.refresh()  # the new text is searchable and the details show it
        self.ocr_finished.emit(report)

    def _ocr_ended(self, case: Case) -> None:
        self._ocr_running = None
        self._ocr_paused = False
        if self.case is case:
            self.ocr_finished.emit(None)

    def _ocr_failed(self, case: Case, exc: BaseException) -> None:
        # Never a blocking box: OCR is a background extra, the evidence is untouched.
        log.warning("OCR job failed: %s", exc)
        if self.case is case:
            self.statusBar().showMessage(f"OCR did not run: {display.one_line(str(exc), 160)}")

    def _show_ocr_failures(self, report: OcrReport) -> None:
        old = self._dialogs.pop("ocr", None)
        if old is not None:
            old.close()
        box = failures_note(self, report)
        self._dialogs["ocr"] = box
        box.destroyed.connect(lambda: self._dialogs.pop("ocr", None))
        box.show()

    def _ocr_toggled(self) -> None:
        """Store the case's OCR setting (with its audit entry) through the writer pool."""
        case = self.case
        if case is None:
            return
        on = self.ocr_toggle.isChecked()
        if not on:
            self._ocr_queue = None
            if self.job is not None and self.job_kind == "ocr":
                self.cancel_job()  # the writer is free for the setting sooner

        def job(progress: ProgressCallback, cancel: CancelToken) -> bool:
            set_setting(case, OCR_SETTING, "on" if on else "off")
            return on

        runner = JobRunner(job, "setting")
        runner.signals.succeeded.connect(lambda _: self._ocr_setting_saved(case, on))
        runner.signals.failed.connect(lambda exc: self._ocr_setting_failed(case, on, exc))
        self._launch(runner, self.writer)

    def _ocr_setting_saved(self, case: Case, on: bool) -> None:
        if self.case is not case:
            return
        self.statusBar().showMessage(
            "OCR on: text in images imported from now on is read in the background."
            if on
            else "OCR off: imported images are not read for text. Text already read is kept.",
            8000,
        )
        self.refresh()  # the audit log shows the change
        self.ocr_setting_saved.emit(on)

    def _ocr_setting_failed(self, case: Case, on: bool, exc: object) -> None:
        if self.case is not case:
            return
        self.ocr_toggle.setChecked(not on)
        if isinstance(exc, BaseException):
            show_error(self, exc, "OCR setting")

    # -- thumbnails -----------------------------------------------------------------------

    def want_thumbnail(self, item_id: int) -> None:
        """Show an image item's thumbnail in the details: from memory, else made by a reader
        job (cached on disk) while the pane shows a placeholder."""
        case = self.case
        if case is None:
            return
        cached = self._thumbs.get(item_id)
        if cached is not None:
            self._thumbs.move_to_end(item_id)
            self.details.set_thumbnail(cached)
            return
        if self.sync_loads:
            self._thumbnail_made(case, make_thumb(case, item_id))
            return
        self._thumb_wanted = item_id
        if not self._thumb_running:
            self._next_thumbnail()

    def _next_thumbnail(self) -> None:
        case, item_id = self.case, self._thumb_wanted
        self._thumb_wanted = None
        if case is None or item_id is None or item_id != self.details.thumbnail_item:
            return  # the user moved on before it started
        self._thumb_running = True
        runner = JobRunner(thumbnail_job(case, item_id), "thumbnail")
        runner.signals.succeeded.connect(lambda thumb: self._thumbnail_made(case, thumb))
        runner.signals.failed.connect(
            lambda _exc: self._thumbnail_made(case, Thumb(item_id, None, "No preview."))
        )
        runner.signals.finished.connect(self._thumbnail_finished)
        self._launch(runner, self.reader)

    def _thumbnail_made(self, case: Case, thumb: object) -> None:
        if not isinstance(thumb, Thumb) or self.case is not case:
            return
        self._thumbs[thumb.item_id] = thumb
        while len(self._thumbs) > THUMB_CACHE:
            self._thumbs.popitem(last=False)
        self.details.set_thumbnail(thumb)

    def _thumbnail_finished(self) -> None:
        self._thumb_running = False
        if self._thumb_wanted is not None:
            self._next_thumbnail()

    # -- the details viewer ---------------------------------------------------------------

    def want_viewer(self, item_id: int) -> None:
        """Show an item in the details viewer, read by a reader job (the pane says it is
        loading meanwhile); only the newest wish is shown."""
        case = self.case
        if case is None:
            return
        if self.sync_loads:
            self._viewer_loaded(case, load_viewer(case, item_id))
            return
        self._viewer_wanted = item_id
        if not self._viewer_running:
            self._next_viewer()

    def _next_viewer(self) -> None:
        case, item_id = self.case, self._viewer_wanted
        self._viewer_wanted = None
        if case is None or item_id is None or item_id != self.details.viewer_item:
            return  # the user moved on before it started
        self._viewer_running = True

        def job(progress: ProgressCallback, cancel: CancelToken) -> ViewerLoad:
            return load_viewer(case, item_id)

        runner = JobRunner(job, "viewer")
        runner.signals.succeeded.connect(lambda loaded: self._viewer_loaded(case, loaded))
        runner.signals.failed.connect(
            lambda exc: self._viewer_loaded(
                case, ViewerLoad(item_id, None, problem=f"This item cannot be shown: {exc}")
            )
        )
        runner.signals.finished.connect(self._viewer_finished)
        self._launch(runner, self.reader)

    def _viewer_loaded(self, case: Case, loaded: object) -> None:
        if not isinstance(loaded, ViewerLoad) or self.case is not case:
            return
        if loaded.data is None:
            self.details.show_viewer_problem(loaded.item_id, loaded.problem)
            return
        image: QImage | None = None
        if loaded.pixels is not None:
            image = qimage(loaded.pixels)
        elif loaded.pixels_failed:
            image = QImage()  # the viewer says it cannot be shown, without reading it again
        self.details.show_data(loaded.data, image)
        self._highlight_hits()

    def _viewer_finished(self) -> None:
        self._viewer_running = False
        if self._viewer_wanted is not None:
            self._next_viewer()

    def want_whole_conversation(self, item_id: int) -> None:
        """Load the whole conversation of the chat shown, in a reader job."""
        case = self.case
        if case is None:
            return
        if self.sync_loads:
            self._conversation_loaded(case, item_id, items.conversation_all(case, item_id))
            return

        def job(progress: ProgressCallback, cancel: CancelToken) -> list[items.MessageRow]:
            return items.conversation_all(case, item_id)

        runner = JobRunner(job, "conversation")
        runner.signals.succeeded.connect(
            lambda messages: self._conversation_loaded(case, item_id, messages)
        )
        self._launch(runner, self.reader)

    def _conversation_loaded(self, case: Case, item_id: int, messages: object) -> None:
        if self.case is not case or not isinstance(messages, list):
            return
        data = self.details.viewer.data
        if data is None or self.details.viewer_item != item_id:
            return
        if data.detail.item_id == item_id:
            self.details.viewer.chat.show_messages(messages)

    def open_details(self) -> None:
        """Show the details dock and move the focus into its viewer (Enter on the timeline)."""
        if self.case is None:
            return
        self._raise_dock(self.details_dock, self.details.focus_target)

    def go_to_item(self, item_id: int) -> None:
        """Choose an item's event in the timeline (an attachment or look-alike clicked)."""
        case = self.case
        if case is None:
            return
        ids = self.timeline_model.event_ids()
        f = self.timeline_filter
        if self.sync_loads:
            self._event_found(case, item_id, find_event(case, item_id, ids, f))
            return

        def job(progress: ProgressCallback, cancel: CancelToken) -> int | None:
            return find_event(case, item_id, ids, f)

        runner = JobRunner(job, "find")
        runner.signals.succeeded.connect(lambda found: self._event_found(case, item_id, found))
        runner.signals.failed.connect(lambda _exc: self._event_found(case, item_id, None))
        self._launch(runner, self.reader)

    def _event_found(self, case: Case, item_id: int, event_id: object) -> None:
        if self.case is not case:
            return
        row = self.timeline_model.row_of_event(event_id) if isinstance(event_id, int) else -1
        if row < 0:
            self.statusBar().showMessage(f"Item #{item_id} has no event in the timeline.", 6000)
            return
        table = self.timeline_pane.table
        table.selectRow(row)
        table.scrollTo(self.timeline_model.index(row, 0))

    # -- search, filters and jump to date ------------------------------------------------

    def focus_search(self) -> None:
        """Move the focus to the search box, its text selected."""
        if self.case is None:
            return
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def run_search(self) -> None:
        """Show only the events whose text (or OCR text) matches the search box."""
        self._set_filter(replace(self.timeline_filter, search=self.search_box.text()))

    def clear_search(self) -> None:
        """Drop the search (the filters stay) and go back to the timeline."""
        self.search_box.clear()
        self._set_filter(replace(self.timeline_filter, search=""))
        self.focus_timeline()

    def apply_filters(self) -> None:
        """Show the events the filter bar lets through (the search stays)."""
        bar = self.timeline_pane.filters
        self._set_filter(bar.filter(self.timeline_model.zone_name, self.timeline_filter.search))

    def focus_filters(self) -> None:
        """Move the focus to the first filter above the timeline."""
        if self.case is not None:
            self.timeline_pane.filters.focus_first()

    def clear_filters(self) -> None:
        """Drop the search and every filter: the whole timeline again."""
        self.search_box.clear()
        bar = self.timeline_pane.filters
        bar.blockSignals(True)
        try:
            bar.clear()
        finally:
            bar.blockSignals(False)
        self._set_filter(EVERYTHING)

    def _reset_filters(self) -> None:
        bar = self.timeline_pane.filters
        bar.blockSignals(True)
        try:
            bar.clear()
            bar.set_platforms([])
            bar.set_sources([])
            bar.set_persons([])
        finally:
            bar.blockSignals(False)
        self.search_box.clear()
        self.timeline_filter = EVERYTHING
        self._keep_event = None
        self.timeline_pane.set_filtered(False)
        self._update_filter_status()

    def _update_filter_status(self) -> None:
        f = self.timeline_filter
        parts = []
        if f.search:
            parts.append(f"Search “{display.one_line(f.search, 40)}”")
        summary = self.timeline_pane.filters.summary()
        if summary:
            parts.append(summary)
        self.filter_label.setText(" · ".join(parts))

    def _set_filter(self, f: TimelineFilter) -> None:
        """Show the timeline under `f`: its first page at once (which also checks the search
        can run), then the full id list from a reader job (the GUI thread never builds it)."""
        if f == self.timeline_filter:
            return
        case = self.case
        if case is None:
            self.timeline_filter = f
            return
        first: list[TimelineRow] | None = None
        try:
            first = case.timeline_page(f, limit=PAGE_SIZE)
        except EvidenceError as exc:  # a search with nothing to look for
            self.statusBar().showMessage(f"Not searched: {exc}", 8000)
            return
        except Exception as exc:  # noqa: BLE001 - the reader job reports it
            log.info("first page of the filter not read: %s", exc)
        self.timeline_filter = f
        self.timeline_pane.set_filtered(not f.is_everything)
        self._update_filter_status()
        current = self.timeline_pane.table.currentIndex()
        if current.isValid():
            keep = self.timeline_model.data(current, TimelineModel.EventIdRole)
            self._keep_event = int(keep) if keep is not None else None
        if first is not None and not self.sync_loads:
            self.timeline_model.set_ids(array("q", (r.event_id for r in first)))
            self.counts_label.setText("Counting…")
        self.refresh()

    def _step(self, delta: int) -> None:
        count = self.timeline_model.rowCount()
        if self.case is None or not count:
            return
        table = self.timeline_pane.table
        current = table.currentIndex()
        row = current.row() + delta if current.isValid() else (0 if delta > 0 else count - 1)
        if not 0 <= row < count:
            row %= count
            where = "first" if delta > 0 else "last"
            self.statusBar().showMessage(f"Wrapped round to the {where} row.", 3000)
        table.selectRow(row)
        table.scrollTo(self.timeline_model.index(row, 0))

    def find_next(self) -> None:
        """Choose the next row of the timeline (the next hit while searching)."""
        self._step(1)

    def find_previous(self) -> None:
        """Choose the previous row of the timeline (the previous hit while searching)."""
        self._step(-1)

    def ask_jump(self) -> QInputDialog | None:
        """Ask for a date and time (in the case zone) and go to the first event from it."""
        if self.case is None:
            return None
        zone_name = self.timeline_model.zone_name
        dialog = QInputDialog(self)
        dialog.setObjectName("jump-to-date")
        dialog.setWindowTitle("Go to date")
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setLabelText(f"Date, or date and time, in {zone_name} (YYYY-MM-DD HH:MM):")
        current = self.timeline_pane.table.currentIndex()
        row = self.timeline_model.row_at(current.row()) if current.isValid() else None
        if row is not None:
            when = datetime.fromtimestamp(row.ts_utc_us / 1_000_000, ZoneInfo(zone_name))
            dialog.setTextValue(when.strftime("%Y-%m-%d %H:%M"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self.jump_to)
        dialog.open()
        return dialog

    def jump_to(self, text: str) -> int:
        """Choose the first event at or after `YYYY-MM-DD[ HH:MM]` in the case zone under the
        current search and filters; returns its row, -1 when there is none or no date."""
        case = self.case
        if case is None:
            return -1
        when = parse_when(text, self.timeline_model.zone_name)
        if when is None:
            self.statusBar().showMessage("Not a date: write YYYY-MM-DD or YYYY-MM-DD HH:MM.", 6000)
            return -1
        count = self.timeline_model.rowCount()
        if not count:
            return -1
        row = case.timeline_position(self.timeline_filter, when)
        if row >= count:
            row = count - 1
            self.statusBar().showMessage("No event from that time: showing the last one.", 6000)
        table = self.timeline_pane.table
        table.selectRow(row)
        table.scrollTo(
            self.timeline_model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop
        )
        table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return row

    def _highlight_hits(self) -> None:
        """Mark the search's terms in the viewer shown, when it can (the PDF viewer)."""
        search = self.timeline_filter.search
        viewer = self.details.viewer
        if search and viewer.currentWidget() is viewer.pdf:
            viewer.pdf.highlight(search_terms(search))

    # -- verify ---------------------------------------------------------------------------

    def verify(self) -> None:
        """Re-hash every original and walk the audit chain, in the background."""
        case = self.case
        if case is None:
            return

        def job(progress: ProgressCallback, cancel: CancelToken) -> VerifyReport:
            from app.verify import record_verification, verify_case

            report = verify_case(case, progress=progress, cancel=cancel)
            record_verification(case, report)  # in the audit chain, unless open elsewhere
            return report

        self._start_job(
            "verify",
            job,
            self.reader,
            "Verifying the case",
            self._verify_done,
            lambda: self.verify_finished.emit(None),
        )

    def _verify_done(self, report: object) -> None:
        if not isinstance(report, VerifyReport):
            return
        box = QMessageBox(self)
        box.setObjectName("verify-result")
        box.setWindowTitle("Verify case")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.NonModal)
        chain = report.chain
        if report.ok and chain is not None:
            box.setIcon(QMessageBox.Icon.Information)
            box.setText("The case is intact.")
            box.setInformativeText(
                f"{display.plural(report.originals, 'original')} still match the SHA-256 "
                f"recorded at import, and the audit log's "
                f"{display.plural(chain.entries, 'entry', 'entries')} are unbroken.\n\n"
                f"Audit head: {chain.head}\n\nThis verification was {report.recorded}."
            )
        else:
            box.setIcon(QMessageBox.Icon.Warning)
            box.setText("Verification found problems.")
            box.setInformativeText(
                "\n".join(f"• {p}" for p in report.problems[:20])
                + f"\n\nThis verification was {report.recorded}."
            )
        box.show()
        if report.recorded == RECORDED:
            self.refresh()  # the audit log shows the verification
        self.verify_finished.emit(report)

    # -- views ----------------------------------------------------------------------------

    def _raise_dock(self, dock: QDockWidget, focus: QWidget) -> None:
        dock.show()
        dock.raise_()
        focus.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_sources(self) -> None:
        """Show the sources dock and move the focus there."""
        self._raise_dock(self.sources_dock, self.sources_view)

    def show_audit(self) -> None:
        """Show the audit log dock and move the focus there."""
        self._raise_dock(self.audit_dock, self.audit_view)

    def show_details(self) -> None:
        """Show the details dock and move the focus to its text."""
        self._raise_dock(self.details_dock, self.details.focus_target)

    def show_heat_map(self) -> None:
        """Show the heat map dock and move the focus to its sender."""
        if self.case is not None:
            self._raise_dock(self.heat_dock, self.heat_view.combo)

    def show_participants(self) -> None:
        """Show the participants dock and move the focus to its list."""
        panel = self._ensure_participants_panel()
        if panel is not None:
            self._raise_dock(self.participants_dock, panel.tree)

    def focus_timeline(self) -> None:
        """Move the focus to the timeline."""
        self.timeline_pane.focus_table()

    def show_shortcuts(self) -> ShortcutsDialog:
        """Show every action with its keys."""
        old = self._dialogs.get("shortcuts")
        if isinstance(old, ShortcutsDialog):
            old.raise_()
            old.activateWindow()
            return old
        dialog = ShortcutsDialog(list(self.actions_by_name.values()), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialogs["shortcuts"] = dialog
        dialog.destroyed.connect(lambda: self._dialogs.pop("shortcuts", None))
        dialog.show()
        return dialog

    def sizeHint(self) -> QSize:
        return QSize(1400, 900)

    # -- drag and drop --------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if self.case is not None and urls and all(u.isLocalFile() for u in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths and self.case is not None:
            event.acceptProposedAction()
            self.start_import(paths)
        else:
            event.ignore()

    # -- closing --------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.close_case()
        self.settings = replace(self.settings, geometry=bytes(self.saveGeometry().data()))
        self.settings_store.save(self.settings)
        for dialog in list(self._dialogs.values()):
            dialog.close()
        event.accept()
