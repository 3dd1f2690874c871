"""Meta (Facebook, Instagram) and WhatsApp business records: `records.html` read by its labels.

A Meta law-enforcement return prints every fact as a label beside a value, in one of several
HTML dialects (inline-styled `div_table`s, `div_table inner`/`most_inner`, the minified 2026
`t o`/`t i`/`m` blocks, Instagram's `<th>`/`<td>` tables; see the formats reference, §4.2).
One reader serves them all: the page is flattened to (label, value) leaves by its *shape* (a
label's text followed by the block holding its value; a table header beside its cell), never
by CSS class. Page breaks that split a label from its value are merged back by the label
vocabulary, definitions and page headers are dropped, and each section's leaves are grouped
into rows on the label that starts a row (`IP Address`, `Author`, `Cookie`, `Message`, ...).

What comes out: the subscriber record (name, e-mails, phones, username, registration date and
IP), one record per IP activity row (a `login` event with the address, port and time in the
identifiers table), messages with their authors, times and `linked_media/` attachments (handed
over as child files whose parent is the message), linked accounts, machines (cookies) and
devices, and for WhatsApp the message log, call log and prospective login IPs. Every item keeps
the record's own strings in `meta["fields"]`; a label or section not understood is warned about
and kept there. The helpers at the top (times, IP:port, identifiers) are shared with the
Snapchat reader.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any, ClassVar

from app.errors import WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.identifiers import (
    email_identifiers,
    identifier,
    ip_identifier,
    parse_port,
    phone_identifiers,
    phone_value,
)
from app.model import (
    Confidence,
    EventDraft,
    IdentifierDraft,
    IdentifierKind,
    ItemDraft,
    ItemKind,
    ParticipantDraft,
)
from app.timeline.clock import aware_to_us, local_event

log = logging.getLogger(__name__)

# =========================================================================================
# Helpers shared by the returns' readers: times, addresses, identifiers
# =========================================================================================

_ISO_TIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<h>\d{1,2}):(?P<m>\d{2})"
    r"(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6})\d*)?)?"
    r"\s*(?P<zone>UTC|GMT|Z|PST|PDT|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_CTIME = re.compile(
    r"^(?:[A-Za-z]{3},?\s+)?(?P<mon>[A-Za-z]{3})\s+(?P<day>\d{1,2})\s+"
    r"(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})\s+(?P<zone>UTC|GMT|PST|PDT|[+-]\d{4})\s+(?P<year>\d{4})$",
    re.IGNORECASE,
)
_MONTHS = {
    m: n
    for n, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
#: Zone abbreviations a return may print after a time, as minutes east of UTC.
ZONE_ABBREVIATIONS = {"UTC": 0, "GMT": 0, "Z": 0, "PST": -8 * 60, "PDT": -7 * 60}


def parse_time(raw: str, kind: str, assumed_zone: str = "UTC") -> EventDraft | None:
    """An event at a time as a return prints it, or None when `raw` is not a time.

    A stated zone (UTC, GMT, Z, PST, PDT or an offset) makes the time exact; a count of
    seconds or milliseconds since 1970 is exact; a bare wall-clock time is read in
    `assumed_zone`, the zone the format documents, and marked assumed-zone.
    """
    text = " ".join(raw.split())
    if not text:
        return None
    if text.isdigit() and len(text) in (10, 13):
        us = int(text) * (1000 if len(text) == 13 else 1_000_000)
        return EventDraft(us, kind, raw, Confidence.EXACT, "UTC")
    try:
        if m := _ISO_TIME.match(text):
            frac = (m["f"] or "").ljust(6, "0")
            naive = datetime.fromisoformat(m["date"]).replace(
                hour=int(m["h"]),
                minute=int(m["m"]),
                second=int(m["s"] or 0),
                microsecond=int(frac or 0),
            )
        elif m := _CTIME.match(text):
            month = _MONTHS.get(m["mon"].lower())
            if month is None:
                return None
            naive = datetime(
                int(m["year"]), month, int(m["day"]), int(m["h"]), int(m["m"]), int(m["s"])
            )
        else:
            return None
    except ValueError:  # 2024-02-30, 25:00 and the like: not a time
        return None
    zone_text = (m["zone"] or "").upper()
    if not zone_text:
        return local_event(naive, assumed_zone, kind, raw)
    if zone_text in ZONE_ABBREVIATIONS:
        minutes = ZONE_ABBREVIATIONS[zone_text]
    else:
        digits = zone_text[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        minutes = -minutes if zone_text[0] == "-" else minutes
    moment = naive.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    label = "UTC"
    if minutes:
        sign = "+" if minutes > 0 else "-"
        label = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        if zone_text.isalpha():
            label += f" ({zone_text})"
    return EventDraft(aware_to_us(moment), kind, raw, Confidence.EXACT, label)


def norm(label: str) -> str:
    """A label compared loosely: lower case, single spaces, no trailing colon."""
    return " ".join(label.lower().split()).rstrip(":").strip()


def put_field(fields: dict[str, Any], label: str, value: str) -> None:
    """Keep a raw value under its label; a label met again keeps every value, in a list."""
    if label not in fields:
        fields[label] = value
        return
    old = fields[label]
    if isinstance(old, list):
        old.append(value)
    else:
        fields[label] = [old, value]


# =========================================================================================
# The page as a tree, one section at a time
# =========================================================================================

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "big", "br", "cite", "code", "data", "dfn", "em", "font"}
    | {"i", "img", "kbd", "label", "mark", "nobr", "q", "s", "samp", "small", "span", "strike"}
    | {"strong", "sub", "sup", "time", "tt", "u", "var", "wbr"}
)
# Elements whose content is not the record's (the title is kept aside from the head).
_IGNORED = frozenset({"script", "style", "title", "template", "noscript"})
_IMPLIED_CLOSE = frozenset({"td", "th", "tr", "li", "p"})
_KEPT_ATTRS = frozenset({"id", "href", "src"})
_NO_ATTRS: dict[str, str] = {}
_HINT_TAGS = 5000  # enough tags to name the dialect
_CELLS = frozenset({"td", "th"})
_SECTION_PREFIX = "property-"


@dataclass(slots=True, eq=False)
class _Node:
    """An element of the page: its tag, attributes and children (elements and text)."""

    tag: str
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Builds the element tree, handing each `property-…` section over as soon as it closes.

    A finished section is cut out of the tree, so a large record never sits in memory whole.
    Forgiving like a browser: stray end tags are ignored, unclosed elements closed by the
    first matching end tag further out, `td`/`th`/`tr`/`li`/`p` closed by their next sibling.
    """

    def __init__(self, on_section: Any) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self._stack: list[_Node] = [self.root]
        self._on_section = on_section
        self._ignored = 0
        self._in_title = False
        self.title = ""
        self.sections = 0
        self.unclosed: list[str] = []
        self.hints: Counter[str] = Counter()
        self._hinted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an element (void elements are leaves)."""
        values = self._attrs(tag, attrs)
        if tag in _IGNORED:
            self._in_title = tag == "title" or self._in_title
            self._ignored += 1
            return
        if self._ignored:
            return
        stack = self._stack
        if tag in _VOID:
            stack[-1].children.append(_Node(tag, values))
            return
        if tag in _IMPLIED_CLOSE:
            self._implied_close(tag)
        node = _Node(tag, values)
        stack[-1].children.append(node)
        stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """`<div/>` and the like: an empty element."""
        values = self._attrs(tag, attrs)
        if tag in _IGNORED or self._ignored:
            return
        self._stack[-1].children.append(_Node(tag, values))

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> dict[str, str]:
        """The attributes the reader uses (id, href, src); the first tags also feed the
        dialect hints."""
        if self._hinted < _HINT_TAGS:
            self._hinted += 1
            self._hint(tag, {k: v or "" for k, v in attrs})
        if not attrs:
            return _NO_ATTRS
        kept = {k: v for k, v in attrs if k in _KEPT_ATTRS and v}
        return kept or _NO_ATTRS

    def handle_endtag(self, tag: str) -> None:
        """Close the nearest open element of this tag and whatever it still holds open."""
        if tag in _IGNORED:
            if tag == "title":
                self._in_title = False
            self._ignored = max(0, self._ignored - 1)
            return
        if self._ignored:
            return
        if self._stack[-1].tag == tag and len(self._stack) > 1:
            self._pop()
            return
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                while len(self._stack) > depth:
                    self._pop()
                return

    def handle_data(self, data: str) -> None:
        """Text: the title is kept aside, the rest goes into the tree."""
        if self._ignored:
            if self._in_title:
                self.title += data
            return
        self._stack[-1].children.append(data)

    def close(self) -> None:
        """Finish the page; elements still open are recorded (a cut-off file) and closed."""
        super().close()
        self.unclosed = [n.tag for n in self._stack[1:]]
        while len(self._stack) > 1:
            self._pop()

    def _pop(self) -> None:
        node = self._stack.pop()
        if node.attrs and node.attrs.get("id", "").startswith(_SECTION_PREFIX):
            siblings = self._stack[-1].children
            if siblings and siblings[-1] is node:
                siblings.pop()
            else:
                siblings.remove(node)
            self.sections += 1
            self._on_section(node)

    def _implied_close(self, tag: str) -> None:
        top = self._stack[-1].tag
        if (tag in _CELLS and top in _CELLS) or (tag in ("li", "p") and top == tag):
            self._pop()
        elif tag == "tr":
            while self._stack[-1].tag in _CELLS or self._stack[-1].tag == "tr":
                self._pop()

    def _hint(self, tag: str, attrs: dict[str, str]) -> None:
        """Count the marks of each known dialect, only to name the layout (never to read)."""
        classes = set(attrs.get("class", "").split())
        style = attrs.get("style", "").replace(" ", "").lower()
        if "display:table-cell" in style:
            self.hints["inline"] += 1
        if "most_inner" in classes or {"div_table", "inner"} <= classes:
            self.hints["inner"] += 1
        if classes in ({"t", "i"}, {"t", "o"}, {"m"}):
            self.hints["minified"] += 1
        if tag == "th":
            self.hints["table"] += 1


DIALECTS = {
    "inline": "inline-style div_table",
    "inner": "div_table inner/most_inner",
    "minified": "2026 minified t/i/m",
    "table": "table th/td",
}


# -- flattening --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leaf:
    """One thing the record prints: a label and its value, a heading, or a line of text.

    `value` is None for a line of text on its own (`label` holds the text) and for the
    heading of a group of nested fields (`group` is then True). `depth` counts the groups
    around the leaf.
    """

    label: str
    value: str | None
    group: bool = False
    depth: int = 0
    key: str = field(init=False, compare=False, repr=False)  # the label compared loosely

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", norm(self.label))


def _is_inline(child: _Node | str) -> bool:
    return isinstance(child, str) or child.tag in _INLINE


def _inline_text(nodes: list[_Node | str]) -> str:
    """The text of a run of text and inline elements, `<br>` as a new line, spaces collapsed."""
    if len(nodes) == 1 and isinstance(nodes[0], str):  # the common case: one piece of text
        return _lines(nodes[0])
    parts: list[str] = []

    def walk(items: Iterable[_Node | str]) -> None:
        for child in items:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "br":
                parts.append("\n")
            else:
                walk(child.children)

    walk(nodes)
    return _lines("".join(parts))


def _lines(text: str) -> str:
    """Spaces collapsed within each line, blank lines dropped."""
    if "\n" not in text:
        return " ".join(text.split())
    return "\n".join(line for line in (" ".join(s.split()) for s in text.split("\n")) if line)


def _text_content(nodes: Iterable[_Node | str]) -> str:
    """All text under `nodes`, each block element on a line of its own."""
    parts: list[str] = []

    def walk(items: Iterable[_Node | str]) -> None:
        for child in items:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "br":
                parts.append("\n")
            elif child.tag in _INLINE:
                walk(child.children)
            else:
                parts.append("\n")
                walk(child.children)
                parts.append("\n")

    walk(nodes)
    return _lines("".join(parts))


def _link_target(nodes: Iterable[_Node | str]) -> str:
    """The first `href` or `src` under `nodes` (a value that is only a link or an image)."""
    for child in nodes:
        if isinstance(child, str):
            continue
        target = child.attrs.get("href") or child.attrs.get("src")
        if target:
            return target
        if found := _link_target(child.children):
            return found
    return ""


def flatten(nodes: Iterable[_Node | str], depth: int = 0) -> list[Leaf]:
    """The leaves under `nodes`, in reading order."""
    out: list[Leaf] = []
    run: list[_Node | str] = []
    for child in nodes:
        if isinstance(child, str) or child.tag in _INLINE:
            run.append(child)
            continue
        if run:
            if text := _inline_text(run):
                out.append(Leaf(text, None, depth=depth))
            run = []
        out.extend(_flatten_element(child, depth))
    if text := _inline_text(run):
        out.append(Leaf(text, None, depth=depth))
    return out


def _flatten_element(node: _Node, depth: int) -> list[Leaf]:
    if node.tag in ("table", "thead", "tbody", "tfoot"):
        return _flatten_table(node, depth)
    children = node.children
    first_block = None
    for i, c in enumerate(children):
        if not isinstance(c, str) and c.tag not in _INLINE:
            first_block = i
            break
    if first_block is None:
        text = _inline_text(children)
        return [Leaf(text, None, depth=depth)] if text else []
    label = _inline_text(children[:first_block])
    rest = children[first_block:]
    if not label:
        return flatten(children, depth)
    if any(_is_inline(c) and _inline_text([c]) for c in rest):
        # text broken into lines by empty blocks (`<div class="p">`): one value, not a label
        return [Leaf(_text_content(children), None, depth=depth)]
    return _field(label, [c for c in rest if isinstance(c, _Node)], depth)


def _field(label: str, value_nodes: list[_Node], depth: int) -> list[Leaf]:
    """A label and the blocks holding its value: one field, or a group of nested fields."""
    inner = flatten(value_nodes, depth + 1)
    if any(leaf.value is not None or leaf.group for leaf in inner):
        return [Leaf(label, None, group=True, depth=depth), *inner]
    return [Leaf(label, _text_content(value_nodes) or _link_target(value_nodes), depth=depth)]


def _rows_of(table: _Node) -> tuple[list[list[_Node]], list[_Node]]:
    """A table's rows of cells, and whatever else it holds (a caption, a stray block)."""
    rows: list[list[_Node]] = []
    loose: list[_Node] = []
    other: list[_Node] = []
    for child in table.children:
        if isinstance(child, str):
            continue
        if child.tag == "tr":
            rows.append([c for c in child.children if isinstance(c, _Node) and c.tag in _CELLS])
        elif child.tag in ("thead", "tbody", "tfoot"):
            inner_rows, inner_other = _rows_of(child)
            rows.extend(inner_rows)
            other.extend(inner_other)
        elif child.tag in _CELLS:
            loose.append(child)
        else:
            other.append(child)
    if loose:
        rows.insert(0, loose)
    return rows, other


