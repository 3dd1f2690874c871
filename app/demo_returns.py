"""Invented police extractions and platform returns, written by code for the demo and the tests.

Nothing here is vendor output: the files follow the structure that open-source readers of
these formats document (see the shared reference on formats). Phone numbers are in Ofcom's
drama range, addresses use example.com / example.org. Generation is deterministic.
"""

from __future__ import annotations

import hashlib
import html
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from PIL import Image

# =========================================================================================
# Cellebrite UFDR: a zip holding report.xml and the extracted files it names
# =========================================================================================

UFDR_NAMESPACE = "http://pa.cellebrite.com/report/2.0"
UFDR_START = datetime(2024, 3, 5, 21, 14, 3, tzinfo=UTC)
"""The time of the first generated message; each next one is 47 seconds later."""
UFDR_STEP_S = 47


@dataclass(frozen=True, slots=True)
class UfdrParty:
    """A person as the phone knew them: a WhatsApp JID is made from the number."""

    name: str
    phone: str  # E.164, "+447700900456"

    @property
    def jid(self) -> str:
        """The WhatsApp identifier (`447700900456@s.whatsapp.net`)."""
        return f"{self.phone.lstrip('+')}@s.whatsapp.net"


@dataclass(frozen=True, slots=True)
class UfdrAccount:
    """A user account found on the phone (a UserAccount model)."""

    service: str  # "Instagram"
    username: str
    name: str = ""
    user_id: str = ""
    email: str = ""
    phone: str = ""
    created: datetime | None = None


@dataclass(frozen=True, slots=True)
class UfdrAttachment:
    """One generated attachment: the zip member, its bytes' hashes and the message it is on."""

    member: str
    message_index: int
    sha256: str
    md5: str
    recorded_sha256: str  # what the report says; differs from sha256 when bad_hash was asked
    by_path: bool  # referenced through attachment_extracted_path (else only through file_id)


@dataclass(frozen=True, slots=True)
class UfdrWritten:
    """What `write_ufdr` wrote, for tests and the bench to check against."""

    path: Path
    messages: int
    chats: int
    attachments: tuple[UfdrAttachment, ...]
    zone_less: tuple[int, ...]  # indexes of the messages whose time has no offset
    deleted: tuple[int, ...]
    report_bytes: int

    def message_id(self, index: int) -> str:
        """The model id of the message at `index`."""
        return _message_id(index)

    def message_body(self, index: int) -> str:
        """The text of the message at `index`."""
        return ufdr_message_body(index)

    def message_time(self, index: int) -> datetime:
        """The UTC time of the message at `index` (zone-less ones are written as UTC wall time)."""
        return UFDR_START + timedelta(seconds=UFDR_STEP_S * index)


UFDR_OWNER = UfdrParty("Owner", "+447700900123")
UFDR_CONTACTS: tuple[UfdrParty, ...] = (
    UfdrParty("Alex", "+447700900456"),
    UfdrParty("Sam", "+447700900789"),
    UfdrParty("Jo", "+447700900321"),
)
UFDR_ACCOUNT = UfdrAccount(
    "Instagram",
    "synthetic.fake.profile",
    "Synthetic Person",
    "9990000001",
    "synthetic.person@example.com",
    "+447700900123",
    datetime(2023, 11, 1, 9, 0, tzinfo=UTC),
)
UFDR_IMEI = "490154203237518"

_PHRASES = (
    "where are you",
    "answer your phone",
    "I know you saw my message",
    "please stop contacting me",
    "who were you with last night",
    "I will be outside your work at five",
    "leave me alone",
    "you can't ignore me forever",
)


def ufdr_message_body(index: int) -> str:
    """The generated text of message `index` (distinct for every index)."""
    return f"{_PHRASES[index % len(_PHRASES)]} ({index + 1})"


def _message_id(index: int) -> str:
    return f"00000000-0000-4000-8001-{index:012x}"


def _file_id(n: int) -> str:
    return f"00000000-0000-4000-8002-{n:012x}"


def _png(n: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (24, 16), ((60 + 50 * n) % 256, 90, (200 - 30 * n) % 256)).save(buf, "PNG")
    return buf.getvalue()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def _field(name: str, kind: str, value: str) -> str:
    return (
        f'<field name="{name}" type="{kind}"><value type="{kind}"><![CDATA[{value}]]></value>'
        "</field>"
    )


