"""Threadline core: the case store, importers, timeline and audit, with no Qt anywhere."""

from __future__ import annotations

__version__ = "0.1.0"
