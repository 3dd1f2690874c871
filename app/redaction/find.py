"""Search and redact: find a term, a regular expression, PII or protected terms across a case.

Every hit becomes a `RedactionDraft` for review:
- text of messages, emails, text files (anything but a paged document): a SPAN on "text";
- email headers a person reads (`SEARCHED_HEADERS` of `Item.meta["headers"]`): a SPAN on
  "header:NAME";
- words of PDF pages (the file's own text layer and OCR) and OCR words of images: one REGION
  per line of words the hit covers, the union of those words' boxes (whole words: a box never
  cuts a word in two, so no part of a covered word's glyphs survives).

Matching is case-insensitive; whitespace in a term matches any run of whitespace (so a phrase
is found across a line break). Hits already covered by a redaction of the set are skipped.
For a plain term the candidate items are preselected in SQL (the full-text index for whole
words, LIKE otherwise), and rows are streamed, so a large case is never loaded at once.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, literal_column, or_, select
from sqlalchemy.orm import Session

from app.case import Case
from app.errors import EvidenceError
from app.jobs import CancelToken, ProgressCallback, ThrottledProgress
from app.redaction.model import Box, RedactionDraft, RedactionError, RedactionKind
from app.redaction.store import DEFAULT_SET, check_reason, protected_terms, query_redactions
from app.store.schema import Item, Page

log = logging.getLogger(__name__)

_CHUNK = 500
_STREAM = 1000
_PLAIN = re.compile(r"\w+")
_TOLERANCE = 0.5  # points or pixels: a box this close to an existing one counts as covered


@dataclass(frozen=True, slots=True)
class FindQuery:
    """What to look for: a term or phrase, a regular expression, PII kinds, protected terms."""

    text: str = ""
    regex: str = ""
    pii: tuple[str, ...] = ()
    protected: bool = False
    whole_words: bool = False
    protected_ids: tuple[int, ...] = ()  # with `protected`: only these terms (all when empty)

    @property
    def empty(self) -> bool:
        """Whether the query asks for nothing."""
        return not (self.text.strip() or self.regex or self.pii or self.protected)


@dataclass(frozen=True, slots=True)
class Match:
    """One hit in a text: characters start..end, where it came from, and its reason code."""

    start: int
    end: int
    origin: str
    reason: str


class _Matcher:
    """Finds every hit of a query in one text."""

    def __init__(self, case: Case, query: FindQuery, reason: str) -> None:
        self.reason = reason
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        if query.text.strip():
            body = r"\s+".join(re.escape(p) for p in query.text.split())
            self.patterns.append((_compile(body, query.whole_words), "search"))
        if query.regex:
            self.patterns.append((_compile(query.regex, query.whole_words), "search"))
        self.pii_kinds: tuple[str, ...] = ()
        if query.pii:
            from app.redaction import pii

            unknown = [k for k in query.pii if k not in pii.KINDS]
            if unknown:
                raise RedactionError(
                    f"unknown PII kind {', '.join(unknown)}; valid kinds: {', '.join(pii.KINDS)}"
                )
            self.pii_kinds = tuple(dict.fromkeys(query.pii))
        self.terms: list[tuple[tuple[str, ...], str, int]] = []
        if query.protected:
            only = set(query.protected_ids)
            self.terms = [
                (t.spellings, t.reason, t.id)
                for t in protected_terms(case)
                if not only or t.id in only
            ]

    def __call__(self, text: str) -> list[Match]:
        """Hits in `text`, by position; a hit inside an earlier, longer one is dropped."""
        if not text:
            return []
        found: list[Match] = []
        for pattern, origin in self.patterns:
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    found.append(Match(m.start(), m.end(), origin, self.reason))
        if self.pii_kinds or self.terms:
            from app.redaction import pii

            if self.pii_kinds:
                for p in pii.find_pii(text, self.pii_kinds):
                    found.append(Match(p.start, p.end, f"pii:{p.kind}", self.reason))
            for spellings, reason, _ in self.terms:
                for p in pii.find_terms(text, spellings):
                    found.append(Match(p.start, p.end, "protected", reason))
        return _outermost(found)


def _compile(body: str, whole_words: bool) -> re.Pattern[str]:
    if whole_words:
        body = rf"(?<!\w)(?:{body})(?!\w)"
    try:
        return re.compile(body, re.IGNORECASE)
    except re.error as exc:
        raise RedactionError(f"not a valid regular expression: {exc}") from None


def _outermost(found: list[Match]) -> list[Match]:
    found.sort(key=lambda m: (m.start, -m.end))
    out: list[Match] = []
    for m in found:
        if out and m.end <= out[-1].end:
            continue  # inside the previous hit
        out.append(m)
    return out


# -- page words to text and back ------------------------------------------------------------


@dataclass(slots=True)
class PageText:
    """A page's words joined into one text (single spaces), with each word's offsets and line."""

    text: str
    starts: list[int]
    ends: list[int]
    lines: list[int]
    boxes: list[Box]


def _usable(w: Sequence[Any]) -> bool:
    return len(w) >= 5 and isinstance(w[4], str) and bool(w[4])


def _joined(words: Sequence[Sequence[Any]]) -> str:
    """The text `page_text` makes of these words, without the boxes (cheap)."""
    return " ".join(w[4] for w in words if _usable(w))


def page_text(words: Sequence[Sequence[Any]]) -> PageText:
    """Join [x0, y0, x1, y1, word] rows in reading order; a line ends when the next word
    does not sit beside the previous one (no vertical overlap, or it starts back to the left)."""
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    lines: list[int] = []
    boxes: list[Box] = []
    pos = 0
    line = 0
    prev: Box | None = None
    for w in words:
        if not _usable(w):
            continue
        box = (float(w[0]), float(w[1]), float(w[2]), float(w[3]))
        if prev is not None and not _same_line(prev, box):
            line += 1
        if parts:
            pos += 1  # the joining space
        word = w[4]
        parts.append(word)
        starts.append(pos)
        pos += len(word)
        ends.append(pos)
        lines.append(line)
        boxes.append(box)
        prev = box
    return PageText(" ".join(parts), starts, ends, lines, boxes)


def _same_line(a: Box, b: Box) -> bool:
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    height = max(min(a[3] - a[1], b[3] - b[1]), 1e-6)
    return overlap >= 0.5 * height and b[0] >= a[0] - 0.5 * height


def regions(page: PageText, start: int, end: int) -> list[tuple[Box, str]]:
    """The union boxes (one per line) of the words characters start..end touch, each with
    the part of the hit on that line."""
    i = bisect.bisect_right(page.ends, start)
    by_line: dict[int, list[int]] = {}
    while i < len(page.starts) and page.starts[i] < end:
        by_line.setdefault(page.lines[i], []).append(i)
        i += 1
    out: list[tuple[Box, str]] = []
    for idx in by_line.values():
        x0 = min(page.boxes[j][0] for j in idx)
        y0 = min(page.boxes[j][1] for j in idx)
        x1 = max(page.boxes[j][2] for j in idx)
        y1 = max(page.boxes[j][3] for j in idx)
        a = max(start, page.starts[idx[0]])
        b = min(end, page.ends[idx[-1]])
        box = (round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2))
        out.append((box, page.text[a:b]))
    return out


# -- what is already covered ----------------------------------------------------------------


class _Covered:
    """Redactions of the set (and drafts made so far), to skip hits they already cover."""

    def __init__(self) -> None:
        self.whole: set[int] = set()
        self.spans: dict[tuple[int, str], list[tuple[int, int]]] = {}
        self.boxes: dict[tuple[int, int | None], list[Box]] = {}

    def add(self, d: RedactionDraft) -> None:
        """Count a redaction (or a new draft) as covering its area."""
        if d.kind == RedactionKind.ITEM:
            self.whole.add(d.item_id)
        elif d.kind == RedactionKind.SPAN and d.start is not None and d.end is not None:
            self.spans.setdefault((d.item_id, d.target), []).append((d.start, d.end))
        elif d.kind == RedactionKind.REGION and d.box is not None:
            self.boxes.setdefault((d.item_id, d.page), []).append(d.box)

    def covers(self, d: RedactionDraft) -> bool:
        """Whether an existing redaction already covers this draft's area."""
        if d.item_id in self.whole:
            return True
        if d.kind == RedactionKind.SPAN and d.start is not None and d.end is not None:
            s, e = d.start, d.end
            return any(a <= s and e <= b for a, b in self.spans.get((d.item_id, d.target), ()))
        if d.kind == RedactionKind.REGION and d.box is not None:
            x0, y0, x1, y1 = d.box
            t = _TOLERANCE
            return any(
                b[0] - t <= x0 and b[1] - t <= y0 and x1 <= b[2] + t and y1 <= b[3] + t
                for b in self.boxes.get((d.item_id, d.page), ())
            )
        return False


