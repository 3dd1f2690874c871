"""The plain viewer for every other kind: the text, OCR text marked as such, metadata."""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from app.items import ItemDetail
from app.redaction.model import RedactionRow
from ui import display, theme
from ui.redaction.overlay import mark_text_spans
from ui.redaction.spans import SpanMap, map_anchor
from ui.viewers.common import ProvenanceBar, bold, event_label, event_time, muted, selectable

META_VALUE_LIMIT = 300


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= META_VALUE_LIMIT else text[: META_VALUE_LIMIT - 1] + "…"


Span = tuple[int, int, int, str]
"""A span of the item's own text: item id, start, end (characters of Item.text), quote."""


class TextView(QWidget):
    """Text, OCR text and metadata of an item no other viewer is for; `shown` is emitted
    with the item id once it is drawn."""

    item_activated = Signal(int)
    shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("text-viewer")
        self._detail: ItemDetail | None = None
        self._map: SpanMap | None = None
        self.title = selectable(bold(QLabel(), 1.1))
        self.subtitle = selectable(muted(QLabel()))
        self.browser = QTextBrowser()
        self.browser.setObjectName("text-body")
        self.browser.setAccessibleName("Text and metadata")
        self.browser.setOpenLinks(False)
        self.browser.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.browser.document().setDocumentMargin(12)
        self.browser.anchorClicked.connect(
            lambda url: (
                self.item_activated.emit(int(url.path()))
                if url.scheme() == "item" and url.path().isdigit()
                else None
            )
        )
        self.provenance = ProvenanceBar()
        self.setFocusProxy(self.browser)  # focusing the viewer focuses what it shows
        top = QVBoxLayout()
        top.setContentsMargins(12, 10, 12, 4)
        top.addWidget(self.title)
        top.addWidget(self.subtitle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.provenance)

    def show_item(self, detail: ItemDetail, zone_name: str) -> None:
        """Show the item's text, OCR text and metadata."""
        self._detail = detail
        self.title.setText(detail.name)
        bits = [detail.kind, event_time(detail.first_event, zone_name)]
        if detail.author:
            bits.insert(1, f"from {detail.author}")
        self.subtitle.setText(" · ".join(bits))
        parts: list[str] = []
        muted_colour = theme.muted().name()
        if detail.text:
            # Named, so a selection maps back to exact characters of the item's text.
            parts.append(
                '<p style="white-space:pre-wrap"><a name="item-text">'
                f"{html.escape(detail.text)}</a></p>"
            )
        else:
            parts.append("<p><i>This item has no text of its own.</i></p>")
        if detail.ocr_text:
            parts.append(
                "<h4>Text read by OCR</h4><p><i>Machine-read from the pixels: it can be "
                f'wrong.</i></p><p style="white-space:pre-wrap">{html.escape(detail.ocr_text)}</p>'
            )
        if detail.children:
            links = "".join(
                f'<li><a href="item:{c.item_id}">{html.escape(c.name)}</a> ({c.kind})</li>'
                for c in detail.children
            )
            parts.append(f"<h4>{display.plural(len(detail.children), 'attachment')}</h4>")
            parts.append(f"<ul>{links}</ul>")
        if detail.events:
            rows = "".join(
                f"<tr><td>{html.escape(event_label(e.kind))}</td><td>"
                f"{html.escape(event_time(e, zone_name))}</td>"
                f'<td style="color:{muted_colour}">as written: {html.escape(e.original)}</td>'
                "</tr>"
                for e in detail.events
            )
            notes = sorted(
                {
                    display.confidence_note(e.confidence, e.zone or zone_name)
                    for e in detail.events
                    if not display.is_exact(e.confidence)
                }
            )
            amber = theme.amber().name()
            parts.append(f'<h4>Times</h4><table cellpadding="2">{rows}</table>')
            parts.extend(
                f'<p style="color:{amber}">{display.APPROX} {html.escape(n)}</p>' for n in notes
            )
        if detail.meta:
            rows = "".join(
                f'<tr><td valign="top">{html.escape(k)}</td><td>{html.escape(_value(v))}</td></tr>'
                for k, v in detail.meta.items()
            )
            parts.append(f'<h4>Metadata</h4><table cellpadding="2">{rows}</table>')
        self.browser.setHtml("".join(parts))
        self._map = (
            map_anchor(self.browser.document(), "item-text", detail.text) if detail.text else None
        )
        self.provenance.show_detail(detail)
        self.shown.emit(detail.item_id)

    # -- redaction --------------------------------------------------------------------

    @property
    def item_id(self) -> int | None:
        """The item shown (None when nothing is)."""
        return self._detail.item_id if self._detail is not None else None

    def selected_spans(self) -> list[Span]:
        """The selection as an exact span of the item's own text (not its OCR text)."""
        cursor = self.browser.textCursor()
        d = self._detail
        if d is None or self._map is None or not cursor.hasSelection():
            return []
        covered = self._map.to_text(cursor.selectionStart(), cursor.selectionEnd())
        if covered is None:
            return []
        start, end = covered
        return [(d.item_id, start, end, d.text[start:end])]

    def set_redactions(self, rows: list[RedactionRow], show_rejected: bool = False) -> None:
        """Mark the redacted spans of the item's text."""
        mark_text_spans(self.browser, self._map, self.item_id, rows, show_rejected)
