"""Meta (Facebook/Instagram) and WhatsApp business records: every dialect read by its labels,
through the import job, with identifiers, events and linked media checked in the case."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.case import Case
from app.demo_returns import MetaLogin, MetaMessage, write_demo_meta_returns, write_meta_return
from app.errors import WrongFormat
from app.importers.base import ImportContext, Probe
from app.importers.identifiers import ip_and_port
from app.importers.memory import MemorySink
from app.importers.meta_records import MetaRecordsImporter, parse_time
from app.importers.registry import default_registry
from app.ingest.job import FileResult, import_paths
from app.model import Confidence
from app.store.schema import Identifier
from app.timeline.clock import iso_utc
from tests.conftest import corpus_file
from tests.core.importers.return_rows import identifiers, items, one, record

D1 = "synthetic-returns/meta_business_record/D1_inline_style_div_table"
D3 = "synthetic-returns/meta_business_record/D3_2026_minified_t_o_i_m"
WHATSAPP = "synthetic-returns/whatsapp_business_record"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def imported(case: Case, paths: Sequence[Path]) -> list[FileResult]:
    report = import_paths(case, paths)
    return report.files


def copy_return(folder: Path, to: Path) -> Path:
    """A copy of a return folder (records.html and linked_media/) to edit; its records.html."""
    shutil.copytree(folder, to)
    return to / "records.html"


# -- the corpus: D1 and D3 carry the same record -------------------------------------------


@pytest.mark.parametrize(
    ("folder", "dialect"),
    [(D1, "inline-style div_table"), (D3, "2026 minified t/i/m")],
    ids=["D1-inline-style", "D3-2026-minified"],
)
def test_instagram_record_imports_with_values(case: Case, folder: str, dialect: str) -> None:
    records = corpus_file(f"{folder}/records.html")
    (result,) = imported(case, [records])
    assert (result.status, result.importer) == ("imported", "meta-records"), result.reason
    assert result.warnings == []
    assert result.decisions["layout"] == f"Instagram business record, {dialect} dialect"
    rows = items(case)

    (sub,) = record(rows, "subscriber")
    assert sub.meta["fields"]["Emails"] == "synthetic.person@example.com"
    assert sub.meta["fields"]["Registration Ip"] == "192.0.2.10"
    assert sub.meta["layout"] == result.decisions["layout"]
    assert sub.events == [
        ("registered", "2023-11-01T09:00:00Z", "exact", "2023-11-01 09:00:00 UTC")
    ]
    assert sub.meta["empty_sections"] == ["bio"]
    ids = identifiers(case)
    account = "instagram:9990000001"
    assert (account, "email", "synthetic.person@example.com") in [i[:3] for i in ids]
    assert (account, "phone", "+447700900123", "+447700900123 Verified", None, None) in ids
    assert (
        account,
        "registration-ip",
        "192.0.2.10",
        "192.0.2.10",
        None,
        "2023-11-01T09:00:00Z",
    ) in ids
    assert (account, "username", "synthetic.fake.profile") in [i[:3] for i in ids]

    # The login: address, port and time, in the identifiers table and on the timeline.
    login, session = record(rows, "login")
    assert (
        account,
        "ip",
        "198.51.100.23",
        "198.51.100.23:51234",
        51234,
        "2024-03-05T21:10:00Z",
    ) in ids
    assert login.events == [("login", "2024-03-05T21:10:00Z", "exact", "2024-03-05 21:10:00 UTC")]
    assert login.text.startswith("Login from 198.51.100.23 port 51234")
    assert session.meta["fields"]["Action"] == "Session Update"
    assert (account, "ip", "2001:db8::1", "2001:db8::1", None, "2024-03-06T07:45:12Z") in ids

    # The messages: text, UTC time, author, the thread.
    first, second = [r for r in rows if r.kind == "message"]
    assert first.text == "Synthetic message body 1."
    assert first.events == [("sent", "2024-03-05T21:12:00Z", "exact", "2024-03-05 21:12:00 UTC")]
    assert first.author == "Synthetic Person"
    assert first.meta["thread"] == "1000000000000001"
    assert second.events[0][1] == "2024-03-05T21:13:30Z"

    # The attachment: an image item whose parent is the second message.
    (image,) = [r for r in rows if r.kind == "image"]
    assert image.parent_id == second.id
    assert image.source == f"{records.resolve()}!/linked_media/unified_message_1001.png"
    assert second.meta["attachments"][0]["found"] is True
    png = records.parent / "linked_media" / "unified_message_1001.png"
    assert case.item_blob_sha(image.id) == hashlib.sha256(png.read_bytes()).hexdigest()

    # Linked accounts and the machine cookie seen with another account.
    assert (account, "linked-account", "facebook:1000000000000009") in [i[:3] for i in ids]
    (linked,) = record(rows, "account")
    assert linked.events == [("linked", "2023-11-02T10:00:00Z", "exact", "2023-11-02 10:00:00 UTC")]
    cookie = [i[:3] for i in ids if i[1] == "device"]
    assert cookie == [
        (account, "device", "SYNTHcookie0001"),
        ("facebook:1000000000000009", "device", "SYNTHcookie0001"),
    ]


def test_importing_the_return_folder_links_the_media_once(case: Case, tmp_path: Path) -> None:
    folder = corpus_file(D1)
    results = imported(case, [folder])
    assert [(Path(r.path).name, r.status) for r in results] == [
        ("records.html", "imported"),
        ("unified_message_1001.png", "duplicate"),  # already read as the message's child
    ]
    rows = items(case)
    (image,) = [r for r in rows if r.kind == "image"]
    assert one(rows, id=image.parent_id).kind == "message"


def test_whatsapp_record_imports_message_log_calls_and_login_ips(case: Case) -> None:
    (result,) = imported(case, [corpus_file(f"{WHATSAPP}/records.html")])
    assert (result.status, result.importer) == ("imported", "meta-records"), result.reason
    assert result.warnings == []
    assert result.decisions["layout"] == "WhatsApp business record, inline-style div_table dialect"
    rows = items(case)
    ids = identifiers(case)
    account = "whatsapp:447700900456"
    (sub,) = record(rows, "subscriber")
    assert sub.author == "+447700900456"
    assert (account, "phone", "+447700900456", "447700900456", None, None) in ids

    (message,) = [r for r in rows if r.kind == "message"]
    assert message.events == [("sent", "2024-03-05T21:14:03Z", "exact", "2024-03-05 21:14:03 UTC")]
    assert message.meta["fields"]["Message Id"] == "SYNTHMSG0001"
    assert (account, "ip", "203.0.113.7", "203.0.113.7", 45000, "2024-03-05T21:14:03Z") in ids

    (call,) = [r for r in rows if r.kind == "call"]
    assert [e[:2] for e in call.events] == [
        ("call_offer", "2024-03-05T22:00:00Z"),
        ("call_terminate", "2024-03-05T22:03:00Z"),
    ]
    assert call.text == (
        "WhatsApp audio call: offer 2024-03-05 22:00:00 UTC, terminate 2024-03-05 22:03:00 UTC"
    )
    assert (account, "ip", "203.0.113.8", "203.0.113.8", 55001, "2024-03-05T22:00:00Z") in ids

    (login,) = record(rows, "login")
    assert login.events[0][:2] == ("login", "2024-03-05T20:00:00Z")
    assert (account, "ip", "203.0.113.10", "203.0.113.10", 55261, "2024-03-05T20:00:00Z") in ids


# -- the other dialects, written here -------------------------------------------------------


def _d2(label: str, value: str | list[Any]) -> str:
    """The `div_table inner` / `most_inner` dialect RLEAPP's fbig modules read."""
    inner = value if isinstance(value, str) else "".join(_d2(*f) for f in value)
    return (
        f'<div class="div_table outer"><div class="div_table inner">{label}'
        f'<div class="most_inner">{inner}</div></div></div>'
    )


