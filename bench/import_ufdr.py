"""Benchmark: a generated UFDR of 1,000,000 instant messages, imported in bounded memory.

Run: .venv/bin/python bench/import_ufdr.py [--messages N] [--keep DIR]

The UFDR is written by `app.demo_returns.write_ufdr`, streamed into the zip (never built in
memory). Each phase then runs in a child process of its own, so each has its own peak RSS
(VmHWM) and starts from the same baseline:

bare    = xml.etree iterparse of the same report.xml, streamed out of the zip, every
          element counted and dropped once its parent no longer needs it: the floor for
          any reader of this XML in Python.
parse   = the UFDR importer into a sink that keeps nothing (no database): the reader's cost.
import  = `import_paths` into a fresh case: the importer, the store (items, events,
          participants, identifiers, fingerprints, FTS5 index), attachments, audit entry.

Printed: seconds (wall and CPU), messages/s, elements/s, peak RSS and its growth over the
process's baseline, and the import's speed as a ratio of the bare parse.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

REPO = Path(__file__).resolve().parents[1]


def _status() -> dict[str, float]:
    out: dict[str, float] = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    return out


def _phase_bare(path: Path) -> dict[str, Any]:
    import xml.etree.ElementTree as ET

    base = _status()
    wall, cpu = time.perf_counter(), time.process_time()
    elements = 0
    stack: list[ET.Element] = []
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.lower().endswith("report.xml"))
        with archive.open(name) as fh:
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                if event == "start":
                    stack.append(elem)
                    continue
                elements += 1
                stack.pop()
                if 0 < len(stack) <= 5:
                    stack[-1].remove(elem)
    return _result(base, wall, cpu, elements=elements)


def _phase_parse(path: Path) -> dict[str, Any]:
    from app.importers.base import ImportContext, Probe
    from app.importers.memory import MemorySink
    from app.importers.ufdr import UfdrImporter
    from app.model import ItemDraft, ItemKind

    class Counting(MemorySink):
        """Counts messages; keeps nothing."""

        messages = 0
        count = 0

        def add_item(self, draft: ItemDraft) -> None:
            self.count += 1
            self.messages += draft.kind is ItemKind.MESSAGE

        def add_child(self, name: str, stream: BinaryIO, context_key: str = "") -> None:
            while stream.read(65536):
                pass

    base = _status()
    wall, cpu = time.perf_counter(), time.process_time()
    sink = Counting()
    UfdrImporter().parse(Probe.of(path), sink, ImportContext())
    return _result(base, wall, cpu, messages=sink.messages, items=sink.count)


def _phase_import(path: Path, folder: Path) -> dict[str, Any]:
    from sqlalchemy import func, select

    from app.case import Case
    from app.ingest.job import import_paths
    from app.store.schema import Item

    case = Case.create(folder / "bench-case")
    base = _status()
    wall, cpu = time.perf_counter(), time.process_time()
    result = import_paths(case, [path]).files[0]
    out = _result(base, wall, cpu, status=result.status, items=result.items)
    with case.read() as s:
        out["messages"] = s.scalar(select(func.count()).where(Item.kind == "message"))
        out["images"] = s.scalar(select(func.count()).where(Item.kind == "image"))
    out["warnings"] = result.warnings[:5]
    out["case_bytes"] = sum(p.stat().st_size for p in case.folder.rglob("*") if p.is_file())
    case.close()
    return out


def _result(base: dict[str, float], wall: float, cpu: float, **extra: Any) -> dict[str, Any]:
    now = _status()
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "baseline_mb": base["VmRSS"],
        "peak_mb": now["VmHWM"],
        "growth_mb": now["VmHWM"] - base["VmRSS"],
        **extra,
    }


def _child(phase: str, path: Path, folder: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--file", str(path), "--keep", str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--chats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder for the UFDR and the case (kept)")
    parser.add_argument("--phase", choices=("bare", "parse", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip-parse", action="store_true", help="only bare and import")
    args = parser.parse_args()
    if args.phase:
        if args.phase == "bare":
            result = _phase_bare(args.file)
        elif args.phase == "parse":
            result = _phase_parse(args.file)
        else:
            result = _phase_import(args.file, args.keep)
        print(json.dumps(result))
        return

    from app.demo_returns import write_ufdr

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-ufdr-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "generated.ufdr"
    started = time.perf_counter()
    written = write_ufdr(
        path, messages=args.messages, chats=args.chats, attachments=2, compresslevel=1
    )
    size = written.report_bytes / 1e6
    print(
        f"generated {written.messages:,} messages: report.xml {size:,.0f} MB, "
        f"zip {path.stat().st_size / 1e6:,.0f} MB, in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    results: dict[str, dict[str, Any]] = {}
    for phase in ("bare", "parse", "import"):
        if phase == "parse" and args.skip_parse:
            continue
        results[phase] = r = _child(phase, path, folder)
        print(
            f"{phase:7} {r['wall_s']:8.1f} s wall {r['cpu_s']:8.1f} s CPU   "
            f"peak RSS {r['peak_mb']:6.0f} MB (growth {r['growth_mb']:5.0f} MB over "
            f"{r['baseline_mb']:.0f} MB)",
            flush=True,
        )
    bare = results["bare"]
    elements = bare["elements"]
    n = written.messages
    print()
    print(
        f"bare iterparse: {elements / bare['wall_s']:,.0f} elements/s "
        f"({n / bare['wall_s']:,.0f} messages' worth/s), {elements:,} elements"
    )
    for phase in ("parse", "import"):
        if phase not in results:
            continue
        r = results[phase]
        print(
            f"{phase:7}: {r['messages'] / r['wall_s']:,.0f} messages/s wall "
            f"({r['messages'] / r['cpu_s']:,.0f} per CPU s); {r['messages']:,} messages; "
            f"{bare['wall_s'] / r['wall_s']:.2f}x the bare parse's speed "
            f"(CPU: {bare['cpu_s'] / r['cpu_s']:.2f}x)"
        )
    imp = results["import"]
    print(
        f"import status {imp['status']}, items {imp['items']:,}, images {imp['images']}, "
        f"case {imp['case_bytes'] / 1e6:,.0f} MB; warnings: {imp['warnings']}"
    )


if __name__ == "__main__":
    main()
