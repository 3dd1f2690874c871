"""Widgets for the window's panes."""
