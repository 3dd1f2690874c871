"""Suggested tags: rules in `resources/tagging/suggestions.json` propose items for elements.

Suggestions are never applied by themselves. They are off unless the case turns them on
(setting "suggestions"), are shown as suggestions, and the user accepts them (they become
tags of origin "suggestion") or rejects them (remembered, so they are not proposed again).

Two kinds of rule: "text" rules match regular expressions in an item's text and OCR text;
"burst" rules find runs of messages from one author in one conversation, with nobody else
writing in between, of at least `min_messages` within `window_minutes` (repeated,
unanswered contact), and propose the first message of each run.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from app import audit
from app.case import Case
from app.errors import EvidenceError
from app.ocr import set_setting
from app.ops import Changes
from app.resources import resources_dir
from app.store.schema import RejectedSuggestion
from app.tagging.model import ChargeRow
from app.tagging.ops import delete_tags, insert_tags, plan_tags
from app.tagging.store import charges as list_charges
from app.timeline.clock import us_to_utc, zone
from app.timeline.query import label, raw_cursor

log = logging.getLogger(__name__)

SETTING = "suggestions"
ORIGIN = "suggestion"
_EXCERPT = 40  # characters either side of a match


class RulesError(EvidenceError):
    """The suggestion rules file is malformed; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One suggestion rule: what it looks for and the elements it proposes."""

    id: str
    label: str
    kind: str  # "text" | "burst"
    elements: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()
    min_messages: int = 5
    window_minutes: int = 60


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed tag: this item for this element of this charge, and why."""

    item_id: int
    charge_id: int
    element_id: str
    rule: str
    excerpt: str
    rule_label: str = ""

    @property
    def key(self) -> tuple[int, int, str]:
        """(item, charge, element): what a suggestion is about."""
        return (self.item_id, self.charge_id, self.element_id)


# -- the rules ------------------------------------------------------------------------------


def rules_path() -> Path:
    """The bundled rules file."""
    return resources_dir() / "tagging" / "suggestions.json"


