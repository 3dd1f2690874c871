"""What the bundle shows of each item: its data read in bulk, its approved redactions, and
the redacted text, headers, pictures and pages made from them. No layout here.

Evidence text carries only the approved redactions of the plan's set. Text the user cannot
redact item by item (a sender's display name or number, an exhibit description, the case
name) is masked wherever it holds a redacted or protected term (`Scrubber`). Original file
names are never shown: a source is named by its platform and the item's kind.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from app.case import Case
from app.importers.names import importer_name
from app.redaction.apply import Mark, SpanMark, marker, redact_image, redact_text
from app.timeline.clock import us_to_utc, zone
from app.timeline.query import label, raw_cursor

if TYPE_CHECKING:
    from app.redaction.model import RedactionRow

log = logging.getLogger(__name__)

_CONFIDENCE_RANK = {"exact": 0, "assumed-zone": 0, "file-name": 1, "file-time": 2}
_APPROXIMATE = {"file-name": "time from the file name", "file-time": "time of the file"}
KIND_NAMES = {
    "message": "message",
    "system": "chat notice",
    "email": "email",
    "image": "image",
    "document": "PDF document",
    "text": "text document",
    "file": "file",
}
EMAIL_HEADERS = ("From", "To", "Cc", "Date", "Subject")
"""The headers an email shows in the bundle, in this order (from `meta["headers"]` only)."""


# -- redactions ---------------------------------------------------------------------------


@dataclass(slots=True)
class ItemRedactions:
    """The approved redactions of one item, sorted by what they apply to."""

    whole: str = ""  # reason codes ("; "-joined) when the whole item is withheld
    spans: dict[str, list[SpanMark]] = field(default_factory=dict)  # target -> marks
    regions: dict[int, list[Mark]] = field(default_factory=dict)  # page -> boxes
    whole_pages: dict[int, str] = field(default_factory=dict)  # page -> reason codes
    fields: dict[str, str] = field(default_factory=dict)  # metadata field (lower) -> codes

    @property
    def any(self) -> bool:
        """Whether anything of the item is redacted."""
        return bool(self.whole or self.spans or self.regions or self.whole_pages or self.fields)

    def marks(self) -> list[Mark]:
        """Every box, on every page."""
        return [m for page in sorted(self.regions) for m in self.regions[page]]


def _join(old: str, code: str) -> str:
    return code if not old else old if code in old.split("; ") else f"{old}; {code}"


def item_redactions(rows: Iterable[RedactionRow]) -> ItemRedactions:
    """Sort one item's approved redactions; the marker shows each one's reason code."""
    out = ItemRedactions()
    for r in rows:
        kind = str(r.kind)
        if kind == "item":
            if r.page is None:
                out.whole = _join(out.whole, r.reason)
            else:
                out.whole_pages[r.page] = _join(out.whole_pages.get(r.page, ""), r.reason)
        elif kind == "span" and r.start is not None and r.end is not None:
            out.spans.setdefault(r.target or "text", []).append(SpanMark(r.start, r.end, r.reason))
        elif kind == "region" and r.box is not None:
            page = r.page or 1
            out.regions.setdefault(page, []).append(Mark(page, r.box, r.reason))
        elif kind == "metadata" and r.target:
            key = r.target.lower().removeprefix("header:").removeprefix("headers.")
            out.fields[key] = _join(out.fields.get(key, ""), r.reason)
    return out


class Scrubber:
    """Masks redacted and protected terms in text that cannot be redacted item by item."""

    def __init__(self, terms: Mapping[str, str]) -> None:
        forms = sorted(
            {" ".join(t.split()): code for t, code in terms.items() if t.strip()}.items(),
            key=lambda kv: -len(kv[0]),
        )
        self._codes = {form.casefold(): code for form, code in forms}
        self._pattern = (
            re.compile(
                "|".join(r"\s+".join(re.escape(p) for p in form.split()) for form, _ in forms),
                re.IGNORECASE,
            )
            if forms
            else None
        )

    def __call__(self, text: str) -> str:
        """`text` with every term replaced by its marker."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(self._sub, text)

    def _sub(self, m: re.Match[str]) -> str:
        return marker(self._codes.get(" ".join(m.group().split()).casefold(), "protected"))