def _covered(s: Session, set_name: str) -> _Covered:
    covered = _Covered()
    for r in query_redactions(s, set_name=set_name):
        covered.add(
            RedactionDraft(
                item_id=r.item_id,
                kind=r.kind,
                reason=r.reason,
                target=r.target,
                page=r.page,
                box=r.box,
                start=r.start,
                end=r.end,
            )
        )
    return covered


# -- candidate items ------------------------------------------------------------------------


def _like(piece: str) -> str:
    escaped = piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


SEARCHED_HEADERS = frozenset(
    {
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "bcc",
        "subject",
        "return-path",
        "delivered-to",
        "x-original-to",
    }
)
"""The email headers searched (names casefolded): those naming people, and the subject.

The delivery headers (Return-Path, Delivered-To, X-Original-To) are searched because they
repeat the senders' and recipients' addresses. Date is not (a time, never personal data to
propose), nor the technical headers (Message-ID, In-Reply-To, References, Received, DKIM-*,
X-Mailer...): they name messages and machines, and a message id like <abc@host> is not
anyone's e-mail address. Export verification still scans every header of an output for
forbidden strings, so a redacted term left in a technical header blocks the output.
"""


def searched_headers(headers: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """(name, value) of the headers search-and-redact looks in, in their stored order."""
    for name, value in headers.items():
        if name.casefold() in SEARCHED_HEADERS and isinstance(value, str):
            yield name, value


@dataclass(frozen=True, slots=True)
class _Candidates:
    """Items worth scanning: ids from the index, or SQL conditions; None means all."""

    ids: frozenset[int] | None = None
    text_where: Any = None
    header_where: Any = None
    page_where: Any = None


def _candidates(s: Session, query: FindQuery) -> _Candidates:
    """Preselect items for a plain term; everything for a regex, PII or protected terms."""
    if query.regex or query.pii or query.protected or not query.text.strip():
        return _Candidates()
    pieces = query.text.split()
    header_where: Any = None
    page_where: Any = None
    if all(p.isascii() for p in pieces):
        # A page's text holds the same characters as its words (one text page gives both).
        page_where = and_(*(Page.text.like(_like(p), escape="\\") for p in pieces))
    if all(p.isascii() and '"' not in p and "\\" not in p for p in pieces):
        meta: Any = literal_column("items.meta")
        header_where = and_(*(meta.like(_like(p), escape="\\") for p in pieces))
    if query.whole_words and all(_PLAIN.fullmatch(p) for p in pieces):
        from app.search import matching_items

        phrase = '"' + " ".join(pieces) + '"'
        try:
            ids = frozenset(matching_items(s, phrase))
        except EvidenceError:
            ids = None
        if ids is not None:
            return _Candidates(ids=ids, header_where=header_where, page_where=page_where)
    if all(p.isascii() for p in pieces):
        text_where = and_(
            *(
                or_(
                    Item.text.like(_like(p), escape="\\"), Item.ocr_text.like(_like(p), escape="\\")
                )
                for p in pieces
            )
        )
        return _Candidates(text_where=text_where, header_where=header_where, page_where=page_where)
    return _Candidates(header_where=header_where, page_where=page_where)


def _restricted(q: Any, column: Any, ids: Sequence[int] | None) -> Iterator[Any]:
    """The query over all rows, or once per chunk of the given ids."""
    if ids is None:
        yield q
        return
    ordered = sorted(set(ids))
    for i in range(0, len(ordered), _CHUNK):
        yield q.where(column.in_(ordered[i : i + _CHUNK]))


def _stream(s: Session, queries: Iterable[Any]) -> Iterator[Any]:
    for q in queries:
        yield from s.execute(q.execution_options(yield_per=_STREAM))


# -- the scan -------------------------------------------------------------------------------


def find_hits(
    case: Case,
    query: FindQuery,
    reason: str,
    set_name: str = DEFAULT_SET,
    item_ids: Sequence[int] | None = None,
    *,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> list[RedactionDraft]:
    """Drafts for every hit of the query across the case (or the given items), skipping
    what a redaction of `set_name` already covers (whatever its state: a rejected hit is
    not proposed again). Protected-term hits carry their term's
    reason code; every other hit carries `reason`."""
    if query.empty:
        raise RedactionError("nothing to look for: give a term, a pattern, PII kinds or names")
    check_reason(reason)
    match = _Matcher(case, query, reason)
    report = ThrottledProgress(progress)
    out: list[RedactionDraft] = []
    scanned = 0

    def tick() -> None:
        nonlocal scanned
        scanned += 1
        if scanned % 200 == 0:
            if cancel is not None:
                cancel.check()
            report(scanned, 0, f"{scanned} texts searched, {len(out)} hits")

    def keep(d: RedactionDraft) -> None:
        if not covered.covers(d):
            covered.add(d)
            out.append(d)

    with case.read() as s:
        covered = _covered(s, set_name)
        cand = _candidates(s, query)
        ids: Sequence[int] | None = item_ids
        if cand.ids is not None:
            ids = sorted(cand.ids if item_ids is None else cand.ids & set(item_ids))

        # Own text of messages, emails, text files (a document's text is its pages').
        q: Any = select(Item.id, Item.text).where(Item.kind != "document", Item.text != "")
        if cand.text_where is not None:
            q = q.where(cand.text_where)
        for item_id, text in _stream(s, _restricted(q.order_by(Item.id), Item.id, ids)):
            tick()
            for m in match(text):
                keep(_span(item_id, "text", text, m))

        # Email headers.
        q = select(Item.id, Item.meta).where(Item.kind == "email")
        if cand.header_where is not None:
            q = q.where(cand.header_where)
        for item_id, meta in _stream(s, _restricted(q.order_by(Item.id), Item.id, item_ids)):
            tick()
            headers = meta.get("headers") if isinstance(meta, dict) else None
            if not isinstance(headers, dict):
                continue
            for name, value in searched_headers(headers):
                for m in match(value):
                    keep(_span(item_id, f"header:{name}", value, m))

        # Words of PDF pages and of OCR'd images.
        q = select(Page.item_id, Page.number, Page.words)
        if cand.page_where is not None:
            q = q.where(cand.page_where)
        q = q.order_by(Page.item_id, Page.number, Page.origin)
        for item_id, number, words in _stream(s, _restricted(q, Page.item_id, ids)):
            tick()
            hits = match(_joined(words)) if words else []
            if not hits:
                continue  # boxes and lines are worked out only for pages with a hit
            page = page_text(words)
            for m in hits:
                for box, quote in regions(page, m.start, m.end):
                    keep(
                        RedactionDraft(
                            item_id=item_id,
                            kind=RedactionKind.REGION,
                            reason=m.reason,
                            page=number,
                            box=box,
                            quote=quote,
                            origin=m.origin,
                        )
                    )
    report(scanned, scanned, f"{scanned} texts searched, {len(out)} hits", force=True)
    log.info("find: %d texts searched, %d new hits", scanned, len(out))
    return out


def _span(item_id: int, target: str, text: str, m: Match) -> RedactionDraft:
    return RedactionDraft(
        item_id=item_id,
        kind=RedactionKind.SPAN,
        reason=m.reason,
        target=target,
        start=m.start,
        end=m.end,
        quote=text[m.start : m.end],
        origin=m.origin,
    )


def count_by_kind(case: Case, drafts: Sequence[RedactionDraft]) -> dict[str, int]:
    """How many drafts fall on each kind of item (message, email, document, image...)."""
    ids = sorted({d.item_id for d in drafts})
    kinds: dict[int, str] = {}
    with case.read() as s:
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            for item_id, kind in s.execute(select(Item.id, Item.kind).where(Item.id.in_(chunk))):
                kinds[item_id] = kind
    out: dict[str, int] = {}
    for d in drafts:
        kind = kinds.get(d.item_id, "?")
        out[kind] = out.get(kind, 0) + 1
    return dict(sorted(out.items()))
