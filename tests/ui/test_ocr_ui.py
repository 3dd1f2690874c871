"""OCR and thumbnails in the window: the job after an import, the setting, Cancel, the
OCR block of the details pane, thumbnails made off the GUI thread. A fake engine keeps
every test fast."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import ImportReport, import_paths
from app.jobs import Progress
from app.model import AuditRow
from app.ocr import OcrReport, OcrWord, ocr_enabled, pending
from tests.ui.conftest import LOAD_TIMEOUT_MS, write_evidence
from ui.app import run
from ui.main_window import MainWindow
from ui.models.audit import ACTIONS, summary
from ui.ocr import OCR_LABEL, OCR_TITLE, ocr_message, ocr_summary
from ui.settings import SettingsStore

COLOURS = ["red", "green", "blue", "orange", "purple", "teal"]


class FakeEngine:
    """Two words per image, the first naming the call; can fail on one call."""

    label = "fake engine"

    def __init__(self, fail_on: int = -1) -> None:
        self.calls = 0
        self.fail_on = fail_on
        self._lock = threading.Lock()

    def read(self, image: Image.Image) -> list[OcrWord]:
        with self._lock:
            n = self.calls
            self.calls += 1
        if n == self.fail_on:
            raise RuntimeError("the fake engine choked")
        return [OcrWord(2, 2, 30, 12, f"zebra{n}", 0), OcrWord(34, 2, 60, 12, "crossing", 0)]


class BlockingEngine(FakeEngine):
    """Waits on its first image until released, so a test can act while OCR runs."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.release = threading.Event()

    def read(self, image: Image.Image) -> list[OcrWord]:
        self.started.set()
        assert self.release.wait(LOAD_TIMEOUT_MS / 1000), "the test never released the engine"
        return super().read(image)


