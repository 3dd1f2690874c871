"""Google LERS returns: the fixture return, its zip, access logs, linked accounts, damage."""

from __future__ import annotations

import contextlib
import random
import shutil
import zipfile
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import select

from app.case import Case
from app.errors import EvidenceError
from app.importers.base import ImportContext, Probe
from app.importers.google_return import GoogleReturnImporter
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.ingest.job import ImportReport, import_paths
from app.store.schema import Event, Identifier, Item, Source
from app.timeline.clock import iso_utc
from tests.conftest import corpus_file

RETURN = "synthetic-returns/google_return"
EMAIL = "synthetic.person@example.com"
ACCOUNT = f"google:{EMAIL}"
SUBSCRIBER_DIR = f"{EMAIL}.123456789012.GoogleAccount.SubscriberInfo_001/Google Account"
SUBSCRIBER = f"{SUBSCRIBER_DIR}/{EMAIL}.123456789012.SubscriberInfo.html"
ACCESS_DIR = f"{EMAIL}.123456789012.AccessLogActivity.Activity_001/Access Log Activity"
ACCESS_LOG = f"{ACCESS_DIR}/Activities - A list of Google services accessed by your devices.csv"
ACCESS_HEADER = (
    "Gaia ID,Activity Timestamp,IP Address,Proxied Host IP Address,Is Non-routable IP Address,"
    "Activity Country,Activity Region,Activity City,User Agent String,Product Name,"
    "Sub-Product Name,Referer Product Name,Referer Sub-Product Name,Activity Type,"
    "Gmail Access Channel,Android Webview Package Name"
)


def identifiers(case: Case, **where: Any) -> list[Identifier]:
    with case.read() as s:
        q = select(Identifier)
        for name, value in where.items():
            q = q.where(getattr(Identifier, name) == value)
        rows = list(s.execute(q.order_by(Identifier.id)).scalars())
        s.expunge_all()
    return rows


def items_of(case: Case, record: str) -> list[Item]:
    with case.read() as s:
        rows = list(s.execute(select(Item).order_by(Item.id)).scalars())
        s.expunge_all()
    return [i for i in rows if i.meta.get("record") == record]


def fields_of(item: Item) -> dict[str, str]:
    return cast(dict[str, str], item.meta["fields"])


def events_of(case: Case, item_id: int) -> list[Event]:
    with case.read() as s:
        rows = list(s.execute(select(Event).where(Event.item_id == item_id)).scalars())
        s.expunge_all()
    return rows


def imported(report: ImportReport) -> None:
    assert [f.status for f in report.files] == ["imported"] * len(report.files), [
        (f.path, f.reason) for f in report.files
    ]


def parse(path: Path, name: str | None = None) -> MemorySink:
    probe = Probe.of(path, name)
    sink = MemorySink()
    GoogleReturnImporter().parse(probe, sink, ImportContext())
    return sink


