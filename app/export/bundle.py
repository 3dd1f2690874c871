"""The PDF bundle of a disclosure pack: cover, index, every exhibit, certificate.

Layout: the exhibits are laid out first (transcripts and emails by MuPDF's HTML engine,
pictures and PDF pages placed on pages of their own), then the cover and the index, whose
page numbers are then known (the index is laid out again until its own length settles).
Every page is stamped at its foot with the exhibit reference (or "Cover", "Index"), "Page n
of N" and a Bates number `<prefix>-000123` equal to the page number; each exhibit has a
bookmark "<ref> — <neutral description>". The bundle carries no document metadata.

Redactions: only the plan's approved ones apply (see `app.export.render_items`): spans of
text become `[REDACTED — CODE]`, boxes on pictures and PDF pages are burnt in by
`app.redaction.apply`, a whole-item redaction replaces the item by a "withheld" notice,
and a whole-page one (an item redaction with a page) blanks that PDF page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pymupdf

from app.audit import now_us
from app.case import Case
from app.errors import ExportError
from app.export.packfiles import PackPath, Target, put, target
from app.export.render_flow import (
    A4,
    A4_LANDSCAPE,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    Flow,
    esc,
    flow_pdf,
    stamp_pages,
    text_html,
)
from app.export.render_items import (
    ItemData,
    ItemRedactions,
    Scrubber,
    email_headers,
    item_redactions,
    load_items,
    local,
    redacted_picture,
    redacted_text,
    scrubber,
    time_note,
    zone_label,
)
from app.export.render_natives import write_natives
from app.export.render_timeline import render_timeline_report
from app.jobs import CancelToken, Progress, ProgressCallback
from app.redaction.apply import Mark, marker, redact_pdf

if TYPE_CHECKING:
    from app.export.plan import PackEntry, PackPlan

__all__ = ["BundleResult", "render_bundle", "render_timeline_report", "write_natives"]

log = logging.getLogger(__name__)
pm: Any = pymupdf

MESSAGES_PER_BLOCK = 250
"""Messages laid out per HTML block: MuPDF's layout slows down on very long documents."""
INLINE_PICTURE_WIDTH = 170
"""Width (points) of a picture attached to a message, shown in the transcript."""
INLINE_PICTURE_PIXELS = 600
PAGE_PICTURE_PIXELS = 2000
"""Longest side (pixels) of a picture placed on a page of its own (about 220 dpi on A4)."""
DEFAULT_TITLE = "Disclosure bundle"

_CSS_EXTRA = """
.exhibit { font-size: 8.5pt; color: #555555; margin: 0 0 2pt 0; letter-spacing: 0.5pt; }
.rule { border-bottom: 0.8pt solid #333333; margin: 0 0 8pt 0; padding: 0 0 5pt 0; }
.facts { font-size: 8.5pt; color: #444444; margin: 0 0 1pt 0; }
.day { font-size: 8.5pt; font-weight: bold; color: #444444; margin: 9pt 0 4pt 0;
       border-bottom: 0.4pt solid #bbbbbb; padding: 0 0 1pt 0; }
.msg { margin: 0 0 5pt 0; }
.who { margin: 0; font-size: 8.5pt; }
.time { color: #666666; font-size: 8pt; }
.text { margin: 0 0 0 14pt; }
.att { margin: 1pt 0 0 14pt; font-size: 8.5pt; color: #444444; }
.sys { margin: 0 0 5pt 0; font-size: 8.5pt; color: #666666; font-style: italic; }
.withheld { margin: 40pt 0 0 0; text-align: center; font-size: 12pt; }
.hdr td { border: none; padding: 1pt 6pt 1pt 0; font-size: 9pt; }
.hdr td.k { color: #555555; width: 60pt; }
.body { margin: 10pt 0 0 0; }
.cover h1 { font-size: 22pt; margin: 120pt 0 4pt 0; }
.cover .title { font-size: 14pt; color: #333333; margin: 0 0 30pt 0; }
.cover td { border: none; border-bottom: 0.4pt solid #cccccc; padding: 4pt 8pt 4pt 0; }
.cover td.k { color: #555555; width: 130pt; }
.note { font-size: 8.5pt; color: #444444; margin: 24pt 0 0 0; }
.sub td { color: #333333; }
.cert { font-size: 9pt; }
"""


