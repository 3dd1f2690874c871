"""Command-line commands of export: export (a disclosure pack), exhibit, exhibits, mark."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from app.cli import open_case

EXIT_OK = 0
EXIT_FAILED = 1
ZIP_PASSWORD_ENV = "THREADLINE_ZIP_PASSWORD"
"""The environment variable holding the encrypted zip's password, for scripted exports."""


def _out(line: str) -> None:
    """Print one line of a command's output."""
    sys.stdout.write(line + "\n")


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def _ask(prompt: str) -> str:
    """Ask for the zip password at the terminal, without echo (tests replace this)."""
    import getpass

    return getpass.getpass(prompt)


def zip_password(args: argparse.Namespace) -> str | None:
    """The encrypted zip's password when one was asked for (--zip, --zip-password-env):
    from the variable named, else THREADLINE_ZIP_PASSWORD, else typed twice at a prompt."""
    from app.cli import CliError

    named = args.zip_password_env
    if not (args.zip or named):
        return None
    variable = named or ZIP_PASSWORD_ENV
    value = os.environ.get(variable)
    if value is not None:
        return value
    if named:
        raise CliError(f"{named} is not set: it should hold the zip's password")
    if not sys.stdin.isatty():
        raise CliError(
            f"the encrypted zip needs a password: type it at a terminal, or set {ZIP_PASSWORD_ENV} "
            "(or name another variable with --zip-password-env)"
        )
    first = _ask("Password of the encrypted zip: ")
    if _ask("The same again, to be sure: ") != first:
        raise CliError("the two passwords typed differ: no pack was built")
    return first


def cmd_export(args: argparse.Namespace) -> int:
    """Build a pack; 0 when verified complete, 1 with the findings otherwise.

    Warnings (`plan_warnings`) are printed first; with --check only they are, and the exit
    code says whether there were any.
    """
    from app.cli import _element_keys, _filter
    from app.export.pack import ExportRefused, PlaintextRefused, build_pack
    from app.export.plan import PackOptions, plan_pack, plan_warnings
    from app.timeline.query import EVERYTHING

    with open_case(args.case) as case:
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
        password = zip_password(args)
        try:
            out = args.out or args.out_dir
            result = build_pack(
                case, options, Path(out) if out else None, plan=plan, zip_password=password
            )
        except ExportRefused as exc:
            _err(f"refused: {exc.headline}")
            for r in exc.pending:
                _err(f"  proposed #{r.id} item {r.item_id} {r.reason} {r.where}")
            if isinstance(exc, PlaintextRefused):
                _err(
                    "  name an output folder outside the case (OUT_DIR or --out), "
                    "or add --zip for an encrypted zip"
                )
            return EXIT_FAILED
    if result.status != "complete":
        _err(f"export {result.status}: {result.folder}")
        for finding in result.findings:
            _err(f"  {finding.where}: {finding.what}")
        return EXIT_FAILED
    if password is not None:
        _out(f"pack complete, verified and sealed as an encrypted zip: {result.folder}")
    else:
        _out(f"pack complete and verified: {result.folder}")
    _out(f"  {len(result.files)} files, {result.pages} bundle pages")
    if result.sensitive_folder is not None:
        _out(f"  sensitive schedule (keep apart): {result.sensitive_folder}")
    return EXIT_OK


def cmd_exhibit(args: argparse.Namespace) -> int:
    """Give items an exhibit reference."""
    from app.export.exhibits import AssignExhibit, parse_ref

    with open_case(args.case) as case:
        ref = parse_ref(args.ref)
        AssignExhibit(tuple(args.items), ref, description=args.description or "").apply(case)
    _out(f"exhibit {ref}: {len(args.items)} items")
    return EXIT_OK


def cmd_exhibits(args: argparse.Namespace) -> int:
    """List the exhibits of a case."""
    from app.export.exhibits import exhibits

    with open_case(args.case, readonly=True) as case:
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

    with open_case(args.case) as case:
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
        "and exit 1 with the findings when anything redacted is left or material is refused. "
        "With --zip the pack is an AES-256 encrypted zip instead, written from memory (no "
        "unencrypted copy on disk). An encrypted case refuses a plain pack inside its own "
        "folder: name an OUT_DIR outside it, or use --zip.",
    )
    p.add_argument("case")
    p.add_argument("out_dir", nargs="?", default=None, metavar="OUT_DIR")
    p.add_argument("--out", metavar="OUT_DIR", help="where the pack goes (the same as OUT_DIR)")
    p.add_argument(
        "--zip",
        action="store_true",
        help=f"make the pack an AES-256 encrypted zip; its password is read from "
        f"{ZIP_PASSWORD_ENV}, else typed twice",
    )
    p.add_argument(
        "--zip-password-env",
        metavar="VAR",
        help="make the encrypted zip, with the password held in the environment variable VAR",
    )
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
