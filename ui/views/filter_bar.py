"""The search box and the one-line filter bar above the timeline, and jump-to-date parsing."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.model import Confidence, ItemKind
from app.timeline.query import TimelineFilter

NO_DATE = QDate(1970, 1, 1)  # the date edits' minimum, shown as "Any": no limit
TIME_CHOICES = (
    ("All times", ""),
    ("Assumed times", "assumed"),
    ("Exact times", "exact"),
)
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WHEN = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2}))?\s*$")


def search_terms(query: str) -> list[str]:
    """The words and phrases of a search, without quotes or `*`, for a viewer to highlight."""
    terms = []
    for phrase, word in _TOKEN.findall(query):
        text = (phrase or word).strip().rstrip("*")
        if text and text.upper() not in ("AND", "OR", "NOT"):
            terms.extend(text.split())
    return terms


def local_us(day: date, zone_name: str, hour: int = 0, minute: int = 0) -> int:
    """UTC microseconds of a wall-clock time in a zone (the earlier one when it repeats)."""
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone_name))
    return int(moment.timestamp()) * 1_000_000


def parse_when(text: str, zone_name: str) -> int | None:
    """`YYYY-MM-DD[ HH:MM]` in the zone as UTC microseconds; None when it is not one."""
    m = _WHEN.match(text)
    if m is None:
        return None
    try:
        day = date(int(m[1]), int(m[2]), int(m[3]))
        hour, minute = (int(m[4]), int(m[5])) if m[4] else (0, 0)
        if not (0 <= hour < 24 and 0 <= minute < 60):
            return None
        return local_us(day, zone_name, hour, minute)
    except ValueError:
        return None


def _day(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


class SearchBox(QLineEdit):
    """The toolbar's search field: Enter searches, Esc clears the search."""

    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("search-box")
        self.setPlaceholderText('Search: words, "phrases", prefix*')
        self.setAccessibleName("Search the timeline")
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(32 * self.fontMetrics().averageCharWidth())

    def event(self, e: QEvent) -> bool:
        # Esc belongs to the box while it has focus, not to the window's Cancel action.
        if (
            e.type() == QEvent.Type.ShortcutOverride
            and isinstance(e, QKeyEvent)
            and e.key() == Qt.Key.Key_Escape
        ):
            e.accept()
            return True
        return super().event(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.key() == Qt.Key.Key_Escape:
            self.clear()
            self.cleared.emit()
            return
        super().keyPressEvent(e)


def _menu_button(name: str, label: str, parent: QWidget) -> tuple[QToolButton, QMenu]:
    button = QToolButton(parent)
    button.setObjectName(name)
    button.setText(label)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    menu = QMenu(button)
    button.setMenu(menu)
    return button, menu


class FilterBar(QWidget):
    """Dates, kinds, platforms, sources, persons, participant, time and OCR: two compact rows."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filter-bar")
        self._quiet = False

        self.date_from = self._date_edit("filter-from", "From date")
        self.date_to = self._date_edit("filter-to", "To date")
        self.kind_button, self.kind_menu = _menu_button("filter-kind", "Kind", self)
        self.kind_actions: dict[str, QAction] = {}
        for kind in ItemKind:
            action = self.kind_menu.addAction(kind.value.capitalize())
            action.setCheckable(True)
            action.toggled.connect(self._emit)
            self.kind_actions[kind.value] = action
        self.platform_button, self.platform_menu = _menu_button("filter-platform", "Platform", self)
        self.platform_actions: dict[str, QAction] = {}
        self.source_button, self.source_menu = _menu_button("filter-source", "Source", self)
        self.source_button.setToolTip("Only events from these sources")
        self.source_actions: dict[int, QAction] = {}
        self.person_button, self.person_menu = _menu_button("filter-person", "Person", self)
        self.person_button.setToolTip("Only items written by these persons (any of their accounts)")
        self.person_actions: dict[int, QAction] = {}
        self.source_button.setEnabled(False)
        self.person_button.setEnabled(False)
        # Elements of the case's charges ("charge:element" keys), and items with no tag.
        self.element_button, self.element_menu = _menu_button("filter-element", "Element", self)
        self.element_button.setToolTip("Only items tagged for these elements of the charges")
        self.element_actions: dict[str, QAction] = {}
        self.untagged_action = QAction("Untagged items", self)
        self.untagged_action.setObjectName("filter-untagged")
        self.untagged_action.setCheckable(True)
        self.untagged_action.toggled.connect(self._emit)
        self.element_menu.addAction(self.untagged_action)
        self.participant = QLineEdit()
        self.participant.setObjectName("filter-participant")
        self.participant.setPlaceholderText("Participant")
        self.participant.setAccessibleName("Participant name, number or handle")
        self.participant.setClearButtonEnabled(True)
        chars = self.fontMetrics().averageCharWidth()
        self.participant.setMinimumWidth(9 * chars)
        self.participant.setMaximumWidth(18 * chars)
        self.participant.editingFinished.connect(self._participant_done)
        self._participant_value = ""
        self.times = QComboBox()
        self.times.setObjectName("filter-times")
        self.times.setAccessibleName("Time confidence")
        self.times.setToolTip("Show all times, only assumed ones (≈) or only exact ones")
        for text, value in TIME_CHOICES:
            self.times.addItem(text, value)
        self.times.currentIndexChanged.connect(self._emit)
        self.has_ocr = QCheckBox("OCR text")
        self.has_ocr.setToolTip("Only items with text read from images and scans (OCR)")
        self.has_ocr.setObjectName("filter-ocr")
        self.has_ocr.toggled.connect(self._emit)
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.clear_button.setToolTip("Clear the filters (the search stays)")
        self.clear_button.setAccessibleName("Clear filters")
        self.clear_button.setObjectName("filter-clear")
        self.clear_button.clicked.connect(self.clear)

        # Two rows keep the bar narrow enough for the docks beside the timeline at 1366 px:
        # when and how sure on the first, what and who on the second.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 0, 12, 6)
        layout.setSpacing(4)
        when = QHBoxLayout()
        when.setSpacing(4)
        when.addWidget(QLabel("From"))
        when.addWidget(self.date_from)
        when.addWidget(QLabel("to"))
        when.addWidget(self.date_to)
        when.addWidget(self.times)
        when.addWidget(self.has_ocr)
        when.addStretch(1)
        when.addWidget(self.clear_button)
        what = QHBoxLayout()
        what.setSpacing(4)
        for w in (
            self.kind_button,
            self.platform_button,
            self.source_button,
            self.person_button,
            self.element_button,
            self.participant,
        ):
            what.addWidget(w)
        what.addStretch(1)
        layout.addLayout(when)
        layout.addLayout(what)
        self._update_labels()

    def _date_edit(self, name: str, accessible: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("Any")
        edit.setDate(NO_DATE)
        edit.dateChanged.connect(self._emit)
        return edit

    def _participant_done(self) -> None:
        value = self.participant.text().strip()
        if value != self._participant_value:
            self._participant_value = value
            self._emit()

    def _emit(self, *_: object) -> None:
        self._update_labels()
        if not self._quiet:
            self.changed.emit()

    def _update_labels(self) -> None:
        kinds = self.checked(self.kind_actions)
        self.kind_button.setText(f"Kind ({len(kinds)})" if kinds else "Kind")
        platforms = self.checked(self.platform_actions)
        self.platform_button.setText(f"Platform ({len(platforms)})" if platforms else "Platform")
        sources = self.checked_ids(self.source_actions)
        self.source_button.setText(f"Source ({len(sources)})" if sources else "Source")
        persons = self.checked_ids(self.person_actions)
        self.person_button.setText(f"Person ({len(persons)})" if persons else "Person")
        elements = len(self.checked(self.element_actions)) + self.untagged_action.isChecked()
        self.element_button.setText(f"Element ({elements})" if elements else "Element")

    @staticmethod
    def checked(actions: dict[str, QAction]) -> tuple[str, ...]:
        """The values whose menu entries are ticked."""
        return tuple(v for v, a in actions.items() if a.isChecked())

    @staticmethod
    def checked_ids(actions: dict[int, QAction]) -> tuple[int, ...]:
        """The ids whose menu entries are ticked."""
        return tuple(v for v, a in actions.items() if a.isChecked())

    def _fill_ids(
        self, menu: QMenu, old: dict[int, QAction], choices: list[tuple[int, str]]
    ) -> dict[int, QAction]:
        """Put (id, name) choices in a menu, keeping the ticks of ids still offered."""
        ticked = set(self.checked_ids(old))
        menu.clear()
        names = [name for _, name in choices]
        actions: dict[int, QAction] = {}
        for ident, name in choices:
            if ident in actions:
                continue
            label = name if names.count(name) == 1 else f"{name} (#{ident})"
            action = menu.addAction(label or f"#{ident}")
            action.setCheckable(True)
            action.setChecked(ident in ticked)
            action.toggled.connect(self._emit)
            actions[ident] = action
        return actions

    def set_sources(self, sources: list[tuple[int, str]]) -> None:
        """Offer these (id, name) sources, top-level and embedded, keeping ticks."""
        self.source_actions = self._fill_ids(self.source_menu, self.source_actions, sources)
        self.source_button.setEnabled(bool(self.source_actions))
        self._update_labels()

    def set_persons(self, persons: list[tuple[int, str]]) -> None:
        """Offer these (id, name) persons, keeping ticks; disabled when there are none."""
        self.person_actions = self._fill_ids(self.person_menu, self.person_actions, persons)
        self.person_button.setEnabled(bool(self.person_actions))
        self._update_labels()

    def set_elements(self, elements: list[tuple[str, str]]) -> None:
        """Offer these ("charge:element" key, label) elements and "Untagged", keeping ticks
        of keys still offered."""
        ticked = set(self.checked(self.element_actions))
        self.element_menu.clear()
        self.element_actions = {}
        for key, label in elements:
            action = self.element_menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(key in ticked)
            action.toggled.connect(self._emit)
            self.element_actions[key] = action
        if elements:
            self.element_menu.addSeparator()
        self.element_menu.addAction(self.untagged_action)
        if ticked - set(self.element_actions):
            self._emit()  # a ticked element went away with its charge
        self._update_labels()

    def show_element(self, key: str) -> None:
        """Show only the items tagged for one element (ticks it alone), with one `changed`."""
        before = self.filter("UTC")
        self._quiet = True
        try:
            for k, action in self.element_actions.items():
                action.setChecked(k == key)
            self.untagged_action.setChecked(False)
        finally:
            self._quiet = False
        self._update_labels()
        if self.filter("UTC") != before:
            self.changed.emit()

    def set_platforms(self, platforms: list[str]) -> None:
        """Offer these importers (the case's sources') as platforms, keeping ticks."""
        ticked = set(self.checked(self.platform_actions))
        self.platform_menu.clear()
        self.platform_actions = {}
        for name in sorted(set(platforms)):
            action = self.platform_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name in ticked)
            action.toggled.connect(self._emit)
            self.platform_actions[name] = action
        self.platform_button.setEnabled(bool(self.platform_actions))
        self._update_labels()

    def clear(self) -> None:
        """Reset every filter, with one `changed` at the end (when anything changed)."""
        before = self.filter("UTC")
        self._quiet = True
        try:
            self.date_from.setDate(NO_DATE)
            self.date_to.setDate(NO_DATE)
            for action in (
                *self.kind_actions.values(),
                *self.platform_actions.values(),
                *self.source_actions.values(),
                *self.person_actions.values(),
                *self.element_actions.values(),
                self.untagged_action,
            ):
                action.setChecked(False)
            self.participant.clear()
            self._participant_value = ""
            self.times.setCurrentIndex(0)
            self.has_ocr.setChecked(False)
        finally:
            self._quiet = False
        self._update_labels()
        if self.filter("UTC") != before:
            self.changed.emit()

    def set_dates(self, start: date, end: date) -> None:
        """Show only the days from `start` to `end` (inclusive), with one `changed`."""
        before = (self.date_from.date(), self.date_to.date())
        self._quiet = True
        try:
            self.date_from.setDate(QDate(start.year, start.month, start.day))
            self.date_to.setDate(QDate(end.year, end.month, end.day))
        finally:
            self._quiet = False
        if (self.date_from.date(), self.date_to.date()) != before:
            self.changed.emit()

    def filter(self, zone_name: str, search: str = "") -> TimelineFilter:
        """The filter the bar describes, dates read in `zone_name`, with a search query."""
        start = self.date_from.date()
        end = self.date_to.date()
        from_us = local_us(_day(start), zone_name) if start > NO_DATE else None
        to_us = local_us(_day(end) + timedelta(days=1), zone_name) if end > NO_DATE else None
        times = self.times.currentData()
        exact = (Confidence.EXACT.value,)
        return TimelineFilter(
            from_us=from_us,
            to_us=to_us,
            kinds=self.checked(self.kind_actions),
            platforms=self.checked(self.platform_actions),
            source_ids=self.checked_ids(self.source_actions),
            person_ids=self.checked_ids(self.person_actions),
            participant=self._participant_value,
            confidences=exact if times == "exact" else (),
            exclude_confidences=exact if times == "assumed" else (),
            has_ocr=True if self.has_ocr.isChecked() else None,
            elements=self.checked(self.element_actions),
            untagged=True if self.untagged_action.isChecked() else None,
            search=search,
        )

    def summary(self) -> str:
        """The active filters in a few words, empty when none."""
        parts = []
        start, end = self.date_from.date(), self.date_to.date()
        if start > NO_DATE:
            parts.append(f"from {start.toString('yyyy-MM-dd')}")
        if end > NO_DATE:
            parts.append(f"to {end.toString('yyyy-MM-dd')}")
        kinds = self.checked(self.kind_actions)
        if kinds:
            parts.append("kind " + "/".join(kinds))
        platforms = self.checked(self.platform_actions)
        if platforms:
            parts.append("platform " + "/".join(platforms))
        sources = [a.text() for a in self.source_actions.values() if a.isChecked()]
        if sources:
            parts.append("source " + "/".join(sources))
        persons = [a.text() for a in self.person_actions.values() if a.isChecked()]
        if persons:
            parts.append("person " + "/".join(persons))
        elements = [
            a.text().split(" ", 1)[0] for a in self.element_actions.values() if a.isChecked()
        ]
        if self.untagged_action.isChecked():
            elements.append("untagged")
        if elements:
            parts.append("element " + "/".join(elements))
        if self._participant_value:
            parts.append(f"participant “{self._participant_value}”")
        if self.times.currentData():
            parts.append(self.times.currentText().lower())
        if self.has_ocr.isChecked():
            parts.append("has OCR text")
        return "Filters: " + ", ".join(parts) if parts else ""

    def focus_first(self) -> None:
        """Move the keyboard focus to the first filter."""
        self.date_from.setFocus(Qt.FocusReason.ShortcutFocusReason)
