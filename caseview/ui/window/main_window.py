"""The review window: viewer in the centre; bundle index, chronology, case search, annotations and Review in docks.

The window shows at once and loads its case in the background (a skeleton with
progress first). Every change (answers, citations, annotations) goes through
the review controller and the runner, is one undo step, and is durable when the
status bar says "Saved"; there is nothing to save by hand. Layout and geometry
are kept in QSettings (no case content there); the reading position per case is
kept in the workspace (``recent.py``), since where a reviewer was is case data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QApplication, QDockWidget, QFrame, QHBoxLayout, QInputDialog, QLabel, QMainWindow,
                               QMessageBox, QStackedWidget, QVBoxLayout, QWidget)

from ...core.errors import CaseViewError
from ...core.review import Anchor
from ...core.snapshot import CaseSnapshot, DocumentView, case_snapshot
from ...core.store import now_utc
from .. import recent, style
from .chronology import ChronologyPanel, TimelinessPanel, missed_marks
from .docks import (SEARCH_PAGE, AnnotationsPanel, HighlightDialog, IndexPanel,  # noqa: F401
                    SearchPanel, make_dock)
from ..dialogs.import_bundle import ImportPanel, bundle_from_mime
from .info_bar import InfoBar, PlaceholderViewer
from .annotations import AnnotationsMixin
from .layout import STATE_VERSION, LayoutMixin, dock_widths
from .menus import MenusMixin
from ..models import AnnotationView, annotation_views, nice_date
from .moderation_wiring import ModerationWiring
from .review_wiring import ReviewWiring
from ..tasks import WorkspaceRunner

try:  # the viewer is built beside this window; until it lands a placeholder keeps the window usable
    from ..viewer.document_viewer import DocumentViewer
except ImportError:  # pragma: no cover - depends on what is installed
    DocumentViewer = None  # type: ignore[assignment]

@dataclass(frozen=True)
class CaseLoad:
    """What opening a case reads, in one job."""

    snapshot: CaseSnapshot
    annotations: tuple[AnnotationView, ...]
    position: recent.Position | None


def load_case_job(case_id: str) -> Callable[[Any], CaseLoad]:
    def job(ws) -> CaseLoad:
        ws.mark_opened(case_id)
        snap = case_snapshot(ws, case_id)
        views = annotation_views(ws, case_id, snap.state.annotations, snap.documents)
        return CaseLoad(snap, tuple(views), recent.load_position(ws.root, case_id))
    return job


def _ref_resolver(snap: CaseSnapshot) -> Callable[[str], tuple[str, int] | None]:
    """``"C23"`` → ``(doc_id, page)``, as the viewer's page box wants it."""
    def resolve(ref: str) -> tuple[str, int] | None:
        found = snap.locate_ref(ref)
        return (found[0].id, found[1]) if found else None
    return resolve


