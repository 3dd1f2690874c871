"""Undoable edits of charges, tags and user-defined offences (`app.ops.Operation`).

Each `apply` and `revert` runs in one write transaction with an audit entry. An operation
keeps ids and plain values, never ORM objects; re-applying after an undo recreates the very
rows it made, with the same ids, so later operations on the undo stack still find them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from app import audit
from app.case import Case
from app.errors import EvidenceError
from app.ops import Changes
from app.store.schema import Charge, CustomOffence, RejectedSuggestion, Tag
from app.tagging.library import LibraryError, offence_from_dict
from app.tagging.model import Box
from app.tagging.store import CUSTOM_PREFIX, session_offence

log = logging.getLogger(__name__)

_Row = dict[str, Any]


def _values(obj: Any) -> _Row:
    """Every column of an ORM row as a plain dict (what a re-insert needs)."""
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def _ids_json(ids: Iterable[int]) -> str:
    return json.dumps(sorted({int(i) for i in ids}))


def _check_items(s: Session, item_ids: Sequence[int]) -> None:
    found = set(
        s.execute(
            text("SELECT id FROM items WHERE id IN (SELECT value FROM json_each(:ids))"),
            {"ids": _ids_json(item_ids)},
        ).scalars()
    )
    missing = sorted(set(item_ids) - found)
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise EvidenceError(f"no item {shown} in this case")


def _check_dates(start: date, end: date) -> None:
    if start > end:
        raise EvidenceError(f"the charge dates are the wrong way round: {start} is after {end}")


def _charge(s: Session, charge_id: int) -> Charge:
    c = s.get(Charge, charge_id)
    if c is None:
        raise EvidenceError(f"there is no charge {charge_id} on this case")
    return c


def _free_ids(s: Session, table: Any, wanted: Sequence[int], count: int) -> list[int]:
    """`wanted` again when every id is still free (a redo), else `count` new ids."""
    if wanted:
        taken = s.execute(
            text(
                f"SELECT id FROM {table.__tablename__} "
                "WHERE id IN (SELECT value FROM json_each(:ids))"
            ),
            {"ids": _ids_json(wanted)},
        ).first()
        if taken is None:
            return list(wanted)
    top = int(s.scalar(select(func.max(table.id))) or 0)
    return list(range(top + 1, top + 1 + count))


# -- charges ------------------------------------------------------------------------------


def _charge_snapshot(s: Session, charge_id: int) -> dict[str, Any]:
    """A charge with its tags and rejected suggestions, as plain values (for undo)."""
    c = _charge(s, charge_id)
    return {
        "charge": _values(c),
        "tags": [_values(t) for t in s.scalars(select(Tag).where(Tag.charge_id == charge_id))],
        "rejected": [
            _values(r)
            for r in s.scalars(
                select(RejectedSuggestion).where(RejectedSuggestion.charge_id == charge_id)
            )
        ],
    }


def _delete_charge(s: Session, charge_id: int) -> None:
    s.execute(delete(Tag).where(Tag.charge_id == charge_id))
    s.execute(delete(RejectedSuggestion).where(RejectedSuggestion.charge_id == charge_id))
    s.execute(delete(Charge).where(Charge.id == charge_id))


def _remove_charge(s: Session, case: Case, charge_id: int, **extra: Any) -> dict[str, Any]:
    """Delete a charge with its tags and rejected suggestions, audited; returns the snapshot
    that `_restore_charge` puts back."""
    snapshot = _charge_snapshot(s, charge_id)
    _delete_charge(s, charge_id)
    case.audit(
        s,
        "charge.remove",
        {
            "charge_id": charge_id,
            "offence_id": snapshot["charge"]["offence_id"],
            "tags": len(snapshot["tags"]),
            "items": sorted({t["item_id"] for t in snapshot["tags"]}),
            **extra,
        },
    )
    return snapshot


def _restore_charge(s: Session, snapshot: dict[str, Any]) -> None:
    s.execute(insert(Charge), [snapshot["charge"]])
    if snapshot["tags"]:
        s.execute(insert(Tag), snapshot["tags"])
    if snapshot["rejected"]:
        s.execute(insert(RejectedSuggestion), snapshot["rejected"])


@dataclass(slots=True)
class AddCharge:
    """Consider an offence on the case over the dates of the alleged conduct (inclusive).

    An unknown offence id is refused with a message naming it. Undo removes the charge (with
    any tags it gained meanwhile, which a redo brings back).
    """

    offence_id: str
    from_date: date
    to_date: date
    note: str = ""
    label: str = "Add a charge"
    _snapshot: dict[str, Any] | None = None
    _created: int | None = None

    def apply(self, case: Case) -> Changes:
        """Add the charge (again, with the same id and anything it held)."""
        _check_dates(self.from_date, self.to_date)
        with case.write() as s:
            off = session_offence(s, self.offence_id)
            if self._snapshot is not None:
                _restore_charge(s, self._snapshot)
                charge_id = int(self._snapshot["charge"]["id"])
            else:
                c = Charge(
                    offence_id=off.id,
                    from_date=self.from_date.isoformat(),
                    to_date=self.to_date.isoformat(),
                    note=self.note,
                    created_at_us=audit.now_us(),
                    created_by=case.user,
                )
                s.add(c)
                s.flush()
                charge_id = self._created = c.id
            case.audit(
                s,
                "charge.add",
                {
                    "charge_id": charge_id,
                    "offence_id": off.id,
                    "from": self.from_date.isoformat(),
                    "to": self.to_date.isoformat(),
                    "note": self.note,
                    "redo": self._snapshot is not None,
                },
            )
        return Changes(charges=True, tags=True)

    @property
    def charge_id(self) -> int:
        """The id of the charge this operation made (after the first apply)."""
        if self._created is None:
            raise EvidenceError("the charge has not been added yet")
        return self._created

    def revert(self, case: Case) -> Changes:
        """Remove the charge, keeping what it held for a redo."""
        with case.write() as s:
            self._snapshot = _remove_charge(s, case, self.charge_id, undo=True)
        return Changes(charges=True, tags=True)


@dataclass(slots=True)
class RemoveCharge:
    """Take a charge off the case with its tags and rejected suggestions; undo restores all
    of them with their ids."""

    charge_id: int
    label: str = "Remove a charge"
    _snapshot: dict[str, Any] | None = None

    def apply(self, case: Case) -> Changes:
        """Remove the charge and everything tagged to it."""
        with case.write() as s:
            self._snapshot = _remove_charge(s, case, self.charge_id)
        return Changes(charges=True, tags=True, items=self._items())

    def revert(self, case: Case) -> Changes:
        """Put the charge back with its tags."""
        if self._snapshot is None:
            raise EvidenceError("the charge was not removed")
        with case.write() as s:
            _restore_charge(s, self._snapshot)
            case.audit(
                s,
                "charge.restore",
                {"charge_id": self.charge_id, "tags": len(self._snapshot["tags"]), "undo": True},
            )
        return Changes(charges=True, tags=True, items=self._items())

    def _items(self) -> tuple[int, ...]:
        return tuple(sorted({t["item_id"] for t in (self._snapshot or {}).get("tags", [])}))

    @property
    def tag_count(self) -> int:
        """How many tags went with the charge."""
        return len((self._snapshot or {}).get("tags", []))


@dataclass(slots=True)
class EditCharge:
    """Change a charge's dates or note (None leaves a field as it is)."""

    charge_id: int
    from_date: date | None = None
    to_date: date | None = None
    note: str | None = None
    label: str = "Edit a charge"
    _before: dict[str, str] = field(default_factory=dict)

    def apply(self, case: Case) -> Changes:
        """Write the new values, remembering the old ones."""
        with case.write() as s:
            c = _charge(s, self.charge_id)
            self._before = {"from_date": c.from_date, "to_date": c.to_date, "note": c.note}
            after = dict(self._before)
            if self.from_date is not None:
                after["from_date"] = self.from_date.isoformat()
            if self.to_date is not None:
                after["to_date"] = self.to_date.isoformat()
            if self.note is not None:
                after["note"] = self.note
            _check_dates(
                date.fromisoformat(after["from_date"]), date.fromisoformat(after["to_date"])
            )
            self._set(c, after)
            case.audit(
                s,
                "charge.edit",
                {"charge_id": self.charge_id, "before": self._before, "after": after},
            )
        return Changes(charges=True)

    def revert(self, case: Case) -> Changes:
        """Put the old values back."""
        with case.write() as s:
            c = _charge(s, self.charge_id)
            after = {"from_date": c.from_date, "to_date": c.to_date, "note": c.note}
            self._set(c, self._before)
            case.audit(
                s,
                "charge.edit",
                {"charge_id": self.charge_id, "before": after, "after": self._before, "undo": True},
            )
        return Changes(charges=True)

    @staticmethod
    def _set(c: Charge, values: dict[str, str]) -> None:
        c.from_date = values["from_date"]
        c.to_date = values["to_date"]
        c.note = values["note"]


