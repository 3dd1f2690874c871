"""Screenshots of every main view, for review: a registry of (file name, prepare) pairs.

A later view adds itself with one line: `SHOTS.append(("my-view.png", prepare))`, where
`prepare(window)` sets the view up and returns the widget to grab, or None to skip the shot
(for instance when no case is open).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QDialog, QWidget

from app.case import Case
from app.demo import DEMO_MARKER
from app.errors import EvidenceError
from app.ingest.job import ImportReport, import_paths
from app.jobs import Progress
from app.model import TimelineRow
from app.ocr import ocr_enabled, run_ocr
from app.timeline.query import TimelineFilter
from ui.dialogs.ask import DateOrderDialog, PasswordDialog
from ui.dialogs.import_options import ImportOptionsDialog
from ui.main_window import MainWindow
from ui.ocr import OCR_TITLE, ocr_message

log = logging.getLogger(__name__)

Prepare = Callable[[MainWindow], QWidget | None]
SCAN_ROWS = 500  # timeline rows looked at when choosing an event to show


def settle() -> None:
    """Let Qt deliver the posted layout and paint events once (no sleeping, no polling)."""
    for _ in range(2):
        loop = QEventLoop()
        QTimer.singleShot(0, loop.quit)
        loop.exec()


def _select_first_event(window: MainWindow) -> None:
    table = window.timeline_pane.table
    if window.timeline_model.rowCount() and not table.selectionModel().hasSelection():
        window.focus_timeline()
        # A row with a sender and some text shows the details pane at its most useful.
        for row in range(min(window.timeline_model.rowCount(), 200)):
            r = window.timeline_model.row_at(row)
            if r is not None and r.author and len(r.text) > 20:
                table.selectRow(row)
                break


def welcome(window: MainWindow) -> QWidget | None:
    """The window with no case open."""
    return window if window.case is None else None


def _select_chat_message(window: MainWindow) -> bool:
    """Choose a WhatsApp message with a sender and some text; False when there is none."""
    model = window.timeline_model
    for row in range(min(model.rowCount(), SCAN_ROWS)):
        r = model.row_at(row)
        if (
            r is not None
            and r.item_kind == "message"
            and r.importer == "whatsapp"
            and r.author
            and len(r.text) > 20
        ):
            window.focus_timeline()
            table = window.timeline_pane.table
            table.selectRow(row)
            table.scrollTo(model.index(row, 0))
            return True
    return False


def main_window(window: MainWindow) -> QWidget | None:
    """The whole window on a case, a WhatsApp message chosen and shown in the chat viewer."""
    if window.case is None:
        return None
    if not _select_chat_message(window):
        _select_first_event(window)
    return window


def timeline(window: MainWindow) -> QWidget | None:
    """The timeline pane."""
    if window.case is None:
        return None
    _select_first_event(window)
    return window.timeline_pane


def details(window: MainWindow) -> QWidget | None:
    """The details dock showing the chosen event."""
    if window.case is None:
        return None
    _select_first_event(window)
    return window.details_dock


IMAGE_CANDIDATES = 500


def _picture(case: Case) -> TimelineRow | None:
    """The image to show: one OCR read already, else the first screenshot, else the first."""
    ids = case.timeline_ids(TimelineFilter(kinds=("image",)))[:IMAGE_CANDIDATES]
    rows = case.timeline_rows(ids)
    if not rows:
        return None
    return min(
        enumerate(rows),
        key=lambda nr: (not nr[1].has_ocr, "screenshot" not in nr[1].source_name.lower(), nr[0]),
    )[1]


def details_image(window: MainWindow) -> QWidget | None:
    """The details of a picture: its thumbnail, and the text OCR read in it, marked as such.

    In the demo case, when OCR has not read the picture yet, the engine reads this one image
    now, synchronously (a second or two, plus loading the engine). Any other case is only
    looked at: a picture OCR has not read is shown without OCR text.
    """
    case = window.case
    if case is None:
        return None
    row = _picture(case)
    if row is None:
        return None
    demo = bool(case.setting(DEMO_MARKER))
    if demo and not row.has_ocr and not case.readonly and ocr_enabled(case):
        try:
            run_ocr(case, item_ids=[row.item_id])
        except EvidenceError as exc:  # no engine: the picture is shown without OCR text
            log.warning("OCR for the screenshot failed: %s", exc)
        window.refresh()
    index = window.timeline_model.row_of_event(row.event_id)
    if index < 0:
        return None
    window.focus_timeline()
    table = window.timeline_pane.table
    table.selectRow(index)
    table.scrollTo(window.timeline_model.index(index, 0))
    return window.details_dock


def sources(window: MainWindow) -> QWidget | None:
    """The sources dock."""
    return window.sources_dock if window.case is not None else None


def audit(window: MainWindow) -> QWidget | None:
    """The audit log dock."""
    return window.audit_dock if window.case is not None else None


MAX_REREAD = 12
"""At most this many of the case's files are read again for the summary's picture."""


def reread_report(case: Case) -> ImportReport:
    """A real import report for the case's own files: they are read again, by the same
    readers, into a scratch case in a temporary folder; the case itself is not touched.

    Each file is read from where it was imported when it is still there unchanged in size
    (so file times are the real ones), else from the copy the case keeps. An encrypted
    case's files are never copied out in plaintext, not even to a temporary folder: its
    report is an empty one.
    """
    rows = [r for r in case.sources() if r.parent_id is None and r.status == "imported"]
    if case.blobs.encrypted:
        rows = []
    with tempfile.TemporaryDirectory(prefix="threadline-shot-") as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        paths: list[Path] = []
        for n, r in enumerate(rows[:MAX_REREAD]):
            original = Path(r.path)
            if original.is_file() and original.stat().st_size == r.size:
                paths.append(original)
                continue
            if case.blobs.exists(r.sha256):
                copy = folder / str(n) / r.name
                copy.parent.mkdir()
                with case.blobs.open(r.sha256) as kept, copy.open("wb") as out:
                    shutil.copyfileobj(kept, out)
                paths.append(copy)
        scratch = Case.create(Path(tmp) / "scratch", zone_name=case.zone)
        try:
            return import_paths(scratch, paths)
        finally:
            scratch.close()


def import_summary(window: MainWindow) -> QWidget | None:
    """The summary after an import, from a real re-read of the case's files; the chat chosen."""
    if window.case is None:
        return None
    report = reread_report(window.case)
    if not report.files:
        return None
    summary = window.show_import_summary(report)
    chosen = min(report.files, key=lambda f: (f.importer != "whatsapp", not f.decisions))
    summary.select_path(chosen.path)
    return summary


