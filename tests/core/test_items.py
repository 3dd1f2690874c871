"""What the viewers read: item detail, conversation windows, pages, near-duplicates, pixels."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import items
from app.case import Case
from app.errors import EvidenceError, StoreError
from app.paths import user_data_dir
from tests.evidence import (
    ATTACHMENT_NAME,
    CHAT_NAME,
    EMAIL_NAME,
    EMAIL_SUBJECT,
    JPEG_NAME,
    OTHER_NAME,
    PDF_NAME,
    PNG_NAME,
    SELECTED_TEXT,
    TURNED_NAME,
    ZIP_PHOTO,
    ViewerCase,
    build_viewer_case,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> ViewerCase:
    return build_viewer_case(tmp_path_factory.mktemp("items"))


@pytest.fixture
def case(built: ViewerCase) -> Iterator[Case]:
    c = Case.open(built.folder, readonly=True)
    yield c
    c.close()


def _id(case: Case, predicate: str, value: str) -> int:
    """The id of the first timeline item whose field `predicate` equals `value`."""
    for row in case.timeline_iter():
        if getattr(row, predicate) == value:
            return row.item_id
    raise AssertionError(f"no item with {predicate} {value!r}")


def _by_source(case: Case, name: str) -> int:
    return _id(case, "source_name", name)


def test_detail_of_a_chat_message(case: Case) -> None:
    item_id = _id(case, "text", SELECTED_TEXT)
    d = items.item_detail(case, item_id)
    assert (d.kind, d.text, d.author, d.conversation, d.locator) == (
        "message",
        SELECTED_TEXT,
        "Bob",
        "Bob",
        "line 8",
    )
    assert [(e.kind, e.original, e.confidence, e.zone) for e in d.events] == [
        ("sent", "14/03/2024, 19:07", "assumed-zone", "Europe/London")
    ]
    assert d.first_event is not None
    assert d.first_event.ts_utc_us == 1_710_443_220_000_000  # 19:07 GMT is 19:07 UTC
    assert d.source.name == CHAT_NAME
    assert d.source.importer == "whatsapp"
    assert d.source.importer_version
    assert len(d.source.sha256) == 64
    assert d.source.parent_name == ""
    assert d.original is None  # the original is the whole chat, not this message
    assert d.blob_sha is None
    assert d.page_count == 0
    assert d.children == ()


def test_detail_of_an_email_and_its_attachment(case: Case) -> None:
    d = items.item_detail(case, _by_source(case, EMAIL_NAME))
    assert d.kind == "email"
    assert d.meta["subject"] == EMAIL_SUBJECT
    assert d.author == "Bob Example"
    assert set(d.recipients) == {"Alice Example", "carol@example.org"}
    assert "I know where you were." in d.text
    assert [(c.kind, c.name, c.mime) for c in d.children] == [
        ("image", ATTACHMENT_NAME, "image/png")
    ]
    child = d.children[0]
    assert len(child.sha256) == 64
    assert case.blobs.exists(child.sha256)
    attachment = items.item_detail(case, child.item_id)
    assert attachment.parent_id == d.item_id
    assert attachment.source.parent_name == EMAIL_NAME
    assert attachment.blob_sha == child.sha256
    assert attachment.original is not None
    assert attachment.original.present
    assert attachment.original.read()[:8] == b"\x89PNG\r\n\x1a\n"
    assert attachment.name == ATTACHMENT_NAME


def test_an_unknown_item_is_a_store_error(case: Case) -> None:
    with pytest.raises(StoreError, match="not in the case"):
        items.item_detail(case, 10_000)
    with pytest.raises(StoreError):
        items.conversation_context(case, 10_000)


def test_context_around_a_message(case: Case) -> None:
    selected = _id(case, "text", SELECTED_TEXT)
    rows = items.conversation_context(case, selected, before=5, after=5)
    assert len(rows) == 11
    assert rows[5].item_id == selected
    texts = [r.text for r in rows]
    assert texts[0] == "Are you there?"
    assert texts[-1] == "Leave me alone"
    stamps = [r.ts_utc_us or 0 for r in rows]
    assert stamps == sorted(stamps)
    by_text = {r.text.split(" <")[0]: r for r in rows}
    assert by_text["Please stop"].direction == "outgoing"  # Alice exported "Chat with Bob"
    assert by_text["Please stop"].sender == "Alice"
    assert by_text["Answer me"].direction == "incoming"
    assert by_text["This message was deleted"].deleted
    assert by_text["I saw you today"].edited
    assert not by_text["Answer me"].deleted
    assert not by_text["Answer me"].edited
    media = by_text["IMG-20240314-WA0002.jpg (file attached)"]
    assert media.attachments == ()
    assert media.missing == ("IMG-20240314-WA0002.jpg",)
    assert rows[5].original == "14/03/2024, 19:07"
    assert rows[5].confidence == "assumed-zone"


def test_context_at_the_ends_and_whole_conversation(case: Case) -> None:
    first = _id(case, "text", "Hi Alice")
    last = _id(case, "text", "Last one")
    around_first = items.conversation_context(case, first, 5, 5)
    assert [r.item_id for r in around_first][:1] == [first]
    assert len(around_first) == 6
    assert len(items.conversation_context(case, last, 5, 5)) == 6
    assert len(items.conversation_context(case, last, 0, 0)) == 1
    whole = items.conversation_all(case, last)
    assert len(whole) == 14
    assert whole[0].item_id == first
    assert items.conversation_size(case, last) == 14


def test_the_exact_scan_agrees_with_the_time_walk(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When other sources crowd the timeline past the walk's budget, the exact plan runs."""
    first = _id(case, "text", "Hi Alice")
    last = _id(case, "text", "Last one")
    middle = _id(case, "text", SELECTED_TEXT)
    expected = {i: items.conversation_context(case, i, 3, 3) for i in (first, middle, last)}
    monkeypatch.setattr(items, "_WALK_BUDGET", 1)
    monkeypatch.setattr(items, "_WALK_PER_MESSAGE", 1)
    for item_id, rows in expected.items():
        assert items.conversation_context(case, item_id, 3, 3) == rows


