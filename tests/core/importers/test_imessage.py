"""macOS Messages chat.db: the corpus database, the typedstream text extractor, older schemas."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select

from app.case import Case
from app.errors import WrongFormat
from app.importers.base import ImportContext, Probe
from app.importers.imessage import IMessageImporter, apple_time, attributed_body_text
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.ingest.job import import_paths
from app.model import Confidence, ItemKind
from app.store.schema import Item
from app.timeline.clock import iso_utc
from tests.conftest import corpus_file

CHAT_DB = "imessage/imessagedb__chat.db"


def run(path: Path) -> MemorySink:
    probe = Probe.of(path)
    assert IMessageImporter.score(probe) >= 50
    assert default_registry().choose(probe) is IMessageImporter
    sink = MemorySink()
    IMessageImporter().parse(probe, sink, ImportContext())
    return sink


def typedstream(text: str) -> bytes:
    """An attributedBody blob shaped like the ones macOS writes, around `text`."""
    raw = text.encode("utf-8")
    if len(raw) < 0x80:
        length = bytes([len(raw)])
    elif len(raw) < 0x8000:
        length = b"\x81" + len(raw).to_bytes(2, "little")
    else:
        length = b"\x82" + len(raw).to_bytes(4, "little")
    return (
        b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00"
        b"\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+"
        + length
        + raw
        + b"\x86\x84\x02iI\x01\x01\x92\x84\x84\x84\x0cNSDictionary\x00\x94\x84\x01i\x00\x86\x86"
    )


# -- the corpus ---------------------------------------------------------------------------


def test_corpus_chat_db() -> None:
    sink = run(corpus_file(CHAT_DB))
    assert len(sink.items) == 2
    first, last = sink.items
    assert [i.locator for i in sink.items] == ["ROWID 1602652", "ROWID 1602655"]
    assert all(i.kind == ItemKind.MESSAGE for i in sink.items)
    # Both rows were sent from this Mac.
    assert first.author is not None
    assert first.author.name == "Me"
    assert last.author is not None
    assert last.author.name == "Me"
    # text is NULL in row 1602652: recovered from attributedBody.
    assert first.text == "iMessagedb test: Let’s set something up "
    assert first.meta["text_source"] == "attributedBody"
    assert last.text == "\ufffc\ufffcIt’s a lovely day!"
    assert last.meta["text_source"] == "text"
    # Apple-epoch nanoseconds, converted to UTC.
    assert iso_utc(first.events[0].ts_utc_us) == "2023-05-17T12:22:43.580999Z"
    assert first.events[0].original == "706018963580999808"
    assert first.events[0].confidence == Confidence.EXACT
    assert iso_utc(last.events[0].ts_utc_us) == "2023-05-17T12:42:55.298411Z"
    # Chats have no display name: the chat identifier names the conversation.
    assert first.conversation == "chat78806267822556021"
    assert first.meta["chat_style"] == "group"
    assert {(r.handle, r.phone) for r in first.recipients} == {
        ("scripting@schore.org", ""),
        ("", "+17324475860"),
    }
    assert last.conversation == "scripting@schore.org"
    assert [r.handle for r in last.recipients] == ["scripting@schore.org"]
    names = [a["transfer_name"] for a in last.meta["attachments"]]
    assert names == ["IMG_4911.heic", "IMG_4868.heic"]
    assert last.meta["attachments"][0]["mime_type"] == "image/heic"
    assert last.meta["attachments"][0]["created"] == "2023-05-17T12:42:55Z"
    assert last.meta["destination_caller_id"] == "+17324475860"
    assert sink.warnings == [
        "2 attachment(s) are listed but their files are not in the database (they live "
        "under ~/Library/Messages/Attachments): not imported"
    ]
    assert sink.decisions == {"messages": "2", "text_from_attributed_body": "1"}
    assert sink.children == []


def test_corpus_attributed_body_blob_directly() -> None:
    uri = corpus_file(CHAT_DB).resolve().as_uri() + "?mode=ro&immutable=1"
    with closing(sqlite3.connect(uri, uri=True)) as con:
        rows = con.execute("SELECT text, attributedBody FROM message ORDER BY ROWID").fetchall()
    assert rows[0][0] is None
    assert attributed_body_text(rows[0][1]) == "iMessagedb test: Let’s set something up "
    assert attributed_body_text(rows[1][1]) == rows[1][0]


# -- the extractor and the dates ----------------------------------------------------------


@pytest.mark.parametrize("size", [5, 127, 128, 300, 40_000])
def test_typedstream_lengths(size: int) -> None:
    text = ("é" * size)[: size // 2] + "x" * (size - size // 2)
    assert attributed_body_text(typedstream(text)) == text


def test_typedstream_garbage() -> None:
    assert attributed_body_text(None) is None
    assert attributed_body_text(b"") is None
    assert attributed_body_text(b"no string here") is None
    # A length running past the end of the blob.
    blob = typedstream("hello world")
    assert attributed_body_text(blob[: blob.index(b"hello") + 3]) is None


def test_apple_time_units() -> None:
    seconds = apple_time(706020175)
    nanos = apple_time(706020175_000_000_000)
    assert seconds == nanos
    assert seconds is not None
    assert seconds.isoformat() == "2023-05-17T12:42:55+00:00"
    assert apple_time(0) is None
    assert apple_time(None) is None


# -- an older, seconds-based database built here -------------------------------------------


def older_db(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as con:
        con.executescript(
            """
            CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT, service TEXT);
            CREATE TABLE chat (ROWID INTEGER PRIMARY KEY, chat_identifier TEXT,
                               display_name TEXT, style INTEGER);
            CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid TEXT, text TEXT,
                                  attributedBody BLOB, handle_id INTEGER, date INTEGER,
                                  date_read INTEGER, is_from_me INTEGER, item_type INTEGER,
                                  group_action_type INTEGER, other_handle INTEGER,
                                  group_title TEXT, is_audio_message INTEGER,
                                  associated_message_type INTEGER);
            CREATE TABLE chat_message_join (chat_id INTEGER, message_id INTEGER);
            CREATE TABLE chat_handle_join (chat_id INTEGER, handle_id INTEGER);
            INSERT INTO handle VALUES (1, '+447700900123', 'SMS'),
                                      (2, 'Bob@Example.com', 'iMessage');
            INSERT INTO chat VALUES (7, 'chat123', 'Family', 43);
            INSERT INTO chat_handle_join VALUES (7, 1), (7, 2);
            """
        )
        on_my_way = typedstream("On my way " + "x" * 200)
        dinner = "Dinner at 7?\nBring wine"
        rows = [
            (1, "g1", dinner, None, 1, 400000000, 400000100, 0, 0, 0, 0, None, 0, 0),
            (2, "g2", None, on_my_way, 0, 400000060, 0, 1, 0, 0, 0, None, 1, 0),
            (3, "g3", None, None, 1, 400000120, 0, 0, 1, 0, 2, None, 0, 0),
            (4, "g4", "Loved “Dinner at 7?”", None, 2, 400000180, 0, 0, 0, 0, 0, None, 0, 2000),
            (5, "g5", None, None, 2, 400000240, 0, 0, 2, 0, 0, "Dinner club", 0, 0),
        ]  # fmt: skip
        con.executemany("INSERT INTO message VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        con.executemany("INSERT INTO chat_message_join VALUES (7, ?)", [(r[0],) for r in rows])
        con.commit()
    return path


def test_older_database_in_seconds(tmp_path: Path) -> None:
    sink = run(older_db(tmp_path / "chat.db"))
    assert len(sink.items) == 5
    first, audio, added, reaction, renamed = sink.items
    assert first.text == "Dinner at 7?\nBring wine"
    assert first.author is not None
    assert first.author.phone == "+447700900123"
    assert first.conversation == "Family"
    assert [r.name or r.handle for r in first.recipients] == ["Me", "bob@example.com"]
    # 400000000 s after 2001-01-01 UTC.
    assert iso_utc(first.events[0].ts_utc_us) == "2013-09-04T15:06:40Z"
    assert first.meta["date_read"] == "2013-09-04T15:08:20Z"
    assert audio.author is not None
    assert audio.author.name == "Me"
    assert audio.text.startswith("On my way xxx")
    assert len(audio.text) == 210
    assert audio.meta["is_audio_message"] == 1
    assert added.kind == ItemKind.SYSTEM
    assert added.text == "[added Bob@Example.com]"
    assert added.meta["text_source"] == "generated"
    assert reaction.meta["reaction"] == "loved"
    assert renamed.meta["action"] == "named the conversation 'Dinner club'"
    assert sink.warnings == []
    assert sink.decisions["text_from_attributed_body"] == "1"


def test_other_sqlite_is_not_claimed(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as con:
        con.execute("CREATE TABLE sms (id INTEGER)")
        con.commit()
    probe = Probe.of(path)
    assert IMessageImporter.score(probe) == 0
    with pytest.raises(WrongFormat):
        IMessageImporter().parse(probe, MemorySink(), ImportContext())


# -- the real pipeline --------------------------------------------------------------------


def test_pipeline_chat_db(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(case, [corpus_file(CHAT_DB)])
        (result,) = report.files
        assert (result.status, result.importer, result.items) == ("imported", "imessage", 2)
        assert result.first_us is not None
        assert iso_utc(result.first_us) == "2023-05-17T12:22:43.580999Z"
        with case.read() as s:
            texts = s.execute(
                select(Item.text).where(Item.source_id == result.source_id).order_by(Item.id)
            ).scalars()
            assert texts.first() == "iMessagedb test: Let’s set something up "
    finally:
        case.close()
