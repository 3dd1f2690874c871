"""The participants of a case grouped into the persons behind them, with suggested links.

Persons are top-level rows with their accounts beneath; participants not attributed to
anyone sit under "Not yet linked". Linking and unlinking are undoable: each is a
`CoreCommand` pushed on the QUndoStack the panel is given.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QStandardItem, QStandardItemModel, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.case import Case
from app.ops import Changes, LinkParticipants, UnlinkParticipants
from app.people import LinkSuggestion, ParticipantRow, participants, suggest_links
from ui.undo import CoreCommand

log = logging.getLogger(__name__)

NOT_LINKED = "Not yet linked"
COLUMNS = ("Name", "Source", "Items")
ID_ROLE = Qt.ItemDataRole.UserRole + 1  # participant id on account rows
PERSON_ROLE = Qt.ItemDataRole.UserRole + 2  # person id on person rows (0 for "Not yet linked")


def account_label(p: ParticipantRow) -> str:
    """How one account is named: its name, then phone or handle when they add something."""
    name = p.name or p.handle or p.phone or f"participant {p.id}"
    extra = [x for x in (p.phone, p.handle) if x and x != name]
    return f"{name} ({', '.join(extra)})" if extra else name


def _cell(text: str, tooltip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    if tooltip:
        item.setToolTip(tooltip)
    return item


def _count(n: int) -> QStandardItem:
    item = _cell(str(n))
    item.setData(n, Qt.ItemDataRole.UserRole)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _per_source(rows: list[ParticipantRow]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r.source_name] += r.items
    return " · ".join(f"{name}: {n}" for name, n in sorted(counts.items()))


class ParticipantsPanel(QWidget):
    """Persons with their accounts, suggested links to accept, link and unlink with undo."""

    changed = Signal(object)  # app.ops.Changes, after every link, unlink, undo and redo

    def __init__(
        self, case: Case, stack: QUndoStack | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.case = case
        self.stack = stack if stack is not None else QUndoStack(self)
        self.rows: list[ParticipantRow] = []
        self.suggestions: list[LinkSuggestion] = []

        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.tree = QTreeView(self)
        self.tree.setModel(self.model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setAlternatingRowColors(True)
        self.tree.setAccessibleName("Persons and their accounts")
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)

        self.link_button = QPushButton("&Link selected to a person…", self)
        self.unlink_button = QPushButton("&Unlink", self)
        self.link_button.clicked.connect(self._ask_and_link)
        self.unlink_button.clicked.connect(self.unlink_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.link_button)
        buttons.addWidget(self.unlink_button)
        buttons.addStretch(1)

        self.suggestions_box = QGroupBox("Suggested links (a first guess: check before accepting)")
        self._suggestions_layout = QVBoxLayout(self.suggestions_box)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.suggestions_box)

        # Ctrl+Z / Ctrl+Shift+Z while the panel (or a child) has focus.
        self.undo_action = self.stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts(
            [QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)]
        )
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)

        self.tree.selectionModel().selectionChanged.connect(self._update_buttons)
        self.refresh()

    # reading

    def refresh(self) -> None:
        """Read the participants and suggestions again and rebuild the tree."""
        self.rows = participants(self.case)
        self.suggestions = suggest_links(self.case)
        by_person: dict[int, list[ParticipantRow]] = defaultdict(list)
        names: dict[int, str] = {}
        loose: list[ParticipantRow] = []
        for r in self.rows:
            if r.person_id is None:
                loose.append(r)
            else:
                by_person[r.person_id].append(r)
                names[r.person_id] = r.person_name
        self.model.removeRows(0, self.model.rowCount())
        root = self.model.invisibleRootItem()
        for person_id in sorted(by_person, key=lambda k: (names[k].casefold(), k)):
            accounts = by_person[person_id]
            root.appendRow(self._group(names[person_id] or "Unnamed person", person_id, accounts))
        if loose:
            root.appendRow(self._group(NOT_LINKED, 0, loose))
        self.tree.expandAll()
        self._fill_suggestions()
        self._update_buttons()

    def _group(
        self, title: str, person_id: int, accounts: list[ParticipantRow]
    ) -> list[QStandardItem]:
        sources = {a.source_id for a in accounts}
        head = _cell(title, _per_source(accounts))
        head.setData(person_id, PERSON_ROLE)
        font = head.font()
        font.setBold(True)
        head.setFont(font)
        what = f"{len(accounts)} account{'s' if len(accounts) != 1 else ''}"
        where = f"{len(sources)} source{'s' if len(sources) != 1 else ''}"
        row = [head, _cell(f"{what} · {where}", _per_source(accounts))]
        row.append(_count(sum(a.items for a in accounts)))
        for a in sorted(accounts, key=lambda a: (a.source_name.casefold(), a.id)):
            name = _cell(account_label(a))
            name.setData(a.id, ID_ROLE)
            head.appendRow([name, _cell(a.source_name), _count(a.items)])
        return row

    def _fill_suggestions(self) -> None:
        while self._suggestions_layout.count():
            child = self._suggestions_layout.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.deleteLater()
        by_id = {r.id: r for r in self.rows}
        self.suggestion_buttons: list[QPushButton] = []
        if not self.suggestions:
            self._suggestions_layout.addWidget(QLabel("No suggestions.", self.suggestions_box))
        for s in self.suggestions:
            line = QWidget(self.suggestions_box)
            row = QHBoxLayout(line)
            row.setContentsMargins(0, 0, 0, 0)
            who = " + ".join(
                f"{account_label(by_id[i])} [{by_id[i].source_name}]" for i in s.participant_ids
            )
            text = QLabel(f"{who}\n{s.reason}", line)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            accept = QPushButton("Accept", line)
            accept.setToolTip("Link these accounts to one person")
            accept.clicked.connect(lambda _=False, s=s: self.accept_suggestion(s))
            row.addWidget(text, 1)
            row.addWidget(accept)
            self.suggestion_buttons.append(accept)
            self._suggestions_layout.addWidget(line)

    # selection

    def selected_participants(self) -> list[int]:
        """Participant ids of the selected rows; a selected person stands for its accounts."""
        out: list[int] = []
        for index in self.tree.selectionModel().selectedRows(0):
            item = self.model.itemFromIndex(index)
            pid = item.data(ID_ROLE)
            if pid is not None:
                out.append(int(pid))
            else:
                out += [int(item.child(i).data(ID_ROLE)) for i in range(item.rowCount())]
        return sorted(set(out))

    def select_participants(self, ids: list[int]) -> None:
        """Select the account rows of these participants."""
        sel = self.tree.selectionModel()
        sel.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for top in range(self.model.rowCount()):
            head = self.model.item(top)
            for i in range(head.rowCount()):
                if head.child(i).data(ID_ROLE) in ids:
                    sel.select(head.child(i).index(), flags)

    def _update_buttons(self) -> None:
        ids = self.selected_participants()
        linked = {r.id for r in self.rows if r.person_id is not None}
        self.link_button.setEnabled(bool(ids) and not self.case.readonly)
        self.unlink_button.setEnabled(any(i in linked for i in ids) and not self.case.readonly)

    # edits

    def _push(self, command: CoreCommand) -> bool:
        self.stack.push(command)
        return not command.error

    def _changes(self, changes: Changes) -> None:
        if changes.participants:
            self.refresh()
        self.changed.emit(changes)

    def accept_suggestion(self, suggestion: LinkSuggestion) -> bool:
        """Link a suggestion's participants to one person, named after the first of them."""
        by_id = {r.id: r for r in self.rows}
        rows = [by_id[i] for i in suggestion.participant_ids if i in by_id]
        existing = sorted({r.person_id for r in rows if r.person_id is not None})
        name = next((r.name for r in rows if r.name), "") or (
            account_label(rows[0]) if rows else ""
        )
        op = LinkParticipants(
            suggestion.participant_ids,
            person_name=name,
            person_id=existing[0] if len(existing) == 1 else None,
        )
        return self._push(CoreCommand(self.case, op, self._changes))

    def link_selected(self, name: str) -> bool:
        """Link the selected participants to a new person called `name`."""
        ids = self.selected_participants()
        if not ids or not name.strip():
            return False
        op = LinkParticipants(tuple(ids), person_name=name.strip(), label=f"Link to {name.strip()}")
        return self._push(CoreCommand(self.case, op, self._changes))

    def _ask_and_link(self) -> None:
        ids = self.selected_participants()
        if not ids:
            return
        by_id = {r.id: r for r in self.rows}
        guess = next((by_id[i].person_name or by_id[i].name for i in ids if i in by_id), "")
        name, ok = QInputDialog.getText(self, "Link to a person", "Name of the person:", text=guess)
        if ok:
            self.link_selected(name)

    def unlink_selected(self) -> bool:
        """Take the selected participants away from their persons."""
        ids = set(self.selected_participants())
        persons = {r.id: r.person_id for r in self.rows if r.id in ids and r.person_id is not None}
        if not persons:
            return False
        return self._push(CoreCommand(self.case, UnlinkParticipants(tuple(persons)), self._changes))

    def find_row(self, participant_id: int) -> QModelIndex:
        """The index of a participant's account row."""
        for top in range(self.model.rowCount()):
            head = self.model.item(top)
            for i in range(head.rowCount()):
                if head.child(i).data(ID_ROLE) == participant_id:
                    return head.child(i).index()
        return QModelIndex()
