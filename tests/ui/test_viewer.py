"""The document viewer, offscreen: PDF pages, zoom, go-to, find, selection, text notes, images and failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from caseview.core.extract import extract_pdfs
from caseview.core.findings import resolve_quote
from caseview.core.render import RenderService
from caseview.core.review import Anchor
from caseview.core.snapshot import DocumentView
from caseview.core.store import DocumentRow
from caseview.ui.viewer.render_client import RenderClient, scale_key
from caseview.ui.viewer.document_viewer import DocumentViewer
from caseview.ui.viewer.canvas import CURRENT_HIT, HIGHLIGHT
from caseview.ui.viewer.pages import PX_PER_PT
from tests.factory import NOTE_LINES, make_pdf, make_png

PAGES = [
    "Strategy discussion notes\nChild A has a bruise on the upper arm.\nThe bruise was seen by the teacher.",
    "Second page\nNo further bruise was reported.",
    "Third page\nAttendance is 78 per cent.",
    "Fourth page\nA bruise again, and another bruise.",
    "Fifth page\nClosing summary.",
]
BRUISES = 5


def _row(doc_id: str, media_type: str, pages: int, *, section: str = "C", first: int = 21,
         problem: str | None = None, title: str = "Strategy discussion") -> DocumentRow:
    return DocumentRow("case1", doc_id, 0, "0" * 64, media_type, title, section, "2026-01-12", "Social worker",
                       pages, pages, first, problem)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("viewer")
    out = {"pdf": root / "strategy.pdf", "other": root / "other.pdf", "damaged": root / "damaged.pdf",
           "notes": root / "notes.txt", "png": root / "drawing.png"}
    out["pdf"].write_bytes(make_pdf(PAGES))
    out["other"].write_bytes(make_pdf(["Another document", "Its second page"]))
    out["damaged"].write_bytes(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj <</Type /Catalog>> endobj\ntrailer <<>>\n%%EOF\n")
    out["notes"].write_text("\n".join(NOTE_LINES) + "\n", encoding="utf-8")
    out["png"].write_bytes(make_png(40, 30))
    return out


@pytest.fixture(scope="module")
def client(qapp):
    c = RenderClient(RenderService(timeout=20))
    yield c
    c.shutdown()


@pytest.fixture
def viewer(qtbot, client):
    v = DocumentViewer()
    v.set_render_client(client)
    v.resize(900, 700)
    qtbot.addWidget(v)
    v.show()
    v.activateWindow()
    qtbot.waitActive(v)  # shortcuts need an active window
    return v


def _pdf(files, key: str = "pdf", doc_id: str = "D4", pages: int = len(PAGES)) -> DocumentView:
    return DocumentView(_row(doc_id, "application/pdf", pages), files[key])


def _view_scale(v: DocumentViewer) -> float:
    return scale_key(v.canvas.px_per_pt * v.canvas.devicePixelRatioF())


def _wait_rendered(qtbot, v: DocumentViewer, page: int) -> None:
    qtbot.waitUntil(lambda: v.client.image(v.doc.id, page, _view_scale(v)) is not None, timeout=15000)


def test_pdf_pages_render_off_the_gui_thread(qtbot, viewer, files):
    viewer.open_document(_pdf(files))
    assert viewer.page_count() == 5
    assert viewer.message() is None
    _wait_rendered(qtbot, viewer, 1)
    img = viewer.client.image("D4", 1, _view_scale(viewer))
    assert img.width() == pytest.approx(595.3 * _view_scale(viewer), abs=2)
    # The page is painted: a white page on a darker desk.
    shot = viewer.canvas.viewport().grab().toImage()
    r = viewer.canvas.to_view(1, QRectF(0, 0, 595, 842))
    assert shot.pixelColor(int(r.left()) + 5, int(r.top()) + 5).lightness() == 255
    assert shot.pixelColor(3, 3).lightness() < 255
    assert viewer.strip.isVisible()


def test_zoom_changes_the_rendered_scale(qtbot, viewer, files):
    viewer.open_document(_pdf(files))
    viewer.set_zoom(1.0)
    _wait_rendered(qtbot, viewer, 1)
    assert _view_scale(viewer) == scale_key(PX_PER_PT * viewer.devicePixelRatioF())
    with qtbot.waitSignal(viewer.client.pageReady, timeout=15000,
                          check_params_cb=lambda d, p, s, _i: d == "D4" and s == scale_key(2 * PX_PER_PT)):
        viewer.set_zoom(2.0)
    assert viewer.zoom_box.currentText() == "200%"
    viewer.canvas.setFocus()
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert viewer.zoom() == pytest.approx(1.75)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert viewer.zoom() == pytest.approx(2.0)
    viewer.fit_width()
    assert viewer.zoom_mode() == "fit-width"
    assert viewer.canvas.page_rect(1).width() <= viewer.canvas.viewport().width()
    viewer.fit_page()
    assert viewer.canvas.page_rect(1).height() <= viewer.canvas.viewport().height()


def test_go_to_page_by_number_and_by_bundle_reference(qtbot, viewer, files):
    viewer.open_document(_pdf(files))
    viewer.set_zoom(1.0)
    pages_seen = []
    viewer.pageChanged.connect(lambda d, p: pages_seen.append((d, p)))
    viewer.page_box.setText("3")
    QTest.keyClick(viewer.page_box, Qt.Key.Key_Return)
    assert viewer.current_page() == 3
    assert ("D4", 3) in pages_seen
    assert viewer.page_box.text() == "C23"
    # Without a resolver, references into this document still work.
    assert viewer.go_to_reference("c25") and viewer.current_page() == 5
    viewer.set_ref_resolver(lambda ref: {"C22": ("D4", 2), "A7": ("D1", 3)}.get(ref.upper()))
    assert viewer.go_to_reference("C22") and viewer.current_page() == 2
    with qtbot.waitSignal(viewer.openRequested) as sig:
        assert viewer.go_to_reference("a7")
    assert sig.args == ["D1", 3]
    assert not viewer.go_to_reference("Z99")
    assert "no page Z99" in viewer.notice_message()
    assert not viewer.go_to_reference("42")
    assert "pages 1 to 5" in viewer.notice_message()
    viewer.strip.pageClicked.emit(4)
    assert viewer.current_page() == 4


def test_find_highlights_every_match(qtbot, viewer, files):
    viewer.open_document(_pdf(files))
    viewer.start_find()
    assert viewer.find_bar.isVisible()
    viewer.find("BRUISE")  # no stored text given: the pages' text is fetched in the background
    qtbot.waitUntil(lambda: viewer.hit_count() == BRUISES and "…" not in viewer.find_count_text(), timeout=15000)
    assert viewer.find_count_text() == f"1 of {BRUISES}"
    viewer.find_next()
    assert viewer.find_count_text() == f"2 of {BRUISES}"
    viewer.find_previous()
    viewer.find_previous()
    assert viewer.find_count_text() == f"{BRUISES} of {BRUISES}"
    viewer.go_to_page(1)
    qtbot.waitUntil(lambda: viewer.model.geometry(1) is not None, timeout=15000)
    viewer._deco.clear()
    deco = viewer._decorations(1)
    assert sum(len(rects) for rects, c in deco if c in (HIGHLIGHT, CURRENT_HIT)) == 2
    QTest.keyClick(viewer.find_box, Qt.Key.Key_Escape)
    assert not viewer.find_bar.isVisible() and viewer.hit_count() == 0


def test_find_uses_stored_page_text_at_once(viewer, files):
    stored = extract_pdfs([("D4", files["pdf"])])["D4"].pages
    viewer.open_document(_pdf(files), page_texts=lambda page: stored[page - 1])
    assert viewer.find("bruise") == BRUISES
    assert viewer.find_count_text() == f"1 of {BRUISES}"
    assert viewer.find("no such words") == 0
    assert viewer.find_count_text() == "No matches"


def test_mouse_selection_gives_an_anchor_that_resolves(qtbot, viewer, files):
    viewer.open_document(_pdf(files))
    viewer.set_zoom(1.0)
    qtbot.waitUntil(lambda: viewer.model.geometry(1) is not None, timeout=15000)
    g = viewer.model.geometry(1)
    quote = "bruise on the upper arm"
    start = g.text.index(quote)
    end = start + len(quote)
    a = viewer.canvas.to_view(1, g.rects(start, start + 1)[0]).center()
    b = viewer.canvas.to_view(1, g.rects(end - 1, end)[0]).center()
    vp = viewer.canvas.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(a.x() - 1), int(a.y())))
    QTest.mouseMove(vp, QPoint(int(b.x() + 2), int(b.y())))
    with qtbot.waitSignal(viewer.selectionChanged):
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           QPoint(int(b.x() + 2), int(b.y())))
    anchor = viewer.selection()
    assert anchor is not None
    assert (anchor.doc_id, anchor.page, anchor.exact) == ("D4", 1, quote)
    assert anchor.prefix.endswith("Child A has a ") and anchor.suffix.startswith(".")
    stored = extract_pdfs([("D4", files["pdf"])])["D4"].pages[0]
    assert resolve_quote(stored, anchor) is not None
    viewer.canvas.setFocus()
    QTest.keyClick(viewer.canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == quote
    # The same anchor, shown later, is found and highlighted; a changed quote gets a notice, not a silent jump.
    viewer.canvas.clear_selection()
    assert viewer.show_highlight(anchor)
    assert viewer.notice_message() is None
    assert not viewer.show_highlight(Anchor("D4", 2, "a bruise on the left leg", "", ""))
    assert "was not found on page C22" in viewer.notice_message()
    assert viewer.current_page() == 2


def test_text_document_is_paged_in_sixty_lines(qtbot, viewer, files):
    doc = DocumentView(_row("D2", "text/plain", 3, section="B", first=5, title="Case notes"), files["notes"])
    viewer.open_document(doc, page=2)
    assert viewer.page_count() == 3
    assert viewer.current_page() == 2
    assert viewer.page_box.text() == "B6"
    assert viewer.model.page_text(2).splitlines()[9] == NOTE_LINES[69]
    assert viewer.find("not seen alone") == 1
    assert viewer.find("case note line 1") == 1 + 10 + 31  # lines 1, 10–19 and 100–130
    viewer.end_find()
    text = viewer.model.page_text(2)
    s = text.index("not seen alone")
    viewer.select_text(2, s, s + len("not seen alone"))
    anchor = viewer.selection()
    assert anchor.exact == "not seen alone" and anchor.page == 2 and anchor.doc_id == "D2"
    assert anchor.prefix.endswith("Child A was ")
    assert viewer.show_highlight(anchor)
    viewer.set_annotations([(anchor, "#ffcc00"), (Anchor("D9", 1, "x"), "red")])
    assert len(viewer._decorations(2)) == 2  # the annotation and the focused passage
    viewer.set_zoom(1.5)
    assert viewer.canvas.page_rect(1).width() == pytest.approx(595.276 * 1.5 * PX_PER_PT, abs=1)


def test_image_is_shown_fitted(qtbot, viewer, files):
    doc = DocumentView(_row("D3", "image/png", 1, section="B", first=8, title="Drawing"), files["png"])
    viewer.open_document(doc)
    qtbot.waitUntil(lambda: viewer.model.loaded, timeout=15000)
    assert viewer.page_count() == 1 and viewer.message() is None
    assert viewer.zoom_mode() == "fit-page"
    assert not viewer.strip.isVisible() and not viewer.find_button.isEnabled()
    w, h = viewer.model.sizes[0]
    r = viewer.canvas.to_view(1, QRectF(0, 0, w, h))
    assert r.width() == pytest.approx(40, abs=1)  # a small image is not blown up
    shot = viewer.canvas.viewport().grab().toImage()
    c = shot.pixelColor(int(r.center().x()), int(r.center().y()))
    assert (c.red(), c.green(), c.blue()) == (255, 128, 0)


def test_a_damaged_pdf_shows_a_message_and_the_viewer_carries_on(qtbot, viewer, files):
    doc = _pdf(files, "damaged", "D7", pages=2)
    with qtbot.waitSignal(viewer.client.documentFailed, timeout=15000):
        viewer.open_document(doc)
    assert "could not be displayed" in viewer.message()
    assert viewer.stack.currentWidget() is viewer.panel
    assert viewer.panel.title.text() == "Strategy discussion" and "C21–C22" in viewer.panel.refs.text()
    viewer.open_document(_pdf(files, "other", "D8", pages=2))
    assert viewer.message() is None
    _wait_rendered(qtbot, viewer, 1)


def test_unreadable_and_unknown_types_get_a_calm_panel(viewer, files):
    viewer.open_document(DocumentView(_row("D5", "application/pdf", 4, problem="it is password-protected"),
                                      files["pdf"]))
    assert viewer.message() == "CaseView could not read this document: it is password-protected."
    assert not viewer.find_button.isEnabled()
    viewer.open_document(DocumentView(_row("D6", "application/msword", 1), files["pdf"]))
    assert "no preview for this type" in viewer.message()
    viewer.close_document()
    assert viewer.stack.currentWidget() is viewer.empty


class _Misbehaving(RenderService):
    """A real worker told to hang or crash on page 2 of one file, as a hostile PDF would make it."""

    def __init__(self, how: str, **kw):
        super().__init__(**kw)
        self.how = how

    def render(self, path, page_index, scale, **kw):
        if page_index == 1 and Path(path).name == "strategy.pdf":
            self._debug(self.how)
        return super().render(path, page_index, scale, **kw)


@pytest.mark.parametrize("how", ["hang", "crash"])
def test_a_hanging_or_crashing_engine_leaves_the_viewer_alive(qtbot, how, files):
    client = RenderClient(_Misbehaving(how, timeout=1.5))
    try:
        v = DocumentViewer()
        qtbot.addWidget(v)
        v.set_render_client(client)
        v.resize(700, 500)
        v.show()
        v.set_zoom(0.25)  # pages 1 and 2 both in view
        with qtbot.waitSignal(client.documentFailed, timeout=20000) as sig:
            v.open_document(_pdf(files, doc_id="H1"))
        assert sig.args[0] == "H1"
        assert "could not be displayed" in v.message()
        # The rest of the case still works: a text note, and another PDF through a fresh worker.
        v.open_document(DocumentView(_row("D2", "text/plain", 3, section="B", first=5), files["notes"]))
        assert v.message() is None and v.page_count() == 3
        v.open_document(_pdf(files, "other", "D8", pages=2))
        qtbot.waitUntil(lambda: client.sizes("D8") is not None, timeout=20000)
        assert v.message() is None
        assert client.service.restarts >= 1
    finally:
        client.shutdown()
