"""The demo case carries a few proposed and approved redactions in "defence disclosure"."""

from __future__ import annotations

from app import demo
from app.case import Case
from app.redaction import store
from app.redaction.model import RedactionKind, RedactionState


def test_demo_case_has_search_pii_and_drawn_redactions() -> None:
    with Case.open(demo.ensure_demo_case(), readonly=True) as case:
        rows = store.list_redactions(case, store.DEFAULT_SET)
        sets = {s.name: s for s in store.list_sets(case)}
    # (The demo's "court" set, approved copies for its presentation, is app/present's.)
    assert sets[store.DEFAULT_SET].counts == {"proposed": 3, "approved": 2}
    by = {(r.origin, r.reason): r for r in rows}
    # The victim's postcode found by search in a message (proposed).
    postcode = [r for r in rows if r.quote == demo.DEMO_POSTCODE]
    assert {r.kind for r in postcode} >= {RedactionKind.SPAN}
    assert all(r.state == RedactionState.PROPOSED and r.reason == "ADDR" for r in postcode)
    # Her phone number found by the PII finder on the police report (approved); not his.
    phone = by["pii:phone", "VC"]
    assert phone.quote == "07700 900123"
    assert (phone.kind, phone.page, phone.state) == (
        RedactionKind.REGION,
        1,
        RedactionState.APPROVED,
    )
    assert not any("900456" in r.quote for r in rows)
    # A box over her date of birth on the report, and one on the photo album attached.
    dob = by["manual", "PII"]
    assert (dob.quote, dob.state) == ("14/06/1994", RedactionState.APPROVED)
    album = by["manual", "INTIMATE"]
    assert (album.kind, album.page, album.state) == (
        RedactionKind.REGION,
        1,
        RedactionState.PROPOSED,
    )
    assert album.box == (18.0, 80.0, 346.0, 416.0)
