"""Screenshots of the tagger: its panel beside the timeline, the coverage matrix, and the Add
charge dialog warning of the s.33 repeal (registered in ui/screenshots.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QWidget

from app.tagging import store
from ui.main_window import MainWindow
from ui.tagging.element_picker import ElementPicker

REPEAL_FROM = date(2023, 11, 1)  # a conduct range across the s.33 repeal (31 January 2024)
REPEAL_TO = date(2024, 3, 31)


def _choose_tagged_rows(window: MainWindow) -> bool:
    """Choose the timeline rows of the first item with the most tags (and one after it)."""
    case = window.case
    if case is None:
        return False
    tags = store.tags(case)
    if not tags:
        return False
    per_item: dict[int, int] = {}
    for t in tags:
        per_item[t.item_id] = per_item.get(t.item_id, 0) + 1
    model = window.timeline_model
    best = max(per_item.values())
    for row in range(model.rowCount()):
        r = model.row_at(row)
        if r is not None and per_item.get(r.item_id) == best:
            window.focus_timeline()
            table = window.timeline_pane.table
            table.selectRow(row)
            table.scrollTo(model.index(row, 0))
            return True
    return False


def tagger_panel(window: MainWindow) -> QWidget | None:
    """The Tagger dock beside the details, a tagged message chosen in the timeline."""
    if window.case is None or not window.tagger.entries:
        return None
    _choose_tagged_rows(window)
    window.tagger.tagger_dock.show()
    window.tagger.tagger_dock.raise_()
    return window.tagger.tagger_dock


def tagger_window(window: MainWindow) -> QWidget | None:
    """The whole window while tagging: chips on the timeline rows, the tagger beside."""
    if window.case is None or not window.tagger.entries:
        return None
    window.hide_progress()  # the progress shots leave made-up jobs showing
    _choose_tagged_rows(window)
    window.tagger.tagger_dock.show()
    return window


def coverage(window: MainWindow) -> QWidget | None:
    """The coverage matrix of the case's charges, with its gaps."""
    if window.case is None or not window.tagger.entries:
        return None
    window.tagger.show_coverage()
    return window.tagger.coverage_dock


def charge_dialog(window: MainWindow) -> QWidget | None:
    """Add charge: s.33 chosen over dates across its repeal, and the warning that says so."""
    if window.case is None:
        return None
    dialog = window.tagger.ask_charge()
    if dialog is None:
        return None
    s33 = next((o for o in dialog.offences if o.repealed_from == date(2024, 1, 31)), None)
    if s33 is not None:
        dialog.search.setText("33")
        dialog.select(s33.id)
        dialog.date_from.setDate(QDate(REPEAL_FROM.year, REPEAL_FROM.month, REPEAL_FROM.day))
        dialog.date_to.setDate(QDate(REPEAL_TO.year, REPEAL_TO.month, REPEAL_TO.day))
    return dialog


def element_picker(window: MainWindow) -> QWidget | None:
    """The element picker as "Tag selection…" shows it, "conduct" typed (nothing tagged)."""
    if window.case is None or not window.tagger.entries:
        return None
    picker = ElementPicker("Tag 1 span: “I know where you live”", window.tagger.entries, window)
    picker.filter.setText("conduct")
    picker.show()
    return picker


TAGGER_SHOTS: list[tuple[str, Callable[[MainWindow], QWidget | None]]] = [
    ("tagger.png", tagger_panel),
    ("tagger-window.png", tagger_window),
    ("coverage.png", coverage),
    ("charge-dialog.png", charge_dialog),
    ("element-picker.png", element_picker),
]
"""(file name, prepare) pairs for the screenshot registry."""
