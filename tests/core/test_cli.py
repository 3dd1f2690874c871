"""The command line: what a user types and what they see, exit codes included."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.case import Case
from app.cli import EXIT_ERROR, EXIT_INTEGRITY, EXIT_OK, EXIT_USAGE, main

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "first.txt").write_text("The first note", encoding="utf-8")
    (folder / "second.txt").write_text("The second note", encoding="utf-8")
    os.utime(folder / "first.txt", (1_710_000_000, 1_710_000_000))  # 2024-03-09 16:00:00Z
    os.utime(folder / "second.txt", (1_720_000_000, 1_720_000_000))  # 2024-07-03 09:46:40Z
    return folder


def test_new_import_timeline_info_verify(
    tmp_path: Path, evidence: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = str(tmp_path / "Op Willow")
    code, out, _ = run(capsys, "new", case)
    assert code == EXIT_OK
    assert "created case Op Willow" in out

    code, out, err = run(capsys, "import", case, str(evidence))
    assert code == EXIT_OK, err
    assert out.splitlines()[-1] == "2 imported, 0 duplicate, 0 failed"
    assert "first.txt: text, 1 new items" in out

    code, out, _ = run(capsys, "import", case, str(evidence / "first.txt"))
    assert out.splitlines()[-1] == "0 imported, 1 duplicate, 0 failed"

    code, out, _ = run(capsys, "timeline", case, "--json")
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["text"] for e in events] == ["The first note", "The second note"]
    assert events[0]["time_utc"] == "2024-03-09T16:00:00Z"
    assert events[0]["zone_confidence"] == "file-time"
    assert set(events[0]) == {
        "id", "item_id", "time_utc", "original_time", "zone_confidence", "event", "kind",
        "source", "source_id", "author", "text",
    }  # fmt: skip

    code, out, _ = run(capsys, "timeline", case)
    lines = out.splitlines()
    # Shown in the case zone, marked as a file time: BST in July, GMT in March.
    assert lines[0].startswith("2024-03-09 16:00:00 GMT [file-time]  first.txt")
    assert lines[1].startswith("2024-07-03 10:46:40 BST [file-time]  second.txt")

    code, out, _ = run(capsys, "timeline", case, "--from", "2024-06-01", "--json")
    assert [json.loads(line)["text"] for line in out.splitlines()] == ["The second note"]

    code, out, _ = run(capsys, "info", case, "--json")
    info = json.loads(out)
    assert (info["sources"], info["items"], info["events"], info["audit entries"]) == (2, 2, 2, 3)

    code, out, _ = run(capsys, "verify", case)
    assert code == EXIT_OK
    assert out.startswith("verified: 2 originals match their SHA-256; audit chain of 3 entries")


def test_missing_case_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("import", "timeline", "verify", "info"):
        args = [command, str(tmp_path / "nope")] + (["x.txt"] if command == "import" else [])
        code, _out, err = run(capsys, *args)
        assert code == EXIT_ERROR
        assert err == f"threadline: no case at {tmp_path / 'nope'}\n"


def test_locked_case_names_the_holder(
    tmp_path: Path, evidence: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Case.create(tmp_path / "c"):
        code, _, err = run(capsys, "import", str(tmp_path / "c"), str(evidence))
    assert code == EXIT_ERROR
    assert err.startswith("threadline: case c.threadline is open elsewhere by ")
    assert err.count("\n") == 1


def test_newer_schema_is_refused(
    tmp_path: Path, evidence: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Case.create(tmp_path / "c").close()
    db = sqlite3.connect(tmp_path / "c.threadline" / "case.sqlite")
    db.execute("UPDATE alembic_version SET version_num = 'f00d'")
    db.commit()
    db.close()
    code, _, err = run(capsys, "import", str(tmp_path / "c"), str(evidence))
    assert code == EXIT_ERROR
    assert "written by a newer Threadline (schema f00d)" in err
    assert err.count("\n") == 1


def test_unreadable_file_fails_that_file_only(
    tmp_path: Path, evidence: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Case.create(tmp_path / "c").close()
    missing = tmp_path / "gone.txt"
    code, out, err = run(capsys, "import", str(tmp_path / "c"), str(missing), str(evidence))
    assert code == EXIT_ERROR
    assert out.splitlines()[-1] == "2 imported, 0 duplicate, 1 failed"
    assert err == f"threadline: {missing}: cannot read the file: No such file or directory\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_permission_denied_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Case.create(tmp_path / "c").close()
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    secret.chmod(0)
    code, _, err = run(capsys, "import", str(tmp_path / "c"), str(secret))
    assert code == EXIT_ERROR
    assert "Permission denied" in err


def test_verify_failure_exits_3(
    tmp_path: Path, evidence: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = str(tmp_path / "c")
    run(capsys, "new", case)
    run(capsys, "import", case, str(evidence))
    blob = next(p for p in (tmp_path / "c.threadline" / "originals").rglob("*") if p.is_file())
    blob.unlink()
    code, out, err = run(capsys, "verify", case)
    assert code == EXIT_INTEGRITY
    assert out.startswith("FAILED: original of ")
    assert err.startswith("threadline: verification failed: original of ")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import")
    assert code == EXIT_USAGE
    assert "usage:" in err


def test_main_py_help_lists_commands_without_loading_qt() -> None:
    probe = (
        "import sys, runpy; sys.argv = ['main.py', '--help']\n"
        "try:\n    runpy.run_path('main.py', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "print('QT LOADED' if any(m.startswith('PySide6') for m in sys.modules) else 'no qt')"
    )
    env = {**os.environ, "THREADLINE_HOME": str(REPO / ".pytest_cache" / "home")}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, env=env,
        check=True,
    ).stdout  # fmt: skip
    for command in ("new", "import", "timeline", "verify", "info"):
        assert f"    {command} " in out
    assert out.strip().endswith("no qt")