def _flatten_table(table: _Node, depth: int) -> list[Leaf]:
    """A table as leaves: a `th` beside a `td` is a field; a header row names its columns."""
    rows, other = _rows_of(table)
    out = flatten(other, depth)
    header: list[str] | None = None
    for cells in rows:
        tags = [c.tag for c in cells]
        if header is None and len(cells) >= 2 and all(t == "th" for t in tags):
            header = [_inline_text(c.children) or _text_content(c.children) for c in cells]
            continue
        if header is not None and all(t == "td" for t in tags):
            for name, cell in zip(header, cells, strict=False):
                out.extend(_field(name, [cell], depth))
            continue
        i = 0
        while i < len(cells):
            cell = cells[i]
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if cell.tag == "th" and nxt is not None and nxt.tag == "td":
                label = _text_content(cell.children)
                out.extend(_field(label, [nxt], depth) if label else flatten([nxt], depth))
                i += 2
            else:
                out.extend(flatten(cell.children, depth))
                i += 1
    return out


# =========================================================================================
# The record's vocabulary
# =========================================================================================

REQUEST_LABELS = frozenset(
    {"service", "target", "account identifier", "account type", "generated", "date range"}
)
#: Sections whose fields describe the account holder: they go into the subscriber record.
SUBSCRIBER_SECTIONS = frozenset(
    {"name", "alternate_name", "name_changes", "emails", "email_changes", "vanity"}
    | {"vanity_changes", "registration_date", "registration_ip", "account_end_date"}
    | {"account_status_history", "phone_numbers", "removed_phone_numbers", "date_of_birth"}
    | {"gender", "website", "about_me", "bio", "last_location", "privacy_settings"}
)
IP_SECTIONS = frozenset({"ip_addresses", "logins", "prospective_login_ips"})
MESSAGE_SECTIONS = frozenset({"unified_messages", "messages", "group_messages"})
DEVICE_SECTIONS = frozenset({"devices", "devices_info", "recognized_devices", "machines"})
MEDIA_SECTIONS = frozenset({"photos", "videos", "profile_picture"})
#: Sections the reference documents that are kept as plain records of their fields.
OTHER_DOCUMENTED_SECTIONS = frozenset(
    {"ncmec_reports", "wallposts", "status_updates", "shares", "posts_to_other_walls"}
    | {"groups", "friends", "friend_requests", "followers", "following"}
    | {"incoming_follow_requests", "comments", "likes", "searches", "support_correspondence"}
    | {"credit_cards", "paypal_accounts", "direct_debit", "payment_accounts", "popular_block"}
    | {"archived_stories", "direct_shares", "direct_stories"}
)

