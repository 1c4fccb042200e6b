"""Measurements that need a process of their own; each prints one JSON line on stdout.

    python -m bench.child import BUNDLE WORKSPACE
    python -m bench.child search WORKSPACE CASE_ID ROUNDS QUERY...
    python -m bench.child open WORKSPACE CASE_ID
    python -m bench.child rss WORKSPACE CASE_ID QUERY...
    python -m bench.child qt-baseline

``ru_maxrss`` is in KiB on Linux. Timings use ``time.perf_counter``.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

T_START = time.perf_counter()


def _maxrss_mib(who=resource.RUSAGE_SELF) -> float:
    """Peak RSS in MiB. For this process, VmHWM: Linux carries ru_maxrss across exec, so a child started from a
    big parent would report the parent's size; VmHWM belongs to this process's own address space."""
    if who == resource.RUSAGE_SELF:
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
    return resource.getrusage(who).ru_maxrss / 1024


def _emit(data: dict) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def cmd_import(bundle: str, workspace: str, check: str = "check") -> dict:
    from pathlib import Path

    from caseview.core.importer import import_bundle
    from caseview.core.store import Workspace

    marks: dict[str, float] = {}

    def progress(step) -> None:
        now = time.perf_counter()
        label = step.label or ""
        if label.startswith("Checking"):
            marks["check_end"] = now
        elif label == "Saving":
            marks["save_start"] = now
        elif step.done == step.total:
            marks["commit_end"] = now
        elif "check_end" in marks and "first_document" not in marks:
            marks["first_document"] = now

    t_open = time.perf_counter()
    ws = Workspace(Path(workspace))
    t0 = time.perf_counter()
    result = import_bundle(ws, Path(bundle), progress=progress, personal_data_check=check == "check")
    t1 = time.perf_counter()
    ws.close()
    phases = {}
    if {"check_end", "save_start", "commit_end"} <= marks.keys():
        # Reading (PDFium in the workers, with the personal-data detectors) and writing + indexing each
        # document's pages overlap: one phase.
        phases = {
            "check": marks["check_end"] - t0,
            "read_and_index": marks["save_start"] - marks["check_end"],
            "save_and_commit": marks["commit_end"] - marks["save_start"],
            "backup": t1 - marks["commit_end"],
        }
    return {"seconds": t1 - t0, "open_seconds": t0 - t_open, "case_id": result.case_id, "phases": phases,
            "maxrss_mib": _maxrss_mib(), "children_maxrss_mib": _maxrss_mib(resource.RUSAGE_CHILDREN),
            "cpu_seconds": _cpu_seconds()}


def cpu_of(who: int) -> float:
    """User + system CPU seconds of ``resource.RUSAGE_SELF`` or of the finished ``RUSAGE_CHILDREN``: steadier
    than wall time on a shared machine, for comparing two ways of doing the same work."""
    use = resource.getrusage(who)
    return use.ru_utime + use.ru_stime


def _cpu_seconds() -> dict[str, float]:
    """This process's CPU and its finished children's (the PDF workers)."""
    return {"parent": cpu_of(resource.RUSAGE_SELF), "workers": cpu_of(resource.RUSAGE_CHILDREN)}


def cmd_search(workspace: str, case_id: str, rounds: str, order: str, *queries: str) -> dict:
    from pathlib import Path

    from caseview.core.search import search
    from caseview.core.store import Workspace

    ws = Workspace(Path(workspace), backup=False)
    samples: dict[str, list[float]] = {q: [] for q in queries}
    totals: dict[str, int] = {}
    first = None
    for r in range(int(rounds)):
        for q in queries:
            t = time.perf_counter()
            res = search(ws, case_id, q, limit=20, order=order)
            dt = time.perf_counter() - t
            if first is None:
                first = dt
            samples[q].append(dt)
            totals[q] = res.total
    ws.close()
    return {"samples": samples, "totals": totals, "first_query_seconds": first, "maxrss_mib": _maxrss_mib()}


def _qimage_from_bitmap(bitmap):
    from PySide6.QtGui import QImage

    fmt = {4: QImage.Format.Format_RGBX8888, 3: QImage.Format.Format_RGB888, 1: QImage.Format.Format_Grayscale8}
    img = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, fmt[bitmap.n_channels])
    return img.copy()  # own the pixels once the PDFium bitmap is closed, as a viewer must


def render_first_page(ws, case_id: str) -> dict:
    """What opening a case needs before its first page can be painted (engine side)."""
    import pypdfium2 as pdfium

    marks = {}
    t = time.perf_counter()
    case = ws.case(case_id)
    docs = ws.documents(case.id)
    marks["case_and_index"] = time.perf_counter() - t
    first = docs[0]
    t = time.perf_counter()
    kind = first.media_type
    if kind == "application/pdf":
        pdf = pdfium.PdfDocument(str(ws.blob_path(first.sha256)))
        page = pdf[0]
        bmp = page.render(scale=96 / 72, rev_byteorder=True, prefer_bgrx=True)
        img = _qimage_from_bitmap(bmp)
        size = (img.width(), img.height())
        page.close()
        pdf.close()
    elif kind.startswith("image/"):
        from PySide6.QtGui import QImage

        img = QImage(str(ws.blob_path(first.sha256)))
        size = (img.width(), img.height())
    else:
        text = ws.page_text(case.id, first.doc_id, 1) or ""
        size = (len(text), 0)
    marks["first_page"] = time.perf_counter() - t
    return {"marks": marks, "doc": first.doc_id, "media_type": kind, "size": size}


def _qt_app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication([])


def cmd_open(workspace: str, case_id: str) -> dict:
    """Time from 'open this workspace' to the first page as a QImage, in a fresh process with Qt loaded."""
    from pathlib import Path

    app = _qt_app()  # noqa: F841 (the app has Qt running before the reviewer opens a case)
    import pypdfium2  # noqa: F401 (loaded at app start)

    from caseview.core.store import Workspace

    t0 = time.perf_counter()
    ws = Workspace(Path(workspace), backup=False)
    t_ws = time.perf_counter() - t0
    out = render_first_page(ws, case_id)
    total = time.perf_counter() - t0
    ws.close()
    return {"seconds": total, "workspace_open": t_ws, **out, "process_seconds": time.perf_counter() - T_START}


def cmd_rss(workspace: str, case_id: str, *queries: str) -> dict:
    from pathlib import Path

    app = _qt_app()  # noqa: F841
    from caseview.core.search import search
    from caseview.core.store import Workspace

    ws = Workspace(Path(workspace), backup=False)
    render_first_page(ws, case_id)
    after_open = _maxrss_mib()
    for q in queries:
        search(ws, case_id, q, limit=50)
    ws.close()
    return {"maxrss_mib": _maxrss_mib(), "after_open_mib": after_open}


def cmd_qt_baseline() -> dict:
    app = _qt_app()  # noqa: F841
    import pypdfium2  # noqa: F401

    return {"maxrss_mib": _maxrss_mib()}


def main(argv: list[str]) -> int:
    cmd, args = argv[0], argv[1:]
    fn = {"import": cmd_import, "search": cmd_search, "open": cmd_open, "rss": cmd_rss,
          "qt-baseline": cmd_qt_baseline}[cmd]
    _emit(fn(*args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
