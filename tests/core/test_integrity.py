"""Integrity: the audit chain, `verify` against tampering, and a kill in mid-import."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit import verify_chain
from app.case import Case
from app.ingest.job import import_paths
from app.store.schema import AuditEntry, Event, Item, Source
from app.verify import verify_case

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def filled(case: Case, tmp_path: Path) -> Case:
    for n in range(3):
        (tmp_path / f"m{n}.txt").write_text(f"message number {n}", encoding="utf-8")
    import_paths(case, sorted(tmp_path.glob("m*.txt")))
    return case


def test_chain_verifies_and_names_its_head(filled: Case) -> None:
    report = verify_case(filled)
    assert report.ok, report.problems
    assert report.originals == 3
    assert report.chain is not None
    assert report.chain.entries == 4  # creation + three imports
    assert report.chain.head == filled.info().audit_head


def test_the_database_refuses_edits_to_the_audit_log(filled: Case) -> None:
    db = sqlite3.connect(filled.folder / "case.sqlite")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_log SET user = 'someone else' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_log WHERE seq = 2")


def _tamper_audit(case: Case, sql: str) -> None:
    """Edit the log the way an attacker with a SQLite client would: drop the guard first."""
    db = sqlite3.connect(case.folder / "case.sqlite")
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("DROP TRIGGER audit_log_no_delete")
    db.execute(sql)
    db.commit()
    db.close()


def test_verify_detects_an_edited_audit_row(filled: Case) -> None:
    _tamper_audit(filled, "UPDATE audit_log SET user = 'mallory' WHERE seq = 2")
    report = verify_case(filled)
    assert not report.ok
    assert report.problems == ["audit log broken: entry 2 was altered after it was written"]


def test_verify_detects_a_removed_audit_row(filled: Case) -> None:
    _tamper_audit(filled, "DELETE FROM audit_log WHERE seq = 3")
    assert verify_case(filled).problems == ["audit log broken: entry 3 is missing"]


def test_verify_detects_a_modified_original(filled: Case) -> None:
    src = filled.sources()[1]
    blob = filled.blobs.path(src.sha256)
    blob.chmod(0o644)
    blob.write_bytes(b"message number 9")
    (problem,) = verify_case(filled).problems
    assert problem.startswith(f"original of m1.txt was modified: recorded {src.sha256}, now ")


def test_verify_detects_a_deleted_original(filled: Case) -> None:
    src = filled.sources()[2]
    filled.blobs.path(src.sha256).unlink()
    assert verify_case(filled).problems == [f"original of m2.txt is missing ({src.sha256})"]


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from app.case import Case
    from app.ingest import job
    from app.ingest.job import import_paths

    # Small batches, so that several commit before the kill and the kill lands inside one.
    job.BATCH_FILES = 3
    case = Case.open(sys.argv[1])
    files = sorted(Path(sys.argv[2]).iterdir())
    print("ready", flush=True)
    import_paths(case, files)
    print("done", flush=True)
    """
)


@pytest.mark.parametrize("delay", [0.25, 0.6])
def test_sigkill_mid_import_leaves_exactly_the_committed_files(
    tmp_path: Path, delay: float
) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for n in range(120):
        # Large enough that a file's transaction takes a while, so kills land inside one.
        (evidence / f"f{n:04}.txt").write_text(f"file {n}\n" + "word " * 25_000, encoding="utf-8")
    Case.create(tmp_path / "c").close()
    folder = tmp_path / "c.threadline"
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), str(evidence)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    with Case.open(folder) as case:  # opens for writing: the dead process left no lock
        report = verify_case(case)
        assert report.ok, report.problems
        with case.read() as s:
            sources = list(s.scalars(select(Source).order_by(Source.id)))
            imported = list(
                s.scalars(select(AuditEntry.payload).where(AuditEntry.action == "import"))
            )
            orphan_items = s.scalar(
                select(func.count(Item.id)).where(Item.source_id.not_in(select(Source.id)))
            )
            items_per_source: dict[int, int] = dict(
                s.execute(
                    select(Item.source_id, func.count(Item.id)).group_by(Item.source_id)
                ).all()
            )
            events = s.scalar(select(func.count(Event.id)))
        # Every committed file is whole, in order, audited; nothing else is there.
        assert [src.name for src in sources] == [f"f{n:04}.txt" for n in range(len(sources))]
        assert len(imported) == len(sources)
        assert orphan_items == 0
        assert all(items_per_source.get(src.id) == src.item_count == 1 for src in sources)
        assert events == len(sources)
        assert 0 < len(sources) < 120, "the kill should land mid-import"
        # The import can simply be run again: committed files are recognised, the rest added.
        again = import_paths(case, sorted(evidence.iterdir()))
        assert again.count("duplicate") == len(sources)
        assert again.count("imported") == 120 - len(sources)
        assert verify_case(case).ok
    assert not (folder / "originals" / ".incoming").exists() or not any(
        (folder / "originals" / ".incoming").iterdir()
    )


def test_verify_chain_on_an_empty_log_is_trivially_whole(case: Case) -> None:
    with case.read() as s:
        assert verify_chain(s).ok
