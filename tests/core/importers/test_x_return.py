"""X/Twitter returns: the clear-signed fixture files, signatures checked, variants, damage."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

import pysequoia
import pytest
from PIL import Image
from sqlalchemy import select

from app.case import Case
from app.cli import main
from app.errors import EvidenceError
from app.importers.base import ImportContext, ImportOptions, Probe
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.importers.x_return import XReturnImporter
from app.ingest.job import FileResult, ImportReport, import_paths
from app.store.schema import Event, Identifier, Item, Participant, Source
from app.timeline.clock import iso_utc
from tests.conftest import corpus_file

RETURN = "synthetic-returns/x_twitter_return"
ACCOUNT = "x:1234567890"
NO_KEY = "signature not verified: no key given"


def identifiers(case: Case, **where: Any) -> list[Identifier]:
    with case.read() as s:
        q = select(Identifier)
        for name, value in where.items():
            q = q.where(getattr(Identifier, name) == value)
        rows = list(s.execute(q.order_by(Identifier.id)).scalars())
        s.expunge_all()
    return rows


def all_items(case: Case) -> list[Item]:
    with case.read() as s:
        rows = list(s.execute(select(Item).order_by(Item.id)).scalars())
        s.expunge_all()
    return rows


def fields_of(item: Item) -> dict[str, str]:
    return cast(dict[str, str], item.meta["fields"])


def imported(report: ImportReport) -> list[FileResult]:
    assert [f.status for f in report.files] == ["imported"] * len(report.files), [
        (f.path, f.reason) for f in report.files
    ]
    return report.files


def parse(path: Path, options: ImportOptions | None = None) -> MemorySink:
    sink = MemorySink()
    XReturnImporter().parse(Probe.of(path), sink, ImportContext(options or ImportOptions()))
    return sink


# -- a signer: a fresh Sequoia key (GnuPG-made signatures are checked further down) ------


class Signer:
    """An Ed25519 certificate with a signing subkey, made by Sequoia, that clear-signs."""

    def __init__(self) -> None:
        self.tsk = pysequoia.Tsk.generate("X law enforcement <le@example.com>")
        self.cert = self.tsk.extract_certificate()
        self.fingerprint = self.cert.fingerprint.upper()

    def public_key(self) -> str:
        return str(self.cert)

    def clearsign(self, text: str) -> str:
        data = text.encode("utf-8", "surrogateescape")
        signed = pysequoia.sign(self.tsk.signer(), data, mode=pysequoia.SignatureMode.CLEAR)
        return signed.decode("utf-8", "surrogateescape")


def ip_audit_json(ip: str = "198.51.100.23", port: str | None = "51234") -> str:
    entry: dict[str, Any] = {
        "accountId": "42",
        "createdAt": "2024-03-05T21:10:00.000Z",
        "loginIp": ip,
    }
    if port is not None:
        entry["loginPortNumber"] = port
    return json.dumps([{"ipAudit": entry}], indent=2)


# -- the fixture return -------------------------------------------------------------------


def test_fixture_return_imports_with_identifiers_messages_and_no_claimed_signature(
    case: Case,
) -> None:
    folder = corpus_file(RETURN)
    files = imported(import_paths(case, [folder]))
    assert len(files) == 4
    assert {f.importer for f in files} == {"x-return"}
    for f in files:
        assert f.decisions["signature"] == NO_KEY
        assert f.decisions["account"] == ACCOUNT
        assert f.decisions["layout"].startswith("OpenPGP clear-signed JSON")

    first, second = identifiers(case, kind="ip")
    assert (first.account, first.value, first.port) == (ACCOUNT, "198.51.100.23", None)
    assert first.ts_utc_us is not None
    assert iso_utc(first.ts_utc_us) == "2024-03-05T21:10:00Z"
    assert (second.value, second.raw) == ("2001:db8::1", "2001:db8::1")
    assert second.ts_utc_us is not None
    assert iso_utc(second.ts_utc_us) == "2024-03-06T07:45:12Z"
    (reg,) = identifiers(case, kind="registration-ip")
    assert (reg.account, reg.value) == (ACCOUNT, "192.0.2.10")
    (email,) = identifiers(case, kind="email")
    assert (email.account, email.value) == (ACCOUNT, "synthetic.person@example.com")
    (username,) = identifiers(case, kind="username")
    assert username.value == "synthetic_fake_123"

    items = all_items(case)
    assert {i.meta["signature"] for i in items} == {"not verified"}
    (dm,) = [i for i in items if i.kind == "message"]
    assert dm.text == "Synthetic DM text."
    assert dm.conversation == "X direct messages 1234567890-1234567891"
    with case.read() as s:
        (event,) = s.execute(select(Event).where(Event.item_id == dm.id)).scalars()
        author = s.get(Participant, dm.author_id)
        assert author is not None
        assert author.handle == "1234567890"
        assert (event.kind, event.confidence, event.original) == (
            "sent",
            "exact",
            "2024-03-05T21:12:00.000Z",
        )
        assert iso_utc(event.ts_utc_us) == "2024-03-05T21:12:00Z"
    (account,) = [i for i in items if i.meta.get("record") == "subscriber"]
    assert fields_of(account)["createdVia"] == "web"
    logins = [i for i in items if i.meta.get("record") == "login"]
    assert [i.text for i in logins] == [
        "X account 1234567890 logged in from 198.51.100.23",
        "X account 1234567890 logged in from 2001:db8::1",
    ]


def test_fixture_files_are_chosen_by_content() -> None:
    for path in sorted(corpus_file(RETURN).iterdir()):
        assert default_registry().choose(Probe.of(path)) is XReturnImporter


def test_fixture_signature_block_is_not_a_signature_and_is_never_claimed(
    tmp_path: Path,
) -> None:
    """The fixtures carry a placeholder signature: with a key given, Sequoia cannot read it."""
    src = corpus_file(f"{RETURN}/1234567890-account.txt")
    shutil.copy(src, tmp_path / src.name)
    (tmp_path / "x-key.asc").write_text(Signer().public_key())
    sink = MemorySink()
    probe = Probe.of(tmp_path / src.name)
    probe = Probe(probe.path, probe.name, probe.mime, probe.head, probe.size, origin=probe.path)
    XReturnImporter().parse(probe, sink, ImportContext())
    assert sink.decisions["signature"].startswith(
        "signature not verified: the signature cannot be read ("
    )
    assert sink.decisions["signature"] in sink.warnings
    assert {i.meta["signature"] for i in sink.items} == {"failed"}


# -- signatures -----------------------------------------------------------------------------


def test_signed_return_verifies_and_a_tampered_byte_is_flagged(case: Case, tmp_path: Path) -> None:
    signer = Signer()
    folder = tmp_path / "return"
    folder.mkdir()
    (folder / "x-law-enforcement.asc").write_text(signer.public_key())
    good = folder / "42-ip-audit.txt"
    good.write_text(signer.clearsign(ip_audit_json()))
    (result,) = imported(import_paths(case, [good]))
    decision = result.decisions["signature"]
    assert decision.startswith("signature verified: made on ")
    assert f"(a subkey of {signer.fingerprint})" in decision
    assert "checked by Sequoia-PGP, which found the key valid for signing then" in decision
    assert result.decisions["signature_keys"].startswith("x-law-enforcement.asc (")
    assert result.warnings == []
    (ip,) = identifiers(case, kind="ip")
    assert (ip.account, ip.value, ip.port) == ("x:42", "198.51.100.23", 51234)
    assert ip.ts_utc_us is not None
    assert iso_utc(ip.ts_utc_us) == "2024-03-05T21:10:00Z"
    assert [i.meta["signature"] for i in all_items(case)] == ["verified"]

    # one byte of the signed text changed: 198.51.100.23 -> 198.51.100.24
    bad = folder / "42-ip-audit-part2.txt"
    bad.write_bytes(good.read_bytes().replace(b"198.51.100.23", b"198.51.100.24"))
    (result,) = imported(import_paths(case, [bad]))
    assert result.decisions["signature"].startswith(
        "signature FAILED: the text does not match the signature of key "
    )
    assert result.decisions["signature"] in result.warnings
    with case.read() as s:
        source = s.get(Source, result.source_id)
        assert source is not None
        assert source.decisions["signature"] == result.decisions["signature"]
    assert [i.meta["signature"] for i in all_items(case)] == ["verified", "failed"]


def test_a_damaged_signature_or_another_key_is_never_verified(tmp_path: Path) -> None:
    signer, stranger = Signer(), Signer()
    signed = signer.clearsign(ip_audit_json())
    # a changed character in the signature value's base64 (the last line before the armour
    # checksum, which Sequoia does not check, as RFC 9580 says)
    lines = signed.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("=")) - 1
    lines[at] = ("B" if lines[at][0] != "B" else "C") + lines[at][1:]
    cases = {
        "damaged": ("\n".join(lines), signer, "signature FAILED: the text does not match"),
        "stranger": (signed, stranger, "signature not verified: made by key "),
    }
    for label, (text, key, expected) in cases.items():
        folder = tmp_path / label
        folder.mkdir()
        (folder / "key.asc").write_text(key.public_key())
        path = folder / "42-ip-audit.txt"
        path.write_text(text)
        probe = Probe.of(path)
        probe = Probe(probe.path, probe.name, probe.mime, probe.head, probe.size, origin=path)
        sink = MemorySink()
        XReturnImporter().parse(probe, sink, ImportContext())
        assert sink.decisions["signature"].startswith(expected), label
        assert sink.decisions["signature"] in sink.warnings, label
        assert all(i.meta["signature"] != "verified" for i in sink.items), label


def test_signature_covers_the_bytes_of_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    signer = Signer()
    raw = ip_audit_json().replace('"loginIp"', '"note": "caf\xe9", "loginIp"').encode("cp1252")
    text = signer.clearsign(raw.decode("utf-8", "surrogateescape"))
    path = tmp_path / "42-ip-audit.txt"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    (tmp_path / "key.asc").write_text(signer.public_key())
    probe = Probe.of(path)
    probe = Probe(probe.path, probe.name, probe.mime, probe.head, probe.size, origin=path)
    sink = MemorySink()
    XReturnImporter().parse(probe, sink, ImportContext())
    assert sink.decisions["signature"].startswith("signature verified: ")
    assert "not valid UTF-8: read as Windows-1252" in sink.warnings
    assert fields_of_draft(sink.items[0])["note"] == "caf\xe9"


def fields_of_draft(item: Any) -> dict[str, str]:
    return cast(dict[str, str], item.meta["fields"])


def test_without_a_key_a_signed_file_says_so_plainly(tmp_path: Path) -> None:
    path = tmp_path / "42-ip-audit.txt"
    path.write_text(Signer().clearsign(ip_audit_json()))
    sink = parse(path)  # Probe.of: no folder on disk to find a key in
    assert sink.decisions["signature"] == NO_KEY
    assert sink.warnings == []
    assert [i.meta["signature"] for i in sink.items] == ["not verified"]


class Gpg(Protocol):
    def __call__(self, *args: str, stdin: bytes = b"") -> bytes: ...


@pytest.fixture
def gpg(tmp_path: Path) -> Iterator[Gpg]:
    """GnuPG in a throw-away home (skips when gpg is not installed); its agent is stopped."""
    if shutil.which("gpg") is None:
        pytest.skip("gpg is not installed: the cross-check against GnuPG is skipped")
    home = tmp_path / "gh"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}

    def run(*args: str, stdin: bytes = b"") -> bytes:
        done = subprocess.run(
            ["gpg", "--batch", "--yes", "--passphrase", "", "--pinentry-mode", "loopback", *args],
            input=stdin,
            env=env,
            capture_output=True,
            check=True,
            timeout=60,
        )
        return done.stdout

    yield run
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, check=False, timeout=20)


def parse_beside(path: Path, options: ImportOptions | None = None) -> MemorySink:
    """Parse a file as imported from its folder on disk (key files beside it are found)."""
    probe = Probe.of(path)
    probe = Probe(probe.path, probe.name, probe.mime, probe.head, probe.size, origin=path)
    sink = MemorySink()
    XReturnImporter().parse(probe, sink, ImportContext(options or ImportOptions()))
    return sink


@pytest.mark.parametrize("algo", ["ed25519", "rsa2048", "nistp256"])
def test_signatures_made_by_gnupg_verify(gpg: Gpg, tmp_path: Path, algo: str) -> None:
    """An independent signer: GnuPG's clear signature verifies; one changed byte fails."""
    user = f"{algo}@example.com"
    gpg("--quick-gen-key", f"Test <{user}>", algo, "sign", "never")
    folder = tmp_path / "return"
    folder.mkdir()
    (folder / "key.asc").write_bytes(gpg("--armor", "--export", user))
    # indent=0 puts the -1 at a line start (GnuPG dash-escapes it); the first line gets
    # trailing blanks, which the signature does not cover
    entry = json.loads(ip_audit_json())
    entry[0]["ipAudit"]["extra"] = [-1]
    body = json.dumps(entry, indent=0).replace("[\n", "[   \n", 1) + "\n"
    signed = gpg("-u", user, "--digest-algo", "SHA256", "--clearsign", stdin=body.encode())
    assert b"\n- -1\n" in signed
    for name, data, expected in (
        ("42-ip-audit.txt", signed, "signature verified: "),
        ("42-ip-audit-2.txt", signed.replace(b"51234", b"51235"), "signature FAILED: "),
    ):
        path = folder / name
        path.write_bytes(data)
        probe = Probe.of(path)
        probe = Probe(probe.path, probe.name, probe.mime, probe.head, probe.size, origin=path)
        sink = MemorySink()
        XReturnImporter().parse(probe, sink, ImportContext())
        assert sink.decisions["signature"].startswith(expected), (algo, sink.decisions)
        (item,) = sink.items
        assert item.meta["fields"]["extra"] == "[-1]"  # dash-escaping undone before parsing


