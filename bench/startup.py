"""Cold start to first window shown: the same shim around a bare PySide6 window and around CaseView.

    python -m bench.startup bare
    python -m bench.startup caseview --demo --workspace DIR

The shim swaps ``QApplication`` for a subclass whose event filter notices the
first top-level window being exposed (or, failing that, shown) and painted; on
the next turn of the event loop it prints ``shown <perf_counter>`` and exits
at once (``os._exit``), so shutdown is never timed. The parent times from
``Popen`` to that line: interpreter start, imports, app construction and first
paint. Both sides pay the same shim cost (importing QtWidgets, which any Qt
app pays anyway).

A frozen build (``dist/caseview/caseview``) runs no Python of ours before its
own entry point, so it cannot wear the shim. It is timed by Qt's own log
instead: with ``QT_LOGGING_RULES=qt.widgets.painting=true`` Qt writes
"Painting and flushing dirty top level …" to standard error as it paints the
first top-level window; :func:`time_to_first_paint` times from ``Popen`` to that
line and kills the process. The source run is timed the same way beside it, so
the two are compared like for like (the log's own cost, a few hundred lines
before the first paint, is paid by both).
"""

from __future__ import annotations

import os
import sys


def install() -> None:
    from PySide6 import QtWidgets
    from PySide6.QtCore import QEvent, QObject, QTimer

    base = QtWidgets.QApplication
    state = {"done": False}

    def report() -> None:
        sys.stdout.write("shown\n")
        sys.stdout.flush()
        os._exit(0)

    class _Watch(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
            if not state["done"] and event.type() in (QEvent.Type.Expose, QEvent.Type.Paint, QEvent.Type.Show):
                is_window = (obj.isWidgetType() and obj.isWindow()) or type(obj).__name__ in ("QWidgetWindow", "QWindow")
                if is_window:
                    state["done"] = True
                    QTimer.singleShot(0, report)
            return False

    class BenchApplication(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._bench_watch = _Watch()
            self.installEventFilter(self._bench_watch)

    QtWidgets.QApplication = BenchApplication


def bare() -> int:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv[:1])
    w = QMainWindow()
    w.setWindowTitle("bare")
    w.setCentralWidget(QLabel("bare PySide6 window"))
    w.resize(1200, 800)
    w.show()
    return app.exec()


PAINT_RULES = "qt.widgets.painting=true"
PAINT_LINE = "Painting and flushing dirty top level"


def time_to_first_paint(cmd: list[str], env: dict[str, str], *, cwd: str | None = None, timeout: float = 60) -> float:
    """Seconds from ``Popen`` to Qt's log line of the first top-level paint; the process is killed then."""
    import subprocess
    import threading
    import time

    env = {**env, "QT_LOGGING_RULES": PAINT_RULES}
    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         errors="replace")
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    seen = None
    try:
        for line in p.stderr:
            if PAINT_LINE in line:
                seen = time.perf_counter() - t
                break
    finally:
        timer.cancel()
        p.kill()
        p.wait()
        p.stderr.close()
    if seen is None:
        raise RuntimeError(f"no window was painted by {' '.join(cmd)} (exit {p.returncode})")
    return seen


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    install()
    if argv[0] == "bare":
        return bare()
    import runpy

    sys.argv = ["caseview", *argv[1:]]
    runpy.run_module("caseview", run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
