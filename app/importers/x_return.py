"""X/Twitter law-enforcement returns: the clear-signed `<account id>-<type>.txt` files.

Each file of a return holds one data type (`-account`, `-account-creation-ip`, `-ip-audit`,
`-direct-messages`, `-device-token`, `-tweets`, …) as a JSON array, wrapped in an OpenPGP
clear signature. The same objects also come unsigned: as a bare JSON array, or as the user
archive's `window.YTD.<name>.part0 = [...]` script. The type is read from the objects, not
the file name; the name gives the account id when the objects do not.

The signature is checked by Sequoia-PGP (`app.importers.openpgp`) when a key is given (a
public key file beside the return on disk, or the import option `signing_keys`); a verified
file is read from the text Sequoia verified. Without a key the file says plainly that it was
not verified. A signature that does not match is recorded and warned about, and every item
of the file carries the outcome in `meta["signature"]`.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from app.errors import CorruptRecord, WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import decode_text
from app.importers.identifiers import identifier, present, time_event
from app.importers.jsonchat import MAX_JSON_BYTES, RecordWarnings, as_str
from app.importers.openpgp import (
    KEY_BEGIN,
    VERIFIED,
    ClearSigned,
    PgpError,
    PublicKey,
    Verdict,
    is_clearsigned,
    load_public_keys,
    parse_clearsigned,
    verify_text,
)
from app.model import (
    EventDraft,
    IdentifierKind,
    ItemDraft,
    ItemKind,
    ParticipantDraft,
)

log = logging.getLogger(__name__)

UNSIGNED = "unsigned"
#: Files beside a return looked at for a public key: suffixes, size and count limits.
KEY_SUFFIXES = frozenset({".asc", ".pgp", ".gpg", ".key", ".pub", ".txt"})
MAX_KEY_BYTES = 1024 * 1024
MAX_SIBLINGS = 500

_FILE_NAME = re.compile(
    r"^(?P<id>\d{1,20})-(?P<type>[a-z][a-z-]*?)(?:-part\d+)?\.(?:txt|js|json)$", re.IGNORECASE
)
_YTD = re.compile(r"^\s*window\.YTD\.(?P<name>\w+)\.part\d+\s*=\s*")
_FIRST_OBJECT = re.compile(r'^\s*\[\s*\{\s*"(?P<key>[A-Za-z]+)"\s*:\s*\{')

# Each object type: the keys understood (others are kept and warned about once).
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "account": frozenset(
        {"accountId", "email", "createdVia", "username", "accountDisplayName", "createdAt"}
    ),
    "accountCreationIp": frozenset({"accountId", "userCreationIp"}),
    "ipAudit": frozenset(
        {"accountId", "createdAt", "loginIp", "loginPortNumber", "loginPort", "port"}
    ),
    "deviceToken": frozenset(
        {"token", "lastSeenAt", "clientApplicationId", "clientApplicationName", "createdAt"}
    ),
    "dmConversation": frozenset({"conversationId", "messages"}),
    "messageCreate": frozenset(
        {
            "id",
            "senderId",
            "recipientId",
            "text",
            "createdAt",
            "mediaUrls",
            "reactions",
            "urls",
            "editHistory",
        }
    ),
    "tweet": frozenset(
        {
            "id",
            "id_str",
            "full_text",
            "text",
            "created_at",
            "entities",
            "extended_entities",
            "edit_info",
            "in_reply_to_status_id",
            "in_reply_to_status_id_str",
            "in_reply_to_user_id",
            "in_reply_to_user_id_str",
            "in_reply_to_screen_name",
            "retweet_count",
            "favorite_count",
            "favorited",
            "retweeted",
            "truncated",
            "display_text_range",
            "source",
            "lang",
            "possibly_sensitive",
            "coordinates",
            "geo",
            "place",
        }
    ),
    "follower": frozenset({"accountId", "userLink"}),
    "following": frozenset({"accountId", "userLink"}),
    "blocking": frozenset({"accountId", "userLink"}),
    "muting": frozenset({"accountId", "userLink"}),
    "like": frozenset({"tweetId", "fullText", "expandedUrl"}),
    "device": frozenset({"phoneNumber"}),
    "emailAddressChange": frozenset({"accountId", "emailChange"}),
    "screenNameChange": frozenset({"accountId", "screenNameChange"}),
}
_TEXT_MIMES = ("text/", "application/json", "application/javascript", "application/x-javascript")
_PORT_KEYS = ("loginPortNumber", "loginPort", "port")
_RELATIONS = {
    "follower": "follower",
    "following": "following",
    "blocking": "blocked",
    "muting": "muted",
}
_DM_EVENTS = {
    "joinConversation": "joined the conversation",
    "participantsJoin": "participants joined",
    "participantsLeave": "participants left",
    "conversationNameUpdate": "conversation renamed",
}


def _body_head(probe: Probe) -> tuple[str, bool, bool]:
    """The head's JSON text, whether it is clear-signed, whether it is an archive script."""
    text = probe.head_text()
    signed = is_clearsigned(text)
    if signed:
        parts = re.split(r"\r?\n[ \t]*\r?\n", text, maxsplit=1)
        text = parts[1] if len(parts) == 2 else ""
    m = _YTD.match(text)
    if m is not None:
        text = text[m.end() :]
    return text, signed, m is not None


