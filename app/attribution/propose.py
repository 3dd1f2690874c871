"""Proposing links between accounts from the identifiers the returns and extractions state.

The rules, as the view states them to its reader (strongest first):

* **Strong.** The same IP address *and source port* within the window (default 10 minutes):
  behind carrier-grade NAT many subscribers share one address at once, but an address with
  its port at one moment names one connection, so one subscriber. Also: the same e-mail
  address, phone number or device identifier stated for two accounts, and a return's own
  statement that two accounts are linked.
* **Supporting.** The same IP address within the window where a port is missing on one
  side (the address alone may be shared by many subscribers), and the same registration IP
  for two accounts (at any time).
* **Weak.** The same IP address within the window with *different* ports (on a shared
  address that points to two connections, possibly two subscribers: shown so the user can
  judge, never as more); the same username on two platforms; the same subscriber name.

Addresses are compared when both rows have a time, between two accounts stated by two
items: across two sources (a Meta return and a Snapchat return) and also within one (a
return covering two accounts); each row names its source, so the reader sees which.
Logins further apart than the window are not linked. An e-mail, phone, device, username or
name stated for more than `MAX_SHARING` accounts is too common to link any of them.

A link joins two accounts and gathers every match between them. Links are stored when first
proposed (so their ids stay the same between runs); a rejected link stays rejected whatever
is imported later (new evidence for it is counted, never proposed again).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.attribution.model import (
    IdentifierRef,
    LinkRow,
    LinkState,
    Match,
    Strength,
    address,
    platform_of,
)
from app.case import Case
from app.errors import EvidenceError
from app.store.schema import AccountLink
from app.timeline.query import raw_cursor

log = logging.getLogger(__name__)

DEFAULT_WINDOW_MINUTES = 10
MAX_SHARING = 25
"""An e-mail, phone, device, username or name stated for more accounts than this is too
common to link them (a placeholder, a shared office number): it proposes nothing."""
_MINUTE_US = 60_000_000
_IP_KINDS = ("ip", "registration-ip")
_SHARED = {
    "email": (Strength.STRONG, "Same e-mail address"),
    "phone": (Strength.STRONG, "Same phone number"),
    "device": (Strength.STRONG, "Same device identifier"),
    "username": (Strength.WEAK, "Same username on two platforms"),
    "name": (Strength.WEAK, "Same name"),
}
_SIGNAL_ORDER = (
    "ip-port",
    "linked-account",
    "email",
    "phone",
    "device",
    "ip",
    "registration-ip",
    "ip-other-port",
    "username",
    "name",
)

_IDENTIFIERS = (
    "SELECT i.id, i.item_id, i.account, i.kind, i.value, i.raw, i.port, i.ts_utc_us, "
    "it.source_id, s.name, coalesce(p.name, ''), s.importer, it.locator, "
    "coalesce(json_extract(it.meta, '$.record'), '') "
    "FROM identifiers i JOIN items it ON it.id = i.item_id "
    "JOIN sources s ON s.id = it.source_id LEFT JOIN sources p ON p.id = s.parent_id"
)


def _ref(r: Sequence[Any]) -> IdentifierRef:
    return IdentifierRef(
        id=int(r[0]),
        item_id=int(r[1]),
        account=str(r[2]).strip(),
        kind=str(r[3]),
        value=str(r[4]),
        raw=str(r[5] or ""),
        port=None if r[6] is None else int(r[6]),
        ts_utc_us=None if r[7] is None else int(r[7]),
        source_id=int(r[8]),
        source_name=str(r[9] or ""),
        container=str(r[10] or ""),
        importer=str(r[11] or ""),
        locator=str(r[12] or ""),
        record=str(r[13] or ""),
    )


def read_identifiers(s: Session, ids: Iterable[int] | None = None) -> list[IdentifierRef]:
    """Every identifier of the case (or those with these ids) with its item and source."""
    cur = raw_cursor(s)
    try:
        if ids is None:
            fetched = cur.execute(_IDENTIFIERS + " ORDER BY i.id").fetchall()
        else:
            fetched = cur.execute(
                _IDENTIFIERS + " WHERE i.id IN (SELECT value FROM json_each(?)) ORDER BY i.id",
                (json.dumps(sorted({int(i) for i in ids})),),
            ).fetchall()
    finally:
        cur.close()
    return [_ref(r) for r in fetched]


# -- matching (pure) ------------------------------------------------------------------------


def gap_text(gap_us: int) -> str:
    """A time between two rows as people say it: "40 s", "3 min 30 s", "12 min", "2 h 5 min"
    (seconds under ten minutes, whole minutes above)."""
    seconds = abs(gap_us) // 1_000_000
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _ip_match(a: IdentifierRef, b: IdentifierRef) -> Match:
    gap = abs((a.ts_utc_us or 0) - (b.ts_utc_us or 0))
    apart = f"{gap_text(gap)} apart" if gap >= 1_000_000 else "at the same second"
    if a.port is not None and a.port == b.port:
        return Match(
            "ip-port",
            Strength.STRONG,
            f"Same IP address and port {address(a.value, a.port)}, {apart}",
            (a, b),
            gap,
        )
    if a.port is not None and b.port is not None:
        return Match(
            "ip-other-port",
            Strength.WEAK,
            f"Same IP address {a.value} {apart} but different ports ({a.port} and {b.port}): "
            "on a shared address these may be two subscribers",
            (a, b),
            gap,
        )
    ports = "no port given" if a.port is None and b.port is None else "no port on one side"
    return Match(
        "ip",
        Strength.SUPPORTING,
        f"Same IP address {a.value} {apart}, {ports}: the address alone may be shared by many "
        "subscribers",
        (a, b),
        gap,
    )


def _ip_matches(refs: Sequence[IdentifierRef], window_us: int) -> list[Match]:
    """Timed IP rows of two accounts (two items) within the window of each other; two
    registrations are left to `_registration_matches`."""
    by_value: dict[str, list[IdentifierRef]] = defaultdict(list)
    for r in refs:
        if r.kind in _IP_KINDS and r.ts_utc_us is not None and r.value:
            by_value[r.value].append(r)
    out: list[Match] = []
    for rows in by_value.values():
        rows.sort(key=lambda r: (r.ts_utc_us or 0, r.id))
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if (b.ts_utc_us or 0) - (a.ts_utc_us or 0) > window_us:
                    break
                both_registered = a.kind == b.kind == "registration-ip"
                if a.account != b.account and a.item_id != b.item_id and not both_registered:
                    out.append(_ip_match(a, b))
    return out


def _registration_matches(refs: Sequence[IdentifierRef], timed: set[frozenset[int]]) -> list[Match]:
    """Two accounts registered from the same address (pairs matched in time excluded)."""
    by_value: dict[str, list[IdentifierRef]] = defaultdict(list)
    for r in refs:
        if r.kind == "registration-ip" and r.value:
            by_value[r.value].append(r)
    out: list[Match] = []
    for value, rows in by_value.items():
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if a.account == b.account or frozenset((a.id, b.id)) in timed:
                    continue
                gap = None
                if a.ts_utc_us is not None and b.ts_utc_us is not None:
                    gap = abs(a.ts_utc_us - b.ts_utc_us)
                when = f", {gap_text(gap)} apart" if gap is not None else ""
                out.append(
                    Match(
                        "registration-ip",
                        Strength.SUPPORTING,
                        f"Both accounts were registered from IP address {value}{when}",
                        (a, b),
                        gap,
                    )
                )
    return out


def _normal(kind: str, value: str) -> str:
    if kind in ("name", "username"):
        return " ".join(value.split()).casefold()
    return value.strip().casefold() if kind == "email" else value.strip()


def _shared_matches(refs: Sequence[IdentifierRef]) -> list[Match]:
    """Two accounts stating the same e-mail, phone, device, username or name."""
    first: dict[tuple[str, str], dict[str, IdentifierRef]] = defaultdict(dict)
    for r in refs:
        if r.kind in _SHARED and r.value.strip():
            first[(r.kind, _normal(r.kind, r.value))].setdefault(r.account, r)
    out: list[Match] = []
    for (kind, value), by_account in first.items():
        strength, what = _SHARED[kind]
        rows = list(by_account.values())
        if len(rows) > MAX_SHARING:
            log.info(
                "%s %r is stated for %d accounts: too common to link them", kind, value, len(rows)
            )
            continue
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if kind == "username" and platform_of(a.account) == platform_of(b.account):
                    continue
                shown = a.value if kind in ("name", "username") else value
                out.append(Match(kind, strength, f"{what}: {shown}", (a, b)))
    return out


def _linked_matches(refs: Sequence[IdentifierRef]) -> list[Match]:
    """A return's own statement that another account is linked to this one."""
    out: list[Match] = []
    for r in refs:
        other = r.value.strip().lower()
        if r.kind == "linked-account" and other and other != r.account:
            out.append(
                Match(
                    "linked-account",
                    Strength.STRONG,
                    f"{r.where} lists {other} as linked to {r.account}",
                    (r,),
                )
            )
    return out


