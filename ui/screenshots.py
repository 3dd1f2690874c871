"""Screenshots of every main view, for review: a registry of (file name, prepare) pairs.

A later view adds itself with one line: `SHOTS.append(("my-view.png", prepare))`, where
`prepare(window)` sets the view up and returns the widget to grab, or None to skip the shot
(for instance when no case is open).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QWidget

from app.ingest.job import FileResult, ImportReport
from app.jobs import Progress
from ui.main_window import MainWindow

Prepare = Callable[[MainWindow], QWidget | None]


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


def main_window(window: MainWindow) -> QWidget | None:
    """The whole window on a case, an event chosen."""
    if window.case is None:
        return None
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


def sources(window: MainWindow) -> QWidget | None:
    """The sources dock."""
    return window.sources_dock if window.case is not None else None


def audit(window: MainWindow) -> QWidget | None:
    """The audit log dock."""
    return window.audit_dock if window.case is not None else None


def import_summary(window: MainWindow) -> QWidget | None:
    """The summary shown after an import, made from the case's own sources."""
    if window.case is None:
        return None
    rows = [r for r in window.case.sources() if r.parent_id is None]
    if not rows:
        return None
    names = {r.id: r.name for r in rows}
    report = ImportReport(
        [
            FileResult(
                path=r.path,
                status=r.status,
                importer=r.importer,
                source_id=r.id,
                items=r.item_count,
                warnings=list(r.warnings),
                reason=(
                    f"same content as source {r.duplicate_of} ({names.get(r.duplicate_of, '')})"
                    if r.duplicate_of is not None
                    else ""
                ),
            )
            for r in rows
        ]
    )
    return window.show_import_summary(report)


def import_progress(window: MainWindow) -> QWidget | None:
    """The status bar while an import runs (shown with made-up progress, then hidden)."""
    if window.case is None:
        return None
    window.show_progress(
        "Importing…", Progress(7, 24, "Importing chat-export.txt"), cancellable=True
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
    ("sources.png", sources),
    ("audit.png", audit),
    ("import-summary.png", import_summary),
    ("shortcuts.png", shortcuts),
    ("import-progress.png", import_progress),  # last: it leaves the status bar busy
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
    window.hide_progress()
    return written
