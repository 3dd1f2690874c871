"""Finders of personal data in text: phones, e-mails, postcodes, NI numbers, bank details and more.

`find_pii` proposes spans to redact; a person reviews every proposal, so each finder aims at
high recall on the written forms people really use while refusing the near-misses that fill a
chat (times, message dates, order numbers, version numbers). Rules worth knowing:

- phone: `phonenumbers` decides. A number is kept when the library calls it valid for `region`
  (or its own +country code), or when it is written in an unmistakable phone shape the library
  does not know as allocated: any possible number written with a leading "+", and UK
  numbers of ten national digits written with a leading 0 (this covers Ofcom's drama ranges
  such as 07700 900123, which libphonenumber calls invalid). Where the region's numbers are
  written with a national prefix 0 (GB), a national-format number must start with it: an
  order number 1234567890 is not 01234 567890.
- date_of_birth: only a date next to a cue ("DOB", "D.O.B.", "date of birth", "born (on)",
  "birthday", "birth date") before it, or "(DOB)" / "(date of birth)" just after it. Every other
  date is evidence and is left alone.
- sort_code: with a cue ("sort code", "s/c") in any of the forms 12-34-56, 12 34 56, 123456;
  without one only as 12-34-56, and then NOT when it also reads as a real date DD-MM-YY
  (12-03-24 is far more often a date in a chat than a sort code) unless an 8-digit account
  number sits right beside it.
- account_number: 8 digits after an "account" / "acc" / "acct" / "a/c" cue, or right beside a
  sort code (only separators between them).
- card_number: 13-19 digits (contiguous, or in groups of four, or 4-6-5) starting 2-6 and
  passing the Luhn check.
- vehicle_reg: the current format (AB12 CDE) anywhere; prefix (A123 BCD), suffix (ABC 123D)
  and dateless (ABC 123) forms only after a cue ("reg", "registration", "number plate", "VRM").
- ni_number: the suffix letter may be missing only after a cue ("NI", "NINO", "national
  insurance"). HMRC's specimen prefix QQ is not an allocated prefix and is not matched.
- url: http(s):// and www. addresses, and bare profile links on well-known social sites
  (instagram.com/name, t.me/name...). handle: @name (not an e-mail address), and the Mastodon
  form @name@server.

Overlaps between kinds are resolved by keeping the longer span (equal lengths: the more
specific kind, in the order of `_PRIORITY`). UK-specific finders ignore `region`, which only
steers how phone numbers without a +country code are read.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
import ipaddress
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import phonenumbers

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = (
    "phone",
    "email",
    "postcode",
    "ni_number",
    "date_of_birth",
    "sort_code",
    "account_number",
    "card_number",
    "vehicle_reg",
    "url",
    "handle",
    "ip_address",
)
"""Every kind of personal data `find_pii` can look for."""

PROTECTED = "protected"
"""The kind of `find_terms` matches (names and terms the user marked as protected)."""

KIND_LABELS: dict[str, str] = {
    "phone": "Phone number",
    "email": "E-mail address",
    "postcode": "Postcode",
    "ni_number": "National Insurance number",
    "date_of_birth": "Date of birth",
    "sort_code": "Bank sort code",
    "account_number": "Bank account number",
    "card_number": "Payment card number",
    "vehicle_reg": "Vehicle registration",
    "url": "Web address (URL)",
    "handle": "Social-media handle",
    "ip_address": "IP address",
    PROTECTED: "Protected name or term",
}
"""Human names of the kinds, for the window and the command line."""

_PRIORITY: tuple[str, ...] = (
    PROTECTED,
    "date_of_birth",
    "ni_number",
    "card_number",
    "sort_code",
    "account_number",
    "email",
    "url",
    "ip_address",
    "phone",
    "postcode",
    "vehicle_reg",
    "handle",
)
"""Which kind wins when two finds cover spans of equal length (earlier wins)."""

_RANK = {kind: i for i, kind in enumerate(_PRIORITY)}


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One find: the span [start, end) of the text, its kind, and the text it covers."""

    start: int
    end: int
    kind: str
    value: str


