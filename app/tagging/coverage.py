"""The coverage matrix: for each charge, each element (point to prove) and the evidence for it.

Definitions, as the matrix states them to its reader:

* An item's *time* is its earliest event of the best time confidence it has (an exact or
  assumed-zone time before a time read from a file name, before a file's own time).
  Items without any event have no time ("untimed").
* The charge's dates are local calendar days in the case's time zone, inclusive. A tagged
  item whose time falls on another day is *outside the charge dates*: it is listed and
  counted separately (`outside`) and supports neither the item count nor the occasions.
* *Items*: distinct tagged items within the dates, untimed ones included.
* *Occasions*: distinct local calendar days (case zone) of the items within the dates. A
  course-of-conduct element (harassment, stalking) needs at least two.
* *First* / *last*: the earliest and latest item time within the dates.

Exports: `write_coverage_csv` (one row per element), `write_evidence_csv` (one row per
supporting item of each element) and `write_coverage_pdf` (both, A4 landscape). The
exhibit reference column stays empty until exhibits are recorded (issue 8). Quotations
are redacted with the approved redactions of a chosen redaction set for disclosure.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.case import Case
from app.errors import EvidenceError, ExportError
from app.store.schema import Charge
from app.tagging.library import Element
from app.tagging.model import ChargeRow, element_key
from app.tagging.store import charge_row
from app.timeline.clock import us_to_utc, zone
from app.timeline.query import label, raw_cursor

log = logging.getLogger(__name__)

QUOTE_CHARS = 160
"""The longest quotation (characters) listed for an item."""
MIN_OCCASIONS = 2
PDF_ITEMS_PER_ELEMENT = 200
"""The PDF lists this many items per element at most (the evidence CSV lists them all)."""
# The confidence of an event's time, best first (see `app.model.Confidence`).
_CONFIDENCE_RANK = {"exact": 0, "assumed-zone": 0, "file-name": 1, "file-time": 2}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One item supporting an element, as the evidence list shows it."""

    item_id: int
    ts_utc_us: int | None
    time: str  # local time in the display zone, "" when untimed
    source: str
    author: str
    kind: str
    exhibit: str  # exhibit reference: "" until exhibits exist (issue 8)
    quote: str  # short quotation, redacted when a redaction set was chosen
    note: str  # the tags' notes
    origin: str  # "manual", "suggestion" (or both)
    outside: bool  # outside the charge dates


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One element of one charge: how much evidence supports it and what is missing.

    `gap` is "" when the element is covered, else why not; `flag` notes what needs a look
    without being a gap (items outside the charge dates, untimed items).
    """

    charge: ChargeRow
    element: Element
    items: int
    occasions: int
    first_us: int | None
    last_us: int | None
    gap: str
    outside: int = 0
    untimed: int = 0
    flag: str = ""
    evidence: tuple[Evidence, ...] = ()

    @property
    def key(self) -> str:
        """The element key ("charge:element") for `TimelineFilter.elements`."""
        return element_key(self.charge.id, self.element.id)

    @property
    def covered(self) -> bool:
        """Whether the element has evidence and no gap."""
        return not self.gap


@dataclass(frozen=True, slots=True)
class Coverage:
    """The matrix for a case: rows by charge (in order added) and element (library order)."""

    case_name: str
    zone: str  # the case zone: days, occasions and charge dates
    display_zone: str  # the zone of the times shown
    rows: list[CoverageRow]
    redaction_set: str = ""
    generated_at_us: int = 0
    charges: list[ChargeRow] = field(default_factory=list)

    def for_charge(self, charge_id: int) -> list[CoverageRow]:
        """The rows of one charge."""
        return [r for r in self.rows if r.charge.id == charge_id]

    @property
    def gaps(self) -> list[CoverageRow]:
        """Rows with a gap."""
        return [r for r in self.rows if r.gap]


# -- building -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    kind: str
    text: str
    ocr_text: str
    source: str
    author: str
    ts: int | None = None
    pages: dict[int, list[list[Any]]] = field(default_factory=dict)


@dataclass(slots=True)
class _Tag:
    charge_id: int
    element_id: str
    item_id: int
    page: int | None
    box: tuple[float, float, float, float] | None
    start: int | None
    end: int | None
    note: str
    origin: str


def _json(ids: Iterable[int]) -> str:
    return json.dumps(sorted(set(ids)))


def _read_tags(s: Session, charge_ids: Sequence[int]) -> list[_Tag]:
    cur = raw_cursor(s)
    try:
        fetched = cur.execute(
            'SELECT charge_id, element_id, item_id, page, x0, y0, x1, y1, start, "end", note, '
            "origin FROM tags WHERE charge_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY charge_id, element_id, item_id, id",
            (_json(charge_ids),),
        ).fetchall()
    finally:
        cur.close()
    return [
        _Tag(
            r[0],
            r[1],
            r[2],
            r[3],
            (r[4], r[5], r[6], r[7]) if r[4] is not None else None,
            r[8],
            r[9],
            r[10] or "",
            r[11] or "manual",
        )
        for r in fetched
    ]


def _read_items(s: Session, item_ids: set[int]) -> dict[int, _Item]:
    """Each tagged item's text, source, author and time (see the module docstring)."""
    cur = raw_cursor(s)
    ids = _json(item_ids)
    try:
        items = {
            r[0]: _Item(r[1], r[2] or "", r[3] or "", r[4] or "", label(r[5], r[6], r[7]))
            for r in cur.execute(
                "SELECT i.id, i.kind, i.text, i.ocr_text, s.name, p.name, p.handle, p.phone "
                "FROM items i JOIN sources s ON s.id = i.source_id "
                "LEFT JOIN participants p ON p.id = i.author_id "
                "WHERE i.id IN (SELECT value FROM json_each(?))",
                (ids,),
            )
        }
        best: dict[int, tuple[int, int]] = {}
        for item_id, ts, confidence in cur.execute(
            "SELECT item_id, ts_utc_us, confidence FROM events "
            "WHERE item_id IN (SELECT value FROM json_each(?))",
            (ids,),
        ):
            rank = (_CONFIDENCE_RANK.get(confidence, 3), ts)
            if item_id not in best or rank < best[item_id]:
                best[item_id] = rank
        for item_id, (_, ts) in best.items():
            if item_id in items:
                items[item_id].ts = ts
        # Page words, for items quoted from their pages (documents, images, region tags).
        wanted = [i for i, it in items.items() if not it.text.strip()]
        if wanted:
            for item_id, number, words, origin in cur.execute(
                "SELECT item_id, number, words, origin FROM pages "
                "WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY item_id, number, "
                "origin = 'ocr'",
                (_json(wanted),),
            ):
                pages = items[item_id].pages
                # The file's own text first; OCR text where a page has none.
                if number not in pages or (origin == "ocr" and not pages[number]):
                    pages[number] = json.loads(words) if isinstance(words, str) else words
    finally:
        cur.close()
    return items


