"""One item through the Case facade: its OCR text and the stored original behind it."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select, update

from app.case import Case
from app.ingest.job import import_paths
from app.ocr import OcrWord, run_ocr
from app.store.schema import Item, Source


class TwoWords:
    """A fake OCR engine: two words on one line for every image."""

    label = "two words"

    def read(self, image: Image.Image) -> list[OcrWord]:
        return [OcrWord(1, 1, 20, 10, "hello"), OcrWord(22, 1, 40, 10, "there")]


def _png(path: Path, colour: str = "red") -> Path:
    Image.new("RGB", (80, 60), colour).save(path)
    return path


def _item_ids(case: Case, kind: str) -> list[int]:
    with case.read() as s:
        return list(s.scalars(select(Item.id).where(Item.kind == kind).order_by(Item.id)))


def test_item_ocr_text_is_empty_until_ocr_reads_it(case: Case, tmp_path: Path) -> None:
    picture = _png(tmp_path / "photo.png")
    note = tmp_path / "note.txt"
    note.write_text("plain evidence text\n", encoding="utf-8")
    assert import_paths(case, [picture, note]).count("imported") == 2
    (image_id,) = _item_ids(case, "image")
    assert case.item_ocr_text(image_id) == ""
    report = run_ocr(case, engine=TwoWords())
    assert report.items == 1
    assert case.item_ocr_text(image_id) == "hello there"
    # Evidence text is not OCR text; an unknown item has none.
    (text_id,) = _item_ids(case, "text")
    assert case.item_ocr_text(text_id) == ""
    assert case.item_ocr_text(999_999) == ""


def test_item_blob_sha_is_the_items_blob_else_its_sources(case: Case, tmp_path: Path) -> None:
    picture = _png(tmp_path / "photo.png")
    assert import_paths(case, [picture]).count("imported") == 1
    (image_id,) = _item_ids(case, "image")
    (source,) = case.sources()
    sha = case.item_blob_sha(image_id)
    assert sha == source.sha256
    assert case.blobs.read(sha) == picture.read_bytes()

    # An item with content of its own (an attachment) points at that blob instead.
    data = io.BytesIO()
    Image.new("RGB", (50, 50), "blue").save(data, format="PNG")
    data.seek(0)
    sha, _ = case.blobs.put_stream(data)
    with case.write() as s:
        s.execute(update(Item).where(Item.id == image_id).values(blob_sha256=sha))
    assert case.item_blob_sha(image_id) == sha

    # An item with no blob of its own in a source holding other items too (a chat that
    # names a photo it does not contain) has no original of its own.
    note = tmp_path / "note.txt"
    note.write_text("one line\n", encoding="utf-8")
    assert import_paths(case, [note]).count("imported") == 1
    (text_id,) = _item_ids(case, "text")
    assert case.item_blob_sha(text_id) is not None  # the text file is that one item
    with case.write() as s:
        s.execute(update(Source).where(Source.name == "note.txt").values(item_count=2))
    assert case.item_blob_sha(text_id) is None

    # A blob missing from the store, or an unknown item: no path.
    with case.write() as s:
        s.execute(update(Item).where(Item.id == image_id).values(blob_sha256="0" * 64))
    assert case.item_blob_sha(image_id) is None
    assert case.item_blob_sha(999_999) is None
