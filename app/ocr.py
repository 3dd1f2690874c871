"""Offline OCR of images and scanned PDF pages: machine-read text kept beside the evidence.

What OCR reads is derived data: it goes into `pages` rows with origin "ocr" and into
`items.ocr_text` (searchable, never shown as evidence text), and can be rebuilt at any time.
Evidence columns and `meta` are never touched. Each item is read outside any transaction and
written in its own, with an audit entry, so a crash or a cancel loses at most the item in hand
and the next run carries on where this one stopped.

The engine (RapidOCR with the PP-OCRv6 small models shipped inside its wheel, run by ONNX
Runtime) is imported and loaded only when a job has something to read, once per job.
"""

from __future__ import annotations

import json
import logging
import math
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, Protocol, cast

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from app.case import Case
from app.errors import Cancelled, EvidenceError
from app.images import heif_supported
from app.jobs import CancelToken, ProgressCallback, ThrottledProgress
from app.originals import open_pdf, original
from app.store.schema import Item, Page, Setting

log = logging.getLogger(__name__)

ENGINE_LABEL = "rapidocr 3.10 PP-OCRv6 small"
SETTING = "ocr"
# The longest side an image is read at; the engine itself shrinks anything larger.
MAX_SIDE = 2000
# Decoded pixels allowed for one image (a JPEG is first decoded at a reduced scale).
MAX_PIXELS = 80_000_000
# An image taller than this many widths (a scrolling screenshot) is read in strips, as
# shrinking it whole to MAX_SIDE would leave its text a few pixels high.
TALL_RATIO = 2.4
STRIP_MAX_WIDTH = 1200
MAX_STRIPS = 60
# Images smaller than this on their longest side are not read (icons, emoji, spacers).
MIN_SIDE = 32
PDF_DPI = 200
# Pixels of one rendered PDF page (A4 at 200 dpi is 3.9 million).
MAX_RENDER_PIXELS = 8_000_000

_PAGES = cast(Table, Page.__table__)
_ORIENTATION = 0x0112


class OcrUnavailable(EvidenceError):
    """The OCR engine could not be started (missing or broken installation)."""


class OcrInputError(EvidenceError):
    """One item's image or page cannot be read for OCR; the job reports it and goes on."""


@dataclass(frozen=True, slots=True)
class OcrWord:
    """One word as read: its axis-aligned box in the image's pixels, text, line and score."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    line: int = 0
    score: float = 1.0


class OcrEngine(Protocol):
    """Reads the words of one image; `label` names the engine in the audit log."""

    label: str

    def read(self, image: Image.Image) -> list[OcrWord]:
        """The words of an RGB image, in reading order, boxes in its own pixels."""
        ...


class RapidOcrEngine:
    """RapidOCR with its bundled PP-OCRv6 small models on ONNX Runtime: nothing downloaded."""

    label = ENGINE_LABEL

    def __init__(self) -> None:
        started = time.perf_counter()
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise OcrUnavailable(f"the OCR engine is not installed: {exc}") from exc
        _quiet_rapidocr()
        try:
            self._ocr = RapidOCR(params={"Global.log_level": "warning"})
            # RapidOCR loads each model on first use; load them now, so a broken install
            # fails here once rather than on every item, and the load is timed as such.
            for loader in ("_load_det_model", "_load_cls_model", "_load_rec_model"):
                load = getattr(self._ocr, loader, None)
                if callable(load):
                    load()
        except Exception as exc:
            log.exception("RapidOCR failed to start")
            raise OcrUnavailable(f"the OCR engine failed to start: {exc}") from exc
        _quiet_rapidocr()
        log.info("OCR engine %s loaded in %.2f s", self.label, time.perf_counter() - started)

    def read(self, image: Image.Image) -> list[OcrWord]:
        """The words RapidOCR finds, one line after another as it orders them."""
        result: Any = self._ocr(image, return_word_box=True)
        if not result.txts:
            return []
        words: list[OcrWord] = []
        per_line = result.word_results or [()] * len(result.txts)
        for line, (line_text, quad, line_words) in enumerate(
            zip(result.txts, result.boxes, per_line, strict=False)
        ):
            found = [(w, s, q) for w, s, q in line_words if q is not None and str(w).strip()]
            if not found:  # no word split for this line: the line is one "word"
                found = [(line_text, 1.0, quad)] if str(line_text).strip() else []
            for word, score, box in found:
                xs = [float(p[0]) for p in box]
                ys = [float(p[1]) for p in box]
                words.append(
                    OcrWord(
                        min(xs), min(ys), max(xs), max(ys), str(word).strip(), line, float(score)
                    )
                )
        return words


def _quiet_rapidocr() -> None:
    """RapidOCR logs every call at INFO on its own stderr handler: route it to ours, WARNING+."""
    logger = logging.getLogger("RapidOCR")
    logger.setLevel(logging.WARNING)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = True


@dataclass(frozen=True, slots=True)
class OcrFailure:
    """An item OCR could not read, and why."""

    item_id: int
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class OcrReport:
    """What a job did: items and pages read, words found, time taken, items that failed."""

    items: int = 0
    pages: int = 0
    words: int = 0
    seconds: float = 0.0
    failures: tuple[OcrFailure, ...] = ()
    cancelled: bool = False
    enabled: bool = True
    engine: str = ""


@dataclass(frozen=True, slots=True)
class _Job:
    """What one item needs read: an image, or some pages of a PDF."""

    item_id: int
    kind: str
    sha256: str
    name: str
    pages: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _PageResult:
    """One page as OCR read it, in the page's own units."""

    number: int
    width: float
    height: float
    words: list[OcrWord]

    @property
    def text(self) -> str:
        lines: dict[int, list[str]] = {}
        for w in self.words:
            lines.setdefault(w.line, []).append(w.text)
        return "\n".join(" ".join(ws) for ws in lines.values())


