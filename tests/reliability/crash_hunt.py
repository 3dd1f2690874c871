"""Kill Threadline at random points for as long as you like, checking the case each time.

    .venv/bin/python -m tests.reliability.crash_hunt --kills 1000 [--seed N] [--keep DIR]

Each cycle forks a child that imports freshly generated files (chats, photos, PDFs,
emails, a zip), tags, redacts and exports (when the exporter exists) in a seeded order,
SIGKILLs it after a random delay, then opens the case, runs `verify` and checks that every
step the child reported as committed is there and that nothing is half-done. The first
problem stops the run and names the seed that replays it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from app.case import Case
from tests.reliability.harness import run

MIXES = [["import"], ["tag"], ["redact"], ["export"], ["import", "tag", "redact", "export"]]


def main() -> int:
    """Run the hunt; exit 0 when every cycle checked out."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--kills", type=int, default=500)
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    ap.add_argument("--max-delay", type=float, default=2.0, help="longest wait before a kill (s)")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="crash-hunt-"))
    work.mkdir(parents=True, exist_ok=True)
    Case.create(work / "hunt").close()
    start = time.monotonic()
    tally = run(
        work / "hunt.threadline",
        work,
        args.kills,
        ops_choices=MIXES,
        seed=args.seed,
        max_delay=args.max_delay,
        log=print,
    )
    took = time.monotonic() - start
    print(
        f"{tally.kills} kills and {tally.completed} completed runs in {took:.0f} s "
        f"(seed {args.seed}); killed in: {dict(tally.where)}; committed steps: "
        f"{dict(tally.committed)}; checks {tally.checks_seconds:.1f} s; "
        f"sources kept: {len(tally.sources_seen)}; work folder {work}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
