"""Times that phones and apps write into file names: screenshots, camera shots, chat media."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class NameTime:
    """A time read from a file name.

    `moment` is naive: a wall-clock time, except when `utc` is true (the Pixel camera names
    its files in UTC). `matched` is the part of the name it was read from, `source` names the
    convention, and `date_only` says the name carries a day but no time of day.
    """

    moment: datetime
    matched: str
    source: str
    date_only: bool = False
    utc: bool = False
    screenshot: bool = False


@dataclass(frozen=True, slots=True)
class _Pattern:
    source: str
    regex: re.Pattern[str]
    date_only: bool = False
    utc: bool = False
    screenshot: bool = False


_YMD = r"(?P<Y>\d{4})(?P<m>\d\d)(?P<d>\d\d)"
_Y_M_D = r"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)"
_HMS = r"(?P<H>\d\d)(?P<M>\d\d)(?P<S>\d\d)"
# macOS and WhatsApp Desktop write "at 21.15.30" or, on 12-hour clocks, "at 9.15.30 PM"; macOS
# 13+ puts a narrow no-break space (U+202F) before the AM/PM.
_DOTTED_12H = (
    r"(?P<H>\d{1,2})\.(?P<M>\d\d)\.(?P<S>\d\d)(?:[ \u202f\u00a0](?P<p>[AaPp][Mm])(?![A-Za-z]))?"
)
_START = r"(?<![A-Za-z0-9])"


def _p(source: str, pattern: str, **flags: bool) -> _Pattern:
    return _Pattern(source, re.compile(_START + pattern, re.IGNORECASE), **flags)


# Most specific first: the generic camera pattern at the end would also match some of these.
_PATTERNS: tuple[_Pattern, ...] = (
    _p("android-screenshot", rf"Screenshot_{_YMD}-{_HMS}", screenshot=True),
    _p(
        "miui-screenshot",
        rf"Screenshot_{_Y_M_D}-(?P<H>\d\d)-(?P<M>\d\d)-(?P<S>\d\d)(?:-(?P<f>\d{{1,3}}))?",
        screenshot=True,
    ),
    _p("macos-screenshot", rf"Screen ?shot {_Y_M_D} at {_DOTTED_12H}", screenshot=True),
    _p("windows-screenshot", rf"Screenshot {_Y_M_D} {_HMS}(?!\d)", screenshot=True),
    _p("pixel-camera", rf"PXL_{_YMD}_{_HMS}(?P<f>\d{{3}})?", utc=True),
    _p("android-camera", rf"(?:IMG|VID|PANO|MVIMG|BURST\d*)_{_YMD}_{_HMS}(?!\d)"),
    _p("whatsapp-media", rf"(?:IMG|VID|AUD|PTT|DOC|STK)-{_YMD}-WA\d+", date_only=True),
    _p(
        "whatsapp-ios-export",
        rf"\d{{8}}-(?:PHOTO|VIDEO|AUDIO|STICKER|GIF|FILE|CONTACT)-{_Y_M_D}"
        r"-(?P<H>\d\d)-(?P<M>\d\d)-(?P<S>\d\d)",
    ),
    _p("whatsapp-desktop", rf"WhatsApp (?:Image|Video|Audio|Ptt) {_Y_M_D} at {_DOTTED_12H}"),
    _p(
        "telegram",
        rf"(?:photo|video|file|sticker|voice|audio)_{_Y_M_D}_(?P<H>\d\d)-(?P<M>\d\d)-(?P<S>\d\d)",
    ),
    # Telegram Desktop's JSON/HTML export names media by message number, day first.
    _p(
        "telegram-export",
        r"(?:photo|video|file|sticker|voice|audio|round)_\d+@(?P<d>\d\d)-(?P<m>\d\d)-(?P<Y>\d{4})"
        r"_(?P<H>\d\d)-(?P<M>\d\d)-(?P<S>\d\d)",
    ),
    _p(
        "signal",
        rf"signal-{_Y_M_D}-(?P<H>\d\d)-?(?P<M>\d\d)-?(?P<S>\d\d)(?:-(?P<f>\d{{3}}))?(?!\d)",
    ),
    _p("camera", rf"(?<!\d){_YMD}_{_HMS}(?!\d)"),
)


def time_from_name(name: str) -> NameTime | None:
    """The time a known naming convention wrote into `name`, or None.

    Only the calendar is checked (a 31 February is no match); whether the time is plausible
    for the evidence is the caller's decision.
    """
    for pattern in _PATTERNS:
        for match in pattern.regex.finditer(name):
            moment = _moment(match, pattern.date_only)
            if moment is not None:
                return NameTime(
                    moment,
                    match.group(0),
                    pattern.source,
                    date_only=pattern.date_only,
                    utc=pattern.utc,
                    screenshot=pattern.screenshot,
                )
    return None


def _moment(match: re.Match[str], date_only: bool) -> datetime | None:
    g = match.groupdict()
    try:
        if date_only:
            return datetime(int(g["Y"]), int(g["m"]), int(g["d"]))
        hour = int(g["H"])
        ampm = (g.get("p") or "").upper()
        if ampm:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if ampm == "PM" else 0)
        fraction = g.get("f") or ""
        micro = int(fraction.ljust(6, "0")) if fraction else 0
        return datetime(
            int(g["Y"]), int(g["m"]), int(g["d"]), hour, int(g["M"]), int(g["S"]), micro
        )
    except ValueError:
        return None