_LABELS_BY_SECTION: dict[str, frozenset[str]] = {
    "request_parameters": REQUEST_LABELS,
    "ip": frozenset({"ip address", "time", "action", "agent string", "port", "timestamp"}),
    "messages": frozenset(
        {"thread", "current participants", "past participants", "author", "sent", "body"}
        | {"attachments", "type", "size", "url", "linked media file", "subscription event"}
        | {"share", "date created", "title", "text", "link", "missed", "call record"}
        | {"duration", "deleted", "removed by sender", "reactions", "participants"}
    ),
    "devices": frozenset(
        {"os type", "os version", "device type", "active", "is tablet", "family device id"}
        | {"family device first seen", "family device last seen", "blocked status"}
        | {"user agent", "app id", "associated users", "id", "type", "cookie", "first seen"}
        | {"seen count", "user", "seen", "last seen", "device id", "name"}
    ),
    "linked_accounts": frozenset({"service", "identifier", "time"}),
    "media": frozenset(
        {"id", "title", "link", "album name", "uploaded", "author", "tags", "upload ip"}
        | {"linked media file", "caption", "image file"}
    ),
    "message_log": frozenset(
        {"message", "timestamp", "sender", "sender ip", "sender port", "message id"}
        | {"recipients", "sender device", "type", "message style", "message size"}
    ),
    "call_logs": frozenset(
        {"call", "call id", "call creator", "events", "type", "timestamp", "from", "to"}
        | {"from ip", "from port", "media type", "participants", "phone number"}
    ),
}
_SUBSCRIBER_LABELS = frozenset(
    {"name", "first", "middle", "last", "alternate name", "emails", "email", "vanity"}
    | {"registration date", "registration ip", "account end date", "account status history"}
    | {"phone numbers", "removed phone numbers", "date of birth", "gender", "website"}
    | {"about me", "bio", "last location", "privacy settings", "time", "status", "changed"}
    | {"name changes", "email changes", "vanity changes", "phone number", "verified"}
)
KNOWN_LABELS = frozenset(
    _SUBSCRIBER_LABELS.union(*_LABELS_BY_SECTION.values()) - {"name", "time", "type", "id"}
)
#: Lines of text on their own that mark the start of a row (WhatsApp's `Message`, `Call`).
MARKERS = frozenset({"message", "call"})
_PAGE_HEADER = re.compile(r"^.*\bBusiness Record\b.*\bPage \d+$|^Page \d+( of \d+)?$", re.I)
_NO_RECORDS = "no responsive records located"
_AUTHOR = re.compile(
    r"(?P<name>[^(),]*?)\s*\((?P<platform>Facebook|Instagram|Messenger|WhatsApp|Threads)"
    r"\s*:\s*(?P<id>[^)\s]+)\s*\)",
    re.IGNORECASE,
)
_ONE_AUTHOR = re.compile(
    r"^(?P<name>.*?)\s*\((?P<platform>Facebook|Instagram|Messenger|WhatsApp|Threads)"
    r"\s*:\s*(?P<id>[^)\s]+)\s*\)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_THREAD_ID = re.compile(r"^\s*\((?P<id>[^)]+)\)")


