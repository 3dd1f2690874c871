"""Command-line commands of the attribution view: accounts, proposed links, decisions."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.attribution.model import AccountRow, IdentifierRef, LinkRow, Match
from app.case import Case
from app.cli import EXIT_OK, CliError, open_case
from app.timeline.clock import iso_utc, us_to_utc, zone


def _local(us: int | None, zone_name: str) -> str:
    if us is None:
        return "no time"
    local = us_to_utc(us).astimezone(zone(zone_name)).strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"{local} ({us_to_utc(us):%H:%M:%S} UTC)"


def _account_json(a: AccountRow) -> dict[str, Any]:
    return {
        "account": a.key,
        "platform": a.platform,
        "names": list(a.names),
        "usernames": list(a.usernames),
        "emails": list(a.emails),
        "phones": list(a.phones),
        "devices": list(a.devices),
        "sources": list(a.sources),
        "items": a.items,
        "logins": a.logins,
        "first": iso_utc(a.first_us) if a.first_us is not None else None,
        "last": iso_utc(a.last_us) if a.last_us is not None else None,
        "person_id": a.person_id,
        "person": a.person_name,
        "person_via": a.person_via,
        "stated_only": a.stated_only,
    }


def cmd_accounts(args: argparse.Namespace) -> int:
    from app.attribution.accounts import accounts

    with open_case(args.case, readonly=True) as case:
        rows = accounts(case)
        zone_name = case.zone
    if args.json:
        for a in rows:
            print(json.dumps(_account_json(a), ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print("no accounts: import a platform return or a phone extraction first")
    for a in rows:
        seen = ", ".join(
            x for x in (*a.usernames[:2], *a.names[:2], *a.emails[:2], *a.phones[:2]) if x
        )
        person = f"  → {a.person_name} ({a.person_via})" if a.person_id else ""
        only = "  [only named as a linked account]" if a.stated_only else ""
        print(f"{a.key}  {seen or '(nothing stated)'}{person}{only}")
        where = "; ".join(a.sources) or "—"
        span = ""
        if a.first_us is not None:
            span = f", {_local(a.first_us, zone_name)} – {_local(a.last_us, zone_name)}"
        print(f"    {a.items} items ({a.logins} logins) in {where}{span}")
    return EXIT_OK


def _ref_json(r: IdentifierRef) -> dict[str, Any]:
    return {
        "identifier_id": r.id,
        "item_id": r.item_id,
        "account": r.account,
        "kind": r.kind,
        "value": r.value,
        "port": r.port,
        "raw": r.raw,
        "time_utc": iso_utc(r.ts_utc_us) if r.ts_utc_us is not None else None,
        "source_id": r.source_id,
        "source": r.where,
        "importer": r.importer,
        "locator": r.locator,
        "record": r.record,
    }


def _match_json(m: Match) -> dict[str, Any]:
    return {
        "signal": m.signal,
        "strength": m.strength.value,
        "basis": m.basis,
        "gap_seconds": None if m.gap_us is None else m.gap_us / 1_000_000,
        "identifiers": [r.id for r in m.refs],
    }


def _link_json(link: LinkRow) -> dict[str, Any]:
    return {
        "id": link.id,
        "accounts": [link.account_a, link.account_b],
        "state": link.state.value,
        "strength": link.strength.value,
        "basis": link.basis,
        "matches": [_match_json(m) for m in link.matches],
        "evidence": [_ref_json(r) for r in link.evidence],
        "note": link.note,
        "decided_by": link.decided_by,
        "decided": iso_utc(link.decided_at_us) if link.decided_at_us else None,
        "tags": list(link.tag_ids),
        "new_evidence": link.new_evidence,
    }


def _ref_line(r: IdentifierRef, zone_name: str) -> str:
    raw = f"  raw {r.raw!r}" if r.raw and r.raw != r.shown else ""
    record = f" {r.record}" if r.record else ""
    return (
        f"      {_local(r.ts_utc_us, zone_name)}  {r.account}  {r.kind} {r.shown}{raw}  "
        f"[{r.where}, {r.locator}{record}, item {r.item_id}]"
    )


def cmd_attribution(args: argparse.Namespace) -> int:
    from app.attribution.accounts import identity_coverage
    from app.attribution.propose import propose

    with open_case(args.case, or_read_only=True) as case:
        links = propose(case, args.window)
        zone_name = case.zone
        identity = identity_coverage(case)
        readonly = case.readonly
    if args.json:
        for lk in links:
            print(json.dumps(_link_json(lk), ensure_ascii=False))
        return EXIT_OK
    hidden = 0 if args.all else sum(1 for lk in links if lk.state == "rejected")
    if hidden:
        links = [lk for lk in links if lk.state != "rejected"]
    if readonly:
        print("(the case is open elsewhere: links are shown, not stored; no ids to decide on)")
    if not links:
        print(f"no links proposed (window {args.window:g} min)")
    for lk in links:
        ident = f"#{lk.id}" if lk.id is not None else "#—"
        decided = f" by {lk.decided_by}" if lk.decided_by else ""
        print(
            f"{ident:>5}  {lk.state.value}{decided}  {lk.strength.value}  "
            f"{lk.account_a} ↔ {lk.account_b}"
        )
        print(f"       {lk.basis}")
        if lk.note:
            print(f"       note: {lk.note}")
        if lk.new_evidence:
            print(f"       {lk.new_evidence} identifier rows found since the decision")
        for r in lk.evidence:
            print(_ref_line(r, zone_name))
    if hidden:
        print(f"({hidden} rejected links not shown: --all lists them)")
    for c in identity:
        state = f"GAP: {c.gap}" if c.gap else f"{c.items} items"
        print(f"identity of charge {c.charge_id} ({c.charge}): {state}")
    return EXIT_OK


def cmd_attribute(args: argparse.Namespace) -> int:
    from app.attribution.accounts import identity_coverage
    from app.attribution.ops import AcceptLink, RejectLink

    charges = tuple(args.charge) if args.charge else None
    with open_case(args.case) as case:
        before = {c.charge_id: c for c in identity_coverage(case)}
        if args.accept:
            accept = AcceptLink(args.link_id, charges, note=args.note)
            accept.apply(case)
            print(f"accepted link {args.link_id}: {len(accept.tag_ids)} identity tags added")
        else:
            if charges:
                raise CliError("--charge goes with --accept")
            reject = RejectLink(args.link_id, note=args.note)
            reject.apply(case)
            print(f"rejected link {args.link_id}: it will not be proposed again")
        for c in identity_coverage(case):
            was = before.get(c.charge_id)
            if was is not None and (was.items, was.gap) != (c.items, c.gap):
                old = f"gap ({was.gap})" if was.gap else f"{was.items} items"
                new = f"gap ({c.gap})" if c.gap else f"{c.items} items"
                print(f"identity of charge {c.charge_id} ({c.charge}): {old} → {new}")
    return EXIT_OK


def cmd_attribute_account(args: argparse.Namespace) -> int:
    from app.attribution.ops import AttributeAccount

    charges = tuple(args.charge) if args.charge else None
    with open_case(args.case) as case:
        if args.detach:
            op = AttributeAccount(args.account, note=args.note)
        else:
            person_id, name = _person(case, args.person)
            op = AttributeAccount(
                args.account, person_id, name, charges, note=args.note, tag=not args.no_tags
            )
        op.apply(case)
    if args.detach:
        print(f"{args.account} is attributed to nobody now")
    else:
        print(f"{args.account} attributed to person {op.person}")
    return EXIT_OK


def _person(case: Case, wanted: str) -> tuple[int | None, str]:
    """(person id, "") for an existing person named by id or name, else (None, the name)."""
    from app.attribution.accounts import persons

    known = {p.person_id: p.name for p in persons(case)}
    if wanted.isdigit() and int(wanted) in known:
        return int(wanted), ""
    found = [pid for pid, name in known.items() if name.casefold() == wanted.casefold()]
    if len(found) > 1:
        raise CliError(f"several persons are called {wanted!r}: use the id")
    return (found[0], "") if found else (None, wanted)


def add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this package's commands to `python main.py`."""
    p = sub.add_parser("accounts", help="accounts named by returns and extractions")
    p.add_argument("case")
    p.add_argument("--json", action="store_true", help="one JSON object per account")
    p.set_defaults(func=cmd_accounts)

    p = sub.add_parser(
        "attribution", help="links between accounts the evidence suggests, with the evidence"
    )
    p.add_argument("case")
    p.add_argument(
        "--window", type=float, default=10.0, metavar="MIN", help="minutes between logins (10)"
    )
    p.add_argument("--all", action="store_true", help="also list rejected links")
    p.add_argument("--json", action="store_true", help="one JSON object per link (all states)")
    p.set_defaults(func=cmd_attribution)

    p = sub.add_parser("attribute", help="accept or reject a proposed link (see `attribution`)")
    p.add_argument("case")
    p.add_argument("link_id", type=int, metavar="LINK_ID")
    decision = p.add_mutually_exclusive_group(required=True)
    decision.add_argument("--accept", action="store_true")
    decision.add_argument("--reject", action="store_true")
    p.add_argument(
        "--charge",
        type=int,
        action="append",
        metavar="ID",
        help="tag the evidence to this charge's identity element (default: every charge)",
    )
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_attribute)

    p = sub.add_parser("attribute-account", help="attribute an account to a person")
    p.add_argument("case")
    p.add_argument("account", metavar="ACCOUNT", help='an account key, e.g. "instagram:1784…"')
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--person", help="a person's id or name (a new person when unknown)")
    who.add_argument("--detach", action="store_true", help="attribute it to nobody")
    p.add_argument("--charge", type=int, action="append", metavar="ID")
    p.add_argument("--no-tags", action="store_true", help="do not tag its subscriber records")
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_attribute_account)