class ReviewWindow(AnnotationsMixin, MenusMixin, LayoutMixin, QMainWindow):
    """One case under review. ``load_case(case_id)`` fills it; ``show_import()`` shows an import in progress."""

    caseLoaded = Signal(str)  # case reference
    caseFailed = Signal(str)  # sentence
    closeCaseRequested = Signal()
    openBundleRequested = Signal(object)  # Path, or None to ask
    openDemoRequested = Signal()
    aboutRequested = Signal()
    saved = Signal()

    def __init__(self, runner: WorkspaceRunner, settings: QSettings, render_client=None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.setObjectName("reviewWindow")
        self.setWindowTitle("CaseView")
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks)
        self.snapshot: CaseSnapshot | None = None
        self.annotations: tuple[AnnotationView, ...] = ()
        self.doc_id: str | None = None
        self.page = 1
        self.focus_layout = "both"
        self._load_serial = 0
        self._search_serial = 0
        self._position_dirty = False
        self._page_texts: dict[str, dict[int, str | None]] = {}

        self._select_after: str | None = None
        self._annotation_serial = 0

        self._build_actions()
        self._build_centre(render_client)
        self._build_docks()
        self.wiring = ReviewWiring(self)
        self.review_controller = self.wiring.controller
        self.review_panel = self.wiring.panel
        self.review_dock = self.wiring.dock
        self.add_panel_dock(self.review_dock, Qt.RightDockWidgetArea, tab_with=self.annotations_dock)
        self.personal_data_dock = self.wiring.personal_data_dock
        self.add_panel_dock(self.personal_data_dock, Qt.RightDockWidgetArea, tab_with=self.review_dock)
        self.review_dock.raise_()
        self.moderation = ModerationWiring(self)  # File → Moderate a report…: the Moderation dock, kept hidden
        self.add_panel_dock(self.moderation.dock, Qt.RightDockWidgetArea, tab_with=self.review_dock)
        self.moderation.dock.hide()
        self._build_menus()
        self._build_status()
        self._position_timer = QTimer(self, singleShot=True, interval=1200)
        self._position_timer.timeout.connect(self.save_position)
        self._default_state = self.saveState(STATE_VERSION)
        self.restore_layout()
        self._set_case_actions(False)

    # -- construction ------------------------------------------------------------------

    def _build_centre(self, render_client) -> None:
        self._render_client = render_client
        self.viewer = DocumentViewer() if DocumentViewer is not None else PlaceholderViewer()
        self.viewer.setAccessibleName("Document viewer")
        if render_client is not None:
            self.viewer.set_render_client(render_client)
            if hasattr(render_client, "documentFailed"):
                render_client.documentFailed.connect(self._document_failed)
        self.viewer.pageChanged.connect(self._on_page_changed)
        self.viewer.openRequested.connect(lambda doc_id, page: self.open_at(doc_id, page))
        self.viewer.selectionChanged.connect(self._update_selection_actions)
        if hasattr(self.viewer, "add_selection_action"):
            self.viewer.add_selection_action(self.highlight_action)
        self._adopt_viewer_actions()

        self.info_bar = InfoBar()
        self.import_panel = ImportPanel()
        skeleton = QWidget()
        sk = QVBoxLayout(skeleton)
        sk.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame(objectName="card")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(style.GAP, style.GAP, style.GAP, style.MARGIN)
        inner.addWidget(self.import_panel)
        row.addWidget(card)
        row.addStretch(1)
        sk.addLayout(row)
        sk.addStretch(3)
        self.skeleton = skeleton

        self.stack = QStackedWidget()
        self.stack.addWidget(self.skeleton)
        self.stack.addWidget(self.viewer)
        centre = QWidget()
        lay = QVBoxLayout(centre)
        lay.setContentsMargins(style.SPACING, style.SPACING, style.SPACING, 0)
        lay.setSpacing(style.SPACING)
        lay.addWidget(self.info_bar)
        lay.addWidget(self.stack, 1)
        self.setCentralWidget(centre)

    def _build_docks(self) -> None:
        self.index_panel = IndexPanel()
        self.chronology_panel = ChronologyPanel()
        self.timeliness_panel = TimelinessPanel()
        order = self.settings.value("search/order", "case")
        self.search_panel = SearchPanel(order=order if isinstance(order, str) else "case")
        self.search_panel.orderChanged.connect(lambda o: self.settings.setValue("search/order", o))
        self.annotations_panel = AnnotationsPanel(self.highlight_action)
        for panel in (self.index_panel, self.chronology_panel, self.timeliness_panel, self.search_panel,
                      self.annotations_panel):
            panel.openRequested.connect(self.open_at)
        self.search_panel.searchRequested.connect(self.run_search)
        self.annotations_panel.editRequested.connect(self.edit_annotation)
        self.annotations_panel.removeRequested.connect(self.remove_annotation)

        self.index_dock = make_dock("Bundle index", "dock.index", self.index_panel, self)
        self.chronology_dock = make_dock("Chronology", "dock.chronology", self.chronology_panel, self)
        self.timeliness_dock = make_dock("Timeliness", "dock.timeliness", self.timeliness_panel, self)
        self.timeliness_panel.eventRequested.connect(self.show_event)
        self.search_dock = make_dock("Case search", "dock.search", self.search_panel, self)
        self.annotations_dock = make_dock("Annotations", "dock.annotations", self.annotations_panel, self)
        self.addDockWidget(Qt.LeftDockWidgetArea, self.index_dock)
        self.tabifyDockWidget(self.index_dock, self.chronology_dock)
        self.addDockWidget(Qt.RightDockWidgetArea, self.search_dock)
        self.tabifyDockWidget(self.search_dock, self.annotations_dock)
        self.tabifyDockWidget(self.annotations_dock, self.timeliness_dock)  # beside the review: it informs judging
        self.index_dock.raise_()
        self.search_dock.raise_()
        self.resizeDocks([self.index_dock, self.search_dock], list(dock_widths()), Qt.Horizontal)
        self.docks = [self.index_dock, self.chronology_dock, self.search_dock, self.annotations_dock,
                      self.timeliness_dock]

    def show_event(self, event_id: str) -> None:
        """The chronology dock, raised, with ``event_id`` selected."""
        self.chronology_dock.show()
        self.chronology_dock.raise_()
        self.chronology_panel.show_event(event_id)

    def add_panel_dock(self, dock: QDockWidget, area=Qt.RightDockWidgetArea, tab_with: QDockWidget | None = None) -> None:
        """For later panels (the review panel): dock, tab, and list it in the View menu."""
        self.addDockWidget(area, dock)
        if tab_with is not None:
            self.tabifyDockWidget(tab_with, dock)
        self.docks.append(dock)
        if hasattr(self, "view_menu"):  # else the View menu lists it when it is built
            self.view_menu.insertAction(self._view_separator, dock.toggleViewAction())

    def _build_status(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(True)
        self.case_label = QLabel()
        self.case_label.setAccessibleName("Case reference")
        self.page_label = QLabel()
        self.page_label.setAccessibleName("Page reference")
        self.saved_label = QLabel()
        self.saved_label.setAccessibleName("Save state")
        self.saved_label.setProperty("role", "muted")
        for w in (self.case_label, self.page_label, self.saved_label):
            bar.addPermanentWidget(w)

    # -- opening a case --------------------------------------------------------------------

    def show_import(self, title: str) -> ImportPanel:
        """The skeleton with import progress; the caller wires progress and cancel to the panel."""
        self.setWindowTitle("CaseView")
        self.import_panel.start(title)
        self.stack.setCurrentWidget(self.skeleton)
        self._set_case_actions(False)
        return self.import_panel

    def load_case(self, case_id: str, notices: Sequence[str] = (), *, quiet: bool = False) -> None:
        """Open ``case_id``; ``quiet`` reads it again in place (after signing or a new version), keeping the page."""
        self.save_position()
        self._load_serial += 1
        serial = self._load_serial
        if quiet:
            keep = (self.doc_id, self.page, None) if self.doc_id else None
        else:
            keep = None
            if self._render_client is not None and hasattr(self._render_client, "warm_up"):
                self._render_client.warm_up()  # its start-up overlaps with reading the case
            self.import_panel.start("Opening the case…", cancellable=False, indeterminate=True)
            self.stack.setCurrentWidget(self.skeleton)
            self._set_case_actions(False)

        def done(load: CaseLoad) -> None:
            if serial == self._load_serial:
                self._show_case(load, notices, keep)

        def failed(error: CaseViewError) -> None:
            if serial == self._load_serial:
                self.caseFailed.emit(str(error))

        self.runner.submit(load_case_job(case_id), done, failed)

    def reload_case(self) -> None:
        """Read the open case again in place: its status (signed, reopened) and its review."""
        if self.snapshot is not None:
            self.load_case(self.snapshot.case.id, quiet=True)

    def _show_case(self, load: CaseLoad, notices: Sequence[str], keep: tuple[str, int, None] | None = None) -> None:
        snap = load.snapshot
        self.snapshot = snap
        self.annotations = load.annotations
        self.doc_id = None
        ref = snap.case.reference
        self.setWindowTitle(f"CaseView — {ref}")
        self.case_label.setText(ref if snap.case.version <= 1 else f"{ref} (version {snap.case.version})")
        self.case_label.setToolTip(snap.case.title or "")
        self.saved_label.setText("")
        self.viewer.set_ref_resolver(_ref_resolver(snap))
        self._page_texts = {}
        self.index_panel.set_index(snap.sections, snap.documents)
        self.chronology_panel.set_chronology(snap.chronology, snap.documents,
                                             missed_marks(snap.timeliness, snap.rules))
        self.timeliness_panel.set_timeliness(snap.timeliness, snap.rules, snap.chronology, snap.documents)
        self.search_panel.clear()
        self.annotations_panel.set_annotations(self.annotations)
        self.wiring.load(snap)
        signed = snap.case.status == "signed"
        extra = list(notices)
        if signed:
            when = nice_date(snap.case.signed_at) or "an earlier date"
            extra.insert(0, f"Signed on {when}. This case is read-only; Review → Start a new version opens it for "
                            f"changes and keeps the signed report.")
        unreadable = [d for d in snap.documents if not d.row.readable]
        if unreadable and not any("could not be read" in n for n in extra):
            extra.append(f"{len(unreadable)} document{'s' if len(unreadable) != 1 else ''} could not be read "
                         f"and {'are' if len(unreadable) != 1 else 'is'} marked in the bundle index; "
                         f"the rest of the case works as normal.")
        self.info_bar.set_notices(extra)
        self.stack.setCurrentWidget(self.viewer)
        self._set_case_actions(True, read_only=signed)
        if keep is not None and any(d.id == keep[0] for d in snap.documents):
            self.open_at(*keep)
        else:
            target = self._start_position(snap, load.position)
            if target is not None:
                self.open_at(*target)
                self._restore_zoom(load.position)
        self.caseLoaded.emit(ref)

    def _restore_zoom(self, pos: recent.Position | None) -> None:
        if pos is None:
            return
        if pos.mode == "custom" and pos.zoom:
            self._viewer_call("set_zoom", pos.zoom, quiet=True)
        elif pos.mode == "fit-page":
            self._viewer_call("fit_page", quiet=True)

    @staticmethod
    def _start_position(snap: CaseSnapshot, pos: recent.Position | None) -> tuple[str, int, None] | None:
        if pos is not None:
            try:
                doc = snap.document(pos.doc_id)
                return doc.id, min(max(1, pos.page), doc.row.pages), None
            except KeyError:
                pass
        for d in snap.documents:
            if d.row.readable:
                return d.id, 1, None
        return (snap.documents[0].id, 1, None) if snap.documents else None

    def _set_case_actions(self, enabled: bool, read_only: bool = False) -> None:
        for act in (self.close_action, self.copy_action, self.find_case_action, self.goto_action,
                    *self.viewer_actions):
            act.setEnabled(enabled)
        self.highlight_action.setEnabled(enabled and not read_only)
        self._read_only = read_only
        for dock in self.docks:
            dock.widget().setEnabled(enabled)
        self.wiring.set_enabled(enabled)

    # -- navigation ------------------------------------------------------------------------

    def open_at(self, doc_id: str, page: int = 1, anchor: Anchor | None = None) -> bool:
        if self.snapshot is None:
            return False
        try:
            doc = self.snapshot.document(doc_id)
        except KeyError:
            self.statusBar().showMessage(f"There is no document {doc_id} in this case.", 5000)
            return False
        page = min(max(1, int(page or 1)), doc.row.pages)
        changed_doc = doc_id != self.doc_id
        self.doc_id = doc_id
        self.page = page
        if changed_doc:
            self.viewer.set_annotations(self._viewer_annotations(doc_id))
        if isinstance(self.viewer, PlaceholderViewer):
            self.viewer.open_document(doc, page, anchor)
        else:
            self.viewer.open_document(doc, page, anchor, page_texts=self._page_text_source(doc))
        self.index_panel.select_document(doc_id)
        self.annotations_panel.set_current_document(doc_id)
        self._show_page(doc_id, page)
        return True

    def _page_text_source(self, doc: DocumentView) -> Callable[[int], str | None]:
        """The stored page texts of ``doc`` for the viewer's find, fetched once in the background."""
        if doc.id not in self._page_texts and self.snapshot is not None:
            texts: dict[int, str | None] = {}
            self._page_texts[doc.id] = texts
            case_id, pages = self.snapshot.case.id, doc.row.pages
            self.runner.submit(lambda ws: {p: ws.page_text(case_id, doc.id, p) for p in range(1, pages + 1)},
                               texts.update)
        texts = self._page_texts[doc.id] if doc.id in self._page_texts else {}
        return texts.get

    def go_to_ref(self, ref: str) -> bool:
        if self.snapshot is None:
            return False
        found = self.snapshot.locate_ref(ref)
        if found is None:
            sections = ", ".join(s.id for s in self.snapshot.sections)
            self.statusBar().showMessage(f"There is no page {ref.strip()} in this bundle (sections {sections}).", 6000)
            return False
        doc, page = found
        return self.open_at(doc.id, page)

    def ask_go_to(self) -> None:
        if self.snapshot is None:
            return
        box = getattr(self.viewer, "action_go_to", None)
        if isinstance(box, QAction) and self.doc_id is not None:
            box.trigger()  # the viewer's page box takes references anywhere in the bundle (C23)
            return
        ref, ok = QInputDialog.getText(self, "Go to page", "Page reference (for example C23):")
        if ok and ref.strip():
            self.go_to_ref(ref)

    def focus_search(self) -> None:
        self.search_dock.show()
        self.search_dock.raise_()
        self.search_panel.focus_query()

    def _document_failed(self, doc_id: str, sentence: str) -> None:
        """The PDF engine crashed or hung on a document: mark it in the index; the rest of the case carries on."""
        if self.snapshot is None or not any(d.id == doc_id for d in self.snapshot.documents):
            return
        if self.index_panel.model.mark_problem(doc_id, sentence):
            title = self.snapshot.document(doc_id).row.title
            self.statusBar().showMessage(f"{title} could not be shown; it is marked in the bundle index.", 8000)

    def _on_page_changed(self, doc_id: str, page: int) -> None:
        if self.snapshot is None:
            return
        if doc_id != self.doc_id:
            self.doc_id = doc_id
            self.viewer.set_annotations(self._viewer_annotations(doc_id))
            self.index_panel.select_document(doc_id)
            self.annotations_panel.set_current_document(doc_id)
        self.page = page
        self._show_page(doc_id, page)

    def _show_page(self, doc_id: str, page: int) -> None:
        try:
            row = self.snapshot.document(doc_id).row
        except (KeyError, AttributeError):
            return
        self.page_label.setText(f"Page {row.ref(page)}")
        self.page_label.setToolTip(f"{row.title}, page {page} of {row.pages}")
        self._position_dirty = True
        self._position_timer.start()

    def save_position(self, force: bool = False) -> None:
        """Remember where the reviewer is reading (debounced; on close always, so a zoom alone is kept too)."""
        self._position_timer.stop()
        if not (self._position_dirty or force) or self.snapshot is None or self.doc_id is None:
            return
        self._position_dirty = False
        mode = self._viewer_call("zoom_mode", quiet=True)
        zoom = self._viewer_call("zoom", quiet=True) if mode == "custom" else None
        position = recent.Position(self.doc_id, self.page, zoom if isinstance(zoom, (int, float)) else None,
                                   mode if isinstance(mode, str) else None)
        case_id = self.snapshot.case.id
        self.runner.submit(lambda ws: recent.save_position(ws.root, case_id, position))

    # -- viewer delegation --------------------------------------------------------------------

    def _viewer_call(self, name: str, *args, quiet: bool = False):
        fn = getattr(self.viewer, name, None)
        if callable(fn):
            return fn(*args)
        if not quiet:
            self.statusBar().showMessage("The viewer cannot do that yet.", 3000)
        return None

    def copy(self) -> None:
        focus = QApplication.focusWidget()
        in_viewer = focus is not None and (focus is self.viewer or self.viewer.isAncestorOf(focus))
        if focus is not None and not in_viewer and callable(getattr(focus, "copy", None)):
            focus.copy()
        elif callable(getattr(self.viewer, "copy", None)):
            self.viewer.copy()
        else:
            anchor = self.viewer.selection()
            if anchor is not None and anchor.exact:
                QApplication.clipboard().setText(anchor.exact)

    def _update_selection_actions(self) -> None:
        has = self.viewer.selection() is not None
        self.highlight_action.setToolTip("Highlight the selected text with a note (Ctrl+H)" if has else
                                         "Select text in the document, then press Ctrl+H to highlight it")

    # -- search ------------------------------------------------------------------------------

    def run_search(self, query: str, order: str = "case", offset: int = 0) -> None:
        if self.snapshot is None:
            return
        from ...core.search import search

        self._search_serial += 1
        serial = self._search_serial
        case_id = self.snapshot.case.id

        def done(result) -> None:
            if serial == self._search_serial:
                self.search_panel.show_result(result)

        def failed(error: CaseViewError) -> None:
            if serial == self._search_serial:
                self.search_panel.show_error(str(error))

        self.runner.submit(lambda ws: search(ws, case_id, query, limit=SEARCH_PAGE, offset=offset, order=order),
                           done, failed)

    # -- saving -----------------------------------------------------------------------------------

    def show_saving(self) -> None:
        self.saved_label.setText("Saving…")

    def show_saved(self, text: str = "Saved") -> None:
        self.saved_label.setText(text)
        self.saved_label.setToolTip(f"Saved to the workspace at {now_utc()}")
        self.saved.emit()

    def show_not_saved(self, sentence: str) -> None:
        self.saved_label.setText("Not saved")
        box = QMessageBox(QMessageBox.Warning, "Not saved", sentence, QMessageBox.Ok, self)
        box.setWindowModality(Qt.WindowModal)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()

    def flush_review(self, timeout_ms: int = 10_000) -> bool:
        """Send what the form holds back and wait (events still flowing) until every write is committed."""
        self.wiring.flush()
        self.moderation.flush()
        idle = lambda: self.wiring.is_idle() and self.moderation.is_idle()  # noqa: E731
        if idle():
            return True
        loop = QEventLoop()
        timer = QTimer(interval=20)
        timer.timeout.connect(lambda: idle() and loop.quit())
        QTimer.singleShot(timeout_ms, loop.quit)
        timer.start()
        loop.exec()
        timer.stop()
        return idle()

    # -- window events ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if bundle_from_mime(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = bundle_from_mime(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.openBundleRequested.emit(Path(path))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.first_show_layout()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.moderation.flush()
        self.wiring.flush()  # typed text goes out now; the app waits for it before the worker stops
        self.save_position(force=True)
        self.save_layout()
        super().closeEvent(event)
MainWindow = ReviewWindow  # the name the issue uses
