"""The import job: originals kept byte-for-byte, duplicates, failures, cancel, child files."""

from __future__ import annotations

import hashlib
import io
import stat
from pathlib import Path
from typing import ClassVar

from sqlalchemy import func, select

from app.case import Case
from app.errors import CorruptRecord
from app.importers.base import ImportContext, Probe, Sink
from app.importers.plaintext import PlainTextImporter
from app.importers.registry import Registry, default_registry
from app.ingest.job import import_paths
from app.jobs import Progress
from app.model import ItemDraft, ItemKind
from app.store.schema import AuditEntry, Event, Item, Participant, Source


def counts(case: Case) -> dict[str, int]:
    with case.read() as s:
        return {
            m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Source, Item, Event, Participant)
        }


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_original_is_kept_byte_for_byte_and_read_only(case: Case, tmp_path: Path) -> None:
    data = "Line one\r\nLíne twö\n".encode()
    src = tmp_path / "note.txt"
    src.write_bytes(data)
    report = import_paths(case, [src])
    assert report.files[0].status == "imported"
    sha = hashlib.sha256(data).hexdigest()
    stored = case.folder / "originals" / sha[:2] / sha
    assert stored.read_bytes() == data
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    (row,) = case.sources()
    assert (row.sha256, row.size, row.name, row.importer) == (sha, len(data), "note.txt", "text")
    assert row.path == str(src.resolve())
    rows = case.timeline_rows(case.timeline_ids())
    assert rows[0].text == data.decode()


def test_importing_the_same_file_twice_adds_nothing_twice(case: Case, tmp_path: Path) -> None:
    f = write(tmp_path, "a.txt", "hello")
    import_paths(case, [f])
    before = counts(case)
    report = import_paths(case, [f])
    assert report.files[0].status == "duplicate"
    assert counts(case) == before


def test_same_content_elsewhere_is_a_second_source_without_new_items(
    case: Case, tmp_path: Path
) -> None:
    a = write(tmp_path, "a.txt", "same bytes")
    b = write(tmp_path / "other", "copy.txt", "same bytes")
    import_paths(case, [a])
    report = import_paths(case, [b])
    assert report.files[0].status == "duplicate"
    first, second = case.sources()
    assert second.duplicate_of == first.id
    assert second.sha256 == first.sha256
    assert counts(case)["items"] == 1
    blobs = [p for p in (case.folder / "originals").rglob("*") if p.is_file()]
    assert len(blobs) == 1


def test_folders_are_walked_and_every_file_reported(case: Case, tmp_path: Path) -> None:
    for n in range(5):
        write(tmp_path / "ev" / f"sub{n % 2}", f"f{n}.txt", f"message {n}")
    seen: list[Progress] = []
    report = import_paths(case, [tmp_path / "ev"], progress=seen.append)
    assert report.count("imported") == 5
    assert seen[-1].done == seen[-1].total == 5
    assert len(case.timeline_ids()) == 5


class Exploding:
    """An importer that writes some items and then finds the file broken."""

    NAME: ClassVar[str] = "exploding"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        return 100 if probe.name.startswith("bad") else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        for n in range(3000):  # more than one batch, so rows really reach the database
            sink.add_item(ItemDraft(kind=ItemKind.TEXT, locator=f"line {n}", text="x"))
        raise CorruptRecord("the file ends in the middle of a record")


def test_a_failing_file_leaves_no_rows_and_the_rest_goes_on(case: Case, tmp_path: Path) -> None:
    good = write(tmp_path, "good.txt", "fine")
    bad = write(tmp_path, "bad.txt", "broken")
    registry = Registry([Exploding, *default_registry()._by_name.values()])
    report = import_paths(case, [bad, good], registry=registry)
    assert [f.status for f in report.files] == ["failed", "imported"]
    assert report.files[0].reason == "the file ends in the middle of a record"
    assert counts(case) == {"sources": 1, "items": 1, "events": 1, "participants": 0}
    with case.read() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions == ["case.create", "import.failed", "import"]


class Crashing:
    """An importer with a bug: an unexpected exception must not stop the import."""

    NAME: ClassVar[str] = "crashing"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        return 100 if probe.name.startswith("bug") else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        raise ZeroDivisionError("division by zero")


def test_an_importer_bug_is_reported_not_raised(case: Case, tmp_path: Path) -> None:
    registry = Registry([Crashing, *default_registry()._by_name.values()])
    report = import_paths(
        case, [write(tmp_path, "bug.txt", "x"), write(tmp_path, "ok.txt", "y")], registry=registry
    )
    assert report.files[0].status == "failed"
    assert "crashing reader failed: ZeroDivisionError" in report.files[0].reason
    assert report.files[1].status == "imported"


def test_unreadable_and_missing_files_fail_with_a_reason(case: Case, tmp_path: Path) -> None:
    report = import_paths(case, [tmp_path / "nope.txt"])
    assert report.files[0].status == "failed"
    assert "No such file" in report.files[0].reason


class CancelledMidFile:
    """An importer during which the user presses Cancel, after some items are written."""

    NAME: ClassVar[str] = "cancelled-mid-file"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        return 100 if probe.name == "f2.txt" else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        for n in range(2500):
            sink.add_item(ItemDraft(kind=ItemKind.TEXT, locator=f"line {n}", text="x"))
        ctx.cancel.cancel()
        ctx.cancel.check()


def test_cancel_rolls_back_the_current_file_and_keeps_the_committed_ones(
    case: Case, tmp_path: Path
) -> None:
    files = [write(tmp_path, f"f{n}.txt", f"text {n}") for n in range(6)]
    registry = Registry([CancelledMidFile, *default_registry()._by_name.values()])
    report = import_paths(case, files, registry=registry)
    assert [f.status for f in report.files] == ["imported"] * 2 + ["cancelled"] * 4
    assert report.cancelled
    assert counts(case) == {"sources": 2, "items": 2, "events": 2, "participants": 0}


class Carrier:
    """An importer of a container: one item and one embedded text file."""

    NAME: ClassVar[str] = "carrier"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        return 100 if probe.name.endswith(".carrier") else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        sink.add_item(ItemDraft(kind=ItemKind.EMAIL, locator="message 1", text="see att", key="m"))
        sink.add_child("att/notes.txt", io.BytesIO(b"attached words"), context_key="m")


def test_embedded_files_become_child_sources_linked_to_their_item(
    case: Case, tmp_path: Path
) -> None:
    registry = Registry([Carrier, PlainTextImporter])
    path = tmp_path / "mail.carrier"
    path.write_bytes(b"container")
    report = import_paths(case, [path], registry=registry)
    assert report.files[0].status == "imported"
    parent, child = case.sources()
    assert child.parent_id == parent.id
    assert child.name == "notes.txt"
    assert child.importer == "text"
    with case.read() as s:
        email = s.scalars(select(Item).where(Item.source_id == parent.id)).one()
        att = s.scalars(select(Item).where(Item.source_id == child.id)).one()
    assert att.parent_id == email.id
    assert att.text == "attached words"


def test_importing_the_folder_that_holds_the_case_skips_the_case(
    case: Case, tmp_path: Path
) -> None:
    assert case.folder.parent == tmp_path
    write(tmp_path, "note.txt", "evidence")
    report = import_paths(case, [tmp_path])
    assert [Path(f.path).name for f in report.files] == ["note.txt"]
