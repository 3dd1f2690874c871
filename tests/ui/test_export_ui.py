"""Exhibits and disclosure packs in the window: exhibit references given from the timeline
and shown on its rows, the export dialog's preview, its refusal while a proposed redaction
waits for review, and an export run (and cancelled) in the background."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from app import audit
from app.case import Case
from app.export.exhibits import exhibits, lock_exhibits
from app.ingest.job import import_paths
from app.items import item_detail
from app.redaction.model import RedactionDraft, RedactionKind, RedactionState
from app.redaction.ops import AddRedactions, ReviewRedactions
from app.redaction.store import DEFAULT_SET, reasons
from tests.ui.conftest import LOAD_TIMEOUT_MS, write_evidence
from ui.export.controller import ExportController
from ui.export.dialog import ExportDialog
from ui.export.exhibit_dialog import ExhibitDialog
from ui.export.result import ExportResultDialog
from ui.main_window import MainWindow
from ui.models.timeline import TimelineModel
from ui.settings import SettingsStore

WAIT_MS = 10_000
EXPORT_WAIT_MS = 60_000


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed case holding four dated text notes."""
    root = tmp_path_factory.mktemp("export-ui")
    files = write_evidence(root / "evidence", 4)
    with Case.create(root / "Export") as case:
        assert import_paths(case, files).count("imported") == 4
        return case.folder


@pytest.fixture
def win(qtbot: QtBot, template: Path, tmp_path: Path) -> Iterator[MainWindow]:
    """The window (reading in the background, as for a user) on a fresh copy of the case."""
    folder = tmp_path / template.name
    shutil.copytree(template, folder)
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(folder))
    yield w
    w.close()


def _case(w: MainWindow) -> Case:
    assert w.case is not None
    return w.case


def _controller(w: MainWindow) -> ExportController:
    controller = w.export
    assert isinstance(controller, ExportController)
    return controller


def _select_rows(w: MainWindow, rows: list[int]) -> list[int]:
    """Choose these timeline rows (as Ctrl+click would); their item ids."""
    table = w.timeline_pane.table
    model = w.timeline_model
    selection = QItemSelection()
    for row in rows:
        selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
    table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    table.selectionModel().setCurrentIndex(
        model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    ids = []
    for row in rows:
        r = model.row_at(row)
        assert r is not None
        ids.append(r.item_id)
    return ids


def _exhibit_cell(w: MainWindow, row: int) -> str:
    return str(w.timeline_model.index(row, TimelineModel.EXHIBIT).data() or "")


def _propose(case: Case, item_id: int) -> int:
    """Propose redacting the first word of an item's text; the redaction's id."""
    draft = RedactionDraft(
        item_id=item_id,
        kind=RedactionKind.SPAN,
        reason=reasons()[0].code,
        target="text",
        start=0,
        end=4,
        quote="note",
    )
    op = AddRedactions(DEFAULT_SET, (draft,))
    op.apply(case)
    return op.ids[0]


def _open_preview(qtbot: QtBot, w: MainWindow) -> ExportDialog:
    dialog = _controller(w).open_dialog()
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.waiting, timeout=WAIT_MS)
    return dialog


# -- exhibits ---------------------------------------------------------------------------------


def test_giving_two_rows_an_exhibit_reference_shows_it_on_the_timeline(
    qtbot: QtBot, win: MainWindow
) -> None:
    w = win
    ids = _select_rows(w, [0, 1])
    w.actions_by_name["give_exhibit"].trigger()  # Ctrl+E
    dialog = w.findChild(ExhibitDialog, "exhibit-dialog")
    assert isinstance(dialog, ExhibitDialog)
    assert "The 2 items chosen" in dialog.intro.text()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no initials yet: no reference to give
    qtbot.keyClicks(dialog.initials, "ab")
    assert dialog.ref.text() == "AB/1"
    assert ok.isEnabled()
    qtbot.keyClicks(dialog.description, "Notes seen near the flat")
    qtbot.keyClick(dialog.description, Qt.Key.Key_Return)

    # Both rows show the reference; the third does not.
    assert _exhibit_cell(w, 0) == "AB/1"
    assert _exhibit_cell(w, 1) == "AB/1"
    assert _exhibit_cell(w, 2) == ""
    rows = exhibits(_case(w))
    assert [(r.ref, sorted(r.item_ids)) for r in rows] == [("AB/1", sorted(ids))]
    # The details of the current row, and the Exhibits dock, say so too.
    assert w.details.exhibit.text().startswith("AB/1 — Notes seen near the flat")
    panel = _controller(w).panel
    assert panel.model.rowCount() == 1
    assert panel.model.index(0, 2).data() == "2"
    # The initials are remembered: the next reference is proposed at once.
    assert w.settings.officer_initials == "AB"
    assert w.settings_store.load().officer_initials == "AB"
    _select_rows(w, [2])
    second = _controller(w).ask_exhibit()
    assert second is not None
    assert second.ref.text() == "AB/2"
    second.reject()

    # Undo takes it away again, everywhere.
    w.undo_stack.undo()
    assert _exhibit_cell(w, 0) == ""
    assert exhibits(_case(w)) == []
    assert panel.model.rowCount() == 0