@dataclass(slots=True)
class _Context:
    """What every item of one file shares while it is read."""

    sink: Sink
    account_id: str
    layout: str
    signature: str
    origin: Path | None
    records: RecordWarnings
    warned: set[str] = field(default_factory=set)
    media: dict[str, list[Path]] | None = None

    @property
    def account(self) -> str:
        """The account key, x:<id>."""
        return f"x:{self.account_id}" if self.account_id else ""

    def unknown(self, section: str, keys: set[str]) -> None:
        """Warn once per file for each key of `section` this reader does not understand."""
        for key in sorted(keys - KNOWN_KEYS.get(section, frozenset())):
            label = f"{section}/{key}"
            if label not in self.warned:
                self.warned.add(label)
                self.sink.warn(f"{label}: not understood, kept as text")

    def meta(self, record: str, fields: dict[str, str], **extra: Any) -> dict[str, Any]:
        """The meta every item gets: record type, raw fields, layout and signature outcome."""
        meta: dict[str, Any] = {"layout": self.layout, "signature": self.signature}
        if record:
            meta["record"] = record
        meta["fields"] = fields
        meta.update(extra)
        return meta


def flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested JSON as {dotted label: raw text}; lists and odd values as compact JSON."""
    out: dict[str, str] = {}
    for key, value in obj.items():
        label = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{label}."))
        elif isinstance(value, str):
            out[label] = value
        else:
            out[label] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return out


def _events(ctx: _Context, pairs: list[tuple[str, str]]) -> list[EventDraft]:
    """Events for (raw time, kind) pairs; an unreadable time is warned about and kept in
    the fields."""
    out: list[EventDraft] = []
    for raw, kind in pairs:
        if not raw:
            continue
        event = time_event(raw, kind)
        if event is None:
            ctx.records.warn(f"{kind}: time {raw!r} not understood, kept as text")
        else:
            out.append(event)
    return out


class XReturnImporter:
    """X/Twitter return files (clear-signed JSON) and the archive's JSON variants."""

    NAME: ClassVar[str] = "x-return"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """High when the head's first object is an X return type; lower on the name alone."""
        if not probe.mime.startswith(_TEXT_MIMES):
            return 0
        body, signed, ytd = _body_head(probe)
        m = _FIRST_OBJECT.match(body)
        named = _FILE_NAME.match(probe.name) is not None
        if m is not None and m.group("key") in KNOWN_KEYS:
            return 90 if (signed or ytd or named) else 75
        if signed and named:
            return 60  # an X return file whose objects the head does not show
        return 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One record per account fact, one message per DM; the signature checked if it can."""
        if probe.size > MAX_JSON_BYTES:
            raise CorruptRecord(
                f"{probe.name}: {probe.size // (1024 * 1024)} MB is more than the "
                f"{MAX_JSON_BYTES // (1024 * 1024)} MB this reader accepts for one file"
            )
        with probe.open() as fh:
            data = fh.read(MAX_JSON_BYTES + 1)
        text, encoding = decode_text(data)
        if encoding == "cp1252":
            sink.warn("not valid UTF-8: read as Windows-1252")
        signed: ClearSigned | None = None
        body = text.removeprefix("\ufeff")
        layout = "JSON array"
        if is_clearsigned(body):
            try:  # the text to read, and the file's own bytes, which the signature covers
                signed = parse_clearsigned(body, data)
            except PgpError as exc:
                raise CorruptRecord(f"{probe.name}: {exc}") from exc
            if signed.data is None and encoding == "utf-16":
                signed = replace(
                    signed,
                    signature_error="the file is UTF-16 text: its signature cannot be checked",
                )
            body = signed.text
            layout = "OpenPGP clear-signed JSON"
        verdict = self._signature(probe, signed, sink, ctx)
        if verdict is not None and verdict.content is not None:
            body = decode_text(verdict.content)[0].removeprefix("\ufeff")  # what Sequoia checked
        m = _YTD.match(body)
        if m is not None:
            body = body[m.end() :]
            layout = f"archive script (window.YTD.{m.group('name')})"
        value = _load(probe.name, body)
        name_match = _FILE_NAME.match(probe.name)
        file_type = name_match.group("type").lower() if name_match else ""
        account_id = name_match.group("id") if name_match else _account_in(value)
        sink.decide("layout", f"{layout}{f' ({file_type})' if file_type else ''}")
        if account_id:
            sink.decide("account", f"x:{account_id}")
        else:
            sink.warn("the account id is neither in the file name nor in the records")
        status = verdict.status if verdict is not None else UNSIGNED
        c = _Context(sink, account_id, layout, status, probe.origin, RecordWarnings(sink))
        counts: dict[str, int] = {}
        for i, entry in enumerate(value):
            if i % 1000 == 0:
                ctx.cancel.check()
            if not isinstance(entry, dict) or len(entry) != 1:
                c.records.warn(f"entry {i + 1}: not one typed object, kept as text")
                self._generic(
                    c, i, "entry", {"value": entry} if not isinstance(entry, dict) else entry
                )
                continue
            ((kind, obj),) = entry.items()
            if not isinstance(obj, dict):
                c.records.warn(f"entry {i + 1}: {kind} is not an object, kept as text")
                self._generic(c, i, kind, {kind: obj})
                continue
            counts[kind] = counts.get(kind, 0) + 1
            self._entry(c, i, kind, obj)
        c.records.finish()
        sink.decide("records", ", ".join(f"{k}: {n}" for k, n in counts.items()) or "none")

    # -- signature ----------------------------------------------------------------------

    def _signature(
        self, probe: Probe, signed: ClearSigned | None, sink: Sink, ctx: ImportContext
    ) -> Verdict | None:
        if signed is None:
            sink.decide("signature", "none: the file is not signed")
            return None
        keys, names = _given_keys(probe, ctx, sink)
        if names:
            sink.decide("signature_keys", ", ".join(names))
        verdict = verify_text(signed, keys)
        sink.decide("signature", verdict.detail)
        if verdict.status != VERIFIED:
            if keys:
                sink.warn(verdict.detail)
            elif signed.data is None:
                sink.warn(f"signature block: {signed.signature_error}")
        if signed.trailing:
            sink.warn(
                "text after the signature block is not covered by the signature: it was not read"
            )
        return verdict

    # -- entries ------------------------------------------------------------------------

    def _entry(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        handler = {
            "account": self._account,
            "accountCreationIp": self._creation_ip,
            "ipAudit": self._ip_audit,
            "deviceToken": self._device_token,
            "dmConversation": self._dm_conversation,
            "tweet": self._tweet,
            "like": self._like,
            "device": self._phone,
            "emailAddressChange": self._change,
            "screenNameChange": self._change,
        }.get(kind)
        if kind in _RELATIONS:
            self._relation(c, i, kind, obj)
        elif handler is not None:
            handler(c, i, kind, obj)
        else:
            if kind not in c.warned:
                c.warned.add(kind)
                c.sink.warn(f"{kind}: not understood, kept as text")
            self._generic(c, i, kind, obj)

    def _own_account(self, c: _Context, obj: dict[str, Any], kind: str) -> str:
        """The account the object is about: its accountId (checked against the file's)."""
        stated = as_str(obj.get("accountId"))
        if stated and c.account_id and stated != c.account_id:
            c.records.warn(
                f"{kind}: accountId {stated} differs from the file's account {c.account_id}"
            )
        if stated and not c.account_id:
            c.account_id = stated
        return f"x:{stated}" if stated else c.account

    def _account(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        c.unknown(kind, set(obj))
        fields = flatten(obj)
        account = self._own_account(c, obj, kind)
        username = as_str(obj.get("username"))
        display = as_str(obj.get("accountDisplayName"))
        email = as_str(obj.get("email"))
        created = as_str(obj.get("createdAt"))
        lines = [f"X account {account.removeprefix('x:')}"]
        if username:
            lines.append(f"Username: @{username}")
        if display:
            lines.append(f"Display name: {display}")
        if email:
            lines.append(f"E-mail: {email}")
        if created:
            lines.append(f"Created: {created} via {as_str(obj.get('createdVia')) or '?'}")
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"entry {i + 1} (account)",
                text="\n".join(lines),
                author=ParticipantDraft(name=display, handle=account.removeprefix("x:")),
                events=_events(c, [(created, "registered")]),
                meta=c.meta("subscriber", fields, account=account),
                identifiers=present(
                    identifier(account, IdentifierKind.EMAIL, email),
                    identifier(account, IdentifierKind.USERNAME, username),
                    identifier(account, IdentifierKind.NAME, display),
                ),
            )
        )

    def _creation_ip(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        c.unknown(kind, set(obj))
        account = self._own_account(c, obj, kind)
        raw_ip = as_str(obj.get("userCreationIp"))
        found = identifier(account, IdentifierKind.REGISTRATION_IP, raw_ip)
        if raw_ip and found is None:
            c.records.warn(f"{kind}: {raw_ip!r} is not an IP address, kept as text")
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"entry {i + 1} (account creation IP)",
                text=f"X account {account.removeprefix('x:')} was created from IP {raw_ip}",
                meta=c.meta("registration", flatten(obj), account=account),
                identifiers=present(found),
            )
        )

    def _ip_audit(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        c.unknown(kind, set(obj))
        account = self._own_account(c, obj, kind)
        raw_ip = as_str(obj.get("loginIp"))
        raw_time = as_str(obj.get("createdAt"))
        events = _events(c, [(raw_time, "login")])
        ts = events[0].ts_utc_us if events else None
        port_raw = next((as_str(obj[k]) for k in _PORT_KEYS if as_str(obj.get(k))), "")
        port = int(port_raw) if port_raw.isdigit() and int(port_raw) <= 65535 else None
        if port_raw and port is None:
            c.records.warn(f"{kind}: port {port_raw!r} is not a port number, kept as text")
        found = identifier(account, IdentifierKind.IP, raw_ip, ts, port)
        if raw_ip and found is None:
            c.records.warn(f"{kind}: {raw_ip!r} is not an IP address, kept as text")
        where = raw_ip + (f" (port {found.port})" if found is not None and found.port else "")
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"entry {i + 1} (IP audit)",
                text=f"X account {account.removeprefix('x:')} logged in from {where}",
                author=ParticipantDraft(handle=account.removeprefix("x:")),
                events=events,
                meta=c.meta("login", flatten(obj), account=account),
                identifiers=present(found),
            )
        )

    def _device_token(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        c.unknown(kind, set(obj))
        token = as_str(obj.get("token"))
        app_name = as_str(obj.get("clientApplicationName"))
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"entry {i + 1} (device token)",
                text=f"Device token {token} ({app_name or 'unnamed application'})",
                events=_events(
                    c,
                    [
                        (as_str(obj.get("createdAt")), "device_registered"),
                        (as_str(obj.get("lastSeenAt")), "device_last_seen"),
                    ],
                ),
                meta=c.meta("device", flatten(obj), account=c.account),
                identifiers=present(identifier(c.account, IdentifierKind.DEVICE, token)),
            )
        )

    def _phone(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        c.unknown(kind, set(obj))
        raw = as_str(obj.get("phoneNumber"))
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"entry {i + 1} (phone number)",
                text=f"Phone number of X account {c.account_id}: {raw}",
                meta=c.meta("subscriber", flatten(obj), account=c.account),
                identifiers=present(identifier(c.account, IdentifierKind.PHONE, raw)),
            )
        )

    def _change(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        c.unknown(kind, set(obj))
        account = self._own_account(c, obj, kind)
        inner_key = "emailChange" if kind == "emailAddressChange" else "screenNameChange"
        inner = obj.get(inner_key)
        change: dict[str, Any] = inner if isinstance(inner, dict) else {}
        old, new = as_str(change.get("changedFrom")), as_str(change.get("changedTo"))
        id_kind = IdentifierKind.EMAIL if kind == "emailAddressChange" else IdentifierKind.USERNAME
        what = "e-mail" if kind == "emailAddressChange" else "username"
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"entry {i + 1} ({what} change)",
                text=f"X account {account.removeprefix('x:')} changed its {what} "
                f"from {old or '(none)'} to {new or '(none)'}",
                events=_events(c, [(as_str(change.get("changedAt")), f"{what}_changed")]),
                meta=c.meta("subscriber", flatten(obj), account=account),
                identifiers=present(
                    identifier(account, id_kind, old), identifier(account, id_kind, new)
                ),
            )
        )

    def _relation(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        c.unknown(kind, set(obj))
        other = as_str(obj.get("accountId"))
        relation = _RELATIONS[kind]
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"entry {i + 1} ({relation})",
                text=f"{relation.capitalize()}: X account {other} {as_str(obj.get('userLink'))}",
                meta=c.meta("contact", flatten(obj), account=c.account, relation=relation),
            )
        )

    def _like(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        c.unknown(kind, set(obj))
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"entry {i + 1} (like of {as_str(obj.get('tweetId'))})",
                text=as_str(obj.get("fullText")),
                meta=c.meta("like", flatten(obj), account=c.account),
            )
        )

    def _generic(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        fields = flatten(obj)
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"entry {i + 1} ({kind})",
                text="\n".join(f"{k}: {v}" for k, v in fields.items()),
                meta=c.meta(kind, fields, account=c.account),
            )
        )

    # -- messages -----------------------------------------------------------------------

    def _dm_conversation(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        c.unknown(kind, set(obj))
        conversation_id = as_str(obj.get("conversationId"))
        conversation = f"X direct messages {conversation_id}".strip()
        messages = obj.get("messages")
        if not isinstance(messages, list):
            c.records.warn(f"conversation {conversation_id}: no message list")
            return
        for n, message in enumerate(messages):
            if not isinstance(message, dict) or len(message) != 1:
                c.records.warn(f"conversation {conversation_id} message {n + 1}: not understood")
                continue
            ((event_type, data),) = message.items()
            if not isinstance(data, dict):
                continue
            if event_type == "messageCreate":
                self._dm(c, conversation_id, conversation, data)
            else:
                self._dm_event(c, conversation_id, conversation, event_type, data)

    def _dm(
        self, c: _Context, conversation_id: str, conversation: str, msg: dict[str, Any]
    ) -> None:
        c.unknown("messageCreate", set(msg))
        msg_id = as_str(msg.get("id"))
        sender, recipient = as_str(msg.get("senderId")), as_str(msg.get("recipientId"))
        key = f"dm:{msg_id}" if msg_id else ""
        media = [u for u in msg.get("mediaUrls") or [] if isinstance(u, str)]
        draft = ItemDraft(
            kind=ItemKind.MESSAGE,
            locator=f"DM {msg_id}",
            text=as_str(msg.get("text")),
            author=ParticipantDraft(handle=sender) if sender else None,
            recipients=(ParticipantDraft(handle=recipient),) if recipient else (),
            events=_events(c, [(as_str(msg.get("createdAt")), "sent")]),
            meta=c.meta(
                "",
                flatten(msg),
                conversation_id=conversation_id,
                dm_id=msg_id,
                media_urls=media,
            ),
            conversation=conversation,
            key=key,
        )
        c.sink.add_item(draft)
        for url in media:
            self._attach(c, url, msg_id, key, "direct_messages_media")

    def _dm_event(
        self,
        c: _Context,
        conversation_id: str,
        conversation: str,
        event_type: str,
        data: dict[str, Any],
    ) -> None:
        label = _DM_EVENTS.get(event_type)
        if label is None:
            label = event_type
            if event_type not in c.warned:
                c.warned.add(event_type)
                c.sink.warn(f"dmConversation/{event_type}: not understood, kept as text")
        fields = flatten(data)
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.SYSTEM,
                locator=f"{event_type} in {conversation_id}",
                text=f"{label}: " + ", ".join(f"{k}={v}" for k, v in fields.items()),
                events=_events(c, [(as_str(data.get("createdAt")), "event")]),
                meta=c.meta("", fields, conversation_id=conversation_id, event=event_type),
                conversation=conversation,
            )
        )

    def _tweet(self, c: _Context, i: int, kind: str, obj: dict[str, Any]) -> None:
        c.unknown(kind, set(obj))
        tweet_id = as_str(obj.get("id_str")) or as_str(obj.get("id"))
        key = f"tweet:{tweet_id}" if tweet_id else ""
        c.sink.add_item(
            ItemDraft(
                kind=ItemKind.MESSAGE,
                locator=f"post {tweet_id or i + 1}",
                text=as_str(obj.get("full_text")) or as_str(obj.get("text")),
                author=ParticipantDraft(handle=c.account_id) if c.account_id else None,
                events=_events(c, [(as_str(obj.get("created_at")), "sent")]),
                meta=c.meta("", flatten(obj), tweet_id=tweet_id, account=c.account),
                conversation=f"X posts of {c.account_id}" if c.account_id else "X posts",
                key=key,
            )
        )
        entities = obj.get("extended_entities")
        media = entities.get("media") if isinstance(entities, dict) else None
        for entry in media if isinstance(media, list) else []:
            url = (
                as_str(entry.get("media_url_https") or entry.get("media_url"))
                if isinstance(entry, dict)
                else ""
            )
            if url:
                self._attach(c, url, tweet_id, key, "tweets_media")

    # -- attachments --------------------------------------------------------------------

    def _attach(self, c: _Context, url: str, item_id: str, key: str, folder: str) -> None:
        """Hand the media file named by `url` (found beside the return) to the sink."""
        base = url.rstrip("/").rsplit("/", 1)[-1]
        if c.origin is None or not item_id:
            c.sink.warn(
                f"attachment {url} named by the return was not found "
                "(the return was not read from a folder on disk)"
            )
            return
        if c.media is None:
            c.media = _media_files(c.origin.parent)
        candidates = [p for p in c.media.get(folder, []) if item_id in p.name]
        exact = [p for p in candidates if p.name.endswith(base)]
        chosen = (exact or candidates)[:1]
        if not chosen:
            c.sink.warn(f"attachment {url} named by the return was not found beside it")
            return
        path = chosen[0]
        with path.open("rb") as fh:
            c.sink.add_child(f"{path.parent.name}/{path.name}", fh, context_key=key)