def write_csv(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the fixture return -------------------------------------------------------------------


def test_fixture_return_folder_imports_with_identifiers(case: Case) -> None:
    folder = corpus_file(RETURN)
    report = import_paths(case, [folder])
    imported(report)
    assert {f.importer for f in report.files} == {"google-return"}
    assert all(f.decisions["account"] == ACCOUNT for f in report.files)

    # a login: IP, UTC time, no port in this layout, keyed by the e-mail from the folder name
    (access,) = [
        i for i in identifiers(case, kind="ip") if i.ts_utc_us and "access" in _source(case, i)
    ]
    assert (access.account, access.value, access.port) == (ACCOUNT, "198.51.100.23", None)
    assert access.ts_utc_us is not None
    assert iso_utc(access.ts_utc_us) == "2024-03-05T21:10:00Z"

    # the subscriber: e-mails, phone, registration IP at the creation time, name
    emails = {(i.account, i.value) for i in identifiers(case, kind="email")}
    assert emails == {(ACCOUNT, EMAIL), (ACCOUNT, "recovery@example.org")}
    phones = identifiers(case, kind="phone")
    assert {p.value for p in phones} == {"+447700900123"}
    assert {p.raw for p in phones} == {"+447700900123 [GB]", "+447700900123"}
    (reg,) = identifiers(case, kind="registration-ip")
    assert (reg.value, reg.raw) == ("192.0.2.10", "192.0.2.10")
    assert reg.ts_utc_us is not None
    assert iso_utc(reg.ts_utc_us) == "2023-11-01T09:00:00Z"
    assert [i.value for i in identifiers(case, kind="name")] == ["Synthetic Person"]
    # the all-zero Android ID is a stand-in, not a device that could tie accounts together
    assert identifiers(case, kind="device") == []

    (subscriber,) = items_of(case, "subscriber")
    assert fields_of(subscriber)["e-Mail"] == EMAIL
    assert fields_of(subscriber)["Recovery SMS"] == "+447700900123 [GB]"
    assert subscriber.meta["gaia_id"] == "123456789012"
    assert str(subscriber.meta["layout"]).startswith("SubscriberInfo.html")
    registered = {e.kind: e for e in events_of(case, subscriber.id)}["registered"]
    assert (registered.original, registered.confidence, registered.zone) == (
        "2023-11-01 09:00:00 Z",
        "exact",
        "UTC",
    )
    assert iso_utc(registered.ts_utc_us) == "2023-11-01T09:00:00Z"

    logins = items_of(case, "login")
    assert len(logins) == 2  # the subscriber page's IP table and the access log
    for login in logins:
        (event,) = events_of(case, login.id)
        assert (event.kind, event.confidence) == ("login", "exact")
        assert iso_utc(event.ts_utc_us) == "2024-03-05T21:10:00Z"
    access_row = next(i for i in logins if i.meta["source"] == "access-log")
    assert fields_of(access_row)["Activity City"] == "London"
    assert access_row.text.startswith("Login from 198.51.100.23 — Gmail — London")


def _source(case: Case, ident: Identifier) -> str:
    with case.read() as s:
        item = s.get(Item, ident.item_id)
        assert item is not None
        source = s.get(Source, item.source_id)
        assert source is not None
        return source.name.lower()


def test_each_fixture_file_is_chosen_by_the_registry() -> None:
    for rel in (SUBSCRIBER, ACCESS_LOG):
        probe = Probe.of(corpus_file(f"{RETURN}/{rel}"))
        assert default_registry().choose(probe) is GoogleReturnImporter


def test_zip_of_the_return_reaches_the_importer_through_the_archive(
    case: Case, tmp_path: Path
) -> None:
    folder = corpus_file(RETURN)
    archive = tmp_path / "google-return.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    report = import_paths(case, [archive])
    imported(report)
    with case.read() as s:
        children = {
            src.name: src
            for src in s.execute(select(Source).where(Source.parent_id.is_not(None))).scalars()
        }
        s.expunge_all()
    assert {c.importer for c in children.values()} == {"google-return"}
    assert set(children) == {SUBSCRIBER.rsplit("/", 1)[-1], ACCESS_LOG.rsplit("/", 1)[-1]}
    # The access log's own name does not carry the account, but its folder inside the zip
    # (`<email>.<id>.AccessLogActivity…/`) does: its rows are keyed by the e-mail.
    access = children[ACCESS_LOG.rsplit("/", 1)[-1]]
    assert access.decisions["account"] == ACCOUNT
    assert not any("keyed by the Gaia ID" in w for w in access.warnings)
    assert {i.account for i in identifiers(case, kind="email")} == {ACCOUNT}
    assert {i.account for i in identifiers(case, kind="ip")} == {ACCOUNT}


# -- access logs ------------------------------------------------------------------------


def test_access_log_with_port_proxy_and_assumed_zone(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / f"{EMAIL}.123456789012.AccessLogActivity.Activity_001"
    path = write_csv(
        folder,
        "Access Log Activity/Activities - A list of Google services accessed by your devices.csv",
        [
            "Gaia ID,Activity Timestamp,IP Address,Port,Proxied Host IP Address,Activity Type",
            "123456789012,2024-03-05T21:10:00Z,198.51.100.23,51234,,Login",
            "123456789012,2024-03-06 07:45:12,[2001:DB8:0::1]:443,,203.0.113.9,Mail access",
        ],
    )
    imported(import_paths(case, [path]))
    first, second, proxied = identifiers(case, kind="ip")
    assert (first.account, first.value, first.port) == (ACCOUNT, "198.51.100.23", 51234)
    assert first.ts_utc_us is not None
    assert iso_utc(first.ts_utc_us) == "2024-03-05T21:10:00Z"
    assert (second.value, second.port, second.raw) == ("2001:db8::1", 443, "[2001:DB8:0::1]:443")
    assert (proxied.value, proxied.ts_utc_us) == ("203.0.113.9", second.ts_utc_us)
    (event,) = events_of(case, second.item_id)
    # no zone in the text and none in the header: read as UTC, the documented zone, and said so
    assert (event.confidence, event.zone, event.original) == (
        "assumed-zone",
        "UTC",
        "2024-03-06 07:45:12",
    )
    with case.read() as s:
        item = s.get(Item, first.item_id)
        assert item is not None
        assert item.text == "Login from 198.51.100.23 port 51234"


def test_a_header_stating_utc_makes_naive_times_exact(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "Activities - A list of Google services accessed by your devices.csv",
        ["Gaia ID,Activity Timestamp (UTC),IP Address", "1,2024-03-05 21:10:00,198.51.100.23"],
    )
    (item,) = parse(path).items
    (event,) = item.events
    assert (event.confidence.value, iso_utc(event.ts_utc_us)) == ("exact", "2024-03-05T21:10:00Z")


def test_unknown_columns_are_refused_clearly(case: Case, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "Activities - A list of Google services accessed by your devices.csv",
        ["When,Where,What", "yesterday,home,login"],
    )
    (result,) = import_paths(case, [path]).files
    assert result.status == "failed"
    assert "not those of a Google access log" in result.reason
    assert "When, Where, What" in result.reason


def test_an_extra_unknown_column_is_kept_and_warned(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "x.csv",
        [
            ACCESS_HEADER + ",Mystery Column",
            "1,2024-03-05T21:10:00Z,198.51.100.23" + "," * 13 + ",42",
        ],
    )
    sink = parse(path)
    assert "access log/Mystery Column: not understood, kept as text" in sink.warnings
    (item,) = sink.items
    assert item.meta["fields"]["Mystery Column"] == "42"
    assert sink.decisions["layout"] == "Google LERS Access Log Activity CSV (17 columns)"


def test_truncated_access_log_keeps_what_it_has_and_says_so(tmp_path: Path) -> None:
    full = corpus_file(f"{RETURN}/{ACCESS_LOG}").read_text(encoding="utf-8")
    path = tmp_path / "Activities - A list of Google services accessed by your devices.csv"
    path.write_text(full.rstrip("\n") + "\n123456789012,2024-03-06T07:45:12Z,203.0.11", "utf-8")
    sink = parse(path)
    assert len(sink.items) == 2
    assert any("3 of 16 columns (truncated?)" in w for w in sink.warnings)
    assert any("'203.0.11' is not an IP address" in w for w in sink.warnings)
    assert sink.items[1].identifiers == []  # a cut address is never an identifier


# -- subscriber pages -------------------------------------------------------------------


def test_truncated_subscriber_page_is_read_as_far_as_it_goes(tmp_path: Path) -> None:
    page = corpus_file(f"{RETURN}/{SUBSCRIBER}").read_text(encoding="utf-8")
    path = tmp_path / SUBSCRIBER.rsplit("/", 1)[-1]
    path.write_text(page[: page.index("<td>Login</td>")], encoding="utf-8")
    sink = parse(path)
    assert any("truncated?" in w for w in sink.warnings)
    subscriber, login = sink.items
    assert subscriber.meta["fields"]["e-Mail"] == EMAIL
    assert login.identifiers[0].value == "198.51.100.23"
    assert any("2 of 6 columns (truncated?)" in w for w in sink.warnings)


def test_subscriber_unknown_labels_and_tables_are_kept(tmp_path: Path) -> None:
    html = (
        "<html><body><ul>"
        "<li>Google Account ID: 999000111222</li>"
        "<li>e-Mail: Fake.Account@Example.com</li>"
        "<li>Alternate e-Mails: a@example.org, b@example.org</li>"
        "<li>2-Step Verification Phone Numbers: 07700 900456</li>"
        "<li>Favourite Colour: blue</li>"
        "<li>Deletion Date: 2024-05-01 10:00:00 UTC</li>"
        "<li>Deletion IP: 203.0.113.77</li>"
        "</ul><h3>Devices</h3><table><tr><th>Device Model</th><th>IMEI</th></tr>"
        "<tr><td>Pixel</td><td>356938035643809</td></tr></table></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    assert GoogleReturnImporter.score(Probe.of(path)) > 0  # by its labels, not its name
    sink = parse(path)
    subscriber, device = sink.items
    account = "google:fake.account@example.com"
    assert {(i.kind.value, i.value) for i in subscriber.identifiers} == {
        ("email", "fake.account@example.com"),
        ("email", "a@example.org"),
        ("email", "b@example.org"),
        ("phone", "+447700900456"),
        ("ip", "203.0.113.77"),
    }
    assert {i.account for i in subscriber.identifiers} == {account}
    deletion = next(i for i in subscriber.identifiers if i.kind.value == "ip")
    assert deletion.ts_utc_us is not None
    assert iso_utc(deletion.ts_utc_us) == "2024-05-01T10:00:00Z"
    assert "subscriber/Favourite Colour: not understood, kept as text" in sink.warnings
    assert subscriber.meta["fields"]["Favourite Colour"] == "blue"
    assert "Devices: a table not understood, its rows kept as text" in sink.warnings
    assert device.meta["record"] == "device"
    assert [(i.kind.value, i.value) for i in device.identifiers] == [("device", "356938035643809")]


def test_change_history(tmp_path: Path) -> None:
    html = (
        "<html><body><table><tr><th>Timestamp</th><th>IP</th><th>Change Type</th>"
        "<th>Old Value</th><th>New Value</th></tr>"
        "<tr><td>2024-02-01 12:00:00 UTC</td><td>198.51.100.23</td><td>Recovery e-Mail</td>"
        "<td>old@example.org</td><td>new@example.org</td></tr></table></body></html>"
    )
    path = tmp_path / f"{EMAIL}.123456789012.ChangeHistory.html"
    path.write_text(html, encoding="utf-8")
    (item,) = parse(path).items
    assert item.meta["record"] == "change"
    assert item.text == "Recovery e-Mail: old@example.org → new@example.org"
    assert [(i.account, i.value) for i in item.identifiers] == [
        (ACCOUNT, "old@example.org"),
        (ACCOUNT, "new@example.org"),
    ]
    assert iso_utc(item.events[0].ts_utc_us) == "2024-02-01T12:00:00Z"


# -- linked accounts and cover sheets ---------------------------------------------------


def test_accounts_linked_by_cookies_and_phone(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "return"
    write_csv(
        folder,
        f"{EMAIL}.123456789012.LinkedByCookies.csv",
        ["Linked Account Gaia ID,Linked Account e-Mail", "555000111222,Other.Fake@example.com"],
    )
    write_csv(
        folder,
        f"{EMAIL}.123456789012.LinkedByPhone.csv",
        ["Gaia ID,Email,Phone Number", "777000111222,third@example.net,+44 7700 900999"],
    )
    report = import_paths(case, [folder])
    imported(report)
    assert {f.importer for f in report.files} == {"google-return"}
    links = identifiers(case, kind="linked-account")
    assert {(i.account, i.value, i.raw) for i in links} == {
        (ACCOUNT, "google:other.fake@example.com", "Other.Fake@example.com"),
        (ACCOUNT, "google:third@example.net", "third@example.net"),
    }
    assert {(i.account, i.value) for i in identifiers(case, kind="phone")} == {
        ("google:third@example.net", "+447700900999")
    }
    accounts = items_of(case, "account")
    assert {i.meta["linked_by"] for i in accounts} == {"cookies", "phone"}


def test_no_records_and_export_summary_are_kept(tmp_path: Path) -> None:
    empty = tmp_path / "NoRecords.txt"
    empty.write_bytes(b"")
    (item,) = parse(empty).items
    assert item.meta["record"] == "no-records"
    assert item.text == "Google found no records for this service"
    summary = tmp_path / f"{EMAIL}.123456789012.Mail.ExportSummary.txt"
    summary.write_text("Date Range: 2024-01-01 to 2024-03-31\nGenerated: 2024-04-02 08:00:00 UTC\n")
    (item,) = parse(summary).items
    assert item.meta["fields"]["Date Range"] == "2024-01-01 to 2024-03-31"
    assert iso_utc(item.events[0].ts_utc_us) == "2024-04-02T08:00:00Z"


def test_other_html_and_csv_are_not_claimed(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><ul><li>Name: a shopping list</li></ul></body></html>")
    table = tmp_path / "table.csv"
    table.write_text("Date,IP Address,Note\n2024-01-01,192.0.2.1,x\n")
    for path in (page, table):
        assert GoogleReturnImporter.score(Probe.of(path)) == 0


def test_damaged_copies_fail_only_with_clear_errors(tmp_path: Path) -> None:
    rng = random.Random(13)
    for rel in (SUBSCRIBER, ACCESS_LOG):
        original = corpus_file(f"{RETURN}/{rel}")
        data = original.read_bytes()
        path = tmp_path / original.name
        for _ in range(150):
            buf = bytearray(data)
            for _ in range(rng.randint(1, 6)):
                pos = rng.randrange(len(buf))
                if rng.random() < 0.3:
                    del buf[pos:]
                    break
                buf[pos] = rng.randrange(256)
            path.write_bytes(bytes(buf))
            with contextlib.suppress(EvidenceError):
                parse(path)


def test_fixture_copy_imports_through_the_registry(case: Case, tmp_path: Path) -> None:
    """The same file copied elsewhere keeps the account from its own name."""
    src = corpus_file(f"{RETURN}/{SUBSCRIBER}")
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    (result,) = import_paths(case, [dst]).files
    assert (result.status, result.importer) == ("imported", "google-return")
    assert result.decisions["account"] == ACCOUNT


@pytest.mark.parametrize("name", ["NoRecords.txt", "notes.txt"])
def test_text_files_only_by_their_google_names(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("nothing here\n")
    expected = 55 if name == "NoRecords.txt" else 0
    assert GoogleReturnImporter.score(Probe.of(path)) == expected
