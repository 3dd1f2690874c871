"""The tagger panel: the case's charges and their numbered elements, a type-ahead to tag the
chosen timeline items, the current item's tags, and (when asked for) suggested tags.

The panel only shows and asks; the TaggerController runs every edit as an undoable command.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.tagging.model import TagRow, element_key
from app.tagging.suggest import Suggestion
from ui import display, theme
from ui.tagging.elements import (
    KEYED,
    ElementEntry,
    charge_name,
    child_items,
    day_range,
    top_items,
)

log = logging.getLogger(__name__)

KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # the element key on element rows
CHARGE_ROLE = Qt.ItemDataRole.UserRole + 2  # the charge id on charge rows
SUGGESTED_TEXT = "Suggested — not evidence until accepted"
NO_CHARGES_TEXT = "No charges yet. Add the offences being considered with “Add charge…”."
QUOTE_LIMIT = 40  # characters of a span tag's words in the list of the item's tags


def _muted(label: QLabel) -> QLabel:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), theme.muted())
    label.setPalette(palette)
    return label


def tag_where(tag: TagRow, quote: str = "") -> str:
    """Where on its item a tag lies, for people: the words of a span, or a page's box
    ("page 2, box 228×40 at 72, 100" in the page's points, pixels on a picture); "" for a
    whole item."""
    if tag.start is not None and tag.end is not None:
        if quote:
            return f"“{display.one_line(quote, QUOTE_LIMIT)}”"
        return f"characters {tag.start}–{tag.end}"
    if tag.box is not None:
        x0, y0, x1, y1 = tag.box
        return f"page {tag.page}, box {x1 - x0:.0f}×{y1 - y0:.0f} at {x0:.0f}, {y0:.0f}"
    if tag.page is not None:
        return f"page {tag.page}"
    return ""


class TypeAhead(QLineEdit):
    """The tagger's type-ahead: Up/Down move among the matching elements, Enter tags, Esc
    clears and gives the focus back."""

    moved = Signal(int)  # -1 up, +1 down
    escaped = Signal()

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.moved.emit(-1 if e.key() == Qt.Key.Key_Up else 1)
            return
        if e.key() == Qt.Key.Key_Escape:
            self.clear()
            self.escaped.emit()
            return
        super().keyPressEvent(e)

    def event(self, e: QEvent) -> bool:
        # Esc belongs to the box while it has focus, not to the window's Cancel action.
        if (
            e.type() == QEvent.Type.ShortcutOverride
            and isinstance(e, QKeyEvent)
            and e.key() == Qt.Key.Key_Escape
        ):
            e.accept()
            return True
        return super().event(e)


class TaggerPanel(QWidget):
    """Charges with numbered elements; tag, untag, add and remove charges, suggestions."""

    tag_requested = Signal(str)  # an element key: tag the chosen timeline items with it
    untag_requested = Signal(object)  # a TagRow of the current item to remove
    add_charge_requested = Signal()
    remove_charge_requested = Signal(int)  # a charge id
    suggestions_toggled = Signal(bool)
    accept_requested = Signal(object)  # list[Suggestion]
    reject_requested = Signal(object)  # list[Suggestion]
    suggestion_chosen = Signal(int)  # an item id: show it in the timeline
    done = Signal()  # Esc in the type-ahead: back to the timeline

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagger-panel")
        self.writable = True  # off for a case opened read-only
        self.entries: list[ElementEntry] = []
        self.counts: dict[str, int] = {}
        self.current_tags: list[TagRow] = []
        self.suggestions: list[Suggestion] = []
        self.selected_count = 0

        self.add_button = QPushButton("&Add charge…")
        self.add_button.setObjectName("tagger-add-charge")
        self.add_button.setToolTip("Add an offence being considered, with the dates of the conduct")
        self.add_button.clicked.connect(self.add_charge_requested)
        self.remove_button = QPushButton("Remove charge")
        self.remove_button.setObjectName("tagger-remove-charge")
        self.remove_button.setToolTip("Remove the chosen charge and its tags (can be undone)")
        self.remove_button.clicked.connect(self._remove_clicked)
        title = QLabel("Charges and points to prove")
        title.setWordWrap(True)  # the dock can be narrower than the heading and its buttons
        bold = title.font()
        bold.setBold(True)
        title.setFont(bold)
        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.remove_button)

        self.type_ahead = TypeAhead()
        self.type_ahead.setObjectName("tagger-type-ahead")
        self.type_ahead.setPlaceholderText("Tag with… type words of an element, Enter")
        self.type_ahead.setAccessibleName("Tag the chosen items with an element")
        self.type_ahead.setToolTip(
            "Type part of an element's text, its id or number; Up/Down choose, Enter tags the "
            "items chosen in the timeline, Esc goes back (Ctrl+T)"
        )
        self.type_ahead.setClearButtonEnabled(True)
        self.type_ahead.textChanged.connect(self._filter)
        self.type_ahead.returnPressed.connect(self._tag_current)
        self.type_ahead.moved.connect(self._move)
        self.type_ahead.escaped.connect(self.done)

        self.tree = QTreeWidget()
        self.tree.setObjectName("tagger-elements")
        self.tree.setAccessibleName("The charges' elements")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Key", "Element (point to prove)", "Items"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(False)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setItemsExpandable(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        # Room for a charge and its elements without scrolling, even beside a tall viewer.
        self.tree.setMinimumHeight(7 * (self.tree.fontMetrics().height() + 3))
        self.tree.itemActivated.connect(lambda item, _col: self._activate(item))
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.empty = _muted(QLabel(NO_CHARGES_TEXT))
        self.empty.setWordWrap(True)
        self.warnings = QLabel()
        self.warnings.setObjectName("tagger-warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        palette = self.warnings.palette()
        palette.setColor(self.warnings.foregroundRole(), theme.amber())
        self.warnings.setPalette(palette)
        self.warnings.hide()

        self.note = QLineEdit()
        self.note.setObjectName("tagger-note")
        self.note.setPlaceholderText("Note for the next tags (optional)")
        self.note.setAccessibleName("Note kept with the next tags")
        self.note.setClearButtonEnabled(True)

        self.selection_label = _muted(QLabel())
        self.selection_label.setObjectName("tagger-selection")
        self.selection_label.setWordWrap(True)

        self.item_box = QWidget()
        self.item_title = QLabel("Tags of the current item")
        self.item_tags = QListWidget()
        self.item_tags.setObjectName("tagger-item-tags")
        self.item_tags.setAccessibleName("Tags of the current item")
        self.item_tags.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.item_tags.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.item_tags.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.item_tags.setUniformItemSizes(True)
        rows = self.item_tags.fontMetrics().height() + 4
        self.item_tags.setMaximumHeight(3 * rows + 6)
        self.untag_button = QPushButton("&Untag")
        self.untag_button.setObjectName("tagger-untag")
        self.untag_button.setToolTip("Remove the chosen tag from the current item (can be undone)")
        self.untag_button.clicked.connect(self._untag_clicked)
        item_layout = QVBoxLayout(self.item_box)
        item_layout.setContentsMargins(0, 4, 0, 0)
        untag_row = QHBoxLayout()
        untag_row.addWidget(self.item_title, 1)
        untag_row.addWidget(self.untag_button)
        item_layout.addLayout(untag_row)
        item_layout.addWidget(self.item_tags)

        self.suggest_box = QWidget()
        self.suggest_toggle = QCheckBox("&Show suggested tags")
        self.suggest_toggle.setObjectName("tagger-suggest-toggle")
        self.suggest_toggle.setToolTip(
            "Propose tags from keyword rules, for you to accept or reject; nothing is tagged "
            "until you accept"
        )
        self.suggest_toggle.toggled.connect(self._suggest_toggled)
        self.suggest_note = QLabel(SUGGESTED_TEXT)
        self.suggest_note.setObjectName("tagger-suggest-note")
        note_font = self.suggest_note.font()
        note_font.setItalic(True)
        self.suggest_note.setFont(note_font)
        self.suggest_list = QListWidget()
        self.suggest_list.setObjectName("tagger-suggestions")
        self.suggest_list.setAccessibleName(SUGGESTED_TEXT)
        self.suggest_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.suggest_list.itemSelectionChanged.connect(self._update_buttons)
        self.suggest_list.currentItemChanged.connect(self._suggestion_current)
        self.accept_button = QPushButton("Accept")
        self.accept_button.setObjectName("tagger-accept")
        self.accept_button.setToolTip("Tag the items as suggested (can be undone)")
        self.accept_button.clicked.connect(lambda: self.accept_requested.emit(self.chosen()))
        self.reject_button = QPushButton("Reject")
        self.reject_button.setObjectName("tagger-reject")
        self.reject_button.setToolTip("Do not suggest these again (can be undone)")
        self.reject_button.clicked.connect(lambda: self.reject_requested.emit(self.chosen()))
        suggest_layout = QVBoxLayout(self.suggest_box)
        suggest_layout.setContentsMargins(0, 4, 0, 0)
        suggest_layout.addWidget(self.suggest_toggle)
        suggest_layout.addWidget(self.suggest_note)
        suggest_layout.addWidget(self.suggest_list, 1)
        suggest_buttons = QHBoxLayout()
        suggest_buttons.addStretch(1)
        suggest_buttons.addWidget(self.accept_button)
        suggest_buttons.addWidget(self.reject_button)
        suggest_layout.addLayout(suggest_buttons)
        self._suggest_parts: tuple[QWidget, ...] = (
            self.suggest_note,
            self.suggest_list,
            self.accept_button,
            self.reject_button,
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.type_ahead)
        layout.addWidget(self.tree, 3)
        layout.addWidget(self.empty)
        layout.addWidget(self.warnings)
        layout.addWidget(self.note)
        layout.addWidget(self.selection_label)
        layout.addWidget(self.item_box)
        layout.addWidget(self.suggest_box)
        self.main_layout = layout
        self._suggest_toggled(False)
        self.set_selection(0, [])
        self._update_buttons()

    # -- contents ---------------------------------------------------------------------------

    def set_elements(self, entries: Sequence[ElementEntry], counts: dict[str, int]) -> None:
        """Show these numbered elements grouped by charge, with their item counts."""
        current = self.current_key()
        charge_now = self.current_charge()
        self.entries = list(entries)
        self.counts = dict(counts)
        self.tree.clear()
        charge_items: dict[int, QTreeWidgetItem] = {}
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for entry in self.entries:
            charge = entry.charge
            parent = charge_items.get(charge.id)
            if parent is None:
                parent = QTreeWidgetItem(self.tree)
                warn = " ⚠" if charge.warnings else ""
                dates = day_range(charge.from_date, charge.to_date)
                parent.setText(0, f"{charge_name(charge)}  ·  {dates}{warn}")
                parent.setFont(0, bold)
                parent.setForeground(0, QColor(entry.colour))
                tip = [charge.offence.name, f"{charge.offence.statute} {charge.offence.section}"]
                if charge.offence.unverified:
                    tip.append(f"Unverified: {charge.offence.unverified}")
                tip.extend(f"⚠ {w}" for w in charge.warnings)
                if charge.note:
                    tip.append(f"Note: {charge.note}")
                parent.setToolTip(0, "\n".join(t for t in tip if t.strip()))
                parent.setData(0, CHARGE_ROLE, charge.id)
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                parent.setFirstColumnSpanned(True)
                charge_items[charge.id] = parent
            item = QTreeWidgetItem(parent)
            item.setText(0, str(entry.number) if entry.number <= KEYED else "")
            item.setTextAlignment(0, Qt.AlignmentFlag.AlignCenter)
            text = entry.short
            if entry.element.unverified:
                text += "  (unverified)"
            item.setText(1, text)
            count = self.counts.get(entry.key, 0)
            item.setText(2, str(count))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if count == 0:
                item.setForeground(2, theme.muted())
            tip = [f"{entry.number} · {entry.element.id}", entry.element.text]
            if entry.element.course_of_conduct:
                tip.append("Course of conduct: needs at least two occasions.")
            if entry.unverified:
                tip.append(f"Unverified: {entry.unverified}")
            if entry.element.typical_evidence:
                tip.append("Typical evidence:")
                tip.extend(f"• {t}" for t in entry.element.typical_evidence[:4])
            item.setToolTip(1, "\n".join(tip))
            item.setToolTip(
                0, f"Press {entry.number} in the timeline" if entry.number <= KEYED else ""
            )
            item.setToolTip(2, f"{display.plural(count, 'item')} tagged")
            item.setData(0, KEY_ROLE, entry.key)
        self.tree.expandAll()
        has = bool(self.entries)
        self.tree.setVisible(has)
        self.empty.setVisible(not has)
        self.type_ahead.setEnabled(has and self.writable)
        self._filter(self.type_ahead.text())
        if current and not self._select_key(current) and charge_now is not None:
            self._select_charge(charge_now)
        self._update_buttons()

    def set_selection(
        self, count: int, tags: Sequence[TagRow], quotes: Mapping[int, str] | None = None
    ) -> None:
        """How many timeline items are chosen, and the tags of the current one (`quotes`:
        the text each span tag covers, by tag id)."""
        self.selected_count = count
        if count == 0:
            text = "Choose items in the timeline to tag them."
        elif count == 1:
            text = "1 item chosen: press 1–9 in the timeline, or Ctrl+T, to tag it."
        else:
            text = f"{count:,} items chosen: press 1–9 in the timeline, or Ctrl+T, to tag them."
        self.selection_label.setText(text)
        self.current_tags = list(tags)
        by_key = {e.key: e for e in self.entries}
        self.item_tags.clear()
        for tag in self.current_tags:
            entry = by_key.get(element_key(tag.charge_id, tag.element_id))
            where = tag_where(tag, (quotes or {}).get(tag.id, ""))
            # Where first: the element's text is long and is cut at the right.
            what = f"{entry.number} · " if entry else ""
            label = what + (f"{where} — " if where else "")
            label += entry.label if entry else tag.element_id
            if tag.origin == "suggestion":
                label += " · accepted suggestion"
            if tag.note:
                label += f" — {tag.note}"
            row = QListWidgetItem(label)
            row.setToolTip(
                f"{entry.element.text if entry else tag.element_id}\nTagged by {tag.created_by}"
                + (f"\nWhere: {where}" if where else "")
                + (f"\nNote: {tag.note}" if tag.note else "")
            )
            self.item_tags.addItem(row)
        if not self.current_tags:
            empty = QListWidgetItem("No tags" if count else "No item chosen")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.item_tags.addItem(empty)
        else:
            self.item_tags.setCurrentRow(0)
        self._update_buttons()

    def set_suggestions(self, suggestions: Sequence[Suggestion]) -> None:
        """Show these suggested tags (the toggle stays as it is)."""
        self.suggestions = list(suggestions)
        by_key = {e.key: e for e in self.entries}
        self.suggest_list.clear()
        for n, s in enumerate(self.suggestions):
            entry = by_key.get(element_key(s.charge_id, s.element_id))
            what = f"{entry.number} · {entry.label}" if entry else s.element_id
            row = QListWidgetItem(
                f"Item #{s.item_id} → {what}\n“{display.one_line(s.excerpt, 90)}”"
            )
            row.setToolTip(f"Rule: {s.rule_label or s.rule}\n{s.excerpt}")
            row.setData(Qt.ItemDataRole.UserRole, n)
            self.suggest_list.addItem(row)
        if self.suggest_toggle.isChecked() and not self.suggestions:
            none = QListWidgetItem("No suggestions for the case's charges.")
            none.setFlags(Qt.ItemFlag.NoItemFlags)
            self.suggest_list.addItem(none)
        self._update_buttons()

    # -- reading ------------------------------------------------------------------------------

    def set_item_title(self, text: str) -> None:
        """Name the item whose tags are listed."""
        self.item_title.setText(text)

    def note_text(self) -> str:
        """The note to keep with the next tags."""
        return self.note.text().strip()

    def current_key(self) -> str:
        """The element key of the chosen element row, or ""."""
        item = self.tree.currentItem()
        return str(item.data(0, KEY_ROLE) or "") if item is not None else ""

    def current_charge(self) -> int | None:
        """The charge of the chosen row (a charge or one of its elements), or None."""
        item = self.tree.currentItem()
        if item is None:
            return None
        parent = item.parent()
        value = (parent or item).data(0, CHARGE_ROLE)
        return int(value) if value is not None else None

    def chosen(self) -> list[Suggestion]:
        """The suggestions chosen in the list."""
        out: list[Suggestion] = []
        for row in self.suggest_list.selectedItems():
            n = row.data(Qt.ItemDataRole.UserRole)
            if isinstance(n, int) and 0 <= n < len(self.suggestions):
                out.append(self.suggestions[n])
        return out

    def element_rows(self) -> list[QTreeWidgetItem]:
        """Every element row of the tree, in order."""
        return [child for top in top_items(self.tree) for child in child_items(top)]

    # -- behaviour ----------------------------------------------------------------------------

    def focus_type_ahead(self) -> None:
        """Move the focus to the type-ahead, its text selected."""
        self.type_ahead.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.type_ahead.selectAll()

    def _filter(self, text: str) -> None:
        words = text.strip()
        by_key = {e.key: e for e in self.entries}
        first: QTreeWidgetItem | None = None
        for top in top_items(self.tree):
            shown = 0
            for child in child_items(top):
                entry = by_key.get(str(child.data(0, KEY_ROLE)))
                ok = entry is not None and (not words or entry.matches(words))
                child.setHidden(not ok)
                if ok:
                    shown += 1
                    if first is None:
                        first = child
            top.setHidden(shown == 0)
        if words:
            current = self.tree.currentItem()
            if first is not None and (
                current is None or current.isHidden() or current.parent() is None
            ):
                self.tree.setCurrentItem(first)

    def _visible_rows(self) -> list[QTreeWidgetItem]:
        return [r for r in self.element_rows() if not r.isHidden()]

    def _move(self, delta: int) -> None:
        rows = self._visible_rows()
        if not rows:
            return
        current = self.tree.currentItem()
        at = rows.index(current) if current in rows else (-1 if delta > 0 else len(rows))
        self.tree.setCurrentItem(rows[max(0, min(len(rows) - 1, at + delta))])

    def _tag_current(self) -> None:
        current = self.tree.currentItem()
        rows = self._visible_rows()
        if current is None or current.isHidden() or current not in rows:
            current = rows[0] if rows else None
        if current is not None:
            self.tag_requested.emit(str(current.data(0, KEY_ROLE)))

    def _activate(self, item: QTreeWidgetItem) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.tag_requested.emit(str(key))

    def _select_key(self, key: str) -> bool:
        for row in self.element_rows():
            if row.data(0, KEY_ROLE) == key:
                self.tree.setCurrentItem(row)
                return True
        return False

    def _select_charge(self, charge_id: int) -> None:
        for top in top_items(self.tree):
            if top.data(0, CHARGE_ROLE) == charge_id:
                self.tree.setCurrentItem(top)
                return

    def _remove_clicked(self) -> None:
        charge_id = self.current_charge()
        if charge_id is not None:
            self.remove_charge_requested.emit(charge_id)

    def _untag_clicked(self) -> None:
        row = self.item_tags.currentRow()
        if 0 <= row < len(self.current_tags):
            self.untag_requested.emit(self.current_tags[row])

    def _suggest_toggled(self, on: bool) -> None:
        for w in self._suggest_parts:
            w.setVisible(on)
        # Shown, the suggestions share the height with the elements; hidden, only the switch.
        if hasattr(self, "main_layout"):
            self.main_layout.setStretchFactor(self.suggest_box, 2 if on else 0)
        self.suggestions_toggled.emit(on)
        self._update_buttons()

    def _suggestion_current(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is None:
            return
        n = current.data(Qt.ItemDataRole.UserRole)
        if isinstance(n, int) and 0 <= n < len(self.suggestions):
            self.suggestion_chosen.emit(self.suggestions[n].item_id)

    def set_writable(self, writable: bool) -> None:
        """Turn the editing buttons off for a case opened read-only (on again otherwise)."""
        self.writable = writable
        self.add_button.setEnabled(writable)
        self.type_ahead.setEnabled(writable and bool(self.entries))
        self._update_buttons()

    def _update_buttons(self) -> None:
        writable = self.writable
        charge_id = self.current_charge()
        self.remove_button.setEnabled(writable and charge_id is not None)
        charge = next((e.charge for e in self.entries if e.charge.id == charge_id), None)
        if charge is not None and charge.warnings:
            self.warnings.setText("\n".join(f"⚠ {w}" for w in charge.warnings))
            self.warnings.show()
        else:
            self.warnings.hide()
        self.untag_button.setEnabled(
            writable and 0 <= self.item_tags.currentRow() < len(self.current_tags)
        )
        chosen = writable and bool(self.chosen())
        self.accept_button.setEnabled(chosen)
        self.reject_button.setEnabled(chosen)
