"""A full disk during import and export: a clear message naming the file and the reason,
the other files go on (or the export is marked failed), and the case still verifies.

The disk is simulated by injecting `OSError(ENOSPC)`: into the writes of originals once a
byte budget is spent, into SQLite by capping its page count (a real SQLITE_FULL), and into
the export's file writes.
"""

from __future__ import annotations

import errno
import io
import os
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app import cli
from app.case import Case
from app.ingest.job import import_paths
from app.store import blobs
from app.verify import verify_case
from tests.reliability import gen

FULL = "the disk is full"


class SmallDisk:
    """Replaces `os.fdopen` for the blob store: writes fail with ENOSPC past `budget` bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.written = 0
        self._real = os.fdopen

    def fdopen(self, fd: int, *args: Any, **kwargs: Any) -> Any:
        real = self._real(fd, *args, **kwargs)
        disk = self

        class Limited(io.RawIOBase):
            def write(self, data: Any) -> int:
                if disk.written + len(data) > disk.budget:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                disk.written += len(data)
                return int(real.write(data))

            def fileno(self) -> int:
                return int(real.fileno())

            def close(self) -> None:
                real.close()
                super().close()

            def writable(self) -> bool:
                return True

        return Limited()


@pytest.fixture
def evidence(tmp_path: Path) -> list[Path]:
    return gen.write_mixed(tmp_path / "evidence", 3, chat_lines=200)


def _leftovers(case: Case) -> list[Path]:
    incoming = case.folder / "originals" / ".incoming"
    return list(incoming.iterdir()) if incoming.exists() else []


def test_disk_full_while_storing_originals(
    case: Case, evidence: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = [p.stat().st_size for p in sorted(evidence)]
    disk = SmallDisk(budget=sizes[0] + 10)  # room for the first file only
    monkeypatch.setattr(blobs.os, "fdopen", disk.fdopen)
    report = import_paths(case, sorted(evidence))
    monkeypatch.undo()
    statuses = [f.status for f in report.files]
    assert statuses[0] == "imported"
    failed = [f for f in report.files if f.status == "failed"]
    assert failed, statuses
    for f in failed:
        assert FULL in f.reason, f.reason
        assert "original" in f.reason, f.reason
    # Nothing of a failed file is in the case; no temporary file is left behind.
    names = {s.name for s in case.sources() if s.parent_id is None}
    assert names == {Path(f.path).name for f in report.files if f.status == "imported"}
    assert not _leftovers(case)
    assert verify_case(case).ok
    # Once there is room again the same import adds what was missing.
    again = import_paths(case, sorted(evidence))
    assert again.count("failed") == 0
    assert verify_case(case).ok


def test_disk_full_inside_an_archive_fails_the_whole_file(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Members of a zip are stored as they are read: a full disk then must fail the file,
    never pass as a warning about one member while the others go in."""
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as z:
        for n in range(5):
            z.writestr(f"note-{n}.txt", f"note {n} " * 4000)
    disk = SmallDisk(budget=path.stat().st_size + 50_000)  # the zip itself, two members
    monkeypatch.setattr(blobs.os, "fdopen", disk.fdopen)
    (result,) = import_paths(case, [path]).files
    monkeypatch.undo()
    assert result.status == "failed"
    assert FULL in result.reason
    assert case.sources() == []
    assert verify_case(case).ok


def test_the_command_line_names_the_file_and_the_reason(
    tmp_path: Path, evidence: list[Path], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    Case.create(tmp_path / "c").close()
    monkeypatch.setattr(blobs.os, "fdopen", SmallDisk(budget=0).fdopen)
    photo = next(p for p in evidence if p.suffix == ".jpg")
    code = cli.main(["import", str(tmp_path / "c"), str(photo), "--no-ocr"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_ERROR
    assert f"{photo}: cannot write an original into the case: {FULL}" in err


def _cap_database(case: Case, spare_pages: int) -> None:
    """Let SQLite grow only `spare_pages` more pages: the next big write gets SQLITE_FULL."""
    with case.read() as s:
        pages = int(s.connection().exec_driver_sql("PRAGMA page_count").scalar_one())

    @event.listens_for(case.engine, "connect")
    def _cap(dbapi: Any, _record: Any) -> None:
        dbapi.execute(f"PRAGMA max_page_count = {pages + spare_pages}")

    case.engine.dispose()


def test_database_full_during_import(tmp_path: Path, evidence: list[Path]) -> None:
    folder = tmp_path / "c.threadline"
    Case.create(tmp_path / "c").close()
    photo = next(p for p in evidence if p.suffix == ".jpg")
    chat = tmp_path / "WhatsApp Chat with Dan.txt"
    chat.write_bytes(gen.whatsapp_chat(random.Random(9), 20000))
    with Case.open(folder) as case:
        _cap_database(case, spare_pages=200)
        report = import_paths(case, [photo, chat])
        by_name = {Path(f.path).name: f for f in report.files}
        big = by_name[chat.name]
        assert big.status == "failed"
        assert "database or disk is full" in big.reason, big.reason
        assert "is the disk full?" in big.reason
        # Files committed with it (an import may batch several per transaction) are either
        # whole or failed with a reason; nothing is half there.
        imported = {n for n, f in by_name.items() if f.status == "imported"}
        assert all(f.reason for f in report.files if f.status == "failed")
    with Case.open(folder) as case:
        assert verify_case(case).ok
        assert {s.name for s in case.sources()} == imported
        again = import_paths(case, [photo, chat])
        assert again.count("failed") == 0
        assert verify_case(case).ok


def _pack_case(tmp_path: Path) -> Iterator[Any]:
    pytest.importorskip("app.export.pack")
    case = Case.create(tmp_path / "p")
    files = gen.write_mixed(tmp_path / "evidence", 4, chat_lines=40)
    import_paths(case, [p for p in files if p.suffix in {".txt", ".pdf"}])
    yield case
    case.close()


@pytest.fixture
def pack_case(tmp_path: Path) -> Iterator[Any]:
    yield from _pack_case(tmp_path)


@pytest.mark.parametrize("where", ["manifest", "bundle"])
def test_disk_full_during_export(
    pack_case: Case, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pymupdf

    from app.export.pack import build_pack
    from app.export.plan import PackOptions
    from app.store.schema import ExportRecord
    from tests.reliability.harness import _export_problems

    if where == "manifest":
        import tempfile

        from app.export import packfiles

        real = tempfile.mkstemp

        def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
            """The disk is full when the pack's manifest is written."""
            if str(kwargs.get("prefix", "")).startswith(".manifest.json"):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(*args, **kwargs)

        monkeypatch.setattr(packfiles.tempfile, "mkstemp", mkstemp)
    else:

        def save(self: Any, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("code=2: cannot write: No space left on device")

        monkeypatch.setattr(pymupdf.Document, "save", save)
    try:  # either a failed result saying why, or the error itself
        result = build_pack(pack_case, PackOptions(everything=True, initials="DF"))
        assert result.status == "failed"
        message = "; ".join(f.what for f in result.findings)
    except OSError as exc:
        message = f"{exc.filename}: {exc.strerror}"
    assert "No space left on device" in message
    if where == "manifest":
        assert "manifest.json" in message
    monkeypatch.undo()
    with pack_case.read() as s:
        records = list(s.query(ExportRecord))
    assert [r.status for r in records] == ["failed"]
    assert records[0].folder.endswith(".FAILED")
    assert _export_problems(pack_case.export_dir(), records) == []
    assert verify_case(pack_case).ok