def _d4(label: str, value: str | list[Any]) -> str:
    """Instagram's table dialect: a th beside its td, nested tables for groups."""
    if isinstance(value, str):
        return f"<tr><th>{label}</th><td>{value}</td></tr>"
    return f"<tr><th>{label}</th><td><table>{''.join(_d4(*f) for f in value)}</table></td></tr>"


SAMPLE: list[tuple[str, list[Any]]] = [
    (
        "request_parameters",
        [
            ("Service", "Facebook"),
            ("Target", "100000000000777"),
            ("Account Identifier", "sample.person"),
        ],
    ),
    ("emails", [("Emails Definition", "(omitted)"), ("Emails", "Sample.Person@Example.com")]),
    (
        "ip_addresses",
        [
            (
                "Ip Addresses",
                [
                    ("IP Address", "[2001:db8::7]:8443"),
                    ("Time", "2024-03-05 21:10:00 UTC"),
                    ("IP Address", "198.51.100.9:40001"),
                    ("Time", "1709673600"),
                ],
            )
        ],
    ),
]


def _page(body: str, title: str = "Facebook Business Record") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def test_div_table_inner_dialect(case: Case, tmp_path: Path) -> None:
    body = "".join(
        f'<div id="property-{name}">{"".join(_d2(*f) for f in fields)}</div>'
        for name, fields in SAMPLE
    )
    path = tmp_path / "records.html"
    path.write_text(_page(body))
    (result,) = imported(case, [path])
    assert (
        result.decisions["layout"] == "Facebook business record, div_table inner/most_inner dialect"
    )
    _check_sample(case)


