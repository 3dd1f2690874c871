"""MSAB XRY text export: the synthetic corpus files and exports written here as UTF-16."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.case import Case
from app.errors import WrongFormat
from app.importers.base import ImportContext, ImportOptions, Probe
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.importers.xry import XryTextImporter
from app.ingest.job import import_paths
from app.model import Confidence, IdentifierKind, ItemKind
from app.store.schema import Event, Item, Participant
from app.timeline.clock import iso_utc
from tests.conftest import corpus_file

CALLS = "synthetic-returns/xry_text_export/Calls.txt"
SMS = "synthetic-returns/xry_text_export/Messages-SMS.txt"


def parse(path: Path, zone: str = "Europe/London") -> MemorySink:
    sink = MemorySink()
    XryTextImporter().parse(Probe.of(path), sink, ImportContext(ImportOptions(zone=zone)))
    return sink


def export(path: Path, report_type: str, body: str) -> Path:
    text = f"XRY Export\n[line 2]\n{report_type}\n[line 4]\n[line 5]\n\n{body}"
    path.write_bytes("\ufeff".encode("utf-16-le") + text.replace("\n", "\r\n").encode("utf-16-le"))
    return path


def test_corpus_calls(tmp_path: Path) -> None:
    sink = parse(corpus_file(CALLS))
    missed, dialled = sink.items
    assert (missed.kind, missed.text, missed.meta["direction"]) == (
        ItemKind.CALL,
        "Missed call",
        "incoming",
    )
    assert missed.author is not None
    assert missed.author.phone == "+447700900456"
    assert iso_utc(missed.events[0].ts_utc_us) == "2024-03-05T21:14:03Z"
    assert missed.events[0].confidence is Confidence.EXACT
    assert missed.meta["time_source"] == "Device"
    assert dialled.text == "Dialed call, 00:01:25"
    assert dialled.recipients[0].phone == "+447700900456"
    event = dialled.events[0]
    assert (event.confidence, event.zone) == (Confidence.ASSUMED_ZONE, "Europe/London")
    assert iso_utc(event.ts_utc_us) == "2024-03-04T18:02:11Z"  # GMT in March
    assert event.original == "3/4/2024 6:02:11 PM (Device)"
    assert sink.decisions["layout"] == "XRY text export: Calls"
    assert any("no UTC offset" in w for w in sink.warnings)


def test_corpus_sms_segments_are_joined(tmp_path: Path) -> None:
    sink = parse(corpus_file(SMS))
    (message,) = sink.items
    assert message.text == "Synthetic SMS that continues\non a second line.Second segment."
    assert iso_utc(message.events[0].ts_utc_us) == "2024-03-05T21:20:00Z"
    assert (message.events[0].kind, message.meta["direction"]) == ("received", "incoming")
    assert message.meta["time_source"] == "Network"
    assert [s["Segment Number"] for s in message.meta["segments"]] == ["1", "2"]
    assert message.meta["fields"]["From/Tel"] == "+447700900456"


def test_corpus_folder_imports_into_a_case(case: Case) -> None:
    folder = corpus_file(CALLS).parent
    results = import_paths(case, [folder]).files
    assert {(Path(r.path).name, r.status, r.importer) for r in results} == {
        ("Calls.txt", "imported", "xry"),
        ("Messages-SMS.txt", "imported", "xry"),
    }
    with case.read() as s:
        message = s.scalars(select(Item).where(Item.kind == "message")).one()
        assert message.text.endswith("Second segment.")
        author = s.get(Participant, message.author_id)
        assert author is not None
        assert author.phone == "+447700900456"
        assert s.scalars(select(Event).where(Event.item_id == message.id)).one().confidence == (
            "exact"
        )


def test_registry_chooses_xry() -> None:
    assert default_registry().choose(Probe.of(corpus_file(SMS))) is XryTextImporter


def test_outgoing_offsets_segments_out_of_order_and_other_reports(tmp_path: Path) -> None:
    path = export(
        tmp_path / "Messages-SMS.txt",
        "Messages/SMS",
        "Messages-SMS #\t1\n"
        "Text:\tsecond half\n"
        "Time:\t\t12/31/2023 11:59:59 PM UTC+1 (Device)\n"
        "Type:\tSubmit\n"
        "Reference Number:\t7\nSegment Number:\t2\nSegments:\t2\n"
        "To\nTel:\t\t07700 900789\nName:\tSam\n"
        "\n"
        "Messages-SMS #\t2\n"
        "Text:\tfirst half, \n"
        "Time:\t\t12/31/2023 11:59:59 PM UTC+1 (Device)\n"
        "Type:\tSubmit\n"
        "Reference Number:\t7\nSegment Number:\t1\nSegments:\t2\n"
        "To\nTel:\t\t07700 900789\nName:\tSam\n"
        "\n"
        "Messages-SMS #\t3\n"
        "Text:\tlonely part\n"
        "Time:\t\t1/2/2024 1:00:00 AM UTC-5 (Network)\n"
        "Reference Number:\t9\nSegment Number:\t1\nSegments:\t3\n"
        "From\nTel:\t\t+447700900456\n"
        "a line nobody understands\n",
    )
    sink = parse(path)
    joined, lonely = sink.items
    assert joined.text == "first half, second half"
    assert joined.meta["direction"] == "outgoing"
    assert joined.recipients[0].phone == "+447700900789"
    assert joined.recipients[0].name == "Sam"
    assert iso_utc(joined.events[0].ts_utc_us) == "2023-12-31T22:59:59Z"
    assert joined.events[0].kind == "sent"
    assert lonely.text == "lonely part"
    assert iso_utc(lonely.events[0].ts_utc_us) == "2024-01-02T06:00:00Z"
    assert any("has 1 of 3 segments" in w for w in sink.warnings)
    assert "1 line(s) not understood, kept as text" in sink.warnings

    device = export(
        tmp_path / "Device-General Information.txt",
        "Device/General Information",
        "Device-General Information #\t1\nAttribute:\tMobile Id (IMEI)\nData:\t490154203237518\n",
    )
    (record,) = parse(device).items
    assert (record.kind, record.meta["record"]) == (ItemKind.RECORD, "device")
    assert [(i.account, i.kind, i.value) for i in record.identifiers] == [
        ("device:490154203237518", IdentifierKind.DEVICE, "490154203237518")
    ]


def test_not_an_xry_export(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Calls\nTel: 0123\n")
    assert XryTextImporter.score(Probe.of(path)) == 0
    with pytest.raises(WrongFormat, match=r"notes\.txt: not an XRY text export"):
        parse(path)
    empty = export(tmp_path / "x.txt", "", "")
    with pytest.raises(WrongFormat, match="without a report type"):
        parse(empty)