def _pair(m: Match) -> tuple[str, str]:
    if m.signal == "linked-account":
        ref = m.refs[0]
        accounts = (ref.account, ref.value.strip().lower())
    else:
        accounts = (m.refs[0].account, m.refs[1].account)
    a, b = sorted(accounts)
    return a, b


def _signal_rank(signal: str) -> int:
    return _SIGNAL_ORDER.index(signal) if signal in _SIGNAL_ORDER else len(_SIGNAL_ORDER)


def _summary(signal: str, matches: Sequence[Match]) -> str:
    """One phrase for every match of one signal between two accounts."""
    best = min(matches, key=lambda m: (m.gap_us is None, m.gap_us or 0))
    if len(matches) == 1:
        return best.basis
    if signal in ("ip-port", "ip", "ip-other-port"):
        values = sorted(
            {m.refs[0].shown if signal == "ip-port" else m.refs[0].value for m in matches}
        )
        what, how = {
            "ip-port": ("Same IP address and port", ""),
            "ip": ("Same IP address", ", a port missing"),
            "ip-other-port": ("Same IP address", " with different ports"),
        }[signal]
        shown = ", ".join(values[:3]) + (" …" if len(values) > 3 else "")
        closest = gap_text(best.gap_us or 0)
        occasions = f"on {len(matches)} occasions, closest {closest} apart"
        if len(values) == 1:
            return f"{what} {shown} {occasions}{how}"
        return f"{what} {occasions}{how} ({shown})"
    return "; ".join(dict.fromkeys(m.basis for m in matches))


