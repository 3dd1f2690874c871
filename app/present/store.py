"""Reading presentations, and the item lists a presentation can be built from."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case import Case
from app.present.model import PresentationRow, PresentError, StepRow
from app.redaction.model import Box
from app.store.schema import Item, Presentation, PresentationStep
from app.timeline.query import TimelineFilter

log = logging.getLogger(__name__)

FILTER_LIMIT = 200
"""At most this many items go into a presentation built from a filter."""


def _steps(s: Session, presentation_ids: list[int]) -> dict[int, list[StepRow]]:
    out: dict[int, list[StepRow]] = {}
    if not presentation_ids:
        return out
    rows = s.execute(
        select(PresentationStep, Item.kind)
        .join(Item, Item.id == PresentationStep.item_id)
        .where(PresentationStep.presentation_id.in_(presentation_ids))
        .order_by(PresentationStep.presentation_id, PresentationStep.position, PresentationStep.id)
    ).all()
    for st, kind in rows:
        region: Box | None = None
        if st.x0 is not None and st.y0 is not None and st.x1 is not None and st.y1 is not None:
            region = (st.x0, st.y0, st.x1, st.y1)
        out.setdefault(st.presentation_id, []).append(
            StepRow(st.id, st.position, st.item_id, st.page, region, st.note, kind)
        )
    return out


def session_presentations(s: Session) -> list[PresentationRow]:
    """`presentations` in a caller's session."""
    pres = list(s.execute(select(Presentation).order_by(Presentation.name)).scalars())
    steps = _steps(s, [p.id for p in pres])
    return [PresentationRow(p.id, p.name, p.set_name, tuple(steps.get(p.id, []))) for p in pres]


def presentations(case: Case) -> list[PresentationRow]:
    """Every presentation of the case with its steps, by name."""
    with case.read() as s:
        return session_presentations(s)


def session_presentation(s: Session, id_or_name: int | str) -> PresentationRow:
    """`presentation` in a caller's session."""
    if isinstance(id_or_name, int):
        p = s.get(Presentation, id_or_name)
    else:
        p = s.scalar(select(Presentation).where(Presentation.name == id_or_name))
        if p is None and id_or_name.isdigit():
            p = s.get(Presentation, int(id_or_name))
    if p is None:
        raise PresentError(f"no presentation {id_or_name!r} in this case")
    steps = _steps(s, [p.id]).get(p.id, [])
    return PresentationRow(p.id, p.name, p.set_name, tuple(steps))


def presentation(case: Case, id_or_name: int | str) -> PresentationRow:
    """One presentation by id or name; PresentError when there is none."""
    with case.read() as s:
        return session_presentation(s, id_or_name)


def items_for_filter(case: Case, f: TimelineFilter, limit: int = FILTER_LIMIT) -> list[int]:
    """The distinct items of a timeline filter in time order, at most `limit` of them."""
    out: dict[int, None] = {}
    for row in case.timeline_iter(f):
        out.setdefault(row.item_id, None)
        if len(out) >= limit:
            break
    return list(out)


def items_for_element(case: Case, element: str) -> list[int]:
    """The items tagged for a coverage element given as "CHARGE_ID:ELEMENT_ID"."""
    from app.tagging.store import items_for_element as tagged

    charge, sep, element_id = element.partition(":")
    if not sep or not charge.strip().isdigit() or not element_id:
        raise PresentError(f"an element is CHARGE_ID:ELEMENT_ID, not {element!r}")
    return tagged(case, int(charge), element_id)
