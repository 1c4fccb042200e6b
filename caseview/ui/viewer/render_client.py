"""The viewer's way to the render service: one background thread, coalesced requests and an image cache.

The GUI thread never waits for PDFium. Widgets ask for what they can see now
(``request_pages`` replaces that widget's earlier wishes, so pages scrolled past
are dropped before they are rendered) and are told when an image arrives. The
thread serves the most urgent channel first and, among equals, the one asked
most recently. ``warm_up()`` starts the render worker ahead of the first
request (the review window calls it when a case starts loading).
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot
from PySide6.QtGui import QImage, QImageReader

from ...core.errors import CaseViewError
from ...core.malloc import M_MMAP_THRESHOLD, mallopt
from ...core.render import PageText, RenderError, RenderService

# Channel priorities: lower is served first.
SIZES, VIEW, TEXT, THUMBS, BACKGROUND = 0, 1, 2, 3, 4
IMAGE_PIXELS_LIMIT = 120_000_000


def scale_key(scale: float) -> float:
    """Scales are compared to 1/1000: 1.3333 and 1.33331 are the same render."""
    return round(float(scale), 3)


@dataclass
class _Channel:
    priority: int
    jobs: list[tuple] = field(default_factory=list)
    stamp: float = 0.0


class _Thread(QThread):
    """Runs jobs from the client's channels; results go back through queued signals."""

    rendered = Signal(str, int, float, QImage)
    failed = Signal(str, int, str, bool)  # doc, page (0 = the document), message, fatal
    sized = Signal(str, object)
    texted = Signal(str, int, object)

    def __init__(self, client: RenderClient):
        super().__init__()
        self.client = client

    def run(self) -> None:
        c = self.client
        while True:
            with c._cond:
                job = c._next_job()
                while job is None and not c._stopping and not c._warm:
                    c._cond.wait()
                    job = c._next_job()
                if c._stopping:
                    return
                warm, c._warm = c._warm and job is None, False
                c._busy = job
            if warm:
                self._start_worker()
                continue
            try:
                self._do(job)
            except CaseViewError as exc:
                self._fail(job, str(exc), bool(getattr(exc, "fatal", False)))
            except Exception as exc:  # a bug here must not end the thread that serves every viewer
                self._fail(job, f"This page could not be displayed ({type(exc).__name__}).", False)
            finally:
                with c._cond:
                    c._busy = None

    def _start_worker(self) -> None:
        start = getattr(self.client.service, "start", None)
        if start is not None:
            try:
                start()
            except Exception:  # the first request meets the same failure and reports it
                pass

    def _fail(self, job: tuple, message: str, fatal: bool) -> None:
        kind, doc_id = job[0], job[1]
        page = job[3] if kind in ("render", "text") else 0
        self.failed.emit(doc_id, page, message, fatal or kind in ("sizes", "image"))

    def _do(self, job: tuple) -> None:
        kind, doc_id, path = job[0], job[1], job[2]
        service = self.client.service
        if kind == "sizes":
            self.sized.emit(doc_id, service.page_sizes(path))
        elif kind == "render":
            page, scale = job[3], job[4]
            image = service.render(path, page - 1, scale, max_pixels=self.client.max_pixels,
                                   convert=self.client._pool.image_of)
            self.rendered.emit(doc_id, page, scale, image)
        elif kind == "text":
            self.texted.emit(doc_id, job[3], service.text_layout(path, job[3] - 1))
        elif kind == "image":
            self.rendered.emit(doc_id, 1, 0.0, _load_image(path))


