"""Accepting, rejecting and attributing: audited, undoable, and visible in coverage."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.attribution.accounts import accounts, identity_coverage, persons
from app.attribution.model import LinkRow, LinkState
from app.attribution.ops import AcceptLink, AttributeAccount, RejectLink
from app.attribution.propose import propose
from app.errors import EvidenceError
from app.tagging.coverage import coverage
from app.tagging.ops import AddCharge
from app.tagging.store import tags
from tests.core.attribution import toy

GAP = "no evidence of identity (attribution)"


def _pair(links: list[LinkRow], a: str, b: str) -> LinkRow:
    want = tuple(sorted((a, b)))
    return next(lk for lk in links if (lk.account_a, lk.account_b) == want)


def _identity(case: object, charge_id: int) -> tuple[int, str]:
    row = next(r for r in coverage(case, charge_ids=[charge_id]).rows if r.element.identity)  # type: ignore[arg-type]
    return row.items, row.gap


def test_accepting_a_link_evidences_the_identity_element_and_undo_reverts(
    tmp_path: Path,
) -> None:
    built = toy.build(tmp_path)
    with built.case as case:
        link = _pair(propose(case), toy.SUSPECT, toy.FAKE_SNAPCHAT)
        assert link.id is not None
        assert _identity(case, built.charge_id) == (0, GAP)

        op = AcceptLink(link.id, note="same home broadband")
        op.apply(case)
        # The two login records (one per return) now evidence identity.
        assert _identity(case, built.charge_id) == (2, "")
        tagged = [t for t in tags(case, built.charge_id) if t.element_id == "PHA1997-s2-ID"]
        assert sorted(t.item_id for t in tagged) == list(link.item_ids)
        assert all(t.origin == "attribution" for t in tagged)
        assert "203.0.113.7:40123" in tagged[0].note
        now = _pair(propose(case), toy.SUSPECT, toy.FAKE_SNAPCHAT)
        assert now.state == LinkState.ACCEPTED
        assert now.note == "same home broadband"
        assert now.decided_by == case.user
        assert set(now.tag_ids) == set(op.tag_ids)
        actions = [r.action for r in case.audit_rows(limit=5)]
        assert actions[:2] == ["attribution.accept", "tag.add"]
        accepted = case.audit_rows(limit=1)[0].payload
        assert accepted["link_id"] == link.id
        assert accepted["items"] == list(link.item_ids)
        assert accepted["identifiers"] == list(link.evidence_ids)

        op.revert(case)
        assert _identity(case, built.charge_id) == (0, GAP)
        assert _pair(propose(case), toy.SUSPECT, toy.FAKE_SNAPCHAT).state == LinkState.PROPOSED

        # Redo makes the same tags again, with the same ids.
        first_ids = op.tag_ids
        op.apply(case)
        assert op.tag_ids == first_ids
        assert _identity(case, built.charge_id) == (2, "")


def test_accepting_twice_is_refused_and_a_charge_can_be_chosen(tmp_path: Path) -> None:
    built = toy.build(tmp_path)
    with built.case as case:
        other = AddCharge("CA2003-s127-1", date(2024, 3, 1), date(2024, 3, 31))
        other.apply(case)
        link = _pair(propose(case), toy.SUSPECT, toy.FAKE_INSTAGRAM)
        assert link.id is not None
        AcceptLink(link.id, charge_ids=(other.charge_id,)).apply(case)
        assert _identity(case, built.charge_id) == (0, GAP)
        assert _identity(case, other.charge_id) == (2, "")
        with pytest.raises(EvidenceError, match="accepted already"):
            AcceptLink(link.id).apply(case)
        fakes = _pair(propose(case), toy.FAKE_INSTAGRAM, toy.FAKE_SNAPCHAT)
        assert fakes.id is not None
        with pytest.raises(EvidenceError, match="no charge 99"):
            AcceptLink(fakes.id, charge_ids=(99,)).apply(case)
        assert _pair(propose(case), toy.FAKE_INSTAGRAM, toy.FAKE_SNAPCHAT).state == "proposed"


def test_a_rejected_link_is_remembered_and_not_proposed_again(tmp_path: Path) -> None:
    built = toy.build(tmp_path)
    with built.case as case:
        link = _pair(propose(case), toy.FAKE_INSTAGRAM, toy.FAKE_SNAPCHAT)
        assert link.id is not None
        op = RejectLink(link.id, note="different people on the same wifi")
        op.apply(case)
        again = propose(case)
        rejected = _pair(again, toy.FAKE_INSTAGRAM, toy.FAKE_SNAPCHAT)
        assert rejected.state == LinkState.REJECTED
        assert rejected.id == link.id
        assert rejected.note == "different people on the same wifi"
        # Rejected links come last, after every proposed one.
        assert again[-1].state == LinkState.REJECTED
        assert [lk for lk in again if lk.state == LinkState.PROPOSED and lk.id == link.id] == []
        op.revert(case)
        assert _pair(propose(case), toy.FAKE_INSTAGRAM, toy.FAKE_SNAPCHAT).state == "proposed"


def test_rejecting_an_accepted_link_removes_its_tags_and_undo_restores_them(
    tmp_path: Path,
) -> None:
    built = toy.build(tmp_path)
    with built.case as case:
        link = _pair(propose(case), toy.SUSPECT, toy.FAKE_SNAPCHAT)
        assert link.id is not None
        AcceptLink(link.id).apply(case)
        reject = RejectLink(link.id)
        reject.apply(case)
        assert _identity(case, built.charge_id) == (0, GAP)
        reject.revert(case)
        assert _identity(case, built.charge_id) == (2, "")
        assert _pair(propose(case), toy.SUSPECT, toy.FAKE_SNAPCHAT).state == "accepted"


def test_attributing_an_account_and_accepted_links_reach_the_person(tmp_path: Path) -> None:
    built = toy.build(tmp_path)
    with built.case as case:
        links = propose(case)
        attribute = AttributeAccount(toy.SUSPECT, person_name="Daniel Hughes")
        attribute.apply(case)
        # His subscriber record (name and username) evidences identity.
        assert _identity(case, built.charge_id) == (1, "")
        link = _pair(links, toy.SUSPECT, toy.FAKE_SNAPCHAT)
        assert link.id is not None
        AcceptLink(link.id).apply(case)
        rows = {a.key: a for a in accounts(case)}
        assert rows[toy.SUSPECT].person_name == "Daniel Hughes"
        assert rows[toy.SUSPECT].person_via == "attributed"
        assert rows[toy.FAKE_SNAPCHAT].person_name == "Daniel Hughes"
        assert rows[toy.FAKE_SNAPCHAT].person_via == f"link #{link.id}"
        assert rows[toy.FAKE_INSTAGRAM].person_id is None
        (dan,) = persons(case)
        assert dan.accounts == (
            (toy.SUSPECT, "attributed"),
            (toy.FAKE_SNAPCHAT, f"link #{link.id}"),
        )
        cover = {c.charge_id: c for c in identity_coverage(case)}
        assert cover[built.charge_id].items == 3

        attribute.revert(case)
        assert persons(case) == []  # the person it made is gone again
        assert {a.key: a for a in accounts(case)}[toy.FAKE_SNAPCHAT].person_id is None
        assert _identity(case, built.charge_id) == (2, "")
        attribute.apply(case)
        assert {p.name for p in persons(case)} == {"Daniel Hughes"}


def test_attributing_an_unknown_account_is_refused(tmp_path: Path) -> None:
    with toy.build(tmp_path).case as case, pytest.raises(EvidenceError, match="no account"):
        AttributeAccount("tiktok:nobody", person_name="X").apply(case)


def test_new_evidence_grows_a_proposed_link_and_is_counted_on_a_rejected_one(
    tmp_path: Path,
) -> None:
    built = toy.build(tmp_path)
    more = tmp_path / "later"
    more.mkdir()
    later = toy.write_return(
        more,
        "snapchat-later.json",
        [
            toy.login(toy.FAKE_SNAPCHAT, toy.IP, toy.PORT, "2024-03-09T21:04:00+00:00"),
        ],
    )
    from app.ingest.job import import_paths

    with built.case as case:
        first = propose(case)
        proposed = _pair(first, toy.SUSPECT, toy.FAKE_SNAPCHAT)
        rejected = _pair(first, toy.FAKE_INSTAGRAM, toy.FAKE_SNAPCHAT)
        assert rejected.id is not None
        RejectLink(rejected.id).apply(case)
        import_paths(case, [later], registry=toy.REGISTRY)
        second = propose(case)
        grown = _pair(second, toy.SUSPECT, toy.FAKE_SNAPCHAT)
        assert grown.id == proposed.id
        assert len(grown.evidence) == len(proposed.evidence) + 1
        assert grown.basis.startswith("Same IP address and port 203.0.113.7:40123 on 2 occasions")
        still = _pair(second, toy.FAKE_INSTAGRAM, toy.FAKE_SNAPCHAT)
        assert still.state == LinkState.REJECTED
        assert still.new_evidence == 1
        entry = next(r for r in case.audit_rows(limit=3) if r.action == "attribution.propose")
        assert proposed.id in entry.payload["updated"]
        assert rejected.id not in entry.payload["updated"]
