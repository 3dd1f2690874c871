"""Errors at the window's edge: one plain dialog for expected errors, one for bugs."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.errors import Cancelled, CaseLocked, EvidenceError, NeedsDecision
from app.paths import user_data_dir

log = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def message_for(exc: BaseException) -> str:
    """The sentence a user reads for an error."""
    if isinstance(exc, NeedsDecision):
        return f"{exc}\n\nChoose {exc.option.replace('_', ' ')} ({', '.join(exc.choices)})."
    if isinstance(exc, CaseLocked):
        return f"{exc}.\n\nClose it there first, or open it read-only."
    if isinstance(exc, EvidenceError):
        return str(exc)
    if isinstance(exc, OSError):
        name = f"{exc.filename}: " if exc.filename else ""
        return f"{name}{exc.strerror or exc}"
    return (
        f"Something went wrong inside Threadline ({type(exc).__name__}: {exc}).\n\n"
        f"The details are in the log in {user_data_dir() / 'logs'}."
    )


def show_error(parent: QWidget | None, exc: BaseException, title: str = "Threadline") -> None:
    """Tell the user about an error in a window-modal box that does not block the caller."""
    if isinstance(exc, Cancelled):
        return
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(message_for(exc))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def offer_read_only(
    parent: QWidget | None,
    exc: CaseLocked,
    open_read_only: Callable[[], object],
    title: str = "Open case",
) -> QMessageBox:
    """Say who holds a case and offer to open it read-only (or cancel); does not block."""
    box = QMessageBox(parent)
    box.setObjectName("case-locked")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(f"{exc}.")
    box.setInformativeText(
        "Only one window at a time can change a case. Open it read-only to read, search "
        "and verify it; importing, tagging, redacting, exhibits and presentations stay off "
        "until it is closed there."
    )
    read_only = box.addButton("Open &read-only", QMessageBox.ButtonRole.AcceptRole)
    read_only.setObjectName("open-read-only")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(read_only)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    read_only.clicked.connect(open_read_only)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


class ExceptionHook:
    """`sys.excepthook` for the window: log every unexpected error, show at most one box."""

    def __init__(self, headless: bool) -> None:
        self.headless = headless
        self.seen = 0
        self._showing = False

    def __call__(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        self.seen += 1
        log.critical("unexpected error", exc_info=(kind, exc, tb))
        if self.headless or QApplication.instance() is None:
            sys.stderr.write(f"threadline: {message_for(exc)}\n")
            return
        if self._showing:
            return
        self._showing = True
        box = QMessageBox(QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Threadline")
        box.setText(message_for(exc))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._closed)
        box.open()

    def _closed(self) -> None:
        self._showing = False


def install_excepthook(headless: bool) -> tuple[ExceptionHook, ExceptHook]:
    """Install the hook; returns it and the previous one, to restore when the window closes."""
    previous = sys.excepthook
    hook = ExceptionHook(headless)
    sys.excepthook = hook
    return hook, previous
