"""Pattern of contact: events per local day (stacked by author) and a weekday x hour map.

Days and hours are the display zone's, not UTC's: a message at 23:30 UTC on 31 March 2024
was sent at 00:30 on 1 April in London. SQLite has no time zone database, so the zone's UTC
offsets over the span of the case are worked out here (`offsets`) and handed to SQL as a
CASE expression; SQLite then buckets and counts every event without sending a row back.
Rendering (charts, PNG, PDF) is the UI's; this module gives the numbers and their CSV.
"""

from __future__ import annotations

import csv
import functools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TextIO

from sqlalchemy.orm import Session

from app.case import Case
from app.timeline import query
from app.timeline.clock import zone as zone_info
from app.timeline.query import EVERYTHING, TimelineFilter

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NO_AUTHOR = "(no author)"
# Shift every local time by a whole number of weeks before dividing, so SQLite's integer
# division (which truncates toward zero) floors correctly for times before 1970 too and day
# numbers keep their weekday. 1,050,000 days is ~2,900 years.
_SHIFT_DAYS = 7 * 150_000
_SHIFT_US = _SHIFT_DAYS * DAY_US
_EPOCH_DAY = date(1970, 1, 1)
_STEP = 12 * 3600  # seconds between probes of the zone's offset


@dataclass(frozen=True, slots=True)
class DayCount:
    """One local day: its events per author label, in the stacking order of the chart."""

    day: date
    counts: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        """Every event of the day."""
        return sum(n for _, n in self.counts)

    def count(self, label: str) -> int:
        """The day's events by one author label."""
        return dict(self.counts).get(label, 0)


@dataclass(frozen=True, slots=True)
class HeatMap:
    """Events per weekday (Monday first) and hour of the day, in `zone`."""

    zone: str
    counts: tuple[tuple[int, ...], ...]  # 7 rows of 24

    @property
    def total(self) -> int:
        """Every event counted."""
        return sum(map(sum, self.counts))

    def cell(self, weekday: int, hour: int) -> int:
        """Events on a weekday (0 = Monday) in an hour (0-23)."""
        return self.counts[weekday][hour]

    def hour_totals(self) -> tuple[int, ...]:
        """Events per hour of the day, all weekdays together."""
        return tuple(sum(row[h] for row in self.counts) for h in range(24))


# -- the zone's offsets ------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def offsets(zone_name: str, first_us: int, last_us: int) -> tuple[tuple[int, int], ...]:
    """The zone's UTC offsets between two instants: (from_us, offset_us) pairs, in order.

    The first pair starts at the earliest instant asked for; each later one at a change
    (DST or a change of standard time), found to the second.
    """
    tz = zone_info(zone_name)

    def offset_at(seconds: int) -> int:
        moment = datetime.fromtimestamp(seconds, UTC).astimezone(tz)
        delta = moment.utcoffset() or timedelta(0)
        return int(delta.total_seconds()) * 1_000_000

    start = first_us // 1_000_000 - _STEP
    end = last_us // 1_000_000 + _STEP
    current = offset_at(start)
    out = [(first_us, current)]
    t = start
    while t < end:
        nxt = min(t + _STEP, end)
        later = offset_at(nxt)
        if later != current:
            lo, hi = t, nxt  # offset(lo) == current, offset(hi) != current
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset_at(mid) == current:
                    lo = mid
                else:
                    hi = mid
            out.append((hi * 1_000_000, later))
            current = later
        t = nxt
    return tuple(out)


def _offset_sql(segments: Sequence[tuple[int, int]], column: str) -> str:
    """A CASE expression giving the offset of `column`, as a balanced binary search."""
    if len(segments) == 1:
        return str(segments[0][1])
    mid = len(segments) // 2
    left = _offset_sql(segments[:mid], column)
    right = _offset_sql(segments[mid:], column)
    return f"(CASE WHEN {column} < {segments[mid][0]} THEN {left} ELSE {right} END)"


def local_shifted_sql(zone_name: str, first_us: int, last_us: int) -> str:
    """SQL for an event's local wall-clock microseconds, shifted by `_SHIFT_US`."""
    segments = offsets(zone_name, first_us, last_us)
    return f"(e.ts_utc_us + {_offset_sql(segments, 'e.ts_utc_us')} + {_SHIFT_US})"


# -- counting -----------------------------------------------------------------------------


@contextmanager
def _session(source: Session | Case) -> Iterator[Session]:
    if isinstance(source, Session):
        yield source
    else:
        with source.read() as s:
            yield s


def _span(s: Session, f: TimelineFilter) -> tuple[int, int] | None:
    cur = query.raw_cursor(s)
    try:
        first, last = cur.execute(
            "SELECT (SELECT min(ts_utc_us) FROM events), (SELECT max(ts_utc_us) FROM events)"
        ).fetchone()
    finally:
        cur.close()
    if first is None:
        return None
    if f.from_us is not None:
        first = max(first, f.from_us)
    if f.to_us is not None:
        last = min(last, f.to_us)
    return int(first), int(max(first, last))