# -- user-defined offences ----------------------------------------------------------------


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:40] or "offence"


def normalise_custom(data: dict[str, Any]) -> dict[str, Any]:
    """A user's offence data with its ids made safe: the offence id starts with "custom-"
    and every element id with the offence id (numbered E1, E2, ... when missing)."""
    if not isinstance(data, dict):
        raise LibraryError(
            f"custom offence: (top level): must be an object, not {type(data).__name__}"
        )
    out = dict(data)
    given = str(out.get("id") or "").strip() or _slug(
        str(out.get("short_name") or out.get("name") or "")
    )
    offence_id = given if given.startswith(CUSTOM_PREFIX) else CUSTOM_PREFIX + given
    out["id"] = offence_id
    elements = out.get("elements")
    if isinstance(elements, list):
        fixed = []
        for n, raw in enumerate(elements, start=1):
            if not isinstance(raw, dict):
                fixed.append(raw)
                continue
            e = dict(raw)
            eid = str(e.get("id") or "").strip()
            if not eid:
                eid = f"{offence_id}-E{n}"
            elif eid.startswith(given + "-") and given != offence_id:
                eid = offence_id + eid[len(given) :]
            elif not eid.startswith(offence_id + "-"):
                eid = f"{offence_id}-{eid}"
            e["id"] = eid
            fixed.append(e)
        out["elements"] = fixed
    return out


