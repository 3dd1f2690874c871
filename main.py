"""Threadline's entry point: a subcommand goes to the CLI; otherwise the window opens."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

from app.cli import is_command

SELF_TEST = "--self-test"
FIRST_WINDOW = "--first-window"


def self_test(argv: list[str]) -> int:
    """`--self-test [--keep]`: every main feature once, in a temporary folder; 0 if all pass.

    Everything, the log included, goes into the temporary folder (removed afterwards unless
    `--keep`), never into the user's data folder.
    """
    keep = "--keep" in argv
    folder = Path(tempfile.mkdtemp(prefix="threadline-self-test-"))
    previous = os.environ.get("THREADLINE_HOME")
    os.environ["THREADLINE_HOME"] = str(folder / "home")
    try:
        from app import __version__
        from app.paths import configure_logging
        from app.selftest import WindowHook, passed, run_self_test

        log_path = configure_logging()
        print(f"Threadline {__version__} self-test", flush=True)
        window: WindowHook | None = None
        unavailable = ""
        if importlib.util.find_spec("PySide6") is not None:
            from ui.selftest import render_window

            window = render_window
        else:
            unavailable = "PySide6 is not installed"
        (folder / "work").mkdir()
        results = run_self_test(
            folder / "work",
            window=window,
            window_unavailable=unavailable,
            report=lambda line: print(line, flush=True),
        )
        ok = passed(results)
        print("self-test passed" if ok else f"self-test FAILED (details: {log_path})", flush=True)
        if keep or not ok:
            keep = True
            print(f"kept: {folder}", flush=True)
        return 0 if ok else 1
    finally:
        if previous is None:
            os.environ.pop("THREADLINE_HOME", None)
        else:
            os.environ["THREADLINE_HOME"] = previous
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def first_window(argv: list[str]) -> int:
    """`--first-window CASE|--demo`: show the window on a case, close it, print the seconds."""
    from app.errors import EvidenceError
    from app.paths import configure_logging

    configure_logging()
    try:
        if argv[:1] == ["--demo"]:
            from app.demo import ensure_demo_case

            case = ensure_demo_case()
        elif argv:
            case = Path(argv[0])
        else:
            print("threadline: --first-window needs a case folder or --demo", file=sys.stderr)
            return 2
        from ui.selftest import show_first_window

        print(f"window shown in {show_first_window(case):.2f}s", flush=True)
    except EvidenceError as exc:
        print(f"threadline: {exc}", file=sys.stderr)
        return 1
    return 0


def _null_streams() -> None:
    """A windowed program (the Windows bundle) has no stdout/stderr: make them go nowhere."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the process
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def main(argv: list[str]) -> int:
    """Hand over to the command line or the window; return the exit code."""
    _null_streams()
    if argv[:1] == [SELF_TEST]:
        return self_test(argv[1:])
    if argv[:1] == [FIRST_WINDOW]:
        return first_window(argv[1:])
    from app.paths import configure_logging

    configure_logging()
    if is_command(argv):
        from app.cli import main as cli_main

        return cli_main(argv)
    from ui.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
