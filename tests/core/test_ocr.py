"""OCR of images and scanned PDF pages: pages(origin='ocr'), items.ocr_text, search, the job."""

from __future__ import annotations

import io
import itertools
import json
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps
from sqlalchemy import select, text

from app import ocr
from app.case import Case
from app.cli import EXIT_OK, main
from app.ingest.job import import_paths
from app.jobs import CancelToken, Progress
from app.ocr import OcrWord, pending, run_ocr, set_setting
from app.store.schema import AuditEntry, Item, Page

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


# -- helpers -----------------------------------------------------------------------------


def font(size: int = 24) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT.is_file():
        return ImageFont.truetype(str(FONT), size)
    return ImageFont.load_default(size=size)


def chat_screenshot(
    path: Path, messages: Sequence[tuple[str, bool]], size: tuple[int, int] = (540, 960)
) -> Path:
    """A phone chat screenshot: a title bar, then bubbles (left = them, right = me)."""
    image = Image.new("RGB", size, (236, 229, 221))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 70), fill=(7, 94, 84))
    draw.text((20, 20), "Daniel", font=font(26), fill="white")
    y = 100
    for message, mine in messages:
        f = font(24)
        left, top, right, bottom = draw.textbbox((0, 0), message, font=f)
        w, h = int(right - left) + 36, int(bottom - top) + 30
        x = size[0] - w - 16 if mine else 16
        draw.rounded_rectangle(
            (x, y, x + w, y + h), radius=16, fill=(220, 248, 198) if mine else "white"
        )
        draw.text((x + 18, y + 15 - top), message, font=f, fill=(20, 20, 20))
        y += h + 24
    image.save(path)
    return path


def fts_rowids(case: Case, query: str) -> list[int]:
    with case.read() as s:
        return [
            r[0]
            for r in s.execute(
                text("SELECT rowid FROM items_fts WHERE items_fts MATCH :q"), {"q": query}
            )
        ]


def fts_intact(case: Case) -> None:
    """FTS5's own check that the external-content index matches the items table."""
    with case.write() as s:
        s.execute(text("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)"))


def ocr_pages(case: Case, item_id: int) -> list[Page]:
    with case.read() as s:
        return list(
            s.scalars(
                select(Page)
                .where(Page.item_id == item_id, Page.origin == "ocr")
                .order_by(Page.number)
            )
        )


def box(word: list[object]) -> tuple[float, float, float, float]:
    """The box of a stored word [x0, y0, x1, y1, text] as floats."""
    x0, y0, x1, y1 = (float(cast(float, v)) for v in word[:4])
    return x0, y0, x1, y1


def item(case: Case, item_id: int) -> Item:
    with case.read() as s:
        row = s.get(Item, item_id)
        assert row is not None
        return row


def image_items(case: Case) -> list[int]:
    with case.read() as s:
        return list(s.scalars(select(Item.id).where(Item.kind == "image").order_by(Item.id)))


def audit_actions(case: Case, action: str) -> list[dict[str, Any]]:
    with case.read() as s:
        rows = s.scalars(select(AuditEntry.payload).where(AuditEntry.action == action))
        return [json.loads(p) for p in rows]


class FakeEngine:
    """Returns two words per image, or raises / cancels on a given call."""

    label = "fake engine"

    def __init__(
        self,
        words: Sequence[OcrWord] | None = None,
        *,
        fail_on: int | None = None,
        cancel: CancelToken | None = None,
        cancel_on: int | None = None,
    ) -> None:
        self.words = list(
            words
            if words is not None
            else [OcrWord(10, 20, 60, 40, "hello", 0), OcrWord(70, 20, 130, 40, "stalker", 0)]
        )
        self.sizes: list[tuple[int, int]] = []
        self.fail_on = fail_on
        self.cancel = cancel
        self.cancel_on = cancel_on

    def read(self, image: Image.Image) -> list[OcrWord]:
        self.sizes.append(image.size)
        assert image.mode == "RGB"
        n = len(self.sizes)
        if n == self.fail_on:
            raise RuntimeError("engine exploded")
        if self.cancel is not None and n == self.cancel_on:
            self.cancel.cancel()
        return list(self.words)


