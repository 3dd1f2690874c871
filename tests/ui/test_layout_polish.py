"""The main window's first layout leaves the timeline's text room: narrow side docks sized
to the window, columns sized to what they show, Tags and Exhibit only when the case has
charges or exhibits."""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from app.export.exhibits import AssignExhibit
from app.tagging.ops import AddCharge
from ui.main_window import SOURCES_MIN_WIDTH, MainWindow
from ui.models import TimelineModel


def test_tags_and_exhibit_columns_show_once_the_case_has_them(window: MainWindow) -> None:
    table = window.timeline_pane.table
    assert table.isColumnHidden(TimelineModel.TAGS)
    assert table.isColumnHidden(TimelineModel.EXHIBIT)
    assert window.tagger.push(AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 3, 31)))
    assert not table.isColumnHidden(TimelineModel.TAGS)
    assert table.isColumnHidden(TimelineModel.EXHIBIT)
    item = window.timeline_model.row_at(0)
    assert item is not None
    assert window.export.push(AssignExhibit((item.item_id,), "LB/1"))
    assert not table.isColumnHidden(TimelineModel.EXHIBIT)
    window.undo_stack.undo()  # the exhibit goes: so does its column
    assert table.isColumnHidden(TimelineModel.EXHIBIT)
    window.undo_stack.undo()
    assert table.isColumnHidden(TimelineModel.TAGS)


def test_the_timeline_text_gets_room_at_1366_wide(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.fit_docks()
    qtbot.wait(50)
    table = window.timeline_pane.table
    text = table.columnWidth(TimelineModel.TEXT)
    others = [
        table.columnWidth(c) for c in (TimelineModel.TIME, TimelineModel.SOURCE, TimelineModel.FROM)
    ]
    assert text >= 300, (text, others)  # no charges or exhibits: their columns are hidden
    assert text > max(others)
    assert window.sources_dock.width() >= SOURCES_MIN_WIDTH
    assert window.details_dock.width() <= 0.32 * window.width()
    assert window.height() <= 768  # nothing makes the window taller than the screen
    # The time column fits its longest text: the date, seconds and zone are not cut off.
    fm = table.fontMetrics()
    assert table.columnWidth(TimelineModel.TIME) >= fm.horizontalAdvance(
        "≈ 2024-03-05 14:03:22 BST"
    )
