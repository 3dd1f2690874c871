"""PII finders: each kind on the written forms people use, and on the near-misses it must refuse."""

from __future__ import annotations

import time

import pytest

from app.redaction.pii import (
    KIND_LABELS,
    KINDS,
    PiiMatch,
    find_pii,
    find_terms,
    luhn_ok,
    resolve_overlaps,
)


def finds(text: str, kind: str) -> list[tuple[int, int, str]]:
    """(start, end, value) of every find of one kind."""
    return [(m.start, m.end, m.value) for m in find_pii(text, [kind])]


def spans(text: str, *values: str) -> list[tuple[int, int, str]]:
    """The expected (start, end, value) of each value, located in the text."""
    out = []
    pos = 0
    for value in values:
        start = text.index(value, pos)
        out.append((start, start + len(value), value))
        pos = start + len(value)
    return out


def check(text: str, kind: str, *values: str) -> None:
    assert finds(text, kind) == spans(text, *values)
    for start, end, value in finds(text, kind):
        assert text[start:end] == value


# -- phone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("call me on 07700 900123 tonight", ["07700 900123"]),
        ("my new number is +44 7700 900123.", ["+44 7700 900123"]),
        ("work: (020) 7946 0018 ext 2", ["(020) 7946 0018"]),
        ("US cell +1 415-555-2671", ["+1 415-555-2671"]),
        ("07912345678 or 0161 496 0000", ["07912345678", "0161 496 0000"]),
        ("+44 (0)20 7946 0018", ["+44 (0)20 7946 0018"]),
        ("ring 0044 7700 900456 from abroad", ["0044 7700 900456"]),
        ("numbers 07700 900123 07700 900456", ["07700 900123", "07700 900456"]),
        ("France +33 6 12 34 56 78!", ["+33 6 12 34 56 78"]),
    ],
)
def test_phone_numbers_found(text: str, values: list[str]) -> None:
    check(text, "phone", *values)


@pytest.mark.parametrize(
    "text",
    [
        "[12/03/2024, 14:02] Jane: see you at 12:30",
        "20.06.19, 15:58:47 Loris: hi",
        "order 1234567890 shipped",  # ten digits, no leading 0 or +
        "ref 12345678901234567",
        "costs £1,250.00 total",
        "room 1234567",
    ],
)
def test_phone_near_misses_refused(text: str) -> None:
    assert finds(text, "phone") == []


def test_phone_inside_a_word_is_not_a_phone() -> None:
    assert finds("id abc07700900123xyz", "phone") == []


# -- email ------------------------------------------------------------------------------


def test_emails_found() -> None:
    text = "mail jane.doe+x@example.co.uk or J_Smith@Mail.Example.com, mailto:amy@example.org."
    check(text, "email", "jane.doe+x@example.co.uk", "J_Smith@Mail.Example.com", "amy@example.org")


@pytest.mark.parametrize(
    "text",
    [
        "text me@ once you're home",
        "me@home tonight",
        "icon@2x.png is attached",
        "at @ 5pm",
        "https://user:secret@host.example.com/path",
    ],
)
def test_email_near_misses_refused(text: str) -> None:
    assert finds(text, "email") == []


def test_email_in_a_url_query_is_still_an_email() -> None:
    text = "https://example.com/unsubscribe?e=jane@example.com"
    check(text, "email", "jane@example.com")


# -- postcode ---------------------------------------------------------------------------


def test_postcodes_found_in_every_form() -> None:
    text = "SW1A 1AA, sw1a1aa, M1 1AE, B33 8TH, CR2 6XH, DN55 1PT, EC1A 1BB, GIR 0AA, BFPO 105"
    check(
        text,
        "postcode",
        "SW1A 1AA",
        "sw1a1aa",
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "DN55 1PT",
        "EC1A 1BB",
        "GIR 0AA",
        "BFPO 105",
    )


@pytest.mark.parametrize(
    "text",
    [
        "ZZ9 9ZZ is not an area",  # ZZ is not a postcode area
        "A1 2BC",  # A is not an area either
        "the e1 2nd floor",  # lower-case ordinal
        "GIRL 0AA",
        "NG7 in Nottingham",  # a district alone points at nobody
        "SW1A 1AAB",
        "meet at 3pm on 12 Mar",
        "model XB12 3CA",  # XB is not an area
        "SW1A 1CA",  # C is never an inward letter
    ],
)
def test_postcode_near_misses_refused(text: str) -> None:
    assert finds(text, "postcode") == []


# -- National Insurance -----------------------------------------------------------------


