"""Importing from the window: the options step, questions instead of guesses, the summary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from app.case import Case
from app.importers.base import ImportOptions
from app.ingest import job as ingest_job
from app.ingest.job import FileResult, ImportReport, import_paths
from tests.ui.conftest import LOAD_TIMEOUT_MS
from ui.dialogs.ask import DateOrderDialog, PasswordDialog
from ui.dialogs.import_options import ImportOptionsDialog, known_zone
from ui.dialogs.import_summary import (
    DATES,
    FILE,
    ITEMS,
    PEOPLE,
    READ_AS,
    RESULT,
    WARNINGS,
    ImportSummary,
)
from ui.main_window import MainWindow
from ui.settings import SettingsStore

ANNA = "WhatsApp Chat with Anna.txt"
CARA = "WhatsApp Chat with Cara.txt"
EARLIER = [
    "13/03/2024, 10:00 - Anna: first",
    "13/03/2024, 10:05 - Ben: second",
    "14/03/2024, 21:30 - Anna: third",
]
# 13 can only be a day: the order is told from the file itself.
LATER = [*EARLIER, "15/03/2024, 08:00 - Ben: see you at the café"]
# Every date could be day or month first.
AMBIGUOUS = ["05/03/2024, 10:00 - Cara: are you there?", "06/03/2024, 11:00 - Dan: yes"]
GMT_5_MARCH_10H = 1_709_632_800_000_000  # 2024-03-05 10:00 UTC: day first, read in London


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.fixture
def chat_window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """A window on a case that already holds an earlier export of Anna's chat."""
    earlier = _write(tmp_path / "earlier" / ANNA, EARLIER)
    with Case.create(tmp_path / "Chats") as case:
        assert import_paths(case, [earlier]).count("imported") == 1
        folder = case.folder
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(folder))
    yield w
    w.close()


def _import(qtbot: QtBot, window: MainWindow, paths: list[Path]) -> ImportReport:
    with qtbot.waitSignal(window.import_finished, timeout=LOAD_TIMEOUT_MS) as finished:
        assert window.start_import([str(p) for p in paths]) is not None
    report = finished.args[0]
    assert isinstance(report, ImportReport)
    qtbot.waitUntil(lambda: window.job is None, timeout=LOAD_TIMEOUT_MS)
    return report


def _row(summary: ImportSummary, name: str) -> list[str]:
    for n in range(summary.tree.topLevelItemCount()):
        item = summary.tree.topLevelItem(n)
        assert item is not None
        if item.text(FILE) == name:
            return [item.text(c) for c in range(summary.tree.columnCount())]
    raise AssertionError(f"{name} is not in the summary")


