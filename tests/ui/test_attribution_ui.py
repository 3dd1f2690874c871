"""The attribution view in the window: accounts and proposed links with their evidence,
A / R / Enter on the links, undo, and the identity element's coverage changing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from app.attribution.model import LinkState
from tests.core.attribution import toy
from tests.ui.conftest import LOAD_TIMEOUT_MS
from ui.attribution.controller import SHORTCUT
from ui.attribution.models import EvidenceModel, LinksModel
from ui.main_window import MainWindow
from ui.settings import SettingsStore


@pytest.fixture
def win(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """The window on the toy case of two returns (read in step), attribution shown."""
    toy.build(tmp_path).case.close()
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"), sync_loads=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS):
        assert w.open_case(str(tmp_path / "case"))
    w.attribution.show()
    yield w
    w.close()


def _choose(w: MainWindow, a: str, b: str) -> int:
    """Choose the link between two accounts; its id."""
    link = next(lk for lk in w.attribution.links if set(lk.accounts) == {a, b})
    assert link.id is not None
    assert w.attribution.panel.select_link(link.id)
    return link.id


def test_the_view_lists_accounts_links_and_the_evidence_in_two_zones(win: MainWindow) -> None:
    panel = win.attribution.panel
    assert win.actions_by_name["show_attribution"].shortcut() == QKeySequence(SHORTCUT)
    accounts = panel.accounts_model
    assert {accounts.row_at(r).key for r in range(accounts.rowCount())} == {  # type: ignore[union-attr]
        toy.SUSPECT,
        toy.FAKE_INSTAGRAM,
        toy.FAKE_SNAPCHAT,
        toy.OTHER,
        toy.ODD_PORT,
    }
    _choose(win, toy.SUSPECT, toy.FAKE_SNAPCHAT)
    links = panel.links_model
    row = links.row_of(panel.current_link().id)  # type: ignore[union-attr]
    assert links.index(row, LinksModel.STRENGTH).data() == "Strong"
    assert links.index(row, LinksModel.ACCOUNTS).data() == "dan.hughes84 ↔ jess_r_92x"
    assert "203.0.113.7:40123, 1 min 50 s apart" in panel.why.text()
    ev = panel.evidence_model
    cells = [
        [
            ev.index(r, c).data()
            for c in (EvidenceModel.TIME, EvidenceModel.UTC, EvidenceModel.VALUE)
        ]
        for r in range(ev.rowCount())
    ]
    # 9 March is GMT, so the case zone and UTC agree to the second.
    assert cells == [
        ["2024-03-09 21:03:10 GMT", "21:03:10 UTC", "203.0.113.7:40123"],
        ["2024-03-09 21:05:00 GMT", "21:05:00 UTC", "203.0.113.7:40123"],
    ]
    sources = {ev.index(r, EvidenceModel.SOURCE).data().split(" · ")[0] for r in range(2)}
    assert sources == {"meta-return.json", "snapchat-return.json"}
    assert "✗ Harassment s.2" in panel.identity.text()


def test_a_accepts_the_chosen_link_and_coverage_shows_identity_evidenced(
    qtbot: QtBot, win: MainWindow
) -> None:
    panel = win.attribution.panel
    link_id = _choose(win, toy.SUSPECT, toy.FAKE_SNAPCHAT)
    panel.links.setFocus()
    qtbot.keyClick(panel.links, Qt.Key.Key_A)
    link = next(lk for lk in win.attribution.links if lk.id == link_id)
    assert link.state == LinkState.ACCEPTED
    assert "✓ Harassment s.2" in panel.identity.text()
    assert "gap → 2 items" in panel.change.text()
    # The tagger sees the identity element evidenced too.
    assert win.tagger.counts.get(f"{toy_charge(win)}:PHA1997-s2-ID") == 2
    # The next link still to decide is chosen.
    current = panel.current_link()
    assert current is not None
    assert current.state == LinkState.PROPOSED

    win.undo_stack.undo()
    link = next(lk for lk in win.attribution.links if lk.id == link_id)
    assert link.state == LinkState.PROPOSED
    assert "✗ Harassment s.2" in panel.identity.text()
    assert "2 items → gap" in panel.change.text()


def toy_charge(w: MainWindow) -> int:
    """The id of the toy case's one charge."""
    (charge,) = w.tagger.charges
    return charge.id


def test_r_rejects_even_though_r_draws_a_redaction_box_elsewhere(
    qtbot: QtBot, win: MainWindow
) -> None:
    panel = win.attribution.panel
    link_id = _choose(win, toy.FAKE_INSTAGRAM, toy.FAKE_SNAPCHAT)
    panel.links.setFocus()
    qtbot.keyClick(panel.links, Qt.Key.Key_R)
    link = next(lk for lk in win.attribution.links if lk.id == link_id)
    assert link.state == LinkState.REJECTED
    assert win.undo_stack.undoText() == f"Reject link #{link_id}"
    # Rejected links go last and stay rejected when worked out again.
    win.attribution.reload()
    assert win.attribution.links[-1].id == link_id


def test_enter_shows_the_evidence_item_in_the_timeline(qtbot: QtBot, win: MainWindow) -> None:
    panel = win.attribution.panel
    _choose(win, toy.SUSPECT, toy.FAKE_SNAPCHAT)
    panel.evidence.setFocus()
    panel.evidence.selectRow(1)
    ref = panel.current_evidence()
    assert ref is not None
    qtbot.keyClick(panel.evidence, Qt.Key.Key_Return)
    current = win.timeline_pane.table.currentIndex()
    row = win.timeline_model.row_at(current.row())
    assert row is not None
    assert row.item_id == ref.item_id
    assert row.text == "login snapchat:jess_r_92x from 203.0.113.7:40123"


def test_attributing_an_account_to_a_new_person(qtbot: QtBot, win: MainWindow) -> None:
    assert win.attribution.attribute(toy.SUSPECT, person_name="Daniel Hughes")
    panel = win.attribution.panel
    row = panel.accounts_model.row_of(toy.SUSPECT)
    assert panel.accounts_model.row_at(row).person_name == "Daniel Hughes"  # type: ignore[union-attr]
    assert "gap → 1 item" in panel.change.text()
    win.undo_stack.undo()
    assert panel.accounts_model.row_at(row).person_id is None  # type: ignore[union-attr]