@dataclass(slots=True)
class AddCustomOffence:
    """Store a user-defined offence in the case (validated like a library file).

    Its id is prefixed "custom-" (and its element ids with the offence id); an identity
    element is added when the data has none. Undo removes it unless a charge names it.
    """

    data: dict[str, Any]
    label: str = "Add an offence"
    _stored: dict[str, Any] | None = None
    _created_at_us: int = 0

    @property
    def offence_id(self) -> str:
        """The id the offence is stored under."""
        return str((self._stored or normalise_custom(self.data))["id"])

    def apply(self, case: Case) -> Changes:
        """Validate and store the offence."""
        stored = self._stored or normalise_custom(self.data)
        off = offence_from_dict(stored, f"custom offence {stored['id']}", custom=True)
        with case.write() as s:
            if s.get(CustomOffence, off.id) is not None:
                raise EvidenceError(f"the case already has an offence {off.id!r}")
            self._created_at_us = self._created_at_us or audit.now_us()
            s.add(
                CustomOffence(
                    id=off.id, data=stored, created_at_us=self._created_at_us, created_by=case.user
                )
            )
            case.audit(s, "offence.add", {"offence_id": off.id, "data": stored})
        self._stored = stored
        return Changes(charges=True)

    def revert(self, case: Case) -> Changes:
        """Remove the offence again; refused while a charge names it."""
        with case.write() as s:
            used = s.scalar(
                select(func.count(Charge.id)).where(Charge.offence_id == self.offence_id)
            )
            if used:
                raise EvidenceError(
                    f"offence {self.offence_id} is charged on this case; remove the charge first"
                )
            s.execute(delete(CustomOffence).where(CustomOffence.id == self.offence_id))
            case.audit(s, "offence.remove", {"offence_id": self.offence_id, "undo": True})
        return Changes(charges=True)


# -- tags ---------------------------------------------------------------------------------


def _check_geometry(
    item_ids: Sequence[int],
    page: int | None,
    box: Box | None,
    start: int | None,
    end: int | None,
) -> None:
    partial = box is not None or start is not None or end is not None or page is not None
    if partial and len(set(item_ids)) != 1:
        raise EvidenceError("a span or region can be tagged on one item at a time")
    if box is not None:
        if page is None or page < 1:
            raise EvidenceError("a tagged region needs its page number (1 or more)")
        if len(box) != 4 or box[0] >= box[2] or box[1] >= box[3]:
            raise EvidenceError("a tagged region needs x0 < x1 and y0 < y1")
    if (start is None) != (end is None):
        raise EvidenceError("a tagged span needs both its start and its end")
    if start is not None and end is not None and not 0 <= start < end:
        raise EvidenceError("a tagged span needs 0 <= start < end")


