"""OCR and thumbnails for the window: the background jobs, their messages, the failure note.

Nothing here touches a widget from a pool thread: the jobs return plain values (an
`OcrReport`, a `Thumb` holding a `QImage`, which may be made off the GUI thread) and the
window shows them when the runner's signals arrive.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox, QWidget

from app.case import Case
from app.errors import EvidenceError
from app.items import make_thumbnail
from app.jobs import CancelToken, Progress, ProgressCallback
from app.ocr import OcrEngine, OcrReport, run_ocr
from ui import display
from ui.workers import Job

log = logging.getLogger(__name__)

EngineFactory = Callable[[], OcrEngine]
"""Makes the OCR engine for one job (tests pass a fake one); None means the real engine."""

OCR_TITLE = "Reading text in images (OCR)"
OCR_LABEL = "Text read by OCR — not evidence text"
OCR_TIP = (
    "Machine-read from the picture: it may hold mistakes. Search finds it, but it is not "
    "the evidence's own text."
)
THUMB_SIZE = 256
MAX_LISTED_FAILURES = 20
_CORE_PREFIX = "Reading text in "


@dataclass(frozen=True, slots=True)
class OcrRequest:
    """What an OCR job should read: these items (still pending), or everything pending."""

    item_ids: frozenset[int] | None = None

    def merge(self, other: OcrRequest) -> OcrRequest:
        """A request covering both."""
        if self.item_ids is None or other.item_ids is None:
            return OcrRequest(None)
        return OcrRequest(self.item_ids | other.item_ids)


def ocr_message(p: Progress) -> str:
    """The status bar's words for OCR progress: `Reading text in images (OCR) 3/12 · name`."""
    if not p.total:
        return f"{OCR_TITLE}…"
    text = f"{OCR_TITLE} {p.done}/{p.total}"
    if p.done < p.total and p.message.startswith(_CORE_PREFIX):
        text += f" · {p.message.removeprefix(_CORE_PREFIX)}"
    return text


def ocr_job(case: Case, request: OcrRequest, engine_factory: EngineFactory | None) -> Job:
    """A job reading the requested items; progress reworded for the status bar."""
    item_ids = None if request.item_ids is None else sorted(request.item_ids)

    def job(progress: ProgressCallback, cancel: CancelToken) -> OcrReport:
        def relay(p: Progress) -> None:
            progress(Progress(p.done, p.total, ocr_message(p)))

        engine = engine_factory() if engine_factory is not None else None
        return run_ocr(case, progress=relay, cancel=cancel, engine=engine, item_ids=item_ids)

    return job


def ocr_summary(report: OcrReport) -> str:
    """One quiet line for the status bar: `OCR: 12 images read, 351 words`."""
    if not report.enabled:
        return "OCR is off for this case: nothing was read."
    if not (report.items or report.failures or report.cancelled):
        return "OCR: nothing left to read."
    if report.pages == report.items:
        done = display.plural(report.items, "image")
    else:
        done = f"{display.plural(report.items, 'item')} ({display.plural(report.pages, 'page')})"
    text = f"OCR: {done} read, {display.plural(report.words, 'word')}"
    if report.failures:
        text += f"; {len(report.failures):,} could not be read"
    if report.cancelled:
        text += ". Stopped: Run OCR now (Ctrl+Shift+O) reads the rest"
    return text + "."


def failures_note(parent: QWidget, report: OcrReport) -> QMessageBox:
    """A non-modal note listing the items OCR could not read; shown without taking focus."""
    box = QMessageBox(parent)
    box.setObjectName("ocr-failures")
    box.setWindowTitle("OCR")
    box.setIcon(QMessageBox.Icon.Information)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    box.setWindowModality(Qt.WindowModality.NonModal)
    count = len(report.failures)
    box.setText(
        f"OCR could not read {display.plural(count, 'item')}. Their evidence is unchanged; "
        "only the text in the picture is missing."
    )
    lines = [f"• {f.name}: {f.reason}" for f in report.failures[:MAX_LISTED_FAILURES]]
    if count > MAX_LISTED_FAILURES:
        lines.append(f"… and {count - MAX_LISTED_FAILURES:,} more (see the log).")
    box.setInformativeText("\n".join(lines))
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box


# -- thumbnails ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Thumb:
    """An item's thumbnail, or why there is none."""

    item_id: int
    image: QImage | None
    problem: str = ""


def make_thumb(case: Case, item_id: int, size: int = THUMB_SIZE) -> Thumb:
    """Make (or find among the case's derived files) an item's thumbnail; slow the first
    time: call it off the GUI thread, except in scripted runs."""
    sha = case.item_blob_sha(item_id)
    if sha is None:
        return Thumb(item_id, None, "The original is not in the case's store.")
    try:
        made = make_thumbnail(case, sha, size)
    except (EvidenceError, OSError) as exc:
        log.info("no thumbnail for item %d: %s", item_id, exc)
        return Thumb(item_id, None, "No preview: the picture cannot be decoded.")
    image = QImage.fromData(made)
    if image.isNull():
        return Thumb(item_id, None, "No preview: the thumbnail cannot be read.")
    return Thumb(item_id, image)


def thumbnail_job(case: Case, item_id: int) -> Job:
    """A reader-pool job making one item's thumbnail."""

    def job(progress: ProgressCallback, cancel: CancelToken) -> Thumb:
        return make_thumb(case, item_id)

    return job