def test_a_locked_exhibit_cannot_be_renamed_or_removed(qtbot: QtBot, win: MainWindow) -> None:
    w = win
    c = _controller(w)
    ids = _select_rows(w, [0])
    assert c.give_exhibit(ids, "AB/1", "Note")
    assert c.rename_exhibit("AB/1", "AB/5")
    assert _exhibit_cell(w, 0) == "AB/5"
    case = _case(w)
    with case.write() as s:  # as a completed export does
        lock_exhibits(s, [exhibits(case)[0].id], audit.now_us())
        case.audit(s, "test.lock", {})
    c.reload()
    assert c.panel.model.index(0, 3).data() == "🔒 locked"
    assert not c.rename_exhibit("AB/5", "AB/6")
    assert "cannot be renamed" in c.last_error
    assert not c.remove_exhibit("AB/5")
    assert "cannot be removed" in c.last_error
    assert [r.ref for r in exhibits(case)] == ["AB/5"]


def test_marking_material_sensitive_shows_in_the_details(qtbot: QtBot, win: MainWindow) -> None:
    w = win
    ids = _select_rows(w, [1])
    assert _controller(w).mark(ids, True, "Third-party note", "names a witness")
    assert w.details.exhibit.text() == "marked sensitive: names a witness"
    w.undo_stack.undo()
    assert w.details.exhibit.text() == "–"


# -- the export dialog ------------------------------------------------------------------------


def test_the_preview_lists_the_selected_items(qtbot: QtBot, win: MainWindow) -> None:
    w = win
    ids = _select_rows(w, [0, 2])
    dialog = _open_preview(qtbot, w)
    assert dialog.material_kind == "selection"
    assert sorted(i for e in dialog.entries for i in e.item_ids) == sorted(ids)
    assert dialog.tree.topLevelItemCount() == len(dialog.entries) == 2
    first = dialog.tree.topLevelItem(0)
    assert first is not None
    assert first.text(0).startswith("EX/1")  # provisional: no exhibit given yet
    assert first.text(4) == "–"  # nothing redacted
    assert "2 exhibits holding 2 items" in dialog.summary.text()
    assert dialog.export_button.isEnabled()
    assert not dialog.warning.isVisible()

    # Everything: four entries; initials give the provisional references.
    dialog.set_material("everything")
    qtbot.keyClicks(dialog.initials, "cd")
    qtbot.waitUntil(lambda: not dialog.waiting and len(dialog.entries) == 4, timeout=WAIT_MS)
    assert [e.exhibit_ref for e in dialog.entries] == ["CD/1", "CD/2", "CD/3", "CD/4"]
    dialog.reject()


def test_a_proposed_redaction_blocks_the_export_until_reviewed(
    qtbot: QtBot, win: MainWindow
) -> None:
    w = win
    ids = _select_rows(w, [0, 1])
    case = _case(w)
    rid = _propose(case, ids[1])
    dialog = _open_preview(qtbot, w)
    assert dialog.unreviewed
    assert [r.id for r in dialog.unreviewed] == [rid]
    assert not dialog.export_button.isEnabled()
    assert dialog.warning.isVisibleTo(dialog)
    assert "1 proposed redaction" in dialog.warning_title.text()
    assert dialog.warning_list.count() == 1
    assert "“note”" in dialog.warning_list.item(0).text()
    # Enter does nothing while the export is refused.
    with qtbot.assertNotEmitted(dialog.export_requested):
        qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)

    # "Open in redaction log" shows it there, chosen.
    dialog.open_log.click()
    log_panel = w.redaction.panel
    assert w.redaction.dock.isVisibleTo(w)
    assert log_panel.selected_ids() == [rid]

    # Approved (through the core op) and checked again: the export is allowed.
    ReviewRedactions((rid,), RedactionState.APPROVED).apply(case)
    dialog.refresh_button.click()
    qtbot.waitUntil(lambda: not dialog.waiting, timeout=WAIT_MS)
    assert not dialog.unreviewed
    assert not dialog.warning.isVisibleTo(dialog)
    assert dialog.export_button.isEnabled()
    redacted = dialog.tree.topLevelItem(1)
    assert redacted is not None
    assert redacted.text(4) == "redacted"
    dialog.reject()


