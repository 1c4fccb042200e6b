"""The review window with qtbot, offscreen, on the demo case: docks, navigation, search, annotations, persistence."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTabBar

from caseview.core.review import AddAnnotation, Anchor, Annotation, apply, read_state
from caseview.ui.window.main_window import HighlightDialog, ReviewWindow
from caseview.ui.models import AnchorRole, DocIdRole, HtmlRole, IdRole, ObjectRole, OrphanedRole, PageRole
from caseview.ui.recent import load_position
from caseview.ui.tasks import WorkspaceRunner
from tests.factory import import_demo

QUOTE = "This conference is outside that timescale."


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The demo case imported once; each test works on a copy."""
    root = tmp_path_factory.mktemp("template") / "workspace"
    return root, import_demo(root)


@pytest.fixture(scope="module")
def render_client(qapp):
    from caseview.core.render import RenderService
    from caseview.ui.viewer.render_client import RenderClient

    client = RenderClient(RenderService(timeout=20))
    yield client
    client.shutdown()


@pytest.fixture
def workspace(template, tmp_path):
    root = tmp_path / "workspace"
    shutil.copytree(template[0], root)
    return root, template[1]


@pytest.fixture
def runner(qtbot, workspace):
    r = WorkspaceRunner(workspace[0])
    with qtbot.waitSignal(r.workspaceOpened, timeout=10_000) as blocker:
        pass
    assert blocker.args == [None]
    yield r
    r.shutdown()


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


def stray_tab_bars(w: ReviewWindow) -> list:
    """Dock tab bars drawn over the centre of the window (a Qt 6.12 leftover the window hides)."""
    centre = w.centralWidget().geometry()
    return [b for b in w.findChildren(QTabBar) if b.parent() is w and b.isVisible() and centre.intersects(b.geometry())]


def open_window(qtbot, runner, settings, render_client, case_id, notices=()) -> ReviewWindow:
    w = ReviewWindow(runner, settings, render_client)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.load_case(case_id, notices)
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=10_000)
    return w


def run_in_workspace(qtbot, runner, fn):
    box = {}
    runner.submit(fn, lambda r: box.setdefault("r", r), lambda e: box.setdefault("e", e))
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    assert "e" not in box, box.get("e")
    return box["r"]


@pytest.fixture
def window(qtbot, runner, settings, render_client, workspace):
    return open_window(qtbot, runner, settings, render_client, workspace[1])


def test_title_docks_menus_and_status(window):
    w = window
    assert w.windowTitle() == "CaseView — NS-2026-0147"
    names = [d.objectName() for d in w.docks]
    assert names == ["dock.index", "dock.chronology", "dock.search", "dock.annotations", "dock.timeliness",
                     "dock.review", "dock.personal_data", "dock.moderation"]
    assert [d.windowTitle() for d in w.docks] == ["Bundle index", "Chronology", "Case search", "Annotations",
                                                  "Timeliness", "Review", "Personal data", "Moderation"]
    assert not w.moderation.dock.isVisible()  # shown only while a case is under moderation
    assert [m.title() for m in (a.menu() for a in w.menuBar().actions())] == ["&File", "&Edit", "&Review", "&View",
                                                                              "&Go", "&Help"]
    assert w.review_dock.isVisible() and w.review_panel.items_model.rowCount() == 9  # 8 items and the case
    assert w.wiring.cite_action.shortcut().toString() == "Ctrl+E"
    assert w.wiring.undo_action.shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [k.toString() for k in w.wiring.redo_action.shortcuts()]
    assert not w.wiring.new_version_action.isEnabled() and w.wiring.sign_action.isEnabled()
    assert w.find_case_action.shortcut().toString() == "Ctrl+Shift+F"
    assert w.goto_action.shortcut().toString() == "Ctrl+G"
    assert w.highlight_action.shortcut().toString() == "Ctrl+H"
    assert w.index_panel.model.rowCount() == 4
    assert w.chronology_panel.model.rowCount() == 31
    assert w.case_label.text() == "NS-2026-0147"
    assert w.page_label.text() == "Page A1"  # no saved position: the first document
    assert w.stack.currentWidget() is w.viewer
    assert stray_tab_bars(w) == []
    for widget in (w.viewer, w.index_panel.view, w.chronology_panel.view, w.search_panel.query,
                   w.search_panel.view, w.annotations_panel.view, w.annotations_panel.edit_button):
        assert widget.accessibleName()
    # every shortcut is bound once: Qt does nothing on an ambiguous one
    seen = {}
    for act in w.findChildren(type(w.highlight_action)):
        for key in {k.toString(): k for k in act.shortcuts()}.values():
            if act.shortcutContext() in (Qt.WindowShortcut, Qt.ApplicationShortcut) and key.toString():
                assert key.toString() not in seen, (act.text(), seen.get(key.toString()))
                seen[key.toString()] = act.text()


