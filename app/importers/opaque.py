"""Any file no other importer claims: kept as an original and shown as one opaque item."""

from __future__ import annotations

from typing import ClassVar

from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import file_time_events
from app.model import ItemDraft, ItemKind


class OpaqueFileImporter:
    """Keeps every file, never drops one: an item with its name, type and file time."""

    NAME: ClassVar[str] = "file"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """The lowest positive score: only when nothing better claims the file."""
        return 1

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One item of kind `file`."""
        sink.add_item(
            ItemDraft(
                kind=ItemKind.FILE,
                locator="",
                text="",
                events=file_time_events(probe),
                meta={"file_name": probe.name, "mime": probe.mime, "size": probe.size},
                mime=probe.mime,
            )
        )
