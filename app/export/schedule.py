"""The schedules of a pack: the non-sensitive schedule (MG6C shape) and, only when asked,
the sensitive schedule (MG6D style), each as CSV and PDF.

Columns of the non-sensitive schedule: number, description, date, location / source, exhibit
reference, edited (Y when redactions were applied). Descriptions are the neutral ones of the
plan (`app.export.plan`): never evidence text, redacted text or original file names. The
sensitive schedule is written by the builder into a folder beside the defence pack, never
inside it.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pymupdf

from app.case import Case
from app.export.packfiles import Target, put
from app.export.plan import PackPlan, summarise_items
from app.export.render_flow import A4_LANDSCAPE, esc, flow_pdf, stamp_pages
from app.redaction.store import csv_cell
from app.timeline.clock import us_to_utc, zone

log = logging.getLogger(__name__)
pm: Any = pymupdf

SCHEDULE_COLUMNS = ("No.", "Description", "Date", "Location / source", "Exhibit ref", "Edited")
SENSITIVE_COLUMNS = ("No.", "Description", "Date", "Location / source", "Item", "Reason")
SCHEDULE_TITLE = "Schedule of non-sensitive material (MG6C format)"
SENSITIVE_TITLE = "SENSITIVE — schedule of sensitive material (MG6D format) — NOT FOR DISCLOSURE"


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One line of a schedule."""

    number: int
    description: str
    date: str
    source: str
    ref: str
    edited: str  # "Y" or "N" (non-sensitive); the reason (sensitive)


def _dates(first: int | None, last: int | None, zone_name: str) -> str:
    if first is None:
        return "no date"
    z = zone(zone_name)
    a = us_to_utc(first).astimezone(z).strftime("%d/%m/%Y")
    b = us_to_utc(last if last is not None else first).astimezone(z).strftime("%d/%m/%Y")
    return a if a == b else f"{a}–{b}"


def schedule_rows(plan: PackPlan) -> list[ScheduleRow]:
    """The non-sensitive schedule: one row per entry of the pack, in exhibit order."""
    return [
        ScheduleRow(
            number=n,
            description=e.description,
            date=_dates(e.first_us, e.last_us, plan.zone),
            source=", ".join(e.source_names),
            ref=e.exhibit_ref,
            edited="Y" if e.redacted else "N",
        )
        for n, e in enumerate(plan.entries, start=1)
    ]


def sensitive_rows(case: Case, plan: PackPlan) -> list[ScheduleRow]:
    """The sensitive schedule: every item of the case marked sensitive, earliest first."""
    from app.export.exhibits import marks

    reasons = marks(case, plan.sensitive)
    return [
        ScheduleRow(
            number=n,
            description=s.description,
            date=_dates(s.first_us, s.first_us, plan.zone),
            source=s.source,
            ref=str(s.item_id),
            edited=reasons[s.item_id].reason if s.item_id in reasons else "",
        )
        for n, s in enumerate(summarise_items(case, plan.sensitive, plan.zone), start=1)
    ]


def write_csv(rows: Sequence[ScheduleRow], path: Target, columns: Sequence[str]) -> Target:
    """A schedule as CSV (UTF-8 with BOM for spreadsheet programs; no formula cells)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(
            [
                r.number,
                csv_cell(r.description),
                r.date,
                csv_cell(r.source),
                csv_cell(r.ref),
                csv_cell(r.edited),
            ]
        )
    put(path, buf.getvalue().encode("utf-8-sig"))
    return path


def write_pdf(
    rows: Sequence[ScheduleRow],
    path: Target,
    *,
    title: str,
    columns: Sequence[str],
    note: str,
) -> Target:
    """A schedule as an A4 landscape PDF with page numbers (no metadata)."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = [
        "<tr>"
        f"<td class='num'>{r.number}</td><td>{esc(r.description)}</td><td>{esc(r.date)}</td>"
        f"<td>{esc(r.source)}</td><td>{esc(r.ref)}</td><td>{esc(r.edited)}</td></tr>"
        for r in rows
    ]
    blocks = [f"<h1>{esc(title)}</h1><p class='small'>{esc(note)}</p>"]
    chunk = 200  # lay out long schedules a few hundred rows at a time (keeps MuPDF fast)
    if not rows:
        blocks.append("<p>No material.</p>")
    for i in range(0, len(body), chunk):
        blocks.append(f"<table><tr>{head}</tr>{''.join(body[i : i + chunk])}</table>")
    data = flow_pdf(blocks, size=A4_LANDSCAPE)
    doc = pm.open("pdf", data)
    try:
        total = doc.page_count
        stamp_pages(doc, lambda n: (title.split(" — ")[0], "", f"Page {n + 1} of {total}"))
        doc.set_metadata({})
        doc.del_xml_metadata()
        data = doc.tobytes(garbage=3, deflate=True, no_new_id=True)
    finally:
        doc.close()
    put(path, data)
    return path


def write_schedule(case: Case, plan: PackPlan, folder: Target, *, when: str) -> list[Target]:
    """schedule.csv and schedule.pdf of the pack into `folder`; returns their paths."""
    rows = schedule_rows(plan)
    set_note = f"redaction set “{plan.options.set_name}”"
    note = (
        f"Case {plan.case_name or case.name} · {len(rows)} exhibits · {set_note} · dates in "
        f"{plan.zone} · prepared {when} by {case.user}. Edited = Y: the material is disclosed "
        "with redactions applied."
    )
    return [
        write_csv(rows, folder / "schedule.csv", SCHEDULE_COLUMNS),
        write_pdf(
            rows, folder / "schedule.pdf", title=SCHEDULE_TITLE, columns=SCHEDULE_COLUMNS, note=note
        ),
    ]


def write_sensitive_schedule(
    case: Case, plan: PackPlan, folder: Target, *, when: str
) -> list[Target]:
    """The sensitive schedule (CSV and PDF) into `folder`, which must not be the pack."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = sensitive_rows(case, plan)
    note = (
        f"Case {plan.case_name or case.name} · {len(rows)} items marked sensitive · dates in "
        f"{plan.zone} · prepared {when} by {case.user}. Kept apart from the defence pack."
    )
    return [
        write_csv(rows, folder / "sensitive-schedule.csv", SENSITIVE_COLUMNS),
        write_pdf(
            rows,
            folder / "sensitive-schedule.pdf",
            title=SENSITIVE_TITLE,
            columns=SENSITIVE_COLUMNS,
            note=note,
        ),
    ]
