"""What a court sees: one prepared slide painted large and calm on a dark neutral ground.

A slide is prepared off the GUI thread from `app.present.render.render_step` ONLY: the
picture it carries is the renderer's (already redacted through the presentation's set, zoomed
to the step's region), decoded and scaled to the screen there, blurred when the item is marked
intimate or distressing (the sharp copy is dropped), and the messages are the renderer's
redacted text. Painting a prepared slide only draws; it never reads the case.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.case import Case
from app.errors import EvidenceError
from app.present.model import PresentationRow, StepRow
from ui.present.guard import blurred, label_for

log = logging.getLogger(__name__)

BACKGROUND = QColor("#1c1d20")  # dark neutral: no colour of its own, easy on a court's eyes
FOOTER_BAND = QColor("#141517")
TEXT = QColor("#ececec")
MUTED = QColor("#a4a8ae")  # the footer, headings, context messages (AA on the background)
CONTEXT_TEXT = QColor("#8d9198")
CARD = QColor("#2a2c31")  # the message shown, set on a slightly lighter card
CONTEXT_CARD = QColor("#222327")
LABEL_BAND = QColor(20, 21, 23, 215)
BLACK = QColor("#000000")
FRAME = QColor("#4a4d54")  # around a letterboxed slide in the presenter window

REFUSED, PROBLEM, LOADING = "refused", "problem", "loading"


@dataclass(frozen=True, slots=True)
class ShownMessage:
    """One message of a message slide (text already redacted by the renderer)."""

    author: str
    time: str
    text: str
    context: bool  # a message before the one shown: greyed


@dataclass(frozen=True, slots=True)
class Shown:
    """A slide ready to paint: `kind` is message, image, page, text, refused, problem or
    loading. `image` is scaled for the screen (blurred when `protective` and not revealed)."""

    step_id: int
    kind: str
    title: str = ""
    footer: str = ""
    image: QImage | None = None
    messages: tuple[ShownMessage, ...] = ()
    protective: str = ""
    revealed: bool = False
    reason: str = ""  # why a refused or problem slide shows nothing
    text: str = ""  # the (redacted) body of a text or withheld slide
    fields: tuple[tuple[str, str], ...] = ()  # an email's (redacted) headers
    item_id: int = 0
    sha256: str = ""  # the original's hash, for the presenter window only
    size: tuple[int, int] = (0, 0)  # the screen size it was prepared for
    render_ms: float = field(default=0.0, compare=False)

    @property
    def blurred(self) -> bool:
        """Whether the picture shown is a blurred copy."""
        return bool(self.protective) and not self.revealed and self.image is not None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        return "  ·  ".join(str(v) for v in value if v)
    return str(value)


def prepare(
    case: Case,
    presentation: PresentationRow,
    step: StepRow,
    size: QSize,
    *,
    reveal: bool = False,
) -> Shown:
    """Render a step through the presentation's redaction set and make it ready to paint
    (call it off the GUI thread). A refused step carries only the refusal."""
    import time

    from app.present.render import Refused, render_step

    started = time.perf_counter()
    w, h = max(1, size.width()), max(1, size.height())
    try:
        slide = render_step(case, presentation, step, max_px=max(w, h))
    except Refused as exc:
        return Shown(step.id, REFUSED, reason=_sentence(str(exc)), size=(w, h))
    except EvidenceError as exc:
        log.warning("step %d not rendered: %s", step.id, exc)
        return Shown(step.id, PROBLEM, reason=_sentence(str(exc)), size=(w, h))
    protective = str(getattr(slide, "protective", "") or "")
    image: QImage | None = None
    png = getattr(slide, "png", None)
    if png:
        decoded = QImage.fromData(bytes(png))
        if decoded.isNull():
            return Shown(step.id, PROBLEM, reason="The picture cannot be read.", size=(w, h))
        box = QSize(w, h)
        if decoded.width() > w or decoded.height() > h:
            decoded = decoded.scaled(
                box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        image = blurred(decoded) if protective and not reveal else decoded
        del decoded  # only what may be shown is kept
    messages = tuple(
        ShownMessage(
            _text(getattr(m, "author", "")),
            _text(getattr(m, "time", "")),
            _text(getattr(m, "text", "")),
            bool(getattr(m, "context", False)),
        )
        for m in getattr(slide, "messages", ()) or ()
    )
    footer = getattr(slide, "footer", "")
    return Shown(
        step.id,
        str(getattr(slide, "kind", "text")),
        title=_text(getattr(slide, "title", "")),
        footer=_text(getattr(footer, "text", footer)),
        text=_text(getattr(slide, "text", "")),
        fields=tuple((str(k), str(v)) for k, v in getattr(slide, "fields", ()) or ()),
        item_id=int(getattr(slide, "item_id", step.item_id)),
        sha256=_text(getattr(slide, "sha256", "")),
        image=image,
        messages=messages,
        protective=protective,
        revealed=reveal and bool(protective),
        size=(w, h),
        render_ms=(time.perf_counter() - started) * 1000,
    )


def _sentence(text: str) -> str:
    """A message as a sentence: capital first letter, full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _font(base: QFont, px: float, *, bold: bool = False) -> QFont:
    font = QFont(base)
    font.setPixelSize(max(8, round(px)))
    font.setBold(bold)
    return font


