"""The activity strip, the weekday x hour map and the participants panel on a small case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QUndoStack
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import import_paths
from app.people import participants
from app.timeline.activity import activity_per_day, heat_map
from ui.views.activity import ActivityStrip, HeatMapView, Sender
from ui.views.participants import NOT_LINKED, ParticipantsPanel

ZONE = "Europe/London"
PHONE = "+44 7700 900456"
# 19 and 26 March 2024 are Tuesdays (weekday 1), before the clocks change on the 31st.
CHAT_A = [
    f"19/03/2024, 01:15 - {PHONE}: are you awake",
    f"19/03/2024, 01:20 - {PHONE}: answer me",
    "19/03/2024, 13:00 - Sarah: Please stop messaging me",
    f"20/03/2024, 01:05 - {PHONE}: again",
    f"26/03/2024, 01:40 - {PHONE}: a week on",
]
CHAT_B = [f"21/03/2024, 02:15 - {PHONE}: from the other phone"]


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    """Two WhatsApp chats with late-night messages from one number, imported in London time."""
    files = []
    for name, lines in (("A", CHAT_A), ("B", CHAT_B)):
        path = tmp_path / f"WhatsApp Chat with {name}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
    c = Case.create(tmp_path / "case", zone_name=ZONE)
    report = import_paths(c, files)
    assert [f.status for f in report.files] == ["imported", "imported"]
    yield c
    c.close()


def _strip(qtbot: QtBot, case: Case) -> ActivityStrip:
    strip = ActivityStrip()
    qtbot.addWidget(strip)
    strip.resize(640, 90)
    strip.set_data(activity_per_day(case, zone=ZONE, fill=True), ZONE, case.zone)
    strip.show()
    return strip


def _heat(qtbot: QtBot, case: Case) -> HeatMapView:
    view = HeatMapView()
    qtbot.addWidget(view)
    view.resize(760, 320)
    sender = next(p for p in participants(case) if p.name == PHONE and p.items == 4)
    view.set_senders([Sender("Sarah", participant_id=2), Sender(PHONE, sender.id)])
    view.sender_chosen.connect(
        lambda s: view.set_data(heat_map(case, zone=ZONE, participant_id=s.participant_id), ZONE)
    )
    assert view.select_sender(PHONE)
    view.show()
    return view


def test_the_strip_shows_each_day_and_names_the_zone(qtbot: QtBot, case: Case) -> None:
    strip = _strip(qtbot, case)
    assert [d.day for d in strip.days][:2] == [date(2024, 3, 19), date(2024, 3, 20)]
    assert len(strip.days) == 8  # the empty days between are filled
    assert strip.zone_caption() == "Days in Europe/London · 19 Mar – 26 Mar 2024"
    assert [label for label, _ in strip.legend()] == [PHONE, "Sarah"]
    assert len({c.name() for _, c in strip.legend()}) == 2
    tip = strip.tooltip_at(strip.day_rect(0).center())
    assert "Tue 19 Mar 2024" in tip
    assert "3 events" in tip
    assert f"{PHONE}: 2" in tip


def test_clicking_a_day_and_dragging_across_days(qtbot: QtBot, case: Case) -> None:
    strip = _strip(qtbot, case)
    with qtbot.waitSignal(strip.day_clicked) as clicked:
        qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.day_rect(2).center())
    assert clicked.args == [date(2024, 3, 21)]
    start, end = strip.day_rect(1).center(), strip.day_rect(4).center()
    with qtbot.waitSignal(strip.range_selected) as dragged:
        qtbot.mousePress(strip, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(strip, QPoint(end.x(), end.y()))
        qtbot.mouseRelease(strip, Qt.MouseButton.LeftButton, pos=end)
    assert dragged.args == [date(2024, 3, 20), date(2024, 3, 23)]


def test_the_heat_map_counts_the_small_hours(qtbot: QtBot, case: Case) -> None:
    view = _heat(qtbot, case)
    heat = view.canvas.heat
    assert heat is not None
    assert heat.cell(1, 1) == 3  # Tuesdays, 01:00-01:59 London time
    assert view.cell_text(1, 1) == "Tue 01:00–01:59 (Europe/London): 3 events"
    assert view.canvas.cell_at(view.canvas.cell_rect(1, 1).center()) == (1, 1)
    # The busy cell is drawn darker than an empty one.
    image = view.canvas.grab().toImage()
    busy = QColor(image.pixel(view.canvas.cell_rect(1, 1).center()))
    empty = QColor(image.pixel(view.canvas.cell_rect(5, 12).center()))
    assert busy.lightness() < empty.lightness() - 60
    view.select_sender("Sarah")
    assert view.canvas.heat is not None
    assert view.canvas.heat.cell(1, 13) == 1
    assert view.canvas.heat.total == 1


def _non_blank(path: Path) -> None:
    image = QImage(str(path))
    assert not image.isNull()
    assert image.width() > 400
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 3


def _pdf_text(path: Path) -> str:
    with pymupdf.open(str(path)) as doc:
        assert doc.page_count == 1
        return "".join(page.get_text() for page in doc)


def test_exports_name_the_zone(qtbot: QtBot, case: Case, tmp_path: Path) -> None:
    strip = _strip(qtbot, case)
    view = _heat(qtbot, case)
    assert strip.export_png(tmp_path / "strip.png")
    assert view.export_png(tmp_path / "heat.png")
    _non_blank(tmp_path / "strip.png")
    _non_blank(tmp_path / "heat.png")
    strip.export_pdf(tmp_path / "strip.pdf")
    view.export_pdf(tmp_path / "heat.pdf")
    assert ZONE in _pdf_text(tmp_path / "strip.pdf")
    text = _pdf_text(tmp_path / "heat.pdf")
    assert ZONE in text
    assert PHONE in text


def _person_ids(case: Case) -> dict[str, set[int | None]]:
    out: dict[str, set[int | None]] = {}
    for p in participants(case):
        out.setdefault(p.name, set()).add(p.person_id)
    return out


def test_accepting_a_suggestion_links_and_undo_unlinks(qtbot: QtBot, case: Case) -> None:
    stack = QUndoStack()
    panel = ParticipantsPanel(case, stack)
    qtbot.addWidget(panel)
    assert len(panel.suggestions) == 1
    assert "same phone number" in panel.suggestions[0].reason
    assert panel.model.item(0).text() == NOT_LINKED
    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(panel.suggestion_buttons[0], Qt.MouseButton.LeftButton)
    linked = _person_ids(case)[PHONE]
    assert len(linked) == 1
    assert None not in linked
    assert panel.suggestions == []
    assert panel.model.item(0).text() == PHONE  # the person, named after the account
    assert panel.model.item(0).rowCount() == 2
    assert stack.count() == 1
    stack.undo()
    assert _person_ids(case)[PHONE] == {None}
    assert len(panel.suggestions) == 1
    stack.redo()
    assert _person_ids(case)[PHONE] == linked


def test_link_unlink_and_the_keys(qtbot: QtBot, case: Case) -> None:
    stack = QUndoStack()
    panel = ParticipantsPanel(case, stack)
    qtbot.addWidget(panel)
    panel.show()
    ids = [p.id for p in participants(case)]
    panel.select_participants(ids[:2])
    assert panel.selected_participants() == ids[:2]
    assert panel.link_selected("Daniel Hughes")
    assert panel.model.item(0).text() == "Daniel Hughes"
    assert {p.person_name for p in participants(case) if p.id in ids[:2]} == {"Daniel Hughes"}
    panel.select_participants([ids[0]])
    assert panel.unlink_button.isEnabled()
    assert panel.unlink_selected()
    assert {p.id: p.person_id for p in participants(case)}[ids[0]] is None
    # Ctrl+Z with the panel focused puts the account back with its person.
    panel.tree.setFocus()
    qtbot.waitUntil(panel.tree.hasFocus)
    qtbot.keyClick(panel.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert {p.person_name for p in participants(case) if p.id in ids[:2]} == {"Daniel Hughes"}
    qtbot.keyClick(
        panel.tree,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert {p.id: p.person_id for p in participants(case)}[ids[0]] is None
    stack.undo()
    stack.undo()
    assert all(p.person_id is None for p in participants(case))
    assert panel.model.rowCount() == 1


def test_the_panel_model_is_sound(qtbot: QtBot, qtmodeltester: object, case: Case) -> None:
    panel = ParticipantsPanel(case, QUndoStack())
    qtbot.addWidget(panel)
    qtmodeltester.check(panel.model)  # type: ignore[attr-defined]