def _match(text: str, start: int, end: int, kind: str) -> PiiMatch:
    return PiiMatch(start, end, kind, text[start:end])


# -- phone ------------------------------------------------------------------------------

_PHONE_CANDIDATE = re.compile(r"[+(\d](?<![\w+][+(\d])\(?\d?[\d \t\u00a0\u202f().\-]{5,80}\d(?!\w)")
"""Cheap prefilter: a run of digits, spaces, dots, dashes and brackets with a digit at each end.

Each pattern here starts with a character class and checks what comes before it afterwards:
the regex engine then skips quickly to the next candidate character (3-7x faster on chats).
"""

_MIN_PHONE_DIGITS = 7
_UK_NATIONAL_DIGITS = 10


def _phone_kept(raw: str, number: phonenumbers.PhoneNumber, region: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    plus = raw.lstrip("(").startswith("+")
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    national_prefix = meta.national_prefix if meta is not None else None
    if not plus and national_prefix == "0" and not digits.startswith("0"):
        return False  # "1234567890" is not how anyone in the UK writes 01234 567890
    national = str(number.national_number)
    if (plus and len(digits) >= 8) or (
        number.country_code == 44
        and len(national) == _UK_NATIONAL_DIGITS
        and national[0] in "123789"
        and digits.startswith("0")
    ):
        return True  # the unmistakable shapes, checked first: is_valid_number is the slow part
    return bool(phonenumbers.is_valid_number(number))


_PHONE_GROUP = re.compile(r"[+(]?\d+\)?")
_MAX_PHONE_GROUPS = 7


def _phones_in_groups(window: str, region: str) -> Iterator[tuple[int, int]]:
    """Numbers the matcher missed: longest run of digit groups from each group that parses.

    The matcher splits "07912 345678 07912 345679" into "07912", "345678" and the second
    number; reading the groups left to right, longest first, recovers the first number too.
    """
    groups = [(m.start(), m.end()) for m in _PHONE_GROUP.finditer(window)]
    i = 0
    while i < len(groups):
        for j in range(min(i + _MAX_PHONE_GROUPS, len(groups)) - 1, i - 1, -1):
            raw = window[groups[i][0] : groups[j][1]]
            digits = sum(c.isdigit() for c in raw)
            if not _MIN_PHONE_DIGITS <= digits <= 17:
                continue
            try:
                number = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number(number) and _phone_kept(raw, number, region):
                yield groups[i][0], groups[j][1]
                i = j
                break
        i += 1


@functools.lru_cache(maxsize=4096)
def _phones_in_window(window: str, region: str) -> tuple[tuple[int, int], ...]:
    """Spans of the phone numbers in one candidate run (cached: chats repeat their numbers)."""
    matcher = phonenumbers.PhoneNumberMatcher(
        window, region, leniency=phonenumbers.Leniency.POSSIBLE
    )
    kept: list[tuple[int, int]] = []
    missed = False
    for m in matcher:
        if _phone_kept(m.raw_string, m.number, region):
            kept.append((m.start, m.end))
        else:
            missed = True
    if missed:  # look again at what the matcher left, group by group
        free = [0, *(x for span in kept for x in span), len(window)]
        for lo, hi in zip(free[::2], free[1::2], strict=True):
            kept.extend((lo + s, lo + e) for s, e in _phones_in_groups(window[lo:hi], region))
    return tuple(kept)


def _find_phone(text: str, region: str) -> Iterator[PiiMatch]:
    for cand in _PHONE_CANDIDATE.finditer(text):
        window = cand.group()
        if sum(c.isdigit() for c in window) < _MIN_PHONE_DIGITS:
            continue
        for s, e in _phones_in_window(window, region):
            yield _match(text, cand.start() + s, cand.start() + e, "phone")


# -- email, url, handle -----------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"[\w%+\-][\w.%+\-]{0,63}\Z")
_EMAIL_DOMAIN = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\-@])"
)
_FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "webp", "svg", "pdf", "heic", "mp4"})
"""'icon@2x.png' is a file name, not an address."""

