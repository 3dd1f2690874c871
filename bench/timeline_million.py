"""Benchmark: the timeline of a 1,000,000-event case, each step beside the bare SQLite query.

Run: .venv/bin/python bench/timeline_million.py [--events N] [--seed S] [--runs R] [--keep DIR]

The case is generated fast and reproducibly from the seed: rows written straight into a case
made by `Case.create` with sqlite3.executemany (no importer), then the FTS index rebuilt.
Six sources of five platforms, eleven participants (four linked to one person), a small
vocabulary with one common word in about 40 % of the messages and a rare word in ten.

Steps (ours through the Case API, bare as plain sqlite3 on the same file, same run):

  first paint         Case.open + timeline_ids() + timeline_rows() of the first 256 ids;
                      first without the id-list cache file (it is written then), then with it
  scroll to the end   timeline_rows() of the last 256 ids
  jump to a date      timeline_position() of the middle date (binary search on the kept
                      keys), and the SQL count it falls back to
  filters, searches   the first page (timeline_page(), what a filter paints first), and the
                      full id list + its first page (query.event_ids, what the model installs)
  activity, heat map  per local day by author and weekday x hour in Europe/London, beside a
                      plain GROUP BY over UTC days and hours (not zone-correct: the floor)

Each step runs --runs times; the best wall-clock and CPU times are printed. Peak RSS is the
process's (resource.getrusage); the case is generated in a child process.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.case import DB_NAME, Case
from app.timeline import activity as activity_mod
from app.timeline import query
from app.timeline.query import EVERYTHING, TimelineFilter

PAGE = 256
_SENTENCES = (
    "why are you ignoring me I know where you are going tonight answer the phone please "
    "stop messaging me I will tell everyone you can't just leave like this we need to talk now "
    "where were you last night who was that with"
)
WORDS = _SENTENCES.split()
COMMON = "phone"  # about a third of the messages
RARE = "zanzibar"  # ten messages
START = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
END = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One generated source: its file name, platform, share of the events and senders."""

    name: str
    importer: str
    share: float
    kind: str
    senders: tuple[tuple[str, str, str], ...]  # (name, phone, handle)
    confidence: str
    zone: str


SOURCES = (
    SourceSpec(
        "WhatsApp Chat with Daniel.txt",
        "whatsapp",
        0.35,
        "message",
        (("Daniel", "", ""), ("Sarah", "", "")),
        "assumed-zone",
        "Europe/London",
    ),
    SourceSpec(
        "WhatsApp Chat with Family.zip",
        "whatsapp",
        0.15,
        "message",
        (("Sarah", "", ""), ("Mum", "", ""), ("Priya", "", "")),
        "assumed-zone",
        "Europe/London",
    ),
    SourceSpec(
        "result.json",
        "telegram",
        0.2,
        "message",
        (("Dan H", "", "dan_h"), ("Sarah M", "", "sarah_m")),
        "exact",
        "UTC",
    ),
    SourceSpec(
        "sms-20240601.xml",
        "sms_xml",
        0.14,
        "message",
        (("", "+447700900456", ""), ("Sarah", "+447700900123", "")),
        "exact",
        "UTC",
    ),
    SourceSpec(
        "mailbox.mbox",
        "email",
        0.15,
        "email",
        (("Daniel Hughes", "", "daniel@example.com"), ("Sarah", "", "sarah@example.org")),
        "exact",
        "UTC",
    ),
    SourceSpec("Screenshots", "image", 0.01, "image", (), "file-time", ""),
)
# Participants (by source index, sender index) attributed to the person "Daniel Hughes".
DANIEL = ((0, 0), (2, 0), (3, 0), (4, 0))


_BATCH = 50_000


def _insert(
    db: sqlite3.Connection,
    items: list[tuple[Any, ...]],
    evs: list[tuple[Any, ...]],
    recips: list[tuple[int, int]],
) -> None:
    """Write a batch of rows and empty the lists."""
    db.executemany(
        "INSERT INTO items (id, source_id, parent_id, kind, locator, author_id, "
        "conversation, text, mime, blob_sha256, meta, fingerprint, ocr_text, phash) "
        "VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, '', '{}', NULL, ?, NULL)",
        items,
    )
    db.executemany(
        "INSERT INTO events (item_id, ts_utc_us, kind, original, confidence, zone, flags) "
        "VALUES (?, ?, ?, ?, ?, ?, '')",
        evs,
    )
    db.executemany("INSERT INTO item_recipients (item_id, participant_id) VALUES (?, ?)", recips)
    items.clear()
    evs.clear()
    recips.clear()


