"""The demo's police material, read by the real importers: the suspect's own Instagram and two
fake accounts share an address and port within minutes, in two returns, and the identity
element stays a gap until the links are accepted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.attribution import demo_data as d
from app.attribution.accounts import accounts, identity_coverage
from app.attribution.model import LinkRow, Strength
from app.attribution.ops import AcceptLink
from app.attribution.propose import propose
from app.case import Case
from app.ingest.job import import_paths
from app.tagging.coverage import coverage
from app.tagging.ops import AddCharge
from app.timeline.query import TimelineFilter


def _pair(links: list[LinkRow], a: str, b: str) -> LinkRow:
    want = tuple(sorted((a, b)))
    return next(lk for lk in links if (lk.account_a, lk.account_b) == want)


def test_the_demo_returns_link_the_fakes_to_the_suspect(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    for name, make in d.demo_return_makers().items():
        (folder / name).write_bytes(make())
    with Case.create(tmp_path / "case", zone_name="Europe/London") as case:
        report = import_paths(case, [folder])
        assert {f.importer for f in report.files} == {"ufdr", "meta-records", "snapchat-return"}
        assert all(f.status == "imported" for f in report.files)
        threat = AddCharge("SOA2003-s66B-4", date(2024, 3, 4), date(2024, 3, 17))
        threat.apply(case)
        d.add_demo_attribution(case)

        # The UFDR's WhatsApp chat is in the timeline.
        rows = case.timeline_rows(case.timeline_ids(TimelineFilter(platforms=("ufdr",))))
        assert any(r.item_kind == "message" and r.text.startswith("where are you") for r in rows)

        links = propose(case)
        own_snap = _pair(links, d.OWN_ACCOUNT, d.FAKE_SNAPCHAT)
        own_insta = _pair(links, d.OWN_ACCOUNT, d.FAKE_INSTAGRAM)
        for link in (own_snap, own_insta):
            assert link.strength == Strength.STRONG
            assert link.matches[0].signal == "ip-port"
            assert {(r.value, r.port) for r in link.matches[0].refs} == {
                (d.SHARED_IP, d.SHARED_PORT)
            }
        assert own_snap.basis.startswith("Same IP address and port 203.0.113.45:50112, 1 min 50 s")
        assert own_insta.basis == "Same IP address and port 203.0.113.45:50112, 3 min 30 s apart"
        # The Snapchat account was also signed in on his phone.
        assert "Same device identifier" in own_snap.basis
        owner = {a.key: a for a in accounts(case)}[d.OWN_ACCOUNT]
        assert (owner.person_name, owner.person_via) == ("Daniel Hughes", "attributed")

        (identity,) = identity_coverage(case)
        assert identity.gap == "no evidence of identity (attribution)"
        assert own_snap.id is not None
        assert own_insta.id is not None
        AcceptLink(own_snap.id).apply(case)
        AcceptLink(own_insta.id).apply(case)
        (identity,) = identity_coverage(case)
        assert identity.covered
        tagged = set(own_snap.item_ids) | set(own_insta.item_ids)
        # Every evidence item is tagged: the two logins and the Snapchat message sharing the
        # address and port, and the phone's records of the two accounts signed in on it.
        row = next(r for r in coverage(case).rows if r.element.identity)
        assert {e.item_id for e in row.evidence} == tagged
        assert sorted(e.kind for e in row.evidence) == [
            "message",
            "record",
            "record",
            "record",
            "record",
        ]
        assert identity.items == len(tagged) == 5
        fakes = {a.key: a for a in accounts(case)}
        assert fakes[d.FAKE_SNAPCHAT].person_name == "Daniel Hughes"
        assert fakes[d.FAKE_INSTAGRAM].person_via == f"link #{own_insta.id}"
