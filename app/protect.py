"""Protective viewing: images marked intimate or distressing are blurred until revealed.

A person marks an image (`MarkProtective`); its near-duplicates (`app.items.near_duplicates`)
inherit the mark so the same picture is not seen again and again. Every deliberate reveal is
written to the audit log (`record_reveal`): who, when, which item, where. `suggest_protective`
flags images for review (state "suggested"): a toggle for a person to confirm, not a verdict.
Views blur an image whatever the state of its mark (a suggested one too, until reviewed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from app.audit import now_us
from app.case import Case
from app.errors import EvidenceError
from app.items import near_duplicates
from app.ops import Changes
from app.store.schema import Item, ProtectiveMark

log = logging.getLogger(__name__)

mark_kinds = ("intimate", "distressing")
"""The kinds of protective mark."""
MARK_KINDS = mark_kinds

MARKED = "marked"
INHERITED = "inherited"
SUGGESTED = "suggested"

REVEAL_PLACES = ("viewer", "thumbnail", "preview", "presentation", "export")
"""Where an image can be revealed: the `where` of `record_reveal`."""

_COLUMNS = tuple(c.name for c in cast(Table, ProtectiveMark.__table__).columns)


class ProtectError(EvidenceError):
    """A protective mark or a reveal that cannot be made as asked."""


@dataclass(frozen=True, slots=True)
class ProtectiveMarkRow:
    """How one item is protected: its kind, how it got the mark, and from which image."""

    item_id: int
    kind: str
    state: str
    source_item_id: int | None

    @property
    def label(self) -> str:
        """A short caption for the blurred picture: "Intimate image (inherited)"."""
        what = "Intimate image" if self.kind == "intimate" else "Distressing image"
        return what if self.state == MARKED else f"{what} ({self.state})"


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), 500):
        yield ids[i : i + 500]


def session_marks(s: Session, item_ids: Iterable[int]) -> dict[int, ProtectiveMarkRow]:
    """`protective_marks` in a caller's session."""
    out: dict[int, ProtectiveMarkRow] = {}
    for chunk in _chunks(sorted(set(item_ids))):
        for m in s.execute(
            select(ProtectiveMark).where(ProtectiveMark.item_id.in_(chunk))
        ).scalars():
            out[m.item_id] = ProtectiveMarkRow(m.item_id, m.kind, m.state, m.source_item_id)
    return out


def protective_marks(case: Case, item_ids: Iterable[int]) -> dict[int, ProtectiveMarkRow]:
    """The marks of these items (items without one are left out)."""
    with case.read() as s:
        return session_marks(s, item_ids)


def all_marks(case: Case) -> dict[int, ProtectiveMarkRow]:
    """Every protective mark of the case, by item id."""
    with case.read() as s:
        return {
            m.item_id: ProtectiveMarkRow(m.item_id, m.kind, m.state, m.source_item_id)
            for m in s.execute(select(ProtectiveMark)).scalars()
        }


def _rows(s: Session, item_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(item_ids))):
        for m in s.execute(
            select(ProtectiveMark).where(ProtectiveMark.item_id.in_(chunk))
        ).scalars():
            out[m.item_id] = {c: getattr(m, c) for c in _COLUMNS}
    return out


def _put(s: Session, after: dict[int, dict[str, Any] | None]) -> None:
    """Make the marks of the items in `after` what it says (None: no mark)."""
    ids = sorted(after)
    for chunk in _chunks(ids):
        s.execute(delete(ProtectiveMark).where(ProtectiveMark.item_id.in_(chunk)))
    rows = [r for r in after.values() if r is not None]
    if rows:
        s.execute(insert(cast(Table, ProtectiveMark.__table__)), rows)


def _check_items(s: Session, item_ids: Sequence[int]) -> None:
    found: set[int] = set()
    for chunk in _chunks(sorted(set(item_ids))):
        found.update(s.scalars(select(Item.id).where(Item.id.in_(chunk))))
    missing = sorted(set(item_ids) - found)
    if missing:
        raise ProtectError(f"no item with id {', '.join(map(str, missing[:10]))}")


def _changes(ids: Iterable[int]) -> Changes:
    return Changes(items=tuple(sorted(set(ids))), protective_marks=True)


