"""Table models of the attribution view: accounts, proposed links, and a link's evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from app.attribution.model import (
    AccountRow,
    IdentifierRef,
    LinkRow,
    LinkState,
    Strength,
    local_id,
)
from app.timeline.clock import iso_utc, us_to_utc
from ui import display, theme

_Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole

STRENGTH_WORDS = {
    Strength.STRONG: "Strong",
    Strength.SUPPORTING: "Supporting",
    Strength.WEAK: "Weak",
}
STATE_WORDS = {
    LinkState.PROPOSED: "Proposed",
    LinkState.ACCEPTED: "✓ Accepted",
    LinkState.REJECTED: "✗ Rejected",
}


class _Table(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY:
            return self.HEADERS[section]
        return None


class AccountsModel(_Table):
    """The accounts of the case: who they seem to be and whose they are."""

    PLATFORM, ACCOUNT, SEEN_AS, PERSON, ITEMS = range(5)
    HEADERS = ("Platform", "Account", "Seen as", "Person", "Items")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[AccountRow] = []

    def set_rows(self, rows: Sequence[AccountRow]) -> None:
        """Show these accounts."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def row_at(self, row: int) -> AccountRow | None:
        """The account on a row."""
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, key: str) -> int:
        """The row of an account key, or -1."""
        return next((n for n, a in enumerate(self.rows) if a.key == key), -1)

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        a = self.row_at(index.row())
        if a is None:
            return None
        col = index.column()
        if role == DISPLAY:
            if col == self.PLATFORM:
                return a.platform
            if col == self.ACCOUNT:
                return (a.usernames or (local_id(a.key),))[0]
            if col == self.SEEN_AS:
                seen = (*a.names, *a.emails, *a.phones)
                if a.stated_only:
                    return "only named as a linked account"
                return ", ".join(dict.fromkeys(seen)) or "—"
            if col == self.PERSON:
                if not a.person_id:
                    return ""
                return a.person_name + (
                    "" if a.person_via == "attributed" else f" (via {a.person_via})"
                )
            if col == self.ITEMS:
                return str(a.items)
        if role == TOOLTIP:
            lines = [a.key]
            for label, values in (
                ("Names", a.names),
                ("Usernames", a.usernames),
                ("E-mail", a.emails),
                ("Phone", a.phones),
                ("Devices", a.devices),
                ("Seen in", a.sources),
            ):
                if values:
                    lines.append(f"{label}: {', '.join(values)}")
            lines.append(
                f"{display.plural(a.items, 'item')} state it, "
                f"{display.plural(a.logins, 'login')} among them"
            )
            if a.person_id:
                how = "attributed by a user" if a.person_via == "attributed" else a.person_via
                lines.append(f"Person: {a.person_name} ({how})")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and col == self.SEEN_AS and a.stated_only:
            return QBrush(theme.muted())
        return None


