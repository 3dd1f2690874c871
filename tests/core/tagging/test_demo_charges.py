"""The demo case's charges: a harassment and an intimate-image threat charge, both partly
evidenced, with visible gaps for the tagger and the coverage matrix to show."""

from __future__ import annotations

from app import demo
from app.case import Case
from app.tagging.coverage import coverage
from app.tagging.store import charges


def test_demo_has_two_partly_evidenced_charges() -> None:
    with Case.open(demo.ensure_demo_case(), readonly=True) as case:
        rows = charges(case)
        assert [c.offence.id for c in rows] == ["PHA1997-s2", "SOA2003-s66B-4"]
        assert all(
            (c.from_date, c.to_date) == (demo.DEMO_FIRST_DAY, demo.DEMO_LAST_DAY) for c in rows
        )
        assert all(c.warnings == () for c in rows)
        cov = coverage(case)
    by = {(r.charge.offence.id, r.element.id): r for r in cov.rows}
    conduct = by[("PHA1997-s2", "PHA1997-s2-E1")]
    assert conduct.items >= 6
    assert conduct.occasions >= 5
    assert not conduct.gap
    assert by[("PHA1997-s2", "PHA1997-s2-E3")].gap == "no evidence"
    assert by[("PHA1997-s2", "PHA1997-s2-ID")].items == 1
    assert (
        by[("SOA2003-s66B-4", "SOA2003-s66B-4-ID")].gap == "no evidence of identity (attribution)"
    )
    threat = by[("SOA2003-s66B-4", "SOA2003-s66B-4-E1")]
    assert demo.WHATSAPP_THREAT in [e.quote for e in threat.evidence]  # the span tag
    assert any(e.kind == "email" for e in threat.evidence)
    covered = {k for k, r in by.items() if not r.gap}
    gaps = {k for k, r in by.items() if r.gap}
    for offence in ("PHA1997-s2", "SOA2003-s66B-4"):
        assert any(k[0] == offence for k in covered)
        assert any(k[0] == offence for k in gaps)
    assert all(not e.outside for r in cov.rows for e in r.evidence)
