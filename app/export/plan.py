"""The plan of a disclosure pack: which items, grouped into which exhibits, with which redactions.

Material is chosen by a timeline filter, elements of charges, exhibits, explicit items, or
everything (each choice adds to the others); the attachments of a chosen item come with it,
and an item marked sensitive never does (it is listed in `PackPlan.left_out`).

Items are grouped into entries: the chosen messages of one conversation are one entry (a
transcript), an email, an image, a PDF or a document is one entry, and an attachment is a
sub-entry of the entry holding its parent. Items already in an exhibit keep it; the others
get provisional references continuing after the highest number of the officer's initials
("EX" when none are given and no exhibit exists). The builder records them as exhibits only
when the pack completes.

Descriptions never quote evidence or original file names (which can identify people): an
exhibit's or a material mark's description when one was written, else a neutral one such
as "WhatsApp conversation, 12 messages, 04/03/2024–05/03/2024".
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.case import Case
from app.errors import ExportError
from app.export.exhibits import (
    ExhibitRow,
    check_initials,
    highest_number,
    parse_ref,
    ref_key,
    session_exhibits,
    session_marks,
)
from app.importers.names import importer_name
from app.redaction.model import RedactionRow
from app.redaction.store import DEFAULT_SET, protected_terms, query_redactions
from app.tagging.model import parse_element_key
from app.tagging.store import items_for_element
from app.timeline.clock import us_to_utc, zone
from app.timeline.query import TimelineFilter, raw_cursor

log = logging.getLogger(__name__)

DEFAULT_INITIALS = "EX"
_CONVERSATION_KINDS = frozenset({"message", "system", "call"})
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class PackOptions:
    """What a pack holds and how it is made."""

    set_name: str = DEFAULT_SET
    filter: TimelineFilter | None = None
    element_keys: tuple[str, ...] = ()
    exhibit_refs: tuple[str, ...] = ()
    item_ids: tuple[int, ...] = ()
    everything: bool = False
    zone: str = ""  # display zone; the case's when empty
    bates_prefix: str = ""
    include_natives: bool = True
    include_sensitive_schedule: bool = False
    timeline_report: bool = False
    title: str = ""
    initials: str = ""  # officer initials of provisional references
    name: str = ""  # the pack folder's name; "<YYYYMMDD-HHMMSS>-<set>" when empty


@dataclass(frozen=True, slots=True)
class PackEntry:
    """One exhibit of the pack: its items in time order, kind, first time and neutral source."""

    exhibit_ref: str
    alias: str
    description: str
    item_ids: tuple[int, ...]
    kind: str  # conversation | email | image | pdf | document | other
    first_us: int | None
    source_names: tuple[str, ...]  # neutral: "WhatsApp", "Email" (never file names)
    redacted: bool
    last_us: int | None = None
    source_ids: tuple[int, ...] = ()
    exhibit_id: int | None = None  # None while the reference is provisional
    parent_ref: str = ""  # the entry holding this one's parent item (an attachment)
    count: int = 0  # messages of a conversation, pages of a PDF, else items

    @property
    def provisional(self) -> bool:
        """Whether the reference is only proposed (recorded when the pack completes)."""
        return self.exhibit_id is None


@dataclass(frozen=True, slots=True)
class PackPlan:
    """Everything the builder needs: entries in reference order, redactions, forbidden text."""

    options: PackOptions
    entries: tuple[PackEntry, ...]
    redactions: dict[int, list[RedactionRow]]  # approved ones of the set, by item
    forbidden: tuple[str, ...]  # every approved redaction's quote + every protected spelling
    zone: str
    left_out: tuple[int, ...] = ()  # chosen but marked sensitive: never in the pack
    initials: str = DEFAULT_INITIALS
    case_name: str = ""
    sensitive: tuple[int, ...] = field(default=())  # every sensitive item of the case

    @property
    def item_ids(self) -> tuple[int, ...]:
        """Every item of the pack, entry by entry."""
        return tuple(i for e in self.entries for i in e.item_ids)

    def entry(self, ref: str) -> PackEntry:
        """The entry with this reference."""
        for e in self.entries:
            if e.exhibit_ref == ref:
                return e
        raise KeyError(ref)


# -- reading items ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Item:
    id: int
    kind: str
    source_id: int
    parent_id: int | None
    conversation: str
    mime: str
    importer: str
    source_parent: int | None
    first_us: int | None
    last_us: int | None
    pages: int
    screenshot: bool


def _json(ids: Iterable[int]) -> str:
    return json.dumps(sorted(set(ids)))


_ITEMS_SQL = """
SELECT i.id, i.kind, i.source_id, i.parent_id, i.conversation, i.mime, s.importer, s.parent_id,
       (SELECT min(e.ts_utc_us) FROM events e WHERE e.item_id = i.id),
       (SELECT max(e.ts_utc_us) FROM events e WHERE e.item_id = i.id),
       (SELECT count(*) FROM pages p WHERE p.item_id = i.id),
       coalesce(json_extract(i.meta, '$.screenshot'), 0)