def test_ni_numbers_found() -> None:
    text = "NI AB 12 34 56 C; JG123456A; ce 12 34 56 d; national insurance: JT 12 34 56"
    check(text, "ni_number", "AB 12 34 56 C", "JG123456A", "ce 12 34 56 d", "JT 12 34 56")


@pytest.mark.parametrize(
    "text",
    [
        "QQ123456C",  # HMRC's specimen: Q is never a first letter
        "DA123456A",  # D never allocated
        "AO123456A",  # O never second
        "GB123456A",
        "BG123456A",
        "NK123456A",
        "TN123456A",
        "ZZ123456A",
        "AB123456E",  # suffix A-D only
        "order AB123456",  # no suffix and no NI cue
        "XAB123456C",
    ],
)
def test_ni_near_misses_refused(text: str) -> None:
    assert finds(text, "ni_number") == []


# -- date of birth ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("DOB: 12/03/1998", "12/03/1998"),
        ("D.O.B. 12.03.98", "12.03.98"),
        ("her date of birth is 12 March 1998", "12 March 1998"),
        ("born on 12th March 1998 in Leeds", "12th March 1998"),
        ("born 1998-03-12", "1998-03-12"),
        ("dob 12-3-1998", "12-3-1998"),
        ("Date of Birth: March 12, 1998", "March 12, 1998"),
        ("Amy (12/03/2010, DOB) is her daughter", "12/03/2010"),
        ("birthday 29 Feb 2000", "29 Feb 2000"),
    ],
)
def test_dates_of_birth_found(text: str, value: str) -> None:
    check(text, "date_of_birth", value)


@pytest.mark.parametrize(
    "text",
    [
        "[12/03/2024, 14:02] Jane: see you on 12 March 1998",  # dates of messages are evidence
        "sent 1998-03-12 09:00",
        "born in London, moved on 12/03/2020",  # the cue is not next to the date
        "DOB: 31/02/1998",  # no such day
        "DOB 12/13/1998",  # no month 13
        "DOB: 12/03/2150",  # not born yet
        "Bob 12/03/1998",  # a name, not a cue
    ],
)
def test_other_dates_are_not_dates_of_birth(text: str) -> None:
    assert finds(text, "date_of_birth") == []


# -- bank details -----------------------------------------------------------------------


def test_sort_codes_found() -> None:
    text = "sort code 20 00 00; Sort-code: 123456; s/c 40-47-84; pay to 60-83-71"
    check(text, "sort_code", "20 00 00", "123456", "40-47-84", "60-83-71")


def test_sort_code_that_reads_as_a_date_needs_a_cue() -> None:
    """12-03-24 is a date in a chat unless a cue or an account number vouches for it."""
    assert finds("we met on 12-03-24 at the pub", "sort_code") == []
    check("sort code 12-03-24", "sort_code", "12-03-24")
    check("12-03-24 31926819", "sort_code", "12-03-24")
    check("12-03-24 31926819", "account_number", "31926819")


@pytest.mark.parametrize(
    "text",
    [
        "phone 0161-496-00-00",
        "2024-12-03",
        "1-2-3",
        "sort it out 12 34 56",  # spaced form needs the cue
        "ratio 12-34-567",
    ],
)
def test_sort_code_near_misses_refused(text: str) -> None:
    assert finds(text, "sort_code") == []


def test_account_numbers_found() -> None:
    text = (
        "account number: 12345678; acc no. 87654321; a/c 1122 3344; 20-00-00 55667788; "
        "Acct #99887766"
    )
    check(text, "account_number", "12345678", "87654321", "1122 3344", "55667788", "99887766")


@pytest.mark.parametrize(
    "text",
    [
        "order 12345678 is on its way",
        "ref 123456789 account",
        "tracking 1234-5678",
        "account 1234567",  # seven digits
        "date 12345678 per the account",  # cue comes after, not before
    ],
)
def test_account_near_misses_refused(text: str) -> None:
    assert finds(text, "account_number") == []


# -- cards ------------------------------------------------------------------------------


def test_card_numbers_found() -> None:
    text = (
        "visa 4111 1111 1111 1111, mc 5555-5555-5555-4444, amex 3782 822463 10005, "
        "raw 4012888888881881, 13-digit 4222222222222"
    )
    check(
        text,
        "card_number",
        "4111 1111 1111 1111",
        "5555-5555-5555-4444",
        "3782 822463 10005",
        "4012888888881881",
        "4222222222222",
    )


