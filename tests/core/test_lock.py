"""One writer per case, across processes: who holds it, read-only beside it, and the lock
of a killed process recovered."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.case import Case
from app.errors import CaseLocked, StoreError
from app.store.lock import INFO_NAME, current_user
from tests.conftest import REPO

HOLDER = textwrap.dedent(
    """
    import sys, time
    from app.case import Case
    case = Case.open(sys.argv[1])
    print("holding", flush=True)
    time.sleep(120)
    """
)


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A case held open for writing by another process."""
    Case.create(tmp_path / "c").close()
    folder = tmp_path / "c.threadline"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding"
    yield folder, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdout.close()


def test_another_process_is_named_by_user_host_and_time(
    held: tuple[Path, subprocess.Popen[str]],
) -> None:
    folder, proc = held
    with pytest.raises(CaseLocked) as refused:
        Case.open(folder)
    message = str(refused.value)
    assert f"open elsewhere by {current_user()} on {socket.gethostname()} since " in message
    info = json.loads((folder / INFO_NAME).read_text(encoding="utf-8"))
    assert info["pid"] == proc.pid
    assert info["since"][:4].isdigit()
    assert info["since"] in message


def test_read_only_beside_the_writer(held: tuple[Path, subprocess.Popen[str]]) -> None:
    folder, _ = held
    with Case.open(folder, readonly=True) as reader:
        assert reader.readonly
        assert reader.info().audit_entries == 1
        assert [a.action for a in reader.audit_rows()] == ["case.create"]
        with pytest.raises(StoreError, match="read-only"), reader.write():
            pass
    with pytest.raises(CaseLocked):  # closing the reader did not take the writer's lock
        Case.open(folder)


def test_the_lock_of_a_killed_process_is_recovered(
    held: tuple[Path, subprocess.Popen[str]],
) -> None:
    folder, proc = held
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # The dead holder's note is still there, but the OS lock died with it.
    assert json.loads((folder / INFO_NAME).read_text(encoding="utf-8"))["pid"] == proc.pid
    with Case.open(folder) as case:
        info = json.loads((folder / INFO_NAME).read_text(encoding="utf-8"))
        assert info["pid"] == os.getpid()
        with case.write() as s:
            case.audit(s, "test.after_recovery", {})
        with pytest.raises(CaseLocked, match=f"since {info['since']}"):
            Case.open(folder)
    assert not (folder / INFO_NAME).exists()