# -- settings --------------------------------------------------------------------------


def ocr_enabled(case: Case) -> bool:
    """Whether the case reads text from images and scanned pages (setting `ocr`, default on)."""
    return case.setting(SETTING, "on") != "off"


def set_setting(case: Case, key: str, value: str) -> None:
    """Write a case setting, with an audit entry recording the old and new values."""
    with case.write() as s:
        row = s.get(Setting, key)
        previous = row.value if row is not None else None
        if row is None:
            s.add(Setting(key=key, value=value))
        else:
            row.value = value
        case.audit(s, "setting", {"key": key, "value": value, "previous": previous})


# -- what needs reading ----------------------------------------------------------------

_PENDING = """
SELECT i.id FROM items AS i JOIN sources AS s ON s.id = i.source_id
WHERE i.kind IN ('image', 'document')
  AND NOT EXISTS (SELECT 1 FROM pages AS p WHERE p.item_id = i.id AND p.origin = 'ocr')
  AND ((i.kind = 'image' AND (i.blob_sha256 != '' OR s.mime LIKE 'image/%'))
       OR (i.kind = 'document'
           AND json_array_length(i.meta, '$.pages_without_text') > 0
           AND (i.blob_sha256 != '' OR s.mime = 'application/pdf')))
"""
_CHUNK = 10_000
_IN_SOURCES = """
  AND i.source_id IN (
    WITH RECURSIVE tree(id) AS (
      SELECT id FROM sources WHERE id IN :sources
      UNION SELECT c.id FROM sources AS c JOIN tree ON c.parent_id = tree.id)
    SELECT id FROM tree)
"""


def pending(case: Case, *, sources: Sequence[int] | None = None) -> list[int]:
    """Ids of items OCR has not read yet, oldest first; none when OCR is off for the case.

    Images (their own blob, or a source that is an image) and documents listing
    `pages_without_text`; with `sources`, only items of those sources and their children.
    """
    if not ocr_enabled(case):
        return []
    with case.read() as s:
        if sources is None:
            return [int(r[0]) for r in s.execute(text(_PENDING + " ORDER BY i.id"))]
        query = text(_PENDING + _IN_SOURCES).bindparams(bindparam("sources", expanding=True))
        ids: list[int] = []
        wanted = list(dict.fromkeys(sources))
        for start in range(0, len(wanted), _CHUNK):  # SQLite allows 32,766 variables
            chunk = wanted[start : start + _CHUNK]
            ids.extend(int(r[0]) for r in s.execute(query, {"sources": chunk}))
        return sorted(set(ids))


# -- the job ---------------------------------------------------------------------------


