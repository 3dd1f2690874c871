"""Timeline queries: ordered event ids, rows by id, keyset pages, counts, jump-to-date.

Every filter applies in SQL. A filter compiles to three kinds of condition: on the event
(time, time confidence, event kind), on its item (source, platform, author, kind,
conversation, OCR) and a full-text match. How SQLite should walk them depends on how many
rows each lets through, which SQLite cannot know without statistics, so each query first
asks cheap capped counts (a few milliseconds) and then picks one of three plans:

* SCAN  — walk `events` in (ts, id) order on its index and test each row: best when the
  filter lets many rows through and only the first page is wanted (it stops early).
* ITEMS — start from the items the item conditions select (author, kind, ... indexes),
  reach their events on the covering (item_id, ts) index, then sort: best for a rare filter.
* FTS   — the same, starting from the full-text hits.

The hot paths fetch with the raw DBAPI cursor: SQLAlchemy's per-row processing costs more
than SQLite itself over a million ids.
"""

from __future__ import annotations

import bisect
import logging
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import chain
from typing import Any

from sqlalchemy import Select, text
from sqlalchemy.orm import Session

from app.model import TimelineRow

log = logging.getLogger(__name__)

PAGE = 500
# Below this many candidate rows, starting from the filter and sorting beats walking the
# time index (measured on 1 M events: both cost about 20 ms there).
RARE = 20_000
# A full-text condition tested row by row costs ~50 µs; materialised once it costs ~0.5 µs
# per hit. Above this many hits, a first page tests row by row (it stops after a few
# hundred rows) rather than materialise every hit first.
_FTS_PER_ROW = 100_000
_FETCH = 65_536
_NULL_AUTHOR = "(unknown)"


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """What the timeline shows; every field narrows it, an empty field narrows nothing.

    Fields combine with AND and the values inside one field with OR. `participant_ids` and
    `person_ids` name one set of authors together: an event passes when its item's author
    is one of those participants or is linked to one of those persons (every account of a
    person counts). `participant` is free text found in an author's name, number or handle,
    or in the name of the person it is linked to. `to_us` is exclusive. `search` is a
    full-text query (words, "phrases", prefix*) over evidence and OCR text.

    `elements` names elements of charges as "CHARGE_ID:ELEMENT_ID" keys: an event passes
    when its item is tagged for any of them. `untagged` True keeps items without any tag,
    False items with at least one. Tags change only through audited writes, so
    `data_version` moves with them and no cached id list outlives a tag edit.

    Hook for later issues: "has redactions" becomes a field here the same way: one
    condition on the item in `_compile`, which every query of this module honours.
    """

    from_us: int | None = None
    to_us: int | None = None
    source_ids: tuple[int, ...] = ()
    platforms: tuple[str, ...] = ()
    participant_ids: tuple[int, ...] = ()
    person_ids: tuple[int, ...] = ()
    participant: str = ""
    kinds: tuple[str, ...] = ()
    event_kinds: tuple[str, ...] = ()
    confidences: tuple[str, ...] = ()
    exclude_confidences: tuple[str, ...] = ()
    has_ocr: bool | None = None
    conversations: tuple[str, ...] = ()
    search: str = ""
    elements: tuple[str, ...] = ()
    untagged: bool | None = None

    def __post_init__(self) -> None:
        # Sorted, de-duplicated tuples: equal filters compare and hash equal (cache keys),
        # and a list passed by mistake cannot make the filter unhashable.
        for name in (
            "source_ids",
            "platforms",
            "participant_ids",
            "person_ids",
            "kinds",
            "event_kinds",
            "confidences",
            "exclude_confidences",
            "conversations",
            "elements",
        ):
            value = getattr(self, name)
            object.__setattr__(self, name, tuple(sorted(set(value))))
        object.__setattr__(self, "participant", self.participant.strip())
        object.__setattr__(self, "search", self.search.strip())

    @property
    def is_everything(self) -> bool:
        """Whether the filter lets every event through."""
        return self == EVERYTHING


EVERYTHING = TimelineFilter()


@dataclass(frozen=True, slots=True)
class TimelineKeys:
    """An ordered timeline as two parallel arrays: event ids and their UTC microseconds.

    `ids` is what the table model holds; `ts` makes jump-to-date a binary search.
    """

    ids: array[int]
    ts: array[int]

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, ts_utc_us: int) -> int:
        """The row where `ts_utc_us` falls: how many events come before it."""
        return bisect.bisect_left(self.ts, ts_utc_us)


