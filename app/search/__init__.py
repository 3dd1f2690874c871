"""Full-text search over item text and OCR text (SQLite FTS5 behind a small interface).

The user's query keeps to a plain syntax that any backend can honour: words (all must
match), "quoted phrases", and prefix* words. Everything else is quoted away, so a query can
never be read as FTS5 syntax by accident.

A search is a timeline filter (`TimelineFilter.search`): hits come in time order, combine
with every other filter, and the timeline can show only hits with the same id-list model.
This module adds what only a search has: the snippet with the match marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import EvidenceError
from app.model import TimelineRow
from app.timeline.query import EVERYTHING, TimelineFilter, page

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_CHUNK = 500


def to_fts(user_query: str) -> str:
    """Translate the user's query into a safe FTS5 MATCH expression."""
    parts: list[str] = []
    for phrase, word in _TOKEN.findall(user_query):
        if phrase:
            words = phrase.split()
            if words:
                parts.append('"' + " ".join(w.replace('"', '""') for w in words) + '"')
            continue
        prefix = word.endswith("*")
        core = word.rstrip("*").replace('"', '""')
        if core:
            parts.append(f'"{core}"' + ("*" if prefix else ""))
    if not parts:
        raise EvidenceError('the search is empty: type a word, a "phrase" or a prefix*')
    return " AND ".join(parts)


@dataclass(frozen=True, slots=True)
class Hit:
    """A search hit: the timeline row and a snippet with the match marked by [ and ]."""

    row: TimelineRow
    snippet: str
    in_ocr: bool


def matching_items(session: Session, user_query: str) -> list[int]:
    """Ids of items whose text or OCR text matches."""
    fts = to_fts(user_query)
    return list(
        session.execute(
            text("SELECT rowid FROM items_fts WHERE items_fts MATCH :q"), {"q": fts}
        ).scalars()
    )


def snippets(
    session: Session, user_query: str, item_ids: Iterable[int]
) -> dict[int, tuple[str, bool]]:
    """For each matching item: its snippet with the match in [ ], and whether it is OCR text.

    Ask for the items on screen only (a page): a snippet costs a look into the index each.
    """
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    out: dict[int, tuple[str, bool]] = {}
    for rowid, snip_text, snip_ocr in session.execute(
        text(
            "SELECT rowid, snippet(items_fts, 0, '[', ']', '…', 12), "
            "snippet(items_fts, 1, '[', ']', '…', 12) FROM items_fts "
            "WHERE items_fts MATCH :q AND rowid IN (SELECT value FROM json_each(:ids))"
        ),
        {"q": to_fts(user_query), "ids": "[" + ",".join(map(str, ids)) + "]"},
    ):
        in_text = "[" in snip_text
        out[rowid] = (snip_text if in_text else snip_ocr, not in_text)
    return out


def hits(session: Session, user_query: str, rows: Sequence[TimelineRow]) -> list[Hit]:
    """These timeline rows (hits of the query) with their snippets, in the order given."""
    found = snippets(session, user_query, (r.item_id for r in rows))
    return [Hit(r, *found[r.item_id]) for r in rows if r.item_id in found]


def iter_hits(
    session: Session, user_query: str, f: TimelineFilter = EVERYTHING, chunk: int = _CHUNK
) -> Iterator[Hit]:
    """Every hit in time order under the filter, a keyset page at a time."""
    searched = replace(f, search=user_query)
    after: tuple[int, int] | None = None
    while batch := page(session, searched, after, chunk):
        yield from hits(session, user_query, batch)
        after = (batch[-1].ts_utc_us, batch[-1].event_id)


def search(
    session: Session, user_query: str, f: TimelineFilter = EVERYTHING, limit: int = 0
) -> list[Hit]:
    """Hits in time order (one per event of each matching item), with snippets.

    `f` narrows the hits like any timeline filter; `limit` 0 means every hit.
    """
    out: list[Hit] = []
    chunk = min(limit, _CHUNK) if limit else _CHUNK
    for hit in iter_hits(session, user_query, f, chunk):
        out.append(hit)
        if limit and len(out) >= limit:
            break
    return out
