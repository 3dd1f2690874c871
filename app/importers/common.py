"""Small helpers importers share: text decoding and file-time events."""

from __future__ import annotations

from datetime import UTC, datetime

import phonenumbers

from app.importers.base import Probe
from app.model import Confidence, EventDraft, ParticipantDraft
from app.timeline.clock import aware_to_us, iso_utc


def file_time_events(probe: Probe) -> list[EventDraft]:
    """An event at the file's modification time when it is known, marked `file-time`."""
    if probe.mtime_us is None:
        return []
    return [
        EventDraft(
            probe.mtime_us,
            "file_modified",
            iso_utc(probe.mtime_us),
            Confidence.FILE_TIME,
            "UTC",
        )
    ]


def clip_long_lines(text: str, limit: int) -> tuple[str, list[tuple[int, int]]]:
    """`text` with every line longer than `limit` characters cut to `limit`.

    Also returns (line number, length) of each line cut. Costs one short `rfind` per `limit`
    characters when no line is long, so normal files pay nothing noticeable.
    """
    if len(text) <= limit:
        return text, []
    cut: list[tuple[int, int]] = []
    pieces: list[str] = []
    kept = 0  # text[:kept] is already in pieces
    pos = 0  # every line starting before pos is at most `limit` long
    while len(text) - pos > limit:
        nl = text.rfind("\n", pos, pos + limit + 1)
        if nl >= 0:
            pos = nl + 1
            continue
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        cut.append((text.count("\n", 0, pos) + 1, end - pos))
        pieces.append(text[kept : pos + limit])
        kept = pos = end
    if not cut:
        return text, []
    pieces.append(text[kept:])
    return "".join(pieces), cut


def long_line_warnings(label: str, cut: list[tuple[int, int]], limit: int) -> list[str]:
    """Warnings naming the file and the limit for the lines `clip_long_lines` cut."""
    said = [
        f"{label}: line {line} is {length:,} characters long, over the limit of {limit:,} "
        f"characters a line: only its first {limit:,} were read"
        for line, length in cut[:10]
    ]
    if len(cut) > 10:
        said.append(f"{label}: {len(cut) - 10} more lines over the line-length limit were cut")
    return said


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode text of unknown encoding; returns (text, encoding used).

    UTF-8 (with or without BOM) and UTF-16 with a BOM are taken as they are; anything else is
    read as Windows-1252, which maps every byte, so no text is lost and the caller can warn.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def epoch_us(seconds: float) -> int:
    """UTC microseconds of a Unix time in seconds."""
    return aware_to_us(datetime.fromtimestamp(seconds, UTC))


def normalise_phone(raw: str, region: str = "GB") -> str:
    """A phone number in E.164 (`+447700900123`) when it parses as a possible number, else ''."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str) -> bool:
    """Whether a display name is really a phone number (digits, spaces, + ( ) - only)."""
    stripped = text.strip()
    digits = sum(ch.isdigit() for ch in stripped)
    return digits >= 6 and all(ch.isdigit() or ch in "+()- \u00a0" for ch in stripped)


def participant(name: str = "", phone: str = "", handle: str = "") -> ParticipantDraft:
    """A participant draft, taking the phone number from the name when the name is one."""
    name = name.strip()
    if not phone and looks_like_phone(name):
        phone = name
    return ParticipantDraft(name=name, phone=normalise_phone(phone) if phone else "", handle=handle)
