"""Start the window: `run(argv)` parses `[CASE] [--demo] [--screenshot DIR]` and returns a code."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import cast

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app.case import Case, needs_passphrase
from app.cli import PASSPHRASE_ENV
from app.errors import EvidenceError
from app.jobs import Progress
from app.paths import user_data_dir
from ui.errors import ExceptionHook, install_excepthook, message_for, show_error
from ui.main_window import APP_NAME, MainWindow
from ui.settings import APPLICATION, ORGANISATION, SettingsStore
from ui.theme import apply_theme

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The window's arguments."""
    parser = argparse.ArgumentParser(
        prog="threadline", description="Threadline: the window. Opens CASE if given."
    )
    parser.add_argument("case", nargs="?", help="a case folder to open")
    parser.add_argument("--demo", action="store_true", help="build (once) and open the demo case")
    parser.add_argument(
        "--screenshot",
        metavar="DIR",
        type=Path,
        help="render every main view to PNG files in DIR, print their paths and exit",
    )
    return parser


def needs_offscreen() -> bool:
    """Whether this is Linux with no display and no platform chosen: render offscreen then."""
    if not sys.platform.startswith("linux"):
        return False
    return not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def _stderr_progress(p: Progress) -> None:
    total = f"/{p.total}" if p.total else ""
    sys.stderr.write(f"[{p.done}{total}] {p.message}\n")
    sys.stderr.flush()


def _application() -> QApplication:
    existing = QApplication.instance()
    app = cast(QApplication, existing) if existing is not None else QApplication(["threadline"])
    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationDisplayName(APP_NAME)
    apply_theme(app)
    return app


def _quiet_offscreen_notes(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Drop the offscreen plugin's note that it cannot size windows; pass the rest on."""
    if "propagateSizeHints" in message:
        return
    sys.stderr.write(f"{message}\n")


def run(argv: list[str]) -> int:
    """Open the window (or render it to files); returns the process exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else 2
    shots: Path | None = args.screenshot
    if needs_offscreen():
        # Must happen before the QApplication exists.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        # Nobody can see an offscreen window: do the main job, write and print screenshots.
        qInstallMessageHandler(_quiet_offscreen_notes)
        if shots is None:
            shots = user_data_dir() / "screenshots"
    headless = shots is not None

    case_path: str | None = args.case
    if args.demo:
        from app.demo import ensure_demo_case

        try:
            case_path = str(ensure_demo_case(progress=_stderr_progress))
        except EvidenceError as exc:
            sys.stderr.write(f"threadline: the demo case could not be built: {exc}\n")
            return 1

    app = _application()
    hook, previous = install_excepthook(headless)
    try:
        window = MainWindow(SettingsStore(persistent=not headless), sync_loads=headless)
        error: EvidenceError | None = None
        ask_for = ""
        if case_path:
            try:
                if needs_passphrase(case_path) and not headless:
                    ask_for = case_path  # asked in the window, once it shows
                else:  # nobody can type offscreen: the variable, as on the command line
                    passphrase = os.environ.get(PASSPHRASE_ENV)
                    window.set_case(Case.open(case_path, passphrase=passphrase))
            except EvidenceError as exc:
                error = exc
        if headless:
            assert shots is not None
            if error is not None:
                sys.stderr.write(f"threadline: {message_for(error)}\n")
                window.close()
                return 1
            return _screenshots(window, shots, hook)
        window.show()
        if error is not None:
            show_error(window, error, "Open case")
        elif ask_for:
            window.open_case(ask_for)
        return app.exec()
    finally:
        sys.excepthook = previous


def _screenshots(window: MainWindow, folder: Path, hook: ExceptionHook) -> int:
    """Render every view, print the files' paths; non-zero if anything went wrong."""
    from ui.screenshots import take_screenshots

    errors_before = hook.seen
    window.show()
    try:
        paths = take_screenshots(window, folder)
    except OSError as exc:
        sys.stderr.write(f"threadline: {message_for(exc)}\n")
        return 1
    finally:
        window.close()
    for path in paths:
        sys.stdout.write(f"{path}\n")
    sys.stdout.flush()
    return 1 if hook.seen > errors_before else 0
