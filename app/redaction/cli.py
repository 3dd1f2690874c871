"""Command-line commands of redaction: redact, redactions, review, protect."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

from app.case import Case
from app.cli import open_case
from app.redaction.model import RedactionError, RedactionRow, RedactionState
from app.timeline.clock import iso_utc

EXIT_OK = 0


def _out(line: str) -> None:
    """Print one line of a command's output."""
    sys.stdout.write(line + "\n")


def add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this package's commands to `python main.py`."""
    from app.redaction.store import DEFAULT_SET

    p = sub.add_parser(
        "redact",
        help="propose (or approve) a redaction at every hit of a term, pattern, PII or name",
        description="Search the whole case (message and email text, email headers, PDF text, "
        "OCR words) and propose a redaction at every hit not already redacted in the set.",
    )
    p.add_argument("case")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--find", metavar="TEXT", help="a word or phrase (any case)")
    what.add_argument("--regex", metavar="RE", help="a regular expression (any case)")
    what.add_argument(
        "--pii", metavar="KIND", action="append", help="a kind of personal data (repeatable)"
    )
    what.add_argument(
        "--protected",
        metavar="NAME",
        nargs="+",
        help="protect these spellings of one name (the first is its label) and redact them",
    )
    p.add_argument("--reason", required=True, metavar="CODE", help="reason code, e.g. TP")
    p.add_argument("--set", default=DEFAULT_SET, help=f'redaction set (default "{DEFAULT_SET}")')
    p.add_argument("--whole-words", action="store_true", help="match whole words only")
    p.add_argument("--approve", action="store_true", help="approve them at once")
    p.add_argument("--note", default="", help="a note on every redaction made")
    p.set_defaults(func=cmd_redact)

    p = sub.add_parser("redactions", help="list the redactions of a case")
    p.add_argument("case")
    p.add_argument("--set", help="only this redaction set")
    p.add_argument(
        "--state", action="append", choices=[s.value for s in RedactionState], help="repeatable"
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", action="store_true", help="the redaction log as CSV")
    out.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_redactions)

    p = sub.add_parser(
        "review",
        help="approve or reject redactions",
        description="review CASE (--approve | --reject) (ID... | --all-proposed [--set NAME])",
    )
    p.add_argument("case")
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--approve", nargs="*", type=int, metavar="ID", help="approve these")
    verdict.add_argument("--reject", nargs="*", type=int, metavar="ID", help="reject these")
    p.add_argument("--all-proposed", action="store_true", help="every proposed redaction")
    p.add_argument("--set", help="with --all-proposed: only this set")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("protect", help="mark a name, number or address as protected")
    p.add_argument("case")
    p.add_argument("label", help='what it is, e.g. "Child\'s name"')
    p.add_argument("spellings", nargs="+", metavar="SPELLING", help="every spelling to find")
    p.add_argument("--reason", required=True, metavar="CODE", help="reason code, e.g. CHILD")
    p.set_defaults(func=cmd_protect)


def cmd_redact(args: argparse.Namespace) -> int:
    """Find hits across the case and store them as redactions of the set."""
    from app.redaction.find import FindQuery, count_by_kind, find_hits
    from app.redaction.ops import DEFAULT_TERM_LABEL, AddRedactions
    from app.redaction.store import check_reason

    check_reason(args.reason)
    with open_case(args.case) as case:
        if args.protected:
            term_id = _protect(case, DEFAULT_TERM_LABEL, tuple(args.protected), args.reason)
            query = FindQuery(protected=True, protected_ids=(term_id,))
        else:
            query = FindQuery(
                text=args.find or "",
                regex=args.regex or "",
                pii=tuple(args.pii or ()),
                whole_words=args.whole_words,
            )
        drafts = find_hits(case, query, args.reason, set_name=args.set)
        if args.note:
            drafts = [replace(d, note=args.note) for d in drafts]
        if drafts:
            AddRedactions(args.set, tuple(drafts), approve=args.approve).apply(case)
        by_kind = count_by_kind(case, drafts)
    state = "approved" if args.approve else "proposed"
    if not drafts:
        _out(f'no new hits: nothing to redact in set "{args.set}"')
        return EXIT_OK
    detail = ", ".join(f"{n} {kind}" for kind, n in by_kind.items())
    _out(f'{state} {len(drafts)} redaction(s) in set "{args.set}": {detail}')
    return EXIT_OK


