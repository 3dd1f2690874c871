"""Timeline queries: ordered event ids, rows by id, keyset pages. Filters apply in SQL."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from app.model import TimelineRow
from app.store.schema import Event, Item, Participant, Source


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """What the timeline shows; every field narrows it, empty means no narrowing."""

    from_us: int | None = None
    to_us: int | None = None
    source_ids: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    participant: str = ""


EVERYTHING = TimelineFilter()


def filtered(stmt: Select[Any], f: TimelineFilter) -> Select[Any]:
    """Narrow a statement over events to what the filter lets through."""
    needs_item = bool(f.source_ids or f.kinds or f.participant)
    if needs_item:
        stmt = stmt.join(Item, Item.id == Event.item_id)
    if f.from_us is not None:
        stmt = stmt.where(Event.ts_utc_us >= f.from_us)
    if f.to_us is not None:
        stmt = stmt.where(Event.ts_utc_us < f.to_us)
    if f.source_ids:
        stmt = stmt.where(Item.source_id.in_(f.source_ids))
    if f.kinds:
        stmt = stmt.where(Item.kind.in_(f.kinds))
    if f.participant:
        like = f"%{f.participant}%"
        who = select(Participant.id).where(
            or_(
                Participant.name.ilike(like),
                Participant.phone.ilike(like),
                Participant.handle.ilike(like),
            )
        )
        stmt = stmt.where(Item.author_id.in_(who))
    return stmt


def event_ids(session: Session, f: TimelineFilter = EVERYTHING) -> array[int]:
    """Every matching event id in time order: what the timeline model holds."""
    stmt = filtered(select(Event.id), f).order_by(Event.ts_utc_us, Event.id)
    ids = array("q")
    for chunk in session.execute(stmt).scalars().partitions(50_000):
        ids.extend(chunk)
    return ids


def rows(session: Session, ids: Sequence[int]) -> list[TimelineRow]:
    """The rows for these event ids, in the order given (one query)."""
    if not ids:
        return []
    stmt = (
        select(
            Event.id,
            Event.item_id,
            Event.ts_utc_us,
            Event.original,
            Event.confidence,
            Event.kind,
            Item.kind,
            Item.source_id,
            Source.name,
            Source.importer,
            Participant.name,
            Participant.handle,
            Participant.phone,
            Item.text,
        )
        .join(Item, Item.id == Event.item_id)
        .join(Source, Source.id == Item.source_id)
        .outerjoin(Participant, Participant.id == Item.author_id)
        .where(Event.id.in_(list(ids)))
    )
    by_id: dict[int, TimelineRow] = {}
    for r in session.execute(stmt):
        author = r[10] or r[11] or r[12] or ""
        by_id[r[0]] = TimelineRow(
            event_id=r[0],
            item_id=r[1],
            ts_utc_us=r[2],
            original=r[3],
            confidence=r[4],
            event_kind=r[5],
            item_kind=r[6],
            source_id=r[7],
            source_name=r[8],
            importer=r[9],
            author=author,
            text=r[13] or "",
        )
    return [by_id[i] for i in ids if i in by_id]


def page(
    session: Session,
    f: TimelineFilter = EVERYTHING,
    after: tuple[int, int] | None = None,
    limit: int = 500,
) -> list[TimelineRow]:
    """One page of rows after the (ts, id) key: keyset paging, never OFFSET."""
    stmt = filtered(select(Event.id), f)
    if after is not None:
        stmt = stmt.where(tuple_(Event.ts_utc_us, Event.id) > tuple_(*after))
    stmt = stmt.order_by(Event.ts_utc_us, Event.id).limit(limit)
    return rows(session, list(session.execute(stmt).scalars()))


def iterate(session: Session, f: TimelineFilter = EVERYTHING) -> Iterator[TimelineRow]:
    """Every matching row in time order, a page at a time."""
    after: tuple[int, int] | None = None
    while batch := page(session, f, after):
        yield from batch
        after = (batch[-1].ts_utc_us, batch[-1].event_id)


def position_of(session: Session, f: TimelineFilter, ts_utc_us: int) -> int:
    """How many matching events come before `ts_utc_us`: the row to jump to for a date."""
    stmt = filtered(select(func.count(Event.id)), f).where(and_(Event.ts_utc_us < ts_utc_us))
    return int(session.scalar(stmt) or 0)
