"""Wall-clock times to UTC microseconds, honest about zones and DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.errors import EvidenceError
from app.model import Confidence, EventDraft

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
AMBIGUOUS = "dst-ambiguous"
NONEXISTENT = "dst-nonexistent"


def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise EvidenceError(f"unknown time zone {name!r}") from exc


def aware_to_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def us_to_utc(us: int) -> datetime:
    """The aware UTC datetime of epoch microseconds."""
    return _EPOCH + timedelta(microseconds=us)


def iso_utc(us: int) -> str:
    """ISO 8601 in UTC with a Z, to the second (or microsecond when there are any)."""
    moment = us_to_utc(us)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def local_to_us(naive: datetime, zone_name: str) -> tuple[int, str]:
    """Convert a naive wall-clock time in `zone_name` to UTC microseconds.

    Returns the microseconds and a flag: `dst-ambiguous` when the clock went back and the
    time happened twice (the first occurrence is taken), `dst-nonexistent` when the clock
    went forward over it (read with the offset before the change). Never shifted silently.
    """
    tz = zone(zone_name)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    flag = ""
    if first.utcoffset() != second.utcoffset():
        # Round-tripping tells the two cases apart: a time that does not exist comes back
        # as another wall-clock time.
        back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        flag = NONEXISTENT if back != naive else AMBIGUOUS
    return aware_to_us(first), flag


def local_event(naive: datetime, zone_name: str, kind: str, original: str) -> EventDraft:
    """An event for a wall-clock time read in an assumed zone."""
    us, flag = local_to_us(naive, zone_name)
    return EventDraft(us, kind, original, Confidence.ASSUMED_ZONE, zone_name, flag)


def exact_event(moment: datetime, kind: str, original: str) -> EventDraft:
    """An event for a time that carried its own offset or was an epoch count."""
    if moment.tzinfo is None:
        raise ValueError("exact_event needs an aware datetime")
    return EventDraft(aware_to_us(moment), kind, original, Confidence.EXACT, "UTC")
