"""The child side of the crash harness: runs case operations and reports each commit.

`python -m tests.reliability.driver serve` imports everything once, says `ready`, then for
each JSON request on stdin forks a child that runs one workload on a case and answers with
the child's pid and then its exit status. Forking from a warm process makes a crash cycle
cost milliseconds instead of the seconds a fresh interpreter takes to import the app, so
CI can afford fifty kills. The child is still a real process of its own, killed with
SIGKILL by the test.

The child writes one line per step to its log with a single unbuffered `os.write`, so
what the log says survives the kill: `begin OP {...}` before an operation and
`ok OP {...}` once it has committed (with the ids it made or removed).

`python -m tests.reliability.driver run CASE WORK SEED OPS...` runs one workload in the
foreground, for trying it by hand.
"""

from __future__ import annotations

import json
import os
import random
import sys
import traceback
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.case import Case
from app.errors import EvidenceError
from app.ingest.job import import_paths
from app.redaction import store as redaction_store
from app.redaction.find import FindQuery, find_hits
from app.redaction.model import RedactionState
from app.redaction.ops import AddRedactions, DeleteRedactions, ReviewRedactions
from app.store.schema import Charge, Item, Redaction, Tag
from app.tagging.ops import AddCharge, TagItems, UntagItems
from tests.reliability import gen

OPS = ("import", "tag", "redact", "export")
OFFENCE = "PHA1997-s2"
ELEMENT = "PHA1997-s2-E1"


def export_builder() -> Any:
    """`app.export.pack.build_pack` when the export package exists, else None."""
    try:
        from app.export import pack
    except ImportError:
        return None
    return getattr(pack, "build_pack", None)