def run_ocr(
    case: Case,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    engine: OcrEngine | None = None,
    item_ids: Iterable[int] | None = None,
) -> OcrReport:
    """Read every pending item (or those of `item_ids` still pending), one transaction each.

    An item that cannot be read is a failure in the report, never an exception; a cancel
    keeps the items already written and returns with `cancelled` set.
    """
    started = time.perf_counter()
    if not ocr_enabled(case):
        return OcrReport(enabled=False)
    cancel = cancel or CancelToken()
    report_progress = ThrottledProgress(progress)
    todo = pending(case)
    if item_ids is not None:
        wanted = set(item_ids)
        todo = [i for i in todo if i in wanted]
    items = pages = words = 0
    failures: list[OcrFailure] = []
    cancelled = False
    for n, item_id in enumerate(todo):
        try:
            cancel.check()
            job = _job(case, item_id)
            report_progress(n, len(todo), f"Reading text in {job.name}")
            if engine is None:
                engine = RapidOcrEngine()
            try:
                results = _read(case, job, engine, cancel)
            except (Cancelled, OcrUnavailable):
                raise
            except (OcrInputError, UnidentifiedImageError, OSError, ValueError) as exc:
                failures.append(OcrFailure(item_id, job.name, _reason(exc)))
                log.warning("OCR of item %d (%s) failed: %s", item_id, job.name, _reason(exc))
                continue
            except Exception as exc:  # a reader's bug on one item must not stop the others
                log.exception("OCR of item %d (%s) failed", item_id, job.name)
                failures.append(OcrFailure(item_id, job.name, f"{type(exc).__name__}: {exc}"))
                continue
            if _store(case, job, results, engine.label):
                items += 1
                pages += len(results)
                words += sum(len(r.words) for r in results)
        except Cancelled:
            cancelled = True
            break
    report_progress(len(todo), len(todo), "Reading text finished", force=True)
    return OcrReport(
        items=items,
        pages=pages,
        words=words,
        seconds=time.perf_counter() - started,
        failures=tuple(failures),
        cancelled=cancelled,
        engine=engine.label if engine is not None else "",
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnidentifiedImageError):
        return "not an image that can be read (unknown or damaged format)"
    if isinstance(exc, OSError):
        return f"the image cannot be read: {exc.strerror or exc}"
    return str(exc)


def _job(case: Case, item_id: int) -> _Job:
    with case.read() as s:
        row = s.execute(
            text(
                "SELECT i.kind, i.blob_sha256, i.meta, i.locator, s.sha256, s.name "
                "FROM items AS i JOIN sources AS s ON s.id = i.source_id WHERE i.id = :id"
            ),
            {"id": item_id},
        ).one()
    kind, blob, meta, locator, source_sha, source_name = row
    meta_dict: dict[str, Any] = _json(meta)
    numbers = meta_dict.get("pages_without_text") or []
    name = source_name + (f" ({locator})" if locator else "")
    return _Job(
        item_id=item_id,
        kind=str(kind),
        sha256=str(blob or source_sha),
        name=str(name),
        pages=tuple(int(n) for n in numbers if isinstance(n, int)),
    )


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _read(case: Case, job: _Job, engine: OcrEngine, cancel: CancelToken) -> list[_PageResult]:
    if not case.blobs.exists(job.sha256):
        raise OcrInputError("the original is missing from the case's store")
    if job.kind == "document":
        return _read_pdf(case, job, engine, cancel)
    with case.blobs.open(job.sha256) as fh:
        image, (width, height) = load_image(fh)
    with image:
        words = read_image(engine, image, width, height)
    return [_PageResult(1, float(width), float(height), words)]


def _store(case: Case, job: _Job, results: list[_PageResult], engine_label: str) -> bool:
    """Write one item's OCR pages, its ocr_text and its search row; False if already done."""
    ocr_text = "\n\n".join(t for t in (r.text for r in results) if t)
    words = sum(len(r.words) for r in results)
    with case.write() as s:
        done = s.scalar(
            select(Page.id).where(Page.item_id == job.item_id, Page.origin == "ocr").limit(1)
        )
        if done is not None:
            return False
        if results:
            s.execute(
                insert(_PAGES),
                [
                    {
                        "item_id": job.item_id,
                        "number": r.number,
                        "width": round(r.width, 2),
                        "height": round(r.height, 2),
                        "text": r.text,
                        "words": [
                            [round(w.x0, 2), round(w.y0, 2), round(w.x1, 2), round(w.y1, 2), w.text]
                            for w in r.words
                        ],
                        "origin": "ocr",
                    }
                    for r in results
                ],
            )
        _set_ocr_text(s, job.item_id, ocr_text)
        case.audit(
            s,
            "ocr",
            {
                "item_id": job.item_id,
                "pages": [r.number for r in results],
                "words": words,
                "engine": engine_label,
            },
        )
    return True