def _source_name(window: MainWindow, importer: str, suffix: str, fallback: str) -> str:
    """A file name from the case to ask about in a picture: one read by `importer`, else
    one ending in `suffix`, else `fallback`."""
    rows = window.case.sources() if window.case is not None else []
    by_reader = [r.name for r in rows if r.importer == importer]
    by_name = [r.name for r in rows if r.name.lower().endswith(suffix)]
    return (by_reader or by_name or [fallback])[0]


def ask_date_order(window: MainWindow) -> QWidget | None:
    """The question asked when every date in a chat could be day or month first."""
    if window.case is None:
        return None
    name = _source_name(window, "whatsapp", ".txt", "WhatsApp Chat with Daniel.txt")
    dialog = DateOrderDialog(name, ("dmy", "mdy"), "05/03/2024", ["WhatsApp Chat.txt"], window)
    dialog.show()
    return dialog


def ask_password(window: MainWindow) -> QWidget | None:
    """The question asked for a file locked with a password."""
    if window.case is None:
        return None
    name = _source_name(window, "pdf", ".pdf", "Statement.pdf")
    dialog = PasswordDialog(name, parent=window)
    dialog.show()
    return dialog


def import_options(window: MainWindow) -> QWidget | None:
    """The step before choosing files: the time zone of the files."""
    if window.case is None:
        return None
    dialog = ImportOptionsDialog(window.case.zone, window.case.zone, "files", window)
    dialog.show()
    return dialog