_URL_TRAILING = ".,;:!?'\"*_>]}"

_URL = re.compile(r"[hHwW](?<![\w@./\-][hHwW])(?i:ttps?://|ww\.)[^\s<>\"'`]+")
# fmt: off
_PROFILE_HOSTS = frozenset((
    "facebook.com", "fb.com", "fb.me", "instagram.com", "instagr.am", "twitter.com", "x.com",
    "tiktok.com", "snapchat.com", "linkedin.com", "youtube.com", "youtu.be", "onlyfans.com",
    "threads.net", "reddit.com", "pinterest.com", "pinterest.co.uk", "tumblr.com", "twitch.tv",
    "github.com", "t.me", "wa.me", "bit.ly", "discord.gg", "discord.com", "bsky.app",
    "mastodon.social", "patreon.com", "telegram.me", "vk.com", "kik.me",
))
# fmt: on
"""Sites whose bare links ("instagram.com/jane") lead to a person's profile."""
_TLD_SLASH = re.compile(r"\.[A-Za-z]{2,6}/")
"""Where a bare link's host ends ("instagram.com/"): found first, then the host read backwards."""
_HOST_BEFORE = re.compile(r"(?<![\w@./\-])(?:[A-Za-z0-9\-]+\.)*[A-Za-z0-9\-]+\Z")
_URL_REST = re.compile(r"[^\s<>\"'`]*")

_HANDLE = re.compile(
    r"@(?<![\w@./:+\-]@)[A-Za-z0-9_][A-Za-z0-9_.]{0,29}"
    r"(?:@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)?(?![\w@])"
)
_NOT_HANDLE = re.compile(r"(?i)@\d{1,2}(?:[:.]\d{2})?(?:am|pm)?|@\d+")
"""'@2pm', '@14:30' and '@12' are times and reply numbers, not usernames."""


def _in_userinfo(text: str, start: int) -> bool:
    """True if `start` lies in the user:password@ part of a URL ("https://u:p@host")."""
    line_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    token = text[line_start:start]
    scheme = token.rfind("://")
    return scheme >= 0 and not any(c in token[scheme + 3 :] for c in "/?#")


def _find_email(text: str) -> Iterator[PiiMatch]:
    at = text.find("@")
    while at >= 0:
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if local is not None and domain is not None:
            start = local.start()
            before = text[start - 1] if start else " "
            suffix = domain.group().rsplit(".", 1)[-1].lower()
            if (
                not (before.isalnum() or before in "._+-@")
                and suffix not in _FILE_SUFFIXES
                and not _in_userinfo(text, start)
            ):
                yield _match(text, start, domain.end(), "email")
        at = text.find("@", at + 1)


def _trim_url(value: str) -> str:
    while value:
        if value[-1] in _URL_TRAILING or (value[-1] == ")" and value.count("(") < value.count(")")):
            value = value[:-1]
        else:
            break
    return value


def _find_url(text: str) -> Iterator[PiiMatch]:
    for m in _URL.finditer(text):
        yield from _url_match(text, m.start(), m.group())
    for m in _TLD_SLASH.finditer(text):
        name = _HOST_BEFORE.search(text, max(0, m.start() - 60), m.start())
        if name is None:
            continue
        host = text[name.start() : m.end() - 1].lower()
        for prefix in ("www.", "m.", "mobile.", "vm."):
            host = host.removeprefix(prefix)
        if host in _PROFILE_HOSTS:
            rest = _URL_REST.match(text, m.end())
            end = rest.end() if rest is not None else m.end()
            yield from _url_match(text, name.start(), text[name.start() : end])


def _url_match(text: str, start: int, raw: str) -> Iterator[PiiMatch]:
    value = _trim_url(raw)
    host_part = value.split("://", 1)[-1]
    if len(host_part) >= 5 and "." in host_part:
        yield _match(text, start, start + len(value), "url")