def test_instagram_table_dialect_without_section_ids(case: Case, tmp_path: Path) -> None:
    rows = "".join(_d4(*f) for f in SAMPLE[0][1])  # request parameters at the top
    rows += _d4("Emails", "Sample.Person@Example.com")
    rows += _d4("Ip Addresses", SAMPLE[2][1][0][1])
    path = tmp_path / "index.html"
    path.write_text(_page(f"<table>{rows}</table>"))
    (result,) = imported(case, [path])
    assert result.status == "imported", result.reason
    assert result.decisions["layout"] == "Facebook business record, table th/td dialect"
    _check_sample(case)


def _check_sample(case: Case) -> None:
    ids = identifiers(case)
    account = "facebook:100000000000777"
    assert (account, "email", "sample.person@example.com", "Sample.Person@Example.com") in [
        i[:4] for i in ids
    ]
    assert (account, "ip", "2001:db8::7", "[2001:db8::7]:8443", 8443, "2024-03-05T21:10:00Z") in ids
    # an epoch time is exact too
    assert (
        account,
        "ip",
        "198.51.100.9",
        "198.51.100.9:40001",
        40001,
        "2024-03-05T21:20:00Z",
    ) in ids


@pytest.mark.parametrize(
    "label_part",
    [
        '<div class="t o"><div class="t i">IP Address</div></div>',
        '<div class="t o"><div class="t i">IP Address<div class="m"></div></div></div>',
    ],
    ids=["label-alone", "label-with-empty-value"],
)
def test_page_break_between_a_label_and_its_value_is_merged(
    case: Case, tmp_path: Path, label_part: str
) -> None:
    """The 2026 dialect may split a label from its value across a page break."""
    path = copy_return(corpus_file(D3), tmp_path / "return")
    text = path.read_text()
    split = (
        label_part + '<div>Instagram Business Record Page 7</div><div class="pageBreak"></div>'
        '<div class="t o"><div class="t i"><div class="m">198.51.100.23:51234</div></div></div>'
    )
    whole = (
        '<div class="t o"><div class="t i">IP Address<div class="m">198.51.100.23:51234</div>'
        "</div></div>"
    )
    assert whole in text
    path.write_text(text.replace(whole, split))
    (result,) = imported(case, [path])
    assert result.warnings == []
    account = "instagram:9990000001"
    assert (
        account,
        "ip",
        "198.51.100.23",
        "198.51.100.23:51234",
        51234,
        "2024-03-05T21:10:00Z",
    ) in identifiers(case)


# -- what goes wrong -----------------------------------------------------------------------


