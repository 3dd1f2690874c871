"""The demo's court presentation: every step renders through "court", the album is intimate."""

from __future__ import annotations

from app.case import Case
from app.demo import ensure_demo_case
from app.present.demo_data import NAME
from app.present.render import render_step
from app.present.store import presentation
from app.protect import protective_marks


def test_the_demo_presentation_renders_every_step_redacted() -> None:
    with Case.open(ensure_demo_case(), readonly=True) as case:
        p = presentation(case, NAME)
        assert p.set_name == "court"
        kinds = [s.item_kind for s in p.steps]
        assert kinds == ["message", "message", "message", "email", "image", "document"]
        assert all(s.note for s in p.steps)
        slides = [render_step(case, p, s, max_px=800) for s in p.steps]  # none refused
        album = slides[4]
        assert album.kind == "image"
        assert album.protective == "intimate"
        assert protective_marks(case, [album.item_id])[album.item_id].state == "marked"
        report = slides[5]
        assert report.kind == "page"
        assert p.steps[5].region is not None
        assert all("+44 7700 900123" not in m.text for s in slides for m in s.messages)
        # The footer names the officer's exhibit; the crime report is not an exhibit.
        assert [s.footer.exhibit for s in slides] == [
            "LB/1",
            "LB/1",
            "LB/1",
            "LB/6",
            "LB/6/1",
            "Not exhibited",
        ]
