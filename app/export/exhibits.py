"""Exhibit references and disclosure marks: data, reads and undoable edits (see app/ops.py).

A reference is the officer's initials and a number, `AB/1`, or a sub-exhibit `AB/1/3`. It
is normalised (upper case, no spaces, no leading zeros) and has a file-safe alias `AB_1_3`
used for file names. An item belongs to at most one exhibit. Once an export has used an
exhibit (`locked_at_us` set) it is never renamed, removed or given other items.

A material mark says whether an item is sensitive (MG6D) or not, with the neutral
description the schedule shows for it and the reason it is sensitive.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app import audit
from app.case import Case
from app.errors import EvidenceError
from app.ops import Changes
from app.store.schema import Exhibit, ExhibitItem, Item, MaterialMark

log = logging.getLogger(__name__)

_REF = re.compile(r"([A-Z]{1,6})/(\d{1,6})(?:/(\d{1,6}))?")
_CHUNK = 500


class ExhibitError(EvidenceError):
    """An exhibit reference or an exhibit edit that cannot be accepted as given."""


@dataclass(frozen=True, slots=True)
class ExhibitRow:
    """One exhibit as the views and the exporter read it."""

    id: int
    ref: str
    alias: str
    parent_id: int | None
    description: str
    item_ids: tuple[int, ...]
    locked: bool


@dataclass(frozen=True, slots=True)
class ItemExhibit:
    """The exhibit an item is in, without the exhibit's other items."""

    id: int
    ref: str
    alias: str
    parent_id: int | None
    description: str
    locked: bool


@dataclass(frozen=True, slots=True)
class MarkRow:
    """How one item stands for disclosure."""

    item_id: int
    sensitive: bool
    description: str
    reason: str


# -- references -----------------------------------------------------------------------------


def parse_ref(text: str) -> str:
    """The normalised reference ("AB/1", "AB/1/3"); ExhibitError on any other form."""
    raw = "".join(str(text).split()).upper()
    m = _REF.fullmatch(raw)
    if m is None or any(g is not None and int(g) == 0 for g in m.groups()[1:]):
        raise ExhibitError(
            f"not an exhibit reference: {text!r} (expected the officer's initials and a "
            "number from 1, e.g. AB/1, or a sub-exhibit such as AB/1/3)"
        )
    initials, number, sub = m.groups()
    return f"{initials}/{int(number)}" + (f"/{int(sub)}" if sub is not None else "")


def ref_key(ref: str) -> tuple[str, int, int]:
    """A sort key putting AB/2 before AB/10 and AB/1 before AB/1/1."""
    parts = ref.split("/")
    sub = int(parts[2]) if len(parts) > 2 else 0
    return parts[0], int(parts[1]), sub


def alias_of(ref: str) -> str:
    """The file-safe alias of a reference: "AB/1/3" -> "AB_1_3"."""
    return parse_ref(ref).replace("/", "_")


def parent_of(ref: str) -> str | None:
    """The reference a sub-exhibit belongs to ("AB/1/3" -> "AB/1"), None for a top one."""
    parts = parse_ref(ref).split("/")
    return "/".join(parts[:2]) if len(parts) == 3 else None


def initials_of(ref: str) -> str:
    """The initials of a reference."""
    return parse_ref(ref).split("/")[0]


def check_initials(text: str) -> str:
    """Officer initials normalised (upper case letters only); ExhibitError otherwise."""
    value = "".join(str(text).split()).upper()
    if not re.fullmatch(r"[A-Z]{1,6}", value):
        raise ExhibitError(f"not officer initials: {text!r} (expected letters, e.g. AB)")
    return value


def highest_number(refs: Iterable[str], initials: str) -> int:
    """The highest exhibit number used with these initials (0 when none)."""
    top = 0
    for ref in refs:
        key = ref_key(ref)
        if key[0] == initials:
            top = max(top, key[1])
    return top


def next_ref(case: Case, initials: str) -> str:
    """The next free top-level reference for these initials, e.g. "AB/4" after AB/3."""
    who = check_initials(initials)
    with case.read() as s:
        refs = list(s.scalars(select(Exhibit.ref)))
    return f"{who}/{highest_number(refs, who) + 1}"


# -- reading --------------------------------------------------------------------------------