def test_a_term_left_unredacted_elsewhere_is_warned_of_without_blocking(
    qtbot: QtBot, win: MainWindow, tmp_path: Path
) -> None:
    w = win
    ids = _select_rows(w, [0, 1])
    case = _case(w)
    text = item_detail(case, ids[0]).text
    at = text.index("flat")  # every note says "Seen near the flat at …"
    draft = RedactionDraft(
        ids[0], RedactionKind.SPAN, "ADDR", target="text", start=at, end=at + 4, quote="flat"
    )
    AddRedactions(DEFAULT_SET, (draft,), approve=True).apply(case)
    dialog = _open_preview(qtbot, w)
    assert not dialog.unreviewed
    assert dialog.leaks.isVisibleTo(dialog)
    assert not dialog.warning.isVisibleTo(dialog)
    assert "1 redacted or protected term is left unredacted" in dialog.leak_title.text()
    assert dialog.leak_list.count() == 1
    line = dialog.leak_list.item(0).text()
    assert "'f…t' (4 characters) is redacted in EX/" in line
    assert "1 other place" in line
    assert "flat" not in line.casefold()
    # A warning, not a refusal: the officer may export and read the verifier's findings.
    assert dialog.can_export
    assert dialog.export_button.isEnabled()
    assert "verification will fail" in dialog.export_button.toolTip()
    dialog.grab().save(str(tmp_path / "export-dialog-warnings.png"))

    # Only the first note chosen: the other "flat" is not in the pack, no warning.
    _select_rows(w, [0])
    dialog.reject()
    w.export.dialog = None
    dialog = _open_preview(qtbot, w)
    assert not dialog.warnings
    assert not dialog.leaks.isVisibleTo(dialog)
    dialog.reject()


def test_the_cover_title_goes_into_the_options(qtbot: QtBot, win: MainWindow) -> None:
    w = win
    _select_rows(w, [0])
    dialog = _open_preview(qtbot, w)
    assert dialog.options().title == ""  # the bundle's own default title
    assert dialog.title.placeholderText() == "Disclosure bundle"
    qtbot.keyClicks(dialog.title, "R v Example  - defence ")
    assert dialog.options().title == "R v Example - defence"
    dialog.reject()


def test_nothing_ticked_says_what_to_do(qtbot: QtBot, win: MainWindow) -> None:
    w = win
    ids = _select_rows(w, [0])
    c = _controller(w)
    assert c.give_exhibit(ids, "AB/1")
    dialog = _open_preview(qtbot, w)
    dialog.set_material("exhibits")
    qtbot.waitUntil(lambda: not dialog.waiting, timeout=WAIT_MS)
    assert "tick one or more exhibits" in dialog.summary.text().lower()
    assert not dialog.export_button.isEnabled()
    dialog.check_exhibits(["AB/1"])
    qtbot.waitUntil(lambda: not dialog.waiting and bool(dialog.entries), timeout=WAIT_MS)
    assert [e.exhibit_ref for e in dialog.entries] == ["AB/1"]
    assert dialog.export_button.isEnabled()
    dialog.reject()


# -- running the export -----------------------------------------------------------------------


def _result(qtbot: QtBot, c: ExportController) -> ExportResultDialog:
    qtbot.waitUntil(
        lambda: c.result_dialog is not None and c.runner is None, timeout=EXPORT_WAIT_MS
    )
    box = c.result_dialog
    assert isinstance(box, ExportResultDialog)
    return box


def test_an_export_ends_with_a_complete_verified_pack(qtbot: QtBot, win: MainWindow) -> None:
    pytest.importorskip("app.export.pack")
    w = win
    c = _controller(w)
    _select_rows(w, [0, 1])
    dialog = _open_preview(qtbot, w)
    dialog.bates.setText("DISC")
    qtbot.keyClicks(dialog.initials, "ab")
    qtbot.waitUntil(lambda: dialog.can_export, timeout=WAIT_MS)
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)  # Enter exports
    assert c.runner is not None
    box = _result(qtbot, c)
    assert box.status == "complete", box.body.text() + box.findings.toPlainText()
    assert box.folder is not None
    assert (box.folder / "bundle.pdf").is_file()
    assert box.folder.parent == _case(w).export_dir()
    assert "page" in box.body.text()
    # Offscreen there is no file manager: the path is shown, no Open folder button.
    assert str(box.folder) in box.path.text()
    assert not box.open_button.isVisibleTo(box)
    # The exhibits the pack used are recorded and locked.
    assert [(r.ref, r.locked) for r in exhibits(_case(w))] == [("AB/1", True), ("AB/2", True)]
    assert _exhibit_cell(w, 0) == "AB/1"