def _find_handle(text: str) -> Iterator[PiiMatch]:
    for m in _HANDLE.finditer(text):
        value = m.group().rstrip(".")
        if _NOT_HANDLE.fullmatch(value) or len(value) < 2:
            continue
        yield _match(text, m.start(), m.start() + len(value), "handle")


# -- postcode ---------------------------------------------------------------------------

# fmt: off
_POSTCODE_AREAS = frozenset((
    "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH",
    "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E",
    "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS",
    "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL",
    "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX",
    "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL", "SM",
    "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW",
    "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
))
# fmt: on
"""The 124 postcode areas: 121 of the UK, and Guernsey, Jersey and the Isle of Man."""

_INWARD = re.compile(r"\d[A-Za-z]{2}(?![A-Za-z0-9])")
"""The inward code (digit, two letters) is found first: digits are rarer than letters."""
_OUTWARD_BEFORE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d[A-Za-z\d]?[ \u00a0]?\Z")
_POSTCODE_SPECIAL_START = re.compile(
    r"[GASTBFPgastbfp](?<![A-Za-z0-9][A-Za-z])[A-Za-z]{2,3}[ \u00a0]?\d"
)
_POSTCODE_SPECIAL = re.compile(
    r"(?i)(?:GIR[ \u00a0]?0AA|(?:ASCN|STHL|TDCU|BBND|BIQQ|FIQQ|PCRN|SIQQ|TKCA)[ \u00a0]?1ZZ"
    r"|BFPO[ \u00a0]?\d{1,4})(?![A-Za-z0-9])"
)
"""Girobank, the overseas territories and British Forces Post Office numbers."""
_POSTCODE_OUTWARD = re.compile(r"(?P<area>[A-Z]{1,2})(?P<district>\d\d?|\d[ABCDEFGHJKMNPRSTUVWXY])")
_INWARD_LETTERS = frozenset("ABDEFGHJLNPQRSTUWXYZ")
_ORDINAL = re.compile(r"(?:1st|2nd|3rd|[04-9]th)")


def _postcode_ok(value: str) -> bool:
    compact = value.replace(" ", "").replace("\u00a0", "")
    outward, inward = compact[:-3].upper(), compact[-3:]
    m = _POSTCODE_OUTWARD.fullmatch(outward)
    if m is None or m.group("area") not in _POSTCODE_AREAS:
        return False
    if not set(inward[1:].upper()) <= _INWARD_LETTERS:
        return False
    # "e1 2nd floor", "m1 1st": lower-case ordinals, not postcodes
    return not (value.islower() and _ORDINAL.fullmatch(inward))


def _find_postcode(text: str) -> Iterator[PiiMatch]:
    for m in _INWARD.finditer(text):
        outward = _OUTWARD_BEFORE.search(text, max(0, m.start() - 5), m.start())
        if outward is not None and _postcode_ok(text[outward.start() : m.end()]):
            yield _match(text, outward.start(), m.end(), "postcode")
    for m in _POSTCODE_SPECIAL_START.finditer(text):
        special = _POSTCODE_SPECIAL.match(text, m.start())
        if special is not None:
            yield _match(text, special.start(), special.end(), "postcode")


# -- National Insurance -----------------------------------------------------------------

_NI = re.compile(
    r"(?i)([A-CEGHJ-PR-TW-Z](?<![A-Z0-9][A-Z])[A-CEGHJ-NPR-TW-Z])"
    r"[ \u00a0]?(\d{2})[ \u00a0]?(\d{2})[ \u00a0]?(\d{2})(?:[ \u00a0]?([A-D]))?(?![A-Za-z0-9])"
)
_NI_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_NI_CUE = re.compile(r"(?i)\b(?:NI|NINO|N\.I\.|national\s+insurance)\b[^\n\d]{0,25}$")


