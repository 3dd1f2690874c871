"""Reading the tagger's tables: offences (library + the case's own), charges and tags."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case import Case
from app.errors import EvidenceError
from app.store.schema import Charge, CustomOffence, Tag
from app.tagging.library import Offence, load_library, offence_from_dict, range_warnings
from app.tagging.model import ChargeRow, TagRow, parse_element_key
from app.timeline.query import raw_cursor

log = logging.getLogger(__name__)

CUSTOM_PREFIX = "custom-"
"""Every user-defined offence id starts with this, so it never collides with the library."""


# -- offences -----------------------------------------------------------------------------


def custom_offence(data: dict[str, object], offence_id: str) -> Offence:
    """A user-defined offence from its stored data, validated like a library file."""
    return offence_from_dict(data, f"custom offence {offence_id}", custom=True)


def _customs(s: Session) -> list[Offence]:
    out = []
    for row in s.execute(select(CustomOffence).order_by(CustomOffence.created_at_us)).scalars():
        try:
            out.append(custom_offence(dict(row.data), row.id))
        except EvidenceError:
            log.warning("custom offence %s no longer validates; left out", row.id, exc_info=True)
    return out


def offences(case: Case) -> list[Offence]:
    """Every offence a charge may name: the library's, then the case's own (user-defined)."""
    with case.read() as s:
        return list(load_library().offences) + _customs(s)


def session_offence(s: Session, offence_id: str) -> Offence:
    """One offence by id, from the library or the case; EvidenceError naming unknown ids."""
    if offence_id.startswith(CUSTOM_PREFIX):
        row = s.get(CustomOffence, offence_id)
        if row is None:
            raise EvidenceError(f"unknown offence {offence_id!r}: no such user-defined offence")
        return custom_offence(dict(row.data), row.id)
    return load_library().get(offence_id)


def offence(case: Case, offence_id: str) -> Offence:
    """One offence by id, from the library or the case's own."""
    with case.read() as s:
        return session_offence(s, offence_id)


# -- charges ------------------------------------------------------------------------------


def _missing(offence_id: str) -> Offence:
    """A stand-in for a charge whose offence is no longer known (its tags stay readable)."""
    return Offence(
        id=offence_id,
        name=f"Unknown offence {offence_id}",
        short_name=offence_id,
        statute="",
        section="",
        mode_of_trial="",
        max_penalty="",
        elements=(),
        defences=(),
        in_force_from=None,
        repealed_from=None,
        changes=(),
        sources=(),
        unverified="this offence is not in the library or the case any more",
    )


def charge_row(s: Session, c: Charge) -> ChargeRow:
    """The view row of one charge, with the law-change warnings for its dates."""
    start, end = date.fromisoformat(c.from_date), date.fromisoformat(c.to_date)
    try:
        off = session_offence(s, c.offence_id)
        warnings = tuple(range_warnings(off, start, end))
    except EvidenceError as exc:
        off = _missing(c.offence_id)
        warnings = (str(exc),)
    return ChargeRow(
        id=c.id, offence=off, from_date=start, to_date=end, note=c.note, warnings=warnings
    )


def charges(case: Case) -> list[ChargeRow]:
    """The charges considered on the case, in the order they were added."""
    with case.read() as s:
        return [charge_row(s, c) for c in s.execute(select(Charge).order_by(Charge.id)).scalars()]


def charge(case: Case, charge_id: int) -> ChargeRow:
    """One charge; EvidenceError when there is none with that id."""
    with case.read() as s:
        c = s.get(Charge, charge_id)
        if c is None:
            raise EvidenceError(f"there is no charge {charge_id} on this case")
        return charge_row(s, c)


def resolve_element(case: Case, element: str, charge_id: int | None = None) -> tuple[int, str]:
    """The (charge id, element id) a user means by "CHARGE_ID:ELEMENT_ID", or by an element id
    alone: of `charge_id` when given, else of the one charge of the case that has it.

    EvidenceError names what does not fit: no such charge, an element the charge's offence
    lacks, no charge with the element, or several (then the charge must be named).
    """
    if ":" in element:
        charge_id, element = parse_element_key(element)
    rows = charges(case)
    if charge_id is not None:
        row = next((c for c in rows if c.id == charge_id), None)
        if row is None:
            raise EvidenceError(f"there is no charge {charge_id} on this case")
        row.offence.element(element)
        return charge_id, element
    fits = [c.id for c in rows if any(e.id == element for e in c.offence.elements)]
    if not fits:
        raise EvidenceError(f"no charge on this case has element {element!r} (see `charges`)")
    if len(fits) > 1:
        keys = " or ".join(f"{c}:{element}" for c in fits)
        raise EvidenceError(f"element {element!r} belongs to several charges: name one ({keys})")
    return fits[0], element


