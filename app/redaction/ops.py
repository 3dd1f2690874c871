"""Undoable redaction edits: sets, redactions, review, protected terms (see app/ops.py).

Each apply and revert is one write with its audit entry. Audit payloads name ids, items,
reasons and states but never the covered text itself, so the log may be shown without
repeating what was redacted. Re-applying after an undo recreates the same rows, same ids.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.audit import now_us
from app.case import Case
from app.ops import Changes
from app.redaction.model import (
    RedactionDraft,
    RedactionError,
    RedactionState,
    check_draft,
)
from app.redaction.store import check_reason, set_id
from app.store.schema import Item, ProtectedTerm, Redaction, RedactionSet

log = logging.getLogger(__name__)

_COLUMNS = tuple(c.name for c in cast(Table, Redaction.__table__).columns)
_CHUNK = 500


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _rows(s: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Full column values of these redactions; refuses ids that do not exist."""
    out: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(set(ids))):
        for r in s.execute(select(Redaction).where(Redaction.id.in_(chunk))).scalars():
            out.append({c: getattr(r, c) for c in _COLUMNS})
    if len(out) != len(set(ids)):
        missing = sorted(set(ids) - {r["id"] for r in out})
        raise RedactionError(f"no redaction with id {', '.join(map(str, missing[:10]))}")
    return out


def _delete(s: Session, ids: Sequence[int]) -> None:
    for chunk in _chunks(sorted(set(ids))):
        s.execute(delete(Redaction).where(Redaction.id.in_(chunk)))


