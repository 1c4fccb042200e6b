"""The render service: page images and character boxes from a worker that may crash, hang or bloat."""

from __future__ import annotations

import threading
import time

import pytest

from caseview.core.errors import CaseViewError
from caseview.core.extract import extract_pdfs
from caseview.core.render import SHARED_BYTES, RenderedPage, RenderError, RenderService
from tests.factory import make_pdf

A4_W, A4_H = 595.2756, 841.8898


@pytest.fixture(scope="module")
def service():
    with RenderService(timeout=20) as s:
        yield s


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    root = tmp_path_factory.mktemp("pdfs")
    good = root / "good.pdf"
    good.write_bytes(make_pdf(["Hello world\nSecond line of the note", "Page two says goodbye"]))
    damaged = root / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 2 0 R>>\nthis is not a pdf at all\n" * 3)
    truncated = root / "truncated.pdf"
    truncated.write_bytes(good.read_bytes()[:300])
    return {"good": good, "damaged": damaged, "truncated": truncated}


def _pixel(page: RenderedPage, x: int, y: int) -> tuple[int, int, int, int]:
    i = y * page.stride + x * 4
    return tuple(page.data[i:i + 4])


def test_page_sizes_are_in_points(service, pdfs):
    sizes = service.page_sizes(pdfs["good"])
    assert len(sizes) == 2
    for w, h in sizes:
        assert w == pytest.approx(A4_W, abs=0.01) and h == pytest.approx(A4_H, abs=0.01)


@pytest.mark.parametrize("scale", [0.2, 1.0, 2.0])
def test_render_size_follows_the_scale(service, pdfs, scale):
    page = service.render(pdfs["good"], 0, scale)
    assert page.format == "BGRA"
    assert page.width == pytest.approx(A4_W * scale, abs=1) and page.height == pytest.approx(A4_H * scale, abs=1)
    assert page.stride >= page.width * 4 and len(page.data) == page.stride * page.height
    assert _pixel(page, 2, 2) == (255, 255, 255, 255)  # an opaque white margin
    assert page.scale == scale


def test_pages_too_large_for_the_shared_block_come_through_the_pipe(service, pdfs):
    small, large = service.render(pdfs["good"], 0, 2.0), service.render(pdfs["good"], 0, 6.0)
    assert small.stride * small.height <= SHARED_BYTES < large.stride * large.height
    for page, scale in ((small, 2.0), (large, 6.0)):
        assert not page.shared and len(page.data) == page.stride * page.height
        assert page.width == pytest.approx(A4_W * scale, abs=1)
        assert _pixel(page, 2, 2) == (255, 255, 255, 255)
        # "Hello" starts at x=60, baseline y=800 from the bottom: ink in its first letter's box.
        assert any(_pixel(page, x, y)[0] < 128 for y in range(int(30 * scale), int(42 * scale))
                   for x in range(int(60 * scale), int(68 * scale)))


@pytest.mark.parametrize("scale", [2.0, 6.0])  # through the shared block, and through the pipe
def test_convert_sees_the_pixels_once_in_place(service, pdfs, scale):
    plain = service.render(pdfs["good"], 0, scale)
    seen = []

    def convert(page):
        seen.append((page.width, page.height, page.shared, type(page.data)))
        return bytes(page.data)  # the caller's one copy

    assert service.render(pdfs["good"], 0, scale, convert=convert) == plain.data
    assert seen == [(plain.width, plain.height, False, memoryview if scale == 2.0 else bytes)]


def test_closing_removes_the_shared_block(pdfs):
    s = RenderService(timeout=20)
    s.render(pdfs["good"], 0, 1.0)
    block = s._shared
    assert block is not None
    s.close()
    from multiprocessing import shared_memory

    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=block.name)


def test_max_pixels_caps_a_huge_request(service, pdfs):
    page = service.render(pdfs["good"], 0, 50.0, max_pixels=1_000_000)
    assert page.width * page.height <= 1_000_000
    assert page.scale < 50.0
    assert page.width == pytest.approx(A4_W * page.scale, abs=1)


def test_text_matches_what_extraction_stores(service, pdfs):
    stored = extract_pdfs([("d", pdfs["good"])])["d"].pages
    for i, text in enumerate(stored):
        layout = service.text_layout(pdfs["good"], i)
        assert layout.text == text
        assert len(layout.boxes) == len(layout.text)
    assert service.text_layout(pdfs["good"], 0).text.startswith("Hello world\nSecond line")


