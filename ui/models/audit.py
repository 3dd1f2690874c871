"""The audit model: the newest entries of the case's hash-chained log, in plain words."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt

from app.model import AuditRow
from ui import display
from ui.models.audit_review import ACTIONS as REVIEW_ACTIONS
from ui.models.audit_review import review_summary
from ui.models.base import Index, ReadOnlyTableModel

ACTIONS = {
    "case.create": "Case created",
    "import": "Imported",
    "import.duplicate": "Duplicate recorded",
    "import.failed": "Import failed",
    "ocr": "Text read by OCR",
    "setting": "Setting changed",
    **REVIEW_ACTIONS,
}


def summary(row: AuditRow) -> str:
    """One line saying what an entry recorded."""
    if (said := review_summary(row)) is not None:
        return said
    p = row.payload
    if row.action == "case.create":
        return f"{p.get('name', '')}, times in {p.get('zone', '')}"
    if row.action == "import":
        items = display.plural(int(p.get("items", 0)), "item")
        extra = f", {display.plural(int(p['warnings']), 'warning')}" if p.get("warnings") else ""
        importer = str(p.get("importer", "")).split("/")[0]  # "text/1": name and version
        return f"{p.get('name', '')} — {items}{extra}, read as {importer}"
    if row.action == "import.duplicate":
        return f"{p.get('name', '')} — same content as source #{p.get('duplicate_of', '?')}"
    if row.action == "import.failed":
        return f"{p.get('path', '')} — {p.get('reason', '')}"
    if row.action == "ocr":
        pages = p.get("pages") or []
        where = f", {display.plural(len(pages), 'page')}" if len(pages) > 1 else ""
        words = display.plural(int(p.get("words", 0)), "word")
        return f"item #{p.get('item_id', '?')} — {words}{where}, by {p.get('engine', '?')}"
    if row.action == "setting":
        previous = p.get("previous")
        before = "unset" if previous is None else str(previous)
        return f"{p.get('key', '')}: {before} → {p.get('value', '')}"
    return ", ".join(f"{k}: {v}" for k, v in p.items())


class AuditModel(ReadOnlyTableModel):
    """Audit entries, newest first: number, time, user, action, summary."""

    SEQ, TIME, USER, ACTION, SUMMARY = range(5)
    HEADERS = ("#", "Time", "User", "Action", "Details")

    RowRole = Qt.ItemDataRole.UserRole + 1  # the AuditRow

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[AuditRow] = []
        self._tz = ZoneInfo("UTC")

    def set_rows(self, rows: list[AuditRow], zone_name: str = "UTC") -> None:
        """Show these entries, times in `zone_name`."""
        self.beginResetModel()
        self._rows = rows
        self._tz = ZoneInfo(zone_name)
        self.endResetModel()

    def _count(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.SEQ:
                return str(r.seq)
            if col == self.TIME:
                return display.local_time(r.ts_us, self._tz)
            if col == self.USER:
                return r.user
            if col == self.ACTION:
                return ACTIONS.get(r.action) or r.action.replace(".", " ").capitalize()
            return summary(r)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.SUMMARY:
                return "\n".join(f"{k}: {v}" for k, v in r.payload.items())
            if col == self.SEQ:
                return f"Entry {r.seq}, SHA-256 {r.hash}"
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col == self.SEQ:
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if role == self.RowRole:
            return r
        return None
