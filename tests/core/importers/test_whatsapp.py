"""WhatsApp exports: every corpus file, the zip with media, and synthetic locale variants."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.case import Case
from app.errors import Cancelled, NeedsDecision, WrongFormat
from app.importers.base import ImportContext, ImportOptions, Probe
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.importers.whatsapp import WhatsAppImporter, _day_base
from app.ingest.job import import_paths
from app.jobs import CancelToken
from app.model import Confidence, ItemDraft, ItemKind
from app.store.schema import Item, Source
from app.timeline.clock import iso_utc, local_event, zone
from tests.conftest import corpus_file

CHATMINER = [
    ("whatsapp/chatminer__test_[mmddyy]_24hrs.txt", "mdy"),
    ("whatsapp/chatminer__test_ddmmyy_24hrs.txt", "dmy"),
    ("whatsapp/chatminer__test_mmddyy_24hrs.txt", "mdy"),
    ("whatsapp/chatminer__test_yyyymmdd_24hrs.txt", "ymd"),
]
PHOTO = "00000001-PHOTO-2019-06-20-16-00-15.jpg"
LOREM_2_LINES = "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit. Duis libero."


def run(path: Path, **options: str) -> MemorySink:
    sink = MemorySink()
    probe = Probe.of(path)
    assert WhatsAppImporter.score(probe) >= 50
    WhatsAppImporter().parse(probe, sink, ImportContext(ImportOptions(**options)))
    return sink


def write(tmp_path: Path, text: str, name: str = "chat.txt", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def make_zip(tmp_path: Path, name: str, members: dict[str, bytes]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def utc(item: ItemDraft) -> str:
    return iso_utc(item.events[0].ts_utc_us)


def who(item: ItemDraft) -> str:
    return item.author.label if item.author else ""


# -- the corpus -----------------------------------------------------------------------------


def test_chatminer_files_hold_the_same_messages_in_four_layouts() -> None:
    seen = []
    for rel, order in CHATMINER:
        sink = run(corpus_file(rel))
        assert sink.decisions["date_order"] == order, rel
        assert sink.decisions["date_order_from"] == "dates in file"
        assert sink.decisions["zone"] == "Europe/London"
        assert sink.warnings == []
        items = sink.items
        assert len(items) == 9
        assert [i.kind for i in items].count(ItemKind.SYSTEM) == 2
        assert who(items[0]) == "John Doe"
        assert who(items[-1]) == "John Doe"
        assert items[0].text == "Lorem ipsum dolor sit amet."
        assert (who(items[1]), items[1].text) == ("John Doe", ".")  # "John Doe:." with no space
        assert items[2].text == LOREM_2_LINES
        assert items[3].text == "Lorem ipsum : dolor sit amet."  # split on the FIRST ": "
        assert items[4].text == '+12 345 578 created group "Groupname"'
        assert items[4].author is None
        assert items[5].text == "You were added"
        assert who(items[6]) == "John Doe 🤓"
        assert who(items[7]) == "🤓"
        assert items[0].locator == "line 1"
        assert items[-1].locator == "line 10"
        assert {i.conversation for i in items} == {"Groupname"}
        # 2019-01-01 is GMT, 2020-06-10 is BST: one hour off in summer.
        assert utc(items[0]) == "2019-01-01T11:25:00Z"
        assert utc(items[3]) == "2020-06-10T14:55:00Z"
        assert utc(items[4]) == "2020-06-19T23:08:00Z"  # 00:08 BST on 20 June
        assert items[3].events[0].confidence == Confidence.ASSUMED_ZONE
        assert items[3].events[0].kind == "sent"
        seen.append([(i.kind, who(i), i.text, utc(i)) for i in items])
    assert all(s == seen[0] for s in seen)


def test_chatminer_original_timestamps_are_kept_as_written() -> None:
    bracketed = run(corpus_file(CHATMINER[0][0])).items
    android = run(corpus_file(CHATMINER[1][0])).items
    year_first = run(corpus_file(CHATMINER[3][0])).items
    assert bracketed[1].events[0].original == "01/20/19 11:23"
    assert android[1].events[0].original == "20/01/19, 11:23"
    assert year_first[1].events[0].original == "2019/01/20, 11:23"


def test_chatpackcli_android_four_digit_year() -> None:
    sink = run(corpus_file("whatsapp/chatpackcli__whatsapp_export.txt"))
    items = sink.items
    assert len(items) == 7
    assert all(i.kind == ItemKind.MESSAGE for i in items)
    assert (who(items[0]), items[0].text) == ("Alice", "Hello! How are you?")
    assert (who(items[-1]), items[-1].text) == ("Bob", "And this one is from March")
    assert sink.decisions["date_order"] == "dmy"
    assert utc(items[0]) == "2024-01-15T10:30:00Z"
    assert utc(items[-1]) == "2024-03-10T09:15:00Z"
    assert items[-1].conversation == "chatpackcli__whatsapp_export"


def test_pustur_chat_txt_ios_crlf_with_lf_poll_block() -> None:
    sink = run(corpus_file("whatsapp/pustur___chat.txt"))
    items = sink.items
    assert len(items) == 52
    system = [i for i in items if i.kind == ItemKind.SYSTEM]
    assert [i.text for i in system] == [
        "Messages to this group are now secured with end-to-end encryption.",
        "Loris created group “WhatsApp Chat Parser Example”",
        "Loris added Emily",
        "Loris added John",
    ]
    assert all(i.author is None for i in system)
    messages = [i for i in items if i.kind == ItemKind.MESSAGE]
    assert (who(messages[0]), messages[0].text) == ("John", "Hey 👋")
    assert who(messages[-1]) == "Loris"
    assert messages[-1].text == (
        "Links:\n- https://github.com/Pustur/whatsapp-chat-parser\n"
        "- https://github.com/Pustur/whatsapp-chat-parser-website"
    )
    poll = next(i for i in items if i.text.startswith("POLL:"))
    assert poll.text.splitlines()[:3] == [
        "POLL:",
        "When can we meet?",
        "OPTION: Thursday 15 evening (2 votes)",
    ]
    assert poll.text.count("\n") == 6
    assert "\r" not in "".join(i.text for i in items)
    assert poll.locator == "line 48"
    # A summer time: 15:58:47 BST is 14:58:47 UTC.
    assert items[0].events[0].original == "20.06.19, 15:58:47"
    assert utc(items[0]) == "2019-06-20T14:58:47Z"
    assert {i.conversation for i in items} == {"WhatsApp Chat Parser Example"}
    photo = next(i for i in items if i.meta.get("attachment") == PHOTO)
    assert photo.text == f"<attached: {PHOTO}>"
    assert photo.key == ""  # no zip, nothing to link
    assert [w for w in sink.warnings if "4 media file(s) referenced" in w]


def test_pustur_zip_hands_media_to_the_messages() -> None:
    sink = run(corpus_file("whatsapp/pustur__whatsapp-chat-parser-example.zip"))
    assert len(sink.items) == 52
    assert sink.warnings == []
    keyed = {i.key: i for i in sink.items if i.key}
    assert len(keyed) == 4
    names = [(name, key) for name, _data, key in sink.children]
    assert [n for n, _ in names] == [
        PHOTO,
        "00000002-VIDEO-2019-06-20-16-01-42.mp4",
        "00000003-AUDIO-2019-06-20-16-03-55.mp3",
        "00000004-whatsapp-chat-parser-example.zip",
    ]
    for name, key in names:
        assert keyed[key].meta["attachment"] == name
    photo = next(data for name, data, _ in sink.children if name == PHOTO)
    assert photo[:3] == b"\xff\xd8\xff"
    assert len(photo) == 146284
    assert not any("__MACOSX" in name or name.startswith("._") for name, _ in names)


def test_pustur_zip_through_the_pipeline(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(
            case, [corpus_file("whatsapp/pustur__whatsapp-chat-parser-example.zip")]
        )
        result = report.files[0]
        assert result.status == "imported", result.reason
        assert result.importer == "whatsapp"
        assert result.items == 52
        assert result.decisions["date_order"] == "dmy"
        with case.read() as s:
            top = s.execute(select(Source).where(Source.parent_id.is_(None))).scalar_one()
            children = {
                c.name: c
                for c in s.execute(select(Source).where(Source.parent_id == top.id)).scalars()
            }
            assert set(children) == {
                PHOTO,
                "00000002-VIDEO-2019-06-20-16-01-42.mp4",
                "00000003-AUDIO-2019-06-20-16-03-55.mp3",
                "00000004-whatsapp-chat-parser-example.zip",
            }
            photo_item = s.execute(
                select(Item).where(Item.source_id == children[PHOTO].id)
            ).scalar_one()
            message = s.get(Item, photo_item.parent_id)
            assert message is not None
            assert message.source_id == top.id
            assert message.text == f"<attached: {PHOTO}>"
            assert message.locator == "line 16"
            # The nested zip is an older export of the same chat, read by this importer too.
            nested = children["00000004-whatsapp-chat-parser-example.zip"]
            assert nested.importer == "whatsapp"
            nested_items = (
                s.execute(select(Item).where(Item.source_id == nested.id).order_by(Item.id))
                .scalars()
                .all()
            )
            # (Messages both exports hold may be matched to the outer ones by the store.)
            texts = [i.text for i in nested_items]
            assert "Sounds good man" in texts  # only in the older export
            carriers = {i.parent_id for i in nested_items}
            assert len(carriers) == 1
            carrier = s.get(Item, carriers.pop())
            assert carrier is not None
            assert carrier.locator == "line 32"
            # The 2019 export puts U+200E before the system text; the text keeps it.
            assert nested_items[0].kind == "system"
            assert nested_items[0].text.startswith("\u200eMessages to this group")
    finally:
        case.close()


def test_registry_chooses_whatsapp_for_every_corpus_file() -> None:
    registry = default_registry()
    for rel in [
        *(r for r, _ in CHATMINER),
        "whatsapp/chatpackcli__whatsapp_export.txt",
        "whatsapp/pustur___chat.txt",
        "whatsapp/pustur__whatsapp-chat-parser-example.zip",
    ]:
        assert registry.choose(Probe.of(corpus_file(rel))).NAME == "whatsapp", rel


# -- synthetic: locales and layouts ---------------------------------------------------------


def test_twelve_hour_clock_spanish_a_m_p_m_and_lenient_midnight(tmp_path: Path) -> None:
    text = (
        "01/30/2019, 08:49 p. m. - Jahn Doe: Lorem ipsum\n"
        "06/20/2020, 00:08 a. m. - +12 345 578 created group “Groupname”\n"
        "06/20/2020, 12:30 a. m. - Ana: medianoche y media\n"
        "06/20/2020, 12:05 p. m. - Ana: mediodía\n"
    )
    sink = run(write(tmp_path, text))
    a, b, c, d = sink.items
    assert sink.decisions["date_order"] == "mdy"
    assert utc(a) == "2019-01-30T20:49:00Z"
    assert a.events[0].original == "01/30/2019, 08:49 p. m."
    assert b.kind == ItemKind.SYSTEM
    assert utc(b) == "2020-06-19T23:08:00Z"
    assert utc(c) == "2020-06-19T23:30:00Z"
    assert utc(d) == "2020-06-20T11:05:00Z"
    assert a.conversation == "Groupname"


@pytest.mark.parametrize("space", ["\u202f", "\u00a0", " "])
def test_pm_after_any_space_kind(tmp_path: Path, space: str) -> None:
    text = f"1/20/24, 3:58{space}PM - Alice: hi\n1/20/24, 11:02{space}AM - Bob: morning\n"
    sink = run(write(tmp_path, text))
    first, second = sink.items
    assert utc(first) == "2024-01-20T15:58:00Z"
    assert first.events[0].original == f"1/20/24, 3:58{space}PM"
    assert utc(second) == "2024-01-20T11:02:00Z"
    assert sink.decisions["date_order"] == "mdy"


def test_ios_new_style_with_narrow_space_and_marks(tmp_path: Path) -> None:
    text = (
        "\u200e[13/01/2024, 3:58:09\u202fPM] Alice: \u200eimage omitted\n"
        "[13/01/2024, 3:59:10\u202fPM] Alice: "
        "\u200e<attached: 00000012-PHOTO-2024-01-13-15-59-10.jpg>\n"
        "[13/01/2024, 4:00:00\u202fPM] Family: \u200eAlice added Bob\n"
        "[13/01/2024, 4:01:00\u202fPM] \u202a+44 7700 900123\u202c: hello\n"
        "[13/01/2024, 4:02:00\u202fPM] Bob: \u200eMissed voice call\n"
    )
    sink = run(write(tmp_path, text))
    omitted, attached, added, phone, call = sink.items
    assert omitted.meta == {"media_omitted": True}
    assert omitted.text == "\u200eimage omitted"
    assert utc(omitted) == "2024-01-13T15:58:09Z"
    assert attached.meta["attachment"] == "00000012-PHOTO-2024-01-13-15-59-10.jpg"
    assert added.kind == ItemKind.SYSTEM
    assert added.author is None
    assert added.text == "Family: \u200eAlice added Bob"
    assert phone.author is not None
    assert phone.author.phone == "+447700900123"
    assert phone.text == "hello"
    assert call.kind == ItemKind.CALL
    assert call.meta == {"missed_call": "voice"}


def test_bom_and_four_digit_year_android_en_gb(tmp_path: Path) -> None:
    text = "\ufeff20/06/2024, 15:58 - Alice: hello\r\n21/06/2024, 09:00 - You: morning\r\n"
    sink = run(write(tmp_path, text, "WhatsApp Chat with Alice.txt"))
    first, second = sink.items
    assert sink.warnings == []
    assert (who(first), first.text) == ("Alice", "hello")
    assert utc(first) == "2024-06-20T14:58:00Z"
    assert who(second) == "You"
    assert second.author is not None
    assert second.author.phone == ""
    assert first.conversation == "Alice"
    assert sink.decisions["encoding"] == "utf-8-sig"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[20-06-19 15:58:47] Alice: dashes", "2019-06-20T14:58:47Z"),
        ("20.06.2019, 15:58 - Alice: German dots", "2019-06-20T14:58:00Z"),
        ("20.06.19 15:58 - Alice: no comma", "2019-06-20T14:58:00Z"),
        ("[2019/06/20 15:58:47] Alice: year first", "2019-06-20T14:58:47Z"),
        ("20/06/2019, 3:58:47 PM: Alice: old iOS", "2019-06-20T14:58:47Z"),
    ],
)
def test_other_header_layouts(tmp_path: Path, line: str, expected: str) -> None:
    sink = run(write(tmp_path, line + "\n"))
    (item,) = sink.items
    assert who(item) == "Alice"
    assert utc(item) == expected


def test_multiline_message_with_mixed_line_ends_and_empty_lines(tmp_path: Path) -> None:
    text = "13/01/2024, 10:00 - Alice: one\r\ntwo\n\nfour\r\n13/01/2024, 10:01 - Bob: ok"
    first, second = run(write(tmp_path, text)).items
    assert first.text == "one\ntwo\n\nfour"
    assert second.text == "ok"
    assert second.locator == "line 5"


# -- synthetic: message kinds ---------------------------------------------------------------


def test_deleted_and_edited_messages(tmp_path: Path) -> None:
    text = (
        "13/01/2024, 10:00 - Alice: This message was deleted\n"
        "13/01/2024, 10:01 - You: You deleted this message\n"
        "13/01/2024, 10:02 - Alice: see you at 8 <This message was edited>\n"
        "13/01/2024, 10:03 - Alice: first line\nsecond line <This message was edited>\n"
        "13/01/2024, 10:04 - Alice: I deleted the photo\n"
        "13/01/2024, 10:05 - Bob: <Media omitted>\n"
    )
    a, b, c, d, e, f = run(write(tmp_path, text)).items
    assert a.meta == {"deleted": True}
    assert b.meta == {"deleted": True}
    assert c.meta == {"edited": True}
    assert c.text == "see you at 8 <This message was edited>"
    assert d.meta == {"edited": True}
    assert e.meta == {}
    assert f.meta == {"media_omitted": True}


def test_system_lines_even_with_colons(tmp_path: Path) -> None:
    text = (
        "13/01/2024, 10:00 - Messages and calls are end-to-end encrypted. No one outside of "
        "this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n"
        "13/01/2024, 10:01 - Alice created group “Trip”\n"
        "13/01/2024, 10:02 - Alice changed the subject from “Trip” to “Trip: Paris”\n"
        "13/01/2024, 10:03 - Bob changed their phone number to a new number. Tap to message.\n"
        "13/01/2024, 10:04 - Your security code with Bob changed. Tap to learn more.\n"
        "13/01/2024, 10:05 - Alice removed Carol\n"
        "13/01/2024, 10:06 - Carol left\n"
        "13/01/2024, 10:07 - Bob: Real message: with a colon\n"
    )
    items = run(write(tmp_path, text)).items
    assert [i.kind for i in items] == [ItemKind.SYSTEM] * 7 + [ItemKind.MESSAGE]
    assert all(i.author is None for i in items[:7])
    assert items[2].text == "Alice changed the subject from “Trip” to “Trip: Paris”"
    assert items[7].text == "Real message: with a colon"
    assert {i.conversation for i in items} == {"Trip"}


def test_lines_before_the_first_header_and_broken_headers_are_kept(tmp_path: Path) -> None:
    text = (
        "Exported by someone\n"
        "13/01/2024, 10:00 - Alice: hi\n"
        "31/02/2024, 10:01 - Alice: no such day\n"
        "13/01/2024, 25:01 - Alice: no such hour\n"
        "13/01/2024 at 10:02 - Alice: unknown layout\n"
        "14/01/2024, 10:03 - Bob: bye\n"
    )
    sink = run(write(tmp_path, text))
    leftover, hi, bye = sink.items
    assert leftover.text == "Exported by someone"
    assert leftover.kind == ItemKind.SYSTEM
    assert leftover.events == []
    assert leftover.meta == {"unparsed": True}
    assert hi.text == (
        "hi\n31/02/2024, 10:01 - Alice: no such day\n"
        "13/01/2024, 25:01 - Alice: no such hour\n"
        "13/01/2024 at 10:02 - Alice: unknown layout"
    )
    assert bye.locator == "line 6"
    assert sink.warnings == [
        "line 1: not a message header, kept as an undated item",
        "line 3: 31/02/2024 is not a valid date as dmy, kept with the previous message",
        "line 4: 13/01/2024, 25:01 is not a valid time, kept with the previous message",
        "line 5: starts with a date but is not a message header, kept with the previous message",
    ]


def test_not_whatsapp_is_refused_before_output(tmp_path: Path) -> None:
    path = write(tmp_path, "Dear diary,\nnothing happened today.\n")
    assert WhatsAppImporter.score(Probe.of(path)) == 0
    sink = MemorySink()
    with pytest.raises(WrongFormat):
        WhatsAppImporter().parse(Probe.of(path), sink, ImportContext())
    assert sink.items == []


# -- synthetic: dates and zones -------------------------------------------------------------

AMBIGUOUS = "01/06/20, 10:00 - Alice: hi\n02/06/20, 11:00 - Bob: hello\n"


def test_ambiguous_dates_need_a_decision(tmp_path: Path) -> None:
    path = write(tmp_path, AMBIGUOUS, "ambiguous.txt")
    sink = MemorySink()
    with pytest.raises(NeedsDecision) as info:
        WhatsAppImporter().parse(Probe.of(path), sink, ImportContext())
    assert info.value.option == "date_order"
    assert info.value.choices == ("dmy", "mdy")
    assert "ambiguous.txt" in str(info.value)
    assert "--date-order dmy" in str(info.value)
    assert "--date-order mdy" in str(info.value)
    assert sink.items == []
    assert sink.decisions == {}

    dmy = run(path, date_order="dmy")
    assert dmy.decisions["date_order"] == "dmy"
    assert dmy.decisions["date_order_from"] == "user"
    assert utc(dmy.items[0]) == "2020-06-01T09:00:00Z"  # 1 June, BST
    mdy = run(path, date_order="mdy")
    assert utc(mdy.items[0]) == "2020-01-06T10:00:00Z"  # 6 January, GMT


def test_ambiguous_file_through_the_pipeline_fails_with_the_reason(tmp_path: Path) -> None:
    path = write(tmp_path, AMBIGUOUS, "ambiguous.txt")
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(case, [path])
        assert report.files[0].status == "failed"
        assert "--date-order" in report.files[0].reason
        report = import_paths(case, [path], options=ImportOptions(date_order="dmy"))
        assert report.files[0].status == "imported"
        assert report.files[0].importer == "whatsapp"
        assert report.files[0].decisions["date_order_from"] == "user"
    finally:
        case.close()


def test_evidence_in_the_file_beats_a_wrong_option(tmp_path: Path) -> None:
    text = "01/06/20, 10:00 - Alice: hi\n25/06/20, 11:00 - Bob: hello\n"
    sink = run(write(tmp_path, text), date_order="mdy")
    assert sink.decisions["date_order"] == "dmy"
    assert sink.decisions["date_order_from"] == "dates in file"
    assert sink.warnings == [
        "date order mdy was given, but the dates in the file are dmy",
    ]


def test_dst_ambiguous_and_nonexistent_times_are_flagged(tmp_path: Path) -> None:
    text = (
        "27/10/2024, 01:30 - Alice: which one?\n"
        "27/10/2024, 03:30 - Alice: after the change\n"
        "31/03/2024, 01:30 - Bob: never happened\n"
        "26/10/2024, 01:30 - Bob: an ordinary night\n"
    )
    back, after, forward, ordinary = run(write(tmp_path, text)).items
    assert back.events[0].flags == "dst-ambiguous"
    assert utc(back) == "2024-10-27T00:30:00Z"  # the first 01:30, still BST
    assert after.events[0].flags == ""
    assert utc(after) == "2024-10-27T03:30:00Z"
    assert forward.events[0].flags == "dst-nonexistent"
    assert ordinary.events[0].flags == ""
    assert utc(ordinary) == "2024-10-26T00:30:00Z"


def test_day_cache_agrees_with_local_event() -> None:
    for name in ("Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"):
        tz = zone(name)
        day = datetime(2024, 1, 1)
        while day.year == 2024:
            base = _day_base(day.year, day.month, day.day, tz)
            for minutes in (0, 61, 150, 719, 1439) if base is not None else ():
                moment = day + timedelta(minutes=minutes, seconds=7)
                expected = local_event(moment, name, "sent", "")
                assert expected.flags == ""
                assert base + (minutes * 60 + 7) * 1_000_000 == expected.ts_utc_us, (name, day)
            day += timedelta(days=1)


def test_zone_option_is_used_and_recorded(tmp_path: Path) -> None:
    sink = run(write(tmp_path, "13/01/2024, 10:00 - Alice: hi\n"), zone="America/New_York")
    assert sink.decisions["zone"] == "America/New_York"
    assert utc(sink.items[0]) == "2024-01-13T15:00:00Z"
    assert sink.items[0].events[0].zone == "America/New_York"


# -- synthetic: zips ------------------------------------------------------------------------


def test_android_zip_links_media_and_warns_about_missing_and_spare(tmp_path: Path) -> None:
    chat = (
        "13/01/2024, 10:00 - Bob: IMG-20240113-WA0001.jpg (file attached)\n"
        "look at this\n"
        "13/01/2024, 10:01 - Bob: VID-20240113-WA0002.mp4 (file attached)\n"
        "13/01/2024, 10:02 - Alice: nice\n"
    )
    path = make_zip(
        tmp_path,
        "WhatsApp Chat with Bob.zip",
        {
            "WhatsApp Chat with Bob.txt": chat.encode(),
            "IMG-20240113-WA0001.jpg": b"\xff\xd8\xff fake jpeg",
            "notes.pdf": b"%PDF-1.4 spare",
            "__MACOSX/._IMG-20240113-WA0001.jpg": b"resource fork",
            "._WhatsApp Chat with Bob.txt": b"resource fork",
        },
    )
    assert WhatsAppImporter.score(Probe.of(path)) == 90
    sink = run(path)
    photo, video, nice = sink.items
    assert photo.text == "IMG-20240113-WA0001.jpg (file attached)\nlook at this"
    assert photo.meta["attachment"] == "IMG-20240113-WA0001.jpg"
    assert photo.key
    assert video.meta == {"attachment": "VID-20240113-WA0002.mp4"}
    assert video.key == ""
    assert nice.key == ""
    assert photo.conversation == "Bob"
    assert sink.children == [
        ("IMG-20240113-WA0001.jpg", b"\xff\xd8\xff fake jpeg", photo.key),
        ("notes.pdf", b"%PDF-1.4 spare", ""),
    ]
    assert sink.warnings == [
        "media referenced but missing: VID-20240113-WA0002.mp4 (line 3)",
        "1 zip member(s) not referenced by any message, "
        "imported without a parent message: notes.pdf",
    ]


def test_zip_with_any_single_text_that_parses(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path,
        "export.zip",
        {"chat export.txt": b"[13/01/2024, 10:00:00] Alice: hi\n", "a.jpg": b"\xff\xd8\xff"},
    )
    assert WhatsAppImporter.score(Probe.of(path)) == 75
    sink = run(path)
    assert [i.text for i in sink.items] == ["hi"]
    assert sink.items[0].conversation == "export"


def test_zip_without_a_chat_is_not_whatsapp(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "hello")
        zf.writestr("b.txt", "[13/01/2024, 10:00:00] Alice: hi\n")
    path = tmp_path / "other.zip"
    path.write_bytes(buf.getvalue())
    assert WhatsAppImporter.score(Probe.of(path)) == 0


# -- size -----------------------------------------------------------------------------------


def big_chat(messages: int) -> str:
    start = datetime(2024, 3, 13, 8, 0)
    lines = []
    for n in range(messages):
        t = start + timedelta(seconds=37 * n)
        name = ("Alice", "Bob", "+44 7700 900123")[n % 3]
        body = f"message {n} 🙂" + ("\nsecond line" if n % 10 == 0 else "")
        lines.append(f"[{t:%d/%m/%Y, %H:%M:%S}] {name}: {body}")
    return "\r\n".join(lines) + "\r\n"


def test_many_messages_are_read_quickly_and_exactly(tmp_path: Path) -> None:
    path = write(tmp_path, big_chat(20_000))
    started = time.perf_counter()
    sink = run(path)
    elapsed = time.perf_counter() - started
    assert len(sink.items) == 20_000
    assert sink.warnings == []
    assert sink.items[10].text == "message 10 🙂\nsecond line"
    assert sink.items[-1].locator == "line 22000"
    assert sink.items[2].author is not None
    assert sink.items[2].author.phone == "+447700900123"
    # 13/03 .. 21/03: GMT; the clocks go forward on 31 March, after the last message.
    assert utc(sink.items[-1]) == "2024-03-21T21:32:43Z"
    assert elapsed < 10  # about 0.2 s here; a regex gone quadratic would blow this


def test_cancel_is_checked_while_reading(tmp_path: Path) -> None:
    path = write(tmp_path, big_chat(3_000))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        WhatsAppImporter().parse(Probe.of(path), MemorySink(), ImportContext(cancel=token))
