"""The demo's own exhibits (LB/1 to LB/7, as the officer's statement lists them) in a pack."""

from __future__ import annotations

from pathlib import Path

from app.case import Case
from app.export.exhibits import exhibits
from app.export.plan import PackOptions, plan_pack
from tests.core.export.conftest import copy_case


def test_the_demo_plan_uses_the_officers_exhibits(built_demo: Path, tmp_path: Path) -> None:
    with Case.open(copy_case(built_demo, tmp_path / built_demo.name)) as case:
        refs = [e.ref for e in exhibits(case)]
        plan = plan_pack(case, PackOptions(everything=True))
    assert refs == ["LB/1", "LB/2", "LB/3", "LB/4", "LB/5", "LB/6", "LB/6/1", "LB/7"]
    by_ref = {e.exhibit_ref: e for e in plan.entries}
    assert by_ref["LB/1"].kind == "conversation"
    assert by_ref["LB/1"].description == "WhatsApp conversation, exported 18/03/2024"
    assert by_ref["LB/6/1"].kind == "image"
    # Material the statement does not exhibit (the crime report) gets a provisional reference.
    provisional = [e for e in plan.entries if e.provisional]
    assert provisional
    assert all(e.exhibit_ref.startswith("LB/") for e in provisional)
    assert all(int(e.exhibit_ref.split("/")[1]) > 7 for e in provisional)