def _page_words(s: Session, item_id: int, page: int) -> list[list[Any]]:
    cur = raw_cursor(s)
    try:
        rows = cur.execute(
            "SELECT words FROM pages WHERE item_id = ? AND number = ? ORDER BY origin = 'ocr'",
            (item_id, page),
        ).fetchall()
    finally:
        cur.close()
    for (words,) in rows:
        parsed = json.loads(words) if isinstance(words, str) else words
        if parsed:
            return list(parsed)
    return []


@dataclass(frozen=True, slots=True)
class _Redactions:
    """The approved redactions of the chosen set for the evidence items."""

    whole: dict[int, str]  # item -> label (the whole item, or its text, is withheld)
    spans: dict[int, list[tuple[int, int, str]]]  # item -> spans of its own text
    regions: dict[tuple[int, int], list[tuple[tuple[float, float, float, float], str]]]


def _read_redactions(s: Session, set_name: str, item_ids: set[int]) -> _Redactions:
    try:
        from app.redaction.store import query_redactions, reason_label, set_id
    except ImportError as exc:  # pragma: no cover - the redaction package ships with the app
        raise ExportError("redaction is not available in this build") from exc
    if set_id(s, set_name) is None:
        raise EvidenceError(f"there is no redaction set {set_name!r} on this case")
    whole: dict[int, str] = {}
    spans: dict[int, list[tuple[int, int, str]]] = {}
    regions: dict[tuple[int, int], list[tuple[tuple[float, float, float, float], str]]] = {}
    for r in query_redactions(s, set_name, sorted(item_ids), ("approved",)):
        name = reason_label(r.reason)
        if r.kind == "item":
            whole[r.item_id] = name
        elif r.kind == "span" and r.target == "text" and r.start is not None:
            spans.setdefault(r.item_id, []).append((r.start, r.end or r.start, name))
        elif r.kind == "region" and r.page is not None and r.box is not None:
            regions.setdefault((r.item_id, r.page), []).append((r.box, name))
    return _Redactions(whole, spans, regions)


