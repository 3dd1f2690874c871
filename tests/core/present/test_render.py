"""Rendering steps: only the set's approved redactions, unreviewed ones refuse, whole items
withheld, messages with their context, PDF pages zoomed, and a cache that never goes stale."""

from __future__ import annotations

import io

import pymupdf
import pytest
from PIL import Image

from app.items import item_detail
from app.present.model import PresentationRow, StepRow
from app.present.ops import CreatePresentation, EditStep
from app.present.render import Refused, Slide, format_time, render_step
from app.present.store import presentation
from app.redaction.model import RedactionDraft, RedactionKind, RedactionState
from app.redaction.ops import ReviewRedactions
from tests.core.present.conftest import Built, region, span
from tests.core.redaction.gen_case import PHONE

BOX = (20.0, 10.0, 120.0, 50.0)


def _present(b: Built, *items: int, set_name: str = "court") -> PresentationRow:
    op = CreatePresentation(f"P{len(items)}-{items[0]}-{set_name}", set_name, items)
    op.apply(b.case)
    assert op.id is not None
    return presentation(b.case, op.id)


def _render(b: Built, item: int, **kw: object) -> Slide:
    p = _present(b, item)
    return render_step(b.case, p, p.steps[0], **kw)  # type: ignore[arg-type]


def _pixels(slide: Slide) -> Image.Image:
    assert slide.png is not None
    im = Image.open(io.BytesIO(slide.png))
    im.load()
    assert (im.width, im.height) == (slide.width, slide.height)
    return im.convert("RGB")


def test_an_image_slide_is_black_inside_an_approved_box(built: Built) -> None:
    b = built
    b.approve(region(b.ids.image, BOX))
    b.approve(region(b.ids.image, (150, 10, 230, 70)), set_name="other set")  # not this set
    slide = _render(b, b.ids.image)
    assert slide.kind == "image"
    assert slide.protective == ""
    im = _pixels(slide)
    assert im.size == (240, 80)
    for x in range(21, 119, 7):
        for y in range(11, 49, 5):
            r, g, bl = im.getpixel((x, y))  # type: ignore[misc]
            assert max(r, g, bl) < 250  # no light original pixel survives in the box...
    assert im.getpixel((22, 12)) == (0, 0, 0)  # ...black, save the white reason label
    assert im.getpixel((200, 40)) == (250, 250, 250)  # the other set's box is not applied


def test_a_region_of_an_image_is_cropped_and_enlarged(built: Built) -> None:
    b = built
    b.approve(region(b.ids.image, BOX))
    p = _present(b, b.ids.image)
    EditStep(p.steps[0].id, region=(0, 0, 120, 60)).apply(b.case)
    p = presentation(b.case, p.id)
    slide = render_step(b.case, p, p.steps[0], max_px=600)
    im = _pixels(slide)
    assert im.size == (600, 300)
    assert im.getpixel((110, 55)) == (0, 0, 0)  # (22, 11) in the original: inside the box


def test_a_message_slide_applies_redactions_to_the_message_and_its_context(built: Built) -> None:
    b = built
    ring, hi = b.message("Ring"), b.message("Hi")
    at = "Ring me on ".__len__()
    b.approve(span(ring, at, at + len(PHONE)), span(hi, 3, 8, reason="TP"))
    slide = _render(b, b.message("John"))
    assert slide.kind == "message"
    texts = [m.text for m in slide.messages]
    assert texts == [
        "Hi [REDACTED — TP]",
        "Ring me on [REDACTED — VC] tonight",
        "John Smith knows where I live",
    ]
    assert [m.context for m in slide.messages] == [True, True, False]
    assert all(PHONE not in m.text and "Alice" not in m.text for m in slide.messages)
    assert slide.messages[-1].author == "Alice"
    assert slide.footer.source == "WhatsApp message"
    assert "(Europe/London)" in slide.footer.time
    assert "GMT" in slide.footer.time
    assert slide.footer.exhibit == "Not exhibited"
    assert "Bob" not in slide.footer.text
    assert ".txt" not in slide.footer.text


def test_an_unreviewed_redaction_refuses_and_says_how_many(built: Built) -> None:
    b = built
    ring = b.message("Ring")
    b.propose(span(ring, 0, 4), span(ring, 5, 7))
    p = _present(b, ring)
    with pytest.raises(Refused, match="2 proposed redactions in the 'court' set"):
        render_step(b.case, p, p.steps[0])
    # Approving them lets it through (the cache does not keep the refusal).
    from app.redaction.store import list_redactions

    ids = tuple(r.id for r in list_redactions(b.case, "court", [ring]))
    ReviewRedactions(ids, RedactionState.APPROVED).apply(b.case)
    slide = render_step(b.case, p, p.steps[0])
    assert slide.messages[-1].text.startswith("[REDACTED — VC] [REDACTED — VC]")