def _find_ni(text: str) -> Iterator[PiiMatch]:
    for m in _NI.finditer(text):
        if m.group(1).upper() in _NI_BAD_PREFIXES:
            continue
        if m.group(5) is None and not _NI_CUE.search(text, max(0, m.start() - 40), m.start()):
            continue
        yield _match(text, m.start(), m.end(), "ni_number")


# -- dates of birth ---------------------------------------------------------------------

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_DATE = (
    r"(?:(?P<d1>" + _DAY + r")(?P<sep>[/.\-])(?P<m1>0?[1-9]|1[0-2])(?P=sep)(?P<y1>\d{4}|\d{2})"
    r"|(?P<y2>\d{4})(?P<sep2>[\-/.])(?P<m2>0?[1-9]|1[0-2])(?P=sep2)(?P<d2>" + _DAY + r")"
    r"|(?P<d3>" + _DAY + r")(?:st|nd|rd|th)?\.?(?:\s+of)?\s+(?P<m3>" + _MONTH_RE + r")\.?,?"
    r"\s+(?P<y3>\d{4}|'\d{2})"
    r"|(?P<m4>" + _MONTH_RE + r")\.?\s+(?P<d4>" + _DAY + r")(?:st|nd|rd|th)?,?\s+(?P<y4>\d{4})"
    r")(?![\w/.\-]\d|\w)"
)
_DOB_CUE = (
    r"[dDbB](?<!\w[dDbB])"
    r"(?:(?<=[dD])(?i:\.?[ ]?o\.?[ ]?b\b\.?|ate\s+of\s+birth\b)"
    r"|(?<=[bB])(?i:irth\s*date\b|irthday\b|orn\b))"
)
_DOB_GAP = r"(?:[ \t:=(\[,\-–—]|\bis\b|\bwas\b|\bon\b|\bthe\b|\bof\b|\bin\b){0,12}"
_DOB_BEFORE = re.compile(_DOB_CUE + r"(?i:" + _DOB_GAP + r"(?P<date>" + _DATE + r"))")
_DOB_AFTER_CUE = re.compile(r"[dD](?<!\w[dD])(?i:\.?o\.?b\b\.?|ate\s+of\s+birth\b)")
_DOB_AFTER = re.compile(
    r"(?i)(?<![\w/.\-])(?P<date>" + _DATE + r")[ \t]*[(\[\-–—,]?[ \t]*"
    r"(?:d\.?o\.?b\b\.?|date\s+of\s+birth\b)"
)


def _year(raw: str) -> int:
    raw = raw.lstrip("'")
    year = int(raw)
    if len(raw) == 2:
        now = dt.date.today().year % 100
        year += 2000 if year <= now else 1900
    return year


