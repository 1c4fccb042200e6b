"""PDF page images and character boxes for the viewer, from a spawned worker process that may crash or hang safely.

Every bundle document is untrusted and PDFium is not thread-safe, so all PDF
work for display happens in one spawned worker with an address-space limit
(the same pattern as :mod:`caseview.core.extract`). Calls are synchronous and
serialised by a lock, so any non-GUI thread may use a :class:`RenderService`.
A worker that dies, runs out of memory or does not answer within ``timeout``
seconds is killed; the call raises :class:`RenderError` and the next call
starts a fresh worker.

Page pixels come back through a block of shared memory the service owns (the
pipe carries only the page's size): a page at 200% is 14 MB, which took some
50 ms to push through the pipe against 13 ms to render. A page too large for
the block, or a system without shared memory, uses the pipe as before.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing as mp
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import CaseViewError
from .extract import confine_worker

DEFAULT_MAX_PIXELS = 40_000_000  # ~160 MB of BGRA: far above any sensible screen render
SHARED_BYTES = 64 << 20  # an A4 page at 200% on a 2× screen; only what a page uses is ever touched
OPEN_DOCUMENTS = 4  # PdfDocuments the worker keeps open (least recently used closed first)

STOPPED = "This document could not be displayed: the PDF engine stopped responding."
CRASHED = "This document could not be displayed: the PDF engine stopped unexpectedly."
NO_MEMORY = "This document could not be displayed: it needed more memory than CaseView allows."


class RenderError(CaseViewError):
    """A page or document could not be displayed.

    ``fatal`` is true when the engine itself crashed, hung or ran out of memory on
    the document: asking again for another page of it would probably do the same.
    """

    def __init__(self, message: str, *, fatal: bool = False):
        super().__init__(message)
        self.fatal = fatal


@dataclass(frozen=True)
class RenderedPage:
    """One page image: ``height`` rows of ``stride`` bytes, 4 bytes a pixel in B, G, R, A order (opaque)."""

    width: int
    height: int
    stride: int
    format: str
    data: bytes
    scale: float  # the scale actually used (lower than asked when ``max_pixels`` capped it)
    shared: bool = False  # between the worker and the service only: the pixels are in the shared block


@dataclass(frozen=True)
class PageText:
    """A page's text and, for each character, its box in page points (top-left origin).

    ``text`` is normalised as :mod:`caseview.core.extract` stores it (``\\r\\n`` → ``\\n``),
    so offsets into it are offsets into the stored page text. A character without
    geometry (a line break PDFium inserted) has an empty box ``(0, 0, 0, 0)``.
    """

    text: str
    boxes: list[tuple[float, float, float, float]]
    width: float
    height: float


# -- worker side -------------------------------------------------------------

def _worker_main(conn, memory_bytes: int, shared_name: str | None = None) -> None:
    confine_worker(memory_bytes)
    try:
        import pypdfium2 as pdfium
    except MemoryError:
        conn.send(("fatal", NO_MEMORY))
        return
    except Exception:
        conn.send(("fatal", CRASHED))
        return
    shared = _attach_shared(shared_name)

    docs: OrderedDict[str, Any] = OrderedDict()

    def document(path: str):
        pdf = docs.pop(path, None)
        if pdf is None:
            pdf = pdfium.PdfDocument(path)
            while len(docs) >= OPEN_DOCUMENTS:
                _, old = docs.popitem(last=False)
                old.close()
        docs[path] = pdf
        return pdf

    conn.send(("ready", None))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        op, args = task
        try:
            if op == "sizes":
                pdf = document(args[0])
                result: Any = [tuple(pdf.get_page_size(i)) for i in range(len(pdf))]
            elif op == "render":
                result = _render(document(args[0]), *args[1:], shared=shared)
            elif op == "text":
                result = _text_layout(pdfium, document(args[0]), args[1])
            elif op == "debug":
                result = _debug(args[0])
            else:
                raise ValueError(op)
            conn.send(("ok", result))
        except pdfium.PdfiumError as exc:
            if op != "debug":
                docs.pop(args[0], None)
            conn.send(("error", _pdfium_problem(str(exc))))
        except MemoryError:
            conn.send(("fatal", NO_MEMORY))
            return  # a worker that ran out of memory may be damaged: let the parent start a fresh one
        except IndexError:
            conn.send(("error", "This page could not be displayed: the document has no such page."))
        except Exception as exc:  # any other failure of the engine on this file
            conn.send(("error", f"This page could not be displayed: the PDF engine failed ({type(exc).__name__})."))


def _attach_shared(name: str | None):
    """The service's shared block, or None (the pixels then go through the pipe)."""
    if not name:
        return None
    try:
        from multiprocessing import shared_memory

        return shared_memory.SharedMemory(name=name)
    except Exception:  # not available here, or no room under the address-space limit
        return None


