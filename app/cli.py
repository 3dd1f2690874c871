"""The command line: every core action, headless. `main(argv)` returns the exit code."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from app import __version__
from app.case import Case, case_folder, find_case, needs_passphrase
from app.errors import CaseLocked, EvidenceError, NeedsDecision, PassphraseRequired
from app.jobs import Progress
from app.model import TimelineRow
from app.timeline.activity import (
    WEEKDAYS,
    DayCount,
    HeatMap,
    activity_per_day,
    heat_map,
    write_activity_csv,
    write_heat_map_csv,
)
from app.timeline.clock import aware_to_us, iso_utc, local_to_us, us_to_utc, zone
from app.timeline.query import TimelineFilter

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTEGRITY = 3

PASSPHRASE_ENV = "THREADLINE_PASSPHRASE"
"""The passphrase of an encrypted case, for scripts (else it is asked at a prompt)."""
NEW_PASSPHRASE_ENV = "THREADLINE_NEW_PASSPHRASE"
"""The new passphrase for `passphrase CASE`, for scripts."""


class CliError(EvidenceError):
    """A mistake in what the user asked for, reported as one line."""


def _err(message: str) -> None:
    print(f"threadline: {message}", file=sys.stderr)


def _terminal_progress(p: Progress) -> None:
    if p.total:
        line = f"\r[{p.done}/{p.total}] {p.message}"[:100]
        print(f"{line:<100}", end="", file=sys.stderr, flush=True)


def _progress_for_tty() -> Callable[[Progress], None] | None:
    return _terminal_progress if sys.stderr.isatty() else None


def _end_progress() -> None:
    if sys.stderr.isatty():
        print("\r" + " " * 100 + "\r", end="", file=sys.stderr, flush=True)


def _date(text: str, zone_name: str) -> int:
    """A date or date-time typed by the user, in the case zone, as UTC microseconds."""
    try:
        naive = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CliError(f"not a date: {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from exc
    if naive.tzinfo is not None:
        return aware_to_us(naive)
    return local_to_us(naive, zone_name)[0]


def _local(us: int, zone_name: str) -> str:
    return us_to_utc(us).astimezone(zone(zone_name)).strftime("%Y-%m-%d %H:%M:%S %Z")


def _prompt(prompt: str) -> str:
    """Ask for a secret at the terminal, without echo (tests replace this)."""
    return getpass.getpass(prompt)


def ask_passphrase(
    case_name: str, prompt: str, env: str = PASSPHRASE_ENV, *, confirm: bool = False
) -> str:
    """A passphrase from the environment variable `env`, else typed at a prompt (twice
    when `confirm`); with neither a variable nor a terminal, a clear refusal."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise PassphraseRequired(
            f"case {case_name} is encrypted: a passphrase is needed "
            f"(type it at a terminal, or set {env})"
        )
    first = _prompt(prompt)
    if confirm and _prompt("The same again, to be sure: ") != first:
        raise CliError("the two passphrases typed differ: nothing was changed")
    return first


def open_case(path: str, *, readonly: bool = False, or_read_only: bool = False) -> Case:
    """Open the case every command names, asking for its passphrase when it is encrypted
    (or reading THREADLINE_PASSPHRASE). With `or_read_only`, a case held open for writing
    elsewhere is opened read-only instead (the passphrase asked once)."""
    passphrase = None
    if needs_passphrase(path):
        name = find_case(path).name.removesuffix(".threadline")
        passphrase = ask_passphrase(name, f"Passphrase of case {name}: ")
    try:
        return Case.open(path, readonly=readonly, passphrase=passphrase)
    except CaseLocked:
        if not or_read_only or readonly:
            raise
        return Case.open(path, readonly=True, passphrase=passphrase)


# -- commands ----------------------------------------------------------------------------


def cmd_new(args: argparse.Namespace) -> int:
    passphrase = None
    if args.encrypt:
        name = case_folder(args.case).name.removesuffix(".threadline")
        passphrase = ask_passphrase(name, f"New passphrase for case {name}: ", confirm=True)
    with Case.create(args.case, zone_name=args.zone, passphrase=passphrase) as case:
        sealed = ", encrypted" if case.encrypted else ""
        print(f"created case {case.name} at {case.folder} (zone {case.zone}{sealed})")
    if case.encrypted:
        print(
            "keep the passphrase safe: without it nobody can open this case, "
            "and Threadline cannot recover it"
        )
    return EXIT_OK


