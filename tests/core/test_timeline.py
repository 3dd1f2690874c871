"""The timeline core: filters in SQL, rows, paging, jump-to-date, activity and the CLI.

One case is built for the whole module from generated files of three platforms (two
WhatsApp chats, two emails, a text note), with one person linked across them. Most tests
compare a filter's result with the same rule applied in Python to every row.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.case import Case
from app.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from app.ingest.job import import_paths
from app.model import TimelineRow
from app.ops import LinkParticipants
from app.people import participants
from app.store.schema import Event
from app.timeline import activity, query
from app.timeline.activity import activity_per_day, heat_map, offsets
from app.timeline.cache import FILE_NAME
from app.timeline.query import EVERYTHING, TimelineFilter

LONDON = "Europe/London"
LATE_NIGHT = 300
US = 1_000_000


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()) * US


def daniel_chat() -> str:
    lines = [
        "14/03/2024, 21:14 - Daniel: I know where you live now",
        "14/03/2024, 21:20 - Sarah: Please leave me alone",
        # The clocks went forward in London at 01:00 GMT on 31 March 2024.
        "30/03/2024, 23:30 - Daniel: Saturday night",
        "31/03/2024, 00:30 - Daniel: Still GMT",
        "31/03/2024, 01:30 - Sarah: In the gap",  # never happened on a London clock
        "31/03/2024, 03:00 - Daniel: Now BST",
        "31/03/2024, 23:30 - Sarah: Sunday late",
        "01/04/2024, 00:30 - Daniel: Monday early",  # 23:30 UTC on 31 March
    ]
    first = date(2024, 4, 2)
    for k in range(LATE_NIGHT):  # ten a night between 01:00 and 03:33, London summer time
        day = first + timedelta(days=k // 10)
        minute = 60 + (k % 10) * 17
        lines.append(
            f"{day:%d/%m/%Y}, {minute // 60:02d}:{minute % 60:02d} - Daniel: where are you {k}"
        )
    return "\n".join(lines) + "\n"


def email(headers: dict[str, str], body: str) -> bytes:
    m = EmailMessage()
    for name, value in headers.items():
        m[name] = value
    m.set_content(body)
    return bytes(m)


@dataclass
class Built:
    """The module's case, the ids worth naming, and every row for the oracle."""

    case: Case
    folder: Path
    evidence: Path
    who: dict[str, int]  # participant ids: "daniel", "sarah", "mum", "dan_phone", ...
    person: int
    all_rows: list[TimelineRow]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("timeline")
    ev = root / "evidence"
    ev.mkdir()
    (ev / "WhatsApp Chat with Daniel.txt").write_text(daniel_chat(), encoding="utf-8")
    (ev / "WhatsApp Chat with Family.txt").write_text(
        "15/03/2024, 08:00 - Mum: Are you ok love?\n"
        "15/03/2024, 08:05 - +44 7700 900456: Tell her to answer the phone\n"
        "15/03/2024, 08:06 - Priya: Who is this?\n",
        encoding="utf-8",
    )
    (ev / "tonight.eml").write_bytes(
        email(
            {
                "From": "Daniel Hughes <daniel@example.com>",
                "To": "Sarah <sarah@example.org>",
                "Cc": "Priya <priya@example.org>",
                "Subject": "Tonight",
                "Date": "Fri, 15 Mar 2024 09:00:00 +0000",
                "Message-ID": "<a1@example.com>",
            },
            "Answer the phone tonight or I will come round.",
        )
    )
    (ev / "reply.eml").write_bytes(
        email(
            {
                "From": "Sarah <sarah@example.org>",
                "To": "Daniel Hughes <daniel@example.com>",
                "Subject": "Re: Tonight",
                "Date": "Fri, 15 Mar 2024 10:30:00 +0000",
                "Message-ID": "<a2@example.org>",
                "In-Reply-To": "<a1@example.com>",
                "References": "<a1@example.com>",
            },
            "Do not come here.",
        )
    )
    (ev / "notes.txt").write_text("Police reference 4471 logged", encoding="utf-8")
    os.utime(ev / "notes.txt", (1_710_500_000, 1_710_500_000))  # 2024-03-15 10:53:20Z

    case = Case.create(root / "case")
    report = import_paths(case, sorted(ev.iterdir()))
    assert [f.status for f in report.files] == ["imported"] * 5, report.files
    people = participants(case)

    def pid(source_prefix: str, name: str) -> int:
        (p,) = [p for p in people if p.source_name.startswith(source_prefix) and p.name == name]
        return p.id

    who = {
        "daniel": pid("WhatsApp Chat with Daniel", "Daniel"),
        "sarah": pid("WhatsApp Chat with Daniel", "Sarah"),
        "mum": pid("WhatsApp Chat with Family", "Mum"),
        "dan_phone": pid("WhatsApp Chat with Family", "+44 7700 900456"),
        "dan_mail": pid("tonight", "Daniel Hughes"),
        "dan_mail_reply": pid("reply", "Daniel Hughes"),
    }
    link = LinkParticipants(
        (who["daniel"], who["dan_phone"], who["dan_mail"], who["dan_mail_reply"]),
        person_name="Daniel Hughes",
    )
    link.apply(case)
    assert link._created is not None
    # Machine-read text for the note, as OCR would store it (and its search index entry).
    with case.write() as s:
        (item_id,) = s.execute(text("SELECT id FROM items WHERE kind = 'text'")).scalars()
        s.execute(
            text(
                "INSERT INTO items_fts(items_fts, rowid, text, ocr_text) "
                "SELECT 'delete', id, text, ocr_text FROM items WHERE id = :i"
            ),
            {"i": item_id},
        )
        s.execute(
            text("UPDATE items SET ocr_text = 'CRIME NUMBER 4471' WHERE id = :i"), {"i": item_id}
        )
        s.execute(
            text(
                "INSERT INTO items_fts(rowid, text, ocr_text) "
                "SELECT id, text, ocr_text FROM items WHERE id = :i"
            ),
            {"i": item_id},
        )
        case.audit(s, "test.ocr", {"item": item_id})
    with case.read() as s:
        ordered = list(s.execute(select(Event.id).order_by(Event.ts_utc_us, Event.id)).scalars())
    all_rows = case.timeline_rows(ordered)
    yield Built(case, case.folder, ev, who, link._created, all_rows)
    case.close()