def snake(label: str) -> str:
    """A heading as a section name: `Ip Addresses` → `ip_addresses`."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


# =========================================================================================
# The importer
# =========================================================================================


@dataclass(slots=True)
class _Section:
    name: str
    leaves: list[Leaf]
    empty: bool = False


@dataclass(slots=True)
class _Author:
    name: str
    platform: str
    id: str

    @property
    def draft(self) -> ParticipantDraft:
        return ParticipantDraft(name=self.name, handle=self.id)


def parse_author(raw: str) -> _Author | None:
    """`Name (Instagram: 123)` as a name, a platform and an id (the name may hold brackets)."""
    m = _ONE_AUTHOR.match(raw.strip()) or _AUTHOR.search(raw)
    if m is None:
        return None
    return _Author(m["name"].strip(), m["platform"].lower(), m["id"].strip())


def parse_people(raw: str) -> list[_Author]:
    """Every `Name (Platform: id)` in a list of participants."""
    return [
        _Author(m["name"].strip(" ,"), m["platform"].lower(), m["id"].strip())
        for m in _AUTHOR.finditer(raw)
    ]


class MetaRecordsImporter:
    """Meta (Facebook/Instagram) and WhatsApp business records (`records.html`, preservation
    files), every documented HTML dialect, read by the record's labels."""

    NAME: ClassVar[str] = "meta-records"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """High for a page titled "... Business Record" or holding `property-` sections."""
        if not (probe.mime.startswith("text/") or probe.suffix in (".html", ".htm")):
            return 0
        head = probe.head_text()
        if not re.search(r"<\s*(!doctype\s+html|html|div|table|head)\b", head, re.I):
            return 0
        titled = re.search(r"<title>[^<]*Business Record[^<]*</title>", head, re.I)
        if titled:
            return 90
        if 'id="property-' in head or "id='property-" in head:
            return 85
        if "Business Record" in head and re.search(r"Account Identifier|Target", head):
            return 80
        return 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """Read the page's sections, then emit the subscriber record first and the rest after."""
        _Reader(probe, sink, ctx).run()


_CHUNK = 1 << 20