def test_index_click_opens_the_document(qtbot, window):
    w = window
    view = w.index_panel.view
    index = w.index_panel.model.document_index("DOC06")
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualRect(index).center())
    assert w.doc_id == "DOC06" and w.page == 1
    assert w.viewer.document().id == "DOC06"
    assert w.page_label.text() == "Page B1"


def test_chronology_click_opens_the_linked_document(qtbot, window):
    w = window
    w.chronology_dock.raise_()
    view = w.chronology_panel.view
    model = w.chronology_panel.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(IdRole) == "E03")
    index = model.index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualRect(index).center())
    assert w.doc_id == "DOC03"


def test_timeliness_dock_says_what_was_missed_and_opens_both_events(qtbot, window):
    w = window
    w.timeliness_dock.raise_()
    panel, model = w.timeliness_panel, w.timeliness_panel.model
    assert model.rowCount() == 7
    assert "7 timescales as of 19 Oct 2026: 1 missed, 5 met, 1 no longer applies." == panel.summary.text()
    assert "england-2023 1.0" in panel.note.text()
    missed = [r for r in range(model.rowCount()) if model.index(r, 0).data() == "Missed"]
    assert len(missed) == 1
    index = model.index(missed[0], 0)
    # words, not colour alone; the rule's source on hover; both events' documents in the menu's list
    assert index.data(Qt.AccessibleTextRole).startswith("Missed: Initial child protection conference within 15")
    assert "2 working days late" in index.data(Qt.AccessibleTextRole)
    assert "Source: Working Together to Safeguard Children 2023" in index.data(Qt.ToolTipRole)
    assert "Missed</b>" in index.data(HtmlRole) and "17 working days" in index.data(HtmlRole)
    row = index.data(ObjectRole)
    assert [d for d, _ in row.docs] == ["DOC03", "DOC06", "DOC07"] and (row.start.id, row.end.id) == ("E03", "E09")
    view = panel.view
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualRect(index).center())
    assert w.doc_id == "DOC06"  # the conference's own minutes: where the late date is
    # the chronology marks both events of the missed timescale, and only those
    chron = w.chronology_panel.model
    marked = {chron.index(r, 0).data(IdRole) for r in range(chron.rowCount())
              if "Timescale missed" in (chron.index(r, 0).data(HtmlRole) or "")}
    assert marked == {"E03", "E09"}
    panel.eventRequested.emit("E09")
    assert w.chronology_panel.view.currentIndex().data(IdRole) == "E09"


def test_case_search_keyboard_flow_opens_the_hit_highlighted(qtbot, window, monkeypatch):
    w = window
    opened = []
    original = w.viewer.open_document
    monkeypatch.setattr(w.viewer, "open_document",
                        lambda doc, page=1, highlight=None, **kw: (opened.append((doc.id, page, highlight)),
                                                                    original(doc, page, highlight, **kw)))
    w.activateWindow()
    w.focus_search()
    assert w.search_dock.isVisible()
    assert QApplication.focusWidget() is w.search_panel.query or not QApplication.focusWindow()
    QTest.keyClicks(w.search_panel.query, '"seen alone"')
    QTest.keyClick(w.search_panel.query, Qt.Key_Return)
    qtbot.waitUntil(lambda: w.search_panel.model.rowCount() > 0, timeout=5000)
    assert "match" in w.search_panel.status.text()
    first = w.search_panel.model.index(0, 0)
    QTest.keyClick(w.search_panel.query, Qt.Key_Return)  # a second Enter opens the selected hit
    assert opened, "the hit did not open"
    doc_id, page, anchor = opened[-1]
    assert (doc_id, page) == (first.data(DocIdRole), first.data(PageRole))
    assert anchor is not None and anchor.exact.lower() == "seen alone"
    assert w.doc_id == doc_id and w.page == page

    w.search_panel.query.setText('"unclosed')
    QTest.keyClick(w.search_panel.query, Qt.Key_Return)
    qtbot.waitUntil(lambda: "quotation" in w.search_panel.status.text(), timeout=5000)
    assert w.search_panel.model.rowCount() == 0


