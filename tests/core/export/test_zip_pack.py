"""The pack as an AES-256 zip, and the plain pack an encrypted case refuses in its folder.

The zip is built in memory and sealed: it holds exactly the folder pack's files (same
names, same SHA-256 when both are built from the same case at the same moment), opens with
its password only, passes `verify_pack` given the password, and no plaintext file of it is
ever on disk. An encrypted case refuses a plain pack inside its own folder (CLI exit 1).
"""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.case import Case
from app.cli import main
from app.errors import ExportError
from app.export import bundle as bundle_mod
from app.export import pack as pack_mod
from app.export import render_timeline
from app.export.pack import PlaintextRefused, build_pack, recover_exports, verify_pack
from app.export.packfiles import MIN_PASSWORD, ZipFiles, seal_zip
from app.export.plan import PackOptions
from app.ingest.job import import_paths
from app.redaction.ops import AddProtectedTerm
from app.store import crypto
from app.store.schema import ExportRecord
from tests.core.export.conftest import copy_case
from tests.core.export.test_pack import StandIn, _approve_all, independent_scan

PASSWORD = "amber lantern over the quay"
CASE_PASSPHRASE = "seven herons in the mist"
MOMENT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


class _Frozen(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> _Frozen:
        return cls.fromtimestamp(MOMENT.timestamp(), tz)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every clock a pack reads stopped at MOMENT: two builds give the same bytes."""
    moment_us = int(MOMENT.timestamp() * 1_000_000)
    monkeypatch.setattr(pack_mod, "datetime", _Frozen)
    monkeypatch.setattr(bundle_mod, "now_us", lambda: moment_us)
    monkeypatch.setattr(render_timeline, "now_us", lambda: moment_us)


def _twin(folder: Path, tmp_path: Path, label: str) -> Case:
    """An identical copy of the case (same folder name), open for writing."""
    return Case.open(copy_case(folder, tmp_path / label / folder.name))


def test_the_zip_holds_the_folder_packs_files_and_opens_only_with_its_password(
    demo_folder: Path, tmp_path: Path, frozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Case.open(demo_folder) as case:
        _approve_all(case)
        AddProtectedTerm("Complainant", ("Sarah Mitchell",), "PII").apply(case)
    options = PackOptions(item_ids=(3, 4, 5, 6), initials="AB", name="pack", timeline_report=True)
    with _twin(demo_folder, tmp_path, "a") as case:
        plain = build_pack(case, options, out_dir=tmp_path / "plain")
    assert plain.ok, plain.findings

    seen_before_sealing: list[list[Path]] = []
    real_seal = pack_mod.seal_zip

    def watch(files: Any, dest: Path, password: str) -> Path:
        seen_before_sealing.append(sorted((tmp_path / "sealed").rglob("*")))
        return real_seal(files, dest, password)

    monkeypatch.setattr(pack_mod, "seal_zip", watch)
    with _twin(demo_folder, tmp_path, "b") as case:
        sealed = build_pack(case, options, out_dir=tmp_path / "sealed", zip_password=PASSWORD)
    assert sealed.ok, sealed.findings
    assert sealed.folder == tmp_path / "sealed" / "pack.zip"
    # Until it was sealed the pack was only in memory; afterwards the zip is all there is.
    assert seen_before_sealing == [[]]
    assert sorted(p.name for p in (tmp_path / "sealed").iterdir()) == ["pack.zip"]
    assert sealed.files == plain.files

    with ZipFiles(sealed.folder, PASSWORD) as opened:
        assert opened.names() == list(plain.files)
        for rel in plain.files:
            assert opened.sha256(rel) == pack_mod.FolderFiles(plain.folder).sha256(rel), rel
    raw = sealed.folder.read_bytes()
    assert b"%PDF" not in raw  # the contents are ciphertext
    assert b"Verification certificate" not in raw
    with zipfile.ZipFile(sealed.folder) as zf, pytest.raises(RuntimeError, match="encrypted"):
        zf.read("certificate.txt")  # a zip tool without the password gets nothing

    forbidden = sealed.plan.forbidden if sealed.plan else ()
    assert verify_pack(sealed.folder, forbidden, password=PASSWORD) == []
    with pytest.raises(ExportError, match=r"password does not open pack\.zip"):
        verify_pack(sealed.folder, forbidden, password="not the right one")
    with pytest.raises(ExportError, match="its password is needed"):
        verify_pack(sealed.folder, forbidden)


def test_a_zip_pack_that_fails_or_is_cancelled_stays_sealed(
    demo_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = demo_case
    _approve_all(case)
    AddProtectedTerm("Attachment name", ("IMG_2231",), "PII").apply(case)

    def original_name(case: Case, entry: Any) -> str:
        return "IMG_2231.png"  # a careless renderer reusing the file's own name

    monkeypatch.setattr(pack_mod, "_bundle", StandIn(native_name=original_name).module)
    failed = build_pack(
        case, PackOptions(everything=True, name="leaky"), tmp_path / "out", zip_password=PASSWORD
    )
    assert failed.status == "failed"
    assert failed.folder == tmp_path / "out" / "leaky.FAILED.zip"
    with ZipFiles(failed.folder, PASSWORD) as opened:
        assert "NOT a disclosure pack" in opened.read("FAILED.txt").decode()
    monkeypatch.setattr(pack_mod, "_bundle", StandIn(cancel_after_bundle=True).module)
    stopped = build_pack(
        case,
        PackOptions(everything=True, name="stop"),
        tmp_path / "out",
        cancel=pack_mod.CancelToken(),
        zip_password=PASSWORD,
    )
    assert stopped.status == "cancelled"
    with ZipFiles(stopped.folder, PASSWORD) as opened:
        assert "CANCELLED.txt" in opened.names()
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["leaky.FAILED.zip", "stop.CANCELLED.zip"]  # nothing else, nothing plain


def test_a_short_zip_password_is_refused_before_anything_is_written(
    demo_case: Case, tmp_path: Path
) -> None:
    _approve_all(demo_case)
    with pytest.raises(pack_mod.ExportRefused, match=f"at least {MIN_PASSWORD} characters"):
        build_pack(demo_case, PackOptions(item_ids=(3,)), tmp_path / "out", zip_password="short")
    assert not (tmp_path / "out").exists()
    with demo_case.read() as s:
        assert s.scalar(select(ExportRecord.id)) is None


def test_an_interrupted_zip_export_is_settled(demo_case: Case, tmp_path: Path) -> None:
    """A crash after the record said complete, before the rename: the zip gets its name;
    one during the build: the unfinished zip is marked FAILED with a note beside it."""
    case = demo_case
    with case.write() as s:
        for status, folder in (("complete", "done.zip"), ("building", "cut.zip.partial")):
            s.add(
                ExportRecord(
                    kind="pack",
                    folder=folder,
                    set_name="default",
                    status=status,
                    detail={},
                    manifest_sha256="",
                    started_at_us=1,
                    finished_at_us=None,
                    created_by="test",
                )
            )
    memory = pack_mod.MemoryFiles()
    memory.write("manifest.json", b"{}")
    seal_zip(memory, case.export_dir() / "done.zip.partial", PASSWORD)
    (case.export_dir() / "cut.zip.partial").write_bytes(b"PK\x03\x04 half a zip")
    done = recover_exports(case)
    assert len(done) == 2
    names = sorted(p.name for p in case.export_dir().iterdir())
    assert names == ["cut.FAILED.txt", "cut.FAILED.zip", "done.zip"]
    assert "interrupted" in (case.export_dir() / "cut.FAILED.txt").read_text("utf-8")
    with case.read() as s:
        statuses = dict(s.execute(select(ExportRecord.folder, ExportRecord.status)).all())
    assert statuses == {"done.zip": "complete", "cut.FAILED.zip": "failed"}


# -- an encrypted case ---------------------------------------------------------------------


@pytest.fixture
def encrypted_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An encrypted case holding a short chat (nothing to review), closed."""
    monkeypatch.setattr(crypto, "SCRYPT_N", 1 << 12)
    monkeypatch.setenv("THREADLINE_PASSPHRASE", CASE_PASSPHRASE)
    chat = tmp_path / "WhatsApp Chat with Bob.txt"
    chat.write_text(
        "14/03/2024, 19:00 - Bob: Hi Alice\n14/03/2024, 19:01 - Alice: Please stop\n",
        encoding="utf-8",
    )
    with Case.create(tmp_path / "Sealed", passphrase=CASE_PASSPHRASE) as case:
        assert import_paths(case, [chat]).count("imported") == 1
    return case.folder


def test_an_encrypted_case_refuses_a_plain_pack_inside_its_folder(
    encrypted_folder: Path, tmp_path: Path
) -> None:
    options = PackOptions(everything=True, name="p")
    with Case.open(encrypted_folder, passphrase=CASE_PASSPHRASE) as case:
        assert case.encrypted
        for inside in (None, encrypted_folder / "elsewhere"):
            with pytest.raises(PlaintextRefused, match="outside the case") as info:
                build_pack(case, options, inside)
            assert "encrypted zip" in str(info.value)
        assert not (encrypted_folder / "elsewhere").exists()
        assert not any(case.export_dir().iterdir())
        with case.read() as s:
            assert s.scalar(select(ExportRecord.id)) is None  # nothing was started
        # Outside the case folder a plain pack is the user's choice; inside, the zip.
        outside = build_pack(case, options, tmp_path / "outside")
        assert outside.ok
        assert (outside.folder / "bundle.pdf").is_file()
        sealed = build_pack(case, options, zip_password=PASSWORD)
        assert sealed.ok
        assert sealed.folder == case.export_dir() / "p.zip"
        assert sorted(p.name for p in case.export_dir().iterdir()) == ["p.zip"]
        assert verify_pack(sealed.folder, (), password=PASSWORD) == []
        # The sensitive schedule, kept apart from the pack, is sealed with it too.
        kept = build_pack(
            case,
            PackOptions(everything=True, name="s", include_sensitive_schedule=True),
            tmp_path / "zips",
            zip_password=PASSWORD,
        )
        assert kept.sensitive_folder == tmp_path / "zips" / "s-SENSITIVE.zip"
        with ZipFiles(kept.sensitive_folder, PASSWORD) as opened:
            assert opened.names() == ["sensitive-schedule.csv", "sensitive-schedule.pdf"]
        assert sorted(p.name for p in (tmp_path / "zips").iterdir()) == ["s-SENSITIVE.zip", "s.zip"]
        assert independent_scan(outside.folder, ("Please stop",)) != []  # a real plain pack


def test_the_export_command_refuses_then_seals(
    encrypted_folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = str(encrypted_folder)
    assert main(["export", folder, "--all", "--name", "p"]) == 1
    err = capsys.readouterr().err
    assert "refused: this case is encrypted" in err
    assert "--zip" in err
    monkeypatch.setenv("PACK_SECRET", PASSWORD)
    assert (
        main(["export", folder, "--all", "--name", "p", "--zip-password-env", "PACK_SECRET"]) == 0
    )
    assert "sealed as an encrypted zip" in capsys.readouterr().out
    zipped = encrypted_folder / "exports" / "p.zip"
    with ZipFiles(zipped, PASSWORD) as opened:
        assert "bundle.pdf" in opened.names()
    # THREADLINE_ZIP_PASSWORD with --zip; an unset variable named is an error.
    monkeypatch.setenv("THREADLINE_ZIP_PASSWORD", PASSWORD)
    assert main(["export", folder, "--all", "--name", "q", "--zip"]) == 0
    assert (encrypted_folder / "exports" / "q.zip").is_file()
    assert main(["export", folder, "--all", "--zip-password-env", "NOT_SET_ANYWHERE"]) == 1
    assert "NOT_SET_ANYWHERE is not set" in capsys.readouterr().err
    # A plain pack to a folder outside the case, named with --out.
    assert main(["export", folder, "--all", "--name", "r", "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "r" / "manifest.json").is_file()