class _Reader:
    """One business record read into drafts."""

    def __init__(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        self.probe = probe
        self.sink = sink
        self.ctx = ctx
        self.sections: list[_Section] = []
        self.layout = ""
        self.product = ""
        self.platform = ""
        self.target = ""
        self.account = ""
        self.holder = ParticipantDraft()
        self.request: dict[str, Any] = {}
        self._warned: set[str] = set()
        self._folder = probe.origin.parent if probe.origin is not None else None

    # -- reading ---------------------------------------------------------------------

    def run(self) -> None:
        """Parse, check there is a record, then emit."""
        builder = _TreeBuilder(self._take_section)
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        replaced = 0
        with self.probe.open() as fh:
            while chunk := fh.read(_CHUNK):
                self.ctx.cancel.check()
                text = decoder.decode(chunk)
                replaced += text.count("\ufffd")
                builder.feed(text)
        builder.feed(decoder.decode(b"", final=True))
        builder.close()
        if builder.sections == 0:
            self._sections_from_headings(flatten(builder.root.children))
        title = " ".join(builder.title.split())
        self._recognise(title, builder)
        if replaced:
            self.sink.warn(f"{replaced} character(s) were not valid UTF-8 and were replaced")
        cut = [t for t in builder.unclosed if t not in ("html", "body", "p", "li", "td", "tr")]
        if cut:
            self.sink.warn(
                f"the file ends inside {len(cut)} open element(s) ({', '.join(cut[-3:])}): it "
                "looks cut off (truncated); what comes before the cut was read"
            )
        self._emit()

    def _take_section(self, node: _Node) -> None:
        name = node.attrs["id"][len(_SECTION_PREFIX) :]
        self.sections.append(self._cleaned(name, flatten(node.children)))

    def _sections_from_headings(self, leaves: list[Leaf]) -> None:
        """A page without `property-` ids: sections start at the top-level headings."""
        current: _Section | None = None
        for leaf in leaves:
            if leaf.depth == 0 and (leaf.group or leaf.value is not None):
                name = snake(leaf.label)
                if leaf.group or name in SUBSCRIBER_SECTIONS:
                    current = _Section(name, [])
                    self.sections.append(current)
                elif leaf.key in REQUEST_LABELS and (
                    current is None or current.name != "request_parameters"
                ):
                    current = _Section("request_parameters", [])
                    self.sections.append(current)
            if current is None:
                current = _Section("page", [])
                self.sections.append(current)
            current.leaves.append(leaf)
        self.sections = [self._cleaned(s.name, s.leaves) for s in self.sections]

    def _cleaned(self, name: str, leaves: list[Leaf]) -> _Section:
        """Definitions and page headers dropped, labels split from their values merged back."""
        out: list[Leaf] = []
        empty = False
        for leaf in leaves:
            key = leaf.key
            if key.endswith(" definition") or key == "definition":
                continue
            if leaf.value is None and not leaf.group and _PAGE_HEADER.match(leaf.label):
                continue
            if key == _NO_RECORDS or (leaf.value is not None and norm(leaf.value) == _NO_RECORDS):
                empty = True
                continue
            if leaf.value is not None and not leaf.value.strip() and snake(leaf.label) == name:
                empty = True  # the section's heading with nothing under it
                continue
            if leaf.value is None and not leaf.group and out and key not in KNOWN_LABELS:
                prev = out[-1]
                prev_key = prev.key
                if prev.value is None and not prev.group and prev_key in KNOWN_LABELS:
                    if prev_key not in MARKERS:  # a label cut from its value by a page break
                        out[-1] = Leaf(prev.label, leaf.label, depth=prev.depth)
                        continue
                elif prev.value == "" and not prev.group:  # an empty value, then its text
                    out[-1] = Leaf(prev.label, leaf.label, depth=prev.depth)
                    continue
            out.append(leaf)
        has_fields = any(leaf.value is not None for leaf in out)
        return _Section(name, out, empty and not has_fields)

    def _recognise(self, title: str, builder: _TreeBuilder) -> None:
        """Check the page is a business record; name its product, dialect and account."""
        labels = {leaf.key for s in self.sections for leaf in s.leaves}
        if not labels & KNOWN_LABELS:
            raise WrongFormat(
                f"{self.probe.name}: no business-record labels found (no Target, IP Address, "
                "Author, Registration Date…), so this page is not a Meta or WhatsApp record "
                "this reader knows"
            )
        for section in self.sections:
            if section.name == "request_parameters":
                self._check_labels(section.name, section.leaves, REQUEST_LABELS)
                for leaf in section.leaves:
                    if leaf.value is not None:
                        put_field(self.request, leaf.label, leaf.value)
        service = self._request_value("service").lower()
        lowered = (title + " " + self.probe.name).lower()
        for platform in ("whatsapp", "instagram", "facebook"):
            if platform in service or (not service and platform in lowered):
                self.platform = platform
                break
        if not self.platform:
            self.platform = self._platform_from_authors() or "facebook"
            self._warn_once(
                "platform",
                f"the record does not say which service it is for: read as {self.platform}",
            )
        names = {"whatsapp": "WhatsApp", "instagram": "Instagram", "facebook": "Facebook"}
        self.product = f"{names[self.platform]} business record"
        if re.search(r"preservation", self.probe.name, re.I):
            self.product += " (preservation)"
        hint = builder.hints.most_common(1)[0][0] if builder.hints else ""
        dialect = DIALECTS.get(hint, "unrecognised markup")
        self.layout = f"{self.product}, {dialect} dialect"
        self.sink.decide("layout", self.layout)
        self._account()

    def _platform_from_authors(self) -> str:
        for section in self.sections:
            for leaf in section.leaves:
                if leaf.value and (author := parse_author(leaf.value)):
                    return "facebook" if author.platform == "messenger" else author.platform
        return ""

    def _request_value(self, label: str) -> str:
        for key, value in self.request.items():
            if norm(key) == label:
                return value if isinstance(value, str) else value[0]
        return ""

    def _account(self) -> None:
        target = self._request_value("target") or self._request_value("account identifier")
        if self.platform == "whatsapp":
            digits = re.sub(r"\D", "", target)
            self.target = digits
            self.account = f"whatsapp:{digits}" if digits else "whatsapp:unknown"
            phone = phone_value(target, international=True) if digits else ""
            self.holder = ParticipantDraft(phone=phone) if phone else ParticipantDraft()
        else:
            self.target = target.strip()
            self.account = f"{self.platform}:{self.target.lower() or 'unknown'}"
        if not target:
            self._warn_once(
                "target",
                f"the record names no target account: its identifiers are kept under "
                f"{self.account}",
            )
        self.sink.decide("account", self.account)

    # -- emitting --------------------------------------------------------------------

    def _emit(self) -> None:
        subscriber = [s for s in self.sections if s.name in SUBSCRIBER_SECTIONS]
        if self.platform != "whatsapp":
            name = next(
                (
                    leaf.value
                    for s in subscriber
                    if s.name == "name"
                    for leaf in s.leaves
                    if leaf.value
                ),
                "",
            )
            self.holder = ParticipantDraft(name=name.split("\n")[0], handle=self.target)
        self._subscriber(subscriber)
        for n, section in enumerate(self.sections):
            if n % 10 == 0:
                self.ctx.cancel.check()
            if section.name in SUBSCRIBER_SECTIONS or section.name == "request_parameters":
                continue
            if section.empty or not section.leaves:
                continue
            self._section(section)

    def _section(self, section: _Section) -> None:
        name = section.name
        if name in IP_SECTIONS:
            self._ip_activity(section)
        elif name in MESSAGE_SECTIONS:
            self._messages(section)
        elif name == "machines":
            self._devices(section, ("cookie",), "device")
        elif name in DEVICE_SECTIONS:
            self._devices(section, ("os type", "device type", "type", "id"), "device")
        elif name == "linked_accounts":
            self._linked_accounts(section)
        elif name in MEDIA_SECTIONS:
            self._records(section, ("id", "author", "linked media file"), "media", "media")
        elif name == "message_log":
            self._whatsapp_messages(section)
        elif name == "call_logs":
            self._whatsapp_calls(section)
        else:
            if any(leaf.value is not None for leaf in section.leaves):
                self._warn_once(name, f"{name}: not understood, kept as text")
            self._records(section, (), "other", "")

    def _base_meta(self, section: str, record: str, fields: dict[str, Any]) -> dict[str, Any]:
        meta: dict[str, Any] = {"layout": self.layout, "section": section, "fields": fields}
        if record:
            meta["record"] = record
        meta["account"] = self.account
        return meta

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.sink.warn(message)

    def _check_labels(self, section: str, row: list[Leaf], known: frozenset[str]) -> None:
        for leaf in row:
            key = leaf.key
            if leaf.group or key in MARKERS:
                continue
            if leaf.value is None:
                self._warn_once(
                    f"{section}/(text)", f"{section}/(text): not understood, kept as text"
                )
            elif key not in known:
                self._warn_once(
                    f"{section}/{key}", f"{section}/{leaf.label}: not understood, kept as text"
                )

    # subscriber ------------------------------------------------------------------------

    def _subscriber(self, sections: list[_Section]) -> None:
        fields: dict[str, Any] = {}
        for key, value in self.request.items():
            for v in value if isinstance(value, list) else [value]:
                put_field(fields, key, v)
        identifiers: list[IdentifierDraft] = []
        events: list[EventDraft] = []
        empty: list[str] = []
        reg_ip: list[str] = []
        reg_us: int | None = None
        account = self.account
        for section in sections:
            if section.empty:
                empty.append(section.name)
                continue
            self._check_labels(section.name, section.leaves, _SUBSCRIBER_LABELS)
            for leaf in section.leaves:
                if leaf.group:
                    continue
                if leaf.value is None:
                    put_field(fields, "(text)", leaf.label)
                    continue
                put_field(fields, leaf.label, leaf.value)
                key, value = leaf.key, leaf.value
                if key in ("emails", "email") or section.name in ("emails", "email_changes"):
                    identifiers.extend(email_identifiers(account, value))
                elif key in ("phone numbers", "phone number", "removed phone numbers"):
                    identifiers.extend(phone_identifiers(account, value))
                elif key in ("vanity", "vanity changes"):
                    identifiers.extend(
                        i
                        for v in value.split("\n")
                        if (i := identifier(account, IdentifierKind.USERNAME, v))
                    )
                elif key in ("name", "alternate name") and section.name in (
                    "name",
                    "alternate_name",
                ):
                    identifiers.append(
                        IdentifierDraft(account, IdentifierKind.NAME, value.strip(), value)
                    )
                elif key == "registration date":
                    if event := parse_time(value, "registered"):
                        events.append(event)
                        reg_us = event.ts_utc_us
                    else:
                        self._warn_once("registration", f"Registration Date {value!r}: not a time")
                elif key == "registration ip":
                    reg_ip.append(value)
                elif event := parse_time(value, snake(leaf.label)):
                    events.append(event)  # an account end date, a name change's time...
        for raw in reg_ip:
            ident = ip_identifier(
                account, raw, kind=IdentifierKind.REGISTRATION_IP, ts_utc_us=reg_us
            )
            if ident is None:
                self._warn_once("registration ip", f"Registration Ip {raw!r}: not an IP address")
            else:
                identifiers.append(ident)
        username = self._request_value("account identifier")
        ident = identifier(account, IdentifierKind.USERNAME, username)
        if ident is not None and self.platform != "whatsapp" and username != self.target:
            identifiers.append(ident)
        if self.platform == "whatsapp" and self.target:
            target = self._request_value("target")
            identifiers.extend(phone_identifiers(account, target, international=True))
        meta = self._base_meta("subscriber", "subscriber", fields)
        meta["request"] = dict(self.request)
        # "No responsive records located" is itself an answer: say which sections gave it.
        empty += [s.name for s in self.sections if s.empty and s.name not in SUBSCRIBER_SECTIONS]
        if empty:
            meta["empty_sections"] = empty
        self.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator="request_parameters",
                text=self._summary_subscriber(fields),
                author=self.holder if self.holder.label != "(unknown)" else None,
                events=events,
                meta=meta,
                identifiers=_unique(identifiers),
            )
        )

    def _summary_subscriber(self, fields: dict[str, Any]) -> str:
        lines = [f"{self.product}: subscriber record for {self.account}"]
        for label, value in fields.items():
            for v in value if isinstance(value, list) else [value]:
                lines.append(f"{label}: {v}")
        return "\n".join(lines)

    # IP activity --------------------------------------------------------------------

    def _ip_activity(self, section: _Section) -> None:
        known = _LABELS_BY_SECTION["ip"]
        for n, row in enumerate(_rows(section.leaves, ("ip address", "timestamp")), 1):
            self._check_labels(section.name, row, known)
            fields = _fields(row)
            raw_ip = _get(row, "ip address")
            when_raw = _get(row, "time") or _get(row, "timestamp")
            action = _get(row, "action")
            kind = "login" if not action or "login" in action.lower() else "ip_activity"
            event = parse_time(when_raw, kind) if when_raw else None
            locator = f"{section.name} row {n}"
            if when_raw and event is None:
                self.sink.warn(f"{locator}: time {when_raw!r} not understood, kept as text")
            elif not when_raw:
                self.sink.warn(f"{locator}: no time given")
            port = parse_port(_get(row, "port"))
            ident = (
                ip_identifier(
                    self.account,
                    raw_ip,
                    port=port,
                    ts_utc_us=event.ts_utc_us if event else None,
                )
                if raw_ip
                else None
            )
            if raw_ip and ident is None:
                self.sink.warn(f"{locator}: {raw_ip!r} is not an IP address, kept as text")
            elif not raw_ip:
                self.sink.warn(f"{locator}: no IP address given")
            where = raw_ip or "(no address)"
            if ident is not None:
                where = ident.value + (f" port {ident.port}" if ident.port is not None else "")
            what = "Login" if kind == "login" else (action or "IP activity")
            text = f"{what} from {where} ({self.account})"
            self.sink.add_item(
                ItemDraft(
                    kind=ItemKind.RECORD,
                    locator=locator,
                    text=text,
                    author=self._holder(),
                    events=[event] if event else [],
                    meta=self._base_meta(section.name, "login", fields),
                    identifiers=[ident] if ident else [],
                )
            )

    def _holder(self) -> ParticipantDraft | None:
        return self.holder if self.holder.label != "(unknown)" else None

    # messages -----------------------------------------------------------------------

    def _messages(self, section: _Section) -> None:
        known = _LABELS_BY_SECTION["messages"]
        thread: dict[str, Any] = {}
        people: list[_Author] = []
        tid = ""
        count = 0
        for unit in _message_units(section.leaves):
            if unit.kind == "thread":
                self._check_labels(section.name, unit.leaves, known)
                thread = _fields(unit.leaves)
                raw = _get(unit.leaves, "thread")
                m = _THREAD_ID.match(raw)
                tid = m["id"].strip() if m else raw.split(" ")[0] if raw else ""
                people = _dedupe_people(
                    parse_people(raw)
                    + parse_people(_get(unit.leaves, "current participants"))
                    + parse_people(_get(unit.leaves, "past participants"))
                )
                continue
            count += 1
            self._check_labels(section.name, unit.leaves, known)
            self._message(section.name, unit.leaves, tid, thread, people, count)

    def _message(
        self,
        section: str,
        row: list[Leaf],
        tid: str,
        thread: dict[str, Any],
        people: list[_Author],
        n: int,
    ) -> None:
        fields = _fields(row)
        author = parse_author(_get(row, "author"))
        raw_author = _get(row, "author")
        author_draft = (
            author.draft if author else (ParticipantDraft(name=raw_author) if raw_author else None)
        )
        sent = _get(row, "sent")
        locator = f"{section} thread {tid or '?'} message {n}"
        event = parse_time(sent, "sent") if sent else None
        if sent and event is None:
            self.sink.warn(f"{locator}: time {sent!r} not understood, kept as text")
        recipients = tuple(p.draft for p in people if author is None or p.id != author.id)
        names = ", ".join(p.name for p in people if p.name)
        conversation = f"{names} (thread {tid})" if names and tid else names or f"thread {tid}"
        key = f"{section}/{tid}/{n}"
        attachments = _attachments(row)
        meta = self._base_meta(section, "", fields)
        meta.update(thread=tid, thread_fields=thread)
        if attachments:
            meta["attachments"] = attachments
        self.sink.add_item(
            ItemDraft(
                kind=ItemKind.MESSAGE,
                locator=locator,
                text=_get(row, "body"),
                author=author_draft,
                recipients=recipients,
                events=[event] if event else [],
                meta=meta,
                conversation=conversation,
                key=key,
            )
        )
        for attachment in attachments:
            self._attach(attachment, key, locator)

    def _attach(self, attachment: dict[str, Any], key: str, locator: str) -> None:
        """Hand a `linked_media/…` file over as the message's child, or say it is missing."""
        rel = attachment.get("linked_media", "")
        guessed = not rel  # only `Attachments` names it: look for it in linked_media/
        if guessed:
            name = attachment.get("name", "")
            if not name or "/" in name or "\\" in name:
                return
            rel = f"linked_media/{name}"
        clean = PurePosixPath(rel.replace("\\", "/").strip())
        if clean.is_absolute() or ".." in clean.parts or not clean.parts:
            attachment["found"] = False
            self.sink.warn(
                f"{locator}: attachment path {rel!r} leaves the return's folder: not followed"
            )
            return
        if self._folder is None:
            attachment["found"] = False
            self.sink.warn(
                f"attachment {clean} named by the return was not found: the record was not "
                "read from a folder, so its linked_media/ could not be looked in"
            )
            return
        path = self._folder.joinpath(*clean.parts)
        inside = path.resolve().is_relative_to(self._folder.resolve())
        if not path.is_file() or not inside:
            attachment["found"] = False
            if guessed:
                self.sink.warn(
                    f"attachment {attachment['name']} ({locator}) names no linked media file "
                    f"and is not in linked_media/ beside {self.probe.name}"
                )
            elif not inside:
                self.sink.warn(f"{locator}: attachment {clean} links out of the return's folder")
            else:
                self.sink.warn(
                    f"attachment {clean} named by the return was not found beside "
                    f"{self.probe.name} ({locator}; withheld or removed?)"
                )
            return
        attachment["found"] = True
        with path.open("rb") as fh:
            self.sink.add_child(clean.as_posix(), fh, context_key=key)

    # devices, machines, linked accounts, media ---------------------------------------

    def _devices(self, section: _Section, starts: tuple[str, ...], record: str) -> None:
        known = _LABELS_BY_SECTION["devices"]
        for n, row in enumerate(
            _rows(section.leaves, starts, repeatable={"user", "associated users"}), 1
        ):
            self._check_labels(section.name, row, known)
            identifiers: list[IdentifierDraft] = []
            users = [
                a
                for raw in _all(row, "user") + _all(row, "associated users")
                for a in parse_people(raw)
            ]
            device_raw = (
                _get(row, "cookie") or _get(row, "family device id") or _get(row, "device id")
            )
            accounts = [self.account] + [
                f"{'facebook' if u.platform == 'messenger' else u.platform}:{u.id.lower()}"
                for u in users
            ]
            if device_raw:
                identifiers.extend(
                    ident
                    for acc in dict.fromkeys(accounts)
                    if (ident := identifier(acc, IdentifierKind.DEVICE, device_raw))
                )
            label = "Machine (cookie)" if section.name == "machines" else "Device"
            shown = device_raw or _get(row, "os type") or _get(row, "device type") or "?"
            others = [u for u in users if f"{u.platform}:{u.id.lower()}" != self.account]
            also = ", ".join(f"{u.name} ({u.platform}: {u.id})" for u in others)
            text = f"{label} {shown} of {self.account}" + (f"; seen with {also}" if also else "")
            self._add_record(section.name, n, row, record, text, identifiers)

    def _linked_accounts(self, section: _Section) -> None:
        known = _LABELS_BY_SECTION["linked_accounts"]
        for n, row in enumerate(_rows(section.leaves, ("service",)), 1):
            self._check_labels(section.name, row, known)
            service = _get(row, "service").strip().lower()
            identifier = _get(row, "identifier").strip()
            identifiers = []
            if service and identifier:
                service = "facebook" if service == "messenger" else re.sub(r"\s+", "", service)
                identifiers.append(
                    IdentifierDraft(
                        self.account,
                        IdentifierKind.LINKED_ACCOUNT,
                        f"{service}:{identifier.lower()}",
                        identifier,
                    )
                )
            text = f"Linked account: {_get(row, 'service')} {identifier} (linked to {self.account})"
            self._add_record(section.name, n, row, "account", text, identifiers, time_kind="linked")

    def _records(
        self, section: _Section, starts: tuple[str, ...], record: str, vocabulary: str
    ) -> None:
        known = _LABELS_BY_SECTION.get(vocabulary)
        for n, row in enumerate(_rows(section.leaves, starts), 1):
            if known is not None:
                self._check_labels(section.name, row, known)
            identifiers: list[IdentifierDraft] = []
            if upload := _get(row, "upload ip"):
                ident = ip_identifier(self.account, upload)
                if ident is not None:
                    identifiers.append(ident)
            lines = [
                f"{leaf.label}: {leaf.value}" if leaf.value is not None else leaf.label
                for leaf in row
                if not leaf.group
            ]
            title = section.name.replace("_", " ").capitalize()
            text = f"{title} ({self.account})\n" + "\n".join(lines)
            key = self._add_record(section.name, n, row, record or "other", text, identifiers)
            for attachment in _attachments(row):
                self._attach(attachment, key, f"{section.name} row {n}")

    def _add_record(
        self,
        section: str,
        n: int,
        row: list[Leaf],
        record: str,
        text: str,
        identifiers: list[IdentifierDraft],
        time_kind: str = "",
    ) -> str:
        """One record item for a row; every field holding a time becomes an event."""
        events: list[EventDraft] = []
        for leaf in row:
            if leaf.value is None or leaf.group:
                continue
            kind = time_kind if time_kind and leaf.key == "time" else snake(leaf.label)
            if event := parse_time(leaf.value, kind):
                events.append(event)
        key = f"{section}/{n}"
        self.sink.add_item(
            ItemDraft(
                kind=ItemKind.RECORD,
                locator=f"{section} row {n}",
                text=text,
                author=self._holder(),
                events=events,
                meta=self._base_meta(section, record, _fields(row)),
                identifiers=_unique(identifiers),
                key=key,
            )
        )
        return key

    # WhatsApp -----------------------------------------------------------------------

    def _whatsapp_messages(self, section: _Section) -> None:
        known = _LABELS_BY_SECTION["message_log"]
        for n, row in enumerate(_rows(section.leaves, ("message", "timestamp")), 1):
            self._check_labels(section.name, row, known)
            locator = f"{section.name} row {n}"
            sender_raw = _get(row, "sender")
            sender = self._wa_party(sender_raw)
            parties = [self._wa_party(r) for r in re.split(r"[,;\s]+", _get(row, "recipients"))]
            recipients = tuple(p for p in parties if p is not None)
            when = _get(row, "timestamp")
            event = parse_time(when, "sent") if when else None
            if when and event is None:
                self.sink.warn(f"{locator}: time {when!r} not understood, kept as text")
            identifiers: list[IdentifierDraft] = []
            sender_account = self._wa_account(sender_raw)
            if ip_raw := _get(row, "sender ip"):
                ident = ip_identifier(
                    sender_account,
                    ip_raw,
                    port=parse_port(_get(row, "sender port")),
                    ts_utc_us=event.ts_utc_us if event else None,
                )
                if ident is None:
                    self.sink.warn(f"{locator}: {ip_raw!r} is not an IP address, kept as text")
                else:
                    identifiers.append(ident)
            kind = _get(row, "type") or "message"
            size = _get(row, "message size")
            text = (
                f"WhatsApp message log: {kind} message"
                + (f", {size} bytes" if size else "")
                + " (the record holds no content)"
            )
            meta = self._base_meta(section.name, "", _fields(row))
            meta["message_id"] = _get(row, "message id")
            self.sink.add_item(
                ItemDraft(
                    kind=ItemKind.MESSAGE,
                    locator=locator,
                    text=text,
                    author=sender,
                    recipients=recipients,
                    events=[event] if event else [],
                    meta=meta,
                    conversation=f"WhatsApp message log of {self._target_label()}",
                    identifiers=identifiers,
                )
            )

    def _target_label(self) -> str:
        return self.holder.phone or self.target or "the target"

    def _wa_party(self, raw: str) -> ParticipantDraft | None:
        value = phone_value(raw, international=True) if raw.strip() else ""
        if not value:
            return ParticipantDraft(handle=raw.strip()) if raw.strip() else None
        return (
            ParticipantDraft(phone=value)
            if value.startswith("+")
            else ParticipantDraft(handle=value)
        )

    def _wa_account(self, raw: str) -> str:
        digits = re.sub(r"\D", "", raw)
        return f"whatsapp:{digits}" if digits else self.account

    def _whatsapp_calls(self, section: _Section) -> None:
        known = _LABELS_BY_SECTION["call_logs"]
        for n, row in enumerate(
            _rows(section.leaves, ("call", "call id"), repeatable=_CALL_EVENT_LABELS), 1
        ):
            self._check_labels(section.name, row, known)
            locator = f"{section.name} row {n}"
            head, call_events = _split_call(row)
            events: list[EventDraft] = []
            identifiers: list[IdentifierDraft] = []
            recipients: list[ParticipantDraft] = []
            details: list[dict[str, Any]] = []
            for sub in call_events:
                details.append(_fields(sub))
                what = _get(sub, "type") or "event"
                when = _get(sub, "timestamp")
                event = parse_time(when, f"call_{snake(what)}") if when else None
                if when and event is None:
                    self.sink.warn(f"{locator}: time {when!r} not understood, kept as text")
                if event:
                    events.append(event)
                for to in re.split(r"[,;\s]+", _get(sub, "to")):
                    if to and (party := self._wa_party(to)) and party not in recipients:
                        recipients.append(party)
                if ip_raw := _get(sub, "from ip"):
                    ident = ip_identifier(
                        self._wa_account(_get(sub, "from")),
                        ip_raw,
                        port=parse_port(_get(sub, "from port")),
                        ts_utc_us=event.ts_utc_us if event else None,
                    )
                    if ident is None:
                        self.sink.warn(f"{locator}: {ip_raw!r} is not an IP address, kept as text")
                    else:
                        identifiers.append(ident)
            creator = _get(head, "call creator") or (
                _get(call_events[0], "from") if call_events else ""
            )
            media = next((_get(s, "media type") for s in call_events if _get(s, "media type")), "")
            steps = ", ".join(
                f"{_get(s, 'type') or 'event'} {_get(s, 'timestamp')}".strip() for s in call_events
            )
            text = f"WhatsApp {media + ' ' if media else ''}call: {steps}".strip()
            meta = self._base_meta(section.name, "call-log", _fields(head))
            meta["events"] = details
            meta["call_id"] = _get(head, "call id")
            self.sink.add_item(
                ItemDraft(
                    kind=ItemKind.CALL,
                    locator=locator,
                    text=text,
                    author=self._wa_party(creator),
                    recipients=tuple(r for r in recipients if r is not None),
                    events=events,
                    meta=meta,
                    conversation=f"WhatsApp call log of {self._target_label()}",
                    identifiers=identifiers,
                )
            )


