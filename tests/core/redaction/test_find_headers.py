"""Search-and-redact looks in the email headers a person reads, not in technical ones: a
Message-ID or References id looks like an e-mail address but names a message."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.case import Case
from app.ingest.job import import_paths
from app.redaction.find import FindQuery, find_hits, searched_headers

VICTIM = "alice.hart@example.org"


def _email() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Dan Marsh <dan.marsh@example.net>"
    msg["To"] = f"Alice Hart <{VICTIM}>"
    msg["Reply-To"] = "dm1987@example.net"
    msg["Subject"] = "You know what happens next (call 07700 900123)"
    msg["Date"] = "Thu, 14 Mar 2024 09:41:07 +0000"
    msg["Message-ID"] = "<20240314094107.7f3a2c@mail.example.net>"
    msg["In-Reply-To"] = "<20240313200000.11aa@mail.example.org>"
    msg["References"] = "<20240313200000.11aa@mail.example.org>"
    msg["Delivered-To"] = VICTIM
    msg.set_content("Answer me.\n")
    return msg.as_bytes()


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "threat.eml").write_bytes(_email())
    c = Case.create(tmp_path / "case")
    assert import_paths(c, [tmp_path / "in"]).count("imported") == 1
    yield c
    c.close()


def test_pii_email_finds_people_not_message_ids(case: Case) -> None:
    drafts = find_hits(case, FindQuery(pii=("email",)), "TP")
    assert sorted((d.target, d.quote) for d in drafts) == [
        ("header:Delivered-To", VICTIM),  # repeats the recipient's address
        ("header:From", "dan.marsh@example.net"),
        ("header:Reply-To", "dm1987@example.net"),
        ("header:To", VICTIM),
    ]


def test_terms_and_other_finders_skip_technical_headers(case: Case) -> None:
    # "mail.example" is in every id header and in no header a person reads.
    assert find_hits(case, FindQuery(text="mail.example"), "TP") == []
    assert find_hits(case, FindQuery(regex=r"\d{14}"), "TP") == []
    phones = find_hits(case, FindQuery(pii=("phone",)), "VC")
    assert [(d.target, d.quote) for d in phones] == [("header:Subject", "07700 900123")]
    # Date is a time, not searched: "+0000" and the day are never proposed.
    assert find_hits(case, FindQuery(text="14 Mar"), "TP") == []


def test_searched_headers_ignore_letter_case_and_non_text() -> None:
    headers = {"FROM": "a@b.c", "message-id": "<x@y>", "Cc": 3, "subject": "hi"}
    assert list(searched_headers(headers)) == [("FROM", "a@b.c"), ("subject", "hi")]
