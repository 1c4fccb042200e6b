"""PDF text per page via pypdfium2, in worker processes that may crash, hang or bloat safely.

PDFium is not thread-safe and a hostile PDF can take down the process that reads
it, so every PDF is read in a spawned worker with a memory cap (:mod:`.confine`). The
parent waits on all workers at once; a worker that dies, exceeds its memory or
stops answering for ``page_timeout`` seconds is killed, its document is marked
"could not be read", and a fresh worker takes the next document.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping

from .confine import confine_worker
from .malloc import M_MMAP_THRESHOLD, M_TOP_PAD, M_TRIM_THRESHOLD, mallopt

if TYPE_CHECKING:  # the spawned PDF workers import this module: keep their start light
    from .manifest import Document

LINES_PER_PAGE = 60


@dataclass(frozen=True)
class ExtractLimits:
    page_timeout: float = 20.0  # seconds a worker may go without reporting a page
    document_timeout: float = 600.0
    memory_bytes: int = 2 << 30  # address space per worker
    workers: int = 0  # 0 = one per core


@dataclass(frozen=True)
class Extracted:
    """Text of one document, one string per page, or why it could not be read."""

    key: str
    pages: tuple[str, ...] = ()
    problem: str | None = None
    hits: tuple[tuple, ...] = ()  # per page, the personal-data detectors' hits, when asked for (``scan``)

    @property
    def readable(self) -> bool:
        return self.problem is None


def paginate_text(text: str) -> tuple[str, ...]:
    """The spec's text pages: 60 lines each, split on ``\\n`` (``\\r\\n`` counts once), at least one."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()  # a final newline ends the last line; it does not start another
    pages = tuple("\n".join(lines[i:i + LINES_PER_PAGE]) for i in range(0, len(lines), LINES_PER_PAGE))
    return pages or ("",)


# -- worker side -------------------------------------------------------------

def _keep_heap() -> None:
    """Ask glibc to keep freed memory instead of returning it to the system after every page.

    PDFium allocates and frees a page's worth of memory per page; with glibc's defaults the heap top is
    trimmed (brk) and grown again each time, and the page faults that follow were a fifth of the worker's
    time on a case of short pages (strace: 22,600 brk calls for 6,150 pages; system time 1.6 s -> 0.3 s).
    """
    mallopt((M_TRIM_THRESHOLD, 64 << 20), (M_TOP_PAD, 16 << 20), (M_MMAP_THRESHOLD, 32 << 20))


def _worker_main(conn: Connection, memory_bytes: int, scan: bool = False) -> None:
    confine_worker(memory_bytes)
    _keep_heap()
    import pypdfium2 as pdfium

    detect = _scan if scan else None

    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        key, path = task
        try:
            pdf = pdfium.PdfDocument(path)
            try:
                n = len(pdf)
                conn.send(("count", key, n))
                texts: list[str] = []
                sent = time.monotonic()
                for i in range(n):
                    page = pdf[i]
                    textpage = page.get_textpage()
                    text = textpage.get_text_range()
                    textpage.close()
                    page.close()
                    texts.append(text.replace("\r\n", "\n").replace("\r", "\n"))
                    # Pages go in batches (a message each cost both processes ~40 us), at least every
                    # 0.2 s so the parent's watchdog still hears from a slow document. The detectors run over
                    # a batch together: straight after PDFium a page cost them a third to a half more (cold caches).
                    if len(texts) >= 32 or time.monotonic() - sent > 0.2 or i == n - 1:
                        conn.send(("pages", key, [(t, detect(t) if detect else ()) for t in texts]))
                        texts, sent = [], time.monotonic()
            finally:
                pdf.close()
            conn.send(("done", key, None))
        except pdfium.PdfiumError as exc:
            conn.send(("error", key, _pdfium_problem(str(exc))))
        except MemoryError:
            conn.send(("error", key, "reading it needed more memory than allowed"))
        except Exception as exc:  # any other failure of the engine on this file
            conn.send(("error", key, f"the PDF engine failed ({type(exc).__name__})"))


def _pdfium_problem(text: str) -> str:
    low = text.lower()
    if "password" in low:
        return "it is password-protected"
    if "format" in low or "corrupt" in low or "data" in low:
        return "it is damaged or not a valid PDF"
    return "the PDF engine could not open it"


# -- parent side -------------------------------------------------------------