class Log:
    """Step lines, each one `os.write`, so a SIGKILL never loses a line that was written."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def line(self, kind: str, op: str, data: Any = None) -> None:
        """Write `kind op json`."""
        text = f"{kind} {op} {json.dumps(data, separators=(',', ':'))}\n"
        os.write(self._fd, text.encode())


def _import(case: Case, log: Log, files: list[Path], rng: random.Random) -> None:
    for path in rng.sample(files, len(files)):
        log.line("begin", "import", path.name)
        report = import_paths(case, [path])
        (f,) = report.files
        log.line("ok", "import", {"name": path.name, "status": f.status, "source": f.source_id})


def _items(case: Case, rng: random.Random, n: int) -> list[int]:
    with case.read() as s:
        top = int(s.scalar(select(func.max(Item.id))) or 0)
    return sorted({rng.randint(1, top) for _ in range(n)}) if top else []


def _tag(case: Case, log: Log, rng: random.Random) -> None:
    with case.read() as s:
        charge = s.scalar(select(Charge.id).order_by(Charge.id.desc()).limit(1))
    if charge is None or rng.random() < 0.2:
        log.line("begin", "charge")
        op = AddCharge(OFFENCE, date(2024, 1, 1), date(2024, 12, 31))
        op.apply(case)
        charge = op.charge_id
        log.line("ok", "charge", {"ids": [charge]})
    for _ in range(rng.randint(1, 4)):
        items = _items(case, rng, rng.randint(1, 200))
        if not items:
            return
        log.line("begin", "tag")
        tag = TagItems(tuple(items), charge, ELEMENT, note="crash test")
        try:
            tag.apply(case)
        except EvidenceError as exc:  # an item id that a gap left out: refused, nothing written
            log.line("refused", "tag", str(exc))
            continue
        log.line("ok", "tag", {"ids": list(tag.tag_ids)})
    with case.read() as s:
        some = list(s.scalars(select(Tag.id).order_by(func.random()).limit(rng.randint(1, 30))))
    if some:
        log.line("begin", "untag", {"ids": some})
        UntagItems(tag_ids=tuple(some)).apply(case)
        log.line("ok", "untag", {"ids": some})


def _redact(case: Case, log: Log, rng: random.Random) -> None:
    word = rng.choice(("secret", "phone", "address", "photo"))
    drafts = find_hits(case, FindQuery(text=word, whole_words=True), "TP")
    if drafts:
        chosen = rng.sample(drafts, min(len(drafts), rng.randint(1, 400)))
        log.line("begin", "redact")
        add = AddRedactions(redaction_store.DEFAULT_SET, tuple(chosen))
        add.apply(case)
        log.line("ok", "redact", {"ids": list(add.ids)})
    with case.read() as s:
        ids = list(s.scalars(select(Redaction.id).order_by(func.random()).limit(60)))
    if ids:
        half = ids[: len(ids) // 2]
        log.line("begin", "review", {"ids": half})
        ReviewRedactions(tuple(half), RedactionState.APPROVED).apply(case)
        log.line("ok", "review", {"ids": half})
        gone = ids[len(ids) // 2 :][: rng.randint(0, 10)]
        if gone:
            log.line("begin", "unredact", {"ids": gone})
            DeleteRedactions(tuple(gone)).apply(case)
            log.line("ok", "unredact", {"ids": gone})


def _export(case: Case, log: Log, rng: random.Random) -> None:
    build = export_builder()
    if build is None:
        log.line("skip", "export", "app.export.pack.build_pack does not exist yet")
        return
    from app.errors import ExportError
    from app.export.plan import PackOptions

    items = _items(case, rng, rng.randint(1, 8))
    with case.read() as s:
        proposed = list(
            s.scalars(
                select(Redaction.id).where(
                    Redaction.item_id.in_(items), Redaction.state == "proposed"
                )
            )
        )
    if proposed:
        log.line("begin", "review", {"ids": proposed})
        ReviewRedactions(tuple(proposed), RedactionState.APPROVED).apply(case)
        log.line("ok", "review", {"ids": proposed})
    log.line("begin", "export")
    try:
        result = build(case, PackOptions(item_ids=tuple(items), initials="CR"))
    except ExportError as exc:
        log.line("refused", "export", str(exc))
        return
    log.line("ok", "export", {"status": result.status, "folder": result.folder.name})


def workload(case_path: str, work: str, seed: int, ops: list[str], log_path: str) -> None:
    """Make this cycle's files, open the case, then run the operations in a seeded order."""
    rng = random.Random(seed)
    log = Log(log_path)
    files = gen.write_mixed(Path(work) / f"cycle-{seed}", seed) if "import" in ops else []
    log.line("ready", "-")
    case = Case.open(case_path)
    log.line("opened", "-")
    steps = [op for op in ops for _ in range(2 if op != "import" else 1)]
    rng.shuffle(steps)
    for op in steps:
        if op == "import":
            _import(case, log, files, rng)
        elif op == "tag":
            _tag(case, log, rng)
        elif op == "redact":
            _redact(case, log, rng)
        elif op == "export":
            _export(case, log, rng)
    case.close()
    log.line("done", "-")


def _child(request: dict[str, Any]) -> None:
    code = 0
    try:
        workload(request["case"], request["work"], request["seed"], request["ops"], request["log"])
    except BaseException:  # noqa: BLE001 - whatever it was, the log must say so
        with open(request["log"], "a", encoding="utf-8") as fh:
            fh.write("error - " + json.dumps(traceback.format_exc()) + "\n")
        code = 1
    os._exit(code)


def serve() -> None:
    """Fork one child per request line; answer its pid, then its exit status."""
    print(json.dumps({"ready": True, "export": export_builder() is not None}), flush=True)
    for raw in sys.stdin:
        request = json.loads(raw)
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"status": status}), flush=True)


def main(argv: list[str]) -> int:
    """`serve`, or `run CASE WORK SEED OP...` in the foreground."""
    if argv[:1] == ["serve"]:
        serve()
        return 0
    if argv[:1] == ["run"] and len(argv) >= 5:
        case_path, work, seed = argv[1], argv[2], int(argv[3])
        workload(case_path, work, seed, argv[4:], str(Path(work) / f"log-{seed}.txt"))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
