"""Proposing links between accounts from the identifiers two returns state."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.attribution.accounts import accounts
from app.attribution.model import IdentifierRef, LinkRow, LinkState, Strength
from app.attribution.propose import find_links, gap_text, propose, read_identifiers
from app.case import Case
from tests.core.attribution import toy


def _pair(links: list[LinkRow], a: str, b: str) -> LinkRow | None:
    want = tuple(sorted((a, b)))
    return next((lk for lk in links if (lk.account_a, lk.account_b) == want), None)


def test_two_fake_accounts_and_the_suspect_sharing_ip_and_port_are_linked(tmp_path: Path) -> None:
    with toy.build(tmp_path).case as case:
        links = propose(case)
    snap = _pair(links, toy.SUSPECT, toy.FAKE_SNAPCHAT)
    insta = _pair(links, toy.SUSPECT, toy.FAKE_INSTAGRAM)
    assert snap is not None
    assert insta is not None
    # Across two returns: the Snapchat fake logged in 1 min 50 s after the suspect.
    assert snap.strength == Strength.STRONG
    assert snap.state == LinkState.PROPOSED
    assert snap.basis == "Same IP address and port 203.0.113.7:40123, 1 min 50 s apart"
    match = snap.matches[0]
    assert match.signal == "ip-port"
    assert match.gap_us == 110_000_000
    assert {(r.account, r.value, r.port, r.raw) for r in match.refs} == {
        (toy.SUSPECT, toy.IP, toy.PORT, "203.0.113.7:40123"),
        (toy.FAKE_SNAPCHAT, toy.IP, toy.PORT, "203.0.113.7:40123"),
    }
    assert {r.source_name for r in snap.evidence} == {"meta-return.json", "snapchat-return.json"}
    assert all(r.record == "login" for r in snap.evidence)
    # Within one return too: the fake Instagram logged in 3 min 30 s after the suspect.
    assert insta.strength == Strength.STRONG
    assert insta.basis == "Same IP address and port 203.0.113.7:40123, 3 min 30 s apart"
    assert [r.source_name for r in insta.evidence] == ["meta-return.json"] * 2
    # Each link was stored, so its id is the same on the next run.
    assert snap.id is not None
    assert insta.id is not None
    with Case.open(tmp_path / "case") as case:
        again = propose(case)
        assert [(lk.id, lk.account_a, lk.account_b) for lk in again] == [
            (lk.id, lk.account_a, lk.account_b) for lk in links
        ]
        assert [r.action for r in case.audit_rows() if r.action.startswith("attribution")] == [
            "attribution.propose"
        ]


def test_a_login_two_hours_later_is_not_linked(tmp_path: Path) -> None:
    with toy.build(tmp_path).case as case:
        links = propose(case)
    # OTHER's only link is the weak one through another address; none to the three accounts
    # that used 203.0.113.7:40123 about two hours before it did.
    assert [lk.other(toy.OTHER) for lk in links if toy.OTHER in lk.accounts] == [toy.ODD_PORT]
    # A window of three hours does reach it.
    with Case.open(tmp_path / "case") as case:
        wide = propose(case, window_minutes=180)
    link = _pair(wide, toy.SUSPECT, toy.OTHER)
    assert link is not None
    assert link.basis.endswith("2 h 7 min apart")


def test_a_different_port_is_a_weak_link_that_says_why(tmp_path: Path) -> None:
    with toy.build(tmp_path).case as case:
        links = propose(case)
    odd = _pair(links, toy.OTHER, toy.ODD_PORT)
    assert odd is not None
    assert odd.strength == Strength.WEAK
    assert odd.matches[0].signal == "ip-other-port"
    assert odd.basis == (
        "Same IP address 198.51.100.20 1 min apart but different ports (1111 and 2222): "
        "on a shared address these may be two subscribers"
    )
    # Weak links come after the strong ones.
    assert [lk.strength for lk in links] == sorted(
        (lk.strength for lk in links), key=lambda s: s.rank
    )


def test_an_address_without_port_is_supporting_and_same_source_rows_need_two_accounts(
    tmp_path: Path,
) -> None:
    with toy.build(tmp_path, charge=False).case as case, case.read() as s:
        refs = read_identifiers(s)
    no_port = [
        r if r.account != toy.FAKE_SNAPCHAT or r.kind != "ip" else _without_port(r) for r in refs
    ]
    found = find_links(no_port)
    matches = found[tuple(sorted((toy.SUSPECT, toy.FAKE_SNAPCHAT)))]  # type: ignore[index]
    assert matches[0].signal == "ip"
    assert matches[0].strength == Strength.SUPPORTING
    assert "no port on one side" in matches[0].basis


def _without_port(r: IdentifierRef) -> IdentifierRef:
    return replace(r, port=None)


def test_shared_email_and_linked_account_statements_are_strong(tmp_path: Path) -> None:
    extra = [
        toy.subscriber(toy.SUSPECT, email="dan.hughes84@example.com"),
        {
            "record": "account",
            "text": "linked account",
            "time": "",
            "ids": [[toy.FAKE_INSTAGRAM, "linked-account", "facebook:555", "555", None, None]],
        },
    ]
    files = tmp_path / "more"
    files.mkdir()
    snap = toy.write_return(
        files,
        "google.json",
        [toy.subscriber("google:dan.hughes84@example.com", email="DAN.HUGHES84@example.com")],
    )
    meta = toy.write_return(files, "meta-extra.json", extra)
    from app.ingest.job import import_paths

    with toy.build(tmp_path, charge=False).case as case:
        import_paths(case, [snap, meta], registry=toy.REGISTRY)
        links = propose(case)
        rows = {a.key: a for a in accounts(case)}
    email = _pair(links, toy.SUSPECT, "google:dan.hughes84@example.com")
    assert email is not None
    assert email.strength == Strength.STRONG
    assert email.basis == "Same e-mail address: dan.hughes84@example.com"
    linked = _pair(links, toy.FAKE_INSTAGRAM, "facebook:555")
    assert linked is not None
    assert linked.strength == Strength.STRONG
    assert linked.basis == "meta-extra.json lists facebook:555 as linked to instagram:2002"
    assert rows["facebook:555"].stated_only
    assert rows[toy.SUSPECT].names == ("Daniel Hughes",)
    assert rows[toy.SUSPECT].usernames == ("dan.hughes84",)
    assert rows[toy.SUSPECT].logins == 1


def test_accounts_lists_each_account_with_what_identifies_it(tmp_path: Path) -> None:
    with toy.build(tmp_path, charge=False).case as case:
        rows = {a.key: a for a in accounts(case)}
    assert set(rows) == {
        toy.SUSPECT,
        toy.FAKE_INSTAGRAM,
        toy.FAKE_SNAPCHAT,
        toy.OTHER,
        toy.ODD_PORT,
    }
    snap = rows[toy.FAKE_SNAPCHAT]
    assert snap.platform == "snapchat"
    assert snap.emails == ("jess.r.92@example.net",)
    assert snap.sources == ("snapchat-return.json",)
    assert (snap.items, snap.logins) == (2, 1)
    assert rows[toy.OTHER].logins == 2
    assert rows[toy.SUSPECT].label == "dan.hughes84 (instagram:1001)"


def test_gaps_read_as_people_say_them() -> None:
    assert gap_text(40_000_000) == "40 s"
    assert gap_text(240_000_000) == "4 min"
    assert gap_text(210_000_000) == "3 min 30 s"
    assert gap_text(725_000_000) == "12 min"
    assert gap_text(2 * 3600_000_000 + 300_000_000) == "2 h 5 min"


def test_a_read_only_case_shows_links_without_storing_them(tmp_path: Path) -> None:
    toy.build(tmp_path).case.close()
    with Case.open(tmp_path / "case", readonly=True) as case:
        links = propose(case)
        assert links
        assert {lk.id for lk in links} == {None}
        assert not [r for r in case.audit_rows() if r.action.startswith("attribution")]
