"""The attribution view: the case's accounts on the left; on the right the links the evidence
suggests between them, and the evidence for the chosen link (times in the case zone and
UTC, IP:port, the text as written, which return it came from). A accepts, R rejects, Enter
shows the evidence item in the timeline; above, the identity element of each charge,
evidenced or a gap, and what the last decision changed."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.attribution.model import (
    AccountRow,
    IdentifierRef,
    IdentityCoverage,
    LinkRow,
    LinkState,
    local_id,
)
from ui import display, theme
from ui.attribution.models import STRENGTH_WORDS, AccountsModel, EvidenceModel, LinksModel
from ui.views.tables import make_table, set_widths

EMPTY = (
    "No accounts yet. Import a platform's return (Meta, Snapchat, Google, X) or a phone "
    "extraction (UFDR): the accounts they name, and the links between them, show here."
)
INTRO = (
    "Links the returns suggest between accounts, strongest first. Accept (A) a link you are "
    "satisfied of: its evidence is tagged to the identity element of the charges. Reject (R) "
    "the others: they are not proposed again. Enter shows the evidence in the timeline."
)
_PLAIN = Qt.KeyboardModifier.NoModifier | Qt.KeyboardModifier.KeypadModifier


def short_names(accounts: Sequence[AccountRow]) -> dict[str, str]:
    """Each account by its username where that names it alone, else by its key."""
    first = {
        a.key: (
            a.usernames or ((f"device {local_id(a.key)}",) if a.platform == "device" else ("",))
        )[0]
        for a in accounts
    }
    taken: dict[str, int] = {}
    for name in first.values():
        taken[name] = taken.get(name, 0) + 1
    return {k: n if n and taken[n] == 1 else k for k, n in first.items()}


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class AttributionPanel(QWidget):
    """Accounts, links and evidence, with the decision buttons; the controller does the work."""

    accept_requested = Signal(int)  # link id
    reject_requested = Signal(int)
    item_requested = Signal(int)  # item id: show it in the timeline
    attribute_requested = Signal(str)  # account key
    window_changed = Signal(int)  # minutes
    charges_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attribution-panel")
        self.accounts_model = AccountsModel()
        self.links_model = LinksModel()
        self.evidence_model = EvidenceModel()
        self.writable = True
        self.charge_actions: list[tuple[int, QAction]] = []
        self._sized = False

        self.identity = QLabel()
        self.identity.setObjectName("attribution-identity")
        self.identity.setWordWrap(True)
        self.identity.setTextFormat(Qt.TextFormat.RichText)
        self.change = QLabel()
        self.change.setObjectName("attribution-change")
        self.change.setWordWrap(True)
        self.intro = QLabel(INTRO)
        self.intro.setWordWrap(True)
        self.intro.setStyleSheet(f"color: {theme.muted().name()}")

        self.accounts = make_table("attribution-accounts", "Accounts")
        self.accounts.setModel(self.accounts_model)
        self.links = make_table("attribution-links", "Proposed links")
        self.links.setModel(self.links_model)
        self.evidence = make_table("attribution-evidence", "Evidence of the chosen link")
        self.evidence.setModel(self.evidence_model)
        self._size_columns()

        self.accept_button = QPushButton("Accept (A)")
        self.accept_button.setObjectName("attribution-accept")
        self.accept_button.setToolTip("Accept the chosen link: tag its evidence to identity")
        self.reject_button = QPushButton("Reject (R)")
        self.reject_button.setObjectName("attribution-reject")
        self.reject_button.setToolTip("Reject the chosen link: it is not proposed again")
        self.jump_button = QPushButton("Show in timeline (Enter)")
        self.jump_button.setObjectName("attribution-jump")
        self.attribute_button = QPushButton("Attribute to person… (P)")
        self.attribute_button.setObjectName("attribution-attribute")
        self.attribute_button.setToolTip("Say whose the chosen account is")
        self.charges_button = QToolButton()
        self.charges_button.setObjectName("attribution-charges")
        self.charges_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.charges_button.setToolTip("The charges whose identity element an acceptance tags")
        self.charges_menu = QMenu(self.charges_button)
        self.charges_button.setMenu(self.charges_menu)
        self.window_box = QSpinBox()
        self.window_box.setObjectName("attribution-window")
        self.window_box.setRange(1, 24 * 60)
        self.window_box.setValue(10)
        self.window_box.setSuffix(" min")
        self.window_box.setToolTip("How far apart two logins from one address may be")
        self.window_box.setAccessibleName("Time window")

        self.accept_button.clicked.connect(self.accept_current)
        self.reject_button.clicked.connect(self.reject_current)
        self.jump_button.clicked.connect(self.jump)
        self.attribute_button.clicked.connect(self.attribute_current)
        self.window_box.valueChanged.connect(self.window_changed.emit)
        self.links.selectionModel().currentRowChanged.connect(lambda *_: self._link_chosen())
        self.accounts.selectionModel().currentRowChanged.connect(lambda *_: self._account_chosen())
        self.links.doubleClicked.connect(lambda *_: self.jump())
        self.evidence.doubleClicked.connect(lambda *_: self.jump())
        for view in (self.accounts, self.links, self.evidence):
            view.installEventFilter(self)

        self.evidence_title = _heading("Evidence")
        self.why = QLabel()
        self.why.setObjectName("attribution-why")
        self.why.setWordWrap(True)
        self.why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.accounts_title = _heading("Accounts")
        self.links_title = _heading("Proposed links")
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet(f"color: {theme.muted().name()}; padding: 24px")

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(8, 4, 4, 4)
        lv.addWidget(self.accounts_title)
        lv.addWidget(self.accounts, 1)
        row = QHBoxLayout()
        row.addWidget(self.attribute_button)
        row.addStretch(1)
        lv.addLayout(row)

        top = QWidget()
        tv = QVBoxLayout(top)
        tv.setContentsMargins(4, 4, 8, 0)
        head = QHBoxLayout()
        head.addWidget(self.links_title)
        head.addStretch(1)
        head.addWidget(QLabel("Logins within"))
        head.addWidget(self.window_box)
        tv.addLayout(head)
        tv.addWidget(self.links, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        buttons.addSpacing(12)
        buttons.addWidget(QLabel("Tags identity for"))
        buttons.addWidget(self.charges_button)
        buttons.addStretch(1)
        tv.addLayout(buttons)
        bottom = QWidget()
        bv = QVBoxLayout(bottom)
        bv.setContentsMargins(4, 0, 8, 4)
        ev = QHBoxLayout()
        ev.addWidget(self.evidence_title)
        ev.addStretch(1)
        ev.addWidget(self.jump_button)
        bv.addLayout(ev)
        bv.addWidget(self.why)
        bv.addWidget(self.evidence, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(bottom)
        right.setChildrenCollapsible(False)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(left)
        self.split.addWidget(right)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 3)
        self.split.setChildrenCollapsible(False)

        header = QVBoxLayout()
        header.setContentsMargins(8, 6, 8, 0)
        header.addWidget(self.identity)
        header.addWidget(self.change)
        header.addWidget(self.intro)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.empty, 1)
        self.empty.hide()
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        """The first time it shows: two fifths of the width for the accounts."""
        super().showEvent(event)
        if not self._sized and self.width() > 0:
            self._sized = True
            self.split.setSizes([self.width() * 2 // 5, self.width() * 3 // 5])

    def _size_columns(self) -> None:
        fm = self.fontMetrics()
        char = fm.averageCharWidth()
        set_widths(
            self.accounts,
            {
                AccountsModel.PLATFORM: fm.horizontalAdvance("instagram") + 2 * char,
                AccountsModel.ACCOUNT: 17 * char,
                AccountsModel.SEEN_AS: 17 * char,
                AccountsModel.PERSON: 18 * char,
                AccountsModel.ITEMS: fm.horizontalAdvance("Items") + 3 * char,
            },
        )
        set_widths(
            self.links,
            {
                LinksModel.ID: 4 * char,
                LinksModel.STRENGTH: fm.horizontalAdvance("Supporting") + 3 * char,
                LinksModel.ACCOUNTS: 36 * char,
                LinksModel.STATE: fm.horizontalAdvance("✓ Accepted · 88 tags") + 3 * char,
            },
        )
        set_widths(
            self.evidence,
            {
                EvidenceModel.TIME: fm.horizontalAdvance("2024-03-09 21:03:10 GMT") + 3 * char,
                EvidenceModel.UTC: fm.horizontalAdvance("21:03:10 UTC") + 3 * char,
                EvidenceModel.VALUE: fm.horizontalAdvance("203.0.113.255:40123") + 3 * char,
                EvidenceModel.ACCOUNT: 16 * char,
                EvidenceModel.RAW: 16 * char,
            },
        )
        for view in (self.accounts, self.links, self.evidence):
            view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # The column that says most takes the room the others leave.
        for view, stretch in (
            (self.accounts, AccountsModel.SEEN_AS),
            (self.links, LinksModel.BASIS),
        ):
            header = view.horizontalHeader()
            header.setStretchLastSection(False)
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    # -- content --------------------------------------------------------------------------

    def set_content(
        self,
        accounts: Sequence[AccountRow],
        links: Sequence[LinkRow],
        identity: Sequence[IdentityCoverage],
        zone_name: str,
    ) -> None:
        """Show the case's accounts, links and identity coverage, keeping the chosen link."""
        keep_link = self.current_link()
        keep_account = self.current_account()
        self.zone_name = zone_name
        self.accounts_model.set_rows(accounts)
        self.links_model.set_rows(links, short_names(accounts))
        proposed = sum(1 for lk in links if lk.state == LinkState.PROPOSED)
        self.accounts_title.setText(f"Accounts ({len(accounts)})")
        self.links_title.setText(
            f"Links ({proposed} proposed, {len(links) - proposed} decided)"
            if links
            else "Links (none found)"
        )
        self.set_identity(identity)
        empty = not accounts
        self.split.setVisible(not empty)
        self.intro.setVisible(not empty)
        self.empty.setVisible(empty)
        row = self.links_model.row_of(keep_link.id) if keep_link is not None else -1
        if row < 0 and links:
            row = 0
        if row >= 0:
            self.links.selectRow(row)
        else:
            self.evidence_model.set_rows([], zone_name)
        if keep_account is not None and (arow := self.accounts_model.row_of(keep_account.key)) >= 0:
            self.accounts.selectRow(arow)
        self._link_chosen()

    def set_identity(self, identity: Sequence[IdentityCoverage]) -> None:
        """The identity element of each charge: evidenced (✓, with how many items) or a gap."""
        if not identity:
            self.identity.setText(
                "Identity: <i>no charges on this case yet</i> (add one in the tagger to see "
                "whether identity is evidenced)"
            )
            return
        parts = []
        for c in identity:
            name = html.escape(c.charge)
            if c.covered:
                parts.append(f"✓ {name}: {display.plural(c.items, 'item')}")
            else:
                colour = theme.amber().name()
                parts.append(f"<span style='color:{colour}'>✗ {name}: gap</span>")
        self.identity.setText("<b>Identity evidence</b> &nbsp; " + " &nbsp;·&nbsp; ".join(parts))

    def set_change(self, text: str) -> None:
        """Say what the last decision changed (empty: nothing to say)."""
        self.change.setText(f"<b>Last change:</b> {html.escape(text)}" if text else "")
        self.change.setVisible(bool(text))

    def set_charges(self, charges: Sequence[tuple[int, str]], chosen: set[int] | None) -> None:
        """The charges an acceptance may tag (all ticked unless `chosen` says otherwise)."""
        self.charges_menu.clear()
        self.charge_actions = []
        for charge_id, label in charges:
            action = self.charges_menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(chosen is None or charge_id in chosen)
            action.toggled.connect(lambda _on: self._charges_toggled())
            self.charge_actions.append((charge_id, action))
        self._charges_label()

    def chosen_charges(self) -> tuple[int, ...]:
        """The charges ticked."""
        return tuple(cid for cid, action in self.charge_actions if action.isChecked())

    def _charges_toggled(self) -> None:
        self._charges_label()
        self.charges_changed.emit()

    def _charges_label(self) -> None:
        chosen = self.chosen_charges()
        if not self.charge_actions:
            text = "no charges"
        elif len(chosen) == len(self.charge_actions):
            text = "every charge" if len(chosen) > 1 else "the charge"
        else:
            text = display.plural(len(chosen), "charge")
        self.charges_button.setText(text)
        self.charges_button.setEnabled(bool(self.charge_actions))

    def set_writable(self, writable: bool) -> None:
        """Allow or refuse decisions (a read-only case shows links without deciding)."""
        self.writable = writable
        self._update_buttons()

    # -- choosing ---------------------------------------------------------------------------

    def current_link(self) -> LinkRow | None:
        """The chosen link."""
        index = self.links.currentIndex()
        return self.links_model.row_at(index.row()) if index.isValid() else None

    def current_account(self) -> AccountRow | None:
        """The chosen account."""
        index = self.accounts.currentIndex()
        return self.accounts_model.row_at(index.row()) if index.isValid() else None

    def current_evidence(self) -> IdentifierRef | None:
        """The chosen evidence row."""
        index = self.evidence.currentIndex()
        return self.evidence_model.row_at(index.row()) if index.isValid() else None

    def _link_chosen(self) -> None:
        link = self.current_link()
        zone_name = getattr(self, "zone_name", "UTC")
        if link is None:
            self.evidence_model.set_rows([], zone_name)
            self.evidence_title.setText("Evidence")
            self.why.setText("")
        else:
            self.evidence_model.set_rows(link.evidence, zone_name, self.links_model.labels)
            name = f"link #{link.id}" if link.id is not None else "the chosen link"
            a, b = link.accounts
            self.evidence_title.setText(f"Evidence of {name}: {a} ↔ {b}")
            decided = ""
            if link.decided_by:
                decided = f" — {link.state.value} by {link.decided_by}"
                decided += f": {link.note}" if link.note else ""
            self.why.setText(f"{STRENGTH_WORDS[link.strength]}: {link.basis}{decided}")
            if self.evidence_model.rowCount():
                self.evidence.selectRow(0)
        self._update_buttons()

    def _account_chosen(self) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        link = self.current_link()
        decidable = self.writable and link is not None and link.id is not None
        self.accept_button.setEnabled(decidable and link is not None and link.state != "accepted")
        self.reject_button.setEnabled(decidable and link is not None and link.state != "rejected")
        self.jump_button.setEnabled(link is not None and bool(link.evidence))
        self.attribute_button.setEnabled(self.writable and self.current_account() is not None)

    def select_next_proposed(self) -> bool:
        """Choose the first link still to decide; False when none is left."""
        row = next(
            (n for n, lk in enumerate(self.links_model.rows) if lk.state == LinkState.PROPOSED),
            -1,
        )
        if row >= 0:
            self.links.selectRow(row)
        return row >= 0

    def select_link(self, link_id: int) -> bool:
        """Choose a link by id; False when it is not listed."""
        row = self.links_model.row_of(link_id)
        if row >= 0:
            self.links.selectRow(row)
        return row >= 0

    def select_account(self, key: str) -> bool:
        """Choose an account by key; False when it is not listed."""
        row = self.accounts_model.row_of(key)
        if row >= 0:
            self.accounts.selectRow(row)
        return row >= 0

    # -- actions ----------------------------------------------------------------------------

    def accept_current(self) -> None:
        """Ask to accept the chosen link."""
        link = self.current_link()
        if link is not None and link.id is not None and self.accept_button.isEnabled():
            self.accept_requested.emit(link.id)

    def reject_current(self) -> None:
        """Ask to reject the chosen link."""
        link = self.current_link()
        if link is not None and link.id is not None and self.reject_button.isEnabled():
            self.reject_requested.emit(link.id)

    def attribute_current(self) -> None:
        """Ask to attribute the chosen account to a person."""
        account = self.current_account()
        if account is not None and self.writable:
            self.attribute_requested.emit(account.key)

    def jump(self) -> None:
        """Show the chosen evidence row's item (or the link's first) in the timeline."""
        ref = self.current_evidence()
        if ref is None:
            link = self.current_link()
            ref = link.evidence[0] if link is not None and link.evidence else None
        if ref is not None:
            self.item_requested.emit(ref.item_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A, R, P and Enter on the tables: the panel's keys win over the window's one-letter
        # shortcuts (R also draws a redaction box elsewhere) while a table has the focus.
        if isinstance(watched, QTableView) and event.type() in (
            QEvent.Type.ShortcutOverride,
            QEvent.Type.KeyPress,
        ):
            assert isinstance(event, QKeyEvent)
            key = event.key()
            plain = not (event.modifiers() & ~_PLAIN)
            handled = {
                Qt.Key.Key_A: self.accept_current,
                Qt.Key.Key_R: self.reject_current,
                Qt.Key.Key_P: self.attribute_current,
                Qt.Key.Key_Return: self.jump,
                Qt.Key.Key_Enter: self.jump,
            }
            if plain and key in handled:
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()
                    return True
                handled[Qt.Key(key)]()
                return True
        return super().eventFilter(watched, event)
