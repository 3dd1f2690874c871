"""One writer per case: an OS file lock, released by the OS if the holder dies."""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import IO

from app.errors import CaseLocked

LOCK_NAME = "case.lock"
INFO_NAME = "case.lock.json"


def current_user() -> str:
    """The operating-system login name of whoever runs Threadline."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return os.environ.get("USERNAME") or os.environ.get("USER") or "unknown"


def _try_lock(fh: IO[bytes]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class CaseLock:
    """Holds the write lock of one case folder until `release()`.

    The lock is an OS lock, not the mere existence of a file, so a process that crashed or
    was killed leaves no stale lock behind: the next opener simply gets it. Who holds it is
    written beside it so a refused opener can say "open elsewhere by USER on HOST since TIME".
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._fh: IO[bytes] | None = None

    def acquire(self) -> None:
        """Take the lock or raise `CaseLocked` naming the holder."""
        fh = (self._folder / LOCK_NAME).open("a+b")
        if not _try_lock(fh):
            fh.close()
            raise CaseLocked(f"case {self._folder.name} is {self.holder()}")
        self._fh = fh
        info = {
            "user": current_user(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        }
        (self._folder / INFO_NAME).write_text(json.dumps(info), encoding="utf-8")

    def holder(self) -> str:
        """A sentence naming who holds the lock, as far as the info file tells."""
        try:
            info = json.loads((self._folder / INFO_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "open elsewhere"
        return f"open elsewhere by {info['user']} on {info['host']} since {info['since']}"

    def release(self) -> None:
        """Give the lock back."""
        if self._fh is not None:
            (self._folder / INFO_NAME).unlink(missing_ok=True)
            self._fh.close()
            self._fh = None
