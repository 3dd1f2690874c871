"""The sources model: every imported file, embedded files under their container."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from app.model import SourceRow
from ui import display, theme
from ui.models.base import Index, ReadOnlyTableModel

MAX_WARNINGS_IN_TOOLTIP = 15


def _in_tree_order(rows: list[SourceRow]) -> list[tuple[SourceRow, int]]:
    """Rows with their nesting depth, each embedded file right after its container."""
    children: dict[int | None, list[SourceRow]] = {}
    for r in rows:
        children.setdefault(r.parent_id, []).append(r)
    known = {r.id for r in rows}
    out: list[tuple[SourceRow, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for r in children.get(parent, []):
            out.append((r, depth))
            walk(r.id, depth + 1)

    walk(None, 0)
    # A child whose parent is missing (should not happen) is still shown.
    for parent, group in children.items():
        if parent is not None and parent not in known:
            out.extend((r, 0) for r in group)
    return out


class SourcesModel(ReadOnlyTableModel):
    """One row per source: name, how it was read, items, status, warnings."""

    NAME, IMPORTER, ITEMS, STATUS, WARNINGS = range(5)
    HEADERS = ("Name", "Read as", "Items", "Status", "Warnings")

    RowRole = Qt.ItemDataRole.UserRole + 1  # the SourceRow
    SourceIdRole = Qt.ItemDataRole.UserRole + 2  # int
    DepthRole = Qt.ItemDataRole.UserRole + 3  # 0 for a file, 1+ for an embedded file

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[SourceRow, int]] = []
        self._by_id: dict[int, SourceRow] = {}

    def set_rows(self, rows: list[SourceRow]) -> None:
        """Show these sources."""
        self.beginResetModel()
        self._rows = _in_tree_order(rows)
        self._by_id = {r.id: r for r in rows}
        self.endResetModel()

    def source(self, source_id: int) -> SourceRow | None:
        """A source by id."""
        return self._by_id.get(source_id)

    def row_at(self, row: int) -> SourceRow | None:
        """The source at a table row."""
        return self._rows[row][0] if 0 <= row < len(self._rows) else None

    def _count(self) -> int:
        return len(self._rows)

    def _header_extra(self, section: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and section in (self.ITEMS, self.WARNINGS):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r, depth = self._rows[index.row()]
        col = index.column()
        duplicate = r.duplicate_of is not None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, depth, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(r, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col in (self.ITEMS, self.WARNINGS):
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ForegroundRole and (
            duplicate or (col == self.WARNINGS and not r.warnings)
        ):
            return theme.muted()
        if role == Qt.ItemDataRole.FontRole and duplicate and col == self.NAME:
            font = QFont()
            font.setItalic(True)
            return font
        if role == self.RowRole:
            return r
        if role == self.SourceIdRole:
            return r.id
        if role == self.DepthRole:
            return depth
        return None

    def _display(self, r: SourceRow, depth: int, col: int) -> str:
        if col == self.NAME:
            return ("    " * (depth - 1) + "↳ " if depth else "") + r.name
        if col == self.IMPORTER:
            return r.importer
        if col == self.ITEMS:
            return "–" if r.duplicate_of is not None else f"{r.item_count:,}"
        if col == self.STATUS:
            if r.duplicate_of is not None:
                return "Duplicate"
            return "Embedded" if depth else "Imported"
        if col == self.WARNINGS:
            return f"⚠ {len(r.warnings)}" if r.warnings else "–"
        return ""

    def _tooltip(self, r: SourceRow, col: int) -> str | None:
        if col == self.WARNINGS and r.warnings:
            shown = [f"• {w}" for w in r.warnings[:MAX_WARNINGS_IN_TOOLTIP]]
            more = len(r.warnings) - MAX_WARNINGS_IN_TOOLTIP
            if more > 0:
                shown.append(f"… and {more} more")
            return f"{display.plural(len(r.warnings), 'warning')}:\n" + "\n".join(shown)
        if col == self.STATUS and r.duplicate_of is not None:
            original = self._by_id.get(r.duplicate_of)
            named = f" ({original.name})" if original else ""
            return (
                f"Same content as source #{r.duplicate_of}{named}: "
                "recorded, but not read a second time."
            )
        lines = [f"#{r.id} {r.name}", r.path, f"SHA-256 {r.sha256}", f"{r.size:,} bytes · {r.mime}"]
        lines.append(f"Imported by {r.imported_by}")
        return "\n".join(lines)