def _protect(case: Case, label: str, spellings: tuple[str, ...], reason: str) -> int:
    """The id of a protected term with this label and spellings, registering it if new."""
    from app.redaction.ops import AddProtectedTerm, clean_spellings
    from app.redaction.store import protected_terms

    wanted = {s.casefold() for s in clean_spellings(spellings)}
    for term in protected_terms(case):
        if term.label == label and {s.casefold() for s in term.spellings} == wanted:
            return term.id
    op = AddProtectedTerm(term_label=label, spellings=spellings, reason=reason)
    op.apply(case)
    assert op.id is not None
    return op.id


def cmd_redactions(args: argparse.Namespace) -> int:
    """List redactions as a table, CSV or JSON lines."""
    from app.redaction.store import list_redactions, write_redactions_csv

    with open_case(args.case, readonly=True) as case:
        rows = list_redactions(case, set_name=args.set, states=args.state)
    if args.csv:
        write_redactions_csv(rows, sys.stdout)
    elif args.json:
        for r in rows:
            _out(json.dumps(redaction_json(r), ensure_ascii=False))
    else:
        for r in rows:
            who = r.reviewed_by or r.created_by
            when = iso_utc(r.reviewed_at_us if r.reviewed_at_us is not None else r.created_at_us)
            _out(
                f"{r.id:>5}  {r.state.value:<8} {r.reason:<8} item {r.item_id:<6} "
                f"{r.kind.value:<6} {r.where:<26} {json.dumps(r.quote, ensure_ascii=False)}  "
                f"[{r.set_name}] {who} {when}"
            )
        if not rows:
            _out("no redactions")
    return EXIT_OK


def redaction_json(r: RedactionRow) -> dict[str, Any]:
    """A redaction as a JSON object for scripts."""
    return {
        "id": r.id,
        "set": r.set_name,
        "item_id": r.item_id,
        "kind": r.kind.value,
        "target": r.target,
        "page": r.page,
        "box": list(r.box) if r.box is not None else None,
        "start": r.start,
        "end": r.end,
        "quote": r.quote,
        "reason": r.reason,
        "note": r.note,
        "origin": r.origin,
        "state": r.state.value,
        "created_by": r.created_by,
        "created_at": iso_utc(r.created_at_us),
        "reviewed_by": r.reviewed_by,
        "reviewed_at": iso_utc(r.reviewed_at_us) if r.reviewed_at_us is not None else None,
    }


def cmd_review(args: argparse.Namespace) -> int:
    """Approve or reject redactions by id, or every proposed one (of a set)."""
    from app.redaction.ops import ReviewRedactions
    from app.redaction.store import list_redactions

    approve = args.approve is not None
    given: list[int] = args.approve if approve else args.reject
    if bool(given) == bool(args.all_proposed):
        raise RedactionError("give redaction ids or --all-proposed (not both)")
    if args.set and not args.all_proposed:
        raise RedactionError("--set goes with --all-proposed")
    state = RedactionState.APPROVED if approve else RedactionState.REJECTED
    with open_case(args.case) as case:
        if args.all_proposed:
            ids = tuple(r.id for r in list_redactions(case, args.set, states=["proposed"]))
        else:
            ids = tuple(dict.fromkeys(given))
        if ids:
            ReviewRedactions(ids, state).apply(case)
    _out(f"{state.value} {len(ids)} redaction(s)" if ids else "no proposed redactions")
    return EXIT_OK


def cmd_protect(args: argparse.Namespace) -> int:
    """Register a protected term (redact it with `redact --protected` or in the window)."""
    from app.redaction.ops import AddProtectedTerm

    with open_case(args.case) as case:
        op = AddProtectedTerm(
            term_label=args.label, spellings=tuple(args.spellings), reason=args.reason
        )
        op.apply(case)
    _out(f'protected term {op.id} "{args.label}": {len(args.spellings)} spelling(s)')
    return EXIT_OK