def test_page_without_record_labels_fails_clearly(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "records.html"
    path.write_text(
        _page(
            '<div id="property-foo"><p>Hello</p><div>Nothing here</div></div>',
            "Instagram Business Record",
        )
    )
    (result,) = imported(case, [path])
    assert result.status == "failed"
    assert result.importer == "meta-records"
    assert "no business-record labels found" in result.reason
    assert items(case) == []


def test_an_ordinary_web_page_is_not_taken_for_a_record(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(_page("<table><tr><th>Name</th><td>Cake</td></tr></table>", "Recipes"))
    assert MetaRecordsImporter.score(Probe.of(path)) == 0
    with pytest.raises(WrongFormat, match="no business-record labels"):
        _parse_text(tmp_path, "<html><body><p>plain</p><div>Name</div></body></html>")


def _parse_text(tmp_path: Path, text: str, name: str = "records.html") -> MemorySink:
    path = tmp_path / name
    path.write_text(text)
    sink = MemorySink()
    MetaRecordsImporter().parse(Probe.of(path), sink, ImportContext())
    return sink


def test_truncated_record_keeps_what_was_read_and_says_so(case: Case, tmp_path: Path) -> None:
    text = corpus_file(f"{D1}/records.html").read_text()
    cut = text.index("2001:db8::1") + len("2001:db8::1")  # inside the second IP row
    path = tmp_path / "records.html"
    path.write_text(text[:cut])
    (result,) = imported(case, [path])
    assert result.status == "imported", result.reason
    assert any("truncated" in w for w in result.warnings), result.warnings
    assert "ip_addresses row 2: no time given" in result.warnings
    ids = identifiers(case)
    assert (
        "instagram:9990000001",
        "ip",
        "198.51.100.23",
        "198.51.100.23:51234",
        51234,
        "2024-03-05T21:10:00Z",
    ) in ids
    assert ("instagram:9990000001", "ip", "2001:db8::1", "2001:db8::1", None, None) in ids
    rows = items(case)
    assert [r.kind for r in rows].count("message") == 0  # the messages came after the cut


def test_unknown_labels_and_sections_are_warned_about_and_kept(case: Case, tmp_path: Path) -> None:
    path = copy_return(corpus_file(D3), tmp_path / "return")
    text = path.read_text()
    carrier = (
        '<div class="t o"><div class="t i">Carrier<div class="m">Example Mobile</div></div></div>'
    )
    anchor = '<div class="t o"><div class="t i">Action<div class="m">Login</div></div></div>'
    assert anchor in text
    text = text.replace(anchor, anchor + carrier)
    extra = (
        '<div id="property-horoscope" class="content-pane"><div class="t o"><div class="t i">'
        'Star Sign<div class="m">Libra</div></div></div></div>'
    )
    text = text.replace("</div></body>", extra + "</div></body>")
    path.write_text(text)
    (result,) = imported(case, [path])
    assert result.warnings == [
        "ip_addresses/Carrier: not understood, kept as text",
        "horoscope: not understood, kept as text",
    ]
    rows = items(case)
    assert record(rows, "login")[0].meta["fields"]["Carrier"] == "Example Mobile"
    (other,) = record(rows, "other")
    assert other.meta["fields"] == {"Star Sign": "Libra"}
    assert "Star Sign: Libra" in other.text


def test_missing_linked_media_is_named_in_a_warning(case: Case, tmp_path: Path) -> None:
    shutil.copy(corpus_file(f"{D1}/records.html"), tmp_path / "records.html")  # no linked_media/
    (result,) = imported(case, [tmp_path / "records.html"])
    assert result.warnings == [
        "attachment linked_media/unified_message_1001.png named by the return was not found "
        "beside records.html (unified_messages thread 1000000000000001 message 2; withheld "
        "or removed?)"
    ]
    rows = items(case)
    message = [r for r in rows if r.kind == "message"][1]
    assert message.meta["attachments"] == [
        {
            "name": "unified_message_1001.png",
            "type": "image/png",
            "size": "69",
            "linked_media": "linked_media/unified_message_1001.png",
            "found": False,
        }
    ]
    assert not [r for r in rows if r.kind == "image"]


def test_a_record_read_without_its_folder_says_why_media_was_not_looked_for() -> None:
    probe = Probe.of(corpus_file(f"{D1}/records.html"))  # no origin: as an archive member
    sink = MemorySink()
    MetaRecordsImporter().parse(probe, sink, ImportContext())
    assert sink.children == []
    assert sink.warnings == [
        "attachment linked_media/unified_message_1001.png named by the return was not found: "
        "the record was not read from a folder, so its linked_media/ could not be looked in"
    ]


def test_a_linked_media_path_leaving_the_folder_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(PNG)
    folder = tmp_path / "return"
    folder.mkdir()
    text = corpus_file(f"{D3}/records.html").read_text()
    text = text.replace("linked_media/unified_message_1001.png", "linked_media/../../secret.png")
    path = folder / "records.html"
    path.write_text(text)
    probe = dataclasses.replace(Probe.of(path), origin=path)
    sink = MemorySink()
    MetaRecordsImporter().parse(probe, sink, ImportContext())
    assert sink.children == []
    assert any("leaves the return's folder: not followed" in w for w in sink.warnings)


def test_registry_chooses_the_reader_by_content(tmp_path: Path) -> None:
    copy = tmp_path / "export.txt"  # the name says nothing; the content does
    shutil.copy(corpus_file(f"{D3}/records.html"), copy)
    assert default_registry().choose(Probe.of(copy)) is MetaRecordsImporter


# -- the helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("198.51.100.23:51234", ("198.51.100.23", 51234)),
        ("198.51.100.23", ("198.51.100.23", None)),
        ("[2001:DB8::1]:443", ("2001:db8::1", 443)),
        ("2001:db8:0:0::1", ("2001:db8::1", None)),
        ("::ffff:192.0.2.1", ("192.0.2.1", None)),
        ("198.51.100.23:99999", None),
        ("0.0.0.0", None),
        ("not an address", None),
    ],
)
def test_split_ip_port(raw: str, expected: tuple[str, int | None] | None) -> None:
    assert ip_and_port(raw) == expected


