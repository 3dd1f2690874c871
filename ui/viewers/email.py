"""The email viewer: the headers block, the plain-text body and the attachments."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.items import ItemDetail
from app.redaction.model import RedactionRow
from ui import display, theme
from ui.present.guard import GUARD
from ui.redaction.overlay import mark_text_spans
from ui.redaction.spans import SpanMap, raw_text
from ui.viewers.common import ProvenanceBar, bold, event_time, muted, rule, selectable

ATTACHMENT_ROWS = 4
ICON = 40


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


Span = tuple[int, str, int, int, str]
"""A span to redact: item id, target ("text" or "header:NAME"), start, end, quote."""


class EmailView(QWidget):
    """One email; activating an attachment emits `item_activated` with its item id;
    `shown` is emitted with the item id once it is drawn."""

    item_activated = Signal(int)
    shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("email-viewer")
        self._detail: ItemDetail | None = None
        self._body_map: SpanMap | None = None

        self.subject = selectable(bold(QLabel(), 1.15))
        self.subject.setObjectName("email-subject")
        self.from_ = selectable(QLabel())
        self.to = selectable(QLabel())
        self.cc = selectable(QLabel())
        self.date = selectable(QLabel())
        self.date_note = QLabel()
        self.date_note.setWordWrap(True)
        self.headers = QFormLayout()
        self.headers.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.headers.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.headers.setHorizontalSpacing(10)
        self.headers.setVerticalSpacing(3)
        self.headers.addRow(muted(QLabel("From")), self.from_)
        self.headers.addRow(muted(QLabel("To")), self.to)
        self.headers.addRow(muted(QLabel("Cc")), self.cc)
        self.headers.addRow(muted(QLabel("Date")), self.date)
        self.headers.addRow(QLabel(), self.date_note)

        self.body = QPlainTextEdit()
        self.body.setObjectName("email-body")
        self.body.setAccessibleName("Email body")
        self.body.setReadOnly(True)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.document().setDocumentMargin(12)

        self.attachments_label = muted(QLabel())
        self.attachments = QListWidget()
        self.attachments.setObjectName("email-attachments")
        self.attachments.setAccessibleName("Attachments")
        self.attachments.setIconSize(QSize(ICON, ICON))
        self.attachments.itemActivated.connect(self._activated)
        self.attachments.itemDoubleClicked.connect(self._activated)

        self.provenance = ProvenanceBar()
        self.setFocusProxy(self.body)  # focusing the viewer focuses what it shows

        top = QVBoxLayout()
        top.setContentsMargins(12, 10, 12, 4)
        top.setSpacing(6)
        top.addWidget(self.subject)
        top.addLayout(self.headers)
        top.addWidget(rule())
        bottom = QVBoxLayout()
        bottom.setContentsMargins(12, 0, 12, 0)
        bottom.setSpacing(2)
        bottom.addWidget(self.attachments_label)
        bottom.addWidget(self.attachments)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.body, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.provenance)

    def show_item(self, detail: ItemDetail, zone_name: str) -> None:
        """Show an email; its date in `zone_name` with the zone's abbreviation."""
        self._detail = detail
        m = detail.meta
        self.subject.setText(_text(m.get("subject")) or "(no subject)")
        self.from_.setText(_text(m.get("from")) or detail.author or "(no sender)")
        recipients = ", ".join(detail.recipients)
        self.to.setText(_text(m.get("to")) or recipients or "(none)")
        cc = _text(m.get("cc"))
        self.cc.setText(cc)
        self.headers.setRowVisible(self.cc, bool(cc))
        sent = next((e for e in detail.events if e.kind == "sent"), detail.first_event)
        self.date.setText(event_time(sent, zone_name))
        raw = _text(m.get("date"))
        self.date.setToolTip(f"As written in the email: {raw}" if raw else "")
        note = display.confidence_note(sent.confidence, zone_name) if sent else ""
        header = f"As written: {raw}" if raw else ""
        self.date_note.setText(
            "\n".join(x for x in (header, f"{display.APPROX} {note}" if note else "") if x)
        )
        palette = self.date_note.palette()
        palette.setColor(self.date_note.foregroundRole(), theme.amber() if note else theme.muted())
        self.date_note.setPalette(palette)
        self.headers.setRowVisible(self.date_note, bool(self.date_note.text()))
        self.body.setPlainText(detail.text.replace("\r\n", "\n") or "(no text body)")
        self._body_map = (
            SpanMap.align(detail.text, raw_text(self.body.document())) if detail.text else None
        )
        self.body.setExtraSelections([])
        self._show_attachments(detail)
        self.provenance.show_detail(detail)
        self.shown.emit(detail.item_id)

    @property
    def attachment_ids(self) -> list[int]:
        """The item ids of the attachments listed."""
        out = []
        for i in range(self.attachments.count()):
            value = self.attachments.item(i).data(Qt.ItemDataRole.UserRole)
            if value is not None:
                out.append(int(value))
        return out

    def _show_attachments(self, detail: ItemDetail) -> None:
        self.attachments.clear()
        for child in detail.children:
            item = QListWidgetItem(f"{child.name}  ·  {child.kind}, {child.mime or 'unknown type'}")
            item.setData(Qt.ItemDataRole.UserRole, child.item_id)
            item.setToolTip("Open this attachment (Enter or double-click)")
            if child.thumbnail is not None:
                # Blurred when marked intimate or distressing.
                thumb = GUARD.cover(child.item_id, QImage.fromData(child.thumbnail))
                pixmap = QPixmap.fromImage(thumb)
                if not pixmap.isNull():
                    item.setIcon(QIcon(pixmap))
            self.attachments.addItem(item)
        read = {c.name for c in detail.children}
        listed = detail.meta.get("attachments")
        for entry in listed if isinstance(listed, list) else ():
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name not in read:
                item = QListWidgetItem(f"{name}  ·  not read into the case")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.attachments.addItem(item)
        n = self.attachments.count()
        self.attachments_label.setText(display.plural(n, "attachment") if n else "No attachments")
        self.attachments.setVisible(bool(n))
        rows = min(max(n, 1), ATTACHMENT_ROWS)
        height = self.attachments.sizeHintForRow(0) if n else 0
        self.attachments.setFixedHeight(rows * max(height, 20) + 6)

    def _activated(self, item: QListWidgetItem) -> None:
        value = item.data(Qt.ItemDataRole.UserRole)
        if value is not None:
            self.item_activated.emit(int(value))

    # -- redaction --------------------------------------------------------------------

    @property
    def item_id(self) -> int | None:
        """The item shown (None when nothing is)."""
        return self._detail.item_id if self._detail is not None else None

    def _header_labels(self) -> tuple[tuple[str, QLabel], ...]:
        return (
            ("Subject", self.subject),
            ("From", self.from_),
            ("To", self.to),
            ("Cc", self.cc),
        )

    def selected_spans(self) -> list[Span]:
        """What is selected, as an exact span of the body or of a header shown verbatim."""
        d = self._detail
        if d is None:
            return []
        out: list[Span] = []
        cursor = self.body.textCursor()
        if cursor.hasSelection() and self._body_map is not None:
            covered = self._body_map.to_text(cursor.selectionStart(), cursor.selectionEnd())
            if covered is not None:
                start, end = covered
                out.append((d.item_id, "text", start, end, d.text[start:end]))
        headers = d.meta.get("headers")
        if isinstance(headers, dict):
            for name, label in self._header_labels():
                if not label.hasSelectedText():
                    continue
                value = headers.get(name)
                shown = label.text()
                if not isinstance(value, str) or value != shown:
                    continue  # shown folded or decoded differently: no exact span
                span_map = SpanMap.align(value, shown)
                picked = label.selectedText()
                first = label.selectionStart()
                covered = (
                    span_map.to_text(first, first + len(picked.encode("utf-16-le")) // 2)
                    if span_map is not None
                    else None
                )
                if covered is not None:
                    start, end = covered
                    out.append((d.item_id, f"header:{name}", start, end, value[start:end]))
        return out

    def set_redactions(self, rows: list[RedactionRow], show_rejected: bool = False) -> None:
        """Mark the redacted spans of the body."""
        mark_text_spans(self.body, self._body_map, self.item_id, rows, show_rejected)