FROM items i JOIN sources s ON s.id = i.source_id
WHERE i.id IN (SELECT value FROM json_each(?))
"""


def _read_items(s: Session, ids: Sequence[int]) -> dict[int, _Item]:
    cur = raw_cursor(s)
    out: dict[int, _Item] = {}
    try:
        ordered = sorted(set(ids))
        for i in range(0, len(ordered), 20_000):
            for r in cur.execute(_ITEMS_SQL, (_json(ordered[i : i + 20_000]),)):
                out[r[0]] = _Item(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4] or "",
                    r[5] or "",
                    r[6],
                    r[7],
                    r[8],
                    r[9],
                    int(r[10]),
                    bool(r[11]),
                )
    finally:
        cur.close()
    return out


def _ints(s: Session, sql: str, params: Sequence[Any] = ()) -> list[int]:
    cur = raw_cursor(s)
    try:
        return [int(r[0]) for r in cur.execute(sql, tuple(params))]
    finally:
        cur.close()


# -- choosing the material ------------------------------------------------------------------


def _chosen(case: Case, s: Session, options: PackOptions, exhibits: list[ExhibitRow]) -> set[int]:
    chosen: set[int] = set()
    asked = False
    if options.everything:
        asked = True
        chosen.update(_ints(s, "SELECT id FROM items"))
    if options.filter is not None:
        asked = True
        events = case.timeline_ids(options.filter)
        for i in range(0, len(events), 50_000):
            chosen.update(
                _ints(
                    s,
                    "SELECT DISTINCT item_id FROM events WHERE id IN "
                    "(SELECT value FROM json_each(?))",
                    (json.dumps(list(events[i : i + 50_000])),),
                )
            )
    for key in options.element_keys:
        asked = True
        charge_id, element_id = parse_element_key(key)
        chosen.update(items_for_element(case, charge_id, element_id))
    by_ref = {e.ref: e for e in exhibits}
    for ref in options.exhibit_refs:
        asked = True
        norm = parse_ref(ref)
        found = by_ref.get(norm)
        if found is None:
            raise ExportError(f"there is no exhibit {norm}")
        chosen.update(found.item_ids)
    if options.item_ids:
        asked = True
        wanted = {int(i) for i in options.item_ids}
        known = set(
            _ints(
                s,
                "SELECT id FROM items WHERE id IN (SELECT value FROM json_each(?))",
                (_json(wanted),),
            )
        )
        missing = sorted(wanted - known)
        if missing:
            raise ExportError(f"no item with id {', '.join(map(str, missing[:10]))}")
        chosen.update(wanted)
    if not asked:
        raise ExportError("choose the material: a filter, elements, exhibits, items, or everything")
    # Attachments come with what they are attached to (to any depth).
    frontier = set(chosen)
    while frontier:
        children = set(
            _ints(
                s,
                "SELECT id FROM items WHERE parent_id IN (SELECT value FROM json_each(?))",
                (_json(frontier),),
            )
        )
        frontier = children - chosen
        chosen |= frontier
    return chosen


# -- describing ------------------------------------------------------------------------------


def _day(us: int, zone_name: str) -> str:
    return us_to_utc(us).astimezone(zone(zone_name)).strftime("%d/%m/%Y")


def _dates(first: int | None, last: int | None, zone_name: str) -> str:
    if first is None:
        return ""
    a = _day(first, zone_name)
    b = _day(last if last is not None else first, zone_name)
    return a if a == b else f"{a}–{b}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _platform(it: _Item, items: dict[int, _Item]) -> str:
    parent = items.get(it.parent_id) if it.parent_id is not None else None
    if parent is not None and parent.kind == "email":
        return "Email attachment"
    if it.parent_id is not None or it.source_parent is not None:
        base = importer_name(it.importer, "File")
        return f"{base} (attachment)" if it.parent_id is not None else base
    return importer_name(it.importer, "File")


def entry_kind(kinds: Sequence[str], mimes: Sequence[str]) -> str:
    """The kind of an entry from the kinds (and MIME types) of its items."""
    if any(k in _CONVERSATION_KINDS for k in kinds):
        return "conversation"
    distinct = set(kinds)
    if len(distinct) != 1:
        return "other"
    kind = kinds[0]
    if kind == "email":
        return "email"
    if kind == "image":
        return "image"
    if kind == "document" and all(m == "application/pdf" for m in mimes):
        return "pdf"
    if kind in ("document", "text"):
        return "document"
    return "other"


def describe(kind: str, items: Sequence[_Item], platform: str, zone_name: str) -> tuple[str, int]:
    """A neutral description of an entry (no evidence text, no file name) and its count."""
    first = min((i.first_us for i in items if i.first_us is not None), default=None)
    last = max((i.last_us for i in items if i.last_us is not None), default=None)
    when = _dates(first, last, zone_name)
    tail = f", {when}" if when else ""
    if kind == "conversation":
        n = sum(1 for i in items if i.kind == "message")
        calls = sum(1 for i in items if i.kind == "call")
        parts = [_plural(n, "message")] if n or not calls else []
        what = ", ".join(parts + ([_plural(calls, "call")] if calls else []))
        name = platform if platform not in ("File", "Text file") else "Chat"
        return f"{name} conversation, {what}{tail}", n + calls
    if kind == "email":
        return f"Email{tail}", len(items)
    if kind == "image":
        shot = any(i.screenshot for i in items)
        attached = " attached to an email" if platform == "Email attachment" else ""
        return ("Screenshot" if shot else "Image") + attached + tail, len(items)
    if kind == "pdf":
        pages = sum(i.pages for i in items)
        return f"PDF document, {_plural(pages, 'page')}{tail}", pages
    if kind == "document":
        return f"Text document{tail}", len(items)
    return f"{_plural(len(items), 'item')}{tail}", len(items)


# -- grouping ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Group:
    items: list[_Item]
    exhibit: ExhibitRow | None = None
    parent_item: int | None = None  # the parent item of an attachment group
    ref: str = ""


def _time_key(it: _Item) -> tuple[int, int, int]:
    return (it.first_us is None, it.first_us or 0, it.id)


def _group(chosen: dict[int, _Item], held: dict[int, ExhibitRow]) -> list[_Group]:
    groups: dict[Any, _Group] = {}
    for it in sorted(chosen.values(), key=_time_key):
        ex = held.get(it.id)
        key: Any
        if ex is not None:
            key = ("exhibit", ex.id)
        elif it.kind in _CONVERSATION_KINDS and it.parent_id is None:
            key = ("conversation", it.source_id, it.conversation)
        elif it.parent_id is not None and it.parent_id in chosen:
            key = ("attachment", it.id)
        else:
            key = ("item", it.id)
        g = groups.get(key)
        if g is None:
            g = groups[key] = _Group([], exhibit=ex)
            if key[0] == "attachment":
                g.parent_item = it.parent_id
        g.items.append(it)
    return list(groups.values())


def _assign_refs(groups: list[_Group], initials: str, taken: set[str]) -> None:
    """Provisional references: top-level groups in time order, then attachments under them."""
    top = highest_number(taken, initials)
    by_item: dict[int, _Group] = {}
    for g in groups:
        if g.exhibit is not None:
            g.ref = g.exhibit.ref
        for it in g.items:
            by_item[it.id] = g
    for g in sorted(groups, key=lambda g: _time_key(g.items[0])):
        if g.exhibit is None and g.parent_item is None:
            top += 1
            g.ref = f"{initials}/{top}"
    used = set(taken) | {g.ref for g in groups if g.ref}
    pending = [g for g in groups if not g.ref]
    for _ in range(len(pending) + 1):  # an attachment of an attachment waits for its parent
        left = []
        for g in pending:
            assert g.parent_item is not None
            parent = by_item[g.parent_item]
            if not parent.ref:
                left.append(g)
                continue
            base = parent.ref if parent.ref.count("/") == 1 else parent.ref.rsplit("/", 1)[0]
            n = 1
            while f"{base}/{n}" in used:
                n += 1
            g.ref = f"{base}/{n}"
            used.add(g.ref)
        pending = left
        if not pending:
            break


# -- the plan -------------------------------------------------------------------------------


def plan_pack(case: Case, options: PackOptions) -> PackPlan:
    """Choose the material, group it into entries and collect its redactions (no writes)."""
    zone_name = options.zone or case.zone
    zone(zone_name)
    with case.read() as s:
        exhibits = session_exhibits(s)
        chosen_ids = _chosen(case, s, options, exhibits)
        all_marks = session_marks(s)
        sensitive = {i for i, m in all_marks.items() if m.sensitive}
        left_out = sorted(chosen_ids & sensitive)
        ids = sorted(chosen_ids - sensitive)
        items = _read_items(s, ids)
        held: dict[int, ExhibitRow] = {}
        for ex in exhibits:
            for i in ex.item_ids:
                held.setdefault(i, ex)
        redactions: dict[int, list[RedactionRow]] = {}
        for r in query_redactions(s, options.set_name, ids, ["approved"]):
            redactions.setdefault(r.item_id, []).append(r)
    if options.initials:
        initials = check_initials(options.initials)
    elif exhibits:
        initials = max(exhibits, key=lambda e: e.id).ref.split("/")[0]
    else:
        initials = DEFAULT_INITIALS
    groups = _group(items, held)
    _assign_refs(groups, initials, {e.ref for e in exhibits})
    by_item_ref = {it.id: g.ref for g in groups for it in g.items}
    entries: list[PackEntry] = []
    for g in groups:
        its = g.items
        kind = entry_kind([i.kind for i in its], [i.mime for i in its])
        platforms = tuple(dict.fromkeys(_platform(i, items) for i in its))
        desc, count = describe(kind, its, platforms[0], zone_name)
        written = g.exhibit.description if g.exhibit is not None else ""
        if not written:
            written = next(
                (
                    all_marks[i.id].description
                    for i in its
                    if i.id in all_marks and all_marks[i.id].description
                ),
                "",
            )
        parent_ref = ""
        if g.parent_item is not None:
            parent_ref = by_item_ref.get(g.parent_item, "")
        entries.append(
            PackEntry(
                exhibit_ref=g.ref,
                alias=g.ref.replace("/", "_"),
                description=written or desc,
                item_ids=tuple(i.id for i in its),
                kind=kind,
                first_us=min((i.first_us for i in its if i.first_us is not None), default=None),
                source_names=platforms,
                redacted=any(i.id in redactions for i in its),
                last_us=max((i.last_us for i in its if i.last_us is not None), default=None),
                source_ids=tuple(dict.fromkeys(i.source_id for i in its)),
                exhibit_id=g.exhibit.id if g.exhibit is not None else None,
                parent_ref=parent_ref,
                count=count,
            )
        )
    entries.sort(key=lambda e: ref_key(e.exhibit_ref))
    forbidden = forbidden_strings(case, redactions.values())
    log.info(
        "pack plan: %d entries, %d items, %d left out as sensitive, %d redacted items",
        len(entries),
        len(ids),
        len(left_out),
        len(redactions),
    )
    return PackPlan(
        options=options,
        entries=tuple(entries),
        redactions=redactions,
        forbidden=forbidden,
        zone=zone_name,
        left_out=tuple(left_out),
        initials=initials,
        case_name=case.name,
        sensitive=tuple(sorted(sensitive)),
    )


def forbidden_strings(case: Case, redactions: Iterable[Iterable[RedactionRow]]) -> tuple[str, ...]:
    """Every quote of these redactions and every spelling of every protected term, once."""
    seen: dict[str, str] = {}
    for rows in redactions:
        for r in rows:
            if r.quote.strip():
                seen.setdefault(" ".join(r.quote.casefold().split()), r.quote.strip())
    for term in protected_terms(case):
        for spelling in term.spellings:
            if spelling.strip():
                seen.setdefault(" ".join(spelling.casefold().split()), spelling.strip())
    return tuple(sorted(seen.values(), key=str.casefold))


def unreviewed(case: Case, plan: PackPlan) -> list[RedactionRow]:
    """Proposed (not yet reviewed) redactions of the plan's set on the chosen material."""
    with case.read() as s:
        return query_redactions(s, plan.options.set_name, plan.item_ids, ["proposed"])


