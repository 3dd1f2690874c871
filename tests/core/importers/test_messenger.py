"""Messenger / Instagram DYI JSON: corpus files, mojibake repair, order, calls, unsent, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.case import Case
from app.errors import WrongFormat
from app.importers.base import ImportContext, Probe
from app.importers.memory import MemorySink
from app.importers.messenger import MessengerImporter, repair_mojibake
from app.importers.registry import default_registry
from app.ingest.job import import_paths
from app.model import Confidence, ItemDraft, ItemKind
from app.store.schema import Item, Source
from app.timeline.clock import iso_utc
from tests.conftest import corpus_file


def run(path: Path) -> MemorySink:
    probe = Probe.of(path)
    assert MessengerImporter.score(probe) >= 50
    assert default_registry().choose(probe) is MessengerImporter
    sink = MemorySink()
    MessengerImporter().parse(probe, sink, ImportContext())
    return sink


def moji(text: str) -> str:
    """Text as Facebook writes it: each UTF-8 byte as a Latin-1 code point."""
    return text.encode("utf-8").decode("latin-1")


def write_json(tmp_path: Path, value: Any, name: str = "message_1.json") -> Path:
    path = tmp_path / name
    # ensure_ascii, as Facebook writes it: every non-ASCII code point as \u00XX
    path.write_text(json.dumps(value, indent=2), encoding="ascii")
    return path


def utc(item: ItemDraft) -> str:
    return iso_utc(item.events[0].ts_utc_us)


# -- the corpus ---------------------------------------------------------------------------


def test_chatminer_export_without_participants_is_emitted_oldest_first() -> None:
    sink = run(corpus_file("messenger/chatminer__test_export.json"))
    assert len(sink.items) == 2
    first, last = sink.items
    assert first.author is not None
    assert first.author.name == "Jane Doe"
    assert last.author is not None
    assert last.author.name == "John Doe"
    assert (first.text, first.locator) == ("Hello John!", "messages[1]")
    assert utc(first) == "2019-12-24T11:23:00Z"
    assert first.events[0].original == "1577186580000"
    assert first.events[0].confidence == Confidence.EXACT
    assert utc(last) == "2020-01-17T20:49:00Z"
    assert [r.name for r in first.recipients] == ["John Doe"]
    assert first.conversation == "Jane Doe, John Doe"
    assert sink.decisions["message_order"].startswith("newest first")
    assert sink.decisions["mojibake_repaired"] == "no"
    assert sink.warnings == []


def test_chatpackcli_instagram_thread() -> None:
    sink = run(corpus_file("messenger/chatpackcli__instagram_export.json"))
    assert len(sink.items) == 7
    assert {i.conversation for i in sink.items} == {"Test Chat"}
    first, last = sink.items[0], sink.items[-1]
    assert first.author is not None
    assert first.author.name == "alice_user"
    assert (first.text, first.locator) == ("Hello! How are you?", "messages[6]")
    assert utc(first) == "2024-01-15T10:50:00Z"
    assert last.author is not None
    assert last.author.name == "bob_user"
    assert last.text == "And this one is from March"
    assert utc(last) == "2024-03-10T09:05:00Z"
    assert [r.name for r in first.recipients] == ["bob_user"]
    assert [r.name for r in last.recipients] == ["alice_user"]
    times = [i.events[0].ts_utc_us for i in sink.items]
    assert times == sorted(times)


# -- mojibake -----------------------------------------------------------------------------


def test_repair_mojibake_rules() -> None:
    assert repair_mojibake("BjÃ¶rk") == "Björk"
    assert repair_mojibake(moji("Tjek 👏")) == "Tjek 👏"
    assert repair_mojibake("café") == "café"  # Latin-1 that is not UTF-8 bytes: left
    assert repair_mojibake("Björk 👏") == "Björk 👏"  # already Unicode: left
    assert repair_mojibake("plain") == "plain"


def test_facebook_thread_with_mojibake_media_calls_and_unsent(tmp_path: Path) -> None:
    thread = {
        "participants": [{"name": moji("Björk")}, {"name": "Sam Doe"}],
        "messages": [
            {
                "sender_name": "Sam Doe",
                "timestamp_ms": 1700000300000,
                "is_unsent": True,
                "type": "Generic",
            },
            {
                "sender_name": moji("Björk"),
                "timestamp_ms": 1700000200000,
                "content": "Sam Doe started a call.",
                "call_duration": 65,
                "type": "Call",
            },
            {
                "sender_name": "Sam Doe",
                "timestamp_ms": 1700000100000,
                "content": "Sam Doe added Ann to the group.",
                "users": [{"name": "Ann"}],
                "type": "Subscribe",
            },
            {
                "sender_name": moji("Björk"),
                "timestamp_ms": 1700000050000,
                "content": "see https://x.test/p",
                "share": {"link": "https://x.test/p", "share_text": moji("Ça va")},
                "type": "Share",
            },
            {
                "sender_name": "Sam Doe",
                "timestamp_ms": 1700000000000,
                "content": moji("Tjek 👏\nsecond line, tænkt"),
                "photos": [
                    {
                        "uri": "messages/inbox/bjork_123/photos/1.jpg",
                        "creation_timestamp": 1700000000,
                    }
                ],
                "reactions": [{"reaction": moji("❤"), "actor": moji("Björk")}],
                "type": "Generic",
            },
        ],
        "title": moji("Björk"),
        "is_still_participant": True,
        "thread_path": "inbox/bjork_123",
    }
    sink = run(write_json(tmp_path, thread))
    assert len(sink.items) == 5
    photo, share, joined, call, unsent = sink.items
    assert {i.conversation for i in sink.items} == {"Björk"}
    assert photo.text == "Tjek 👏\nsecond line, tænkt"
    assert photo.meta["as_exported"]["content"] == moji("Tjek 👏\nsecond line, tænkt")
    assert photo.meta["reactions"] == [{"reaction": "❤", "actor": "Björk"}]
    assert photo.meta["attachments"] == [
        {
            "type": "photo",
            "uri": "messages/inbox/bjork_123/photos/1.jpg",
            "creation_timestamp": 1700000000,
        }
    ]
    assert photo.meta["thread_path"] == "inbox/bjork_123"
    assert [r.name for r in photo.recipients] == ["Björk"]
    assert utc(photo) == "2023-11-14T22:13:20Z"
    assert share.author is not None
    assert share.author.name == "Björk"
    assert share.meta["as_exported"]["sender_name"] == "BjÃ¶rk"
    assert share.meta["share"] == {"link": "https://x.test/p", "share_text": "Ça va"}
    assert joined.kind == ItemKind.SYSTEM
    assert joined.meta["users"] == [{"name": "Ann"}]
    assert call.kind == ItemKind.CALL
    assert call.meta["call_duration"] == 65
    assert unsent.meta["unsent"] is True
    assert unsent.text == ""
    assert sink.decisions["mojibake_repaired"] == "yes"
    repaired = [w for w in sink.warnings if w.startswith("repaired")]
    assert len(repaired) == 1
    assert repaired[0].startswith("repaired 8 strings")
    assert "e.g. 'Björk', 'Ça va'" in repaired[0]
    assert "1 message marked unsent: the content was withdrawn" in sink.warnings
    assert any(w.startswith("1 attachment reference (e.g. messages/inbox/") for w in sink.warnings)


def test_big_group_whose_participants_fill_the_head(tmp_path: Path) -> None:
    people = [{"name": f"Member number {n}"} for n in range(300)]
    thread = {
        "participants": people,
        "messages": [
            {"sender_name": "Member number 7", "timestamp_ms": 1600000000000, "content": "hi"}
        ],
        "title": "Big group",
    }
    path = write_json(tmp_path, thread)
    assert "messages" not in Probe.of(path).head_text()
    sink = run(path)
    (item,) = sink.items
    assert (item.text, item.conversation) == ("hi", "Big group")
    assert len(item.recipients) == 299


def test_encrypted_chat_export_layout(tmp_path: Path) -> None:
    thread = {
        "participants": ["Ann", "Ben"],
        "threadName": "Ann",
        "messages": [
            {
                "isUnsent": False,
                "media": [{"uri": "./media/1.jpg"}],
                "reactions": [],
                "senderName": "Ann",
                "text": "hi",
                "timestamp": 1710000000000,
                "type": "media",
            }
        ],
    }
    path = tmp_path / "Ann_1.json"
    path.write_text(json.dumps(thread), encoding="utf-8")
    sink = run(path)
    (item,) = sink.items
    assert (item.text, item.conversation) == ("hi", "Ann")
    assert item.author is not None
    assert item.author.name == "Ann"
    assert [r.name for r in item.recipients] == ["Ben"]
    assert utc(item) == "2024-03-09T16:00:00Z"
    assert item.meta["attachments"] == [{"type": "media", "uri": "./media/1.jpg"}]


def test_broken_records_are_warned(tmp_path: Path) -> None:
    thread = {
        "participants": [{"name": "A"}],
        "messages": [
            {"sender_name": "A", "timestamp_ms": "soon", "content": "x"},
            42,
            {"sender_name": "A", "timestamp_ms": 1600000000000, "content": "y"},
        ],
    }
    sink = run(write_json(tmp_path, thread))
    assert [i.text for i in sink.items] == ["x", "y"]
    assert sink.items[0].events == []
    assert "messages[1]: not a message object, skipped" in sink.warnings
    assert "1 message without a readable timestamp" in sink.warnings


def test_json_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"messages": [{"from": "a", "body": "b"}]}), encoding="utf-8")
    probe = Probe.of(path)
    assert MessengerImporter.score(probe) == 0
    with pytest.raises(WrongFormat):
        MessengerImporter().parse(probe, MemorySink(), ImportContext())


# -- the real pipeline --------------------------------------------------------------------


def test_corpus_file_through_the_pipeline(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "c")
    try:
        path = corpus_file("messenger/chatpackcli__instagram_export.json")
        (result,) = import_paths(case, [path]).files
        assert (result.status, result.importer, result.items) == ("imported", "messenger", 7)
        assert result.participants == 2
        assert result.last_us is not None
        assert iso_utc(result.last_us) == "2024-03-10T09:05:00Z"
        assert result.decisions["mojibake_repaired"] == "no"
    finally:
        case.close()


def test_mojibake_file_through_the_pipeline(tmp_path: Path) -> None:
    thread = {
        "participants": [{"name": moji("Björk")}],
        "messages": [{"sender_name": moji("Björk"), "timestamp_ms": 1, "content": "hej"}],
    }
    case = Case.create(tmp_path / "c")
    try:
        (result,) = import_paths(case, [write_json(tmp_path, thread)]).files
        assert (result.status, result.importer) == ("imported", "messenger")
        assert result.decisions["mojibake_repaired"] == "yes"
        rows = case.timeline_rows(case.timeline_ids())
        assert [(r.author, r.text) for r in rows] == [("Björk", "hej")]
    finally:
        case.close()


def test_truncated_export_fails_cleanly(tmp_path: Path) -> None:
    text = corpus_file("messenger/chatpackcli__instagram_export.json").read_text(encoding="utf-8")
    path = tmp_path / "message_1.json"
    path.write_text(text[:500], encoding="utf-8")
    case = Case.create(tmp_path / "c")
    try:
        (result,) = import_paths(case, [path]).files
        assert (result.status, result.importer) == ("failed", "messenger")
        assert "truncated" in result.reason
        with case.read() as s:
            assert s.scalar(select(func.count()).select_from(Source)) == 0
            assert s.scalar(select(func.count()).select_from(Item)) == 0
    finally:
        case.close()