@pytest.mark.parametrize(
    "text",
    [
        "order 4111111111111112",  # fails Luhn
        "order 4111 1111 1111 1112",
        "0000 0000 0000 0000",
        "tracking 1234567890123452",  # starts with 1: no card scheme
        "4111 1111 111",  # too short
        "4111  1111  1111  1111",  # double spaces: not how cards are written
    ],
)
def test_card_near_misses_refused(text: str) -> None:
    assert finds(text, "card_number") == []


def test_luhn() -> None:
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")


# -- vehicles ---------------------------------------------------------------------------


def test_current_registrations_found_without_a_cue() -> None:
    check(
        "a silver AB12 CDE and ab12cde, then LV70 XYZ",
        "vehicle_reg",
        "AB12 CDE",
        "ab12cde",
        "LV70 XYZ",
    )


def test_older_registrations_need_a_cue() -> None:
    text = "reg A123 BCD; registration: ABC 123D; number plate JAB 1; VRM is 1234 AB"
    check(text, "vehicle_reg", "A123 BCD", "ABC 123D", "JAB 1", "1234 AB")
    assert finds("flat A123 BCD then ABC 123D", "vehicle_reg") == []


@pytest.mark.parametrize(
    "text",
    [
        "AB40 CDE",  # age 40 never issued
        "IB12 CDE",  # I is never a region letter
        "AB12 CDI",  # I never in the random letters
        "B12 CDE",
        "ABC12 CDE",
        "reg 2 days ago",
    ],
)
def test_vehicle_near_misses_refused(text: str) -> None:
    assert finds(text, "vehicle_reg") == []


# -- urls and handles -------------------------------------------------------------------


def test_urls_found() -> None:
    text = (
        "see https://example.com/a_(b)). and www.bbc.co.uk/news, "
        "her page instagram.com/jane_doe. or t.me/janedoe and HTTP://EXAMPLE.ORG"
    )
    check(
        text,
        "url",
        "https://example.com/a_(b)",
        "www.bbc.co.uk/news",
        "instagram.com/jane_doe",
        "t.me/janedoe",
        "HTTP://EXAMPLE.ORG",
    )


@pytest.mark.parametrize("text", ["example.com/page", "e.g. this", "a.b/c", "https://", "1.5/2"])
def test_url_near_misses_refused(text: str) -> None:
    assert finds(text, "url") == []


def test_handles_found() -> None:
    text = "follow @jane_doe. and @Jane.Doe99 or @jane@mastodon.social"
    check(text, "handle", "@jane_doe", "@Jane.Doe99", "@jane@mastodon.social")


@pytest.mark.parametrize(
    "text", ["jane@example.com", "meet @2pm", "@14:30 ok", "reply @12", "me@", "at @ home"]
)
def test_handle_near_misses_refused(text: str) -> None:
    assert finds(text, "handle") == []


# -- ip addresses -----------------------------------------------------------------------


def test_ipv6_without_digits_is_found() -> None:
    check("gateway dead::beef here", "ip_address", "dead::beef")


def test_ip_addresses_found() -> None:
    text = "from 192.168.0.1, 8.8.8.8 and 2001:db8::1 or fe80::1ff:fe23:4567:890a."
    check(text, "ip_address", "192.168.0.1", "8.8.8.8", "2001:db8::1", "fe80::1ff:fe23:4567:890a")


@pytest.mark.parametrize(
    "text",
    [
        "999.1.1.1",
        "256.256.256.256",
        "version v1.2.3.4",
        "1.2.3.4.5",
        "at 12:30",
        "[14:02:33] Jane: hi",
        "std::cout",
        "::",
    ],
)
def test_ip_near_misses_refused(text: str) -> None:
    assert finds(text, "ip_address") == []


# -- all kinds together -----------------------------------------------------------------


def test_message_with_several_kinds_in_order() -> None:
    text = (
        "[12/03/2024, 14:02] Jane: I'm at 14 Elm Road, M1 1AE now, call 07700 900123 or "
        "mail jane@example.com, DOB 12/03/1998, s/c 20-00-00 acc 12345678"
    )
    got = [(m.kind, m.value) for m in find_pii(text)]
    assert got == [
        ("postcode", "M1 1AE"),
        ("phone", "07700 900123"),
        ("email", "jane@example.com"),
        ("date_of_birth", "12/03/1998"),
        ("sort_code", "20-00-00"),
        ("account_number", "12345678"),
    ]