def test_char_boxes_sit_on_the_drawn_text(service, pdfs):
    layout = service.text_layout(pdfs["good"], 0)
    # make_pdf draws the first line at x=60, baseline y=800 (bottom-left origin), Helvetica 12.
    h = layout.boxes[0]
    assert 59 <= h[0] <= 62 and 840 - 800 - 12 <= h[1] < h[3] <= 842 - 800 + 1
    assert all(b[0] <= b[2] and b[1] <= b[3] for b in layout.boxes)
    xs = [layout.boxes[i][0] for i in range(len("Hello"))]
    assert xs == sorted(xs)  # left to right along the line
    second = layout.boxes[layout.text.index("Second")]
    assert second[1] == pytest.approx(h[1] + 14, abs=1.5)  # the next line, 14 pt lower
    # The pixels inside the boxes of "Hello" are ink; a box's width of empty page beside them is not.
    scale = 2.0
    page = service.render(pdfs["good"], 0, scale)
    x0 = min(layout.boxes[i][0] for i in range(5))
    x1 = max(layout.boxes[i][2] for i in range(5))
    y0 = min(layout.boxes[i][1] for i in range(5))
    y1 = max(layout.boxes[i][3] for i in range(5))

    def ink(ax0, ay0, ax1, ay1):
        return sum(1 for y in range(int(ay0 * scale), int(ay1 * scale))
                   for x in range(int(ax0 * scale), int(ax1 * scale)) if _pixel(page, x, y)[0] < 128)

    assert ink(x0, y0, x1, y1) > 50
    assert ink(x0, y0 - 20, x1, y0 - 2) == 0  # above the first line is blank


def test_a_damaged_pdf_raises_and_the_service_carries_on(service, pdfs):
    with pytest.raises(RenderError) as info:
        service.page_sizes(pdfs["damaged"])
    assert isinstance(info.value, CaseViewError)
    assert str(info.value).startswith("This document could not be displayed")
    assert str(info.value).endswith(".")
    assert len(service.page_sizes(pdfs["good"])) == 2
    assert service.render(pdfs["good"], 1, 0.5).width > 0


def test_a_truncated_pdf_is_displayed_or_refused_never_fatal(service, pdfs):
    try:
        sizes = service.page_sizes(pdfs["truncated"])
        for i in range(len(sizes)):
            service.render(pdfs["truncated"], i, 0.5)
    except RenderError:
        pass
    assert service.page_sizes(pdfs["good"])


def test_a_page_that_does_not_exist_is_an_error_for_that_page_only(service, pdfs):
    with pytest.raises(RenderError) as info:
        service.render(pdfs["good"], 7, 1.0)
    assert not info.value.fatal
    assert service.render(pdfs["good"], 0, 0.3).width > 0


def test_a_missing_file_is_a_sentence(service, tmp_path):
    with pytest.raises(RenderError, match="could not be displayed"):
        service.page_sizes(tmp_path / "nowhere.pdf")


def test_a_hanging_engine_is_killed_after_the_timeout_and_replaced(pdfs):
    with RenderService(timeout=1.0) as s:
        assert len(s.page_sizes(pdfs["good"])) == 2  # started
        t = time.monotonic()
        with pytest.raises(RenderError, match="stopped responding") as info:
            s._debug("hang")
        assert info.value.fatal
        assert time.monotonic() - t < 5
        assert s.render(pdfs["good"], 0, 0.5).width > 0


def test_a_crashing_engine_is_replaced(pdfs):
    with RenderService(timeout=10) as s:
        with pytest.raises(RenderError) as info:
            s._debug("crash")
        assert info.value.fatal
        assert s.restarts == 1
        assert len(s.page_sizes(pdfs["good"])) == 2


def test_an_engine_over_its_memory_limit_is_stopped(pdfs):
    with RenderService(memory_bytes=768 << 20, timeout=20) as s:
        with pytest.raises(RenderError, match="memory") as info:
            s._debug("bloat")
        assert info.value.fatal
        assert len(s.page_sizes(pdfs["good"])) == 2


def test_a_memory_limit_too_small_to_start_fails_cleanly(pdfs):
    with RenderService(memory_bytes=8 << 20, timeout=5, start_timeout=20) as s:
        for _ in range(2):
            with pytest.raises(RenderError):
                s.page_sizes(pdfs["good"])


def test_calls_from_several_threads_are_serialised(service, pdfs):
    results: dict[int, tuple[int, int]] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            p = service.render(pdfs["good"], i % 2, 0.25 + i * 0.05)
            results[i] = (p.width, p.height)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, (w, _h) in results.items():
        assert w == pytest.approx(A4_W * (0.25 + i * 0.05), abs=1)
