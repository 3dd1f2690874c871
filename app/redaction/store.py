"""Reading redactions: reason codes, sets, redactions and protected terms of a case."""

from __future__ import annotations

import csv
import functools
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.case import Case
from app.redaction.model import (
    Box,
    ProtectedTermRow,
    Reason,
    ReasonsFileError,
    RedactionKind,
    RedactionRow,
    RedactionSetRow,
    RedactionState,
    UnknownReason,
)
from app.resources import resources_dir
from app.store.schema import ProtectedTerm, Redaction, RedactionSet
from app.timeline.clock import iso_utc

log = logging.getLogger(__name__)

DEFAULT_SET = "defence disclosure"
_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,9}")


# -- reason codes ---------------------------------------------------------------------------


def load_reasons(path: Path) -> list[Reason]:
    """Read and validate a reasons file; errors name the file and the entry at fault."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReasonsFileError(f"{path}: the reasons file is missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReasonsFileError(f"{path}: cannot read the reasons file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ReasonsFileError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    entries = data.get("reasons") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ReasonsFileError(f'{path}: expected an object with a non-empty "reasons" list')
    out: list[Reason] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        name = f"{path}: reason #{n}"
        if not isinstance(entry, dict):
            raise ReasonsFileError(f"{name} is not an object")
        code = entry.get("code")
        if isinstance(code, str):
            name = f"{path}: reason #{n} ({code!r})"
        unknown = sorted(set(entry) - {"code", "label", "description"})
        if unknown:
            raise ReasonsFileError(f"{name} has unknown field(s) {', '.join(unknown)}")
        for key in ("code", "label", "description"):
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                raise ReasonsFileError(f'{name} needs a non-empty text "{key}"')
        assert isinstance(code, str)
        if not _CODE.fullmatch(code):
            raise ReasonsFileError(
                f"{name}: a code is 2-10 capital letters, digits or _, starting with a letter"
            )
        if code in seen:
            raise ReasonsFileError(f"{name}: the code {code} is listed twice")
        seen.add(code)
        out.append(
            Reason(code=code, label=entry["label"].strip(), description=entry["description"])
        )
    return out


def reasons_file() -> Path:
    """The configured reasons file: resources/redaction/reasons.json."""
    return resources_dir() / "redaction" / "reasons.json"


@functools.cache
def _default_reasons() -> tuple[Reason, ...]:
    return tuple(load_reasons(reasons_file()))


def reasons() -> list[Reason]:
    """The configured reason codes, in the order the file lists them."""
    return list(_default_reasons())


def check_reason(code: str) -> Reason:
    """The reason with this code; an error listing the valid codes when there is none."""
    for reason in _default_reasons():
        if reason.code == code:
            return reason
    valid = ", ".join(f"{r.code} ({r.label})" for r in _default_reasons())
    raise UnknownReason(f"unknown reason code {code!r}; valid codes: {valid}")


def reason_label(code: str) -> str:
    """The label of a reason code (the code itself when it is no longer configured)."""
    for reason in _default_reasons():
        if reason.code == code:
            return reason.label
    return code


# -- sets, redactions, protected terms -----------------------------------------------------


def set_id(s: Session, name: str) -> int | None:
    """The id of the set with this name, if any."""
    return s.scalar(select(RedactionSet.id).where(RedactionSet.name == name))


def list_sets(case: Case) -> list[RedactionSetRow]:
    """Every redaction set with its counts by state, by name."""
    with case.read() as s:
        counts: dict[int, dict[str, int]] = {}
        for sid, state, n in s.execute(
            select(Redaction.set_id, Redaction.state, func.count()).group_by(
                Redaction.set_id, Redaction.state
            )
        ):
            counts.setdefault(sid, {})[state] = n
        return [
            RedactionSetRow(id=r.id, name=r.name, note=r.note, counts=counts.get(r.id, {}))
            for r in s.execute(select(RedactionSet).order_by(RedactionSet.name)).scalars()
        ]


def _box(r: Redaction) -> Box | None:
    if r.x0 is None or r.y0 is None or r.x1 is None or r.y1 is None:
        return None
    return (r.x0, r.y0, r.x1, r.y1)


def row_of(r: Redaction, set_name: str) -> RedactionRow:
    """The frozen row of an ORM redaction."""
    return RedactionRow(
        id=r.id,
        set_id=r.set_id,
        set_name=set_name,
        item_id=r.item_id,
        kind=RedactionKind(r.kind),
        target=r.target,
        page=r.page,
        box=_box(r),
        start=r.start,
        end=r.end,
        quote=r.quote,
        reason=r.reason,
        note=r.note,
        origin=r.origin,
        state=RedactionState(r.state),
        created_by=r.created_by,
        created_at_us=r.created_at_us,
        reviewed_by=r.reviewed_by,
        reviewed_at_us=r.reviewed_at_us,
    )


def list_redactions(
    case: Case,
    set_name: str | None = None,
    item_ids: Sequence[int] | None = None,
    states: Sequence[str] | None = None,
) -> list[RedactionRow]:
    """Redactions, optionally of one set, some items, some states; by item then position."""
    with case.read() as s:
        return query_redactions(s, set_name, item_ids, states)


def query_redactions(
    s: Session,
    set_name: str | None = None,
    item_ids: Sequence[int] | None = None,
    states: Sequence[str] | None = None,
) -> list[RedactionRow]:
    """`list_redactions` in a caller's session."""
    q = select(Redaction, RedactionSet.name).join(RedactionSet, RedactionSet.id == Redaction.set_id)
    if set_name is not None:
        q = q.where(RedactionSet.name == set_name)
    if states is not None:
        q = q.where(Redaction.state.in_([str(x) for x in states]))
    q = q.order_by(
        RedactionSet.name,
        Redaction.item_id,
        Redaction.page,
        Redaction.target,
        Redaction.y0,
        Redaction.x0,
        Redaction.start,
        Redaction.id,
    )
    if item_ids is None:
        return [row_of(r, name) for r, name in s.execute(q)]
    out: list[RedactionRow] = []
    ids = sorted(set(item_ids))
    for i in range(0, len(ids), 500):  # stay well under SQLite's bound-parameter limit
        chunk = ids[i : i + 500]
        out.extend(row_of(r, name) for r, name in s.execute(q.where(Redaction.item_id.in_(chunk))))
    if len(ids) > 500:
        out.sort(key=lambda r: (r.set_name, r.item_id))
    return out


