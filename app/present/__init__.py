"""Presentations: ordered steps shown to a court through a redaction set (issue 9)."""