def test_summary_and_the_day_first_answer(
    qtbot: QtBot, chat_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "new" / ANNA, LATER, encoding="cp1252")
    _write(tmp_path / "new" / CARA, AMBIGUOUS)
    asked: list[str] = []

    def answer_day_first(dialog: DateOrderDialog) -> int:
        asked.append(dialog.message.text())
        dialog.buttons["dmy"].click()
        return dialog.result()

    monkeypatch.setattr(DateOrderDialog, "exec", answer_day_first)
    report = _import(qtbot, chat_window, [tmp_path / "new"])

    assert len(asked) == 1
    assert CARA in asked[0]
    assert "day/month or month/day" in asked[0]
    assert "e.g. 05/03/2024" in asked[0]
    by_name = {Path(f.path).name: f for f in report.files}
    assert [f.status for f in report.files] == ["imported", "imported"]
    assert by_name[CARA].decisions["date_order"] == "dmy"
    assert by_name[CARA].decisions["date_order_from"] == "user"
    assert by_name[ANNA].matched == 3

    case = chat_window.case
    assert case is not None
    rows = case.timeline_rows(case.timeline_ids())
    cara = [r for r in rows if r.original == "05/03/2024, 10:00"]
    assert [r.ts_utc_us for r in cara] == [GMT_5_MARCH_10H]  # 5 March, not 3 May

    summary = chat_window.findChild(ImportSummary)
    assert summary is not None
    assert summary.isVisible()
    header = summary.tree.headerItem()
    assert header.text(DATES) == "Dates (Europe/London)"
    anna = _row(summary, ANNA)
    assert anna[RESULT] == "Imported"
    assert anna[READ_AS] == "WhatsApp"
    assert anna[ITEMS] == "1 new, 3 earlier"
    assert anna[PEOPLE] == "1"
    assert anna[DATES] == "15 Mar 2024 08:00"
    assert anna[WARNINGS] == "⚠ 1"
    cara_row = _row(summary, CARA)
    assert cara_row[ITEMS] == "2"
    assert cara_row[PEOPLE] == "2"
    assert cara_row[DATES] == "5 Mar 2024 10:00 – 6 Mar 2024 11:00"
    assert cara_row[WARNINGS] == "–"

    # Every cell fits its column: nothing is cut short.
    summary.show()
    qtbot.waitExposed(summary)
    fm = summary.tree.fontMetrics()
    for n in range(summary.tree.topLevelItemCount()):
        item = summary.tree.topLevelItem(n)
        assert item is not None
        for c in range(summary.tree.columnCount()):
            assert fm.horizontalAdvance(item.text(c)) < summary.tree.columnWidth(c), item.text(c)

    # The file with a warning is chosen first; its pane says everything, nothing cut short.
    text = summary.details.toPlainText()
    assert text.startswith(ANNA)
    assert "read as WhatsApp. 1 new item; 3 already in the case from an earlier export." in text
    assert "Friday 15 March 2024, 08:00:00 GMT (Europe/London)" in text
    assert "Text encoding: Windows-1252" in text
    assert "Date order: day first (03/04/2024 is 3 April 2024), worked out from the dates" in text
    assert "1 warning" in text
    assert "not valid UTF-8: read as Windows-1252" in text

    # The keyboard moves through the files and the pane follows.
    summary.tree.setFocus()
    current = summary.tree.currentItem()
    assert current is not None
    key = Qt.Key.Key_Down if current.text(FILE) == ANNA else Qt.Key.Key_Up
    qtbot.keyClick(summary.tree, key)
    text = summary.details.toPlainText()
    assert text.startswith(CARA)
    assert "Date order: day first (03/04/2024 is 3 April 2024), as you chose" in text
    assert "No warnings." in text