@dataclass(frozen=True, slots=True)
class BundleResult:
    """The bundle written: where, how many pages, and where each exhibit lies (1-based)."""

    path: Target
    pages: int
    exhibit_pages: dict[str, tuple[int, int]]
    index_pages: tuple[int, int] = (2, 2)
    certificate_pages: tuple[int, int] | None = None
    bates_prefix: str = ""


@dataclass(slots=True)
class _Context:
    case: Case
    plan: PackPlan
    items: dict[int, ItemData]
    redactions: dict[int, ItemRedactions]
    scrub: Scrubber
    zone: str
    entry_of: dict[int, PackEntry]  # item id -> the entry holding it
    css: str
    pictures: int = 0
    headers: dict[int, str] = field(default_factory=dict)  # content page -> header line
    notes: list[str] = field(default_factory=list)

    def red(self, item_id: int) -> ItemRedactions | None:
        return self.redactions.get(item_id)


def bates_prefix(plan: PackPlan) -> str:
    """The Bates prefix of the pack: the user's, else the officer's initials."""
    prefix = (plan.options.bates_prefix or getattr(plan, "initials", "") or "EX").strip()
    return prefix or "EX"


def bates(prefix: str, page: int) -> str:
    """A Bates number: "AB-000123"."""
    return f"{prefix}-{page:06d}"


def _context(case: Case, plan: PackPlan) -> _Context:
    ids = [i for e in plan.entries for i in e.item_ids]
    items = load_items(case, ids)
    extra = {c for it in items.values() for c in it.children} - set(items)
    if extra:
        items.update(load_items(case, extra))
    entry_of = {i: e for e in plan.entries for i in e.item_ids}
    redactions = {item_id: item_redactions(rows) for item_id, rows in plan.redactions.items()}
    from app.export.render_flow import BASE_CSS

    return _Context(
        case=case,
        plan=plan,
        items=items,
        redactions=redactions,
        scrub=scrubber(case, plan.redactions, plan.forbidden),
        zone=plan.zone or case.zone,
        entry_of=entry_of,
        css=BASE_CSS + _CSS_EXTRA,
    )


# -- public -------------------------------------------------------------------------------


def render_bundle(
    case: Case,
    plan: PackPlan,
    out_path: str | Path | PackPath,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    certificate: str | None = None,
) -> BundleResult:
    """Write the bundle PDF of a plan to `out_path` (a file, atomically, or a file of a pack);
    see the module docstring."""
    out = target(out_path)
    cancel = cancel or CancelToken()
    ctx = _context(case, plan)
    total = len(plan.entries)
    content: Any = pm.open()
    ranges: dict[str, tuple[int, int]] = {}
    try:
        for n, entry in enumerate(plan.entries):
            cancel.check()
            if progress is not None:
                progress(Progress(n, total + 1, f"Exhibit {entry.exhibit_ref}"))
            start = content.page_count
            _render_entry(ctx, entry, content, cancel)
            if content.page_count == start:  # nothing to show: say so rather than skip
                _append(content, flow_pdf([_heading(ctx, entry)], css=ctx.css))
            ranges[entry.exhibit_ref] = (start, content.page_count - 1)
        cancel.check()
        if progress is not None:
            progress(Progress(total, total + 1, "Cover, index and page numbers"))
        cert_doc: Any = None
        if certificate is not None:
            cert_doc = pm.open("pdf", flow_pdf([_certificate_html(certificate)], css=ctx.css))
        result = _assemble(ctx, content, ranges, cert_doc, out)
    finally:
        content.close()
    if progress is not None:
        progress(Progress(total + 1, total + 1, f"Bundle written: {result.pages} pages"))
    log.info("bundle written to %s (%d pages, %d exhibits)", out, result.pages, total)
    return result


# -- assembly -----------------------------------------------------------------------------