def cmd_passphrase(args: argparse.Namespace) -> int:
    if not needs_passphrase(args.case):
        raise CliError(
            f"case {args.case} is not encrypted: only a case created with --encrypt has a "
            "passphrase"
        )
    name = find_case(args.case).name.removesuffix(".threadline")
    old = ask_passphrase(name, f"Current passphrase of case {name}: ")
    with Case.open(args.case, passphrase=old) as case:
        new = ask_passphrase(
            name, f"New passphrase for case {name}: ", NEW_PASSPHRASE_ENV, confirm=True
        )
        case.change_passphrase(old, new)
    print(f"the passphrase of case {name} is changed: the old one no longer opens it")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from app.importers.base import ImportOptions
    from app.ingest.job import import_paths

    with open_case(args.case) as case:
        options = ImportOptions(
            zone=args.zone or case.zone,
            date_order=args.date_order or "",
            password=args.password,
            signing_keys=tuple(args.keys),
        )
        zone(options.zone)
        if missing := [k for k in args.keys if not os.path.isfile(k)]:
            raise CliError(f"key file not found: {', '.join(missing)}")
        try:
            report = import_paths(case, args.paths, options=options, progress=_progress_for_tty())
        finally:
            _end_progress()
        if args.json:
            for f in report.files:
                print(json.dumps(_file_json(f), ensure_ascii=False))
        else:
            for f in report.files:
                print(_file_line(f, case.zone))
            print(
                f"{report.count('imported')} imported, {report.count('duplicate')} duplicate, "
                f"{report.count('failed')} failed"
                + (f", {report.count('cancelled')} cancelled" if report.cancelled else "")
            )
        for f in report.files:
            if f.status == "failed":
                _err(f"{f.path}: {f.reason}")
        if not args.no_ocr:
            from app.ocr import pending

            sources = [f.source_id for f in report.files if f.status == "imported" and f.source_id]
            if ids := pending(case, sources=sources):
                _run_ocr(case, ids, file=sys.stderr if args.json else sys.stdout)
    return EXIT_ERROR if report.count("failed") else EXIT_OK


def cmd_ocr(args: argparse.Namespace) -> int:
    from app.ocr import SETTING, ocr_enabled, set_setting

    with open_case(args.case) as case:
        if args.switch:
            set_setting(case, SETTING, args.switch)
            print(f"OCR is {args.switch} for case {case.name}")
        elif not ocr_enabled(case):
            print(f"OCR is off for case {case.name}: turn it on with `ocr {args.case} --on`")
        else:
            _run_ocr(case, None, file=sys.stdout)
    return EXIT_OK


def _run_ocr(case: Case, item_ids: list[int] | None, file: Any) -> None:
    """Read text in images and scanned pages, then one summary line and a line per failure."""
    from app.ocr import run_ocr

    try:
        r = run_ocr(case, item_ids=item_ids, progress=_progress_for_tty())
    finally:
        _end_progress()
    stopped = " (cancelled)" if r.cancelled else ""
    print(f"OCR: {r.items} items, {r.words} words, {r.seconds:.1f} s{stopped}", file=file)
    for failure in r.failures:
        print(f"    warning: {failure.name}: {failure.reason}", file=file)


def _file_json(f: Any) -> dict[str, Any]:
    return {
        "path": f.path,
        "status": f.status,
        "importer": f.importer,
        "source_id": f.source_id,
        "items": f.items,
        "matched": f.matched,
        "participants": f.participants,
        "first": iso_utc(f.first_us) if f.first_us is not None else None,
        "last": iso_utc(f.last_us) if f.last_us is not None else None,
        "warnings": f.warnings,
        "decisions": f.decisions,
        "reason": f.reason,
    }


def _file_line(f: Any, zone_name: str) -> str:
    if f.status == "imported":
        span = ""
        if f.first_us is not None:
            span = f", {_local(f.first_us, zone_name)} – {_local(f.last_us, zone_name)}"
        matched = f" ({f.matched} already in the case from earlier files)" if f.matched else ""
        lines = [
            f"imported  {f.path}: {f.importer}, {f.items} new items{matched}, "
            f"{f.participants} participants{span}"
        ]
        lines += [f"    decision: {k} = {v}" for k, v in f.decisions.items()]
        lines += [f"    warning: {w}" for w in f.warnings[:20]]
        if len(f.warnings) > 20:
            lines.append(f"    … and {len(f.warnings) - 20} more warnings")
        return "\n".join(lines)
    if f.status == "duplicate":
        return f"duplicate {f.path}: {f.reason}"
    if f.status == "failed":
        return f"failed    {f.path}: {f.reason}"
    return f"cancelled {f.path}"


