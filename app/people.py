"""Participants across sources, the persons behind them, and first guesses at links."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from app.case import Case
from app.store.schema import Item, Participant, Person, Source


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """One participant as the participants panel and the CLI show it."""

    id: int
    source_id: int
    source_name: str
    name: str
    phone: str
    handle: str
    person_id: int | None
    person_name: str
    items: int


@dataclass(frozen=True, slots=True)
class LinkSuggestion:
    """Participants of different sources that look like one identity, and why."""

    participant_ids: tuple[int, ...]
    reason: str


def participants(case: Case) -> list[ParticipantRow]:
    """Every participant with its source, person and number of items authored."""
    with case.read() as s:
        authored = (
            select(Item.author_id, func.count(Item.id).label("n"))
            .group_by(Item.author_id)
            .subquery()
        )
        stmt = (
            select(Participant, Source.name, Person.name, authored.c.n)
            .join(Source, Source.id == Participant.source_id)
            .outerjoin(Person, Person.id == Participant.person_id)
            .outerjoin(authored, authored.c.author_id == Participant.id)
            .order_by(Participant.id)
        )
        return [
            ParticipantRow(
                p.id, p.source_id, src, p.name, p.phone, p.handle, p.person_id, person or "", n or 0
            )
            for p, src, person, n in s.execute(stmt)
        ]


def suggest_links(case: Case) -> list[LinkSuggestion]:
    """Participants of two or more sources sharing a phone number or an account id.

    Only a first guess for the user to accept or reject: never applied automatically.
    Participants already attributed to one person are not suggested again.
    """
    by_key: dict[tuple[str, str], list[ParticipantRow]] = defaultdict(list)
    for p in participants(case):
        if p.phone:
            by_key[("phone number", p.phone)].append(p)
        if p.handle:
            by_key[("account id", p.handle.casefold())].append(p)
    seen: set[tuple[int, ...]] = set()
    out: list[LinkSuggestion] = []
    for (what, _value), rows in sorted(by_key.items()):
        ids = tuple(sorted({r.id for r in rows}))
        sources = {r.source_id for r in rows}
        persons = {r.person_id for r in rows}
        if len(sources) < 2 or ids in seen or (len(persons) == 1 and None not in persons):
            continue
        seen.add(ids)
        shown = rows[0].phone if what == "phone number" else rows[0].handle
        out.append(LinkSuggestion(ids, f"same {what} {shown} in {len(sources)} sources"))
    return out
