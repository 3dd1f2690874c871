"""Cellebrite UFDR: the synthetic corpus fixture, generated reports and hand-written variants."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.case import Case
from app.demo_returns import UFDR_IMEI, write_ufdr
from app.errors import CorruptRecord, EvidenceError, WrongFormat
from app.importers import ufdr
from app.importers.archive import ArchiveImporter
from app.importers.base import ImportContext, ImportOptions, Probe
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.importers.ufdr import NAMESPACE, UfdrImporter
from app.ingest.job import import_paths
from app.model import Confidence, IdentifierKind, ItemDraft, ItemKind
from app.store.schema import Event, Identifier, Item, Participant, Source
from app.timeline.clock import iso_utc
from tests.conftest import REPO, corpus_file

FIXTURE = "synthetic-returns/ufdr/synthetic_minimal.ufdr"
BARE = "synthetic-returns/ufdr/report.xml"


def parse(path: Path, zone: str = "Europe/London", origin: Path | None = None) -> MemorySink:
    probe = Probe.of(path)
    if origin is not None:
        probe = Probe(probe.path, probe.name, probe.mime, probe.head, probe.size, origin=origin)
    sink = MemorySink()
    UfdrImporter().parse(probe, sink, ImportContext(ImportOptions(zone=zone)))
    return sink


def by_locator(sink: MemorySink) -> dict[str, ItemDraft]:
    return {d.locator: d for d in sink.items}


def us(text: str) -> int:
    moment = datetime.fromisoformat(text).astimezone(UTC)
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


# -- hand-written reports ----------------------------------------------------------------


def field(name: str, value: str, kind: str = "String", fmt: str = "") -> str:
    extra = f' format="{fmt}"' if fmt else ""
    return (
        f'<field name="{name}" type="{kind}"><value type="{kind}"{extra}>'
        f"<![CDATA[{value}]]></value></field>"
    )


def party(identifier: str, role: str, owner: bool, name: str = "") -> str:
    return (
        '<model type="Party">'
        + field("Identifier", identifier)
        + field("Role", role, "PartyRole")
        + (field("Name", name) if name else "")
        + field("IsPhoneOwner", "True" if owner else "False", "Boolean")
        + "</model>"
    )


def model(kind: str, model_id: str, body: str, deleted: bool = False) -> str:
    state = "Deleted" if deleted else "Intact"
    return (
        f'<modelType type="{kind}"><model type="{kind}" id="{model_id}" '
        f'deleted_state="{state}" decoding_confidence="High">{body}</model></modelType>'
    )


def report(models: str, *, root: str = "project", infos: str = "", head: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<{root} id="p1" reportVersion="7.60" extractionType="Logical" xmlns="{NAMESPACE}">'
        '<sourceExtractions><extractionInfo id="0" deviceName="Test phone"/></sourceExtractions>'
        f"{head}<decodedData>{models}</decodedData><extraInfos>{infos}</extraInfos></{root}>"
    ).encode()


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


# -- the corpus fixture ------------------------------------------------------------------


def test_corpus_ufdr_imports_with_its_values(case: Case) -> None:
    path = corpus_file(FIXTURE)
    report_ = import_paths(case, [path])
    result = report_.files[0]
    assert (result.status, result.importer) == ("imported", "ufdr")
    assert result.decisions["layout"].startswith("Cellebrite UFDR report.xml 8.5")
    with case.read() as s:
        items = {i.locator: i for i in s.scalars(select(Item))}
        first = items["model im-0001"]
        assert (first.kind, first.text) == ("message", "Synthetic message 1 (incoming).")
        assert first.conversation == "WhatsApp: 447700900456@s.whatsapp.net"
        event = s.scalars(select(Event).where(Event.item_id == first.id)).one()
        assert iso_utc(event.ts_utc_us) == "2024-03-05T21:14:03Z"
        assert (event.kind, event.confidence) == ("received", "exact")
        author = s.get(Participant, first.author_id)
        assert author is not None
        assert (author.handle, author.phone) == ("447700900456@s.whatsapp.net", "+447700900456")
        assert (
            first.meta["provenance"][0]["path"] == "/data/data/com.whatsapp/databases/msgstore.db"
        )
        assert first.meta["provenance"][0]["tableName"] == "message"
        assert first.meta["fields"]["Status"] == "Read"
        assert first.meta["direction"] == "incoming"

        # The outgoing message carries the picture: a child source whose image item's
        # parent is the message.
        second = items["model im-0002"]
        assert second.meta["direction"] == "outgoing"
        assert second.meta["attachments"][0]["status"] == "extracted"
        assert second.meta["attachments"][0]["device_path"].endswith("IMG-20240305-WA0001.png")
        image = s.scalars(select(Item).where(Item.parent_id == second.id)).one()
        assert image.kind == "image"
        child = s.get(Source, image.source_id)
        assert child is not None
        assert child.path.endswith("!/files/Image/IMG-20240305-WA0001.png")
        expected = "1db7d0d116a2861ae3ec18d9aa050f56a515c689b89ba5f8bdba68745296632f"
        assert child.sha256 == expected

        # The offset-less time is read in the case zone and says so.
        third = items["model im-0003"]
        assert third.meta["deleted"] is True
        zoneless = s.scalars(select(Event).where(Event.item_id == third.id)).one()
        assert (zoneless.confidence, zoneless.zone) == ("assumed-zone", "Europe/London")
        assert iso_utc(zoneless.ts_utc_us) == "2024-03-05T21:20:00.123000Z"

        call = items["model call-0001"]
        assert call.kind == "call"
        assert call.text == "Outgoing call (Established), 00:01:25"

        ids = {(i.account, i.kind, i.value) for i in s.scalars(select(Identifier))}
        assert ("instagram:9990000001", "email", "synthetic.person@example.com") in ids
        assert ("instagram:9990000001", "username", "synthetic.fake.profile") in ids
        assert ("instagram:9990000001", "phone", "+447700900123") in ids
        # The fixture's IMEI is all zeros, a stand-in for none: stated as a device it would
        # tie every account found on any such phone together, so it is not an identifier.
        assert not any(value == "000000000000000" for _a, _k, value in ids)
        assert not any(a.startswith("device:0000") for a, _k, _v in ids)
        account = items["model ua-0001"]
        assert account.meta["record"] == "account"
        registered = s.scalars(select(Event).where(Event.item_id == account.id)).one()
        assert (registered.kind, iso_utc(registered.ts_utc_us)) == (
            "registered",
            "2023-11-01T09:00:00Z",
        )
    assert any("no UTC offset" in w and "Europe/London" in w for w in result.warnings)


def test_corpus_bare_report_reads_and_says_files_are_missing() -> None:
    sink = parse(corpus_file(BARE))
    items = by_locator(sink)
    assert items["model im-0002"].text == "Synthetic message 2 (outgoing) with attachment."
    assert items["model im-0002"].meta["attachments"][0]["status"] == "not extracted"
    assert sink.children == []
    assert any("1 attachment(s) named by the report are not in" in w for w in sink.warnings)


def test_unzipped_report_finds_its_files_beside_it(tmp_path: Path) -> None:
    folder = tmp_path / "extraction"
    (folder / "files" / "Image").mkdir(parents=True)
    shutil.copy(corpus_file(BARE), folder / "report.xml")
    with zipfile.ZipFile(corpus_file(FIXTURE)) as z:
        png = z.read("files/Image/IMG-20240305-WA0001.png")
    (folder / "files" / "Image" / "IMG-20240305-WA0001.png").write_bytes(png)
    sink = parse(folder / "report.xml", origin=folder / "report.xml")
    assert [(n, len(b), k) for n, b, k in sink.children] == [
        ("files/Image/IMG-20240305-WA0001.png", len(png), "m:im-0002")
    ]
    assert not any("hash" in w for w in sink.warnings)


def test_registry_chooses_ufdr_for_the_zip_and_the_bare_report(tmp_path: Path) -> None:
    registry = default_registry()
    assert registry.choose(Probe.of(corpus_file(FIXTURE))) is UfdrImporter
    assert registry.choose(Probe.of(corpus_file(BARE))) is UfdrImporter
    plain = write_zip(tmp_path / "photos.zip", {"report.txt": b"not a report"})
    assert registry.choose(Probe.of(plain)) is ArchiveImporter


# -- generated reports ---------------------------------------------------------------------


def test_generated_ufdr_messages_chats_and_attachments(tmp_path: Path) -> None:
    written = write_ufdr(tmp_path / "phone.ufdr", messages=30, chats=3, attachments=2)
    sink = parse(written.path)
    messages = [d for d in sink.items if d.kind is ItemKind.MESSAGE]
    assert len(messages) == 30
    assert len({d.conversation for d in messages}) == 3
    chats = [d for d in sink.items if d.meta.get("record") == "chat"]
    assert sorted(c.meta["messages"] for c in chats) == [10, 10, 10]
    m7 = by_locator(sink)[f"model {written.message_id(7)}"]
    assert m7.text == written.message_body(7)
    assert m7.events[0].ts_utc_us == us(written.message_time(7).isoformat())
    assert m7.events[0].confidence is Confidence.EXACT
    assert m7.meta["provenance"][0]["offset"] == str(4096 + 64 * 7)
    # One attachment found through its extracted path, one through its file id only.
    by_member = {name: key for name, _data, key in sink.children}
    for att in written.attachments:
        assert by_member[att.member] == f"m:{written.message_id(att.message_index)}"
    hows = sorted(a["resolved_by"] for d in messages for a in d.meta.get("attachments", []))
    assert hows == ["attachment_extracted_path", "file_id"]
    zoneless = by_locator(sink)[f"model {written.message_id(written.zone_less[0])}"]
    assert zoneless.events[0].confidence is Confidence.ASSUMED_ZONE
    assert sink.decisions["provenance"] == "30 model(s) traced to their source"
    device = by_locator(sink)["device info"]
    assert {(i.account, i.kind) for i in device.identifiers} >= {
        (f"device:{UFDR_IMEI}", IdentifierKind.DEVICE),
        (f"device:{UFDR_IMEI}", IdentifierKind.PHONE),
    }


def test_a_hash_mismatch_is_warned_naming_the_file(tmp_path: Path) -> None:
    written = write_ufdr(tmp_path / "phone.ufdr", messages=9, attachments=2, bad_hash=True)
    sink = parse(written.path)
    bad = written.attachments[0]
    warned = [w for w in sink.warnings if "hash mismatch" in w]
    assert len(warned) == 1
    assert warned[0].startswith(bad.member)
    assert bad.sha256 in warned[0]
    # Still handed over: the reviewer sees the file and the warning.
    assert bad.member in [name for name, _data, _key in sink.children]


def test_offset_less_times_follow_the_case_zone(tmp_path: Path) -> None:
    written = write_ufdr(tmp_path / "phone.ufdr", messages=4, attachments=0, zone_less=1)
    sink = parse(written.path, zone="America/New_York")
    event = by_locator(sink)[f"model {written.message_id(3)}"].events[0]
    assert (event.confidence, event.zone) == (Confidence.ASSUMED_ZONE, "America/New_York")
    wall = written.message_time(3).replace(tzinfo=None)
    assert event.ts_utc_us == us(wall.isoformat() + ".123-05:00")
    assert any("America/New_York" in w and "Europe/London" in w for w in sink.warnings)


def test_nested_folder_and_report_name_in_any_case(tmp_path: Path) -> None:
    written = write_ufdr(
        tmp_path / "phone.ufdr",
        messages=6,
        attachments=1,
        folder="Extraction 1",
        report_name="Report.XML",
    )
    sink = parse(written.path)
    assert len([d for d in sink.items if d.kind is ItemKind.MESSAGE]) == 6
    assert [name for name, _d, _k in sink.children] == [
        "Extraction 1/" + written.attachments[0].member
    ]


def test_generated_ufdr_imports_into_a_case(case: Case, tmp_path: Path) -> None:
    written = write_ufdr(tmp_path / "phone.ufdr", messages=12, attachments=2)
    result = import_paths(case, [written.path]).files[0]
    assert result.status == "imported", result.reason
    with case.read() as s:
        images = s.scalars(select(Item).where(Item.kind == "image")).all()
        assert len(images) == 2
        parents = {s.get(Item, i.parent_id).locator for i in images if i.parent_id}  # type: ignore[union-attr]
        assert parents == {
            f"model {written.message_id(a.message_index)}" for a in written.attachments
        }


# -- other models, unknown ones ------------------------------------------------------------


def test_sms_email_contact_location_and_unknown_models(tmp_path: Path) -> None:
    sms = model(
        "SMS",
        "sms-1",
        field("Body", "meet me outside")
        + field("TimeStamp", "2024-03-01T10:00:00.000+01:00", "TimeStamp")
        + field("Folder", "Inbox")
        + '<multiModelField name="Parties" type="Party">'
        + party("+447700900456", "From", False, "Alex")
        + party("+447700900123", "To", True)
        + "</multiModelField>",
    )
    email = model(
        "Email",
        "mail-1",
        field("Subject", "hello")
        + field("Body", "aGVsbG8gdGhlcmU=", fmt="Base64String")
        + field("TimeStamp", "2024-03-01T11:00:00Z", "TimeStamp")
        + '<modelField name="From" type="Party">'
        + party("alex@example.com", "From", False)
        + '</modelField><multiModelField name="To" type="Party">'
        + party("me@example.org", "To", True)
        + "</multiModelField>",
    )
    contact = model(
        "Contact",
        "c-1",
        field("Name", "Alex")
        + '<multiModelField name="Entries" type="ContactEntry"><model type="PhoneNumber">'
        + field("Category", "Mobile")
        + field("Value", "07700 900456")
        + "</model></multiModelField>",
    )
    location = model(
        "Location",
        "loc-1",
        field("TimeStamp", "2024-03-01T12:00:00Z", "TimeStamp")
        + '<modelField name="Position" type="Coordinate"><model type="Coordinate">'
        + field("Latitude", "51,5007", "Double")
        + field("Longitude", "-0.1246", "Double")
        + "</model></modelField>",
    )
    apps = "".join(
        model("InstalledApplication", f"app-{n}", field("Name", f"App {n}") + "<weird>x</weird>")
        for n in range(2)
    )
    cookie = model("Cookie", "ck-1", field("Name", "sid"))
    path = write_zip(
        tmp_path / "x.ufdr",
        {"report.xml": report(sms + email + contact + location + apps + cookie)},
    )
    sink = parse(path)
    items = by_locator(sink)
    text = items["model sms-1"]
    assert (text.kind, text.text, text.meta["direction"]) == (
        ItemKind.MESSAGE,
        "meet me outside",
        "incoming",
    )
    assert text.author is not None
    assert text.author.phone == "+447700900456"
    assert iso_utc(text.events[0].ts_utc_us) == "2024-03-01T09:00:00Z"
    mail = items["model mail-1"]
    assert (mail.kind, mail.text) == (ItemKind.EMAIL, "hello there")
    assert mail.meta["fields"]["Body"] == "aGVsbG8gdGhlcmU="  # the raw value is kept
    assert mail.meta["headers"]["Subject"] == "hello"
    card = items["model c-1"]
    assert (card.kind, card.meta["record"]) == (ItemKind.RECORD, "contact")
    assert card.meta["entries"] == [
        {"type": "PhoneNumber", "category": "Mobile", "value": "07700 900456"}
    ]
    place = items["model loc-1"]
    assert (place.meta["latitude"], place.meta["longitude"]) == (51.5007, -0.1246)
    assert place.events[0].kind == "location"
    app = items["model app-1"]
    assert (app.kind, app.meta["record"], app.meta["fields"]) == (
        ItemKind.RECORD,
        "installedapplication",
        {"Name": "App 1"},
    )
    assert app.meta["not_understood"] == {"weird": "x"}
    assert (
        "decodedData/InstalledApplication: 2 model(s) of a type this reader does not decode, "
        "kept as records with their fields"
    ) in sink.warnings
    assert any(w.startswith("decodedData/Cookie: 1 model(s)") for w in sink.warnings)
    assert "model/weird: not understood in 2 model(s), kept as text" in sink.warnings


def test_control_characters_are_replaced_and_counted(tmp_path: Path) -> None:
    body = model("SMS", "s1", field("Body", "bad\x01byte") + field("Folder", "Sent"))
    path = write_zip(tmp_path / "x.ufdr", {"report.xml": report(body)})
    sink = parse(path)
    assert by_locator(sink)["model s1"].text == "bad\ufffdbyte"
    assert any("1 characters not allowed in XML" in w for w in sink.warnings)


# -- provenance in bounded memory ----------------------------------------------------------


def messages_with_infos(count: int, order: list[int]) -> bytes:
    models = "".join(
        model("InstantMessage", f"im-{n}", field("Body", f"m{n}")) for n in range(count)
    )
    infos = "".join(
        f'<extraInfo id="im-{n}"><nodeInfo id="db" path="/db/{n}.db" tableName="t" '
        f'offset="{n}"/></extraInfo>'
        for n in order
    )
    return report(models, infos=infos)


def test_provenance_in_order_is_matched_with_a_small_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ufdr, "PROVENANCE_WINDOW", 3)
    path = write_zip(tmp_path / "x.ufdr", {"report.xml": messages_with_infos(40, list(range(40)))})
    messages = [d for d in parse(path).items if d.kind is ItemKind.MESSAGE]
    assert [d.meta["provenance"][0]["path"] for d in messages] == [f"/db/{n}.db" for n in range(40)]
    sink = parse(path)
    assert not any("extraInfos" in w for w in sink.warnings)


def test_provenance_far_out_of_order_is_counted_not_guessed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ufdr, "PROVENANCE_WINDOW", 3)
    order = list(reversed(range(40)))
    path = write_zip(tmp_path / "x.ufdr", {"report.xml": messages_with_infos(40, order)})
    sink = parse(path)
    kept = [d for d in sink.items if "provenance" in d.meta]
    assert kept
    assert all(d.meta["provenance"][0]["path"] == f"/db/{d.text[1:]}.db" for d in kept)
    assert len(kept) < 40
    assert any(w.startswith(f"extraInfos: {40 - len(kept)} entr") for w in sink.warnings)


# -- malformed files fail clearly ----------------------------------------------------------


def test_truncated_ufdr_fails_naming_the_file(tmp_path: Path) -> None:
    written = write_ufdr(tmp_path / "phone.ufdr", messages=200)
    data = written.path.read_bytes()
    cut = tmp_path / "cut.ufdr"
    cut.write_bytes(data[: len(data) // 2])
    # The registry still picks the UFDR reader (its first member is report.xml), so the
    # user is told what is wrong rather than getting half a zip expanded.
    assert default_registry().choose(Probe.of(cut)) is UfdrImporter
    with pytest.raises(WrongFormat, match=r"cut\.ufdr: not a readable zip .* truncated"):
        parse(cut)


def test_zip_without_report_fails_clearly(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "empty.ufdr", {"files/Image/a.png": b"x"})
    with pytest.raises(WrongFormat, match=r"empty\.ufdr: no report\.xml in this zip"):
        parse(path)


def test_unknown_root_element_is_an_unknown_layout(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "odd.ufdr", {"report.xml": report("", root="report")})
    with pytest.raises(WrongFormat, match=r"odd\.ufdr!/report\.xml: unknown layout: .*<report>"):
        parse(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not XML"),
        (b"\x00\x01garbage", "not XML"),
        (b'<?xml version="1.0"?><!DOCTYPE project [<!ENTITY a "b">]><project/>', "DTD"),
        ("<project>".encode("utf-16"), "UTF-16"),
    ],
)
def test_reports_that_are_not_readable_fail_before_output(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = write_zip(tmp_path / "x.ufdr", {"report.xml": content})
    with pytest.raises(WrongFormat, match=message):
        parse(path)


def test_xml_broken_half_way_keeps_what_was_read_and_warns(tmp_path: Path) -> None:
    whole = report(
        model("SMS", "s1", field("Body", "first")) + model("SMS", "s2", field("Body", "x"))
    )
    broken = whole[: whole.index(b'<modelType type="SMS"><model type="SMS" id="s2"')] + b"<oops"
    path = write_zip(tmp_path / "x.ufdr", {"report.xml": broken})
    sink = parse(path)
    assert [d.locator for d in sink.items if d.kind is ItemKind.MESSAGE] == ["model s1"]
    assert any("the XML breaks at line" in w for w in sink.warnings)


def test_damaged_member_is_corrupt(tmp_path: Path) -> None:
    written = write_ufdr(tmp_path / "phone.ufdr", messages=50, attachments=0)
    data = bytearray(written.path.read_bytes())
    with zipfile.ZipFile(written.path) as z:
        info = z.getinfo("report.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle : middle + 16] = bytes(16)
    damaged = tmp_path / "damaged.ufdr"
    damaged.write_bytes(bytes(data))
    with pytest.raises(EvidenceError, match=r"damaged\.ufdr!/report\.xml"):
        parse(damaged)


def test_fuzz_like_inputs_only_raise_clear_errors(tmp_path: Path) -> None:
    written = write_ufdr(tmp_path / "phone.ufdr", messages=20)
    data = written.path.read_bytes()
    for cut in range(40, len(data), max(1, len(data) // 25)):
        path = tmp_path / "cut.ufdr"
        path.write_bytes(data[:cut] + data[cut + 7 :])
        with contextlib.suppress(WrongFormat, CorruptRecord):
            parse(path)


# -- bounded memory ------------------------------------------------------------------------

_MEMORY_SCRIPT = """
import json, sys
from pathlib import Path
from app.case import Case
from app.importers.base import ImportContext, Probe
from app.importers.memory import MemorySink
from app.importers.ufdr import UfdrImporter
from app.ingest.job import import_paths

