"""Helpers for platform returns: identifiers normalised as the contract says, and record times.

An IP in canonical `ipaddress` form (with its port split off when the text carries one), an
e-mail lower-cased, a phone in E.164 when it parses (region GB by default) or else its
digits; times read with their zone when the text states one, otherwise in the format's
documented zone and marked `assumed-zone`.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime

from app.importers.common import normalise_phone
from app.model import Confidence, EventDraft, IdentifierDraft, IdentifierKind
from app.timeline.clock import exact_event, local_event

_IPV6_PORT = re.compile(r"^\[(?P<ip>[0-9A-Fa-f:.]+)\](?::(?P<port>\d{1,5}))?$")
_IPV4_PORT = re.compile(r"^(?P<ip>\d{1,3}(?:\.\d{1,3}){3})(?::(?P<port>\d{1,5}))?$")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE_IN_TEXT = re.compile(r"\+?\d[\d \t().-]{4,}\d")
_REGION = re.compile(r"\s*\[(?P<region>[A-Za-z]{2})\]\s*$")
_ZONE_SUFFIX = re.compile(r"\s*(?:Z|UTC|GMT|\(UTC\))$", re.IGNORECASE)
_FORMATS = (
    "%a %b %d %H:%M:%S %z %Y",  # X tweets: Wed Oct 10 20:19:24 +0000 2018
    "%a %b %d %H:%M:%S %Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d-%H:%M:%S",
    "%d %b %Y %H:%M:%S",
    "%B %d, %Y %I:%M:%S %p",
)


def ip_and_port(raw: str) -> tuple[str, int | None] | None:
    """(canonical IP, port or None) of `1.2.3.4`, `1.2.3.4:443`, `[2001:db8::1]:443`, `::1`.

    An IPv6 address is split from a port only when it is bracketed (`2001:db8::1` has none).
    An IPv4-mapped IPv6 address is given as the IPv4 address, so the same address compares
    equal across returns; `0.0.0.0` or `::` is no address, and a port outside 1-65535 makes
    the text no address either (None).
    """
    text = raw.strip()
    if not text:
        return None
    port: int | None = None
    m = _IPV6_PORT.match(text) or _IPV4_PORT.match(text)
    if m is not None:
        text = m.group("ip")
        if m.group("port"):
            port = parse_port(m.group("port"))
            if port is None:
                return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:192.0.2.1 is the IPv4 address itself
    if address.is_unspecified:
        return None  # 0.0.0.0 / :: says no address was recorded
    return str(address), port


def parse_port(raw: str) -> int | None:
    """A port number written on its own (1-65535), or None."""
    text = raw.strip()
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def email_value(raw: str) -> str:
    """The e-mail lower-cased, or '' when the text is not one address."""
    text = raw.strip().strip("<>").strip()
    return text.lower() if _EMAIL.match(text) else ""


def phone_value(raw: str, *, international: bool = False) -> str:
    """E.164 when the number parses (region GB, or the one a trailing `[US]` names), else its
    digits.

    `international` says the number is written with its country code but without a `+`
    (WhatsApp's and Snapchat's way), so `12025550123` is read as +1 202 555 0123; otherwise
    a number of 11 digits or more without `+` or a leading 0 is tried that way second.
    """
    text = raw.strip()
    region = "GB"
    m = _REGION.search(text)
    if m is not None:
        region = m.group("region").upper()
        text = text[: m.start()].strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return ""
    tries = [text]
    if not text.startswith(("+", "0")):
        if international:
            tries.insert(0, "+" + digits)
        elif len(digits) >= 11:
            tries.append("+" + digits)
    for attempt in tries:
        if value := normalise_phone(attempt, region):
            return value
    return digits


def _placeholder(text: str) -> bool:
    """Whether a device id is a stand-in for none (all zeros, "null", "n/a"…): such values
    would tie unrelated accounts together."""
    return not text.strip("0-:. ") or text.strip().lower() in {"null", "none", "n/a", "unknown"}


def present(*drafts: IdentifierDraft | None) -> list[IdentifierDraft]:
    """The drafts that were made (`identifier` answers None for an empty or stand-in raw)."""
    return [d for d in drafts if d is not None]


def split_list(raw: str) -> list[str]:
    """The entries of a list field (`a, b`, `a; b` or one per line), blanks dropped."""
    return [p.strip() for p in re.split(r"[,;\n]", raw) if p.strip()]


def identifier(
    account: str,
    kind: IdentifierKind,
    raw: str,
    ts_utc_us: int | None = None,
    port: int | None = None,
) -> IdentifierDraft | None:
    """An identifier draft with its value normalised for `kind`, or None if the raw is empty
    or is not an address/e-mail/phone of that kind."""
    text = raw.strip()
    if not text or not account:
        return None
    if kind in (IdentifierKind.IP, IdentifierKind.REGISTRATION_IP):
        parsed = ip_and_port(text)
        if parsed is None:
            return None
        value, found_port = parsed  # a port written with the address wins over `port`
        port = found_port if found_port is not None else port
        return IdentifierDraft(account, kind, value, raw, port, ts_utc_us)
    if kind == IdentifierKind.EMAIL:
        value = email_value(text)
    elif kind == IdentifierKind.DEVICE:
        value = "" if _placeholder(text) else text
    elif kind == IdentifierKind.PHONE:
        value = phone_value(text)
    elif kind == IdentifierKind.USERNAME:
        value = text.removeprefix("@").lower()
    elif kind == IdentifierKind.LINKED_ACCOUNT:
        value = text.lower()
    else:
        value = text
    if not value:
        return None
    return IdentifierDraft(account, kind, value, raw, port, ts_utc_us)


def _strptime(text: str) -> datetime | None:
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_time(raw: str) -> tuple[datetime, bool] | None:
    """(datetime, whether the text stated its zone) or None when it is not a time."""
    text = raw.strip()
    if not text:
        return None
    stated = False
    if _ZONE_SUFFIX.search(text):
        text = _ZONE_SUFFIX.sub("", text) + "+00:00"
        stated = True
    try:
        moment: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        moment = _strptime(text.removesuffix("+00:00"))
        if moment is None:
            return None
        if stated and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    assert moment is not None
    return moment, stated or moment.tzinfo is not None


def time_event(
    raw: str, kind: str, documented_zone: str = "UTC", zone_stated: bool = False
) -> EventDraft | None:
    """An event at `raw`: exact when the text (or its column, `zone_stated`) gives the zone,
    else read in the format's documented zone and marked assumed-zone. None if unparsable."""
    parsed = parse_time(raw)
    if parsed is None:
        return None
    moment, aware = parsed
    if aware:
        return exact_event(moment, kind, raw.strip())
    if zone_stated:
        event = local_event(moment, documented_zone, kind, raw.strip())
        return EventDraft(
            event.ts_utc_us, kind, raw.strip(), Confidence.EXACT, documented_zone, event.flags
        )
    return local_event(moment, documented_zone, kind, raw.strip())


def ip_identifier(
    account: str,
    raw: str,
    *,
    kind: IdentifierKind = IdentifierKind.IP,
    port: int | None = None,
    ts_utc_us: int | None = None,
) -> IdentifierDraft | None:
    """An IP (or registration-IP) identifier for `raw`, or None when it is not an address."""
    return identifier(account, kind, raw, ts_utc_us, port)


def email_identifiers(account: str, raw: str) -> list[IdentifierDraft]:
    """An e-mail identifier for each address in `raw` (a field may hold several); raw is the
    whole field when it holds one address, else that address."""
    found = _EMAIL_IN_TEXT.findall(raw)
    return [
        IdentifierDraft(account, IdentifierKind.EMAIL, e.lower(), raw if len(found) == 1 else e)
        for e in found
    ]


def phone_identifiers(
    account: str, raw: str, *, international: bool = False
) -> list[IdentifierDraft]:
    """A phone identifier for each number in `raw` (E.164 where it parses, see `phone_value`)."""
    found = _PHONE_IN_TEXT.findall(raw)
    return [
        IdentifierDraft(
            account,
            IdentifierKind.PHONE,
            phone_value(p, international=international),
            raw if len(found) == 1 else p,
        )
        for p in found
    ]
