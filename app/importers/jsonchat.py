"""Shared helpers for JSON chat exports: sniffing keys in a probe's head and loading safely."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.errors import CorruptRecord, EvidenceError
from app.importers.base import Probe, Sink

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 512 * 1024 * 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KEY = re.compile(r'"([A-Za-z_][A-Za-z0-9_]*)"\s*:')


@dataclass(frozen=True, slots=True)
class LoadedJson:
    """A decoded JSON document, the text encoding it was read with and bad bytes replaced."""

    value: Any
    encoding: str
    replaced: int


def looks_like_json_object(probe: Probe) -> bool:
    """Whether libmagic calls the file JSON or text and its head opens a JSON object."""
    if probe.mime != "application/json" and not probe.mime.startswith("text/"):
        return False
    return probe.head_text().lstrip().startswith("{")


def head_keys(probe: Probe) -> set[str]:
    """The object keys visible in the head, found textually (the head may cut the JSON)."""
    return set(_KEY.findall(probe.head_text()))


def head_has_value(probe: Probe, key: str, values: tuple[str, ...]) -> bool:
    """Whether the head shows `"key": "<one of values>"` anywhere."""
    alternatives = "|".join(re.escape(v) for v in values)
    return (
        re.search(rf'"{re.escape(key)}"\s*:\s*"(?:{alternatives})"', probe.head_text()) is not None
    )


def load_json(probe: Probe) -> LoadedJson:
    """Read and decode the whole file as JSON, or raise one plain-sentence error."""
    if probe.size > MAX_JSON_BYTES:
        raise EvidenceError(
            f"{probe.name}: {probe.size // (1024 * 1024)} MB is more than the "
            f"{MAX_JSON_BYTES // (1024 * 1024)} MB this reader accepts for one JSON export"
        )
    with probe.open() as fh:
        data = fh.read(MAX_JSON_BYTES + 1)
    if not data.strip():
        raise CorruptRecord(f"{probe.name}: the file is empty")
    encoding = json.detect_encoding(data)
    replaced = 0
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
        replaced = text.count("\ufffd") - data.decode(encoding, errors="ignore").count("\ufffd")
    text = text.removeprefix("\ufeff")
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise CorruptRecord(
            f"{probe.name}: the JSON is nested too deeply to read safely (not a chat export)"
        ) from exc
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string")
        reason = "the file ends before the JSON is complete (truncated?)" if cut else "broken JSON"
        raise CorruptRecord(
            f"{probe.name}: {reason}: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    return LoadedJson(value, encoding, replaced)


def epoch_ms_to_dt(ms: int) -> datetime:
    """The aware UTC datetime of epoch milliseconds, exactly."""
    return _EPOCH + timedelta(milliseconds=ms)


def epoch_s_to_dt(seconds: int) -> datetime:
    """The aware UTC datetime of epoch seconds, exactly."""
    return _EPOCH + timedelta(seconds=seconds)


def as_int(value: Any) -> int | None:
    """An int from an int or a digit string (Telegram writes epoch seconds as strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,20}", value.strip()):
        return int(value.strip())
    return None


def as_str(value: Any) -> str:
    """A string field, '' for null or a non-string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def plural(n: int, word: str) -> str:
    """`1 message`, `2 messages`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class RecordWarnings:
    """Per-record warnings, capped so a badly broken file cannot flood the source's record."""

    def __init__(self, sink: Sink, limit: int = 50) -> None:
        self._sink = sink
        self._limit = limit
        self.count = 0

    def warn(self, message: str) -> None:
        """Pass the warning on, or only count it once the cap is reached."""
        self.count += 1
        if self.count <= self._limit:
            self._sink.warn(message)

    def finish(self) -> None:
        """Say how many warnings were left out."""
        if self.count > self._limit:
            self._sink.warn(f"… and {plural(self.count - self._limit, 'more record warning')}")
