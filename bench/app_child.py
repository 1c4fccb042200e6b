"""Measurements in the app's real window; each prints one JSON line on stdout (like :mod:`bench.child`).

    python -m bench.app_child open WORKSPACE CASE_ID
    python -m bench.app_child rss WORKSPACE CASE_ID QUERY...
    python -m bench.app_child render WORKSPACE CASE_ID SAMPLES
    python -m bench.app_child scroll WORKSPACE CASE_ID

Each command starts the app as ``caseview.app.run_app`` does (the styled
QApplication, the workspace runner, the AppController with the real render
client factory) and waits on the start screen until it is painted and lists
the cases: a reviewer with CaseView open. Then:

``open``
    the clock starts when the start screen asks to open the case (the signal a
    double-click on the case sends) and stops when the review window's viewer
    has painted the first page with its own pixels: the page is in view and
    the viewer holds its image at the exact scale it is shown at (a stretched
    thumbnail or a white placeholder does not count). Afterwards the painted
    view is grabbed and the page must show ink, else the run fails.
``rss``
    ``open``, then the 24 queries typed into the Case search panel, each ended
    with Enter and waited for until the panel has shown and painted its
    result; then the peak RSS (VmHWM) of the app process and of every process
    it started (the render worker, multiprocessing's resource tracker).
``render``
    ``open`` on a one-document case (the 500-page PDF); then at 100% and 200%
    (set on page 1) the viewer goes to SAMPLES pages it has not rendered at that
    zoom yet: go to page N → page N painted at that zoom. Between jumps the
    viewer is let settle (its follow-up requests for thumbnails and text done),
    as when a reviewer reads the page before moving on.
``scroll``
    ``open`` on the same case in a fresh process, 100%, then from the top of
    page 1 to the end a screenful at a time (the scroll bar's page step), each
    step waited for until every page in view is painted; every page must have
    been painted once.

How a paint is seen: an event filter on the viewer's viewport. When a paint
event arrives and the state it will paint is the one waited for, the filter
runs the canvas's own ``paintEvent`` (what Qt would call next) and takes the
time after it, so paint is included; other paint events pass through
untouched. No sleeps: waits end on events (paint, signals); a few waits for
background work to settle poll the event loop every 10 ms, and never inside a
timed span. Nothing in the product is changed; the render service's worker
start is wrapped only to time it.

The window is as the app sizes it on the screen it has: the parent passes an
offscreen screen of 1920×1080 (``QT_QPA_PLATFORM=offscreen:configfile=…``), so
the review window is 1440×900 with its default docks. Keep this module's
top-level imports to the standard library: the render worker is spawned and
imports the main module again, as it imports ``caseview.__main__`` in the app.
"""

from __future__ import annotations

import os
import sys
import time

from .child import _emit, _maxrss_mib

T_START = time.perf_counter()
SETTLE_TIMEOUT = 60.0
DEBUG = bool(os.environ.get("BENCH_DEBUG"))


# -- processes and memory -------------------------------------------------------------------

