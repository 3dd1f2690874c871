"""Every chat and email export of the shared corpus imports through `python main.py import`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import CORPUS

CHAT_IMPORTERS = {
    "whatsapp": "whatsapp",
    "telegram": "telegram",
    "messenger": "messenger",
    "discord": "discord",
    "imessage": "imessage",
    "email": "email",
}


def manifest_rows() -> list[dict[str, str]]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8") as fh:
        return [
            row
            for row in csv.DictReader(fh, delimiter="\t")
            if row["category"] in CHAT_IMPORTERS and (CORPUS / row["local_path"]).is_file()
        ]


ROWS = manifest_rows()


@pytest.mark.skipif(not ROWS, reason=f"the shared corpus is not at {CORPUS}")
def test_every_chat_and_email_file_imports_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = str(tmp_path / "corpus")
    assert main(["new", case]) == 0
    capsys.readouterr()
    paths = [str(CORPUS / row["local_path"]) for row in ROWS]
    code = main(["import", case, "--json", "--no-ocr", "--date-order", "dmy", *paths])
    out, err = capsys.readouterr()
    results = {Path(r["path"]).name: r for r in map(json.loads, out.splitlines())}
    expected = {Path(row["local_path"]).name: CHAT_IMPORTERS[row["category"]] for row in ROWS}
    assert code == 0, err
    assert set(results) == set(expected)
    for name, importer in expected.items():
        result = results[name]
        assert result["status"] in ("imported", "duplicate"), (name, result["reason"])
        if result["status"] == "imported":
            assert result["importer"] == importer, name
            assert result["items"] > 0 or result["matched"] > 0, name
    assert main(["verify", case]) == 0