def _labels(s: Session, author_ids: set[int], by_person: bool) -> dict[int | None, str]:
    out: dict[int | None, str] = {None: NO_AUTHOR}
    if not author_ids:
        return out
    cur = query.raw_cursor(s)
    try:
        for pid, name, handle, phone, person in cur.execute(
            "SELECT p.id, p.name, p.handle, p.phone, n.name FROM participants p "
            "LEFT JOIN persons n ON n.id = p.person_id "
            "WHERE p.id IN (SELECT value FROM json_each(?))",
            ("[" + ",".join(map(str, author_ids)) + "]",),
        ):
            own = query.label(name, handle, phone) or NO_AUTHOR
            out[pid] = person if by_person and person else own
    finally:
        cur.close()
    return out


def activity_per_day(
    source: Session | Case,
    f: TimelineFilter = EVERYTHING,
    zone: str = "UTC",
    *,
    by_person: bool = True,
    fill: bool = False,
) -> list[DayCount]:
    """Events per local day in `zone`, counted per author label, honouring the filter.

    Authors linked to a person count under the person's name when `by_person`, so one
    person's accounts stack as one. Every day's `counts` lists the labels in one order,
    most active first; `fill` adds the empty days between the first and the last.
    """
    with _session(source) as s:
        span = _span(s, f)
        if span is None:
            return []
        local = local_shifted_sql(zone, *span)
        grouped = query.aggregate(
            s,
            f,
            f"{local} / {DAY_US} AS d, i.author_id AS a, count(*)",
            group_by="d, a",
        )
        labels = _labels(s, {a for _, a, _ in grouped if a is not None}, by_person)
    per_day: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for d, a, n in grouped:
        label = labels.get(a, NO_AUTHOR)
        per_day[d][label] += n
        totals[label] += n
    order = sorted(totals, key=lambda k: (-totals[k], k))
    day_numbers = sorted(per_day)
    if fill and day_numbers:
        day_numbers = list(range(day_numbers[0], day_numbers[-1] + 1))
    return [
        DayCount(
            _EPOCH_DAY + timedelta(days=d - _SHIFT_DAYS),
            tuple((k, per_day[d][k]) for k in order if per_day.get(d, {}).get(k)),
        )
        for d in day_numbers
    ]


def heat_map(
    source: Session | Case,
    f: TimelineFilter = EVERYTHING,
    zone: str = "UTC",
    *,
    participant_id: int | None = None,
    person_id: int | None = None,
) -> HeatMap:
    """Events per weekday and local hour in `zone`, honouring the filter.

    `participant_id` or `person_id` narrows it to one author (a person: all its accounts),
    in place of any authors the filter names.
    """
    if participant_id is not None or person_id is not None:
        f = replace(
            f,
            participant_ids=() if participant_id is None else (participant_id,),
            person_ids=() if person_id is None else (person_id,),
        )
    grid = [[0] * 24 for _ in range(7)]
    with _session(source) as s:
        span = _span(s, f)
        if span is not None:
            local = local_shifted_sql(zone, *span)
            # Day 0 (1970-01-01) was a Thursday: weekday 3 with Monday as 0.
            for weekday, hour, n in query.aggregate(
                s,
                f,
                f"({local} / {DAY_US} + 3) % 7 AS w, ({local} % {DAY_US}) / {HOUR_US} AS h, "
                "count(*)",
                group_by="w, h",
                join_items=False,
            ):
                grid[weekday][hour] = n
    return HeatMap(zone, tuple(tuple(row) for row in grid))


# -- CSV ----------------------------------------------------------------------------------


def write_activity_csv(days: Sequence[DayCount], out: TextIO, zone: str) -> None:
    """Per-day counts as CSV: date (in `zone`), total, then one column per author label."""
    totals: dict[str, int] = defaultdict(int)
    for d in days:
        for label, n in d.counts:
            totals[label] += n
    labels = sorted(totals, key=lambda k: (-totals[k], k))
    w = csv.writer(out, lineterminator="\n")
    w.writerow([f"date ({zone})", "total", *labels])
    for d in days:
        w.writerow([d.day.isoformat(), d.total, *(d.count(k) for k in labels)])


def write_heat_map_csv(hm: HeatMap, out: TextIO) -> None:
    """The weekday x hour counts as CSV: one row per weekday, one column per hour."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow([f"weekday ({hm.zone})", *(f"{h:02d}" for h in range(24)), "total"])
    for name, row in zip(WEEKDAYS, hm.counts, strict=True):
        w.writerow([name, *row, sum(row)])
