"""Produce the README screenshots from the real app: start screen, review window, timeliness, case search, and the journey.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--size 1366x768] [--dark] [--no-journey]

The journey (``journey-1-open.png`` … ``journey-9-verified.png``) is the
reviewer's whole path, driven through the real widgets by the same driver as
``tests/e2e/test_journey.py``: a decision item, an outcome item, a citation,
the Finalise list, the identity wizard, the passphrase prompt, the signed
result and the verify dialog. Dialogs are photographed over the dimmed window,
as the reviewer sees them.

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
    p.add_argument("--no-journey", action="store_true", help="skip the journey screenshots")
    args = p.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="caseview-shots-"))
    os.environ["CASEVIEW_WORKSPACE"] = str(tmp / "workspace")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from caseview.app import AppController, create_application, demo_path, make_render_client
    from caseview.core.review import AddAnnotation, Anchor, Annotation, apply
    from caseview.ui.dialogs.import_bundle import start_import
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
                print(f"timed out waiting for the app (line {cond.__code__.co_firstlineno})", file=sys.stderr)
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
    shown = findings["annotations"][:len(tags)]
    for a, tag in zip(shown, tags):
        anchor = Anchor(a["document_id"], a["page"], a["exact"], a["prefix"], a["suffix"])
        cmd = AddAnnotation(Annotation(a["id"], anchor, a["note"], tag, a["created"]))
        runner.submit(lambda ws, cmd=cmd: apply(ws, case_id, cmd), lambda _, i=a["id"]: box.setdefault(i, 1),
                      lambda e, i=a["id"]: box.setdefault(i, print(f"annotation {i}: {e}", file=sys.stderr)))
    wait(lambda: all(a["id"] in box for a in shown))

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
    review.annotations_panel.select("A1")
    review.review_dock.raise_()
    review.review_panel.select_item("K3")
    shot(review, "review.png")

    review.timeliness_dock.raise_()
    review.open_at("DOC06", 1)
    shot(review, "timeliness.png")

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

    if not args.no_journey:
        journey(app, controller, review, shot, wait, args.out, tmp)

    for w in QApplication.topLevelWidgets():
        w.close()
    controller.shutdown()
    return 0


def over_window(window, dialog, out: Path) -> Path:
    """The window, dimmed, with the dialog drawn over its centre (offscreen, a dialog is its own top-level)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter

    base = window.grab()
    top = dialog.grab()
    p = QPainter(base)
    p.fillRect(base.rect(), QColor(0, 0, 0, 90))
    at = QPoint((base.width() - top.width()) // 2, max(24, (base.height() - top.height()) // 2))
    p.fillRect(at.x() + 3, at.y() + 4, top.width(), top.height(), QColor(0, 0, 0, 70))
    p.drawPixmap(at, top)
    p.end()
    base.save(str(out))
    print(f"saved {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return out


def journey(app, controller, review, shot, wait, out_dir: Path, tmp: Path) -> None:
    """The reviewer's journey on the demo case, photographed step by step."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QFileDialog

    from caseview.core.frameworks import CASE
    from caseview.ui.review.completeness import MissingDialog
    from tests.e2e.journey_driver import Journey, plain_wait, settle

    report = tmp / "NS-2026-0147 review.pdf"
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(report), ""))
    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(report), ""))
    j = Journey(review, plain_wait(app))
    w = review
    w.annotations_panel.select("A1")
    w.review_dock.raise_()

    def dialog_shot(dialog, name: str) -> None:
        wait(lambda: True, settle=0.4)
        over_window(w, dialog, out_dir / name)

    # 1. The case open, the review panel on the first decision.
    j.click_item("K1")
    w.open_at("DOC01", 1)
    shot(w, "journey-1-open.png")

    # 2. A decision judged: scale, reasons, a passage cited (Ctrl+E) from the referral form.
    j.review_item("K1", shortcut=True)
    j.idle()
    j.panel.scroll.ensureWidgetVisible(j.panel.block("judgement"))
    shot(w, "journey-2-decision.png")

    # 3. An outcome: evidenced?, attributable?, sustained?, reasons.
    j.review_item("O1")
    j.idle()
    j.panel.scroll.ensureWidgetVisible(j.panel.block("sustained"))
    shot(w, "journey-3-outcome.png")

    # 4. The evidence list: a click takes the viewer to the cited passage, highlighted.
    j.click_item("K1")
    j.panel.scroll.verticalScrollBar().setValue(0)
    form = j.panel.form
    j.panel.scroll.ensureWidgetVisible(form.evidence_box)
    index = form.evidence_model.index(0)
    form.evidence_view.setCurrentIndex(index)
    form.evidence_view.clicked.emit(index)
    shot(w, "journey-4-evidence.png")

    # 5. Finalise…: what is still missing, each entry a way to the field.
    QTest.mouseClick(j.panel.completeness.button, Qt.LeftButton)
    wait(lambda: j.panel.findChild(MissingDialog) is not None and j.panel.findChild(MissingDialog).isVisible())
    missing = j.panel.findChild(MissingDialog)
    dialog_shot(missing, "journey-5-finalise.png")
    missing.reject()
    settle(app, 0.2)

    # ... the rest of the review, then Finalise and sign.
    for item_id in [i.id for i in j.controller.snapshot.items if i.id not in ("K1", "O1")]:
        j.review_item(item_id)
    j.click_item(CASE)
    j.answer_required(CASE)
    j.idle()
    w.wiring.sign_action.trigger()
    wait(lambda: w.wiring.flow is not None and w.wiring.flow.wizard is not None and w.wiring.flow.wizard.isVisible())
    flow = w.wiring.flow
    wizard = flow.wizard
    QTest.mouseClick(wizard.new_button, Qt.LeftButton)
    passphrase = "copper kettle under the stairs"
    for field, text in ((wizard.c_name, "Rhiannon Ellis"), (wizard.c_org, "Independent Review Partnership"),
                        (wizard.c_email, "rhiannon@example.org.uk"), (wizard.c_pass, passphrase),
                        (wizard.c_pass2, passphrase)):
        QTest.keyClicks(field, text)
    dialog_shot(wizard, "journey-6-identity.png")
    QTest.mouseClick(wizard.create_button, Qt.LeftButton)
    wait(lambda: wizard.made is not None, 30)
    QTest.mouseClick(wizard.finish_button, Qt.LeftButton)
    wait(lambda: flow.passphrase_dialog is not None and flow.passphrase_dialog.isVisible())
    prompt = flow.passphrase_dialog
    QTest.keyClicks(prompt.field, passphrase)
    dialog_shot(prompt, "journey-7-passphrase.png")
    QTest.mouseClick(prompt.ok_button, Qt.LeftButton)
    wait(lambda: flow.result_dialog is not None and flow.result_dialog.isVisible(), 60)
    wait(lambda: j.controller.read_only, 10)
    dialog_shot(flow.result_dialog, "journey-8-signed.png")
    flow.result_dialog.accept()
    wait(lambda: w.wiring.flow is None)

    # 9. File → Verify report… on the file just written.
    w.wiring.verify_action.trigger()
    verify = w.wiring.last_dialog()
    wait(lambda: getattr(verify, "result", None) is not None, 30)
    dialog_shot(verify, "journey-9-verified.png")
    verify.close()


if __name__ == "__main__":
    sys.exit(main())