class Plan(Enum):
    """How a filtered query walks the tables (see the module docstring)."""

    SCAN = "scan"
    ITEMS = "items"
    FTS = "fts"


@dataclass(frozen=True, slots=True)
class _Compiled:
    event: tuple[str, ...]  # conditions on `e`
    item: tuple[str, ...]  # conditions on `i`
    fts: str  # FTS5 MATCH expression, bound as :fts
    params: dict[str, Any] = field(default_factory=dict)


def _like(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _ints(values: Iterable[int]) -> str:
    return ",".join(str(int(v)) for v in values)


def _compile(f: TimelineFilter) -> _Compiled:
    """The filter's SQL conditions and parameters (names are fixed, values bound)."""
    params: dict[str, Any] = {}
    event: list[str] = []
    item: list[str] = []

    def bind_list(prefix: str, values: Sequence[str]) -> str:
        names = []
        for n, v in enumerate(values):
            params[f"{prefix}{n}"] = v
            names.append(f":{prefix}{n}")
        return ",".join(names)

    if f.from_us is not None:
        params["from_us"] = f.from_us
        event.append("e.ts_utc_us >= :from_us")
    if f.to_us is not None:
        params["to_us"] = f.to_us
        event.append("e.ts_utc_us < :to_us")
    if f.event_kinds:
        event.append(f"e.kind IN ({bind_list('ek', f.event_kinds)})")
    if f.confidences:
        event.append(f"e.confidence IN ({bind_list('cf', f.confidences)})")
    if f.exclude_confidences:
        event.append(f"e.confidence NOT IN ({bind_list('xc', f.exclude_confidences)})")
    if f.source_ids:
        item.append(f"i.source_id IN ({_ints(f.source_ids)})")
    if f.platforms:
        item.append(
            "i.source_id IN (SELECT id FROM sources WHERE importer IN "
            f"({bind_list('pf', f.platforms)}))"
        )
    if f.participant_ids or f.person_ids:
        who = []
        if f.participant_ids:
            who.append(f"id IN ({_ints(f.participant_ids)})")
        if f.person_ids:
            who.append(f"person_id IN ({_ints(f.person_ids)})")
        item.append(f"i.author_id IN (SELECT id FROM participants WHERE {' OR '.join(who)})")
    if f.participant:
        params["who"] = _like(f.participant)
        item.append(
            "i.author_id IN (SELECT p.id FROM participants p "
            "LEFT JOIN persons n ON n.id = p.person_id "
            "WHERE p.name LIKE :who ESCAPE '\\' OR p.phone LIKE :who ESCAPE '\\' "
            "OR p.handle LIKE :who ESCAPE '\\' OR n.name LIKE :who ESCAPE '\\')"
        )
    if f.kinds:
        item.append(f"i.kind IN ({bind_list('kd', f.kinds)})")
    if f.conversations:
        item.append(f"i.conversation IN ({bind_list('cv', f.conversations)})")
    if f.has_ocr is True:
        item.append("i.ocr_text != ''")  # the words of the partial index ix_items_ocr
    elif f.has_ocr is False:
        item.append("i.ocr_text = ''")
    if f.elements:
        pairs = []
        for n, key in enumerate(f.elements):
            charge, _, element = key.partition(":")
            params[f"tc{n}"] = int(charge) if charge.strip().isdigit() else -1
            params[f"te{n}"] = element
            pairs.append(f"(charge_id = :tc{n} AND element_id = :te{n})")
        item.append(f"i.id IN (SELECT item_id FROM tags WHERE {' OR '.join(pairs)})")
    if f.untagged is True:
        item.append("NOT EXISTS (SELECT 1 FROM tags t WHERE t.item_id = i.id)")
    elif f.untagged is False:
        item.append("EXISTS (SELECT 1 FROM tags t WHERE t.item_id = i.id)")
    fts = ""
    if f.search:
        # Imported here: app.search builds on this module.
        from app.search import to_fts

        fts = to_fts(f.search)
        params["fts"] = fts
    return _Compiled(tuple(event), tuple(item), fts, params)


_FTS_HITS = "SELECT rowid FROM items_fts WHERE items_fts MATCH :fts"


def _sql(
    c: _Compiled,
    plan: Plan,
    columns: str,
    *,
    extra: Sequence[str] = (),
    order: bool = True,
    limit: int | None = None,
    fts_per_row: bool = False,
    join_items: bool = False,
    group_by: str = "",
) -> str:
    """One statement over the filtered events under a chosen plan."""
    where = [*c.event, *extra]
    items = bool(c.item) or join_items
    if plan is Plan.SCAN:
        # In time order, INDEXED BY + CROSS JOIN pin the walk to the time index, events
        # first. Unordered (counts, groups), SQLite walks the smaller (item_id, ts) index.
        frm = "events e INDEXED BY ix_events_ts_id" if order else "events e"
        if items:
            frm += " CROSS JOIN items i ON i.id = e.item_id"
    elif plan is Plan.ITEMS:
        frm = "items i CROSS JOIN events e ON e.item_id = i.id"
    else:
        frm = f"({_FTS_HITS}) m CROSS JOIN events e ON e.item_id = m.rowid"
        if items:
            frm += " CROSS JOIN items i ON i.id = e.item_id"
    where += c.item
    if c.fts and plan is not Plan.FTS:
        if fts_per_row:
            where.append(
                "EXISTS (SELECT 1 FROM items_fts WHERE items_fts MATCH :fts AND rowid = e.item_id)"
            )
        else:
            # The unary + keeps SQLite from driving by it: it is a probe, built once.
            where.append(f"+e.item_id IN ({_FTS_HITS})")
    sql = f"SELECT {columns} FROM {frm}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if group_by:
        sql += f" GROUP BY {group_by}"
    if order:
        sql += " ORDER BY e.ts_utc_us, e.id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql


def raw_cursor(session: Session) -> Any:
    """A raw DBAPI cursor in the session's transaction (one snapshot per session); close it."""
    return session.connection().connection.cursor()


def _scalar(session: Session, sql: str, params: dict[str, Any] | Sequence[Any] = ()) -> int:
    cur = raw_cursor(session)
    try:
        row = cur.execute(sql, params).fetchone()
    finally:
        cur.close()
    return int(row[0] or 0) if row else 0


def _capped(session: Session, sql: str, params: dict[str, Any], cap: int) -> int:
    """How many rows `sql` gives, counting no further than `cap` (a few ms at most)."""
    return _scalar(session, f"SELECT count(*) FROM ({sql} LIMIT {cap})", params)


@dataclass(frozen=True, slots=True)
class _Choice:
    plan: Plan
    fts_per_row: bool = False


def _choose(session: Session, c: _Compiled, *, first_page: bool) -> _Choice:
    """Pick the plan from capped counts of what each condition lets through."""
    if not c.item and not c.fts:
        return _Choice(Plan.SCAN)
    p = c.params
    estimates: dict[Plan, int] = {}
    if c.item:
        items = "SELECT 1 FROM items i WHERE " + " AND ".join(c.item)
        estimates[Plan.ITEMS] = _capped(session, items, p, RARE)
    if c.fts:
        estimates[Plan.FTS] = _capped(session, _FTS_HITS, p, _FTS_PER_ROW if first_page else RARE)
    ranged = [x for x in c.event if x.startswith("e.ts_utc_us")]
    if ranged:
        in_range = "SELECT 1 FROM events e WHERE " + " AND ".join(ranged)
        estimates[Plan.SCAN] = _capped(session, in_range, p, RARE)
    rare = {plan: n for plan, n in estimates.items() if n < RARE}
    if rare:
        plan = min(rare, key=lambda k: rare[k])  # start from the rarest condition
    elif first_page:
        plan = Plan.SCAN  # every condition is common: the time walk stops after a page
    else:
        plan = Plan.ITEMS if Plan.ITEMS in estimates else Plan.FTS
    per_row = plan is Plan.SCAN and first_page and estimates.get(Plan.FTS, 0) >= _FTS_PER_ROW
    log.debug("plan %s (estimates %s)", plan.value, estimates)
    return _Choice(plan, per_row)


def _fetch_ints(session: Session, sql: str, params: dict[str, Any]) -> array[int]:
    """Every integer of every row, flattened, fetched in large batches."""
    out: array[int] = array("q")
    cur = raw_cursor(session)
    try:
        cur.execute(sql, params)
        while batch := cur.fetchmany(_FETCH):
            out.extend(chain.from_iterable(batch))
    finally:
        cur.close()
    return out


def event_ids(session: Session, f: TimelineFilter = EVERYTHING) -> array[int]:
    """Every matching event id in time order: what the timeline model holds."""
    c = _compile(f)
    choice = _choose(session, c, first_page=False)
    return _fetch_ints(session, _sql(c, choice.plan, "e.id"), c.params)


def event_keys(session: Session, f: TimelineFilter = EVERYTHING) -> TimelineKeys:
    """Every matching event id and its time, in time order (ids plus jump-to-date)."""
    c = _compile(f)
    choice = _choose(session, c, first_page=False)
    both = _fetch_ints(session, _sql(c, choice.plan, "e.id, e.ts_utc_us"), c.params)
    return TimelineKeys(both[0::2], both[1::2])


def count(session: Session, f: TimelineFilter = EVERYTHING) -> int:
    """How many events match."""
    c = _compile(f)
    choice = _choose(session, c, first_page=False)
    return _scalar(session, _sql(c, choice.plan, "count(*)", order=False), c.params)


def position_of(session: Session, f: TimelineFilter, ts_utc_us: int) -> int:
    """How many matching events come before `ts_utc_us`: the row to jump to for a date.

    A count in SQL; with the keys at hand, `TimelineKeys.position` answers in microseconds.
    """
    c = _compile(f)
    choice = _choose(session, c, first_page=False)
    params = c.params | {"before_us": ts_utc_us}
    sql = _sql(c, choice.plan, "count(*)", extra=("e.ts_utc_us < :before_us",), order=False)
    return _scalar(session, sql, params)


def aggregate(
    session: Session,
    f: TimelineFilter,
    columns: str,
    *,
    group_by: str,
    join_items: bool = True,
) -> list[tuple[Any, ...]]:
    """Grouped counts over the filtered events (`e`, and `i` for their items): few rows back.

    `columns` and `group_by` are SQL written by the caller, never user text.
    """
    c = _compile(f)
    choice = _choose(session, c, first_page=False)
    sql = _sql(c, choice.plan, columns, order=False, join_items=join_items, group_by=group_by)
    cur = raw_cursor(session)
    try:
        return [tuple(r) for r in cur.execute(sql, c.params)]
    finally:
        cur.close()


def page_ids(
    session: Session,
    f: TimelineFilter = EVERYTHING,
    after: tuple[int, int] | None = None,
    limit: int = PAGE,
) -> list[int]:
    """The ids of one page after the (ts, id) key: keyset paging, never OFFSET."""
    c = _compile(f)
    choice = _choose(session, c, first_page=True)
    extra: tuple[str, ...] = ()
    params = c.params
    if after is not None:
        # Row values compare lexicographically; SQLite uses the index for the range.
        extra = ("(e.ts_utc_us, e.id) > (:after_ts, :after_id)",)
        params = params | {"after_ts": after[0], "after_id": after[1]}
    sql = _sql(c, choice.plan, "e.id", extra=extra, limit=limit, fts_per_row=choice.fts_per_row)
    return list(_fetch_ints(session, sql, params))


def page(
    session: Session,
    f: TimelineFilter = EVERYTHING,
    after: tuple[int, int] | None = None,
    limit: int = PAGE,
) -> list[TimelineRow]:
    """One page of rows after the (ts, id) key: keyset paging, never OFFSET."""
    return rows(session, page_ids(session, f, after, limit))


def iterate(session: Session, f: TimelineFilter = EVERYTHING) -> Iterator[TimelineRow]:
    """Every matching row in time order, a page at a time."""
    after: tuple[int, int] | None = None
    while batch := page(session, f, after):
        yield from batch
        after = (batch[-1].ts_utc_us, batch[-1].event_id)


def query_plan(session: Session, f: TimelineFilter, *, first_page: bool = False) -> list[str]:
    """SQLite's plan for the filter's id list (or first page): for tests and tuning."""
    c = _compile(f)
    choice = _choose(session, c, first_page=first_page)
    sql = _sql(
        c,
        choice.plan,
        "e.id",
        limit=PAGE if first_page else None,
        fts_per_row=choice.fts_per_row,
    )
    cur = raw_cursor(session)
    try:
        return [str(r[3]) for r in cur.execute("EXPLAIN QUERY PLAN " + sql, c.params)]
    finally:
        cur.close()


def data_version(session: Session) -> tuple[int, int, int]:
    """A stamp that changes whenever what a filter sees may have changed.

    Every change to a case (import, OCR, linking accounts to a person, ...) writes an audit
    entry in its own transaction, so the newest audit sequence number moves with it; the
    event count and the largest event id double-check it.
    """
    cur = raw_cursor(session)
    try:
        row = cur.execute(
            "SELECT (SELECT max(seq) FROM audit_log), (SELECT max(id) FROM events), "
            "(SELECT count(*) FROM events)"
        ).fetchone()
    finally:
        cur.close()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def filtered(stmt: Select[Any], f: TimelineFilter) -> Select[Any]:
    """Narrow a SQLAlchemy statement over `events` to what the filter lets through.

    For composing other queries; the functions above run faster, planned SQL.
    """
    if f.is_everything:
        return stmt
    c = _compile(f)
    ids = _sql(c, Plan.SCAN, "e.id", order=False).replace(" INDEXED BY ix_events_ts_id", "")
    return stmt.where(text(f"events.id IN ({ids})").bindparams(**c.params))


# -- rows ------------------------------------------------------------------------------

_ROWS = (
    "SELECT e.id, e.item_id, e.ts_utc_us, e.original, e.confidence, e.kind, e.zone, e.flags, "
    "i.kind, i.source_id, s.name, s.importer, s.sha256, i.author_id, p.name, p.handle, "
    "p.phone, n.name, i.text, i.locator, i.conversation, i.mime, i.ocr_text != '', "
    "i.parent_id "
    "FROM events e JOIN items i ON i.id = e.item_id JOIN sources s ON s.id = i.source_id "
    "LEFT JOIN participants p ON p.id = i.author_id LEFT JOIN persons n ON n.id = p.person_id "
    "WHERE e.id IN (SELECT value FROM json_each(?))"
)
_RECIPIENTS = (
    "SELECT r.item_id, p.name, p.handle, p.phone FROM item_recipients r "
    "JOIN participants p ON p.id = r.participant_id "
    "WHERE r.item_id IN (SELECT value FROM json_each(?)) ORDER BY r.item_id, p.id"
)


def _json_ids(ids: Iterable[int]) -> str:
    return "[" + ",".join(map(str, ids)) + "]"


def label(name: str | None, handle: str | None, phone: str | None) -> str:
    """How a participant is named on screen: name, else handle, else number."""
    return name or handle or phone or ""


def rows(session: Session, ids: Sequence[int]) -> list[TimelineRow]:
    """The rows for these event ids, in the order given: one query, plus one for recipients.

    Ids that no longer exist are left out.
    """
    if not ids:
        return []
    cur = raw_cursor(session)
    try:
        fetched = cur.execute(_ROWS, (_json_ids(ids),)).fetchall()
        recipients: dict[int, list[str]] = {}
        item_ids = {r[1] for r in fetched}
        if item_ids:
            for item_id, name, handle, phone in cur.execute(_RECIPIENTS, (_json_ids(item_ids),)):
                recipients.setdefault(item_id, []).append(
                    label(name, handle, phone) or _NULL_AUTHOR
                )
    finally:
        cur.close()
    by_id: dict[int, TimelineRow] = {}
    for r in fetched:
        by_id[r[0]] = TimelineRow(
            event_id=r[0],
            item_id=r[1],
            ts_utc_us=r[2],
            original=r[3],
            confidence=r[4],
            event_kind=r[5],
            item_kind=r[8],
            source_id=r[9],
            source_name=r[10],
            importer=r[11],
            author=label(r[14], r[15], r[16]),
            text=r[18] or "",
            zone=r[6] or "",
            flags=r[7] or "",
            source_sha256=r[12],
            author_id=r[13],
            person=r[17] or "",
            locator=r[19] or "",
            conversation=r[20] or "",
            mime=r[21] or "",
            has_ocr=bool(r[22]),
            parent_item_id=r[23],
            recipients=", ".join(recipients.get(r[1], ())),
        )
    return [by_id[i] for i in ids if i in by_id]