def _insert(s: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        s.execute(insert(_table(Redaction)), rows)


def _summary(rows: Sequence[dict[str, Any]], s: Session | None = None) -> dict[str, Any]:
    """What an audit entry says about some redactions: ids, items, reasons (no quotes), and
    the names of their sets when a session is given."""
    out: dict[str, Any] = {
        "ids": sorted(r["id"] for r in rows),
        "items": sorted({r["item_id"] for r in rows}),
        "reasons": sorted({r["reason"] for r in rows}),
    }
    if s is not None:
        set_ids = sorted({r["set_id"] for r in rows})
        out["sets"] = sorted(
            s.scalars(select(RedactionSet.name).where(RedactionSet.id.in_(set_ids)))
        )
    return out


def _ensure_set(s: Session, case: Case, name: str, note: str, sid: int | None) -> tuple[int, bool]:
    """The id of set `name`, creating it (with id `sid` when re-applying); (id, created)."""
    existing = set_id(s, name)
    if existing is not None:
        return existing, False
    if not name.strip():
        raise RedactionError("a redaction set needs a name")
    row = RedactionSet(name=name, note=note, created_at_us=now_us(), created_by=case.user)
    if sid is not None:
        row.id = sid
    s.add(row)
    s.flush()
    case.audit(s, "redaction.set.create", {"set": name, "set_id": row.id})
    return row.id, True


def _drop_set_if_empty(s: Session, case: Case, sid: int) -> None:
    if s.scalar(select(Redaction.id).where(Redaction.set_id == sid).limit(1)) is None:
        row = s.get(RedactionSet, sid)
        if row is not None:
            s.delete(row)
            s.flush()
            case.audit(s, "redaction.set.delete", {"set": row.name, "set_id": sid, "undo": True})


@dataclass(slots=True)
class CreateSet:
    """Create an empty redaction set (e.g. "court")."""

    name: str
    note: str = ""
    label: str = "Create redaction set"
    _id: int | None = None

    def apply(self, case: Case) -> Changes:
        """Create the set; refuses a name already used."""
        with case.write() as s:
            if set_id(s, self.name) is not None:
                raise RedactionError(f"a redaction set named {self.name!r} already exists")
            self._id, _ = _ensure_set(s, case, self.name, self.note, self._id)
        return Changes(redactions=True)

    def revert(self, case: Case) -> Changes:
        """Remove the set again (it is empty: later edits were undone first)."""
        with case.write() as s:
            if self._id is not None:
                _drop_set_if_empty(s, case, self._id)
        return Changes(redactions=True)


@dataclass(slots=True)
class AddRedactions:
    """Store drafts as redactions of a set (created if missing), proposed or approved."""

    set_name: str
    drafts: tuple[RedactionDraft, ...]
    approve: bool = False
    label: str = "Add redactions"
    _rows: list[dict[str, Any]] = field(default_factory=list)
    _set_id: int | None = None
    _created_set: bool = False

    @property
    def ids(self) -> tuple[int, ...]:
        """Ids of the redactions created (empty before the first apply)."""
        return tuple(r["id"] for r in self._rows)

    def apply(self, case: Case) -> Changes:
        """Insert the redactions (the same rows, same ids, when re-applied after an undo)."""
        with case.write() as s:
            sid, created = _ensure_set(s, case, self.set_name, "", self._set_id)
            self._set_id = sid
            self._created_set = self._created_set or created
            if not self._rows:
                self._rows = self._build(s, case, sid)
            _insert(s, self._rows)
            case.audit(
                s,
                "redaction.add",
                {
                    "set": self.set_name,
                    "state": str(RedactionState.APPROVED if self.approve else "proposed"),
                    "origins": sorted({r["origin"] for r in self._rows}),
                    **_summary(self._rows),
                },
            )
        return Changes(redactions=True)

    def _build(self, s: Session, case: Case, sid: int) -> list[dict[str, Any]]:
        items = sorted({d.item_id for d in self.drafts})
        found: set[int] = set()
        for chunk in _chunks(items):
            found.update(s.scalars(select(Item.id).where(Item.id.in_(chunk))))
        if len(found) != len(items):
            missing = sorted(set(items) - found)
            raise RedactionError(f"no item with id {', '.join(map(str, missing[:10]))}")
        for reason in {d.reason for d in self.drafts}:
            check_reason(reason)
        next_id = int(s.scalar(select(func.max(Redaction.id))) or 0) + 1
        now = now_us()
        state = RedactionState.APPROVED if self.approve else RedactionState.PROPOSED
        rows: list[dict[str, Any]] = []
        for n, d in enumerate(self.drafts):
            check_draft(d)
            box = d.box or (None, None, None, None)
            rows.append(
                {
                    "id": next_id + n,
                    "set_id": sid,
                    "item_id": d.item_id,
                    "kind": str(d.kind),
                    "target": d.target,
                    "page": d.page,
                    "x0": box[0],
                    "y0": box[1],
                    "x1": box[2],
                    "y1": box[3],
                    "start": d.start,
                    "end": d.end,
                    "quote": d.quote,
                    "reason": d.reason,
                    "note": d.note,
                    "origin": d.origin,
                    "state": str(state),
                    "created_at_us": now,
                    "created_by": case.user,
                    "reviewed_at_us": now if self.approve else None,
                    "reviewed_by": case.user if self.approve else "",
                }
            )
        return rows

    def revert(self, case: Case) -> Changes:
        """Delete the redactions added, and the set when this added it."""
        with case.write() as s:
            _delete(s, self.ids)
            case.audit(
                s,
                "redaction.delete",
                {"set": self.set_name, "undo": True, **_summary(self._rows)},
            )
            if self._created_set and self._set_id is not None:
                _drop_set_if_empty(s, case, self._set_id)
        return Changes(redactions=True)


@dataclass(slots=True)
class ReviewRedactions:
    """Approve, reject, or send back to proposed some redactions (who and when recorded)."""

    ids: tuple[int, ...]
    state: RedactionState
    label: str = "Review redactions"
    _before: list[tuple[int, str, str, int | None]] = field(default_factory=list)

    def apply(self, case: Case) -> Changes:
        """Set the state, remembering each redaction's previous review."""
        state = RedactionState(self.state)
        with case.write() as s:
            rows = _rows(s, self.ids)
            self._before = [
                (r["id"], r["state"], r["reviewed_by"], r["reviewed_at_us"]) for r in rows
            ]
            reviewed = state != RedactionState.PROPOSED
            values = {
                "state": str(state),
                "reviewed_by": case.user if reviewed else "",
                "reviewed_at_us": now_us() if reviewed else None,
            }
            for chunk in _chunks(sorted(set(self.ids))):
                s.execute(update(Redaction).where(Redaction.id.in_(chunk)).values(**values))
            case.audit(
                s,
                "redaction.review",
                {
                    "state": str(state),
                    "from": sorted({r["state"] for r in rows}),
                    **_summary(rows, s),
                },
            )
        return Changes(redactions=True)

    def revert(self, case: Case) -> Changes:
        """Restore each redaction's previous state and reviewer."""
        with case.write() as s:
            for rid, st, by, at in self._before:
                s.execute(
                    update(Redaction)
                    .where(Redaction.id == rid)
                    .values(state=st, reviewed_by=by, reviewed_at_us=at)
                )
            case.audit(
                s,
                "redaction.review",
                {
                    "undo": True,
                    "ids": sorted(b[0] for b in self._before),
                    "states": sorted({b[1] for b in self._before}),
                },
            )
        return Changes(redactions=True)


@dataclass(slots=True)
class DeleteRedactions:
    """Delete redactions; undo puts them back exactly (same ids, states, reviewers)."""

    ids: tuple[int, ...]
    label: str = "Delete redactions"
    _rows: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, case: Case) -> Changes:
        """Delete, keeping every column to restore."""
        with case.write() as s:
            self._rows = _rows(s, self.ids)
            _delete(s, self.ids)
            case.audit(s, "redaction.delete", _summary(self._rows, s))
        return Changes(redactions=True)

    def revert(self, case: Case) -> Changes:
        """Re-insert the deleted redactions as they were."""
        with case.write() as s:
            _insert(s, self._rows)
            case.audit(s, "redaction.restore", {"undo": True, **_summary(self._rows, s)})
        return Changes(redactions=True)


