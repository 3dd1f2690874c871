"""The parent side of the crash harness: kill children at random points, then check the case.

Used by `test_crash.py` (a bounded count in CI) and by `crash_hunt.py` (long runs by hand).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select, text

from app.case import Case
from app.store.schema import AuditEntry, ExportRecord, Item, Redaction, Source, Tag
from app.verify import verify_case

REPO = Path(__file__).resolve().parents[2]


@dataclass(slots=True)
class Cycle:
    """One child's life: what it logged, whether it was killed, and where."""

    seed: int
    ops: list[str]
    delay: float
    killed: bool
    status: int
    lines: list[tuple[str, str, Any]]

    @property
    def in_flight(self) -> str:
        """The operation under way when the child died ('' when none or not killed)."""
        open_op = ""
        for kind, op, _ in self.lines:
            if kind == "begin":
                open_op = op
            elif kind in {"ok", "refused"}:
                open_op = ""
        if not self.killed:
            return ""
        if open_op:
            return open_op
        started = {k for k, _, _ in self.lines}
        if "opened" not in started:
            return "setup" if "ready" not in started else "open"
        return "between" if "done" not in started else "close"


@dataclass(slots=True)
class Tally:
    """Counts over a run, for the report."""

    kills: int = 0
    completed: int = 0
    where: Counter[str] = field(default_factory=Counter)
    committed: Counter[str] = field(default_factory=Counter)
    checks_seconds: float = 0.0
    sources_seen: set[int] = field(default_factory=set)


class Zygote:
    """The warm `driver serve` process that forks the children."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.driver", "serve"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._read()
        self.export = bool(hello["export"])

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the crash driver died")
        return dict(json.loads(line))

    def start(self, request: dict[str, Any]) -> int:
        """Fork a child for the request; returns its pid."""
        stdin: IO[str] | None = self.proc.stdin
        assert stdin is not None
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        return int(self._read()["pid"])

    def wait(self) -> int:
        """The last child's wait status."""
        return int(self._read()["status"])

    def close(self) -> None:
        """Stop the zygote (it exits at the end of its stdin)."""
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
        if self.proc.stdout:
            self.proc.stdout.close()


def read_log(path: Path) -> list[tuple[str, str, Any]]:
    """The child's step lines: (kind, op, data)."""
    out: list[tuple[str, str, Any]] = []
    if not path.exists():
        return out
    for raw in path.read_text(encoding="utf-8").splitlines():
        kind, op, data = raw.split(" ", 2)
        out.append((kind, op, json.loads(data)))
    return out


def _wait_for(path: Path, word: str, limit: float = 60.0) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if path.exists() and any(
            line.startswith(word + " ") for line in path.read_text(encoding="utf-8").splitlines()
        ):
            return
        time.sleep(0.005)
    raise TimeoutError(f"the child never said {word!r}: {path.read_text(encoding='utf-8')}")


def expectations(cycle: Cycle) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Ids that must be present and ids that must be gone, by table, from the child's log."""
    present: dict[str, set[int]] = {"tags": set(), "redactions": set(), "charges": set()}
    absent: dict[str, set[int]] = {"tags": set(), "redactions": set()}
    approved: set[int] = set()
    table = {"tag": "tags", "untag": "tags", "redact": "redactions", "unredact": "redactions"}
    pending: tuple[str, set[int]] | None = None
    for kind, op, data in cycle.lines:
        if kind == "begin":
            ids = set(data["ids"]) if isinstance(data, dict) and "ids" in data else set()
            pending = (op, ids)
        elif kind == "ok":
            pending = None
            ids = set(data.get("ids", ())) if isinstance(data, dict) else set()
            if op in {"tag", "redact"}:
                present[table[op]] |= ids
                absent[table[op]] -= ids
            elif op in {"untag", "unredact"}:
                absent[table[op]] |= ids
                present[table[op]] -= ids
                approved -= ids
            elif op == "charge":
                present["charges"] |= ids
            elif op == "review":
                approved |= ids
        elif kind == "refused":
            pending = None
    if pending is not None:  # the operation under way may have committed or not, wholly
        op, ids = pending
        if op in table:
            present[table[op]] -= ids
            absent[table[op]] -= ids
        if op in {"tag", "redact"}:  # new rows may reuse freed ids
            absent["tags" if op == "tag" else "redactions"].clear()
        if op == "unredact":
            approved -= ids
    present["approved"] = approved - absent["redactions"]
    return present, absent