def _short(text: str) -> str:
    flat = _SPACES.sub(" ", text).strip()
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 1].rstrip() + "…"


def _overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _quote_text(
    text: str, start: int, end: int, spans: Sequence[tuple[int, int, str]] | None
) -> str:
    """Characters start..end of a text, cut short, with redacted spans replaced."""
    wanted = min(end, len(text))
    end = min(wanted, start + QUOTE_CHARS)
    piece = text[start:end]
    if spans:
        from app.redaction.apply import SpanMark, redact_text

        marks = [
            SpanMark(max(a, start) - start, min(b, end) - start, name)
            for a, b, name in spans
            if a < end and b > start
        ]
        piece = redact_text(piece, marks)
    quote = _short(piece)
    return quote + "…" if end < wanted and not quote.endswith("…") else quote


def _quote_words(
    words: Sequence[Sequence[Any]],
    box: Sequence[float] | None,
    regions: Sequence[tuple[Sequence[float], str]],
) -> str:
    """The words of a page (inside `box` when given), redacted regions replaced."""
    out: list[str] = []
    last_marker = ""
    for w in words:
        if len(w) < 5 or (box is not None and not _overlaps(w, box)):
            continue
        hidden = next((name for r, name in regions if _overlaps(w, r)), None)
        if hidden is not None:
            from app.redaction.apply import marker

            m = marker(hidden)
            if m != last_marker:
                out.append(m)
            last_marker = m
            continue
        last_marker = ""
        out.append(str(w[4]))
        if sum(len(x) + 1 for x in out) > QUOTE_CHARS:
            break
    return _short(" ".join(out))


def _quote(
    s: Session, item_id: int, item: _Item, tags: Sequence[_Tag], red: _Redactions | None
) -> str:
    """A short quotation of what the tags point at in the item."""
    if red is not None and item_id in red.whole:
        from app.redaction.apply import marker

        return marker(red.whole[item_id])
    spans = red.spans.get(item_id) if red is not None else None
    quotes: list[str] = []
    for t in tags:
        if t.start is not None and t.end is not None and item.text:
            quotes.append(_quote_text(item.text, t.start, t.end, spans))
        elif t.page is not None:
            regions = red.regions.get((item_id, t.page), []) if red is not None else []
            words = item.pages.get(t.page) or _page_words(s, item_id, t.page)
            quotes.append(_quote_words(words, t.box, regions))
    if not quotes:
        if item.text.strip():
            quotes.append(_quote_text(item.text, 0, len(item.text), spans))
        elif item.pages:
            number = min(item.pages)
            regions = red.regions.get((item_id, number), []) if red is not None else []
            quotes.append(_quote_words(item.pages[number], None, regions))
        elif item.ocr_text and red is None:
            quotes.append(_short(item.ocr_text))
    quote = " … ".join(dict.fromkeys(q for q in quotes if q))
    return quote or f"[{item.kind}, no text]"


def _day(ts: int, zone_name: str) -> date:
    return us_to_utc(ts).astimezone(zone(zone_name)).date()


def local_time(ts: int | None, zone_name: str) -> str:
    """A time as the matrix prints it: "2024-03-01 09:00 GMT" in the given zone."""
    if ts is None:
        return ""
    return us_to_utc(ts).astimezone(zone(zone_name)).strftime("%Y-%m-%d %H:%M %Z")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _gap(element: Element, items: int, outside: int, occasions: int) -> str:
    if items == 0:
        what = "no evidence of identity (attribution)" if element.identity else "no evidence"
        if outside:
            return f"{what} within the charge dates ({_plural(outside, 'item')} outside)"
        return what
    if element.course_of_conduct and occasions < MIN_OCCASIONS:
        return (
            f"course of conduct needs at least two occasions: {occasions} found"
            if occasions
            else "course of conduct needs at least two occasions: none dated"
        )
    return ""