def _status(pid: int | str) -> dict[str, float]:
    """VmHWM, VmRSS and its parts (anonymous, file, shared memory) in MiB of a process; empty if it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key = line.split(":", 1)[0]
                if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    out[key] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


def _pss_mib(pid: int | str) -> float | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def memory_report(render_pid: int | None) -> dict:
    """Peak and current memory of this process and everything it started."""
    me = _status("self")
    procs = []
    for pid in _descendants(os.getpid()):
        cmd = _cmdline(pid)
        role = ("render worker" if pid == render_pid else "resource tracker" if "resource_tracker" in cmd
                else "other: " + cmd[:120])
        st = _status(pid)
        if st:
            procs.append({"pid": pid, "role": role, "hwm_mib": st.get("VmHWM"), "rss_mib": st.get("VmRSS"),
                          "pss_mib": _pss_mib(pid)})
    total = me.get("VmHWM", _maxrss_mib()) + sum(p["hwm_mib"] or 0 for p in procs)
    pss = [_pss_mib("self")] + [p["pss_mib"] for p in procs]
    return {"app_hwm_mib": me.get("VmHWM", _maxrss_mib()), "app_rss_mib": me.get("VmRSS"),
            "app_pss_mib": pss[0], "children": procs, "sum_hwm_mib": total,
            "sum_pss_now_mib": sum(p for p in pss if p is not None)}


# -- the app ----------------------------------------------------------------------------------

class Harness:
    """The app as ``run_app`` builds it, on WORKSPACE, showing its start screen; helpers to wait and observe."""

    def __init__(self, workspace: str):
        import tempfile
        from pathlib import Path

        from PySide6.QtCore import QEvent, QObject, QSettings

        from caseview.app import AppController, ReadyProbe, create_application
        from caseview.core.render import RenderService
        from caseview.ui.viewer.render_client import RenderClient
        from caseview.ui.tasks import WorkspaceRunner

        self.app = create_application()
        self._checks: list = []
        self.worker_starts: list[float] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="caseview-bench-settings-")
        settings = QSettings(str(Path(self._tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
        self.runner = WorkspaceRunner(Path(workspace))
        opened: list = []
        self.runner.workspaceOpened.connect(lambda err: (opened.append(err), self.notify()))

        def render_client_factory():
            """``caseview.app.make_render_client`` (``RenderClient()``), with the worker's start-up timed."""
            service = RenderService()
            start = service._start

            def timed_start():
                t = time.perf_counter()
                try:
                    return start()
                finally:
                    self.worker_starts.append(time.perf_counter() - t)

            service._start = timed_start
            return RenderClient(service)

        self.controller = AppController(self.runner, settings, ReadyProbe(None, time.monotonic()),
                                        render_client_factory)
        self.wait(lambda: bool(opened), 120, "the workspace to open")
        if opened[0] is not None:
            raise RuntimeError(f"workspace did not open: {opened[0]}")
        self.controller.show_start()
        start = self.controller.start
        listed: list = []
        set_cases = start.set_cases

        def note_cases(cases):
            set_cases(cases)
            listed.append(len(cases))
            self.notify()

        start.set_cases = note_cases
        harness = self

        class FirstPaint(QObject):
            seen = False

            def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
                if ev.type() == QEvent.Type.Paint and not self.seen:
                    self.seen = True
                    harness.notify()
                return False

        fp = FirstPaint()
        start.installEventFilter(fp)
        self.wait(lambda: fp.seen and bool(listed), 60, "the start screen to be painted and list the cases")
        start.removeEventFilter(fp)
        self.start_cases = listed[0]
        self.settle_events()
        self.t_ready = time.perf_counter()

    # waiting ----------------------------------------------------------------

    def notify(self) -> None:
        for check in list(self._checks):
            check()

    def wait(self, cond, timeout: float, what: str, poll_ms: int = 0) -> None:
        """Run the event loop until ``cond()``; it is checked on ``notify()`` (events) and every ``poll_ms``."""
        from PySide6.QtCore import QEventLoop, QTimer

        if cond():
            return
        if DEBUG:
            print(f"[{time.perf_counter() - T_START:.3f}] waiting for {what}", file=sys.stderr, flush=True)
        loop = QEventLoop()

        def check():
            if cond():
                loop.quit()

        self._checks.append(check)
        deadline = QTimer(singleShot=True)
        deadline.timeout.connect(loop.quit)
        deadline.start(int(timeout * 1000))
        poll = QTimer()
        if poll_ms:
            poll.timeout.connect(check)
            poll.start(poll_ms)
        try:
            if not cond():
                loop.exec()
        finally:
            poll.stop()
            deadline.stop()
            self._checks.remove(check)
        if not cond():
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")

    def settle_events(self) -> None:
        """Deliver what is queued now (posted events, zero timers) without waiting for anything else."""
        from PySide6.QtCore import QCoreApplication, QEventLoop

        for _ in range(3):
            QCoreApplication.sendPostedEvents()
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)

    # the review window ------------------------------------------------------------

    @property
    def window(self):
        return self.controller.review

    @property
    def viewer(self):
        return self.controller.review.viewer

    def render_pid(self) -> int | None:
        client = self.controller.render_client
        proc = getattr(getattr(client, "service", None), "_proc", None)
        return proc.pid if proc is not None else None

    def open_case(self, case_id: str, page_probe_factory) -> dict:
        """The start screen asks to open the case; returns when the viewer has painted the first page's pixels."""
        from PySide6.QtCore import QEvent, QObject

        marks: dict[str, float] = {}
        harness = self

        class WindowPaint(QObject):
            def eventFilter(self, obj, ev):  # noqa: N802
                if ev.type() == QEvent.Type.Paint and "window_painted" not in marks:
                    marks["window_painted"] = time.perf_counter()
                return False

        self.settle_events()
        t0 = time.perf_counter()
        self.controller.start.openCaseRequested.emit(case_id)  # what a double-click on the case does
        marks["open_case_returned"] = time.perf_counter()
        w = self.window
        wp = WindowPaint()
        w.installEventFilter(wp)
        client = self.controller.render_client
        w.caseLoaded.connect(lambda _ref: marks.setdefault("case_loaded", time.perf_counter()))
        client.sizesReady.connect(lambda *_: marks.setdefault("sizes_ready", time.perf_counter()))
        client.pageReady.connect(lambda *_: marks.setdefault("first_image_arrived", time.perf_counter()))
        probe = page_probe_factory(self)
        probe.arm(lambda: self.view_ready(first_page=True))
        self.wait(lambda: probe.done_at is not None, 120, "the first page to be painted")
        w.removeEventFilter(wp)
        t1 = probe.done_at
        doc = self.viewer.document()
        return {"seconds": t1 - t0, "marks": {k: v - t0 for k, v in marks.items()},
                "doc": doc.id if doc else None, "media_type": doc.row.media_type if doc else None,
                "page": self.viewer.current_page(), "paint_ms": probe.last_paint * 1000,
                "worker_start_seconds": list(self.worker_starts),
                "window": [w.width(), w.height()],
                "viewport": [self.viewer.canvas.viewport().width(), self.viewer.canvas.viewport().height()],
                "zoom": self.viewer.zoom(), "zoom_mode": self.viewer.zoom_mode()}

    def page_scale(self) -> float:
        c = self.viewer.canvas
        return self.viewer.model.render_scale(c.px_per_pt, c.devicePixelRatioF())

    def page_shown(self, page: int) -> bool:
        """The viewer can paint ``page`` with its own content at the size it is shown (not a placeholder)."""
        v = self.viewer
        m = v.model
        if m is None or m.page_problem(page):
            return False
        if m.kind == "pdf":
            return v.client.image(m.doc_id, page, self.page_scale()) is not None
        if m.kind == "image":
            return bool(getattr(m, "loaded", False))
        return m.kind == "text"  # laid out when the document opened

    def view_ready(self, first_page: bool = False, page: int | None = None) -> bool:
        w = self.window
        v = self.viewer
        if w is None or not w.isVisible() or w.stack.currentWidget() is not v:
            return False
        if v.model is None or v.stack.currentWidget() is not v.split:
            return False
        visible = list(v.canvas.visible_pages())
        if not visible:
            return False
        if first_page and v.current_page() not in visible:
            return False
        if page is not None and page not in visible:
            return False
        return all(self.page_shown(p) for p in visible)

    def settle(self) -> None:
        """Wait until the viewer's follow-up work is done: no request timer running, nothing queued or rendering."""
        from PySide6.QtCore import QTimer

        v = self.viewer
        # The canvas's and the strip's delayed requests (for pages, thumbnails, character boxes) are single-shot timers.
        timers = [t for w in (v.canvas, v.strip) for t in w.findChildren(QTimer) if t.isSingleShot()]
        client = v.client

        def idle():
            return not any(t.isActive() for t in timers) and client.pending() == 0

        self.wait(idle, SETTLE_TIMEOUT, "the viewer to settle", poll_ms=10)
        self.settle_events()

    def ink(self, page: int) -> float:
        """Share of dark pixels where ``page`` is in view, from a grab of the viewport (0 means a blank page)."""
        from PySide6.QtCore import QRect
        from PySide6.QtGui import QImage

        c = self.viewer.canvas
        dx, dy = c.horizontalScrollBar().value(), c.verticalScrollBar().value()
        r = c.page_rect(page).translated(-dx, -dy).toAlignedRect() & c.viewport().rect()
        if r.isEmpty():
            return 0.0
        r = QRect(r.left(), r.top(), max(4, r.width() - r.width() % 4), r.height())
        img = c.viewport().grab(r).toImage().convertToFormat(QImage.Format.Format_Grayscale8)
        data = bytes(img.constBits())[: img.bytesPerLine() * img.height()]
        if img.bytesPerLine() != img.width():
            data = b"".join(data[y * img.bytesPerLine(): y * img.bytesPerLine() + img.width()]
                            for y in range(img.height()))
        dark = sum(data.count(bytes([k])) for k in range(128))
        return dark / max(1, len(data))

    def shutdown(self) -> None:
        self.controller.shutdown()
        self._tmp.cleanup()


