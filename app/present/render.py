"""Rendering a presentation step: the ONLY way presentation content is produced.

Every slide goes through the presentation's redaction set with its APPROVED redactions only,
by the same apply code as export (`app.redaction.apply`): `redact_text` for message and
email text, `redact_image` for pictures, `redact_pdf` for documents (then the page is drawn
with PyMuPDF). An item with PROPOSED redactions in the set is refused (`Refused`), and one
redacted whole gives a withheld slide naming the reason. Nothing unredacted is returned, and
nothing rendered is written to disk: slides are cached in memory only, so stepping back and
forth is fast.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pymupdf
from PIL import Image
from sqlalchemy import func, select

from app.case import Case
from app.errors import EvidenceError
from app.export.exhibits import exhibits_for_items
from app.importers.names import importer_name
from app.items import CHAT_KINDS, ItemDetail, MessageRow, conversation_context, item_detail
from app.originals import Original
from app.present.model import PresentationRow, PresentError, StepRow
from app.protect import session_marks
from app.redaction.apply import Mark, SpanMark, marker, redact_image, redact_pdf, redact_text
from app.redaction.model import RedactionKind, RedactionRow, RedactionState
from app.redaction.store import query_redactions, set_id
from app.store.schema import AuditEntry
from app.timeline.clock import us_to_utc, zone

log = logging.getLogger(__name__)
pm: Any = pymupdf

CONTEXT_MESSAGES = 3
"""How many earlier messages of its conversation a message step shows (greyed)."""
DEFAULT_MAX_PX = 1600
"""The long side in pixels of a rendered picture or page, unless asked otherwise."""
CACHE_SLIDES = 64
"""At most this many rendered slides are kept in memory..."""
CACHE_BYTES = 160 * 1024 * 1024
"""...holding at most this many bytes of pixels."""
PNG_LEVEL = 1

PLATFORMS = {
    "whatsapp": "WhatsApp",
    "imessage": "iMessage",
    "messenger": "Messenger",
    "discord": "Discord",
    "telegram": "Telegram",
    "sms_xml": "SMS",
    "email": "Email",
    "pdf": "PDF",
    "image": "Image",
    "text": "Text file",
    "file": "File",
    "zip": "Archive",
    "tar": "Archive",
}
"""Short platform words that prefix a kind on a slide ("PDF document"); any other importer
reads as its name in `app.importers.names`."""
_KIND_WORDS = {
    "message": "message",
    "system": "system message",
    "call": "call",
    "email": "email",
    "image": "image",
    "document": "document",
    "video": "video",
    "audio": "audio recording",
    "text": "text",
    "file": "file",
}
_AUTHOR_FIELDS = frozenset({"author", "sender", "from"})


class Refused(EvidenceError):
    """The step cannot be shown: its item has redactions in the set not yet reviewed."""


@dataclass(frozen=True, slots=True)
class Footer:
    """What every slide shows in its quiet footer: exhibit, time with its zone, source."""

    exhibit: str
    time: str
    source: str

    @property
    def text(self) -> str:
        """The footer as one line: "AB/1 · 14 Mar 2024 19:01 GMT (Europe/London) · WhatsApp"."""
        return " · ".join(p for p in (self.exhibit, self.time, self.source) if p)


@dataclass(frozen=True, slots=True)
class SlideMessage:
    """One message of a message slide, redacted; `context` ones come before the step's."""

    item_id: int
    author: str
    time: str
    text: str
    context: bool
    direction: str = "incoming"


