"""`items.item_summaries`: a few words about many items, in one query, agreeing with the
full `item_detail` of each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, text

from app import items
from app.case import Case
from tests.evidence import EMAIL_SUBJECT, PDF_NAME, SELECTED_TEXT, ViewerCase, build_viewer_case


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> ViewerCase:
    return build_viewer_case(tmp_path_factory.mktemp("summaries"))


@pytest.fixture
def case(built: ViewerCase) -> Iterator[Case]:
    c = Case.open(built.folder, readonly=True)
    yield c
    c.close()


def _all_items(case: Case) -> list[int]:
    with case.read() as s:
        return [int(i) for (i,) in s.execute(text("SELECT id FROM items ORDER BY id"))]


def test_summaries_agree_with_the_details(case: Case) -> None:
    ids = _all_items(case)
    got = items.item_summaries(case, ids)
    assert sorted(got) == ids
    for item_id in ids:
        d = items.item_detail(case, item_id)
        first = d.first_event
        want_name = d.meta.get("subject", "") if d.kind == "email" else d.name
        assert got[item_id] == items.ItemSummary(
            item_id=item_id,
            ts_utc_us=first.ts_utc_us if first else None,
            kind=d.kind,
            author=d.author,
            text=" ".join(d.text[: items.SUMMARY_CHARS].split()),
            name=want_name,
        ), item_id
    kinds = {s.kind for s in got.values()}
    assert {"message", "email", "document", "image"} <= kinds
    assert any(s.text == SELECTED_TEXT and s.author == "Bob" for s in got.values())
    assert any(s.kind == "email" and s.name == EMAIL_SUBJECT for s in got.values())
    assert any(s.kind == "document" and s.name == PDF_NAME for s in got.values())


def test_one_query_bounded_text_and_unknown_ids(case: Case) -> None:
    ids = _all_items(case)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(case.engine, "before_cursor_execute", count)
    try:
        got = items.item_summaries(case, [*ids, 999_999])
    finally:
        event.remove(case.engine, "before_cursor_execute", count)
    assert len([s for s in statements if "FROM items" in s]) == 1
    assert 999_999 not in got
    assert all(len(s.text) <= items.SUMMARY_CHARS for s in got.values())
    assert items.item_summaries(case, []) == {}