def _render(pdf, index: int, scale: float, max_pixels: int, *, shared=None) -> RenderedPage:
    import pypdfium2.raw as raw

    page = pdf[index]
    try:
        w, h = page.get_size()
        if math.ceil(w * scale) * math.ceil(h * scale) > max_pixels:
            scale = (max_pixels / max(1.0, w * h)) ** 0.5
            while scale > 1e-3 and math.ceil(w * scale) * math.ceil(h * scale) > max_pixels:
                scale *= 0.995  # PDFium rounds the bitmap size up
        bitmap = page.render(scale=scale, force_bitmap_format=raw.FPDFBitmap_BGRA, fill_color=(255, 255, 255, 255),
                             draw_annots=True, may_draw_forms=False)
        try:
            size = bitmap.stride * bitmap.height
            if shared is not None and size <= shared.size:
                shared.buf[:size] = memoryview(bitmap.buffer).cast("B")
                return RenderedPage(bitmap.width, bitmap.height, bitmap.stride, "BGRA", b"", scale, shared=True)
            data = bytes(bitmap.buffer)
            return RenderedPage(bitmap.width, bitmap.height, bitmap.stride, "BGRA", data, scale)
        finally:
            bitmap.close()
    finally:
        page.close()


def _text_layout(pdfium, pdf, index: int) -> PageText:
    import ctypes

    import pypdfium2.raw as raw

    page = pdf[index]
    try:
        width, height = page.get_size()
        tp = page.get_textpage()
        try:
            n = tp.count_chars()
            text = tp.get_text_range(0, n) if n else ""
            if len(text) != n:  # PDFium left out or added characters: read them one by one
                text = "".join(chr(raw.FPDFText_GetUnicode(tp, i) or 0xFFFD) for i in range(n))
            # Map page space to the rendered (rotated, cropped) image through PDFium itself,
            # at a large device size so the integer device coordinates keep 0.01 pt precision.
            k = 100
            dx, dy = ctypes.c_int(), ctypes.c_int()

            def dev(x: float, y: float) -> tuple[float, float]:
                raw.FPDF_PageToDevice(page, 0, 0, round(width * k), round(height * k), 0, x, y, dx, dy)
                return dx.value / k, dy.value / k

            ox, oy = dev(0, 0)
            ax, ay = dev(1000, 0)
            bx, by = dev(0, 1000)
            a, b = (ax - ox) / 1000, (ay - oy) / 1000
            c, d = (bx - ox) / 1000, (by - oy) / 1000
            upright = abs(b) < 1e-9 and abs(c) < 1e-9
            get_box, raw_tp = raw.FPDFText_GetCharBox, tp.raw
            left, right, bottom, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
            refs = [ctypes.byref(v) for v in (left, right, bottom, top)]
            boxes: list[tuple[float, float, float, float]] = []
            out: list[str] = []
            skip_lf = False
            for i, ch in enumerate(text):
                if skip_lf and ch == "\n":
                    skip_lf = False
                    continue
                skip_lf = False
                if ch == "\r":
                    ch, skip_lf = "\n", True
                out.append(ch)
                if ch == "\n" or not get_box(raw_tp, i, *refs) \
                        or (left.value == right.value and top.value == bottom.value):
                    boxes.append((0.0, 0.0, 0.0, 0.0))
                    continue
                l_, r_, b_, t_ = left.value, right.value, bottom.value, top.value
                if upright:
                    x0, x1, y0, y1 = ox + a * l_, ox + a * r_, oy + d * t_, oy + d * b_
                    boxes.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
                    continue
                px = [ox + a * x + c * y for x in (l_, r_) for y in (b_, t_)]
                py = [oy + b * x + d * y for x in (l_, r_) for y in (b_, t_)]
                boxes.append((min(px), min(py), max(px), max(py)))
            return PageText("".join(out), boxes, width, height)
        finally:
            tp.close()
    finally:
        page.close()


def _debug(what: str) -> Any:
    """Test hooks that make the worker misbehave the ways a hostile PDF can."""
    if what == "hang":
        while True:
            time.sleep(1)
    if what == "crash":
        os._exit(70)
    if what == "bloat":
        hog = []
        while True:
            hog.append(bytearray(64 << 20))
    return what


def _pdfium_problem(text: str) -> str:
    low = text.lower()
    if "password" in low:
        return "This document could not be displayed: it is password-protected."
    if "format" in low or "corrupt" in low or "data" in low:
        return "This document could not be displayed: it is damaged or not a valid PDF."
    if "file" in low:
        return "This document could not be displayed: its file could not be opened."
    return "This document could not be displayed: the PDF engine could not open it."


# -- parent side -------------------------------------------------------------