def _row_json(r: TimelineRow) -> dict[str, Any]:
    return {
        "id": r.event_id,
        "item_id": r.item_id,
        "time_utc": iso_utc(r.ts_utc_us),
        "original_time": r.original,
        "zone_confidence": r.confidence,
        "event": r.event_kind,
        "kind": r.item_kind,
        "source": r.source_name,
        "source_id": r.source_id,
        "author": r.author,
        "text": r.text,
    }


def _filter(args: argparse.Namespace, case: Case, display: str) -> TimelineFilter:
    """The timeline filter the shared filter options ask for (see `_add_filters`)."""
    platforms = tuple(args.platform or ())
    if platforms:
        known = {s.importer for s in case.sources()}
        if unknown := sorted(set(platforms) - known):
            raise CliError(
                f"no source of platform {', '.join(unknown)} in this case "
                f"(platforms: {', '.join(sorted(known)) or 'none'})"
            )
    return TimelineFilter(
        from_us=_date(args.date_from, display) if args.date_from else None,
        to_us=_date(args.date_to, display) if args.date_to else None,
        source_ids=tuple(args.source or ()),
        platforms=platforms,
        participant_ids=tuple(args.participant_id or ()),
        person_ids=tuple(_person_id(case, p) for p in args.person or ()),
        participant=args.participant or "",
        kinds=tuple(args.kind or ()),
        event_kinds=tuple(args.event or ()),
        confidences=tuple(args.confidence or ()),
        exclude_confidences=tuple(args.not_confidence or ()),
        has_ocr=args.ocr,
        conversations=tuple(args.conversation or ()),
        search=getattr(args, "search", None) or "",
        elements=_element_keys(case, args.element or ()),
        untagged=args.untagged,
    )


def _element_keys(case: Case, wanted: Sequence[str]) -> tuple[str, ...]:
    """Element keys ("CHARGE:ELEMENT") for `--element` values, each checked against the case."""
    if not wanted:
        return ()
    from app.tagging.model import element_key
    from app.tagging.store import resolve_element

    return tuple(element_key(*resolve_element(case, w)) for w in wanted)


def _person_id(case: Case, wanted: str) -> int:
    """A person named by id or by name (case-insensitive, exact)."""
    from app.people import participants

    persons = {p.person_id: p.person_name for p in participants(case) if p.person_id}
    if wanted.isdigit() and int(wanted) in persons:
        return int(wanted)
    found = [pid for pid, name in persons.items() if name.casefold() == wanted.casefold()]
    if len(found) == 1:
        return found[0]
    names = ", ".join(f"{name} ({pid})" for pid, name in sorted(persons.items())) or "none"
    if found:
        raise CliError(f"several persons are called {wanted!r}: use the id ({names})")
    raise CliError(f"no person {wanted!r} in this case (persons: {names})")


def cmd_timeline(args: argparse.Namespace) -> int:
    with open_case(args.case, readonly=True) as case:
        display = args.zone or case.zone
        zone(display)
        f = _filter(args, case, display)
        for n, r in enumerate(case.timeline_iter(f)):
            if args.limit and n >= args.limit:
                break
            if args.json:
                print(json.dumps(_row_json(r), ensure_ascii=False))
            else:
                mark = "" if r.confidence == "exact" else f" [{r.confidence}]"
                text = " ".join(r.text.split())[:120]
                who = f"{r.author}: " if r.author else ""
                print(f"{_local(r.ts_utc_us, display)}{mark}  {r.source_name}  {who}{text}")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    count = 0
    with open_case(args.case, readonly=True) as case:
        display = args.zone or case.zone
        zone(display)
        f = _filter(args, case, display)
        for h in case.search_iter(args.query, f):
            if args.limit and count >= args.limit:
                break
            count += 1
            r = h.row
            if args.json:
                out = _row_json(r) | {"snippet": h.snippet, "in_ocr_text": h.in_ocr}
                print(json.dumps(out, ensure_ascii=False))
            else:
                who = f"{r.author}: " if r.author else ""
                ocr = " [OCR]" if h.in_ocr else ""
                snippet = " ".join(h.snippet.split())
                print(f"{_local(r.ts_utc_us, display)}  {r.source_name}  {who}{snippet}{ocr}")
    if not args.json:
        print(f"{count} hits")
    return EXIT_OK


