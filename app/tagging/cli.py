"""Command-line commands of the offence tagger: offences, charges, tags, coverage, suggestions."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from app.cli import EXIT_OK, CliError, open_case
from app.tagging.library import Offence
from app.tagging.model import ChargeRow


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CliError(f"not a date: {text!r} (use YYYY-MM-DD)") from exc


def _offence_json(o: Offence) -> dict[str, Any]:
    return {
        "id": o.id,
        "name": o.name,
        "short_name": o.short_name,
        "statute": o.statute,
        "section": o.section,
        "mode_of_trial": o.mode_of_trial,
        "max_penalty": o.max_penalty,
        "in_force_from": o.in_force_from.isoformat() if o.in_force_from else None,
        "repealed_from": o.repealed_from.isoformat() if o.repealed_from else None,
        "unverified": o.unverified,
        "custom": o.custom,
        "elements": [
            {
                "id": e.id,
                "text": e.text,
                "course_of_conduct": e.course_of_conduct,
                "identity": e.identity,
                "unverified": e.unverified,
            }
            for e in o.elements
        ],
    }


def cmd_offences(args: argparse.Namespace) -> int:
    from app.tagging.library import load_library
    from app.tagging.store import offences

    if args.case:
        with open_case(args.case, readonly=True) as case:
            found = offences(case)
    else:
        found = list(load_library().offences)
    if args.json:
        for o in found:
            print(json.dumps(_offence_json(o), ensure_ascii=False))
        return EXIT_OK
    for o in found:
        marks = " [UNVERIFIED]" if o.unverified else ""
        marks += " [user-defined]" if o.custom else ""
        print(f"{o.id}  {o.short_name}  ({o.section}, {o.statute}){marks}")
        for e in o.elements:
            flags = " [course of conduct]" if e.course_of_conduct else ""
            flags += " [unverified]" if e.unverified else ""
            print(f"    {e.id}  {e.text}{flags}")
    return EXIT_OK


def _charge_line(c: ChargeRow) -> str:
    note = f"  ({c.note})" if c.note else ""
    return f"{c.id:>4}  {c.offence.id}  {c.offence.short_name}  {c.from_date} to {c.to_date}{note}"


def _charge_json(c: ChargeRow) -> dict[str, Any]:
    return {
        "id": c.id,
        "offence_id": c.offence.id,
        "offence": c.offence.short_name,
        "from": c.from_date.isoformat(),
        "to": c.to_date.isoformat(),
        "note": c.note,
        "warnings": list(c.warnings),
    }


def cmd_charge(args: argparse.Namespace) -> int:
    from app.tagging.ops import AddCharge
    from app.tagging.store import charge

    with open_case(args.case) as case:
        op = AddCharge(args.offence, _day(args.date_from), _day(args.date_to), args.note)
        op.apply(case)
        row = charge(case, op.charge_id)
    print(f"charge {row.id}: {row.offence.short_name}, {row.from_date} to {row.to_date}")
    for w in row.warnings:
        print(f"warning: {w}")
    return EXIT_OK


def cmd_charges(args: argparse.Namespace) -> int:
    from app.tagging.store import charges

    with open_case(args.case, readonly=True) as case:
        rows = charges(case)
    if args.json:
        for c in rows:
            print(json.dumps(_charge_json(c), ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print("no charges on this case")
    for c in rows:
        print(_charge_line(c))
        for w in c.warnings:
            print(f"      warning: {w}")
    return EXIT_OK


def cmd_uncharge(args: argparse.Namespace) -> int:
    from app.tagging.ops import RemoveCharge

    with open_case(args.case) as case:
        op = RemoveCharge(args.charge_id)
        op.apply(case)
    print(f"removed charge {args.charge_id} and its {op.tag_count} tags")
    return EXIT_OK


def _split_ids(values: list[str]) -> tuple[tuple[int, ...], str]:
    *items, element = values
    if not items:
        raise CliError("name at least one item id and then an element id")
    try:
        return tuple(int(v) for v in items), element
    except ValueError as exc:
        raise CliError(f"item ids are numbers: {exc}") from exc


def cmd_tag(args: argparse.Namespace) -> int:
    from app.tagging.ops import TagItems
    from app.tagging.store import resolve_element

    items, element = _split_ids(args.ids)
    with open_case(args.case) as case:
        charge_id, element_id = resolve_element(case, element, args.charge)
        op = TagItems(items, charge_id, element_id, note=args.note)
        op.apply(case)
    skipped = len(set(items)) - len(op.added)
    extra = f" ({skipped} already tagged)" if skipped else ""
    print(f"tagged {len(op.added)} items for {element_id} of charge {charge_id}{extra}")
    return EXIT_OK


def cmd_untag(args: argparse.Namespace) -> int:
    from app.tagging.ops import UntagItems
    from app.tagging.store import resolve_element

    items, element = _split_ids(args.ids)
    with open_case(args.case) as case:
        charge_id, element_id = resolve_element(case, element, args.charge)
        op = UntagItems(items, charge_id, element_id)
        op.apply(case)
    print(f"removed {op.tag_count} tags for {element_id} of charge {charge_id}")
    return EXIT_OK


def cmd_coverage(args: argparse.Namespace) -> int:
    from app.tagging.coverage import (
        coverage,
        local_time,
        write_coverage_csv,
        write_coverage_pdf,
        write_evidence_csv,
    )

    with open_case(args.case, readonly=True) as case:
        cov = coverage(case, args.zone, redaction_set=args.redaction_set)
        if args.pdf:
            write_coverage_pdf(case, cov, args.pdf)
            print(f"wrote {args.pdf}", file=sys.stderr)
    if args.csv:
        (write_evidence_csv if args.evidence else write_coverage_csv)(cov, sys.stdout)
        return EXIT_OK
    if args.pdf:
        return EXIT_OK
    if not cov.charges:
        print("no charges on this case")
    for ch in cov.charges:
        print(f"charge {ch.id}: {ch.offence.short_name}, {ch.from_date} to {ch.to_date}")
        for w in ch.warnings:
            print(f"  warning: {w}")
        for r in cov.for_charge(ch.id):
            occ = f"  occasions {r.occasions}" if r.element.course_of_conduct else ""
            span = ""
            if r.first_us is not None and r.last_us is not None:
                first = local_time(r.first_us, cov.display_zone)
                span = f"  {first} – {local_time(r.last_us, cov.display_zone)}"
            state = f"  GAP: {r.gap}" if r.gap else ""
            flag = f"  ({r.flag})" if r.flag else ""
            print(f"  {r.element.id:<22} items {r.items}{occ}{span}{state}{flag}")
            if args.evidence:
                for e in r.evidence:
                    out = "  [outside the charge dates]" if e.outside else ""
                    print(f"      item {e.item_id}  {e.time or 'no time'}  {e.quote}{out}")
    return EXIT_OK


def cmd_suggest(args: argparse.Namespace) -> int:
    from app.tagging.suggest import (
        AcceptSuggestions,
        set_suggestions_enabled,
        suggestions,
        suggestions_enabled,
    )

    with open_case(args.case, readonly=not (args.switch or args.accept_all)) as case:
        if args.switch:
            set_suggestions_enabled(case, args.switch == "on")
            print(f"suggestions are {args.switch} for this case")
            return EXIT_OK
        if not suggestions_enabled(case):
            raise CliError(
                "suggestions are off for this case; turn them on with `suggest CASE --on`"
            )
        found = suggestions(case, args.charge)
        for sug in found:
            if args.json:
                print(
                    json.dumps(
                        {
                            "item_id": sug.item_id,
                            "charge_id": sug.charge_id,
                            "element_id": sug.element_id,
                            "rule": sug.rule,
                            "excerpt": sug.excerpt,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                print(
                    f"suggest item {sug.item_id} for {sug.element_id} of charge "
                    f"{sug.charge_id} ({sug.rule_label}): {sug.excerpt}"
                )
        if args.accept_all and found:
            AcceptSuggestions(tuple(found)).apply(case)
            print(f"accepted {len(found)} suggestions", file=sys.stderr)
    if not found:
        print("no suggestions", file=sys.stderr)
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this package's commands to `python main.py`."""
    p = sub.add_parser("offences", help="list the offence library (and a case's own offences)")
    p.add_argument("case", nargs="?", help="also list this case's user-defined offences")
    p.add_argument("--json", action="store_true", help="one JSON object per offence")
    p.set_defaults(func=cmd_offences)

    p = sub.add_parser("charge", help="add a charge: an offence over the dates of the conduct")
    p.add_argument("case")
    p.add_argument("offence", metavar="OFFENCE_ID")
    p.add_argument("--from", dest="date_from", required=True, help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", required=True, help="last day, inclusive")
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_charge)

    p = sub.add_parser("charges", help="list the charges of a case, with law-change warnings")
    p.add_argument("case")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_charges)

    p = sub.add_parser("uncharge", help="remove a charge and its tags")
    p.add_argument("case")
    p.add_argument("charge_id", type=int, metavar="CHARGE_ID")
    p.set_defaults(func=cmd_uncharge)

    for name, func, what in (
        ("tag", cmd_tag, "tag items as evidence of an element of a charge"),
        ("untag", cmd_untag, "remove the tags of items for an element of a charge"),
    ):
        p = sub.add_parser(name, help=what)
        p.add_argument("case")
        p.add_argument(
            "ids",
            nargs="+",
            metavar="ITEM_ID... ELEMENT_ID",
            help="item ids, then the element id (or CHARGE_ID:ELEMENT_ID)",
        )
        p.add_argument("--charge", type=int, help="the charge (needed when several fit)")
        if name == "tag":
            p.add_argument("--note", default="")
        p.set_defaults(func=func)

    p = sub.add_parser("coverage", help="the evidence matrix: charges x elements, with gaps")
    p.add_argument("case")
    p.add_argument("--csv", action="store_true", help="the matrix as CSV on stdout")
    p.add_argument(
        "--evidence", action="store_true", help="list the items of each element (with --csv: CSV)"
    )
    p.add_argument("--pdf", metavar="FILE", help="write the matrix and evidence list as a PDF")
    p.add_argument("--zone", help="display zone for times (default: the case's)")
    p.add_argument(
        "--redaction-set",
        metavar="NAME",
        help="redact quotations with this set's approved redactions",
    )
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("suggest", help="suggested tags from the rules (off unless turned on)")
    p.add_argument("case")
    switch = p.add_mutually_exclusive_group()
    switch.add_argument("--on", dest="switch", action="store_const", const="on")
    switch.add_argument("--off", dest="switch", action="store_const", const="off")
    p.add_argument("--accept-all", action="store_true", help="accept every suggestion shown")
    p.add_argument("--charge", type=int, action="append", help="only this charge")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_suggest)
