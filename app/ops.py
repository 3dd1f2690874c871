"""Undoable edits. Every user edit is an Operation: `apply` and `revert` run in one write
transaction with an audit entry each, and return the `Changes` the views must refresh."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.case import Case
from app.errors import EvidenceError
from app.store.schema import Participant, Person


@dataclass(frozen=True, slots=True)
class Changes:
    """What an operation touched, so views refresh only that."""

    participants: bool = False
    items: tuple[int, ...] = ()
    redactions: bool = False
    tags: bool = False
    charges: bool = False
    exhibits: bool = False
    presentations: bool = False
    protective_marks: bool = False
    attribution: bool = False  # links between accounts, accounts attributed to persons


class Operation(Protocol):
    """An edit with its inverse; holds ids and before/after values, never ORM objects."""

    label: str

    def apply(self, case: Case) -> Changes:
        """Do the edit (again)."""

    def revert(self, case: Case) -> Changes:
        """Undo exactly what `apply` did."""


@dataclass(slots=True)
class LinkParticipants:
    """Attribute several participants (accounts, numbers) to one person.

    A new person is created with `person_name` unless `person_id` names an existing one.
    The previous person of each participant is remembered so `revert` restores it.
    """

    participant_ids: tuple[int, ...]
    person_name: str = ""
    person_id: int | None = None
    label: str = "Link accounts to a person"
    _before: dict[int, int | None] = field(default_factory=dict)
    _created: int | None = None

    def apply(self, case: Case) -> Changes:
        """Link, creating the person on first apply."""
        with case.write() as s:
            self._before = _persons_of(s, self.participant_ids)
            target = self.person_id or self._created
            if target is None:
                person = Person(name=self.person_name or "Unnamed person", note="")
                s.add(person)
                s.flush()
                target = self._created = person.id
            elif s.get(Person, target) is None:
                # Re-applying after an undo that deleted the person it had created.
                s.add(Person(id=target, name=self.person_name or "Unnamed person", note=""))
                s.flush()
            s.execute(
                update(Participant)
                .where(Participant.id.in_(self.participant_ids))
                .values(person_id=target)
            )
            case.audit(
                s,
                "participants.link",
                {"participants": list(self.participant_ids), "person_id": target},
            )
        return Changes(participants=True)

    def revert(self, case: Case) -> Changes:
        """Put every participant back with its previous person; drop a person we created."""
        with case.write() as s:
            for pid, person in self._before.items():
                s.execute(update(Participant).where(Participant.id == pid).values(person_id=person))
            if self._created is not None:
                _drop_if_unused(s, self._created)
            case.audit(
                s,
                "participants.unlink",
                {"participants": list(self.participant_ids), "undo": True},
            )
        return Changes(participants=True)


def _persons_of(s: Session, participant_ids: tuple[int, ...]) -> dict[int, int | None]:
    """Each participant's person now (None when unlinked); refuses unknown participants."""
    rows = s.execute(
        select(Participant.id, Participant.person_id).where(Participant.id.in_(participant_ids))
    ).all()
    if len(rows) != len(set(participant_ids)):
        raise EvidenceError("some of these participants do not exist")
    return {row[0]: row[1] for row in rows}


def _drop_if_unused(s: Session, person_id: int) -> None:
    used = s.scalar(select(Participant.id).where(Participant.person_id == person_id).limit(1))
    if used is None:
        person = s.get(Person, person_id)
        if person is not None:
            s.delete(person)


@dataclass(slots=True)
class UnlinkParticipants:
    """Take participants away from the persons they were attributed to.

    The persons are kept (an attribution may be restored, and a person may carry notes), so
    `revert` links each participant back to exactly the person it had.
    """

    participant_ids: tuple[int, ...]
    label: str = "Unlink accounts from their person"
    _before: dict[int, int | None] = field(default_factory=dict)

    def apply(self, case: Case) -> Changes:
        """Unlink, remembering each participant's person."""
        with case.write() as s:
            self._before = _persons_of(s, self.participant_ids)
            s.execute(
                update(Participant)
                .where(Participant.id.in_(self.participant_ids))
                .values(person_id=None)
            )
            case.audit(
                s,
                "participants.unlink",
                {
                    "participants": list(self.participant_ids),
                    "persons": sorted({p for p in self._before.values() if p is not None}),
                },
            )
        return Changes(participants=True)

    def revert(self, case: Case) -> Changes:
        """Link every participant back to the person it had."""
        with case.write() as s:
            for pid, person in self._before.items():
                s.execute(update(Participant).where(Participant.id == pid).values(person_id=person))
            case.audit(
                s,
                "participants.link",
                {"participants": list(self.participant_ids), "undo": True},
            )
        return Changes(participants=True)