class _Worker:
    def __init__(self, ctx, memory_bytes: int, scan: bool):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, memory_bytes, scan), daemon=True)
        self.proc.start()
        child.close()
        self.key: str | None = None
        self.pages: list[str] = []
        self.hits: list[tuple] = []
        self.expected = 0
        self.started = self.last = 0.0

    def give(self, key: str, path: str) -> None:
        self.key, self.pages, self.hits, self.expected = key, [], [], 0
        self.started = self.last = time.monotonic()
        self.conn.send((key, path))

    def kill(self) -> None:
        try:
            self.proc.kill()
        except Exception:
            pass
        self.proc.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        self.proc.join(timeout=2)
        if self.proc.is_alive():
            self.kill()
        else:
            self.conn.close()


class Feed:
    """PDFs to read, handed over while reading runs: import gives each as the check stages it, then the rest."""

    def __init__(self, jobs: Iterable[tuple[str, Path]] = (), *, closed: bool = False):
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._jobs: deque[tuple[str, Path]] = deque()
        self._given: set[str] = set()
        self._closed = False
        if closed:
            self.close(jobs)
        else:
            self.put_all(jobs)

    def put_all(self, jobs: Iterable[tuple[str, Path]]) -> None:
        with self._lock:
            for key, path in jobs:
                if key not in self._given:
                    self._given.add(key)
                    self._jobs.append((key, path))
        self._wake.set()

    def put(self, key: str, path: Path) -> None:
        self.put_all([(key, path)])

    def close(self, order: Iterable[tuple[str, Path]] = ()) -> None:
        """Nothing more comes after these jobs, and jobs still waiting are read in this order.

        Import gives each PDF as the check verifies it (the zip's order, for reading the file straight through),
        then closes the feed with every PDF in bundle order, in which it writes them: the reading that is left
        follows that order, so each document is ready about when it is wanted instead of waiting in memory
        while import waits for one the zip put late (on the 20,000-page case the writing fell 17 s behind).
        """
        with self._lock:
            waiting = dict(self._jobs)
            ordered = []
            for key, path in order:
                if key in waiting:
                    ordered.append((key, waiting.pop(key)))
                elif key not in self._given:
                    self._given.add(key)
                    ordered.append((key, path))
            self._jobs = deque([job for job in self._jobs if job[0] in waiting] + ordered)
            self._closed = True
        self._wake.set()

    def take(self) -> tuple[str, Path] | None:
        with self._lock:
            return self._jobs.popleft() if self._jobs else None

    @property
    def waiting(self) -> bool:
        return bool(self._jobs)

    @property
    def open(self) -> bool:
        return not self._closed

    @property
    def finished(self) -> bool:
        with self._lock:
            return self._closed and not self._jobs

    def wait(self, timeout: float) -> None:
        self._wake.wait(timeout)
        self._wake.clear()


def extract_pdfs(jobs: Iterable[tuple[str, Path]] | Feed, *, limits: ExtractLimits | None = None,
                 on_done: Callable[[Extracted], None] | None = None,
                 should_stop: Callable[[], bool] | None = None, scan: bool = False) -> dict[str, Extracted]:
    """Extract text from each ``(key, path)`` PDF in parallel; never raises for a bad PDF.

    ``on_done`` is called in the parent as each document finishes; ``should_stop``
    is polled and, when true, ends the work early (workers are killed). With ``scan`` the
    workers also run the personal-data detectors over each page (``Extracted.hits``).
    """
    limits = limits or ExtractLimits()
    feed = jobs if isinstance(jobs, Feed) else Feed(jobs, closed=True)
    results: dict[str, Extracted] = {}
    ctx = mp.get_context("spawn")
    n_workers = max(1, limits.workers or (os.cpu_count() or 1))  # started as there is work for them
    idle: list[_Worker] = []
    busy: list[_Worker] = []

    def finish(w: _Worker, problem: str | None) -> None:
        result = (Extracted(w.key, tuple(w.pages), None, tuple(w.hits)) if problem is None
                  else Extracted(w.key, (), problem))
        results[w.key] = result
        w.key = None
        if on_done is not None:
            on_done(result)

    try:
        while busy or not feed.finished:
            if should_stop is not None and should_stop():
                break
            while feed.waiting and (idle or len(busy) < n_workers):
                job = feed.take()
                if job is None:
                    break
                w = idle.pop() if idle else _Worker(ctx, limits.memory_bytes, scan)
                w.give(job[0], str(job[1]))
                busy.append(w)
            if not busy:
                feed.wait(0.25)  # nothing to read yet: the check is still staging the documents
                continue
            # while more may come, look again soon: a worker may be idle
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                         timeout=0.02 if feed.open and len(busy) < n_workers else 0.25)
            now = time.monotonic()
            for w in list(busy):
                problem: str | None = None
                finished = False
                if w.conn in ready:
                    try:
                        while w.conn.poll():
                            kind, _key, value = w.conn.recv()
                            w.last = now
                            if kind == "count":
                                w.expected = value
                            elif kind == "pages":
                                for text, hits in value:
                                    w.pages.append(text)
                                    w.hits.append(hits)
                            elif kind == "done":
                                finished = True
                                break
                            else:
                                problem, finished = value, True
                                break
                    except (EOFError, OSError):
                        problem, finished = "the PDF engine crashed while reading it", True
                if not finished and not w.proc.is_alive():
                    problem, finished = "the PDF engine crashed while reading it", True
                if not finished and (now - w.last > limits.page_timeout or now - w.started > limits.document_timeout):
                    problem, finished = "reading it took too long (the PDF engine stopped responding)", True
                if not finished:
                    continue
                busy.remove(w)
                finish(w, problem)
                if problem is None:
                    idle.append(w)
                else:
                    w.kill()  # a worker that failed once may be damaged: the next job starts a fresh one
    finally:
        for w in busy:
            w.kill()
        for w in idle:
            w.stop()
    return results


