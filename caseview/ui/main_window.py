"""The review window: viewer in the centre, bundle index, chronology, case search and annotations in docks.

The window shows at once and loads its case in the background (a skeleton with
progress first). Every change goes through the runner and is durable when the
status bar says "Saved"; there is nothing to save by hand. Layout and geometry
are kept in QSettings (no case content there); the reading position per case is
kept in the workspace (``recent.py``), since where a reviewer was is case data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QFrame, QHBoxLayout, QInputDialog, QLabel, QMainWindow,
                               QMessageBox, QStackedWidget, QStyle, QTabBar, QToolButton, QVBoxLayout, QWidget)

from ..core.errors import CaseViewError
from ..core.review import AddAnnotation, Anchor, Annotation, EditAnnotation, RemoveAnnotation, apply, new_id, read_state
from ..core.snapshot import CaseSnapshot, DocumentView, case_snapshot
from ..core.store import now_utc
from . import recent, style
from .docks import AnnotationsPanel, ChronologyPanel, HighlightDialog, IndexPanel, SearchPanel, make_dock
from .import_dialog import ImportPanel, bundle_from_mime
from .models import AnnotationView, annotation_views
from .tasks import WorkspaceRunner

try:  # the viewer is built beside this window; until it lands a placeholder keeps the window usable
    from .viewer import DocumentViewer
except ImportError:  # pragma: no cover - depends on what is installed
    DocumentViewer = None  # type: ignore[assignment]

STATE_VERSION = 1
DOCK_LEFT, DOCK_RIGHT = 300, 330  # default dock widths: at 1366 px the page still gets ~700 px


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


class PlaceholderViewer(QWidget):
    """Stands in for the document viewer until it is available: same signals and methods, no rendering."""

    pageChanged = Signal(str, int)
    selectionChanged = Signal()
    openRequested = Signal(str, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel("Choose a document in the bundle index.")
        self.label.setAlignment(Qt.AlignCenter)
        self.label.setWordWrap(True)
        self.label.setProperty("role", "muted")
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        self.current: tuple[str, int] | None = None
        self.annotations: list = []
        self.highlight: Anchor | None = None

    def set_render_client(self, client) -> None:
        pass

    def set_ref_resolver(self, fn) -> None:
        self._resolver = fn

    def open_document(self, doc: DocumentView, page: int = 1, highlight: Anchor | None = None) -> None:
        self.current = (doc.id, page)
        self.highlight = highlight
        self.label.setText(f"{doc.row.title}\n{doc.row.ref(page)} · page {page} of {doc.row.pages}")
        self.pageChanged.emit(doc.id, page)

    def selection(self) -> Anchor | None:
        return None

    def show_highlight(self, anchor: Anchor) -> None:
        self.highlight = anchor

    def set_annotations(self, annotations) -> None:
        self.annotations = list(annotations)


class InfoBar(QFrame):
    """Calm notices about the case (new version, issuer not verified, unreadable documents): one bar, dismissible."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("infoBar")
        self.setAccessibleName("Notices about this case")
        self.icon = QLabel()
        self.icon.setPixmap(self.style().standardIcon(QStyle.SP_MessageBoxInformation).pixmap(18, 18))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.PlainText)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.more = QToolButton(text="Show all")
        self.more.setAccessibleName("Show all notices")
        self.more.setAutoRaise(True)
        self.more.clicked.connect(self._toggle)
        self.close_button = QToolButton(text="✕")
        self.close_button.setAccessibleName("Dismiss notices")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 8)
        lay.setSpacing(10)
        lay.addWidget(self.icon, 0, Qt.AlignTop)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.more, 0, Qt.AlignTop)
        lay.addWidget(self.close_button, 0, Qt.AlignTop)
        self.notices: tuple[str, ...] = ()
        self._expanded = False
        self.hide()

    def set_notices(self, notices: Sequence[str]) -> None:
        self.notices = tuple(dict.fromkeys(n for n in notices if n))
        self._expanded = False
        self._render()
        self.setVisible(bool(self.notices))

    def _toggle(self) -> None:
        self._expanded = not self._expanded
        self._render()

    def _render(self) -> None:
        n = len(self.notices)
        if n == 0:
            return
        if self._expanded or n == 1:
            self.text.setText("\n".join(self.notices))
        else:
            self.text.setText(f"{self.notices[0]}  (and {n - 1} more notice{'s' if n > 2 else ''})")
        self.more.setVisible(n > 1)
        self.more.setText("Show less" if self._expanded else "Show all")


