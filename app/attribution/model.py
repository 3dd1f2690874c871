"""Plain rows of the attribution view: accounts, the identifiers behind them, proposed links
between accounts and the evidence for each. Never ORM objects."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum


class Strength(StrEnum):
    """How much a link's evidence says on its own (see `app.attribution.propose`)."""

    STRONG = "strong"
    SUPPORTING = "supporting"
    WEAK = "weak"

    @property
    def rank(self) -> int:
        """0 for strong, 1 supporting, 2 weak: sorts strongest first."""
        return _RANK[self]


_RANK = {Strength.STRONG: 0, Strength.SUPPORTING: 1, Strength.WEAK: 2}


class LinkState(StrEnum):
    """Where a proposed link stands."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


def platform_of(account: str) -> str:
    """The platform part of an account key ("instagram" of "instagram:1784…")."""
    platform, sep, _ = account.partition(":")
    return platform if sep else ""


def local_id(account: str) -> str:
    """The id part of an account key ("1784…" of "instagram:1784…")."""
    platform, sep, rest = account.partition(":")
    return rest if sep else platform


def address(value: str, port: int | None) -> str:
    """An IP address with its port as people write it: "203.0.113.7:40123",
    "[2001:db8::1]:443", or the bare address when there is no port."""
    if port is None:
        return value
    try:
        v6 = ipaddress.ip_address(value).version == 6
    except ValueError:
        v6 = ":" in value
    return f"[{value}]:{port}" if v6 else f"{value}:{port}"


@dataclass(frozen=True, slots=True)
class IdentifierRef:
    """One identifier an item states for an account, with where it came from.

    `source_name` is the imported file (or archive member) it was read from, `container`
    the file that held that one ("" for a file imported on its own); `record` is the item's
    `meta["record"]` ("login", "subscriber", ...).
    """

    id: int
    item_id: int
    account: str
    kind: str
    value: str
    raw: str
    port: int | None
    ts_utc_us: int | None
    source_id: int
    source_name: str
    container: str
    importer: str
    locator: str
    record: str

    @property
    def shown(self) -> str:
        """The value as the view shows it: IP:port for addresses, else the value."""
        if self.kind in ("ip", "registration-ip"):
            return address(self.value, self.port)
        return self.value

    @property
    def where(self) -> str:
        """Which return or extraction it came from: "records.html (in meta.zip)"."""
        return f"{self.source_name} (in {self.container})" if self.container else self.source_name


@dataclass(frozen=True, slots=True)
class Match:
    """One reason to link two accounts: a shared identifier and the rows that state it.

    `signal` is what matched ("ip-port", "ip", "ip-other-port", "registration-ip", "email",
    "phone", "device", "linked-account", "username", "name"); `refs` the identifier rows (two,
    or one for a linked-account statement); `gap_us` the time between them when both are
    timed.
    """

    signal: str
    strength: Strength
    basis: str
    refs: tuple[IdentifierRef, ...]
    gap_us: int | None = None


@dataclass(frozen=True, slots=True)
class LinkRow:
    """Two accounts the evidence suggests one person uses, and the user's decision.

    `id` is None only for a link found in a read-only case (not stored). `matches` are the
    reasons found now (strongest first); `evidence` every identifier row behind the link
    (for a decided link no longer found, the rows stored with the decision). `new_evidence`
    counts rows found since the decision.
    """

    id: int | None
    account_a: str
    account_b: str
    strength: Strength
    basis: str
    matches: tuple[Match, ...]
    evidence: tuple[IdentifierRef, ...]
    state: LinkState
    note: str = ""
    decided_by: str = ""
    decided_at_us: int | None = None
    tag_ids: tuple[int, ...] = ()
    new_evidence: int = 0

    @property
    def evidence_ids(self) -> tuple[int, ...]:
        """The ids of the identifier rows behind the link."""
        return tuple(sorted({r.id for r in self.evidence}))

    @property
    def item_ids(self) -> tuple[int, ...]:
        """The items stating those identifiers (what an acceptance tags)."""
        return tuple(sorted({r.item_id for r in self.evidence}))

    @property
    def accounts(self) -> tuple[str, str]:
        """Both account keys."""
        return self.account_a, self.account_b

    def other(self, account: str) -> str:
        """The account at the other end of the link from `account`."""
        return self.account_b if account == self.account_a else self.account_a


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One account seen in the case's returns and extractions, with what identifies it.

    `person_via` says how the account reached its person: "attributed" (the user said so),
    "link #N" (an accepted link to an account of that person) or "".
    """

    key: str
    platform: str
    names: tuple[str, ...]
    usernames: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    devices: tuple[str, ...]
    sources: tuple[str, ...]
    items: int
    logins: int
    first_us: int | None
    last_us: int | None
    person_id: int | None = None
    person_name: str = ""
    person_via: str = ""
    stated_only: bool = False  # seen only as another account's linked account

    @property
    def label(self) -> str:
        """How lists name the account: its username or name, and its key."""
        who = (self.usernames or self.names or ("",))[0]
        return f"{who} ({self.key})" if who and who != local_id(self.key) else self.key


@dataclass(frozen=True, slots=True)
class PersonAccounts:
    """A person of the case and the accounts attributed to them, directly or by links."""

    person_id: int
    name: str
    accounts: tuple[tuple[str, str], ...]  # (account key, how: "attributed" | "link #N")


@dataclass(frozen=True, slots=True)
class IdentityCoverage:
    """The identity element of one charge: how many items evidence it, or the gap."""

    charge_id: int
    charge: str  # the charge's label
    element_id: str
    items: int
    gap: str

    @property
    def covered(self) -> bool:
        """Whether the identity element has evidence (no gap)."""
        return not self.gap