# -- a bundle's documents ----------------------------------------------------

NO_PREVIEW = "there is no preview for this type"


def document_texts(documents: Iterable[Document], files: Mapping[str, Path], *,
                   limits: ExtractLimits | None = None, on_done: Callable[[Extracted], None] | None = None,
                   should_stop: Callable[[], bool] | None = None
                   ) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Each document's page texts as import reads them, and why the others could not be read.

    ``files`` maps a document id to its bytes on disk. A text document is paginated, an image is one
    page without text, a PDF is read in the worker processes (``on_done`` and ``should_stop`` as for
    :func:`extract_pdfs`). Returns ``(texts, problems)``, both keyed by document id.
    """
    documents = list(documents)
    texts: dict[str, tuple[str, ...]] = {}
    problems: dict[str, str] = {}
    feed = Feed([(d.id, Path(files[d.id])) for d in documents if d.is_pdf], closed=True)
    with Reading(feed, limits=limits, should_stop=should_stop) as reading:
        for doc, read in zip(documents, reading.in_order(documents, files)):
            if doc.is_pdf and on_done is not None:
                on_done(read)
            if read.readable:
                texts[doc.id] = read.pages
            else:
                problems[doc.id] = read.problem or "it could not be read"
    return texts, problems


class Reading:
    """Documents read as import reads them, the PDFs by the worker processes in a background thread (which waits
    on them) while the caller works on what has arrived: import writes and indexes each document's pages while
    the next ones are read. Closing it (or leaving its ``with``) stops the workers."""

    def __init__(self, feed: Feed, *, limits: ExtractLimits | None = None, scan: bool = False,
                 should_stop: Callable[[], bool] | None = None):
        self.feed = feed
        self.scan = scan
        self._arrived: queue.Queue = queue.Queue()
        self._closed = threading.Event()

        def work() -> None:
            try:
                extract_pdfs(feed, limits=limits, scan=scan, on_done=self._arrived.put,
                             should_stop=lambda: self._closed.is_set() or bool(should_stop and should_stop()))
            except BaseException as exc:  # handed to the caller's thread, which raises it
                self._arrived.put(exc)
            finally:
                self._arrived.put(None)

        self._thread = threading.Thread(target=work, name="pdf-text", daemon=True)
        self._thread.start()

    def in_order(self, documents: Iterable[Document], files: Mapping[str, Path]) -> Iterator[Extracted]:
        """Each document, in the order given, as soon as it and those before it are read; stops early,
        without an error, when the reading was stopped. The PDFs must be in the feed."""
        ready: dict[str, Extracted] = {}
        ended = False
        for doc in documents:
            if doc.is_pdf:
                while doc.id not in ready and not ended:
                    item = self._arrived.get()
                    if item is None:
                        ended = True
                    elif isinstance(item, BaseException):
                        raise item
                    else:
                        ready[item.key] = item
                if doc.id not in ready:
                    return  # stopped
                yield ready.pop(doc.id)
            elif doc.is_text:
                pages = paginate_text(Path(files[doc.id]).read_bytes().decode("utf-8"))
                yield Extracted(doc.id, pages, None, tuple(_scan(p) for p in pages) if self.scan else ())
            elif doc.is_image:
                yield Extracted(doc.id, ("",), None, ((),) if self.scan else ())
            else:
                yield Extracted(doc.id, (), NO_PREVIEW)

    def close(self) -> None:
        self._closed.set()
        self.feed.close()
        self._thread.join()

    def __enter__(self) -> Reading:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _scan(text: str) -> tuple:
    from .pdscan_detectors import run_detectors

    return tuple(run_detectors(text))