def _rows(s: Session, where: Any = None) -> list[ExhibitRow]:
    q = select(Exhibit)
    if where is not None:
        q = q.where(where)
    exhibits = list(s.scalars(q))
    held: dict[int, list[int]] = {}
    ids = [e.id for e in exhibits]
    for i in range(0, len(ids), _CHUNK):
        for ex_id, item_id in s.execute(
            select(ExhibitItem.exhibit_id, ExhibitItem.item_id)
            .where(ExhibitItem.exhibit_id.in_(ids[i : i + _CHUNK]))
            .order_by(ExhibitItem.exhibit_id, ExhibitItem.position, ExhibitItem.item_id)
        ):
            held.setdefault(ex_id, []).append(item_id)
    rows = [
        ExhibitRow(
            id=e.id,
            ref=e.ref,
            alias=e.alias,
            parent_id=e.parent_id,
            description=e.description,
            item_ids=tuple(held.get(e.id, ())),
            locked=e.locked_at_us is not None,
        )
        for e in exhibits
    ]
    rows.sort(key=lambda r: ref_key(r.ref))
    return rows


def session_exhibits(s: Session) -> list[ExhibitRow]:
    """`exhibits` in a caller's session."""
    return _rows(s)


def exhibits(case: Case) -> list[ExhibitRow]:
    """Every exhibit in reference order (AB/1, AB/1/1, AB/2, ..., AB/10)."""
    with case.read() as s:
        return _rows(s)


def exhibit(case: Case, ref: str) -> ExhibitRow | None:
    """The exhibit with this reference, if any."""
    norm = parse_ref(ref)
    with case.read() as s:
        found = _rows(s, Exhibit.ref == norm)
    return found[0] if found else None


def session_exhibits_for_items(s: Session, item_ids: Sequence[int]) -> dict[int, list[ItemExhibit]]:
    """`exhibits_for_items` in a caller's session."""
    out: dict[int, list[ItemExhibit]] = {}
    ids = sorted(set(item_ids))
    for i in range(0, len(ids), _CHUNK):
        for item_id, e in s.execute(
            select(ExhibitItem.item_id, Exhibit)
            .join(Exhibit, Exhibit.id == ExhibitItem.exhibit_id)
            .where(ExhibitItem.item_id.in_(ids[i : i + _CHUNK]))
        ):
            out.setdefault(item_id, []).append(
                ItemExhibit(
                    id=e.id,
                    ref=e.ref,
                    alias=e.alias,
                    parent_id=e.parent_id,
                    description=e.description,
                    locked=e.locked_at_us is not None,
                )
            )
    for rows in out.values():
        rows.sort(key=lambda r: ref_key(r.ref))
    return out


def exhibits_for_items(case: Case, item_ids: Sequence[int]) -> dict[int, list[ItemExhibit]]:
    """The exhibits holding each of these items (items in none are left out).

    Read per timeline page, per chosen row and per slide: only the wanted items' rows are
    read, never the other items of a large exhibit (a chat of 200,000 messages).
    """
    with case.read() as s:
        return session_exhibits_for_items(s, item_ids)


def session_marks(s: Session, item_ids: Sequence[int] | None = None) -> dict[int, MarkRow]:
    """`marks` in a caller's session."""
    q = select(MaterialMark)
    rows: list[MaterialMark] = []
    if item_ids is None:
        rows = list(s.scalars(q))
    else:
        ids = sorted(set(item_ids))
        for i in range(0, len(ids), _CHUNK):
            rows.extend(s.scalars(q.where(MaterialMark.item_id.in_(ids[i : i + _CHUNK]))))
    return {m.item_id: MarkRow(m.item_id, bool(m.sensitive), m.description, m.reason) for m in rows}


def marks(case: Case, item_ids: Sequence[int] | None = None) -> dict[int, MarkRow]:
    """The disclosure marks of these items (every marked item when None)."""
    with case.read() as s:
        return session_marks(s, item_ids)


def sensitive_ids(case: Case) -> set[int]:
    """Every item marked sensitive."""
    with case.read() as s:
        return set(s.scalars(select(MaterialMark.item_id).where(MaterialMark.sensitive == 1)))


# -- helpers of the edits -------------------------------------------------------------------


