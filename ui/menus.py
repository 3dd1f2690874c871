"""Menus that features add to the window's menu bar: each goes before Help, so Help stays
last whatever order the features are installed in."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMenu


def add_menu_before_help(window: QMainWindow, title: str, name: str) -> QMenu:
    """A new menu `title` (object name `name`) on the window's menu bar, before Help."""
    bar = window.menuBar()
    menu = QMenu(title, window)
    menu.setObjectName(name)
    help_action = next((m for m in bar.actions() if m.text().replace("&", "") == "Help"), None)
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)
    return menu
