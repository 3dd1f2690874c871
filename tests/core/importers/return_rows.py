"""What an imported case holds, as the returns' importer tests look at it: items with their
events, author and source path, and the identifiers table."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select

from app.case import Case
from app.store.schema import Event, Identifier, Item, Participant, Source
from app.timeline.clock import iso_utc


@dataclasses.dataclass
class Row:
    """One item as the tests look at it."""

    id: int
    kind: str
    text: str
    locator: str
    meta: dict[str, Any]
    parent_id: int | None
    author: str
    events: list[tuple[str, str, str, str]]  # kind, UTC ISO, confidence, original
    source: str  # the path of its source ("…/records.html!/linked_media/x.png" for a child)


def items(case: Case) -> list[Row]:
    """Every item of the case, in id order."""
    with case.read() as s:
        out = []
        for it in s.scalars(select(Item).order_by(Item.id)):
            author = s.get(Participant, it.author_id) if it.author_id else None
            events = [
                (e.kind, iso_utc(e.ts_utc_us), e.confidence, e.original)
                for e in s.scalars(select(Event).where(Event.item_id == it.id).order_by(Event.id))
            ]
            source = s.get(Source, it.source_id)
            out.append(
                Row(
                    it.id,
                    it.kind,
                    it.text,
                    it.locator,
                    it.meta or {},
                    it.parent_id,
                    (author.name or author.handle or author.phone) if author else "",
                    events,
                    source.path if source else "",
                )
            )
        return out


def identifiers(case: Case) -> list[tuple[str, str, str, str, int | None, str | None]]:
    """The identifiers table: (account, kind, value, raw, port, UTC ISO time or None)."""
    with case.read() as s:
        return [
            (
                i.account,
                i.kind,
                i.value,
                i.raw,
                i.port,
                iso_utc(i.ts_utc_us) if i.ts_utc_us else None,
            )
            for i in s.scalars(select(Identifier).order_by(Identifier.id))
        ]


def one(rows: list[Row], **where: Any) -> Row:
    """The only row whose attributes equal `where`."""
    found = [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]
    assert len(found) == 1, (where, [(r.kind, r.locator) for r in rows])
    return found[0]


def record(rows: list[Row], name: str) -> list[Row]:
    """The record items whose meta["record"] is `name`."""
    return [r for r in rows if r.kind == "record" and r.meta.get("record") == name]
