"""The timeline model: an array of event ids, rows fetched lazily a page at a time."""

from __future__ import annotations

import logging
from array import array
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import Qt

from app.case import Case
from app.model import TimelineRow
from app.timeline.clock import us_to_utc
from ui import display, theme
from ui.models.base import Index, ReadOnlyTableModel

log = logging.getLogger(__name__)

PAGE_SIZE = 256
MAX_PAGES = 24

# How times are shown: in the case's zone, in UTC, or in each source's own zone.
ZONE_CASE, ZONE_UTC, ZONE_SOURCE = "case", "utc", "source"
ZONE_MODES = (ZONE_CASE, ZONE_UTC, ZONE_SOURCE)


def _zone(name: str, fallback: ZoneInfo) -> ZoneInfo:
    """The zone called `name`, or `fallback` when it is empty or unknown."""
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


@dataclass(frozen=True, slots=True)
class TagChip:
    """How one charge element shows on a timeline row: its number in the tagger, a colour."""

    number: int  # 1-based, as the tagger numbers the case's elements
    colour: str  # "#rrggbb", one per charge
    label: str  # the charge and element in words, for the tooltip


# Reads the tags of a page of items: item id -> the "charge:element" keys it is tagged with.
TagFetch = Callable[[Case, Sequence[int]], Mapping[int, Sequence[str]]]
# Reads the exhibit references of a page of items: item id -> its refs ("AB/1", "AB/1/3").
ExhibitFetch = Callable[[Case, Sequence[int]], Mapping[int, Sequence[str]]]


@dataclass(frozen=True, slots=True)
class _Cell:
    """A fetched row with the strings a paint needs, formatted once."""

    row: TimelineRow
    time: str
    preview: str
    exact: bool
    day_label: str  # `Tue 5 Mar 2024` on the first row of a local day, else ""
    tags: tuple[TagChip, ...] = ()
    exhibits: tuple[str, ...] = ()


