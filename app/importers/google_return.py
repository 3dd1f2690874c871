"""Google (LERS) law-enforcement returns, one file of the return at a time.

A Google return is a zip of per-service zips named `<email>.<id>.<Service>.<Resource>_NNN`,
each holding a service folder. The archive importer expands them; this reader takes the
files inside: `*.SubscriberInfo.html` (a `<li>Label: value</li>` list and IP activity
tables), `*.ChangeHistory.html`, the Access Log Activity CSV (`Activities - A list of Google
services accessed by…csv`), `*.LinkedByCookies.csv` / `*.LinkedByPhone.csv` (other accounts
Google links to the target), the Devices CSV, and each service's `ExportSummary.txt` and
`NoRecords.txt` cover sheets. Columns and labels are matched by name; anything not
understood is kept in `meta["fields"]` and warned about. Times that say UTC are exact; times
without a zone are read as UTC (the format's documented zone) and marked assumed-zone.

The account key is `google:<email>`: the e-mail from the subscriber page, else from the file
or folder name (`<email>.<id>.…`). A file that carries neither (an access log read from
inside a zip, whose folder names the importer does not see) is keyed by its Gaia ID,
`google:<id>`, and says so.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any, ClassVar

from app.errors import CorruptRecord, WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import decode_text
from app.importers.identifiers import email_value, identifier, present, split_list, time_event
from app.importers.jsonchat import RecordWarnings, plural
from app.limits import MAX_TEXT_BYTES
from app.model import (
    EventDraft,
    IdentifierDraft,
    IdentifierKind,
    ItemDraft,
    ItemKind,
    ParticipantDraft,
)

log = logging.getLogger(__name__)

_ACCOUNT_NAME = re.compile(r"(?P<email>[^\s/\\@]+@[^\s/\\@]+?)\.(?P<id>\d{6,})(?:\.|$)")
_ACCESS_LOG_NAME = "activities - a list of google services"
_DEVICES_NAME = "devices - a list of devices"
_CSV_MIMES = ("text/", "application/csv", "application/vnd.ms-excel")


def norm(label: str) -> str:
    """A label reduced to lower-case letters and digits, for matching by name."""
    return re.sub(r"[^a-z0-9]", "", label.lower())


# Subscriber labels (normalised) -> the role this reader gives them.
SUBSCRIBER_LABELS: dict[str, str] = {
    "googleaccountid": "id",
    "name": "name",
    "givenname": "given",
    "familyname": "family",
    "email": "email",
    "alternateemails": "alt_emails",
    "createdon": "created",
    "termsofserviceip": "tos_ip",
    "termsofservicelanguage": "language",
    "birthdaymonthdayyear": "birthday",
    "services": "services",
    "deletiondate": "deleted",
    "deletionip": "deletion_ip",
    "endofservicedate": "end_of_service",
    "status": "status",
    "lastupdateddate": "updated",
    "lastlogins": "last_logins",
    "contactemail": "contact_email",
    "recoveryemail": "recovery_email",
    "recoverysms": "recovery_sms",
    "userphonenumbers": "phones",
    "2stepverificationphonenumbers": "2sv_phones",
}

# Access Log Activity columns (normalised) -> role; the 13- and 16-column layouts.
ACCESS_LOG_COLUMNS: dict[str, str] = {
    "gaiaid": "gaia",
    "activitytimestamp": "time",
    "activitytimestamputc": "time",
    "timestamp": "time",
    "ipaddress": "ip",
    "ip": "ip",
    "port": "port",
    "sourceport": "port",
    "ipport": "port",
    "proxiedhostipaddress": "proxied_ip",
    "isnonroutableipaddress": "non_routable",
    "activitycountry": "country",
    "activityregion": "region",
    "activitycity": "city",
    "useragentstring": "agent",
    "useragent": "agent",
    "productname": "product",
    "subproductname": "sub_product",
    "refererproductname": "referer_product",
    "referersubproductname": "referer_sub_product",
    "activitytype": "activity",
    "gmailaccesschannel": "gmail_channel",
    "androidwebviewpackagename": "webview_package",
}

# Columns of an IP activity table in the subscriber page.
IP_TABLE_COLUMNS: dict[str, str] = {
    "timestamp": "time",
    "time": "time",
    "date": "time",
    "timestamputc": "time",
    "ipaddress": "ip",
    "ip": "ip",
    "port": "port",
    "sourceport": "port",
    "activitytype": "activity",
    "activity": "activity",
    "androidid": "device",
    "appleidfv": "device",
    "idfv": "device",
    "deviceid": "device",
    "useragent": "agent",
    "useragents": "agent",
    "useragentstring": "agent",
    "useragentstrings": "agent",
}

_DEVICE_HINTS = ("androidid", "imei", "meid", "serial", "deviceid", "idfv", "advertisingid")


def _account_from_names(probe: Probe) -> tuple[str, str]:
    """(e-mail, Gaia ID) from `<email>.<id>.…` in the file name or the folders above it: on
    disk, or inside the archive the file came from."""
    parts = [probe.name]
    if probe.member:
        parts.extend(p.name for p in PurePosixPath(probe.member).parents if p.name)
    if probe.origin is not None:
        parts.extend(p.name for p in probe.origin.parents)
    for part in parts:
        m = _ACCOUNT_NAME.search(part)
        if m is not None and email_value(m.group("email")):
            return m.group("email").lower(), m.group("id")
    return "", ""


def _kind(probe: Probe) -> str:
    """Which file of a Google return this is, or '' when it is none of them."""
    name = probe.name.lower()
    text = probe.head_text()
    lowered = text.lower()
    is_text = probe.mime.startswith(_CSV_MIMES) or probe.mime == "application/x-empty"
    is_html = probe.mime.startswith("text/") and (
        probe.mime == "text/html" or "<html" in lowered[:1024] or "<ul" in lowered
    )
    if is_html and "subscriberinfo" in name:
        return "subscriber"
    if is_html and re.search(r"<li>\s*google account id\s*:", lowered):
        return "subscriber"
    if is_html and "changehistory" in name:
        return "change-history"
    if not is_text:
        return ""
    header = {norm(c) for c in _first_row(text)}
    if "gaiaid" in header and header & {"activitytimestamp", "activitytimestamputc"}:
        return "access-log"
    if name.startswith(_ACCESS_LOG_NAME):
        return "access-log"
    if "linkedbycookies" in name:
        return "linked-by-cookies"
    if "linkedbyphone" in name:
        return "linked-by-phone"
    if name.startswith(_DEVICES_NAME):
        return "devices"
    if name.endswith("exportsummary.txt"):
        return "export-summary"
    if name == "norecords.txt" or name.endswith(".norecords.txt"):
        return "no-records"
    return ""


_SCORES = {
    "subscriber": 90,
    "change-history": 85,
    "access-log": 90,
    "linked-by-cookies": 85,
    "linked-by-phone": 85,
    "devices": 70,
    "export-summary": 55,
    "no-records": 55,
}


def _first_row(text: str) -> list[str]:
    first = text.removeprefix("\ufeff").splitlines()[:1]
    if not first:
        return []
    try:
        return next(csv.reader(first), [])
    except csv.Error:
        return []


# -- HTML -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Table:
    heading: str
    rows: list[list[str]] = field(default_factory=list)
    header_row: list[str] = field(default_factory=list)


class _Page(HTMLParser):
    """The list items, headings and tables of a return's HTML page, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self.tables: list[_Table] = []
        self.heading = ""
        self.ended = False
        self._li: list[str] | None = None
        self._h: list[str] | None = None
        self._cell: list[str] | None = None
        self._cell_is_header = False
        self._row: list[str] | None = None
        self._row_headers = 0
        self._table: _Table | None = None

    @property
    def open_parts(self) -> bool:
        """Whether a list item, cell or table was still open at the end."""
        return self._li is not None or self._table is not None

    def _flush_li(self) -> None:
        if self._li is not None:
            self.items.append(" ".join("".join(self._li).split()))
            self._li = None

    def _flush_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._row_headers += self._cell_is_header
        self._cell = None

    def _flush_row(self) -> None:
        self._flush_cell()
        if self._row is not None and self._table is not None and any(self._row):
            if self._row_headers == len(self._row) and not self._table.header_row:
                self._table.header_row = self._row
            else:
                self._table.rows.append(self._row)
        self._row = None
        self._row_headers = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open the structure the tag starts, closing what it implicitly ends."""
        if tag == "li":
            self._flush_li()
            self._li = []
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._h = []
        elif tag == "table":
            self._flush_li()
            self._table = _Table(self.heading)
        elif tag == "tr":
            self._flush_row()
            self._row = []
        elif tag in ("td", "th"):
            self._flush_cell()
            if self._row is None:
                self._row = []
            self._cell = []
            self._cell_is_header = tag == "th"
        elif tag == "br":
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        """Close the structure the tag ends."""
        if tag == "li" or tag in ("ul", "ol"):
            self._flush_li()
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self._h is not None:
            self.heading = " ".join("".join(self._h).split())
            self._h = None
        elif tag in ("td", "th"):
            self._flush_cell()
        elif tag == "tr":
            self._flush_row()
        elif tag == "table" and self._table is not None:
            self._flush_row()
            self.tables.append(self._table)
            self._table = None
        elif tag == "html":
            self.ended = True

    def handle_data(self, data: str) -> None:
        """Text goes to the innermost open cell, list item or heading."""
        for buffer in (self._cell, self._li, self._h):
            if buffer is not None:
                buffer.append(data)
                return

    def finish(self) -> None:
        """Close the parser and keep whatever was still open."""
        self.close()
        open_table = self._table
        self._flush_li()
        if open_table is not None:
            self._flush_row()
            self.tables.append(open_table)


# -- the reader -------------------------------------------------------------------------


@dataclass(slots=True)
class _File:
    """What every item of one file shares while it is read."""

    sink: Sink
    ctx: ImportContext
    kind: str
    layout: str
    email: str
    gaia_id: str
    records: RecordWarnings
    warned: set[str] = field(default_factory=set)

    @property
    def account(self) -> str:
        """The account key: google:<email>, or google:<Gaia ID> when no e-mail is known."""
        if self.email:
            return f"google:{self.email}"
        return f"google:{self.gaia_id}" if self.gaia_id else ""

    @property
    def owner(self) -> ParticipantDraft | None:
        """The account as a participant (its e-mail, else its Gaia ID, as the handle)."""
        handle = self.email or self.gaia_id
        return ParticipantDraft(handle=handle) if handle else None

    def unknown(self, section: str, label: str) -> None:
        """Warn once per file that a label or column is not understood."""
        key = f"{section}/{label}"
        if key not in self.warned:
            self.warned.add(key)
            self.sink.warn(f"{key}: not understood, kept as text")

    def meta(self, record: str, fields: dict[str, str], **extra: Any) -> dict[str, Any]:
        """The meta every item gets: record type, raw fields, layout, account."""
        meta: dict[str, Any] = {"record": record, "fields": fields, "layout": self.layout}
        if self.account:
            meta["account"] = self.account
        if self.gaia_id:
            meta["gaia_id"] = self.gaia_id
        meta.update(extra)
        return meta

    def event(self, raw: str, kind: str, zone_stated: bool = False) -> EventDraft | None:
        """An event at `raw` (UTC when stated, else assumed UTC); warns when unreadable."""
        if not raw.strip():
            return None
        found = time_event(raw, kind, "UTC", zone_stated)
        if found is None:
            self.records.warn(f"{kind}: time {raw!r} not understood, kept as text")
        return found


class GoogleReturnImporter:
    """Files of a Google LERS return: subscriber info, access logs, linked accounts."""

    NAME: ClassVar[str] = "google-return"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """By the file's content (CSV header, subscriber labels) and Google's file names."""
        return _SCORES.get(_kind(probe), 0)

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """Records for the file's subscriber details, IP activity or linked accounts."""
        kind = _kind(probe)
        if not kind:
            raise WrongFormat(f"{probe.name}: not a file of a Google return")
        if probe.size > MAX_TEXT_BYTES and kind not in ("access-log", "devices"):
            raise CorruptRecord(
                f"{probe.name}: {probe.size // (1024 * 1024)} MB is more than the "
                f"{MAX_TEXT_BYTES // (1024 * 1024)} MB this reader accepts for this file"
            )
        email, gaia_id = _account_from_names(probe)
        f = _File(sink, ctx, kind, "", email, gaia_id, RecordWarnings(sink))
        if kind == "subscriber":
            self._subscriber(probe, f)
        elif kind == "change-history":
            self._change_history(probe, f)
        elif kind == "access-log":
            self._access_log(probe, f)
        elif kind in ("linked-by-cookies", "linked-by-phone"):
            self._linked(probe, f)
        elif kind == "devices":
            self._devices(probe, f)
        else:
            self._cover_sheet(probe, f)
        f.records.finish()
        if f.account:
            sink.decide("account", f.account)

    # -- HTML pages ---------------------------------------------------------------------

    def _page(self, probe: Probe, f: _File) -> _Page:
        with probe.open() as fh:
            text, encoding = decode_text(fh.read(MAX_TEXT_BYTES + 1))
        if encoding == "cp1252":
            f.sink.warn("not valid UTF-8: read as Windows-1252")
        page = _Page()
        page.feed(text)
        page.finish()
        if not page.ended or page.open_parts:
            f.sink.warn(
                "the page ends before its HTML is closed (truncated?): read as far as it goes"
            )
        return page

    def _subscriber(self, probe: Probe, f: _File) -> None:
        page = self._page(probe, f)
        fields: dict[str, str] = {}
        roles: dict[str, str] = {}
        for n, line in enumerate(page.items, 1):
            label, sep, value = line.partition(":")
            if not sep:
                fields[f"item {n}"] = line
                f.unknown("subscriber", line[:60])
                continue
            label, value = label.strip(), value.strip()
            fields[label if label not in fields else f"{label} ({n})"] = value
            role = SUBSCRIBER_LABELS.get(norm(label))
            if role is None:
                f.unknown("subscriber", label)
            elif value and role not in roles:
                roles[role] = value
        if not fields and not page.tables:
            raise CorruptRecord(f"{probe.name}: no subscriber details found in the page")
        stated_email = email_value(roles.get("email", ""))
        if stated_email:
            if f.email and f.email != stated_email:
                f.sink.warn(
                    f"the page's e-Mail {stated_email} differs from the file name's {f.email}"
                )
            f.email = stated_email
        if roles.get("id"):
            f.gaia_id = roles["id"]
        f.layout = (
            f"SubscriberInfo.html ({plural(len(fields), 'label')}, "
            f"{plural(len(page.tables), 'table')})"
        )
        f.sink.decide("layout", f"Google LERS {f.layout}")
        if not f.account:
            f.sink.warn("the account has neither an e-mail nor an account ID")
        account = f.account
        name = roles.get("name") or " ".join(
            p for p in (roles.get("given", ""), roles.get("family", "")) if p
        )
        created = f.event(roles.get("created", ""), "registered")
        deleted = f.event(roles.get("deleted", ""), "deleted")
        events = [
            e
            for e in (
                created,
                deleted,
                f.event(roles.get("end_of_service", ""), "end_of_service"),
                f.event(roles.get("updated", ""), "updated"),
            )
            if e is not None
        ]
        for raw in split_list(roles.get("last_logins", "")):
            login = f.event(raw, "last_login")
            if login is not None:
                events.append(login)
        ids: list[IdentifierDraft | None] = [
            identifier(account, IdentifierKind.NAME, name),
            identifier(
                account,
                IdentifierKind.REGISTRATION_IP,
                roles.get("tos_ip", ""),
                created.ts_utc_us if created else None,
            ),
            identifier(
                account,
                IdentifierKind.IP,
                roles.get("deletion_ip", ""),
                deleted.ts_utc_us if deleted else None,
            ),
        ]
        for role in ("email", "alt_emails", "contact_email", "recovery_email"):
            ids.extend(
                identifier(account, IdentifierKind.EMAIL, raw)
                for raw in split_list(roles.get(role, ""))
            )
        for role in ("recovery_sms", "phones", "2sv_phones"):
            ids.extend(
                identifier(account, IdentifierKind.PHONE, raw)
                for raw in split_list(roles.get(role, ""))
            )
        for label, role in (("Terms of Service IP", "tos_ip"), ("Deletion IP", "deletion_ip")):
            if roles.get(role) and identifier(account, IdentifierKind.IP, roles[role]) is None:
                f.records.warn(f"{label}: {roles[role]!r} is not an IP address, kept as text")
        head = f"Google account {f.email or '(no e-mail)'}"
        if f.gaia_id:
            head += f" (ID {f.gaia_id})"
        f.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator="subscriber info",
                text="\n".join([head, *page.items]),
                author=ParticipantDraft(name=name, handle=f.email or f.gaia_id),
                events=events,
                meta=f.meta("subscriber", fields),
                identifiers=present(*ids),
                key="subscriber",
            )
        )
        for t, table in enumerate(page.tables, 1):
            self._table(f, t, table)

    def _table(self, f: _File, number: int, table: _Table) -> None:
        header = table.header_row or (table.rows.pop(0) if table.rows else [])
        title = table.heading or f"table {number}"
        roles = [IP_TABLE_COLUMNS.get(norm(h), "") for h in header]
        if "ip" in roles and "time" in roles:
            for h, role in zip(header, roles, strict=True):
                if not role:
                    f.unknown(title, h)
            for n, row in enumerate(table.rows, 1):
                if n % 1000 == 0:
                    f.ctx.cancel.check()
                self._ip_row(f, f"{title} row {n}", header, roles, row, "ip-activity")
            return
        f.sink.warn(f"{title}: a table not understood, its rows kept as text")
        for n, row in enumerate(table.rows, 1):
            fields = _row_fields(header, row)
            f.sink.add_item(
                ItemDraft(
                    kind=ItemKind.RECORD,
                    locator=f"{title} row {n}",
                    text="\n".join(f"{k}: {v}" for k, v in fields.items()),
                    meta=f.meta(_table_record(title, header), fields, table=title),
                    identifiers=_devicepresent(f.account, header, row),
                )
            )

    def _ip_row(
        self,
        f: _File,
        locator: str,
        header: list[str],
        roles: list[str],
        row: list[str],
        source: str,
    ) -> None:
        """One IP activity entry: a login record with an IP identifier (port and time)."""
        fields = _row_fields(header, row)
        if len(row) < len(header):
            f.records.warn(
                f"{locator}: {len(row)} of {len(header)} columns (truncated?), kept as read"
            )
        by_role: dict[str, str] = {}
        devices: list[tuple[str, str]] = []
        for h, role, value in zip(header, roles, row, strict=False):
            if role == "device" and value.strip():
                devices.append((h, value.strip()))
            elif role and value.strip() and role not in by_role:
                by_role[role] = value.strip()
        time_header = next((h for h, r in zip(header, roles, strict=False) if r == "time"), "")
        event = f.event(by_role.get("time", ""), "login", "utc" in time_header.lower())
        ts = event.ts_utc_us if event else None
        port_raw = by_role.get("port", "")
        port = int(port_raw) if port_raw.isdigit() and int(port_raw) <= 65535 else None
        if port_raw and port is None:
            f.records.warn(f"{locator}: port {port_raw!r} is not a port number, kept as text")
        raw_ip = by_role.get("ip", "")
        found = identifier(f.account, IdentifierKind.IP, raw_ip, ts, port)
        if raw_ip and found is None:
            f.records.warn(f"{locator}: {raw_ip!r} is not an IP address, kept as text")
        ids = [found]
        if by_role.get("proxied_ip"):
            ids.append(identifier(f.account, IdentifierKind.IP, by_role["proxied_ip"], ts, None))
        ids.extend(identifier(f.account, IdentifierKind.DEVICE, v) for _, v in devices)
        activity = by_role.get("activity", "") or "Activity"
        where = ", ".join(by_role[k] for k in ("city", "region", "country") if by_role.get(k))
        parts = [f"{activity} from {raw_ip or '(no IP)'}"]
        if found is not None and found.port is not None:
            parts[0] += f" port {found.port}"
        parts.extend(
            p
            for p in (
                " / ".join(by_role[k] for k in ("product", "sub_product") if by_role.get(k)),
                where,
                by_role.get("agent", ""),
            )
            if p
        )
        f.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=locator,
                text=" — ".join(parts),
                author=f.owner,
                events=[event] if event else [],
                meta=f.meta("login", fields, source=source),
                identifiers=present(*ids),
            )
        )

    def _change_history(self, probe: Probe, f: _File) -> None:
        page = self._page(probe, f)
        if not page.tables:
            raise CorruptRecord(f"{probe.name}: no change history table in the page")
        f.layout = "ChangeHistory.html"
        f.sink.decide("layout", f"Google LERS {f.layout}")
        table = page.tables[0]
        header = table.header_row or (table.rows.pop(0) if table.rows else [])
        normed = [norm(h) for h in header]

        def col(row: list[str], *names: str) -> str:
            for name in names:
                if name in normed and normed.index(name) < len(row):
                    return row[normed.index(name)].strip()
            return ""

        for n, row in enumerate(table.rows, 1):
            fields = _row_fields(header, row)
            change = col(row, "changetype", "type")
            old, new = col(row, "oldvalue"), col(row, "newvalue")
            event = f.event(col(row, "timestamp", "time", "date"), "account_changed")
            ids: list[IdentifierDraft | None] = []
            kind = norm(change)
            id_kind = (
                IdentifierKind.EMAIL
                if "email" in kind
                else IdentifierKind.PHONE
                if "phone" in kind or "sms" in kind
                else None
            )
            if id_kind is not None:
                ts = event.ts_utc_us if event else None
                ids = [identifier(f.account, id_kind, v, ts) for v in (old, new) if v]
            f.sink.add_item(
                ItemDraft(
                    kind=ItemKind.RECORD,
                    locator=f"change {n}",
                    text=f"{change or 'Change'}: {old or '(none)'} → {new or '(none)'}",
                    author=f.owner,
                    events=[event] if event else [],
                    meta=f.meta("change", fields),
                    identifiers=present(*ids),
                )
            )

    # -- CSV files ----------------------------------------------------------------------

    def _csv_rows(self, probe: Probe, f: _File) -> Iterator[tuple[int, list[str]]]:
        """(line number, cells) of each row, streamed; warns once about bad bytes."""
        with probe.open() as raw:
            stream = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
            reader = csv.reader(stream)
            bad = False
            try:
                for row in reader:
                    if not bad and any("\ufffd" in c for c in row):
                        bad = True
                        f.sink.warn("not valid UTF-8: bad bytes replaced")
                    yield reader.line_num, row
            except csv.Error as exc:
                f.sink.warn(
                    f"line {reader.line_num}: the CSV breaks off ({exc}): rows after it not read"
                )

    def _access_log(self, probe: Probe, f: _File) -> None:
        rows = self._csv_rows(probe, f)
        _line, header = next(rows, (0, []))
        roles = [ACCESS_LOG_COLUMNS.get(norm(h), "") for h in header]
        if "time" not in roles or "ip" not in roles:
            raise CorruptRecord(
                f"{probe.name}: the columns are not those of a Google access log (no "
                f"'Activity Timestamp' and 'IP Address' among: {', '.join(header) or 'none'})"
            )
        for h, role in zip(header, roles, strict=True):
            if not role:
                f.unknown("access log", h)
        f.layout = f"Access Log Activity CSV ({len(header)} columns)"
        f.sink.decide("layout", f"Google LERS {f.layout}")
        gaia_col = roles.index("gaia") if "gaia" in roles else -1
        count = 0
        for line, row in rows:
            if not any(c.strip() for c in row):
                continue
            if count % 1000 == 0:
                f.ctx.cancel.check()
            if gaia_col >= 0 and gaia_col < len(row) and row[gaia_col].strip():
                gaia = row[gaia_col].strip()
                if not f.gaia_id:
                    f.gaia_id = gaia
                    if not f.email:
                        f.sink.warn(
                            f"the account's e-mail is not in the file's name or folders: "
                            f"its rows are keyed by the Gaia ID, google:{gaia}"
                        )
                elif gaia != f.gaia_id:
                    f.records.warn(f"row {line}: Gaia ID {gaia} differs from {f.gaia_id}")
            if len(row) > len(header):
                f.records.warn(f"row {line}: {len(row) - len(header)} cells beyond the header")
            self._ip_row(f, f"row {line}", header, roles, row, "access-log")
            count += 1
        f.sink.decide("rows", str(count))

    def _linked(self, probe: Probe, f: _File) -> None:
        how = "cookies" if f.kind == "linked-by-cookies" else "phone"
        rows = self._csv_rows(probe, f)
        _line, header = next(rows, (0, []))
        if not header:
            raise CorruptRecord(f"{probe.name}: the file is empty")
        normed = [norm(h) for h in header]
        roles = [_linked_role(h) for h in normed]
        for h, role in zip(header, roles, strict=True):
            if not role:
                f.unknown(f"linked by {how}", h)
        f.layout = f"LinkedBy{how.capitalize()}.csv ({len(header)} columns)"
        f.sink.decide("layout", f"Google LERS {f.layout}")
        if not f.account:
            f.sink.warn("the target account is not in the file's name: links kept without it")
        count = 0
        for line, row in rows:
            if not any(c.strip() for c in row):
                continue
            count += 1
            fields = _row_fields(header, row)
            emails = [
                c.strip()
                for c, r in zip(row, roles, strict=False)
                if r == "email" and email_value(c)
            ] or [c.strip() for c in row if email_value(c)]
            gaia = next(
                (c.strip() for c, r in zip(row, roles, strict=False) if r == "id" and c.strip()),
                "",
            )
            phones = [c.strip() for c, r in zip(row, roles, strict=False) if r == "phone"]
            times = [c for c, r in zip(row, roles, strict=False) if r == "time" and c.strip()]
            other_raw = emails[0] if emails else gaia
            if not other_raw:
                f.records.warn(f"row {line}: no linked account's e-mail or ID found, kept as text")
                other = ""
            else:
                other = f"google:{email_value(other_raw) or other_raw}"
            ids: list[IdentifierDraft | None] = []
            if other and f.account:
                ids.append(
                    IdentifierDraft(f.account, IdentifierKind.LINKED_ACCOUNT, other, other_raw)
                )
            if other:
                ids.extend(identifier(other, IdentifierKind.EMAIL, e) for e in emails)
                ids.extend(identifier(other, IdentifierKind.PHONE, p) for p in phones if p.strip())
            events = [e for e in (f.event(t, "linked") for t in times[:1]) if e is not None]
            f.sink.add_item(
                ItemDraft(
                    kind=ItemKind.RECORD,
                    locator=f"row {line}",
                    text=f"Linked to {f.email or f.gaia_id or 'the target'} by {how}: "
                    + ", ".join(v for v in row if v.strip()),
                    events=events,
                    meta=f.meta("account", fields, linked_by=how, linked_account=other),
                    identifiers=present(*ids),
                )
            )
        f.sink.decide("rows", str(count))

    def _devices(self, probe: Probe, f: _File) -> None:
        rows = self._csv_rows(probe, f)
        _line, header = next(rows, (0, []))
        if not header:
            raise CorruptRecord(f"{probe.name}: the file is empty")
        f.layout = f"Devices CSV ({len(header)} columns)"
        f.sink.decide("layout", f"Google LERS {f.layout}")
        normed = [norm(h) for h in header]
        for h, n in zip(header, normed, strict=True):
            if not (any(d in n for d in _DEVICE_HINTS) or _time_column(n) or _device_detail(n)):
                f.unknown("devices", h)
        for line, row in rows:
            if not any(c.strip() for c in row):
                continue
            fields = _row_fields(header, row)
            events: list[EventDraft] = []
            for n, value in zip(normed, row, strict=False):
                if _time_column(n) and value.strip():
                    kind = (
                        "device_first_seen"
                        if "first" in n
                        else "device_last_seen"
                        if "last" in n
                        else "device_activity"
                    )
                    found = f.event(value, kind, "utc" in n)
                    if found is not None:
                        events.append(found)
            f.sink.add_item(
                ItemDraft(
                    kind=ItemKind.RECORD,
                    locator=f"row {line}",
                    text="\n".join(f"{k}: {v}" for k, v in fields.items() if v),
                    events=events,
                    meta=f.meta("device", fields),
                    identifiers=_devicepresent(f.account, header, row),
                )
            )

    def _cover_sheet(self, probe: Probe, f: _File) -> None:
        with probe.open() as fh:
            text, _encoding = decode_text(fh.read(MAX_TEXT_BYTES + 1))
        record = f.kind
        f.layout = "ExportSummary.txt" if record == "export-summary" else "NoRecords.txt"
        f.sink.decide("layout", f"Google LERS {f.layout}")
        fields: dict[str, str] = {}
        events: list[EventDraft] = []
        for line in text.splitlines():
            label, sep, value = line.partition(":")
            if sep and label.strip() and len(label) < 80:
                fields[label.strip()] = value.strip()
                if "generat" in label.lower() or "created" in label.lower():
                    found = time_event(value, "return_generated")
                    if found is not None:
                        events.append(found)
        if record == "no-records":
            what = "Google found no records for this service"
            body = f"{what}\n{text.strip()}" if text.strip() else what
        else:
            body = text.strip()
        f.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=probe.name,
                text=body,
                events=events,
                meta=f.meta(record, fields, file_name=probe.name),
            )
        )