def test_key_validity_is_judged_by_sequoia_at_the_signing_time(gpg: Gpg, tmp_path: Path) -> None:
    """A key that expired long after it signed still verifies; SHA-1 is refused."""
    user = "old@example.com"
    gpg("--faked-system-time", "20200101T000000", "--quick-gen-key", user, "ed25519", "sign", "1y")
    (tmp_path / "key.asc").write_bytes(gpg("--armor", "--export", user))
    body = ip_audit_json().encode()
    for name, digest, expected in (
        ("42-ip-audit.txt", "SHA256", "signature verified: made on 2020-06-01 00:00:00 UTC by key"),
        ("42-ip-audit-sha1.txt", "SHA1", "signature FAILED: it uses SHA1, a hash Sequoia"),
    ):
        path = tmp_path / name
        path.write_bytes(
            gpg(
                "--faked-system-time",
                "20200601T000000",
                "-u",
                user,
                "--digest-algo",
                digest,
                "--clearsign",
                stdin=body,
            )
        )
        sink = parse_beside(path)
        assert sink.decisions["signature"].startswith(expected), sink.decisions
        status = "verified" if digest == "SHA256" else "failed"
        assert [i.meta["signature"] for i in sink.items] == [status]


def test_a_revoked_key_or_one_expired_before_signing_does_not_verify(tmp_path: Path) -> None:
    signer = Signer()
    path = tmp_path / "42-ip-audit.txt"
    path.write_text(signer.clearsign(ip_audit_json()))
    made = datetime.now(UTC)
    revocation = signer.cert.revoke(signer.tsk.certifier())
    revoked = pysequoia.Cert.from_bytes(bytes(signer.cert) + bytes(revocation))
    # the key was made a minute before "now" (Sequoia backdates it); let it end before signing
    expired = signer.cert.set_expiration(made - timedelta(seconds=20), signer.tsk.certifier())
    for label, cert, expected in (
        ("revoked", revoked, "the key is revoked"),
        ("expired", expired, "the key expired on "),
    ):
        key = tmp_path / f"{label}.asc"
        key.write_text(str(cert))
        sink = parse(path, ImportOptions(signing_keys=(str(key),)))
        decision = sink.decisions["signature"]
        assert decision.startswith("signature FAILED: Sequoia did not accept the signature of key")
        assert expected in decision, label
        assert decision in sink.warnings
        assert [i.meta["signature"] for i in sink.items] == ["failed"]