def ids(b: Built, f: TimelineFilter) -> list[int]:
    with b.case.read() as s:
        return list(query.event_ids(s, f))


def expected(b: Built, rule: Callable[[TimelineRow], bool]) -> list[int]:
    return [r.event_id for r in b.all_rows if rule(r)]


def texts(b: Built, f: TimelineFilter) -> list[str]:
    return [r.text.strip() for r in b.case.timeline_rows(ids(b, f))]


# -- the whole case ---------------------------------------------------------------------


def test_everything_in_time_order(built: Built) -> None:
    rows = built.all_rows
    assert len(rows) == 8 + LATE_NIGHT + 3 + 2 + 1
    assert ids(built, EVERYTHING) == [r.event_id for r in rows]
    keys = [(r.ts_utc_us, r.event_id) for r in rows]
    assert keys == sorted(keys)
    assert built.case.timeline_count() == len(rows)


def test_rows_carry_what_the_details_pane_needs(built: Built) -> None:
    by_text = {r.text.strip(): r for r in built.all_rows}
    mail = by_text["Answer the phone tonight or I will come round."]
    assert mail.platform == mail.importer == "email"
    assert mail.recipients == "Sarah, Priya"
    assert mail.author == "Daniel Hughes"
    assert mail.person == "Daniel Hughes"
    assert mail.conversation == "<a1@example.com>"
    assert (mail.zone, mail.confidence, mail.flags) == ("UTC", "exact", "")
    assert mail.mime == "message/rfc822"
    sources = {s.id: s for s in built.case.sources()}
    assert mail.source_sha256 == sources[mail.source_id].sha256
    chat = by_text["I know where you live now"]
    assert (chat.locator, chat.conversation, chat.platform) == ("line 1", "Daniel", "whatsapp")
    assert (chat.zone, chat.confidence) == (LONDON, "assumed-zone")
    assert chat.author_id == built.who["daniel"]
    assert by_text["In the gap"].flags == "dst-nonexistent"
    note = by_text["Police reference 4471 logged"]
    assert note.has_ocr
    assert not chat.has_ocr
    assert note.author == ""
    assert note.author_id is None
    # Rows come back in the order asked, and unknown ids are left out.
    some = [r.event_id for r in built.all_rows[:5]]
    got = built.case.timeline_rows([*reversed(some), 999_999])
    assert [r.event_id for r in got] == list(reversed(some))


