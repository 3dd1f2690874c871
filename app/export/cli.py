"""Command-line commands of export: export (a disclosure pack), exhibit, exhibits, mark."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.case import Case

EXIT_OK = 0
EXIT_FAILED = 1


def _out(line: str) -> None:
    """Print one line of a command's output."""
    sys.stdout.write(line + "\n")


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def cmd_export(args: argparse.Namespace) -> int:
    """Build a pack; 0 when verified complete, 1 with the findings otherwise.

    Warnings (`plan_warnings`) are printed first; with --check only they are, and the exit
    code says whether there were any.
    """
    from app.cli import _element_keys, _filter
    from app.export.pack import ExportRefused, build_pack
    from app.export.plan import PackOptions, plan_pack, plan_warnings
    from app.timeline.query import EVERYTHING

    with Case.open(args.case) as case:
        elements = _element_keys(case, args.element or ())
        args.element = None  # elements choose material (tagged items, timed or not)
        zone_name = args.zone or case.zone
        f = _filter(args, case, zone_name)
        options = PackOptions(
            set_name=args.set,
            filter=None if f == EVERYTHING else f,
            element_keys=elements,
            exhibit_refs=tuple(args.exhibit or ()),
            item_ids=tuple(args.item or ()),
            everything=args.all,
            zone=args.zone or "",
            bates_prefix=args.bates or "",
            include_natives=not args.no_natives,
            include_sensitive_schedule=args.sensitive_schedule,
            timeline_report=args.timeline_report,
            title=args.title or "",
            initials=args.initials or "",
            name=args.name or "",
        )
        plan = plan_pack(case, options)
        warnings = plan_warnings(case, plan)
        for line in warnings:
            _out(f"warning: {line}")
        if args.check:
            _out(
                f"{len(warnings)} warning(s): the pack would likely fail verification"
                if warnings
                else "no warnings: nothing redacted or protected is left unredacted"
            )
            return EXIT_FAILED if warnings else EXIT_OK
        try:
            out_dir = Path(args.out_dir) if args.out_dir else None
            result = build_pack(case, options, out_dir, plan=plan)
        except ExportRefused as exc:
            _err(f"refused: {exc.headline}")
            for r in exc.pending:
                _err(f"  proposed #{r.id} item {r.item_id} {r.reason} {r.where}")
            return EXIT_FAILED
    if result.status != "complete":
        _err(f"export {result.status}: {result.folder}")
        for finding in result.findings:
            _err(f"  {finding.where}: {finding.what}")
        return EXIT_FAILED
    _out(f"pack complete and verified: {result.folder}")
    _out(f"  {len(result.files)} files, {result.pages} bundle pages")
    if result.sensitive_folder is not None:
        _out(f"  sensitive schedule (keep apart): {result.sensitive_folder}")
    return EXIT_OK


def cmd_exhibit(args: argparse.Namespace) -> int:
    """Give items an exhibit reference."""
    from app.export.exhibits import AssignExhibit, parse_ref

    with Case.open(args.case) as case:
        ref = parse_ref(args.ref)
        AssignExhibit(tuple(args.items), ref, description=args.description or "").apply(case)
    _out(f"exhibit {ref}: {len(args.items)} items")
    return EXIT_OK


def cmd_exhibits(args: argparse.Namespace) -> int:
    """List the exhibits of a case."""
    from app.export.exhibits import exhibits

    with Case.open(args.case, readonly=True) as case:
        rows = exhibits(case)
    for r in rows:
        lock = " (locked)" if r.locked else ""
        items = ",".join(map(str, r.item_ids))
        _out(f"{r.ref}\t{r.alias}\titems {items}\t{r.description}{lock}")
    if not rows:
        _out("no exhibits")
    return EXIT_OK


def cmd_mark(args: argparse.Namespace) -> int:
    """Mark items sensitive or not for disclosure."""
    from app.export.exhibits import MarkMaterial

    with Case.open(args.case) as case:
        MarkMaterial(
            tuple(args.items),
            args.sensitive,
            description=args.description or "",
            reason=args.reason or "",
        ).apply(case)
    state = "sensitive" if args.sensitive else "not sensitive"
    _out(f"marked {len(args.items)} items {state}")
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this package's commands to `python main.py`."""
    from app.cli import _add_filters
    from app.redaction.store import DEFAULT_SET

    p = sub.add_parser(
        "export",
        help="build a redacted, numbered, verified disclosure pack",
        description="Build a disclosure pack (bundle PDF, redacted natives, schedule, manifest) "
        "in a new folder inside OUT_DIR (default: the case's exports/), verify every file, "
        "and exit 1 with the findings when anything redacted is left or material is refused.",
    )
    p.add_argument("case")
    p.add_argument("out_dir", nargs="?", default=None, metavar="OUT_DIR")
    p.add_argument("--set", default=DEFAULT_SET, help=f'redaction set (default "{DEFAULT_SET}")')
    p.add_argument("--all", action="store_true", help="everything not marked sensitive")
    p.add_argument("--exhibit", action="append", metavar="REF", help="an exhibit (repeatable)")
    p.add_argument("--item", action="append", type=int, metavar="ID", help="an item (repeatable)")
    p.add_argument("--initials", help="officer initials of new exhibit references (e.g. AB)")
    p.add_argument("--bates", metavar="PREFIX", help="page number prefix, e.g. NB-DISC")
    p.add_argument("--zone", help="time zone of the times shown (default: the case's)")
    p.add_argument("--title", help="title on the cover")
    p.add_argument("--name", help="the pack folder's name")
    p.add_argument("--no-natives", action="store_true", help="leave out the native files")
    p.add_argument(
        "--sensitive-schedule",
        action="store_true",
        help="also write the sensitive schedule, in a folder beside the pack",
    )
    p.add_argument("--timeline-report", action="store_true", help="add the timeline as a PDF")
    p.add_argument(
        "--check",
        action="store_true",
        help="only print the warnings (redacted or protected text left unredacted elsewhere "
        "in the material) and exit: 0 when there are none, 1 when there are",
    )
    _add_filters(p, search=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("exhibit", help="give items an exhibit reference (e.g. AB/1)")
    p.add_argument("case")
    p.add_argument("items", nargs="+", type=int, metavar="ITEM_ID")
    p.add_argument("--ref", required=True, help="AB/1, or a sub-exhibit AB/1/3")
    p.add_argument("--description", help="what the schedule says about it")
    p.set_defaults(func=cmd_exhibit)

    p = sub.add_parser("exhibits", help="list the exhibits of a case")
    p.add_argument("case")
    p.set_defaults(func=cmd_exhibits)

    p = sub.add_parser("mark", help="mark items sensitive (MG6D) or not for disclosure")
    p.add_argument("case")
    p.add_argument("items", nargs="+", type=int, metavar="ITEM_ID")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--sensitive", dest="sensitive", action="store_true")
    which.add_argument("--not-sensitive", dest="sensitive", action="store_false")
    p.add_argument("--description", help="the schedule's neutral description")
    p.add_argument("--reason", help="why it is sensitive")
    p.set_defaults(func=cmd_mark)
