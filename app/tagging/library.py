"""The offence library: offences, their elements (points to prove) and the law's dates.

Each offence is one JSON file in `resources/offences/` (see the README there). Files are
validated by hand-written checks here; every problem is reported as
"<file>: <field>: <problem>" so whoever edits the data can find it at once.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from app.errors import EvidenceError
from app.resources import resources_dir

log = logging.getLogger(__name__)

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

IDENTITY_SUFFIX = "-ID"


class LibraryError(EvidenceError):
    """An offence file (or a custom offence) is malformed; the message names file and field."""


class UnknownOffence(EvidenceError):
    """An offence or element id that the library does not hold."""


@dataclass(frozen=True, slots=True)
class Element:
    """One point to prove of an offence."""

    id: str
    text: str
    typical_evidence: tuple[str, ...]
    course_of_conduct: bool
    identity: bool
    unverified: str  # "" or what is not verified


@dataclass(frozen=True, slots=True)
class LawChange:
    """A change to an offence that applies to conduct from `date`."""

    date: date
    text: str


@dataclass(frozen=True, slots=True)
class Offence:
    """An offence with its elements, defences, dates in force and sources."""

    id: str
    name: str
    short_name: str
    statute: str
    section: str
    mode_of_trial: str
    max_penalty: str
    elements: tuple[Element, ...]
    defences: tuple[str, ...]
    in_force_from: date | None
    repealed_from: date | None
    changes: tuple[LawChange, ...]
    sources: tuple[str, ...]
    unverified: str
    custom: bool = False
    replaces: tuple[str, ...] = ()
    replaced_by: tuple[str, ...] = ()
    notes: str = ""

    def element(self, element_id: str) -> Element:
        """The element with this id; raises UnknownOffence naming it."""
        for element in self.elements:
            if element.id == element_id:
                return element
        raise UnknownOffence(f"{self.short_name} has no element {element_id!r}")

    @property
    def identity_element(self) -> Element:
        """The identity/attribution element (every validated offence has one)."""
        for element in self.elements:
            if element.identity:
                return element
        raise UnknownOffence(f"{self.short_name} has no identity element")


@dataclass(frozen=True, slots=True)
class Library:
    """The loaded offence library, in display order."""

    offences: tuple[Offence, ...]
    folder: Path | None = None

    def get(self, offence_id: str) -> Offence:
        """The offence with this id; raises UnknownOffence naming it."""
        for offence in self.offences:
            if offence.id == offence_id:
                return offence
        raise UnknownOffence(f"no offence {offence_id!r} in the offence library")

    def find_element(self, element_id: str) -> tuple[Offence, Element]:
        """The offence and element for an element id; raises UnknownOffence naming it."""
        for offence in self.offences:
            for element in offence.elements:
                if element.id == element_id:
                    return offence, element
        raise UnknownOffence(f"no element {element_id!r} in the offence library")

    def __contains__(self, offence_id: object) -> bool:
        return any(o.id == offence_id for o in self.offences)

    def __iter__(self) -> Iterator[Offence]:
        return iter(self.offences)

    def __len__(self) -> int:
        return len(self.offences)


# ---------------------------------------------------------------------------------------------
# Validation


_OFFENCE_FIELDS = {
    "id",
    "name",
    "short_name",
    "statute",
    "section",
    "mode_of_trial",
    "max_penalty",
    "elements",
    "defences",
    "in_force_from",
    "repealed_from",
    "changes",
    "sources",
    "unverified",
    "replaces",
    "replaced_by",
    "notes",
    "order",
}
_OFFENCE_OPTIONAL = {"replaces", "replaced_by", "notes", "order"}
# A custom (user-defined) offence needs only these; the rest default.
_CUSTOM_REQUIRED = {"id", "name", "elements"}
_ELEMENT_FIELDS = {"id", "text", "typical_evidence", "course_of_conduct", "identity", "unverified"}
_ELEMENT_CUSTOM_REQUIRED = {"id", "text"}
_CHANGE_FIELDS = {"date", "text"}


class _Checker:
    """Reads fields from a dict, raising LibraryError('<where>: <path>: <problem>')."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, path: str, problem: str) -> LibraryError:
        return LibraryError(f"{self.where}: {path}: {problem}")

    def fields(
        self, data: object, path: str, allowed: set[str], required: set[str]
    ) -> Mapping[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(path or "(top level)", f"must be an object, not {_kind(data)}")
        prefix = f"{path}." if path else ""
        for name in sorted(required):
            if name not in data:
                raise self.fail(prefix + name, "missing")
        for name in data:
            if name not in allowed:
                raise self.fail(prefix + str(name), "unknown field")
        return data

    def text(self, data: Mapping[str, Any], path: str, name: str, *, blank: bool = False) -> str:
        value = data.get(name, "")
        if not isinstance(value, str):
            raise self.fail(path + name, f"must be text, not {_kind(value)}")
        if not blank and not value.strip():
            raise self.fail(path + name, "must not be empty")
        return value.strip()

    def texts(self, data: Mapping[str, Any], path: str, name: str) -> tuple[str, ...]:
        value = data.get(name, [])
        if not isinstance(value, list):
            raise self.fail(path + name, f"must be a list of text, not {_kind(value)}")
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{path}{name}[{i}]", "must be non-empty text")
            out.append(item.strip())
        return tuple(out)

    def flag(self, data: Mapping[str, Any], path: str, name: str) -> bool:
        value = data.get(name, False)
        if not isinstance(value, bool):
            raise self.fail(path + name, f"must be true or false, not {_kind(value)}")
        return value

    def day(self, data: Mapping[str, Any], path: str, name: str) -> date | None:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(path + name, f"must be a date (YYYY-MM-DD) or null, not {_kind(value)}")
        try:
            if not _DATE_RE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(path + name, f"{value!r} is not a date (YYYY-MM-DD)") from None

    def ident(self, data: Mapping[str, Any], path: str, name: str) -> str:
        value = self.text(data, path, name)
        if not _ID_RE.match(value):
            raise self.fail(path + name, f"{value!r}: use letters, digits, '.', '-' and '_' only")
        return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def identity_element(offence_id: str) -> Element:
    """The standard identity/attribution element for an offence without one."""
    return Element(
        id=offence_id + IDENTITY_SUFFIX,
        text="Identity: the account, number or device used was the suspect's.",
        typical_evidence=(
            "subscriber or registration data for the account or number",
            "IP and login logs matched to the suspect",
            "device seized from the suspect showing the account or messages",
            "admissions in interview or in messages",
            "linked accounts, email addresses or phone numbers",
        ),
        course_of_conduct=False,
        identity=True,
        unverified="",
    )


def offence_from_dict(data: object, where: str, *, custom: bool = False) -> Offence:
    """Validate one offence's data and build it; raises LibraryError naming `where` and field.

    With `custom=True` (a user-defined offence stored in a case) only id, name and elements
    are required, element flags default to false, and an identity element is added if absent.
    """
    c = _Checker(where)
    required = _CUSTOM_REQUIRED if custom else _OFFENCE_FIELDS - _OFFENCE_OPTIONAL
    d = c.fields(data, "", _OFFENCE_FIELDS, required)
    offence_id = c.ident(d, "", "id")
    name = c.text(d, "", "name")
    short_name = c.text(d, "", "short_name") if "short_name" in d or not custom else name

    raw_elements = d["elements"]
    if not isinstance(raw_elements, list):
        raise c.fail("elements", f"must be a list, not {_kind(raw_elements)}")
    if not raw_elements and not custom:
        raise c.fail("elements", "must not be empty")
    elements: list[Element] = []
    seen: dict[str, int] = {}
    el_required = _ELEMENT_CUSTOM_REQUIRED if custom else _ELEMENT_FIELDS
    for i, raw in enumerate(raw_elements):
        path = f"elements[{i}]"
        e = c.fields(raw, path, _ELEMENT_FIELDS, el_required)
        element_id = c.ident(e, path + ".", "id")
        if element_id in seen:
            raise c.fail(path + ".id", f"{element_id!r} repeats elements[{seen[element_id]}].id")
        seen[element_id] = i
        if not element_id.startswith(offence_id + "-"):
            raise c.fail(path + ".id", f"{element_id!r} must start with {offence_id + '-'!r}")
        identity = c.flag(e, path + ".", "identity")
        if identity and element_id != offence_id + IDENTITY_SUFFIX:
            raise c.fail(
                path + ".id",
                f"the identity element's id must be {offence_id + IDENTITY_SUFFIX!r}",
            )
        if element_id == offence_id + IDENTITY_SUFFIX and not identity:
            raise c.fail(path + ".identity", "must be true for the identity element")
        elements.append(
            Element(
                id=element_id,
                text=c.text(e, path + ".", "text"),
                typical_evidence=c.texts(e, path + ".", "typical_evidence"),
                course_of_conduct=c.flag(e, path + ".", "course_of_conduct"),
                identity=identity,
                unverified=c.text(e, path + ".", "unverified", blank=True),
            )
        )
    if not any(e.identity for e in elements):
        if not custom:
            raise c.fail(
                "elements",
                f"no identity element ({offence_id + IDENTITY_SUFFIX!r} with identity: true)",
            )
        elements.append(identity_element(offence_id))

    raw_changes = d.get("changes", [])
    if not isinstance(raw_changes, list):
        raise c.fail("changes", f"must be a list, not {_kind(raw_changes)}")
    changes: list[LawChange] = []
    for i, raw in enumerate(raw_changes):
        path = f"changes[{i}]"
        ch = c.fields(raw, path, _CHANGE_FIELDS, _CHANGE_FIELDS)
        when = c.day(ch, path + ".", "date")
        if when is None:
            raise c.fail(path + ".date", "must be a date (YYYY-MM-DD), not null")
        changes.append(LawChange(date=when, text=c.text(ch, path + ".", "text")))

    in_force_from = c.day(d, "", "in_force_from")
    repealed_from = c.day(d, "", "repealed_from")
    if in_force_from and repealed_from and repealed_from <= in_force_from:
        raise c.fail("repealed_from", "must be after in_force_from")
    order = d.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool):
        raise c.fail("order", f"must be a whole number, not {_kind(order)}")

    return Offence(
        id=offence_id,
        name=name,
        short_name=short_name,
        statute=c.text(d, "", "statute", blank=custom),
        section=c.text(d, "", "section", blank=custom),
        mode_of_trial=c.text(d, "", "mode_of_trial", blank=custom),
        max_penalty=c.text(d, "", "max_penalty", blank=custom),
        elements=tuple(elements),
        defences=c.texts(d, "", "defences"),
        in_force_from=in_force_from,
        repealed_from=repealed_from,
        changes=tuple(sorted(changes, key=lambda ch: ch.date)),
        sources=c.texts(d, "", "sources"),
        unverified=c.text(d, "", "unverified", blank=True),
        custom=custom,
        replaces=_ids(c, d, "replaces"),
        replaced_by=_ids(c, d, "replaced_by"),
        notes=c.text(d, "", "notes", blank=True),
    )