def test_keys_given_as_an_option_and_text_after_the_signature(tmp_path: Path) -> None:
    signer = Signer()
    key = tmp_path / "keys" / "x.asc"
    key.parent.mkdir()
    key.write_text(signer.public_key())
    path = tmp_path / "42-ip-audit.txt"
    unsigned = ip_audit_json(ip="203.0.113.9")
    path.write_text(signer.clearsign(ip_audit_json()) + unsigned)
    sink = parse(path, ImportOptions(signing_keys=(str(key), str(tmp_path / "gone.asc"))))
    assert sink.decisions["signature"].startswith("signature verified: ")
    assert sink.decisions["signature_keys"].startswith("x.asc (")
    assert any(w.startswith("key file gone.asc: cannot be read") for w in sink.warnings)
    assert (
        "text after the signature block is not covered by the signature: it was not read"
        in sink.warnings
    )
    (item,) = sink.items
    assert [i.value for i in item.identifiers] == ["198.51.100.23"]


def test_cli_import_takes_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signer = Signer()
    key = tmp_path / "x.asc"
    key.write_text(signer.public_key())
    path = tmp_path / "return" / "42-ip-audit.txt"
    path.parent.mkdir()
    path.write_text(signer.clearsign(ip_audit_json()))
    case = str(tmp_path / "Op Ash")
    assert main(["new", case]) == 0
    assert main(["import", case, str(path), "--key", str(tmp_path / "nope.asc")]) == 1
    assert "key file not found: " in capsys.readouterr().err
    assert main(["import", case, str(path), "--key", str(key), "--json", "--no-ocr"]) == 0
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert line["decisions"]["signature"].startswith("signature verified: made on ")