@dataclass(frozen=True, slots=True)
class Slide:
    """One step as the court sees it. Everything in it has been through the redaction set.

    `kind` is "message", "image", "page", "text" or "withheld". `rgb` holds the redacted
    picture or page as raw 8-bit RGB rows (`width` * 3 bytes each; zoomed to the step's
    region when it has one): a window paints it without decoding (QImage Format_RGB888).
    `png` encodes it as PNG on each call (slower: for files, not for painting).
    `fields` are an email's headers (name, redacted value); `text` the body of a text slide.
    `protective` is "intimate" or "distressing" when the picture must be blurred (the UI
    blurs it; there is no reveal in presentation mode). `withheld` names the reason codes of
    a whole-item redaction. `sha256` is the original's hash (for the presenter window only).
    """

    kind: str
    title: str
    footer: Footer
    item_id: int
    rgb: bytes | None = None
    width: int = 0
    height: int = 0
    messages: tuple[SlideMessage, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    text: str = ""
    protective: str = ""
    withheld: str = ""
    page: int | None = None
    page_count: int = 0
    sha256: str = ""

    @property
    def png(self) -> bytes | None:
        """The picture or page as a PNG (encoded now), None when the slide has none."""
        if self.rgb is None:
            return None
        im = Image.frombytes("RGB", (self.width, self.height), self.rgb)
        buf = io.BytesIO()
        im.save(buf, "PNG", compress_level=PNG_LEVEL)
        return buf.getvalue()

    @property
    def nbytes(self) -> int:
        """About how much memory the slide holds (for the cache's budget)."""
        return len(self.rgb or b"") + len(self.text) + 200 * (len(self.messages) + 1)


# -- the cache (memory only: never write a render to disk) --------------------------------

_lock = threading.Lock()
_slides: OrderedDict[tuple[Any, ...], Slide | Refused] = OrderedDict()
_pdfs: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_PDF_CACHE = 8


def clear_cache() -> None:
    """Forget every rendered slide (e.g. when a case is closed)."""
    with _lock:
        _slides.clear()
        _pdfs.clear()


def _cached(store: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...]) -> Any:
    with _lock:
        value = store.get(key)
        if value is not None:
            store.move_to_end(key)
        return value


def _size(value: object) -> int:
    if isinstance(value, Slide):
        return value.nbytes
    return len(value) if isinstance(value, bytes) else 200


def _keep(
    store: OrderedDict[tuple[Any, ...], Any],
    key: tuple[Any, ...],
    value: Any,
    n: int,
    budget: int = CACHE_BYTES,
) -> None:
    with _lock:
        store[key] = value
        store.move_to_end(key)
        total = sum(_size(v) for v in store.values())
        while len(store) > 1 and (len(store) > n or total > budget):
            _, dropped = store.popitem(last=False)
            total -= _size(dropped)


def _version(case: Case) -> int:
    """The audit log's head: every change to a case (a redaction, a mark) moves it."""
    with case.read() as s:
        return int(s.scalar(select(func.max(AuditEntry.seq))) or 0)


# -- entry point ----------------------------------------------------------------------


def render_step(
    case: Case,
    presentation: PresentationRow,
    step: StepRow,
    *,
    max_px: int = DEFAULT_MAX_PX,
) -> Slide:
    """The step as the court sees it, through the presentation's redaction set.

    Raises `Refused` when the item has proposed redactions in the set (or the set does not
    exist), `EvidenceError` when the original cannot be read. Safe to call off the GUI thread.
    """
    key = (
        str(case.folder),
        _version(case),
        presentation.set_name,
        step.item_id,
        step.page,
        step.region,
        max_px,
    )
    hit = _cached(_slides, key)
    if isinstance(hit, Refused):
        raise hit
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    try:
        slide = _render(case, presentation.set_name, step, max_px)
    except Refused as exc:
        _keep(_slides, key, exc, CACHE_SLIDES)
        raise
    _keep(_slides, key, slide, CACHE_SLIDES)
    return slide


def _render(case: Case, set_name: str, step: StepRow, max_px: int) -> Slide:
    detail = item_detail(case, step.item_id)
    with case.read() as s:
        if set_id(s, set_name) is None:
            raise Refused(
                f"there is no redaction set {set_name!r} in this case: create it and review "
                "its redactions before presenting"
            )
        own = query_redactions(s, set_name, [step.item_id])
        mark = session_marks(s, [step.item_id]).get(step.item_id)
    _refuse_unreviewed(step.item_id, own, set_name)
    approved = [r for r in own if r.state == RedactionState.APPROVED]
    footer = _footer(case, detail)
    sha = detail.source.sha256 if detail.original is None else detail.original.sha256
    whole = [r for r in approved if r.kind == RedactionKind.ITEM]
    if whole:
        codes = "; ".join(dict.fromkeys(r.reason for r in whole))
        return Slide(
            kind="withheld",
            title=f"{_kind_word(detail.kind).capitalize()} withheld",
            footer=footer,
            item_id=step.item_id,
            text=marker(codes),
            withheld=codes,
            sha256=sha,
        )
    protective = mark.kind if mark is not None else ""
    if detail.kind in CHAT_KINDS:
        return _message_slide(case, set_name, detail, approved, footer, sha)
    blob = detail.original if detail.original is not None and detail.original.present else None
    if detail.kind == "image" and blob is not None:
        return _image_slide(detail, blob, approved, step, max_px, footer, protective, sha)
    if blob is not None and _is_pdf(detail, blob):
        return _page_slide(case, set_name, detail, blob, approved, step, max_px, footer, sha)
    return _text_slide(detail, approved, footer, protective, sha)