def status():
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    return out

def reset():
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")

class Counting(MemorySink):
    def add_item(self, draft):
        self.count = getattr(self, "count", 0) + 1
    def add_child(self, name, stream, context_key=""):
        while stream.read(65536):
            pass

ufdr, folder = Path(sys.argv[1]), Path(sys.argv[2])
case = Case.create(folder / "case")
reset()
before = status()
sink = Counting()
UfdrImporter().parse(Probe.of(ufdr), sink, ImportContext())
parsed = status()
reset()
ready = status()
result = import_paths(case, [ufdr]).files[0]
done = status()
print(json.dumps({
    "parse_growth": parsed["VmHWM"] - before["VmRSS"],
    "import_growth": done["VmHWM"] - ready["VmRSS"],
    "items": sink.count,
    "status": result.status,
    "imported": result.items,
}))
"""


@pytest.mark.timeout(300)
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_a_20000_message_ufdr_imports_in_bounded_memory(tmp_path: Path) -> None:
    """Peak memory growth, measured in a fresh process, stays far below the report's size.

    The report.xml of 20,000 messages is about 44 MB; an element tree of it would take
    several hundred. Parsing alone (no database) must grow by under 30 MB; the whole import
    by under 130 MB, of which SQLite's page cache (64 MiB, app/store/engine.py) is the most.
    """
    written = write_ufdr(tmp_path / "big.ufdr", messages=20_000, chats=4, compresslevel=1)
    assert written.report_bytes > 40_000_000
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, str(written.path), str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=280,
    )
    got: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["status"] == "imported"
    assert got["items"] == got["imported"] >= 20_000
    assert got["parse_growth"] < 30, got
    assert got["import_growth"] < 130, got