@dataclass(slots=True)
class _Found:
    matches: list[Match] = field(default_factory=list)


def find_links(
    refs: Sequence[IdentifierRef], window_minutes: float = DEFAULT_WINDOW_MINUTES
) -> dict[tuple[str, str], list[Match]]:
    """Every pair of accounts the identifiers connect, with the matches for each, strongest
    first (see the module docstring for the rules)."""
    if window_minutes < 0:
        raise EvidenceError("the time window cannot be negative")
    window_us = int(window_minutes * _MINUTE_US)
    ip = _ip_matches(refs, window_us)
    timed = {frozenset(r.id for r in m.refs) for m in ip}
    found: dict[tuple[str, str], _Found] = defaultdict(_Found)
    for m in (
        *ip,
        *_registration_matches(refs, timed),
        *_shared_matches(refs),
        *_linked_matches(refs),
    ):
        found[_pair(m)].matches.append(m)
    return {
        pair: sorted(
            f.matches,
            key=lambda m: (m.strength.rank, _signal_rank(m.signal), m.gap_us or 0, m.refs[0].id),
        )
        for pair, f in sorted(found.items())
    }


def link_strength(matches: Sequence[Match]) -> Strength:
    """The strength of a link: that of its strongest match."""
    return min((m.strength for m in matches), key=lambda s: s.rank, default=Strength.WEAK)


def link_basis(matches: Sequence[Match]) -> str:
    """The plain-English reason for a link: one phrase per kind of match, strongest first."""
    by_signal: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        by_signal[m.signal].append(m)
    ordered = sorted(
        by_signal.items(), key=lambda kv: (kv[1][0].strength.rank, _signal_rank(kv[0]))
    )
    return "; ".join(_summary(signal, ms) for signal, ms in ordered)


def _evidence(matches: Sequence[Match]) -> tuple[IdentifierRef, ...]:
    seen: dict[int, IdentifierRef] = {}
    for m in matches:
        for r in m.refs:
            seen.setdefault(r.id, r)
    return tuple(sorted(seen.values(), key=lambda r: (r.ts_utc_us is None, r.ts_utc_us or 0, r.id)))


# -- stored links ---------------------------------------------------------------------------


def _row(
    stored: AccountLink | None,
    pair: tuple[str, str],
    matches: Sequence[Match],
    refs_by_id: dict[int, IdentifierRef],
) -> LinkRow:
    evidence = _evidence(matches)
    if stored is None:
        return LinkRow(
            id=None,
            account_a=pair[0],
            account_b=pair[1],
            strength=link_strength(matches),
            basis=link_basis(matches),
            matches=tuple(matches),
            evidence=evidence,
            state=LinkState.PROPOSED,
        )
    state = LinkState(stored.state)
    kept = [int(i) for i in stored.evidence or []]
    new = 0
    if state != LinkState.PROPOSED:
        new = len({r.id for r in evidence} - set(kept))
        if not matches:
            evidence = tuple(refs_by_id[i] for i in kept if i in refs_by_id)
    return LinkRow(
        id=stored.id,
        account_a=stored.account_a,
        account_b=stored.account_b,
        strength=link_strength(matches) if matches else Strength(stored.strength),
        basis=link_basis(matches) if matches else stored.basis,
        matches=tuple(matches),
        evidence=evidence,
        state=state,
        note=stored.note or "",
        decided_by=stored.decided_by or "",
        decided_at_us=stored.decided_at_us,
        tag_ids=tuple(int(t) for t in stored.tag_ids or []),
        new_evidence=new,
    )


