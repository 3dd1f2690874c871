"""The coverage matrix: counts, occasions (local days), gaps, and its CSV and PDF exports."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pymupdf
import pytest

from app.errors import EvidenceError
from app.tagging.coverage import (
    EVIDENCE_COLUMNS,
    coverage,
    coverage_csv_text,
    write_coverage_csv,
    write_coverage_pdf,
    write_evidence_csv,
)
from app.tagging.ops import AddCharge, AddCustomOffence, TagItems
from tests.core.tagging.conftest import Small

TEST_OFFENCE = {
    "id": "custom-test",
    "name": "Test offence",
    "statute": "Test Act 2024",
    "section": "s.1",
    "elements": [
        {"id": "custom-test-E1", "text": "Course of conduct", "course_of_conduct": True},
        {"id": "custom-test-E2", "text": "Threat"},
        {"id": "custom-test-E3", "text": "Repeated on one night", "course_of_conduct": True},
        {"id": "custom-test-ID", "text": "Identity", "identity": True},
    ],
}


def tag(small: Small, charge_id: int, element: str, *texts: str, note: str = "") -> None:
    TagItems(tuple(small.item[t] for t in texts), charge_id, element, note=note).apply(small.case)


def build_matrix_case(small: Small) -> int:
    """A charge of the test offence, 1-15 March 2024, with evidence on 3 days for E1 (and one
    message after the charge dates), 1 message for E2, 2 on one day for E3, none for ID."""
    AddCustomOffence(TEST_OFFENCE).apply(small.case)
    op = AddCharge("custom-test", date(2024, 3, 1), date(2024, 3, 15))
    op.apply(small.case)
    cid = op.charge_id
    tag(
        small,
        cid,
        "custom-test-E1",
        "Answer me",  # 1 March
        "Answer me now",  # 1 March, late
        "I know where you live",  # 2 March
        "I will send your pics to everyone at work",  # 5 March
        "You'll regret this",  # 20 March: outside the dates
        note="contact",
    )
    tag(small, cid, "custom-test-E2", "Please leave me alone")
    tag(small, cid, "custom-test-E3", "Answer me", "Answer me now")
    return cid


def test_counts_occasions_span_and_gaps(small: Small) -> None:
    cid = build_matrix_case(small)
    cov = coverage(small.case)
    rows = {r.element.id: r for r in cov.for_charge(cid)}
    assert list(rows) == ["custom-test-E1", "custom-test-E2", "custom-test-E3", "custom-test-ID"]

    e1 = rows["custom-test-E1"]
    assert (e1.items, e1.occasions, e1.outside, e1.gap) == (4, 3, 1, "")
    assert e1.flag == "1 item outside the charge dates"
    assert e1.first_us == small_ts(small, "Answer me")
    assert e1.last_us == small_ts(small, "I will send your pics to everyone at work")
    assert [e.outside for e in e1.evidence] == [False, False, False, False, True]

    e2 = rows["custom-test-E2"]
    assert (e2.items, e2.occasions, e2.gap) == (1, 1, "")  # not a course-of-conduct element

    e3 = rows["custom-test-E3"]
    assert (e3.items, e3.occasions) == (2, 1)
    assert e3.gap == "course of conduct needs at least two occasions: 1 found"

    ident = rows["custom-test-ID"]
    assert (ident.items, ident.gap, ident.evidence) == (
        0,
        "no evidence of identity (attribution)",
        (),
    )
    assert [r.element.id for r in cov.gaps] == ["custom-test-E3", "custom-test-ID"]
    assert e1.key == f"{cid}:custom-test-E1"


def small_ts(small: Small, text: str) -> int:
    with small.case.read() as s:
        from sqlalchemy import select

        from app.store.schema import Event

        ts = s.scalar(select(Event.ts_utc_us).where(Event.item_id == small.item[text]))
        assert ts is not None
        return int(ts)


def test_evidence_only_outside_the_dates_is_a_gap(small: Small) -> None:
    op = AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 3, 10))
    op.apply(small.case)
    tag(small, op.charge_id, "PHA1997-s2-E3", "You'll regret this")
    row = next(r for r in coverage(small.case).rows if r.element.id == "PHA1997-s2-E3")
    assert (row.items, row.outside) == (0, 1)
    assert row.gap == "no evidence within the charge dates (1 item outside)"


def test_occasions_are_local_days_of_the_case_zone(small: Small) -> None:
    # 22:00 BST on 31 March and 00:30 BST on 1 April: one UTC day, two London days.
    op = AddCharge("PHA1997-s4", date(2024, 3, 25), date(2024, 4, 5))
    op.apply(small.case)
    tag(small, op.charge_id, "PHA1997-s4-E2", "Still awake?", "Answer the phone or I'll kill you")
    for display in (None, "UTC"):
        row = next(r for r in coverage(small.case, display).rows if r.element.id == "PHA1997-s4-E2")
        assert (row.items, row.occasions, row.gap) == (2, 2, "")
    london = coverage(small.case).rows[1].evidence
    utc = coverage(small.case, "UTC").rows[1].evidence
    assert [e.time for e in london] == ["2024-03-31 22:00 BST", "2024-04-01 00:30 BST"]
    assert [e.time for e in utc] == ["2024-03-31 21:00 UTC", "2024-03-31 23:30 UTC"]


def test_matrix_csv_exact_content(small: Small) -> None:
    build_matrix_case(small)
    head = 'custom-test,Test offence,"s.1, Test Act 2024",2024-03-01,2024-03-15'
    assert coverage_csv_text(coverage(small.case)) == (
        "charge,offence_id,offence,statute,from,to,element_id,element,course_of_conduct,items,"
        "occasions,first,last,outside_dates,gap,flag\n"
        f"1,{head},custom-test-E1,Course of conduct,yes,4,3,2024-03-01 09:00 GMT,"
        "2024-03-05 12:00 GMT,1,,1 item outside the charge dates\n"
        f"1,{head},custom-test-E2,Threat,,1,,2024-03-03 08:00 GMT,2024-03-03 08:00 GMT,,,\n"
        f"1,{head},custom-test-E3,Repeated on one night,yes,2,1,2024-03-01 09:00 GMT,"
        "2024-03-01 23:30 GMT,,course of conduct needs at least two occasions: 1 found,\n"
        f"1,{head},custom-test-ID,Identity,,0,,,,,no evidence of identity (attribution),\n"
    )


def test_matrix_csv_file_opens_in_spreadsheets(small: Small, tmp_path: Path) -> None:
    build_matrix_case(small)
    path = tmp_path / "matrix.csv"
    write_coverage_csv(coverage(small.case), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    assert raw.decode("utf-8-sig") == coverage_csv_text(coverage(small.case))


def test_evidence_csv_lists_items_per_element(small: Small) -> None:
    build_matrix_case(small)
    buf = io.StringIO()
    write_evidence_csv(coverage(small.case), buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert tuple(rows[0]) == EVIDENCE_COLUMNS
    e1 = [r for r in rows if r["element_id"] == "custom-test-E1"]
    assert [r["quotation"] for r in e1] == [
        "Answer me",
        "Answer me now",
        "I know where you live",
        "I will send your pics to everyone at work",
        "You'll regret this",
    ]
    assert e1[0]["time"] == "2024-03-01 09:00 GMT"
    assert e1[0]["source"] == "WhatsApp Chat with Daniel.txt"
    assert e1[0]["author"] == "Daniel"
    assert e1[0]["exhibit"] == ""  # exhibits arrive with issue 8
    assert e1[0]["tag_note"] == "contact"
    assert [r["outside_dates"] for r in e1] == ["", "", "", "", "yes"]
    assert len(rows) == 5 + 1 + 2


def test_span_tag_quotes_its_span(small: Small) -> None:
    build_matrix_case(small)
    item = small.item["I will send your pics to everyone at work"]
    TagItems((item,), 1, "custom-test-E2", start=2, end=24).apply(small.case)
    e2 = next(r for r in coverage(small.case).rows if r.element.id == "custom-test-E2")
    assert [e.quote for e in e2.evidence] == ["Please leave me alone", "will send your pics to"]


def test_quotations_redacted_with_the_chosen_set(small: Small) -> None:
    from app.redaction.model import RedactionDraft, RedactionKind
    from app.redaction.ops import AddRedactions

    build_matrix_case(small)
    item = small.item["I know where you live"]
    span = RedactionDraft(item, RedactionKind.SPAN, "ADDR", target="text", start=7, end=21)
    AddRedactions("disclosure", (span,), approve=True).apply(small.case)
    proposed = RedactionDraft(
        small.item["Answer me"], RedactionKind.SPAN, "TP", target="text", start=0, end=6
    )
    AddRedactions("disclosure", (proposed,)).apply(small.case)

    def quotes(set_name: str | None) -> list[str]:
        row = coverage(small.case, redaction_set=set_name).rows[0]
        return [e.quote for e in row.evidence][:3]

    assert quotes(None) == ["Answer me", "Answer me now", "I know where you live"]
    assert quotes("disclosure") == [
        "Answer me",  # only approved redactions count
        "Answer me now",
        "I know [REDACTED — address / location]",
    ]
    with pytest.raises(EvidenceError, match="no redaction set 'court'"):
        coverage(small.case, redaction_set="court")


def test_pdf_is_a4_landscape_with_gaps_and_evidence(small: Small, tmp_path: Path) -> None:
    cid = build_matrix_case(small)
    tag(small, cid, "custom-test-E2", "Answer me", note="Zażółć gęślą — «naïve» 你好")
    path = write_coverage_pdf(small.case, coverage(small.case), tmp_path / "matrix.pdf")
    with pymupdf.open(path) as doc:
        pages = doc.page_count
        assert (round(doc[0].rect.width), round(doc[0].rect.height)) == (842, 595)
        flags = pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES
        text = " ".join(page.get_text(flags=flags) for page in doc)
    flat = " ".join(text.split())
    assert "Evidence matrix — small" in flat
    assert "Charge 1: Test offence" in flat
    assert "GAP: no evidence of identity (attribution)" in flat
    assert "GAP: course of conduct needs at least two occasions: 1 found" in flat
    assert "I know where you live" in flat
    assert "outside the charge dates" in flat
    assert "Zażółć gęślą — «naïve» 你好" in flat
    assert f"page 1 of {pages}" in flat


def test_empty_case_matrix(small: Small, tmp_path: Path) -> None:
    cov = coverage(small.case)
    assert cov.rows == []
    assert cov.charges == []
    assert coverage_csv_text(cov).count("\n") == 1
    write_coverage_pdf(small.case, cov, tmp_path / "empty.pdf")
    with pymupdf.open(tmp_path / "empty.pdf") as doc:
        assert "No charges on this case." in doc[0].get_text()
