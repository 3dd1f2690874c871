"""Benchmark: a 200,000-message WhatsApp export imported end to end, beside a bare pipeline.

Run: .venv/bin/python bench/import_whatsapp.py [--messages N]

ours  = `import_paths` (probe, hash into the blob store, parse, insert items, events and
        participants, fingerprint matching, FTS5 index, audit entry) in one transaction.
bare  = the same lines parsed with one compiled regex and inserted with sqlite3.executemany
        into a table plus an FTS5 table, in one transaction.
whatstk and chat-miner parse the same file in the same run, in the Python given by
--others-python (e.g. a venv made with `pip install whatstk chat-miner`); their speed and
message counts are printed beside ours.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from app.case import Case
from app.ingest.job import import_paths

WORDS = [
    "why",
    "are",
    "you",
    "ignoring",
    "me",
    "I",
    "know",
    "where",
    "you",
    "are",
    "going",
    "tonight",
    "answer",
    "the",
    "phone",
    "please",
    "stop",
    "messaging",
    "me",
    "I",
    "will",
    "tell",
    "everyone",
    "you",
    "can't",
    "just",
    "leave",
    "like",
    "this",
    "we",
    "need",
    "to",
    "talk",
    "now",
]


def make_export(path: Path, messages: int) -> int:
    """An Android en-GB export; about one message in twenty spans two lines. Returns lines."""
    rng = random.Random(7)
    t = datetime(2023, 1, 13, 8, 0)
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for n in range(messages):
            t += timedelta(seconds=rng.randint(20, 400))
            who = "Daniel Hughes" if rng.random() < 0.6 else "Sarah Mitchell"
            text = " ".join(rng.choices(WORDS, k=rng.randint(3, 14)))
            out.write(f"{t:%d/%m/%Y, %H:%M} - {who}: {text} {n}\n")
            lines += 1
            if n % 20 == 0:
                out.write("and another thing\n")
                lines += 1
    return lines


HEADER = re.compile(r"^(\d{2})/(\d{2})/(\d{4}), (\d{2}):(\d{2}) - ([^:]+): (.*)$")


def bare(path: Path, db_path: Path) -> tuple[float, float, int, float]:
    """Regex parse, then executemany into a table and an FTS5 table.

    Returns parse time, total time, message count and total CPU time.
    """
    start, cpu = time.perf_counter(), time.process_time()
    rows: list[list[object]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            m = HEADER.match(line)
            if m:
                d, mo, y, h, mi, who, text = m.groups()
                ts = int(datetime(int(y), int(mo), int(d), int(h), int(mi)).timestamp())
                rows.append([ts, who, text])
            elif rows:
                rows[-1][2] = f"{rows[-1][2]}\n{line.rstrip()}"
    parsed = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, ts INTEGER, who TEXT, text TEXT)")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(text, content='m', content_rowid='id')")
    with db:
        db.executemany("INSERT INTO m (ts, who, text) VALUES (?, ?, ?)", rows)
        db.execute("INSERT INTO f (rowid, text) SELECT id, text FROM m")
    db.close()
    elapsed, spent = time.perf_counter() - start, time.process_time() - cpu
    return parsed - start, elapsed, len(rows), spent


def ours(path: Path, root: Path) -> tuple[float, int, float]:
    """The real import into a fresh case: wall time, messages, CPU time."""
    case = Case.create(root)
    start, cpu = time.perf_counter(), time.process_time()
    report = import_paths(case, [path])
    elapsed, spent = time.perf_counter() - start, time.process_time() - cpu
    case.close()
    result = report.files[0]
    assert result.status == "imported", result.reason
    return elapsed, result.items, spent


OTHERS = {
    "whatstk": (
        "from whatstk import df_from_whatsapp\n"
        "n = len(df_from_whatsapp(PATH, hformat='%d/%m/%Y, %H:%M - %name:'))"
    ),
    "chat-miner": (
        "from chatminer.chatparsers import WhatsAppParser\n"
        "p = WhatsAppParser(PATH)\np.parse_file()\nn = len(p.parsed_messages.get_df())"
    ),
}


def others(path: Path, python: str) -> list[tuple[str, float, int]]:
    """Third-party parsers on the same file, run by `python` (a venv where they installed)."""
    found = []
    for name, code in OTHERS.items():
        script = (
            f"import time\nPATH = {str(path)!r}\nt = time.perf_counter()\n{code}\n"
            "print(time.perf_counter() - t, n)"
        )
        run = subprocess.run([python, "-c", script], capture_output=True, text=True)
        if run.returncode != 0:
            found.append((name, 0.0, -1))
            continue
        seconds, count = run.stdout.split()
        found.append((name, float(seconds), int(count)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument(
        "--others-python",
        default=sys.executable,
        help="a Python where whatstk and chat-miner are installed (they pull pandas, so they "
        "are not project dependencies)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        export = root / "WhatsApp Chat with Daniel Hughes.txt"
        lines = make_export(export, args.messages)
        load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
        # Bare, ours, bare again: a machine that gets busier meanwhile slows both alike.
        t_parse, t_bare, n_bare, c_bare = bare(export, root / "bare.sqlite")
        t_ours, n_ours, c_ours = ours(export, root / "bench")
        again = bare(export, root / "bare2.sqlite")
        if again[1] < t_bare:
            t_parse, t_bare, n_bare, c_bare = again
        c_bare = min(c_bare, again[3])
        load_after = " ".join(f"{v:.2f}" for v in os.getloadavg())
        third = others(export, args.others_python)
    n = args.messages
    print(f"messages: {n} ({lines} lines)")
    print(f"load average before: {load_before}, after: {load_after}")
    print(f"bare regex parse only:      {lines / t_parse:10.0f} lines/s")
    print(
        f"bare parse + sqlite + fts5: {n_bare / t_bare:10.0f} messages/s ({t_bare:.2f} s, "
        f"CPU {c_bare:.2f} s)"
    )
    print(
        f"threadline import:          {n_ours / t_ours:10.0f} messages/s ({t_ours:.2f} s, "
        f"CPU {c_ours:.2f} s)"
    )
    print(
        f"ratio ours/bare speed: {t_bare / t_ours:.2f}, CPU {c_bare / c_ours:.2f} (target >= 0.5)"
    )
    for name, t, count in third:
        if count < 0:
            print(f"{name}: not installed for {args.others_python}")
        else:
            print(f"{name}: {count / t:10.0f} messages/s ({t:.2f} s), {count} messages parsed")


if __name__ == "__main__":
    main()
