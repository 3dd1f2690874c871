"""Command-line commands of presentations and protective viewing: present, protect-image."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli import open_case
from app.errors import EvidenceError

EXIT_OK = 0
EXIT_USAGE = 2


def _out(line: str) -> None:
    """Print one line of a command's output."""
    sys.stdout.write(line + "\n")


def add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this package's commands to `python main.py`."""
    from app.present.model import DEFAULT_SET
    from app.protect import mark_kinds

    p = sub.add_parser(
        "present",
        help="make, list, extend and export presentations",
        description="present CASE --new NAME [--set S] [--item ID...] [--element KEY] | "
        "present CASE --list | present CASE NAME [--add ID...] | "
        "present CASE NAME --pdf FILE [--notes]",
    )
    p.add_argument("case")
    p.add_argument("name", nargs="?", help="a presentation's name (or id)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--new", metavar="NAME", help="create a presentation")
    what.add_argument("--list", action="store_true", help="list the presentations")
    what.add_argument("--add", nargs="+", type=int, metavar="ID", help="add items as steps")
    what.add_argument("--pdf", metavar="FILE", help="export the presentation as a PDF")
    p.add_argument("--set", default=DEFAULT_SET, help=f'redaction set (default "{DEFAULT_SET}")')
    p.add_argument("--item", nargs="+", type=int, default=[], metavar="ID", help="with --new")
    p.add_argument(
        "--element", metavar="KEY", help="with --new: the items tagged CHARGE_ID:ELEMENT_ID"
    )
    p.add_argument("--notes", action="store_true", help="with --pdf: the presenter's notes too")
    p.set_defaults(func=cmd_present)

    p = sub.add_parser(
        "protect-image",
        help="mark images intimate or distressing (blurred until revealed), or unmark them",
    )
    p.add_argument("case")
    p.add_argument("items", nargs="+", type=int, metavar="ITEM_ID")
    p.add_argument("--kind", choices=mark_kinds, help="required unless --remove")
    p.add_argument("--remove", action="store_true", help="take the mark off")
    p.set_defaults(func=cmd_protect_image)


def cmd_present(args: argparse.Namespace) -> int:
    """Create, list, extend, show or export presentations."""
    from app.present.ops import AddSteps, CreatePresentation
    from app.present.render import export_presentation_pdf
    from app.present.store import items_for_element, presentation, presentations

    if args.new is not None:
        with open_case(args.case) as case:
            items = list(args.item)
            if args.element:
                items += [i for i in items_for_element(case, args.element) if i not in items]
            op = CreatePresentation(args.new, args.set, tuple(items))
            op.apply(case)
        _out(
            f'created presentation "{args.new}" (id {op.id}) with {len(items)} step(s), '
            f'shown through set "{args.set}"'
        )
        return EXIT_OK
    if args.list:
        with open_case(args.case, readonly=True) as case:
            rows = presentations(case)
        if not rows:
            _out("no presentations")
        for row in rows:
            _out(f'{row.id}\t{row.name}\tset "{row.set_name}"\t{len(row.steps)} step(s)')
        return EXIT_OK
    if not args.name:
        sys.stderr.write("present: give a presentation NAME, or --new NAME, or --list\n")
        return EXIT_USAGE
    name: int | str = int(args.name) if args.name.isdigit() else args.name
    if args.add:
        with open_case(args.case) as case:
            p = presentation(case, name)
            AddSteps(p.id, tuple(args.add)).apply(case)
        _out(f'added {len(args.add)} step(s) to "{p.name}"')
        return EXIT_OK
    if args.pdf:
        with open_case(args.case) as case:
            out = export_presentation_pdf(case, name, Path(args.pdf), notes=args.notes)
            steps = len(presentation(case, name).steps)
        _out(f"wrote {out} ({steps} page(s))")
        return EXIT_OK
    with open_case(args.case, readonly=True) as case:
        p = presentation(case, name)
    _out(f'{p.name} (id {p.id}), shown through set "{p.set_name}"')
    for step in p.steps:
        extra = f" page {step.page}" if step.page else ""
        extra += " (zoomed)" if step.region else ""
        note = f"\t{step.note}" if step.note else ""
        _out(f"{step.position}\titem {step.item_id} ({step.item_kind}){extra}{note}")
    return EXIT_OK


def cmd_protect_image(args: argparse.Namespace) -> int:
    """Mark images as intimate or distressing (near-duplicates inherit), or unmark them."""
    from app.protect import MarkProtective, UnmarkProtective, protective_marks

    if not args.remove and not args.kind:
        raise EvidenceError("give --kind intimate|distressing (or --remove)")
    items = tuple(args.items)
    with open_case(args.case) as case:
        if args.remove:
            changes = UnmarkProtective(items).apply(case)
            _out(f"unmarked {len(changes.items)} image(s)")
            return EXIT_OK
        changes = MarkProtective(items, args.kind).apply(case)
        marks = protective_marks(case, changes.items)
    inherited = sorted(i for i, m in marks.items() if m.state == "inherited")
    line = f"marked {len(items)} image(s) {args.kind}"
    if inherited:
        line += f"; near-duplicates inherit the mark: {', '.join(map(str, inherited))}"
    _out(line)
    return EXIT_OK