# -- tags ---------------------------------------------------------------------------------

_TAG_COLUMNS = (
    'id, charge_id, element_id, item_id, page, x0, y0, x1, y1, start, "end", note, origin, '
    "created_by, created_at_us"
)


def _tag_row(r: Sequence[Any]) -> TagRow:
    box = None
    if r[5] is not None:
        box = (float(r[5]), float(r[6]), float(r[7]), float(r[8]))
    return TagRow(
        id=int(r[0]),
        charge_id=int(r[1]),
        element_id=str(r[2]),
        item_id=int(r[3]),
        page=r[4],
        box=box,
        start=r[9],
        end=r[10],
        note=str(r[11] or ""),
        origin=str(r[12] or "manual"),
        created_by=str(r[13] or ""),
        created_at_us=int(r[14] or 0),
    )


def orm_tag_row(t: Tag) -> TagRow:
    """The view row of a Tag."""
    return _tag_row(
        (
            t.id,
            t.charge_id,
            t.element_id,
            t.item_id,
            t.page,
            t.x0,
            t.y0,
            t.x1,
            t.y1,
            t.start,
            t.end,
            t.note,
            t.origin,
            t.created_by,
            t.created_at_us,
        )
    )


def session_tags_for_items(s: Session, item_ids: Sequence[int]) -> dict[int, list[TagRow]]:
    """`tags_for_items` within an open session."""
    if not item_ids:
        return {}
    cur = raw_cursor(s)
    try:
        fetched = cur.execute(
            f"SELECT {_TAG_COLUMNS} FROM tags "
            "WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY item_id, charge_id, id",
            (json.dumps(sorted({int(i) for i in item_ids})),),
        ).fetchall()
    finally:
        cur.close()
    out: dict[int, list[TagRow]] = {}
    for r in fetched:
        row = _tag_row(r)
        out.setdefault(row.item_id, []).append(row)
    return out


def tags_for_items(case: Case, item_ids: Sequence[int]) -> dict[int, list[TagRow]]:
    """The tags of each of these items (items without tags are absent): one query.

    Meant for a page of timeline rows (hundreds of ids).
    """
    with case.read() as s:
        return session_tags_for_items(s, item_ids)


def tags(case: Case, charge_id: int | None = None) -> list[TagRow]:
    """Every tag of the case (or of one charge), by charge, element and item."""
    sql = f"SELECT {_TAG_COLUMNS} FROM tags"
    params: tuple[int, ...] = ()
    if charge_id is not None:
        sql += " WHERE charge_id = ?"
        params = (int(charge_id),)
    sql += " ORDER BY charge_id, element_id, item_id, id"
    with case.read() as s:
        cur = raw_cursor(s)
        try:
            return [_tag_row(r) for r in cur.execute(sql, params).fetchall()]
        finally:
            cur.close()


def span_quotes(case: Case, tags: Sequence[TagRow]) -> dict[int, str]:
    """The text each span tag covers, by tag id (one query; other tags are absent)."""
    spans = [t for t in tags if t.start is not None and t.end is not None]
    if not spans:
        return {}
    with case.read() as s:
        cur = raw_cursor(s)
        try:
            texts = dict(
                cur.execute(
                    "SELECT id, text FROM items WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted({t.item_id for t in spans})),),
                ).fetchall()
            )
        finally:
            cur.close()
    return {t.id: str(texts.get(t.item_id) or "")[t.start : t.end] for t in spans}


_ELEMENT_ITEMS = (
    "SELECT t.item_id FROM tags t LEFT JOIN events e ON e.item_id = t.item_id "
    "WHERE t.charge_id = ? AND t.element_id = ? "
    "GROUP BY t.item_id ORDER BY min(e.ts_utc_us) IS NULL, min(e.ts_utc_us), t.item_id"
)


def items_for_element(case: Case, charge_id: int, element_id: str) -> list[int]:
    """The items tagged for one element of one charge, earliest first (untimed items last)."""
    with case.read() as s:
        cur = raw_cursor(s)
        try:
            return [int(r[0]) for r in cur.execute(_ELEMENT_ITEMS, (charge_id, element_id))]
        finally:
            cur.close()


def element_counts(case: Case) -> dict[str, int]:
    """How many distinct items are tagged for each element key ("charge:element")."""
    with case.read() as s:
        cur = raw_cursor(s)
        try:
            rows = cur.execute(
                "SELECT charge_id, element_id, count(DISTINCT item_id) FROM tags "
                "GROUP BY charge_id, element_id"
            ).fetchall()
        finally:
            cur.close()
    return {f"{r[0]}:{r[1]}": int(r[2]) for r in rows}
