"""The export dialog: choose the material, the redaction set and the options of a disclosure
pack, see what it will hold (worked out in the background as the options change), and build
it — never while a proposed redaction on the material waits for review."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import EvidenceError
from app.export.bundle import DEFAULT_TITLE
from app.export.exhibits import ExhibitRow, check_initials
from app.export.packfiles import MIN_PASSWORD
from app.export.plan import PackEntry, PackOptions
from app.jobs import Progress
from app.redaction.model import RedactionRow
from app.redaction.store import DEFAULT_SET, reason_label
from app.timeline.query import TimelineFilter
from ui import display, theme

DEBOUNCE_MS = 300  # the preview is worked out this long after the last change
WARNING_ROWS = 6  # unreviewed redactions listed before "and N more"
MATERIAL = ("filter", "selection", "exhibits", "elements", "everything")
BATES = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")


@dataclass(frozen=True, slots=True)
class ExportChoices:
    """What the dialog offers, read from the window when it opens."""

    timeline_filter: TimelineFilter
    filter_summary: str  # the status bar's words for the filter ("" when none)
    filter_count: int  # events the timeline shows
    selected_ids: tuple[int, ...]
    exhibits: tuple[ExhibitRow, ...]
    elements: tuple[tuple[str, str], ...]  # (key, "3 · Harassment · D pursued…")
    sets: tuple[str, ...]
    current_set: str
    zone: str  # the case's
    display_zone: str  # the timeline's
    initials: str
    out_dir: Path  # the case's exports/
    encrypted: bool = False  # an encrypted case: its plain pack never goes inside its folder
    case_folder: Path | None = None


def _tinted(label: QLabel, color: QColor) -> QLabel:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), color)
    label.setPalette(palette)
    return label


def _day(us: int | None, zone_name: str) -> str:
    if us is None:
        return "no date"
    moment = datetime.fromtimestamp(us / 1_000_000, ZoneInfo(zone_name))
    return f"{moment:%d/%m/%Y %H:%M}"


def _checked(widget: QListWidget) -> list[str]:
    out = []
    for n in range(widget.count()):
        item = widget.item(n)
        if item is not None and item.checkState() == Qt.CheckState.Checked:
            out.append(str(item.data(Qt.ItemDataRole.UserRole)))
    return out


class ExportDialog(QDialog):
    """Choose, preview and build a disclosure pack."""

    preview_wanted = Signal()  # the options changed (debounced): work the preview out again
    export_requested = Signal()
    cancel_requested = Signal()  # stop the running export
    open_log_requested = Signal(str, object)  # set name, redaction ids to review

    def __init__(self, choices: ExportChoices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export-dialog")
        self.setWindowTitle("Export disclosure pack")
        self.choices = choices
        self.entries: list[PackEntry] = []
        self.unreviewed: list[RedactionRow] = []
        self.warnings: list[str] = []  # what would fail verification (does not block)
        self._pending = True
        self._running = False
        self._problem = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.preview_wanted)

        left = QVBoxLayout()
        left.addWidget(self._build_material(), 3)
        left.addWidget(self._build_settings())
        right = QVBoxLayout()
        right.addWidget(self._build_preview(), 1)
        right.addWidget(self._build_warning())
        right.addWidget(self._build_leaks())
        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)

        self.progress = QProgressBar()
        self.progress.setObjectName("export-progress")
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("export-progress-label")
        self.progress_label.hide()
        self.export_button = QPushButton("&Export pack")
        self.export_button.setObjectName("export-button")
        self.export_button.setDefault(True)
        self.export_button.setAutoDefault(True)
        self.export_button.setToolTip("Build the pack in the background (Enter)")
        self.export_button.clicked.connect(self._export)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("export-close")
        self.close_button.setAutoDefault(False)
        self.close_button.setToolTip("Close without exporting (Esc); while exporting, stop it")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress_label)
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(buttons)
        # Enter exports through the default button (fields and lists pass it on); Ctrl+Enter
        # exports from anywhere, even a focused button.
        QShortcut(QKeySequence("Ctrl+Return"), self, self._export)
        self.resize(1180, 720)
        self._material_changed()
        self._zip_changed()

    # -- building -------------------------------------------------------------------------

    def _build_material(self) -> QGroupBox:
        c = self.choices
        box = QGroupBox("Material")
        self.material = QButtonGroup(self)
        f_words = c.filter_summary or "no filter: every event"
        self.radio_filter = QRadioButton(
            f"The &timeline as filtered now — {display.plural(c.filter_count, 'event')} ({f_words})"
        )
        self.radio_selection = QRadioButton(
            f"The &selected items — {display.plural(len(c.selected_ids), 'item')}"
        )
        self.radio_exhibits = QRadioButton("E&xhibits:")
        self.radio_elements = QRadioButton("Elements of the &charges:")
        self.radio_everything = QRadioButton("E&verything not marked sensitive")
        radios = (
            self.radio_filter,
            self.radio_selection,
            self.radio_exhibits,
            self.radio_elements,
            self.radio_everything,
        )
        for n, (name, radio) in enumerate(zip(MATERIAL, radios, strict=True)):
            radio.setObjectName(f"material-{name}")
            self.material.addButton(radio, n)
        self.radio_selection.setEnabled(bool(c.selected_ids))
        self.exhibit_list = QListWidget()
        self.exhibit_list.setObjectName("export-exhibits")
        self.exhibit_list.setAccessibleName("Exhibits to export")
        for e in c.exhibits:
            text = f"{e.ref} — {display.one_line(e.description, 60)}" if e.description else e.ref
            item = QListWidgetItem(f"{text} ({display.plural(len(e.item_ids), 'item')})")
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, e.ref)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.exhibit_list.addItem(item)
        self.element_list = QListWidget()
        self.element_list.setObjectName("export-elements")
        self.element_list.setAccessibleName("Elements whose tagged items to export")
        for key, label in c.elements:
            item = QListWidgetItem(label)
            item.setToolTip(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.element_list.addItem(item)
        for lst, empty in (
            (self.exhibit_list, "No exhibit references yet (Ctrl+E gives one)."),
            (self.element_list, "No charges yet (the Tagging menu adds one)."),
        ):
            lst.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            lst.setMaximumHeight(lst.fontMetrics().height() * 6)
            lst.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            lst.setTextElideMode(Qt.TextElideMode.ElideRight)
            lst.itemChanged.connect(lambda _i: self._changed())
            if not lst.count():
                lst.setToolTip(empty)
                placeholder = QListWidgetItem(empty)
                placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
                lst.addItem(placeholder)
        self.radio_exhibits.setEnabled(bool(c.exhibits))
        self.radio_elements.setEnabled(bool(c.elements))
        # The one that fits best: the selection, else the filtered timeline.
        (self.radio_selection if c.selected_ids else self.radio_filter).setChecked(True)
        self.material.idToggled.connect(self._material_toggled)

        layout = QVBoxLayout(box)
        layout.addWidget(self.radio_filter)
        layout.addWidget(self.radio_selection)
        layout.addWidget(self.radio_exhibits)
        layout.addWidget(self.exhibit_list)
        layout.addWidget(self.radio_elements)
        layout.addWidget(self.element_list)
        layout.addWidget(self.radio_everything)
        layout.addStretch(1)
        return box

    def _build_settings(self) -> QGroupBox:
        c = self.choices
        box = QGroupBox("Pack")
        self.set_box = QComboBox()
        self.set_box.setObjectName("export-set")
        self.set_box.setAccessibleName("Redaction set")
        names = list(c.sets) or [DEFAULT_SET]
        for name in names:
            self.set_box.addItem(name, name)
        at = self.set_box.findData(c.current_set if c.current_set in names else names[0])
        self.set_box.setCurrentIndex(max(at, 0))
        self.set_box.setToolTip("Only this set's approved redactions are applied")
        self.zone_box = QComboBox()
        self.zone_box.setObjectName("export-zone")
        self.zone_box.setAccessibleName("Display zone")
        for name in dict.fromkeys((c.zone, c.display_zone, "Europe/London", "UTC")):
            self.zone_box.addItem(name, name)
        self.zone_box.setToolTip("Times in the bundle are shown in this zone, named on each")
        self.bates = QLineEdit()
        self.bates.setObjectName("export-bates")
        self.bates.setAccessibleName("Page number prefix")
        self.bates.setPlaceholderText("e.g. DISC (pages DISC-000001…)")
        self.bates.setToolTip("Stamped before the running page number on every page")
        self.title = QLineEdit()
        self.title.setObjectName("export-title")
        self.title.setAccessibleName("Cover title")
        self.title.setPlaceholderText(DEFAULT_TITLE)
        self.title.setToolTip(
            f"Shown on the cover under the case name (empty: “{DEFAULT_TITLE}”); a redacted "
            "or protected name typed here is masked"
        )
        self.initials = QLineEdit(c.initials)
        self.initials.setObjectName("export-initials")
        self.initials.setAccessibleName("Officer initials")
        self.initials.setPlaceholderText("e.g. AB")
        self.initials.setMaxLength(6)
        self.initials.setToolTip("For the references of material without an exhibit yet")
        self.natives = QCheckBox("Redacted &native files")
        self.natives.setObjectName("export-natives")
        self.natives.setChecked(True)
        self.sensitive = QCheckBox("Sensitive sche&dule (kept outside the pack)")
        self.sensitive.setObjectName("export-sensitive")
        self.report = QCheckBox("Time&line report (PDF table)")
        self.report.setObjectName("export-report")
        self.zip = QCheckBox("Encrypted &zip (AES-256), opened with a password")
        self.zip.setObjectName("export-zip")
        self.zip.setToolTip(
            "The pack is written as one encrypted .zip file, straight from memory: no "
            "unencrypted copy of it is ever on disk. The recipient needs the password."
        )
        self.zip.setChecked(c.encrypted)
        self.password = QLineEdit()
        self.password.setObjectName("export-zip-password")
        self.password.setAccessibleName("Zip password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"At least {MIN_PASSWORD} characters")
        self.password_again = QLineEdit()
        self.password_again.setObjectName("export-zip-password-again")
        self.password_again.setAccessibleName("Zip password again")
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again.setPlaceholderText("The same again")
        self.zip_note = QLabel()
        self.zip_note.setObjectName("export-zip-note")
        self.zip_note.setWordWrap(True)
        self.folder = QLineEdit(str(c.out_dir))
        self.folder.setObjectName("export-folder")
        self.folder.setAccessibleName("Output folder")
        self.folder.setToolTip("A new folder for the pack is made in here")
        self.browse = QPushButton("C&hoose…")
        self.browse.setObjectName("export-browse")
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.setContentsMargins(0, 0, 0, 0)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        options = QVBoxLayout()
        options.setContentsMargins(0, 0, 0, 0)
        for check in (self.natives, self.sensitive, self.report):
            options.addWidget(check)

        form = QFormLayout(box)
        form.addRow("&Redaction set", self.set_box)
        form.addRow("Display &zone", self.zone_box)
        form.addRow("Cover title", self.title)
        form.addRow("&Page prefix", self.bates)
        form.addRow("Officer &initials", self.initials)
        form.addRow("Include", options)
        form.addRow("Encryption", self.zip)
        self.password_row = QWidget()
        twice = QHBoxLayout(self.password_row)
        twice.setContentsMargins(0, 0, 0, 0)
        twice.addWidget(self.password, 1)
        twice.addWidget(self.password_again, 1)
        password_label = QLabel("Pass&word")
        password_label.setBuddy(self.password)
        form.addRow(password_label, self.password_row)
        folder_label = QLabel("&Folder")
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)
        form.addRow("", self.zip_note)
        self._form = form
        # The pack's options always get their room; the material lists above scroll.
        box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.set_box.currentIndexChanged.connect(lambda _i: self._changed())
        self.zone_box.currentIndexChanged.connect(lambda _i: self._changed())
        for line in (self.bates, self.initials):
            line.textEdited.connect(lambda _t: self._changed())
        for check in (self.natives, self.sensitive, self.report):
            check.toggled.connect(lambda _on: self._update_buttons())
        self.zip.toggled.connect(lambda _on: self._zip_changed())
        for line in (self.password, self.password_again, self.folder):
            line.textChanged.connect(lambda _t: self._zip_changed())
        return box

    def _build_preview(self) -> QGroupBox:
        box = QGroupBox("Preview")
        self.summary = QLabel("Working out what the pack holds…")
        self.summary.setObjectName("export-summary")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("export-preview")
        self.tree.setAccessibleName("What the pack will hold")
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setHeaderLabels(["Exhibit", "Description", "Date", "Source", "Redacted"])
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        fm = self.tree.fontMetrics()
        pad = 3 * fm.averageCharWidth()
        for col, sample in (
            (0, "LB/12/3 *"),
            (2, "04/03/2024 19:01"),
            (3, "Email attachment"),
            (4, "redacted"),
        ):
            self.tree.setColumnWidth(col, fm.horizontalAdvance(sample) + pad)
        layout = QVBoxLayout(box)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        return box

    def _build_warning(self) -> QFrame:
        box = QFrame()
        box.setObjectName("export-warning")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        self.warning_title = QLabel()
        self.warning_title.setObjectName("export-warning-title")
        self.warning_title.setWordWrap(True)
        font = self.warning_title.font()
        font.setBold(True)
        self.warning_title.setFont(font)
        _tinted(self.warning_title, theme.amber())
        self.warning_list = QListWidget()
        self.warning_list.setObjectName("export-unreviewed")
        self.warning_list.setAccessibleName("Redactions still to review")
        self.warning_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.warning_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.warning_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.warning_list.setFixedHeight(self.warning_list.fontMetrics().height() * 5 + 8)
        self.open_log = QPushButton("&Open in redaction log")
        self.open_log.setObjectName("export-open-log")
        self.open_log.setAutoDefault(False)
        self.open_log.setToolTip("Review them in the redaction log; the preview follows")
        self.open_log.clicked.connect(self._open_log)
        self.refresh_button = QPushButton("Check a&gain")
        self.refresh_button.setObjectName("export-refresh")
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.setToolTip("Work the preview out again (after a review)")
        self.refresh_button.clicked.connect(self.preview_wanted)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        row.addWidget(self.open_log)
        layout = QVBoxLayout(box)
        layout.addWidget(self.warning_title)
        layout.addWidget(self.warning_list)
        layout.addLayout(row)
        box.hide()
        self.warning = box
        return box

    def _build_leaks(self) -> QFrame:
        """The calm amber box of terms left unredacted elsewhere (warns, never blocks)."""
        box = QFrame()
        box.setObjectName("export-leaks")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        self.leak_title = QLabel()
        self.leak_title.setObjectName("export-leaks-title")
        self.leak_title.setWordWrap(True)
        _tinted(self.leak_title, theme.amber())
        self.leak_list = QListWidget()
        self.leak_list.setObjectName("export-leak-list")
        self.leak_list.setAccessibleName("Terms left unredacted elsewhere")
        self.leak_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.leak_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.leak_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.leak_list.setFixedHeight(self.leak_list.fontMetrics().height() * 4 + 8)
        layout = QVBoxLayout(box)
        layout.addWidget(self.leak_title)
        layout.addWidget(self.leak_list)
        box.hide()
        self.leaks = box
        return box

    # -- options --------------------------------------------------------------------------

    @property
    def material_kind(self) -> str:
        """Which material is chosen: filter, selection, exhibits, elements or everything."""
        return MATERIAL[max(self.material.checkedId(), 0)]

    def set_material(self, kind: str) -> None:
        """Choose the material by name (as the radio buttons do)."""
        button = self.material.button(MATERIAL.index(kind))
        if button is not None:
            button.setChecked(True)

    def check_exhibits(self, refs: Sequence[str]) -> None:
        """Tick these exhibits in the list (and choose exhibits as the material)."""
        self._check(self.exhibit_list, refs)
        self.set_material("exhibits")

    def check_elements(self, keys: Sequence[str]) -> None:
        """Tick these elements in the list (and choose elements as the material)."""
        self._check(self.element_list, keys)
        self.set_material("elements")

    def _check(self, widget: QListWidget, values: Sequence[str]) -> None:
        for n in range(widget.count()):
            item = widget.item(n)
            if item is not None and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                on = str(item.data(Qt.ItemDataRole.UserRole)) in values
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def options(self) -> PackOptions:
        """The pack's options as chosen; EvidenceError when something cannot be used."""
        kind = self.material_kind
        c = self.choices
        initials = self.initials_text()
        if initials:
            initials = check_initials(initials)
        bates = self.bates.text().strip()
        if bates and not BATES.match(bates):
            raise EvidenceError(
                f"the page prefix {bates!r} can hold letters, digits, - and _ (up to 16)"
            )
        material: dict[str, object] = {}
        if kind == "filter":
            material["filter"] = c.timeline_filter
        elif kind == "selection":
            material["item_ids"] = c.selected_ids
        elif kind == "exhibits":
            refs = tuple(_checked(self.exhibit_list))
            if not refs:
                raise EvidenceError("tick one or more exhibits to export")
            material["exhibit_refs"] = refs
        elif kind == "elements":
            keys = tuple(_checked(self.element_list))
            if not keys:
                raise EvidenceError("tick one or more elements whose items to export")
            material["element_keys"] = keys
        else:
            material["everything"] = True
        return PackOptions(
            set_name=str(self.set_box.currentData() or DEFAULT_SET),
            zone=str(self.zone_box.currentData() or c.zone),
            bates_prefix=bates,
            include_natives=self.natives.isChecked(),
            include_sensitive_schedule=self.sensitive.isChecked(),
            timeline_report=self.report.isChecked(),
            title=" ".join(self.title.text().split()),
            initials=initials,
            **material,  # type: ignore[arg-type]
        )

    def initials_text(self) -> str:
        """The officer initials written (upper case)."""
        return self.initials.text().strip().upper()

    def out_folder(self) -> Path:
        """The folder the pack's own folder is made in."""
        return Path(self.folder.text().strip() or str(self.choices.out_dir))

    def zip_password(self) -> str | None:
        """The encrypted zip's password, None for a plain pack (folder)."""
        return self.password.text() if self.zip.isChecked() else None

    def _inside_case(self) -> bool:
        folder = self.choices.case_folder
        if folder is None:
            return False
        try:
            return self.out_folder().resolve().is_relative_to(folder.resolve())
        except OSError:
            return True

    def zip_problem(self) -> str:
        """Why the encryption chosen stops the export ('' when it does not)."""
        if not self.zip.isChecked():
            if self.choices.encrypted and self._inside_case():
                return (
                    "This case is encrypted: a plain pack cannot go inside its folder. Tick "
                    "Encrypted zip, or choose a folder outside the case."
                )
            return ""
        typed, again = self.password.text(), self.password_again.text()
        if len(typed) < MIN_PASSWORD:
            return (
                f"Type a password of at least {MIN_PASSWORD} characters (a few words is best), "
                "twice."
            )
        if again != typed:
            return "The two passwords differ." if again else "Type the password again."
        return ""

    def _zip_changed(self) -> None:
        on = self.zip.isChecked()
        self._form.setRowVisible(self.password_row, on)
        problem = self.zip_problem()
        if problem:
            text = problem
            color = theme.amber() if (self.password.text() or not on) else theme.muted()
        elif on:
            text = "One encrypted file. Give the password to the recipient separately."
            color = theme.muted()
        elif self.choices.encrypted:
            text = "This case is encrypted, but this pack will be plain (unencrypted) files."
            color = theme.amber()
        else:
            text = ""
            color = theme.muted()
        self.zip_note.setText(text)
        self.zip_note.setVisible(bool(text))
        _tinted(self.zip_note, color)
        self._update_buttons()

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Export into", str(self.out_folder()))
        if path:
            self.folder.setText(path)

    def _material_toggled(self, _id: int, on: bool) -> None:
        if on:
            self._material_changed()

    def _material_changed(self) -> None:
        kind = self.material_kind
        self.exhibit_list.setEnabled(kind == "exhibits")
        self.element_list.setEnabled(kind == "elements")
        self._changed()

    def _changed(self) -> None:
        """An option changed: the preview is out of date until worked out again."""
        self._pending = True
        self._update_buttons()
        self._timer.start()

    # -- the preview ------------------------------------------------------------------------

    @property
    def waiting(self) -> bool:
        """Whether the preview is out of date (an option changed, or its job runs)."""
        return self._pending

    def preview_now(self) -> None:
        """Ask for the preview at once, without waiting for the debounce."""
        self._timer.stop()
        self.preview_wanted.emit()

    def preview_pending(self) -> None:
        """A preview job started."""
        self._pending = True
        self._problem = ""
        self.summary.setText("Working out what the pack holds…")
        _tinted(self.summary, self.palette().color(self.foregroundRole()))
        self._update_buttons()

    def show_problem(self, text: str) -> None:
        """Say why there is no preview (nothing chosen, a bad option)."""
        self._timer.stop()
        self._pending = False
        self._problem = text
        self.entries = []
        self.unreviewed = []
        self.warnings = []
        self.tree.clear()
        self.summary.setText(text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."))
        _tinted(self.summary, theme.amber())
        self.warning.hide()
        self.leaks.hide()
        self._update_buttons()

    def show_preview(
        self,
        entries: Sequence[PackEntry],
        unreviewed: Sequence[RedactionRow],
        summaries: Mapping[int, str],
        zone_name: str,
        left_out: int = 0,
        *,
        warnings: Sequence[str] = (),
    ) -> None:
        """Show the plan's entries, the redactions that still wait for review and the
        warnings of what would fail verification."""
        if self._timer.isActive():
            return  # an option changed since this was asked for: a newer one comes
        self._pending = False
        self._problem = ""
        self.entries = list(entries)
        self.unreviewed = list(unreviewed)
        self.tree.clear()
        for e in entries:
            ref = e.exhibit_ref + (" *" if e.provisional else "")
            row = QTreeWidgetItem(
                [
                    ref,
                    e.description,
                    _day(e.first_us, zone_name),
                    ", ".join(e.source_names),
                    "redacted" if e.redacted else "–",
                ]
            )
            tips = [
                f"{e.exhibit_ref}: provisional — recorded as an exhibit when the pack completes"
                if e.provisional
                else f"Exhibit {e.exhibit_ref}",
                f"{display.plural(len(e.item_ids), 'item')} · {e.kind}",
            ]
            row.setToolTip(0, "\n".join(tips))
            row.setToolTip(1, e.description)
            self.tree.addTopLevelItem(row)
        items = sum(len(e.item_ids) for e in entries)
        redacted = sum(1 for e in entries if e.redacted)
        provisional = sum(1 for e in entries if e.provisional)
        parts = [
            f"{display.plural(len(entries), 'exhibit')} holding {display.plural(items, 'item')}",
            f"{redacted} redacted",
        ]
        if provisional:
            parts.append(f"{provisional} with a provisional reference (*)")
        if left_out:
            parts.append(f"{display.plural(left_out, 'item')} marked sensitive left out")
        parts.append(f"times in {zone_name}")
        self.summary.setText(" · ".join(parts) + ".")
        _tinted(self.summary, self.palette().color(self.foregroundRole()))
        self._show_unreviewed(unreviewed, summaries)
        self._show_leaks(warnings)
        self._update_buttons()

    def _show_unreviewed(self, rows: Sequence[RedactionRow], summaries: Mapping[int, str]) -> None:
        self.warning_list.clear()
        if not rows:
            self.warning.hide()
            return
        self.warning_title.setText(
            f"⚠ {display.plural(len(rows), 'proposed redaction')} on this material "
            f"{'is' if len(rows) == 1 else 'are'} not reviewed yet. Approve or reject "
            f"{'it' if len(rows) == 1 else 'each'} in the redaction log before exporting."
        )
        for r in rows[:WARNING_ROWS]:
            what = summaries.get(r.item_id, f"item #{r.item_id}")
            quote = f"“{display.one_line(r.quote, 40)}” · " if r.quote else ""
            item = QListWidgetItem(f"{what} — {quote}{r.where} · {reason_label(r.reason)}")
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            self.warning_list.addItem(item)
        if len(rows) > WARNING_ROWS:
            more = QListWidgetItem(f"… and {len(rows) - WARNING_ROWS} more")
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            self.warning_list.addItem(more)
        self.warning.show()

    def _show_leaks(self, warnings: Sequence[str]) -> None:
        self.warnings = list(warnings)
        self.leak_list.clear()
        if not warnings:
            self.leaks.hide()
            return
        n = len(warnings)
        self.leak_title.setText(
            f"⚠ {display.plural(n, 'redacted or protected term')} "
            f"{'is' if n == 1 else 'are'} left unredacted elsewhere in this material: "
            "the pack will fail verification unless you redact those places too. "
            "Export stays open so you can see the verifier's findings."
        )
        for text in warnings[:WARNING_ROWS]:
            item = QListWidgetItem(text[:1].upper() + text[1:])
            item.setToolTip(item.text())
            self.leak_list.addItem(item)
        if n > WARNING_ROWS:
            more = QListWidgetItem(f"… and {n - WARNING_ROWS} more")
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            self.leak_list.addItem(more)
        self.leaks.show()

    def _open_log(self) -> None:
        if self.unreviewed:
            self.open_log_requested.emit(
                str(self.set_box.currentData() or DEFAULT_SET), [r.id for r in self.unreviewed]
            )

    # -- running --------------------------------------------------------------------------

    @property
    def can_export(self) -> bool:
        """Whether Export is allowed now: a preview with entries and nothing to review."""
        return (
            not self._running
            and not self._pending
            and not self._problem
            and bool(self.entries)
            and not self.unreviewed
            and not self.zip_problem()
        )

    def _update_buttons(self) -> None:
        self.export_button.setEnabled(self.can_export)
        if self.unreviewed and not self._running:
            self.export_button.setToolTip("Review the proposed redactions first")
        elif self.zip_problem() and not self._running:
            self.export_button.setToolTip(self.zip_problem())
        elif self.warnings and not self._running:
            self.export_button.setToolTip(
                "Build the pack (Enter): its verification will fail on the terms warned of"
            )
        else:
            self.export_button.setToolTip("Build the pack in the background (Enter)")

    def _export(self) -> None:
        if self.can_export:
            self.export_requested.emit()

    def set_running(self, running: bool) -> None:
        """Show the progress bar and turn Close into Cancel while the export runs."""
        self._running = running
        self.progress.setVisible(running)
        self.progress_label.setVisible(running)
        if running:
            self.progress.setRange(0, 0)
            self.progress_label.setText("Building…")
            self.close_button.setText("&Cancel export")
            self.close_button.setEnabled(True)
            self.close_button.setFocus()
        else:
            self.close_button.setText("Close")
            self.close_button.setEnabled(True)
        for w in self.option_widgets():
            w.setEnabled(not running)
        if not running:
            self._material_changed_enabled()
        self._update_buttons()

    def option_widgets(self) -> list[QWidget]:
        """The option widgets locked while exporting."""
        return [
            self.radio_filter,
            self.radio_selection,
            self.radio_exhibits,
            self.radio_elements,
            self.radio_everything,
            self.exhibit_list,
            self.element_list,
            self.set_box,
            self.zone_box,
            self.title,
            self.bates,
            self.initials,
            self.natives,
            self.sensitive,
            self.report,
            self.zip,
            self.password,
            self.password_again,
            self.folder,
            self.browse,
        ]

    def _material_changed_enabled(self) -> None:
        c = self.choices
        kind = self.material_kind
        self.radio_selection.setEnabled(bool(c.selected_ids))
        self.radio_exhibits.setEnabled(bool(c.exhibits))
        self.radio_elements.setEnabled(bool(c.elements))
        self.exhibit_list.setEnabled(kind == "exhibits")
        self.element_list.setEnabled(kind == "elements")

    def set_progress(self, p: Progress) -> None:
        """Show how far the export is."""
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
        self.progress_label.setText(display.one_line(p.message, 60))

    def set_cancelling(self) -> None:
        """The export was asked to stop."""
        self.progress_label.setText("Cancelling…")
        self.close_button.setEnabled(False)

    def reject(self) -> None:
        # Esc or Close while exporting stops the export; the dialog stays to say so.
        if self._running:
            self.cancel_requested.emit()
            return
        super().reject()
