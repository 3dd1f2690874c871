"""Search and redact across a generated case: messages, an email and its headers, a PDF made
with PyMuPDF and an image with OCR words; terms, phrases, regexes, PII and protected names."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.case import Case
from app.redaction import store
from app.redaction.apply import SpanMark, redact_text
from app.redaction.find import FindQuery, count_by_kind, find_hits, page_text, regions
from app.redaction.model import RedactionError, RedactionKind, RedactionState, UnknownReason
from app.redaction.ops import AddProtectedTerm, AddRedactions, ReviewRedactions
from tests.core.redaction import gen_case
from tests.core.redaction.gen_case import PHONE, Ids


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Ids]:
    """The generated case, built once; each test works on its own copy."""
    root = tmp_path_factory.mktemp("template")
    with Case.create(root / "case") as case:
        ids = gen_case.build(case, root / "evidence")
        return case.folder, ids


@pytest.fixture
def built(template: tuple[Path, Ids], tmp_path: Path) -> Iterator[tuple[Case, Ids]]:
    folder, ids = template
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("case.lock*"))
    case = Case.open(copy)
    yield case, ids
    case.close()


def _where(drafts: list) -> set[tuple[int, str, int | None]]:  # type: ignore[type-arg]
    return {(d.item_id, d.kind.value, d.page) for d in drafts}


def test_a_message_with_a_phone_number_is_redacted_by_the_finder(built: tuple[Case, Ids]) -> None:
    case, ids = built
    message = ids.messages[f"Ring me on {PHONE} tonight"]
    drafts = find_hits(case, FindQuery(pii=("phone",)), "VC")
    in_message = [d for d in drafts if d.item_id == message]
    assert len(in_message) == 1
    (hit,) = in_message
    assert (hit.kind, hit.target, hit.quote, hit.origin) == (
        RedactionKind.SPAN,
        "text",
        PHONE,
        "pii:phone",
    )
    AddRedactions(store.DEFAULT_SET, tuple(drafts)).apply(case)
    (row,) = store.list_redactions(case, item_ids=[message])
    ReviewRedactions((row.id,), RedactionState.APPROVED).apply(case)
    (row,) = store.list_redactions(case, item_ids=[message], states=["approved"])
    # What the redacted copy of that message says (applied by app.redaction.apply).
    text = f"Ring me on {PHONE} tonight"
    assert row.start is not None
    assert row.end is not None
    redacted = redact_text(text, [SpanMark(row.start, row.end, row.reason)])
    assert redacted == "Ring me on [REDACTED — VC] tonight"
    assert "900123" not in redacted
    # The same number is found in the email body, on the PDF page and in the image's OCR words.
    assert _where(drafts) >= {
        (ids.email, "span", None),
        (ids.pdf, "region", 1),
        (ids.image, "region", 1),
    }


def test_a_term_is_found_everywhere_case_insensitively(built: tuple[Case, Ids]) -> None:
    case, ids = built
    drafts = find_hits(case, FindQuery(text="SMITH"), "TP")
    assert {(d.item_id, d.quote) for d in drafts} == {
        (ids.messages["John Smith knows where I live"], "Smith"),
        (ids.messages["Tell Smithson nothing"], "Smith"),
        (ids.pdf, "Smith"),
        (ids.image, "Smith"),
    }
    assert sum(1 for d in drafts if d.item_id == ids.pdf) == 2  # "Smith" and "Smithson"
    # On a page a box covers whole words: the one in "Smithson" covers all of it.
    words = {w[4]: w[:4] for w in gen_case.IMAGE_WORDS}
    (image_hit,) = [d for d in drafts if d.item_id == ids.image]
    assert image_hit.box == tuple(words["Smith"])
    assert all(d.origin == "search" and d.reason == "TP" for d in drafts)


def test_whole_words_skips_a_word_that_only_contains_the_term(built: tuple[Case, Ids]) -> None:
    case, ids = built
    drafts = find_hits(case, FindQuery(text="smith", whole_words=True), "TP")
    assert ids.messages["Tell Smithson nothing"] not in {d.item_id for d in drafts}
    assert sum(1 for d in drafts if d.item_id == ids.pdf) == 1
    assert len(drafts) == 3


def test_a_phrase_across_a_line_break_on_a_pdf_page_gives_a_box_per_line(
    built: tuple[Case, Ids],
) -> None:
    case, ids = built
    drafts = [
        d for d in find_hits(case, FindQuery(text="john smith"), "TP") if d.item_id == ids.pdf
    ]
    assert [d.quote for d in drafts] == ["John", "Smith"]
    first, second = (d.box for d in drafts)
    assert first is not None
    assert second is not None
    assert second[1] > first[3] - 1  # the second box is on the next line down
    assert all(d.page == 1 for d in drafts)


def test_regex_and_email_headers(built: tuple[Case, Ids]) -> None:
    case, ids = built
    drafts = find_hits(case, FindQuery(regex=r"[\w.]+@gmail\.com"), "TP")
    assert [(d.item_id, d.target, d.quote) for d in drafts] == [
        (ids.email, "header:From", "bob.example@gmail.com")
    ]
    subject = find_hits(case, FindQuery(text="acacia avenue"), "ADDR")
    assert {d.target for d in subject if d.item_id == ids.email} == {"text", "header:Subject"}
    (head,) = [d for d in subject if d.target == "header:Subject"]
    assert gen_case.EMAIL_SUBJECT[head.start : head.end] == "Acacia Avenue"


def test_hits_already_redacted_in_the_set_are_skipped(built: tuple[Case, Ids]) -> None:
    case, _ = built
    query = FindQuery(regex=r"\d{5} \d{6}")
    first = find_hits(case, query, "VC")
    assert len(first) == 4  # message, email body, PDF page, image
    add = AddRedactions(store.DEFAULT_SET, tuple(first))
    add.apply(case)
    assert find_hits(case, query, "VC") == []
    # A rejected hit is a decision, not proposed again; another set starts afresh.
    ReviewRedactions(add.ids[:1], RedactionState.REJECTED).apply(case)
    assert find_hits(case, query, "VC") == []
    assert len(find_hits(case, query, "VC", set_name="court")) == 4
    # A hit inside a longer existing box is covered too.
    assert find_hits(case, FindQuery(text="900123"), "VC") == []


def test_search_can_be_limited_to_some_items(built: tuple[Case, Ids]) -> None:
    case, ids = built
    drafts = find_hits(case, FindQuery(text="smith"), "TP", item_ids=[ids.image, ids.email])
    assert {d.item_id for d in drafts} == {ids.image}


def test_the_index_preselection_finds_what_a_full_scan_finds(built: tuple[Case, Ids]) -> None:
    case, _ = built
    # A plain whole-word term goes through the full-text index; the same as a regex scans all.
    indexed = find_hits(case, FindQuery(text="john smith", whole_words=True), "TP")
    scanned = find_hits(case, FindQuery(regex=r"john\s+smith", whole_words=True), "TP")
    assert indexed == scanned
    assert len(indexed) == 4  # message, PDF (two lines), image
    liked = find_hits(case, FindQuery(text="mith"), "TP")
    assert len(liked) == len(find_hits(case, FindQuery(regex="mith"), "TP")) == 5


def test_protected_terms_every_spelling(built: tuple[Case, Ids]) -> None:
    case, ids = built
    AddProtectedTerm("Witness", ("John Smith", "Smithson"), "TP").apply(case)
    drafts = find_hits(case, FindQuery(protected=True), "SENS")
    quotes = {(d.item_id, d.quote) for d in drafts}
    assert (ids.messages["John Smith knows where I live"], "John Smith") in quotes
    assert (ids.messages["Tell Smithson nothing"], "Smithson") in quotes
    assert (ids.image, "John Smith") in quotes
    assert all(d.reason == "TP" and d.origin == "protected" for d in drafts)  # the term's reason


def test_bad_queries_are_refused(built: tuple[Case, Ids]) -> None:
    case, _ = built
    with pytest.raises(RedactionError, match="not a valid regular expression"):
        find_hits(case, FindQuery(regex="(unclosed"), "TP")
    with pytest.raises(RedactionError, match="nothing to look for"):
        find_hits(case, FindQuery(text="   "), "TP")
    with pytest.raises(RedactionError, match="unknown PII kind shoe_size"):
        find_hits(case, FindQuery(pii=("shoe_size",)), "TP")
    with pytest.raises(UnknownReason):
        find_hits(case, FindQuery(text="x"), "NOPE")


def test_counts_by_item_kind(built: tuple[Case, Ids]) -> None:
    case, _ = built
    drafts = find_hits(case, FindQuery(regex=r"\d{5} \d{6}"), "VC")
    assert count_by_kind(case, drafts) == {"document": 1, "email": 1, "image": 1, "message": 1}


def test_page_words_join_into_lines_and_map_back_to_boxes() -> None:
    words = [
        [10, 10, 40, 20, "Call"],
        [45, 10, 90, 20, "07700"],
        [95, 10, 140, 20, "900123,"],
        [10, 30, 50, 40, "today"],
    ]
    page = page_text(words)
    assert page.text == "Call 07700 900123, today"
    assert page.lines == [0, 0, 0, 1]
    at = page.text.index("07700")
    assert regions(page, at, at + len("07700 900123")) == [((45, 10, 140, 20), "07700 900123")]
    # A hit running onto the next line: one box per line, each with its part of the hit.
    at = page.text.index("900123")
    assert regions(page, at, len(page.text)) == [
        ((95, 10, 140, 20), "900123,"),
        ((10, 30, 50, 40), "today"),
    ]
