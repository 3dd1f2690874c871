"""`run(["--screenshot", DIR, CASE])` renders the main views to real pictures and exits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ocr import OcrWord
from ui.app import needs_offscreen, run
from ui.screenshots import SHOTS


def _distinct_colours(image: QImage, samples: int = 40) -> int:
    seen = set()
    for i in range(samples):
        for j in range(samples):
            x = image.width() * i // samples
            y = image.height() * j // samples
            seen.add(image.pixel(x, y))
    return len(seen)


def test_screenshots_of_a_case(
    qtbot: QtBot, case_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shots"
    assert run(["--screenshot", str(out), str(case_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert str(out / "main-window.png") in printed
    assert str(out / "timeline.png") in printed
    for name in ("import-options.png", "import-summary.png", "ask-date-order.png"):
        assert str(out / name) in printed
    assert QImage(str(out / "import-summary.png")).width() > 600
    assert QImage(str(out / "ask-password.png")).height() > 100
    for name in ("main-window.png", "timeline.png", "sources.png", "audit.png"):
        image = QImage(str(out / name))
        assert not image.isNull(), name
        if name in ("main-window.png", "timeline.png"):
            assert image.width() > 400, name
            assert image.height() > 300, name
        assert _distinct_colours(image) > 3, name
    assert all(Path(p).is_file() for p in printed)
    # Nothing is left holding the case: the window closed it.
    assert not (case_path / "case.lock.json").exists()


def test_screenshots_without_a_case(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--screenshot", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert printed[0] == str(tmp_path / "welcome.png")
    assert QImage(printed[0]).width() > 400


def test_a_missing_case_is_an_error(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--screenshot", str(tmp_path), str(tmp_path / "nowhere")]) == 1
    assert "no case at" in capsys.readouterr().err


def test_the_registry_names_each_view_once() -> None:
    names = [name for name, _ in SHOTS]
    assert len(names) == len(set(names))
    assert all(name.endswith(".png") for name in names)


def test_offscreen_only_without_any_display(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert needs_offscreen()
    monkeypatch.setenv("DISPLAY", ":0")
    assert not needs_offscreen()


class OneLineEngine:
    """A fake OCR engine (the real one takes seconds to load): one line per image."""

    label = "fake engine"

    def read(self, image: object) -> list[OcrWord]:
        return [OcrWord(4, 4, 60, 16, "jess.r_92", 0), OcrWord(64, 4, 120, 16, "typing", 0)]


def test_demo_screenshots(
    qtbot: QtBot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("app.demo")
    from app import ocr
    from app.demo import demo_case_path

    def fake_ocr(case: Case, **kw: Any) -> ocr.OcrReport:
        return ocr.run_ocr(case, engine=OneLineEngine(), **kw)

    monkeypatch.setattr("ui.screenshots.run_ocr", fake_ocr)
    assert run(["--demo", "--screenshot", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    printed = captured.out.split()
    assert str(tmp_path / "main-window.png") in printed
    assert captured.err  # the demo build reports its progress on stderr
    # The picture's details, with the text OCR read in it (just now, for this one image).
    assert str(tmp_path / "details-image.png") in printed
    assert QImage(str(tmp_path / "details-image.png")).height() > 400
    assert QImage(str(tmp_path / "ocr-progress.png")).width() > 400
    with Case.open(demo_case_path(), readonly=True) as case:
        assert len(case.search("typing")) == 1