def _assemble(
    ctx: _Context,
    content: Any,
    ranges: dict[str, tuple[int, int]],
    cert_doc: Any,
    out: Target,
) -> BundleResult:
    plan = ctx.plan
    prefix = bates_prefix(plan)
    cert_pages = cert_doc.page_count if cert_doc is not None else 0
    # The index's length decides every page number after it: lay it out until it settles.
    index_count = 1
    index_pdf = b""
    for _ in range(5):
        offset = 1 + index_count
        pages = {ref: (a + offset + 1, b + offset + 1) for ref, (a, b) in ranges.items()}
        total = offset + content.page_count + cert_pages
        cert_at = (offset + content.page_count + 1, total) if cert_pages else None
        index_pdf = flow_pdf([_index_html(ctx, pages, cert_at)], css=ctx.css)
        with pm.open("pdf", index_pdf) as probe:
            laid = probe.page_count
        if laid == index_count:
            break
        index_count = laid
    else:  # pragma: no cover - the index length always settles within a few rounds
        raise ExportError("the bundle index would not settle on a length")
    cover_pdf = flow_pdf([_cover_html(ctx, total, prefix)], css=ctx.css)
    doc: Any = pm.open()
    try:
        _append(doc, cover_pdf)
        if doc.page_count != 1:
            raise ExportError("the cover page runs over one page")
        _append(doc, index_pdf)
        doc.insert_pdf(content)
        if cert_doc is not None:
            doc.insert_pdf(cert_doc)
            cert_doc.close()
        if doc.page_count != total:
            raise ExportError(f"the bundle has {doc.page_count} pages, {total} were planned")
        labels = ["Cover"] + ["Index"] * index_count
        labels += ["Exhibit ?"] * content.page_count + ["Certificate"] * cert_pages
        for ref, (first, last) in pages.items():
            for p in range(first, last + 1):
                labels[p - 1] = f"Exhibit {ref}"
        stamp_pages(
            doc,
            lambda i: (labels[i], f"Page {i + 1} of {total}", bates(prefix, i + 1)),
            headers={offset + k: v for k, v in ctx.headers.items()},
        )
        doc.set_toc(_toc(ctx, pages, index_count, cert_at))
        doc.set_metadata({})
        data = doc.tobytes(
            garbage=3, deflate=True, deflate_images=True, deflate_fonts=True, no_new_id=True
        )
    finally:
        doc.close()
    put(out, data)
    return BundleResult(
        path=out,
        pages=total,
        exhibit_pages=pages,
        index_pages=(2, 1 + index_count),
        certificate_pages=cert_at,
        bates_prefix=prefix,
    )


def _append(doc: Any, data: bytes) -> None:
    with pm.open("pdf", data) as part:
        doc.insert_pdf(part)


def _toc(
    ctx: _Context,
    pages: dict[str, tuple[int, int]],
    index_count: int,
    cert_at: tuple[int, int] | None,
) -> list[list[Any]]:
    toc: list[list[Any]] = [[1, "Cover", 1], [1, "Index", 2]]
    parent_level: dict[str, int] = {}
    last_level = 1
    for entry in ctx.plan.entries:
        parent = getattr(entry, "parent_ref", "")
        level = 1
        if parent and parent in parent_level and last_level >= parent_level[parent]:
            level = min(parent_level[parent] + 1, last_level + 1)
        parent_level[entry.exhibit_ref] = level
        last_level = level
        toc.append([level, _bookmark(ctx, entry), pages[entry.exhibit_ref][0]])
    if cert_at is not None:
        toc.append([1, "Verification certificate", cert_at[0]])
    return toc


def _bookmark(ctx: _Context, entry: PackEntry) -> str:
    """An exhibit's bookmark: its reference and its neutral description, never evidence."""
    return f"{entry.exhibit_ref} — {_description(ctx, entry)}"


def _description(ctx: _Context, entry: PackEntry) -> str:
    text = " ".join(ctx.scrub(entry.description).split())
    return text or entry.kind


# -- cover, index, certificate ------------------------------------------------------------


