"""Errors at the window's edge: plain sentences, and a hook that logs and tells once."""

from __future__ import annotations

import sys

import pytest

from app.errors import CaseLocked, NeedsDecision
from ui.errors import ExceptionHook, install_excepthook, message_for


def test_messages_are_plain() -> None:
    assert message_for(CaseLocked("case X is open elsewhere by ann")) == (
        "case X is open elsewhere by ann.\n\nClose it there first, or open it read-only."
    )
    decision = NeedsDecision(
        "dates could be day-first or month-first", "date_order", ("dmy", "mdy")
    )
    assert "Choose date order (dmy, mdy)." in message_for(decision)
    assert "went wrong inside Threadline (KeyError" in message_for(KeyError("x"))


def test_headless_hook_logs_and_writes_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    hook = ExceptionHook(headless=True)
    try:
        raise ValueError("boom")
    except ValueError as exc:
        hook(type(exc), exc, exc.__traceback__)
    assert hook.seen == 1
    assert capsys.readouterr().err.startswith("threadline: Something went wrong")


def test_install_returns_the_previous_hook() -> None:
    before = sys.excepthook
    hook, previous = install_excepthook(headless=True)
    try:
        assert sys.excepthook is hook
        assert previous is before
    finally:
        sys.excepthook = previous