def _refuse_unreviewed(item_id: int, rows: Sequence[RedactionRow], set_name: str) -> None:
    waiting = [r for r in rows if r.state == RedactionState.PROPOSED]
    if waiting:
        n = len(waiting)
        raise Refused(
            f"item {item_id} has {n} proposed redaction{'s' if n != 1 else ''} in the "
            f"{set_name!r} set not yet reviewed: review {'them' if n != 1 else 'it'} before "
            "presenting this item"
        )


# -- footer ---------------------------------------------------------------------------


def _kind_word(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind or "item")


def source_label(importer: str, kind: str) -> str:
    """Platform and kind, never a file name: "WhatsApp message", "Email", "PDF document"."""
    platform = PLATFORMS.get(importer) or importer_name(importer)
    word = _kind_word(kind)
    if not platform:
        return word.capitalize()
    if platform.casefold() == word.casefold() or (importer == "image" and kind == "image"):
        return platform
    if importer == "email" and kind != "email":
        return f"Email attachment ({word})"
    return f"{platform} {word}"


def format_time(ts_utc_us: int | None, zone_name: str, confidence: str = "exact") -> str:
    """A time in the case's zone with the zone named: "Thu 14 Mar 2024, 19:01:05 GMT
    (Europe/London)"; "undated" when there is none; an unsure zone is said."""
    if ts_utc_us is None:
        return "undated"
    local: datetime = us_to_utc(ts_utc_us).astimezone(zone(zone_name))
    text = f"{local:%a %d %b %Y, %H:%M:%S} {local.tzname()} ({zone_name})"
    if confidence and confidence not in ("exact", "assumed-zone"):
        text += f", time from {confidence.replace('-', ' ')}"
    elif confidence == "assumed-zone":
        text += ", zone assumed"
    return text


def exhibit_ref(case: Case, item_id: int) -> str:
    """The exhibit reference of an item ("AB/1"), or "" when it has none."""
    found = exhibits_for_items(case, [item_id]).get(item_id)
    return found[0].ref if found else ""


def _footer(case: Case, detail: ItemDetail) -> Footer:
    ref = exhibit_ref(case, detail.item_id)
    if not ref:
        # The court sees this line on every slide: no internal ids, only what is on paper.
        ref = "Not exhibited"
    first = detail.first_event
    when = format_time(
        first.ts_utc_us if first else None, case.zone, first.confidence if first else ""
    )
    return Footer(ref, when, source_label(detail.source.importer, detail.kind))


# -- messages -------------------------------------------------------------------------


def _spans(rows: Sequence[RedactionRow], target: str) -> list[SpanMark]:
    return [
        SpanMark(r.start, r.end, r.reason)
        for r in rows
        if r.kind == RedactionKind.SPAN
        and r.target == target
        and r.start is not None
        and r.end is not None
    ]


def _field_marker(rows: Sequence[RedactionRow], names: set[str]) -> str:
    """The marker of a metadata redaction of one of these fields, else ""."""
    codes = [
        r.reason
        for r in rows
        if r.kind == RedactionKind.METADATA and r.target.removeprefix("header:").casefold() in names
    ]
    return marker("; ".join(dict.fromkeys(codes))) if codes else ""