class RenderService:
    """Page sizes, page images and text layouts of PDFs, computed in a worker process.

    Thread-safe (calls are serialised); start-up is lazy. ``timeout`` bounds each
    call; ``start_timeout`` bounds starting a worker (spawning Python is slower
    than a page). Call :meth:`close` when done.
    """

    def __init__(self, *, memory_bytes: int = 1536 << 20, timeout: float = 15.0, start_timeout: float = 30.0):
        self.memory_bytes = memory_bytes
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._lock = threading.Lock()
        self._ctx = mp.get_context("spawn")
        self._proc = None
        self._conn = None
        self._shared = None  # the block page pixels come back through (made with the first worker)
        self._shared_failed = False
        self.restarts = 0  # workers killed or lost so far (for tests and diagnostics)

    # public API

    def page_sizes(self, path: Path | str) -> list[tuple[float, float]]:
        """Width and height in points of every page (as displayed: rotation and crop applied)."""
        return [tuple(s) for s in self._call("sizes", (str(path),))]

    def render(self, path: Path | str, page_index: int, scale: float, *,
               max_pixels: int = DEFAULT_MAX_PIXELS, convert: Callable[[RenderedPage], Any] | None = None) -> Any:
        """Page ``page_index`` (0-based) at ``scale`` pixels per point, at most ``max_pixels`` pixels.

        With ``convert``, the result is ``convert(page)`` where ``page.data`` is a view of the pixels that is only
        valid during the call: a viewer copies them once, straight into its own image, instead of twice.
        """
        if not scale > 0:
            raise ValueError("scale must be positive")
        take = self._take_pixels if convert is None else (lambda page: self._convert_pixels(page, convert))
        return self._call("render", (str(path), int(page_index), float(scale), int(max_pixels)), take=take)

    def text_layout(self, path: Path | str, page_index: int) -> PageText:
        """The text of page ``page_index`` (0-based) with a box per character."""
        return self._call("text", (str(path), int(page_index)))

    def start(self) -> None:
        """Start the worker now rather than on the first call (spawning it and loading PDFium takes a few hundred
        milliseconds); a failure is left for that call to report."""
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                if self._proc is not None:
                    self._kill()
                try:
                    self._start()
                except RenderError:
                    pass

    def close(self) -> None:
        with self._lock:
            self._stop()
            shared, self._shared = self._shared, None
            if shared is not None:
                shared.close()
                try:
                    shared.unlink()
                except OSError:
                    pass

    def abort(self) -> None:
        """Kill the worker now, from any thread: a call blocked on it fails at once (used when quitting)."""
        proc = self._proc
        if proc is not None:
            try:
                proc.kill()
            except Exception:
                pass

    def __enter__(self) -> RenderService:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # internals

    def _debug(self, what: str) -> Any:
        return self._call("debug", (what,))

    def _shared_block(self):
        """The shared block for page pixels, made once (None where shared memory cannot be had)."""
        if self._shared is None and not self._shared_failed:
            try:
                from multiprocessing import shared_memory

                self._shared = shared_memory.SharedMemory(create=True, size=SHARED_BYTES)
            except Exception:
                self._shared_failed = True
        return self._shared

    def _convert_pixels(self, page: RenderedPage, convert: Callable[[RenderedPage], Any]) -> Any:
        """Hand the pixels to ``convert`` where they lie (under the lock: the next render writes over them)."""
        if not page.shared:
            return convert(page)
        view = self._shared.buf[:page.stride * page.height]
        try:
            return convert(dataclasses.replace(page, data=view, shared=False))
        finally:
            view.release()

    def _take_pixels(self, page: RenderedPage) -> RenderedPage:
        """Copy the pixels out of the shared block (under the lock: the next render writes over them)."""
        if not page.shared:
            return page
        n = page.stride * page.height
        return dataclasses.replace(page, data=bytes(self._shared.buf[:n]), shared=False)

    def _start(self) -> None:
        shared = self._shared_block()
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child, self.memory_bytes, shared and shared.name),
                                 daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        if not self._wait(self.start_timeout):
            self._kill()
            raise RenderError(STOPPED, fatal=True)
        try:
            kind, value = parent.recv()
        except (EOFError, OSError):
            kind, value = None, CRASHED
        if kind != "ready":
            self._kill()
            raise RenderError(value if isinstance(value, str) else CRASHED, fatal=True)

    def _wait(self, timeout: float) -> bool:
        """True when the worker has something to say (or has died) within ``timeout`` seconds."""
        from multiprocessing.connection import wait

        ready = wait([self._conn, self._proc.sentinel], timeout=timeout)
        return bool(ready)

    def _call(self, op: str, args: tuple, take=None) -> Any:
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                if self._proc is not None:
                    self._kill()
                self._start()
            try:
                self._conn.send((op, args))
            except (OSError, BrokenPipeError):
                self._kill()
                raise RenderError(CRASHED, fatal=True) from None
            deadline = time.monotonic() + self.timeout
            if not self._wait(max(0.0, deadline - time.monotonic())):
                self._kill()
                raise RenderError(STOPPED, fatal=True)
            try:
                kind, value = self._conn.recv()
            except (EOFError, OSError):
                self._kill()
                raise RenderError(CRASHED, fatal=True) from None
            if kind == "ok":
                return take(value) if take is not None else value
            if kind == "fatal":
                self._kill()
                raise RenderError(value, fatal=True)
            raise RenderError(value)

    def _kill(self) -> None:
        self.restarts += 1
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is not None:
            try:
                proc.kill()
            except Exception:
                pass
            proc.join(timeout=5)
        if conn is not None:
            conn.close()

    def _stop(self) -> None:
        proc, conn = self._proc, self._conn
        if proc is None:
            return
        self._proc = self._conn = None
        try:
            conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        proc.join(timeout=2)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=5)
        conn.close()
