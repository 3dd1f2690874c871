"""A small generated case for presentation tests: a chat, an email, a PDF, pictures."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from app.case import Case
from app.ingest.job import import_paths
from app.redaction.model import RedactionDraft, RedactionKind
from app.redaction.ops import AddRedactions, CreateSet
from app.store.schema import AuditEntry, Item
from tests.core.redaction.gen_case import Ids, build


def photo(shift: int = 0, size: tuple[int, int] = (320, 240)) -> bytes:
    """A structured picture (bands and shapes); `shift` moves one shape a little."""
    im = Image.new("RGB", size, (200, 180, 160))
    d = ImageDraw.Draw(im)
    for y in range(0, size[1], 20):
        d.rectangle((0, y, size[0], y + 9), fill=(40 + y // 2, 90, 140))
    d.ellipse((60 + shift, 50, 180 + shift, 170), fill=(250, 240, 30))
    d.rectangle((200, 120, 300, 220), fill=(20, 160, 60))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def other_picture() -> bytes:
    """A picture unlike `photo` (a checkerboard)."""
    im = Image.new("RGB", (320, 240), (255, 255, 255))
    d = ImageDraw.Draw(im)
    for x in range(0, 320, 40):
        for y in range(0, 240, 40):
            if (x + y) // 40 % 2:
                d.rectangle((x, y, x + 39, y + 39), fill=(0, 0, 0))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Built:
    """The case and its item ids."""

    case: Case
    ids: Ids
    folder: Path

    def message(self, starts: str) -> int:
        """The id of the message whose text starts so."""
        return next(i for t, i in self.ids.messages.items() if t.startswith(starts))

    def approve(self, *drafts: RedactionDraft, set_name: str = "court") -> None:
        """Add approved redactions to a set."""
        AddRedactions(set_name, tuple(drafts), approve=True).apply(self.case)

    def propose(self, *drafts: RedactionDraft, set_name: str = "court") -> None:
        """Add proposed (unreviewed) redactions to a set."""
        AddRedactions(set_name, tuple(drafts)).apply(self.case)

    def audit(self, action: str) -> list[str]:
        """Payloads of the audit entries with this action, oldest first."""
        with self.case.read() as s:
            return list(
                s.scalars(
                    select(AuditEntry.payload)
                    .where(AuditEntry.action == action)
                    .order_by(AuditEntry.seq)
                )
            )


def span(
    item_id: int, start: int, end: int, reason: str = "VC", target: str = "text"
) -> RedactionDraft:
    """A span redaction draft."""
    return RedactionDraft(item_id, RedactionKind.SPAN, reason, target=target, start=start, end=end)


def region(
    item_id: int, box: tuple[float, float, float, float], page: int = 1, reason: str = "PII"
) -> RedactionDraft:
    """A region redaction draft."""
    return RedactionDraft(item_id, RedactionKind.REGION, reason, page=page, box=box)


@pytest.fixture
def built(tmp_path: Path) -> Iterator[Built]:
    """The generated case with an empty "court" set."""
    case = Case.create(tmp_path / "case")
    ids = build(case, tmp_path / "files")
    CreateSet("court").apply(case)
    yield Built(case, ids, tmp_path)
    case.close()


def import_pictures(b: Built, files: dict[str, bytes]) -> dict[str, int]:
    """Import pictures into the case; their item ids by file name."""
    folder = b.folder / "pictures"
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    report = import_paths(b.case, [folder / n for n in files])
    assert all(f.status == "imported" for f in report.files), report.files
    out: dict[str, int] = {}
    with b.case.read() as s:
        for item_id, locator, meta in s.execute(
            select(Item.id, Item.locator, Item.meta).where(Item.kind == "image")
        ):
            for name in files:
                if name in (locator, str(meta.get("file_name", ""))):
                    out[name] = int(item_id)
    if len(out) != len(files):
        with b.case.read() as s:  # fall back on source names
            from app.store.schema import Source

            for item_id, sname in s.execute(
                select(Item.id, Source.name).join(Source, Source.id == Item.source_id)
            ):
                if sname in files:
                    out[sname] = int(item_id)
    assert len(out) == len(files), out
    return out