def _sort_key(link: LinkRow) -> tuple[int, int, int, str, str]:
    state = {LinkState.PROPOSED: 0, LinkState.ACCEPTED: 1, LinkState.REJECTED: 2}[link.state]
    return (state, link.strength.rank, link.id or 0, link.account_a, link.account_b)


def propose(case: Case, window_minutes: float = DEFAULT_WINDOW_MINUTES) -> list[LinkRow]:
    """Every link the case's identifiers suggest, merged with the decisions already taken.

    New links are stored as "proposed" (one audited write, only when something is new or a
    proposed link's evidence changed); a read-only case computes them without storing (their
    `id` is None). Decided links are listed whether or not they are still found; rejected
    ones are never proposed again. Order: proposed, accepted, rejected; strongest first.
    """
    with case.read() as s:
        refs = read_identifiers(s)
        stored = {(r.account_a, r.account_b): r for r in s.scalars(select(AccountLink))}
        found = find_links(refs, window_minutes)
        fresh = [p for p in found if p not in stored]
        changed = [
            p
            for p, row in stored.items()
            if row.state == LinkState.PROPOSED
            and p in found
            and (
                sorted(int(i) for i in row.evidence or []) != [r.id for r in _sorted_refs(found[p])]
            )
        ]
    if (fresh or changed) and not case.readonly:
        _store(case, found, fresh, changed, window_minutes)
        with case.read() as s:
            stored = {(r.account_a, r.account_b): r for r in s.scalars(select(AccountLink))}
    refs_by_id = {r.id: r for r in refs}
    rows = [_row(stored.get(pair), pair, matches, refs_by_id) for pair, matches in found.items()]
    rows += [
        _row(row, pair, [], refs_by_id)
        for pair, row in stored.items()
        if pair not in found and row.state != LinkState.PROPOSED
    ]
    return sorted(rows, key=_sort_key)


def _sorted_refs(matches: Sequence[Match]) -> list[IdentifierRef]:
    return sorted(_evidence(matches), key=lambda r: r.id)


def _store(
    case: Case,
    found: dict[tuple[str, str], list[Match]],
    fresh: list[tuple[str, str]],
    changed: list[tuple[str, str]],
    window_minutes: float,
) -> None:
    now = audit.now_us()
    with case.write() as s:
        current = {(r.account_a, r.account_b): r for r in s.scalars(select(AccountLink))}
        added: list[int] = []
        updated: list[int] = []
        ordered = sorted(fresh, key=lambda p: (link_strength(found[p]).rank, p))
        for pair in ordered:
            if pair in current:  # another window stored it meanwhile
                continue
            matches = found[pair]
            row = AccountLink(
                account_a=pair[0],
                account_b=pair[1],
                strength=link_strength(matches).value,
                basis=link_basis(matches),
                evidence=[r.id for r in _sorted_refs(matches)],
                state=LinkState.PROPOSED.value,
                note="",
                tag_ids=[],
                created_at_us=now,
                decided_at_us=None,
                decided_by="",
            )
            s.add(row)
            s.flush()
            added.append(row.id)
        for pair in changed:
            kept = current.get(pair)
            if kept is None or kept.state != LinkState.PROPOSED:
                continue
            matches = found[pair]
            kept.strength = link_strength(matches).value
            kept.basis = link_basis(matches)
            kept.evidence = [r.id for r in _sorted_refs(matches)]
            updated.append(kept.id)
        if added or updated:
            case.audit(
                s,
                "attribution.propose",
                {"window_minutes": window_minutes, "added": added, "updated": updated},
            )


def link(case: Case, link_id: int, window_minutes: float = DEFAULT_WINDOW_MINUTES) -> LinkRow:
    """One stored link with its evidence as found now; EvidenceError when there is none."""
    for row in propose(case, window_minutes):
        if row.id == link_id:
            return row
    raise EvidenceError(f"there is no link {link_id} on this case (see `attribution`)")
