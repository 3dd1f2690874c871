"""DiscordChatExporter JSON and CSV: the corpus file, message kinds, DMs, times, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.case import Case
from app.errors import WrongFormat
from app.importers.base import ImportContext, Probe
from app.importers.discord import DiscordImporter
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.ingest.job import import_paths
from app.model import Confidence, ItemDraft, ItemKind
from app.store.schema import Item, Source
from app.timeline.clock import iso_utc
from tests.conftest import corpus_file


def run(path: Path) -> MemorySink:
    probe = Probe.of(path)
    assert DiscordImporter.score(probe) >= 50
    assert default_registry().choose(probe) is DiscordImporter
    sink = MemorySink()
    DiscordImporter().parse(probe, sink, ImportContext())
    return sink


def utc(item: ItemDraft, kind: str = "sent") -> str:
    (event,) = [e for e in item.events if e.kind == kind]
    return iso_utc(event.ts_utc_us)


def author(msg_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"id": msg_id, "name": name, "discriminator": "0000", "isBot": False, **extra}


# -- the corpus ---------------------------------------------------------------------------


def test_chatpackcli_discord_export() -> None:
    sink = run(corpus_file("discord/chatpackcli__discord_export.json"))
    items = {i.locator: i for i in sink.items}
    assert len(sink.items) == 7
    assert {i.conversation for i in sink.items} == {"Test Server / #general"}
    first, last = sink.items[0], sink.items[-1]
    assert first.author is not None
    assert (first.author.name, first.author.handle) == ("Alice", "111")
    assert last.author is not None
    assert last.author.name == "Bob"
    assert (first.locator, first.text) == ("id 1001", "Hello! How are you?")
    assert utc(first) == "2024-01-15T10:30:00Z"
    assert first.events[0].confidence == Confidence.EXACT
    assert first.events[0].original == "2024-01-15T10:30:00+00:00"
    assert items["id 1005"].meta["reply_to"] == "1004"
    assert utc(items["id 1007"], "edited") == "2024-03-10T09:20:00Z"
    assert first.meta["channel_type"] == "GuildTextChat"
    assert first.meta["guild_id"] == "123456789"
    assert all(i.kind == ItemKind.MESSAGE and i.recipients == () for i in sink.items)
    assert sink.warnings == []


# -- synthetic exports --------------------------------------------------------------------


def test_dce_json_kinds_offsets_attachments_and_dm_recipients(tmp_path: Path) -> None:
    export = {
        "guild": {"id": "0", "name": "Direct Messages", "iconUrl": ""},
        "channel": {"id": "55", "type": "DirectTextChat", "category": "Private", "name": "ann"},
        "dateRange": {"after": None, "before": None},
        "messages": [
            {
                "id": "9001",
                "type": "Default",
                "timestamp": "2023-06-01T21:30:00.853+01:00",
                "timestampEdited": None,
                "isPinned": False,
                "content": "first line\nsecond line",
                "author": author("1", "ann", nickname="Annie"),
                "attachments": [
                    {
                        "id": "7",
                        "url": "https://cdn.discordapp.com/a/7/pic.png",
                        "fileName": "pic.png",
                    }
                ],
                "embeds": [],
                "reactions": [{"emoji": {"name": "👍"}, "count": 1}],
                "mentions": [],
            },
            {
                "id": "9002",
                "type": "Call",
                "timestamp": "2023-06-01T21:31:00+01:00",
                "callEndedTimestamp": "2023-06-01T21:41:00+01:00",
                "content": "Started a call.",
                "author": {"name": "ben", "discriminator": "4321", "isBot": False},
            },
            {
                "id": "9003",
                "type": "ChannelPinnedMessage",
                "timestamp": "2023-06-01T21:42:00+01:00",
                "content": "Pinned a message.",
                "author": author("1", "ann"),
                "reference": {"messageId": "9001", "channelId": "55"},
            },
            {
                "id": "9004",
                "type": "Reply",
                "timestamp": "2023-06-01T20:43:00Z",
                "content": "ok",
                "author": {"name": "ben", "discriminator": "4321", "isBot": False},
                "reference": {"messageId": "9001"},
            },
        ],
        "messageCount": 5,
    }
    path = tmp_path / "Direct Messages - Private - ann [55].json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    sink = run(path)
    text, call, pin, reply = sink.items
    assert {i.conversation for i in sink.items} == {"Direct Messages / ann"}
    assert text.text == "first line\nsecond line"
    assert text.author is not None
    assert (text.author.name, text.author.handle) == ("Annie", "1")
    assert utc(text) == "2023-06-01T20:30:00.853000Z"
    assert text.meta["attachments"][0]["fileName"] == "pic.png"
    assert text.meta["category"] == "Private"
    assert [r.handle for r in text.recipients] == ["ben#4321"]
    assert call.kind == ItemKind.CALL
    assert call.author is not None
    assert call.author.handle == "ben#4321"
    assert utc(call, "call_ended") == "2023-06-01T20:41:00Z"
    assert pin.kind == ItemKind.SYSTEM
    assert pin.recipients == ()
    assert pin.author is not None
    assert pin.author.name == "Annie"
    assert reply.kind == ItemKind.MESSAGE
    assert reply.meta["reply_to"] == "9001"
    assert utc(reply) == "2023-06-01T20:43:00Z"
    assert "messageCount says 5 but the file holds 4 messages" in sink.warnings
    assert any(
        w.startswith("1 attachment reference (e.g. https://cdn.discordapp.com/a/7/pic.png)")
        and "Discord's servers" in w
        for w in sink.warnings
    )


def test_dce_csv_export(tmp_path: Path) -> None:
    rows = (
        "AuthorID,Author,Date,Content,Attachments,Reactions\n"
        '"111","Alice","2024-01-15T10:30:00.123+00:00","Hello","",""\n'
        '"222","Bob#0002","2024-07-15T10:31:00+01:00","two\nlines",'
        '"https://cdn.discordapp.com/x/a.png,https://cdn.discordapp.com/x/b.png","👍 (2)"\n'
        '"111","Alice","2024-07-15T10:32:00+01:00","bye","",""\n'
    )
    path = tmp_path / "Test Server - Text Channels - general [987654321].csv"
    path.write_text(rows, encoding="utf-8")
    sink = run(path)
    assert len(sink.items) == 3
    first, second, last = sink.items
    assert {i.conversation for i in sink.items} == {"Test Server / #general"}
    assert [i.locator for i in sink.items] == ["line 2", "line 3", "line 5"]
    assert first.author is not None
    assert (first.author.name, first.author.handle) == ("Alice", "111")
    assert utc(first) == "2024-01-15T10:30:00.123000Z"
    assert second.text == "two\nlines"
    assert second.author is not None
    assert second.author.name == "Bob#0002"
    assert utc(second) == "2024-07-15T09:31:00Z"
    assert second.meta["attachments"][1] == "https://cdn.discordapp.com/x/b.png"
    assert second.meta["reactions"] == "👍 (2)"
    assert last.author is not None
    assert last.author.name == "Alice"
    assert any(w.startswith("2 attachment references") for w in sink.warnings)


def test_broken_records_warnings_are_capped(tmp_path: Path) -> None:
    export = {
        "guild": {"id": "1", "name": "G"},
        "channel": {"id": "2", "name": "c", "type": "GuildTextChat"},
        "messages": [*range(60), {"id": "3", "timestamp": "bad", "content": "x"}],
    }
    path = tmp_path / "g.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    sink = run(path)
    (item,) = sink.items
    assert (item.locator, item.author, item.events) == ("id 3", None, [])
    skipped = [w for w in sink.warnings if w.endswith("not a message object, skipped")]
    assert len(skipped) == 50
    assert "… and 10 more record warnings" in sink.warnings
    assert "1 message without a readable timestamp" in sink.warnings


def test_json_without_channel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"guild": {"id": "1"}, "channel": 3, "messages": []}))
    probe = Probe.of(path)
    assert DiscordImporter.score(probe) == 90
    with pytest.raises(WrongFormat):
        DiscordImporter().parse(probe, MemorySink(), ImportContext())
    other = tmp_path / "y.json"
    other.write_text(json.dumps({"messages": [{"author": "a"}]}))
    assert DiscordImporter.score(Probe.of(other)) == 0


# -- the real pipeline --------------------------------------------------------------------


def test_corpus_file_through_the_pipeline(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "c")
    try:
        (result,) = import_paths(
            case, [corpus_file("discord/chatpackcli__discord_export.json")]
        ).files
        assert (result.status, result.importer, result.items) == ("imported", "discord", 7)
        assert result.participants == 2
        assert result.first_us is not None
        assert iso_utc(result.first_us) == "2024-01-15T10:30:00Z"
    finally:
        case.close()


def test_truncated_export_fails_cleanly(tmp_path: Path) -> None:
    text = corpus_file("discord/chatpackcli__discord_export.json").read_text(encoding="utf-8")
    path = tmp_path / "Test Server - general [987654321].json"
    path.write_text(text[:-40], encoding="utf-8")
    case = Case.create(tmp_path / "c")
    try:
        (result,) = import_paths(case, [path]).files
        assert (result.status, result.importer) == ("failed", "discord")
        assert "truncated" in result.reason
        with case.read() as s:
            assert s.scalar(select(func.count()).select_from(Source)) == 0
            assert s.scalar(select(func.count()).select_from(Item)) == 0
    finally:
        case.close()