def test_highlight_add_edit_remove_is_saved(qtbot, window, runner, workspace, monkeypatch):
    w = window
    case_id = workspace[1]
    w.open_at("DOC06", 1)
    anchor = Anchor("DOC06", 1, QUOTE, "section 47 enquiry was agreed. ", " Reason recorded by business sup")
    monkeypatch.setattr(w.viewer, "selection", lambda: anchor)
    w.highlight_action.trigger()
    dialog = next(d for d in w.findChildren(HighlightDialog) if d.isVisible())
    dialog.note.setPlainText("17 working days; should be 15")
    dialog.tag.setCurrentText("Concern")
    dialog.accept()
    qtbot.waitUntil(lambda: w.saved_label.text() == "Saved", timeout=5000)
    panel = w.annotations_panel
    assert panel.model.rowCount() == 1
    aid = panel.model.index(0, 0).data(IdRole)
    assert panel.current_id() == aid
    stored = run_in_workspace(qtbot, runner, lambda ws: read_state(ws, case_id).annotations)
    assert [(a.anchor, a.note, a.tag) for a in stored] == [(anchor, "17 working days; should be 15", "Concern")]

    w.saved_label.setText("")
    w.edit_annotation(aid)
    dialog = next(d for d in w.findChildren(HighlightDialog) if d.isVisible())
    assert dialog.note.toPlainText() == "17 working days; should be 15"
    dialog.note.setPlainText("Late conference")
    dialog.tag.setCurrentText("Question")
    dialog.accept()
    qtbot.waitUntil(lambda: w.saved_label.text() == "Saved", timeout=5000)
    assert panel.model.index(0, 3).data() == "Late conference"
    assert panel.model.index(0, 1).data() == "Question"

    w.saved_label.setText("")
    w.remove_annotation(aid, confirm=False)
    qtbot.waitUntil(lambda: w.saved_label.text() == "Saved", timeout=5000)
    assert panel.model.rowCount() == 0
    assert run_in_workspace(qtbot, runner, lambda ws: read_state(ws, case_id).annotations) == ()


def test_highlight_without_a_selection_says_what_to_do(window, monkeypatch):
    monkeypatch.setattr(window.viewer, "selection", lambda: None)
    window.highlight_action.trigger()
    assert "Select some text" in window.statusBar().currentMessage()
    assert not [d for d in window.findChildren(HighlightDialog) if d.isVisible()]


def test_orphaned_annotation_is_marked_and_opens_its_page_unmoved(qtbot, runner, settings, render_client,
                                                                   workspace, monkeypatch):
    root, case_id = workspace
    lost = Annotation("A9", Anchor("DOC06", 2, "a sentence that is on no page"), "note", "Note", "2026-11-02T10:00:00Z")
    run_in_workspace(qtbot, runner, lambda ws: apply(ws, case_id, AddAnnotation(lost)))
    w = open_window(qtbot, runner, settings, render_client, case_id)
    panel = w.annotations_panel
    index = panel.proxy.index(0, 0)
    assert index.data(OrphanedRole) is True
    assert "Orphaned" in index.data(Qt.ToolTipRole)
    opened = []
    monkeypatch.setattr(w, "open_at", lambda doc_id, page=1, anchor=None: opened.append((doc_id, page, anchor)))
    panel.openRequested.disconnect()
    panel.openRequested.connect(w.open_at)
    panel._activate(index)
    assert opened == [("DOC06", 2, None)]  # its page, and no highlight pretending to be there
    assert index.data(AnchorRole) == lost.anchor


def test_position_and_layout_are_restored(qtbot, runner, settings, render_client, workspace, window):
    root, case_id = workspace
    w = window
    w.open_at("DOC06", 2)
    w.viewer.set_zoom(1.5)
    w.chronology_dock.hide()
    w.close()
    qtbot.waitUntil(lambda: load_position(root, case_id) is not None, timeout=5000)
    pos = load_position(root, case_id)
    assert (pos.doc_id, pos.page, pos.mode) == ("DOC06", 2, "custom")
    assert pos.zoom == pytest.approx(1.5)
    assert settings.value("review/state") is not None

    again = open_window(qtbot, runner, settings, render_client, case_id)
    assert again.doc_id == "DOC06" and again.page == 2
    assert again.page_label.text() == "Page B2"
    assert again.viewer.zoom() == pytest.approx(1.5) and again.viewer.zoom_mode() == "custom"
    assert not again.chronology_dock.isVisible() and again.index_dock.isVisible()
    qtbot.waitUntil(lambda: stray_tab_bars(again) == [], timeout=2000)
    again.reset_layout()
    assert all(d.isVisibleTo(again) or d.isHidden() is False for d in again.docks if d is not again.moderation.dock)


def test_go_to_a_bundle_reference(window):
    assert window.go_to_ref("c5")
    assert window.page_label.text() == "Page C5"
    assert not window.go_to_ref("Z9")
    assert "no page Z9" in window.statusBar().currentMessage()