def check_case(folder: Path, cycle: Cycle, tally: Tally) -> list[str]:
    """Open the case (taking over the dead child's lock) and list everything wrong."""
    problems: list[str] = []
    started = time.monotonic()
    with Case.open(folder) as case:
        report = verify_case(case)
        problems += [f"verify: {p}" for p in report.problems]
        with case.read() as s:
            for (row,) in s.execute(text("PRAGMA integrity_check")):
                if row != "ok":
                    problems.append(f"sqlite integrity: {row}")
            for row in s.execute(text("PRAGMA foreign_key_check")):
                problems.append(f"foreign key broken: {tuple(row)}")
            counts = dict(
                s.execute(
                    select(Item.source_id, func.count(Item.id)).group_by(Item.source_id)
                ).all()
            )
            sources = {src.id: src for src in s.scalars(select(Source))}
            for sid, n in counts.items():
                if sid not in sources:
                    problems.append(f"{n} items of source {sid}, which does not exist")
            audited: Counter[int] = Counter()
            for _action, payload in s.execute(
                select(AuditEntry.action, AuditEntry.payload).where(
                    AuditEntry.action.in_(("import", "import.duplicate"))
                )
            ):
                audited[int(json.loads(payload)["source_id"])] += 1
            for src in sources.values():
                have = counts.get(src.id, 0)
                if src.item_count != have:
                    problems.append(
                        f"source {src.id} ({src.name}) says {src.item_count} items, has {have}"
                    )
                if src.parent_id is None and audited[src.id] != 1:
                    problems.append(f"source {src.id} ({src.name}) has {audited[src.id]} audits")
                if src.parent_id is not None and src.parent_id not in sources:
                    problems.append(f"source {src.id} has a missing parent {src.parent_id}")
            for table in ("events", "pages", "item_recipients", "tags", "redactions"):
                n = s.scalar(
                    text(
                        f"SELECT count(*) FROM {table} WHERE item_id NOT IN (SELECT id FROM items)"
                    )
                )
                if n:
                    problems.append(f"{n} {table} rows point at missing items")
            n = s.scalar(
                text("SELECT count(*) FROM tags WHERE charge_id NOT IN (SELECT id FROM charges)")
            )
            if n:
                problems.append(f"{n} tags point at missing charges")
            tag_ids = set(s.scalars(select(Tag.id)))
            red = dict(s.execute(select(Redaction.id, Redaction.state)).all())
            charge_ids = set(s.scalars(text("SELECT id FROM charges")))
            records = list(s.scalars(select(ExportRecord)))
        problems += _export_problems(case.export_dir(), records)
    present, absent = expectations(cycle)
    for name, have in (("tags", tag_ids), ("redactions", set(red)), ("charges", charge_ids)):
        if missing := present[name] - have:
            problems.append(f"committed {name} missing: {sorted(missing)[:10]}")
        if name in absent and (back := absent[name] & have):
            problems.append(f"removed {name} still there: {sorted(back)[:10]}")
    if wrong := {i for i in present["approved"] if i in red and red[i] != "approved"}:
        problems.append(f"approved redactions not approved: {sorted(wrong)[:10]}")
    for kind, op, data in cycle.lines:
        if kind == "ok" and op == "import" and data["source"] is not None:
            tally.sources_seen.add(int(data["source"]))
        if kind == "ok":
            tally.committed[op] += 1
    if lost := tally.sources_seen - set(sources):
        problems.append(f"committed sources missing: {sorted(lost)[:10]}")
    tally.checks_seconds += time.monotonic() - started
    return problems


PACK_STATES = (".partial", ".FAILED", ".CANCELLED")


def _export_problems(exports: Path, records: list[ExportRecord]) -> list[str]:
    """A pack folder under its final name claims to be complete: it must have a complete
    record naming it, with the manifest the record names; and every complete record's
    folder must be there."""
    problems: list[str] = []
    complete = {r.folder: r for r in records if r.status == "complete"}
    for r in complete.values():
        manifest = exports / r.folder / "manifest.json"
        if not manifest.is_file():
            problems.append(f"export {r.id} is complete but {manifest} is missing")
        elif hashlib.sha256(manifest.read_bytes()).hexdigest() != r.manifest_sha256:
            problems.append(f"export {r.id}: manifest does not match its record")
    if exports.is_dir():
        for folder in exports.iterdir():
            name = folder.name
            if not folder.is_dir() or name.endswith(PACK_STATES) or name.endswith("-SENSITIVE"):
                continue
            if name not in complete:
                states = sorted({r.status for r in records if r.folder.startswith(name)})
                problems.append(
                    f"export folder {name} looks complete but its record is {states or 'absent'}"
                )
    return problems


def run(
    folder: Path,
    work: Path,
    kills: int,
    *,
    ops_choices: list[list[str]],
    seed: int = 0,
    max_delay: float = 1.5,
    log: Any = None,
) -> Tally:
    """Kill children until `kills` kills happened; check the case after every child."""
    rng = random.Random(seed)
    tally = Tally()
    zygote = Zygote()
    # How long each mix of operations runs when left alone: kills are spread over that span,
    # so nearly every child dies somewhere inside its work instead of after it.
    spans: dict[tuple[str, ...], float] = {}
    try:
        cycle_no = 0
        while tally.kills < kills:
            cycle_no += 1
            ops = rng.choice(ops_choices)
            if not zygote.export:
                ops = [op for op in ops if op != "export"] or ["tag"]
            child_seed = seed * 100_000 + cycle_no
            log_path = work / f"log-{child_seed}.txt"
            delay = rng.uniform(0.0, min(max_delay, spans.get(tuple(ops), max_delay)))
            pid = zygote.start(
                {
                    "case": str(folder),
                    "work": str(work),
                    "seed": child_seed,
                    "ops": ops,
                    "log": str(log_path),
                }
            )
            try:
                _wait_for(log_path, "ready")
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                zygote.wait()
                raise
            ready_at = time.monotonic()
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            status = zygote.wait()
            span = time.monotonic() - ready_at
            killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            cycle = Cycle(child_seed, ops, delay, killed, status, read_log(log_path))
            errors = [d for k, _, d in cycle.lines if k == "error"]
            if errors:
                raise AssertionError(f"cycle {child_seed} failed in the child: {errors[0]}")
            if killed:
                tally.kills += 1
                tally.where[cycle.in_flight] += 1
            else:
                tally.completed += 1
                spans[tuple(ops)] = 0.9 * span
            problems = check_case(folder, cycle, tally)
            if log is not None:
                log(
                    f"cycle {cycle_no} seed {child_seed} ops {','.join(ops)} "
                    f"delay {delay:.2f}s {'killed in ' + cycle.in_flight if killed else 'finished'}"
                    f" -> {problems if problems else 'OK'}"
                )
            if problems:
                raise AssertionError(
                    f"after cycle {child_seed} (ops {ops}, delay {delay:.3f}, "
                    f"killed={killed}, in {cycle.in_flight}): " + "; ".join(problems)
                )
    finally:
        zygote.close()
    return tally
