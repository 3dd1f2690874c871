"""The chat viewer: a conversation as bubbles, the chosen message marked, selectable text.

Drawn as generated rich text in a QTextBrowser: text stays selectable and copyable, and the
cost is fixed by the number of messages shown (a window of about a dozen by default).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QImage, QPalette, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.items import ItemDetail, MessageRow
from app.redaction.model import RedactionKind, RedactionRow, RedactionState
from ui import display, theme
from ui.present.guard import GUARD
from ui.redaction.overlay import describe, span_format
from ui.redaction.spans import SpanMap, map_anchor
from ui.viewers.common import (
    ProvenanceBar,
    blend,
    bold,
    is_dark,
    local,
    muted,
    palette_color,
)

RUN_GAP_US = 10 * 60 * 1_000_000
"""A new run of messages (sender and time shown again) after this long a pause."""

THUMB_PX = 120


def _escape(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _day(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


Span = tuple[int, int, int, str]
"""A span of a message's own text: item id, start, end (characters of Item.text), quote."""


class ChatThreadView(QWidget):
    """Messages around the chosen one; `whole_requested` asks for the whole conversation;
    `shown` is emitted with the chosen item's id whenever messages are drawn."""

    item_activated = Signal(int)
    whole_requested = Signal(int)
    shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chat-viewer")
        self._detail: ItemDetail | None = None
        self._messages: list[MessageRow] = []
        self._zone = "Europe/London"
        self._total = 0
        self._palette: dict[str, str] = {}
        self._maps: dict[int, SpanMap | None] = {}  # message id -> its text in the document
        self._redactions: list[RedactionRow] = []
        self._show_rejected = False

        self.title = bold(QLabel(), 1.1)
        self.subtitle = muted(QLabel())
        self.subtitle.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.whole = QPushButton("Show whole conversation")
        self.whole.setObjectName("show-whole-conversation")
        self.whole.setToolTip("Load every message of this conversation")
        self.whole.clicked.connect(self._ask_whole)

        self.browser = QTextBrowser()
        self.browser.setObjectName("chat-thread")
        self.browser.setAccessibleName("Conversation")
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.anchorClicked.connect(self._anchor_clicked)
        self.browser.setFrameShape(QTextBrowser.Shape.NoFrame)

        self.provenance = ProvenanceBar()
        self.setFocusProxy(self.browser)  # focusing the viewer focuses what it shows

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        head.addLayout(names, 1)
        head.addWidget(self.whole)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        top = QVBoxLayout()
        top.setContentsMargins(12, 10, 12, 0)
        top.setSpacing(4)
        top.addLayout(head)
        top.addWidget(self.note)
        layout.addLayout(top)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.provenance)

    # -- public -----------------------------------------------------------------------

    def show_item(
        self,
        detail: ItemDetail,
        messages: Sequence[MessageRow],
        zone_name: str,
        total: int = 0,
    ) -> None:
        """Show the messages around `detail`'s item (which is marked) in `zone_name`."""
        self._detail = detail
        self._zone = zone_name
        self._total = max(total, len(messages))
        self.provenance.show_detail(detail)
        self.show_messages(messages)

    def show_messages(self, messages: Sequence[MessageRow]) -> None:
        """Replace the messages shown (the whole conversation, once loaded)."""
        self._messages = list(messages)
        detail = self._detail
        title = detail.conversation if detail and detail.conversation else "Conversation"
        self.title.setText(title)
        platform = display.importer_name(detail.source.importer) if detail else ""
        shown = len(self._messages)
        if self._total > shown:
            count = f"{shown:,} of {self._total:,} messages"
        else:
            count = display.plural(shown, "message")
        self.subtitle.setText(" · ".join(p for p in (platform, count) if p))
        self.whole.setVisible(self._total > shown)
        self._set_note()
        self._render()
        if detail is not None:
            self.shown.emit(detail.item_id)

    @property
    def selected_id(self) -> int | None:
        """The item the viewer was opened on."""
        return self._detail.item_id if self._detail else None

    @property
    def message_ids(self) -> list[int]:
        """The ids of the messages shown, in order."""
        return [m.item_id for m in self._messages]

    def set_zone(self, zone_name: str) -> None:
        """Show the times in another zone."""
        self._zone = zone_name
        self._set_note()
        self._render()

    # -- drawing ----------------------------------------------------------------------

    def _set_note(self) -> None:
        assumed = next(
            (m for m in self._messages if m.ts_utc_us is not None and m.confidence != "exact"),
            None,
        )
        if assumed is None:
            self.note.hide()
            return
        sentence = display.confidence_note(assumed.confidence, assumed.zone or self._zone)
        self.note.setText(f"{display.APPROX} {sentence}")
        palette = self.note.palette()
        palette.setColor(self.note.foregroundRole(), theme.amber())
        self.note.setPalette(palette)
        self.note.show()

    def _colours(self) -> dict[str, str]:
        base = palette_color(QPalette.ColorRole.Base)
        text = palette_color(QPalette.ColorRole.Text)
        dark = is_dark()
        return {
            "incoming": blend(base, text, 0.14 if dark else 0.07).name(),
            "outgoing": blend(base, theme.ACCENT, 0.35 if dark else 0.16).name(),
            "system": base.name(),
            "accent": theme.ACCENT.name() if not dark else blend(theme.ACCENT, text, 0.3).name(),
            "muted": theme.muted().name(),
            "amber": theme.amber().name(),
            "text": text.name(),
        }

    def _time(self, m: MessageRow, *, zone: bool) -> str:
        if m.ts_utc_us is None:
            return "no date"
        moment = local(m.ts_utc_us, self._zone)
        clock = f"{moment:%H:%M %Z}" if zone else f"{moment:%H:%M}"
        if display.is_exact(m.confidence):
            return html.escape(clock)
        colour = self._palette["amber"]
        return f'<span style="color:{colour}">{display.APPROX}&nbsp;{html.escape(clock)}</span>'

    def _render(self) -> None:
        self._palette = self._colours()
        c = self._palette
        doc: QTextDocument = self.browser.document()
        doc.setDocumentMargin(12)
        parts: list[str] = []
        previous: MessageRow | None = None
        previous_day = ""
        selected = self.selected_id
        for m in self._messages:
            moment = local(m.ts_utc_us, self._zone) if m.ts_utc_us is not None else None
            day = _day(moment) if moment else "Undated"
            if day != previous_day:
                parts.append(
                    f'<p align="center" style="color:{c["muted"]}; margin-top:14px; '
                    f'margin-bottom:6px">— {html.escape(day)} —</p>'
                )
                previous = None
                previous_day = day
            if m.kind == "system":
                parts.append(self._system(m))
                previous = None
                continue
            new_run = (
                previous is None
                or previous.sender != m.sender
                or previous.direction != m.direction
                or (m.ts_utc_us or 0) - (previous.ts_utc_us or 0) > RUN_GAP_US
            )
            parts.append(self._bubble(m, new_run, m.item_id == selected))
            previous = m
        if not self._messages:
            parts.append(f'<p style="color:{c["muted"]}">No messages to show.</p>')
        self.browser.setHtml(
            f'<body style="color:{c["text"]}">' + "".join(parts) + "</body>",
        )
        self._maps = {}
        self._mark_redactions()
        if selected is not None:
            self.browser.scrollToAnchor(f"m{selected}")

    def _system(self, m: MessageRow) -> str:
        c = self._palette
        return (
            f'<a name="m{m.item_id}"></a><p align="center" style="color:{c["muted"]}; '
            f'margin:6px 40px"><i><a name="t{m.item_id}">{_escape(m.text)}</a></i> · '
            f"{self._time(m, zone=True)}</p>"
        )

    def _bubble(self, m: MessageRow, new_run: bool, selected: bool) -> str:
        c = self._palette
        out = m.direction == "outgoing"
        align = "right" if out else "left"
        colour = c["outgoing"] if out else c["incoming"]
        head = ""
        if new_run:
            who = html.escape(m.sender or "(unknown sender)")
            head = (
                f'<p align="{align}" style="margin-top:14px; margin-bottom:3px">'
                f'<b>{who}</b> <span style="color:{c["muted"]}">·</span> '
                f"{self._time(m, zone=True)}</p>"
            )
        body = self._body(m)
        footer_bits: list[str] = []
        if not new_run:
            footer_bits.append(self._time(m, zone=False))
        if m.deleted:
            footer_bits.append("deleted")
        if m.edited:
            footer_bits.append("edited")
        if m.kind == "call":
            footer_bits.append("call")
        footer = (
            f'<p style="color:{c["muted"]}; margin-top:4px; font-size:small">'
            + " · ".join(footer_bits)
            + "</p>"
            if footer_bits
            else ""
        )
        border = (
            f'border="2" style="border-collapse:collapse; border-style:solid; '
            f'border-color:{c["accent"]}"'
            if selected
            else 'border="0"'
        )
        marker = (
            f'<p style="color:{c["accent"]}; margin-bottom:2px; font-size:small">'
            "<b>▶ Chosen message</b></p>"
            if selected
            else ""
        )
        bubble = (
            f'<table {border} cellpadding="8" cellspacing="0" align="{align}">'
            f'<tr><td bgcolor="{colour}">{marker}{body}{footer}</td></tr></table>'
        )
        spacer = '<td width="18%"></td>'
        cell = f'<td width="82%" align="{align}">{bubble}</td>'
        row = spacer + cell if out else cell + spacer
        return (
            f'<a name="m{m.item_id}"></a>{head}'
            f'<table width="100%" cellspacing="0" cellpadding="0" style="margin-bottom:3px">'
            f"<tr>{row}</tr></table>"
        )

    def _body(self, m: MessageRow) -> str:
        c = self._palette
        # Named, so a selection maps back to exact characters of the message's text.
        text = f'<a name="t{m.item_id}">{_escape(m.text)}</a>' if m.text else ""
        if m.deleted:
            text = f'<i style="color:{c["muted"]}">{text or "Deleted message"}</i>'
        parts = [f'<p style="white-space:pre-wrap; margin:0">{text}</p>'] if text else []
        for a in m.attachments:
            name = html.escape(a.name)
            if a.thumbnail is not None and self._add_image(a.item_id, a.thumbnail):
                parts.append(
                    f'<p style="margin-top:6px"><a href="item:{a.item_id}">'
                    f'<img src="thumb:{a.item_id}"></a><br>'
                    f'<span style="font-size:small">{name}</span></p>'
                )
            else:
                parts.append(
                    f'<p style="margin-top:6px">Attachment: '
                    f'<a href="item:{a.item_id}">{name}</a> '
                    f'<span style="color:{c["muted"]}">({html.escape(a.kind)})</span></p>'
                )
        for name in m.missing:
            parts.append(
                f'<p style="margin-top:6px; color:{c["muted"]}">Attachment not in the case: '
                f"{html.escape(name)}</p>"
            )
        return "".join(parts) or f'<p style="color:{c["muted"]}">(no text)</p>'

    def _add_image(self, item_id: int, data: bytes) -> bool:
        image = GUARD.cover(item_id, QImage.fromData(data))  # blurred when marked intimate
        if image.isNull():
            return False
        if max(image.width(), image.height()) > THUMB_PX:
            # The cached thumbnail is a little larger than the chat shows it.
            image = image.scaled(
                THUMB_PX,
                THUMB_PX,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        self.browser.document().addResource(
            QTextDocument.ResourceType.ImageResource, QUrl(f"thumb:{item_id}"), image
        )
        return True

    # -- actions ----------------------------------------------------------------------

    def _anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "item":
            try:
                self.item_activated.emit(int(url.path()))
            except ValueError:
                return

    def _ask_whole(self) -> None:
        if self._detail is not None:
            self.whole_requested.emit(self._detail.item_id)

    # -- redaction --------------------------------------------------------------------

    def span_map(self, item_id: int) -> SpanMap | None:
        """Where message `item_id`'s text lies in the document (None if not shown verbatim)."""
        if item_id not in self._maps:
            m = next((m for m in self._messages if m.item_id == item_id), None)
            found = None
            if m is not None and m.text:
                found = map_anchor(self.browser.document(), f"t{item_id}", m.text)
            self._maps[item_id] = found
        return self._maps[item_id]

    def selected_spans(self) -> list[Span]:
        """The selection as exact spans of each message's text it covers, in order."""
        cursor = self.browser.textCursor()
        if not cursor.hasSelection():
            return []
        a, b = cursor.selectionStart(), cursor.selectionEnd()
        out: list[Span] = []
        for m in self._messages:
            span_map = self.span_map(m.item_id)
            covered = span_map.to_text(a, b) if span_map is not None else None
            if covered is not None:
                out.append((m.item_id, covered[0], covered[1], m.text[covered[0] : covered[1]]))
        return out

    def set_redactions(self, rows: list[RedactionRow], show_rejected: bool = False) -> None:
        """Mark the redacted spans of the messages shown."""
        self._redactions = [r for r in rows if r.kind == RedactionKind.SPAN and r.target == "text"]
        self._show_rejected = show_rejected
        self._mark_redactions()

    def _mark_redactions(self) -> None:
        marks: list[QTextEdit.ExtraSelection] = []
        for r in self._redactions:
            if r.state == RedactionState.REJECTED and not self._show_rejected:
                continue
            span_map = self.span_map(r.item_id)
            if span_map is None or r.start is None or r.end is None:
                continue
            where = span_map.to_document(r.start, r.end)
            if where is None:
                continue
            mark = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.browser.document())
            cursor.setPosition(where[0])
            cursor.setPosition(where[1], QTextCursor.MoveMode.KeepAnchor)
            mark.cursor = cursor
            fmt = span_format(r.state)
            fmt.setToolTip(describe(r))
            mark.format = fmt
            marks.append(mark)
        self.browser.setExtraSelections(marks)
