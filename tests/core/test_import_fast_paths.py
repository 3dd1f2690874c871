"""The import's fast paths keep every promise of the slow ones: audit chain, duplicates,
deferred indexes rebuilt (or restored on failure), originals made durable before the commit."""

from __future__ import annotations

import math
import os
import random
import sqlite3
from operator import mul
from pathlib import Path
from typing import ClassVar

import pytest
from PIL import Image
from sqlalchemy import func, select

from app import images
from app.audit import verify_chain
from app.case import Case
from app.errors import CorruptRecord
from app.importers.base import ImportContext, Probe, Sink
from app.importers.pdf import _rounded_words
from app.importers.registry import Registry, default_registry
from app.ingest.job import import_paths
from app.model import Confidence, EventDraft, ItemDraft, ItemKind, ParticipantDraft
from app.search import matching_items
from app.store import blobs, sink
from app.store.schema import AuditEntry, Item, Source
from tests.core.test_import import Crashing, write


def indexes(case: Case) -> list[tuple[str, str]]:
    db = sqlite3.connect(case.folder / "case.sqlite")
    try:
        return db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('items', 'events') ORDER BY name"
        ).fetchall()
    finally:
        db.close()


def chat(folder: Path, name: str, messages: int, start: int = 0) -> Path:
    """An Android WhatsApp export with `messages` messages, one a minute."""
    lines = []
    for n in range(start, start + messages):
        day, minute = divmod(n, 24 * 60)
        lines.append(
            f"{13 + day % 15:02}/03/2024, {minute // 60:02}:{minute % 60:02} - "
            f"{'Ann' if n % 3 else 'Bob'}: message number {n}"
        )
    return write(folder, name, "\n".join(lines) + "\n")


def test_a_mixed_batch_keeps_an_exact_audit_chain(case: Case, tmp_path: Path) -> None:
    good = [write(tmp_path, f"a{n}.txt", f"note {n}") for n in range(3)]
    again = write(tmp_path / "copy", "a0.txt", "note 0")
    bug = write(tmp_path, "bug.txt", "x")
    registry = Registry([Crashing, *default_registry()._by_name.values()])
    report = import_paths(case, [*good, bug, again], registry=registry)
    assert [f.status for f in report.files] == ["imported"] * 3 + ["failed", "duplicate"]
    with case.read() as s:
        chain = verify_chain(s)
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        dup = s.get(Source, report.files[4].source_id)
    assert chain.ok, chain.reason
    assert actions[-5:] == ["import"] * 3 + ["import.failed", "import.duplicate"]
    assert dup is not None
    assert dup.duplicate_of == report.files[0].source_id
    assert (dup.warnings, dup.decisions) == ([], {})
    # Sources written through the raw cursor read back through the ORM as before.
    with case.read() as s:
        first = s.get(Source, report.files[0].source_id)
    assert first is not None
    assert (first.item_count, first.status) == (1, "imported")


def test_a_large_first_chat_rebuilds_the_indexes_it_deferred(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sink, "DEFER_INDEXES_AFTER", 100)
    monkeypatch.setattr(sink, "BATCH", 50)
    before = indexes(case)
    dropped: list[int] = []
    real = sink.StoreSink._defer_indexes

    def counting(self: sink.StoreSink) -> None:
        dropped.append(self.items)
        real(self)

    monkeypatch.setattr(sink.StoreSink, "_defer_indexes", counting)
    path = chat(tmp_path, "WhatsApp Chat with Ann.txt", 400)
    (result,) = import_paths(case, [path]).files
    assert (result.status, result.items) == ("imported", 400)
    assert dropped == [100]  # deferred once, after the first 100 rows
    assert indexes(case) == before  # every index back, exactly as it was
    with case.read() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == 400
        assert matching_items(s, '"message number 377"') != []  # the text was indexed
    # A later export of the same chat matches through the fingerprint index, deferring none.
    dropped.clear()
    later = chat(tmp_path / "later", "WhatsApp Chat with Ann.txt", 450)
    (again,) = import_paths(case, [later]).files
    assert (again.status, again.matched, again.items) == ("imported", 400, 50)
    assert dropped == []
    assert indexes(case) == before


class Failing:
    """Writes many messages, then finds the file broken."""

    NAME: ClassVar[str] = "failing-chat"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        return 100 if probe.name.startswith("broken") else 0

    def parse(self, probe: Probe, sink_: Sink, ctx: ImportContext) -> None:
        who = ParticipantDraft("Ann")
        for n in range(300):
            event = EventDraft(
                1_700_000_000_000_000 + n * 60_000_000, "sent", "x", Confidence.EXACT
            )
            sink_.add_item(ItemDraft(ItemKind.MESSAGE, f"line {n}", f"m {n}", who, (), [event]))
        raise CorruptRecord("the file ends in the middle of a record")


def test_a_failure_after_the_indexes_were_dropped_brings_them_back(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sink, "DEFER_INDEXES_AFTER", 100)
    monkeypatch.setattr(sink, "BATCH", 50)
    before = indexes(case)
    good = write(tmp_path, "good.txt", "kept")
    broken = write(tmp_path, "broken.txt", "x")
    registry = Registry([Failing, *default_registry()._by_name.values()])
    report = import_paths(case, [good, broken], registry=registry)
    assert [f.status for f in report.files] == ["imported", "failed"]
    assert indexes(case) == before
    with case.read() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == 1
        assert verify_chain(s).ok