def _message_slide(
    case: Case,
    set_name: str,
    detail: ItemDetail,
    approved: Sequence[RedactionRow],
    footer: Footer,
    sha: str,
) -> Slide:
    rows = conversation_context(case, detail.item_id, CONTEXT_MESSAGES, 0, thumbnails=False)
    others = [m.item_id for m in rows if m.item_id != detail.item_id]
    with case.read() as s:
        theirs = query_redactions(s, set_name, others) if others else []
    by_item: dict[int, list[RedactionRow]] = {detail.item_id: list(approved)}
    for r in theirs:
        by_item.setdefault(r.item_id, []).append(r)
    out = [
        _message(m, by_item.get(m.item_id, []), case.zone, m.item_id != detail.item_id)
        for m in rows
    ]
    platform = PLATFORMS.get(detail.source.importer) or importer_name(detail.source.importer)
    title = f"{platform} conversation" if platform else "Conversation"
    return Slide(
        kind="message",
        title=title,
        footer=footer,
        item_id=detail.item_id,
        messages=tuple(out),
        sha256=sha,
    )


def _message(
    m: MessageRow, rows: Sequence[RedactionRow], zone_name: str, context: bool
) -> SlideMessage:
    """One message with its own approved redactions applied (context ones may be held back)."""
    when = format_time(m.ts_utc_us, zone_name, m.confidence)
    waiting = [r for r in rows if r.state == RedactionState.PROPOSED]
    approved = [r for r in rows if r.state == RedactionState.APPROVED]
    if waiting:  # only ever a context message: the step's own item was refused already
        n = len(waiting)
        text = f"(not shown: {n} redaction{'s' if n != 1 else ''} awaiting review)"
        return SlideMessage(m.item_id, "", when, text, context, m.direction)
    whole = [r.reason for r in approved if r.kind == RedactionKind.ITEM]
    if whole:
        text = marker("; ".join(dict.fromkeys(whole)))
        return SlideMessage(m.item_id, "", when, text, context, m.direction)
    text = redact_text(m.text, _spans(approved, "text"))
    if m.deleted and not text:
        text = "(message deleted)"
    if m.attachments:
        n = len(m.attachments)
        text = (text + "\n" if text else "") + f"[{n} attachment{'s' if n != 1 else ''}]"
    author = _field_marker(approved, set(_AUTHOR_FIELDS)) or m.sender
    return SlideMessage(m.item_id, author, when, text, context, m.direction)


# -- images ---------------------------------------------------------------------------


def _image_marks(rows: Sequence[RedactionRow]) -> list[Mark]:
    return [
        Mark(r.page or 1, r.box, r.reason)
        for r in rows
        if r.kind == RedactionKind.REGION and r.box is not None and (r.page or 1) == 1
    ]