def _row_fields(header: list[str], row: list[str]) -> dict[str, str]:
    """{column name: raw cell}; cells beyond the header are kept as `column N`."""
    fields: dict[str, str] = {}
    for i, value in enumerate(row):
        label = header[i] if i < len(header) and header[i] else f"column {i + 1}"
        if label in fields:
            label = f"{label} ({i + 1})"
        fields[label] = value
    return fields


def _linked_role(normed: str) -> str:
    if "email" in normed or "mail" in normed:
        return "email"
    if "phone" in normed or "sms" in normed:
        return "phone"
    if "gaia" in normed or normed.endswith("id"):
        return "id"
    if _time_column(normed):
        return "time"
    return ""


def _time_column(normed: str) -> bool:
    return any(w in normed for w in ("time", "date", "activity")) and "type" not in normed


def _device_detail(normed: str) -> bool:
    return any(w in normed for w in ("brand", "model", "os", "name", "type", "carrier"))


def _devicepresent(account: str, header: list[str], row: list[str]) -> list[IdentifierDraft]:
    out: list[IdentifierDraft] = []
    for h, value in zip(header, row, strict=False):
        if value.strip() and any(d in norm(h) for d in _DEVICE_HINTS):
            found = identifier(account, IdentifierKind.DEVICE, value)
            if found is not None:
                out.append(found)
    return out


def _table_record(title: str, header: list[str]) -> str:
    words = norm(title + "".join(header))
    return "device" if "device" in words or any(d in words for d in _DEVICE_HINTS) else "table"
