"""Undoable presentation edits (see app/ops.py): create, delete, add, remove, move, edit steps.

Each apply and revert is one write with its audit entry. A step edit remembers the whole
ordered list of the presentation's steps before and after (ids, positions, notes, regions),
so revert puts back exactly what was there and re-apply recreates the same rows, same ids.
Positions are 1-based and contiguous.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from app.audit import now_us
from app.case import Case
from app.ops import Changes
from app.present.model import DEFAULT_SET, PresentError
from app.redaction.model import Box
from app.store.schema import Item, Page, Presentation, PresentationStep

log = logging.getLogger(__name__)

_STEP_COLUMNS = tuple(c.name for c in cast(Table, PresentationStep.__table__).columns)
_PRES_COLUMNS = tuple(c.name for c in cast(Table, Presentation.__table__).columns)
_CHANGED = Changes(presentations=True)

StepRows = list[dict[str, Any]]


def _step_rows(s: Session, presentation_id: int) -> StepRows:
    """Every step of a presentation as column values, in order."""
    rows = s.execute(
        select(PresentationStep)
        .where(PresentationStep.presentation_id == presentation_id)
        .order_by(PresentationStep.position, PresentationStep.id)
    ).scalars()
    return [{c: getattr(r, c) for c in _STEP_COLUMNS} for r in rows]


def _write_steps(s: Session, presentation_id: int, rows: StepRows) -> None:
    """Replace a presentation's steps by these rows (same ids), numbered 1..n in order."""
    s.execute(delete(PresentationStep).where(PresentationStep.presentation_id == presentation_id))
    if rows:
        numbered = [r | {"position": n} for n, r in enumerate(rows, start=1)]
        s.execute(insert(cast(Table, PresentationStep.__table__)), numbered)


def _presentation_row(s: Session, presentation_id: int) -> dict[str, Any]:
    p = s.get(Presentation, presentation_id)
    if p is None:
        raise PresentError(f"no presentation with id {presentation_id}")
    return {c: getattr(p, c) for c in _PRES_COLUMNS}