def cmd_activity(args: argparse.Namespace) -> int:
    with open_case(args.case, readonly=True) as case:
        display = args.zone or case.zone
        zone(display)
        f = _filter(args, case, display)
        if args.by_hour:
            _print_heat_map(heat_map(case, f, display), csv=args.csv)
        else:
            days = activity_per_day(case, f, display, fill=args.fill)
            _print_days(days, display, csv=args.csv)
    return EXIT_OK


def _print_heat_map(hm: HeatMap, *, csv: bool) -> None:
    if csv:
        write_heat_map_csv(hm, sys.stdout)
        return
    print(f"Events by weekday and hour in {hm.zone}: {hm.total} events")
    print("     " + "".join(f"{h:>5}" for h in range(24)) + "  total")
    for name, row in zip(WEEKDAYS, hm.counts, strict=True):
        print(f"{name:<5}" + "".join(f"{n:>5}" for n in row) + f"  {sum(row):>5}")


def _print_days(days: Sequence[DayCount], display: str, *, csv: bool) -> None:
    if csv:
        write_activity_csv(days, sys.stdout, display)
        return
    total = sum(d.total for d in days)
    active = sum(1 for d in days if d.total)
    print(f"Events per day in {display}: {total} events on {active} days")
    for d in days:
        who = ", ".join(f"{label} {n}" for label, n in d.counts)
        print(f"{d.day.isoformat()}  {d.total:>6}  {who}".rstrip())


def cmd_verify(args: argparse.Namespace) -> int:
    from app.verify import record_verification, verify_case

    # Verified read-only (another process may hold the case), then recorded in the chain
    # under a brief write lock when nobody else holds it.
    with open_case(args.case, readonly=True) as case:
        try:
            report = verify_case(case, progress=_progress_for_tty())
        finally:
            _end_progress()
        record_verification(case, report)
    chain = report.chain
    assert chain is not None
    if report.ok:
        print(
            f"verified: {report.originals} originals match their SHA-256; audit chain of "
            f"{chain.entries} entries intact; head {chain.head}"
        )
        print(f"verification {report.recorded}")
        return EXIT_OK
    for p in report.problems:
        print(f"FAILED: {p}")
    print(f"verification {report.recorded}")
    _err(f"verification failed: {report.problems[0]}")
    return EXIT_INTEGRITY


def cmd_info(args: argparse.Namespace) -> int:
    with open_case(args.case, readonly=True) as case:
        info = case.info()
    if args.json:
        print(json.dumps(_info_dict(info), ensure_ascii=False))
        return EXIT_OK
    for key, value in _info_dict(info).items():
        print(f"{key:>16}: {value}")
    return EXIT_OK


def _info_dict(info: Any) -> dict[str, Any]:
    return {
        "name": info.name,
        "path": info.path,
        "zone": info.zone,
        "created": iso_utc(info.created_at_us),
        "created by": info.created_by,
        "schema": info.schema,
        "sources": info.sources,
        "items": info.items,
        "events": info.events,
        "participants": info.participants,
        "originals bytes": info.originals_bytes,
        "audit entries": info.audit_entries,
        "audit head": info.audit_head,
    }


def cmd_sources(args: argparse.Namespace) -> int:
    with open_case(args.case, readonly=True) as case:
        for src in case.sources():
            extra = f" (duplicate of {src.duplicate_of})" if src.duplicate_of else ""
            print(
                f"{src.id:>5}  {src.status:<9} {src.importer:<10} {src.item_count:>7} items  "
                f"{src.sha256[:12]}  {src.name}{extra}"
            )
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    with open_case(args.case, readonly=True) as case:
        for row in reversed(case.audit_rows(limit=args.limit)):
            payload = json.dumps(row.payload, ensure_ascii=False)
            print(f"{row.seq:>6}  {iso_utc(row.ts_us)}  {row.user:<12} {row.action:<18} {payload}")
    return EXIT_OK


