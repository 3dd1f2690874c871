"""The offence library: the bundled files load and validate; broken files are named; dates warn."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.errors import EvidenceError
from app.resources import resources_dir
from app.tagging.library import (
    Library,
    LibraryError,
    Offence,
    UnknownOffence,
    load_library,
    offence_from_dict,
    offences_dir,
    range_warnings,
)

REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference" / "offences.json"


@pytest.fixture(scope="module")
def library() -> Library:
    """The bundled library."""
    return load_library()


def _minimal(offence_id: str = "TEST-s1") -> dict[str, Any]:
    """A valid offence file's content, for breaking one field at a time."""
    return {
        "id": offence_id,
        "name": "Test offence",
        "short_name": "Test s.1",
        "statute": "Test Act 2024",
        "section": "s.1",
        "mode_of_trial": "summary only",
        "max_penalty": "6 months",
        "elements": [
            {
                "id": f"{offence_id}-E1",
                "text": "Something happened.",
                "typical_evidence": ["messages"],
                "course_of_conduct": False,
                "identity": False,
                "unverified": "",
            },
            {
                "id": f"{offence_id}-ID",
                "text": "The account was the suspect's.",
                "typical_evidence": ["subscriber data"],
                "course_of_conduct": False,
                "identity": True,
                "unverified": "",
            },
        ],
        "defences": [],
        "in_force_from": "2024-01-31",
        "repealed_from": None,
        "changes": [],
        "sources": ["https://example.org/test"],
        "unverified": "",
    }