def _real_date(day: int, month: int, year: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    return day <= calendar.monthrange(year, month)[1]


def _date_ok(m: re.Match[str]) -> bool:
    for d, mo, y in (
        ("d1", "m1", "y1"),
        ("d2", "m2", "y2"),
        ("d3", "m3", "y3"),
        ("d4", "m4", "y4"),
    ):
        if m.group(d) is None:
            continue
        month_raw = m.group(mo)
        month = int(month_raw) if month_raw.isdigit() else _MONTHS[month_raw.lower()]
        year = _year(m.group(y))
        if not 1900 <= year <= dt.date.today().year:
            return False
        return _real_date(int(m.group(d)), month, year)
    return False


def _find_dob(text: str) -> Iterator[PiiMatch]:
    for m in _DOB_BEFORE.finditer(text):
        if _date_ok(m):
            yield _match(text, m.start("date"), m.end("date"), "date_of_birth")
    for cue in _DOB_AFTER_CUE.finditer(text):  # "12/03/1998 (DOB)": look just before the cue
        for m in _DOB_AFTER.finditer(text, max(0, cue.start() - 40), cue.end()):
            if m.end() == cue.end() and _date_ok(m):
                yield _match(text, m.start("date"), m.end("date"), "date_of_birth")


# -- bank details -----------------------------------------------------------------------

_SORT_CUED = re.compile(
    r"[sS](?<!\w[sS])(?i:ort[ \-]?code\b|/c(?![\w/])|/code\b)"
    r"(?i:[ \t:=#\-]|\bis\b|\bno\b\.?|\bnumber\b){0,8}"
    r"(?P<sc>(?<!\d)\d{2}(?P<sep>[ \-]?)\d{2}(?P=sep)\d{2}(?![\d]))"
)
_SORT_BARE = re.compile(r"\d(?<![\d\-/.+]\d)\d-\d{2}-\d{2}(?![\d\-/.])")
_ACCOUNT = re.compile(r"\d(?<![\d\-/.]\d)(?:\d{7}|(?<!\d \d)\d{3} \d{4}(?! \d))(?![\d\-/.])")
_ACCOUNT_CUE = re.compile(
    r"(?i)\b(?:account|acct|acc|a/c)\b\.?(?:\s*(?:no\b\.?|number|num\b|nr\b|#))?"
    r"(?:[ \t:=#\-]|\bis\b)*$"
)
_BESIDE = re.compile(r"[ \t,;:/|\-]{1,4}")


def _beside(text: str, a_end: int, b_start: int) -> bool:
    return 0 < b_start - a_end <= 4 and _BESIDE.fullmatch(text, a_end, b_start) is not None


def _reads_as_date(value: str) -> bool:
    day, month, year = (int(part) for part in value.split("-"))
    return _real_date(day, month, 2000 + year)


@dataclass(frozen=True, slots=True)
class _Bank:
    """Sort codes and account numbers, found together because each vouches for the other."""

    sort_codes: list[tuple[int, int]]
    accounts: list[tuple[int, int]]


def _find_bank(text: str) -> _Bank:
    cued = {(m.start("sc"), m.end("sc")) for m in _SORT_CUED.finditer(text)}
    bare = [(m.start(), m.end()) for m in _SORT_BARE.finditer(text)]
    candidates = sorted(cued | set(bare))
    numbers = [(m.start(), m.end()) for m in _ACCOUNT.finditer(text)]

    def beside_any(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
        ends = {e for _, e in others}
        starts = {s for s, _ in others}
        return any(
            (span[0] - gap in ends and _beside(text, span[0] - gap, span[0]))
            or (span[1] + gap in starts and _beside(text, span[1], span[1] + gap))
            for gap in range(1, 5)
        )

    accounts = [
        n
        for n in numbers
        if _ACCOUNT_CUE.search(text, max(0, n[0] - 40), n[0]) is not None
        or beside_any(n, candidates)
    ]
    sort_codes = [
        s
        for s in candidates
        if s in cued or not _reads_as_date(text[s[0] : s[1]]) or beside_any(s, accounts)
    ]
    return _Bank(sort_codes, accounts)


# -- card numbers -----------------------------------------------------------------------

_CARD = re.compile(
    r"[2-6](?<![\d\-.][2-6])(?:"
    r"\d{12,18}"
    r"|\d{3}(?P<s>[ \-])\d{4}(?P=s)\d{4}(?P=s)\d{1,4}(?:(?P=s)\d{1,3})?"
    r"|(?<=3)\d{3}(?P<a>[ \-])\d{6}(?P=a)\d{4,5}"
    r")(?![\d])(?![\-.]\d)"
)


def luhn_ok(digits: str) -> bool:
    """True if the string of digits passes the Luhn (mod 10) check of card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _find_card(text: str) -> Iterator[PiiMatch]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_ok(digits):
            yield _match(text, m.start(), m.end(), "card_number")


# -- vehicle registrations --------------------------------------------------------------

_REG_CURRENT = re.compile(
    r"\d(?<=(?<![A-Za-z0-9])[A-HJ-PR-Ya-hj-pr-y]{2}\d)\d[ \u00a0]?[A-HJ-PR-Za-hj-pr-z]{3}"
    r"(?![A-Za-z0-9])"
)
"""AB12 CDE, found from its age digits; the two letters before them are checked behind."""
_REG_CUED = re.compile(
    r"[rRnNpPvV](?<!\w[rRnNpPvV])"
    r"(?:(?<=[rR])(?i:eg(?:istration)?\b\.?(?:[ \t]*(?:no\b\.?|number|plate|mark))?)"
    r"|(?<=[nN])(?i:umber[ \t]*plate\b)|(?<=[pP])(?i:late\b)|(?<=[vV])(?i:rm\b))"
    r"(?i:[ \t:=#\-]|\bis\b|\bwas\b){0,8}"
    r"(?P<reg>(?<![A-Za-z0-9])(?:(?i:"
    r"[A-HJ-NP-Y]\d{1,3}[ \u00a0]?[A-Z]{3}"  # prefix: A123 BCD (1983-2001)
    r"|[A-Z]{3}[ \u00a0]?\d{1,3}[ \u00a0]?[A-HJ-NP-Y]"  # suffix: ABC 123D (1963-1983)
    r"|[A-HJ-PR-Y]{2}\d\d[ \u00a0]?[A-HJ-PR-Z]{3}"  # current: AB12 CDE
    r")|[A-Z]{1,3}[ \u00a0]?\d{1,4}|\d{1,4}[ \u00a0]?[A-Z]{1,3}"  # dateless, capitals only
    r")(?![A-Za-z0-9]))"
)


def _age_ok(age: str) -> bool:
    n = int(age)
    return 2 <= n <= 29 or 51 <= n <= 79


def _find_vehicle(text: str) -> Iterator[PiiMatch]:
    for m in _REG_CURRENT.finditer(text):
        if _age_ok(text[m.start() : m.start() + 2]):
            yield _match(text, m.start() - 2, m.end(), "vehicle_reg")
    for m in _REG_CUED.finditer(text):
        yield _match(text, m.start("reg"), m.end("reg"), "vehicle_reg")


# -- IP addresses -----------------------------------------------------------------------

_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d]|\.\d)")
_IPV6 = re.compile(
    r"[0-9A-Fa-f:](?<![\w:.][0-9A-Fa-f:])[0-9A-Fa-f]{0,3}:[0-9A-Fa-f:.]{1,40}(?![\w:])"
)


def _find_ip(text: str) -> Iterator[PiiMatch]:
    for m in _IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        yield _match(text, m.start(), m.end(), "ip_address")
    for m in _IPV6.finditer(text):
        value = m.group().rstrip(".")
        if value.count(":") < 2:
            continue  # "12:30" is a time
        try:
            address = ipaddress.IPv6Address(value)
        except ValueError:
            continue
        if address.is_unspecified:
            continue
        yield _match(text, m.start(), m.start() + len(value), "ip_address")


# -- putting them together --------------------------------------------------------------

_FINDERS: dict[str, Callable[[str], Iterable[PiiMatch]]] = {
    "email": _find_email,
    "postcode": _find_postcode,
    "ni_number": _find_ni,
    "date_of_birth": _find_dob,
    "card_number": _find_card,
    "vehicle_reg": _find_vehicle,
    "url": _find_url,
    "handle": _find_handle,
    "ip_address": _find_ip,
}


def resolve_overlaps(matches: Iterable[PiiMatch]) -> list[PiiMatch]:
    """Keep non-overlapping finds, longer first (equal length: the more specific kind), by start."""
    ordered = sorted(
        set(matches), key=lambda m: (-(m.end - m.start), _RANK.get(m.kind, len(_RANK)), m.start)
    )
    starts: list[int] = []  # kept spans, sorted by start (they never overlap, so ends sort too)
    ends: list[int] = []
    kept: list[PiiMatch] = []
    for m in ordered:
        if m.end <= m.start:
            continue
        i = bisect.bisect_right(starts, m.start)
        if (i > 0 and ends[i - 1] > m.start) or (i < len(starts) and starts[i] < m.end):
            continue
        starts.insert(i, m.start)
        ends.insert(i, m.end)
        kept.append(m)
    return sorted(kept, key=lambda m: (m.start, m.end))


_DIGIT = re.compile(r"\d")


def _may_hold_without_digits(kind: str, text: str) -> bool:
    """Whether a text without a single digit may still hold this kind (a quick gate)."""
    if kind in ("email", "handle"):
        return "@" in text
    if kind == "url":
        return "." in text
    if kind == "ip_address":
        return text.count(":") >= 2  # dead::beef
    return False


def find_pii(text: str, kinds: Iterable[str] = KINDS, region: str = "GB") -> list[PiiMatch]:
    """Personal data of the given kinds in `text`: sorted by start, no two overlapping."""
    wanted = list(dict.fromkeys(kinds))
    unknown = [k for k in wanted if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown PII kind {unknown[0]!r}; known: {', '.join(KINDS)}")
    has_digit = _DIGIT.search(text) is not None
    wanted = [k for k in wanted if has_digit or _may_hold_without_digits(k, text)]
    found: list[PiiMatch] = []
    for kind in wanted:
        if kind == "phone":
            found.extend(_find_phone(text, region))
        elif kind in ("sort_code", "account_number"):
            continue
        else:
            found.extend(_FINDERS[kind](text))
    if "sort_code" in wanted or "account_number" in wanted:
        bank = _find_bank(text)
        if "sort_code" in wanted:
            found.extend(_match(text, s, e, "sort_code") for s, e in bank.sort_codes)
        if "account_number" in wanted:
            found.extend(_match(text, s, e, "account_number") for s, e in bank.accounts)
    return resolve_overlaps(found)


# -- protected names and terms ----------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_HYPHENS = r"\-\u2010\u2011\u2012\u2013"
_FOLD_CACHE: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    folded = _FOLD_CACHE.get(ch)
    if folded is None:
        decomposed = unicodedata.normalize("NFKD", ch.translate(_APOSTROPHES))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        _FOLD_CACHE[ch] = folded
    return folded


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def fold(text: str) -> tuple[str, list[int]]:
    """Text without case or diacritics, and for each of its characters the index in `text`."""
    if text.isascii():
        return text.lower().replace("`", "'"), list(range(len(text)))
    out: list[str] = []
    index: list[int] = []
    done = 0
    for run in _NON_ASCII.finditer(text):
        out.append(text[done : run.start()].lower().replace("`", "'"))
        index.extend(range(done, run.start()))
        for i in range(run.start(), run.end()):
            folded = _fold_char(text[i])
            out.append(folded)
            index.extend([i] * len(folded))
        done = run.end()
    out.append(text[done:].lower().replace("`", "'"))
    index.extend(range(done, len(text)))
    return "".join(out), index


def _term_pattern(spelling: str) -> str | None:
    folded, _ = fold(spelling.strip())
    words = [w for w in re.split(r"[\s" + _HYPHENS + r"]+", folded) if w]
    if not words:
        return None
    joint = r"(?:\s+|\s*[" + _HYPHENS + r"]\s*)"
    return joint.join(re.escape(w) for w in words)


@functools.lru_cache(maxsize=256)
def _terms_regex(spellings: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all spellings, longest first (cached: a case asks for the same terms)."""
    patterns = {p for s in spellings if (p := _term_pattern(s)) is not None}
    if not patterns:
        return None
    alternation = "|".join(sorted(patterns, key=len, reverse=True))
    return re.compile(r"(?<!\w)(?:" + alternation + r")(?!\w)")


def find_terms(text: str, spellings: Iterable[str]) -> list[PiiMatch]:
    """Whole-word hits of any spelling (any case, accents, spacing; "Amy's" finds "Amy")."""
    regex = _terms_regex(tuple(spellings))
    if regex is None or not text:
        return []
    folded, index = fold(text)
    found: list[PiiMatch] = []
    for m in regex.finditer(folded):
        start = index[m.start()]
        end = index[m.end() - 1] + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1  # keep a decomposed accent with its letter
        found.append(_match(text, start, end, PROTECTED))
    return resolve_overlaps(found)
