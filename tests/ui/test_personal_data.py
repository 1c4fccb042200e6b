"""The Personal data dock with qtbot, offscreen: the background check, masked findings, reveal, resolve, undo,
and Finalise blocked by a quote that carries a flagged identifier."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from caseview.core.importer import import_bundle
from caseview.core.pdcheck import REPORTED
from caseview.core.review import AddEvidence, Anchor, Evidence
from caseview.core.store import Workspace
from caseview.ui.dialogs.sign_flow import _check_job
from caseview.ui.models import HtmlRole
from caseview.ui.tasks import WorkspaceRunner
from caseview.ui.window.main_window import ReviewWindow
from tests.factory import NOTE_LINES, BundleFactory

NHS = "943 476 5919"


@pytest.fixture
def case(tmp_path):
    lines = list(NOTE_LINES)
    lines[9] = f"Mother gave the baby's NHS number {NHS} to the duty worker on the phone."
    factory = BundleFactory(tmp_path / "bundles")
    files = factory.default_files()
    files["documents/notes.txt"] = ("\n".join(lines) + "\n").encode("utf-8")
    root = tmp_path / "workspace"
    with Workspace(root, backup=False) as ws:
        case_id = import_bundle(ws, factory.build(files=files)).case_id
    return root, case_id


@pytest.fixture
def window(qtbot, case, tmp_path):
    runner = WorkspaceRunner(case[0])
    with qtbot.waitSignal(runner.workspaceOpened, timeout=10_000):
        pass
    w = ReviewWindow(runner, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat), None)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.load_case(case[1])
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=10_000)
    yield w
    runner.shutdown()


def test_the_check_runs_after_opening_and_findings_are_masked_until_revealed(qtbot, window):
    w = window
    panel = w.wiring.personal_data
    qtbot.waitUntil(lambda: panel.state is not None and panel.state.finished is not None, timeout=15_000)
    model = panel.model
    rows = [model.index(r, 0) for r in range(model.rowCount())]
    nhs = next(i for i in rows if "NHS number" in i.data(HtmlRole))
    assert "9** *** ****" in nhs.data(HtmlRole) and NHS not in nhs.data(HtmlRole)
    assert "To resolve" in nhs.data(HtmlRole)
    assert "to resolve" in panel.summary.text() and "cannot be signed" in panel.summary.text()
    assert "B4 Child A" in panel.not_checked.text()  # the drawing: listed as not checked
    panel.view.setCurrentIndex(nhs)
    panel.reveal_button.setChecked(True)
    qtbot.waitUntil(lambda: NHS in (panel.model.index(nhs.row(), 0).data(HtmlRole) or ""), timeout=5_000)
    panel.reveal_button.setChecked(False)
    assert NHS not in panel.model.index(nhs.row(), 0).data(HtmlRole)

    panel.report_button.click()
    qtbot.waitUntil(lambda: any(f.resolution == REPORTED for f in panel.state.findings), timeout=5_000)
    assert "Reported to the issuer" in panel.model.index(nhs.row(), 0).data(HtmlRole)
    w.wiring.undo_action.trigger()  # a resolution is review data: Edit → Undo takes it back
    qtbot.waitUntil(lambda: all(f.resolution is None for f in panel.state.findings), timeout=5_000)


def test_finalise_lists_a_quote_that_carries_a_flagged_identifier(qtbot, window):
    w = window
    panel = w.wiring.personal_data
    qtbot.waitUntil(lambda: panel.state is not None and panel.state.finished is not None, timeout=15_000)
    w.wiring.controller.submit(AddEvidence(Evidence("EV1", "K1", Anchor("D2", 1, f"NHS number {NHS} to the"), "")))
    qtbot.waitUntil(w.wiring.controller.is_idle, timeout=5_000)
    box = {}
    w.runner.submit(_check_job(w.snapshot.case.id), lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box, timeout=5_000)
    leaks = [e for e in box["r"].missing if "quotes a possible NHS number" in e.sentence]
    assert len(leaks) == 1 and leaks[0].item_id == "K1"
    assert "9** *** ****" in leaks[0].sentence and NHS not in leaks[0].sentence
