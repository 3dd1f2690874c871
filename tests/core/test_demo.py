"""The demo case: deterministic generated evidence, and a build that is complete or absent."""

from __future__ import annotations

import email
import hashlib
import io
import os
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from app import demo
from app.case import Case
from app.errors import Cancelled
from app.jobs import CancelToken, Progress

HEADER = re.compile(r"^(\d{2})/(\d{2})/(\d{4}), (\d{2}):(\d{2}) - ")
MESSAGE = re.compile(r"^(\d{2}/\d{2}/\d{4}, \d{2}:\d{2}) - ([^:\n]+): (.*)$")


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo evidence, generated once for the checks that only read it."""
    folder = tmp_path_factory.mktemp("evidence")
    demo.write_demo_evidence(folder)
    return folder


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = demo.write_demo_evidence(tmp_path / "a")
    second = demo.write_demo_evidence(tmp_path / "b")
    assert [p.name for p in first] == list(demo.DEMO_EVIDENCE_FILES)
    assert [p.name for p in second] == list(demo.DEMO_EVIDENCE_FILES)
    for a, b in zip(first, second, strict=True):
        assert _sha(a) == _sha(b), a.name
        assert a.stat().st_mtime_ns == b.stat().st_mtime_ns, a.name
    # Nothing else (no temporary files) is left in the folder.
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(demo.DEMO_EVIDENCE_FILES)
    assert sum(p.stat().st_size for p in first) < 3_000_000


def test_files_carry_fixed_modification_times(evidence: Path) -> None:
    mtime = (evidence / demo.CALLS_NAME).stat().st_mtime
    assert datetime.fromtimestamp(mtime, UTC) == datetime(2024, 3, 15, 1, 42, 3, tzinfo=UTC)
    chat = (evidence / demo.WHATSAPP_NAME).stat().st_mtime
    assert datetime.fromtimestamp(chat, UTC).date().isoformat() == "2024-03-18"


def test_whatsapp_export_layout(evidence: Path) -> None:
    raw = (evidence / demo.WHATSAPP_NAME).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw
    assert raw.endswith(b"\n")
    lines = raw.decode("utf-8").split("\n")[:-1]

    headers = [line for line in lines if HEADER.match(line)]
    messages = [m for line in lines if (m := MESSAGE.match(line))]
    assert len(messages) == demo.WHATSAPP_MESSAGES
    assert 300 <= len(messages) <= 400
    assert len(headers) - len(messages) == demo.WHATSAPP_SYSTEM_LINES
    assert lines[0].endswith(demo.WHATSAPP_SYSTEM_TEXT)
    assert {m.group(2) for m in messages} == {demo.DANIEL.chat_name, demo.SARAH.chat_name}

    # Multi-line messages: continuation lines carry no header.
    continuations = [line for line in lines if not HEADER.match(line)]
    assert len(continuations) >= 5

    times = [datetime.strptime(m.group(1), "%d/%m/%Y, %H:%M") for m in messages]
    assert times == sorted(times)
    assert times[0].date() == demo.DEMO_FIRST_DAY
    assert times[-1].date() == demo.DEMO_LAST_DAY
    assert (demo.DEMO_LAST_DAY - demo.DEMO_FIRST_DAY).days == 13
    assert any(t.day > 12 for t in times)  # so day/month order is unambiguous

    late = [t for t in times if 1 <= t.hour < 4]
    assert len(late) == demo.WHATSAPP_LATE_NIGHT
    assert 35 <= len(late) <= 45
    assert {t.date().day for t in late} == {14, 15}

    texts = [m.group(3) for m in messages]
    assert texts.count("This message was deleted") == demo.WHATSAPP_DELETED
    assert texts.count("<Media omitted>") == demo.WHATSAPP_MEDIA_OMITTED
    assert any(demo.WHATSAPP_THREAT in t for t in texts)
    assert any(demo.DEMO_POSTCODE in t for t in texts)
    sarah = [m.group(3) for m in messages if m.group(2) == demo.SARAH.chat_name]
    assert any("stop" in t.lower() for t in sarah)
    assert any("police" in t.lower() for t in sarah)


def test_whatsapp_escalates(evidence: Path) -> None:
    lines = (evidence / demo.WHATSAPP_NAME).read_text(encoding="utf-8").splitlines()
    daniel = demo.DANIEL.chat_name
    per_day: dict[int, int] = {}
    for line in lines:
        m = MESSAGE.match(line)
        if m and m.group(2) == daniel:
            day = int(line[:2])
            per_day[day] = per_day.get(day, 0) + 1
    first_week = sum(per_day.get(d, 0) for d in range(4, 8))
    second_week = sum(per_day.get(d, 0) for d in range(11, 15))
    assert second_week > first_week


def test_police_report_pdf(evidence: Path) -> None:
    with pymupdf.open(evidence / demo.POLICE_REPORT_NAME) as doc:
        assert doc.page_count == demo.POLICE_REPORT_PAGES
        text = "\n".join(page.get_text() for page in doc)
        meta = doc.metadata
    assert demo.POLICE_REPORT_PHRASE in text
    assert demo.DEMO_ADDRESS in text
    assert demo.DEMO_CRIME_REF in text
    assert meta["title"] == demo.POLICE_REPORT_TITLE
    assert meta["author"] == demo.POLICE_REPORT_AUTHOR
    assert meta["creationDate"].startswith("D:20240318143000")


def test_threat_email(evidence: Path) -> None:
    msg = email.message_from_bytes((evidence / demo.EMAIL_NAME).read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["Subject"] == demo.EMAIL_SUBJECT
    assert demo.DANIEL.email in msg["From"]
    assert msg["To"] == demo.SARAH.email
    assert msg["Date"].datetime == demo.EMAIL_DATE
    body = msg.get_body(("plain",))
    assert body is not None
    assert "You know what I have" in body.get_content()
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == [demo.EMAIL_ATTACHMENT]
    assert isinstance(attachments[0], EmailMessage)
    with Image.open(io.BytesIO(attachments[0].get_content())) as img:
        assert img.format == "PNG"
        assert img.size == demo.EMAIL_ATTACHMENT_SIZE


def test_screenshots_open_with_declared_sizes(evidence: Path) -> None:
    assert len(demo.SCREENSHOT_SIZES) >= 3
    for name, size in demo.SCREENSHOT_SIZES.items():
        with Image.open(evidence / name) as img:
            assert img.format == "PNG", name
            assert img.size == size, name
            img.verify()


def test_participants_use_fictional_numbers_and_addresses() -> None:
    for person in demo.DEMO_PARTICIPANTS:
        if person.phone:
            digits = person.phone.replace(" ", "")
            assert digits.startswith("+447700900"), person
        if person.email:
            assert person.email.endswith(("@example.com", "@example.org")), person
    assert {p.name for p in demo.DEMO_PARTICIPANTS} >= {"Sarah Mitchell", "Daniel Hughes"}


def _top_level(case: Case) -> list[str]:
    return [s.name for s in case.sources() if s.parent_id is None and s.duplicate_of is None]


def test_ensure_demo_case_builds_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREADLINE_HOME", str(tmp_path))
    seen: list[Progress] = []
    path = demo.ensure_demo_case(progress=seen.append)
    assert path == tmp_path / "demo" / "Demo - Harassment.threadline"
    assert seen
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [path.name, "evidence"]

    case = Case.open(path, readonly=True)
    try:
        assert sorted(_top_level(case)) == sorted(demo.DEMO_EVIDENCE_FILES)
        assert all(s.status == "imported" for s in case.sources())
        assert case.setting(demo.DEMO_MARKER) == demo.DEMO_VERSION
        assert case.name == demo.DEMO_CASE_NAME
        assert case.setting("name") == demo.DEMO_CASE_NAME
        info = case.info()
        evidence = tmp_path / "demo" / "evidence"
        assert all(
            Path(s.path).parent == evidence.resolve() for s in case.sources() if not s.parent_id
        )
    finally:
        case.close()

    again = demo.ensure_demo_case()
    assert again == path
    with Case.open(again, readonly=True) as reopened:
        assert reopened.info().audit_head == info.audit_head
        assert reopened.info().audit_entries == info.audit_entries


def test_incomplete_demo_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREADLINE_HOME", str(tmp_path))
    final = demo.demo_case_path()
    Case.create(final).close()  # a case without the completion marker
    stale = tmp_path / "demo" / f"{demo.BUILD_PREFIX}old"
    stale.mkdir()
    old = 1_700_000_000
    os.utime(stale, (old, old))
    assert not demo.is_complete_demo(final)

    path = demo.ensure_demo_case()
    assert path == final
    assert demo.is_complete_demo(path)
    assert not stale.exists()
    with Case.open(path, readonly=True) as case:
        assert sorted(_top_level(case)) == sorted(demo.DEMO_EVIDENCE_FILES)


def test_cancelled_build_leaves_no_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREADLINE_HOME", str(tmp_path))
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        demo.ensure_demo_case(cancel=cancel)
    assert not demo.demo_case_path().exists()
    assert not list((tmp_path / "demo").glob(f"{demo.BUILD_PREFIX}*"))
