"""Every verification is in the audit chain, with its result and the head it checked; a case
open elsewhere is still verified read-only and says it was not recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.case import Case
from app.cli import EXIT_INTEGRITY, EXIT_OK, main
from app.ingest.job import import_paths
from app.verify import (
    NOT_RECORDED_ELSEWHERE,
    RECORDED,
    VERIFY_ACTION,
    record_verification,
    verify_case,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A closed case holding one imported note."""
    note = tmp_path / "note.txt"
    note.write_text("Seen outside the flat again", encoding="utf-8")
    with Case.create(tmp_path / "c") as case:
        assert import_paths(case, [note]).count("imported") == 1
        return case.folder


def test_a_writable_case_records_the_result_and_the_head_it_checked(folder: Path) -> None:
    with Case.open(folder) as case:
        report = verify_case(case)
        assert report.ok
        assert report.chain is not None
        checked_head = report.chain.head
        assert record_verification(case, report) == RECORDED
        entry = case.audit_rows(limit=1)[0]
        assert entry.action == VERIFY_ACTION
        assert entry.payload["result"] == "intact"
        assert entry.payload["chain_head"] == checked_head
        assert entry.payload["chain_entries"] == report.chain.entries
        assert entry.payload["originals"] == 1
        # The entry itself is a sound link: the next verification checks one more entry.
        again = verify_case(case)
        assert again.ok
        assert again.chain is not None
        assert again.chain.entries == report.chain.entries + 1
        assert again.chain.head == entry.hash


def test_a_read_only_case_takes_the_lock_briefly_to_record(folder: Path) -> None:
    with Case.open(folder, readonly=True) as reader:
        report = verify_case(reader)
        assert record_verification(reader, report) == RECORDED
        assert reader.audit_rows(limit=1)[0].action == VERIFY_ACTION
    Case.open(folder).close()  # the brief lock was given back


def test_open_elsewhere_is_verified_but_not_recorded(folder: Path) -> None:
    with Case.open(folder) as holder, Case.open(folder, readonly=True) as reader:
        before = reader.info().audit_entries
        report = verify_case(reader)
        assert report.ok
        assert record_verification(reader, report) == NOT_RECORDED_ELSEWHERE
        assert reader.info().audit_entries == before
        assert holder.audit_rows(limit=1)[0].action != VERIFY_ACTION


def test_a_failed_verification_is_recorded_with_its_problems(folder: Path) -> None:
    blob = next(p for p in (folder / "originals").rglob("*") if p.is_file())
    blob.chmod(0o644)
    blob.write_bytes(b"tampered")
    with Case.open(folder) as case:
        report = verify_case(case)
        assert not report.ok
        record_verification(case, report)
        payload = case.audit_rows(limit=1)[0].payload
    assert payload["result"] == "problems"
    assert payload["problem_count"] == 1
    assert "was modified" in payload["problems"][0]


def test_cli_verify_records_or_says_why_not(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(folder)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "verification recorded in the audit log" in out
    with Case.open(folder) as case:
        head = case.audit_rows(limit=1)[0]
        assert head.action == VERIFY_ACTION
        # Held for writing by someone else: still verified, read-only, and not recorded.
        assert main(["verify", str(folder)]) == EXIT_OK
        out = capsys.readouterr().out
        assert out.startswith("verified: 1 originals")
        assert "not recorded: case open elsewhere" in out
        assert case.audit_rows(limit=1)[0] == head


def test_cli_records_a_failed_verification(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blob = next(p for p in (folder / "originals").rglob("*") if p.is_file())
    blob.unlink()
    assert main(["verify", str(folder)]) == EXIT_INTEGRITY
    assert "verification recorded in the audit log" in capsys.readouterr().out
    with Case.open(folder, readonly=True) as case:
        assert case.audit_rows(limit=1)[0].payload["result"] == "problems"