# -- every filter -------------------------------------------------------------------------


def test_source_and_platform(built: Built) -> None:
    family = next(s.id for s in built.case.sources() if "Family" in s.name)
    assert texts(built, TimelineFilter(source_ids=(family,))) == [
        "Are you ok love?",
        "Tell her to answer the phone",
        "Who is this?",
    ]
    assert ids(built, TimelineFilter(platforms=("email",))) == expected(
        built, lambda r: r.importer == "email"
    )
    assert len(ids(built, TimelineFilter(platforms=("email",)))) == 2
    assert len(ids(built, TimelineFilter(platforms=("whatsapp", "text")))) == 8 + LATE_NIGHT + 4


def test_participants_and_persons(built: Built) -> None:
    w = built.who
    assert texts(built, TimelineFilter(participant_ids=(w["mum"],))) == ["Are you ok love?"]
    person = ids(built, TimelineFilter(person_ids=(built.person,)))
    assert person == expected(built, lambda r: r.person == "Daniel Hughes")
    # Daniel's chat messages, his other number and his email: every linked account.
    assert len(person) == 5 + LATE_NIGHT + 1 + 1
    both = ids(built, TimelineFilter(participant_ids=(w["mum"],), person_ids=(built.person,)))
    assert both == expected(built, lambda r: r.person == "Daniel Hughes" or r.author == "Mum")


def test_participant_text(built: Built) -> None:
    # The person's name counts: "+44 7700 900456" is Daniel Hughes's number.
    assert ids(built, TimelineFilter(participant="hughes")) == expected(
        built, lambda r: r.person == "Daniel Hughes"
    )
    assert texts(built, TimelineFilter(participant="7700 9")) == ["Tell her to answer the phone"]
    assert texts(built, TimelineFilter(participant="100%_")) == []  # LIKE syntax is text


def test_kinds_conversations_and_ocr(built: Built) -> None:
    assert len(ids(built, TimelineFilter(kinds=("email",)))) == 2
    assert texts(built, TimelineFilter(kinds=("text",))) == ["Police reference 4471 logged"]
    assert ids(built, TimelineFilter(conversations=("Family",))) == expected(
        built, lambda r: r.conversation == "Family"
    )
    thread = texts(built, TimelineFilter(conversations=("<a1@example.com>",)))
    assert thread == ["Answer the phone tonight or I will come round.", "Do not come here."]
    assert texts(built, TimelineFilter(has_ocr=True)) == ["Police reference 4471 logged"]
    assert len(ids(built, TimelineFilter(has_ocr=False))) == len(built.all_rows) - 1
    assert texts(built, TimelineFilter(event_kinds=("file_modified",))) == [
        "Police reference 4471 logged"
    ]