def test_unreviewed_redactions_of_a_context_message_hide_only_that_message(built: Built) -> None:
    b = built
    b.propose(span(b.message("Ring"), 0, 4))
    slide = _render(b, b.message("John"))
    ring = next(m for m in slide.messages if m.item_id == b.message("Ring"))
    assert ring.text == "(not shown: 1 redaction awaiting review)"
    assert PHONE not in ring.text


def test_a_redaction_added_after_a_render_is_applied_next_time(built: Built) -> None:
    b = built
    p = _present(b, b.ids.image)
    first = render_step(b.case, p, p.steps[0])
    assert render_step(b.case, p, p.steps[0]) is first  # cached
    b.approve(region(b.ids.image, BOX))
    im = _pixels(render_step(b.case, p, p.steps[0]))
    assert im.getpixel((22, 12)) == (0, 0, 0)


def test_a_whole_item_redaction_gives_a_withheld_slide(built: Built) -> None:
    b = built
    b.approve(RedactionDraft(b.ids.image, RedactionKind.ITEM, "INTIMATE"))
    slide = _render(b, b.ids.image)
    assert slide.kind == "withheld"
    assert slide.png is None
    assert slide.withheld == "INTIMATE"
    assert slide.text == "[REDACTED — INTIMATE]"


def test_a_missing_set_refuses(built: Built) -> None:
    p = _present(built, built.ids.image, set_name="jury")
    with pytest.raises(Refused, match="no redaction set 'jury'"):
        render_step(built.case, p, p.steps[0])


def test_a_pdf_page_is_redacted_and_zoomed_to_its_region(built: Built) -> None:
    b = built
    box = (70.0, 105.0, 300.0, 125.0)  # over the second line (the phone number)
    b.approve(region(b.ids.pdf, box))
    p = _present(b, b.ids.pdf)
    slide = render_step(b.case, p, p.steps[0], max_px=842)
    assert slide.kind == "page"
    assert (slide.page, slide.page_count) == (1, 1)
    assert (slide.width, slide.height) == (595, 842)  # 1 px per point
    im = _pixels(slide)
    assert im.getpixel((72, 108)) == (0, 0, 0)
    assert im.getpixel((290, 122)) == (0, 0, 0)
    EditStep(p.steps[0].id, region=(60, 80, 360, 180)).apply(b.case)
    p = presentation(b.case, p.id)
    zoomed = render_step(b.case, p, p.steps[0], max_px=900)
    assert (zoomed.width, zoomed.height) == (900, 300)
    # (72, 108) on the page is (36, 84) in the region, times 3.
    assert _pixels(zoomed).getpixel((36 * 3 + 2, 28 * 3 + 2)) == (0, 0, 0)


def test_a_pdf_page_slide_has_no_text_under_the_box(built: Built) -> None:
    b = built
    b.approve(region(b.ids.pdf, (70.0, 85.0, 400.0, 125.0)))
    slide = _render(b, b.ids.pdf)
    assert slide.png is not None
    # The page image is pixels only; check the redacted PDF it was drawn from too.
    from app.present.render import redacted_pdf
    from app.redaction.store import list_redactions

    blob = item_detail(b.case, b.ids.pdf).original
    assert blob is not None
    data = redacted_pdf(b.case, "court", b.ids.pdf, blob, list_redactions(b.case, "court"))
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        text = doc[0].get_text()
    assert PHONE not in text
    assert "Statement of Alice" not in text
    assert "she named" in text


def test_an_email_slide_redacts_headers_and_body(built: Built) -> None:
    b = built
    with b.case.read() as s:
        from app.store.schema import Item

        item = s.get(Item, b.ids.email)
        assert item is not None
        headers = item.meta["headers"]
        assert isinstance(headers, dict)
        body, subject = item.text, headers["Subject"]
    at = body.index(PHONE)
    b.approve(
        span(b.ids.email, at, at + len(PHONE)),
        span(b.ids.email, 9, 22, reason="ADDR", target="header:Subject"),
    )
    slide = _render(b, b.ids.email)
    assert slide.kind == "text"
    assert subject == "Visit to Acacia Avenue"
    assert dict(slide.fields)["Subject"] == "Visit to [REDACTED — ADDR]"
    assert slide.title == "Visit to [REDACTED — ADDR]"
    assert PHONE not in slide.text
    assert "[REDACTED — VC]" in slide.text


def test_times_name_their_zone() -> None:
    summer = 1_720_000_000_000_000  # 2024-07-03 09:46:40 UTC
    assert format_time(summer, "Europe/London") == ("Wed 03 Jul 2024, 10:46:40 BST (Europe/London)")
    assert format_time(None, "Europe/London") == "undated"
    assert format_time(summer, "UTC", "file-time").endswith("time from file time")


def test_a_step_outside_the_document_is_an_error(built: Built) -> None:
    p = _present(built, built.ids.pdf)
    bad = StepRow(p.steps[0].id, 1, built.ids.pdf, 4, None, "")
    with pytest.raises(Exception, match="has 1 page"):
        render_step(built.case, p, bad)