def _cover_html(ctx: _Context, total: int, prefix: str) -> str:
    plan = ctx.plan
    title = ctx.scrub(plan.options.title.strip()) or DEFAULT_TITLE  # typed: may hold a name
    made = local(now_us(), ctx.zone, "%d %B %Y, %H:%M %Z")
    exhibits = len(plan.entries)
    subs = sum(1 for e in plan.entries if getattr(e, "parent_ref", ""))
    count = f"{exhibits}" + (f" (of which {subs} attachments)" if subs else "")
    rows = [
        ("Case", ctx.scrub(plan.case_name or ctx.case.name)),
        ("Redaction set", plan.options.set_name),
        ("Made", f"{made} by {ctx.case.user}"),
        ("Times shown in", zone_label(ctx.zone)),
        ("Exhibits", count),
        ("Pages", f"{total} ({bates(prefix, 1)} to {bates(prefix, total)})"),
    ]
    codes = _reason_codes(plan)
    table = "".join(f"<tr><td class='k'>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in rows)
    note = (
        "Redacted text is shown as <span class='red'>[REDACTED — CODE]</span>; on pictures "
        "and document pages a black box carries the same code. A withheld item is replaced "
        "by a page saying so. Every page is numbered at its foot with the exhibit it belongs "
        "to and a running page number."
    )
    legend = ""
    if codes:
        legend = "<p class='note'><b>Reason codes used</b></p><table>" + "".join(
            f"<tr><td class='k'>{esc(c)}</td><td>{esc(label)}</td></tr>" for c, label in codes
        )
        legend += "</table>"
    return (
        f"<div class='cover'><h1>{esc(ctx.scrub(plan.case_name or ctx.case.name))}</h1>"
        f"<p class='title'>{esc(title)}</p><table>{table}</table>"
        f"<p class='note'>{note}</p>{legend}</div>"
    )


def _reason_codes(plan: PackPlan) -> list[tuple[str, str]]:
    from app.redaction.store import reason_label

    codes = sorted({r.reason for rows in plan.redactions.values() for r in rows})
    return [(c, reason_label(c)) for c in codes]


def _index_html(
    ctx: _Context, pages: dict[str, tuple[int, int]], cert_at: tuple[int, int] | None
) -> str:
    rows: list[str] = []
    for entry in ctx.plan.entries:
        first, last = pages[entry.exhibit_ref]
        span = str(first) if first == last else f"{first}–{last}"
        sub = bool(getattr(entry, "parent_ref", ""))
        ref = ("&#160;&#160;&#160;" if sub else "") + esc(entry.exhibit_ref)
        rows.append(
            f"<tr{' class=sub' if sub else ''}><td><b>{ref}</b></td>"
            f"<td>{esc(_description(ctx, entry))}</td><td>{esc(_dates(ctx, entry))}</td>"
            f"<td>{esc(_source(ctx, entry))}</td><td class='num'>{span}</td></tr>"
        )
    if cert_at is not None:
        a, b = cert_at
        rows.append(
            "<tr><td></td><td>Verification certificate</td><td></td><td></td>"
            f"<td class='num'>{a if a == b else f'{a}–{b}'}</td></tr>"
        )
    return (
        "<h2 class='rule'>Index</h2>"
        f"<p class='small'>Dates in {esc(zone_label(ctx.zone))}. Pages are the numbers "
        "stamped at the foot of each page.</p>"
        "<table><tr><th style='width: 48pt'>Exhibit</th><th>Description</th>"
        "<th style='width: 112pt'>Date</th><th style='width: 100pt'>Source</th>"
        f"<th style='width: 40pt; text-align: right'>Pages</th></tr>{''.join(rows)}</table>"
    )


def _dates(ctx: _Context, entry: PackEntry) -> str:
    times = [t for i in entry.item_ids if (t := _item_time(ctx, i)) is not None]
    first = min(times, default=entry.first_us)
    last = max(times, default=getattr(entry, "last_us", None))
    a = local(first, ctx.zone, "%d/%m/%Y")
    b = local(last, ctx.zone, "%d/%m/%Y")
    return a if not b or a == b else f"{a} – {b}"


def _item_time(ctx: _Context, item_id: int) -> int | None:
    it = ctx.items.get(item_id)
    return it.ts_us if it is not None else None


def _source(ctx: _Context, entry: PackEntry) -> str:
    """Where an exhibit came from, by platform and kind (never by file name)."""
    items = [ctx.items[i] for i in entry.item_ids if i in ctx.items]
    if not items:
        return ""
    first = items[0]
    parent = ctx.items.get(first.parent_id) if first.parent_id is not None else None
    if parent is not None:
        return f"{parent.platform} attachment ({first.kind_name})"
    if entry.kind == "conversation":
        return f"{first.platform} conversation"
    platforms = list(dict.fromkeys(it.platform for it in items))
    return ", ".join(platforms)


def _certificate_html(text: str) -> str:
    return (
        f"<h2 class='rule'>Verification certificate</h2><div class='cert'>{text_html(text)}</div>"
    )


# -- exhibits -----------------------------------------------------------------------------


def _heading(ctx: _Context, entry: PackEntry, extra: Sequence[str] = ()) -> str:
    facts = [_source(ctx, entry), _dates(ctx, entry), *extra]
    line = " · ".join(esc(f) for f in facts if f)
    return (
        f"<div class='rule'><p class='exhibit'>EXHIBIT</p><h2>{esc(entry.exhibit_ref)}"
        f"&#160;&#160;<span style='font-weight: normal'>{esc(_description(ctx, entry))}</span>"
        f"</h2><p class='facts'>{line}</p></div>"
    )


def _withheld_html(code: str, what: str = "This item") -> str:
    return (
        f"<p class='withheld'>{esc(what)} is withheld in full.</p>"
        f"<p class='withheld' style='margin-top: 6pt'>{text_html(marker(code))}</p>"
    )


def _render_entry(ctx: _Context, entry: PackEntry, content: Any, cancel: CancelToken) -> None:
    items = [ctx.items[i] for i in entry.item_ids if i in ctx.items]
    shown = [it for it in items if not (it.parent_id in ctx.entry_of and _same(ctx, it, entry))]
    if items and all((r := ctx.red(it.id)) is not None and r.whole for it in items):
        codes = "; ".join(dict.fromkeys(c for it in items for c in _codes(ctx, it)))
        _append(
            content,
            flow_pdf([_heading(ctx, entry), _withheld_html(codes, "This exhibit")], css=ctx.css),
        )
        return
    flow: Flow | None = None
    first = True
    archive = pm.Archive()
    run: list[ItemData] = []

    def flush() -> None:
        nonlocal flow, first, run
        if not run:
            return
        if flow is None:
            flow = Flow(A4, ctx.css)
            if first:
                flow.add(_heading(ctx, entry, _heading_extra(ctx, entry, run)))
                first = False
        _flow_items(ctx, entry, run, flow, archive, cancel)
        run = []

    def close_flow() -> None:
        nonlocal flow
        flush()
        if flow is not None:
            _append(content, flow.finish())
            flow = None

    for it in shown:
        if it.kind in ("image", "document"):
            close_flow()
            _fixed_pages(ctx, entry, it, content, first)
            first = False
        else:
            run.append(it)
    close_flow()


def _codes(ctx: _Context, it: ItemData) -> list[str]:
    r = ctx.red(it.id)
    return r.whole.split("; ") if r is not None and r.whole else []


def _same(ctx: _Context, it: ItemData, entry: PackEntry) -> bool:
    """Whether an attachment sits in the same entry as its parent (shown with the parent)."""
    return it.parent_id is not None and ctx.entry_of.get(it.parent_id) is entry


def _heading_extra(ctx: _Context, entry: PackEntry, run: Sequence[ItemData]) -> list[str]:
    extra: list[str] = []
    if entry.kind == "conversation":
        messages = sum(1 for it in run if it.kind != "system")
        extra.append(f"{messages} message" + ("" if messages == 1 else "s"))
        people = list(dict.fromkeys(ctx.scrub(it.author) for it in run if it.author))
        if people:
            extra.append(
                "between " + ", ".join(people[:6]) + (" and others" if len(people) > 6 else "")
            )
    extra.append(f"times in {zone_label(ctx.zone)}")
    return extra


def _flow_items(
    ctx: _Context,
    entry: PackEntry,
    run: Sequence[ItemData],
    flow: Flow,
    archive: Any,
    cancel: CancelToken,
) -> None:
    block: list[str] = []
    day = ""
    for n, it in enumerate(run):
        if it.kind in ("message", "system", "call"):
            this_day = local(it.ts_us, ctx.zone, "%A %d %B %Y") if it.ts_us is not None else ""
            if this_day != day:
                day = this_day
                block.append(f"<p class='day'>{esc(day or 'No time')}</p>")
            block.append(_message_html(ctx, entry, it, archive))
        elif it.kind == "email":
            block.append(_email_html(ctx, entry, it, archive))
        else:
            block.append(_text_item_html(ctx, entry, it, archive))
        if len(block) >= MESSAGES_PER_BLOCK or n == len(run) - 1:
            cancel.check()
            flow.add("".join(block), archive)
            block = []


def _message_html(ctx: _Context, entry: PackEntry, it: ItemData, archive: Any) -> str:
    when = local(it.ts_us, ctx.zone, "%H:%M %Z")
    note = time_note(it)
    if note:
        when = f"{when} ({note})"
    text = redacted_text(it, ctx.red(it.id))
    if it.kind == "system":
        return f"<p class='sys'>{esc(when)} — {text_html(text)}</p>"
    who = esc(ctx.scrub(it.author) or "(unknown sender)")
    body = f"<p class='text'>{text_html(text)}</p>" if text.strip() else ""
    return (
        f"<div class='msg'><p class='who'><b>{who}</b>&#160;&#160;<span class='time'>"
        f"{esc(when)}</span></p>{body}{_attachments_html(ctx, entry, it, archive)}</div>"
    )


def _attachments_html(ctx: _Context, entry: PackEntry, it: ItemData, archive: Any) -> str:
    red = ctx.red(it.id)
    if red is not None and red.whole:
        return ""
    parts: list[str] = []
    for child_id in it.children:
        child = ctx.items.get(child_id)
        if child is None:
            continue
        other = ctx.entry_of.get(child_id)
        kind = child.kind_name
        if other is None:
            parts.append(f"<p class='att'>Attachment ({esc(kind)}) — not in this bundle</p>")
            continue
        where = f"exhibit {esc(other.exhibit_ref)}" if other is not entry else "shown below"
        parts.append(
            f"<p class='att'>Attachment: <b>{esc(other.alias)}</b> ({esc(kind)}) — {where}</p>"
        )
        if child.kind == "image":
            parts.append(_inline_picture(ctx, child, archive))
    if not it.children and isinstance(it.meta.get("attachment"), str):
        parts.append("<p class='att'>Attachment — the file is not in the export</p>")
    return "".join(parts)


def _inline_picture(ctx: _Context, child: ItemData, archive: Any) -> str:
    red = ctx.red(child.id)
    if red is not None and red.whole:
        return f"<p class='att'>{text_html(marker(red.whole))}</p>"
    sha = ctx.case.item_blob_sha(child.id)
    if sha is None:
        return "<p class='att'>(picture not available)</p>"
    try:
        data = redacted_picture(ctx.case.blobs.read(sha), red, INLINE_PICTURE_PIXELS)
    except Exception as exc:  # noqa: BLE001 - a picture that cannot be read: said, not fatal
        log.info("attachment %s not shown: %s", child.id, exc)
        return "<p class='att'>(picture cannot be shown)</p>"
    ctx.pictures += 1
    name = f"p{ctx.pictures}.png"
    archive.add((data, name))
    return f"<p class='att'><img src='{name}' width='{INLINE_PICTURE_WIDTH}'/></p>"


def _email_html(ctx: _Context, entry: PackEntry, it: ItemData, archive: Any) -> str:
    red = ctx.red(it.id)
    if red is not None and red.whole:
        return _withheld_html(red.whole, "This email")
    headers = email_headers(it, red)
    if not headers:
        headers = [("Date", local(it.ts_us, ctx.zone))]
    rows = "".join(
        f"<tr><td class='k'>{esc(k)}</td><td>{text_html(v)}</td></tr>" for k, v in headers
    )
    shown = local(it.ts_us, ctx.zone)
    body = redacted_text(it, red)
    return (
        f"<table class='hdr'>{rows}</table>"
        + (f"<p class='small'>Sent {esc(shown)} (in {esc(ctx.zone)})</p>" if shown else "")
        + f"<div class='body'><p>{text_html(body)}</p></div>"
        + _attachments_html(ctx, entry, it, archive)
    )


def _text_item_html(ctx: _Context, entry: PackEntry, it: ItemData, archive: Any) -> str:
    red = ctx.red(it.id)
    if red is not None and red.whole:
        return _withheld_html(red.whole)
    text = redacted_text(it, red)
    when = local(it.ts_us, ctx.zone)
    head = f"<p class='small'>{esc(it.kind_name.capitalize())}"
    head += f" · {esc(when)}" if when else ""
    head += "</p>"
    return f"{head}<p>{text_html(text)}</p>{_attachments_html(ctx, entry, it, archive)}"


# -- pictures and PDF pages ---------------------------------------------------------------


def _page_heading(page: Any, ctx: _Context, entry: PackEntry, first: bool, caption: str) -> float:
    """A heading at the top of a fixed page; returns where the content may start (y)."""
    box = pm.Rect(MARGIN_X, MARGIN_TOP - 14, page.rect.width - MARGIN_X, MARGIN_TOP + 70)
    if first:
        body = _heading(ctx, entry, [caption])
    else:
        body = f"<p class='facts'><b>Exhibit {esc(entry.exhibit_ref)}</b> · {esc(caption)}</p>"
    spare, _ = page.insert_htmlbox(box, body, css=ctx.css)
    used = box.height - max(float(spare), 0.0)
    return float(box.y0 + used + 8)


def _content_rect(page: Any, top: float) -> Any:
    return pm.Rect(MARGIN_X, top, page.rect.width - MARGIN_X, page.rect.height - MARGIN_BOTTOM)


def _fit(area: Any, width: float, height: float) -> Any:
    scale = min(area.width / width, area.height / height, 1.0 if width < 200 else 99)
    w, h = width * scale, height * scale
    x0 = area.x0 + (area.width - w) / 2
    return pm.Rect(x0, area.y0, x0 + w, area.y0 + h)


def _fixed_pages(ctx: _Context, entry: PackEntry, it: ItemData, content: Any, first: bool) -> None:
    red = ctx.red(it.id)
    if red is not None and red.whole:
        what = "This picture" if it.kind == "image" else "This document"
        _append(
            content,
            flow_pdf(
                [_heading(ctx, entry) if first else "", _withheld_html(red.whole, what)],
                css=ctx.css,
            ),
        )
        return
    sha = ctx.case.item_blob_sha(it.id)
    if sha is None:
        _append(
            content,
            flow_pdf(
                [
                    _heading(ctx, entry) if first else "",
                    f"<p class='withheld'>The original of this {esc(it.kind_name)} is not "
                    "in the case.</p>",
                ],
                css=ctx.css,
            ),
        )
        return
    original = ctx.case.blobs.read(sha)  # through the store: never a plaintext copy on disk
    if it.kind == "image":
        _picture_page(ctx, entry, it, original, red, content, first)
    elif it.mime == "application/pdf" or original[:5] == b"%PDF-":
        _pdf_pages(ctx, entry, it, original, red, content, first)
    else:
        _append(
            content,
            flow_pdf(
                [
                    _heading(ctx, entry) if first else "",
                    f"<p>{esc(it.kind_name.capitalize())} of type {esc(it.mime or 'unknown')}: "
                    "not shown in the bundle; see the native files.</p>",
                ],
                css=ctx.css,
            ),
        )


def _picture_page(
    ctx: _Context,
    entry: PackEntry,
    it: ItemData,
    original: bytes,
    red: ItemRedactions | None,
    content: Any,
    first: bool,
) -> None:
    data = redacted_picture(original, red, PAGE_PICTURE_PIXELS)
    from app.export.render_items import picture_size

    width, height = picture_size(data)
    size = A4_LANDSCAPE if width > height * 1.15 else A4
    page = content.new_page(width=size[0], height=size[1])
    when = local(it.ts_us, ctx.zone)
    caption = (
        "picture"
        + (f" · {when}" if when else "")
        + (f" ({time_note(it)})" if time_note(it) else "")
    )
    if red is not None and red.regions:
        caption += f" · {sum(len(v) for v in red.regions.values())} area(s) redacted"
    top = _page_heading(page, ctx, entry, first, caption)
    rect = _fit(_content_rect(page, top), width, height)
    page.insert_image(rect, stream=data)
    page.draw_rect(rect, color=(0.7, 0.7, 0.7), width=0.5)


def _pdf_pages(
    ctx: _Context,
    entry: PackEntry,
    it: ItemData,
    original: bytes,
    red: ItemRedactions | None,
    content: Any,
    first: bool,
) -> None:
    marks = red.marks() if red is not None else []
    whole = sorted(red.whole_pages) if red is not None else []
    if red is not None:  # a withheld page is labelled with the marks on it: give it its codes
        marks += [Mark(p, (0.0, 0.0, 1.0, 1.0), code) for p, code in red.whole_pages.items()]
    data = redact_pdf(original, marks, whole)
    src: Any = pm.open("pdf", data)
    try:
        count = src.page_count
        for n in range(count):
            sp = src[n]
            box = sp.rect
            size = A4_LANDSCAPE if box.width > box.height else A4
            page = content.new_page(width=size[0], height=size[1])
            caption = f"document page {n + 1} of {count}"
            if first and n == 0:
                top = _page_heading(page, ctx, entry, True, caption)
            else:  # the header line is written with the page stamps
                ctx.headers[content.page_count - 1] = f"Exhibit {entry.exhibit_ref}  ·  {caption}"
                top = MARGIN_TOP + 6
            rect = _fit(_content_rect(page, top), box.width, box.height)
            page.show_pdf_page(rect, src, n)
            page.draw_rect(rect, color=(0.7, 0.7, 0.7), width=0.5)
    finally:
        src.close()
