"""Disclosure packs: exhibits, the plan of a pack, its bundle, schedule, manifest and proof."""

from __future__ import annotations