def _fit(
    data: bytes, region: tuple[float, float, float, float] | None, max_px: int
) -> tuple[bytes, int, int]:
    """A redacted PNG's RGB pixels cropped to the region and scaled to at most max_px."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        out: Image.Image = im
        if region is not None:
            x0, y0, x1, y1 = region
            box = (
                max(0, int(x0)),
                max(0, int(y0)),
                min(im.width, round(x1)),
                min(im.height, round(y1)),
            )
            if box[2] > box[0] and box[3] > box[1]:
                out = im.crop(box)
        long_side = max(out.width, out.height)
        if long_side > max_px or (region is not None and long_side != max_px):
            scale = max_px / long_side
            size = (max(1, round(out.width * scale)), max(1, round(out.height * scale)))
            out = out.resize(size, Image.Resampling.LANCZOS)
        rgb = out.convert("RGB")
        return rgb.tobytes(), rgb.width, rgb.height


def _image_slide(
    detail: ItemDetail,
    blob: Original,
    approved: Sequence[RedactionRow],
    step: StepRow,
    max_px: int,
    footer: Footer,
    protective: str,
    sha: str,
) -> Slide:
    redacted = redact_image(blob.read(), _image_marks(approved))
    rgb, width, height = _fit(redacted, step.region, max_px)
    return Slide(
        kind="image",
        title="Picture" if detail.source.importer != "email" else "Email attachment",
        footer=footer,
        item_id=detail.item_id,
        rgb=rgb,
        width=width,
        height=height,
        protective=protective,
        sha256=sha,
    )


# -- PDF pages ------------------------------------------------------------------------


def _is_pdf(detail: ItemDetail, blob: Original) -> bool:
    if detail.mime == "application/pdf" or detail.source.importer == "pdf":
        return True
    try:
        return blob.head(5) == b"%PDF-"
    except (OSError, EvidenceError):
        return False


def redacted_pdf(
    case: Case, set_name: str, item_id: int, blob: Original, approved: Sequence[RedactionRow]
) -> bytes:
    """The item's PDF through the set's approved redactions (kept in memory, a few at a time)."""
    marks = [
        Mark(r.page, r.box, r.reason)
        for r in approved
        if r.kind == RedactionKind.REGION and r.box is not None and r.page is not None
    ]
    key = (str(case.folder), set_name, item_id, tuple(sorted(marks, key=repr)))
    hit = _cached(_pdfs, key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    data = redact_pdf(blob.read(), marks)
    _keep(_pdfs, key, data, _PDF_CACHE)
    return data


def _page_slide(
    case: Case,
    set_name: str,
    detail: ItemDetail,
    blob: Original,
    approved: Sequence[RedactionRow],
    step: StepRow,
    max_px: int,
    footer: Footer,
    sha: str,
) -> Slide:
    data = redacted_pdf(case, set_name, detail.item_id, blob, approved)
    doc = pm.open(stream=data, filetype="pdf")
    try:
        count = doc.page_count
        number = step.page or 1
        if not 1 <= number <= count:
            raise PresentError(f"item {detail.item_id} has {count} page(s), not {number}")
        page = doc[number - 1]
        clip = page.rect
        if step.region is not None:
            wanted = pm.Rect(step.region) & page.rect
            if not wanted.is_empty:
                clip = wanted
        zoom = max_px / max(clip.width, clip.height)
        pix = page.get_pixmap(matrix=pm.Matrix(zoom, zoom), clip=clip, alpha=False)
        rgb: bytes = pix.samples  # RGB, no alpha
        if pix.stride != pix.width * 3:
            rgb = b"".join(
                rgb[y * pix.stride : y * pix.stride + pix.width * 3] for y in range(pix.height)
            )
        width, height = pix.width, pix.height
    finally:
        doc.close()
    return Slide(
        kind="page",
        title=f"Document, page {number} of {count}",
        footer=footer,
        item_id=detail.item_id,
        rgb=rgb,
        width=width,
        height=height,
        page=number,
        page_count=count,
        sha256=sha,
    )


# -- emails and other text ------------------------------------------------------------

_EMAIL_FIELDS = ("From", "To", "Cc", "Date", "Subject")


def _text_slide(
    detail: ItemDetail,
    approved: Sequence[RedactionRow],
    footer: Footer,
    protective: str,
    sha: str,
) -> Slide:
    fields: list[tuple[str, str]] = []
    title = source_label(detail.source.importer, detail.kind)
    if detail.kind == "email":
        headers = detail.meta.get("headers")
        headers = headers if isinstance(headers, dict) else {}
        by_lower = {str(k).casefold(): str(k) for k in headers}
        for name in _EMAIL_FIELDS:
            real = by_lower.get(name.casefold())
            if real is None or not isinstance(headers.get(real), str):
                continue
            value = _field_marker(approved, {real.casefold()}) or redact_text(
                headers[real], _spans(approved, f"header:{real}")
            )
            fields.append((name, value))
            if name == "Subject" and value.strip():
                title = value.strip()
    if detail.kind in ("video", "audio") or (detail.kind == "file" and not detail.text):
        body = f"(a {_kind_word(detail.kind)}: it cannot be shown in a presentation)"
    else:
        body = redact_text(detail.text, _spans(approved, "text"))
    return Slide(
        kind="text",
        title=title,
        footer=footer,
        item_id=detail.item_id,
        fields=tuple(fields),
        text=body,
        protective=protective,
        sha256=sha,
    )


def export_presentation_pdf(
    case: Case,
    presentation_id: int | str,
    path: str | Path,
    notes: bool = False,
    *,
    reveal_protective: bool = False,
) -> Path:
    """The presentation as a PDF, one step per page (see `app.present.pdf`)."""
    from app.present.pdf import export_presentation_pdf as export

    return export(case, presentation_id, path, notes, reveal_protective=reveal_protective)
