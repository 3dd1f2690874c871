"""How times, confidence and counts read on screen: plain words, always with a zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from app.importers.names import IMPORTER_NAMES as IMPORTER_NAMES
from app.importers.names import importer_name as importer_name
from app.model import Confidence
from app.timeline.clock import iso_utc, us_to_utc

APPROX = "≈"

_CONFIDENCE = {
    Confidence.ASSUMED_ZONE.value: "The source gave a clock time without a time zone; "
    "it was read as {zone}.",
    Confidence.FILE_NAME.value: "The time comes from the file's name, not from its content.",
    Confidence.FILE_TIME.value: "The time comes from the file's modification date, "
    "which copying a file can change.",
    Confidence.UNKNOWN.value: "Where this time comes from is not known.",
}


def local_time(us: int, tz: ZoneInfo) -> str:
    """`2024-03-05 14:03:22 GMT`: the moment in `tz`, with the zone's abbreviation."""
    return us_to_utc(us).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def long_time(us: int, tz: ZoneInfo) -> str:
    """`Tuesday 5 March 2024, 14:03:22 GMT`: for headings."""
    moment = us_to_utc(us).astimezone(tz)
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M:%S %Z}"


def is_exact(confidence: str) -> bool:
    """Whether a time's zone is known rather than assumed or guessed."""
    return confidence == Confidence.EXACT.value


def time_cell(us: int, confidence: str, tz: ZoneInfo) -> str:
    """A timeline time, marked with ≈ when it is not exact."""
    text = local_time(us, tz)
    return text if is_exact(confidence) else f"{APPROX} {text}"


def confidence_note(confidence: str, zone_name: str) -> str:
    """One sentence saying why a time is not exact; empty for an exact time."""
    if is_exact(confidence):
        return ""
    return _CONFIDENCE.get(confidence, _CONFIDENCE[Confidence.UNKNOWN.value]).format(zone=zone_name)


def time_tooltip(us: int, confidence: str, original: str, event_kind: str, zone_name: str) -> str:
    """The full story of one time: UTC, what happened, the original text, how sure we are."""
    lines = [f"UTC {iso_utc(us)}", f"Event: {event_kind}"]
    if original:
        lines.append(f"As written in the source: {original}")
    note = confidence_note(confidence, zone_name)
    if note:
        lines.append(f"{APPROX} {note}")
    return "\n".join(lines)


def one_line(text: str, limit: int = 400) -> str:
    """Text folded onto one line for a table cell."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plural(n: int, word: str, many: str = "") -> str:
    """`1 source`, `3 sources`, `12,345 events`."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def short_range(first_us: int, last_us: int, tz: ZoneInfo) -> str:
    """`4 Mar 2024 19:01 – 17 Mar 2024 23:10`, or one time when both ends are the same minute."""
    first = us_to_utc(first_us).astimezone(tz)
    last = us_to_utc(last_us).astimezone(tz)

    def text(moment: datetime) -> str:
        return f"{moment.day} {moment:%b %Y %H:%M}"

    start, end = text(first), text(last)
    return start if start == end else f"{start} – {end}"