def _geometry(
    page: int | None, box: Box | None, start: int | None, end: int | None
) -> tuple[Any, ...]:
    x0, y0, x1, y1 = box if box is not None else (None, None, None, None)
    return (page, x0, y0, x1, y1, start, end)


def _existing(
    s: Session, charge_id: int, element_id: str, item_ids: Sequence[int]
) -> dict[int, set[tuple[Any, ...]]]:
    """For each item, the geometries already tagged for this element of this charge."""
    out: dict[int, set[tuple[Any, ...]]] = {}
    for row in s.execute(
        text(
            'SELECT item_id, page, x0, y0, x1, y1, start, "end" FROM tags '
            "WHERE charge_id = :c AND element_id = :e "
            "AND item_id IN (SELECT value FROM json_each(:ids))"
        ),
        {"c": charge_id, "e": element_id, "ids": _ids_json(item_ids)},
    ):
        out.setdefault(int(row[0]), set()).add(tuple(row[1:]))
    return out


def check_element(s: Session, charge_id: int, element_id: str) -> None:
    """Refuse an element that is not one of the charge's offence's elements."""
    c = _charge(s, charge_id)
    session_offence(s, c.offence_id).element(element_id)


def plan_tags(
    s: Session,
    item_ids: Sequence[int],
    charge_id: int,
    element_id: str,
    *,
    note: str = "",
    origin: str = "manual",
    user: str = "",
    page: int | None = None,
    box: Box | None = None,
    start: int | None = None,
    end: int | None = None,
) -> list[_Row]:
    """The tag rows (without ids) to add: items already tagged for the element are skipped.

    A whole-item tag skips an item with any tag for the element; a span or region skips
    only the same span or region.
    """
    check_element(s, charge_id, element_id)
    _check_geometry(item_ids, page, box, start, end)
    _check_items(s, item_ids)
    existing = _existing(s, charge_id, element_id, item_ids)
    geometry = _geometry(page, box, start, end)
    whole = all(g is None for g in geometry)
    now = audit.now_us()
    rows: list[_Row] = []
    seen: set[int] = set()
    for item_id in item_ids:
        if item_id in seen:
            continue
        seen.add(item_id)
        have = existing.get(item_id, set())
        if (whole and have) or geometry in have:
            continue
        rows.append(
            {
                "charge_id": charge_id,
                "element_id": element_id,
                "item_id": int(item_id),
                "page": page,
                "x0": geometry[1],
                "y0": geometry[2],
                "x1": geometry[3],
                "y1": geometry[4],
                "start": start,
                "end": end,
                "note": note,
                "origin": origin,
                "created_at_us": now,
                "created_by": user,
            }
        )
    return rows


def insert_tags(s: Session, rows: list[_Row], ids: Sequence[int]) -> list[int]:
    """Insert tag rows under `ids` when still free (a redo), else under new ids."""
    chosen = _free_ids(s, Tag, ids, len(rows))
    for row, tag_id in zip(rows, chosen, strict=True):
        row["id"] = tag_id
    if rows:
        s.execute(insert(Tag), rows)
    return chosen


def delete_tags(s: Session, tag_ids: Sequence[int]) -> None:
    """Delete these tags."""
    s.execute(
        text("DELETE FROM tags WHERE id IN (SELECT value FROM json_each(:ids))"),
        {"ids": _ids_json(tag_ids)},
    )