def _time_field(name: str, moment: datetime, zone_less: bool = False) -> str:
    if zone_less:
        raw = moment.strftime("%Y-%m-%dT%H:%M:%S.123")
        return (
            f'<field name="{name}" type="TimeStamp"><value type="TimeStamp" '
            f'format="DateTimeOnly"><![CDATA[{raw}]]></value></field>'
        )
    shown = moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return (
        f'<field name="{name}" type="TimeStamp"><value type="TimeStamp" format="TimeStampKnown" '
        f'formattedTimestamp="{shown}"><![CDATA[{_iso(moment)}]]></value></field>'
    )


def _party(model_id: str, party: UfdrParty, role: str, owner: bool, jid: bool = True) -> str:
    return (
        f'<model type="Party" id="{model_id}" deleted_state="Intact" decoding_confidence="High" '
        'isrelated="False" extractionId="0">'
        + _field("Identifier", "String", party.jid if jid else party.phone)
        + _field("Role", "PartyRole", role)
        + _field("Name", "String", party.name)
        + _field("IsPhoneOwner", "Boolean", "True" if owner else "False")
        + "</model>"
    )


def _header(owner: UfdrParty, imei: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<!-- Invented UFDR written by Threadline's generator; not vendor output. -->\n"
        '<project id="00000000-0000-4000-8000-000000000001" name="GENERATED-EXHIBIT" '
        'reportVersion="8.5" licenseID="0" containsGarbage="False" extractionType="FileSystem" '
        f'xmlns="{UFDR_NAMESPACE}">\n'
        "<sourceExtractions>"
        '<extractionInfo id="0" name="File System" type="FileSystem" deviceName="Generated '
        'Android" fullName="Generated Android" index="0" IsPartialData="False" />'
        "</sourceExtractions>\n"
        "<caseInformation>"
        '<field name="Case Number" isSystem="True" fieldType="CaseNumber">GEN-0001</field>'
        '<field name="Examiner Name" isSystem="True" fieldType="ExaminerName">Generator</field>'
        "</caseInformation>\n"
        '<metadata section="Additional Fields">'
        '<item name="UFED_PA_Version"><![CDATA[0.0.0.0-generated]]></item>'
        '<item name="UfdrLanguage"><![CDATA[en-GB]]></item></metadata>\n'
        '<metadata section="Extraction Data">'
        '<item name="DeviceInfoExtractionStartDateTime" sourceExtraction="0">'
        "<![CDATA[06/03/2024 09:00:00]]></item>"
        '<item name="Time zone settings (ID)" sourceExtraction="0">'
        "<![CDATA[Europe/London]]></item></metadata>\n"
        '<metadata section="Device Info">'
        '<item id="di-1" name="DeviceInfoOSVersion" sourceExtraction="0"><![CDATA[14]]></item>'
        f'<item id="di-2" name="IMEI" sourceExtraction="0"><![CDATA[{imei}]]></item>'
        f'<item id="di-3" name="MSISDN" sourceExtraction="0"><![CDATA[{owner.phone}]]></item>'
        '<item id="di-4" name="DeviceInfoTimeZone" sourceExtraction="0">'
        "<![CDATA[Europe/London]]></item></metadata>\n"
    )


