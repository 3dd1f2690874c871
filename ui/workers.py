"""Background jobs: one `JobRunner` for every long task, reporting through queued signals.

A job is a plain callable `job(progress, cancel)` from the core. The runner calls it on a
pool thread and never touches a widget or a model: results, errors and progress go back to
the GUI thread through `JobSignals`, whose object lives there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.errors import Cancelled
from app.jobs import CancelToken, Progress, ProgressCallback

log = logging.getLogger(__name__)

Job = Callable[[ProgressCallback, CancelToken], Any]

PROGRESS_INTERVAL_S = 0.1


class JobSignals(QObject):
    """What a running job tells the window; `finished` always comes last."""

    progress = Signal(object)  # app.jobs.Progress
    succeeded = Signal(object)  # the job's return value
    failed = Signal(object)  # the Exception it raised
    cancelled = Signal()
    finished = Signal()


class JobRunner(QRunnable):
    """Runs one job on a pool thread; cancel it with `cancel()` from any thread."""

    def __init__(self, job: Job, name: str = "job") -> None:
        super().__init__()
        # The window keeps the runner until `finished`; Qt must not delete it under Python.
        self.setAutoDelete(False)
        self.name = name
        self.job = job
        self.token = CancelToken()
        self.signals = JobSignals()
        self._last_progress = 0.0

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self.token.cancel()

    @property
    def cancel_requested(self) -> bool:
        """Whether `cancel()` was called."""
        return self.token.cancelled

    def _progress(self, p: Progress) -> None:
        # The core throttles already; this guards jobs that do not.
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL_S or p.done >= p.total > 0:
            self._last_progress = now
            self.signals.progress.emit(p)

    def run(self) -> None:
        """Run the job and report how it ended (called by the pool)."""
        try:
            result = self.job(self._progress, self.token)
        except Cancelled:
            log.info("%s cancelled", self.name)
            self.signals.cancelled.emit()
        except Exception as exc:  # every failure goes back to the window as a signal
            log.exception("%s failed", self.name)
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()


def writer_pool(parent: QObject) -> QThreadPool:
    """The one pool every store write goes through: a single thread, so writes queue."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(1)
    return pool


def reader_pool(parent: QObject) -> QThreadPool:
    """A small pool for reads (id lists, sources, audit, verification)."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(2)
    return pool