def cmd_participants(args: argparse.Namespace) -> int:
    from app.people import participants, suggest_links

    with open_case(args.case, readonly=True) as case:
        rows = participants(case)
        suggestions = suggest_links(case) if args.suggest else []
    if args.json:
        for p in rows:
            print(json.dumps(_participant_json(p), ensure_ascii=False))
        for g in suggestions:
            print(json.dumps({"suggest": list(g.participant_ids), "reason": g.reason}))
        return EXIT_OK
    for p in rows:
        person = f"  → {p.person_name} (person {p.person_id})" if p.person_id else ""
        ident = " ".join(x for x in (p.phone, p.handle) if x and x != p.name)
        where = f"[{p.source_name}, {p.items} items]"
        print(f"{p.id:>5}  {p.name or '(no name)'}  {ident}  {where}{person}")
    for g in suggestions:
        print(f"suggest linking {', '.join(map(str, g.participant_ids))}: {g.reason}")
    return EXIT_OK


def _participant_json(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "source_id": p.source_id,
        "source": p.source_name,
        "name": p.name,
        "phone": p.phone,
        "handle": p.handle,
        "person_id": p.person_id,
        "person": p.person_name,
        "items": p.items,
    }


def cmd_link(args: argparse.Namespace) -> int:
    from app.ops import LinkParticipants

    with open_case(args.case) as case:
        op = LinkParticipants(tuple(args.participants), person_name=args.person)
        op.apply(case)
    print(f"linked {len(args.participants)} participants to {args.person}")
    return EXIT_OK


# -- parser ------------------------------------------------------------------------------


