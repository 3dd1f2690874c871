"""Dialogs: non-modal where they report, plain words throughout."""