def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """The validated rules of a file (default: the bundled one); cached per file."""
    return _load((path or rules_path()).resolve())


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Rule, ...]:
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{name}: cannot be read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise RulesError(f"{name}: line {exc.lineno}: not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RulesError(f"{name}: rules: must be a list of rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for n, raw in enumerate(data["rules"]):
        rule = _rule(raw, f"{name}: rules[{n}]")
        if rule.id in seen:
            raise RulesError(f"{name}: rules[{n}].id: {rule.id!r} is used twice")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def _rule(raw: object, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be an object")
    d: Mapping[str, Any] = raw
    for key in ("id", "label", "kind"):
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise RulesError(f"{where}.{key}: must be non-empty text")
    kind = d["kind"]
    if kind not in ("text", "burst"):
        raise RulesError(f"{where}.kind: must be 'text' or 'burst', not {kind!r}")
    elements = d.get("elements")
    if (
        not isinstance(elements, list)
        or not elements
        or not all(isinstance(e, str) and e for e in elements)
    ):
        raise RulesError(f"{where}.elements: must be a non-empty list of element ids")
    patterns: list[re.Pattern[str]] = []
    if kind == "text":
        raw_patterns = d.get("patterns")
        if not isinstance(raw_patterns, list) or not raw_patterns:
            raise RulesError(f"{where}.patterns: must be a non-empty list of expressions")
        for i, p in enumerate(raw_patterns):
            if not isinstance(p, str):
                raise RulesError(f"{where}.patterns[{i}]: must be text")
            try:
                patterns.append(re.compile(p, re.IGNORECASE))
            except re.error as exc:
                raise RulesError(f"{where}.patterns[{i}]: not a valid expression ({exc})") from exc
    numbers = {}
    for key, default in (("min_messages", 5), ("window_minutes", 60)):
        value = d.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 2:
            raise RulesError(f"{where}.{key}: must be a whole number of 2 or more")
        numbers[key] = value
    return Rule(
        id=d["id"].strip(),
        label=d["label"].strip(),
        kind=kind,
        elements=tuple(elements),
        patterns=tuple(patterns),
        min_messages=numbers["min_messages"],
        window_minutes=numbers["window_minutes"],
    )


# -- the setting ----------------------------------------------------------------------------


def suggestions_enabled(case: Case) -> bool:
    """Whether the case shows suggested tags (setting "suggestions", off by default)."""
    return case.setting(SETTING, "off") == "on"


def set_suggestions_enabled(case: Case, on: bool) -> None:
    """Turn suggestions on or off for the case (audited)."""
    set_setting(case, SETTING, "on" if on else "off")


# -- finding --------------------------------------------------------------------------------


def _excerpt(source: str, m: re.Match[str]) -> str:
    a, b = max(0, m.start() - _EXCERPT), min(len(source), m.end() + _EXCERPT)
    body = " ".join(source[a:b].split())
    return ("…" if a else "") + body + ("…" if b < len(source) else "")


def _within(ts: int | None, ch: ChargeRow, zone_name: str) -> bool:
    if ts is None:
        return True
    day: date = us_to_utc(ts).astimezone(zone(zone_name)).date()
    return ch.from_date <= day <= ch.to_date


def _text_matches(s: Session, rules: Sequence[Rule]) -> list[tuple[int, int | None, Rule, str]]:
    """(item, time, rule, excerpt) for every item a text rule matches (its first match)."""
    out: list[tuple[int, int | None, Rule, str]] = []
    if not rules:
        return out
    # One pass of every pattern together first: most items match none of them.
    anything = re.compile(
        "|".join(f"(?:{p.pattern})" for r in rules for p in r.patterns), re.IGNORECASE
    )
    cur = raw_cursor(s)
    try:
        cur.execute(
            "SELECT i.id, i.text, i.ocr_text, (SELECT min(ts_utc_us) FROM events e "
            "WHERE e.item_id = i.id) FROM items i WHERE i.text != '' OR i.ocr_text != ''"
        )
        while batch := cur.fetchmany(2000):
            for item_id, body, ocr, ts in batch:
                if not anything.search(body or "") and not anything.search(ocr or ""):
                    continue
                for rule in rules:
                    for source in (body or "", ocr or ""):
                        m = next((m for p in rule.patterns if (m := p.search(source))), None)
                        if m is not None:
                            out.append((item_id, ts, rule, _excerpt(source, m)))
                            break
    finally:
        cur.close()
    return out


def _bursts(s: Session, rule: Rule) -> list[tuple[int, int | None, Rule, str]]:
    """The first message of every run of repeated, unanswered messages."""
    cur = raw_cursor(s)
    try:
        rows = cur.execute(
            "SELECT i.id, i.source_id, i.conversation, i.author_id, min(e.ts_utc_us), "
            "p.name, p.handle, p.phone FROM items i JOIN events e ON e.item_id = i.id "
            "LEFT JOIN participants p ON p.id = i.author_id WHERE i.kind = 'message' "
            "GROUP BY i.id ORDER BY i.source_id, i.conversation, min(e.ts_utc_us), i.id"
        ).fetchall()
    finally:
        cur.close()
    out: list[tuple[int, int | None, Rule, str]] = []
    window = rule.window_minutes * 60_000_000
    run: list[tuple[Any, ...]] = []

    def close_run() -> None:
        k = 0
        while k + rule.min_messages <= len(run):
            j = k
            while j + 1 < len(run) and run[j + 1][4] - run[k][4] <= window:
                j += 1
            if j - k + 1 >= rule.min_messages:
                first = run[k]
                minutes = max(1, round((run[j][4] - first[4]) / 60_000_000))
                who = label(first[5], first[6], first[7]) or "one author"
                out.append(
                    (
                        first[0],
                        first[4],
                        rule,
                        f"{j - k + 1} messages from {who} in {minutes} minutes, no reply between",
                    )
                )
                k = j + 1
            else:
                k += 1

    for row in rows:
        same = run and (run[-1][1], run[-1][2], run[-1][3]) == (row[1], row[2], row[3])
        if not same:
            close_run()
            run = []
        if row[3] is not None:
            run.append(tuple(row))
    close_run()
    return out


def suggestions(
    case: Case, charge_ids: Iterable[int] | None = None, rules: Sequence[Rule] | None = None
) -> list[Suggestion]:
    """Proposed tags for the case's charges (or those named), by charge, element and time.

    Items already tagged for the element, rejected suggestions and items outside the
    charge's dates are left out. This reads the rules whatever the case setting: callers
    show suggestions only when `suggestions_enabled`.
    """
    wanted = set(charge_ids) if charge_ids is not None else None
    chosen = [c for c in list_charges(case) if wanted is None or c.id in wanted]
    rules = load_rules() if rules is None else rules
    case_zone = case.zone
    per_charge = {c.id: {e.id for e in c.offence.elements} for c in chosen}
    active = [r for r in rules if any(set(r.elements) & els for els in per_charge.values())]
    if not active:
        return []
    with case.read() as s:
        matches = _text_matches(s, [r for r in active if r.kind == "text"])
        for rule in active:
            if rule.kind == "burst":
                matches.extend(_bursts(s, rule))
        cur = raw_cursor(s)
        try:
            done = {
                (r[0], r[1], r[2])
                for r in cur.execute(
                    "SELECT item_id, charge_id, element_id FROM tags UNION "
                    "SELECT item_id, charge_id, element_id FROM rejected_suggestions"
                )
            }
        finally:
            cur.close()
    found: dict[tuple[int, int, str], tuple[int | None, Suggestion]] = {}
    for item_id, ts, rule, excerpt in matches:
        for ch in chosen:
            if not _within(ts, ch, case_zone):
                continue
            for element_id in rule.elements:
                key = (item_id, ch.id, element_id)
                if element_id in per_charge[ch.id] and key not in done and key not in found:
                    found[key] = (
                        ts,
                        Suggestion(item_id, ch.id, element_id, rule.id, excerpt, rule.label),
                    )
    order = {c.id: n for n, c in enumerate(chosen)}
    elements = {c.id: [e.id for e in c.offence.elements] for c in chosen}
    ranked = sorted(
        found.values(),
        key=lambda p: (
            order[p[1].charge_id],
            elements[p[1].charge_id].index(p[1].element_id),
            p[0] is None,
            p[0] or 0,
            p[1].item_id,
        ),
    )
    return [sug for _, sug in ranked]


# -- accepting and rejecting ----------------------------------------------------------------


@dataclass(slots=True)
class AcceptSuggestions:
    """Turn suggestions into tags (origin "suggestion", the rule in the note); undo removes
    the tags this made."""

    suggestions: tuple[Suggestion, ...]
    label: str = "Accept suggested tags"
    _rows: list[dict[str, Any]] | None = None
    _created: list[int] = field(default_factory=list)

    def apply(self, case: Case) -> Changes:
        """Add the tags (again, with the same ids after an undo)."""
        with case.write() as s:
            if self._rows is None:
                self._rows = []
                groups: dict[tuple[int, str, str], list[int]] = {}
                unique = {sug.key: sug for sug in reversed(self.suggestions)}
                for sug in reversed(unique.values()):
                    groups.setdefault(
                        (sug.charge_id, sug.element_id, sug.rule_label or sug.rule), []
                    ).append(sug.item_id)
                for (charge_id, element_id, why), items in groups.items():
                    self._rows.extend(
                        plan_tags(
                            s,
                            items,
                            charge_id,
                            element_id,
                            note=f"suggested: {why}",
                            origin=ORIGIN,
                            user=case.user,
                        )
                    )
            rows = [dict(r) for r in self._rows]
            self._created = insert_tags(s, rows, self._created)
            case.audit(
                s,
                "tag.add",
                {
                    "origin": ORIGIN,
                    "tags": self._created,
                    "suggestions": [[r["item_id"], r["charge_id"], r["element_id"]] for r in rows],
                },
            )
        return Changes(tags=True, items=self._items())

    def _items(self) -> tuple[int, ...]:
        return tuple(sorted({int(r["item_id"]) for r in self._rows or ()}))

    def revert(self, case: Case) -> Changes:
        """Remove the tags this made."""
        with case.write() as s:
            delete_tags(s, self._created)
            case.audit(s, "tag.remove", {"origin": ORIGIN, "tags": self._created, "undo": True})
        return Changes(tags=True, items=self._items())


@dataclass(slots=True)
class RejectSuggestions:
    """Remember suggestions the user turned down, so they are not proposed again."""

    suggestions: tuple[Suggestion, ...]
    label: str = "Reject suggested tags"
    _added: list[tuple[int, int, str, str]] = field(default_factory=list)

    def apply(self, case: Case) -> Changes:
        """Record the rejections (those not already recorded)."""
        with case.write() as s:
            have = {
                (r[0], r[1], r[2])
                for r in s.execute(
                    text("SELECT item_id, charge_id, element_id FROM rejected_suggestions")
                )
            }
            self._added = []
            now = audit.now_us()
            for sug in self.suggestions:
                if sug.key in have:
                    continue
                have.add(sug.key)
                self._added.append((sug.item_id, sug.charge_id, sug.element_id, sug.rule))
                s.add(
                    RejectedSuggestion(
                        item_id=sug.item_id,
                        charge_id=sug.charge_id,
                        element_id=sug.element_id,
                        rule=sug.rule,
                        created_at_us=now,
                        created_by=case.user,
                    )
                )
            case.audit(s, "suggestion.reject", {"suggestions": [list(a) for a in self._added]})
        return Changes(tags=True, items=tuple(sorted({a[0] for a in self._added})))

    def revert(self, case: Case) -> Changes:
        """Forget these rejections: the suggestions may be proposed again."""
        with case.write() as s:
            for item_id, charge_id, element_id, _ in self._added:
                s.execute(
                    delete(RejectedSuggestion).where(
                        RejectedSuggestion.item_id == item_id,
                        RejectedSuggestion.charge_id == charge_id,
                        RejectedSuggestion.element_id == element_id,
                    )
                )
            case.audit(
                s,
                "suggestion.unreject",
                {"suggestions": [list(a) for a in self._added], "undo": True},
            )
        return Changes(tags=True, items=tuple(sorted({a[0] for a in self._added})))