def import_progress(window: MainWindow) -> QWidget | None:
    """The status bar while an import runs (shown with made-up progress, then hidden)."""
    if window.case is None:
        return None
    window.show_progress(
        "Importing…", Progress(7, 24, "Importing chat-export.txt"), cancellable=True
    )
    return window.statusBar()


def ocr_progress(window: MainWindow) -> QWidget | None:
    """The status bar while OCR reads images after an import (made-up progress)."""
    if window.case is None:
        return None
    picture = _picture(window.case)
    name = picture.source_name if picture is not None else "Screenshot_20240309-231512.png"
    p = Progress(3, 12, f"Reading text in {name}")
    window.show_progress(
        f"{OCR_TITLE}…", Progress(p.done, p.total, ocr_message(p)), cancellable=True
    )
    return window.statusBar()


def shortcuts(window: MainWindow) -> QWidget | None:
    """The keyboard help."""
    return window.show_shortcuts()


SHOTS: list[tuple[str, Prepare]] = [
    ("welcome.png", welcome),
    ("main-window.png", main_window),
    ("timeline.png", timeline),
    ("details.png", details),
    ("details-image.png", details_image),
    ("sources.png", sources),
    ("audit.png", audit),
    ("import-options.png", import_options),
    ("import-summary.png", import_summary),
    ("ask-date-order.png", ask_date_order),
    ("ask-password.png", ask_password),
    ("shortcuts.png", shortcuts),
    ("ocr-progress.png", ocr_progress),  # these two leave the status bar busy
    ("import-progress.png", import_progress),
]


def take_screenshots(window: MainWindow, folder: Path) -> list[Path]:
    """Render every registered view that applies into `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    settle()
    for name, prepare in SHOTS:
        widget = prepare(window)
        if widget is None:
            continue
        settle()
        path = folder / name
        if not widget.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        written.append(path)
        if isinstance(widget, QDialog):
            widget.close()
    window.hide_progress()
    return written


# The detail viewers, each drawn on its own; their prepare functions live beside them.
from ui.viewers.shots import VIEWER_SHOTS  # noqa: E402

SHOTS.extend(VIEWER_SHOTS)

# The pattern-of-contact charts and the participants panel, each on its own.
from ui.views.shots import VIEW_SHOTS  # noqa: E402

SHOTS.extend(VIEW_SHOTS)

# The offence tagger: its panel, the whole window while tagging, coverage, Add charge.
from ui.tagging.shots import TAGGER_SHOTS  # noqa: E402

SHOTS.extend(TAGGER_SHOTS)


def timeline_search(window: MainWindow) -> QWidget | None:
    """The window searching the timeline (the demo case for "pictures"); leaves it searched."""
    case = window.case
    if case is None:
        return None
    word = "pictures"
    if not case.setting(DEMO_MARKER):
        first = case.timeline_rows(window.timeline_model.event_ids()[:1])
        words = first[0].text.split() if first else []
        if not words:
            return None
        word = words[0]
    window.hide_progress()  # the progress shots leave made-up jobs showing
    window.search_box.setText(word)
    window.run_search()
    return window


SHOTS.append(("timeline-search.png", timeline_search))

# Redaction: boxes on a PDF page and a picture, the redaction log, search and redact.
from ui.redaction.shots import REDACTION_SHOTS  # noqa: E402

SHOTS.extend(REDACTION_SHOTS)

# Exhibits and disclosure packs: the export dialog with its preview, the Exhibits dock.
from ui.export.shots import EXPORT_SHOTS  # noqa: E402

SHOTS.extend(EXPORT_SHOTS)

# Presenting: the court's screen, the presenter window, the Presentations dock.
from ui.present.shots import SHOTS_PRESENT  # noqa: E402

SHOTS.extend(SHOTS_PRESENT)

# Encrypted cases: New case with a passphrase, the question on open, the change.
from ui.dialogs.shots import PASSPHRASE_SHOTS  # noqa: E402

SHOTS.extend(PASSPHRASE_SHOTS)

# Police material: a phone extraction's chat in the timeline; attribution of accounts.
from ui.attribution.shots import ATTRIBUTION_SHOTS  # noqa: E402

SHOTS.extend(ATTRIBUTION_SHOTS)
