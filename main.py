"""Threadline's entry point: a subcommand goes to the CLI; otherwise the window opens."""

from __future__ import annotations

import sys

from app.cli import is_command


def main(argv: list[str]) -> int:
    """Hand over to the command line or the window; return the exit code."""
    from app.paths import configure_logging

    configure_logging()
    if is_command(argv):
        from app.cli import main as cli_main

        return cli_main(argv)
    from ui.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
