"""`backup CASE DEST`: a consistent, verifiable copy, even while an import is writing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app import cli
from app.backup import backup_case
from app.case import Case
from app.errors import StoreError
from app.ingest.job import import_paths
from app.verify import verify_case
from tests.conftest import REPO
from tests.reliability import gen

IMPORTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from app.case import Case
    from app.ingest.job import import_paths
    case = Case.open(sys.argv[1])
    print("ready", flush=True)
    for path in sorted(Path(sys.argv[2]).iterdir()):
        import_paths(case, [path])
        print("imported", path.name, flush=True)
    case.close()
    """
)


def _whole(folder: Path) -> tuple[int, int]:
    """Verify a copy; returns (sources, items) after checking no source is half there."""
    with Case.open(folder) as copy:
        report = verify_case(copy)
        assert report.ok, report.problems
        sources = copy.sources()
        info = copy.info()
    assert sum(s.item_count for s in sources) == info.items
    return len(sources), info.items


def test_backup_of_a_quiet_case_is_audited_on_both_sides(case: Case, tmp_path: Path) -> None:
    import_paths(case, gen.write_mixed(tmp_path / "e", 1, chat_lines=100))
    r = backup_case(case, tmp_path / "backups")
    assert r.folder == tmp_path / "backups" / "case.threadline"
    assert r.originals >= 6
    assert r.linked == r.originals
    assert r.audited_in_case
    assert case.audit_rows(limit=1)[0].action == "case.backup"
    sources, items = _whole(r.folder)
    assert sources == len(case.sources())
    assert items == case.info().items
    with Case.open(r.folder, readonly=True) as copy:
        assert copy.audit_rows(limit=1)[0].action == "case.backup"
        assert copy.audit_rows(limit=1)[0].payload["this_is_the_copy"] is True
    with pytest.raises(StoreError, match="already exists"):
        backup_case(case, tmp_path / "backups")


def test_backup_while_another_process_imports(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    for seed in range(4):
        gen.write_mixed(evidence, seed + 10, chat_lines=1500)
    Case.create(tmp_path / "c").close()
    folder = tmp_path / "c.threadline"
    with subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(folder), str(evidence)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        assert proc.stdout.readline().startswith("imported")
        copies = []
        # Through the command line, as a user would while the window holds the case.
        for n in range(3):
            dest = tmp_path / f"backup-{n}"
            assert cli.main(["backup", str(folder), str(dest)]) == cli.EXIT_OK
            copies.append(dest / "c.threadline")
            time.sleep(0.2)
        still_running = proc.poll() is None
        rest = proc.stdout.read()
    assert proc.returncode == 0
    assert still_running or rest  # the import was under way while we copied
    counts = [_whole(c) for c in copies]
    assert counts == sorted(counts)  # later copies hold at least what earlier ones did
    assert counts[0][0] >= 1
    assert _whole(folder)[0] >= counts[-1][0]  # the case itself is whole too


def test_backup_refuses_to_go_inside_the_case(case: Case) -> None:
    with pytest.raises(StoreError, match="inside the case"):
        backup_case(case, case.folder / "exports")
