"""Plain records of presentations: a named, ordered list of steps, each an item to show."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import EvidenceError
from app.redaction.model import Box

DEFAULT_SET = "court"
"""The redaction set a new presentation is shown through."""


class PresentError(EvidenceError):
    """A presentation or a step that does not exist or cannot be changed as asked."""


@dataclass(frozen=True, slots=True)
class StepRow:
    """One step: the item, the page of a document (1-based), a region to zoom to, the notes.

    `position` is 1-based and contiguous within the presentation. `region` is in the item's
    own units: PDF points of the page, or pixels of the upright image.
    """

    id: int
    position: int
    item_id: int
    page: int | None
    region: Box | None
    note: str
    item_kind: str = ""


@dataclass(frozen=True, slots=True)
class PresentationRow:
    """A presentation with its steps in order."""

    id: int
    name: str
    set_name: str
    steps: tuple[StepRow, ...]

    def step(self, step_id: int) -> StepRow:
        """The step with this id; PresentError when it is not one of this presentation's."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise PresentError(f"step {step_id} is not in presentation {self.name!r}")
