"""Reason codes: the shipped list loads, and a malformed file is refused naming the entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.redaction import store
from app.redaction.model import ReasonsFileError, UnknownReason


def test_shipped_reasons_load_with_short_unique_codes() -> None:
    reasons = store.reasons()
    codes = [r.code for r in reasons]
    assert {"TP", "VC", "ADDR", "CHILD", "SENS", "IRR", "INTIMATE", "PII"} <= set(codes)
    assert len(codes) == len(set(codes))
    assert all(len(c) <= 10 and c.isupper() for c in codes)
    assert all(r.label and r.description for r in reasons)
    assert store.reason_label("TP") == "third-party personal data"
    assert store.reason_label("GONE") == "GONE"  # a code no longer configured shows as itself


def test_unknown_code_error_lists_the_valid_codes() -> None:
    with pytest.raises(UnknownReason) as err:
        store.check_reason("XYZ")
    message = str(err.value)
    assert "'XYZ'" in message
    for code in ("TP", "VC", "ADDR", "CHILD"):
        assert code in message
    assert store.check_reason("VC").label == "victim's contact details"


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "reasons.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _entry(code: str, label: str = "a label", description: str = "why") -> dict[str, str]:
    return {"code": code, "label": label, "description": description}


def test_a_valid_custom_file_loads_in_order(tmp_path: Path) -> None:
    path = _write(tmp_path, {"reasons": [_entry("ZZ"), _entry("AA", "other")]})
    assert [r.code for r in store.load_reasons(path)] == ["ZZ", "AA"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("{not json", "not valid JSON (line 1"),
        ({"reasons": []}, 'non-empty "reasons" list'),
        ([_entry("TP")], 'non-empty "reasons" list'),
        ({"reasons": [_entry("TP"), "VC"]}, "reason #2 is not an object"),
        ({"reasons": [_entry("TP"), _entry("VC", label="")]}, "reason #2 ('VC') needs"),
        (
            {"reasons": [{"code": "TP", "label": "x"}]},
            "reason #1 ('TP') needs a non-empty text \"description\"",
        ),
        ({"reasons": [_entry("tp")]}, "reason #1 ('tp'): a code is 2-10 capital letters"),
        (
            {"reasons": [_entry("TP"), _entry("TP")]},
            "reason #2 ('TP'): the code TP is listed twice",
        ),
        ({"reasons": [{**_entry("TP"), "colour": "red"}]}, "unknown field(s) colour"),
    ],
)
def test_a_malformed_file_is_refused_naming_file_and_entry(
    tmp_path: Path, data: object, expected: str
) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(ReasonsFileError) as err:
        store.load_reasons(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ReasonsFileError, match="reasons file is missing"):
        store.load_reasons(tmp_path / "nowhere.json")