# -- variants -------------------------------------------------------------------------------


def test_archive_script_and_plain_json_variants(tmp_path: Path) -> None:
    script = tmp_path / "ip-audit.js"
    script.write_text("window.YTD.ip_audit.part0 = " + ip_audit_json())
    plain = tmp_path / "ip-audit.json"
    plain.write_text(ip_audit_json())
    for path, layout in (
        (script, "archive script (window.YTD.ip_audit)"),
        (plain, "JSON array"),
    ):
        probe = Probe.of(path)
        assert default_registry().choose(probe) is XReturnImporter
        sink = parse(path)
        assert sink.decisions["layout"] == layout
        assert sink.decisions["signature"] == "none: the file is not signed"
        assert sink.decisions["account"] == "x:42"  # from the records: the name has no id
        (item,) = sink.items
        assert item.meta["signature"] == "unsigned"
        (ip,) = item.identifiers
        assert (ip.value, ip.port) == ("198.51.100.23", 51234)


def test_truncated_file_is_refused_clearly(case: Case, tmp_path: Path) -> None:
    data = corpus_file(f"{RETURN}/1234567890-direct-messages.txt").read_bytes()
    path = tmp_path / "1234567890-direct-messages.txt"
    path.write_bytes(data[: data.index(b'"senderId"')])
    (result,) = import_paths(case, [path]).files
    assert result.status == "failed"
    assert "the file ends before the JSON is complete (truncated?)" in result.reason


