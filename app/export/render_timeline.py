"""The timeline report: the filtered timeline as a PDF table for the court bundle.

One row per event in time order: time (in the chosen zone, named in the heading and on
each time), source (platform, never a file name), from → to, exhibit reference and the
text with the approved redactions of the set applied (a whole-item redaction shows only
its marker; pictures and documents are named by kind).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pymupdf

from app.audit import now_us
from app.case import Case
from app.export.packfiles import PackPath, Target, put, target
from app.export.render_flow import A4_LANDSCAPE, BASE_CSS, Flow, esc, stamp_pages, text_html
from app.export.render_items import (
    ItemData,
    ItemRedactions,
    Scrubber,
    item_redactions,
    load_items,
    local,
    redacted_text,
    scrubber,
    zone_label,
)
from app.importers.names import importer_name
from app.jobs import CancelToken, Progress, ProgressCallback
from app.model import TimelineRow
from app.timeline.query import TimelineFilter, raw_cursor

if TYPE_CHECKING:
    from app.export.plan import PackPlan
    from app.redaction.model import RedactionRow

log = logging.getLogger(__name__)
pm: Any = pymupdf

ROWS_PER_TABLE = 150
TEXT_CHARS = 600
"""The longest text (characters) shown in one row; the bundle holds the full text."""
_CSS = (
    BASE_CSS
    + """
* { font-size: 8pt; }
td.t { white-space: nowrap; width: 92pt; }
td.s { width: 70pt; }
td.w { width: 120pt; }
td.x { width: 40pt; }
"""
)


def render_timeline_report(
    case: Case,
    source: PackPlan | TimelineFilter,
    out_path: str | Path | PackPath,
    *,
    zone: str = "",
    set_name: str = "",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Target:
    """Write the timeline of a plan's items (or of a filter) as an A4 landscape table."""
    cancel = cancel or CancelToken()
    out = target(out_path)
    if isinstance(source, TimelineFilter):
        from app.redaction.store import DEFAULT_SET

        set_name = set_name or DEFAULT_SET
        zone_name = zone or case.zone
        rows = list(case.timeline_iter(source))
        redactions = _approved(case, set_name, sorted({r.item_id for r in rows}))
        from app.export.plan import forbidden_strings

        forbidden = forbidden_strings(case, redactions.values())
        refs = _exhibit_refs(case, sorted({r.item_id for r in rows}))
        title_note = "Filtered timeline"
    else:
        plan = source
        set_name = plan.options.set_name
        zone_name = zone or plan.zone or case.zone
        rows = _plan_rows(case, plan)
        redactions = plan.redactions
        forbidden = plan.forbidden
        refs = {i: e.exhibit_ref for e in plan.entries for i in e.item_ids}
        title_note = "Timeline of the material in this pack"
    items = load_items(case, {r.item_id for r in rows})
    reds = {i: item_redactions(rs) for i, rs in redactions.items()}
    scrub = scrubber(case, redactions, forbidden)
    flow = Flow(A4_LANDSCAPE, _CSS)
    made = local(now_us(), zone_name, "%d %B %Y %H:%M %Z")
    flow.add(
        f"<h2 class='rule'>{esc(scrub(case.name))} — {esc(title_note)}</h2>"
        f"<p class='small'>{len(rows)} events. Times in {esc(zone_label(zone_name))}. "
        f"Text redacted with the approved redactions of the set “{esc(set_name)}”. "
        f"Made {esc(made)} by {esc(case.user)}.</p>"
    )
    head = "<tr><th>Time</th><th>Source</th><th>From → to</th><th>Exhibit</th><th>Text</th></tr>"
    for start in range(0, max(len(rows), 1), ROWS_PER_TABLE):
        cancel.check()
        if progress is not None:
            progress(Progress(start, len(rows), "Timeline report"))
        body = [
            _row_html(r, items.get(r.item_id), reds.get(r.item_id), refs, scrub, zone_name)
            for r in rows[start : start + ROWS_PER_TABLE]
        ]
        flow.add(f"<table>{head}{''.join(body)}</table>")
    data = flow.finish()
    doc: Any = pm.open("pdf", data)
    try:
        total = doc.page_count
        stamp_pages(doc, lambda i: ("Timeline report", f"Page {i + 1} of {total}", ""))
        doc.set_metadata({})
        data = doc.tobytes(garbage=3, deflate=True, no_new_id=True)
    finally:
        doc.close()
    put(out, data)
    log.info("timeline report written to %s (%d events)", out, len(rows))
    return out


def _approved(case: Case, set_name: str, ids: list[int]) -> dict[int, list[RedactionRow]]:
    from app.redaction.store import query_redactions

    out: dict[int, list[RedactionRow]] = {}
    with case.read() as s:
        for r in query_redactions(s, set_name, ids, ["approved"]):
            out.setdefault(r.item_id, []).append(r)
    return out


def _exhibit_refs(case: Case, ids: list[int]) -> dict[int, str]:
    from app.export.exhibits import exhibits_for_items

    return {i: rows[0].ref for i, rows in exhibits_for_items(case, ids).items() if rows}


def _plan_rows(case: Case, plan: PackPlan) -> list[TimelineRow]:
    ids = [i for e in plan.entries for i in e.item_ids]
    with case.read() as s:
        cur = raw_cursor(s)
        try:
            event_ids = [
                r[0]
                for r in cur.execute(
                    "SELECT id FROM events WHERE item_id IN (SELECT value FROM json_each(?)) "
                    "ORDER BY ts_utc_us, id",
                    ("[" + ",".join(map(str, ids)) + "]",),
                )
            ]
        finally:
            cur.close()
    rows: list[TimelineRow] = []
    for start in range(0, len(event_ids), 5000):
        rows.extend(case.timeline_rows(event_ids[start : start + 5000]))
    return rows


def _row_html(
    row: TimelineRow,
    item: ItemData | None,
    red: ItemRedactions | None,
    refs: dict[int, str],
    scrub: Scrubber,
    zone_name: str,
) -> str:
    when = local(row.ts_utc_us, zone_name, "%d/%m/%Y %H:%M %Z")
    platform = importer_name(row.importer)
    who = scrub(row.author) or "—"
    to = scrub(row.recipients)
    fromto = f"{who} → {to}" if to else who
    if item is None:
        text = ""
    elif item.kind in ("image", "document", "file"):
        text = f"[{item.kind_name}]"
        if red is not None and red.whole:
            text = redacted_text(item, red)
    else:
        text = redacted_text(item, red)
        if item.kind == "email":
            from app.export.render_items import email_headers

            subject = dict(email_headers(item, red)).get("Subject", "")
            text = f"Subject: {subject}\n{text}" if subject else text
    if len(text) > TEXT_CHARS:
        text = text[: TEXT_CHARS - 1].rstrip() + "…"
    return (
        f"<tr><td class='t'>{esc(when)}</td><td class='s'>{esc(platform)}</td>"
        f"<td class='w'>{esc(fromto)}</td><td class='x'>{esc(refs.get(row.item_id, ''))}</td>"
        f"<td>{text_html(text)}</td></tr>"
    )