def _message(
    index: int,
    owner: UfdrParty,
    other: UfdrParty,
    zone_less: bool,
    deleted: bool,
    attachment: tuple[str, str, str, bool] | None,
) -> str:
    mid = _message_id(index)
    outgoing = index % 3 == 1
    sender, receiver = (owner, other) if outgoing else (other, owner)
    moment = UFDR_START + timedelta(seconds=UFDR_STEP_S * index)
    parts = [
        f'<model type="InstantMessage" id="{mid}" deleted_state="'
        f'{"Deleted" if deleted else "Intact"}" decoding_confidence="High" isrelated="False" '
        'source_index="12" extractionId="0">',
        _field("Source", "String", "WhatsApp"),
        _field("Identifier", "String", f"MSG-{index + 1}"),
        _field("Body", "String", ufdr_message_body(index)),
        _time_field("TimeStamp", moment, zone_less),
        _field("Status", "MessageStatus", "Sent" if outgoing else "Read"),
        '<modelField name="From" type="Party">',
        _party(f"{mid}-f", sender, "From", outgoing),
        '</modelField><multiModelField name="To" type="Party">',
        _party(f"{mid}-t", receiver, "To", not outgoing),
        "</multiModelField>",
    ]
    if attachment is not None:
        file_id, member, name, by_path = attachment
        parts.append(
            '<multiModelField name="Attachments" type="Attachment">'
            f'<model type="Attachment" id="{mid}-a" file_id="{file_id}" deleted_state="Intact" '
            'decoding_confidence="High" isrelated="False" extractionId="0">'
            + _field("Filename", "String", name)
            + _field("ContentType", "String", "image/png")
            + (
                _field("attachment_extracted_path", "String", member.replace("/", "\\"))
                if by_path
                else ""
            )
            + "</model></multiModelField>"
            f'<jumptargets><targetid ismodel="false">{file_id}</targetid></jumptargets>'
        )
    parts.append("</model>")
    return "".join(parts)


def _tagged_file(file_id: str, member: str, data: bytes, recorded_sha256: str) -> str:
    name = member.rsplit("/", 1)[-1]
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return (
        '<file fs="Generated Android" fsid="00000000-0000-4000-8000-0000000000fa" '
        f'path="/data/media/0/WhatsApp/Media/WhatsApp Images/{name}" size="{len(data)}" '
        f'id="{file_id}" extractionId="0" deleted="Intact" embedded="false" isrelated="False">'
        '<accessInfo><timestamp name="CreationTime">2024-03-05T21:15:38.000+00:00</timestamp>'
        '</accessInfo><metadata section="File">'
        f'<item name="Local Path"><![CDATA[{member.replace("/", chr(92))}]]></item>'
        f'<item name="SHA256"><![CDATA[{recorded_sha256}]]></item>'
        f'<item name="MD5"><![CDATA[{md5}]]></item>'
        '<item name="Tags"><![CDATA[Image]]></item></metadata></file>'
    )


def _account(account: UfdrAccount, n: int) -> str:
    aid = f"00000000-0000-4000-8003-{n:012x}"
    entries = []
    if account.email:
        entries.append(("EmailAddress", "Email", account.email))
    if account.phone:
        entries.append(("PhoneNumber", "Mobile", account.phone))
    if account.user_id:
        entries.append(("UserID", f"{account.service} Id", account.user_id))
    body = [
        f'<model type="UserAccount" id="{aid}" deleted_state="Intact" decoding_confidence="High" '
        'isrelated="False" extractionId="0">',
        _field("Source", "String", account.service),
        _field("ServiceType", "String", account.service),
        _field("Username", "String", account.username),
    ]
    if account.name:
        body.append(_field("Name", "String", account.name))
    if account.created is not None:
        body.append(_time_field("TimeCreated", account.created))
    body.append('<multiModelField name="Entries" type="ContactEntry">')
    for k, (kind, category, value) in enumerate(entries):
        body.append(
            f'<model type="{kind}" id="{aid}-e{k}">'
            + _field("Category", "String", category)
            + _field("Value", "String", value)
            + "</model>"
        )
    body.append("</multiModelField></model>")
    return "".join(body)


def _others(owner: UfdrParty, contacts: Sequence[UfdrParty]) -> str:
    first = contacts[0]
    call_time = UFDR_START - timedelta(days=1, hours=3)
    return (
        '<modelType type="Call"><model type="Call" id="00000000-0000-4000-8004-000000000001" '
        'deleted_state="Intact" decoding_confidence="High" isrelated="False" extractionId="0">'
        + _field("Source", "String", "Phone")
        + _field("Direction", "CallDirection", "Outgoing")
        + _field("Status", "CallStatus", "Established")
        + _time_field("TimeStamp", call_time)
        + _field("Duration", "TimeSpan", "00:01:25")
        + '<multiModelField name="Parties" type="Party">'
        + _party("00000000-0000-4000-8004-000000000002", first, "To", False, jid=False)
        + "</multiModelField></model></modelType>\n"
        '<modelType type="Contact"><model type="Contact" id="00000000-0000-4000-8005-000000000001" '
        'deleted_state="Intact" decoding_confidence="High" isrelated="False" extractionId="0">'
        + _field("Source", "String", "Phone")
        + _field("Name", "String", first.name)
        + '<multiModelField name="Entries" type="ContactEntry">'
        '<model type="PhoneNumber" id="00000000-0000-4000-8005-000000000002">'
        + _field("Category", "String", "Mobile")
        + _field("Value", "String", first.phone)
        + "</model></multiModelField></model></modelType>\n"
    )