def test_overlapping_finds_keep_the_longer() -> None:
    # the e-mail address lies inside the URL: one redaction, the URL
    text = "https://example.com/?contact=jane@example.com ok"
    got = find_pii(text, ["email", "url"])
    assert [(m.kind, m.value) for m in got] == [
        ("url", "https://example.com/?contact=jane@example.com")
    ]
    # "00 12345678" could be read as an international number; the bank details are longer
    text = "pay 20-00-00 12345678 today"
    assert [(m.kind, m.value) for m in find_pii(text)] == [
        ("sort_code", "20-00-00"),
        ("account_number", "12345678"),
    ]
    # a DOB and a cue-less sort-code shape on the same span: the more specific kind wins
    text = "DOB 12-03-98"
    assert [(m.kind, m.value) for m in find_pii(text)] == [("date_of_birth", "12-03-98")]


def test_resolve_overlaps_rules() -> None:
    a = PiiMatch(0, 10, "phone", "x" * 10)
    b = PiiMatch(5, 20, "url", "y" * 15)
    c = PiiMatch(20, 28, "sort_code", "z" * 8)
    d = PiiMatch(20, 28, "date_of_birth", "z" * 8)
    assert resolve_overlaps([a, b, c, d]) == [b, d]
    assert resolve_overlaps([a, c]) == [a, c]


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown PII kind 'shoe_size'"):
        find_pii("text", ["shoe_size"])


def test_every_kind_has_a_label() -> None:
    assert set(KINDS) <= set(KIND_LABELS)
    assert KIND_LABELS["ni_number"] == "National Insurance number"
    assert KIND_LABELS["protected"]


def test_no_pii_in_plain_chat() -> None:
    text = (
        "[12/03/2024, 14:02] Jane: ok see you at 12:30 by the station\n"
        "[12/03/2024, 14:05] Sam: running 10 mins late, 2 stops away, £4.50 for the bus :(\n"
        "[13/03/2024, 09:00] Jane: I said 3 times no. Leave me alone. v2.1.0 of the app crashed"
    )
    assert find_pii(text) == []


# -- protected terms --------------------------------------------------------------------


def test_terms_ignore_case_and_diacritics() -> None:
    text = "Zoë said ZOE and zoe, and Zoe\u0308 (decomposed) came"
    got = find_terms(text, ["Zoe"])
    assert [m.value for m in got] == ["Zoë", "ZOE", "zoe", "Zoe\u0308"]
    assert all(m.kind == "protected" for m in got)
    assert [m.value for m in find_terms("Zoe was there", ["Zoë"])] == ["Zoe"]


def test_terms_whole_words_and_possessives() -> None:
    text = "Amy's bag, Amy’s coat, Amyas and Tamy, AMY."
    got = find_terms(text, ["Amy"])
    assert [(m.start, m.end, m.value) for m in got] == spans(text, "Amy", "Amy", "AMY")


def test_multi_word_names_across_spaces_and_line_breaks() -> None:
    text = "I saw Amy  Smith, then Amy\nSmith and amy\r\n   smith; Mary-Jane and Mary Jane"
    got = find_terms(text, ["Amy Smith", "Mary Jane"])
    assert [m.value for m in got] == [
        "Amy  Smith",
        "Amy\nSmith",
        "amy\r\n   smith",
        "Mary-Jane",
        "Mary Jane",
    ]


def test_longer_spelling_wins_over_a_shorter_one() -> None:
    text = "Amy Smith and Amy"
    got = find_terms(text, ["Amy", "Amy Smith", "  "])
    assert [(m.start, m.end) for m in got] == [(0, 9), (14, 17)]


def test_terms_with_no_spellings_find_nothing() -> None:
    assert find_terms("Amy", []) == []
    assert find_terms("", ["Amy"]) == []


def test_terms_with_regex_characters_are_literal() -> None:
    text = "Dr. O'Brien (Jr) and Dr O'Brien"
    got = find_terms(text, ["Dr. O’Brien"])
    assert [m.value for m in got] == ["Dr. O'Brien"]


# -- speed ------------------------------------------------------------------------------


def test_a_long_chat_is_fast() -> None:
    """Every line holds a different phone number: the worst case for the phone finder."""
    lines = [
        f"[12/03/2024, 14:02] Jane Smith: ok see you at 12:30, it's £4.50, call 07912 {i:06d} "
        f"or mail jane{i}@example.com, running 10 mins late\n"
        for i in range(2000)
    ]
    text = "".join(lines)
    start = time.perf_counter()
    got = find_pii(text)
    elapsed = time.perf_counter() - start
    assert [m.kind for m in got] == ["phone", "email"] * len(lines)
    assert got[-2].value == "07912 001999"
    assert elapsed < 4.0, f"find_pii took {elapsed:.2f} s on {len(text):,} characters"
