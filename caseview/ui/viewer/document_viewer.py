"""The document viewer: PDF pages, text notes and images in one continuous, zoomable, searchable, selectable view.

Rendering happens in the render client's worker (never on the GUI thread);
this widget only lays pages out, paints what has arrived and asks for what is
visible. Text notes are set as the spec's 60-line pages; images are one page.
A document that cannot be shown gets a calm panel saying why, never a blank.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterable

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QMenu, QSplitter, QStackedWidget, QToolButton, QVBoxLayout,
                               QWidget)

from ...core.findings import quote_context, resolve_quote
from ...core.review import Anchor
from ...core.snapshot import DocumentView
from .render_client import TEXT, RenderClient
from .canvas import CURRENT_HIT, HIGHLIGHT, PageCanvas
from .find import FindMixin
from .icons import icon
from .pages import DocModel, ImageModel, PageTexts, locate, model_for, normalised
from .parts import MessagePanel, tool_button
from .strip import PageStrip
from .toolbar import ToolbarMixin

RefResolver = Callable[[str], "tuple[str, int] | None"]
FOCUS = QColor(110, 210, 120, 140)  # a passage opened from search or a citation


class DocumentViewer(FindMixin, ToolbarMixin, QWidget):
    """Reads one document at a time; see the module docstring. Pages are numbered from 1."""

    pageChanged = Signal(str, int)  # doc_id, page
    selectionChanged = Signal()
    openRequested = Signal(str, int)  # a reference typed in the page box is in another document

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Document viewer")
        self.client: RenderClient | None = None
        self.resolver: RefResolver | None = None
        self.doc: DocumentView | None = None
        self.model: DocModel | None = None
        self._problem: str | None = None
        self._pending_page: int | None = None
        self._focus: Anchor | None = None
        self._focus_span: tuple[int, int] | None = None
        self._annotations: list[tuple[Anchor, QColor]] = []
        self._spans: dict[tuple, tuple[int, int] | None] = {}
        self._query = ""
        self._hits: dict[int, list[tuple[int, int]]] = {}
        self._hit_order: list[tuple[int, int]] = []  # (page, index on the page)
        self._hit = -1
        self._find_texts: dict[int, str] = {}
        self._searched: set[int] = set()
        self._deco: dict[int, list] = {}
        self._strip_wanted = True
        self._auto_fit_page = False
        self._extra_actions: list[QAction] = []
        self._build()

    # -- construction ----------------------------------------------------------------------

    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self._build_toolbar())
        lay.addWidget(self._rule())
        lay.addWidget(self._build_find_bar())

        self.notice = QFrame(self)
        self.notice.setAccessibleName("Viewer notice")
        self.notice.setAutoFillBackground(True)
        pal = self.notice.palette()
        pal.setColor(self.notice.backgroundRole(), QColor(255, 244, 206) if self.palette().window().color()
                     .lightness() > 128 else QColor(92, 76, 30))
        self.notice.setPalette(pal)
        nl = QHBoxLayout(self.notice)
        nl.setContentsMargins(10, 6, 6, 6)
        notice_icon = QLabel(self.notice)
        notice_icon.setPixmap(icon("notice", self.palette()).pixmap(16, 16))
        self.notice_text = QLabel(self.notice)
        self.notice_text.setWordWrap(True)
        self.notice_text.setAccessibleName("Notice")
        nl.addWidget(notice_icon)
        nl.addWidget(self.notice_text, 1)
        nl.addWidget(tool_button(self.notice, "close", "Dismiss", "Dismiss notice", self.notice.hide))
        self.notice.hide()
        lay.addWidget(self.notice)

        self.stack = QStackedWidget(self)
        self.canvas = PageCanvas(self)
        self.canvas.decorations = self._decorations
        self.canvas.currentPageChanged.connect(self._page_moved)
        self.canvas.selectionChanged.connect(self.selectionChanged)
        self.canvas.zoomChanged.connect(self._show_zoom)
        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.canvas.customContextMenuRequested.connect(self._context_menu)
        self.strip = PageStrip(self)
        self.strip.pageClicked.connect(self.go_to_page)
        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.split.addWidget(self.strip)
        self.split.addWidget(self.canvas)
        self.split.setStretchFactor(1, 1)
        self.split.setCollapsible(1, False)
        self.split.setSizes([self.strip.sizeHint().width(), 800])
        self.panel = MessagePanel(self)
        self.empty = QLabel("Choose a document in the bundle index to read it here.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.empty.setAccessibleName("No document open")
        for w in (self.empty, self.split, self.panel):
            self.stack.addWidget(w)
        lay.addWidget(self.stack, 1)
        self._actions()
        self._sync_controls()

    def _rule(self) -> QFrame:
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        return line

    def _action(self, text: str, keys: Iterable, slot: Callable, target: QWidget | None = None) -> QAction:
        a = QAction(text, self)
        a.setShortcuts([QKeySequence(k) for k in keys])
        a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        a.triggered.connect(slot)
        (target or self).addAction(a)
        return a

    def _actions(self) -> None:
        S = QKeySequence.StandardKey
        self.action_find = self._action("&Find in Document…", [S.Find], self.start_find)
        self.action_find_next = self._action("Find &Next", [S.FindNext, "F3"], self.find_next)
        self.action_find_previous = self._action("Find Pre&vious", [S.FindPrevious, "Shift+F3"], self.find_previous)
        self.action_zoom_in = self._action("Zoom &In", [S.ZoomIn, "Ctrl+="], lambda: self.zoom_by(1))
        self.action_zoom_out = self._action("Zoom &Out", [S.ZoomOut], lambda: self.zoom_by(-1))
        self.action_actual_size = self._action("&Actual Size", ["Ctrl+0"], self.actual_size)
        self.action_fit_width = self._action("Fit &Width", [], self.fit_width)
        self.action_fit_page = self._action("Fit &Page", [], self.fit_page)
        self.action_go_to = self._action("&Go to Page…", ["Ctrl+L"], self._focus_page_box)
        self.action_copy = self._action("&Copy", [S.Copy], self.copy, self.canvas)
        self.action_copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.action_select_page = self._action("Select Page &Text", [S.SelectAll], self.select_page, self.canvas)
        self.action_select_page.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        esc = self._action("Close find bar", ["Esc"], self.end_find, self.find_bar)
        esc.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # -- wiring ----------------------------------------------------------------------------

    def set_render_client(self, client: RenderClient) -> None:
        if self.client is not None:
            for sig, slot in self._client_links():
                sig.disconnect(slot)
        self.client = client
        for sig, slot in self._client_links():
            sig.connect(slot)

    def _client_links(self):
        c = self.client
        return ((c.pageReady, self._on_page), (c.pageFailed, self._on_page_failed),
                (c.documentFailed, self._on_doc_failed), (c.sizesReady, self._on_sizes), (c.textReady, self._on_text))

    def set_ref_resolver(self, resolver: RefResolver | None) -> None:
        """``resolver(ref) -> (doc_id, page) | None`` for references such as ``C23`` anywhere in the bundle."""
        self.resolver = resolver

    def add_selection_action(self, action: QAction) -> None:
        """An action the host offers in the page's context menu (for example "Highlight with note…")."""
        self._extra_actions.append(action)

    # -- opening ---------------------------------------------------------------------------

    def open_document(self, doc: DocumentView, page: int = 1, highlight: Anchor | None = None,
                      page_texts: PageTexts | None = None) -> None:
        """Show ``doc`` at ``page``; ``page_texts(page) -> str`` gives stored page text (fast find for PDFs)."""
        self._reset_find_state()
        self._focus = None
        self._focus_span = None
        self._spans.clear()
        self._deco.clear()
        self.notice.hide()
        self.doc = doc
        result = model_for(doc, self.client, page_texts)
        if isinstance(result, str):
            self.model = None
            self.canvas.set_model(None)
            self.strip.set_model(None)
            self._show_problem(result)
            return
        self._problem = None
        self.model = result
        if self.client is not None and self.client.document_problem(doc.id):
            self._show_problem(self.client.document_problem(doc.id))
            return
        self.canvas.fit_cap = 1.0 if result.kind == "image" else 8.0
        if result.kind == "image" and self.canvas.mode == "fit-width":
            self.canvas.mode = "fit-page"
        elif result.kind != "image" and self.canvas.mode == "fit-page" and self._auto_fit_page:
            self.canvas.mode = "fit-width"
        self._auto_fit_page = result.kind == "image"
        self.stack.setCurrentWidget(self.split)
        self.canvas.set_model(result)
        self.strip.set_model(result)
        self.strip.setVisible(self._strip_wanted and result.kind != "image")
        self._pending_page = page
        self.go_to_page(page)
        if highlight is not None:
            self.show_highlight(highlight)
        if self.find_bar.isVisible() and self.find_box.text():
            self.find(self.find_box.text())
        self._sync_controls()
        self.pageChanged.emit(doc.id, self.current_page())

    def close_document(self) -> None:
        self.doc = self.model = None
        self.canvas.set_model(None)
        self.strip.set_model(None)
        self._reset_find_state()
        self.notice.hide()
        self.stack.setCurrentWidget(self.empty)
        self._sync_controls()

    def document(self) -> DocumentView | None:
        return self.doc

    def message(self) -> str | None:
        """The sentence shown instead of the pages, if any."""
        return self._problem

    def notice_message(self) -> str | None:
        return self.notice_text.text() if not self.notice.isHidden() else None

    def _show_problem(self, sentence: str) -> None:
        self._problem = sentence
        row = self.doc.row
        refs = f"{row.range_label}  ·  {row.pages} page{'s' if row.pages != 1 else ''}  ·  {row.media_type}"
        hint = ("The rest of the case can still be read. The bundle's issuer can be asked for a readable copy."
                if "no preview" not in sentence else "The file is part of the bundle and is counted in its pages.")
        self.panel.show_message(row.title, refs, sentence, hint)
        self.stack.setCurrentWidget(self.panel)
        self._sync_controls()

    def _sync_controls(self) -> None:
        paged = self.model is not None and self.stack.currentWidget() is self.split
        for w in (self.prev_button, self.next_button, self.page_box, self.zoom_out_button, self.zoom_box,
                  self.zoom_in_button, self.fit_width_button, self.fit_page_button, self.strip_button):
            w.setEnabled(paged)
        searchable = paged and self.model.kind in ("pdf", "text")
        self.find_button.setEnabled(searchable)
        if not searchable:
            self.find_bar.hide()
        self._page_moved(self.current_page())
        self._show_zoom()

    # -- pages and zoom --------------------------------------------------------------------

    def current_page(self) -> int:
        return self.canvas.current_page() if self.model is not None else 0

    def page_count(self) -> int:
        return self.model.page_count() if self.model is not None else 0

    def go_to_page(self, page: int) -> None:
        if self.model is None:
            return
        page = max(1, min(page, self.model.page_count()))
        self.canvas.scroll_to(page)

    def _page_moved(self, page: int) -> None:
        if self.model is None:
            self.page_box.clear()
            self.page_label.clear()
            return
        if not self.page_box.hasFocus():
            self.page_box.setText(self.model.ref(page))
        self.page_label.setText(f"page {page} of {self.model.page_count()}")
        self.prev_button.setEnabled(page > 1)
        self.next_button.setEnabled(page < self.model.page_count())
        self.strip.set_current(page)
        if self.doc is not None:
            self.pageChanged.emit(self.doc.id, page)

    def go_to_reference(self, text: str) -> bool:
        """A page number of this document or a bundle reference (``C23``); False, with a notice, if neither."""
        if self.model is None or not text:
            return False
        n = self.model.page_count()
        if text.isdigit():
            if 1 <= int(text) <= n:
                self.go_to_page(int(text))
                self.notice.hide()
                return True
            self._notify(f"This document has pages 1 to {n}; there is no page {int(text)}.")
            return False
        target = self.resolver(text) if self.resolver is not None else self._local_ref(text)
        if target is None:
            self._notify(f"There is no page {text.upper()} in this bundle.")
            return False
        doc_id, page = target
        self.notice.hide()
        if doc_id == self.doc.id:
            self.go_to_page(page)
        else:
            self.openRequested.emit(doc_id, page)
        return True

    def _local_ref(self, text: str) -> tuple[str, int] | None:
        row = self.doc.row
        t = text.strip().upper()
        if t.startswith(row.section.upper()) and t[len(row.section):].isdigit():
            number = int(t[len(row.section):])
            if row.first_page <= number < row.first_page + self.model.page_count():
                return row.doc_id, number - row.first_page + 1
        return None

    def zoom(self) -> float:
        return self.canvas.zoom

    def zoom_mode(self) -> str:
        return self.canvas.mode

    def set_zoom(self, zoom: float) -> None:
        self._auto_fit_page = False
        self.canvas.set_zoom(zoom)

    def zoom_by(self, steps: int) -> None:
        if self.model is not None:
            self._auto_fit_page = False
            self.canvas.zoom_by(steps)

    def zoom_in(self) -> None:
        self.zoom_by(1)

    def zoom_out(self) -> None:
        self.zoom_by(-1)

    def changeEvent(self, e) -> None:
        super().changeEvent(e)
        if e.type() == QEvent.Type.PaletteChange:  # light/dark switch: icons follow the text colour
            for b in self.findChildren(QToolButton):
                name = b.property("iconName")
                if name:
                    b.setIcon(icon(name, self.palette()))

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def fit_width(self) -> None:
        self._auto_fit_page = False
        self.canvas.set_mode("fit-width")

    def fit_page(self) -> None:
        self._auto_fit_page = False
        self.canvas.set_mode("fit-page")

    # -- render client results -------------------------------------------------------------

    def _mine(self, doc_id: str) -> bool:
        return self.doc is not None and self.model is not None and doc_id == self.doc.id

    def _on_page(self, doc_id: str, page: int, _scale: float, _image) -> None:
        if not self._mine(doc_id):
            return
        if isinstance(self.model, ImageModel) and not self.model.loaded:
            self.model.image_arrived()
            self.canvas.relayout(keep=False)
            self.strip.relayout()
        self.canvas.viewport().update()
        self.strip.viewport().update()

    def _on_page_failed(self, doc_id: str, page: int, _message: str) -> None:
        if self._mine(doc_id):
            self.canvas.viewport().update()
            self.strip.viewport().update()

    def _on_doc_failed(self, doc_id: str, message: str) -> None:
        if self._mine(doc_id):
            self._show_problem(message)

    def _on_sizes(self, doc_id: str, sizes: list) -> None:
        if not self._mine(doc_id) or self.model.kind != "pdf":
            return
        keep_page = self.current_page()
        self.model.sizes = list(sizes)
        self.canvas.relayout()
        self.strip.relayout()
        if self._pending_page is not None and self._pending_page <= len(sizes):
            self.go_to_page(self._pending_page)
        elif keep_page > len(sizes):
            self.go_to_page(len(sizes))
        self._pending_page = None
        self._sync_controls()
        if self._focus is not None:
            self._place_focus()

    def _on_text(self, doc_id: str, page: int, layout) -> None:
        if not self._mine(doc_id):
            return
        self._deco.pop(page, None)
        if self._query:
            self._find_texts.setdefault(page, layout.text)
            self._search_page(page, layout.text)
        if self._focus is not None and self._focus.page == page and self._focus_span is None:
            self._place_focus()
        self.canvas._update_selection_rects()
        self.canvas.viewport().update()

    # -- selection -------------------------------------------------------------------------

    def selection(self) -> Anchor | None:
        """The selected text as an anchor (exact text with 32 characters of context each side), or None."""
        sel = self.canvas.selection() if self.model is not None else None
        if sel is None:
            return None
        page, start, end = sel
        text = self.model.page_text(page)
        if text is None:
            return None
        return dataclasses.replace(quote_context(text, start, end), doc_id=self.doc.id, page=page)

    def selected_text(self) -> str:
        a = self.selection()
        return a.exact or "" if a else ""

    def select_text(self, page: int, start: int, end: int) -> None:
        """Select characters [start, end) of a page's text (as the mouse would)."""
        self.canvas.set_selection(page, start, end)

    def select_page(self) -> None:
        if self.model is None:
            return
        page = self.current_page()
        text = self.model.page_text(page)
        if text:
            self.canvas.set_selection(page, 0, len(text))

    def copy(self) -> bool:
        return self.canvas.copy_selection()

    def _context_menu(self, pos) -> None:
        menu = QMenu(self)
        has = self.canvas.selection() is not None
        copy = menu.addAction("Copy", self.copy)
        copy.setEnabled(has)
        menu.addAction("Select Page Text", self.select_page)
        if self._extra_actions:
            menu.addSeparator()
            for a in self._extra_actions:
                menu.addAction(a)
        menu.popup(self.canvas.viewport().mapToGlobal(pos))

    # -- highlights and annotations ---------------------------------------------------------

    def show_highlight(self, anchor: Anchor) -> bool:
        """Scroll to the anchor's page and highlight its quote; a quote that no longer resolves gets a notice.

        Returns False when the quote is known not to resolve (True while the page text is still on its way).
        """
        if self.model is None or self.doc is None or anchor.doc_id != self.doc.id:
            return False
        self._focus = anchor
        self._focus_span = None
        self.notice.hide()
        self.go_to_page(anchor.page)
        if anchor.exact is None or not 1 <= anchor.page <= self.model.page_count():
            if not 1 <= anchor.page <= self.model.page_count():
                self._notify(f"This document has no page {anchor.page}; the passage cannot be shown.")
                return False
            return True
        return self._place_focus()

    def _place_focus(self) -> bool:
        anchor = self._focus
        g = self.model.geometry(anchor.page)
        text = g.text if g is not None else self.model.page_text(anchor.page)
        if text is None:
            if self.model.kind == "pdf":
                self.client.request_text(self.doc.id, self.doc.path, [anchor.page], channel=f"focus{id(self)}",
                                         priority=TEXT - 1)
            return True
        span = self._resolve(text, anchor)
        if span is None:
            quote = " ".join(anchor.exact.split())
            quote = quote if len(quote) <= 60 else quote[:57] + "…"
            self._focus = None
            self._notify(f"The quotation “{quote}” was not found on page {self.model.ref(anchor.page)}. "
                         f"The document may have changed since it was made; it is not highlighted.")
            return False
        if g is None:
            return True  # the boxes are on their way; placed again when they arrive
        self._focus_span = span
        self._deco.pop(anchor.page, None)
        rects = g.rects(*span)
        if rects:
            union = rects[0]
            for r in rects[1:]:
                union = union.united(r)
            self.canvas.scroll_to(anchor.page, union)
        self.canvas.viewport().update()
        return True

    @staticmethod
    def _resolve(text: str, anchor: Anchor) -> tuple[int, int] | None:
        pos = resolve_quote(text, anchor)
        if pos is None:
            return None
        return locate(text, pos, len(normalised(anchor.exact or "")[0]))

    def set_annotations(self, annotations: Iterable[tuple[Anchor, QColor | str]]) -> None:
        """Highlights painted under the text: (anchor, colour) for any document; others' are ignored."""
        self._annotations = [(a, QColor(c)) for a, c in annotations]
        self._spans.clear()
        self._deco.clear()
        self.canvas.viewport().update()

    def _notify(self, text: str) -> None:
        self.notice_text.setText(text)
        self.notice.show()

    def _decorations(self, page: int) -> list[tuple[list[QRectF], QColor]]:
        cached = self._deco.get(page)
        if cached is not None:
            return cached
        if not (self._annotations or self._hits or self._focus is not None):
            return []  # nothing to paint: don't build character geometry during a scroll
        g = self.model.geometry(page) if self.model is not None else None
        if g is None:
            return []
        out: list[tuple[list[QRectF], QColor]] = []
        for anchor, colour in self._annotations:
            if anchor.doc_id != self.doc.id or anchor.page != page or anchor.exact is None:
                continue
            key = (anchor, g.text)
            if key not in self._spans:
                self._spans[key] = self._resolve(g.text, anchor)
            span = self._spans[key]
            if span is not None:
                c = QColor(colour)
                c.setAlpha(110)
                out.append((g.rects(*span), c))
        if self._focus is not None and self._focus.page == page and self._focus_span is not None:
            out.append((g.rects(*self._focus_span), FOCUS))
        current = self._hit_order[self._hit] if 0 <= self._hit < len(self._hit_order) else None
        for k, (s, e) in enumerate(self._hits.get(page, ())):
            out.append((g.rects(s, e), CURRENT_HIT if current == (page, k) else HIGHLIGHT))
        self._deco[page] = out
        return out