def coverage(
    case: Case,
    display_zone: str | None = None,
    *,
    redaction_set: str | None = None,
    charge_ids: Sequence[int] | None = None,
) -> Coverage:
    """The matrix of the case's charges (or those named) × their elements.

    Quotations are redacted with the approved redactions of `redaction_set` when named.
    """
    case_zone = case.zone
    show = display_zone or case_zone
    zone(show)
    with case.read() as s:
        charge_rows = [
            charge_row(s, c)
            for c in s.scalars(select(Charge).order_by(Charge.id))
            if charge_ids is None or c.id in charge_ids
        ]
        tags = _read_tags(s, [c.id for c in charge_rows])
        item_ids = {t.item_id for t in tags}
        items = _read_items(s, item_ids)
        red = _read_redactions(s, redaction_set, item_ids) if redaction_set else None
        by_key: dict[tuple[int, str], dict[int, list[_Tag]]] = {}
        for t in tags:
            by_key.setdefault((t.charge_id, t.element_id), {}).setdefault(t.item_id, []).append(t)
        rows: list[CoverageRow] = []
        for ch in charge_rows:
            for element in ch.offence.elements:
                tagged = by_key.get((ch.id, element.id), {})
                rows.append(_row(s, ch, element, tagged, items, red, case_zone, show))
    return Coverage(
        case_name=case.name,
        zone=case_zone,
        display_zone=show,
        rows=rows,
        redaction_set=redaction_set or "",
        generated_at_us=audit.now_us(),
        charges=charge_rows,
    )


def _row(
    s: Session,
    ch: ChargeRow,
    element: Element,
    tagged: dict[int, list[_Tag]],
    items: dict[int, _Item],
    red: _Redactions | None,
    case_zone: str,
    show: str,
) -> CoverageRow:
    evidence: list[Evidence] = []
    days: set[date] = set()
    times: list[int] = []
    outside = untimed = 0
    for item_id, item_tags in tagged.items():
        item = items.get(item_id)
        if item is None:
            continue
        out = False
        if item.ts is None:
            untimed += 1
        else:
            day = _day(item.ts, case_zone)
            out = not ch.from_date <= day <= ch.to_date
            if out:
                outside += 1
            else:
                days.add(day)
                times.append(item.ts)
        evidence.append(
            Evidence(
                item_id=item_id,
                ts_utc_us=item.ts,
                time=local_time(item.ts, show),
                source=item.source,
                author=item.author,
                kind=item.kind,
                exhibit="",
                quote=_quote(s, item_id, item, item_tags, red),
                note="; ".join(dict.fromkeys(t.note for t in item_tags if t.note)),
                origin=", ".join(dict.fromkeys(t.origin for t in item_tags)),
                outside=out,
            )
        )
    evidence.sort(key=lambda e: (e.ts_utc_us is None, e.ts_utc_us or 0, e.item_id))
    count = len(tagged) - outside
    flags = []
    if outside and count:
        flags.append(f"{_plural(outside, 'item')} outside the charge dates")
    if untimed:
        flags.append(f"{_plural(untimed, 'item')} without a time")
    return CoverageRow(
        charge=ch,
        element=element,
        items=count,
        occasions=len(days),
        first_us=min(times) if times else None,
        last_us=max(times) if times else None,
        gap=_gap(element, count, outside, len(days)),
        outside=outside,
        untimed=untimed,
        flag="; ".join(flags),
        evidence=tuple(evidence),
    )


# -- CSV ------------------------------------------------------------------------------------

MATRIX_COLUMNS = (
    "charge",
    "offence_id",
    "offence",
    "statute",
    "from",
    "to",
    "element_id",
    "element",
    "course_of_conduct",
    "items",
    "occasions",
    "first",
    "last",
    "outside_dates",
    "gap",
    "flag",
)
EVIDENCE_COLUMNS = (
    "charge",
    "offence",
    "element_id",
    "item_id",
    "time",
    "source",
    "author",
    "kind",
    "exhibit",  # empty until exhibits are recorded (issue 8)
    "quotation",
    "tag_note",
    "origin",
    "outside_dates",
)


def _statute(row: CoverageRow) -> str:
    off = row.charge.offence
    return ", ".join(x for x in (off.section, off.statute) if x)


def matrix_rows(cov: Coverage) -> list[list[str]]:
    """The matrix as text cells, one row per element (the CSV without its header)."""
    out = []
    for r in cov.rows:
        off = r.charge.offence
        out.append(
            [
                str(r.charge.id),
                off.id,
                off.short_name or off.name,
                _statute(r),
                r.charge.from_date.isoformat(),
                r.charge.to_date.isoformat(),
                r.element.id,
                r.element.text,
                "yes" if r.element.course_of_conduct else "",
                str(r.items),
                str(r.occasions) if r.element.course_of_conduct else "",
                local_time(r.first_us, cov.display_zone),
                local_time(r.last_us, cov.display_zone),
                str(r.outside) if r.outside else "",
                r.gap,
                r.flag,
            ]
        )
    return out