def test_cancelling_the_question_leaves_the_file_failed(
    qtbot: QtBot, chat_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ambiguous = _write(tmp_path / "new" / CARA, AMBIGUOUS)
    calls: list[int] = []

    def skip(dialog: DateOrderDialog) -> int:
        calls.append(1)
        dialog.skip.click()
        return dialog.result()

    monkeypatch.setattr(DateOrderDialog, "exec", skip)
    report = _import(qtbot, chat_window, [ambiguous])
    assert len(calls) == 1
    (result,) = report.files
    assert result.status == "failed"
    assert result.needs == ("date_order", ("dmy", "mdy"))
    case = chat_window.case
    assert case is not None
    assert [s.name for s in case.sources()] == [ANNA]  # nothing half-imported
    summary = chat_window.findChild(ImportSummary)
    assert summary is not None
    assert _row(summary, CARA)[RESULT] == "Could not be read"
    text = summary.details.toPlainText()
    assert "could be read day first or month first (for example 05/03/2024)" in text
    assert "no order was chosen" in text
    assert "--date-order" not in text  # the command line's advice is not the window's


def test_the_zone_of_the_options_step_reaches_the_import(
    qtbot: QtBot, chat_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = _write(tmp_path / "ny" / "WhatsApp Chat with Eve.txt", LATER)
    defaults: list[str] = []

    def choose_new_york(dialog: ImportOptionsDialog) -> int:
        defaults.append(dialog.zone_name())
        dialog.zone.setCurrentText("america/new york")  # case and spaces are forgiven
        dialog.ok.click()
        return dialog.result()

    monkeypatch.setattr(ImportOptionsDialog, "exec", choose_new_york)
    monkeypatch.setattr(
        "ui.main_window.QFileDialog.getOpenFileNames", lambda *a, **k: ([str(chat)], "")
    )
    with qtbot.waitSignal(chat_window.import_finished, timeout=LOAD_TIMEOUT_MS) as finished:
        chat_window.actions_by_name["import_files"].trigger()
    report = finished.args[0]
    assert isinstance(report, ImportReport)
    (result,) = report.files
    assert result.decisions["zone"] == "America/New_York"
    case = chat_window.case
    assert case is not None
    rows = case.timeline_rows(case.timeline_ids())
    eve = [r for r in rows if r.source_id == result.source_id]
    # 10:00 in New York on 13 March 2024 (daylight time, UTC-4) is 14:00 UTC.
    assert eve[0].original == "13/03/2024, 10:00"
    assert eve[0].ts_utc_us == 1_710_338_400_000_000
    summary = chat_window.findChild(ImportSummary)
    assert summary is not None
    assert "Time zone: America/New_York (not the case's zone, Europe/London)" in (
        summary.details.toPlainText()
    )
    # Remembered for the next import in this session.
    assert chat_window.ask_import_options() == ImportOptions(zone="America/New_York")
    assert defaults == ["Europe/London", "America/New_York"]


def test_enter_accepts_the_default_zone(qtbot: QtBot) -> None:
    dialog = ImportOptionsDialog("Europe/London", "", "folder")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.zone.itemText(0) == "Europe/London"
    assert dialog.ok.text() == "&Choose folder…"
    line = dialog.zone.lineEdit()
    assert line is not None
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.zone_name() == "Europe/London"
    assert known_zone(" europe/PARIS ") == "Europe/Paris"
    assert known_zone("Mars/Olympus") == ""
    other = ImportOptionsDialog("Europe/London")
    qtbot.addWidget(other)
    other.zone.setCurrentText("Mars/Olympus")
    assert not other.ok.isEnabled()
    other.accept()
    assert other.result() != QDialog.DialogCode.Accepted


def test_dropped_files_are_read_in_the_case_zone_without_asking(
    qtbot: QtBot, chat_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(dialog: ImportOptionsDialog) -> int:
        raise AssertionError("a drop must not ask for options")

    monkeypatch.setattr(ImportOptionsDialog, "exec", never)
    chat = _write(tmp_path / "drop" / "WhatsApp Chat with Fay.txt", LATER)
    report = _import(qtbot, chat_window, [chat])  # what a drop calls
    assert report.files[0].decisions["zone"] == "Europe/London"


def test_a_password_is_asked_for_and_used_once(
    qtbot: QtBot, chat_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(b"%PDF-1.7 pretend")
    seen: list[ImportOptions] = []

    def fake_import(case: Case, paths: list[str], **kw: object) -> ImportReport:
        options = kw["options"]
        assert isinstance(options, ImportOptions)
        seen.append(options)
        if options.password == "s3cret":
            return ImportReport([FileResult(str(locked), "imported", "pdf", items=1)])
        reason = "the file is encrypted" if not options.password else "wrong password"
        return ImportReport(
            [FileResult(str(locked), "failed", "pdf", reason=reason, needs=("password", ()))]
        )

    typed = iter(["guess", "s3cret"])
    retries: list[str] = []

    def type_password(dialog: PasswordDialog) -> int:
        assert dialog.field.echoMode() == QLineEdit.EchoMode.Password
        retries.append(dialog.message.text())
        dialog.field.setText(next(typed))
        dialog.open_button.click()
        return dialog.result()

    monkeypatch.setattr(ingest_job, "import_paths", fake_import)
    monkeypatch.setattr(PasswordDialog, "exec", type_password)
    report = _import(qtbot, chat_window, [locked])
    assert [o.password for o in seen] == ["", "guess", "s3cret"]
    assert "is locked with a password" in retries[0]
    assert "That password did not open" in retries[1]
    assert [f.status for f in report.files] == ["imported"]
    assert chat_window._batch is None  # nothing of the import (or its password) is kept


def test_the_real_question_is_modal_and_escape_skips(
    qtbot: QtBot, chat_window: MainWindow, tmp_path: Path
) -> None:
    ambiguous = _write(tmp_path / "new" / CARA, AMBIGUOUS)
    seen: list[QDialog] = []

    def press_escape() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DateOrderDialog):
            QTimer.singleShot(10, press_escape)
            return
        seen.append(dialog)
        assert dialog.focusWidget() is dialog.buttons["dmy"]
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, press_escape)
    report = _import(qtbot, chat_window, [ambiguous])
    assert len(seen) == 1
    assert report.files[0].status == "failed"
