"""Plain records of redaction: what a redaction covers, why, and its review state."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.errors import EvidenceError

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 (PDF points, or upright-image pixels)


class RedactionKind(StrEnum):
    """Which geometry a redaction has."""

    REGION = "region"  # a box on a page (PDF points) or on an image (pixels)
    SPAN = "span"  # characters start..end of the text named by `target`
    ITEM = "item"  # the whole item
    METADATA = "metadata"  # the metadata field named by `target`


class RedactionState(StrEnum):
    """Where a redaction is in review; only approved ones are applied."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class RedactionError(EvidenceError):
    """A redaction, a reason or a protected term that cannot be accepted as given."""


class UnknownReason(RedactionError):
    """A reason code that is not in the configured list."""


class ReasonsFileError(RedactionError):
    """The reasons file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason code shown on the redaction box (`code`), with its label and description."""

    code: str
    label: str
    description: str


@dataclass(frozen=True, slots=True)
class RedactionDraft:
    """A redaction not yet stored: what it covers on which item, and why."""

    item_id: int
    kind: RedactionKind
    reason: str
    target: str = ""
    page: int | None = None
    box: Box | None = None
    start: int | None = None
    end: int | None = None
    quote: str = ""
    note: str = ""
    origin: str = "manual"


@dataclass(frozen=True, slots=True)
class RedactionRow:
    """One stored redaction as the views and the exporter read it."""

    id: int
    set_id: int
    set_name: str
    item_id: int
    kind: RedactionKind
    target: str
    page: int | None
    box: Box | None
    start: int | None
    end: int | None
    quote: str
    reason: str
    note: str
    origin: str
    state: RedactionState
    created_by: str
    created_at_us: int
    reviewed_by: str
    reviewed_at_us: int | None

    @property
    def where(self) -> str:
        """Where the redaction lies, in a few words: "p.2 (10,20)-(80,34)", "text 5-16"."""
        return where_text(self.kind, self.target, self.page, self.box, self.start, self.end)


@dataclass(frozen=True, slots=True)
class RedactionSetRow:
    """A redaction set with how many redactions it holds in each state."""

    id: int
    name: str
    note: str
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProtectedTermRow:
    """A protected name, number or address with every spelling the user gave."""

    id: int
    label: str
    spellings: tuple[str, ...]
    reason: str


def where_text(
    kind: str,
    target: str,
    page: int | None,
    box: Box | None,
    start: int | None,
    end: int | None,
) -> str:
    """A short human description of a redaction's geometry."""
    if kind == RedactionKind.REGION and box is not None:
        x0, y0, x1, y1 = (round(v) for v in box)
        prefix = f"p.{page} " if page is not None else ""
        return f"{prefix}({x0},{y0})-({x1},{y1})"
    if kind == RedactionKind.SPAN:
        return f"{target or 'text'} {start}-{end}"
    if kind == RedactionKind.METADATA:
        return f"metadata {target}"
    return "whole item"


def check_draft(draft: RedactionDraft) -> None:
    """Refuse a draft whose geometry does not fit its kind (the reason is checked elsewhere)."""
    kind = draft.kind
    if kind == RedactionKind.REGION:
        if draft.box is None:
            raise RedactionError(f"a region redaction of item {draft.item_id} needs a box")
        x0, y0, x1, y1 = draft.box
        if not (x1 > x0 and y1 > y0):
            raise RedactionError(f"the box {draft.box} of item {draft.item_id} is empty")
        if draft.page is not None and draft.page < 1:
            raise RedactionError(f"page numbers start at 1 (item {draft.item_id})")
    elif kind == RedactionKind.SPAN:
        if draft.start is None or draft.end is None or not 0 <= draft.start < draft.end:
            raise RedactionError(f"a span redaction of item {draft.item_id} needs 0 <= start < end")
        if not draft.target:
            raise RedactionError(f"a span redaction of item {draft.item_id} needs a target")
    elif kind == RedactionKind.METADATA:
        if not draft.target:
            raise RedactionError(f"a metadata redaction of item {draft.item_id} needs a field")
    elif kind != RedactionKind.ITEM:
        raise RedactionError(f"unknown redaction kind {kind!r}")