def evidence_rows(cov: Coverage) -> list[list[str]]:
    """The evidence list as text cells, one row per supporting item of each element."""
    out = []
    for r in cov.rows:
        for e in r.evidence:
            out.append(
                [
                    str(r.charge.id),
                    r.charge.offence.short_name or r.charge.offence.name,
                    r.element.id,
                    str(e.item_id),
                    e.time,
                    e.source,
                    e.author,
                    e.kind,
                    e.exhibit,
                    e.quote,
                    e.note,
                    e.origin,
                    "yes" if e.outside else "",
                ]
            )
    return out


def _write_csv(
    target: str | Path | IO[str], header: Sequence[str], rows: Iterable[Sequence[str]]
) -> None:
    if isinstance(target, (str, Path)):
        with open(target, "w", encoding="utf-8-sig", newline="") as fh:
            _write_csv(fh, header, rows)
        return
    w = csv.writer(target, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)


def write_coverage_csv(cov: Coverage, target: str | Path | IO[str]) -> None:
    """The matrix as CSV: one row per element of each charge (a path gets UTF-8 with BOM,
    which spreadsheet programs need to read non-ASCII text)."""
    _write_csv(target, MATRIX_COLUMNS, matrix_rows(cov))


def write_evidence_csv(cov: Coverage, target: str | Path | IO[str]) -> None:
    """The evidence list as CSV: one row per supporting item of each element."""
    _write_csv(target, EVIDENCE_COLUMNS, evidence_rows(cov))


def coverage_csv_text(cov: Coverage) -> str:
    """The matrix CSV as a string."""
    buf = io.StringIO()
    write_coverage_csv(cov, buf)
    return buf.getvalue()


# -- PDF ------------------------------------------------------------------------------------