@pytest.fixture
def screenshots(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "shots"
    folder.mkdir()
    return [
        chat_screenshot(folder / f"Screenshot_2024031{n}-2130{n}.png", [(f"message {n}", False)])
        for n in range(3)
    ]


# -- the real engine ---------------------------------------------------------------------


# Not marked slow: this is the one end-to-end proof that OCR works, and it must run in CI
# (about 3 s: loading the engine and reading one screenshot).
def test_real_engine_reads_a_chat_screenshot_into_pages_ocr_text_and_search(
    case: Case, tmp_path: Path
) -> None:
    shot = chat_screenshot(
        tmp_path / "Screenshot_20240314-213000.png",
        [("I know where you live now", False), ("Leave me alone", True)],
    )
    report = import_paths(case, [shot])
    assert report.files[0].status == "imported"
    assert report.files[0].importer == "image"
    (item_id,) = image_items(case)
    assert pending(case) == [item_id]

    result = run_ocr(case)

    assert result.failures == ()
    assert (result.items, result.pages) == (1, 1)
    assert result.engine == ocr.ENGINE_LABEL
    (page,) = ocr_pages(case, item_id)
    assert (page.number, page.width, page.height) == (1, 540, 960)
    words = {str(w[4]).lower(): box(w) for w in page.words}
    assert {"where", "live", "leave", "alone"} <= set(words)
    for x0, y0, x1, y1 in words.values():
        assert 0 <= x0 < x1 <= 540
        assert 0 <= y0 < y1 <= 960
    # "where" sits in the left bubble, on its first line; "alone" in the right one below.
    assert words["where"][0] < 270 < words["alone"][2]
    assert words["where"][1] < words["alone"][1]
    assert "where you live now" in page.text.lower()
    row = item(case, item_id)
    assert "live" in row.ocr_text.lower()
    assert row.text == ""  # machine-read text never becomes evidence text
    assert fts_rowids(case, "live") == [item_id]
    fts_intact(case)
    (entry,) = audit_actions(case, "ocr")
    assert entry["item_id"] == item_id
    assert entry["engine"] == "rapidocr 3.10 PP-OCRv6 small"
    assert entry["words"] == len(page.words) == result.words
    assert pending(case) == []


def test_importing_app_ocr_does_not_load_the_engine() -> None:
    import subprocess
    import sys

    code = (
        "import sys, app.ocr\n"
        "assert 'rapidocr' not in sys.modules and 'onnxruntime' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


# -- the job, with a fake engine ---------------------------------------------------------


def test_pending_skips_done_items_and_a_second_run_reads_nothing(
    case: Case, screenshots: list[Path]
) -> None:
    import_paths(case, screenshots)
    ids = image_items(case)
    assert len(ids) == 3
    assert pending(case) == ids
    engine = FakeEngine()
    seen: list[Progress] = []
    report = run_ocr(case, engine=engine, progress=seen.append)
    assert (report.items, report.pages, report.words) == (3, 3, 6)
    assert report.engine == "fake engine"
    assert seen[-1].done == seen[-1].total == 3
    assert pending(case) == []
    again = run_ocr(case, engine=FakeEngine())
    assert (again.items, again.words) == (0, 0)
    for item_id in ids:
        (page,) = ocr_pages(case, item_id)
        assert page.text == "hello stalker"
        assert page.words == [[10, 20, 60, 40, "hello"], [70, 20, 130, 40, "stalker"]]
        assert item(case, item_id).ocr_text == "hello stalker"
    assert sorted(fts_rowids(case, "stalker")) == ids
    assert [a["engine"] for a in audit_actions(case, "ocr")] == ["fake engine"] * 3
    fts_intact(case)


def test_item_ids_limit_the_run_to_those_items(case: Case, screenshots: list[Path]) -> None:
    import_paths(case, screenshots)
    first, *rest = image_items(case)
    assert run_ocr(case, engine=FakeEngine(), item_ids=[first]).items == 1
    assert pending(case) == rest


def test_pending_for_sources_includes_their_embedded_files(
    case: Case, tmp_path: Path, screenshots: list[Path]
) -> None:
    pymupdf = pytest.importorskip("pymupdf")
    first = import_paths(case, [screenshots[0]]).files[0].source_id
    pdf = tmp_path / "with-attachment.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "See the attached screenshot")
    doc.embfile_add("shot.png", screenshots[1].read_bytes(), filename="shot.png")
    doc.save(pdf)
    doc.close()
    second = import_paths(case, [pdf]).files[0].source_id
    assert first is not None
    assert second is not None
    with case.read() as s:
        rows = s.execute(select(Item.id, Item.source_id).where(Item.kind == "image")).all()
    by_source = {source: item_id for item_id, source in rows}
    if len(by_source) != 2:
        pytest.skip("the PDF importer does not hand attachments over as child sources")
    assert pending(case, sources=[first]) == [by_source[first]]
    (child,) = [item_id for source, item_id in by_source.items() if source != first]
    assert pending(case, sources=[second]) == [child]
    assert pending(case, sources=[]) == []
    assert pending(case) == sorted(by_source.values())


def test_cancel_midway_keeps_finished_items_and_a_rerun_resumes(
    case: Case, screenshots: list[Path]
) -> None:
    import_paths(case, screenshots)
    ids = image_items(case)
    token = CancelToken()
    report = run_ocr(case, engine=FakeEngine(cancel=token, cancel_on=2), cancel=token)
    # Cancelled while the second item was being read: that read is finished and kept, the
    # third item never begins.
    assert report.cancelled
    assert report.items == 2
    assert [bool(ocr_pages(case, i)) for i in ids] == [True, True, False]
    assert pending(case) == ids[2:]
    engine = FakeEngine()
    resumed = run_ocr(case, engine=engine)
    assert (resumed.items, resumed.cancelled) == (1, False)
    assert len(engine.sizes) == 1
    assert pending(case) == []
    assert len(audit_actions(case, "ocr")) == 3


def test_a_cancel_before_the_start_reads_nothing(case: Case, screenshots: list[Path]) -> None:
    import_paths(case, screenshots)
    token = CancelToken()
    token.cancel()
    engine = FakeEngine()
    report = run_ocr(case, engine=engine, cancel=token)
    assert report.cancelled
    assert report.items == 0
    assert engine.sizes == []


def test_setting_off_means_nothing_pending_and_nothing_run(
    case: Case, screenshots: list[Path]
) -> None:
    import_paths(case, screenshots)
    assert ocr.ocr_enabled(case)
    set_setting(case, "ocr", "off")
    assert case.setting("ocr") == "off"
    assert not ocr.ocr_enabled(case)
    assert pending(case) == []
    engine = FakeEngine()
    report = run_ocr(case, engine=engine)
    assert not report.enabled
    assert report.items == 0
    assert engine.sizes == []
    set_setting(case, "ocr", "on")
    assert len(pending(case)) == 3
    assert audit_actions(case, "setting") == [
        {"key": "ocr", "value": "off", "previous": None},
        {"key": "ocr", "value": "on", "previous": "off"},
    ]


def test_a_corrupt_image_and_an_engine_error_are_reported_not_raised(
    case: Case, tmp_path: Path, screenshots: list[Path]
) -> None:
    good = screenshots[0].read_bytes()
    broken = tmp_path / "broken.png"
    broken.write_bytes(good[: len(good) // 3])  # a PNG cut short
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00JFIF" + bytes(range(256)) * 4)
    import_paths(case, [broken, garbage, *screenshots[:2]])
    ids = image_items(case)
    assert len(ids) == 4
    # The two broken files fail before the engine sees them: its 2nd read is screenshot 1.
    report = run_ocr(case, engine=FakeEngine(fail_on=2))
    reasons = {f.name: f.reason for f in report.failures}
    assert set(reasons) == {"broken.png", "garbage.jpg", screenshots[1].name}
    assert "truncated" in reasons["broken.png"] or "cannot be read" in reasons["broken.png"]
    assert reasons[screenshots[1].name] == "RuntimeError: engine exploded"
    assert report.items == 1
    # Failed items stay pending: a later run (a fixed engine, a new version) tries again.
    assert len(pending(case)) == 3


def test_fts_row_is_replaced_not_duplicated(case: Case, tmp_path: Path) -> None:
    """An item already indexed for its own text gets one row holding text and OCR text."""
    pymupdf = pytest.importorskip("pymupdf")
    pdf = tmp_path / "statement.pdf"
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 72), "Witness statement of Sarah", fontsize=14)
    scan = doc.new_page(width=595, height=842)
    buf = io.BytesIO()
    Image.new("RGB", (800, 1100), "white").save(buf, format="PNG")
    scan.insert_image(scan.rect, stream=buf.getvalue())
    doc.save(pdf)
    doc.close()
    import_paths(case, [pdf])
    with case.read() as s:
        doc_id, meta = s.execute(select(Item.id, Item.meta).where(Item.kind == "document")).one()
    if meta.get("pages_without_text") != [2]:
        pytest.skip("the PDF importer does not list pages without text")
    assert fts_rowids(case, "witness") == [doc_id]
    assert pending(case) == [doc_id]
    report = run_ocr(case, engine=FakeEngine())
    assert report.items == 1
    assert report.pages == 1
    assert fts_rowids(case, "witness") == [doc_id]
    assert fts_rowids(case, "stalker") == [doc_id]
    assert fts_rowids(case, "witness stalker") == [doc_id]
    fts_intact(case)
    (ocr_page,) = ocr_pages(case, doc_id)
    assert ocr_page.number == 2
    assert (ocr_page.width, ocr_page.height) == (595, 842)
    # The fake engine's pixel box (10, 20, 60, 40) on a page rendered at about 2.4 px/pt
    # comes back in points.
    assert ocr_page.words[0][4] == "hello"
    x0, y0, x1, _ = box(ocr_page.words[0])
    assert 3 < x0 < 5
    assert 7 < y0 < 10
    assert 20 < x1 < 30
    assert item(case, doc_id).text.startswith("Witness statement of Sarah")


# -- images: orientation, size, bombs, tall screenshots ----------------------------------


def test_exif_orientation_is_applied_and_large_photos_are_read_smaller(
    case: Case, tmp_path: Path
) -> None:
    photo = tmp_path / "IMG_0001.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait (rotate 90° clockwise)
    Image.new("RGB", (4000, 3000), "white").save(photo, exif=exif, quality=60)
    import_paths(case, [photo])
    (item_id,) = image_items(case)
    engine = FakeEngine([OcrWord(100, 200, 300, 250, "upright", 0)])
    assert run_ocr(case, engine=engine).items == 1
    assert engine.sizes == [(1500, 2000)]  # upright, long side 2000
    (page,) = ocr_pages(case, item_id)
    assert (page.width, page.height) == (3000, 4000)  # the photo as shown, full size
    assert page.words == [[200, 400, 600, 500, "upright"]]


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that declares a huge size in a few bytes: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
    return path


@pytest.mark.parametrize("side", [9_000, 30_000])
def test_decompression_bombs_are_refused(case: Case, tmp_path: Path, side: int) -> None:
    bomb = _png_header_only(tmp_path / f"bomb{side}.png", side, side)
    with bomb.open("rb") as fh, pytest.raises(ocr.OcrInputError, match="too large"):
        ocr.load_image(fh)
    import_paths(case, [bomb])
    if not image_items(case):
        pytest.skip("the image importer did not keep the bomb as an image item")
    engine = FakeEngine()
    report = run_ocr(case, engine=engine)
    assert engine.sizes == []
    (failure,) = report.failures
    assert "too large" in failure.reason


def test_transparent_png_is_read_on_white(tmp_path: Path) -> None:
    path = tmp_path / "sticker.png"
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((20, 20, 80, 60), fill=(0, 0, 0, 255))
    image.save(path)
    with path.open("rb") as fh:
        rgb, size = ocr.load_image(fh)
    assert size == (200, 100)
    assert rgb.mode == "RGB"
    assert rgb.getpixel((5, 5)) == (255, 255, 255)
    assert rgb.getpixel((50, 40)) == (0, 0, 0)


class BandEngine:
    """Finds dark horizontal bands and names each by its grey level, like lines of text."""

    label = "bands"

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def read(self, image: Image.Image) -> list[OcrWord]:
        self.sizes.append(image.size)
        grey = image.convert("L")
        w, h = grey.size
        column = [cast(int, grey.getpixel((w // 2, y))) for y in range(h)]
        words: list[OcrWord] = []
        y = 0
        while y < h:
            if column[y] < 200:
                top = y
                while y < h and column[y] < 200:
                    y += 1
                words.append(OcrWord(10, top, w - 10, y, f"band{column[top]}", len(words)))
            y += 1
        return words


def test_a_tall_screenshot_is_read_in_strips_each_line_once(tmp_path: Path) -> None:
    width, height = 600, 4000
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    bands = {}
    for n, top in enumerate(range(100, height - 100, 150)):
        level = 2 * n
        draw.rectangle((0, top, width, top + 30), fill=(level, level, level))
        bands[f"band{level}"] = top
    engine = BandEngine()
    words = ocr.read_image(engine, image, width, height)
    assert len(engine.sizes) > 1  # read in strips, at full width
    assert all(w == width and h <= 2 * width for w, h in engine.sizes)
    assert [w.text for w in words] == list(bands)  # every band once, in order
    for w in words:
        assert w.y0 == bands[w.text]
        assert w.y1 == bands[w.text] + 31
    assert [w.line for w in words] == sorted({w.line for w in words})


def test_strips_cover_the_image_and_stay_bounded() -> None:
    for w, h in [(600, 4000), (1080, 20_000), (100, 100_000), (1200, 2881)]:
        strips = ocr._strips(w, h)
        assert strips[0][0] == 0
        assert strips[-1][1] == h
        assert len(strips) <= ocr.MAX_STRIPS
        for (_t0, b0, _, keep_to), (t1, _, keep_from, _) in itertools.pairwise(strips):
            assert t1 < b0
            assert keep_to == keep_from
            assert t1 < keep_from < b0
    assert ocr._strips(540, 960) == [(0, 960, -float("inf"), float("inf"))]


# -- the command line --------------------------------------------------------------------


def test_cli_import_runs_ocr_and_no_ocr_skips_it(
    tmp_path: Path,
    screenshots: list[Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ocr, "RapidOcrEngine", FakeEngine)
    folder = str(tmp_path / "Op Willow")
    assert main(["new", folder]) == EXIT_OK
    capsys.readouterr()

    assert main(["import", folder, str(screenshots[0])]) == EXIT_OK
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[-2] == "1 imported, 0 duplicate, 0 failed"
    assert lines[-1].startswith("OCR: 1 items, 2 words, ")

    assert main(["import", folder, "--no-ocr", str(screenshots[1])]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert out.splitlines()[-1] == "1 imported, 0 duplicate, 0 failed"
    assert "OCR" not in out

    assert main(["ocr", folder]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert out.startswith("OCR: 1 items, 2 words, ")

    assert main(["ocr", folder]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert out.startswith("OCR: 0 items, 0 words, ")


def test_cli_ocr_off_and_on(
    tmp_path: Path,
    screenshots: list[Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ocr, "RapidOcrEngine", FakeEngine)
    folder = str(tmp_path / "Op Willow")
    main(["new", folder])
    assert main(["ocr", folder, "--off"]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert "OCR is off" in out

    assert main(["import", folder, str(screenshots[0])]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert "OCR:" not in out

    assert main(["ocr", folder]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert "OCR is off" in out
    assert "--on" in out

    assert main(["ocr", folder, "--on"]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert "OCR is on" in out
    assert main(["ocr", folder]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert out.startswith("OCR: 1 items, 2 words, ")

    code = main(["ocr", folder, "--on", "--off"])
    assert code != EXIT_OK


def test_cli_ocr_reports_failures_as_warnings(
    tmp_path: Path,
    screenshots: list[Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ocr, "RapidOcrEngine", FakeEngine)
    broken = tmp_path / "broken.png"
    broken.write_bytes(screenshots[0].read_bytes()[:300])
    folder = str(tmp_path / "c")
    main(["new", folder])
    main(["import", folder, "--no-ocr", str(broken), str(screenshots[0])])
    capsys.readouterr()
    assert main(["ocr", folder]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert out.splitlines()[0].startswith("OCR: 1 items, 2 words, ")
    assert any(line.startswith("    warning: broken.png:") for line in out.splitlines())


# -- a scanned PDF page, with the real engine --------------------------------------------


def _pdf_importer_marks_scans() -> None:
    if not (Path(__file__).parents[2] / "app" / "importers" / "pdf.py").is_file():
        pytest.skip("the PDF importer has not landed")


def _document(case: Case) -> tuple[int, dict[str, Any]]:
    with case.read() as s:
        doc_id, meta = s.execute(select(Item.id, Item.meta).where(Item.kind == "document")).one()
    if not meta.get("pages_without_text"):
        pytest.skip("the PDF importer does not mark pages without a text layer")
    return doc_id, meta


def test_scanned_pdf_page_gets_ocr_words_in_pdf_points(case: Case, tmp_path: Path) -> None:
    """The real engine on an A6 page that is only a scanned image (no text layer)."""
    pymupdf = pytest.importorskip("pymupdf")
    _pdf_importer_marks_scans()
    scan = Image.new("RGB", (620, 874), "white")  # A6 at 150 dpi
    ImageDraw.Draw(scan).text((75, 100), "Harassment notice", font=font(30), fill="black")
    buf = io.BytesIO()
    scan.save(buf, format="PNG")
    pdf = tmp_path / "scan.pdf"
    doc = pymupdf.open()
    page = doc.new_page(width=298, height=420)
    page.insert_image(page.rect, stream=buf.getvalue())
    doc.save(pdf)
    doc.close()

    report = import_paths(case, [pdf])
    assert report.files[0].importer == "pdf"
    doc_id, meta = _document(case)
    assert meta["pages_without_text"] == [1]
    result = run_ocr(case)
    assert result.failures == ()
    assert result.items == 1
    (ocr_page,) = ocr_pages(case, doc_id)
    assert (ocr_page.number, ocr_page.width, ocr_page.height) == (1, 298, 420)
    words = {str(w[4]).lower(): box(w) for w in ocr_page.words}
    assert "harassment" in words
    # Drawn at (75, 100) px of a 620 px-wide scan stretched over 298 pt: x ≈ 36 pt, y ≈ 48 pt.
    x0, y0, x1, y1 = words["harassment"]
    assert 30 < x0 < 42
    assert 42 < y0 < 56
    assert x0 < x1 < 298
    assert y0 < y1 < 420
    assert fts_rowids(case, "harassment") == [doc_id]
    fts_intact(case)


class InkEngine:
    """One "word": the bounding box of everything dark in the image."""

    label = "ink"

    def read(self, image: Image.Image) -> list[OcrWord]:
        box = ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > 128 else 0).getbbox()
        assert box is not None
        x0, y0, x1, y1 = box
        return [OcrWord(x0, y0, x1, y1, "ink")]


@pytest.mark.parametrize("rotation", [0, 90, 270])
def test_boxes_of_a_rotated_scanned_page_are_in_unrotated_points(
    case: Case, tmp_path: Path, rotation: int
) -> None:
    """The same space the PDF importer gives its text-layer words in."""
    pymupdf = pytest.importorskip("pymupdf")
    _pdf_importer_marks_scans()
    pdf = tmp_path / "rotated.pdf"
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=600)
    page.draw_rect(pymupdf.Rect(50, 100, 150, 130), color=(0, 0, 0), fill=(0, 0, 0))
    page.set_rotation(rotation)
    doc.save(pdf)
    doc.close()
    import_paths(case, [pdf])
    doc_id, _ = _document(case)
    assert run_ocr(case, engine=InkEngine()).items == 1
    (ocr_page,) = ocr_pages(case, doc_id)
    assert (ocr_page.width, ocr_page.height) == (400, 600)
    (word,) = ocr_page.words
    assert word[4] == "ink"
    assert list(box(word)) == pytest.approx([50, 100, 150, 130], abs=1.5)