def write_ufdr(
    path: Path,
    *,
    messages: int = 12,
    chats: int = 2,
    attachments: int = 2,
    zone_less: int = 1,
    deleted: int = 1,
    bad_hash: bool = False,
    owner: UfdrParty = UFDR_OWNER,
    contacts: Sequence[UfdrParty] = UFDR_CONTACTS,
    accounts: Sequence[UfdrAccount] = (UFDR_ACCOUNT,),
    imei: str = UFDR_IMEI,
    folder: str = "",
    report_name: str = "report.xml",
    compresslevel: int = 6,
) -> UfdrWritten:
    """Write a UFDR zip of `messages` WhatsApp messages spread over `chats` chats.

    The report.xml is streamed into the zip (a million messages never sit in memory).
    `attachments` messages carry a PNG (the first through `attachment_extracted_path` and
    `file_id`, the next through `file_id` only, alternating); with `bad_hash` the report
    records a wrong SHA-256 for the first. The last `zone_less` messages have offset-less
    (`DateTimeOnly`) times; the first `deleted` incoming messages are marked deleted. Every
    message has an `extraInfo` naming msgstore.db. `folder` nests everything in a folder.
    """
    chats = max(1, min(chats, len(contacts), max(messages, 1)))
    attachments = min(attachments, messages)
    every = messages // (attachments + 1) if attachments else 0
    at_index = {every * (j + 1): j for j in range(attachments)}
    zone_less_set = frozenset(range(max(0, messages - zone_less), messages))
    deleted_list: list[int] = [i for i in range(messages) if i % 3 != 1][:deleted]
    pngs = [_png(j) for j in range(attachments)]
    made: list[UfdrAttachment] = []
    refs: dict[int, tuple[str, str, str, bool]] = {}
    for index, j in sorted(at_index.items()):
        stamp = (UFDR_START + timedelta(seconds=UFDR_STEP_S * index)).strftime("%Y%m%d")
        name = f"IMG-{stamp}-WA{j + 1:04d}.png"
        member = f"files/Image/{name}"
        data = pngs[j]
        sha = hashlib.sha256(data).hexdigest()
        recorded = ("0" * 64) if (bad_hash and j == 0) else sha
        by_path = j % 2 == 0
        made.append(
            UfdrAttachment(
                member,
                index,
                sha,
                hashlib.md5(data, usedforsecurity=False).hexdigest(),
                recorded,
                by_path,
            )
        )
        refs[index] = (_file_id(j), member, name, by_path)
    prefix = f"{folder.strip('/')}/" if folder else ""
    per_chat = -(-messages // chats) if messages else 0
    written = 0
    with zipfile.ZipFile(
        path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as archive:
        with archive.open(prefix + report_name, "w", force_zip64=True) as raw:
            out = raw
            written += _write(out, _header(owner, imei))
            written += _write(out, "<taggedFiles>")
            for att, data, j in zip(made, pngs, range(attachments), strict=True):
                written += _write(
                    out, _tagged_file(_file_id(j), att.member, data, att.recorded_sha256)
                )
            written += _write(out, "</taggedFiles>\n<decodedData>\n")
            written += _write_chats(
                out,
                messages,
                chats,
                per_chat,
                owner,
                contacts,
                zone_less_set,
                frozenset(deleted_list),
                refs,
            )
            written += _write(out, '<modelType type="UserAccount">')
            for n, account in enumerate(accounts):
                written += _write(out, _account(account, n))
            written += _write(out, "</modelType>\n")
            written += _write(out, _others(owner, contacts))
            written += _write(out, "</decodedData>\n<extraInfos>")
            chunk: list[str] = []
            for index in range(messages):
                chunk.append(
                    f'<extraInfo id="{_message_id(index)}"><nodeInfo '
                    'id="00000000-0000-4000-8000-00000000db01" name="msgstore.db" '
                    'path="/data/data/com.whatsapp/databases/msgstore.db" size="0" '
                    f'tableName="message" offset="{4096 + 64 * index}" /></extraInfo>\n'
                )
                if len(chunk) >= 2000:
                    written += _write(out, "".join(chunk))
                    chunk = []
            written += _write(out, "".join(chunk) + "</extraInfos>\n</project>\n")
        for att, data in zip(made, pngs, strict=True):
            archive.writestr(prefix + att.member, data)
        archive.writestr(prefix + "SYNTHETIC_README.txt", "Invented UFDR, not vendor output.\n")
    return UfdrWritten(
        path,
        messages,
        chats,
        tuple(made),
        tuple(sorted(zone_less_set)),
        tuple(deleted_list),
        written,
    )


def _write(out: IO[bytes], text: str) -> int:
    data = text.encode()
    out.write(data)
    return len(data)


def _write_chats(
    out: IO[bytes],
    messages: int,
    chats: int,
    per_chat: int,
    owner: UfdrParty,
    contacts: Sequence[UfdrParty],
    zone_less: frozenset[int],
    deleted: frozenset[int],
    refs: dict[int, tuple[str, str, str, bool]],
) -> int:
    written = _write(out, '<modelType type="Chat">')
    for c in range(chats):
        other = contacts[c]
        first = c * per_chat
        last = min(messages, first + per_chat)
        cid = f"00000000-0000-4000-8006-{c:012x}"
        written += _write(
            out,
            f'<model type="Chat" id="{cid}" deleted_state="Intact" decoding_confidence="High" '
            'isrelated="False" source_index="11" extractionId="0">'
            + _field("Source", "String", "WhatsApp")
            + _field("Id", "String", other.jid)
            + _time_field("StartTime", UFDR_START + timedelta(seconds=UFDR_STEP_S * first))
            + '<multiModelField name="Participants" type="Party">'
            + _party(f"{cid}-p1", owner, "General", True)
            + _party(f"{cid}-p2", other, "General", False)
            + '</multiModelField><multiModelField name="Messages" type="InstantMessage">',
        )
        chunk: list[str] = []
        for index in range(first, last):
            chunk.append(
                _message(index, owner, other, index in zone_less, index in deleted, refs.get(index))
            )
            if len(chunk) >= 1000:
                written += _write(out, "".join(chunk))
                chunk = []
        written += _write(out, "".join(chunk) + "</multiModelField></model>\n")
    return written + _write(out, "</modelType>\n")


# =========================================================================================
# Meta business record: records.html and its linked_media/ folder
# =========================================================================================

META_GENERATED = datetime(2024, 4, 2, 12, 0, tzinfo=UTC)
"""When the generated records say they were produced."""


@dataclass(frozen=True, slots=True)
class MetaLogin:
    """One IP activity entry of a record: address, source port (None: not given), time."""

    ip: str
    port: int | None
    when: datetime  # aware
    action: str = "Login"


@dataclass(frozen=True, slots=True)
class MetaMessage:
    """One message of the record's thread; `image` goes to linked_media/ and is named by it."""

    author_name: str
    author_id: str
    sent: datetime  # aware
    body: str = ""
    image: bytes | None = None


@dataclass(frozen=True, slots=True)
class MetaWritten:
    """What `write_meta_return` wrote: records.html, the media files, the account key."""

    records: Path
    media: tuple[Path, ...]
    account: str


def _meta_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _meta_value(lines: Sequence[str], dialect: str) -> str:
    """A value of one or more lines, as each dialect breaks lines."""
    escaped = [html.escape(line) for line in lines]
    if dialect == "2026":
        return '<div class="p"></div>'.join(escaped)
    return "".join(f"<div>{line}</div>" for line in escaped) or "<div></div>"


def _meta_field(label: str, inner: str, dialect: str) -> str:
    """One label and its value (`inner` is HTML: a value, or nested fields)."""
    if dialect == "2026":
        return (
            f'<div class="t o"><div class="t i">{html.escape(label)}'
            f'<div class="m">{inner}</div></div></div>'
        )
    return (
        '<div class="div_table" style="font-weight: bold;"><div class="div_table" '
        f'style="font-weight: bold; display:table;">{html.escape(label)}<div style="font-weight: '
        f'normal; display:table-cell; padding: 2px; word-break: break-word;">{inner}</div></div>'
        "</div>"
    )


def _meta_section(
    name: str, title: str, fields: Sequence[tuple[str, Sequence[str]]], dialect: str, group: bool
) -> str:
    """A `property-…` section: its definition, then its fields (nested under its title when
    `group`, as list sections print them)."""
    parts = [_meta_field(f"{title} Definition", _meta_value(["(generated)"], dialect), dialect)]
    rows = "".join(
        _meta_field(label, _meta_value(value, dialect), dialect) for label, value in fields
    )
    if group:
        inner = rows if dialect == "2026" or not rows else f"<div>{rows}</div>"
        parts.append(
            _meta_field(
                title, inner or _meta_value(["No responsive records located"], dialect), dialect
            )
        )
    else:
        parts.append(
            rows
            or _meta_field(title, _meta_value(["No responsive records located"], dialect), dialect)
        )
    return f'<div id="property-{name}" class="content-pane">{"".join(parts)}</div>\n'


def write_meta_return(
    folder: Path,
    *,
    logins: Sequence[MetaLogin | tuple[str, int | None, datetime]],
    service: str = "Instagram",
    account_id: str = "17841400000000092",
    username: str = "jess.r_92",
    name: str = "Jess R",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    registered: datetime | None = None,
    registration_ip: str = "",
    messages: Sequence[MetaMessage] = (),
    other: tuple[str, str] | None = None,
    linked_accounts: Sequence[tuple[str, str, datetime]] = (),
    dialect: str = "2026",
    generated: datetime = META_GENERATED,
) -> MetaWritten:
    """Write a small Meta business record for one account into `folder`.

    `records.html` holds the request parameters, the subscriber fields given, one IP activity
    entry per login (`ip:port` when a port is given), a thread of `messages` with `other`
    (name, id) and the account holder, and `linked_accounts` (service, identifier, time);
    each message's image goes to `linked_media/unified_message_<n>.png`. `dialect` is "2026"
    (minified `t o`/`t i`/`m` blocks) or "inline" (inline-styled `div_table`s). The same
    arguments write the same bytes.
    """
    if dialect not in ("2026", "inline"):
        raise ValueError(f"unknown dialect {dialect!r}: use '2026' or 'inline'")
    folder.mkdir(parents=True, exist_ok=True)
    entries = [e if isinstance(e, MetaLogin) else MetaLogin(*e) for e in logins]
    times = [e.when for e in entries] + [m.sent for m in messages]
    start = min([registered or generated, *times])
    holder = f"{name} ({service}: {account_id})"
    sections = [
        _meta_section(
            "request_parameters",
            "Request Parameters",
            [
                ("Service", [service]),
                ("Target", [account_id]),
                ("Account Identifier", [username]),
                ("Account Type", ["User"]),
                ("Generated", [_meta_time(generated)]),
                ("Date Range", [f"{_meta_time(start)} to {_meta_time(generated)}"]),
            ],
            dialect,
            group=False,
        )
    ]
    simple = [
        ("name", "Name", [name] if name else []),
        ("emails", "Emails", list(emails)),
        ("phone_numbers", "Phone Numbers", [f"{p} Verified" for p in phones]),
        ("registration_date", "Registration Date", [_meta_time(registered)] if registered else []),
        ("registration_ip", "Registration Ip", [registration_ip] if registration_ip else []),
    ]
    for section, title, lines in simple:
        fields = [(title, lines)] if lines else []
        sections.append(_meta_section(section, title, fields, dialect, group=False))
    activity: list[tuple[str, Sequence[str]]] = []
    for e in entries:
        address = f"{e.ip}:{e.port}" if e.port is not None and ":" not in e.ip else e.ip
        activity += [("IP Address", [address]), ("Time", [_meta_time(e.when)])]
        activity.append(("Action", [e.action]))
    sections.append(_meta_section("ip_addresses", "Ip Addresses", activity, dialect, group=True))
    thread: list[tuple[str, Sequence[str]]] = []
    media: list[Path] = []
    if messages:
        people = [holder] + ([f"{other[0]} ({service}: {other[1]})"] if other else [])
        thread_id = f"34{account_id[-14:]:0>14}"
        thread += [
            ("Thread", [f"({thread_id}) " + ", ".join(people)]),
            ("Current Participants", [" ".join(people)]),
        ]
        for n, m in enumerate(messages, 1):
            thread += [
                ("Author", [f"{m.author_name} ({service}: {m.author_id})"]),
                ("Sent", [_meta_time(m.sent)]),
                ("Body", [m.body] if m.body else []),
            ]
            if m.image is not None:
                file_name = f"unified_message_{account_id[-6:]}{n:03d}.png"
                path = folder / "linked_media" / file_name
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(m.image)
                media.append(path)
                thread += [
                    ("Attachments", [file_name]),
                    ("Type", ["image/png"]),
                    ("Size", [str(len(m.image))]),
                    ("Linked Media File:", [f"linked_media/{file_name}"]),
                ]
    sections.append(
        _meta_section("unified_messages", "Unified Messages", thread, dialect, group=True)
    )
    linked: list[tuple[str, Sequence[str]]] = []
    for linked_service, identifier, when in linked_accounts:
        linked += [
            ("Service", [linked_service]),
            ("Identifier", [identifier]),
            ("Time", [_meta_time(when)]),
        ]
    sections.append(
        _meta_section("linked_accounts", "Linked Accounts", linked, dialect, group=True)
    )
    page = (
        "<!DOCTYPE html>\n<!-- Invented Meta business record written by Threadline's "
        "generator; not Meta's output. -->\n"
        f'<html><head><meta charset="utf-8"><title>{html.escape(service)} Business Record'
        '</title></head><body><div class="records_output">\n'
        + "".join(sections)
        + "</div></body></html>\n"
    )
    records = folder / "records.html"
    records.write_text(page, encoding="utf-8")
    return MetaWritten(records, tuple(media), f"{service.lower()}:{account_id.lower()}")


#: The address and source port the demo's two accounts logged in from, minutes apart.
DEMO_SHARED_IP = ("203.0.113.45", 50112)


def write_demo_meta_returns(folder: Path) -> tuple[MetaWritten, MetaWritten]:
    """The demo's two Meta returns: the fake Instagram account `jess.r_92` and the suspect's
    own Facebook account, whose logins share an address and port 3½ minutes apart.

    Written to `folder/Meta return jess.r_92/` and `folder/Meta return Daniel Hughes/`.
    """
    ip, port = DEMO_SHARED_IP
    fake = write_meta_return(
        folder / "Meta return jess.r_92",
        service="Instagram",
        account_id="17841400000000092",
        username="jess.r_92",
        name="Jess R",
        emails=["jess.r.92@example.net"],
        registered=datetime(2024, 3, 8, 22, 41, 5, tzinfo=UTC),
        registration_ip="198.51.100.77",
        logins=[
            MetaLogin(ip, port, datetime(2024, 3, 9, 23, 6, 40, tzinfo=UTC)),
            MetaLogin("198.51.100.77", 61002, datetime(2024, 3, 10, 8, 20, 0, tzinfo=UTC)),
        ],
        messages=[
            MetaMessage(
                "Jess R",
                "17841400000000092",
                datetime(2024, 3, 9, 23, 9, 12, tzinfo=UTC),
                "Nice new place on Larkspur Road. NB4 7QT isn't it?",
            ),
            MetaMessage(
                "Jess R",
                "17841400000000092",
                datetime(2024, 3, 9, 23, 10, 2, tzinfo=UTC),
                image=_png(7),
            ),
        ],
        other=("Sarah Mitchell", "17841400000000123"),
        dialect="2026",
    )
    own = write_meta_return(
        folder / "Meta return Daniel Hughes",
        service="Facebook",
        account_id="100000000000456",
        username="dan.hughes84",
        name="Daniel Hughes",
        emails=["dan.hughes84@example.com"],
        phones=["+447700900456"],
        registered=datetime(2012, 6, 1, 18, 30, 0, tzinfo=UTC),
        registration_ip="192.0.2.84",
        logins=[
            MetaLogin(ip, port, datetime(2024, 3, 9, 23, 3, 10, tzinfo=UTC)),
            MetaLogin("192.0.2.84", 40222, datetime(2024, 3, 9, 19, 15, 0, tzinfo=UTC)),
        ],
        dialect="inline",
    )
    return fake, own