def paint_probe(h: Harness):
    """An event filter on the viewer's viewport: see the module docstring."""
    from PySide6.QtCore import QEvent, QObject

    canvas = h.viewer.canvas

    class PaintProbe(QObject):
        def __init__(self):
            super().__init__(canvas)
            self.want = None
            self.done_at: float | None = None
            self.last_paint = 0.0
            self.painted_pages: set[int] = set()
            self.paints = 0
            canvas.viewport().installEventFilter(self)

        def arm(self, want) -> None:
            """Wait for the first paint for which ``want()`` holds; ``done_at`` is set after it."""
            self.want, self.done_at = want, None

        def eventFilter(self, obj, ev):  # noqa: N802
            if ev.type() != QEvent.Type.Paint or obj is not canvas.viewport():
                return False
            self.paints += 1
            if self.want is None or not self.want():
                return False
            t = time.perf_counter()
            canvas.paintEvent(ev)  # the canvas's own paint, as Qt would run it after this filter
            self.done_at = time.perf_counter()
            self.last_paint = self.done_at - t
            self.painted_pages.update(canvas.visible_pages())
            self.want = None
            h.notify()
            return True  # painted: Qt must not paint it twice

    return PaintProbe()


def _open(workspace: str, case_id: str) -> tuple[Harness, dict, object]:
    h = Harness(workspace)
    before = _status("self").get("VmHWM")
    probes = []

    def factory(harness):
        probes.append(paint_probe(harness))
        return probes[0]

    r = h.open_case(case_id, factory)
    r["ink"] = h.ink(h.viewer.current_page())
    if r["ink"] < 0.005:
        raise RuntimeError(f"the first page was painted blank (ink {r['ink']:.4f}): not a real page")
    r["start_screen_cases"] = h.start_cases
    r["app_ready_seconds"] = h.t_ready - T_START
    r["hwm_before_open_mib"] = before
    return h, r, probes[0]


