"""Qt item models over the core's plain rows: timeline, sources, audit log."""

from __future__ import annotations

from ui.models.audit import AuditModel
from ui.models.sources import SourcesModel
from ui.models.timeline import TimelineModel

__all__ = ["AuditModel", "SourcesModel", "TimelineModel"]