def test_signature_block_cut_off_is_said(tmp_path: Path) -> None:
    data = corpus_file(f"{RETURN}/1234567890-account.txt").read_text()
    path = tmp_path / "1234567890-account.txt"
    path.write_text(data[: data.index("-----BEGIN PGP SIGNATURE-----")])
    sink = parse(path)
    assert sink.decisions["signature"] == NO_KEY
    assert "signature block: the file has no signature block (truncated?)" in sink.warnings
    assert sink.items[0].meta["fields"]["email"] == "synthetic.person@example.com"


def test_unknown_types_and_fields_are_kept_and_warned(tmp_path: Path) -> None:
    entries = [
        {"account": {"accountId": "42", "username": "Fake_One", "shoeSize": "9"}},
        {"deviceToken": {"token": "tok-123", "createdAt": "2024-01-01T00:00:00.000Z"}},
        {"somethingNew": {"a": {"b": 1}, "c": "d"}},
    ]
    path = tmp_path / "42-mixed.txt"
    path.write_text(json.dumps(entries))
    sink = parse(path)
    assert "account/shoeSize: not understood, kept as text" in sink.warnings
    assert "somethingNew: not understood, kept as text" in sink.warnings
    account, device, other = sink.items
    assert account.meta["fields"]["shoeSize"] == "9"
    assert [(i.kind.value, i.value, i.raw) for i in account.identifiers] == [
        ("username", "fake_one", "Fake_One")
    ]
    assert [(i.kind.value, i.value) for i in device.identifiers] == [("device", "tok-123")]
    assert other.meta["fields"] == {"a.b": "1", "c": "d"}
    assert other.meta["record"] == "somethingNew"


