"""Threadline works with the network gone: every socket creation fails (and is recorded)
while a folder is imported, OCR reads a screenshot, a pack is exported and the window opens
the demo case. Any attempt, even one that was caught and ignored, fails the test."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import import_paths
from app.verify import verify_case
from tests.core.test_ocr import chat_screenshot
from tests.reliability import gen
from tests.ui.conftest import LOAD_TIMEOUT_MS
from ui.main_window import MainWindow
from ui.settings import SettingsStore

ATTEMPTS: list[str] = []
_WATCHING = [False]
_NETWORK_EVENTS = frozenset(
    {
        "socket.__new__",
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "urllib.Request",
        "http.client.connect",
    }
)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _WATCHING[0] and event in _NETWORK_EVENTS:
        ATTEMPTS.append(f"{event}{args!r}"[:200])


sys.addaudithook(_audit)  # hooks cannot be removed: this one only records while watching


class _NoSocket(socket.socket):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        import traceback

        ATTEMPTS.append(f"socket.socket{args!r} " + "|".join(traceback.format_stack()[-6:-1]))
        raise OSError("the network is switched off for this test")


def _refuse(name: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        ATTEMPTS.append(f"{name}{args!r}")
        raise OSError("the network is switched off for this test")

    return refuse


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    ATTEMPTS.clear()
    monkeypatch.setattr(socket, "socket", _NoSocket)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "socketpair"):
        monkeypatch.setattr(socket, name, _refuse(f"socket.{name}"))
    _WATCHING[0] = True
    try:
        yield ATTEMPTS
    finally:
        _WATCHING[0] = False


@pytest.mark.timeout(240)
def test_import_ocr_export_and_window_without_network(
    offline: list[str], qtbot: QtBot, tmp_path: Path
) -> None:
    from app.ocr import pending, run_ocr

    files = gen.write_mixed(tmp_path / "evidence", 5, chat_lines=60)
    files.append(
        chat_screenshot(
            tmp_path / "evidence" / "Screenshot_20240314-213000.png",
            [("I know where you live", False), ("Leave me alone", True)],
        )
    )
    with Case.create(tmp_path / "offline") as case:
        report = import_paths(case, files)
        assert report.count("failed") == 0, [f.reason for f in report.files]
        ocr = run_ocr(case, item_ids=pending(case))
        assert ocr.failures == ()
        assert ocr.items >= 1
        assert case.search("leave")
        try:
            from app.export.pack import build_pack
            from app.export.plan import PackOptions
        except ImportError:
            pass
        else:
            pack = build_pack(case, PackOptions(everything=True, initials="NN"))
            assert pack.ok, pack.findings
        assert verify_case(case).ok
        folder = case.folder

    from app.demo import ensure_demo_case

    demo = ensure_demo_case()
    for path in (folder, demo):
        w = MainWindow(SettingsStore(tmp_path / "settings.ini"))
        qtbot.addWidget(w)
        with qtbot.waitSignal(w.loaded, timeout=LOAD_TIMEOUT_MS * 3):
            assert w.open_case(str(path))
        assert w.timeline_model.rowCount() > 0
        w.close()
    # urllib3 (imported by RapidOCR's download helper, which never runs: the models ship in
    # its wheel) makes one AF_INET6 socket at import time to ask whether IPv6 exists. It
    # binds to ::1 and sends nothing; every other attempt, or any connect, fails the test.
    harmless = [a for a in offline if "urllib3/util/connection.py" in a and "_has_ipv6" in a]
    assert [a for a in offline if a not in harmless] == []