# -- rows --------------------------------------------------------------------------------

_CALL_EVENT_LABELS = frozenset(
    {"type", "timestamp", "from", "to", "from ip", "from port", "media type", "events"}
)


def _rows(
    leaves: list[Leaf], starts: tuple[str, ...], repeatable: Iterable[str] = ()
) -> list[list[Leaf]]:
    """A section's leaves split into rows.

    A row starts at whichever of `starts` the section prints first (else at its first
    label); a label met twice in a row also starts a new one, unless it may repeat.
    """
    items = [leaf for leaf in leaves if not leaf.group]
    labels = [leaf.key for leaf in items]
    start = next((key for key in labels if key in starts), labels[0] if labels else "")
    again = set(repeatable)
    rows: list[list[Leaf]] = []
    row: list[Leaf] = []
    seen: set[str] = set()
    for leaf, key in zip(items, labels, strict=True):
        if row and (key == start or (key in seen and key not in again and leaf.value is not None)):
            rows.append(row)
            row, seen = [], set()
        row.append(leaf)
        seen.add(key)
    if row:
        rows.append(row)
    return rows


def _split_call(row: list[Leaf]) -> tuple[list[Leaf], list[list[Leaf]]]:
    """A call's own fields, and its events (each starting at `Type`, or a repeated label)."""
    head: list[Leaf] = []
    events: list[list[Leaf]] = []
    seen: set[str] = set()
    for leaf in row:
        key = leaf.key
        if key in _CALL_EVENT_LABELS and key != "events":
            if not events or key == "type" or key in seen:
                events.append([])
                seen = set()
            events[-1].append(leaf)
            seen.add(key)
        else:
            head.append(leaf)
    return head, events