def test_dm_attachment_beside_the_return_becomes_a_child(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "return"
    media = folder / "1234567890_direct_messages_media"
    media.mkdir(parents=True)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    (media / "1765000000000000001-photo.jpg").write_bytes(buf.getvalue())
    dm = {
        "dmConversation": {
            "conversationId": "1-2",
            "messages": [
                {
                    "messageCreate": {
                        "id": "1765000000000000001",
                        "senderId": "1234567890",
                        "recipientId": "1234567891",
                        "text": "look",
                        "createdAt": "2024-03-05T21:12:00.000Z",
                        "mediaUrls": ["https://ton.twitter.com/dm/1765000000000000001/9/photo.jpg"],
                    }
                },
                {
                    "messageCreate": {
                        "id": "1765000000000000002",
                        "senderId": "1234567891",
                        "recipientId": "1234567890",
                        "text": "gone",
                        "createdAt": "2024-03-05T21:13:00.000Z",
                        "mediaUrls": ["https://ton.twitter.com/dm/1765000000000000002/9/lost.jpg"],
                    }
                },
            ],
        }
    }
    path = folder / "1234567890-direct-messages.txt"
    path.write_text(json.dumps([dm]))
    (result,) = imported(import_paths(case, [path]))
    assert any(
        "attachment https://ton.twitter.com/dm/1765000000000000002/9/lost.jpg named by the "
        "return was not found" in w
        for w in result.warnings
    )
    items = all_items(case)
    (message,) = [i for i in items if i.text == "look"]
    (photo,) = [i for i in items if i.kind == "image"]
    assert photo.parent_id == message.id


def test_other_json_and_pgp_text_are_not_claimed(tmp_path: Path) -> None:
    chat = tmp_path / "chat.json"
    chat.write_text(json.dumps([{"account": "not an object"}, {"x": 1}]))
    note = tmp_path / "note.txt"
    note.write_text("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhello\n")
    for path in (chat, note):
        assert XReturnImporter.score(Probe.of(path)) == 0


def test_damaged_copies_fail_only_with_clear_errors(tmp_path: Path) -> None:
    rng = random.Random(7)
    signer = Signer()
    (tmp_path / "key.asc").write_text(signer.public_key())
    seeds = [p.read_bytes() for p in sorted(corpus_file(RETURN).iterdir())]
    seeds.append(signer.clearsign(ip_audit_json()).encode())
    path = tmp_path / "42-ip-audit.txt"
    for n in range(300):
        buf = bytearray(seeds[n % len(seeds)])
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(buf))
            if rng.random() < 0.3:
                del buf[pos:]
                break
            buf[pos] = rng.randrange(256)
        path.write_bytes(bytes(buf))
        probe = Probe.of(path)
        probe = Probe(probe.path, probe.name, probe.mime, probe.head, probe.size, origin=path)
        sink = MemorySink()
        try:
            XReturnImporter().parse(probe, sink, ImportContext())
        except EvidenceError:
            continue
        assert {i.meta["signature"] for i in sink.items} <= {"verified", "failed", "unsigned"}
