"""The store's sink: importer drafts become rows, batched, inside the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring
from typing import Any, BinaryIO, Protocol

from app.jobs import CancelToken
from app.model import Confidence, ItemDraft, ItemKind, ParticipantDraft
from app.store.blobs import BlobStore

BATCH = 2000


class Cursor(Protocol):
    """The DB-API cursor of the import's open transaction (sqlite3, or SQLCipher's)."""

    @property
    def connection(self) -> Any:
        """The DB-API connection."""

    @property
    def lastrowid(self) -> int | None:
        """The rowid of the last row inserted."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any:
        """Run one statement."""

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any:
        """Run one statement for each row of parameters."""


# The sink writes through the transaction's DB-API cursor: SQLAlchemy's per-statement cost
# (compiling, parameter processing, result set-up) exceeds SQLite's for these small rows.
_INSERT_PARTICIPANT = (
    "INSERT INTO participants (source_id, name, phone, handle) VALUES (?, ?, ?, ?)"
)
_OTHERS_HAVE_PRINTS = (
    "SELECT id FROM items WHERE fingerprint IS NOT NULL AND source_id != ? LIMIT 1"
)
_MATCHING_PRINTS = (
    "SELECT fingerprint, min(id), count(*) FROM items "
    "WHERE fingerprint IN ({marks}) AND source_id != ? GROUP BY fingerprint"
)
_LAST_ITEM_ID = "SELECT max(id) FROM items"
# A source that brings more rows than the case already holds (the first large chat of a
# case) writes them faster with the item and event indexes dropped and built again once its
# rows are in, inside the same transaction (and savepoint: a failure brings them back).
DEFER_INDEXES_AFTER = 20_000
_DEFERRABLE_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
    "AND tbl_name IN ('items', 'events') ORDER BY name"
)
_INDEX_TEXT = (
    "INSERT INTO items_fts(rowid, text, ocr_text) SELECT id, text, ocr_text "
    "FROM items WHERE source_id = ? AND (text != '' OR ocr_text != '')"
)
_INSERT_ITEM = (
    "INSERT INTO items (id, source_id, parent_id, kind, locator, author_id, conversation, "
    "text, mime, blob_sha256, meta, fingerprint, ocr_text, phash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_PAGE = (
    "INSERT INTO pages (item_id, number, width, height, text, words, origin) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_EVENT = (
    "INSERT INTO events (item_id, ts_utc_us, kind, original, confidence, zone, flags) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_RECIPIENT = "INSERT INTO item_recipients (item_id, participant_id) VALUES (?, ?)"
_INSERT_IDENTIFIER = (
    "INSERT INTO identifiers (item_id, account, kind, value, raw, port, ts_utc_us) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


_MESSAGE_KINDS = frozenset({ItemKind.MESSAGE, ItemKind.CALL, ItemKind.SYSTEM, ItemKind.EMAIL})


# Enum members are singletons: looked up by id, their text costs no Python-level __hash__ or
# __format__ call on each of a chat's 200,000 messages.
_KIND_TEXT = {id(k): f"{k}" for k in ItemKind}
_MESSAGE_KIND_TEXTS = frozenset(f"{k}" for k in _MESSAGE_KINDS)
_CONFIDENCE_TEXT = {id(c): c.value for c in Confidence}


def _fingerprint(d: ItemDraft) -> str:
    """Who, when and what of a message; '' for items that are not messages or lack a time.

    The time leads the fingerprint, so a chronological export inserts into the index in
    order (appending to the B-tree) instead of at random places, which costs a third of
    the whole import on a large chat.
    """
    return _fingerprints([d])[0]


def _fingerprints(drafts: list[ItemDraft]) -> list[str]:
    """`_fingerprint` of each draft, in one loop."""
    out: list[str] = []
    add = out.append
    sha1 = hashlib.sha1
    messages = _MESSAGE_KIND_TEXTS
    kind_text = _KIND_TEXT
    offset = 1 << 62
    # "kind, sender" prefixes by kind and author object (alive in `drafts` meanwhile, so
    # no id is reused): one chat repeats a few of them.
    prefixes: dict[tuple[str, int], str] = {}
    for d in drafts:
        kind = kind_text.get(id(d.kind)) or f"{d.kind}"
        if kind not in messages or not d.events:
            add("")
            continue
        author = d.author
        try:
            prefix = prefixes[kind, id(author)]
        except KeyError:
            who = author.label if author else ""
            prefix = prefixes[kind, id(author)] = f"{kind}\x1f{who}\x1f"
        digest = sha1((prefix + d.text).encode(), usedforsecurity=False).hexdigest()[:24]
        add(f"{d.events[0].ts_utc_us + offset:016x}{digest}")
    return out


def _number(value: object) -> str:
    """A box coordinate as JSON writes it; ValueError for what JSON would write otherwise."""
    if type(value) is int or (type(value) is float and value - value == 0.0):  # finite
        return repr(value)
    raise ValueError(value)


def words_json(words: Sequence[Sequence[Any]]) -> str:
    """A page's words as the JSON `[[x0,y0,x1,y1,"word"],...]` that `json.loads` reads back.

    What `json.dumps` gives, up to spaces, built twice as fast: a page repeats its
    coordinates (a line's words share top and bottom), so each number is written once, and
    each word goes through the json module's own C string encoder. Anything unusual (not a
    5-tuple of finite numbers and a string) falls back to `json.dumps`.
    """
    reprs: dict[object, str] = {}
    out: list[str] = []
    add = out.append
    try:
        for x0, y0, x1, y1, word in words:
            try:
                a = reprs[x0]
            except KeyError:
                a = reprs[x0] = _number(x0)
            try:
                b = reprs[y0]
            except KeyError:
                b = reprs[y0] = _number(y0)
            try:
                c = reprs[x1]
            except KeyError:
                c = reprs[x1] = _number(x1)
            try:
                d = reprs[y1]
            except KeyError:
                d = reprs[y1] = _number(y1)
            if type(word) is not str:
                raise ValueError(word)
            add(f"[{a},{b},{c},{d},{encode_basestring(word)}]")
    except (ValueError, TypeError):
        return json.dumps(words, ensure_ascii=False)
    return "[" + ",".join(out) + "]"


class StoreSink:
    """Writes one source's drafts into the open transaction in batches of about 2,000 rows.

    Nothing is committed here: the import job owns the transaction, so a failed or
    cancelled file leaves no row behind.
    """

    def __init__(
        self,
        cursor: Cursor,
        source_id: int,
        blobs: BlobStore,
        cancel: CancelToken,
        context_item_id: int | None = None,
    ) -> None:
        self._cur = cursor
        self._source_id = source_id
        self._context_item_id = context_item_id
        self._blobs = blobs
        self._cancel = cancel
        self._participants: dict[ParticipantDraft, int] = {}
        self._keys: dict[str, int] = {}
        self._pending: list[ItemDraft] = []
        self.items = 0
        self.warnings: list[str] = []
        self.decisions: dict[str, str] = {}
        self.children: list[tuple[str, str, int | None]] = []
        self.matched = 0
        self._available: dict[str, int] = {}
        self._existing: dict[str, int] = {}
        self._next_id: int | None = None
        self._others_have_prints: bool | None = None
        self.first_us: int | None = None
        self.last_us: int | None = None
        self._has_text = False
        self._rows_before: int | None = None  # the case's item rows when this source began
        self._dropped: list[str] = []  # CREATE INDEX statements to run again in finish()

    # -- the Sink protocol ------------------------------------------------------------

    def add_item(self, draft: ItemDraft) -> None:
        """Queue an item; flushes a batch when full or when a parent must get its id."""
        if draft.parent_key and draft.parent_key not in self._keys:
            self._flush()
        self._pending.append(draft)
        if len(self._pending) >= BATCH:
            self._flush()

    def warn(self, message: str) -> None:
        """Keep a warning for the source's record."""
        self.warnings.append(message)

    def decide(self, name: str, value: str) -> None:
        """Keep a decision for the source's record."""
        self.decisions[name] = value

    def store_blob(self, stream: BinaryIO) -> str:
        """Put embedded content in the blob store."""
        return self._blobs.put_stream(stream, defer_sync=True)[0]

    def add_child(self, name: str, stream: BinaryIO, context_key: str = "") -> None:
        """Store an embedded file; the job imports it as a child source after this one."""
        sha = self._blobs.put_stream(stream, defer_sync=True)[0]
        if context_key and context_key not in self._keys:
            self._flush()
        self.children.append((name, sha, self._keys.get(context_key) if context_key else None))

    # -- the job's side ---------------------------------------------------------------

    def finish(self) -> None:
        """Flush what is left, rebuild deferred indexes, index the text for search in bulk."""
        self._flush()
        dropped, self._dropped = self._dropped, []
        for sql in dropped:
            self._cur.execute(sql)
        if not self._has_text:
            return
        self._cur.execute(_INDEX_TEXT, (self._source_id,))

    @property
    def participants(self) -> int:
        """How many distinct participants this source named."""
        return len(self._participants)

    def _participant(self, draft: ParticipantDraft) -> int:
        pid = self._participants.get(draft)
        if pid is None:
            self._cur.execute(
                _INSERT_PARTICIPANT, (self._source_id, draft.name, draft.phone, draft.handle)
            )
            pid = int(self._cur.lastrowid or 0)
            self._participants[draft] = pid
        return pid

    def _already_imported(self, drafts: list[ItemDraft]) -> tuple[list[ItemDraft], list[str]]:
        """Drop messages that an earlier source already holds (same sender, time and text).

        Counts are kept per fingerprint, so a message sent twice in the same minute is
        matched twice only if the earlier import holds it twice.
        """
        prints = _fingerprints(drafts)
        if not any(prints):  # photos, documents: nothing here could match an earlier import
            return drafts, prints
        if self._others_have_prints is None:
            self._others_have_prints = (
                self._cur.execute(_OTHERS_HAVE_PRINTS, (self._source_id,)).fetchone() is not None
            )
        if not self._others_have_prints:
            return drafts, prints
        unknown = {p for p in prints if p and p not in self._available}
        if unknown:
            self._available.update(dict.fromkeys(unknown, 0))
            found = self._cur.execute(
                _MATCHING_PRINTS.format(marks=",".join("?" * len(unknown))),
                (*unknown, self._source_id),
            ).fetchall()
            for fp, first_id, n in found:
                self._available[fp] = n
                self._existing[fp] = first_id
        kept: list[ItemDraft] = []
        kept_prints: list[str] = []
        for d, fp in zip(drafts, prints, strict=True):
            if fp and self._available.get(fp, 0) > 0:
                self._available[fp] -= 1
                self.matched += 1
                if d.key:
                    self._keys[d.key] = self._existing[fp]
                continue
            kept.append(d)
            kept_prints.append(fp)
        return kept, kept_prints

    def _defer_indexes(self) -> None:
        """Drop the item and event indexes until `finish`, keeping how to build them again."""
        found = self._cur.execute(_DEFERRABLE_INDEXES).fetchall()
        self._dropped = [sql for _name, sql in found]
        for name, _sql in found:
            self._cur.execute(f'DROP INDEX "{name}"')

    def _flush(self) -> None:
        if not self._pending:
            return
        self._cancel.check()
        drafts, prints = self._already_imported(self._pending)
        self._pending = []
        if not drafts:
            return
        if self._next_id is None:
            # The import holds the case's write transaction (BEGIN IMMEDIATE), so nobody else
            # can take ids meanwhile: numbering the rows here lets SQLite insert them in one
            # executemany instead of one statement per row that RETURNING in order would cost.
            self._next_id = int(self._cur.execute(_LAST_ITEM_ID).fetchone()[0] or 0) + 1
            self._rows_before = self._next_id - 1  # ids are dense enough for this estimate
        if (
            not self._dropped
            and self.items >= DEFER_INDEXES_AFTER
            and self.items > (self._rows_before or 0)
            and self._others_have_prints is not True  # matching needs the fingerprint index
        ):
            self._defer_indexes()
        ids = range(self._next_id, self._next_id + len(drafts))
        self._next_id += len(drafts)
        rows: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        recipients: list[tuple[int, int]] = []
        pages: list[tuple[Any, ...]] = []
        identifiers: list[tuple[Any, ...]] = []
        first, last = self.first_us, self.last_us
        kind_text, confidence = _KIND_TEXT, _CONFIDENCE_TEXT
        source_id, context_item_id, keys = self._source_id, self._context_item_id, self._keys
        participant = self._participant
        # Importers hand the same author object to every message of one sender: its id is
        # looked up once per batch (the drafts keep it alive meanwhile, so no id is reused).
        authors: dict[int, int] = {}
        dumps = json.dumps
        add_row, add_event = rows.append, events.append
        has_text = self._has_text
        for item_id, d, fp in zip(ids, drafts, prints, strict=True):
            if d.key:
                keys[d.key] = item_id
            if not has_text and (d.text or d.ocr_text):
                has_text = True
            author = d.author
            if author is None:
                author_id = None
            else:
                author_id = authors.get(id(author))
                if author_id is None:
                    author_id = authors[id(author)] = participant(author)
            add_row(
                (
                    item_id,
                    source_id,
                    keys.get(d.parent_key) if d.parent_key else context_item_id,
                    kind_text[id(d.kind)],
                    d.locator,
                    author_id,
                    d.conversation,
                    d.text,
                    d.mime,
                    d.blob_sha256,
                    dumps(d.meta, ensure_ascii=False, separators=(",", ":")) if d.meta else "{}",
                    fp or None,
                    d.ocr_text,
                    d.phash or None,
                )
            )
            if d.pages:
                pages.extend(
                    (
                        item_id,
                        p.number,
                        p.width,
                        p.height,
                        p.text,
                        words_json(p.words),
                        p.origin,
                    )
                    for p in d.pages
                )
            if d.identifiers:
                identifiers.extend(
                    (item_id, i.account, i.kind.value, i.value, i.raw, i.port, i.ts_utc_us)
                    for i in d.identifiers
                )
            for e in d.events:
                ts = e.ts_utc_us
                if first is None or ts < first:
                    first = ts
                if last is None or ts > last:
                    last = ts
                add_event(
                    (item_id, ts, e.kind, e.original, confidence[id(e.confidence)], e.zone, e.flags)
                )
            if d.recipients:
                recipients.extend((item_id, pid) for pid in {participant(r) for r in d.recipients})
        self._has_text = has_text
        self.first_us, self.last_us = first, last
        # Plain executemany: the rows are already in column order, and SQLAlchemy's per-row
        # parameter processing would cost more than SQLite.
        cur = self._cur
        cur.executemany(_INSERT_ITEM, rows)
        if events:
            cur.executemany(_INSERT_EVENT, events)
        if recipients:
            cur.executemany(_INSERT_RECIPIENT, recipients)
        if pages:
            cur.executemany(_INSERT_PAGE, pages)
        if identifiers:
            cur.executemany(_INSERT_IDENTIFIER, identifiers)
        self.items += len(drafts)