@dataclass(slots=True)
class MarkProtective:
    """Mark images intimate or distressing; their near-duplicates inherit the mark.

    A near-duplicate that a person marked already keeps its own mark; one with an inherited
    or suggested mark takes this one.
    """

    item_ids: tuple[int, ...]
    kind: str
    label: str = "Mark as protected image"
    _before: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    _after: dict[int, dict[str, Any] | None] = field(default_factory=dict)

    def apply(self, case: Case) -> Changes:
        """Mark (the same rows again after an undo)."""
        if self.kind not in mark_kinds:
            raise ProtectError(
                f"a protective mark is one of {', '.join(mark_kinds)}, not {self.kind!r}"
            )
        if not self.item_ids:
            raise ProtectError("no items to mark")
        if not self._after:
            self._plan(case)
        with case.write() as s:
            _put(s, self._after)
            inherited = sorted(
                i for i, r in self._after.items() if r is not None and r["state"] == INHERITED
            )
            case.audit(
                s,
                "protect.mark",
                {"items": sorted(set(self.item_ids)), "kind": self.kind, "inherited": inherited},
            )
        return _changes(self._after)

    def _plan(self, case: Case) -> None:
        with case.read() as s:
            _check_items(s, self.item_ids)
        dupes: dict[int, int] = {}
        for item in self.item_ids:
            for other in near_duplicates(case, item):
                if other not in self.item_ids:
                    dupes.setdefault(other, item)
        now = now_us()
        with case.read() as s:
            self._before = dict.fromkeys((*self.item_ids, *dupes))
            self._before.update(_rows(s, self._before))
        after: dict[int, dict[str, Any] | None] = {}
        for item in self.item_ids:
            after[item] = _row(item, self.kind, MARKED, None, now, case.user)
        for other, source in dupes.items():
            held = self._before.get(other)
            if held is not None and held["state"] == MARKED:
                continue
            after[other] = _row(other, self.kind, INHERITED, source, now, case.user)
        self._before = {i: self._before.get(i) for i in after}
        self._after = after

    def revert(self, case: Case) -> Changes:
        """Put back the marks these items had before (or none)."""
        with case.write() as s:
            _put(s, self._before)
            case.audit(
                s,
                "protect.unmark",
                {"items": sorted(self._before), "kind": self.kind, "undo": True},
            )
        return _changes(self._before)


def _row(
    item: int, kind: str, state: str, source: int | None, now: int, user: str
) -> dict[str, Any]:
    return {
        "item_id": item,
        "kind": kind,
        "state": state,
        "source_item_id": source,
        "created_at_us": now,
        "created_by": user,
    }


@dataclass(slots=True)
class UnmarkProtective:
    """Take the protective mark off items, and off the near-duplicates that inherited it."""

    item_ids: tuple[int, ...]
    label: str = "Remove protected-image mark"
    _before: dict[int, dict[str, Any] | None] = field(default_factory=dict)

    def apply(self, case: Case) -> Changes:
        """Remove the marks, remembering them."""
        if not self.item_ids:
            raise ProtectError("no items to unmark")
        with case.write() as s:
            if not self._before:
                ids = set(self.item_ids)
                heirs = s.scalars(
                    select(ProtectiveMark.item_id).where(
                        ProtectiveMark.state == INHERITED,
                        ProtectiveMark.source_item_id.in_(sorted(ids)),
                    )
                )
                ids.update(heirs)
                self._before = dict.fromkeys(ids)
                self._before.update(_rows(s, ids))
            _put(s, dict.fromkeys(self._before))
            case.audit(
                s,
                "protect.unmark",
                {
                    "items": sorted(set(self.item_ids)),
                    "inherited": sorted(set(self._before) - set(self.item_ids)),
                },
            )
        return _changes(self._before)

    def revert(self, case: Case) -> Changes:
        """Put the marks back as they were."""
        with case.write() as s:
            _put(s, self._before)
            case.audit(s, "protect.mark", {"items": sorted(set(self.item_ids)), "undo": True})
        return _changes(self._before)


def record_reveal(case: Case, item_id: int, where: str) -> None:
    """Write to the audit log that the user deliberately revealed a protected image.

    `where` is one of `REVEAL_PLACES`. Raises (and nothing may be revealed) when the entry
    cannot be written, e.g. on a case opened read-only.
    """
    if where not in REVEAL_PLACES:
        raise ProtectError(f"a reveal happens in one of {', '.join(REVEAL_PLACES)}, not {where!r}")
    with case.write() as s:
        mark = s.get(ProtectiveMark, item_id)
        if s.get(Item, item_id) is None:
            raise ProtectError(f"no item with id {item_id}")
        case.audit(
            s,
            "protect.reveal",
            {
                "item": item_id,
                "where": where,
                "kind": mark.kind if mark is not None else "",
                "state": mark.state if mark is not None else "",
            },
        )