def reason_counts(plan: PackPlan) -> dict[str, int]:
    """How many approved redactions of the pack there are for each reason code."""
    counts: Counter[str] = Counter()
    for rows in plan.redactions.values():
        counts.update(r.reason for r in rows)
    return dict(sorted(counts.items()))


@dataclass(frozen=True, slots=True)
class ItemSummary:
    """One item described neutrally (for the sensitive schedule)."""

    item_id: int
    kind: str
    description: str
    first_us: int | None
    source: str


def summarise_items(case: Case, item_ids: Sequence[int], zone_name: str) -> list[ItemSummary]:
    """Neutral descriptions of single items (a mark's description when one was written)."""
    with case.read() as s:
        items = _read_items(s, item_ids)
        written = session_marks(s, item_ids)
    out = []
    for it in sorted(items.values(), key=_time_key):
        kind = entry_kind([it.kind], [it.mime])
        platform = _platform(it, items)
        desc, _ = describe(kind, [it], platform, zone_name)
        mark = written.get(it.id)
        out.append(
            ItemSummary(
                it.id, kind, (mark.description if mark else "") or desc, it.first_us, platform
            )
        )
    return out


# -- warnings before building -------------------------------------------------------------


@dataclass(slots=True)
class _Term:
    """One forbidden form, the redactions quoting it, and where it is left unredacted."""

    spaced: str  # as the verifier compares: NFKC, casefolded, whitespace collapsed
    tight: str  # without whitespace, for forms of 4+ characters ("" otherwise)
    redacted_in: list[str] = field(default_factory=list)  # exhibit refs of its redactions
    protected: list[str] = field(default_factory=list)  # labels of protected terms spelling it
    left: Counter[str] = field(default_factory=Counter)  # exhibit ref -> unredacted occurrences

    @property
    def name(self) -> str:
        """The form masked as the verifier's findings name it: first and last letter, length."""
        form = self.tight or self.spaced.replace(" ", "")
        return f"'{form[0]}…{form[-1]}' ({len(self.spaced)} characters)"


