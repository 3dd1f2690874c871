"""Full-text search over item text and OCR text (SQLite FTS5 behind a small interface).

The user's query keeps to a plain syntax that any backend can honour: words (all must
match), "quoted phrases", and prefix* words. Everything else is quoted away, so a query can
never be read as FTS5 syntax by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.errors import EvidenceError
from app.model import TimelineRow
from app.store.schema import Event
from app.timeline import query as timeline
from app.timeline.query import EVERYTHING, TimelineFilter

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')


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


def search(
    session: Session, user_query: str, f: TimelineFilter = EVERYTHING, limit: int = 0
) -> list[Hit]:
    """Hits in time order (one per event of each matching item), with snippets."""
    fts = to_fts(user_query)
    snippets: dict[int, tuple[str, bool]] = {}
    for rowid, snip_text, snip_ocr in session.execute(
        text(
            "SELECT rowid, snippet(items_fts, 0, '[', ']', '…', 12), "
            "snippet(items_fts, 1, '[', ']', '…', 12) FROM items_fts WHERE items_fts MATCH :q"
        ),
        {"q": fts},
    ):
        in_text = "[" in snip_text
        snippets[rowid] = (snip_text if in_text else snip_ocr, not in_text)
    if not snippets:
        return []
    stmt = timeline.filtered(select(Event.id), f).where(Event.item_id.in_(list(snippets)))
    stmt = stmt.order_by(Event.ts_utc_us, Event.id)
    if limit:
        stmt = stmt.limit(limit)
    rows = timeline.rows(session, list(session.execute(stmt).scalars()))
    return [Hit(r, *snippets[r.item_id]) for r in rows]
