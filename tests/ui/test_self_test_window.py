"""The window step of `--self-test` and the start-up timing the packaging build prints."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.case import Case
from ui.selftest import SCREENSHOT, render_window, show_first_window


def test_render_window_saves_a_screenshot_of_the_case_and_releases_it(
    qtbot: QtBot, case_path: Path, tmp_path: Path
) -> None:
    shot = render_window(case_path, tmp_path / "shots")

    assert shot == tmp_path / "shots" / SCREENSHOT
    image = QImage(str(shot))
    assert not image.isNull()
    assert image.width() >= 1000
    assert image.height() >= 700
    # The window closed the case: the self-test's next step can take the lock.
    Case.open(case_path).close()


def test_show_first_window_times_a_window_with_the_case_loaded(
    qtbot: QtBot, case_path: Path
) -> None:
    seconds = show_first_window(case_path)

    assert 0 < seconds < 60
    Case.open(case_path).close()
