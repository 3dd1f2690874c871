"""Small files share one transaction: a savepoint per file, "imported" only after the commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.case import Case
from app.importers.registry import Registry, default_registry
from app.ingest import job
from app.ingest.job import import_paths
from app.store.blobs import BlobStore
from app.store.schema import AuditEntry, Item, Source
from tests.core.test_import import Crashing, Exploding, write


def test_a_bad_file_in_a_batch_loses_none_of_its_neighbours(case: Case, tmp_path: Path) -> None:
    files = [write(tmp_path, f"a{n}.txt", f"before {n}") for n in range(3)]
    files += [write(tmp_path, "bad.txt", "broken"), write(tmp_path, "bug.txt", "buggy")]
    files += [write(tmp_path, f"z{n}.txt", f"after {n}") for n in range(3)]
    registry = Registry([Exploding, Crashing, *default_registry()._by_name.values()])
    commits: list[int] = []
    real = job._Batch.commit

    def counting(self: job._Batch) -> None:
        commits.append(len(self._pending))
        real(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(job._Batch, "commit", counting)
        mp.setattr(job, "BATCH_SECONDS", 60.0)  # a slow machine must not split the batch
        report = import_paths(case, files, registry=registry)
    assert [f.status for f in report.files] == ["imported"] * 3 + ["failed"] * 2 + ["imported"] * 3
    assert commits[0] == 6  # the six good files went into one transaction
    with case.read() as s:
        names = list(s.scalars(select(Source.name).order_by(Source.id)))
        texts = set(s.scalars(select(Item.text)))
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        bad_rows = s.scalar(select(func.count()).select_from(Item).where(Item.text == "x"))
    assert names == ["a0.txt", "a1.txt", "a2.txt", "z0.txt", "z1.txt", "z2.txt"]
    assert texts == {f"before {n}" for n in range(3)} | {f"after {n}" for n in range(3)}
    assert bad_rows == 0  # the 3,000 rows the bad file wrote were rolled back with it
    assert actions.count("import") == 6
    assert actions.count("import.failed") == 2
    assert {f.source_id for f in report.files[3:5]} == {None}


def test_files_are_reported_imported_only_once_their_batch_committed(
    case: Case, tmp_path: Path
) -> None:
    files = [write(tmp_path, f"m{n}.txt", f"message {n}") for n in range(4)]

    def disk_gone(self: BlobStore) -> None:
        raise OSError(5, "Input/output error")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(BlobStore, "sync_pending", disk_gone)
        report = import_paths(case, files)
    # Every file was read without fault, but the batch never committed: none is "imported".
    assert [f.status for f in report.files] == ["failed"] * 4
    assert all(f.reason.startswith("not saved: the case could not commit") for f in report.files)
    assert all(f.source_id is None for f in report.files)
    with case.read() as s:
        assert s.scalar(select(func.count()).select_from(Source)) == 0
        assert s.scalar(select(func.count()).select_from(Item)) == 0
    # The same files import normally once the disk is back.
    again = import_paths(case, files)
    assert [f.status for f in again.files] == ["imported"] * 4


def test_a_batch_commits_after_its_file_count(case: Case, tmp_path: Path) -> None:
    files = [write(tmp_path, f"n{n:02}.txt", f"note {n}") for n in range(10)]
    commits: list[int] = []
    real = job._Batch.commit

    def counting(self: job._Batch) -> None:
        if self._pending:
            commits.append(len(self._pending))
        real(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(job, "BATCH_FILES", 4)
        mp.setattr(job._Batch, "commit", counting)
        report = import_paths(case, files)
    assert report.count("imported") == 10
    assert commits == [4, 4, 2]


def test_a_duplicate_inside_one_batch_is_recognised(case: Case, tmp_path: Path) -> None:
    a = write(tmp_path / "one", "same.txt", "identical words")
    b = write(tmp_path / "two", "same.txt", "identical words")
    report = import_paths(case, [a, b])
    assert [f.status for f in report.files] == ["imported", "duplicate"]
    assert report.files[1].source_id is not None