def scrubber(
    case: Case, redactions: Mapping[int, Sequence[RedactionRow]], forbidden: Iterable[str]
) -> Scrubber:
    """A scrubber of every forbidden term, with its reason code where one is known."""
    terms: dict[str, str] = dict.fromkeys(forbidden, "protected")
    for rows in redactions.values():
        for r in rows:
            if r.quote.strip():
                terms[r.quote] = r.reason
    try:
        from app.redaction.store import protected_terms

        for term in protected_terms(case):
            for spelling in term.spellings:
                terms[spelling] = term.reason
    except Exception:  # pragma: no cover - a case without the table still renders
        log.debug("protected terms not read", exc_info=True)
    return Scrubber(terms)


# -- items --------------------------------------------------------------------------------


@dataclass(slots=True)
class ItemData:
    """One item as the bundle needs it."""

    id: int
    kind: str
    text: str
    mime: str
    meta: dict[str, Any]
    author: str
    recipients: list[str]
    parent_id: int | None
    importer: str
    conversation: str
    ts_us: int | None = None
    confidence: str = ""
    children: list[int] = field(default_factory=list)

    @property
    def platform(self) -> str:
        """Where it came from, by platform (never by file name)."""
        return importer_name(self.importer, "Unknown")

    @property
    def kind_name(self) -> str:
        """The item's kind in words."""
        return KIND_NAMES.get(self.kind, self.kind)


_ITEMS = (
    "SELECT i.id, i.kind, i.text, i.mime, i.meta, p.name, p.handle, p.phone, i.parent_id, "
    "s.importer, i.conversation FROM items i JOIN sources s ON s.id = i.source_id "
    "LEFT JOIN participants p ON p.id = i.author_id "
    "WHERE i.id IN (SELECT value FROM json_each(?))"
)
_EVENTS = (
    "SELECT item_id, ts_utc_us, confidence FROM events "
    "WHERE item_id IN (SELECT value FROM json_each(?))"
)
_RECIPIENTS = (
    "SELECT r.item_id, p.name, p.handle, p.phone FROM item_recipients r "
    "JOIN participants p ON p.id = r.participant_id "
    "WHERE r.item_id IN (SELECT value FROM json_each(?)) ORDER BY r.item_id, p.id"
)
_CHILDREN = (
    "SELECT parent_id, id FROM items WHERE parent_id IN (SELECT value FROM json_each(?)) "
    "ORDER BY parent_id, id"
)