class _ImagePool:
    """Page images dropped from the cache, kept for the next render of the same size to be copied into.

    A new 14 MB image (an A4 page at 200%) costs about 12 ms of page faults on these machines
    before its pixels are in; copying into one already in memory takes about 1 ms. Without
    the pool, that reuse came from the C heap, which kept every freed image (see
    _page_images_leave_when_freed). Here at most ``max_bytes`` are kept, the newest.
    Used from the render thread (take) and the GUI thread (give).
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._free: list[QImage] = []
        self._bytes = 0
        self.reused = self.made = 0  # for tests and the benchmark

    @property
    def bytes(self) -> int:
        return self._bytes

    def give(self, image: QImage) -> None:
        """Keep ``image`` for reuse; the caller must hold the only Python reference to it (see RenderClient._drop)."""
        size = image.sizeInBytes()
        if size > self.max_bytes or image.format() != QImage.Format.Format_ARGB32_Premultiplied:
            return
        with self._lock:
            self._free.append(image)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._bytes -= self._free.pop(0).sizeInBytes()

    def _take(self, width: int, height: int) -> QImage | None:
        with self._lock:
            for i in range(len(self._free) - 1, -1, -1):
                img = self._free[i]
                if img.width() == width and img.height() == height:
                    del self._free[i]
                    self._bytes -= img.sizeInBytes()
                    return img
        return None

    def image_of(self, r) -> QImage:
        """The rendered pixels as the viewer's own image: one copy, straight from the render service's buffer."""
        n = r.stride * r.height
        img = self._take(r.width, r.height)
        if img is not None and img.bytesPerLine() == r.stride:
            bits = img.bits()  # were the pixels still shared with another QImage, this copies them first
            bits[:n] = memoryview(r.data)[:n]
            bits.release()
            self.reused += 1
            return img
        self.made += 1
        return QImage(r.data, r.width, r.height, r.stride, QImage.Format.Format_ARGB32_Premultiplied).copy()


_MALLOC_SET = False


def _page_images_leave_when_freed() -> None:
    """Ask glibc to give every block of 1 MiB or more its own mapping, unmapped when it is freed.

    Page images are 3.6 MB (100%) to 14 MB (200%). By default glibc raises its mmap
    threshold to the largest block freed so far (up to 32 MB), so once the first 200%
    image had been dropped the later ones came from the heap, where freed images stayed
    in the process: 60 page jumps at 100% and 200% peaked at 588 MiB for the app, 404
    MiB with this alone (same 192 MB cache; bench viewer-render, same machine). Elsewhere
    (Windows, macOS, musl) nothing is done.
    """
    global _MALLOC_SET
    if _MALLOC_SET:
        return
    _MALLOC_SET = True
    mallopt((M_MMAP_THRESHOLD, 1 << 20))  # setting it also stops glibc moving it


def _load_image(path: str) -> QImage:
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and size.width() * size.height() > IMAGE_PIXELS_LIMIT:
        raise RenderError("This image could not be displayed: it is larger than CaseView allows.", fatal=True)
    image = reader.read()
    if image.isNull():
        raise RenderError(f"This image could not be displayed: {reader.errorString().rstrip('.').lower()}.",
                          fatal=True)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


class RenderClient(QObject):
    """Owns a :class:`RenderService` on its own thread; caches page images and text layouts.

    Pages are numbered from 1 in this API. Image files (PNG, JPEG) are decoded on
    the same thread and arrive as page 1 at scale 0.
    """

    pageReady = Signal(str, int, float, QImage)  # doc_id, page, scale, image
    pageFailed = Signal(str, int, str)  # doc_id, page, sentence
    documentFailed = Signal(str, str)  # doc_id, sentence: the engine crashed, hung or cannot open it
    sizesReady = Signal(str, list)  # doc_id, [(width_pt, height_pt)] per page
    textReady = Signal(str, int, object)  # doc_id, page, PageText

    # 64 MB holds ~18 A4 pages at 100% (3.6 MB) or 4 at 200% (14 MB): more than a view shows,
    # and the pages a view asked for last are kept even past it (see _evict); the pool keeps up
    # to 32 MB of dropped images to render into. With 192 MB, no pool and glibc keeping freed
    # images, reading peaked at 563-598 MiB (app + worker); now 373-383 MiB (bench viewer-render).
    def __init__(self, service: RenderService | None = None, *, cache_bytes: int = 64 << 20,
                 pool_bytes: int = 32 << 20, max_pixels: int = 40_000_000, parent: QObject | None = None):
        super().__init__(parent)
        _page_images_leave_when_freed()
        self.service = service or RenderService()
        self.cache_bytes = cache_bytes
        self._pool = _ImagePool(pool_bytes)
        self.max_pixels = max_pixels
        self._cond = threading.Condition()
        self._channels: dict[str, _Channel] = {}
        self._busy: tuple | None = None
        self._stopping = False
        self._warm = False  # warm_up() asked for the worker to be started ahead of the first request
        self._images: OrderedDict[tuple[str, int, float], QImage] = OrderedDict()
        self._scales: dict[tuple[str, int], set[float]] = {}
        self._image_bytes = 0
        self._pinned: dict[str, set[tuple[str, int, float]]] = {}  # channel -> the pages it asked for last
        self._texts: OrderedDict[tuple[str, int], PageText] = OrderedDict()
        self._sizes: dict[str, list[tuple[float, float]]] = {}
        self._failed_docs: dict[str, str] = {}
        self._failed_pages: dict[tuple[str, int], str] = {}
        self._thread = _Thread(self)
        self._thread.rendered.connect(self._on_rendered)
        self._thread.failed.connect(self._on_failed)
        self._thread.sized.connect(self._on_sized)
        self._thread.texted.connect(self._on_texted)
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- what is known already (GUI thread, never blocks) -----------------------------------

    def sizes(self, doc_id: str) -> list[tuple[float, float]] | None:
        return self._sizes.get(doc_id)

    def image(self, doc_id: str, page: int, scale: float) -> QImage | None:
        key = (doc_id, page, scale_key(scale))
        img = self._images.get(key)
        if img is not None:
            self._images.move_to_end(key)
        return img

    def best_image(self, doc_id: str, page: int, scale: float) -> tuple[QImage, float] | None:
        """The cached image of the page nearest to ``scale`` (preferring sharper ones), or None."""
        scales = self._scales.get((doc_id, page))
        if not scales:
            return None
        want = scale_key(scale)
        best = min(scales, key=lambda s: (abs(s - want) if s >= want else 2 * (want - s)) if s > 0 else 0)
        key = (doc_id, page, best)
        self._images.move_to_end(key)
        return self._images[key], best

    def text(self, doc_id: str, page: int) -> PageText | None:
        t = self._texts.get((doc_id, page))
        if t is not None:
            self._texts.move_to_end((doc_id, page))
        return t

    def cached_bytes(self) -> int:
        """The bytes of the page images held (for tests and the benchmark)."""
        return self._image_bytes

    def document_problem(self, doc_id: str) -> str | None:
        return self._failed_docs.get(doc_id)

    def page_problem(self, doc_id: str, page: int) -> str | None:
        return self._failed_pages.get((doc_id, page))

    # -- asking for more ----------------------------------------------------------------------

    def request_sizes(self, doc_id: str, path: Path | str) -> None:
        if doc_id in self._sizes or doc_id in self._failed_docs:
            return
        self._add("sizes", SIZES, ("sizes", doc_id, str(path)))

    def request_image_file(self, doc_id: str, path: Path | str) -> None:
        if (doc_id, 1) in self._scales or doc_id in self._failed_docs:
            return
        self._add("images", SIZES, ("image", doc_id, str(path)))

    def request_pages(self, doc_id: str, path: Path | str, wanted: list[tuple[int, float]], *,
                      channel: str = "view", priority: int = VIEW) -> None:
        """Replace ``channel``'s pending renders with ``wanted`` (most urgent first); cached ones are skipped."""
        if doc_id in self._failed_docs:
            wanted = []
        keys = [(doc_id, page, scale_key(scale)) for page, scale in wanted]
        self._pinned[channel] = set(keys)
        jobs = [("render", *key[:1], str(path), *key[1:]) for key in keys
                if key not in self._images and key[:2] not in self._failed_pages]
        self._replace(channel, priority, jobs)

    def request_text(self, doc_id: str, path: Path | str, pages: list[int], *, channel: str = "text",
                     priority: int = TEXT) -> None:
        """Replace ``channel``'s pending text layouts with ``pages`` (most urgent first)."""
        if doc_id in self._failed_docs:
            pages = []
        jobs = [("text", doc_id, str(path), p) for p in pages if (doc_id, p) not in self._texts]
        self._replace(channel, priority, jobs)

    def cancel(self, channel: str) -> None:
        self._pinned.pop(channel, None)
        self._replace(channel, BACKGROUND, [])

    def pending(self) -> int:
        """Jobs waiting or running (for tests and a busy indicator)."""
        with self._cond:
            return sum(len(c.jobs) for c in self._channels.values()) + (self._busy is not None)

    def warm_up(self) -> None:
        """Start the render worker now, off the GUI thread (a new process loading PDFium: a few hundred ms).

        Called when a case starts loading, so the start-up overlaps with reading the case instead
        of following it; not at creation, where it would compete with the app's first paint.
        """
        with self._cond:
            if not self._stopping:
                self._warm = True
                self._cond.notify_all()

    def shutdown(self) -> None:
        """Stop the thread and the worker process; idempotent."""
        if self._stopping:
            return
        with self._cond:
            self._stopping = True
            self._channels.clear()
            self._cond.notify_all()
        self.service.abort()  # a call blocked on a hanging PDF fails now instead of after its timeout
        self._thread.wait(10_000)
        self.service.close()

    # -- the queue --------------------------------------------------------------------------

    def _add(self, name: str, priority: int, job: tuple) -> None:
        with self._cond:
            ch = self._channels.setdefault(name, _Channel(priority))
            if job not in ch.jobs and job != self._busy:
                ch.jobs.append(job)
                ch.stamp = time.monotonic()
            self._cond.notify()

    def _replace(self, name: str, priority: int, jobs: list[tuple]) -> None:
        with self._cond:
            ch = self._channels.setdefault(name, _Channel(priority))
            ch.priority = priority
            ch.jobs = [j for j in dict.fromkeys(jobs) if j != self._busy]
            ch.stamp = time.monotonic()
            self._cond.notify()

    def _next_job(self) -> tuple | None:
        """Called with the lock held, on the worker thread."""
        live = [c for c in self._channels.values() if c.jobs]
        if not live:
            return None
        ch = min(live, key=lambda c: (c.priority, -c.stamp))
        return ch.jobs.pop(0)

    # -- results (GUI thread) ------------------------------------------------------------------

    @Slot(str, int, float, QImage)
    def _on_rendered(self, doc_id: str, page: int, scale: float, image: QImage) -> None:
        key = (doc_id, page, scale_key(scale))
        old = self._images.pop(key, None)
        if old is not None:
            self._image_bytes -= old.sizeInBytes()
        self._images[key] = image
        self._scales.setdefault((doc_id, page), set()).add(key[2])
        self._image_bytes += image.sizeInBytes()
        self._evict()
        self.pageReady.emit(doc_id, page, scale, image)

    def _evict(self) -> None:
        """Drop the least recently used images past the budget, sparing what a view asked for last.

        A view on a large screen at a high zoom can want more than the budget (four A4 pages
        at 200% on a 2x screen are 224 MB); dropping one of those would have it asked for and
        rendered again, for ever. They may take up to twice the budget; past that the oldest go too.
        """
        if self._image_bytes <= self.cache_bytes:
            return
        pinned = set().union(*self._pinned.values())
        for key in [k for k in self._images if k not in pinned]:
            if self._image_bytes <= self.cache_bytes:
                return
            self._drop(key)
        while self._image_bytes > 2 * self.cache_bytes and len(self._images) > 1:
            self._drop(next(iter(self._images)))

    def _drop(self, key: tuple[str, int, float]) -> None:
        img = self._images.pop(key)
        self._image_bytes -= img.sizeInBytes()
        # Reused only if nothing in Python still holds this QImage (here: ``img`` and getrefcount's
        # argument), since its pixels will be written over. A copy made in C++ shares the pixels
        # and is safe: writing through bits() copies them first.
        if key[2] > 0 and sys.getrefcount(img) <= 2:  # a rendered page, not a decoded image file
            self._pool.give(img)
        scales = self._scales.get(key[:2])
        if scales is not None:
            scales.discard(key[2])
            if not scales:
                del self._scales[key[:2]]

    @Slot(str, int, str, bool)
    def _on_failed(self, doc_id: str, page: int, message: str, fatal: bool) -> None:
        if fatal or page == 0:
            if doc_id not in self._failed_docs:
                self._failed_docs[doc_id] = message
                with self._cond:
                    for ch in self._channels.values():
                        ch.jobs = [j for j in ch.jobs if j[1] != doc_id]
                self.documentFailed.emit(doc_id, message)
            return
        self._failed_pages[(doc_id, page)] = message
        self.pageFailed.emit(doc_id, page, message)

    @Slot(str, object)
    def _on_sized(self, doc_id: str, sizes: Any) -> None:
        self._sizes[doc_id] = list(sizes)
        if not sizes:
            self._on_failed(doc_id, 0, "This document could not be displayed: it has no pages.", True)
            return
        self.sizesReady.emit(doc_id, self._sizes[doc_id])

    @Slot(str, int, object)
    def _on_texted(self, doc_id: str, page: int, layout: Any) -> None:
        self._texts[(doc_id, page)] = layout
        while len(self._texts) > 48:
            self._texts.popitem(last=False)
        self.textReady.emit(doc_id, page, layout)
