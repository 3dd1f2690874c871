"""Identifier normalisation shared by every return's reader: one rule per kind of value."""

from __future__ import annotations

from app.importers.identifiers import (
    email_identifiers,
    identifier,
    ip_and_port,
    parse_port,
    phone_identifiers,
    phone_value,
)
from app.model import IdentifierKind


def test_ports() -> None:
    assert [parse_port(p) for p in ("443", " 65535 ", "0", "65536", "x", "")] == [
        443,
        65535,
        None,
        None,
        None,
        None,
    ]
    assert ip_and_port("198.51.100.23:0") is None
    assert ip_and_port("[::ffff:192.0.2.1]:8080") == ("192.0.2.1", 8080)


def test_a_port_written_with_the_address_wins_over_a_port_column() -> None:
    found = identifier("x:1", IdentifierKind.IP, "198.51.100.23:51234", 1, 443)
    assert found is not None
    assert (found.value, found.port, found.raw) == ("198.51.100.23", 51234, "198.51.100.23:51234")
    column = identifier("x:1", IdentifierKind.IP, "198.51.100.23", 1, 443)
    assert column is not None
    assert column.port == 443


def test_phones() -> None:
    assert phone_value("07700 900123") == "+447700900123"
    assert phone_value("(202) 555-0123 [US]") == "+12025550123"
    assert phone_value("12025550123", international=True) == "+12025550123"
    assert phone_value("447700900123") == "+447700900123"  # 11+ digits: a country code
    assert phone_value("12") == "12"
    assert phone_value("none") == ""


def test_several_addresses_and_numbers_in_one_field() -> None:
    mails = email_identifiers("meta:1", "A@Example.com, b@example.org")
    assert [(i.value, i.raw) for i in mails] == [
        ("a@example.com", "A@Example.com"),
        ("b@example.org", "b@example.org"),
    ]
    one = email_identifiers("meta:1", "Mail: A@Example.com")
    assert [(i.value, i.raw) for i in one] == [("a@example.com", "Mail: A@Example.com")]
    phones = phone_identifiers("snapchat:jess", "447700900123; 447700900456", international=True)
    assert [i.value for i in phones] == ["+447700900123", "+447700900456"]
    assert all(i.kind == IdentifierKind.PHONE for i in phones)