def test_dates_and_time_confidence(built: Built) -> None:
    day = TimelineFilter(from_us=utc(2024, 3, 15), to_us=utc(2024, 3, 16))
    assert ids(built, day) == expected(
        built, lambda r: utc(2024, 3, 15) <= r.ts_utc_us < utc(2024, 3, 16)
    )
    assert len(ids(built, day)) == 3 + 2 + 1
    assert len(ids(built, TimelineFilter(confidences=("exact",)))) == 2
    not_assumed = TimelineFilter(exclude_confidences=("assumed-zone",))
    assert ids(built, not_assumed) == expected(built, lambda r: r.confidence != "assumed-zone")
    assert len(ids(built, not_assumed)) == 3
    # The end is exclusive: a filter ending at a message's time leaves it out.
    first = built.all_rows[0]
    assert ids(built, TimelineFilter(to_us=first.ts_utc_us)) == []
    assert ids(built, TimelineFilter(to_us=first.ts_utc_us + 1)) == [first.event_id]


def test_search_restricts_to_hits_in_time_order(built: Built) -> None:
    assert texts(built, TimelineFilter(search="phone")) == [
        "Tell her to answer the phone",
        "Answer the phone tonight or I will come round.",
    ]
    assert texts(built, TimelineFilter(search="crime")) == ["Police reference 4471 logged"]
    where = ids(built, TimelineFilter(search="where"))
    assert where == expected(built, lambda r: "where" in r.text.lower().split())
    assert len(where) == 1 + LATE_NIGHT
    hits = built.case.search("phone", TimelineFilter(platforms=("whatsapp",)))
    assert [h.snippet for h in hits] == ["Tell her to answer the [phone]"]
    (ocr,) = built.case.search("crime")
    assert ocr.in_ocr
    assert ocr.snippet == "[CRIME] NUMBER 4471"
    limited = built.case.search("where", limit=3)
    assert [h.row.event_id for h in limited] == where[:3]


def test_filters_combine(built: Built) -> None:
    april = TimelineFilter(
        person_ids=(built.person,),
        platforms=("whatsapp",),
        from_us=utc(2024, 4, 10),
        to_us=utc(2024, 4, 12),
        search="where",
        exclude_confidences=("exact",),
    )
    want = expected(
        built,
        lambda r: (
            r.person == "Daniel Hughes"
            and r.importer == "whatsapp"
            and utc(2024, 4, 10) <= r.ts_utc_us < utc(2024, 4, 12)
            and "where" in r.text.split()
            and r.confidence != "exact"
        ),
    )
    assert ids(built, april) == want
    assert len(want) == 20  # two nights of ten
    assert ids(built, replace(april, search="tonight")) == []
    nothing = TimelineFilter(kinds=("email",), platforms=("whatsapp",))
    assert ids(built, nothing) == []
    assert built.case.timeline_count(april) == 20


def test_filter_values_are_normalised() -> None:
    a = TimelineFilter(source_ids=[2, 1, 2], participant=" dan ")  # type: ignore[arg-type]
    assert a == TimelineFilter(source_ids=(1, 2), participant="dan")
    assert hash(a) == hash(TimelineFilter(source_ids=(2, 1), participant="dan"))
    assert EVERYTHING.is_everything
    assert not a.is_everything


def test_sqlalchemy_composition(built: Built) -> None:
    f = TimelineFilter(person_ids=(built.person,), search="phone")
    with built.case.read() as s:
        got = list(
            s.execute(
                query.filtered(select(Event.id), f).order_by(Event.ts_utc_us, Event.id)
            ).scalars()
        )
    assert got == ids(built, f)
    assert len(got) == 2


# -- paging and jumping ---------------------------------------------------------------------

FILTERS = [
    EVERYTHING,
    TimelineFilter(person_ids=(1,)),
    TimelineFilter(search="where"),
    TimelineFilter(platforms=("email", "text")),
    TimelineFilter(from_us=utc(2024, 4, 5), search="you", participant="dan"),
]


@pytest.mark.parametrize("f", FILTERS)
def test_keyset_pages_equal_the_full_list(built: Built, f: TimelineFilter) -> None:
    f = replace(f, person_ids=(built.person,)) if f.person_ids else f
    paged: list[int] = []
    after: tuple[int, int] | None = None
    with built.case.read() as s:
        while batch := query.page(s, f, after, limit=37):
            paged += [r.event_id for r in batch]
            after = (batch[-1].ts_utc_us, batch[-1].event_id)
    assert paged == ids(built, f)
    assert [r.event_id for r in built.case.timeline_iter(f)] == paged