class TimelineModel(ReadOnlyTableModel):
    """Holds only the ordered event ids; `data()` reads from an LRU of 256-row pages."""

    TIME, SOURCE, FROM, TEXT, TAGS, EXHIBIT = range(6)
    HEADERS = ("Time", "Source", "From → To", "Text", "Tags", "Exhibit")

    RowRole = Qt.ItemDataRole.UserRole + 1  # the TimelineRow
    EventIdRole = Qt.ItemDataRole.UserRole + 2  # int
    ExactRole = Qt.ItemDataRole.UserRole + 3  # bool: the time's zone is known
    NewDayRole = Qt.ItemDataRole.UserRole + 4  # bool: the first row of a local day
    DayLabelRole = Qt.ItemDataRole.UserRole + 5  # str: that day, e.g. `Tue 5 Mar 2024`
    TagsRole = Qt.ItemDataRole.UserRole + 6  # tuple[TagChip, ...]: the row's item's tags
    ExhibitsRole = Qt.ItemDataRole.UserRole + 7  # tuple[str, ...]: the item's exhibit refs

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._case: Case | None = None
        self._zone_name = "UTC"
        self._tz = ZoneInfo("UTC")
        self._mode = ZONE_CASE
        self._ids: array[int] = array("q")
        self._pages: OrderedDict[int, list[_Cell | None]] = OrderedDict()
        self._tag_fetch: TagFetch | None = None
        self._tag_chips: dict[str, TagChip] = {}
        self._exhibit_fetch: ExhibitFetch | None = None

    # -- contents ---------------------------------------------------------------------

    def set_case(self, case: Case | None, zone_name: str = "UTC") -> None:
        """Show another case (or none), empty until `set_ids`."""
        self.beginResetModel()
        self._case = case
        self._zone_name = zone_name
        self._tz = ZoneInfo(zone_name)
        self._ids = array("q")
        self._pages.clear()
        self.endResetModel()

    def set_ids(self, ids: array[int]) -> None:
        """Install a new ordered id list (built off the GUI thread)."""
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self.endResetModel()

    def invalidate(self) -> None:
        """Drop cached rows after an edit and repaint, keeping scroll and selection."""
        self._pages.clear()
        if self._ids:
            last = self.index(len(self._ids) - 1, len(self.HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def set_tagging(self, fetch: TagFetch | None, chips: Mapping[str, TagChip]) -> None:
        """Read each page's tags with `fetch` (None: no tags) and show the element keys in
        `chips` as chips; repaints, keeping scroll and selection."""
        self._tag_fetch = fetch
        self._tag_chips = dict(chips)
        self.invalidate()

    def set_exhibits(self, fetch: ExhibitFetch | None) -> None:
        """Read each page's exhibit references with `fetch` (None: none shown); repaints,
        keeping scroll and selection."""
        self._exhibit_fetch = fetch
        self.invalidate()

    def set_zone_mode(self, mode: str) -> None:
        """Show times in the case zone (`case`), in UTC (`utc`) or in each source's own zone
        (`source`), keeping scroll and selection."""
        if mode not in ZONE_MODES:
            raise ValueError(f"unknown zone mode {mode!r}")
        if mode != self._mode:
            self._mode = mode
            self.invalidate()

    @property
    def tagging(self) -> bool:
        """Whether tags show: the case has charges whose elements can be chips."""
        return bool(self._tag_chips)

    @property
    def zone_mode(self) -> str:
        """How times are shown: `case`, `utc` or `source`."""
        return self._mode

    @property
    def case_zone(self) -> str:
        """The case's zone."""
        return self._zone_name

    @property
    def zone_name(self) -> str:
        """The one zone days and hours are counted in: UTC, else the case zone."""
        return "UTC" if self._mode == ZONE_UTC else self._zone_name

    def zone_label(self) -> str:
        """How the times are shown, in words."""
        if self._mode == ZONE_SOURCE:
            return "each source's own zone"
        return self.zone_name

    def event_ids(self) -> array[int]:
        """The ids shown, in order."""
        return self._ids

    def row_at(self, row: int) -> TimelineRow | None:
        """The timeline row at a table row, fetching its page if needed."""
        cell = self._cell(row)
        return cell.row if cell else None

    def row_of_event(self, event_id: int) -> int:
        """The table row showing an event, or -1."""
        try:
            return self._ids.index(event_id)
        except ValueError:
            return -1

    def _cell(self, row: int) -> _Cell | None:
        if self._case is None or not 0 <= row < len(self._ids):
            return None
        number = row // PAGE_SIZE
        page = self._pages.get(number)
        if page is None:
            page = self._fetch(number)
        else:
            self._pages.move_to_end(number)
        return page[row - number * PAGE_SIZE]

    def _fetch(self, number: int) -> list[_Cell | None]:
        assert self._case is not None
        start = number * PAGE_SIZE
        ids = self._ids[start : start + PAGE_SIZE]
        # The row before the page (if any) says whether the page's first row starts a day.
        wanted = self._ids[start - 1 : start + PAGE_SIZE] if start else ids
        by_id = {r.event_id: r for r in self._case.timeline_rows(wanted)}
        utc = ZoneInfo("UTC")
        day_tz = utc if self._mode == ZONE_UTC else self._tz  # days of "own zone" in the case's
        before = by_id.get(self._ids[start - 1]) if start else None
        last_day = us_to_utc(before.ts_utc_us).astimezone(day_tz).date() if before else None
        tags = self._fetch_tags([r.item_id for r in by_id.values()])
        exhibits = self._fetch_exhibits([r.item_id for r in by_id.values()])
        page: list[_Cell | None] = []
        for event_id in ids:
            r = by_id.get(event_id)
            if r is None:  # gone since the id list was built; shown blank until a refresh
                page.append(None)
                continue
            if self._mode == ZONE_UTC:
                tz = utc
            elif self._mode == ZONE_SOURCE:
                tz = _zone(r.zone, utc if display.is_exact(r.confidence) else self._tz)
            else:
                tz = self._tz
            moment = us_to_utc(r.ts_utc_us).astimezone(day_tz)
            day = moment.date()
            page.append(
                _Cell(
                    row=r,
                    time=display.time_cell(r.ts_utc_us, r.confidence, tz),
                    preview=display.one_line(r.text),
                    exact=display.is_exact(r.confidence),
                    day_label=f"{moment:%a} {moment.day} {moment:%b %Y}" if day != last_day else "",
                    tags=tags.get(r.item_id, ()),
                    exhibits=exhibits.get(r.item_id, ()),
                )
            )
            last_day = day
        self._pages[number] = page
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def _fetch_tags(self, item_ids: list[int]) -> dict[int, tuple[TagChip, ...]]:
        """The chips of a page's items, read in one go (no tags when no reader is set)."""
        if self._tag_fetch is None or self._case is None or not self._tag_chips:
            return {}
        try:
            keys = self._tag_fetch(self._case, item_ids)
        except Exception:  # rows still show without their tags
            log.exception("tags of %d items not read", len(item_ids))
            return {}
        chips: dict[int, tuple[TagChip, ...]] = {}
        for item_id, item_keys in keys.items():
            found = {self._tag_chips[k] for k in item_keys if k in self._tag_chips}
            if found:
                chips[item_id] = tuple(sorted(found, key=lambda c: c.number))
        return chips

    def _fetch_exhibits(self, item_ids: list[int]) -> dict[int, tuple[str, ...]]:
        """The exhibit refs of a page's items, read in one go (none when no reader is set)."""
        if self._exhibit_fetch is None or self._case is None:
            return {}
        try:
            refs = self._exhibit_fetch(self._case, sorted(set(item_ids)))
        except Exception:  # rows still show without their exhibits
            log.exception("exhibits of %d items not read", len(item_ids))
            return {}
        return {i: tuple(r) for i, r in refs.items() if r}

    # -- Qt model interface -------------------------------------------------------------

    def _count(self) -> int:
        return len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cell = self._cell(index.row())
        if cell is None:
            return None
        col = index.column()
        r = cell.row
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.TIME:
                return cell.time
            if col == self.SOURCE:
                return r.source_name
            if col == self.FROM:
                return f"{r.author} → {r.recipients}" if r.recipients else r.author
            if col == self.TAGS:
                return " ".join(str(c.number) for c in cell.tags)
            if col == self.EXHIBIT:
                return ", ".join(cell.exhibits)
            return cell.preview
        if role == Qt.ItemDataRole.DecorationRole and col == self.SOURCE:
            return theme.platform_badge(r.importer, display.importer_name(r.importer))
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.TIME:
                return display.time_tooltip(
                    r.ts_utc_us, r.confidence, r.original, r.event_kind, self._zone_name
                )
            if col == self.SOURCE:
                return f"{display.importer_name(r.importer)} · {r.source_name}"
            if col == self.FROM and r.recipients:
                return f"From {r.author or '(unknown)'} to {r.recipients}"
            if col == self.TEXT and r.text:
                return display.one_line(r.text, 600)
            if col == self.TAGS and cell.tags:
                return "\n".join(f"{c.number} · {c.label}" for c in cell.tags)
            if col == self.EXHIBIT and cell.exhibits:
                return "Exhibit " + ", ".join(cell.exhibits)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == self.TIME and not cell.exact:
                return theme.amber()
            return None
        if role == self.RowRole:
            return r
        if role == self.EventIdRole:
            return r.event_id
        if role == self.ExactRole:
            return cell.exact
        if role == self.NewDayRole:
            return bool(cell.day_label)
        if role == self.DayLabelRole:
            return cell.day_label
        if role == self.TagsRole:
            return cell.tags
        if role == self.ExhibitsRole:
            return cell.exhibits
        return None
