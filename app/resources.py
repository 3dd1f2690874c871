"""Where Threadline's bundled data files (offence library, rules) live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "THREADLINE_RESOURCES"


def resources_dir() -> Path:
    """The `resources/` folder: `THREADLINE_RESOURCES`, a PyInstaller bundle, or the source tree."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"
