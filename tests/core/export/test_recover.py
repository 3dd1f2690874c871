"""Exports a crash interrupted are settled: never a final-named folder without its record."""

from __future__ import annotations

from pathlib import Path

from app import audit
from app.case import Case
from app.export import manifest as mf
from app.export.pack import FAILED_MARK, recover_exports
from app.store.schema import ExportRecord


def _record(case: Case, folder: str, status: str, manifest_sha: str = "") -> int:
    with case.write() as s:
        rec = ExportRecord(
            kind="pack",
            folder=folder,
            set_name="defence disclosure",
            status=status,
            detail={},
            manifest_sha256=manifest_sha,
            started_at_us=audit.now_us(),
            created_by=case.user,
        )
        s.add(rec)
        s.flush()
        return rec.id


def _status(case: Case, record_id: int) -> tuple[str, str]:
    with case.read() as s:
        rec = s.get(ExportRecord, record_id)
        assert rec is not None
        return rec.status, rec.folder


def test_a_building_export_left_by_a_crash_becomes_failed(tmp_path: Path) -> None:
    with Case.create(tmp_path / "c") as case:
        partial = case.export_dir() / "pack-1.partial"
        partial.mkdir()
        (partial / "bundle.pdf").write_bytes(b"%PDF half written")
        record_id = _record(case, "pack-1.partial", "building")

        done = recover_exports(case)

        assert done == [f"export {record_id}: interrupted, kept as pack-1.FAILED"]
        assert not partial.exists()
        failed = case.export_dir() / "pack-1.FAILED"
        assert "interrupted" in (failed / FAILED_MARK).read_text(encoding="utf-8")
        assert _status(case, record_id) == ("failed", "pack-1.FAILED")
        assert not (case.export_dir() / "pack-1").exists()
        assert recover_exports(case) == []


def test_a_complete_export_that_died_before_its_rename_is_finished(tmp_path: Path) -> None:
    with Case.create(tmp_path / "c") as case:
        partial = case.export_dir() / "pack-2.partial"
        partial.mkdir()
        (partial / mf.MANIFEST).write_text('{"files": []}', encoding="utf-8")
        record_id = _record(case, "pack-2", "complete", mf.sha256_file(partial / mf.MANIFEST))

        assert recover_exports(case) == [f"export {record_id}: finished naming pack-2"]
        assert (case.export_dir() / "pack-2" / mf.MANIFEST).is_file()
        assert _status(case, record_id) == ("complete", "pack-2")


def test_a_complete_record_with_a_tampered_partial_is_not_trusted(tmp_path: Path) -> None:
    with Case.create(tmp_path / "c") as case:
        partial = case.export_dir() / "pack-3.partial"
        partial.mkdir()
        (partial / mf.MANIFEST).write_text("{}", encoding="utf-8")
        record_id = _record(case, "pack-3", "complete", "0" * 64)

        recover_exports(case)

        assert not (case.export_dir() / "pack-3").exists()
        assert (case.export_dir() / "pack-3.FAILED" / FAILED_MARK).is_file()
        assert _status(case, record_id)[0] == "failed"