def generate(folder: Path, events: int, seed: int) -> Path:
    """Make a case of `events` events at `folder`; returns the database path."""
    with Case.create(folder) as case:
        db_path = case.folder / DB_NAME
    rng = random.Random(seed)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-131072")
    db.execute("BEGIN")
    db.execute("INSERT INTO persons (id, name, note) VALUES (1, 'Daniel Hughes', '')")
    item_id = 0
    participant_id = 0
    rare = set(rng.sample(range(1, events + 1), 10))
    # A pool of sentences keeps generation fast; about a third hold the common word.
    pool = []
    for _ in range(20_000):
        words = rng.choices(WORDS, k=rng.randint(3, 14))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words) + 1), COMMON)
        pool.append(" ".join(words))
    sizes = [int(events * s.share) for s in SOURCES]
    sizes[0] += events - sum(sizes)
    for sid, (spec, size) in enumerate(zip(SOURCES, sizes, strict=True), start=1):
        db.execute(
            "INSERT INTO sources (id, sha256, size, mime, name, path, importer, "
            "importer_version, status, zone, item_count, warnings, decisions, imported_at_us, "
            "imported_by) VALUES (?, ?, 0, 'text/plain', ?, ?, ?, '1', 'imported', "
            "'Europe/London', ?, '[]', '{}', 0, 'bench')",
            (sid, f"{sid:064x}", spec.name, f"/evidence/{spec.name}", spec.importer, size),
        )
        pids = []
        for n, (name, phone, handle) in enumerate(spec.senders):
            participant_id += 1
            person = 1 if (sid - 1, n) in DANIEL else None
            db.execute(
                "INSERT INTO participants (id, source_id, name, phone, handle, person_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (participant_id, sid, name, phone, handle, person),
            )
            pids.append(participant_id)
        # Each source spans a random stretch of the two years, in chronological order.
        lo = rng.randint(START, START + (END - START) // 4)
        hi = rng.randint(END - (END - START) // 4, END)
        stamps = sorted(rng.randint(lo, hi) // 1_000_000 * 1_000_000 for _ in range(size))
        items: list[tuple[Any, ...]] = []
        evs: list[tuple[Any, ...]] = []
        recips: list[tuple[int, int]] = []
        for n, ts in enumerate(stamps):
            if len(items) == _BATCH:
                _insert(db, items, evs, recips)
            item_id += 1
            text = pool[rng.randrange(len(pool))]
            if item_id in rare:
                text = f"{text} {RARE}"
            author: int | None = None
            if pids:
                author = pids[0] if len(pids) < 2 or rng.random() < 0.55 else rng.choice(pids[1:])
            ocr = ""
            mime = ""
            if spec.kind == "image":
                author, ocr, text, mime = None, text, "", "image/png"
            items.append(
                (
                    item_id,
                    sid,
                    spec.kind,
                    f"line {n + 1}",
                    author,
                    spec.name.rsplit(".", 1)[0],
                    text,
                    mime,
                    ocr,
                )
            )
            evs.append(
                (
                    item_id,
                    ts,
                    "sent" if spec.kind != "image" else "file_modified",
                    f"{n}",
                    spec.confidence,
                    spec.zone,
                )
            )
            if spec.kind in ("email", "message") and author is not None and len(pids) > 1:
                recips.append((item_id, pids[1] if author == pids[0] else pids[0]))
        _insert(db, items, evs, recips)
    db.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return db_path


# -- timing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timing:
    """Best wall-clock and best CPU milliseconds over the runs (noise only ever adds time).

    SQLite runs inside this process, so CPU time counts its work too; on a busy machine it
    is the steadier of the two. The targets are wall-clock.
    """

    wall: float
    cpu: float


def best(fn: Callable[[], object], runs: int) -> Timing:
    """Time `fn` `runs` times."""
    wall = cpu = float("inf")
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w)
        cpu = min(cpu, time.process_time() - c)
    return Timing(wall * 1000, cpu * 1000)


class Bare:
    """The same steps as plain sqlite3 on the case file: no planning, no caching, no DTOs."""

    ROWS = (
        "SELECT e.id, e.item_id, e.ts_utc_us, e.original, e.confidence, e.kind, e.zone, "
        "e.flags, i.kind, i.source_id, s.name, s.importer, s.sha256, i.author_id, p.name, "
        "p.handle, p.phone, i.text, i.locator, i.conversation, i.mime, i.ocr_text != '' "
        "FROM events e JOIN items i ON i.id = e.item_id JOIN sources s ON s.id = i.source_id "
        "LEFT JOIN participants p ON p.id = i.author_id WHERE e.id IN ({})"
    )

    def __init__(self, db_path: Path) -> None:
        self.path = db_path
        self.db = sqlite3.connect(db_path)

    def ids(self, sql: str, params: Sequence[object] = ()) -> list[int]:
        return [r[0] for r in self.db.execute(sql, params)]

    def rows(self, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        marks = ",".join("?" * len(ids))
        got = self.db.execute(self.ROWS.format(marks), list(ids)).fetchall()
        items = [r[1] for r in got]
        marks = ",".join("?" * len(items))
        self.db.execute(
            "SELECT r.item_id, p.name FROM item_recipients r JOIN participants p "
            f"ON p.id = r.participant_id WHERE r.item_id IN ({marks})",
            items,
        ).fetchall()
        return got

    def first_paint(self) -> None:
        db = sqlite3.connect(self.path)
        ids = [r[0] for r in db.execute("SELECT id FROM events ORDER BY ts_utc_us, id")]
        db.execute(self.ROWS.format(",".join("?" * PAGE)), ids[:PAGE]).fetchall()
        db.close()


ORDER = " ORDER BY e.ts_utc_us, e.id"
FTS = "SELECT rowid FROM items_fts WHERE items_fts MATCH ?"


Result = tuple[str, Timing, Timing, float]


def run(db_path: Path, runs: int) -> list[Result]:
    """Every step, ours and bare, as (label, ours, bare, target ms or 0)."""
    folder = db_path.parent
    bare = Bare(db_path)
    out: list[Result] = []
    (folder / "derived" / "timeline-keys.bin").unlink(missing_ok=True)

    def first_paint() -> None:
        with Case.open(folder) as case:
            ids = case.timeline_ids()
            case.timeline_rows(ids[:PAGE])

    # The very first paint builds the id list and writes the cache file; later opens read it.
    cold = best(first_paint, 1)
    out.append(("first paint, no cache file", cold, best(bare.first_paint, runs), 0))
    out.append(("first paint (open + ids + page)", best(first_paint, runs), out[-1][2], 100))

    case = Case.open(folder)
    keys = case.timeline_keys()
    ids = keys.ids
    mid = keys.ts[len(keys) // 2]
    last = ids[-PAGE:]
    out.append(
        (
            "scroll to the end (rows)",
            best(lambda: case.timeline_rows(last), runs),
            best(lambda: bare.rows(last), runs),
            50,
        )
    )
    out.append(
        (
            "jump to a date (position_of)",
            best(lambda: case.timeline_position(EVERYTHING, mid), runs),
            best(
                lambda: bare.db.execute(
                    "SELECT count(*) FROM events WHERE ts_utc_us < ?", (mid,)
                ).fetchone(),
                runs,
            ),
            50,
        )
    )
    with case.read() as s:
        out.append(
            (
                "  jump, SQL count (no keys)",
                best(lambda: query.position_of(s, EVERYTHING, mid), runs),
                out[-1][2],
                0,
            )
        )

    daniel = TimelineFilter(participant_ids=(1,))
    person = TimelineFilter(person_ids=(1,))
    month = TimelineFilter(from_us=mid, to_us=mid + 31 * 86_400_000_000)
    author_sql = (
        "SELECT e.id FROM events e JOIN items i ON i.id = e.item_id WHERE i.author_id = 1" + ORDER
    )
    person_sql = (
        "SELECT e.id FROM events e JOIN items i ON i.id = e.item_id WHERE i.author_id IN "
        "(SELECT id FROM participants WHERE person_id = 1)" + ORDER
    )
    month_sql = "SELECT e.id FROM events e WHERE e.ts_utc_us >= ? AND e.ts_utc_us < ?" + ORDER
    fts_sql = "SELECT e.id FROM events e WHERE e.item_id IN (" + FTS + ")" + ORDER
    steps: list[tuple[str, TimelineFilter, str, tuple[object, ...]]] = [
        ("participant", daniel, author_sql, ()),
        ("person (4 accounts)", person, person_sql, ()),
        ("date (one month)", month, month_sql, (mid, mid + 31 * 86_400_000_000)),
        (f"search common word ({COMMON})", TimelineFilter(search=COMMON), fts_sql, (COMMON,)),
        (f"search rare word ({RARE})", TimelineFilter(search=RARE), fts_sql, (RARE,)),
    ]
    for label, f, sql, params in steps:

        def ours_page(f: TimelineFilter = f) -> None:
            case.timeline_page(f, limit=PAGE)

        def bare_page(sql: str = sql, params: tuple[object, ...] = params) -> None:
            bare.rows(bare.ids(sql + f" LIMIT {PAGE}", params))

        def ours_list(f: TimelineFilter = f) -> None:
            with case.read() as s:
                got = query.event_ids(s, f)
                query.rows(s, got[:PAGE])

        def bare_list(sql: str = sql, params: tuple[object, ...] = params) -> None:
            bare.rows(bare.ids(sql, params)[:PAGE])

        out.append((f"{label}: first page", best(ours_page, runs), best(bare_page, runs), 300))
        out.append((f"  {label}: id list + page", best(ours_list, runs), best(bare_list, runs), 0))

    day_sql = "SELECT ts_utc_us / 86400000000 AS d, count(*) FROM events GROUP BY d"
    day_author_sql = (
        "SELECT e.ts_utc_us / 86400000000 AS d, i.author_id, count(*) FROM events e "
        "JOIN items i ON i.id = e.item_id GROUP BY d, i.author_id"
    )
    hour_sql = (
        "SELECT (ts_utc_us / 86400000000 + 3) % 7 AS w, "
        "(ts_utc_us % 86400000000) / 3600000000 AS h, count(*) FROM events GROUP BY w, h"
    )
    zone = "Europe/London"
    out.append(
        (
            "activity per day by author (local days vs UTC)",
            best(lambda: activity_mod.activity_per_day(case, EVERYTHING, zone), runs),
            best(lambda: bare.db.execute(day_author_sql).fetchall(), runs),
            0,
        )
    )
    out.append(
        (
            "  activity per day, participant",
            best(lambda: activity_mod.activity_per_day(case, daniel, zone), runs),
            best(lambda: bare.db.execute(day_sql).fetchall(), runs),
            0,
        )
    )
    out.append(
        (
            "heat map (local hours vs UTC)",
            best(lambda: activity_mod.heat_map(case, EVERYTHING, zone), runs),
            best(lambda: bare.db.execute(hour_sql).fetchall(), runs),
            0,
        )
    )
    case.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="timings per step; the best counts")
    parser.add_argument(
        "--keep", type=Path, help="generate the case here (or reuse it if it is there)"
    )
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        target = args.keep or Path(tmp) / "bench"
        folder = target.with_name(target.name + ".threadline")
        if args.generate_only:
            generate(target, args.events, args.seed)
            return
        if not (folder / DB_NAME).is_file():
            # In a child process, so the peak memory below is the timeline's alone.
            start = time.perf_counter()
            child = [sys.executable, __file__, "--generate-only", "--keep", str(target)]
            child += ["--events", str(args.events), "--seed", str(args.seed)]
            subprocess.run(child, check=True)
            print(f"generated {args.events:,} events in {time.perf_counter() - start:.1f} s")
        load = os.getloadavg()[0]
        results = run(folder / DB_NAME, args.runs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if sys.platform == "darwin":
        peak_mb /= 1024  # bytes there, kilobytes on Linux
    width = max(len(r[0]) for r in results)
    print(f"load average at start: {load:.1f} on {os.cpu_count()} CPUs; best of {args.runs}")
    print(
        f"{'step':<{width}}  {'ours ms':>8}  {'bare ms':>8}  {'ratio':>5}  "
        f"{'ours cpu':>8}  {'bare cpu':>8}  target (wall)"
    )
    for label, ours, bare_t, target_ms in results:
        verdict = ""
        if target_ms:
            verdict = f"< {target_ms:.0f} {'ok' if ours.wall < target_ms else 'MISSED'}"
        ratio = ours.wall / bare_t.wall if bare_t.wall else float("nan")
        print(
            f"{label:<{width}}  {ours.wall:8.1f}  {bare_t.wall:8.1f}  {ratio:5.2f}  "
            f"{ours.cpu:8.1f}  {bare_t.cpu:8.1f}  {verdict}"
        )
    print(f"peak RSS: {peak_mb:.0f} MB (target < 400 MB: {'ok' if peak_mb < 400 else 'MISSED'})")


if __name__ == "__main__":
    main()
