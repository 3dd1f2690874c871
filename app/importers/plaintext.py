"""Plain text files: one item each, the whole text, dated by the file's time."""

from __future__ import annotations

from typing import ClassVar

from app import limits
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import (
    clip_long_lines,
    decode_text,
    file_time_events,
    long_line_warnings,
)
from app.model import ItemDraft, ItemKind

MAX_TEXT_BYTES = limits.MAX_TEXT_BYTES
MAX_LINE_CHARS = limits.MAX_LINE_CHARS


class PlainTextImporter:
    """Any text file that no more specific importer claims."""

    NAME: ClassVar[str] = "text"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """A low score for any text MIME type, so format importers win over it."""
        return 10 if probe.mime.startswith("text/") else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One item holding the decoded text."""
        with probe.open() as fh:
            data = fh.read(MAX_TEXT_BYTES + 1)
        if len(data) > MAX_TEXT_BYTES:
            sink.warn(f"text longer than {MAX_TEXT_BYTES} bytes: only the start is indexed")
            data = data[:MAX_TEXT_BYTES]
        text, encoding = decode_text(data)
        sink.decide("encoding", encoding)
        if encoding == "cp1252":
            sink.warn("not valid UTF-8: read as Windows-1252")
        text, cut = clip_long_lines(text, MAX_LINE_CHARS)
        for warning in long_line_warnings(probe.name, cut, MAX_LINE_CHARS):
            sink.warn(warning)
        sink.add_item(
            ItemDraft(
                kind=ItemKind.TEXT,
                locator="",
                text=text,
                events=file_time_events(probe),
                meta={"file_name": probe.name, "encoding": encoding},
                mime=probe.mime,
            )
        )
