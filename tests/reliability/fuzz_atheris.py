"""Coverage-guided fuzzing of one importer with atheris, by hand (not run in CI).

    .venv/bin/pip install -e ".[fuzz]"   # once
    .venv/bin/python -m tests.reliability.fuzz_atheris IMPORTER [atheris/libFuzzer options]
    e.g. .venv/bin/python -m tests.reliability.fuzz_atheris zip -max_total_time=600

The corpus seeds of fuzzlib start it; any exception other than Threadline's clear errors,
or an input slower than fuzzlib.SECONDS, stops it with the input saved by libFuzzer.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris
import exifread  # noqa: F401 - big third-party modules are imported before instrumenting,
import PIL.Image  # noqa: F401 - so only Threadline's own readers are instrumented
import pymupdf  # noqa: F401

with atheris.instrument_imports(include=["app"]):
    from app.importers import archive, email, image, pdf, sms_xml, whatsapp  # noqa: F401

from tests.reliability import fuzzlib


def main() -> None:
    """Fuzz the importer named by the first argument."""
    name = sys.argv[1] if len(sys.argv) > 1 else "zip"
    importer = fuzzlib.importers()[name]
    folder = Path(tempfile.mkdtemp(prefix=f"atheris-{name}-"))
    seeds = folder / "seeds"
    seeds.mkdir()
    for n, (_, data) in enumerate(fuzzlib.seeds(name)):
        (seeds / f"seed-{n}").write_bytes(data)
    label = fuzzlib.seeds(name)[0][0]

    def one(data: bytes) -> None:
        fuzzlib.run_one(importer, label, data, folder)

    atheris.Setup([sys.argv[0], *sys.argv[2:], str(seeds)], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
