"""Search and redact: a term, phrase, pattern, PII kinds or protected names across the case,
every hit listed with its context for review; and the protected names themselves.

The dialogs only ask; the controller runs the search in a background job and turns the
hits accepted into one undoable command.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.redaction.find import FindQuery
from app.redaction.model import ProtectedTermRow, RedactionDraft, RedactionKind
from app.redaction.pii import KIND_LABELS, KINDS
from app.redaction.store import reason_label, reasons
from ui import display
from ui.redaction.reason_picker import last_reason

CONTEXT = 30  # characters shown each side of a hit


def hit_context(draft: RedactionDraft, text: str) -> str:
    """A hit in its text: a few words either side, the hit in [brackets], on one line."""
    if draft.start is None or draft.end is None or not text:
        return draft.quote
    before = text[max(0, draft.start - CONTEXT) : draft.start]
    after = text[draft.end : draft.end + CONTEXT]
    lead = "…" if draft.start > CONTEXT else ""
    tail = "…" if draft.end + CONTEXT < len(text) else ""
    body = f"{lead}{before}[{text[draft.start : draft.end]}]{after}{tail}"
    return " ".join(body.split())


def _reason_box(name: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setAccessibleName("Reason")
    for r in reasons():
        box.addItem(f"{r.code} — {r.label}", r.code)
        box.setItemData(box.count() - 1, r.description, Qt.ItemDataRole.ToolTipRole)
    box.setCurrentIndex(max(0, box.findData(last_reason())))
    return box


class SearchRedactDialog(QDialog):
    """Find hits across the case and propose redactions at the ones accepted."""

    find_requested = Signal(object, str)  # FindQuery, reason code
    accept_requested = Signal(object)  # tuple of RedactionDraft
    jump_requested = Signal(int)  # item id
    protected_requested = Signal()

    def __init__(self, set_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("search-redact")
        self.setWindowTitle("Search and redact")
        self._hits: list[RedactionDraft] = []

        self.term = QLineEdit()
        self.term.setObjectName("find-term")
        self.term.setPlaceholderText("A word, a name or a phrase")
        self.term.setAccessibleName("Term or phrase")
        self.whole_words = QCheckBox("Whole words only")
        self.whole_words.setObjectName("find-whole-words")
        self.regex = QLineEdit()
        self.regex.setObjectName("find-regex")
        self.regex.setPlaceholderText(r"e.g. \bflat \d+\b (Python syntax, any case)")
        self.regex.setAccessibleName("Regular expression")
        self.regex.textChanged.connect(self._check_regex)
        self.regex_problem = QLabel()
        self.regex_problem.setObjectName("find-regex-problem")
        self.regex_problem.setWordWrap(True)
        self.regex_problem.hide()

        pii = QGroupBox("Personal data")
        grid = QGridLayout(pii)
        self.pii_boxes: dict[str, QCheckBox] = {}
        for n, kind in enumerate(KINDS):
            box = QCheckBox(KIND_LABELS.get(kind, kind))
            box.setObjectName(f"pii-{kind}")
            self.pii_boxes[kind] = box
            grid.addWidget(box, n // 3, n % 3)
        self.protected = QCheckBox("Protected names and terms")
        self.protected.setObjectName("find-protected")
        self.protected_button = QPushButton("Protected names…")
        self.protected_button.setObjectName("edit-protected")
        self.protected_button.setToolTip("The names, numbers and addresses always to redact")
        self.protected_button.clicked.connect(self.protected_requested)
        protected_row = QHBoxLayout()
        protected_row.addWidget(self.protected)
        protected_row.addWidget(self.protected_button)
        protected_row.addStretch(1)

        self.reason = _reason_box("find-reason")
        self.set_label = QLabel(f"Proposed into the set “{set_name}”; review them in the log.")
        self.set_label.setWordWrap(True)
        self.find_button = QPushButton("Find")
        self.find_button.setObjectName("find-run")
        self.find_button.setDefault(True)
        self.find_button.clicked.connect(self.run)

        form = QFormLayout()
        form.addRow("Term or phrase", self.term)
        form.addRow("", self.whole_words)
        form.addRow("Pattern (regex)", self.regex)
        form.addRow("", self.regex_problem)
        form.addRow("Reason", self.reason)

        self.status = QLabel("Choose what to look for, then Find.")
        self.status.setObjectName("find-status")
        self.status.setWordWrap(True)
        self.hit_list = HitList()
        self.hit_list.itemActivated.connect(self._jump)
        self.hit_list.itemDoubleClicked.connect(self._jump)
        self.hit_list.itemSelectionChanged.connect(self._update_buttons)

        self.accept_all = QPushButton("Propose all")
        self.accept_all.setObjectName("find-accept-all")
        self.accept_all.setToolTip("Propose a redaction at every hit listed (one undoable step)")
        self.accept_all.clicked.connect(lambda: self._accept(list(self._hits)))
        self.accept_selected = QPushButton("Propose selected")
        self.accept_selected.setObjectName("find-accept-selected")
        self.accept_selected.setToolTip("Propose a redaction at the chosen hits (Ctrl+Enter)")
        self.accept_selected.clicked.connect(self.accept_chosen)
        self.jump_button = QPushButton("Go to item")
        self.jump_button.setObjectName("find-jump")
        self.jump_button.setToolTip("Show the chosen hit's item (Enter or double-click)")
        self.jump_button.clicked.connect(lambda: self._jump(self.hit_list.currentItem()))
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self.hit_list, self.accept_chosen)

        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_all)
        buttons.addWidget(self.accept_selected)
        buttons.addWidget(self.jump_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        find_row = QHBoxLayout()
        find_row.addWidget(self.set_label, 1)
        find_row.addWidget(self.find_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(pii)
        layout.addLayout(protected_row)
        layout.addLayout(find_row)
        layout.addWidget(self.status)
        layout.addWidget(self.hit_list, 1)
        layout.addLayout(buttons)
        self.resize(760, 720)
        self._update_buttons()
        self.term.setFocus()

    # -- asking -----------------------------------------------------------------------

    def query(self) -> FindQuery:
        """What the form asks for."""
        return FindQuery(
            text=self.term.text().strip(),
            regex=self.regex.text(),
            pii=tuple(k for k, box in self.pii_boxes.items() if box.isChecked()),
            protected=self.protected.isChecked(),
            whole_words=self.whole_words.isChecked(),
        )

    def _check_regex(self, text: str) -> bool:
        try:
            re.compile(text)
        except re.error as exc:
            self.regex_problem.setText(f"Not a valid pattern: {exc}")
            self.regex_problem.show()
            return False
        self.regex_problem.hide()
        return True

    def run(self) -> None:
        """Ask for the search (when the form asks for something valid)."""
        q = self.query()
        if q.empty:
            self.status.setText("Give a term, a pattern, a kind of personal data or names.")
            return
        if q.regex and not self._check_regex(q.regex):
            return
        self.status.setText("Searching the case…")
        self.find_button.setEnabled(False)
        self.find_requested.emit(q, str(self.reason.currentData()))

    # -- hits -------------------------------------------------------------------------

    def show_hits(
        self, hits: Sequence[RedactionDraft], items: Mapping[int, str], contexts: Sequence[str]
    ) -> None:
        """List the hits found: item, where, the hit in its context, reason."""
        self.find_button.setEnabled(True)
        self._hits = list(hits)
        self.hit_list.clear()
        for n, (d, context) in enumerate(zip(hits, contexts, strict=True)):
            item_text = items.get(d.item_id, f"item #{d.item_id}")
            cells = (context or d.quote, item_text, _draft_where(d), d.reason)
            entry = QTreeWidgetItem(list(cells))
            entry.setData(0, Qt.ItemDataRole.UserRole, n)
            entry.setToolTip(0, context or d.quote)
            entry.setToolTip(1, item_text)
            entry.setToolTip(3, reason_label(d.reason))
            self.hit_list.addTopLevelItem(entry)
        n_items = len({d.item_id for d in hits})
        self.status.setText(
            f"{display.plural(len(hits), 'hit')} in {display.plural(n_items, 'item')}: "
            "choose the ones to propose (Enter shows one)."
            if hits
            else "No hits (or every hit is already redacted in this set)."
        )
        if hits:
            self.hit_list.setCurrentRow(0)
        self._update_buttons()

    def search_failed(self, message: str) -> None:
        """Say why the search did not run."""
        self.find_button.setEnabled(True)
        self.status.setText(message)

    @property
    def hits(self) -> list[RedactionDraft]:
        """The hits listed."""
        return list(self._hits)

    def chosen(self) -> list[RedactionDraft]:
        """The hits chosen in the list."""
        rows = sorted(
            int(i.data(0, Qt.ItemDataRole.UserRole)) for i in self.hit_list.selectedItems()
        )
        return [self._hits[r] for r in rows]

    def accept_chosen(self) -> None:
        """Propose redactions at the chosen hits."""
        self._accept(self.chosen())

    def _accept(self, drafts: list[RedactionDraft]) -> None:
        if not drafts:
            return
        self.accept_requested.emit(tuple(drafts))
        taken = {id(d) for d in drafts}
        for n in reversed(range(len(self._hits))):
            if id(self._hits[n]) in taken:
                self.hit_list.takeTopLevelItem(n)
        kept = [d for d in self._hits if id(d) not in taken]
        for n in range(len(kept)):
            entry = self.hit_list.topLevelItem(n)
            if entry is not None:
                entry.setData(0, Qt.ItemDataRole.UserRole, n)
        self._hits = kept
        self.status.setText(
            f"Proposed {display.plural(len(drafts), 'redaction')}; "
            f"{display.plural(len(kept), 'hit')} left to decide."
        )
        self._update_buttons()

    def _jump(self, entry: QTreeWidgetItem | None, _column: int = 0) -> None:
        if entry is None:
            return
        d = self._hits[int(entry.data(0, Qt.ItemDataRole.UserRole))]
        self.jump_requested.emit(d.item_id)

    def _update_buttons(self) -> None:
        self.accept_all.setEnabled(bool(self._hits))
        chosen = bool(self.hit_list.selectedItems())
        self.accept_selected.setEnabled(chosen)
        self.jump_button.setEnabled(chosen)


class HitList(QTreeWidget):
    """The hits: the hit in its context, the item, where, the reason; several choosable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("find-hits")
        self.setAccessibleName("Hits")
        self.setColumnCount(4)
        self.setHeaderLabels(["Hit in its context", "Item", "Where", "Reason"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        # The context takes the room left: the hit sits in its middle.
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        char = self.fontMetrics().averageCharWidth()
        for column, width in ((1, 28 * char), (2, 13 * char), (3, 8 * char)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(column, width)

    def count(self) -> int:
        """How many hits are listed."""
        return self.topLevelItemCount()

    def item(self, row: int) -> QTreeWidgetItem | None:
        """The hit on `row`."""
        return self.topLevelItem(row)

    def setCurrentRow(self, row: int) -> None:
        """Make `row` the current hit."""
        entry = self.topLevelItem(row)
        if entry is not None:
            self.setCurrentItem(entry)


def _draft_where(d: RedactionDraft) -> str:
    if d.kind == RedactionKind.REGION and d.box is not None:
        x0, y0, x1, y1 = d.box
        return f"page {d.page}" if d.page else f"box {x1 - x0:.0f}×{y1 - y0:.0f}"
    if d.kind == RedactionKind.SPAN:
        return "text" if d.target == "text" else d.target.replace("header:", "") + " header"
    return "whole item"


class ProtectedTermsDialog(QDialog):
    """The protected names: a label, every spelling (one a line) and a reason each."""

    add_requested = Signal(str, object, str)  # term label, tuple of spellings, reason code
    remove_requested = Signal(int)  # term id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("protected-terms")
        self.setWindowTitle("Protected names and terms")
        intro = QLabel(
            "Names, numbers and addresses that must never reach the defence (a child's "
            "name, the victim's new address). Give every spelling and nickname: search and "
            "redact finds each of them, in any case."
        )
        intro.setWordWrap(True)
        self.terms = QListWidget()
        self.terms.setObjectName("protected-list")
        self.terms.setAccessibleName("Protected terms")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("protected-remove")
        self.remove_button.clicked.connect(self._remove)
        self.terms.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.terms.selectedItems()))
        )
        self.label = QLineEdit()
        self.label.setObjectName("protected-label")
        self.label.setPlaceholderText("What it is, e.g. Child's name (not the name)")
        self.spellings = QPlainTextEdit()
        self.spellings.setObjectName("protected-spellings")
        self.spellings.setPlaceholderText("One spelling a line, e.g.\nLily Hart\nLil\nLilly")
        self.spellings.setTabChangesFocus(True)
        self.spellings.setFixedHeight(self.fontMetrics().height() * 6)
        self.reason = _reason_box("protected-reason")
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("protected-add")
        self.add_button.clicked.connect(self._add)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)

        form = QFormLayout()
        form.addRow("Label", self.label)
        form.addRow("Spellings", self.spellings)
        form.addRow("Reason", self.reason)
        add_row = QHBoxLayout()
        add_row.addWidget(self.problem, 1)
        add_row.addWidget(self.add_button)
        list_row = QHBoxLayout()
        list_row.addWidget(self.terms, 1)
        side = QVBoxLayout()
        side.addWidget(self.remove_button)
        side.addStretch(1)
        list_row.addLayout(side)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(list_row, 1)
        layout.addWidget(QLabel("<b>Add a protected name or term</b>"))
        layout.addLayout(form)
        layout.addLayout(add_row)
        layout.addLayout(bottom)
        self.resize(560, 520)
        self.remove_button.setEnabled(False)

    def set_terms(self, terms: Sequence[ProtectedTermRow]) -> None:
        """List the protected terms."""
        self.terms.clear()
        for t in terms:
            entry = QListWidgetItem(f"{t.label}: {', '.join(t.spellings)}  ·  {t.reason}")
            entry.setData(Qt.ItemDataRole.UserRole, t.id)
            entry.setToolTip(reason_label(t.reason))
            self.terms.addItem(entry)
        if not terms:
            empty = QListWidgetItem("No protected names yet.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.terms.addItem(empty)

    def _add(self) -> None:
        label = self.label.text().strip()
        spellings = tuple(s.strip() for s in self.spellings.toPlainText().splitlines() if s.strip())
        if not label or not spellings:
            self.problem.setText("Give a label and at least one spelling.")
            return
        self.problem.setText("")
        self.add_requested.emit(label, spellings, str(self.reason.currentData()))
        self.label.clear()
        self.spellings.clear()
        self.label.setFocus()

    def _remove(self) -> None:
        for entry in self.terms.selectedItems():
            value = entry.data(Qt.ItemDataRole.UserRole)
            if isinstance(value, int):
                self.remove_requested.emit(value)
