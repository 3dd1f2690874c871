"""The timeline filtered by offence element and by tagged / untagged, on every query path.

Like tests/core/test_timeline.py, each filter's result is compared with the same rule
applied in Python to every row; every plan (scan, items, full text) is run explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest

from app.model import TimelineRow
from app.tagging.model import element_key
from app.tagging.ops import AddCharge, TagItems, UntagItems
from app.timeline import query
from app.timeline.query import EVERYTHING, Plan, TimelineFilter
from tests.core.tagging.conftest import Small, build_small


@dataclass
class Tagged:
    """The small case with two charges and their tags, and every row for the oracle."""

    small: Small
    e1: str  # harassment E1 key
    e2: str  # harassment E2 key
    t1: str  # threats-to-kill E1 key
    tags: dict[str, set[int]]  # element key -> items
    rows: list[TimelineRow]


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tagged]:
    small = build_small(tmp_path_factory.mktemp("elements"))
    case, item = small.case, small.item
    h = AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 4, 30))
    h.apply(case)
    k = AddCharge("OAPA1861-s16", date(2024, 3, 1), date(2024, 4, 30))
    k.apply(case)
    e1 = element_key(h.charge_id, "PHA1997-s2-E1")
    e2 = element_key(h.charge_id, "PHA1997-s2-E2")
    t1 = element_key(k.charge_id, "OAPA1861-s16-E1")
    tags = {
        e1: {item["Answer me"], item["Answer me now"], item["Still awake?"]},
        e2: {item["Answer me now"], item["I know where you live"]},
        t1: {item["Answer the phone or I'll kill you"]},
    }
    for key, items in tags.items():
        charge_id, element = key.split(":")
        TagItems(tuple(sorted(items)), int(charge_id), element).apply(case)
    yield Tagged(small, e1, e2, t1, tags, list(case.timeline_iter()))
    case.close()


def oracle(t: Tagged, f: TimelineFilter) -> list[int]:
    wanted: set[int] | None = None
    if f.elements:
        wanted = set().union(*(t.tags.get(k, set()) for k in f.elements))
    tagged_items = set().union(*t.tags.values())
    out = []
    for r in t.rows:
        if wanted is not None and r.item_id not in wanted:
            continue
        if f.untagged is True and r.item_id in tagged_items:
            continue
        if f.untagged is False and r.item_id not in tagged_items:
            continue
        if f.search and "answer" not in r.text.lower():
            continue
        if f.from_us is not None and r.ts_utc_us < f.from_us:
            continue
        out.append(r.event_id)
    return out


def filters(t: Tagged) -> list[TimelineFilter]:
    return [
        TimelineFilter(elements=(t.e1,)),
        TimelineFilter(elements=(t.e1, t.e2)),
        TimelineFilter(elements=(t.t1, t.e2)),
        TimelineFilter(elements=("99:nothing",)),
        TimelineFilter(elements=("not-a-key",)),
        TimelineFilter(untagged=True),
        TimelineFilter(untagged=False),
        TimelineFilter(elements=(t.e1,), untagged=False),
        TimelineFilter(elements=(t.e1,), search="answer"),
        TimelineFilter(untagged=True, search="answer"),
        TimelineFilter(elements=(t.e1, t.t1), from_us=t.rows[3].ts_utc_us),
    ]


def test_every_plan_honours_elements_and_untagged(tagged: Tagged) -> None:
    with tagged.small.case.read() as s:
        for f in filters(tagged):
            expected = oracle(tagged, f)
            c = query._compile(f)
            plans = [Plan.SCAN, Plan.ITEMS] + ([Plan.FTS] if c.fts else [])
            for plan in plans:
                for per_row in (False, True):
                    sql = query._sql(c, plan, "e.id", fts_per_row=per_row)
                    got = list(query._fetch_ints(s, sql, c.params))
                    assert got == expected, (f, plan, per_row)


def test_public_queries_honour_elements(tagged: Tagged, monkeypatch: pytest.MonkeyPatch) -> None:
    case = tagged.small.case
    for rare in (query.RARE, 0):  # 0: no condition counts as rare, so the time walk is used
        monkeypatch.setattr(query, "RARE", rare)
        for f in filters(tagged):
            expected = oracle(tagged, f)
            with case.read() as s:
                assert list(query.event_ids(s, f)) == expected, f
                assert query.count(s, f) == len(expected)
                assert query.page_ids(s, f, limit=2) == expected[:2]
                if len(expected) > 2:
                    row = next(r for r in tagged.rows if r.event_id == expected[1])
                    after = query.page_ids(s, f, (row.ts_utc_us, row.event_id), limit=10)
                    assert after == expected[2:]
                    assert query.position_of(s, f, row.ts_utc_us) == 1
                stmt_ids = query.aggregate(s, f, "count(*)", group_by="i.kind")
                assert sum(n for (n,) in stmt_ids) == len(expected)
            assert [r.event_id for r in case.timeline_iter(f)] == expected
            assert case.timeline_count(f) == len(expected)
            with case.read() as s:
                assert query.query_plan(s, f)


def test_search_hits_honour_elements(tagged: Tagged) -> None:
    f = TimelineFilter(elements=(tagged.e1,))
    hits = tagged.small.case.search("answer", f)
    assert [h.row.event_id for h in hits] == oracle(tagged, replace(f, search="answer"))
    assert all(h.row.item_id in tagged.tags[tagged.e1] for h in hits)


def test_filters_with_the_same_elements_are_one_cache_key() -> None:
    a = TimelineFilter(elements=("2:b", "1:a", "1:a"))
    b = TimelineFilter(elements=["1:a", "2:b"])  # type: ignore[arg-type]
    assert a == b
    assert hash(a) == hash(b)
    assert a.elements == ("1:a", "2:b")
    assert TimelineFilter(untagged=True) != TimelineFilter(untagged=False) != EVERYTHING
    assert not TimelineFilter(untagged=False).is_everything


def test_a_tag_edit_invalidates_cached_timelines(tmp_path: Path) -> None:
    small = build_small(tmp_path)
    case, item = small.case, small.item
    try:
        op = AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 4, 30))
        op.apply(case)
        f = TimelineFilter(elements=(element_key(op.charge_id, "PHA1997-s2-E1"),))
        untagged = TimelineFilter(untagged=True)
        assert len(case.timeline_keys(f)) == 0
        everything = len(case.timeline_keys(untagged))
        assert case.timeline_keys(f) is case.timeline_keys(f)  # kept while nothing changes
        with case.read() as s:
            before = query.data_version(s)

        tag = TagItems((item["Answer me"], item["Still awake?"]), op.charge_id, "PHA1997-s2-E1")
        tag.apply(case)
        with case.read() as s:
            assert query.data_version(s) != before
        assert len(case.timeline_keys(f)) == 2
        assert case.timeline_count(f) == 2
        assert len(case.timeline_keys(untagged)) == everything - 2
        row = next(r for r in case.timeline_iter(f) if r.item_id == item["Still awake?"])
        assert case.timeline_position(f, row.ts_utc_us) == 1

        UntagItems((item["Answer me"],), op.charge_id, "PHA1997-s2-E1").apply(case)
        assert len(case.timeline_keys(f)) == 1
        tag.revert(case)
        assert len(case.timeline_keys(f)) == 0
        assert len(case.timeline_keys(untagged)) == everything
    finally:
        case.close()
