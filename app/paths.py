"""Where Threadline keeps its own files: the user's data folder, nowhere else."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path


def user_data_dir() -> Path:
    """The per-user data folder (`THREADLINE_HOME` overrides it, e.g. for tests)."""
    override = os.environ.get("THREADLINE_HOME")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "Threadline"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Threadline"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "threadline"


def configure_logging(stderr_level: int = logging.CRITICAL + 1) -> Path:
    """Log diagnostics to a rotating file in the data folder; returns the file's path.

    Diagnostics never reach the terminal by default: users get one-line errors, and the
    details (tracebacks of importer bugs) go to the file for whoever supports them.
    """
    folder = user_data_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "threadline.log"
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    console = logging.StreamHandler()
    console.setLevel(stderr_level)
    root.addHandler(console)
    return path
