"""Telegram Desktop JSON: every corpus file, both layouts, text entities, times, media, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.case import Case
from app.errors import CorruptRecord, WrongFormat
from app.importers.base import ImportContext, ImportOptions, Probe
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.importers.telegram import TelegramImporter
from app.ingest.job import import_paths
from app.model import Confidence, ItemDraft, ItemKind
from app.store.schema import Item, Source
from app.timeline.clock import iso_utc
from tests.conftest import corpus_file


def run(path: Path, zone: str = "Europe/London") -> MemorySink:
    probe = Probe.of(path)
    assert TelegramImporter.score(probe) >= 50
    assert default_registry().choose(probe) is TelegramImporter
    sink = MemorySink()
    TelegramImporter().parse(probe, sink, ImportContext(ImportOptions(zone=zone)))
    return sink


def write_json(tmp_path: Path, value: Any, name: str = "result.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def utc(item: ItemDraft, kind: str = "sent") -> str:
    (event,) = [e for e in item.events if e.kind == kind]
    return iso_utc(event.ts_utc_us)


def by_locator(sink: MemorySink, conversation: str = "") -> dict[str, ItemDraft]:
    return {i.locator: i for i in sink.items if not conversation or i.conversation == conversation}


# -- the corpus ---------------------------------------------------------------------------


def test_chatminer_batch_export_reads_chats_list() -> None:
    sink = run(corpus_file("telegram/chatminer__test_batch_export.json"))
    assert len(sink.items) == 2
    first, last = sink.items
    assert {i.conversation for i in sink.items} == {"Chatname"}
    assert first.author is not None
    assert first.author.name == "Author 1"
    assert last.author is not None
    assert last.author.name == "Author 2"
    assert first.text == "Minimal Message"
    assert last.text == "Link:https://telegram.org/"
    assert last.meta["text_entities"][1] == {"type": "link", "text": "https://telegram.org/"}
    assert utc(first) == "2018-12-05T10:39:10Z"
    assert first.events[0].confidence == Confidence.EXACT
    assert first.events[0].original == "1544006350"
    assert first.locator == "chats.list[0].messages[0]"
    assert sink.decisions["layout"] == "full account"
    assert sink.decisions["time_source"] == "date_unixtime (UTC epoch)"
    assert sink.warnings == []


def test_chatminer_single_export_without_name_is_named_after_the_file() -> None:
    sink = run(corpus_file("telegram/chatminer__test_single_export.json"))
    assert [i.author.name for i in sink.items if i.author] == ["Author 1", "Author 2"]
    assert {i.conversation for i in sink.items} == {"chatminer__test_single_export"}
    assert [i.locator for i in sink.items] == ["messages[0]", "messages[1]"]
    assert utc(sink.items[1]) == "2018-12-05T10:49:24Z"
    assert sink.items[1].text == "Link:https://telegram.org/"
    assert sink.decisions["layout"] == "single chat"


def test_chatpackcli_local_dates_are_read_in_the_case_zone() -> None:
    sink = run(corpus_file("telegram/chatpackcli__telegram_export.json"))
    items = by_locator(sink)
    assert len(sink.items) == 7
    assert {i.conversation for i in sink.items} == {"Test Chat"}
    first, last = sink.items[0], sink.items[-1]
    assert first.author is not None
    assert (first.author.name, first.author.handle) == ("Alice", "user123")
    assert last.author is not None
    assert last.author.name == "Bob"
    assert [r.name for r in first.recipients] == ["Bob"]
    assert first.text == "Hello! How are you?"
    # no date_unixtime: the wall-clock time is read in the assumed zone (GMT in January)
    assert utc(first) == "2024-01-15T10:30:00Z"
    assert first.events[0].confidence == Confidence.ASSUMED_ZONE
    assert first.events[0].zone == "Europe/London"
    assert items["id 5"].meta["reply_to_message_id"] == 4
    assert items["id 7"].meta["edited"] == "2024-03-10T09:20:00"
    assert utc(items["id 7"], "edited") == "2024-03-10T09:20:00Z"
    assert sink.decisions["time_source"] == "date (local wall-clock time)"
    assert any("without a zone" in w and "Europe/London" in w for w in sink.warnings)


def test_chatpackcli_in_another_zone_shifts_the_wall_clock() -> None:
    sink = run(corpus_file("telegram/chatpackcli__telegram_export.json"), zone="America/New_York")
    assert utc(sink.items[0]) == "2024-01-15T15:30:00Z"
    assert sink.items[0].events[0].zone == "America/New_York"


def test_tgexportmd_full_account_with_chats_as_a_bare_list() -> None:
    sink = run(corpus_file("telegram/tgexportmd__result.json"))
    assert len(sink.items) == 14
    assert [i.conversation for i in sink.items].count("Gaming Crew") == 13
    assert [i.conversation for i in sink.items].count("Saved Messages") == 1
    crew = by_locator(sink, "Gaming Crew")
    first, last = sink.items[0], sink.items[-1]
    assert first.author is not None
    assert first.author.name == "Arian"
    assert (last.author and last.author.name, last.text) == ("Arian", "buy milk")
    assert utc(first) == "2021-01-01T09:00:00Z"  # date_unixtime 1609491600
    assert first.meta["chat_type"] == "private_supergroup"
    assert first.meta["text_from_entities"] == "hello everyone?"
    assert crew["id 3"].meta["attachment"] == "photos/photo_1.jpg"
    assert crew["id 3"].meta["media_type"] == "photo"
    assert crew["id 6"].meta["forwarded_from"] == "Meme Bot"
    assert crew["id 6"].meta["attachment"] == "stickers/sticker_1.webp"
    assert crew["id 4"].meta["reply_to_message_id"] == 3
    assert crew["id 8"].author is None  # poll with empty from / from_id
    assert crew["id 8"].meta["poll"]["question"] == "Best game?"
    assert crew["id 10"].kind == ItemKind.SYSTEM
    assert crew["id 10"].meta["action"] == "add_members"
    assert crew["id 10"].author is not None
    assert crew["id 10"].author.name == "Mona"
    assert crew["id 13"].meta["file_name"] == "missing.pdf"
    # a supergroup's audience is its membership, which the export does not list
    assert all(i.recipients == () for i in sink.items)
    # the fixture's local dates are hand-written: they imply three offsets
    assert sink.decisions["export_utc_offsets"] == "+00:00, +01:00, +02:00"
    assert any("3 different UTC offsets" in w for w in sink.warnings)
    media = [w for w in sink.warnings if "media reference" in w]
    assert len(media) == 1
    assert media[0].startswith("5 media references")
    assert any(w.startswith("3 messages whose text_entities") for w in sink.warnings)


def test_tgparser_personal_chat_entities_reply_and_call() -> None:
    sink = run(corpus_file("telegram/tgparser__personal_chat.json"))
    items = by_locator(sink)
    assert len(sink.items) == 5
    assert {i.conversation for i in sink.items} == {"Test User"}
    assert sink.items[0].author is not None
    assert sink.items[0].author.handle == "user111"
    assert sink.items[-1].author is not None
    assert sink.items[-1].author.name == "Alice"
    assert items["id 3"].text == "Check this important message"
    assert items["id 3"].meta["text_entities"][1] == {"type": "bold", "text": "important"}
    assert items["id 4"].meta["reply_to_message_id"] == 3
    assert items["id 5"].kind == ItemKind.CALL
    assert items["id 5"].meta["action"] == "phone_call"
    # date_unixtime wins over the local date, which this fixture gives 20 minutes apart
    assert utc(items["id 1"]) == "2024-01-15T10:50:00Z"
    assert any("differ by an amount no time zone has (-00:20)" in w for w in sink.warnings)


# -- synthetic exports --------------------------------------------------------------------


def test_text_entities_edits_media_and_left_chats(tmp_path: Path) -> None:
    export = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "Me"},
        "chats": {
            "about": "chats",
            "list": [
                {
                    "name": "Mum",
                    "type": "personal_chat",
                    "id": 11,
                    "messages": [
                        {
                            "id": 100,
                            "type": "message",
                            "date": "2023-07-01T21:00:00",
                            "date_unixtime": "1688241600",
                            "edited": "2023-07-01T21:05:00",
                            "edited_unixtime": "1688241900",
                            "from": "Mum",
                            "from_id": "user11",
                            "text": [
                                "line one\nsee ",
                                {"type": "text_link", "text": "this", "href": "https://x.test/a"},
                                " and ",
                                {"type": "mention_name", "text": "Dad", "user_id": 12},
                            ],
                        },
                        {
                            "id": 101,
                            "type": "message",
                            "date": "2023-07-01T21:01:00",
                            "date_unixtime": "1688241660",
                            "from": "Me",
                            "from_id": "user1",
                            "text": "",
                            "photo": "(File not included. Change data exporting settings to "
                            "download.)",
                            "width": 800,
                            "height": 600,
                        },
                    ],
                },
                {"name": "Mum", "type": "private_group", "id": 12, "messages": []},
            ],
        },
        "left_chats": {
            "about": "left",
            "list": [
                {
                    "name": "Old group",
                    "type": "private_group",
                    "id": 13,
                    "messages": [
                        {
                            "id": 1,
                            "type": "service",
                            "date": "2020-01-01T00:00:00",
                            "date_unixtime": "1577836800",
                            "actor": "Me",
                            "actor_id": "user1",
                            "action": "create_group",
                            "title": "Old group",
                            "members": ["Me", "Ann"],
                            "text": "",
                        }
                    ],
                }
            ],
        },
    }
    sink = run(write_json(tmp_path, export))
    assert len(sink.items) == 3
    first, photo, service = sink.items
    assert first.text == "line one\nsee this and Dad"
    assert first.meta["text_entities"][1]["href"] == "https://x.test/a"
    assert first.conversation == "Mum (chat 11)"  # two chats share the name
    assert first.author is not None
    assert first.author.handle == "user11"
    assert [r.handle for r in first.recipients] == ["user1"]
    assert utc(first) == "2023-07-01T20:00:00Z"
    assert utc(first, "edited") == "2023-07-01T20:05:00Z"
    assert first.events[1].confidence == Confidence.EXACT
    assert photo.meta["attachment_missing"] is True
    assert "attachment" not in photo.meta
    assert service.kind == ItemKind.SYSTEM
    assert service.meta["left_chat"] is True
    assert service.conversation == "Old group"
    assert service.locator == "id 1"
    assert any("1 media file marked 'File not included'" in w for w in sink.warnings)
    assert sink.decisions["export_utc_offsets"] == "+00:00, +01:00"  # winter and summer


def test_account_export_whose_chats_start_after_the_head(tmp_path: Path) -> None:
    contacts = [
        {"first_name": f"Friend {n}", "phone_number": "+44 7700 900000", "date": "2020-01-01"}
        for n in range(200)
    ]
    message = {
        "id": 1,
        "type": "message",
        "date": "2024-01-02T03:04:05",
        "from": "Friend 1",
        "text": "late",
    }
    export = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "Me", "phone_number": "+44"},
        "contacts": {"about": "contacts", "list": contacts},
        "chats": {"about": "chats", "list": [{"name": "F", "id": 2, "messages": [message]}]},
    }
    path = write_json(tmp_path, export)
    probe = Probe.of(path)
    assert "chats" not in probe.head_text()
    sink = run(path)
    (item,) = sink.items
    assert (item.text, item.conversation, item.locator) == ("late", "F", "id 1")
    assert utc(item) == "2024-01-02T03:04:05Z"


def test_broken_records_are_warned_and_skipped(tmp_path: Path) -> None:
    export = {
        "name": "Chat",
        "type": "personal_chat",
        "id": 5,
        "messages": [
            "not a message",
            {"id": 2, "type": "message", "date": "not a date", "from": "A", "text": "x"},
            {"id": 3, "type": "message", "date": "2024-06-01T12:00:00", "from": "B", "text": "y"},
        ],
    }
    sink = run(write_json(tmp_path, export))
    assert [i.locator for i in sink.items] == ["id 2", "id 3"]
    assert sink.items[0].events == []
    assert utc(sink.items[1]) == "2024-06-01T11:00:00Z"  # BST
    assert "messages[0]: not a message object, skipped" in sink.warnings
    assert "1 message without a readable date" in sink.warnings


def test_invalid_utf8_is_replaced_and_warned(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(
        b'{"name": "C", "type": "personal_chat", "id": 1, "messages": [{"id": 1, '
        b'"type": "message", "date_unixtime": "1", "from": "A", "from_id": "user1", '
        b'"text": "caf\xe9 \xef\xbf\xbd"}]}'
    )
    sink = run(path)
    assert sink.items[0].text == "caf\ufffd \ufffd"
    assert "not valid utf-8: 1 bad byte replaced" in sink.warnings


def test_a_json_file_of_another_kind_is_not_telegram(tmp_path: Path) -> None:
    path = write_json(tmp_path, {"messages": [{"body": "hi"}]}, "other.json")
    probe = Probe.of(path)
    assert TelegramImporter.score(probe) == 0
    with pytest.raises(WrongFormat):
        TelegramImporter().parse(probe, MemorySink(), ImportContext())


def test_deeply_nested_json_fails_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"messages": [{"date_unixtime": "1", "x": ' + "[" * 100_000)
    with pytest.raises(CorruptRecord, match="nested too deeply"):
        TelegramImporter().parse(Probe.of(path), MemorySink(), ImportContext())


# -- the real pipeline --------------------------------------------------------------------


def test_corpus_file_through_the_pipeline(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(case, [corpus_file("telegram/tgparser__personal_chat.json")])
        (result,) = report.files
        assert (result.status, result.importer, result.items) == ("imported", "telegram", 5)
        assert result.participants == 2
        assert result.first_us is not None
        assert iso_utc(result.first_us) == "2024-01-15T10:50:00Z"
    finally:
        case.close()


def test_truncated_export_fails_cleanly(tmp_path: Path) -> None:
    text = corpus_file("telegram/chatpackcli__telegram_export.json").read_text(encoding="utf-8")
    path = tmp_path / "result.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(case, [path])
        (result,) = report.files
        assert (result.status, result.importer) == ("failed", "telegram")
        assert "truncated" in result.reason
        assert "result.json" in result.reason
        with case.read() as s:
            assert s.scalar(select(func.count()).select_from(Source)) == 0
            assert s.scalar(select(func.count()).select_from(Item)) == 0
    finally:
        case.close()