def _write(folder: Path, data: dict[str, Any], name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{data['id']}.json")
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- the bundled library ----------------------------------------------------------------------


def test_library_loads_all_29_offences_from_resources(library: Library) -> None:
    assert len(library) == 29
    assert library.folder == (resources_dir() / "offences").resolve()
    assert library.offences[0].id == "PHA1997-s2"  # reference order: harassment first
    assert library.get("SCA2015-s76").short_name == "Coercive control s.76"


def test_ids_match_the_reference_research(library: Library) -> None:
    if not REFERENCE.exists():
        pytest.skip(f"the reference research is not at {REFERENCE}")
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert [o.id for o in library] == [o["id"] for o in reference]
    for offence, ref in zip(library, reference, strict=True):
        assert [e.id for e in offence.elements] == [e["id"] for e in ref["elements"]]
        assert set(offence.sources) == set(ref["sources"]), offence.id


def test_every_offence_has_one_identity_element_with_evidence(library: Library) -> None:
    for offence in library:
        identity = [e for e in offence.elements if e.identity]
        assert [e.id for e in identity] == [f"{offence.id}-ID"]
        assert offence.identity_element is identity[0]
        evidence = " ".join(identity[0].typical_evidence)
        for term in ("subscriber", "IP", "device", "admissions", "linked accounts"):
            assert term in evidence, (offence.id, term)


def test_element_ids_are_unique_across_the_library(library: Library) -> None:
    ids = [e.id for o in library for e in o.elements]
    assert len(ids) == len(set(ids)) == 136


def test_every_element_has_text_and_evidence(library: Library) -> None:
    for offence in library:
        assert all((offence.statute, offence.section, offence.max_penalty, offence.sources))
        for element in offence.elements:
            assert all((element.text, element.typical_evidence)), element.id


def test_dates_parse_and_the_key_ones_are_right(library: Library) -> None:
    for offence in library:
        for day in (offence.in_force_from, offence.repealed_from):
            assert day is None or isinstance(day, date)
        assert all(isinstance(c.date, date) for c in offence.changes)
    s33 = library.get("CJCA2015-s33")
    assert (s33.in_force_from, s33.repealed_from) == (date(2015, 4, 13), date(2024, 1, 31))
    assert library.get("SOA2003-s66B-4").in_force_from == date(2024, 1, 31)
    s76 = library.get("SCA2015-s76")
    assert [c.date for c in s76.changes] == [date(2023, 4, 5)]
    assert "living-together" in s76.changes[0].text


def test_course_of_conduct_marks_the_repeated_conduct_elements(library: Library) -> None:
    for offence_id in ("PHA1997-s2", "PHA1997-s2A", "SCA2015-s76"):
        assert library.get(offence_id).element(f"{offence_id}-E1").course_of_conduct
    assert not any(e.course_of_conduct for e in library.get("OSA2023-s181").elements)
    assert not library.get("PHA1997-s2").element("PHA1997-s2-ID").course_of_conduct


def test_unverified_markers_are_kept(library: Library) -> None:
    watch = library.get("CPA2026-IIA-taking")
    assert watch.unverified
    assert all(e.unverified for e in watch.elements if not e.identity)
    assert "PARTIALLY VERIFIED" in library.get("SOA2003-s66E").unverified
    assert library.get("CA2003-s127-1").element("CA2003-s127-1-E4").unverified
    # fully sourced entries say nothing is unverified
    assert library.get("CJCA2015-s33").unverified == ""


def test_no_reference_text_copied_into_element_texts(library: Library) -> None:
    """Element texts are rewritten for caseworkers, not the research's D/V shorthand."""
    for offence in library:
        for element in offence.elements:
            assert not re.search(r"\bD\b|\bV\b", element.text), element.id


def test_replacements_link_s33_and_s66b(library: Library) -> None:
    s33 = library.get("CJCA2015-s33")
    assert "SOA2003-s66B-4" in s33.replaced_by
    assert library.get("SOA2003-s66B-4").replaces == ("CJCA2015-s33",)


def test_unknown_ids_are_named(library: Library) -> None:
    with pytest.raises(EvidenceError, match="'NOPE-s1'"):
        library.get("NOPE-s1")
    with pytest.raises(UnknownOffence, match="'PHA1997-s2-E9'"):
        library.get("PHA1997-s2").element("PHA1997-s2-E9")
    offence, element = library.find_element("SCA2015-s76-E3")
    assert (offence.id, element.id) == ("SCA2015-s76", "SCA2015-s76-E3")


def test_load_library_is_cached_per_folder(tmp_path: Path) -> None:
    assert load_library() is load_library(offences_dir())
    _write(tmp_path / "lib", _minimal())
    other = load_library(tmp_path / "lib")
    assert [o.id for o in other] == ["TEST-s1"]
    assert load_library(tmp_path / "lib") is other


def test_resources_dir_honours_override_and_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("THREADLINE_RESOURCES", raising=False)
    assert (resources_dir() / "offences" / "PHA1997-s2.json").is_file()
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"
    monkeypatch.setenv("THREADLINE_RESOURCES", str(tmp_path / "mine"))
    assert resources_dir() == tmp_path / "mine"


# --- malformed files --------------------------------------------------------------------------


def _break_missing_name(d: dict[str, Any]) -> None:
    del d["name"]


def _break_missing_element_id(d: dict[str, Any]) -> None:
    del d["elements"][1]["id"]


def _break_wrong_type(d: dict[str, Any]) -> None:
    d["elements"][0]["typical_evidence"] = "messages"


def _break_wrong_flag(d: dict[str, Any]) -> None:
    d["elements"][0]["course_of_conduct"] = "yes"


def _break_duplicate_element(d: dict[str, Any]) -> None:
    d["elements"].insert(1, dict(d["elements"][0]))


def _break_bad_date(d: dict[str, Any]) -> None:
    d["in_force_from"] = "31/01/2024"


def _break_impossible_date(d: dict[str, Any]) -> None:
    d["changes"] = [{"date": "2023-02-30", "text": "never"}]


def _break_no_identity(d: dict[str, Any]) -> None:
    del d["elements"][1]


def _break_unknown_field(d: dict[str, Any]) -> None:
    d["elements"][0]["identiy"] = True


def _break_repeal_before_commencement(d: dict[str, Any]) -> None:
    d["repealed_from"] = "2020-01-01"


def _break_unknown_replacement(d: dict[str, Any]) -> None:
    d["replaced_by"] = ["GONE-s9"]


@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        (_break_missing_name, "TEST-s1.json: name: missing"),
        (_break_missing_element_id, "TEST-s1.json: elements[1].id: missing"),
        (_break_wrong_type, "TEST-s1.json: elements[0].typical_evidence: must be a list"),
        (_break_wrong_flag, "TEST-s1.json: elements[0].course_of_conduct: must be true or false"),
        (
            _break_duplicate_element,
            "TEST-s1.json: elements[1].id: 'TEST-s1-E1' repeats elements[0]",
        ),
        (_break_bad_date, "TEST-s1.json: in_force_from: '31/01/2024' is not a date"),
        (_break_impossible_date, "TEST-s1.json: changes[0].date: '2023-02-30' is not a date"),
        (_break_no_identity, "TEST-s1.json: elements: no identity element"),
        (_break_unknown_field, "TEST-s1.json: elements[0].identiy: unknown field"),
        (_break_repeal_before_commencement, "TEST-s1.json: repealed_from: must be after"),
        (_break_unknown_replacement, "TEST-s1.json: replaced_by[0]: no offence 'GONE-s9'"),
    ],
)
def test_malformed_file_names_file_and_field(tmp_path: Path, breaker: Any, expected: str) -> None:
    good = _minimal("GOOD-s1")
    _write(tmp_path, good)
    bad = _minimal()
    breaker(bad)
    _write(tmp_path, bad)
    with pytest.raises(LibraryError) as caught:
        load_library(tmp_path)
    assert str(caught.value).startswith(expected), str(caught.value)


def test_file_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "TEST-s1.json").write_text('{\n  "id": "TEST-s1",\n  oops\n}', encoding="utf-8")
    with pytest.raises(LibraryError, match=r"^TEST-s1\.json: line 3 column 3: not valid JSON"):
        load_library(tmp_path)