def _ids(c: _Checker, d: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = c.texts(d, "", name)
    for i, value in enumerate(values):
        if not _ID_RE.match(value):
            raise c.fail(f"{name}[{i}]", f"{value!r} is not an offence id")
    return values


# ---------------------------------------------------------------------------------------------
# Loading


def offences_dir() -> Path:
    """The default library folder, `resources/offences`."""
    return resources_dir() / "offences"


def load_library(folder: Path | None = None) -> Library:
    """Load and validate every `*.json` offence file in `folder` (default resources/offences).

    Cached per folder; raises LibraryError naming the file and field of the first problem.
    """
    return _load_cached((folder or offences_dir()).resolve())


def clear_library_cache() -> None:
    """Forget loaded libraries, so the next load_library() reads the files again."""
    _load_cached.cache_clear()


@functools.lru_cache(maxsize=8)
def _load_cached(folder: Path) -> Library:
    if not folder.is_dir():
        raise LibraryError(f"{folder}: the offence library folder does not exist")
    loaded: list[tuple[int, Offence]] = []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith(("_", ".")) or path.name == "schema.json":
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise LibraryError(f"{path.name}: cannot be read ({exc})") from exc
        except json.JSONDecodeError as exc:
            raise LibraryError(
                f"{path.name}: line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})"
            ) from exc
        offence = offence_from_dict(data, path.name)
        if offence.id != path.stem:
            raise LibraryError(f"{path.name}: id: {offence.id!r} does not match the file name")
        order = data.get("order", 0) if isinstance(data, dict) else 0
        loaded.append((order, offence))
    if not loaded:
        raise LibraryError(f"{folder}: no offence files (*.json) found")
    loaded.sort(key=lambda pair: (pair[0], pair[1].id))
    offences = tuple(o for _, o in loaded)
    ids = {o.id for o in offences}
    for offence in offences:
        for field in ("replaces", "replaced_by"):
            for i, other in enumerate(getattr(offence, field)):
                if other not in ids:
                    raise LibraryError(
                        f"{offence.id}.json: {field}[{i}]: no offence {other!r} in the library"
                    )
    log.info("offence library: %d offences from %s", len(offences), folder)
    return Library(offences=offences, folder=folder)


# ---------------------------------------------------------------------------------------------
# Date-range warnings


def format_day(day: date) -> str:
    """A date as a caseworker writes it: '31 January 2024'."""
    return f"{day.day} {day:%B %Y}"


def _names(ids: tuple[str, ...], library: Library | None) -> str:
    names: list[str] = []
    for offence_id in ids:
        try:
            if library is None:
                raise UnknownOffence(offence_id)
            other = library.get(offence_id)
        except UnknownOffence:
            names.append(offence_id)
            continue
        names.append(other.short_name + (" (repealed)" if other.repealed_from else ""))
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def range_warnings(
    offence: Offence, start: date, end: date, library: Library | None = None
) -> list[str]:
    """Plain-English warnings where the law changed within the conduct range [start, end].

    Covers commencement after `start`, repeal on or before `end`, and any LawChange dated
    strictly after `start` and on or before `end`. Related offences (replaces/replaced_by) are
    named from `library` (default: the standard library, when it loads).
    """
    warnings: list[str] = []
    if start > end:
        warnings.append(
            f"The conduct dates are the wrong way round ({format_day(start)} is after "
            f"{format_day(end)}); they are read as {format_day(end)} to {format_day(start)}."
        )
        start, end = end, start
    if library is None and (offence.replaces or offence.replaced_by):
        try:
            library = load_library()
        except LibraryError:
            log.warning("offence library unavailable for range warnings", exc_info=True)
    name = offence.short_name
    span = f"{format_day(start)} to {format_day(end)}"

    commenced = offence.in_force_from
    if commenced and start < commenced:
        before = (
            f"conduct before that date falls under {_names(offence.replaces, library)}"
            if offence.replaces
            else "conduct before that date cannot be charged under it"
        )
        if end < commenced:
            warnings.append(
                f"{name} came into force on {format_day(commenced)}, after all of the conduct "
                f"({span}); {before}."
            )
        else:
            warnings.append(f"{name} came into force on {format_day(commenced)}; {before}.")

    repealed = offence.repealed_from
    if repealed and end >= repealed:
        after = (
            f"conduct from that date falls under {_names(offence.replaced_by, library)}"
            if offence.replaced_by
            else "conduct from that date cannot be charged under it"
        )
        if start >= repealed:
            warnings.append(
                f"{name} was repealed for conduct from {format_day(repealed)}, before all of "
                f"the conduct ({span}); {after}."
            )
        else:
            warnings.append(
                f"{name} was repealed for conduct from {format_day(repealed)}; {after}."
            )

    for change in offence.changes:
        if start < change.date <= end:
            warnings.append(f"{name}: {change.text}")
    return warnings