def test_attachment_in_a_chat_export_with_media(case: Case) -> None:
    carrier = _id(case, "text", f"{ZIP_PHOTO} (file attached)")
    rows = items.conversation_context(case, carrier)
    assert [r.sender for r in rows] == ["Carol", "Carol", "Dave"]
    message = rows[1]
    assert [(a.kind, a.name) for a in message.attachments] == [("image", ZIP_PHOTO)]
    assert message.missing == ()
    thumb = message.attachments[0].thumbnail
    assert thumb is not None
    assert max(_size(thumb)) <= items.THUMB_SIZE
    # Kept, named by the original's hash and the size: a read-only case's in the user's
    # own data folder (the case itself is never written to).
    sha = message.attachments[0].sha256
    assert case.readonly
    assert (user_data_dir() / "thumbnails" / f"{sha}_{items.THUMB_SIZE}.jpg").read_bytes() == thumb
    # Without thumbnails the call makes none.
    plain = items.conversation_context(case, carrier, thumbnails=False)
    assert plain[1].attachments[0].thumbnail is None


def _size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return im.size


def test_pages_of_a_pdf(case: Case) -> None:
    item_id = _by_source(case, PDF_NAME)
    d = items.item_detail(case, item_id)
    assert d.kind == "document"
    assert d.page_count == 2
    assert d.original is not None
    assert d.original.read()[:5] == b"%PDF-"
    assert d.original.path is not None  # a plain case keeps a plaintext file to open by name
    all_pages = items.pages(case, item_id)
    assert [p.number for p in all_pages] == [1, 2]
    second = items.page(case, item_id, 2)
    assert second is not None
    assert (second.width, second.height, second.origin) == (595.0, 842.0, "text")
    assert not second.is_ocr
    assert "Second page" in second.text
    words = [w.text for w in second.words]
    assert words[:3] == ["Second", "page:", "signed"]
    box = second.words[0]
    assert 60 < box.x0 < box.x1 < 200
    assert 80 < box.y0 < box.y1 < 110
    assert items.page(case, item_id, 3) is None


def test_near_duplicates_find_the_recompressed_copy(case: Case) -> None:
    png = _by_source(case, PNG_NAME)
    jpeg = _by_source(case, JPEG_NAME)
    other = _by_source(case, OTHER_NAME)
    assert items.near_duplicates(case, png) == [jpeg]
    assert items.near_duplicates(case, jpeg) == [png]
    assert items.near_duplicates(case, other) == []
    assert items.near_duplicates(case, _id(case, "text", SELECTED_TEXT)) == []  # no hash
    refs = items.item_refs(case, [jpeg])
    assert refs[0].name == JPEG_NAME
    assert refs[0].thumbnail is not None


def test_pixels_are_turned_upright(case: Case) -> None:
    d = items.item_detail(case, _by_source(case, TURNED_NAME))
    assert d.original is not None
    assert d.meta["orientation"] == 6
    assert d.meta["sensitive"]["gps"]["lat"] == pytest.approx(51.51)
    px = items.original_pixels(d.original)
    assert (px.width, px.height, px.mode) == (100, 200, "RGB")
    assert (px.full_width, px.full_height) == (100, 200)
    top = px.data[: 3 * 1]
    blue = top[2] > 150 and top[0] < 100
    assert blue, top  # the blue left half of the file is the top once turned
    with d.original.open() as fh:
        small = items.load_pixels(fh, max_side=50)
    assert (small.width, small.height) == (25, 50)


def test_unreadable_pixels_are_an_evidence_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(EvidenceError, match="cannot be read"):
        items.load_pixels(bad)


def test_viewer_data_by_kind(case: Case) -> None:
    chat = items.viewer_data(case, _id(case, "text", SELECTED_TEXT), before=2, after=2)
    assert len(chat.messages) == 5
    assert chat.conversation_size == 14
    assert chat.pages == ()
    pdf = items.viewer_data(case, _by_source(case, PDF_NAME))
    assert len(pdf.pages) == 2
    assert pdf.messages == ()
    image = items.viewer_data(case, _by_source(case, PNG_NAME))
    assert [r.name for r in image.duplicates] == [JPEG_NAME]
    email = items.viewer_data(case, _by_source(case, EMAIL_NAME))
    assert email.detail.children[0].name == ATTACHMENT_NAME
