"""Snapchat returns: each CSV read by its column names through the import job, Pacific-time
columns converted and marked, chat media linked to their messages, errors stated."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.case import Case
from app.errors import WrongFormat
from app.importers.base import ImportContext, Probe
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.importers.snapchat import SnapchatImporter
from app.ingest.job import FileResult, import_paths
from app.store.schema import Event
from tests.conftest import corpus_file
from tests.core.importers.return_rows import identifiers, items, one, record

RETURN = "synthetic-returns/snapchat_return"
MEDIA = "chat_media~media_v4~2024-03-05~synthetic_fake_123~victim_example~SAVED~b~SYNTH0001~v4.png"
ACCOUNT = "snapchat:synthetic_fake_123"
SEPARATOR = "=" * 40
LEGEND = '"Target username: someone_else\nInvented for a test."'


def one_file(case: Case, path: Path) -> FileResult:
    (result,) = import_paths(case, [path]).files
    return result


def write(folder: Path, name: str, *lines: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the corpus -----------------------------------------------------------------------------


def test_subscriber_info_gives_the_subscriber_and_its_identifiers(case: Case) -> None:
    result = one_file(case, corpus_file(f"{RETURN}/subscriber_info.csv"))
    assert (result.status, result.importer) == ("imported", "snapchat-return"), result.reason
    assert result.warnings == []
    assert result.decisions["layout"] == "Snapchat return CSV: account, change history, details"
    assert result.decisions["target"] == ACCOUNT
    rows = items(case)
    (sub,) = record(rows, "subscriber")
    assert sub.meta["fields"]["email_address"] == "synthetic.person@example.com"
    assert sub.author == "Synthetic Fake"
    assert sub.events == [
        ("registered", "2023-11-01T09:00:00Z", "exact", "2023-11-01 09:00:00 UTC")
    ]
    ids = identifiers(case)
    assert (ACCOUNT, "email", "synthetic.person@example.com") in [i[:3] for i in ids]
    assert (ACCOUNT, "phone", "+447700900123", "447700900123", None, None) in ids
    assert (ACCOUNT, "username", "synthetic_fake_123") in [i[:3] for i in ids]
    assert (
        ACCOUNT,
        "registration-ip",
        "192.0.2.10",
        "192.0.2.10",
        None,
        "2023-11-01T09:00:00Z",
    ) in ids

    (change,) = record(rows, "account-change")
    assert change.events == [
        ("changed", "2023-11-01T09:05:00Z", "exact", "Wed Nov 01 09:05:00 UTC 2023")
    ]
    (details,) = record(rows, "account-details")
    # last_active is Pacific time; this value states PST (UTC-8), so it is exact.
    last = [e for e in details.events if e[0] == "last_active"]
    assert last == [("last_active", "2024-03-05T22:20:00Z", "exact", "2024-03-05 14:20:00 PST")]


def test_ip_data_gives_login_records_with_times(case: Case) -> None:
    result = one_file(case, corpus_file(f"{RETURN}/ip_data.csv"))
    assert result.status == "imported", result.reason
    assert result.warnings == []
    assert (
        result.decisions["layout"] == "Snapchat return CSV: ip data (consolidated columns, 2024+)"
    )
    first, second = record(items(case), "login")
    assert [e[:2] for e in first.events] == [
        ("ip_activity", "2024-03-05T21:10:00Z"),
        ("last_seen", "2024-03-05T21:30:00Z"),
    ]
    assert first.meta["fields"]["asn"] == "AS64500"
    ids = identifiers(case)
    assert (ACCOUNT, "ip", "198.51.100.23", "198.51.100.23", None, "2024-03-05T21:10:00Z") in ids
    assert (ACCOUNT, "ip", "2001:db8::1", "2001:db8::1", None, "2024-03-06T07:45:12Z") in ids
    assert second.text == f"IP activity from 2001:db8::1 ({ACCOUNT}, AS64501)"


def test_conversations_give_messages_with_upload_ip_and_linked_media(case: Case) -> None:
    csv_path = corpus_file(f"{RETURN}/conversations.csv")
    result = one_file(case, csv_path)
    assert result.status == "imported", result.reason
    assert result.warnings == []
    rows = items(case)
    text, snap = [r for r in rows if r.kind == "message"]
    assert text.text == "Synthetic text message."
    assert text.events == [("sent", "2024-03-05T21:12:00Z", "exact", "2024-03-05 21:12:00 UTC")]
    assert text.author == "synthetic_fake_123"
    ids = identifiers(case)
    assert (ACCOUNT, "ip", "198.51.100.23", "198.51.100.23", 51234, "2024-03-05T21:12:00Z") in ids
    assert (ACCOUNT, "ip", "198.51.100.23", "198.51.100.23", 51240, "2024-03-05T21:13:30Z") in ids
    assert snap.meta["media_ids"] == ["b~SYNTH0001"]
    (image,) = [r for r in rows if r.kind == "image"]
    assert image.parent_id == snap.id
    assert image.source.endswith(f"conversations.csv!/{MEDIA}")
    media = csv_path.parent / MEDIA
    assert case.item_blob_sha(image.id) == hashlib.sha256(media.read_bytes()).hexdigest()


def test_media_missing_beside_the_csv_is_named(case: Case, tmp_path: Path) -> None:
    shutil.copy(corpus_file(f"{RETURN}/conversations.csv"), tmp_path / "conversations.csv")
    result = one_file(case, tmp_path / "conversations.csv")
    assert result.warnings == [
        "media b~SYNTH0001 named by line 6 was not found beside conversations.csv"
    ]
    assert [r.kind for r in items(case)] == ["message", "message"]


def test_media_is_not_looked_for_without_a_folder() -> None:
    sink = MemorySink()
    SnapchatImporter().parse(
        Probe.of(corpus_file(f"{RETURN}/conversations.csv")), sink, ImportContext()
    )
    assert sink.children == []
    assert sink.warnings == [
        "media b~SYNTH0001 named by line 6 was not found: the file was not read from a folder, "
        "so the media beside it could not be looked for"
    ]


# -- versions and zones, written here -------------------------------------------------------


def test_pacific_time_without_a_zone_is_converted_and_marked_assumed(
    case: Case, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "subscriber_info.csv",
        LEGEND,
        SEPARATOR,
        "app_version,last_active,follower_count",  # columns in another order
        "13.1.0,2024-07-01 10:00:00,5",
    )
    result = one_file(case, path)
    assert result.status == "imported", result.reason
    (details,) = record(items(case), "account-details")
    # 10:00 Pacific daylight time is 17:00 UTC.
    assert details.events == [
        ("last_active", "2024-07-01T17:00:00Z", "assumed-zone", "2024-07-01 10:00:00")
    ]
    with case.read() as s:
        (zone,) = s.scalars(select(Event.zone)).all()
    assert zone == "America/Los_Angeles"


def test_a_legend_naming_a_pacific_column_is_obeyed(case: Case, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ip_data.csv",
        '"Target username: someone_else\nlogin_time: time of the login (PST/PDT)"',
        SEPARATOR,
        "login_time,ip,source_port",
        "2024-01-10 08:00:00,203.0.113.9,443",
    )
    result = one_file(case, path)
    assert result.warnings == ["ip data/login_time: not understood, kept as text"]
    ids = identifiers(case)
    assert ids == [
        ("snapchat:someone_else", "ip", "203.0.113.9", "203.0.113.9", 443, "2024-01-10T16:00:00Z")
    ]


def test_older_return_columns_and_times(case: Case, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ip_data.csv",
        LEGEND,
        SEPARATOR,
        "ip,first seen time,last seen time",
        "198.51.100.40,Wed Aug 19 12:00:00 UTC 2021,Wed Aug 19 12:30:00 UTC 2021",
    )
    result = one_file(case, path)
    assert result.decisions["layout"] == "Snapchat return CSV: ip data (older ip/first/last seen)"
    (login,) = record(items(case), "login")
    assert [e[:2] for e in login.events] == [
        ("first_seen", "2021-08-19T12:00:00Z"),
        ("last_seen", "2021-08-19T12:30:00Z"),
    ]


def test_unknown_columns_are_warned_about_and_kept(case: Case, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "conversations.csv",
        LEGEND,
        SEPARATOR,
        "timestamp,text,sender_username,mood,recipient_username",
        "2024-03-05 21:12:00 UTC,hi,someone_else,cheerful,victim_example",
    )
    result = one_file(case, path)
    assert result.warnings == ["conversations/mood: not understood, kept as text"]
    (message,) = items(case)
    assert message.text == "hi"
    assert message.meta["fields"]["mood"] == "cheerful"


# -- what goes wrong -----------------------------------------------------------------------


def test_a_csv_with_no_known_columns_fails_clearly(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", "colour,shape", "red,square")
    assert SnapchatImporter.score(Probe.of(path)) == 0
    assert default_registry().choose(Probe.of(path)) is not SnapchatImporter
    with pytest.raises(WrongFormat, match=r"no Snapchat columns recognised \(headers: colour"):
        SnapchatImporter().parse(Probe.of(path), MemorySink(), ImportContext())


def test_a_return_file_of_unknown_sections_is_kept_as_records(case: Case, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bitmoji.csv",
        LEGEND,
        SEPARATOR,
        "avatar_id,created_time",
        "av-1,2024-02-01 10:00:00 UTC",
    )
    result = one_file(case, path)
    assert (result.status, result.importer) == ("imported", "snapchat-return")
    assert result.warnings == ["bitmoji section 1: not understood, kept as text"]
    (other,) = record(items(case), "other")
    assert other.meta["fields"] == {"avatar_id": "av-1", "created_time": "2024-02-01 10:00:00 UTC"}
    assert other.events[0][:2] == ("created", "2024-02-01T10:00:00Z")


def test_bad_values_are_warned_about_and_kept(case: Case, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ip_data.csv",
        LEGEND,
        SEPARATOR,
        "ip,timestamp",
        "not-an-ip,2024-03-05 21:10:00 UTC",
        "198.51.100.41,yesterday",
    )
    result = one_file(case, path)
    assert result.warnings == [
        "line 5: 'not-an-ip' is not an IP address, kept as text",  # the legend has 2 lines
        "ip data/timestamp: 'yesterday' (line 6) is not a time this reader knows, kept as text",
    ]
    first, second = record(items(case), "login")
    assert first.meta["fields"]["ip"] == "not-an-ip"
    assert second.events == []
    assert identifiers(case) == [
        ("snapchat:someone_else", "ip", "198.51.100.41", "198.51.100.41", None, None)
    ]


def test_a_cut_off_file_keeps_the_rows_before_the_cut(case: Case, tmp_path: Path) -> None:
    text = corpus_file(f"{RETURN}/conversations.csv").read_text()
    cut = text.index("SNAP,MEDIA") + len("SNAP,MEDIA,conv-0001,msg-0002,,,synth")
    (tmp_path / "conversations.csv").write_text(text[:cut])
    result = one_file(case, tmp_path / "conversations.csv")
    assert result.status == "imported", result.reason
    assert result.warnings == [
        "conversations: line 6 has 7 of 26 columns; the rest are read as empty (cut off?)"
    ]
    rows = items(case)
    first = one(rows, locator="line 5")
    assert first.text == "Synthetic text message."
    # the cut row keeps what it had, and its missing time is not invented
    cut_row = one(rows, locator="line 6")
    assert cut_row.events == []
    assert cut_row.meta["fields"]["sender_username"] == "synth"


def test_a_row_with_a_single_value_is_a_row_not_a_legend(case: Case, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ip_data.csv",
        LEGEND,
        SEPARATOR,
        "ip,timestamp,asn",
        "198.51.100.42,,",
        "198.51.100.43,2024-03-05 21:10:00 UTC,AS1",
    )
    result = one_file(case, path)
    assert result.warnings == []
    logins = record(items(case), "login")
    assert [r.meta["fields"]["ip"] for r in logins] == ["198.51.100.42", "198.51.100.43"]
    assert logins[0].events == []