def test_a_cancelled_export_leaves_no_complete_pack(qtbot: QtBot, win: MainWindow) -> None:
    pytest.importorskip("app.export.pack")
    w = win
    c = _controller(w)
    dialog = _open_preview(qtbot, w)
    dialog.set_material("everything")
    qtbot.waitUntil(lambda: dialog.can_export and len(dialog.entries) == 4, timeout=WAIT_MS)
    before = set(_case(w).export_dir().iterdir())
    runner = c.start_export(dialog)
    assert runner is not None
    runner.token.cancel()  # as the Cancel button does, before the job gets far
    box = _result(qtbot, c)
    assert box.status == "cancelled"
    made = set(_case(w).export_dir().iterdir()) - before
    for folder in made:
        assert not (folder / "manifest.json").is_file() or (folder / "CANCELLED.txt").is_file()
    assert all(not r.locked for r in exhibits(_case(w)))
    assert dialog.isVisible()  # the dialog stays, to try again
    assert dialog.close_button.text() == "Close"


# -- the encrypted zip ------------------------------------------------------------------------

ZIP_PASSWORD = "copper kites at dawn"


def test_the_encrypted_zip_asks_its_password_twice_and_seals_the_pack(
    qtbot: QtBot, win: MainWindow
) -> None:
    w = win
    c = _controller(w)
    _select_rows(w, [0, 1])
    dialog = _open_preview(qtbot, w)
    qtbot.keyClicks(dialog.initials, "ab")
    qtbot.waitUntil(lambda: dialog.can_export, timeout=WAIT_MS)
    assert not dialog.password.isVisibleTo(dialog)  # a plain pack by default
    dialog.zip.setChecked(True)
    assert dialog.password.isVisibleTo(dialog)
    assert dialog.password_again.isVisibleTo(dialog)
    assert dialog.password.echoMode() == dialog.password.EchoMode.Password
    assert not dialog.can_export
    qtbot.keyClicks(dialog.password, "short")
    assert "at least 8 characters" in dialog.zip_note.text()
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, ZIP_PASSWORD)
    qtbot.keyClicks(dialog.password_again, ZIP_PASSWORD + "!")
    assert dialog.zip_note.text() == "The two passwords differ."
    assert not dialog.can_export
    assert dialog.export_button.toolTip() == "The two passwords differ."
    qtbot.keyClick(dialog.password_again, Qt.Key.Key_Backspace)
    assert dialog.can_export
    assert "separately" in dialog.zip_note.text()
    assert dialog.zip_password() == ZIP_PASSWORD
    before = set(_case(w).export_dir().iterdir())
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)
    box = _result(qtbot, c)
    assert box.status == "complete", box.body.text() + box.findings.toPlainText()
    assert box.folder is not None
    assert box.folder.suffix == ".zip"
    assert box.path.text() == f"Encrypted zip: {box.folder}"
    assert "AES-256" in box.body.text()
    assert set(_case(w).export_dir().iterdir()) - before == {box.folder}  # the zip alone
    from app.export.packfiles import ZipFiles

    with ZipFiles(box.folder, ZIP_PASSWORD) as opened:
        assert {"bundle.pdf", "manifest.json", "certificate.txt"} <= set(opened.names())


def test_an_encrypted_case_offers_the_zip_first_and_keeps_plain_packs_out_of_its_folder(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from app.timeline.query import EVERYTHING
    from ui.export.dialog import ExportChoices

    case_folder = tmp_path / "Sealed.threadline"
    choices = ExportChoices(
        timeline_filter=EVERYTHING,
        filter_summary="",
        filter_count=0,
        selected_ids=(),
        exhibits=(),
        elements=(),
        sets=(DEFAULT_SET,),
        current_set=DEFAULT_SET,
        zone="Europe/London",
        display_zone="Europe/London",
        initials="",
        out_dir=case_folder / "exports",
        encrypted=True,
        case_folder=case_folder,
    )
    dialog = ExportDialog(choices)
    qtbot.addWidget(dialog)
    assert dialog.zip.isChecked()  # the encrypted case's default
    dialog.zip.setChecked(False)
    assert "cannot go inside its folder" in dialog.zip_note.text()
    assert dialog.zip_problem()
    dialog.folder.setText(str(tmp_path / "elsewhere"))
    assert dialog.zip_problem() == ""
    assert "plain (unencrypted)" in dialog.zip_note.text()
    assert dialog.zip_password() is None