def protected_terms(case: Case) -> list[ProtectedTermRow]:
    """Every protected term, oldest first."""
    with case.read() as s:
        return [
            ProtectedTermRow(id=t.id, label=t.label, spellings=tuple(t.spellings), reason=t.reason)
            for t in s.execute(select(ProtectedTerm).order_by(ProtectedTerm.id)).scalars()
        ]


# -- the redaction log as CSV ---------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "set",
    "item",
    "kind",
    "where",
    "quote",
    "reason",
    "reason label",
    "note",
    "origin",
    "state",
    "created by",
    "created at (UTC)",
    "reviewed by",
    "reviewed at (UTC)",
)
_NUMBER = re.compile(r"[+-]?[\d ().]+")


def csv_cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (=, @, or +/- not a number)."""
    if value[:1] in ("=", "@", "\t", "\r") or (
        value[:1] in ("+", "-") and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def write_redactions_csv(rows: Sequence[RedactionRow], out: TextIO) -> None:
    """The redaction log as CSV, one line per redaction (the columns of `CSV_COLUMNS`)."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow(
            [
                r.id,
                csv_cell(r.set_name),
                r.item_id,
                str(r.kind),
                r.where,
                csv_cell(r.quote),
                r.reason,
                csv_cell(reason_label(r.reason)),
                csv_cell(r.note),
                r.origin,
                str(r.state),
                csv_cell(r.created_by),
                iso_utc(r.created_at_us),
                csv_cell(r.reviewed_by),
                iso_utc(r.reviewed_at_us) if r.reviewed_at_us is not None else "",
            ]
        )