@dataclass(slots=True)
class _Unit:
    kind: str  # "thread" or "message"
    leaves: list[Leaf]


def _message_units(leaves: list[Leaf]) -> Iterator[_Unit]:
    """A messages section as threads (from `Thread`) and messages (from `Author`)."""
    unit: _Unit | None = None
    seen: set[str] = set()
    for leaf in leaves:
        if leaf.group:
            continue
        key = leaf.key
        starts_thread = key == "thread"
        starts_message = key == "author" or (
            unit is not None and unit.kind == "message" and key in ("sent", "body") and key in seen
        )
        if starts_thread or starts_message or unit is None:
            if unit is not None:
                yield unit
            thread_label = key in ("current participants", "past participants")
            kind = "thread" if starts_thread or (thread_label and not starts_message) else "message"
            unit = _Unit(kind, [])
            seen = set()
        unit.leaves.append(leaf)
        seen.add(key)
    if unit is not None:
        yield unit


def _attachments(row: list[Leaf]) -> list[dict[str, Any]]:
    """The attachments a row names: `Attachments` opens one, its details follow."""
    out: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    names = {"attachments": "name", "type": "type", "size": "size", "url": "url"}
    for leaf in row:
        if leaf.value is None or leaf.group:
            continue
        key = leaf.key
        if key == "attachments":
            current = {"name": leaf.value}
            out.append(current)
        elif key == "linked media file":
            if current is None or "linked_media" in current:
                current = {}
                out.append(current)
            current["linked_media"] = leaf.value.strip()
        elif current is not None and key in names and names[key] not in current:
            current[names[key]] = leaf.value
    return [a for a in out if a.get("name") or a.get("linked_media")]


def _fields(row: list[Leaf]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for leaf in row:
        if leaf.group:
            continue
        if leaf.value is None:
            if leaf.key not in MARKERS:
                put_field(fields, "(text)", leaf.label)
            continue
        put_field(fields, leaf.label, leaf.value)
    return fields


def _get(row: list[Leaf], label: str) -> str:
    return next((leaf.value for leaf in row if leaf.value is not None and leaf.key == label), "")


def _all(row: list[Leaf], label: str) -> list[str]:
    return [leaf.value for leaf in row if leaf.value is not None and leaf.key == label]


def _dedupe_people(people: list[_Author]) -> list[_Author]:
    out: dict[tuple[str, str], _Author] = {}
    for p in people:
        out.setdefault((p.platform, p.id), p)
    return list(out.values())


def _unique(identifiers: list[IdentifierDraft]) -> list[IdentifierDraft]:
    return list(dict.fromkeys(identifiers))
