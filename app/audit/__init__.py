"""The audit log: append-only, each entry carrying the SHA-256 of the one before it."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from app.model import AuditRow
from app.store.schema import AuditEntry

GENESIS = "0" * 64


def now_us() -> int:
    """The current time as UTC microseconds."""
    return time.time_ns() // 1000


def canonical(payload: dict[str, Any]) -> str:
    """The one JSON text of a payload that its hash is taken over."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(seq: int, ts_us: int, user: str, action: str, payload: str, prev: str) -> str:
    """The SHA-256 that chains an entry to the one before it."""
    material = json.dumps([seq, ts_us, user, action, payload, prev], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def next_entry(
    head: tuple[int, str] | None, user: str, action: str, payload: dict[str, Any]
) -> tuple[int, int, str, str, str, str, str]:
    """The entry that follows the chain's head (seq, hash), as the row
    (seq, ts_us, user, action, payload, prev_hash, hash): for writers that insert it
    themselves on a raw connection, in their own transaction."""
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    ts = now_us()
    text = canonical(payload)
    return (seq, ts, user, action, text, prev, entry_hash(seq, ts, user, action, text, prev))


def append(session: Session, user: str, action: str, payload: dict[str, Any]) -> str:
    """Add an entry in the caller's transaction, so it commits or rolls back with the change.

    Returns the new entry's hash, the chain's new head.
    """
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    row = next_entry((last[0], last[1]) if last else None, user, action, payload)
    keys = ("seq", "ts_us", "user", "action", "payload", "prev_hash", "hash")
    session.execute(insert(cast(Table, AuditEntry.__table__)), dict(zip(keys, row, strict=True)))
    return row[-1]


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The result of walking the chain: its length, its head, and the first break if any."""

    entries: int
    head: str
    broken_at: int | None
    reason: str

    @property
    def ok(self) -> bool:
        """Whether every link holds."""
        return self.broken_at is None


def verify_chain(session: Session) -> ChainReport:
    """Walk the log in order, recomputing every hash and link."""
    prev = GENESIS
    count = 0
    expected_seq = 1
    for row in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        if row.seq != expected_seq:
            return ChainReport(count, prev, expected_seq, f"entry {expected_seq} is missing")
        if row.prev_hash != prev:
            return ChainReport(
                count, prev, row.seq, f"entry {row.seq} does not follow its predecessor"
            )
        actual = entry_hash(row.seq, row.ts_us, row.user, row.action, row.payload, row.prev_hash)
        if actual != row.hash:
            return ChainReport(
                count, prev, row.seq, f"entry {row.seq} was altered after it was written"
            )
        prev = row.hash
        count += 1
        expected_seq += 1
    return ChainReport(count, prev, None, "")


def rows(session: Session, newest_first: bool = True, limit: int = 500) -> Iterator[AuditRow]:
    """Audit entries as plain rows for display."""
    order = AuditEntry.seq.desc() if newest_first else AuditEntry.seq
    for e in session.execute(select(AuditEntry).order_by(order).limit(limit)).scalars():
        yield AuditRow(e.seq, e.ts_us, e.user, e.action, json.loads(e.payload), e.hash)