@dataclass(slots=True)
class TagItems:
    """Tag items (or a span / region of one item) as supporting one element of one charge.

    Items already tagged for that element are skipped, and undo removes only the tags this
    operation added.
    """

    item_ids: tuple[int, ...]
    charge_id: int
    element_id: str
    note: str = ""
    page: int | None = None
    box: Box | None = None
    start: int | None = None
    end: int | None = None
    origin: str = "manual"
    label: str = "Tag items"
    _rows: list[_Row] | None = None
    _created: list[int] = field(default_factory=list)

    @property
    def added(self) -> tuple[int, ...]:
        """The items this operation tagged (skipped ones excluded)."""
        return tuple(int(r["item_id"]) for r in self._rows or ())

    @property
    def tag_ids(self) -> tuple[int, ...]:
        """The ids of the tags this operation made."""
        return tuple(self._created)

    def apply(self, case: Case) -> Changes:
        """Add the tags (again, with the same ids after an undo)."""
        with case.write() as s:
            if self._rows is None:
                self._rows = plan_tags(
                    s,
                    self.item_ids,
                    self.charge_id,
                    self.element_id,
                    note=self.note,
                    origin=self.origin,
                    user=case.user,
                    page=self.page,
                    box=self.box,
                    start=self.start,
                    end=self.end,
                )
            else:
                _charge(s, self.charge_id)
            rows = [dict(r) for r in self._rows]
            self._created = insert_tags(s, rows, self._created)
            case.audit(
                s,
                "tag.add",
                {
                    "charge_id": self.charge_id,
                    "element_id": self.element_id,
                    "items": list(self.added),
                    "tags": self._created,
                    "skipped": len(set(self.item_ids)) - len(self._rows),
                    "origin": self.origin,
                    "note": self.note,
                    **(
                        {"geometry": _geometry(self.page, self.box, self.start, self.end)}
                        if self.page is not None or self.start is not None
                        else {}
                    ),
                },
            )
        return Changes(tags=True, items=self.added)

    def revert(self, case: Case) -> Changes:
        """Remove exactly the tags this operation added."""
        with case.write() as s:
            delete_tags(s, self._created)
            case.audit(
                s,
                "tag.remove",
                {
                    "charge_id": self.charge_id,
                    "element_id": self.element_id,
                    "items": list(self.added),
                    "tags": self._created,
                    "undo": True,
                },
            )
        return Changes(tags=True, items=self.added)


@dataclass(slots=True)
class UntagItems:
    """Remove tags: those named by `tag_ids`, or every tag of `item_ids` for the element of
    the charge (for every element of every charge when both are None). Undo restores them."""

    item_ids: tuple[int, ...] = ()
    charge_id: int | None = None
    element_id: str | None = None
    tag_ids: tuple[int, ...] = ()
    label: str = "Remove tags"
    _removed: list[_Row] = field(default_factory=list)

    def apply(self, case: Case) -> Changes:
        """Delete the tags, remembering them."""
        if not self.item_ids and not self.tag_ids:
            raise EvidenceError("name the items or tags to untag")
        with case.write() as s:
            q = select(Tag)
            if self.tag_ids:
                q = q.where(Tag.id.in_(self.tag_ids))
            else:
                if self.charge_id is not None:
                    _charge(s, self.charge_id)
                    q = q.where(Tag.charge_id == self.charge_id)
                if self.element_id is not None:
                    q = q.where(Tag.element_id == self.element_id)
                q = q.where(
                    Tag.item_id.in_(
                        select(text("value")).select_from(func.json_each(_ids_json(self.item_ids)))
                    )
                )
            self._removed = [_values(t) for t in s.scalars(q.order_by(Tag.id))]
            delete_tags(s, [r["id"] for r in self._removed])
            case.audit(
                s,
                "tag.remove",
                {
                    "charge_id": self.charge_id,
                    "element_id": self.element_id,
                    "items": list(self.items),
                    "tags": [r["id"] for r in self._removed],
                },
            )
        return Changes(tags=True, items=self.items)

    @property
    def tag_count(self) -> int:
        """How many tags were removed."""
        return len(self._removed)

    @property
    def items(self) -> tuple[int, ...]:
        """The items whose tags were removed."""
        return tuple(sorted({int(r["item_id"]) for r in self._removed}))

    def revert(self, case: Case) -> Changes:
        """Put the removed tags back with their ids."""
        with case.write() as s:
            if self._removed:
                s.execute(insert(Tag), [dict(r) for r in self._removed])
            case.audit(
                s,
                "tag.add",
                {
                    "items": list(self.items),
                    "tags": [r["id"] for r in self._removed],
                    "undo": True,
                },
            )
        return Changes(tags=True, items=self.items)


@dataclass(slots=True)
class TagParts:
    """Several tag operations as one undoable step (spans of several messages, regions of
    several pages). Applied in order, reverted in reverse; when one part is refused, the
    parts already applied are reverted and the refusal raised."""

    parts: tuple[TagItems, ...]
    label: str = "Tag parts of items"

    def apply(self, case: Case) -> Changes:
        """Apply every part (again)."""
        done: list[TagItems] = []
        try:
            for part in self.parts:
                part.apply(case)
                done.append(part)
        except EvidenceError:
            for part in reversed(done):
                part.revert(case)
            raise
        return self._changes()

    def revert(self, case: Case) -> Changes:
        """Revert every part, last first."""
        for part in reversed(self.parts):
            part.revert(case)
        return self._changes()

    def _changes(self) -> Changes:
        items = sorted({i for part in self.parts for i in part.added})
        return Changes(tags=True, items=tuple(items))
