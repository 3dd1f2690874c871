"""Benchmark: importing 10,000 small text files, beside a bare read + SHA-256 loop.

Run: .venv/bin/python bench/import_text_files.py [--files N]
Prints files/s for both and the ratio (ours / bare). Both runs read the same files in the
same process, one after the other, so the ratio is what to compare across machines.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from app.case import Case
from app.ingest.job import import_paths


def make_files(folder: Path, count: int) -> list[Path]:
    """Small, distinct text files like a folder of exported notes."""
    paths = []
    for n in range(count):
        p = folder / f"{n // 1000:02}" / f"note-{n:05}.txt"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"Note {n}: he messaged again at {n % 24:02}:{n % 60:02}.\n" * 4)
        paths.append(p)
    return paths


def bare(paths: list[Path]) -> float:
    """Read and SHA-256 every file: the least any importer must do."""
    start = time.perf_counter()
    for p in paths:
        hashlib.sha256(p.read_bytes()).hexdigest()
    return time.perf_counter() - start


def ours(paths: list[Path], root: Path, folder: Path) -> float:
    """The real import: blob store, probe, importer, one transaction and audit entry per file."""
    case = Case.create(root / "bench")
    start = time.perf_counter()
    report = import_paths(case, [folder])
    elapsed = time.perf_counter() - start
    case.close()
    assert report.count("imported") == len(paths), report.files[:3]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "evidence"
        paths = make_files(folder, args.files)
        t_bare = bare(paths)
        t_ours = ours(paths, root, folder)
    n = args.files
    print(f"files: {n}")
    print(f"bare read+sha256: {n / t_bare:10.0f} files/s  ({t_bare:.2f} s)")
    print(f"threadline import: {n / t_ours:9.0f} files/s  ({t_ours:.2f} s)")
    print(f"ratio ours/bare speed: {t_bare / t_ours:.3f} (bare is {t_ours / t_bare:.0f}x faster)")


if __name__ == "__main__":
    main()
