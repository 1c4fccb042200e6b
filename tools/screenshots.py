"""Produce the README screenshots from the real app: start screen, review window, case search.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--size 1366x768] [--dark]

Runs offscreen (``QT_QPA_PLATFORM=offscreen``, ``QWidget.grab()``) in a fresh
temporary workspace with the demo case, so it needs no display and never
touches the reviewer's own workspace or settings. Under Xvfb
(``/work/shared/tools/screenshot``) the app itself can be photographed instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    p.add_argument("--size", default="1366x768", help="window size, WIDTHxHEIGHT (default 1366x768)")
    p.add_argument("--dark", action="store_true", help="also photograph the review window in the dark scheme")
    args = p.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="caseview-shots-"))
    os.environ["CASEVIEW_WORKSPACE"] = str(tmp / "workspace")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from caseview.app import AppController, create_application, demo_path, make_render_client
    from caseview.core.review import AddAnnotation, Anchor, Annotation, apply
    from caseview.ui.import_dialog import start_import
    from caseview.ui.tasks import WorkspaceRunner

    app = create_application()
    settings = QSettings(str(tmp / "settings.ini"), QSettings.IniFormat)
    runner = WorkspaceRunner(tmp / "workspace")
    controller = AppController(runner, settings, None, make_render_client)
    args.out.mkdir(parents=True, exist_ok=True)

    def wait(cond, timeout: float = 20.0, settle: float = 0.0) -> None:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                print("timed out waiting for the app", file=sys.stderr)
                os._exit(1)
            app.processEvents()
            time.sleep(0.01)
        end = time.monotonic() + settle
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def quiet_renderer() -> bool:
        client = controller.render_client
        return client is None or not hasattr(client, "pending") or client.pending() == 0

    def shot(widget, name: str) -> Path:
        wait(quiet_renderer, settle=0.6)
        wait(quiet_renderer, settle=0.3)
        path = args.out / name
        widget.grab().save(str(path))
        print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        return path

    # the demo case, imported as a reviewer would (so it is also among the recent bundles)
    box: dict = {}
    start_import(runner, demo_path(), remember=True, on_done=lambda o: box.setdefault("case", o.result.case_id),
                 on_error=lambda e: box.setdefault("error", str(e)), on_progress=lambda s: None)
    wait(lambda: box)
    if "error" in box:
        raise SystemExit(box["error"])
    case_id = box["case"]

    # a few highlights from the demo's finished review, so the annotations panel shows real use
    findings = json.loads((ROOT / "resources" / "demo" / "demo-findings.json").read_text(encoding="utf-8"))
    tags = ["Concern", "Concern", "Question", "Concern"]
    for a, tag in zip(findings["annotations"], tags):
        anchor = Anchor(a["document_id"], a["page"], a["exact"], a["prefix"], a["suffix"])
        cmd = AddAnnotation(Annotation(a["id"], anchor, a["note"], tag, a["created"]))
        runner.submit(lambda ws, cmd=cmd: apply(ws, case_id, cmd), lambda _, i=a["id"]: box.setdefault(i, 1),
                      lambda e, i=a["id"]: box.setdefault(i, print(f"annotation {i}: {e}", file=sys.stderr)))
    wait(lambda: all(a["id"] in box for a in findings["annotations"]))

    controller.show_start()
    start = controller.start
    start.resize(width, height)
    wait(lambda: start.model.rowCount() > 0, settle=0.3)
    shot(start, "start.png")

    controller.open_case(case_id)
    review = controller.review
    review.resize(width, height)
    review.reset_layout()
    wait(lambda: review.snapshot is not None, settle=0.2)
    review.open_at("DOC06", 1)
    review.annotations_dock.raise_()
    review.annotations_panel.select("A1")
    shot(review, "review.png")

    review.search_dock.raise_()
    review.search_panel.query.setText('"seen alone"')
    review.search_panel._enter()
    wait(lambda: review.search_panel.model.rowCount() > 0, settle=0.1)
    index = review.search_panel.view.currentIndex()
    review.search_panel._activate(index)
    shot(review, "search.png")

    if args.dark:
        from caseview.ui.style import force_scheme

        force_scheme(app, True)
        wait(lambda: True, settle=0.5)
        review.annotations_dock.raise_()
        shot(review, "review-dark.png")

    for w in QApplication.topLevelWidgets():
        w.close()
    controller.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
