"""Encrypted cases end to end: round trip, no plaintext on disk, passphrases, backup, CLI."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pymupdf
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from app import cli
from app.backup import backup_case
from app.case import Case, needs_passphrase
from app.errors import PassphraseRequired, StoreError, WeakPassphrase, WrongPassphrase
from app.export.pack import build_pack, verify_pack
from app.export.plan import PackOptions
from app.ingest.job import import_paths
from app.items import make_thumbnail, pages
from app.ocr import OcrWord, run_ocr
from app.redaction.find import FindQuery, find_hits
from app.redaction.model import RedactionState
from app.redaction.ops import AddRedactions, ReviewRedactions
from app.redaction.store import DEFAULT_SET
from app.store import crypto
from app.store.crypto import KEYS_FILE, is_encrypted
from app.store.schema import AuditEntry, Item
from app.tagging.ops import AddCharge, TagItems
from app.verify import verify_case

PASSPHRASE = "violet kettle marching under rain"

# One word each (full-text search keeps whole words, lower-cased), no shared prefix (its
# index keeps shared prefixes once), so a plain case shows every one of them somewhere.
CHAT = "zebrachat7431"
PDF = "yakpdf5529"
EXIF = "walrusexif2290"
ZIP_MEMBER = "otterzipname6617"
OCR = "lynxocrword8802"
NOTE = "ibexnote3376"
MARKERS = (CHAT, PDF, EXIF, ZIP_MEMBER, OCR, NOTE)


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheaper scrypt (the key file records the cost it was made with)."""
    monkeypatch.setattr(crypto, "SCRYPT_N", 1 << 12)


# -- evidence with markers ------------------------------------------------------------------


