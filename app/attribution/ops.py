"""Undoable attribution edits (`app.ops.Operation`): accept or reject a proposed link between
two accounts, attribute an account to a person.

Accepting a link (or attributing an account) tags the evidence items to the identity element
of the charges chosen (by default every charge of the case whose offence has one), through
the tagger's own planning and insertion, in the same write as the decision, with a "tag.add"
audit entry beside the attribution's own; undo removes exactly those tags. Re-applying after
an undo recreates the same rows with the same ids.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from app import audit
from app.attribution.model import LinkState
from app.case import Case
from app.errors import EvidenceError
from app.ops import Changes
from app.store.schema import AccountLink, AccountPerson, Charge, Person, Tag
from app.tagging.library import UnknownOffence
from app.tagging.ops import delete_tags, insert_tags, plan_tags
from app.tagging.store import charge_row

log = logging.getLogger(__name__)

ORIGIN = "attribution"
"""The `origin` of the tags an attribution adds (the tagger's are "manual" / "suggestion")."""
NOTE_CHARS = 300

_Row = dict[str, Any]
# The kinds of identifier that say who holds an account (not where it was used from).
_SUBSCRIBER_KINDS = ("email", "phone", "device", "username", "name", "linked-account")


def identity_targets(s: Session, charge_ids: Sequence[int] | None) -> list[tuple[int, str]]:
    """(charge id, identity element id) of the charges named, or of every charge of the case
    whose offence has an identity element when `charge_ids` is None."""
    rows = list(s.scalars(select(Charge).order_by(Charge.id)))
    if charge_ids is not None:
        known = {c.id for c in rows}
        if missing := sorted(set(charge_ids) - known):
            raise EvidenceError(f"there is no charge {missing[0]} on this case (see `charges`)")
        rows = [c for c in rows if c.id in set(charge_ids)]
    out: list[tuple[int, str]] = []
    for c in rows:
        try:
            out.append((c.id, charge_row(s, c).offence.identity_element.id))
        except UnknownOffence:
            if charge_ids is not None:
                raise EvidenceError(f"charge {c.id} has no identity element") from None
            log.info("charge %s has no identity element; not tagged", c.id)
    return out


def _evidence_items(s: Session, identifier_ids: Sequence[int]) -> list[int]:
    return sorted(
        int(i)
        for i in s.execute(
            text(
                "SELECT DISTINCT item_id FROM identifiers "
                "WHERE id IN (SELECT value FROM json_each(:ids))"
            ),
            {"ids": json.dumps(sorted({int(i) for i in identifier_ids}))},
        ).scalars()
    )


def _account_items(s: Session, account: str) -> list[int]:
    """The items that say who holds an account: its subscriber details, not its logins."""
    return sorted(
        int(i)
        for i in s.execute(
            text(
                "SELECT DISTINCT item_id FROM identifiers WHERE account = :a "
                "AND kind IN (SELECT value FROM json_each(:kinds))"
            ),
            {"a": account, "kinds": json.dumps(list(_SUBSCRIBER_KINDS))},
        ).scalars()
    )


def _plan(
    s: Session, case: Case, items: Sequence[int], targets: Sequence[tuple[int, str]], note: str
) -> list[_Row]:
    rows: list[_Row] = []
    if not items:
        return rows
    for charge_id, element_id in targets:
        rows += plan_tags(
            s, items, charge_id, element_id, note=note[:NOTE_CHARS], origin=ORIGIN, user=case.user
        )
    return rows


def _insert(s: Session, case: Case, rows: Sequence[_Row], wanted: Sequence[int]) -> list[int]:
    """Insert the planned tags (under `wanted` ids again on a redo), one "tag.add" audit entry
    per charge and element."""
    copies = [dict(r) for r in rows]
    created = insert_tags(s, copies, wanted)
    groups: dict[tuple[int, str], list[_Row]] = {}
    for r in copies:
        groups.setdefault((int(r["charge_id"]), str(r["element_id"])), []).append(r)
    for (charge_id, element_id), group in groups.items():
        case.audit(
            s,
            "tag.add",
            {
                "charge_id": charge_id,
                "element_id": element_id,
                "items": [int(r["item_id"]) for r in group],
                "tags": [int(r["id"]) for r in group],
                "skipped": 0,
                "origin": ORIGIN,
                "note": str(group[0]["note"]),
            },
        )
    return created


def _remove(s: Session, case: Case, tag_ids: Sequence[int], *, undo: bool) -> list[_Row]:
    """Delete tags, audited; returns their rows (for putting them back)."""
    if not tag_ids:
        return []
    rows = [
        {c.key: getattr(t, c.key) for c in Tag.__table__.columns}
        for t in s.scalars(select(Tag).where(Tag.id.in_(list(tag_ids))).order_by(Tag.id))
    ]
    delete_tags(s, [r["id"] for r in rows])
    if rows:
        case.audit(
            s,
            "tag.remove",
            {
                "items": sorted({int(r["item_id"]) for r in rows}),
                "tags": [int(r["id"]) for r in rows],
                "origin": ORIGIN,
                **({"undo": True} if undo else {}),
            },
        )
    return rows


def _restore(s: Session, rows: Sequence[_Row]) -> None:
    if rows:
        s.execute(insert(Tag), [dict(r) for r in rows])


def _link(s: Session, link_id: int) -> AccountLink:
    row = s.get(AccountLink, link_id)
    if row is None:
        raise EvidenceError(f"there is no link {link_id} on this case (see `attribution`)")
    return row


_LINK_FIELDS = ("state", "note", "decided_at_us", "decided_by", "tag_ids")


def _snapshot(row: AccountLink) -> dict[str, Any]:
    return {k: getattr(row, k) for k in _LINK_FIELDS}


def _put_back(row: AccountLink, before: dict[str, Any]) -> None:
    for k in _LINK_FIELDS:
        setattr(row, k, before[k])


def _items_of(rows: Sequence[_Row]) -> tuple[int, ...]:
    return tuple(sorted({int(r["item_id"]) for r in rows}))


@dataclass(slots=True)
class AcceptLink:
    """Accept a proposed link: the two accounts are taken to be one person's.

    The evidence items (the identifier rows behind the link) are tagged to the identity
    element of the charges in `charge_ids` (None: every charge with one), so coverage shows
    identity evidenced. Undo puts the link back as it was and removes those tags.
    """

    link_id: int
    charge_ids: tuple[int, ...] | None = None
    note: str = ""
    label: str = "Accept a link between accounts"
    _before: dict[str, Any] | None = None
    _rows: list[_Row] | None = None
    _created: list[int] = field(default_factory=list)
    _decided_at_us: int = 0

    def apply(self, case: Case) -> Changes:
        """Accept the link and tag its evidence (again, with the same ids after an undo)."""
        with case.write() as s:
            row = _link(s, self.link_id)
            if row.state == LinkState.ACCEPTED:
                raise EvidenceError(f"link {self.link_id} is accepted already")
            if row.state == LinkState.REJECTED and row.tag_ids:
                raise EvidenceError(f"link {self.link_id} still holds tags; undo first")
            self._before = _snapshot(row)
            redo = self._decided_at_us != 0
            items = _evidence_items(s, [int(i) for i in row.evidence or []])
            if self._rows is None:
                targets = identity_targets(s, self.charge_ids)
                note = f"attribution: link #{row.id} {row.account_a} ↔ {row.account_b}: {row.basis}"
                self._rows = _plan(s, case, items, targets, note)
            self._created = _insert(s, case, self._rows, self._created)
            self._decided_at_us = self._decided_at_us or audit.now_us()
            row.state = LinkState.ACCEPTED.value
            row.decided_at_us = self._decided_at_us
            row.decided_by = case.user
            row.note = self.note or row.note
            row.tag_ids = list(self._created)
            case.audit(
                s,
                "attribution.accept",
                {
                    "link_id": row.id,
                    "accounts": [row.account_a, row.account_b],
                    "strength": row.strength,
                    "basis": row.basis,
                    "identifiers": list(row.evidence or []),
                    "items": items,
                    "charges": sorted({int(r["charge_id"]) for r in self._rows}),
                    "tags": list(self._created),
                    "note": row.note,
                    **({"redo": True} if redo else {}),
                },
            )
        return Changes(tags=True, items=_items_of(self._rows), attribution=True)

    @property
    def tag_ids(self) -> tuple[int, ...]:
        """The tags the acceptance added."""
        return tuple(self._created)

    def revert(self, case: Case) -> Changes:
        """Remove the tags and put the link back as it stood."""
        if self._before is None:
            raise EvidenceError("the link was not accepted")
        with case.write() as s:
            row = _link(s, self.link_id)
            _remove(s, case, self._created, undo=True)
            _put_back(row, self._before)
            case.audit(
                s,
                "attribution.undo",
                {"link_id": row.id, "undid": "accept", "state": row.state, "undo": True},
            )
        return Changes(tags=True, items=_items_of(self._rows or []), attribution=True)


@dataclass(slots=True)
class RejectLink:
    """Reject a link: it is remembered and never proposed again. Rejecting a link accepted
    earlier removes the identity tags its acceptance added (undo restores them)."""

    link_id: int
    note: str = ""
    label: str = "Reject a link between accounts"
    _before: dict[str, Any] | None = None
    _removed: list[_Row] = field(default_factory=list)
    _decided_at_us: int = 0

    def apply(self, case: Case) -> Changes:
        """Reject the link (removing an earlier acceptance's tags)."""
        with case.write() as s:
            row = _link(s, self.link_id)
            if row.state == LinkState.REJECTED:
                raise EvidenceError(f"link {self.link_id} is rejected already")
            self._before = _snapshot(row)
            self._removed = _remove(s, case, [int(t) for t in row.tag_ids or []], undo=False)
            self._decided_at_us = self._decided_at_us or audit.now_us()
            row.state = LinkState.REJECTED.value
            row.decided_at_us = self._decided_at_us
            row.decided_by = case.user
            row.note = self.note or row.note
            row.tag_ids = []
            case.audit(
                s,
                "attribution.reject",
                {
                    "link_id": row.id,
                    "accounts": [row.account_a, row.account_b],
                    "strength": row.strength,
                    "basis": row.basis,
                    "identifiers": list(row.evidence or []),
                    "was": self._before["state"],
                    "tags_removed": [int(r["id"]) for r in self._removed],
                    "note": row.note,
                },
            )
        return Changes(tags=bool(self._removed), items=_items_of(self._removed), attribution=True)

    def revert(self, case: Case) -> Changes:
        """Put the link back as it stood, with any tags the rejection removed."""
        if self._before is None:
            raise EvidenceError("the link was not rejected")
        with case.write() as s:
            row = _link(s, self.link_id)
            _restore(s, self._removed)
            _put_back(row, self._before)
            case.audit(
                s,
                "attribution.undo",
                {
                    "link_id": row.id,
                    "undid": "reject",
                    "state": row.state,
                    "tags_restored": [int(r["id"]) for r in self._removed],
                    "undo": True,
                },
            )
        return Changes(tags=bool(self._removed), items=_items_of(self._removed), attribution=True)


@dataclass(slots=True)
class AttributeAccount:
    """Attribute an account ("platform:id") to a person: `person_id`, or a new person called
    `person_name`; neither detaches the account from its person.

    With `tag` (the default) the account's subscriber records (the items stating its
    e-mail, phone, device, username or name) are tagged to the identity element of the
    charges in `charge_ids` (None: every charge with one). An earlier attribution of the
    account is replaced, its tags removed; undo restores it all.
    """

    account: str
    person_id: int | None = None
    person_name: str = ""
    charge_ids: tuple[int, ...] | None = None
    note: str = ""
    tag: bool = True
    label: str = "Attribute an account to a person"
    _before: dict[str, Any] | None = None
    _had_row: bool = False
    _removed: list[_Row] = field(default_factory=list)
    _rows: list[_Row] | None = None
    _created: list[int] = field(default_factory=list)
    _person_created: int | None = None
    _decided_at_us: int = 0

    @property
    def detaching(self) -> bool:
        """Whether this takes the account away from its person instead."""
        return self.person_id is None and not self.person_name.strip()

    def apply(self, case: Case) -> Changes:
        """Attribute (or detach) the account, tagging its subscriber records."""
        account = self.account.strip()
        with case.write() as s:
            known = s.execute(
                text(
                    "SELECT 1 FROM identifiers WHERE account = :a OR "
                    "(kind = 'linked-account' AND lower(value) = :a) LIMIT 1"
                ),
                {"a": account},
            ).first()
            existing = s.get(AccountPerson, account)
            if known is None and existing is None:
                raise EvidenceError(f"no account {account!r} in this case (see `accounts`)")
            self._had_row = existing is not None
            self._before = (
                {c.key: getattr(existing, c.key) for c in AccountPerson.__table__.columns}
                if existing is not None
                else None
            )
            if self.detaching and existing is None:
                raise EvidenceError(f"account {account} is not attributed to anyone")
            target = self._person(s)
            self._removed = (
                _remove(s, case, [int(t) for t in existing.tag_ids or []], undo=False)
                if existing is not None
                else []
            )
            if existing is not None:
                s.delete(existing)
                s.flush()
            self._created = []
            if target is not None:
                if self._rows is None:
                    items = _account_items(s, account) if self.tag else []
                    person = s.get(Person, target)
                    note = f"attribution: {account} is {person.name if person else 'the person'}"
                    targets = identity_targets(s, self.charge_ids) if items else []
                    self._rows = _plan(s, case, items, targets, note)
                self._created = _insert(s, case, self._rows, self._created)
                self._decided_at_us = self._decided_at_us or audit.now_us()
                s.add(
                    AccountPerson(
                        account=account,
                        person_id=target,
                        note=self.note,
                        tag_ids=list(self._created),
                        decided_at_us=self._decided_at_us,
                        decided_by=case.user,
                    )
                )
            case.audit(
                s,
                "attribution.detach" if target is None else "attribution.attribute",
                {
                    "account": account,
                    "person_id": target,
                    "was": self._before["person_id"] if self._before else None,
                    "items": list(_items_of(self._rows or [])),
                    "tags": list(self._created),
                    "tags_removed": [int(r["id"]) for r in self._removed],
                    "note": self.note,
                },
            )
        return Changes(
            participants=True,
            tags=bool(self._created or self._removed),
            items=_items_of([*(self._rows or []), *self._removed]),
            attribution=True,
        )

    def _person(self, s: Session) -> int | None:
        if self.detaching:
            return None
        if self.person_id is not None:
            if s.get(Person, self.person_id) is None:
                raise EvidenceError(f"there is no person {self.person_id} on this case")
            return self.person_id
        if self._person_created is not None:
            if s.get(Person, self._person_created) is None:
                s.add(Person(id=self._person_created, name=self.person_name.strip(), note=""))
                s.flush()
            return self._person_created
        person = Person(name=self.person_name.strip(), note="")
        s.add(person)
        s.flush()
        self._person_created = person.id
        return person.id

    @property
    def person(self) -> int | None:
        """The person the account went to (after apply; None when detaching)."""
        return self.person_id if self.person_id is not None else self._person_created

    def revert(self, case: Case) -> Changes:
        """Put the account's earlier attribution (or none) back, with its tags."""
        account = self.account.strip()
        with case.write() as s:
            _remove(s, case, self._created, undo=True)
            s.execute(delete(AccountPerson).where(AccountPerson.account == account))
            s.flush()
            if self._before is not None:
                s.add(AccountPerson(**self._before))
            _restore(s, self._removed)
            if self._person_created is not None:
                used = s.scalar(
                    select(AccountPerson.account)
                    .where(AccountPerson.person_id == self._person_created)
                    .limit(1)
                )
                linked = s.execute(
                    text("SELECT 1 FROM participants WHERE person_id = :p LIMIT 1"),
                    {"p": self._person_created},
                ).first()
                person = s.get(Person, self._person_created)
                if used is None and linked is None and person is not None:
                    s.delete(person)
            case.audit(
                s,
                "attribution.undo",
                {
                    "account": account,
                    "undid": "detach" if self.detaching else "attribute",
                    "person_id": self._before["person_id"] if self._before else None,
                    "undo": True,
                },
            )
        return Changes(
            participants=True,
            tags=bool(self._created or self._removed),
            items=_items_of([*(self._rows or []), *self._removed]),
            attribution=True,
        )
