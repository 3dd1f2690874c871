"""Cancel tokens and progress sinks for long jobs, free of any GUI toolkit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.errors import Cancelled


class CancelToken:
    """A thread-safe flag a job checks every few records; `check()` raises `Cancelled`."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancellation was asked for."""
        return self._event.is_set()

    def check(self) -> None:
        """Raise `Cancelled` if cancellation was asked for."""
        if self._event.is_set():
            raise Cancelled("cancelled by the user")


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a job is: `done` of `total` units (total 0 when unknown), and what it is on."""

    done: int
    total: int
    message: str


ProgressCallback = Callable[[Progress], None]


class ThrottledProgress:
    """Forwards progress at most `per_second` times a second, and always the last report."""

    def __init__(self, callback: ProgressCallback | None, per_second: float = 10.0) -> None:
        self._callback = callback
        self._interval = 1.0 / per_second
        self._last = 0.0

    def __call__(self, done: int, total: int, message: str, *, force: bool = False) -> None:
        """Report progress, dropping reports that come faster than the throttle allows."""
        if self._callback is None:
            return
        now = time.monotonic()
        if force or now - self._last >= self._interval or done >= total > 0:
            self._last = now
            self._callback(Progress(done, total, message))