def test_file_name_must_match_id(tmp_path: Path) -> None:
    _write(tmp_path, _minimal(), name="Other.json")
    with pytest.raises(LibraryError, match=r"^Other\.json: id: 'TEST-s1' does not match"):
        load_library(tmp_path)


def test_custom_offence_needs_only_id_name_elements_and_gains_identity() -> None:
    data = {
        "id": "CUSTOM-1",
        "name": "Breach of a restraining order",
        "elements": [{"id": "CUSTOM-1-E1", "text": "An order was in force."}],
    }
    offence = offence_from_dict(data, "custom offence CUSTOM-1", custom=True)
    assert isinstance(offence, Offence)
    assert offence.custom
    assert offence.short_name == "Breach of a restraining order"
    assert [e.id for e in offence.elements] == ["CUSTOM-1-E1", "CUSTOM-1-ID"]
    assert offence.identity_element.identity
    with pytest.raises(LibraryError, match=r"^custom offence X: elements\[0\]\.text: missing"):
        offence_from_dict(
            {"id": "X", "name": "x", "elements": [{"id": "X-E1"}]}, "custom offence X", custom=True
        )
    library_file = _minimal()
    del library_file["short_name"]
    with pytest.raises(LibraryError, match=r"^TEST-s1\.json: short_name: missing"):
        offence_from_dict(library_file, "TEST-s1.json")


# --- date-range warnings ----------------------------------------------------------------------


def test_s33_range_crossing_31_january_2024_names_s66b(library: Library) -> None:
    warnings = range_warnings(library.get("CJCA2015-s33"), date(2023, 12, 1), date(2024, 2, 10))
    assert len(warnings) == 1
    assert "repealed for conduct from 31 January 2024" in warnings[0]
    assert "Threat to share intimate image s.66B(4)" in warnings[0]


def test_s66b_range_crossing_31_january_2024_names_s33(library: Library) -> None:
    warnings = range_warnings(library.get("SOA2003-s66B-4"), date(2023, 12, 1), date(2024, 2, 10))
    assert warnings == [
        "Threat to share intimate image s.66B(4) came into force on 31 January 2024; conduct "
        "before that date falls under Disclosing private sexual images s.33 (repealed)."
    ]


def test_range_wholly_on_the_wrong_side_says_so(library: Library) -> None:
    before = range_warnings(library.get("SOA2003-s66B-2"), date(2023, 1, 1), date(2023, 2, 1))
    assert "after all of the conduct (1 January 2023 to 1 February 2023)" in before[0]
    after = range_warnings(library.get("CJCA2015-s33"), date(2024, 1, 31), date(2024, 3, 1))
    assert "before all of the conduct" in after[0]


def test_s33_range_ending_the_day_before_repeal_has_no_warning(library: Library) -> None:
    assert range_warnings(library.get("CJCA2015-s33"), date(2022, 1, 1), date(2024, 1, 30)) == []
    # but from the repeal date itself it warns
    assert range_warnings(library.get("CJCA2015-s33"), date(2022, 1, 1), date(2024, 1, 31))


def test_coercive_control_range_crossing_5_april_2023(library: Library) -> None:
    s76 = library.get("SCA2015-s76")
    warnings = range_warnings(s76, date(2023, 1, 1), date(2023, 6, 1))
    assert len(warnings) == 1
    assert warnings[0].startswith("Coercive control s.76: the living-together requirement")
    assert "5 April 2023" in warnings[0]


def test_coercive_control_range_starting_on_5_april_2023_has_no_warning(library: Library) -> None:
    s76 = library.get("SCA2015-s76")
    assert range_warnings(s76, date(2023, 4, 5), date(2023, 12, 31)) == []
    assert range_warnings(s76, date(2022, 1, 1), date(2023, 4, 4)) == []


@pytest.mark.parametrize(
    ("offence_id", "start", "end"),
    [
        ("SOA2003-s66B-1", date(2024, 2, 1), date(2024, 12, 31)),
        ("CJCA2015-s33", date(2019, 1, 1), date(2020, 12, 31)),
        ("PHA1997-s2", date(2020, 1, 1), date(2025, 1, 1)),
        ("SCA2015-s76", date(2024, 1, 1), date(2024, 6, 1)),
    ],
)
def test_range_fully_inside_has_no_warning(
    library: Library, offence_id: str, start: date, end: date
) -> None:
    assert range_warnings(library.get(offence_id), start, end) == []


def test_reversed_range_is_flagged_and_still_checked(library: Library) -> None:
    warnings = range_warnings(library.get("SCA2015-s76"), date(2023, 6, 1), date(2023, 1, 1))
    assert warnings[0].startswith("The conduct dates are the wrong way round")
    assert "living-together" in warnings[1]