def _places(counts: Counter[str]) -> tuple[int, str]:
    total = sum(counts.values())
    where = ", ".join(
        f"{ref} ({n})" for ref, n in sorted(counts.items(), key=lambda kv: ref_key(kv[0]))
    )
    return total, where


def plan_warnings(case: Case, plan: PackPlan) -> list[str]:
    """What would make the pack fail verification (or leave a redacted word readable).

    (a) an approved redaction's quote that also occurs unredacted elsewhere in the chosen
    material; (b) a protected term's spelling that occurs outside every approved redaction.
    The material is read as the bundle shows it, with its approved redactions applied: an
    item's text and its email headers, and the page text (or OCR text) of PDFs and images
    with the words under a box and withheld pages left out. Terms are matched as the verifier
    matches them (`app.redaction.verify`: NFKC, case-insensitive, whitespace collapsed; also
    with whitespace removed for forms of 4+ characters).

    A warning never quotes the term: it is named as the verifier names it (first and last
    letter, length), because these lines go to terminals, logs and screenshots too; the
    officer finds it from the exhibit references given.
    """
    from app.export.render_items import email_headers, item_redactions, load_items, redacted_text
    from app.redaction.verify import alternation, collapse

    terms: dict[str, _Term] = {}

    def term(text: str) -> _Term | None:
        spaced = collapse(text)
        if not spaced:
            return None
        found = terms.get(spaced)
        if found is None:
            tight = spaced.replace(" ", "")
            found = terms[spaced] = _Term(spaced, tight if len(tight) >= 4 else "")
        return found

    ref_of = {i: e.exhibit_ref for e in plan.entries for i in e.item_ids}
    for item_id, rows in plan.redactions.items():
        for r in rows:
            t = term(r.quote) if r.quote.strip() else None
            if t is not None and ref_of.get(item_id) and ref_of[item_id] not in t.redacted_in:
                t.redacted_in.append(ref_of[item_id])
    for pt in protected_terms(case):
        for spelling in pt.spellings:
            t = term(spelling)
            if t is not None and pt.label not in t.protected:
                t.protected.append(pt.label)
    if not terms or not plan.entries:
        return []
    spaced_re = alternation(t.spaced for t in terms.values())
    tight_re = alternation(t.tight for t in terms.values() if t.tight)
    by_spaced = {t.spaced: t for t in terms.values()}
    by_tight = {t.tight: t for t in terms.values() if t.tight}
    within: dict[str, list[_Term]] = {}  # a matched form -> every term it holds (nested ones)

    def inside(form: str) -> list[_Term]:
        held = within.get(form)
        if held is None:
            held = within[form] = [
                t for t in terms.values() if t.spaced in form or (t.tight and t.tight in form)
            ]
        return held

    def scan(text: str, ref: str) -> None:
        if not text:
            return
        spaced = collapse(text)
        tight = spaced.replace(" ", "")
        hit: set[str] = set()
        if spaced_re is not None:
            hit.update(m.group() for m in spaced_re.finditer(spaced))
        if tight_re is not None:
            hit.update(m.group() for m in tight_re.finditer(tight))
        if not hit:
            return
        seen: set[str] = set()
        for form in hit:
            for t in inside(form):
                if t.spaced in seen:
                    continue
                seen.add(t.spaced)
                n = tight.count(t.tight) if t.tight else spaced.count(t.spaced)
                if n:
                    t.left[ref] += n

    items = load_items(case, plan.item_ids)
    paged: list[int] = []
    for item_id, it in items.items():
        ref = ref_of.get(item_id, "")
        red = item_redactions(plan.redactions.get(item_id, ()))
        if red.whole:
            continue
        if it.kind in ("image", "document"):
            paged.append(item_id)
            continue
        scan(redacted_text(it, red), ref)
        if it.kind == "email":
            for _name, value in email_headers(it, red):
                scan(value, ref)
    with case.read() as s:
        cur = raw_cursor(s)
        try:
            pages: dict[tuple[int, int], tuple[str, str, Any]] = {}
            for start in range(0, len(paged), 20_000):
                for item_id, number, origin, text, words in cur.execute(
                    "SELECT item_id, number, origin, text, words FROM pages "
                    "WHERE item_id IN (SELECT value FROM json_each(?))",
                    (_json(paged[start : start + 20_000]),),
                ):
                    key = (item_id, number)
                    had = pages.get(key)
                    better = bool(text) and (not had or not had[1] or origin == "text")
                    if had is None or better:  # the file's own text before OCR, if any
                        pages[key] = (origin, text or "", words)
        finally:
            cur.close()
    for (item_id, number), (_origin, text, words) in sorted(pages.items()):
        red = item_redactions(plan.redactions.get(item_id, ()))
        if number in red.whole_pages:
            continue
        boxes = [m.box for m in red.regions.get(number, ())]
        if boxes:
            text = _unboxed(words, boxes, text)
        scan(text, ref_of.get(item_id, ""))

    out: list[str] = []
    for t in sorted(terms.values(), key=lambda t: (t.redacted_in == [], t.spaced)):
        if not t.left:
            continue
        total, where = _places(t.left)
        if t.redacted_in:
            refs = ", ".join(sorted(t.redacted_in, key=ref_key))
            out.append(
                f"{t.name} is redacted in {refs} but appears unredacted in "
                f"{total} other place{'' if total == 1 else 's'}: {where}"
            )
        else:
            labels = ", ".join(_safe_label(label, by_spaced, by_tight) for label in t.protected)
            out.append(
                f"protected term {labels}: {t.name} appears unredacted in "
                f"{total} place{'' if total == 1 else 's'}: {where}"
            )
    if out:
        log.info("pack plan: %d warnings before building", len(out))
    return out


def _safe_label(label: str, by_spaced: dict[str, _Term], by_tight: dict[str, _Term]) -> str:
    """A protected term's label, unless the label itself holds a forbidden form."""
    from app.redaction.verify import collapse

    spaced = collapse(label)
    tight = spaced.replace(" ", "")
    if any(form in spaced for form in by_spaced) or any(form in tight for form in by_tight):
        return "(label withheld)"
    return f"'{label}'"


def _unboxed(words: Any, boxes: Sequence[tuple[float, float, float, float]], text: str) -> str:
    """A page's words joined, leaving out each word whose centre lies in a box."""
    if isinstance(words, str):
        try:
            words = json.loads(words or "[]")
        except ValueError:
            return text
    if not isinstance(words, list) or not words:
        return text
    kept = []
    for w in words:
        x0, y0, x1, y1, word = float(w[0]), float(w[1]), float(w[2]), float(w[3]), str(w[4])
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes):
            kept.append(word)
    return " ".join(kept)
