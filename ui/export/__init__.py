"""Exhibits and disclosure packs in the window (issue 8)."""