def _set_ocr_text(s: Session, item_id: int, ocr_text: str) -> None:
    """Set items.ocr_text and keep the external-content FTS5 index in step with it."""
    old_text, old_ocr = s.execute(select(Item.text, Item.ocr_text).where(Item.id == item_id)).one()
    old_text, old_ocr = old_text or "", old_ocr or ""
    if ocr_text == old_ocr:
        return
    if old_text or old_ocr:
        s.execute(
            text(
                "INSERT INTO items_fts(items_fts, rowid, text, ocr_text) "
                "VALUES ('delete', :id, :text, :ocr)"
            ),
            {"id": item_id, "text": old_text, "ocr": old_ocr},
        )
    s.execute(update(Item).where(Item.id == item_id).values(ocr_text=ocr_text))
    if old_text or ocr_text:
        s.execute(
            text("INSERT INTO items_fts(rowid, text, ocr_text) VALUES (:id, :text, :ocr)"),
            {"id": item_id, "text": old_text, "ocr": ocr_text},
        )


# -- images ----------------------------------------------------------------------------


def load_image(fh: IO[bytes]) -> tuple[Image.Image, tuple[int, int]]:
    """An RGB image upright per its EXIF orientation, at most MAX_SIDE on its long side
    (a tall one at most STRIP_MAX_WIDTH wide), and its full upright size in pixels.

    A JPEG is decoded at a reduced scale; anything that would decode to more than
    MAX_PIXELS is refused before decoding (a decompression bomb). Pillow's warnings about
    damaged files are logged, not raised.
    """
    heif_supported()  # registers the HEIC/HEIF opener when pillow-heif is installed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            image = Image.open(fh)
        except Image.DecompressionBombError as exc:
            raise OcrInputError(f"the image is too large to read safely: {exc}") from exc
        try:
            result = _decode(image)
        finally:
            image.close()
    for w in caught:
        log.debug("Pillow: %s", w.message)
    return result


def _decode(image: Image.Image) -> tuple[Image.Image, tuple[int, int]]:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise OcrInputError("the image has no pixels")
    # pillow-heif turns HEIF images upright itself and says so in `original_orientation`.
    applied = "original_orientation" in image.info
    swaps = not applied and _orientation(image) in (5, 6, 7, 8)
    target = _target_size(*((height, width) if swaps else (width, height)))
    if image.format == "JPEG":
        image.draft("RGB", (target[1], target[0]) if swaps else target)
    if image.size[0] * image.size[1] > MAX_PIXELS:
        raise OcrInputError(f"the image is too large to read safely ({width}×{height} pixels)")
    image.load()
    decoded = image.size
    upright = image if applied else _transpose(image)
    if upright.size != decoded and upright.size == (decoded[1], decoded[0]):
        width, height = height, width
    target = _target_size(width, height)
    rgb = _rgb(upright)
    if rgb.size != target:
        rgb = rgb.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return rgb, (width, height)


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION, 1)
        return int(value) if 1 <= int(value) <= 8 else 1
    except (ValueError, TypeError, KeyError, OSError, SyntaxError):
        return 1


def _transpose(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image) or image
    except (ValueError, TypeError, KeyError, OSError, SyntaxError, AttributeError):
        log.warning("EXIF orientation not applied", exc_info=True)
        return image


