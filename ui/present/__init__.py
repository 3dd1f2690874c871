"""Presentations for court and protective viewing of intimate or distressing pictures."""
