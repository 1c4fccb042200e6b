"""The render client's page-image cache: its budget, the pages a view asked for last, and images reused for new pages."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

from caseview.core.render import RenderedPage
from caseview.ui.viewer.render_client import RenderClient

W, H = 200, 100  # 80,000 bytes an image
MB = 80_000


class _Painter:
    """Stands in for the render service: page N at any scale is a W×H image of one grey level, N."""

    def __init__(self):
        self.calls: list[tuple[int, float]] = []

    def render(self, path, page_index, scale, *, max_pixels=0, convert=None):
        self.calls.append((page_index + 1, scale))
        data = bytes([page_index + 1, page_index + 1, page_index + 1, 255]) * (W * H)
        return convert(RenderedPage(W, H, W * 4, "BGRA", data, scale))

    def page_sizes(self, path):
        return [(W, H)] * 50

    def start(self):
        pass

    def abort(self):
        pass

    def close(self):
        pass


@pytest.fixture
def client(qapp):
    c = RenderClient(_Painter(), cache_bytes=4 * MB, pool_bytes=2 * MB)
    yield c
    c.shutdown()


def _grey(img: QImage) -> int:
    return img.pixelColor(W // 2, H // 2).red()


def _show(qtbot, c: RenderClient, pages: list[int], channel: str = "view") -> None:
    c.request_pages("D1", "d.pdf", [(p, 1.0) for p in pages], channel=channel)
    qtbot.waitUntil(lambda: all(c.image("D1", p, 1.0) is not None for p in pages), timeout=5000)


def test_the_cache_stays_in_its_budget_and_drops_the_least_recently_used(qtbot, client):
    for p in range(1, 9):
        _show(qtbot, client, [p])
    assert client.cached_bytes() <= 4 * MB
    assert [p for p in range(1, 9) if client.image("D1", p, 1.0) is not None] == [5, 6, 7, 8]


def test_pages_a_view_asked_for_last_are_kept_past_the_budget(qtbot, client):
    # Six pages in view at once (e.g. 200% on a large screen): dropping any would have it asked for again, for ever.
    _show(qtbot, client, [1, 2, 3, 4, 5, 6])
    assert all(client.image("D1", p, 1.0) is not None for p in range(1, 7))
    assert client.cached_bytes() == 6 * MB
    # Once the view asks for other pages, the old ones go and the budget holds again.
    _show(qtbot, client, [7])
    assert client.cached_bytes() <= 4 * MB
    assert client.image("D1", 7, 1.0) is not None
    # Never more than twice the budget, whatever a view asks for.
    client.request_pages("D1", "d.pdf", [(p, 1.0) for p in range(10, 20)], channel="big")
    qtbot.waitUntil(lambda: client.pending() == 0 and client.image("D1", 19, 1.0) is not None, timeout=5000)
    assert 4 * MB < client.cached_bytes() <= 8 * MB


def test_an_image_dropped_from_the_cache_is_reused_for_a_new_page_with_its_own_pixels(qtbot, client):
    for p in range(1, 7):
        _show(qtbot, client, [p])
    made = client._pool.made
    _show(qtbot, client, [7])
    assert client._pool.reused >= 1 and client._pool.made == made
    assert _grey(client.image("D1", 7, 1.0)) == 7
    assert all(_grey(client.image("D1", p, 1.0)) == p for p in (4, 5, 6))


def test_a_reused_image_still_held_elsewhere_is_never_written_over(qtbot, client):
    _show(qtbot, client, [1])
    held = client.image("D1", 1, 1.0)  # e.g. a copy a widget kept
    for p in range(2, 9):
        _show(qtbot, client, [p])
    assert client.image("D1", 1, 1.0) is None  # dropped, and its image given to the pool
    assert _grey(held) == 1
    assert client._pool.reused >= 1  # the pool was used, just not the image still held
    assert all(_grey(client.image("D1", p, 1.0)) == p for p in range(5, 9))


def test_the_pool_keeps_at_most_its_bytes(qtbot, client):
    for p in range(1, 20):
        _show(qtbot, client, [p])
    assert client._pool.bytes <= 2 * MB
