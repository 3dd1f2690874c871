"""Fuzz every importer's parser on mutated real and generated files, each input time-bound.

Every outcome other than returning or raising one of Threadline's clear errors is a bug.
CI runs THREADLINE_FUZZ_EXAMPLES inputs per importer (default 150, reproducible); raise it
for a longer run by hand, or use `tests/reliability/fuzz_atheris.py`.
"""

from __future__ import annotations

import io
import os
import random
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.reliability import fuzzlib, gen

EXAMPLES = int(os.environ.get("THREADLINE_FUZZ_EXAMPLES", "150"))
NAMES = sorted(fuzzlib.importers())
_SEEDS = {name: fuzzlib.seeds(name) for name in NAMES}
TRIED: dict[str, int] = {}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", NAMES)
def test_fuzz_importer(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    importer = fuzzlib.importers()[name]
    seeds = _SEEDS[name]
    others = [data for _, data in seeds]
    folder = tmp_path_factory.mktemp(f"fuzz-{name}")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,  # the time bound is fuzzlib's per-input alarm
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(pick=st.integers(0, len(seeds) - 1), mutation=st.integers(0, 2**32 - 1))
    def one(pick: int, mutation: int) -> None:
        label, data = seeds[pick]
        mutated = fuzzlib.mutate(data, random.Random(mutation), others)
        TRIED[name] = TRIED.get(name, 0) + 1
        fuzzlib.run_one(importer, label, mutated, folder)  # raises FuzzBug on a bug

    one()
    assert TRIED[name] >= min(EXAMPLES, 10)


# -- regressions: inputs the fuzzers found, rebuilt by code ---------------------------------


def test_zip_whose_directory_places_members_before_the_file(tmp_path: Path) -> None:
    """Found by fuzzing: a central directory offset past its real place made zipfile compute
    negative member offsets, and seek() raised OSError(EINVAL)."""
    z = bytearray(gen.chat_zip(random.Random(1)))
    end = z.rfind(b"PK\x05\x06")
    (offset,) = struct.unpack_from("<I", z, end + 16)
    struct.pack_into("<I", z, end + 16, offset + 5000)
    sink_result = fuzzlib.run_one(fuzzlib.importers()["zip"], "x.zip", bytes(z), tmp_path)
    assert sink_result.result in {"ok", "CorruptRecord", "WrongFormat"}


def test_sms_backup_naming_an_unknown_encoding(tmp_path: Path) -> None:
    """Found by fuzzing: expat raised LookupError for encoding="UPF-8"."""
    data = fuzzlib.SMS_XML.replace(b"UTF-8", b"UPF-8")
    outcome = fuzzlib.run_one(fuzzlib.importers()["sms_xml"], "sms.xml", data, tmp_path)
    assert outcome.result == "WrongFormat"


def test_exif_with_a_forged_value_count_is_cut_short(tmp_path: Path) -> None:
    """Found by fuzzing: one EXIF tag claiming ~90,000 values took exifread seconds (a read
    per value); reads are now capped by limits.MAX_EXIF_READS."""
    im = Image.new("RGB", (8, 8))
    exif = Image.Exif()
    exif[0x010E] = "x" * 8  # ImageDescription
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes())
    data = bytearray(buf.getvalue())
    # Turn the tag into type SHORT with a count of 2,000,000 values.
    tiff = data.find(b"Exif\x00\x00") + 6
    order = "<" if data[tiff : tiff + 2] == b"II" else ">"
    at = data.find(struct.pack(f"{order}H", 0x010E), tiff)
    assert at > 0
    struct.pack_into(f"{order}HI", data, at + 2, 3, 2_000_000)
    outcome = fuzzlib.run_one(fuzzlib.importers()["image"], "forged.jpg", bytes(data), tmp_path)
    assert outcome.result == "ok"
    assert outcome.seconds < 1.5


def test_imessage_database_damaged_past_its_first_page(tmp_path: Path) -> None:
    """Found by fuzzing: a chat.db whose schema reads but whose tables are damaged raised
    sqlite3.DatabaseError from the middle of the reader; now a clear CorruptRecord."""
    import sqlite3

    db = tmp_path / "chat.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA page_size=1024")
    con.executescript(
        "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT);"
        "CREATE TABLE chat (ROWID INTEGER PRIMARY KEY, chat_identifier TEXT);"
        "CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text TEXT, date INTEGER, "
        "handle_id INTEGER, is_from_me INTEGER);"
    )
    con.executemany(
        "INSERT INTO handle (id) VALUES (?)", [(f"+44770090{n:04}",) for n in range(400)]
    )
    con.commit()
    con.close()
    data = bytearray(db.read_bytes())
    for page in range(2, len(data) // 1024):  # scribble over every page but the schema's
        data[page * 1024 + 8 : page * 1024 + 40] = b"\xff" * 32
    imp = fuzzlib.importers()["imessage"]
    outcome = fuzzlib.run_one(imp, "chat.db", bytes(data), tmp_path)
    assert outcome.result in {"CorruptRecord", "WrongFormat"}


@pytest.mark.parametrize("encoding", [b"UPF-8", b"EUC-JP", b"UTF-16"])
def test_sms_backup_naming_an_encoding_expat_refuses(encoding: bytes, tmp_path: Path) -> None:
    """Found by fuzzing (hypothesis, then atheris): expat raised LookupError for an unknown
    encoding and ValueError for a multi-byte one it cannot read."""
    data = fuzzlib.SMS_XML.replace(b"UTF-8", encoding)
    outcome = fuzzlib.run_one(fuzzlib.importers()["sms_xml"], "sms.xml", data, tmp_path)
    assert outcome.result in {"WrongFormat", "ok"}