@dataclass(slots=True)
class EditRedaction:
    """Change a redaction's reason code and/or note."""

    id: int
    reason: str | None = None
    note: str | None = None
    label: str = "Edit redaction"
    _before: tuple[str, str] | None = None

    def apply(self, case: Case) -> Changes:
        """Set the new reason / note."""
        if self.reason is not None:
            check_reason(self.reason)
        with case.write() as s:
            row = s.get(Redaction, self.id)
            if row is None:
                raise RedactionError(f"no redaction with id {self.id}")
            self._before = (row.reason, row.note)
            if self.reason is not None:
                row.reason = self.reason
            if self.note is not None:
                row.note = self.note
            case.audit(
                s,
                "redaction.edit",
                {
                    "id": self.id,
                    "reason": [self._before[0], row.reason],
                    "note_changed": self.note is not None and self.note != self._before[1],
                },
            )
        return Changes(redactions=True)

    def revert(self, case: Case) -> Changes:
        """Restore the previous reason and note."""
        if self._before is None:
            return Changes(redactions=True)
        with case.write() as s:
            s.execute(
                update(Redaction)
                .where(Redaction.id == self.id)
                .values(reason=self._before[0], note=self._before[1])
            )
            case.audit(
                s, "redaction.edit", {"id": self.id, "undo": True, "reason": self._before[0]}
            )
        return Changes(redactions=True)


def clean_spellings(spellings: Iterable[str]) -> tuple[str, ...]:
    """Spellings stripped, empty ones dropped, duplicates (ignoring case) removed, in order."""
    out: list[str] = []
    seen: set[str] = set()
    for sp in spellings:
        sp = " ".join(sp.split())
        if sp and sp.casefold() not in seen:
            seen.add(sp.casefold())
            out.append(sp)
    return tuple(out)


DEFAULT_TERM_LABEL = "Protected name"
"""A protected term's label when none is given (never a spelling: labels reach the audit)."""


@dataclass(slots=True)
class AddProtectedTerm:
    """Mark a name, number or address as protected, with every spelling given.

    `term_label` says what the term is ("Child's name"), never the name itself: it is
    stored with the term and written to the audit log. `label` names the operation.
    """

    term_label: str
    spellings: tuple[str, ...]
    reason: str
    label: str = "Add protected name"
    _row: dict[str, Any] | None = None

    @property
    def id(self) -> int | None:
        """The id of the term created (None before the first apply)."""
        return None if self._row is None else int(self._row["id"])

    def apply(self, case: Case) -> Changes:
        """Create the term (same id when re-applied)."""
        check_reason(self.reason)
        spellings = clean_spellings(self.spellings)
        if not spellings:
            raise RedactionError("a protected term needs at least one spelling")
        with case.write() as s:
            if self._row is None:
                next_id = int(s.scalar(select(func.max(ProtectedTerm.id))) or 0) + 1
                self._row = {
                    "id": next_id,
                    "label": self.term_label.strip() or DEFAULT_TERM_LABEL,
                    "spellings": list(spellings),
                    "reason": self.reason,
                    "created_at_us": now_us(),
                    "created_by": case.user,
                }
            s.execute(insert(_table(ProtectedTerm)), [self._row])
            case.audit(
                s,
                "protected_term.add",
                {
                    "id": self._row["id"],
                    "label": self._row["label"],
                    "spellings": len(spellings),
                    "reason": self.reason,
                },
            )
        return Changes(redactions=True)

    def revert(self, case: Case) -> Changes:
        """Remove the term again."""
        if self._row is None:
            return Changes(redactions=True)
        with case.write() as s:
            s.execute(delete(ProtectedTerm).where(ProtectedTerm.id == self._row["id"]))
            case.audit(s, "protected_term.remove", {"id": self._row["id"], "undo": True})
        return Changes(redactions=True)


@dataclass(slots=True)
class RemoveProtectedTerm:
    """Remove a protected term (its redactions stay); undo restores it."""

    id: int
    label: str = "Remove protected term"
    _row: dict[str, Any] | None = None

    def apply(self, case: Case) -> Changes:
        """Delete the term, keeping its values."""
        with case.write() as s:
            term = s.get(ProtectedTerm, self.id)
            if term is None:
                raise RedactionError(f"no protected term with id {self.id}")
            cols = (c.name for c in _table(ProtectedTerm).columns)
            self._row = {c: getattr(term, c) for c in cols}
            s.delete(term)
            case.audit(s, "protected_term.remove", {"id": self.id, "label": term.label})
        return Changes(redactions=True)

    def revert(self, case: Case) -> Changes:
        """Put the term back as it was."""
        if self._row is None:
            return Changes(redactions=True)
        with case.write() as s:
            s.execute(insert(_table(ProtectedTerm)), [self._row])
            case.audit(s, "protected_term.add", {"id": self.id, "undo": True})
        return Changes(redactions=True)