def test_notices_are_calm_and_can_be_expanded(qtbot, runner, settings, render_client, workspace):
    notices = ("Issuer not verified: the bundle is not signed.",
               "Document DOC09 (Family support service progress reports) has 4 pages here but the issuer "
               "counted 3: page references will differ from the issuer's paper bundle.")
    w = open_window(qtbot, runner, settings, render_client, workspace[1], notices)
    bar = w.info_bar
    assert bar.isVisible()
    assert bar.text.text().startswith("Issuer not verified") and "1 more notice" in bar.text.text()
    bar.more.click()
    assert "page references will differ" in bar.text.text()
    bar.close_button.click()
    assert not bar.isVisible()
    assert not [c for c in QApplication.topLevelWidgets() if c.isVisible() and c.inherits("QMessageBox")]


def test_a_signed_case_is_read_only(qtbot, runner, settings, render_client, workspace):
    case_id = workspace[1]
    run_in_workspace(qtbot, runner, lambda ws: ws.set_case_status(case_id, "signed", "2026-11-05T10:00:00Z"))
    w = open_window(qtbot, runner, settings, render_client, case_id)
    assert not w.highlight_action.isEnabled()
    assert "read-only" in w.info_bar.text.text()


def test_a_document_the_engine_cannot_show_is_marked_and_the_case_goes_on(window, render_client):
    w = window
    render_client.documentFailed.emit("DOC03", "The PDF engine stopped responding on this document.")
    index = w.index_panel.model.document_index("DOC03")
    assert "Could not be read" in index.data(HtmlRole)
    assert "could not be shown" in w.statusBar().currentMessage()
    assert w.open_at("DOC06", 1) and w.page_label.text() == "Page B1"


def test_search_shows_more_and_switches_order(qtbot, window, settings, monkeypatch):
    import caseview.ui.window.docks as docks
    import caseview.ui.window.main_window as main_window

    monkeypatch.setattr(main_window, "SEARCH_PAGE", 3)
    monkeypatch.setattr(docks, "SEARCH_PAGE", 3)
    w, panel = window, window.search_panel
    assert panel.current_order() == "case"
    panel.query.setText("child")
    QTest.keyClick(panel.query, Qt.Key_Return)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=5000)
    total = panel.model.total
    assert total > 6, "the demo case should mention 'child' on many pages"
    assert panel.more.isVisible() and panel.more.text() == "Show the next 3"
    assert f"{total} pages match; the first 3 in case order are shown." == panel.status.text()
    panel.more.click()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 6, timeout=5000)
    refs = [panel.model.row(i).ref for i in range(6)]
    assert len(set(refs)) == 6, refs  # the next hits, not the same ones again
    positions = {d.id: i for i, d in enumerate(w.snapshot.documents)}
    keys = [(positions[panel.model.row(i).doc_id], panel.model.row(i).page) for i in range(6)]
    assert keys == sorted(keys), "case order is bundle order: document, then page"

    panel.order.setCurrentIndex(panel.order.findData("relevance"))  # re-runs the search, ranked
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3 and panel.model.row(0).score is not None, timeout=5000)
    scores = [panel.model.row(i).score for i in range(3)]
    assert scores == sorted(scores, reverse=True)
    assert "best matches are shown" in panel.status.text()
    assert settings.value("search/order") == "relevance"


def test_layouts_for_a_laptop_screen(window, qtbot, monkeypatch):
    """Page and review side by side, the page alone, or the review beside a narrow page; F6 goes round them."""
    w = window
    w.resize(1366, 740)
    qtbot.wait(50)
    left = [w.index_dock, w.chronology_dock]
    w.page_only_action.trigger()
    qtbot.wait(50)
    assert w.focus_layout == "page" and not any(d.isVisible() for d in w.docks) and w.viewer.isVisible()
    w.review_focus_action.trigger()
    qtbot.waitUntil(lambda: w.review_dock.width() > 700, timeout=3000)
    assert w.review_dock.isVisible() and not any(d.isVisible() for d in left) and w.viewer.isVisible()
    QTest.keyClick(w, Qt.Key_F6)  # review → side by side
    qtbot.wait(50)
    assert w.focus_layout == "both" and w.side_by_side_action.isChecked()
    assert w.index_dock.isVisible() and w.review_dock.isVisible()
    assert stray_tab_bars(w) == []


def test_a_small_screen_starts_without_the_page_strip(qtbot, runner, settings, render_client, workspace, monkeypatch):
    import caseview.ui.window.layout as layout

    monkeypatch.setattr(layout, "available_width", lambda: 1366)
    w = open_window(qtbot, runner, settings, render_client, workspace[1])
    qtbot.waitUntil(lambda: w.viewer.strip_button.isChecked() is False, timeout=3000)
    assert not w.viewer.strip.isVisible()
    assert layout.dock_widths() == (layout.COMPACT_LEFT, layout.COMPACT_RIGHT)