def test_many_originals_are_made_durable_with_one_file_system_flush(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = blobs.BlobStore(tmp_path / "originals")
    flushed: list[Path] = []
    fsynced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(blobs, "_syncfs", lambda folder: flushed.append(folder) or True)
    monkeypatch.setattr(blobs.os, "fsync", lambda fd: fsynced.append(fd) or real_fsync(fd))
    for n in range(blobs.SYNC_EACH_UP_TO + 1):
        src = write(tmp_path / "in", f"{n}.txt", f"original {n}")
        with src.open("rb") as fh:
            store.put_stream(fh, defer_sync=True)
    store.sync_pending()
    assert flushed == [store.root]
    assert fsynced == []
    # A few originals are synced one by one (and their folders), no file-system flush.
    for n in range(2):
        src = write(tmp_path / "in", f"few{n}.txt", f"few {n}")
        with src.open("rb") as fh:
            store.put_stream(fh, defer_sync=True)
    store.sync_pending()
    assert flushed == [store.root]
    assert len(fsynced) >= 2
    store.sync_pending()  # nothing pending: nothing done
    assert flushed == [store.root]


def test_a_failed_file_system_flush_fails_the_batch(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [write(tmp_path, f"n{n}.txt", f"note {n}") for n in range(blobs.SYNC_EACH_UP_TO + 2)]

    def broken(folder: Path) -> bool:
        raise OSError(5, "Input/output error", str(folder))

    monkeypatch.setattr(blobs, "_syncfs", broken)
    report = import_paths(case, files)
    assert {f.status for f in report.files} == {"failed"}
    assert all("not saved" in f.reason for f in report.files)
    with case.read() as s:
        assert s.scalar(select(func.count()).select_from(Source)) == 0


@pytest.mark.skipif(blobs._LIBC is None, reason="syncfs and sync_file_range are Linux calls")
def test_the_real_flush_and_writeback_calls_work(tmp_path: Path) -> None:
    store = blobs.BlobStore(tmp_path / "originals")
    for n in range(blobs.SYNC_EACH_UP_TO + 1):
        src = write(tmp_path / "in", f"{n}.bin", f"bytes {n}" * 1000)
        with src.open("rb") as fh:
            store.put_stream(fh, defer_sync=True)
    store.sync_pending()  # raises OSError if syncfs failed
    assert blobs._syncfs(store.root) is True


def _reference_phash(im: Image.Image) -> str:
    """The perceptual hash as first written, in plain Python: stored hashes stay comparable."""
    size, low_n = 32, 8
    cos = [
        [math.cos(math.pi * (2 * x + 1) * u / (2 * size)) for x in range(size)]
        for u in range(low_n)
    ]
    small = images._resizable(im).resize((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
    pixels = images._flat(small).convert("L").tobytes()
    rows = [pixels[y * size : (y + 1) * size] for y in range(size)]
    by_row = [[sum(map(mul, row, cu)) for cu in cos] for row in rows]
    columns = list(zip(*by_row, strict=True))
    low = [round(sum(map(mul, cv, columns[u])), 6) for cv in cos for u in range(low_n)]
    ordered = sorted(low)
    median = (ordered[31] + ordered[32]) / 2
    bits = 0
    for value in low:
        bits = (bits << 1) | (value > median)
    return f"{bits:016x}"


def test_the_perceptual_hash_is_the_one_stored_before() -> None:
    rnd = random.Random(11)
    pictures = [Image.new("RGB", (40, 30), "red"), Image.linear_gradient("L").resize((300, 200))]
    for _ in range(40):
        size = (rnd.randint(8, 400), rnd.randint(8, 400))
        noise = Image.effect_noise(size, rnd.randint(5, 120)).convert("RGB")
        tint = Image.new("RGB", size, tuple(rnd.randint(0, 255) for _ in range(3)))
        pictures.append(Image.blend(noise, tint, rnd.random()))
    pictures.append(Image.new("RGBA", (64, 64), (0, 0, 0, 0)))
    assert [images.phash(im) for im in pictures] == [_reference_phash(im) for im in pictures]


def test_word_boxes_are_rounded_as_before() -> None:
    rnd = random.Random(5)
    raw = []
    for n in range(3000):
        y = rnd.choice([72.123456, 84.5051, 96.99499, 108.0])  # lines share top and bottom
        x = rnd.uniform(0, 600)
        raw.append((x, y, x + rnd.uniform(1, 80), y + 9.875, f"w{n}", 0, n // 10, n % 10))
    expected = [
        (round(a * 100) / 100, round(b * 100) / 100, round(c * 100) / 100, round(d * 100) / 100, w)
        for a, b, c, d, w, *_ in raw
    ]
    assert _rounded_words(raw) == expected
    assert _rounded_words([r[:5] for r in raw]) == expected  # a shorter tuple: the plain path
    assert _rounded_words([]) == []
