"""The accounts of a case (from the identifiers its returns state), the persons they are
attributed to, and the identity elements' coverage the attribution view shows."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from app.attribution.model import (
    AccountRow,
    IdentifierRef,
    IdentityCoverage,
    LinkState,
    PersonAccounts,
    platform_of,
)
from app.attribution.propose import read_identifiers
from app.case import Case
from app.store.schema import AccountLink, AccountPerson, Person

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Seen:
    names: dict[str, None] = field(default_factory=dict)
    usernames: dict[str, None] = field(default_factory=dict)
    emails: dict[str, None] = field(default_factory=dict)
    phones: dict[str, None] = field(default_factory=dict)
    devices: dict[str, None] = field(default_factory=dict)
    sources: dict[str, None] = field(default_factory=dict)
    items: set[int] = field(default_factory=set)
    logins: int = 0
    times: list[int] = field(default_factory=list)
    stated_only: bool = True


_FIELD = {
    "name": "names",
    "username": "usernames",
    "email": "emails",
    "phone": "phones",
    "device": "devices",
}


def _collect(refs: Iterable[IdentifierRef]) -> dict[str, _Seen]:
    seen: dict[str, _Seen] = defaultdict(_Seen)
    for r in refs:
        acc = seen[r.account]
        acc.stated_only = False
        if attr := _FIELD.get(r.kind):
            getattr(acc, attr).setdefault(r.value, None)
        elif r.kind == "ip":
            acc.logins += 1
        acc.sources.setdefault(r.where, None)
        acc.items.add(r.item_id)
        if r.ts_utc_us is not None:
            acc.times.append(r.ts_utc_us)
        if r.kind == "linked-account" and (other := r.value.strip().lower()):
            seen[other]
    return seen


@dataclass(frozen=True, slots=True)
class _Attribution:
    person_id: int
    person_name: str
    via: str


def _attributions(case: Case) -> tuple[dict[str, _Attribution], list[PersonAccounts]]:
    """Each account's person: attributed by the user, or reached through accepted links
    from an attributed account (breadth first: the shortest chain of links is named)."""
    with case.read() as s:
        persons = {p.id: p.name for p in s.scalars(select(Person).order_by(Person.id))}
        direct = {a.account: a.person_id for a in s.scalars(select(AccountPerson))}
        accepted = [
            (row.id, row.account_a, row.account_b)
            for row in s.scalars(
                select(AccountLink)
                .where(AccountLink.state == LinkState.ACCEPTED.value)
                .order_by(AccountLink.id)
            )
        ]
    neighbours: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for link_id, a, b in accepted:
        neighbours[a].append((b, link_id))
        neighbours[b].append((a, link_id))
    found: dict[str, _Attribution] = {}
    queue: list[str] = []
    for account, person_id in sorted(direct.items()):
        found[account] = _Attribution(person_id, persons.get(person_id, ""), "attributed")
        queue.append(account)
    while queue:
        account = queue.pop(0)
        for other, link_id in neighbours[account]:
            if other not in found:
                via = found[account]
                found[other] = _Attribution(via.person_id, via.person_name, f"link #{link_id}")
                queue.append(other)
    by_person: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for account, att in sorted(found.items()):
        by_person[att.person_id].append((account, att.via))
    people = [
        PersonAccounts(pid, name, tuple(by_person.get(pid, ()))) for pid, name in persons.items()
    ]
    return found, people


def accounts(case: Case) -> list[AccountRow]:
    """Every account the case's returns and extractions name, with its platform, the names,
    usernames, e-mails, phones and devices stated for it, where it was seen, how many items
    state it (and how many are logins), and the person it is attributed to.

    Accounts known only because another account's return lists them as linked are included
    (`stated_only`). Ordered by platform, then key.
    """
    with case.read() as s:
        refs = read_identifiers(s)
    seen = _collect(refs)
    attributed, _people = _attributions(case)
    for account in attributed:
        seen.setdefault(account, _Seen())
    out = []
    for key in sorted(seen, key=lambda k: (platform_of(k), k)):
        acc = seen[key]
        att = attributed.get(key)
        out.append(
            AccountRow(
                key=key,
                platform=platform_of(key),
                names=tuple(acc.names),
                usernames=tuple(acc.usernames),
                emails=tuple(acc.emails),
                phones=tuple(acc.phones),
                devices=tuple(acc.devices),
                sources=tuple(acc.sources),
                items=len(acc.items),
                logins=acc.logins,
                first_us=min(acc.times) if acc.times else None,
                last_us=max(acc.times) if acc.times else None,
                person_id=att.person_id if att else None,
                person_name=att.person_name if att else "",
                person_via=att.via if att else "",
                stated_only=acc.stated_only,
            )
        )
    return out


def persons(case: Case) -> list[PersonAccounts]:
    """Every person of the case with the accounts attributed to them (directly, or through
    accepted links), in the order the persons were made."""
    return _attributions(case)[1]


def identity_coverage(
    case: Case, charge_ids: Sequence[int] | None = None
) -> list[IdentityCoverage]:
    """The identity element of each charge (or those named): items evidencing it, or its gap."""
    from app.tagging.coverage import coverage

    rows = coverage(case, charge_ids=charge_ids).rows
    return [
        IdentityCoverage(r.charge.id, r.charge.label, r.element.id, r.items, r.gap)
        for r in rows
        if r.element.identity
    ]