class ReviewWindow(QMainWindow):
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
        self._load_serial = 0
        self._search_serial = 0
        self._position_dirty = False
        self._page_texts: dict[str, dict[int, str | None]] = {}

        self._build_actions()
        self._build_centre(render_client)
        self._build_docks()
        self._build_menus()
        self._build_status()
        self._position_timer = QTimer(self, singleShot=True, interval=1200)
        self._position_timer.timeout.connect(self.save_position)
        self._default_state = self.saveState(STATE_VERSION)
        self.restore_layout()
        self._set_case_actions(False)

    # -- construction ------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, name: str | None = None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        if name:
            act.setObjectName(name)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        a = self._action
        self.open_action = a("&Open bundle…", lambda: self.openBundleRequested.emit(None), QKeySequence.Open)
        self.demo_action = a("Open &demo case", self.openDemoRequested.emit)
        self.close_action = a("&Close case", self.closeCaseRequested.emit, QKeySequence.Close)
        self.quit_action = a("&Quit", QApplication.closeAllWindows, QKeySequence.Quit)
        # Copy is not given a window-wide Ctrl+C: the viewer's canvas and every text field handle Ctrl+C
        # themselves, and a second binding would make the shortcut ambiguous. The menu shows it all the same.
        self.copy_action = a("&Copy\tCtrl+C", self.copy)
        self.highlight_action = a("&Highlight selection…", self.highlight_selection, "Ctrl+H", "highlight")
        self.highlight_action.setToolTip("Highlight the selected text with a note (Ctrl+H)")
        self.find_case_action = a("Find in &case", self.focus_search, "Ctrl+Shift+F")
        self.goto_action = a("&Go to page…", self.ask_go_to, "Ctrl+G")
        self.reset_layout_action = a("&Reset layout", self.reset_layout)
        self.about_action = a("&About CaseView", self.aboutRequested.emit, QKeySequence.HelpContents)

    def _build_centre(self, render_client) -> None:
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

    def _adopt_viewer_actions(self) -> None:
        """Use the viewer's own find and zoom actions in the menus, with window-wide shortcuts.

        One QAction per command, so a shortcut is never bound twice (Qt treats that as ambiguous and does
        nothing). Where the viewer lacks an action, a window action calls its method instead.
        """
        def adopt(attr: str, text: str, method: str, shortcut=None) -> QAction:
            act = getattr(self.viewer, attr, None)
            if isinstance(act, QAction):
                act.setShortcutContext(Qt.WindowShortcut)
                return act
            return self._action(text, lambda: self._viewer_call(method), shortcut)

        self.find_doc_action = adopt("action_find", "&Find in document…", "start_find", QKeySequence.Find)
        self.find_next_action = adopt("action_find_next", "Find &next", "find_next", QKeySequence.FindNext)
        self.find_previous_action = adopt("action_find_previous", "Find pre&vious", "find_previous",
                                          QKeySequence.FindPrevious)
        self.zoom_in_action = adopt("action_zoom_in", "Zoom &in", "zoom_in", QKeySequence.ZoomIn)
        self.zoom_out_action = adopt("action_zoom_out", "Zoom &out", "zoom_out", QKeySequence.ZoomOut)
        self.actual_size_action = adopt("action_actual_size", "&Actual size", "actual_size", "Ctrl+0")
        self.fit_width_action = adopt("action_fit_width", "Fit &width", "fit_width")
        self.fit_page_action = adopt("action_fit_page", "Fit &page", "fit_page")
        self.viewer_actions = [self.find_doc_action, self.find_next_action, self.find_previous_action,
                               self.zoom_in_action, self.zoom_out_action, self.actual_size_action,
                               self.fit_width_action, self.fit_page_action]

    def _build_docks(self) -> None:
        self.index_panel = IndexPanel()
        self.chronology_panel = ChronologyPanel()
        self.search_panel = SearchPanel()
        self.annotations_panel = AnnotationsPanel(self.highlight_action)
        for panel in (self.index_panel, self.chronology_panel, self.search_panel, self.annotations_panel):
            panel.openRequested.connect(self.open_at)
        self.search_panel.searchRequested.connect(self.run_search)
        self.annotations_panel.editRequested.connect(self.edit_annotation)
        self.annotations_panel.removeRequested.connect(self.remove_annotation)

        self.index_dock = make_dock("Bundle index", "dock.index", self.index_panel, self)
        self.chronology_dock = make_dock("Chronology", "dock.chronology", self.chronology_panel, self)
        self.search_dock = make_dock("Case search", "dock.search", self.search_panel, self)
        self.annotations_dock = make_dock("Annotations", "dock.annotations", self.annotations_panel, self)
        self.addDockWidget(Qt.LeftDockWidgetArea, self.index_dock)
        self.tabifyDockWidget(self.index_dock, self.chronology_dock)
        self.addDockWidget(Qt.RightDockWidgetArea, self.search_dock)
        # the right-hand area is also where the review panel (issue 5) docks, tabbed beside these
        self.tabifyDockWidget(self.search_dock, self.annotations_dock)
        self.index_dock.raise_()
        self.search_dock.raise_()
        self.resizeDocks([self.index_dock, self.search_dock], [DOCK_LEFT, DOCK_RIGHT], Qt.Horizontal)
        self.docks = [self.index_dock, self.chronology_dock, self.search_dock, self.annotations_dock]

    def add_panel_dock(self, dock: QDockWidget, area=Qt.RightDockWidgetArea, tab_with: QDockWidget | None = None) -> None:
        """For later panels (the review panel): dock, tab, and list it in the View menu."""
        self.addDockWidget(area, dock)
        if tab_with is not None:
            self.tabifyDockWidget(tab_with, dock)
        self.docks.append(dock)
        self.view_menu.insertAction(self._view_separator, dock.toggleViewAction())

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.open_action, self.demo_action])
        file_menu.addSeparator()
        file_menu.addAction(self.close_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit = bar.addMenu("&Edit")
        edit.addAction(self.copy_action)
        edit.addSeparator()
        edit.addAction(self.highlight_action)
        edit.addSeparator()
        edit.addActions([self.find_doc_action, self.find_next_action, self.find_previous_action])
        edit.addSeparator()
        edit.addAction(self.find_case_action)
        self.view_menu = bar.addMenu("&View")
        for dock in self.docks:
            self.view_menu.addAction(dock.toggleViewAction())
        self._view_separator = self.view_menu.addSeparator()
        self.view_menu.addActions([self.zoom_in_action, self.zoom_out_action, self.actual_size_action,
                                   self.fit_width_action, self.fit_page_action])
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.reset_layout_action)
        go = bar.addMenu("&Go")
        go.addAction(self.goto_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

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

    # -- layout persistence ---------------------------------------------------------------

    def restore_layout(self) -> None:
        geometry = self.settings.value("review/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            screen = QApplication.primaryScreen()
            avail = screen.availableGeometry() if screen else None
            if avail is not None:
                self.resize(min(1440, avail.width()), min(900, avail.height()))
        state = self.settings.value("review/state")
        self._layout_restored = isinstance(state, QByteArray) and not state.isEmpty() \
            and self.restoreState(state, STATE_VERSION)

    def save_layout(self) -> None:
        self.settings.setValue("review/geometry", self.saveGeometry())
        self.settings.setValue("review/state", self.saveState(STATE_VERSION))
        self.settings.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, STATE_VERSION)
        for dock in self.docks:
            dock.setFloating(False)
        self.resizeDocks([self.index_dock, self.search_dock], [DOCK_LEFT, DOCK_RIGHT], Qt.Horizontal)
        QTimer.singleShot(0, self.tidy_tab_bars)

    # -- opening a case --------------------------------------------------------------------

    def show_import(self, title: str) -> ImportPanel:
        """The skeleton with import progress; the caller wires progress and cancel to the panel."""
        self.setWindowTitle("CaseView")
        self.import_panel.start(title)
        self.stack.setCurrentWidget(self.skeleton)
        self._set_case_actions(False)
        return self.import_panel

    def load_case(self, case_id: str, notices: Sequence[str] = ()) -> None:
        self.save_position()
        self._load_serial += 1
        serial = self._load_serial
        self.import_panel.start("Opening the case…", cancellable=False, indeterminate=True)
        self.stack.setCurrentWidget(self.skeleton)
        self._set_case_actions(False)

        def done(load: CaseLoad) -> None:
            if serial == self._load_serial:
                self._show_case(load, notices)

        def failed(error: CaseViewError) -> None:
            if serial == self._load_serial:
                self.caseFailed.emit(str(error))

        self.runner.submit(load_case_job(case_id), done, failed)

    def _show_case(self, load: CaseLoad, notices: Sequence[str]) -> None:
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
        self.chronology_panel.set_chronology(snap.chronology, snap.documents)
        self.search_panel.clear()
        self.annotations_panel.set_annotations(self.annotations)
        signed = snap.case.status == "signed"
        extra = list(notices)
        if signed:
            extra.insert(0, f"This case was signed on {snap.case.signed_at or 'an earlier date'} and is read-only.")
        unreadable = [d for d in snap.documents if not d.row.readable]
        if unreadable and not any("could not be read" in n for n in extra):
            extra.append(f"{len(unreadable)} document{'s' if len(unreadable) != 1 else ''} could not be read "
                         f"and {'are' if len(unreadable) != 1 else 'is'} marked in the bundle index; "
                         f"the rest of the case works as normal.")
        self.info_bar.set_notices(extra)
        self.stack.setCurrentWidget(self.viewer)
        self._set_case_actions(True, read_only=signed)
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

    def run_search(self, query: str) -> None:
        if self.snapshot is None:
            return
        from ..core.search import search

        self._search_serial += 1
        serial = self._search_serial
        case_id = self.snapshot.case.id

        def done(result) -> None:
            if serial == self._search_serial:
                self.search_panel.show_result(result)

        def failed(error: CaseViewError) -> None:
            if serial == self._search_serial:
                self.search_panel.show_error(str(error))

        self.runner.submit(lambda ws: search(ws, case_id, query, limit=200), done, failed)

    # -- annotations ---------------------------------------------------------------------------

    def _viewer_annotations(self, doc_id: str) -> list[tuple[Anchor, QColor]]:
        return [(v.anchor, style.tag_colour(v.annotation.tag, 110)) for v in self.annotations
                if v.anchor.doc_id == doc_id and not v.orphaned]

    def highlight_selection(self) -> None:
        if self.snapshot is None or self._read_only:
            return
        anchor = self.viewer.selection()
        if anchor is None:
            self.statusBar().showMessage("Select some text in the document first, then press Ctrl+H.", 5000)
            return
        dialog = HighlightDialog(anchor.exact, parent=self)
        dialog.setWindowModality(Qt.WindowModal)
        dialog.accepted.connect(lambda: self.add_annotation(anchor, *dialog.values()))
        dialog.open()

    def add_annotation(self, anchor: Anchor, note: str, tag: str) -> None:
        annotation = Annotation(new_id("A"), anchor, note, tag, now_utc())
        self._write(AddAnnotation(annotation), select=annotation.id)

    def edit_annotation(self, annotation_id: str) -> None:
        view = self.annotations_panel.annotation(annotation_id)
        if view is None or self._read_only:
            return
        a = view.annotation
        dialog = HighlightDialog(a.anchor.exact, a.note, a.tag, editing=True, parent=self)
        dialog.setWindowModality(Qt.WindowModal)
        dialog.accepted.connect(lambda: self._write(EditAnnotation(a.id, *dialog.values()), select=a.id))
        dialog.open()

    def remove_annotation(self, annotation_id: str, *, confirm: bool = True) -> None:
        view = self.annotations_panel.annotation(annotation_id)
        if view is None or self._read_only:
            return
        if confirm:
            box = QMessageBox(QMessageBox.Question, "Remove highlight",
                              f"Remove the highlight on {view.ref} and its note?",
                              QMessageBox.Cancel, self)
            remove = box.addButton("Remove", QMessageBox.DestructiveRole)
            box.setDefaultButton(QMessageBox.Cancel)
            box.setWindowModality(Qt.WindowModal)
            box.finished.connect(lambda *_: box.clickedButton() is remove and self._write(RemoveAnnotation(annotation_id)))
            box.open()
            return
        self._write(RemoveAnnotation(annotation_id))

    def _write(self, command, select: str | None = None) -> None:
        """Apply a review command through the runner; the status bar says Saved once it is durable."""
        snap = self.snapshot
        if snap is None:
            return
        case_id = snap.case.id
        documents = snap.documents
        self.saved_label.setText("Saving…")

        def job(ws):
            apply(ws, case_id, command)
            return tuple(annotation_views(ws, case_id, read_state(ws, case_id).annotations, documents))

        def done(views) -> None:
            if self.snapshot is None or self.snapshot.case.id != case_id:
                return
            self.annotations = views
            self.annotations_panel.set_annotations(views)
            if select:
                self.annotations_panel.select(select)
            if self.doc_id:
                self.viewer.set_annotations(self._viewer_annotations(self.doc_id))
            self.saved_label.setText("Saved")
            self.saved_label.setToolTip(f"Saved to the workspace at {now_utc()}")
            self.saved.emit()

        def failed(error: CaseViewError) -> None:
            self.saved_label.setText("Not saved")
            QMessageBox.warning(self, "Not saved", str(error))

        self.runner.submit(job, done, failed)

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
        if not self._layout_restored:
            self._layout_restored = True
            # dock sizes only take once the window has its real size
            QTimer.singleShot(0, lambda: self.resizeDocks([self.index_dock, self.search_dock],
                                                          [DOCK_LEFT, DOCK_RIGHT], Qt.Horizontal))
        QTimer.singleShot(0, self.tidy_tab_bars)

    def tidy_tab_bars(self) -> int:
        """Hide dock tab bars Qt left behind (6.12: tabifying or restoring before the first show leaves a
        stray, visible bar over the centre of the window). A live bar sits right under its docks."""
        docks = [d for d in self.findChildren(QDockWidget) if d.isVisible() and not d.isFloating()]
        hidden = 0
        for bar in self.findChildren(QTabBar):
            if bar.parent() is not self or not bar.isVisible():
                continue
            g = bar.geometry()
            titles = {bar.tabText(i) for i in range(bar.count())}
            live = any(abs(d.geometry().bottom() + 1 - g.top()) <= 3 and d.geometry().left() - 3 <= g.left()
                       <= d.geometry().right() and d.windowTitle() in titles for d in docks)
            if not live:
                bar.hide()
                hidden += 1
        return hidden

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_position(force=True)
        self.save_layout()
        super().closeEvent(event)
MainWindow = ReviewWindow  # the name the issue uses