def whatsapp_chat() -> bytes:
    lines = [
        "14/03/2024, 19:00 - Bob: Hi Alice",
        f"14/03/2024, 19:01 - Bob: meet me by the {CHAT} tonight",
        "14/03/2024, 19:02 - Alice: Please stop messaging me",
        "14/03/2024, 19:03 - Bob: You can't hide",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def photo() -> bytes:
    image = Image.new("RGB", (320, 240), (92, 120, 84))
    ImageDraw.Draw(image).rectangle((40, 60, 280, 180), fill=(250, 250, 245))
    exif = Image.Exif()
    exif[0x010F] = EXIF  # Make
    exif[0x0110] = "Phone"  # Model
    exif[0x0132] = "2024:03:09 18:30:05"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def statement_pdf() -> bytes:
    doc = pymupdf.open()
    for n in range(2):
        page = doc.new_page()
        page.insert_text((72, 72), f"Statement page {n + 1}: the {PDF} was seen")
    data: bytes = doc.tobytes()
    doc.close()
    return data


def archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(f"notes/{ZIP_MEMBER}.txt", "a note kept in a zip\n")
        zf.writestr("notes/readme.txt", "nothing here\n")
    return out.getvalue()


def write_evidence(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "chat": ("WhatsApp Chat with Bob.txt", whatsapp_chat()),
        "photo": ("IMG_0001.jpg", photo()),
        "pdf": ("statement.pdf", statement_pdf()),
        "zip": ("bundle.zip", archive()),
    }
    out = {}
    for key, (name, data) in files.items():
        (folder / name).write_bytes(data)
        out[key] = folder / name
    return out


class MarkerEngine:
    """An OCR engine that 'reads' the marker word in every image."""

    label = "marker engine"

    def read(self, image: Image.Image) -> list[OcrWord]:
        return [OcrWord(10, 20, 120, 40, OCR, 0)]


def leaks(folder: Path, markers: tuple[str, ...] = MARKERS) -> dict[str, list[str]]:
    """Every marker found in any byte of any file under `folder` (any letter case, UTF-8 or
    UTF-16), with the files it is in."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        for marker in markers:
            m = marker.lower()
            if m.encode("utf-8") in data or m.encode("utf-16-le") in data:
                found.setdefault(marker, []).append(str(path.relative_to(folder)))
    return found


@dataclass
class Worked:
    """A case after a day of work on it (closed), and what was in it."""

    folder: Path
    files: dict[str, Path]
    photo_sha: str
    pdf_item: int


def do_a_day_of_work(tmp_path: Path, passphrase: str | None) -> Worked:
    """Import, OCR, thumbnails, tagging, redaction, timeline open, close, reopen, close."""
    files = write_evidence(tmp_path / "evidence")
    with Case.create(tmp_path / "Smith", passphrase=passphrase) as case:
        report = import_paths(case, list(files.values()))
        assert [f.status for f in report.files] == ["imported"] * 4, report.files
        assert run_ocr(case, engine=MarkerEngine()).items >= 1
        with case.read() as s:
            photo_item = s.scalars(select(Item).where(Item.kind == "image")).first()
            assert photo_item is not None
            photo_sha = case.item_blob_sha(photo_item.id)
            assert photo_sha is not None
            pdf_item = s.scalar(select(Item.id).where(Item.kind == "document"))
            chat_item = next(i.id for i in s.scalars(select(Item)) if CHAT in i.text)
        assert pdf_item is not None
        assert make_thumbnail(case, photo_sha)[:2] in (b"\xff\xd8", b"\x89P")
        charge = AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 3, 31))
        charge.apply(case)
        assert charge.charge_id is not None
        TagItems((chat_item,), charge.charge_id, "PHA1997-s2-E1", note=f"see {NOTE}").apply(case)
        drafts = find_hits(case, FindQuery(text=CHAT), "ADDR")
        assert drafts
        proposed = AddRedactions(DEFAULT_SET, tuple(drafts))
        proposed.apply(case)
        ReviewRedactions(proposed.ids, RedactionState.APPROVED).apply(case)
        assert len(case.timeline_ids()) > 5
        assert case.timeline_rows(case.timeline_ids()[:3])
    with Case.open(tmp_path / "Smith", passphrase=passphrase) as again:
        assert len(again.timeline_ids()) > 5  # the kept timeline read back
    return Worked(tmp_path / "Smith.threadline", files, photo_sha, pdf_item)


@pytest.fixture
def enc_case(tmp_path: Path) -> Iterator[Case]:
    case = Case.create(tmp_path / "Enc", passphrase=PASSPHRASE)
    yield case
    case.close()


# -- the round trip -------------------------------------------------------------------------


def test_round_trip_create_import_close_reopen_search_export(tmp_path: Path) -> None:
    files = write_evidence(tmp_path / "evidence")
    with Case.create(tmp_path / "Smith", passphrase=PASSPHRASE) as case:
        assert case.encrypted
        report = import_paths(case, [files["photo"], files["pdf"], files["chat"]])
        assert report.count("imported") == 3
    folder = tmp_path / "Smith.threadline"
    assert is_encrypted(folder)
    assert needs_passphrase(tmp_path / "Smith")
    with Case.open(folder, passphrase=PASSPHRASE) as case:
        assert case.encrypted
        assert case.blobs.encrypted
        assert case.derived.encrypted
        assert [h.row.text for h in case.search(CHAT)] == [f"meet me by the {CHAT} tonight"]
        hits = case.search(PDF)
        assert [h.row.item_kind for h in hits] == ["document"]
        pdf_pages = pages(case, hits[0].row.item_id)
        assert [p.number for p in pdf_pages] == [1, 2]
        assert PDF in pdf_pages[0].text
        sha = case.item_blob_sha(hits[0].row.item_id)
        assert sha is not None
        assert case.blobs.read(sha) == files["pdf"].read_bytes()
        assert case.blobs.local_path(sha) is None
        result = build_pack(case, PackOptions(everything=True, name="pack"), tmp_path / "out")
        assert result.ok, result.findings
        assert verify_pack(result.folder, []) == []
        assert verify_case(case).ok


def test_a_plain_case_shows_every_marker_so_the_scan_can_fail(tmp_path: Path) -> None:
    worked = do_a_day_of_work(tmp_path, passphrase=None)
    found = leaks(worked.folder)
    assert sorted(found) == sorted(MARKERS), found


def test_no_plaintext_of_any_marker_in_any_byte_of_an_encrypted_case(tmp_path: Path) -> None:
    worked = do_a_day_of_work(tmp_path, passphrase=PASSPHRASE)
    names = sorted(str(p.relative_to(worked.folder)) for p in worked.folder.rglob("*"))
    assert KEYS_FILE in names
    assert any(n.startswith("derived/thumbnails/") for n in names)  # made, and sealed
    assert "derived/timeline-keys.bin" in names
    assert leaks(worked.folder) == {}
    # Nor any original's bytes: a run of 64 bytes from the middle of each is nowhere.
    blobs = [worked.folder / "case.sqlite", *worked.folder.glob("originals/*/*")]
    for f in worked.files.values():
        data = f.read_bytes()
        probe = data[len(data) // 2 : len(data) // 2 + 64]
        assert not any(probe in p.read_bytes() for p in blobs), f.name


def test_no_plaintext_while_the_case_is_open_either(tmp_path: Path) -> None:
    """What a crash would leave: the write-ahead log and the temporary files of an import."""
    files = write_evidence(tmp_path / "evidence")
    with Case.create(tmp_path / "Open", passphrase=PASSPHRASE) as case:
        import_paths(case, list(files.values()))
        assert case.search(CHAT)
        assert case.timeline_ids()
        names = {p.name for p in case.folder.iterdir()}
        assert "case.sqlite-wal" in names
        assert leaks(case.folder) == {}


# -- passphrases ----------------------------------------------------------------------------


def test_opening_needs_the_right_passphrase(tmp_path: Path) -> None:
    Case.create(tmp_path / "Jones", passphrase=PASSPHRASE).close()
    with pytest.raises(PassphraseRequired, match="case Jones is encrypted: a passphrase is needed"):
        Case.open(tmp_path / "Jones")
    with pytest.raises(WrongPassphrase, match="the passphrase does not open case Jones"):
        Case.open(tmp_path / "Jones", passphrase=PASSPHRASE.upper())
    with pytest.raises(WrongPassphrase):
        Case.open(tmp_path / "Jones", readonly=True, passphrase="")
    with Case.open(tmp_path / "Jones", passphrase=PASSPHRASE) as case:  # no lock left behind
        assert case.info().audit_entries == 1


def test_a_new_passphrase_shorter_than_eight_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WeakPassphrase):
        Case.create(tmp_path / "Short", passphrase="1234567")
    assert not (tmp_path / "Short.threadline").exists()


def test_change_passphrase_rewraps_only_and_is_audited(tmp_path: Path) -> None:
    files = write_evidence(tmp_path / "evidence")
    with Case.create(tmp_path / "Rekey", passphrase=PASSPHRASE) as case:
        import_paths(case, [files["photo"], files["pdf"]])
        originals = {p: p.read_bytes() for p in case.folder.glob("originals/*/*")}
        with pytest.raises(WrongPassphrase):
            case.change_passphrase("not the passphrase", "a brand new passphrase")
        with pytest.raises(WeakPassphrase):
            case.change_passphrase(PASSPHRASE, "short")
        case.change_passphrase(PASSPHRASE, "a brand new passphrase")
        assert {p: p.read_bytes() for p in case.folder.glob("originals/*/*")} == originals
        with case.read() as s:
            actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        assert actions.count("case.rekey") == 1
        assert case.search(PDF)  # the open case goes on working
    with pytest.raises(WrongPassphrase):
        Case.open(tmp_path / "Rekey", passphrase=PASSPHRASE)
    with Case.open(tmp_path / "Rekey", passphrase="a brand new passphrase") as case:
        assert verify_case(case).ok
        assert len(case.search(PDF)) == 1


def test_change_passphrase_needs_an_encrypted_case_open_for_writing(
    case: Case, tmp_path: Path
) -> None:
    with pytest.raises(StoreError, match="not encrypted"):
        case.change_passphrase("anything at all", "something else")
    Case.create(tmp_path / "Ro", passphrase=PASSPHRASE).close()
    with (
        Case.open(tmp_path / "Ro", readonly=True, passphrase=PASSPHRASE) as ro,
        pytest.raises(StoreError, match="read-only"),
    ):
        ro.change_passphrase(PASSPHRASE, "something else entirely")


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    Case.create(tmp_path / "Lost", passphrase=PASSPHRASE).close()
    (tmp_path / "Lost.threadline" / KEYS_FILE).unlink()
    with pytest.raises(StoreError, match=r"encrypted but its key file \(keys.json\) is missing"):
        Case.open(tmp_path / "Lost")


def test_verify_reports_a_damaged_sealed_original(enc_case: Case, tmp_path: Path) -> None:
    files = write_evidence(tmp_path / "evidence")
    import_paths(enc_case, [files["photo"]])
    path = next(enc_case.folder.glob("originals/*/*"))
    sealed = bytearray(path.read_bytes())
    sealed[40] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(sealed))
    report = verify_case(enc_case)
    assert len(report.problems) == 1
    assert "IMG_0001.jpg is damaged or not of this case" in report.problems[0]


# -- backup ---------------------------------------------------------------------------------


def test_backup_of_an_encrypted_case_verifies_and_stays_encrypted(tmp_path: Path) -> None:
    worked = do_a_day_of_work(tmp_path, passphrase=PASSPHRASE)
    with Case.open(worked.folder, passphrase=PASSPHRASE) as case:
        report = backup_case(case, tmp_path / "backups", derived=True)
        rows = [r.text for r in case.timeline_iter()]
    copy = report.folder
    assert is_encrypted(copy)
    with pytest.raises(PassphraseRequired):
        Case.open(copy)
    with Case.open(copy, passphrase=PASSPHRASE) as restored:
        assert restored.encrypted
        assert verify_case(restored).ok
        assert [r.text for r in restored.timeline_iter()] == rows
        assert restored.blobs.read(worked.photo_sha) == worked.files["photo"].read_bytes()
        assert len(restored.search(CHAT)) == 1
    assert leaks(copy) == {}


# -- the command line -----------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_new_encrypt_import_search_with_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = write_evidence(tmp_path / "evidence")
    where = str(tmp_path / "Cli")
    monkeypatch.setenv("THREADLINE_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(capsys, "new", where, "--encrypt")
    assert code == 0
    assert "encrypted" in out
    assert is_encrypted(tmp_path / "Cli.threadline")
    assert run(capsys, "import", where, str(files["chat"]), "--no-ocr")[0] == 0
    code, out, _ = run(capsys, "search", where, CHAT)
    assert (code, out.splitlines()[-1]) == (0, "1 hits")
    assert run(capsys, "verify", where)[0] == 0
    assert run(capsys, "charges", where)[0] == 0  # an area's command asks the same way
    monkeypatch.setenv("THREADLINE_PASSPHRASE", "not the passphrase")
    code, out, err = run(capsys, "search", where, CHAT)
    assert (code, out) == (1, "")
    assert err == "threadline: the passphrase does not open case Cli\n"


def test_cli_without_a_passphrase_or_a_terminal_refuses_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Case.create(tmp_path / "NoTty", passphrase=PASSPHRASE).close()
    monkeypatch.delenv("THREADLINE_PASSPHRASE", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(capsys, "info", str(tmp_path / "NoTty"))
    assert code == 1
    assert "case NoTty is encrypted: a passphrase is needed" in err
    assert "THREADLINE_PASSPHRASE" in err


def test_cli_asks_at_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("THREADLINE_PASSPHRASE", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    answers = iter([PASSPHRASE, PASSPHRASE, PASSPHRASE, "wrong passphrase"])
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(text)
        return next(answers)

    monkeypatch.setattr(cli, "_prompt", prompt)
    assert run(capsys, "new", str(tmp_path / "Asked"), "--encrypt")[0] == 0
    assert prompts == ["New passphrase for case Asked: ", "The same again, to be sure: "]
    assert run(capsys, "info", str(tmp_path / "Asked"))[0] == 0
    code, _, err = run(capsys, "info", str(tmp_path / "Asked"))
    assert code == 1
    assert "does not open case Asked" in err
    assert prompts[2:] == ["Passphrase of case Asked: "] * 2


def test_cli_passphrase_command_changes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Case.create(tmp_path / "Change", passphrase=PASSPHRASE).close()
    where = str(tmp_path / "Change")
    monkeypatch.setenv("THREADLINE_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("THREADLINE_NEW_PASSPHRASE", "seven sleepy seals")
    code, out, _ = run(capsys, "passphrase", where)
    assert code == 0
    assert "the old one no longer opens it" in out
    assert run(capsys, "info", where)[0] == 1
    monkeypatch.setenv("THREADLINE_PASSPHRASE", "seven sleepy seals")
    code, out, _ = run(capsys, "audit", where)
    assert code == 0
    assert "case.rekey" in out
    monkeypatch.setenv("THREADLINE_NEW_PASSPHRASE", "short")
    code, _, err = run(capsys, "passphrase", where)
    assert code == 1
    assert "at least 8 characters" in err


def test_cli_passphrase_of_a_plain_case_is_refused(
    case: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "passphrase", str(case.folder))
    assert code == 1
    assert "is not encrypted" in err


def test_cli_backup_of_an_encrypted_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = write_evidence(tmp_path / "evidence")
    with Case.create(tmp_path / "Bk", passphrase=PASSPHRASE) as case:
        import_paths(case, [files["photo"], files["chat"]])
    monkeypatch.setenv("THREADLINE_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "backup", str(tmp_path / "Bk"), str(tmp_path / "copies"))[0] == 0
    copy = tmp_path / "copies" / "Bk.threadline"
    code, out, _ = run(capsys, "verify", str(copy))
    assert code == 0
    assert out.startswith("verified: 2 originals")
    assert leaks(copy, (CHAT, EXIF)) == {}


def test_the_plain_case_needs_no_passphrase_even_with_the_variable(
    case: Case, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case.close()
    monkeypatch.setenv("THREADLINE_PASSPHRASE", "whatever it is")
    assert run(capsys, "info", str(case.folder))[0] == 0
    assert not os.path.exists(case.folder / KEYS_FILE)
