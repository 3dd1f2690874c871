"""E-mail: every corpus message and mailbox, synthetic edge cases, and the import pipeline."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import select

from app.case import Case
from app.errors import WrongFormat
from app.importers import email as email_mod
from app.importers.base import ImportContext, ImportOptions, Probe
from app.importers.email import (
    EmailImporter,
    html_to_text,
    normalise_subject,
    parse_mail_date,
    sniff,
)
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.ingest.job import import_paths
from app.model import Confidence, ItemDraft, ItemKind
from app.store.schema import Item, Source
from app.timeline.clock import iso_utc
from tests.conftest import corpus_file


def run(path: Path, zone: str = "Europe/London") -> MemorySink:
    probe = Probe.of(path)
    assert EmailImporter.score(probe) >= 50
    assert default_registry().choose(probe) is EmailImporter
    sink = MemorySink()
    EmailImporter().parse(probe, sink, ImportContext(ImportOptions(zone=zone)))
    return sink


def run_bytes(tmp_path: Path, data: bytes, name: str = "m.eml") -> MemorySink:
    path = tmp_path / name
    path.write_bytes(data)
    return run(path)


def utc(item: ItemDraft) -> str:
    assert item.events, f"{item.locator} has no event"
    return iso_utc(item.events[0].ts_utc_us)


def child_names(sink: MemorySink) -> list[str]:
    return [name for name, _data, _key in sink.children]


# -- the corpus: one row per file ---------------------------------------------------------

# file, messages, subject of the first, author handle (or name) of the first, first event in
# UTC (or None), names of the files handed over, number of warnings
CORPUS = [
    (
        "cpython__mailbox_01.mbox",
        1,
        "unquoted From in body; extra info on From line",
        "foo",
        "2022-08-07T10:40:37Z",
        [],
        0,
    ),
    (
        "flanker__enclosed-broken.eml",
        1,
        "Wow",
        "bob@example.net",
        "2012-06-30T13:05:55Z",
        ["thanks.eml"],
        2,
    ),
    (
        "flanker__false-multipart.eml",
        1,
        "Broken MIME",
        "broken.mime@notreallymultipart.com",
        None,
        [],
        1,
    ),
    (
        "flanker__iphone.eml",
        1,
        "Subject",
        "someone@somewhere.com",
        "2011-06-17T20:24:10Z",
        ["photo.JPG"],
        0,
    ),
    (
        "flanker__mailformed-headers.eml",
        1,
        "\ufffd!",
        "headers@gmail.com",
        "2012-07-13T12:06:49Z",
        [],
        1,
    ),
    (
        "flanker__outlook-express.eml",
        1,
        "Sup?",
        "bob@example.com",
        "2015-07-14T04:19:08Z",
        ["\ufffd½\ufffd \ufffdı\ufffd\ufffdĵ\ufffd.txt"],
        0,
    ),
    (
        "flanker__russian-attachment-yahoo.eml",
        1,
        "Hello",
        "mailboxaddr1234567@yahoo.com",
        "2012-06-29T12:06:37Z",
        ["Картинка с очень, очень длинным предлинным именем преименем таким чт\ufffd"],
        0,
    ),
    (
        "rubymail__attachment_nonascii_filename.eml",
        1,
        "testing",
        "foo@example.com",
        "2005-06-06T20:21:22Z",
        ["ciële.txt"],
        0,
    ),
    (
        "rubymail__bad_date_header.eml",
        1,
        "You may_be Eligible for Legitimate_Cash from_GovAgencies! ",
        "infoz@reactive-outpost.com",
        "2010-12-11T03:20:19Z",
        [],
        1,
    ),
    (
        "rubymail__japanese_shift_jis.eml",
        1,
        "test",
        "xxxxxxx@docomo.ne.jp",
        "2014-05-28T08:18:19Z",
        [],
        0,
    ),
    (
        "rubymail__raw_email_with_bad_date.eml",
        1,
        "Microsoft Vlsta & Office2007, Just released for 79$ Save 1599.95$ 0ff Retai|",
        "subventive@vodtravel.com",
        "2007-11-05T09:17:37Z",
        [],
        1,
    ),
    ("rubymail__utf8_headers.eml", 1, "Säying Hello", "jdöe@mächine.example", None, [], 0),
    (
        "tika__complex.mbox",
        3,
        "Re: question about when shuffle/sort start working",
        "jothipn@yahoo-inc.com",
        "2009-06-01T04:26:31Z",
        [],
        0,
    ),
    ("tika__multiline2.mbox", 1, "", None, "2009-06-01T09:00:00Z", [], 0),
    ("tika__quoted.mbox", 1, "", None, "2009-06-01T09:00:00Z", [], 0),
    ("tika__simple.mbox", 2, "", None, "2009-06-01T09:00:00Z", [], 0),
    (
        "tika__testEmailWithPNGAtt.eml",
        1,
        "Test Attachment Email",
        "xxxx@apache.org",
        "2016-07-20T16:35:02Z",
        ["testPNG.png"],
        0,
    ),
    ("tika__testLotusEml.eml", 1, "", "xxx.xxx@xxxx.de", "2012-10-04T11:02:39Z", [], 0),
    (
        "tika__testMBOX_lengthy_x-headers.mbox",
        1,
        "RE: Var simulation",
        "naveen.andrews@enron.com",
        "2002-01-30T23:07:01Z",
        [],
        0,
    ),
    (
        "tika__testRFC822_encrypted_zip",
        1,
        "Test mail for Tika",
        "juha.haaga@gmail.com",
        "2015-01-16T07:35:46Z",
        ["test.zip"],
        0,
    ),
    (
        "tika__testRFC822_i18nheaders",
        1,
        "If you can read this you understand the example.",
        "keld@dkuug.dk",
        None,
        [],
        0,
    ),
    (
        "tika__testRFC822_oddfrom",
        1,
        "Air Permit Programs | Air & Radiation | US EPA",
        "Saved by Windows Internet Explorer 7",
        "2008-02-15T23:01:15Z",
        [
            "logo_epaseal.gif",
            "epa-content.css",
            "epa.css",
            "epa-content.css",
            "print.css",
            "epa-core.js",
        ],
        0,
    ),
    (
        "tika__testThunderbirdEml.eml",
        1,
        "JUnit test message",
        "vladimir_l@example.com",
        "2012-11-21T20:11:32Z",
        [],
        0,
    ),
]


@pytest.mark.parametrize(
    ("name", "count", "subject", "sender", "first_utc", "children", "warnings"), CORPUS
)
def test_corpus_file(
    name: str,
    count: int,
    subject: str,
    sender: str | None,
    first_utc: str | None,
    children: list[str],
    warnings: int,
) -> None:
    sink = run(corpus_file(f"email/{name}"))
    assert len(sink.items) == count
    first = sink.items[0]
    assert first.kind == ItemKind.EMAIL
    assert first.meta["subject"] == subject
    if sender is None:
        assert first.author is None
    else:
        assert first.author is not None
        assert sender in (first.author.handle, first.author.name)
    if first_utc is None:
        assert first.events == []
    else:
        assert utc(first) == first_utc
    assert child_names(sink) == children
    assert all(key == first.key for _n, _d, key in sink.children)
    assert len(sink.warnings) == warnings, sink.warnings


def test_every_corpus_email_file_is_covered() -> None:
    folder = corpus_file("email/tika__complex.mbox").parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(row[0] for row in CORPUS)


# -- the corpus: details ------------------------------------------------------------------


def test_mbox_unquoted_from_in_body_stays_in_one_message() -> None:
    sink = run(corpus_file("email/cpython__mailbox_01.mbox"))
    (item,) = sink.items
    assert item.locator == "message 1"
    assert item.text == "Hello\n\nFrom time to time\n"
    assert item.meta["mbox_from"] == "From MAILER-DAEMON Sun Aug  7 11:40:37 2022 extra info"
    # No Date header: the From_ line's time, read in the case's zone (BST in August).
    assert item.events[0].kind == "received"
    assert item.events[0].confidence == Confidence.ASSUMED_ZONE
    assert sink.decisions == {"mail_format": "mbox", "messages": "1"}


def test_mbox_counts_and_threading_of_complex_mbox() -> None:
    sink = run(corpus_file("email/tika__complex.mbox"))
    assert [i.locator for i in sink.items] == ["message 1", "message 2", "message 3"]
    senders = [i.author.name if i.author else "" for i in sink.items]
    assert senders == ["Jothi Padmanabhan", "Jianmin Woo", "Jothi Padmanabhan"]
    # Message 2 replies to 1 (References) and 3 to 2 (In-Reply-To): one thread.
    assert {i.conversation for i in sink.items} == {
        "<440622.41041.qm@web111005.mail.gq1.yahoo.com>"
    }
    assert sink.items[1].meta["in_reply_to"] == "<C649564F.1435F%jothipn@yahoo-inc.com>"
    assert sink.items[0].meta["thread_subject"] == "question about when shuffle/sort start working"
    assert [utc(i) for i in sink.items] == [
        "2009-06-01T04:26:31Z",
        "2009-06-01T05:30:49Z",
        "2009-06-01T06:03:13Z",
    ]
    assert sink.items[0].meta["mbox_from"].startswith("From core-user-return-14700-apmail")


def test_mbox_without_headers_and_final_newline() -> None:
    sink = run(corpus_file("email/tika__simple.mbox"))
    assert [i.text for i in sink.items] == ["Test content 1\n", "Test content 2"]
    assert [utc(i) for i in sink.items] == ["2009-06-01T09:00:00Z", "2010-06-01T10:00:00Z"]
    assert sink.items[0].conversation == "(no subject)"


def test_mbox_header_like_lines_in_body_stay_body() -> None:
    sink = run(corpus_file("email/tika__multiline2.mbox"))
    (item,) = sink.items
    assert item.text == "Test content\n    outside of header\nContent-type: something\n or other"
    assert item.meta["received"] == ["from xxx by xxx with xxx; date"]
    assert "Content-Type" not in item.meta["headers"]


def test_mbox_quoted_and_lengthy_headers() -> None:
    quoted = run(corpus_file("email/tika__quoted.mbox"))
    assert quoted.items[0].text == "Test content\n> quoted stuff"
    enron = run(corpus_file("email/tika__testMBOX_lengthy_x-headers.mbox"))
    (item,) = enron.items
    assert item.text == "the quick brown fox jumped over the lazy dog"
    assert item.meta["message_id"] == "<8269158.1075842014924.JavaMail.evans@thyme>"
    assert [r.handle for r in item.recipients] == ["andy.zipper@enron.com"]


def test_rfc2047_header_decoded() -> None:
    sink = run(corpus_file("email/tika__testRFC822_i18nheaders"))
    (item,) = sink.items
    assert item.author is not None
    assert item.author.name == "Keld Jørn Simonsen"
    assert item.meta["from"] == "Keld Jørn Simonsen <keld@dkuug.dk>"
    assert item.recipients[0].name == "Nobody in Particular"
    assert item.text == "Examples taken from RFC 2047. \n"
    assert sink.decisions["mail_format"] == "eml"


def test_raw_utf8_headers_rfc6532() -> None:
    (item,) = run(corpus_file("email/rubymail__utf8_headers.eml")).items
    assert item.author is not None
    assert (item.author.name, item.author.handle) == ("Jöhn Doe", "jdöe@mächine.example")
    assert (item.recipients[0].name, item.recipients[0].handle) == (
        "Märy Smith",
        "märy@exämple.net",
    )
    assert item.conversation == "Säying Hello"


def test_encoded_utf8_recipient_name() -> None:
    (item,) = run(corpus_file("email/flanker__enclosed-broken.eml")).items
    assert item.recipients[0].name == "Александр Клижентас☯"
    assert item.recipients[0].handle == "bob@example.com"


def test_shift_jis_body() -> None:
    (item,) = run(corpus_file("email/rubymail__japanese_shift_jis.eml")).items
    assert item.text.startswith("あいうえお\r\n")
    assert "このメールはテスト用のメールです。" in item.text
    assert item.meta["html"] is False
    # +0900 converted to UTC.
    assert utc(item) == "2014-05-28T08:18:19Z"
    assert item.events[0].original == "Wed, 28 May 2014 17:18:19 +0900 (JST)"


def test_bad_dates_warned_and_received_used() -> None:
    sink = run(corpus_file("email/rubymail__raw_email_with_bad_date.eml"))
    assert sink.warnings == ["Date header unreadable: 'Pn, 29 paX 2007 21:13:00 +0100'"]
    (item,) = sink.items
    assert item.meta["date"] == "Pn, 29 paX 2007 21:13:00 +0100"
    assert item.events[0].kind == "received"
    assert item.events[0].original == "Mon,  5 Nov 2007 20:17:37 +1100 (EST)"
    assert item.text.startswith("hotnewsoft . com")

    empty = run(corpus_file("email/rubymail__bad_date_header.eml"))
    assert empty.warnings == ["Date header unreadable: '<HR>'"]
    assert len(empty.items) == 1
    assert utc(empty.items[0]) == "2010-12-11T03:20:19Z"
    # In-Reply-To holds an address, not a message id: the subject names the thread.
    assert (
        empty.items[0].conversation == "You may_be Eligible for Legitimate_Cash from_GovAgencies!"
    )


def test_attachments_handed_to_add_child() -> None:
    sink = run(corpus_file("email/tika__testEmailWithPNGAtt.eml"))
    ((name, data, key),) = sink.children
    assert (name, key) == ("testPNG.png", "message 1")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert sink.items[0].meta["attachments"] == [
        {"name": "testPNG.png", "mime": "image/png", "size": len(data)}
    ]

    nonascii = run(corpus_file("email/rubymail__attachment_nonascii_filename.eml"))
    assert nonascii.children == [("ciële.txt", b"Hi there.\r\n", "message")]
    assert nonascii.items[0].text == "This is the first part.\r\n"

    russian = run(corpus_file("email/flanker__russian-attachment-yahoo.eml"))
    ((rname, rdata, _),) = russian.children
    assert rname.startswith("Картинка с очень, очень длинным")
    assert rdata.startswith(b"\x89PNG")


def test_encrypted_zip_attachment_just_handed_over() -> None:
    sink = run(corpus_file("email/tika__testRFC822_encrypted_zip"))
    ((name, data, _),) = sink.children
    assert name == "test.zip"
    assert data.startswith(b"PK\x03\x04")
    assert sink.items[0].text.startswith(
        'Includes encrypted zip file as attachment. password is "test".'
    )
    assert sink.items[0].meta["has_html_part"] is True
    assert sink.items[0].meta["html"] is False


def test_iphone_inline_photo_and_split_body() -> None:
    sink = run(corpus_file("email/flanker__iphone.eml"))
    (item,) = sink.items
    assert item.text.startswith("Hello")
    assert item.text.endswith("~Danielle")
    assert item.meta["headers"]["Delivered-To"] == "example@example.com"
    ((name, data, _),) = sink.children
    assert name == "photo.JPG"
    assert data.startswith(b"\xff\xd8")


def test_broken_enclosure_warned_not_failed() -> None:
    sink = run(corpus_file("email/flanker__enclosed-broken.eml"))
    assert sink.warnings[0].startswith("enclosed message thanks.eml is damaged")
    ((name, data, _),) = sink.children
    assert name == "thanks.eml"
    assert b"Subject: Thanks!" in data
    assert sink.items[0].text == "Hello\r\n"


def test_false_multipart_and_malformed_headers_kept() -> None:
    sink = run(corpus_file("email/flanker__mailformed-headers.eml"))
    (item,) = sink.items
    assert item.author is not None
    assert item.author.name.startswith("Юникод запрещен")
    assert "Hello" in item.text
    assert sink.warnings == [
        "damaged MIME structure: multipart boundary never found, body kept as raw text"
    ]
    false = run(corpus_file("email/flanker__false-multipart.eml"))
    assert false.items[0].meta["message_id"] == "<12345@example.com>"


def test_html_only_bodies_converted() -> None:
    (lotus,) = run(corpus_file("email/tika__testLotusEml.eml")).items
    assert lotus.text == "Message body"
    assert lotus.meta["html"] is True
    (odd,) = run(corpus_file("email/tika__testRFC822_oddfrom")).items
    assert odd.author is not None
    assert odd.author.name == "Saved by Windows Internet Explorer 7"
    assert "Air Quality Planning & Standards" in odd.text
    assert "<" not in odd.text.split("\n")[0]


def test_outlook_single_part_attachment_and_thunderbird() -> None:
    sink = run(corpus_file("email/flanker__outlook-express.eml"))
    ((_name, data, _),) = sink.children
    assert data.decode("utf-8") == "текстовое вложение"
    assert sink.items[0].text == ""
    assert sink.items[0].recipients[0].name == "Ally"
    (tb,) = run(corpus_file("email/tika__testThunderbirdEml.eml")).items
    assert tb.author is not None
    assert tb.author.name == "Vladimir L."
    assert tb.meta["headers"]["X-Mailer"] == "WWW-Mail 6100 (Global Message Exchange)"
    assert len(tb.meta["received"]) == 5


# -- synthetic ----------------------------------------------------------------------------


def test_emlx_length_line_and_plist_trailer(tmp_path: Path) -> None:
    message = (
        b"From: Ann <ann@example.org>\nTo: bob@example.org\nSubject: emlx\n"
        b"Date: Tue, 2 Jan 2024 09:00:00 +0000\nMessage-ID: <e1@example.org>\n\nHi Bob\n"
    )
    plist = b'<?xml version="1.0"?>\n<plist version="1.0"><dict><key>flags</key></dict></plist>\n'
    data = str(len(message)).encode() + b"\n" + message + plist
    assert sniff(data) == "emlx"
    sink = run_bytes(tmp_path, data, "1234.emlx")
    (item,) = sink.items
    assert item.text == "Hi Bob\n"
    assert utc(item) == "2024-01-02T09:00:00Z"
    assert sink.warnings == []
    assert sink.decisions["mail_format"] == "emlx"


def test_mbox_rd_quoting_and_two_messages(tmp_path: Path) -> None:
    data = (
        b"From a@example.org Mon Jan  1 10:00:00 2024\n"
        b"From: a@example.org\nSubject: one\nMessage-ID: <1@x>\n\n>From the start\n>>From two\n\n"
        b"From b@example.org Mon Jan  1 11:00:00 +0000 2024\n"
        b"From: b@example.org\nSubject: Re: one\nIn-Reply-To: <1@x>\n\nreply\n"
    )
    sink = run_bytes(tmp_path, data, "box")
    assert [i.text for i in sink.items] == ["From the start\n>From two\n", "reply\n"]
    assert [i.conversation for i in sink.items] == ["<1@x>", "<1@x>"]


def test_html_only_message_with_script_and_breaks(tmp_path: Path) -> None:
    data = (
        b"From: x@example.org\nTo: y@example.org\nSubject: html\n"
        b"Date: Sun, 31 Mar 2024 01:30:00 -0000\nContent-Type: text/html; charset=utf-8\n\n"
        b"<html><head><style>p{}</style><script>alert(1)</script></head><body>"
        b"<p>Line&nbsp;one</p><div>two<br>three</div><ul><li>a</li><li>b</li></ul></body></html>"
    )
    sink = run_bytes(tmp_path, data)
    (item,) = sink.items
    assert item.text == "Line one\n\ntwo\nthree\n\na\nb"
    assert item.meta["html"] is True
    # -0000: no zone known, read in the case's zone (01:30 GMT on the day clocks go forward).
    assert item.events[0].confidence == Confidence.ASSUMED_ZONE
    assert item.events[0].zone == "Europe/London"


def test_koi8r_headers_and_body_and_nameless_attachment(tmp_path: Path) -> None:
    subject = "Привет".encode("koi8-r")
    data = (
        b"From: =?koi8-r?B?" + base64.b64encode("Иван".encode("koi8-r")) + b"?= "
        b"<ivan@example.ru>\nTo: a@example.org\nSubject: " + subject + b"\n"
        b"Date: 16 May 2016 at 09:30:32  GMT+1\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b'--b\nContent-Type: text/plain; charset="koi8-r"\nContent-Transfer-Encoding: 8bit\n\n'
        + "Текст письма".encode("koi8-r")
        + b"\n--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
        b"--b--\n"
    )
    sink = run_bytes(tmp_path, data)
    (item,) = sink.items
    assert item.author is not None
    assert item.author.name == "Иван"
    assert item.meta["subject"] == "Привет"
    assert item.text.startswith("Текст письма")
    assert utc(item) == "2016-05-16T08:30:32Z"
    assert child_names(sink) == ["attachment-1.png"]


def test_deep_nesting_is_bounded(tmp_path: Path) -> None:
    depth = email_mod.MAX_MIME_DEPTH + 5
    parts = [b"From: a@example.org\nSubject: deep\n"]
    for level in range(depth):
        parts.append(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (level, level))
    parts.append(b"Content-Type: text/plain\n\ndeepest\n")
    parts.extend(b"--b%d--\n" % level for level in reversed(range(depth)))
    sink = run_bytes(tmp_path, b"".join(parts))
    assert len(sink.items) == 1
    assert any("nested deeper" in w for w in sink.warnings)


def test_default_policy_crash_falls_back_to_compat32(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = email_mod._build

    def flaky(msg, parsed_with, *args):  # type: ignore[no-untyped-def]
        if parsed_with == "default":
            raise IndexError("simulated parser bug")
        return real(msg, parsed_with, *args)

    monkeypatch.setattr(email_mod, "_build", flaky)
    sink = run_bytes(tmp_path, b"From: a@example.org\nSubject: s\n\nbody\n")
    (item,) = sink.items
    assert item.meta["parsed_with"] == "compat32"
    assert item.text == "body\n"
    assert sink.warnings == ["read with the lenient compat32 parser (the message is malformed)"]


def test_not_mail_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Dear diary,\nFrom time to time I write.\n")
    probe = Probe.of(path)
    assert EmailImporter.score(probe) == 0
    with pytest.raises(WrongFormat):
        EmailImporter().parse(probe, MemorySink(), ImportContext())


def test_helpers() -> None:
    assert normalise_subject("Re: AW: Fwd:  Meeting  today") == "Meeting today"
    assert normalise_subject("SV: ") == "(no subject)"
    moment = parse_mail_date("Mon, 01 Jun 2009 09:56:31 +0530 (IST)")
    assert moment is not None
    assert moment.utcoffset() is not None
    assert parse_mail_date("Pn, 29 paX 2007 21:13:00 +0100") is None
    assert html_to_text('<a href="https://x.example/">here</a>') == "here (https://x.example/)"


# -- the real pipeline --------------------------------------------------------------------


def test_pipeline_attachment_becomes_child_source(tmp_path: Path) -> None:
    path = corpus_file("email/tika__testEmailWithPNGAtt.eml")
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(case, [path])
        (result,) = report.files
        assert (result.status, result.importer, result.items) == ("imported", "email", 1)
        with case.read() as s:
            parent = s.execute(select(Source).where(Source.id == result.source_id)).scalar_one()
            email_item = s.execute(select(Item).where(Item.source_id == parent.id)).scalar_one()
            assert email_item.kind == "email"
            assert email_item.meta["subject"] == "Test Attachment Email"
            child = s.execute(select(Source).where(Source.parent_id == parent.id)).scalar_one()
            assert child.name == "testPNG.png"
            child_items = s.execute(select(Item).where(Item.source_id == child.id)).scalars().all()
            assert child_items
            assert all(i.parent_id == email_item.id for i in child_items)
    finally:
        case.close()


def test_pipeline_mbox_and_enclosure(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "c")
    try:
        report = import_paths(
            case,
            [
                corpus_file("email/tika__complex.mbox"),
                corpus_file("email/flanker__enclosed-broken.eml"),
            ],
        )
        assert [(f.status, f.importer, f.items) for f in report.files] == [
            ("imported", "email", 3),
            ("imported", "email", 1),
        ]
        with case.read() as s:
            enclosed = s.execute(select(Source).where(Source.name == "thanks.eml")).scalar_one()
            assert enclosed.importer == "email"
            inner = s.execute(select(Item).where(Item.source_id == enclosed.id)).scalar_one()
            assert inner.meta["subject"] == "Thanks!"
            assert inner.parent_id is not None
    finally:
        case.close()