def _add_filters(p: argparse.ArgumentParser, *, search: bool) -> None:
    """The timeline filter options shared by timeline, search and activity."""
    from app.model import Confidence, ItemKind

    confidences = [c.value for c in Confidence]
    g = p.add_argument_group("filters (repeat an option for several values)")
    g.add_argument("--from", dest="date_from", help="first date (YYYY-MM-DD[THH:MM])")
    g.add_argument("--to", dest="date_to", help="end date, exclusive")
    g.add_argument("--source", type=int, action="append", help="source id")
    g.add_argument("--platform", action="append", help="importer name: whatsapp, email, ...")
    g.add_argument("--participant", help="author name, number or handle contains this")
    g.add_argument("--participant-id", type=int, action="append", help="author participant id")
    g.add_argument("--person", action="append", help="author is an account of this person")
    g.add_argument("--kind", action="append", choices=[k.value for k in ItemKind])
    g.add_argument("--event", action="append", help="event kind: sent, exif_taken, ...")
    g.add_argument("--confidence", action="append", choices=confidences, help="time confidence")
    g.add_argument("--not-confidence", action="append", choices=confidences)
    g.add_argument(
        "--ocr", action=argparse.BooleanOptionalAction, help="only items with (without) OCR text"
    )
    g.add_argument("--conversation", action="append", help="chat or thread name")
    g.add_argument(
        "--element",
        action="append",
        metavar="KEY",
        help="tagged for this element: CHARGE_ID:ELEMENT_ID, or an element id one charge has",
    )
    tagged = g.add_mutually_exclusive_group()
    tagged.add_argument(
        "--untagged", dest="untagged", action="store_const", const=True, help="only untagged items"
    )
    tagged.add_argument(
        "--tagged", dest="untagged", action="store_const", const=False, help="only tagged items"
    )
    if search:
        g.add_argument("--search", help='only full-text hits: words, "phrases", prefix*')


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python main.py`."""
    parser = argparse.ArgumentParser(
        prog="threadline",
        description="Threadline: review, tag and redact social-media evidence, offline.",
        epilog="The window: threadline [CASE] opens a case; threadline --demo builds and opens "
        "the demo case; add --screenshot DIR to render the main views to PNG files and exit.",
    )
    parser.add_argument("--version", action="version", version=f"threadline {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("new", help="create a new case folder (NAME.threadline)")
    p.add_argument("case")
    p.add_argument("--zone", default="Europe/London", help="the case's time zone (IANA name)")
    p.add_argument(
        "--encrypt",
        action="store_true",
        help=f"encrypt the case under a passphrase (asked twice, or from {PASSPHRASE_ENV})",
    )
    p.set_defaults(func=cmd_new)

    p = sub.add_parser(
        "passphrase",
        help="change the passphrase of an encrypted case",
        description=f"Change the passphrase of an encrypted case. The current one is asked "
        f"(or read from {PASSPHRASE_ENV}), then the new one twice (or {NEW_PASSPHRASE_ENV}).",
    )
    p.add_argument("case")
    p.set_defaults(func=cmd_passphrase)

    p = sub.add_parser("import", help="import files and folders into a case")
    p.add_argument("case")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--zone", help="time zone of local times in these files (default: case's)")
    p.add_argument(
        "--date-order", choices=("dmy", "mdy", "ymd"), help="day/month order for ambiguous dates"
    )
    p.add_argument("--password", default="", help="password for encrypted files")
    p.add_argument(
        "--key",
        dest="keys",
        action="append",
        default=[],
        metavar="FILE",
        help="public key file to check signed returns (X) against; repeat for more keys",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.add_argument("--no-ocr", action="store_true", help="do not read text in images this time")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("ocr", help="read text in images and scanned pages (or switch it on/off)")
    p.add_argument("case")
    switch = p.add_mutually_exclusive_group()
    switch.add_argument("--on", dest="switch", action="store_const", const="on")
    switch.add_argument("--off", dest="switch", action="store_const", const="off")
    p.set_defaults(func=cmd_ocr)

    p = sub.add_parser("timeline", help="print events in time order")
    p.add_argument("case")
    p.add_argument("--json", action="store_true", help="one JSON object per event")
    p.add_argument("--zone", help="display zone (default: the case's)")
    _add_filters(p, search=True)
    p.add_argument("--limit", type=int, default=0, help="stop after N events")
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("search", help='full-text search: words, "phrases", prefix*')
    p.add_argument("case")
    p.add_argument("query")
    p.add_argument("--json", action="store_true", help="one JSON object per hit")
    p.add_argument("--zone", help="display zone (default: the case's)")
    _add_filters(p, search=False)
    p.add_argument("--limit", type=int, default=0)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "activity", help="pattern of contact: events per local day, or per weekday and hour"
    )
    p.add_argument("case")
    p.add_argument("--zone", help="display zone for days and hours (default: the case's)")
    p.add_argument("--by-hour", action="store_true", help="a weekday x hour table instead")
    p.add_argument("--csv", action="store_true", help="CSV on stdout")
    p.add_argument("--fill", action="store_true", help="also list the days without events")
    _add_filters(p, search=True)
    p.set_defaults(func=cmd_activity)

    p = sub.add_parser("verify", help="re-hash every original and check the audit chain")
    p.add_argument("case")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("info", help="summary of a case")
    p.add_argument("case")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("sources", help="list the imported files")
    p.add_argument("case")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("participants", help="list participants and the persons behind them")
    p.add_argument("case")
    p.add_argument("--suggest", action="store_true", help="also suggest links (same number/id)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_participants)

    p = sub.add_parser("link", help="attribute participants (accounts, numbers) to one person")
    p.add_argument("case")
    p.add_argument("participants", nargs="+", type=int, metavar="PARTICIPANT_ID")
    p.add_argument("--person", required=True, help="the person's name")
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("audit", help="print the audit log, oldest first")
    p.add_argument("case")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=cmd_audit)

    from app.attribution.cli import add_commands as add_attribution_commands
    from app.backup import add_commands as add_backup_commands
    from app.export.cli import add_commands as add_export_commands
    from app.present.cli import add_commands as add_present_commands
    from app.redaction.cli import add_commands as add_redaction_commands
    from app.tagging.cli import add_commands as add_tagging_commands

    add_redaction_commands(sub)
    add_export_commands(sub)
    add_tagging_commands(sub)
    add_present_commands(sub)
    add_backup_commands(sub)
    add_attribution_commands(sub)
    return parser


def is_command(argv: Sequence[str]) -> bool:
    """Whether these arguments are for the command line rather than the window."""
    if not argv:
        return False
    names = {"-h", "--help", "--version"}
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            names.update(action.choices)
    return argv[0] in names


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors become one line on stderr and a non-zero exit code.

    Logging is the caller's business (`main.py` sends it to a file), so tests calling this
    directly see exactly what a user would.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except NeedsDecision as exc:
        _err(f"{exc} (pass --{exc.option.replace('_', '-')} {'|'.join(exc.choices)})")
    except EvidenceError as exc:
        _err(str(exc))
    except KeyboardInterrupt:
        _err("interrupted")
    except BrokenPipeError:
        # The reader went away (`… | head`): stop quietly, and keep Python's own flush of
        # stdout at exit from failing a second time on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        _err(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
