"""The redaction log: every redaction of a set, filterable, reviewed from the keyboard.

A (approve), X (reject), P (back to proposed), Del (delete), Enter or a double-click (go to
the item). The panel only asks: the controller turns each request into an undoable command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.redaction.model import RedactionKind, RedactionRow, RedactionSetRow, RedactionState
from app.redaction.store import reason_label, reasons
from ui import display, theme
from ui.models.base import Index, ReadOnlyTableModel
from ui.redaction.overlay import PROPOSED
from ui.views.tables import make_table, set_widths

STATES = ("proposed", "approved", "rejected")
QUOTE_LIMIT = 80


def where_text(row: RedactionRow) -> str:
    """Where a redaction lies, for people: "page 2, box 120×14 pt", "text 5–16"."""
    if row.kind == RedactionKind.REGION and row.box is not None:
        x0, y0, x1, y1 = row.box
        size = f"{x1 - x0:.0f}×{y1 - y0:.0f}"
        return f"page {row.page}, box {size}" if row.page else f"box {size}"
    if row.kind == RedactionKind.SPAN:
        target = "text" if row.target == "text" else row.target.replace("header:", "")
        return f"{target} {row.start}–{row.end}"
    if row.kind == RedactionKind.METADATA:
        return f"metadata: {row.target}"
    return "whole item"


class RedactionLogModel(ReadOnlyTableModel):
    """The redactions of one set; `set_filter` narrows the rows shown."""

    ITEM, WHERE, QUOTE, REASON, STATE, ORIGIN, WHO, WHEN = range(8)
    HEADERS = ("Item", "Where", "Quote", "Reason", "State", "Origin", "Who", "When")

    IdRole = Qt.ItemDataRole.UserRole + 1
    ItemIdRole = Qt.ItemDataRole.UserRole + 2
    RowRole = Qt.ItemDataRole.UserRole + 3

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[RedactionRow] = []
        self._rows: list[RedactionRow] = []
        self._items: Mapping[int, str] = {}
        self._tz = ZoneInfo("UTC")
        self._state = ""
        self._reason = ""
        self._text = ""

    def _count(self) -> int:
        return len(self._rows)

    # -- content ----------------------------------------------------------------------

    def set_rows(
        self, rows: Sequence[RedactionRow], items: Mapping[int, str], zone_name: str = "UTC"
    ) -> None:
        """Show these redactions; `items` describes each item in a few words."""
        self.beginResetModel()
        self._all = list(rows)
        self._items = dict(items)
        self._tz = ZoneInfo(zone_name)
        self._rows = self._filtered()
        self.endResetModel()

    def set_filter(self, state: str = "", reason: str = "", text: str = "") -> None:
        """Show only one state, one reason code, and rows whose words contain `text`."""
        self.beginResetModel()
        self._state, self._reason, self._text = state, reason, text.casefold().strip()
        self._rows = self._filtered()
        self.endResetModel()

    def _filtered(self) -> list[RedactionRow]:
        out = []
        for r in self._all:
            if self._state and r.state != self._state:
                continue
            if self._reason and r.reason != self._reason:
                continue
            if self._text:
                hay = " ".join(
                    (self._items.get(r.item_id, ""), r.quote, r.note, r.origin, r.created_by)
                ).casefold()
                if self._text not in hay:
                    continue
            out.append(r)
        return out

    @property
    def all_rows(self) -> list[RedactionRow]:
        """Every redaction of the set, filtered or not."""
        return list(self._all)

    def row_at(self, row: int) -> RedactionRow | None:
        """The redaction shown on `row`."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, redaction_id: int) -> int:
        """The row showing a redaction, -1 when it is not shown."""
        return next((i for i, r in enumerate(self._rows) if r.id == redaction_id), -1)

    def item_text(self, item_id: int) -> str:
        """The short description of an item."""
        return self._items.get(item_id, f"item #{item_id}")

    # -- cells ------------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = self.row_at(index.row()) if index.isValid() else None
        if r is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text_of(r, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.QUOTE and r.quote:
                return r.quote
            if col == self.REASON:
                return reason_label(r.reason)
            if col == self.ITEM:
                return self.item_text(r.item_id)
            if col == self.WHO and r.reviewed_by:
                when = display.local_time(r.reviewed_at_us or 0, self._tz)
                return f"Proposed by {r.created_by}; {r.state} by {r.reviewed_by}, {when}"
            return None
        if role == Qt.ItemDataRole.ForegroundRole and col == self.STATE:
            if r.state == RedactionState.PROPOSED:
                return QBrush(PROPOSED)
            if r.state == RedactionState.REJECTED:
                return QBrush(theme.muted())
        if (
            role == Qt.ItemDataRole.FontRole
            and col == self.STATE
            and r.state == RedactionState.APPROVED
        ):
            font = QFont()
            font.setBold(True)
            return font
        if role == self.IdRole:
            return r.id
        if role == self.ItemIdRole:
            return r.item_id
        if role == self.RowRole:
            return r
        return None

    def _text_of(self, r: RedactionRow, col: int) -> str:
        if col == self.ITEM:
            return self.item_text(r.item_id)
        if col == self.WHERE:
            return where_text(r)
        if col == self.QUOTE:
            return display.one_line(r.quote, QUOTE_LIMIT) if r.quote else ""
        if col == self.REASON:
            return f"{r.reason} — {reason_label(r.reason)}"
        if col == self.STATE:
            return str(r.state)
        if col == self.ORIGIN:
            return r.origin
        if col == self.WHO:
            return r.reviewed_by or r.created_by
        if col == self.WHEN:
            when = r.reviewed_at_us or r.created_at_us
            return display.local_time(when, self._tz)[:16] if when else ""
        return ""


def _button(text: str, tip: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setObjectName(name)
    return button


class RedactionLogPanel(QWidget):
    """The "Redactions" dock's content: set picker, filters, the table, review buttons."""

    set_chosen = Signal(str)
    new_set_requested = Signal()
    review_requested = Signal(object, str)  # tuple of ids, the new state
    delete_requested = Signal(object)  # tuple of ids
    jump_requested = Signal(int)  # item id
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("redaction-log")
        self.model = RedactionLogModel(self)

        self.set_box = QComboBox()
        self.set_box.setObjectName("redaction-set")
        self.set_box.setAccessibleName("Redaction set")
        self.set_box.setToolTip("The redaction set shown, and drawn on the viewers")
        self.set_box.activated.connect(
            lambda _i: self.set_chosen.emit(self.set_box.currentData() or "")
        )
        self.new_set = _button("New set…", "Create a redaction set (e.g. court)", "new-set")
        self.new_set.clicked.connect(self.new_set_requested)
        self.state_box = QComboBox()
        self.state_box.setObjectName("redaction-state-filter")
        self.state_box.setAccessibleName("Show the redactions in this state")
        self.state_box.addItem("Every state", "")
        for state in STATES:
            self.state_box.addItem(state.capitalize(), state)
        self.reason_box = QComboBox()
        self.reason_box.setObjectName("redaction-reason-filter")
        self.reason_box.setAccessibleName("Show the redactions with this reason")
        self.reason_box.addItem("Every reason", "")
        for reason in reasons():
            self.reason_box.addItem(f"{reason.code} — {reason.label}", reason.code)
        self.text_box = QLineEdit()
        self.text_box.setObjectName("redaction-text-filter")
        self.text_box.setPlaceholderText("Filter: item, quote, note, who")
        self.text_box.setAccessibleName("Filter the redactions by their words")
        self.text_box.setClearButtonEnabled(True)
        for box in (self.state_box, self.reason_box):
            box.currentIndexChanged.connect(self._filter)
        self.text_box.textChanged.connect(self._filter)

        self.table = make_table("redaction-table", "Redactions")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.doubleClicked.connect(lambda _index: self.jump())
        self.table.activated.connect(lambda _index: self.jump())
        fm = self.table.fontMetrics()
        char = fm.averageCharWidth()
        m = RedactionLogModel
        set_widths(
            self.table,
            {
                m.ITEM: 34 * char,
                m.WHERE: 19 * char,
                m.QUOTE: 20 * char,
                m.REASON: 24 * char,
                m.STATE: 12 * char,
                m.ORIGIN: 10 * char,
                m.WHO: 9 * char,
            },
        )

        self.approve_button = _button("Approve", "Approve the chosen redactions (A)", "approve")
        self.reject_button = _button("Reject", "Reject the chosen redactions (X)", "reject")
        self.propose_button = _button(
            "Back to proposed", "Send the chosen redactions back to review (P)", "re-propose"
        )
        self.delete_button = _button("Delete", "Delete the chosen redactions (Del)", "delete")
        self.jump_button = _button("Go to item", "Show the item in the timeline (Enter)", "jump")
        self.export_button = _button("Export CSV…", "Save the set's redactions as CSV", "export")
        self.approve_button.clicked.connect(lambda: self.review(RedactionState.APPROVED))
        self.reject_button.clicked.connect(lambda: self.review(RedactionState.REJECTED))
        self.propose_button.clicked.connect(lambda: self.review(RedactionState.PROPOSED))
        self.delete_button.clicked.connect(self.delete)
        self.jump_button.clicked.connect(self.jump)
        self.export_button.clicked.connect(self.export_requested)
        self.summary = QLabel()
        self.summary.setObjectName("redaction-summary")

        for name, keys, slot in (
            ("approve", ["A"], lambda: self.review(RedactionState.APPROVED)),
            ("reject", ["X"], lambda: self.review(RedactionState.REJECTED)),
            ("re-propose", ["P"], lambda: self.review(RedactionState.PROPOSED)),
            ("delete", ["Del", "Backspace"], self.delete),
        ):
            action = QAction(name, self.table)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.table.addAction(action)

        top = QHBoxLayout()
        top.setContentsMargins(8, 6, 8, 0)
        top.addWidget(QLabel("Set"))
        top.addWidget(self.set_box, 1)
        top.addWidget(self.new_set)
        top.addSpacing(12)
        top.addWidget(self.state_box)
        top.addWidget(self.reason_box)
        top.addWidget(self.text_box, 2)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(8, 0, 8, 6)
        for b in (self.approve_button, self.reject_button, self.propose_button, self.delete_button):
            bottom.addWidget(b)
        bottom.addSpacing(12)
        bottom.addWidget(self.jump_button)
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.setFocusProxy(self.table)
        self._update_buttons()
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

    # -- content ----------------------------------------------------------------------

    def set_sets(self, sets: Sequence[RedactionSetRow], current: str) -> None:
        """List the sets (the current one chosen, even when it holds nothing yet)."""
        self.set_box.blockSignals(True)
        self.set_box.clear()
        names = [s.name for s in sets]
        if current and current not in names:
            names.append(current)
        for name in sorted(names):
            counts = next((s.counts for s in sets if s.name == name), {})
            n = sum(counts.values())
            self.set_box.addItem(f"{name} ({n})", name)
        self.set_box.setCurrentIndex(max(0, self.set_box.findData(current)))
        self.set_box.blockSignals(False)

    def set_rows(
        self, rows: Sequence[RedactionRow], items: Mapping[int, str], zone_name: str
    ) -> None:
        """Show the redactions of the current set, keeping the chosen ones chosen."""
        keep = self.selected_ids()
        current = self.table.currentIndex()
        current_id = (
            self.model.data(current, RedactionLogModel.IdRole) if current.isValid() else None
        )
        self.model.set_rows(rows, items, zone_name)
        self._reselect(keep, current_id)
        counts = {s: sum(1 for r in rows if r.state == s) for s in STATES}
        if rows:
            self.summary.setText(
                f"{display.plural(len(rows), 'redaction')}: "
                + ", ".join(f"{counts[s]} {s}" for s in STATES if counts[s])
            )
        else:
            self.summary.setText("No redactions in this set yet.")
        self._update_buttons()

    def _reselect(self, ids: Sequence[int], current_id: object) -> None:
        selection = self.table.selectionModel()
        selection.clear()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for rid in ids:
            row = self.model.row_of(rid)
            if row >= 0:
                selection.select(self.model.index(row, 0), flags)
        if isinstance(current_id, int):
            row = self.model.row_of(current_id)
            if row >= 0:
                selection.setCurrentIndex(
                    self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
                )

    def _filter(self) -> None:
        self.model.set_filter(
            self.state_box.currentData() or "",
            self.reason_box.currentData() or "",
            self.text_box.text(),
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = bool(self.selected_ids())
        for b in (
            self.approve_button,
            self.reject_button,
            self.propose_button,
            self.delete_button,
            self.jump_button,
        ):
            b.setEnabled(chosen)
        self.export_button.setEnabled(bool(self.model.all_rows))

    # -- requests ---------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        """The ids of the chosen redactions, in table order."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        out = []
        for row in rows:
            r = self.model.row_at(row)
            if r is not None:
                out.append(r.id)
        return out

    def select_ids(self, ids: Sequence[int]) -> None:
        """Choose these redactions (those shown)."""
        self._reselect(ids, ids[0] if ids else None)
        self._update_buttons()

    def review(self, state: RedactionState) -> None:
        """Ask to set the chosen redactions to `state`."""
        ids = tuple(self.selected_ids())
        if ids:
            self.review_requested.emit(ids, str(state))

    def delete(self) -> None:
        """Ask to delete the chosen redactions."""
        ids = tuple(self.selected_ids())
        if ids:
            self.delete_requested.emit(ids)

    def jump(self) -> None:
        """Ask to show the item of the current redaction."""
        index = self.table.currentIndex()
        if not index.isValid():
            return
        item_id = self.model.data(index, RedactionLogModel.ItemIdRole)
        if isinstance(item_id, int):
            self.jump_requested.emit(item_id)