@pytest.mark.parametrize("f", FILTERS)
def test_jump_to_date(built: Built, f: TimelineFilter) -> None:
    f = replace(f, person_ids=(built.person,)) if f.person_ids else f
    wanted = set(ids(built, f))
    matching = [r for r in built.all_rows if r.event_id in wanted]
    dates = [utc(2020, 1, 1), utc(2024, 3, 15, 8, 5), utc(2024, 3, 31), utc(2024, 4, 20)]
    with built.case.read() as s:
        keys = query.event_keys(s, f)
        for t in dates:
            want = sum(1 for r in matching if r.ts_utc_us < t)
            assert query.position_of(s, f, t) == want  # SQL count
            assert keys.position(t) == want  # binary search on the keys
            assert built.case.timeline_position(f, t) == want


def test_jump_lands_on_the_first_event_of_the_day(built: Built) -> None:
    ids_all = built.case.timeline_ids()
    row = built.case.timeline_position(EVERYTHING, utc(2024, 3, 31))
    (first,) = built.case.timeline_rows([ids_all[row]])
    assert first.text == "Still GMT"


# -- the id list cache -------------------------------------------------------------------


def test_whole_case_keys_persist_and_follow_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = Case.create(tmp_path / "small")
    try:
        (tmp_path / "a.txt").write_text("first note", encoding="utf-8")
        import_paths(case, [tmp_path / "a.txt"])
        assert len(case.timeline_ids()) == 1
        assert case.derived.exists(FILE_NAME)
    finally:
        case.close()

    def refuse(*_: object) -> None:
        raise AssertionError("the id list should come from the cache file")

    with Case.open(tmp_path / "small.threadline") as again:
        with monkeypatch.context() as m:
            m.setattr(query, "event_keys", refuse)
            assert len(again.timeline_ids()) == 1
            assert again.timeline_position(EVERYTHING, utc(2100, 1, 1)) == 1
        # A new import changes the data version: the list is rebuilt, never stale.
        (tmp_path / "b.txt").write_text("second note", encoding="utf-8")
        import_paths(again, [tmp_path / "b.txt"])
        assert len(again.timeline_ids()) == 2
    # A damaged cache file is ignored.
    (tmp_path / "small.threadline" / "derived" / FILE_NAME).write_bytes(b"TLKEYS01garbage")
    with Case.open(tmp_path / "small.threadline", readonly=True) as ro:
        assert len(ro.timeline_ids()) == 2


# -- plans ------------------------------------------------------------------------------------


def test_plans_start_from_the_rare_condition(built: Built) -> None:
    with built.case.read() as s:
        person = " | ".join(query.query_plan(s, TimelineFilter(person_ids=(built.person,))))
        kind = " | ".join(query.query_plan(s, TimelineFilter(kinds=("email",))))
        ocr = " | ".join(query.query_plan(s, TimelineFilter(has_ocr=True)))
        hits = " | ".join(query.query_plan(s, TimelineFilter(search="crime"), first_page=True))
        whole = " | ".join(query.query_plan(s, EVERYTHING))
    assert "ix_items_author_id" in person
    assert "ix_events_item_ts" in person
    assert "ix_items_kind" in kind
    assert "ix_items_ocr" in ocr
    assert hits.startswith("SCAN items_fts")
    assert "ix_events_item_ts" in hits
    assert whole == "SCAN e USING COVERING INDEX ix_events_ts_id"


# -- pattern of contact -------------------------------------------------------------------------


def test_offsets_of_london_in_2024() -> None:
    assert offsets(LONDON, utc(2024, 1, 1), utc(2024, 12, 31)) == (
        (utc(2024, 1, 1), 0),
        (utc(2024, 3, 31, 1), 3600 * US),
        (utc(2024, 10, 27, 1), 0),
    )
    assert offsets("UTC", utc(2024, 1, 1), utc(2024, 12, 31)) == ((utc(2024, 1, 1), 0),)