_A4_LANDSCAPE = (842.0, 595.0)
_MARGIN = 36.0
_CSS = """
* { font-family: sans-serif; font-size: 8.5pt; }
h1 { font-size: 15pt; margin: 0 0 4pt 0; }
h2 { font-size: 11.5pt; margin: 10pt 0 3pt 0; }
h3 { font-size: 10pt; margin: 8pt 0 2pt 0; }
p { margin: 0 0 3pt 0; }
.small { font-size: 7.5pt; color: #444444; }
.warn { color: #8a4b00; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-weight: bold; border-bottom: 1.2pt solid #333333; }
th, td { border: 0.5pt solid #999999; padding: 2pt 3pt; vertical-align: top; }
td.num { text-align: right; }
tr.gap td { color: #9b1c1c; }
td.gaptext { color: #9b1c1c; font-weight: bold; }
td.out { color: #8a4b00; }
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _pdf_html(cov: Coverage, case_note: str) -> str:
    parts = [
        f"<h1>Evidence matrix — {_e(cov.case_name)}</h1>",
        f"<p class='small'>{_e(case_note)}</p>",
        "<p class='small'>Items: distinct tagged items within the charge dates. Occasions "
        "(course-of-conduct elements): distinct calendar days in the case zone "
        f"({_e(cov.zone)}) of those items; at least two are needed. Times are shown in "
        f"{_e(cov.display_zone)}. Rows with a gap are in red and marked GAP. Exhibit "
        "references are empty until exhibits are recorded.</p>",
    ]
    if cov.redaction_set:
        parts.append(
            f"<p class='small'>Quotations redacted with the approved redactions of the set "
            f"“{_e(cov.redaction_set)}”.</p>"
        )
    if not cov.charges:
        parts.append("<p>No charges on this case.</p>")
    for ch in cov.charges:
        off = ch.offence
        rows = cov.for_charge(ch.id)
        parts.append(
            f"<h2>Charge {ch.id}: {_e(off.name)}</h2>"
            f"<p>{_e(off.section)}, {_e(off.statute)} · conduct {ch.from_date:%d %b %Y} – "
            f"{ch.to_date:%d %b %Y}" + (f" · {_e(ch.note)}" if ch.note else "") + "</p>"
        )
        if off.unverified:
            parts.append(f"<p class='warn'>Unverified: {_e(off.unverified)}</p>")
        for w in ch.warnings:
            parts.append(f"<p class='warn'>⚠ {_e(w)}</p>")
        parts.append(
            "<table><tr><th>Element</th><th>Items</th><th>Occasions</th><th>First</th>"
            "<th>Last</th><th>Gap / note</th></tr>"
        )
        for r in rows:
            cls = " class='gap'" if r.gap else ""
            occ = str(r.occasions) if r.element.course_of_conduct else "–"
            note = f"<td class='gaptext'>GAP: {_e(r.gap)}</td>" if r.gap else "<td>"
            if not r.gap:
                note += _e(r.flag) + "</td>"
            elif r.flag:
                note = note[:-5] + f"<br/><span class='out'>{_e(r.flag)}</span></td>"
            unverified = (
                f"<br/><span class='warn'>Unverified: {_e(r.element.unverified)}</span>"
                if r.element.unverified
                else ""
            )
            parts.append(
                f"<tr{cls}><td><b>{_e(r.element.id)}</b><br/>{_e(r.element.text)}{unverified}"
                f"</td><td class='num'>{r.items}</td><td class='num'>{occ}</td>"
                f"<td>{_e(local_time(r.first_us, cov.display_zone))}</td>"
                f"<td>{_e(local_time(r.last_us, cov.display_zone))}</td>{note}</tr>"
            )
        parts.append("</table>")
    evidence = [r for r in cov.rows if r.evidence]
    if evidence:
        parts.append("<h2 style='page-break-before: always'>Evidence by element</h2>")
    for r in evidence:
        parts.append(
            f"<h3>Charge {r.charge.id} · {_e(r.element.id)} "
            f"({_e(r.charge.offence.short_name)})</h3>"
            "<table><tr><th>Item</th><th>Time</th><th>Source</th><th>Author</th>"
            "<th>Exhibit</th><th>Quotation</th><th>Note</th></tr>"
        )
        for e in r.evidence[:PDF_ITEMS_PER_ELEMENT]:
            when = _e(e.time or "no time")
            if e.outside:
                when += "<br/><span class='out'>outside the charge dates</span>"
            origin = " (suggested)" if "suggestion" in e.origin else ""
            parts.append(
                f"<tr><td class='num'>{e.item_id}</td><td>{when}</td><td>{_e(e.source)}</td>"
                f"<td>{_e(e.author)}</td><td>{_e(e.exhibit)}</td><td>{_e(e.quote)}</td>"
                f"<td>{_e(e.note)}{origin}</td></tr>"
            )
        parts.append("</table>")
        more = len(r.evidence) - PDF_ITEMS_PER_ELEMENT
        if more > 0:
            parts.append(f"<p class='small'>… and {more} more items: see the evidence CSV.</p>")
    return "".join(parts)


def write_coverage_pdf(case: Case, cov: Coverage, path: str | Path) -> Path:
    """The matrix and its evidence list as an A4 landscape PDF; returns the path written.

    Laid out by MuPDF's HTML engine, whose fallback fonts cover non-Latin scripts too.
    """
    import pymupdf as _pymupdf

    pymupdf: Any = _pymupdf  # untyped library
    target = Path(path)
    made = local_time(cov.generated_at_us, cov.display_zone)
    note = f"Generated {made} by {case.user} from case {case.name}."
    story = pymupdf.Story(html=_pdf_html(cov, note), user_css=_CSS)
    page_rect = pymupdf.Rect(0, 0, *_A4_LANDSCAPE)
    where = pymupdf.Rect(_MARGIN, _MARGIN, _A4_LANDSCAPE[0] - _MARGIN, _A4_LANDSCAPE[1] - 50)
    buf = io.BytesIO()
    writer = pymupdf.DocumentWriter(buf)
    more = True
    pages = 0
    while more:
        device = writer.begin_page(page_rect)
        more, _ = story.place(where)
        story.draw(device)
        writer.end_page()
        pages += 1
        if pages > 2000:
            raise ExportError("the evidence matrix would run past 2000 pages")
    writer.close()
    doc = pymupdf.open("pdf", buf.getvalue())
    try:
        for n, page in enumerate(doc, start=1):
            footer = pymupdf.Rect(
                _MARGIN,
                _A4_LANDSCAPE[1] - _MARGIN - 6,
                _A4_LANDSCAPE[0] - _MARGIN,
                _A4_LANDSCAPE[1],
            )
            page.insert_htmlbox(
                footer,
                f"<p>Evidence matrix — {_e(case.name)} — page {n} of {len(doc)}</p>",
                css="* {font-family: sans-serif; font-size: 7.5pt; color: #555555;}",
            )
        doc.set_metadata({"title": f"Evidence matrix — {case.name}", "creator": "Threadline"})
        tmp = target.with_name(f".{target.name}.tmp")
        doc.save(tmp, garbage=3, deflate=True)
    finally:
        doc.close()
    tmp.replace(target)
    log.info("coverage PDF written to %s (%d pages)", target, pages)
    return target
