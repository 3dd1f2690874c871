"""The plain viewer for every other kind: the text, OCR text marked as such, metadata."""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from app.items import ItemDetail
from ui import display, theme
from ui.viewers.common import ProvenanceBar, bold, event_label, event_time, muted, selectable

META_VALUE_LIMIT = 300


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= META_VALUE_LIMIT else text[: META_VALUE_LIMIT - 1] + "…"


class TextView(QWidget):
    """Text, OCR text and metadata of an item no other viewer is for."""

    item_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("text-viewer")
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
        self.title.setText(detail.name)
        bits = [detail.kind, event_time(detail.first_event, zone_name)]
        if detail.author:
            bits.insert(1, f"from {detail.author}")
        self.subtitle.setText(" · ".join(bits))
        parts: list[str] = []
        muted_colour = theme.muted().name()
        if detail.text:
            parts.append(f'<p style="white-space:pre-wrap">{html.escape(detail.text)}</p>')
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
        self.provenance.show_detail(detail)
