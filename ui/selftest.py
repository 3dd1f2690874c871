"""The window's part of `--self-test`, and the start-up timing of the packaging build.

`render_window` opens a case in the main window offscreen, checks it shows the case's
timeline and saves a screenshot; `show_first_window` opens the window on a case and returns
once it is on screen with the case loaded (the build times it from the process start).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app.case import Case
from app.errors import EvidenceError

log = logging.getLogger(__name__)

SCREENSHOT = "main-window.png"


def _app(offscreen: bool) -> QApplication:
    """The running QApplication, or a new one (offscreen when asked or when there is no display)."""
    from ui.app import _application, _quiet_offscreen_notes, needs_offscreen

    if QApplication.instance() is None:
        if offscreen or needs_offscreen():
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
            qInstallMessageHandler(_quiet_offscreen_notes)
    return _application()


def render_window(case_folder: Path, out_dir: Path) -> Path:
    """Open `case_folder` in the main window offscreen, save a screenshot in `out_dir`, close.

    Raises `EvidenceError` when the window does not show the case's timeline or the
    screenshot cannot be saved.
    """
    from ui.main_window import MainWindow
    from ui.settings import SettingsStore

    app = _app(offscreen=True)
    window = MainWindow(SettingsStore(persistent=False), sync_loads=True)
    try:
        window.set_case(Case.open(case_folder))
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        rows = window.timeline_model.rowCount()
        if rows == 0:
            raise EvidenceError("the window shows an empty timeline")
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / SCREENSHOT
        if not window.grab().save(str(path)):
            raise EvidenceError(f"the screenshot could not be saved to {path}")
        log.info("self-test window: %d timeline rows, screenshot %s", rows, path)
        return path
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()


def show_first_window(case_folder: Path) -> float:
    """Show the main window on `case_folder` (its timeline loaded), close it; returns seconds."""
    from ui.main_window import MainWindow
    from ui.settings import SettingsStore

    started = time.perf_counter()
    app = _app(offscreen=False)
    window = MainWindow(SettingsStore(persistent=False), sync_loads=True)
    try:
        window.set_case(Case.open(case_folder))
        window.show()
        app.processEvents()
        if window.timeline_model.rowCount() == 0:
            raise EvidenceError("the window shows an empty timeline")
        return time.perf_counter() - started
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