def write_pictures(folder: Path, count: int) -> list[Path]:
    """`count` small PNGs with different pixels (so none is a duplicate of another)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"shot-{n}.png"
        Image.new("RGB", (80 + n, 60), COLOURS[n % len(COLOURS)]).save(path)
        paths.append(path)
    return paths


@pytest.fixture
def picture_window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """A window on a case with two text notes and one picture, not read by OCR yet."""
    files = [*write_evidence(tmp_path / "notes", 2), *write_pictures(tmp_path / "pic", 1)]
    with Case.create(tmp_path / "Pictures") as case:
        assert import_paths(case, files).count("imported") == 3
        folder = case.folder
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(folder))
    yield w
    w.close()


def _case(window: MainWindow) -> Case:
    assert window.case is not None
    return window.case


def _image_row(window: MainWindow, *, with_ocr: bool = False) -> int:
    model = window.timeline_model
    for n in range(model.rowCount()):
        row = model.row_at(n)
        if row is not None and row.item_kind == "image" and (row.has_ocr or not with_ocr):
            return n
    return -1


def _select(window: MainWindow, row: int) -> None:
    window.focus_timeline()
    window.timeline_pane.table.selectRow(row)


def test_ocr_runs_after_an_import_and_the_details_mark_its_text_as_ocr(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    engine = FakeEngine()
    window.ocr_engine_factory = lambda: engine
    assert window.ocr_toggle.isChecked()  # on by default, as the case says
    assert window.actions_by_name["run_ocr"].shortcut().toString() == "Ctrl+Shift+O"
    write_pictures(tmp_path / "pics", 3)
    write_evidence(tmp_path / "pics", 1, prefix="caption")
    with qtbot.waitSignal(window.ocr_finished, timeout=LOAD_TIMEOUT_MS) as finished:
        assert window.start_import([str(tmp_path / "pics")]) is not None
    report = finished.args[0]
    assert isinstance(report, OcrReport)
    assert (report.items, report.words, report.failures, report.cancelled) == (3, 6, (), False)
    assert engine.calls == 3  # the pictures, not the text file
    assert window.statusBar().currentMessage() == "OCR: 3 images read, 6 words."
    assert not window.findChildren(QMessageBox)  # nothing failed: no note at all

    # The window re-reads the case: the rows know they have OCR text now.
    qtbot.waitUntil(lambda: _image_row(window, with_ocr=True) >= 0, timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.job is None, timeout=LOAD_TIMEOUT_MS)
    assert not window.job_bar.isVisibleTo(window)
    case = _case(window)
    assert pending(case) == []
    assert [h.in_ocr for h in case.search("crossing")] == [True, True, True]

    row = _image_row(window, with_ocr=True)
    _select(window, row)
    details = window.details
    shown = window.timeline_model.row_at(row)
    assert shown is not None
    assert details.ocr_box.isVisibleTo(details)
    assert details.ocr_title.text() == OCR_LABEL == "Text read by OCR — not evidence text"
    assert details.ocr_text.toPlainText() == case.item_ocr_text(shown.item_id)
    assert details.ocr_text.toPlainText().endswith(" crossing")
    assert details.ocr_text.font().italic()
    assert not details.text.font().italic()
    assert details.ocr_text.palette().base().color() != details.text.palette().base().color()
    assert "crossing" not in details.text.toPlainText()  # never mixed with evidence text

    # A text row has no OCR block.
    for n in range(window.timeline_model.rowCount()):
        other = window.timeline_model.row_at(n)
        if other is not None and other.item_kind == "text":
            _select(window, n)
            break
    assert not details.ocr_box.isVisibleTo(details)


def test_failures_are_listed_in_a_note_that_does_not_block(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.ocr_engine_factory = lambda: FakeEngine(fail_on=1)
    write_pictures(tmp_path / "pics", 2)
    with qtbot.waitSignal(window.ocr_finished, timeout=LOAD_TIMEOUT_MS) as finished:
        window.start_import([str(tmp_path / "pics")])
    report = finished.args[0]
    assert isinstance(report, OcrReport)
    assert report.items == 1
    assert len(report.failures) == 1
    assert window.statusBar().currentMessage() == (
        "OCR: 1 image read, 2 words; 1 could not be read."
    )
    note = window.findChild(QMessageBox, "ocr-failures")
    assert note is not None
    assert note.isVisible()
    assert not note.isModal()
    assert note.windowModality() == Qt.WindowModality.NonModal
    assert "the fake engine choked" in note.informativeText()
    assert "OCR could not read 1 item" in note.text()


def test_with_the_setting_off_no_ocr_runs_after_an_import(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    engine = FakeEngine()
    window.ocr_engine_factory = lambda: engine
    case = _case(window)
    with qtbot.waitSignal(window.ocr_setting_saved, timeout=LOAD_TIMEOUT_MS) as saved:
        window.ocr_toggle.trigger()  # what choosing it in the Case menu does
    assert saved.args == [False]
    assert not window.ocr_toggle.isChecked()
    assert not ocr_enabled(case)
    entries = [r for r in case.audit_rows() if r.action == "setting"]
    assert len(entries) == 1
    assert entries[0].payload == {"key": "ocr", "value": "off", "previous": None}

    write_pictures(tmp_path / "pics", 2)
    with qtbot.assertNotEmitted(window.ocr_finished, wait=300):
        with qtbot.waitSignal(window.import_finished, timeout=LOAD_TIMEOUT_MS) as finished:
            window.start_import([str(tmp_path / "pics")])
        report = finished.args[0]
        assert isinstance(report, ImportReport)
        assert report.count("imported") == 2
    assert window.job is None
    assert engine.calls == 0

    # Run OCR now says why it does nothing; turned back on, it reads what is waiting.
    window.actions_by_name["run_ocr"].trigger()
    assert "OCR is off for this case" in window.statusBar().currentMessage()
    assert window.job is None
    with qtbot.waitSignal(window.ocr_setting_saved, timeout=LOAD_TIMEOUT_MS):
        window.ocr_toggle.trigger()
    assert ocr_enabled(case)
    assert len(pending(case)) == 2
    with qtbot.waitSignal(window.ocr_finished, timeout=LOAD_TIMEOUT_MS) as finished:
        window.actions_by_name["run_ocr"].trigger()
        assert window.job_kind == "ocr"
        assert not window.actions_by_name["run_ocr"].isEnabled()
    assert isinstance(finished.args[0], OcrReport)
    assert finished.args[0].items == 2
    assert pending(case) == []


def test_cancel_stops_the_ocr_job_and_keeps_what_was_read(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    engine = BlockingEngine()
    window.ocr_engine_factory = lambda: engine
    write_pictures(tmp_path / "pics", 4)
    with qtbot.waitSignal(window.import_finished, timeout=LOAD_TIMEOUT_MS):
        window.start_import([str(tmp_path / "pics")])
    qtbot.waitUntil(engine.started.is_set, timeout=LOAD_TIMEOUT_MS)
    assert window.job_kind == "ocr"
    qtbot.waitUntil(
        lambda: window.job_label.text().startswith(f"{OCR_TITLE} 0/4 · shot-"),
        timeout=LOAD_TIMEOUT_MS,
    )
    assert window.job_bar.isVisibleTo(window)
    assert window.job_cancel.isEnabled()
    cancel = window.actions_by_name["cancel_job"]
    assert cancel.isEnabled()
    assert cancel.text() == "&Cancel OCR"
    with qtbot.waitSignal(window.ocr_finished, timeout=LOAD_TIMEOUT_MS) as finished:
        cancel.trigger()  # Esc
        engine.release.set()
    report = finished.args[0]
    assert isinstance(report, OcrReport)
    assert report.cancelled
    assert report.items == 1  # the image in hand is finished, the rest wait
    assert len(pending(_case(window))) == 3
    assert "Stopped" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.job is None, timeout=LOAD_TIMEOUT_MS)
    assert not window.job_bar.isVisibleTo(window)
    assert window._ocr_queue is None  # not restarted by itself


def test_an_import_during_ocr_pauses_it_and_ocr_carries_on_after(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    engine = BlockingEngine()
    window.ocr_engine_factory = lambda: engine
    write_pictures(tmp_path / "pics", 3)
    with qtbot.waitSignal(window.import_finished, timeout=LOAD_TIMEOUT_MS):
        window.start_import([str(tmp_path / "pics")])
    qtbot.waitUntil(engine.started.is_set, timeout=LOAD_TIMEOUT_MS)
    runs: list[OcrReport] = []
    window.ocr_finished.connect(runs.append)
    more = write_evidence(tmp_path / "more", 2, prefix="later")
    assert window.start_import([str(p) for p in more]) is None  # queued behind the pause
    assert window.job_label.text() == "OCR pauses for the import…"
    with qtbot.waitSignal(window.import_finished, timeout=LOAD_TIMEOUT_MS) as imported:
        engine.release.set()
    report = imported.args[0]
    assert isinstance(report, ImportReport)
    assert report.count("imported") == 2
    qtbot.waitUntil(lambda: len(runs) == 2, timeout=LOAD_TIMEOUT_MS)
    assert [(r.items, r.cancelled) for r in runs] == [(1, True), (2, False)]
    assert not pending(_case(window))
    assert engine.calls == 3  # each picture read once
    qtbot.waitUntil(lambda: window.job is None, timeout=LOAD_TIMEOUT_MS)


def test_the_thumbnail_of_an_image_is_made_in_the_background(
    qtbot: QtBot, picture_window: MainWindow
) -> None:
    window = picture_window
    row = _image_row(window)
    assert row >= 0
    shown = window.timeline_model.row_at(row)
    assert shown is not None
    _select(window, row)
    details = window.details
    assert details.thumb.isVisibleTo(details)
    assert details.thumbnail_item == shown.item_id
    qtbot.waitUntil(lambda: details.has_thumbnail, timeout=LOAD_TIMEOUT_MS)
    assert details.thumb.pixmap().width() == 80  # small pictures are not enlarged
    case = _case(window)
    sha = case.item_blob_sha(shown.item_id)
    assert sha is not None
    assert case.derived.exists(f"thumbnails/{sha}_256.jpg")  # kept through the case

    # A text row hides it; back on the picture it is shown at once, from memory.
    other = 0 if row != 0 else 1
    _select(window, other)
    assert not details.thumb.isVisibleTo(details)
    _select(window, row)
    assert details.has_thumbnail
    assert not details.ocr_box.isVisibleTo(details)  # not read by OCR yet


def test_status_texts() -> None:
    assert ocr_message(Progress(3, 12, "Reading text in photo.png")) == (
        "Reading text in images (OCR) 3/12 · photo.png"
    )
    assert ocr_message(Progress(12, 12, "Reading text finished")) == (
        "Reading text in images (OCR) 12/12"
    )
    assert ocr_summary(OcrReport(items=12, pages=12, words=351)) == (
        "OCR: 12 images read, 351 words."
    )
    assert ocr_summary(OcrReport(items=2, pages=5, words=1)) == (
        "OCR: 2 items (5 pages) read, 1 word."
    )
    assert ocr_summary(OcrReport()) == "OCR: nothing left to read."
    assert ocr_summary(OcrReport(enabled=False)).startswith("OCR is off")


def test_screenshot_of_a_pictures_details_never_changes_a_real_case(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [*write_evidence(tmp_path / "notes", 1), *write_pictures(tmp_path / "pic", 1)]
    with Case.create(tmp_path / "Real") as case:
        assert import_paths(case, files).count("imported") == 2
        folder = case.folder
        entries = len(case.audit_rows())
    out = tmp_path / "shots"
    assert run(["--screenshot", str(out), str(folder)]) == 0
    printed = capsys.readouterr().out.split()
    assert str(out / "details-image.png") in printed
    assert str(out / "ocr-progress.png") in printed
    picture = QImage(str(out / "details-image.png"))
    assert picture.height() > 400
    # Only the demo case is read by OCR for a picture: this case is as it was.
    with Case.open(folder, readonly=True) as case:
        assert len(pending(case)) == 1
        assert len(case.audit_rows()) == entries


def test_the_audit_log_names_ocr_and_setting_entries() -> None:
    ocr_row = AuditRow(
        12, 0, "pc", "ocr", {"item_id": 4, "pages": [1], "words": 351, "engine": "rapidocr"}, ""
    )
    assert summary(ocr_row) == "item #4 — 351 words, by rapidocr"
    scan = AuditRow(
        13, 0, "pc", "ocr", {"item_id": 5, "pages": [2, 3], "words": 1, "engine": "e"}, ""
    )
    assert summary(scan) == "item #5 — 1 word, 2 pages, by e"
    setting = AuditRow(14, 0, "pc", "setting", {"key": "ocr", "value": "off", "previous": None}, "")
    assert summary(setting) == "ocr: unset → off"
    assert ACTIONS["ocr"] == "Text read by OCR"
    assert ACTIONS["setting"] == "Setting changed"