def test_days_are_local_days_across_the_clock_change(built: Built) -> None:
    around = TimelineFilter(from_us=utc(2024, 3, 30), to_us=utc(2024, 4, 1, 12))
    london = activity_per_day(built.case, around, LONDON, by_person=False)
    assert [(d.day, d.total) for d in london] == [
        (date(2024, 3, 30), 1),  # Saturday night, 23:30 GMT
        (date(2024, 3, 31), 4),  # 00:30 GMT, the gap (02:30 BST), 03:00 BST, 23:30 BST
        (date(2024, 4, 1), 1),  # 00:30 BST is 23:30 UTC the day before
    ]
    assert london[1].counts == (("Daniel", 2), ("Sarah", 2))
    in_utc = activity_per_day(built.case, around, "UTC")
    assert [(d.day, d.total) for d in in_utc] == [(date(2024, 3, 30), 1), (date(2024, 3, 31), 5)]


def test_days_stack_by_person_and_fill(built: Built) -> None:
    march = TimelineFilter(from_us=utc(2024, 3, 14), to_us=utc(2024, 3, 17))
    days = activity_per_day(built.case, march, LONDON, fill=True)
    assert [d.day for d in days] == [date(2024, 3, 14), date(2024, 3, 15)]
    assert days[0].counts == (("Daniel Hughes", 1), ("Sarah", 1))
    fifteenth = dict(days[1].counts)
    # His number in the family chat and his email stack under the person's name.
    assert fifteenth == {
        "Daniel Hughes": 2,
        "Sarah": 1,
        "Mum": 1,
        "Priya": 1,
        activity.NO_AUTHOR: 1,
    }
    assert activity_per_day(built.case, TimelineFilter(search="nowhere"), LONDON) == []
    filled = activity_per_day(
        built.case, TimelineFilter(participant_ids=(built.who["sarah"],)), LONDON, fill=True
    )
    assert filled[0].day == date(2024, 3, 14)
    assert filled[-1].day == date(2024, 3, 31)
    assert len(filled) == 18
    assert sum(d.total for d in filled) == 3


def test_heat_map_shows_the_late_nights_in_local_hours(built: Built) -> None:
    hm = heat_map(built.case, EVERYTHING, LONDON, participant_id=built.who["daniel"])
    hours = hm.hour_totals()
    # 300 messages between 01:00 and 03:33 summer time, plus "Now BST" at 03:00.
    assert hours[1] + hours[2] + hours[3] == LATE_NIGHT + 1
    assert hours[0] == 2
    assert hours[21] == 1
    assert hours[23] == 1
    assert hm.total == 5 + LATE_NIGHT
    # Sunday 03:00: "Now BST", and two a night on the four Sundays of April.
    assert hm.cell(6, 3) == 1 + 4 * 2
    in_utc = heat_map(built.case, EVERYTHING, "UTC", participant_id=built.who["daniel"])
    # An hour earlier in UTC: the late nights fall in 00-02, with "Still GMT" and "Now BST".
    assert sum(in_utc.hour_totals()[0:3]) == LATE_NIGHT + 2
    assert in_utc.hour_totals()[3] == 0
    person = heat_map(built.case, EVERYTHING, LONDON, person_id=built.person)
    assert person.total == 5 + LATE_NIGHT + 2
    assert person.cell(4, 9) == 1  # the email, Friday 09:00 GMT
    assert person.cell(4, 8) == 1  # his other number, Friday 08:05