def test_parse_time_states_its_confidence() -> None:
    utc = parse_time("2024-03-05 21:10:00 UTC", "login")
    assert utc is not None
    assert (iso_utc(utc.ts_utc_us), utc.confidence, utc.zone) == (
        "2024-03-05T21:10:00Z",
        Confidence.EXACT,
        "UTC",
    )
    bare = parse_time("2024-03-05 21:10:00", "login")  # no zone: Meta documents UTC
    assert bare is not None
    assert (bare.confidence, bare.zone) == (Confidence.ASSUMED_ZONE, "UTC")
    pst = parse_time("2024-03-05 14:20:00 PST", "seen")
    assert pst is not None
    assert (iso_utc(pst.ts_utc_us), pst.confidence) == ("2024-03-05T22:20:00Z", Confidence.EXACT)
    old = parse_time("Wed Aug 19 12:00:00 UTC 2021", "sent")
    assert old is not None
    assert iso_utc(old.ts_utc_us) == "2021-08-19T12:00:00Z"
    assert parse_time("1709673600000", "x") is not None
    assert parse_time("2024-02-30 10:00:00 UTC", "x") is None
    assert parse_time("2023-11-01 00:00:00 UTC to 2024-04-01 23:59:59 UTC", "x") is None


# -- the demo writer ------------------------------------------------------------------------


def test_write_meta_return_round_trips_through_the_reader(case: Case, tmp_path: Path) -> None:
    when = datetime(2024, 3, 9, 23, 6, 40, tzinfo=UTC)
    for dialect in ("2026", "inline"):
        written = write_meta_return(
            tmp_path / dialect,
            account_id=f"178414000000{len(dialect)}",
            logins=[("203.0.113.45", 50112, when), MetaLogin("2001:db8::9", None, when)],
            emails=["Jess.R.92@example.net"],
            messages=[MetaMessage("Jess R", "1", when, f"hello <you> {dialect}", image=PNG)],
            other=("Sarah Mitchell", "2"),
            linked_accounts=[("Facebook", "100000000000456", when)],
            dialect=dialect,
        )
        (result,) = imported(case, [written.records])
        assert result.status == "imported", result.reason
        assert result.warnings == []
        ids = [i for i in identifiers(case) if i[0] == written.account]
        assert (
            written.account,
            "ip",
            "203.0.113.45",
            "203.0.113.45:50112",
            50112,
            "2024-03-09T23:06:40Z",
        ) in ids
        assert (
            written.account,
            "ip",
            "2001:db8::9",
            "2001:db8::9",
            None,
            "2024-03-09T23:06:40Z",
        ) in ids
        assert (written.account, "email", "jess.r.92@example.net") in [i[:3] for i in ids]
        assert (written.account, "linked-account", "facebook:100000000000456") in [
            i[:3] for i in ids
        ]
    rows = items(case)
    messages = [r for r in rows if r.kind == "message"]
    assert [m.text for m in messages] == ["hello <you> 2026", "hello <you> inline"]
    images = [r for r in rows if r.kind == "image"]
    assert [one(rows, id=i.parent_id).id for i in images] == [m.id for m in messages]


def test_demo_meta_returns_share_an_address_and_port_minutes_apart(
    case: Case, tmp_path: Path
) -> None:
    fake, own = write_demo_meta_returns(tmp_path)
    results = imported(case, [fake.records, own.records])
    assert [r.status for r in results] == ["imported", "imported"]
    with case.read() as s:
        shared = s.execute(
            select(Identifier.account, Identifier.ts_utc_us).where(
                Identifier.kind == "ip",
                Identifier.value == "203.0.113.45",
                Identifier.port == 50112,
            )
        ).all()
    by_account = {account: ts for account, ts in shared if ts is not None}
    assert set(by_account) == {fake.account, own.account}
    assert by_account[fake.account] - by_account[own.account] == 210 * 1_000_000  # 3½ min
