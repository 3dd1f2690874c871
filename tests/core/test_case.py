"""The case folder: create, open, reopen, migrations, the lock, a newer schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.case import Case
from app.errors import CaseLocked, CaseNotFound, SchemaTooNew, StoreError
from app.store.engine import head_revision


def test_create_makes_the_folder_layout(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "Smith")
    case.close()
    folder = tmp_path / "Smith.threadline"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("case.sqlite-")) == [
        "case.lock",
        "case.sqlite",
        "derived",
        "exports",
        "originals",
    ]


def test_reopen_keeps_settings_and_audit(tmp_path: Path) -> None:
    with Case.create(tmp_path / "c", zone_name="Europe/Dublin") as case:
        head = case.info().audit_head
    with Case.open(tmp_path / "c.threadline") as again:
        info = again.info()
        assert info.zone == "Europe/Dublin"
        assert info.audit_head == head
        assert info.audit_entries == 1
        assert info.schema == head_revision()
    # The name without the suffix finds the same case.
    with Case.open(tmp_path / "c", readonly=True) as third:
        assert third.name == "c"


def test_migrations_build_the_schema_from_an_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "empty.threadline"
    folder.mkdir()
    (folder / "case.sqlite").touch()  # an empty database file: schema comes from migrations
    with Case.open(folder) as case:
        assert case.info().schema == head_revision()
    tables = {
        r[0]
        for r in sqlite3.connect(folder / "case.sqlite").execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
        )
    }
    assert {"sources", "items", "events", "participants", "persons", "audit_log"} <= tables
    assert {"items_fts", "audit_log_no_update", "audit_log_no_delete"} <= tables


def test_creating_over_an_existing_case_is_refused(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    with pytest.raises(StoreError, match="already exists"):
        Case.create(tmp_path / "c")


def test_missing_case(tmp_path: Path) -> None:
    with pytest.raises(CaseNotFound, match="no case at"):
        Case.open(tmp_path / "nothing-here")


def test_second_writer_is_told_who_holds_the_case(case: Case) -> None:
    with pytest.raises(CaseLocked, match=r"open elsewhere by \S+ on \S+ since"):
        Case.open(case.folder)
    # Readers are welcome while it is open.
    with Case.open(case.folder, readonly=True) as reader:
        assert reader.info().audit_entries == 1


def test_lock_is_released_on_close(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    Case.open(tmp_path / "c").close()
    Case.open(tmp_path / "c").close()


def test_read_only_case_refuses_writes(case: Case) -> None:
    with Case.open(case.folder, readonly=True) as reader, pytest.raises(StoreError), reader.write():
        pass


def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    db = sqlite3.connect(tmp_path / "c.threadline" / "case.sqlite")
    db.execute("UPDATE alembic_version SET version_num = '9999'")
    db.commit()
    db.close()
    with pytest.raises(SchemaTooNew, match="newer Threadline"):
        Case.open(tmp_path / "c")


def test_unknown_zone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="unknown time zone"):
        Case.create(tmp_path / "c", zone_name="Mars/Olympus")