def _ids(ids: Iterable[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def load_items(case: Case, item_ids: Iterable[int]) -> dict[int, ItemData]:
    """The items (and their attachments' ids), with their best time, in a few queries."""
    wanted = sorted(set(item_ids))
    out: dict[int, ItemData] = {}
    with case.read() as s:
        cur = raw_cursor(s)
        try:
            for start in range(0, len(wanted), 20_000):
                ids = _ids(wanted[start : start + 20_000])
                for row in cur.execute(_ITEMS, (ids,)):
                    meta = row[4]
                    if isinstance(meta, str):
                        try:
                            meta = json.loads(meta or "{}")
                        except ValueError:
                            meta = {}
                    out[row[0]] = ItemData(
                        id=row[0],
                        kind=row[1] or "",
                        text=row[2] or "",
                        mime=row[3] or "",
                        meta=meta if isinstance(meta, dict) else {},
                        author=label(row[5], row[6], row[7]),
                        recipients=[],
                        parent_id=row[8],
                        importer=row[9] or "",
                        conversation=row[10] or "",
                    )
                best: dict[int, tuple[int, int, str]] = {}
                for item_id, ts, confidence in cur.execute(_EVENTS, (ids,)):
                    rank = (_CONFIDENCE_RANK.get(confidence, 3), ts, confidence or "")
                    if item_id not in best or rank < best[item_id]:
                        best[item_id] = rank
                for item_id, (_, ts, confidence) in best.items():
                    if item_id in out:
                        out[item_id].ts_us = ts
                        out[item_id].confidence = confidence
                for item_id, name, handle, phone in cur.execute(_RECIPIENTS, (ids,)):
                    if item_id in out:
                        out[item_id].recipients.append(label(name, handle, phone) or "(unknown)")
                for parent, child in cur.execute(_CHILDREN, (ids,)):
                    if parent in out:
                        out[parent].children.append(child)
        finally:
            cur.close()
    return out


# -- times --------------------------------------------------------------------------------


def zone_label(zone_name: str) -> str:
    """A zone as headers name it: "Europe/London (GMT/BST)"."""
    z = zone(zone_name)
    from datetime import datetime

    names = []
    for month in (1, 7):
        abbr = datetime(2024, month, 1, 12, tzinfo=z).strftime("%Z")
        if abbr and abbr not in names and not abbr.startswith(("+", "-")):
            names.append(abbr)
    return f"{zone_name} ({'/'.join(names)})" if names and names != [zone_name] else zone_name


def local(ts_us: int | None, zone_name: str, fmt: str = "%d %b %Y %H:%M %Z") -> str:
    """A time in the display zone ("" when unknown)."""
    if ts_us is None:
        return ""
    moment = us_to_utc(ts_us).astimezone(zone(zone_name))
    if "%H:%M" in fmt and moment.second and "%S" not in fmt:
        fmt = fmt.replace("%H:%M", "%H:%M:%S")
    return moment.strftime(fmt)


def time_note(item: ItemData) -> str:
    """A few words when the time is not the item's own (read from a file name or date)."""
    return _APPROXIMATE.get(item.confidence, "")


# -- text and headers ---------------------------------------------------------------------


def redacted_text(item: ItemData, red: ItemRedactions | None) -> str:
    """The item's own text with its approved span redactions (or one marker if withheld)."""
    if red is None:
        return item.text
    if red.whole:
        return marker(red.whole)
    return redact_text(item.text, red.spans.get("text", ()))


def email_headers(item: ItemData, red: ItemRedactions | None) -> list[tuple[str, str]]:
    """From/To/Cc/Date/Subject from `meta["headers"]` with header redactions applied.

    Never from the copies the importer also keeps in `meta` ("subject", "from", ...).
    """
    headers = item.meta.get("headers")
    if not isinstance(headers, dict):
        return []
    out: list[tuple[str, str]] = []
    lower = {str(k).lower(): (str(k), v) for k, v in headers.items()}
    for name in EMAIL_HEADERS:
        found = lower.get(name.lower())
        if found is None or not isinstance(found[1], str) or not found[1].strip():
            continue
        key, value = found
        if red is not None and red.whole:
            out.append((name, marker(red.whole)))
            continue
        if red is not None and name.lower() in red.fields:
            out.append((name, marker(red.fields[name.lower()])))
            continue
        spans = red.spans.get(f"header:{key}", []) if red is not None else []
        out.append((name, redact_text(value, spans)))
    return out


def email_lines(item: ItemData, red: ItemRedactions | None) -> list[str]:
    """An email as plain text: its headers, a blank line, its body."""
    lines = [f"{name}: {value}" for name, value in email_headers(item, red)]
    return [*lines, "", redacted_text(item, red)]


# -- pictures -----------------------------------------------------------------------------


def redacted_picture(src: bytes | Path, red: ItemRedactions | None, max_side: int = 0) -> bytes:
    """A PNG of the picture (its bytes, or a file) with its boxes burnt in and no metadata,
    optionally shrunk."""
    data = redact_image(src, red.regions.get(1, []) if red is not None else [])
    if not max_side:
        return data
    with Image.open(io.BytesIO(data)) as im:
        if max(im.size) <= max_side:
            return data
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        small = Image.new("RGB", im.size)  # fresh pixels: nothing but the picture
        small.paste(im.convert("RGB"))
    out = io.BytesIO()
    small.save(out, "PNG", compress_level=1)
    return out.getvalue()


def picture_size(data: bytes) -> tuple[int, int]:
    """Width and height of an image in pixels."""
    with Image.open(io.BytesIO(data)) as im:
        return im.size
