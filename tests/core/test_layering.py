"""The core is a library: importing all of it loads no Qt (checked in a clean process)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import app

REPO = Path(__file__).resolve().parents[2]


def test_app_imports_no_qt() -> None:
    modules = sorted(
        m.name for m in pkgutil.walk_packages(app.__path__, "app.") if ".migrations" not in m.name
    )
    assert "app.cli" in modules
    assert "app.ingest.job" in modules
    probe = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'PyQt5', 'PyQt6', 'ui')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_import_contracts_hold() -> None:
    """app never imports Qt or ui; ui never imports SQLAlchemy, sqlite3 or the store."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
