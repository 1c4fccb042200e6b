"""The start screen, the import flows and the recent-bundles file, with qtbot offscreen."""

from __future__ import annotations

import json
import os
import stat

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from caseview.app import AppController
from caseview.core.errors import Cancelled
from caseview.core.progress import Step
from caseview.core.snapshot import CaseSummary
from caseview.ui import recent
from caseview.ui.dialogs.import_bundle import describe_step, start_import
from caseview.ui.models import IdRole
from caseview.ui.window.start import StartWindow
from caseview.ui.tasks import WorkspaceRunner


def _summary(case_id: str, reference: str) -> CaseSummary:
    return CaseSummary(case_id, reference, "Child A", "Testshire", "case-file-audit", 1, "open", 2, 5, "2026-11-30",
                       "2026-11-01T09:00:00Z", None, None, "f" * 64, "urn:uuid:1")


@pytest.fixture
def start(qtbot):
    w = StartWindow()
    qtbot.addWidget(w)
    w.resize(1100, 680)
    w.show()
    return w


@pytest.fixture
def runner(qtbot, tmp_path):
    r = WorkspaceRunner(tmp_path / "workspace")
    with qtbot.waitSignal(r.workspaceOpened, timeout=10_000):
        pass
    yield r
    r.shutdown()


@pytest.fixture
def controller(qtbot, runner, tmp_path):
    c = AppController(runner, QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    yield c
    for w in (c.start, c.review):
        if w is not None:
            w.close()
            w.deleteLater()
    for box in QApplication.topLevelWidgets():
        if isinstance(box, QMessageBox):
            box.close()


# -- the start window on its own ------------------------------------------------------------

def test_empty_start_screen_invites_a_bundle(start):
    assert start.windowTitle() == "CaseView"
    start.set_cases([])
    start.set_recent([])
    assert start.cases_stack.currentWidget() is start.empty
    assert start.recent_empty.isVisible() and not start.recent_list.isVisible()
    for b in (start.open_button, start.demo_button):
        assert b.isVisible() and b.accessibleName()


def test_cases_table_opens_a_case_on_double_click_and_button(qtbot, start):
    start.set_cases([_summary("c1", "TS-1"), _summary("c2", "TS-2")])
    assert start.cases_stack.currentWidget() is start.table
    assert start.proxy.rowCount() == 2
    assert start.selected_case() is not None and start.open_case_button.isEnabled()
    index = start.proxy.index(1, 0)
    rect = start.table.visualRect(index)
    qtbot.mouseClick(start.table.viewport(), Qt.LeftButton, pos=rect.center())  # a press first, as a mouse would
    with qtbot.waitSignal(start.openCaseRequested, timeout=1000) as got:
        qtbot.mouseDClick(start.table.viewport(), Qt.LeftButton, pos=rect.center())
    assert got.args == [index.data(IdRole)]
    start.table.selectRow(0)
    with qtbot.waitSignal(start.openCaseRequested) as got:
        start.open_case_button.click()
    assert got.args == [start.proxy.index(0, 0).data(IdRole)]


def test_recent_bundles_list_and_missing_files(qtbot, start, tmp_path):
    here = tmp_path / "here.cvb"
    here.write_bytes(b"x")
    start.set_recent([recent.RecentBundle(str(here), "c1", "TS-1", "2026-11-01T09:00:00Z"),
                      recent.RecentBundle(str(tmp_path / "gone.cvb"), "c2", "TS-2", "2026-11-01T09:00:00Z")])
    assert start.recent_list.count() == 2
    ok, gone = start.recent_list.item(0), start.recent_list.item(1)
    assert ok.flags() & Qt.ItemIsEnabled and not gone.flags() & Qt.ItemIsEnabled
    assert "moved or deleted" in gone.text()
    with qtbot.waitSignal(start.importRequested) as got:
        start.recent_list.itemActivated.emit(ok)
    assert got.args[0] == here


def test_dropping_a_bundle_asks_to_import_it(qtbot, start, tmp_path):
    bundle = tmp_path / "case.cvb"
    bundle.write_bytes(b"x")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt")), QUrl.fromLocalFile(str(bundle))])
    event = QDropEvent(QPointF(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    with qtbot.waitSignal(start.importRequested) as got:
        start.dropEvent(event)
    assert got.args[0] == bundle
    other = QMimeData()
    other.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    with qtbot.assertNotEmitted(start.importRequested):
        start.dropEvent(QDropEvent(QPointF(20, 20), Qt.CopyAction, other, Qt.LeftButton, Qt.NoModifier))


# -- progress wording ---------------------------------------------------------------------------

def test_import_progress_reads_as_documents_done():
    check = describe_step(Step(4, 45, "Checking Strategy discussion minutes"))
    assert check.headline == "Checking documents: 4 of 15" and check.current == "Strategy discussion minutes"
    read = describe_step(Step(22, 45, "Child protection plan"))
    assert read.headline == "Reading text: 7 of 15 documents" and read.current == "Child protection plan"
    assert describe_step(Step(15, 45, "Checking ")).current == ""
    assert describe_step(Step(30, 45, "Indexing")).headline == "Indexing and saving"
    assert describe_step(Step(45, 45, "")).fraction == 1.0


# -- flows through the controller -----------------------------------------------------------------

def test_import_from_the_start_screen_opens_the_review_window(qtbot, controller, factory, runner):
    bundle = factory.build()
    controller.show_start()
    controller.import_bundle(bundle, parent=controller.start)
    qtbot.waitUntil(lambda: controller.review is not None and controller.review.snapshot is not None,
                    timeout=15_000)
    review = controller.review
    assert review.windowTitle() == "CaseView — TS-2026-0001"
    assert review.isVisible() and not controller.start.isVisible()
    assert "Issuer not verified" in " ".join(review.info_bar.notices)  # notices go to the bar, not dialogs
    root = runner.root
    entries = recent.load_recent(root)
    assert [e.path for e in entries] == [str(bundle.resolve())]
    assert stat.S_IMODE(os.stat(root / recent.RECENT_FILE).st_mode) == 0o600

    controller.close_case()
    assert controller.start.isVisible()
    qtbot.waitUntil(lambda: controller.start.model.rowCount() == 1, timeout=5000)
    assert controller.start.model.index(0, 6).data() != "Never"
    assert controller.start.recent_list.count() == 1


def test_a_refused_bundle_is_explained_and_the_app_stays_up(qtbot, controller, tmp_path):
    hostile = tmp_path / "hostile.cvb"
    hostile.write_bytes(b"PK\x03\x04 this is not really a zip file" * 10)
    controller.show_start()
    controller.import_bundle(hostile, parent=controller.start)

    def box():
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        return boxes[0] if boxes else None

    qtbot.waitUntil(lambda: box() is not None, timeout=10_000)
    message = box()
    assert "hostile.cvb" in message.text()
    sentence = message.informativeText()
    assert sentence and "Traceback" not in sentence and "Nothing was added" in sentence
    assert not message.detailedText()
    assert controller.start.isVisible() and controller.review is None
    message.accept()
    controller.refresh_start()
    qtbot.waitUntil(lambda: controller.start.workspace_label.text() != "", timeout=5000)
    assert controller.start.model.rowCount() == 0


def test_command_line_bundle_shows_the_window_first_then_the_case(qtbot, controller, factory):
    bundle = factory.build()
    controller.launch(str(bundle), demo=False)
    review = controller.review
    assert review.isVisible() and review.stack.currentWidget() is review.skeleton  # shown before the import ends
    qtbot.waitUntil(lambda: review.windowTitle() == "CaseView — TS-2026-0001", timeout=15_000)
    assert review.stack.currentWidget() is review.viewer


def test_command_line_hostile_bundle_falls_back_to_the_start_screen(qtbot, controller, tmp_path):
    hostile = tmp_path / "hostile.cvb"
    hostile.write_bytes(b"\x00" * 100)
    controller.launch(str(hostile), demo=False)
    qtbot.waitUntil(lambda: controller.start is not None and controller.start.isVisible(), timeout=10_000)
    assert not controller.review.isVisible()
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert len(boxes) == 1


def test_cancelling_an_import_adds_nothing(qtbot, runner, factory):
    bundle = factory.build()
    outcome = {}
    token = start_import(runner, bundle, remember=True, on_done=lambda o: outcome.setdefault("done", o),
                         on_error=lambda e: outcome.setdefault("error", e), on_progress=lambda s: token.cancel())
    qtbot.waitUntil(lambda: bool(outcome), timeout=10_000)
    assert isinstance(outcome.get("error"), Cancelled)
    assert recent.load_recent(runner.root) == []


# -- the recent and position files (no Qt) ----------------------------------------------------------

def test_recent_file_is_atomic_private_ordered_and_forgiving(tmp_path):
    a, b = tmp_path / "a.cvb", tmp_path / "b.cvb"
    recent.add_recent(tmp_path, a, "c1", "TS-1")
    recent.add_recent(tmp_path, b, "c2", "TS-2")
    entries = recent.add_recent(tmp_path, a, "c1", "TS-1")
    assert [e.case_id for e in entries] == ["c1", "c2"]
    assert [e.case_id for e in recent.load_recent(tmp_path)] == ["c1", "c2"]
    assert stat.S_IMODE(os.stat(tmp_path / recent.RECENT_FILE).st_mode) == 0o600
    assert not list(tmp_path.glob(".recent.json.*"))
    for i in range(20):
        recent.add_recent(tmp_path, tmp_path / f"{i}.cvb", f"x{i}", "")
    assert len(recent.load_recent(tmp_path)) == recent.MAX_RECENT
    (tmp_path / recent.RECENT_FILE).write_text("{not json", encoding="utf-8")
    assert recent.load_recent(tmp_path) == []
    assert [e.case_id for e in recent.forget_recent(tmp_path, "nothing")] == []


def test_positions_per_case(tmp_path):
    assert recent.load_position(tmp_path, "c1") is None
    recent.save_position(tmp_path, "c1", recent.Position("DOC06", 2, 1.25, "custom"))
    recent.save_position(tmp_path, "c2", recent.Position("DOC01", 1))
    assert recent.load_position(tmp_path, "c1") == recent.Position("DOC06", 2, 1.25, "custom")
    assert recent.load_position(tmp_path, "c2") == recent.Position("DOC01", 1, None)
    data = json.loads((tmp_path / recent.POSITIONS_FILE).read_text(encoding="utf-8"))
    assert set(data["cases"]) == {"c1", "c2"}
    assert stat.S_IMODE(os.stat(tmp_path / recent.POSITIONS_FILE).st_mode) == 0o600