def _load(name: str, body: str) -> list[Any]:
    """The JSON array of the file, or a plain error (truncated, broken, not an array)."""
    text = body.strip().rstrip(";")
    if not text:
        raise CorruptRecord(f"{name}: the file holds no JSON")
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise CorruptRecord(f"{name}: the JSON is nested too deeply to read safely") from exc
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(text) - 1 or exc.msg.startswith("Unterminated string")
        reason = "the file ends before the JSON is complete (truncated?)" if cut else "broken JSON"
        raise CorruptRecord(
            f"{name}: {reason}: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise WrongFormat(f"{name}: the JSON is not a list of records, so not an X return")
    return value


def _account_in(value: list[Any]) -> str:
    """The first accountId any object states (for files whose name does not carry it)."""
    for entry in value[:50]:
        if isinstance(entry, dict):
            for obj in entry.values():
                if isinstance(obj, dict) and as_str(obj.get("accountId")):
                    return as_str(obj["accountId"])
    return ""


def _media_files(folder: Path) -> dict[str, list[Path]]:
    """Files in the `*_direct_messages_media` / `*_tweets_media` folders beside the return."""
    out: dict[str, list[Path]] = {}
    try:
        entries = sorted(folder.iterdir())[:MAX_SIBLINGS]
    except OSError:
        return out
    for entry in entries:
        lowered = entry.name.lower().replace("-", "_")
        for kind in ("direct_messages_media", "tweets_media"):
            if entry.is_dir() and lowered.endswith(kind):
                out.setdefault(kind, []).extend(
                    sorted(p for p in entry.iterdir() if p.is_file())[:100_000]
                )
    return out


def _given_keys(probe: Probe, ctx: ImportContext, sink: Sink) -> tuple[list[PublicKey], list[str]]:
    """Public keys given for this import: the option `signing_keys` and key files lying
    beside the return on disk. Returns the keys and where they came from."""
    paths: list[Path] = [Path(p) for p in ctx.options.signing_keys]
    if probe.origin is not None:
        try:
            siblings = sorted(probe.origin.parent.iterdir())[:MAX_SIBLINGS]
        except OSError:
            siblings = []
        for p in siblings:
            if p == probe.origin or p.suffix.lower() not in KEY_SUFFIXES or not p.is_file():
                continue
            try:
                if p.stat().st_size > MAX_KEY_BYTES:
                    continue
                with p.open("rb") as fh:
                    head = fh.read(4096)
            except OSError:
                continue
            if KEY_BEGIN.encode() in head or (
                p.suffix.lower() in {".gpg", ".pgp"} and head[:1] in (b"\x99", b"\xc6")
            ):
                paths.append(p)
    keys: list[PublicKey] = []
    names: list[str] = []
    for p in paths:
        try:
            found = load_public_keys(p.read_bytes()[: MAX_KEY_BYTES + 1])
        except (OSError, PgpError) as exc:
            sink.warn(f"key file {p.name}: cannot be read ({exc})")
            continue
        if not found:
            sink.warn(f"key file {p.name}: holds no certificate")
            continue
        keys.extend(found)
        names.append(f"{p.name} ({', '.join(k.key_id for k in found)})")
    return keys, names