# -- commands ------------------------------------------------------------------------------------

def cmd_open(workspace: str, case_id: str) -> dict:
    h, r, _probe = _open(workspace, case_id)
    h.settle()
    r["memory"] = memory_report(h.render_pid())
    h.shutdown()
    return r


def cmd_rss(workspace: str, case_id: str, *queries: str) -> dict:
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtTest import QTest

    h, r, _probe = _open(workspace, case_id)
    after_open = memory_report(h.render_pid())
    w = h.window
    w.find_case_action.trigger()  # Ctrl+Shift+F: the Case search dock comes to the front, its query box focused
    panel = w.search_panel
    h.settle_events()
    state: dict = {}

    def wrap(name: str):
        original = getattr(panel, name)

        def shown(*args, **kwargs):
            original(*args, **kwargs)
            state["shown"] = time.perf_counter()
            state["how"] = name
            h.notify()

        setattr(panel, name, shown)

    wrap("show_result")
    wrap("show_error")

    class ResultPaint(QObject):
        def eventFilter(self, obj, ev):  # noqa: N802
            if ev.type() == QEvent.Type.Paint and "shown" in state and "painted" not in state:
                state["painted"] = time.perf_counter()
                h.notify()
            return False

    rp = ResultPaint()
    watched = [panel.status, panel.view.viewport()]
    for wd in watched:
        wd.installEventFilter(rp)
    latencies, totals, errors = {}, {}, {}
    for q in queries:
        state.clear()
        panel.query.setText(q)
        t = time.perf_counter()
        QTest.keyClick(panel.query, Qt.Key.Key_Return)
        h.wait(lambda: "painted" in state, 120, f"the result of {q!r} to be shown")
        latencies[q] = state["painted"] - t
        totals[q] = panel.model.rowCount()
        if state["how"] == "show_error":
            errors[q] = panel.status.text()
    for wd in watched:
        wd.removeEventFilter(rp)
    h.settle()
    mem = memory_report(h.render_pid())
    r.update({"memory": mem, "after_open": after_open, "search_seconds": latencies, "rows_shown": totals,
              "search_errors": errors, "status_last": panel.status.text()})
    h.shutdown()
    return r