class SlideView(QWidget):
    """Paints one `Shown` (or a black screen when blanked) filling the widget.

    `counter` ("3 / 12") sits at the right of the footer; `image_rect` is where the picture
    was last drawn, in widget pixels (for tests and the zoom region)."""

    def __init__(self, parent: QWidget | None = None, *, compact: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("slide-view")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.compact = compact  # a thumbnail in the presenter window: no footer
        self.shown: Shown | None = None
        self.blank = False
        self.counter = ""
        self.image_rect = QRectF()
        self.paints = 0  # how many times it painted (for timing)
        self.aspect = 0.0  # width / height to letterbox to (the court's screen); 0: fill
        self.surround = BACKGROUND  # what shows beside a letterboxed slide

    def set_shown(self, shown: Shown | None, counter: str = "") -> None:
        """Show a prepared slide (None: the empty dark ground)."""
        self.shown = shown
        self.counter = counter
        self.update()

    def set_blank(self, on: bool) -> None:
        """Black screen (True) or the slide again (False)."""
        self.blank = on
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    # -- painting ---------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()
        self.paints += 1

    def _paint(self, p: QPainter) -> None:
        rect = self.rect()
        self.image_rect = QRectF()
        if self.aspect > 0 and rect.width() > 0 and rect.height() > 0:
            p.fillRect(rect, self.surround)
            w = min(rect.width(), round(rect.height() * self.aspect))
            h = min(rect.height(), round(w / self.aspect))
            rect = QRect(rect.left() + (rect.width() - w) // 2, rect.top(), w, h)
            p.setPen(FRAME)
            p.drawRect(rect.adjusted(-1, -1, 0, 0))
        if self.blank:
            p.fillRect(rect, BLACK)
            return
        p.fillRect(rect, BACKGROUND)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        unit = max(6.0, min(rect.height() / 36, rect.width() / 60))  # 30 px on 1080p
        margin = round(unit * 1.6)
        footer_h = 0 if self.compact else round(unit * 2.4)
        body = rect.adjusted(margin, margin, -margin, -margin - footer_h)
        s = self.shown
        if s is not None:
            if s.kind == REFUSED:
                self._paint_notice(p, body, unit, "Not shown", s.reason)
            elif s.kind == PROBLEM:
                self._paint_notice(p, body, unit, "This step cannot be shown", s.reason)
            elif s.kind == LOADING:
                pass  # the dark ground only: a flash of "loading" would distract
            elif s.kind == "withheld":
                self._paint_notice(p, body, unit, s.title or "Withheld", s.text)
            else:
                body = self._paint_title(p, body, unit, s.title)
                if s.image is not None:
                    self._paint_image(p, body, unit, s)
                elif s.messages:
                    self._paint_messages(p, body, unit, s.messages)
                else:
                    self._paint_text(p, body, unit, s.fields, s.text)
        if not self.compact:
            self._paint_footer(p, rect, unit, footer_h, s)

    def _paint_title(self, p: QPainter, body: QRect, unit: float, title: str) -> QRect:
        if not title:
            return body
        font = _font(self.font(), unit * (1.1 if not self.compact else 1.3))
        p.setFont(font)
        p.setPen(MUTED)
        fm = QFontMetrics(font)
        line = QRect(body.left(), body.top(), body.width(), fm.height())
        p.drawText(
            line,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(title, Qt.TextElideMode.ElideRight, body.width()),
        )
        return body.adjusted(0, fm.height() + round(unit * 0.8), 0, 0)

    def _paint_image(self, p: QPainter, body: QRect, unit: float, s: Shown) -> None:
        image = s.image
        assert image is not None
        size = QSize(image.width(), image.height()).scaled(
            body.size(), Qt.AspectRatioMode.KeepAspectRatio
        )
        target = QRectF(
            body.left() + (body.width() - size.width()) / 2,
            body.top() + (body.height() - size.height()) / 2,
            size.width(),
            size.height(),
        )
        p.drawImage(target, image)
        self.image_rect = target
        if s.blurred:
            text = label_for(s.protective)
            font = _font(self.font(), unit * (1.0 if not self.compact else 1.6))
            p.setFont(font)
            fm = QFontMetrics(font)
            w = fm.horizontalAdvance(text) + round(unit * 2)
            h = fm.height() + round(unit)
            band = QRectF(target.center().x() - w / 2, target.center().y() - h / 2, w, h)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(LABEL_BAND)
            p.drawRoundedRect(band, h / 4, h / 4)
            p.setPen(TEXT)
            p.drawText(band, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_messages(
        self, p: QPainter, body: QRect, unit: float, messages: Sequence[ShownMessage]
    ) -> None:
        """The message shown large on its card, the few before it greyed above; oldest
        dropped when they do not fit."""
        wrap = Qt.TextFlag.TextWordWrap
        pad = round(unit * 0.8)
        gap = round(unit * 0.7)
        width = min(body.width(), round(unit * 52))
        left = body.left() + (body.width() - width) // 2
        blocks: list[tuple[ShownMessage, QFont, QFont, int, int]] = []
        for m in messages:
            size = unit * (1.05 if m.context else 1.6)
            text_font = _font(self.font(), size)
            head_font = _font(self.font(), unit * (0.8 if m.context else 0.95), bold=not m.context)
            inner_w = width - 2 * pad
            text_h = (
                QFontMetrics(text_font)
                .boundingRect(QRect(0, 0, inner_w, 100_000), wrap, m.text or " ")
                .height()
            )
            head_h = QFontMetrics(head_font).height()
            blocks.append((m, text_font, head_font, head_h, text_h))
        total = 0
        kept: list[tuple[ShownMessage, QFont, QFont, int, int]] = []
        for block in reversed(blocks):  # newest first: the shown message always fits first
            h = block[3] + block[4] + 2 * pad + round(unit * 0.3)
            limit = body.height() if not kept else body.height() - gap
            if kept and total + gap + h > limit:
                break
            total += h + (gap if kept else 0)
            kept.append(block)
        kept.reverse()
        y = body.top() + max(0, (body.height() - total) // 2)
        for m, text_font, head_font, head_h, text_h in kept:
            h = head_h + text_h + 2 * pad + round(unit * 0.3)
            card = QRect(left, y, width, min(h, body.bottom() - y))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(CONTEXT_CARD if m.context else CARD)
            p.drawRoundedRect(QRectF(card), unit * 0.4, unit * 0.4)
            inner = card.adjusted(pad, pad, -pad, -pad)
            p.setFont(head_font)
            p.setPen(CONTEXT_TEXT if m.context else MUTED)
            head = "  ·  ".join(x for x in (m.author, m.time) if x)
            p.drawText(
                QRect(inner.left(), inner.top(), inner.width(), head_h),
                Qt.AlignmentFlag.AlignLeft,
                head,
            )
            p.setFont(text_font)
            p.setPen(CONTEXT_TEXT if m.context else TEXT)
            text_rect = QRect(
                inner.left(), inner.top() + head_h + round(unit * 0.3), inner.width(), text_h
            )
            p.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft) | int(wrap), m.text)
            y += h + gap

    def _paint_text(
        self,
        p: QPainter,
        body: QRect,
        unit: float,
        fields: Sequence[tuple[str, str]],
        text: str,
    ) -> None:
        """An email's headers (muted names) above its body, large; cut off with "…" when
        longer than the screen (the presenter zooms with a region step instead)."""
        width = min(body.width(), round(unit * 56))
        left = body.left() + (body.width() - width) // 2
        y = body.top()
        name_font = _font(self.font(), unit * 0.9)
        value_font = _font(self.font(), unit * 1.05)
        names_w = max((QFontMetrics(name_font).horizontalAdvance(n) for n, _ in fields), default=0)
        wrap = int(Qt.TextFlag.TextWordWrap)
        for name, value in fields:
            vfm = QFontMetrics(value_font)
            rest = width - names_w - round(unit)
            h = vfm.boundingRect(QRect(0, 0, rest, 10_000), wrap, value).height()
            p.setFont(name_font)
            p.setPen(MUTED)
            p.drawText(QRect(left, y, names_w, h), int(Qt.AlignmentFlag.AlignRight), name)
            p.setFont(value_font)
            p.setPen(TEXT)
            p.drawText(QRect(left + names_w + round(unit), y, rest, h), wrap, value)
            y += h + round(unit * 0.3)
        if fields:
            y += round(unit * 0.6)
            p.fillRect(QRect(left, y, width, 1), CONTEXT_CARD.lighter(160))
            y += round(unit * 0.9)
        font = _font(self.font(), unit * 1.3)
        p.setFont(font)
        p.setPen(TEXT)
        fm = QFontMetrics(font)
        room = QRect(left, y, width, body.bottom() - y)
        shown = text
        if fm.boundingRect(room.adjusted(0, 0, 0, 100_000), wrap, shown).height() > room.height():
            lo, hi = 0, len(text)
            while lo < hi:  # the longest start of the text that fits, then "…"
                mid = (lo + hi + 1) // 2
                probe = text[:mid].rstrip() + " …"
                tall = fm.boundingRect(room.adjusted(0, 0, 0, 100_000), wrap, probe).height()
                lo, hi = (mid, hi) if tall <= room.height() else (lo, mid - 1)
            shown = text[:lo].rstrip() + " …"
        p.drawText(room, int(Qt.AlignmentFlag.AlignLeft) | wrap, shown)

    def _paint_notice(self, p: QPainter, body: QRect, unit: float, title: str, text: str) -> None:
        """A calm notice in place of content: a heading and why."""
        width = min(body.width(), round(unit * 40))
        left = body.left() + (body.width() - width) // 2
        head = _font(self.font(), unit * 1.6, bold=True)
        words = _font(self.font(), unit * 1.1)
        wrap = int(Qt.TextFlag.TextWordWrap)
        head_h = QFontMetrics(head).boundingRect(QRect(0, 0, width, 10_000), wrap, title).height()
        text_h = QFontMetrics(words).boundingRect(QRect(0, 0, width, 10_000), wrap, text).height()
        y = body.top() + (body.height() - head_h - text_h - round(unit)) // 2
        p.setFont(head)
        p.setPen(TEXT)
        p.drawText(QRect(left, y, width, head_h), int(Qt.AlignmentFlag.AlignHCenter) | wrap, title)
        p.setFont(words)
        p.setPen(MUTED)
        p.drawText(
            QRect(left, y + head_h + round(unit), width, text_h),
            int(Qt.AlignmentFlag.AlignHCenter) | wrap,
            text,
        )

    def _paint_footer(
        self, p: QPainter, rect: QRect, unit: float, footer_h: int, s: Shown | None
    ) -> None:
        band = QRect(rect.left(), rect.bottom() - footer_h + 1, rect.width(), footer_h)
        p.fillRect(band, FOOTER_BAND)
        font = _font(self.font(), unit * 0.8)
        p.setFont(font)
        p.setPen(MUTED)
        fm = QFontMetrics(font)
        side = round(unit * 1.6)
        inner = band.adjusted(side, 0, -side, 0)
        counter_w = fm.horizontalAdvance(self.counter) + side if self.counter else 0
        centre = int(Qt.AlignmentFlag.AlignVCenter)
        if self.counter:
            p.drawText(inner, centre | int(Qt.AlignmentFlag.AlignRight), self.counter)
        footer = s.footer if s is not None and s.kind not in (REFUSED, PROBLEM) else ""
        if footer:
            text = fm.elidedText(footer, Qt.TextElideMode.ElideMiddle, inner.width() - counter_w)
            p.drawText(inner, centre | int(Qt.AlignmentFlag.AlignLeft), text)