def _check_items(s: Session, item_ids: Iterable[int]) -> None:
    wanted = sorted(set(item_ids))
    found: set[int] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        found.update(s.scalars(select(Item.id).where(Item.id.in_(chunk))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise PresentError(f"no item with id {', '.join(map(str, missing[:10]))}")


def _new_step_ids(s: Session, n: int) -> list[int]:
    start = int(s.scalar(select(func.max(PresentationStep.id))) or 0) + 1
    return list(range(start, start + n))


def _new_steps(s: Session, presentation_id: int, item_ids: Sequence[int]) -> StepRows:
    """Rows for new steps of these items (no page, region or note yet)."""
    _check_items(s, item_ids)
    return [
        {
            "id": sid,
            "presentation_id": presentation_id,
            "position": 0,
            "item_id": item,
            "page": None,
            "x0": None,
            "y0": None,
            "x1": None,
            "y1": None,
            "note": "",
        }
        for sid, item in zip(_new_step_ids(s, len(item_ids)), item_ids, strict=True)
    ]


def _presentation_of_steps(s: Session, step_ids: Sequence[int]) -> dict[int, int]:
    """Step id -> its presentation id; refuses ids that do not exist."""
    found: dict[int, int] = {
        int(sid): int(pid)
        for sid, pid in s.execute(
            select(PresentationStep.id, PresentationStep.presentation_id).where(
                PresentationStep.id.in_(list(step_ids))
            )
        )
    }
    missing = sorted(set(step_ids) - set(found))
    if missing:
        raise PresentError(f"no presentation step with id {', '.join(map(str, missing[:10]))}")
    return found


@dataclass(slots=True)
class CreatePresentation:
    """A new presentation, shown through `set_name`, with a step for each item given."""

    name: str
    set_name: str = DEFAULT_SET
    item_ids: tuple[int, ...] = ()
    label: str = "New presentation"
    _row: dict[str, Any] = field(default_factory=dict)
    _steps: StepRows = field(default_factory=list)

    @property
    def id(self) -> int | None:
        """The new presentation's id (None before the first apply)."""
        return self._row.get("id")

    def apply(self, case: Case) -> Changes:
        """Create it (again, with the same ids after an undo)."""
        name = self.name.strip()
        with case.write() as s:
            if not self._row:
                if not name:
                    raise PresentError("a presentation needs a name")
                if not self.set_name.strip():
                    raise PresentError("a presentation needs a redaction set")
                taken = s.scalar(select(Presentation.id).where(Presentation.name == name))
                if taken is not None:
                    raise PresentError(f"a presentation named {name!r} already exists")
                p = Presentation(
                    name=name,
                    set_name=self.set_name.strip(),
                    created_at_us=now_us(),
                    created_by=case.user,
                )
                s.add(p)
                s.flush()
                self._row = {c: getattr(p, c) for c in _PRES_COLUMNS}
                self._steps = _new_steps(s, p.id, self.item_ids)
            else:
                s.execute(insert(cast(Table, Presentation.__table__)), [self._row])
            _write_steps(s, self._row["id"], self._steps)
            case.audit(
                s,
                "present.create",
                {
                    "presentation_id": self._row["id"],
                    "name": self._row["name"],
                    "set": self._row["set_name"],
                    "items": list(self.item_ids),
                },
            )
        return _CHANGED

    def revert(self, case: Case) -> Changes:
        """Delete it and its steps."""
        pid = self._row["id"]
        with case.write() as s:
            _write_steps(s, pid, [])
            s.execute(delete(Presentation).where(Presentation.id == pid))
            case.audit(
                s, "present.delete", {"presentation_id": pid, "name": self.name, "undo": True}
            )
        return _CHANGED


@dataclass(slots=True)
class DeletePresentation:
    """Delete a presentation and its steps (undo restores both with the same ids)."""

    presentation_id: int
    label: str = "Delete presentation"
    _row: dict[str, Any] = field(default_factory=dict)
    _steps: StepRows = field(default_factory=list)

    def apply(self, case: Case) -> Changes:
        """Delete, remembering every row."""
        with case.write() as s:
            self._row = _presentation_row(s, self.presentation_id)
            self._steps = _step_rows(s, self.presentation_id)
            _write_steps(s, self.presentation_id, [])
            s.execute(delete(Presentation).where(Presentation.id == self.presentation_id))
            case.audit(
                s,
                "present.delete",
                {
                    "presentation_id": self.presentation_id,
                    "name": self._row["name"],
                    "steps": len(self._steps),
                },
            )
        return _CHANGED

    def revert(self, case: Case) -> Changes:
        """Put the presentation and its steps back."""
        with case.write() as s:
            s.execute(insert(cast(Table, Presentation.__table__)), [self._row])
            _write_steps(s, self.presentation_id, self._steps)
            case.audit(
                s,
                "present.create",
                {"presentation_id": self.presentation_id, "name": self._row["name"], "undo": True},
            )
        return _CHANGED


class _StepEdit:
    """Shared shape of step edits: the step lists before and after, per presentation.

    Subclasses are slotted dataclasses with `_before` and `_after` fields.
    """

    __slots__ = ()
    _before: dict[int, StepRows]
    _after: dict[int, StepRows]

    def _compute(self, s: Session) -> dict[str, Any]:
        """Fill `_before` and `_after` on first apply; returns the audit payload."""
        raise NotImplementedError

    def _action(self) -> str:
        raise NotImplementedError

    def apply(self, case: Case) -> Changes:
        """Do the edit (the same rows again after an undo)."""
        with case.write() as s:
            payload: dict[str, Any] = {}
            if not self._after:
                payload = self._compute(s)
            else:
                payload = {"presentations": sorted(self._after), "redo": True}
            for pid, rows in self._after.items():
                _presentation_row(s, pid)
                _write_steps(s, pid, rows)
            case.audit(s, self._action(), payload)
        return _CHANGED

    def revert(self, case: Case) -> Changes:
        """Put each presentation's steps back as they were."""
        with case.write() as s:
            for pid, rows in self._before.items():
                _write_steps(s, pid, rows)
            case.audit(s, self._action(), {"presentations": sorted(self._before), "undo": True})
        return _CHANGED


@dataclass(slots=True)
class AddSteps(_StepEdit):
    """Add a step for each item, before position `at` (1-based), or at the end."""

    presentation_id: int
    item_ids: tuple[int, ...]
    at: int | None = None
    label: str = "Add to presentation"
    _before: dict[int, StepRows] = field(default_factory=dict)
    _after: dict[int, StepRows] = field(default_factory=dict)

    @property
    def step_ids(self) -> tuple[int, ...]:
        """Ids of the steps added (empty before the first apply)."""
        before = {r["id"] for r in self._before.get(self.presentation_id, [])}
        return tuple(
            r["id"] for r in self._after.get(self.presentation_id, []) if r["id"] not in before
        )

    def _action(self) -> str:
        return "present.steps.add"

    def _compute(self, s: Session) -> dict[str, Any]:
        if not self.item_ids:
            raise PresentError("no items to add")
        _presentation_row(s, self.presentation_id)
        before = _step_rows(s, self.presentation_id)
        new = _new_steps(s, self.presentation_id, self.item_ids)
        at = len(before) if self.at is None else min(max(self.at, 1), len(before) + 1) - 1
        self._before = {self.presentation_id: before}
        self._after = {self.presentation_id: [*before[:at], *new, *before[at:]]}
        return {
            "presentation_id": self.presentation_id,
            "items": list(self.item_ids),
            "at": at + 1,
            "step_ids": [r["id"] for r in new],
        }


@dataclass(slots=True)
class RemoveSteps(_StepEdit):
    """Remove steps (of one or several presentations); the rest close up."""

    step_ids: tuple[int, ...]
    label: str = "Remove from presentation"
    _before: dict[int, StepRows] = field(default_factory=dict)
    _after: dict[int, StepRows] = field(default_factory=dict)

    def _action(self) -> str:
        return "present.steps.remove"

    def _compute(self, s: Session) -> dict[str, Any]:
        if not self.step_ids:
            raise PresentError("no steps to remove")
        owners = _presentation_of_steps(s, self.step_ids)
        gone = set(self.step_ids)
        for pid in sorted(set(owners.values())):
            before = _step_rows(s, pid)
            self._before[pid] = before
            self._after[pid] = [r for r in before if r["id"] not in gone]
        removed = [r for rows in self._before.values() for r in rows if r["id"] in gone]
        return {
            "presentations": sorted(self._before),
            "step_ids": sorted(gone),
            "items": sorted({r["item_id"] for r in removed}),
        }


@dataclass(slots=True)
class MoveStep(_StepEdit):
    """Move a step to `new_position` (1-based, clamped to the presentation's length)."""

    step_id: int
    new_position: int
    label: str = "Move step"
    _before: dict[int, StepRows] = field(default_factory=dict)
    _after: dict[int, StepRows] = field(default_factory=dict)

    def _action(self) -> str:
        return "present.step.move"

    def _compute(self, s: Session) -> dict[str, Any]:
        pid = _presentation_of_steps(s, (self.step_id,))[self.step_id]
        before = _step_rows(s, pid)
        moving = next(r for r in before if r["id"] == self.step_id)
        rest = [r for r in before if r["id"] != self.step_id]
        to = min(max(self.new_position, 1), len(before)) - 1
        self._before = {pid: before}
        self._after = {pid: [*rest[:to], moving, *rest[to:]]}
        return {
            "presentation_id": pid,
            "step_id": self.step_id,
            "from": before.index(moving) + 1,
            "to": to + 1,
        }


@dataclass(slots=True)
class EditStep(_StepEdit):
    """Change a step's notes, page or zoom region; None leaves a field as it is.

    `clear_region` removes the zoom region (the whole page or image is shown).
    """

    step_id: int
    note: str | None = None
    page: int | None = None
    region: Box | None = None
    clear_region: bool = False
    label: str = "Edit step"
    _before: dict[int, StepRows] = field(default_factory=dict)
    _after: dict[int, StepRows] = field(default_factory=dict)

    def _action(self) -> str:
        return "present.step.edit"

    def _compute(self, s: Session) -> dict[str, Any]:
        pid = _presentation_of_steps(s, (self.step_id,))[self.step_id]
        before = _step_rows(s, pid)
        row = dict(next(r for r in before if r["id"] == self.step_id))
        changed: list[str] = []
        if self.note is not None:
            row["note"] = self.note
            changed.append("note")
        if self.page is not None:
            _check_page(s, row["item_id"], self.page)
            row["page"] = self.page
            changed.append("page")
        if self.clear_region:
            row.update(x0=None, y0=None, x1=None, y1=None)
            changed.append("region")
        elif self.region is not None:
            x0, y0, x1, y1 = (float(v) for v in self.region)
            if not (x1 > x0 and y1 > y0):
                raise PresentError(f"the zoom region {self.region} is empty")
            row.update(x0=x0, y0=y0, x1=x1, y1=y1)
            changed.append("region")
        if not changed:
            raise PresentError("nothing to change on the step")
        self._before = {pid: before}
        self._after = {pid: [row if r["id"] == self.step_id else r for r in before]}
        # The notes are the presenter's words: the log says they changed, not what they say.
        return {"presentation_id": pid, "step_id": self.step_id, "changed": changed}


def _check_page(s: Session, item_id: int, number: int) -> None:
    if number < 1:
        raise PresentError("page numbers start at 1")
    last = s.scalar(select(func.max(Page.number)).where(Page.item_id == item_id))
    if last is not None and number > last:
        raise PresentError(f"item {item_id} has {last} page(s), not {number}")