def cmd_render(workspace: str, case_id: str, samples: str) -> dict:
    h, r, probe = _open(workspace, case_id)
    v = h.viewer
    n = v.page_count()
    k = max(2, int(samples))
    # Spread over the document, from page 4 (each zoom is set on page 1, which renders pages 1 and 2 at it).
    pages = [4 + i * (n - 4) // (k - 1) for i in range(k)]
    out: dict = {"open": r, "pages": n, "samples": pages, "zooms": {}}
    # Milestones, observed only: when the canvas's request timer fires (it asks for the pages in view then) and
    # when each page image arrives from the render thread.
    marks: dict = {}
    v.canvas._request.timeout.connect(lambda: marks.setdefault("asked", time.perf_counter()))
    v.client.pageReady.connect(lambda _d, p, sc, _i: marks.setdefault((p, round(sc, 3)), time.perf_counter()))
    out["app_before"] = _status("self")
    for zoom in (1.0, 2.0):
        v.go_to_page(1)
        h.settle()
        z: dict = {}
        probe.arm(lambda: h.view_ready())
        t = time.perf_counter()
        v.set_zoom(zoom)  # the zoom box, Ctrl+0, Ctrl+= all end here
        h.wait(lambda: probe.done_at is not None, 60, f"the view at {zoom:.0%}")
        z["set_zoom_seconds"] = probe.done_at - t
        h.settle()
        lat, paint, ink, cached, asked, arrived = [], [], [], [], [], []
        for page in pages:
            scale = h.page_scale()
            if v.client.image(v.model.doc_id, page, scale) is not None:
                cached.append(page)  # not a first visit: left out of the figures (reported)
                continue
            marks.clear()
            probe.arm(lambda p=page: h.view_ready(page=p))
            t = time.perf_counter()
            v.go_to_page(page)  # what the page box, the page strip and the index do
            h.wait(lambda: probe.done_at is not None, 60, f"page {page} at {zoom:.0%}")
            lat.append(probe.done_at - t)
            paint.append(probe.last_paint)
            asked.append(marks["asked"] - t if "asked" in marks else None)
            arrived.append(marks[(page, round(scale, 3))] - t if (page, round(scale, 3)) in marks else None)
            ink.append(h.ink(page))
            h.settle()
        if min(ink) < 0.005:
            raise RuntimeError(f"a page was painted blank at {zoom:.0%}: ink {min(ink):.4f}")
        z.update({"seconds": lat, "paint_seconds": paint, "asked_seconds": asked, "arrived_seconds": arrived,
                  "already_cached": cached, "min_ink": min(ink), "app_after": _status("self"),
                  "cache_mib": v.client.cached_bytes() / (1 << 20),
                  "images_made_reused": [v.client._pool.made, v.client._pool.reused],
                  "scale": h.page_scale(), "viewport": [v.canvas.viewport().width(), v.canvas.viewport().height()]})
        out["zooms"][f"{zoom:.0%}"] = z
    out["worker_start_seconds"] = list(h.worker_starts)
    out["memory"] = memory_report(h.render_pid())
    h.shutdown()
    return out


def cmd_scroll(workspace: str, case_id: str) -> dict:
    """At 100%, from the top of page 1 to the end, one scroll-bar page step at a time, each view painted."""
    from PySide6.QtWidgets import QAbstractSlider

    h, r, probe = _open(workspace, case_id)
    v = h.viewer
    n = v.page_count()
    probe.arm(lambda: h.view_ready())
    v.set_zoom(1.0)
    h.wait(lambda: probe.done_at is not None, 60, "the view at 100%")
    v.go_to_page(1)
    vs = v.canvas.verticalScrollBar()
    vs.setValue(0)
    h.settle()
    probe.painted_pages = set(v.canvas.visible_pages())  # on screen before the scroll starts
    steps = []
    t_start = time.perf_counter()
    while vs.value() < vs.maximum():
        probe.arm(lambda: h.view_ready())
        t = time.perf_counter()
        vs.triggerAction(QAbstractSlider.SliderAction.SliderPageStepAdd)  # a click in the scroll bar's trough
        h.wait(lambda: probe.done_at is not None, 60, f"the view at scroll position {vs.value()}")
        steps.append(probe.done_at - t)
    total = time.perf_counter() - t_start
    missing = sorted(set(range(1, n + 1)) - probe.painted_pages)
    if missing:
        raise RuntimeError(f"the scroll did not paint {len(missing)} pages, e.g. {missing[:5]}")
    ink = h.ink(n)
    if ink < 0.005:
        raise RuntimeError(f"the last page was painted blank (ink {ink:.4f})")
    out = {"open": r, "pages": n, "seconds": total, "steps": len(steps), "step_seconds": steps,
           "page_step_px": vs.pageStep(), "pages_painted": len(probe.painted_pages), "last_ink": ink,
           "viewport": [v.canvas.viewport().width(), v.canvas.viewport().height()], "scale": h.page_scale(),
           "worker_start_seconds": list(h.worker_starts), "memory": memory_report(h.render_pid())}
    h.shutdown()
    return out


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    cmd, args = argv[0], argv[1:]
    fn = {"open": cmd_open, "rss": cmd_rss, "render": cmd_render, "scroll": cmd_scroll}[cmd]
    _emit(fn(*args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
