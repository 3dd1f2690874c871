"""UI test setup: Qt renders offscreen, user data goes to a temporary folder, cases in tmp_path."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Both must be set before Qt or the data folder is first used.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
_HOME = tempfile.mkdtemp(prefix="threadline-ui-home-")
os.environ["THREADLINE_HOME"] = _HOME
atexit.register(shutil.rmtree, _HOME, True)

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

from app.case import Case  # noqa: E402
from app.ingest.job import import_paths  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.settings import SettingsStore  # noqa: E402

LOAD_TIMEOUT_MS = 10_000


def write_evidence(folder: Path, count: int, prefix: str = "note") -> list[Path]:
    """`count` small text files with distinct content, dated a day apart."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"{prefix}-{n:03d}.txt"
        path.write_text(
            f"{prefix} number {n}\nSeen near the flat at {n % 24:02d}:15.\n", encoding="utf-8"
        )
        moment = 1_709_550_000 + n * 86_400  # from 4 March 2024
        os.utime(path, (moment, moment))
        paths.append(path)
    return paths


@pytest.fixture
def case_path(tmp_path: Path) -> Path:
    """A closed case folder holding three imported text files."""
    files = write_evidence(tmp_path / "evidence", 3)
    with Case.create(tmp_path / "Example") as case:
        report = import_paths(case, files)
        assert report.count("imported") == 3
        return case.folder


@pytest.fixture
def window(qtbot: QtBot, case_path: Path, tmp_path: Path) -> Iterator[MainWindow]:
    """The main window with `case_path` open and loaded."""
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(case_path))
    yield w
    w.close()