# -- the command line ---------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_timeline_filters(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(built.folder)
    code, out, _ = run(
        capsys, "timeline", folder, "--person", "daniel hughes", "--platform", "email", "--json"
    )
    assert code == EXIT_OK
    (line,) = out.splitlines()
    assert json.loads(line)["text"].startswith("Answer the phone tonight")
    code, out, _ = run(
        capsys,
        "timeline",
        folder,
        "--from",
        "2024-03-31",
        "--to",
        "2024-04-01",
        "--confidence",
        "assumed-zone",
        "--participant",
        "sarah",
    )
    assert out.splitlines() == [
        "2024-03-31 02:30:00 BST [assumed-zone]  WhatsApp Chat with Daniel.txt  Sarah: In the gap",
        "2024-03-31 23:30:00 BST [assumed-zone]  WhatsApp Chat with Daniel.txt  Sarah: Sunday late",
    ]
    code, out, _ = run(capsys, "timeline", folder, "--ocr", "--search", "crime")
    assert code == EXIT_OK
    assert out.count("\n") == 1
    assert "Police reference" in out
    code, out, _ = run(capsys, "timeline", folder, "--kind", "email", "--not-confidence", "exact")
    assert code == EXIT_OK
    assert out == ""


def test_cli_errors_are_one_line(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(built.folder)
    code, _, err = run(capsys, "timeline", folder, "--person", "Nobody")
    assert code == EXIT_ERROR
    assert err == "threadline: no person 'Nobody' in this case (persons: Daniel Hughes (1))\n"
    code, _, err = run(capsys, "search", folder, "x", "--platform", "whatsap")
    assert code == EXIT_ERROR
    assert err.startswith("threadline: no source of platform whatsap in this case (platforms: ")
    assert err.count("\n") == 1
    code, _, _ = run(capsys, "activity", folder, "--confidence", "sure")
    assert code == EXIT_USAGE
    code, _, err = run(capsys, "timeline", folder, "--from", "last week")
    assert code == EXIT_ERROR
    assert "not a date" in err


def test_cli_search_filters(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(built.folder)
    code, out, _ = run(capsys, "search", folder, "phone", "--platform", "whatsapp")
    assert code == EXIT_OK
    assert out.splitlines() == [
        "2024-03-15 08:05:00 GMT  WhatsApp Chat with Family.txt  +44 7700 900456: "
        "Tell her to answer the [phone]",
        "1 hits",
    ]
    code, out, _ = run(
        capsys, "search", folder, "where", "--person", "1", "--from", "2024-05-01", "--json"
    )
    hits = [json.loads(line) for line in out.splitlines()]
    assert [h["text"] for h in hits] == [f"where are you {k}" for k in range(290, 300)]


def test_cli_activity(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(built.folder)
    code, out, _ = run(capsys, "activity", folder, "--to", "2024-04-02")
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0] == "Events per day in Europe/London: 14 events on 5 days"
    assert lines[1] == "2024-03-14       2  Daniel Hughes 1, Sarah 1"
    assert lines[-1] == "2024-04-01       1  Daniel Hughes 1"
    code, out, _ = run(capsys, "activity", folder, "--to", "2024-04-02", "--csv", "--zone", "UTC")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == [
        "date (UTC)",
        "total",
        "Daniel Hughes",
        "Sarah",
        "(no author)",
        "Mum",
        "Priya",
    ]
    assert table[-1] == ["2024-03-31", "5", "3", "2", "0", "0", "0"]
    code, out, _ = run(
        capsys, "activity", folder, "--by-hour", "--participant-id", str(built.who["daniel"])
    )
    lines = out.splitlines()
    assert lines[0] == f"Events by weekday and hour in Europe/London: {5 + LATE_NIGHT} events"
    assert lines[1].split() == [f"{h}" for h in range(24)] + ["total"]
    assert [line.split()[0] for line in lines[2:]] == list(activity.WEEKDAYS)
    code, out, _ = run(capsys, "activity", folder, "--by-hour", "--csv", "--person", "1")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0][0] == "weekday (Europe/London)"
    assert table[0][-1] == "total"
    assert sum(int(row[-1]) for row in table[1:]) == 5 + LATE_NIGHT + 2
    assert sum(int(row[2]) + int(row[3]) + int(row[4]) for row in table[1:]) == LATE_NIGHT + 1
