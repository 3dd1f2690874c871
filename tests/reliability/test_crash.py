"""Kill the app at random points while it imports, tags, redacts and exports; the case
must open, verify, hold every committed step and nothing half-done.

CI runs a bounded count (THREADLINE_CRASH_KILLS, default 50, about a minute); for a long
run by hand: `.venv/bin/python -m tests.reliability.crash_hunt --kills 1000`.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from app.case import Case
from app.ingest.job import import_paths
from tests.reliability import gen
from tests.reliability.harness import Cycle, Tally, check_case, run

KILLS = int(os.environ.get("THREADLINE_CRASH_KILLS", "50"))
MIXES = [["import"], ["tag"], ["redact"], ["export"], ["import", "tag", "redact", "export"]]


@pytest.mark.timeout(600)
def test_random_kills_leave_a_whole_case(tmp_path: Path) -> None:
    Case.create(tmp_path / "crash").close()
    lines: list[str] = []
    tally = run(
        tmp_path / "crash.threadline", tmp_path, KILLS, ops_choices=MIXES, seed=7, log=lines.append
    )
    assert tally.kills == KILLS
    # The kills landed inside the work, not only around it, and work got committed between.
    assert tally.where["import"] >= KILLS // 10, tally.where
    assert tally.where["tag"] + tally.where["untag"] >= 1, tally.where
    assert tally.committed["import"] > 0
    assert tally.committed["tag"] > 0
    assert tally.committed["redact"] > 0
    assert tally.sources_seen


def _done(*lines: tuple[str, str, object]) -> Cycle:
    return Cycle(0, ["import"], 0.0, True, 9, list(lines))


def test_the_checker_sees_a_source_with_missing_items(tmp_path: Path) -> None:
    """The harness can fail: a half-written source (items gone, count kept) is reported."""
    with Case.create(tmp_path / "c") as case:
        files = gen.write_mixed(tmp_path / "e", 1, chat_lines=50)
        report = import_paths(case, files[:1])
    source = report.files[0].source_id
    db = sqlite3.connect(tmp_path / "c.threadline" / "case.sqlite")
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("DELETE FROM items_fts")
    for table in ("events", "item_recipients", "pages"):
        db.execute(f"DELETE FROM {table}")
    db.execute("DELETE FROM items WHERE id IN (SELECT id FROM items LIMIT 3)")
    db.commit()
    db.close()
    problems = check_case(tmp_path / "c.threadline", _done(), Tally())
    assert any(f"source {source}" in p and "has 47" in p for p in problems), problems


def test_the_checker_sees_a_lost_commit(tmp_path: Path) -> None:
    """A tag the child reported as committed but which is not in the case is reported."""
    Case.create(tmp_path / "c").close()
    cycle = _done(("begin", "tag", None), ("ok", "tag", {"ids": [41]}))
    problems = check_case(tmp_path / "c.threadline", cycle, Tally())
    assert problems == ["committed tags missing: [41]"]