def _get(s: Session, ref: str) -> Exhibit:
    norm = parse_ref(ref)
    row = s.scalar(select(Exhibit).where(Exhibit.ref == norm))
    if row is None:
        raise ExhibitError(f"there is no exhibit {norm}")
    return row


def _refuse_locked(e: Exhibit, doing: str) -> None:
    if e.locked_at_us is not None:
        raise ExhibitError(f"exhibit {e.ref} was used in a completed export and cannot be {doing}")


def _check_items(s: Session, item_ids: Sequence[int]) -> None:
    if not item_ids:
        raise ExhibitError("choose at least one item")
    ids = sorted(set(item_ids))
    found: set[int] = set()
    for i in range(0, len(ids), _CHUNK):
        found.update(s.scalars(select(Item.id).where(Item.id.in_(ids[i : i + _CHUNK]))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise ExhibitError(f"no item with id {', '.join(map(str, missing[:10]))}")


def _snapshot(s: Session, exhibit_id: int) -> dict[str, Any]:
    e = s.get(Exhibit, exhibit_id)
    assert e is not None
    return {
        "exhibit": {
            "id": e.id,
            "ref": e.ref,
            "alias": e.alias,
            "parent_id": e.parent_id,
            "description": e.description,
            "locked_at_us": e.locked_at_us,
            "created_at_us": e.created_at_us,
            "created_by": e.created_by,
        },
        "items": [
            (r.item_id, r.position)
            for r in s.scalars(select(ExhibitItem).where(ExhibitItem.exhibit_id == exhibit_id))
        ],
    }


def _restore(s: Session, snap: dict[str, Any]) -> None:
    s.add(Exhibit(**snap["exhibit"]))
    s.flush()
    for item_id, position in snap["items"]:
        s.add(ExhibitItem(exhibit_id=snap["exhibit"]["id"], item_id=item_id, position=position))
    s.flush()


# -- edits ----------------------------------------------------------------------------------


@dataclass(slots=True)
class AssignExhibit:
    """Give items an exhibit reference: a new exhibit, or more items for an existing one.

    A sub-exhibit (`AB/1/3`) belongs to `parent_ref`, or to `AB/1` when that exists. An item
    already in another exhibit, or an exhibit already used in an export, is refused.
    """

    item_ids: tuple[int, ...]
    ref: str
    description: str = ""
    parent_ref: str | None = None
    label: str = "Assign an exhibit reference"
    _created: int | None = None
    _exhibit_id: int | None = None
    _added: list[int] = field(default_factory=list)
    _snapshot: dict[str, Any] | None = None
    _old_description: str | None = None

    def apply(self, case: Case) -> Changes:
        """Create the exhibit (again, with the same id) or add the items to it."""
        ref = parse_ref(self.ref)
        ids = list(dict.fromkeys(int(i) for i in self.item_ids))
        with case.write() as s:
            _check_items(s, ids)
            held = session_exhibits_for_items(s, ids)
            existing = s.scalar(select(Exhibit).where(Exhibit.ref == ref))
            clash = {i: rows[0].ref for i, rows in held.items() if rows and rows[0].ref != ref}
            if clash:
                first = next(iter(clash.items()))
                raise ExhibitError(
                    f"item {first[0]} is already exhibit {first[1]}; remove it from there first"
                )
            if existing is not None:
                _refuse_locked(existing, "given other items")
                exhibit_id = existing.id
                self._created = None
                if self.description and self.description != existing.description:
                    self._old_description = existing.description
                    existing.description = self.description
            elif self._snapshot is not None:
                _restore(s, self._snapshot)
                exhibit_id = int(self._snapshot["exhibit"]["id"])
            else:
                parent_id = self._parent_id(s, ref)
                alias = ref.replace("/", "_")
                e = Exhibit(
                    ref=ref,
                    alias=alias,
                    parent_id=parent_id,
                    description=self.description.strip(),
                    locked_at_us=None,
                    created_at_us=audit.now_us(),
                    created_by=case.user,
                )
                s.add(e)
                s.flush()
                exhibit_id = self._created = e.id
            self._exhibit_id = exhibit_id
            if self._snapshot is None:
                top = s.scalar(
                    select(func.max(ExhibitItem.position)).where(
                        ExhibitItem.exhibit_id == exhibit_id
                    )
                )
                position = -1 if top is None else int(top)
                self._added = []
                for item_id in ids:
                    if item_id in held:
                        continue  # already in this exhibit
                    position += 1
                    s.add(ExhibitItem(exhibit_id=exhibit_id, item_id=item_id, position=position))
                    self._added.append(item_id)
            case.audit(
                s,
                "exhibit.assign",
                {
                    "exhibit_id": exhibit_id,
                    "ref": ref,
                    "items": self._added,
                    "created": self._created is not None or self._snapshot is not None,
                    "redo": self._snapshot is not None,
                },
            )
        return Changes(exhibits=True, items=tuple(ids))

    def _parent_id(self, s: Session, ref: str) -> int | None:
        wanted = parse_ref(self.parent_ref) if self.parent_ref else parent_of(ref)
        if wanted is None:
            return None
        parent = s.scalar(select(Exhibit.id).where(Exhibit.ref == wanted))
        if parent is None and self.parent_ref:
            raise ExhibitError(f"there is no exhibit {wanted} to hold {ref}")
        return parent

    def revert(self, case: Case) -> Changes:
        """Take the added items out; remove the exhibit when this operation created it."""
        assert self._exhibit_id is not None, "revert before apply"
        with case.write() as s:
            e = s.get(Exhibit, self._exhibit_id)
            if e is None:
                raise ExhibitError("the exhibit no longer exists")
            _refuse_locked(e, "changed")
            created = self._created is not None or self._snapshot is not None
            if created:
                self._snapshot = _snapshot(s, e.id)
                s.execute(delete(ExhibitItem).where(ExhibitItem.exhibit_id == e.id))
                s.execute(update(Exhibit).where(Exhibit.parent_id == e.id).values(parent_id=None))
                s.delete(e)
            else:
                s.execute(
                    delete(ExhibitItem).where(
                        ExhibitItem.exhibit_id == e.id, ExhibitItem.item_id.in_(self._added)
                    )
                )
                if self._old_description is not None:
                    e.description = self._old_description
            case.audit(
                s,
                "exhibit.unassign",
                {"exhibit_id": self._exhibit_id, "items": self._added, "undo": True},
            )
        return Changes(exhibits=True, items=tuple(self.item_ids))


@dataclass(slots=True)
class RemoveExhibit:
    """Remove an exhibit reference (its items stay in the case); refused once exported."""

    ref: str
    label: str = "Remove an exhibit reference"
    _snapshot: dict[str, Any] | None = None

    def apply(self, case: Case) -> Changes:
        """Remove the exhibit, keeping what it held for an undo."""
        with case.write() as s:
            e = _get(s, self.ref)
            _refuse_locked(e, "removed")
            child = s.scalar(select(Exhibit.ref).where(Exhibit.parent_id == e.id).limit(1))
            if child is not None:
                raise ExhibitError(f"exhibit {e.ref} holds sub-exhibit {child}; remove it first")
            self._snapshot = _snapshot(s, e.id)
            s.execute(delete(ExhibitItem).where(ExhibitItem.exhibit_id == e.id))
            s.delete(e)
            case.audit(
                s,
                "exhibit.remove",
                {
                    "exhibit_id": e.id,
                    "ref": e.ref,
                    "items": [i for i, _ in self._snapshot["items"]],
                },
            )
        return Changes(exhibits=True, items=self._items())

    def _items(self) -> tuple[int, ...]:
        return tuple(i for i, _ in self._snapshot["items"]) if self._snapshot else ()

    def revert(self, case: Case) -> Changes:
        """Bring the exhibit back with the same id, reference and items."""
        assert self._snapshot is not None, "revert before apply"
        with case.write() as s:
            ref = self._snapshot["exhibit"]["ref"]
            if s.scalar(select(Exhibit.id).where(Exhibit.ref == ref)) is not None:
                raise ExhibitError(f"exhibit {ref} exists again; cannot restore it")
            _restore(s, self._snapshot)
            case.audit(
                s,
                "exhibit.restore",
                {"exhibit_id": self._snapshot["exhibit"]["id"], "ref": ref, "undo": True},
            )
        return Changes(exhibits=True, items=self._items())


@dataclass(slots=True)
class RenameExhibit:
    """Change an exhibit's reference (and alias); refused once an export has used it."""

    ref: str
    new_ref: str
    label: str = "Rename an exhibit reference"
    _before: tuple[str, str] | None = None

    def apply(self, case: Case) -> Changes:
        """Rename, refusing a reference already taken."""
        new = parse_ref(self.new_ref)
        with case.write() as s:
            e = _get(s, self.ref)
            _refuse_locked(e, "renamed")
            if new == e.ref:
                raise ExhibitError(f"exhibit {e.ref} already has that reference")
            if s.scalar(select(Exhibit.id).where(Exhibit.ref == new)) is not None:
                raise ExhibitError(f"the reference {new} is already used")
            child = s.scalar(select(Exhibit.ref).where(Exhibit.parent_id == e.id).limit(1))
            if child is not None:
                raise ExhibitError(f"exhibit {e.ref} holds sub-exhibit {child}; rename that first")
            self._before = (e.ref, e.alias)
            e.ref, e.alias = new, new.replace("/", "_")
            case.audit(
                s, "exhibit.rename", {"exhibit_id": e.id, "from": self._before[0], "to": new}
            )
        return Changes(exhibits=True)

    def revert(self, case: Case) -> Changes:
        """Give the exhibit its previous reference back."""
        assert self._before is not None, "revert before apply"
        new = parse_ref(self.new_ref)
        with case.write() as s:
            e = _get(s, new)
            _refuse_locked(e, "renamed")
            e.ref, e.alias = self._before
            case.audit(
                s,
                "exhibit.rename",
                {"exhibit_id": e.id, "from": new, "to": self._before[0], "undo": True},
            )
        return Changes(exhibits=True)


@dataclass(slots=True)
class MarkMaterial:
    """Mark items sensitive (MG6D) or not, with the schedule's description and a reason.

    An empty description or reason keeps the one an item already has.
    """

    item_ids: tuple[int, ...]
    sensitive: bool
    description: str = ""
    reason: str = ""
    label: str = "Mark material for disclosure"
    _before: dict[int, dict[str, Any] | None] = field(default_factory=dict)

    def apply(self, case: Case) -> Changes:
        """Write the marks, remembering each item's previous one."""
        ids = list(dict.fromkeys(int(i) for i in self.item_ids))
        with case.write() as s:
            _check_items(s, ids)
            before: dict[int, dict[str, Any] | None] = dict.fromkeys(ids)
            for i in range(0, len(ids), _CHUNK):
                for m in s.scalars(
                    select(MaterialMark).where(MaterialMark.item_id.in_(ids[i : i + _CHUNK]))
                ):
                    before[m.item_id] = _mark_values(m)
            self._before = before
            now = audit.now_us()
            for item_id in ids:
                old = before[item_id]
                s.merge(
                    MaterialMark(
                        item_id=item_id,
                        sensitive=1 if self.sensitive else 0,
                        description=self.description.strip()
                        or (str(old["description"]) if old else ""),
                        reason=self.reason.strip() or (str(old["reason"]) if old else ""),
                        created_at_us=now,
                        created_by=case.user,
                    )
                )
            case.audit(
                s,
                "material.mark",
                {"items": ids, "sensitive": self.sensitive, "reason": self.reason.strip()},
            )
        return Changes(items=tuple(ids))

    def revert(self, case: Case) -> Changes:
        """Put back each item's previous mark (or none)."""
        with case.write() as s:
            for item_id, old in self._before.items():
                s.execute(delete(MaterialMark).where(MaterialMark.item_id == item_id))
                if old is not None:
                    s.add(MaterialMark(**old))
            case.audit(s, "material.unmark", {"items": list(self._before), "undo": True})
        return Changes(items=tuple(self._before))


def _mark_values(m: MaterialMark) -> dict[str, Any]:
    return {
        "item_id": m.item_id,
        "sensitive": m.sensitive,
        "description": m.description,
        "reason": m.reason,
        "created_at_us": m.created_at_us,
        "created_by": m.created_by,
    }


def lock_exhibits(s: Session, exhibit_ids: Sequence[int], when_us: int) -> None:
    """Mark exhibits as used by a completed export (inside the caller's audited write)."""
    ids = sorted(set(exhibit_ids))
    for i in range(0, len(ids), _CHUNK):
        s.execute(
            update(Exhibit)
            .where(Exhibit.id.in_(ids[i : i + _CHUNK]), Exhibit.locked_at_us.is_(None))
            .values(locked_at_us=when_us)
        )
