"""SMS Backup & Restore XML: synthetic backups written from SyncTech's published field list."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.case import Case
from app.errors import WrongFormat
from app.importers import sms_xml
from app.importers.base import ImportContext, Probe
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.importers.sms_xml import SmsBackupXmlImporter, _Repair
from app.ingest.job import import_paths
from app.model import Confidence, ItemDraft, ItemKind
from app.store.schema import Item, Source
from app.timeline.clock import iso_utc

HEADER = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
    "<!--File Created By SMS Backup & Restore v10.18.300 on 01/02/2024 10:00:00-->\n"
    '<?xml-stylesheet type="text/xsl" href="sms.xsl"?>\n'
)


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def backup(png: bytes) -> str:
    data = base64.b64encode(png).decode()
    return (
        HEADER + '<smses count="5" backup_set="5f1c" backup_date="1706781600000" type="full">\n'
        # received, with an emoji as a surrogate pair and a line break as &#10;
        '  <sms protocol="0" address="+447700900123" date="1704103200000" type="1" '
        'subject="null" body="Hi &#55357;&#56832; are you there?&#10;Call me back" toa="null" '
        'sc_toa="null" service_center="+447785016005" read="1" status="-1" locked="0" '
        'date_sent="1704103195000" sub_id="1" readable_date="1 Jan 2024 10:00:00" '
        'contact_name="Alice Smith" />\n'
        # sent, to a number in national format, contact unknown
        '  <sms protocol="0" address="07700 900456" date="1704106800000" type="2" subject="null" '
        'body="Who is this?" toa="null" sc_toa="null" service_center="null" read="1" status="-1" '
        'locked="0" date_sent="0" readable_date="1 Jan 2024 11:00:00" contact_name="(Unknown)" />\n'
        # an alphanumeric sender
        '  <sms protocol="0" address="AMAZON" date="1704110400000" type="1" subject="null" '
        'body="Your parcel has been delivered" toa="null" sc_toa="null" service_center="null" '
        'read="1" status="-1" locked="0" date_sent="0" readable_date="1 Jan 2024 12:00:00" '
        'contact_name="(Unknown)" />\n'
        # a draft
        '  <sms protocol="0" address="+447700900123" date="1704114000000" type="3" '
        'subject="null" body="unsent draft" toa="null" sc_toa="null" service_center="null" '
        'read="1" status="-1" locked="0" date_sent="0" readable_date="1 Jan 2024 13:00:00" '
        'contact_name="Alice Smith" />\n'
        '  <mms date="1704117600000" ct_t="application/vnd.wap.multipart.related" msg_box="1" '
        'address="+447700900123" sub="null" read="1" m_id="abc@mms" m_type="132" '
        'readable_date="1 Jan 2024 14:00:00" contact_name="Alice Smith">\n'
        "    <parts>\n"
        '      <part seq="-1" ct="application/smil" name="null" chset="null" cd="null" '
        'fn="null" cid="&lt;smil&gt;" cl="smil.xml" ctt_s="null" ctt_t="null" '
        'text="&lt;smil&gt;&lt;body&gt;&lt;/body&gt;&lt;/smil&gt;" />\n'
        '      <part seq="0" ct="image/png" name="null" chset="null" cd="null" fn="null" '
        f'cid="&lt;img&gt;" cl="IMG_20240101.png" ctt_s="null" ctt_t="null" text="null" data="{data}" />\n'  # noqa: E501
        '      <part seq="0" ct="text/plain" name="null" chset="106" cd="null" fn="null" '
        'cid="&lt;text&gt;" cl="text_0.txt" ctt_s="null" ctt_t="null" '
        'text="Look at this&#10;from yesterday" />\n'
        "    </parts>\n"
        "    <addrs>\n"
        '      <addr address="+447700900123" type="137" charset="106" />\n'
        '      <addr address="+447700900999" type="151" charset="106" />\n'
        "    </addrs>\n"
        "  </mms>\n"
        "</smses>\n"
    )


def write(tmp_path: Path, text: str, name: str = "sms-20240201100000.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path: Path) -> MemorySink:
    probe = Probe.of(path)
    assert SmsBackupXmlImporter.score(probe) >= 50
    assert default_registry().choose(probe) is SmsBackupXmlImporter
    sink = MemorySink()
    SmsBackupXmlImporter().parse(probe, sink, ImportContext())
    return sink


def utc(item: ItemDraft, kind: str) -> str:
    (event,) = [e for e in item.events if e.kind == kind]
    return iso_utc(event.ts_utc_us)


def test_full_backup(tmp_path: Path) -> None:
    png = png_bytes()
    sink = run(write(tmp_path, backup(png)))
    assert [i.locator for i in sink.items] == ["sms 1", "sms 2", "sms 3", "sms 4", "mms 1"]
    assert all(i.kind == ItemKind.MESSAGE for i in sink.items)
    first, sent, amazon, draft, mms = sink.items

    assert first.text == "Hi 😀 are you there?\nCall me back"
    assert first.author is not None
    assert (first.author.name, first.author.phone) == ("Alice Smith", "+447700900123")
    assert [r.name for r in first.recipients] == ["Me"]
    assert first.meta["direction"] == "incoming"
    assert first.conversation == "Alice Smith"
    assert utc(first, "received") == "2024-01-01T10:00:00Z"
    assert utc(first, "sent") == "2024-01-01T09:59:55Z"
    assert first.events[0].confidence == Confidence.EXACT
    assert first.events[0].original == "1704103200000"
    assert first.meta["service_center"] == "+447785016005"

    assert sent.author is not None
    assert sent.author.name == "Me"
    assert sent.recipients[0].phone == "+447700900456"
    assert sent.recipients[0].name == ""
    assert sent.meta["direction"] == "outgoing"
    assert sent.conversation == "07700 900456"
    assert utc(sent, "sent") == "2024-01-01T11:00:00Z"

    assert amazon.author is not None
    assert (amazon.author.handle, amazon.author.phone) == ("AMAZON", "")
    assert draft.meta["status"] == "draft"

    assert mms.text == "Look at this\nfrom yesterday"
    assert mms.author is not None
    assert mms.author.phone == "+447700900123"
    assert utc(mms, "received") == "2024-01-01T14:00:00Z"
    assert mms.meta["addrs"] == [
        {"address": "+447700900123", "type": "from"},
        {"address": "+447700900999", "type": "to"},
    ]
    assert sink.children == [("IMG_20240101.png", png, "mms 1")]
    assert mms.meta["attachments"] == [
        {"name": "IMG_20240101.png", "mime": "image/png", "size": len(png)}
    ]
    assert sink.warnings == []
    assert sink.decisions["surrogate_pairs"] == "1 joined"
    assert sink.decisions["backup_set"] == "5f1c"


def test_surrogate_pair_split_across_chunks() -> None:
    repair = _Repair()
    out = repair.feed(b'body="a &#55357;') + repair.feed(b"&#56832; b &#1", final=False)
    out += repair.feed(b'; c"', final=True)
    assert out == b'body="a &#128512; b &#65533; c"'
    assert (repair.joined, repair.replaced) == (1, 1)


def test_pair_straddling_chunks() -> None:
    repair = _Repair()
    out = repair.feed(b"a &#55357;&#56") + repair.feed(b"832; b", final=True)
    assert out == b"a &#128512; b"
    assert (repair.joined, repair.replaced) == (1, 0)


def test_tiny_chunks_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, backup(png_bytes()))
    whole = run(path)
    monkeypatch.setattr(sms_xml, "CHUNK", 7)
    pieces = run(path)
    assert [i.text for i in pieces.items] == [i.text for i in whole.items]
    assert pieces.children == whole.children
    assert pieces.warnings == []
    assert pieces.decisions == whole.decisions


def test_invalid_characters_replaced_and_warned(tmp_path: Path) -> None:
    text = (
        HEADER + '<smses count="1"><sms address="+447700900123" date="1704103200000" type="1" '
        'body="bell &#7; lone &#55357; end" contact_name="Alice" /></smses>'
    )
    sink = run(write(tmp_path, text))
    assert sink.items[0].text == "bell \ufffd lone \ufffd end"
    assert sink.warnings == ["2 characters not allowed in XML replaced with U+FFFD"]


def test_truncated_backup_keeps_records_before_the_break(tmp_path: Path) -> None:
    text = backup(png_bytes())
    cut = text[: text.index('<sms protocol="0" address="AMAZON"') + 40]
    sink = run(write(tmp_path, cut))
    assert [i.locator for i in sink.items] == ["sms 1", "sms 2"]
    assert sink.warnings[0].startswith("XML broken (")
    assert sink.warnings[-1] == "the backup says it holds 5 records; 2 were read"


def test_dtd_is_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE smses [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<smses count="1"><sms address="1" date="1" type="1" body="&b;" /></smses>'
    )
    path = write(tmp_path, bomb)
    probe = Probe.of(path)
    assert SmsBackupXmlImporter.score(probe) == 0
    with pytest.raises(WrongFormat, match="DTD"):
        SmsBackupXmlImporter().parse(probe, MemorySink(), ImportContext())


def test_other_xml_is_not_claimed(tmp_path: Path) -> None:
    path = write(tmp_path, '<?xml version="1.0"?><rss><channel><sms/></channel></rss>')
    assert SmsBackupXmlImporter.score(Probe.of(path)) == 0


def test_call_log_backup(tmp_path: Path) -> None:
    text = (
        HEADER + '<calls count="2">'
        '<call number="+447700900123" duration="65" date="1704103200000" type="1" '
        'presentation="1" readable_date="1 Jan 2024 10:00:00" contact_name="Alice Smith" />'
        '<call number="+447700900123" duration="0" date="1704106800000" type="3" '
        'presentation="1" readable_date="1 Jan 2024 11:00:00" contact_name="Alice Smith" />'
        "</calls>"
    )
    sink = run(write(tmp_path, text, "calls-20240201.xml"))
    assert [i.kind for i in sink.items] == [ItemKind.CALL, ItemKind.CALL]
    assert [i.meta["status"] for i in sink.items] == ["incoming", "missed"]
    assert sink.items[0].meta["duration_s"] == 65
    assert utc(sink.items[1], "call") == "2024-01-01T11:00:00Z"


def test_pipeline_mms_picture_is_child_of_the_message(tmp_path: Path) -> None:
    path = write(tmp_path, backup(png_bytes()))
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(case, [path])
        (result,) = report.files
        assert (result.status, result.importer, result.items) == ("imported", "sms_xml", 5)
        with case.read() as s:
            mms = s.execute(
                select(Item).where(Item.source_id == result.source_id, Item.locator == "mms 1")
            ).scalar_one()
            child = s.execute(
                select(Source).where(Source.parent_id == result.source_id)
            ).scalar_one()
            assert child.name == "IMG_20240101.png"
            child_items = s.execute(select(Item).where(Item.source_id == child.id)).scalars().all()
            assert child_items
            assert all(i.parent_id == mms.id for i in child_items)
    finally:
        case.close()