class LinksModel(_Table):
    """Links between accounts: strength, the two accounts, why, and the decision."""

    ID, STRENGTH, ACCOUNTS, BASIS, STATE = range(5)
    HEADERS = ("#", "Strength", "Accounts", "Why", "Decision")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[LinkRow] = []
        self.labels: dict[str, str] = {}

    def set_rows(self, rows: Sequence[LinkRow], labels: dict[str, str]) -> None:
        """Show these links; `labels` names accounts by username where known."""
        self.beginResetModel()
        self.rows = list(rows)
        self.labels = dict(labels)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def row_at(self, row: int) -> LinkRow | None:
        """The link on a row."""
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, link_id: int | None) -> int:
        """The row of a link id, or -1."""
        return next((n for n, lk in enumerate(self.rows) if lk.id == link_id), -1)

    def accounts_text(self, link: LinkRow) -> str:
        """ "jess.r_92 ↔ dan.hughes84": the two accounts by their usernames, else keys."""
        return f"{self.labels.get(link.account_a, link.account_a)} ↔ " + self.labels.get(
            link.account_b, link.account_b
        )

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        lk = self.row_at(index.row())
        if lk is None:
            return None
        col = index.column()
        if role == DISPLAY:
            if col == self.ID:
                return "—" if lk.id is None else str(lk.id)
            if col == self.STRENGTH:
                return STRENGTH_WORDS[lk.strength]
            if col == self.ACCOUNTS:
                return self.accounts_text(lk)
            if col == self.BASIS:
                return display.one_line(lk.basis)
            if col == self.STATE:
                text = STATE_WORDS[lk.state]
                if lk.state == LinkState.ACCEPTED and lk.tag_ids:
                    text += f" · {display.plural(len(lk.tag_ids), 'tag')}"
                if lk.new_evidence:
                    text += f" · {lk.new_evidence} new"
                return text
        if role == TOOLTIP:
            lines = [f"{lk.account_a} ↔ {lk.account_b}", lk.basis]
            if lk.decided_by:
                lines.append(f"{STATE_WORDS[lk.state]} by {lk.decided_by}")
            if lk.note:
                lines.append(f"Note: {lk.note}")
            if lk.new_evidence:
                lines.append(f"{lk.new_evidence} identifier rows found since the decision")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.FontRole and col == self.STRENGTH and lk.strength == "strong":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and (
            lk.state == LinkState.REJECTED or (col == self.STRENGTH and lk.strength == "weak")
        ):
            return QBrush(theme.muted())
        return None


class EvidenceModel(_Table):
    """The identifier rows behind one link, each with its time in the case zone and UTC."""

    TIME, UTC, VALUE, ACCOUNT, RAW, SOURCE = range(6)
    HEADERS = ("Time", "UTC", "IP:port / value", "Account", "As written", "From")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[IdentifierRef] = []
        self.tz = ZoneInfo("UTC")
        self.zone_name = "UTC"
        self.labels: dict[str, str] = {}

    def set_rows(
        self, rows: Sequence[IdentifierRef], zone_name: str, labels: dict[str, str] | None = None
    ) -> None:
        """Show these identifier rows, times in `zone_name` and in UTC; `labels` names
        accounts by their usernames where known."""
        self.beginResetModel()
        self.rows = list(rows)
        self.labels = dict(labels or {})
        self.zone_name = zone_name
        self.tz = ZoneInfo(zone_name)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def row_at(self, row: int) -> IdentifierRef | None:
        """The identifier row on a table row."""
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and section == self.TIME:
            return f"Time ({self.zone_name})"
        return super().headerData(section, orientation, role)

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        r = self.row_at(index.row())
        if r is None:
            return None
        col = index.column()
        if role == DISPLAY:
            if col == self.TIME:
                return display.local_time(r.ts_utc_us, self.tz) if r.ts_utc_us else "no time"
            if col == self.UTC:
                return f"{us_to_utc(r.ts_utc_us):%H:%M:%S} UTC" if r.ts_utc_us else ""
            if col == self.ACCOUNT:
                return self.labels.get(r.account, r.account)
            if col == self.VALUE:
                kind = {"ip": "", "registration-ip": "registered from "}.get(r.kind, f"{r.kind}: ")
                return kind + r.shown
            if col == self.RAW:
                return r.raw
            if col == self.SOURCE:
                record = f", {r.record}" if r.record else ""
                return f"{r.where} · {r.locator}{record}"
        if role == TOOLTIP:
            lines = [
                f"{r.account}: {r.kind} {r.shown}",
                f"As written in the source: {r.raw}",
                f"From {r.where}, {r.locator} ({display.importer_name(r.importer)})",
                f"Item #{r.item_id} · Enter shows it in the timeline",
            ]
            if r.ts_utc_us:
                lines.insert(1, f"UTC {iso_utc(r.ts_utc_us)}")
            return "\n".join(lines)
        return None