def _rgb(image: Image.Image) -> Image.Image:
    """RGB, transparency composed over white (text on a transparent PNG stays visible)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _target_size(width: int, height: int) -> tuple[int, int]:
    """The size an upright image of this size is read at."""
    if height > TALL_RATIO * width:
        scale = min(1.0, STRIP_MAX_WIDTH / width)
    else:
        scale = min(1.0, MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def read_image(engine: OcrEngine, image: Image.Image, width: float, height: float) -> list[OcrWord]:
    """The words of `image`, boxes scaled to a page of `width` × `height` and clamped to it.

    A tall image is read in overlapping strips about two widths high; a word seen in two
    strips is kept from the one where its centre lies away from the strip's edge.
    """
    w, h = image.size
    if max(w, h) < MIN_SIDE:
        return []  # an icon or a thumbnail: too small to hold readable text
    sx, sy = width / w, height / h
    words: list[OcrWord] = []
    for top, bottom, keep_from, keep_to in _strips(w, h):
        part = image if (top, bottom) == (0, h) else image.crop((0, top, w, bottom))
        line_base = (words[-1].line + 1) if words else 0
        for word in engine.read(part):
            centre = top + (word.y0 + word.y1) / 2
            if not keep_from <= centre < keep_to:
                continue
            words.append(
                OcrWord(
                    _clamp(word.x0 * sx, width),
                    _clamp((word.y0 + top) * sy, height),
                    _clamp(word.x1 * sx, width),
                    _clamp((word.y1 + top) * sy, height),
                    word.text,
                    line_base + word.line,
                    word.score,
                )
            )
    return words


def _strips(w: int, h: int) -> list[tuple[int, int, float, float]]:
    """(top, bottom, keep_from, keep_to) of each strip; one strip unless the image is tall."""
    if h <= TALL_RATIO * w:
        return [(0, h, -math.inf, math.inf)]
    overlap = max(32, w // 4)
    step = max(2 * w - overlap, math.ceil((h - overlap) / MAX_STRIPS))
    tops = list(range(0, max(1, h - overlap), step))
    strips: list[tuple[int, int, float, float]] = []
    for k, top in enumerate(tops):
        bottom = min(h, top + step + overlap)
        keep_from = -math.inf if k == 0 else top + overlap / 2
        keep_to = math.inf if k == len(tops) - 1 else top + step + overlap / 2
        strips.append((top, bottom, keep_from, keep_to))
    return strips


def _clamp(value: float, limit: float) -> float:
    return min(max(value, 0.0), limit)


# -- PDF pages -------------------------------------------------------------------------


def _read_pdf(case: Case, job: _Job, engine: OcrEngine, cancel: CancelToken) -> list[_PageResult]:
    """Render the pages without a text layer and read them; boxes in unrotated PDF points,
    the space the PDF importer gives its own word boxes in."""
    # By path when the store keeps a plaintext file (scans run to hundreds of MB), else
    # from memory: an encrypted case's original is never decrypted to disk.
    try:
        doc = open_pdf(original(case.blobs, job.sha256))
    except Exception as exc:  # MuPDF raises several types for unreadable input
        raise OcrInputError(f"the PDF cannot be opened: {exc}") from exc
    try:
        if doc.needs_pass and not doc.authenticate(""):
            raise OcrInputError("the PDF is encrypted: its pages cannot be rendered for OCR")
        results: list[_PageResult] = []
        for number in job.pages:
            cancel.check()
            if not 1 <= number <= doc.page_count:
                log.warning("item %d: no page %d to read", job.item_id, number)
                continue
            results.append(_read_pdf_page(doc.load_page(number - 1), number, engine))
        if not results:
            raise OcrInputError(f"the PDF has no page {', '.join(map(str, job.pages))} to read")
        return results
    finally:
        doc.close()


def _pymupdf() -> Any:
    """PyMuPDF, imported when a PDF page is to be read (its API is untyped: use it as Any)."""
    import pymupdf

    return pymupdf


def _read_pdf_page(page: Any, number: int, engine: OcrEngine) -> _PageResult:
    pymupdf = _pymupdf()
    rect = page.rect
    if rect.width <= 0 or rect.height <= 0:
        raise OcrInputError(f"page {number} has no area")
    zoom = min(PDF_DPI / 72, math.sqrt(MAX_RENDER_PIXELS / (rect.width * rect.height)))
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csRGB, alpha=False)
    rendered = Image.frombytes(
        "RGB", (pix.width, pix.height), pix.samples, "raw", "RGB", pix.stride
    )
    target = _target_size(*rendered.size)
    with rendered:
        image = (
            rendered.resize(target, Image.Resampling.LANCZOS)
            if target != rendered.size
            else rendered
        )
        shown = read_image(engine, image, float(pix.width), float(pix.height))
    # Rendered pixels → points of the page as shown → points of the unrotated page.
    to_points = pymupdf.Matrix(1 / zoom, 1 / zoom) * page.derotation_matrix
    unrotated = page.rect * page.derotation_matrix
    width, height = abs(unrotated.width), abs(unrotated.height)
    words: list[OcrWord] = []
    for w in shown:
        box = pymupdf.Rect(w.x0, w.y0, w.x1, w.y1) * to_points
        words.append(
            OcrWord(
                _clamp(min(box.x0, box.x1), width),
                _clamp(min(box.y0, box.y1), height),
                _clamp(max(box.x0, box.x1), width),
                _clamp(max(box.y0, box.y1), height),
                w.text,
                w.line,
                w.score,
            )
        )
    return _PageResult(number, width, height, words)
