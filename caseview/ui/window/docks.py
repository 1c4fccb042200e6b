"""The review window's side panels: bundle index, case search and annotations (the chronology and
timeliness are in ``chronology``).

Panels show models and say what the reviewer asked for through signals
(``openRequested(doc_id, page, anchor)`` and friends); the window does the work
through the runner. No panel reads the workspace.
"""

from __future__ import annotations


from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QDialog, QDialogButtonBox,
                               QDockWidget, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListView, QMenu,
                               QPlainTextEdit, QPushButton, QToolButton, QTreeView, QVBoxLayout, QWidget)

from .. import style
from ..cards import PAD_X, PAD_Y, CardDelegate, card_list
from ..models import (AnchorRole, AnnotationsModel, DocIdRole, DocIdsRole, DocumentFilterProxy,
                     IdRole, IndexModel, KindRole, ObjectRole, OrphanedRole, PageRole, SearchModel)

class _ReflowTree(QTreeView):
    """A tree whose rows re-measure when its width changes (card heights depend on the wrap width)."""

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.doItemsLayout()


_card_list = card_list  # the chronology and timeliness docks use it under this name too


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("role", "muted")
    label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
    label.setContentsMargins(PAD_X, PAD_Y, PAD_X, PAD_Y)
    return label


def make_dock(title: str, object_name: str, widget: QWidget, parent: QWidget) -> QDockWidget:
    dock = QDockWidget(title, parent)
    dock.setObjectName(object_name)  # saveState/restoreState find docks by object name
    dock.setWidget(widget)
    dock.setAccessibleName(title)
    dock.setFeatures(QDockWidget.DockWidgetClosable | QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
    dock.toggleViewAction().setText(title)
    return dock


# -- bundle index -----------------------------------------------------------------------------

LONG_INDEX = 300  # documents; above this the bundle index scrolls by card (see IndexPanel.set_index)


class IndexPanel(QWidget):
    openRequested = Signal(str, int, object)  # doc_id, page, anchor (None)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = IndexModel(self)
        self.view = _ReflowTree()
        self.view.setAccessibleName("Bundle index")
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        for col in range(1, self.model.columnCount()):
            self.view.setColumnHidden(col, True)
        self.view.setIndentation(14)
        self.view.setUniformRowHeights(False)
        self.view.setWordWrap(True)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.view.setItemDelegate(CardDelegate(self.view, self._row_width))
        self.view.clicked.connect(self._activate)
        self.view.activated.connect(self._activate)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)

    def _row_width(self, index: QModelIndex) -> int:
        depth = 1 if index.parent().isValid() else 0
        return self.view.viewport().width() - self.view.indentation() * (depth + 1)

    def set_index(self, sections, documents) -> None:
        # Scrolling by pixel makes the tree measure every card up front (0.5 ms each, two widths):
        # a second for a 2,000-document bundle. A long index scrolls by card instead, measuring
        # only what is in view; a short one keeps the smoother scroll.
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel if len(documents) <= LONG_INDEX
                                        else QAbstractItemView.ScrollPerItem)
        self.model.set_index(sections, documents)
        self.view.expandAll()

    def select_document(self, doc_id: str) -> None:
        index = self.model.document_index(doc_id)
        if index.isValid() and self.view.currentIndex() != index:
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

    def _activate(self, index: QModelIndex) -> None:
        if index.data(KindRole) == "document":
            self.openRequested.emit(index.data(DocIdRole), 1, None)


# -- case search ------------------------------------------------------------------------------

SEARCH_ORDERS = (("case", "Case order"), ("relevance", "Best match first"))
SEARCH_PAGE = 200  # hits fetched at a time


class SearchPanel(QWidget):
    """The query line, the order of results, the hits as cards and "Show the next 200".

    ``searchRequested(query, order, offset)``: offset 0 is a new search, anything else asks
    for the next hits of the one shown.
    """

    searchRequested = Signal(str, str, int)
    orderChanged = Signal(str)
    openRequested = Signal(str, int, object)

    def __init__(self, parent: QWidget | None = None, order: str = "case"):
        super().__init__(parent)
        self.model = SearchModel(self)
        self.query = QLineEdit()
        self.query.setPlaceholderText("Search every document")
        self.query.setAccessibleName("Search the case")
        self.query.setToolTip('Words, "exact phrases", prefixes (neglect*), AND, OR, NOT and brackets')
        self.query.setClearButtonEnabled(True)
        self.query.returnPressed.connect(self._enter)
        self.order = QComboBox()
        for key, label in SEARCH_ORDERS:
            self.order.addItem(label, key)
        self.order.setAccessibleName("Order of search results")
        self.order.setToolTip("Case order lists pages as the bundle runs (document, then page).\n"
                              "Best match first ranks pages by how well they match; on a large case\n"
                              "a common word takes a little longer to rank.")
        self.order.setCurrentIndex(max(0, self.order.findData(order)))
        self.order.currentIndexChanged.connect(self._order_changed)
        order_row = QHBoxLayout()
        order_row.setSpacing(6)
        order_label = QLabel("Order")
        order_label.setBuddy(self.order)
        order_row.addWidget(order_label)
        order_row.addWidget(self.order, 1)
        self.status = _hint('Type words or a "phrase" and press Enter.')
        self.status.setContentsMargins(2, 0, 2, 0)
        self.view = _card_list("Search results")
        self.view.setModel(self.model)
        self.view.clicked.connect(self._activate)
        self.view.activated.connect(self._activate)
        self.more = QPushButton()
        self.more.setAccessibleName("Show more search results")
        self.more.clicked.connect(self._more)
        self.more.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.SPACING, style.SPACING, style.SPACING, style.SPACING // 2)
        lay.setSpacing(6)
        lay.addWidget(self.query)
        lay.addLayout(order_row)
        lay.addWidget(self.status)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.more)
        self._last_query = ""
        self._fetching = False

    def current_order(self) -> str:
        return self.order.currentData()

    def focus_query(self) -> None:
        self.query.setFocus(Qt.ShortcutFocusReason)
        self.query.selectAll()

    def _enter(self) -> None:
        text = self.query.text().strip()
        if not text:
            return
        if text == self._last_query and self.model.rowCount() and self.view.currentIndex().isValid():
            self._activate(self.view.currentIndex())  # a second Enter opens the selected hit
            return
        self._search(text)

    def _search(self, text: str) -> None:
        self._last_query = text
        self.status.setText("Searching…")
        self.more.hide()
        self.searchRequested.emit(text, self.current_order(), 0)

    def _order_changed(self) -> None:
        self.orderChanged.emit(self.current_order())
        if self._last_query:
            self._search(self._last_query)

    def _more(self) -> None:
        if self._last_query and not self._fetching:
            self._fetching = True
            self.more.setEnabled(False)
            self.more.setText("Finding more…")
            self.searchRequested.emit(self._last_query, self.current_order(), self.model.rowCount())

    def show_result(self, result) -> None:
        self._fetching = False
        if result.offset:
            first_new = self.model.rowCount()
            self.model.append_result(result)
            if first_new < self.model.rowCount():
                self.view.scrollTo(self.model.index(first_new, 0), QAbstractItemView.PositionAtTop)
        else:
            self.model.set_result(result)
            if result.hits:
                self.view.setCurrentIndex(self.model.index(0, 0))
        shown, total = self.model.rowCount(), result.total
        if total == 0:
            self.status.setText(f"No page matches {result.query}.")
        elif shown < total:
            which = "in case order" if result.order == "case" else "best matches"
            self.status.setText(f"{total:,} pages match; the first {shown:,} {which} are shown.")
        else:
            self.status.setText(f"{total:,} page{'s' if total != 1 else ''} match{'es' if total == 1 else ''}.")
        left = total - shown
        self.more.setVisible(left > 0)
        self.more.setEnabled(True)
        self.more.setText(f"Show the next {min(left, SEARCH_PAGE):,}")

    def show_error(self, message: str) -> None:
        self._fetching = False
        self.model.set_result(None)
        self.more.hide()
        self._last_query = ""
        self.status.setText(message)

    def clear(self) -> None:
        self._fetching = False
        self.model.set_result(None)
        self.more.hide()
        self._last_query = ""
        self.query.clear()
        self.status.setText('Type words or a "phrase" and press Enter.')

    def _activate(self, index: QModelIndex) -> None:
        if index.isValid():
            self.openRequested.emit(index.data(DocIdRole), index.data(PageRole), index.data(AnchorRole))


# -- annotations --------------------------------------------------------------------------------

class AnnotationsPanel(QWidget):
    openRequested = Signal(str, int, object)
    editRequested = Signal(str)
    removeRequested = Signal(str)

    def __init__(self, highlight_action: QAction | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = AnnotationsModel(self)
        self.proxy = DocumentFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._current_doc: str | None = None

        scope = QHBoxLayout()
        scope.setSpacing(0)
        self.this_doc = QToolButton(text="This document", checkable=True)
        self.whole_case = QToolButton(text="Whole case", checkable=True)
        self.this_doc.setAccessibleName("Show highlights in this document")
        self.whole_case.setAccessibleName("Show highlights in the whole case")
        group = QButtonGroup(self)
        for b in (self.this_doc, self.whole_case):
            b.setToolButtonStyle(Qt.ToolButtonTextOnly)
            b.setAutoRaise(False)
            group.addButton(b)
            scope.addWidget(b)
        scope.addStretch(1)
        self.whole_case.setChecked(True)
        group.buttonToggled.connect(lambda *_: self._apply_scope())

        self.view = _card_list("Highlights")
        self.view.setModel(self.proxy)
        self.view.clicked.connect(self._activate)
        self.view.activated.connect(self._activate)
        self.view.doubleClicked.connect(lambda i: self.editRequested.emit(i.data(IdRole)))
        self.view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.empty = _hint("No highlights yet. Select text in a document and press Ctrl+H to highlight it "
                           "with a note.")

        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.add_button = QToolButton()
        if highlight_action is not None:
            self.add_button.setDefaultAction(highlight_action)
        self.add_button.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setAccessibleName("Edit the selected highlight's note and tag")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName("Remove the selected highlight")
        self.edit_button.clicked.connect(lambda: self._emit_for_current(self.editRequested))
        self.remove_button.clicked.connect(lambda: self._emit_for_current(self.removeRequested))
        self.remove_action = QAction("Remove highlight", self)
        self.remove_action.setShortcut(QKeySequence.Delete)
        self.remove_action.setShortcutContext(Qt.WidgetShortcut)
        self.remove_action.triggered.connect(lambda: self._emit_for_current(self.removeRequested))
        self.view.addAction(self.remove_action)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.remove_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.SPACING, style.SPACING, style.SPACING, style.SPACING)
        lay.setSpacing(6)
        lay.addLayout(scope)
        lay.addWidget(self.empty)
        lay.addWidget(self.view, 1)
        lay.addLayout(buttons)
        self._apply_scope()

    def set_annotations(self, views) -> None:
        keep = self.current_id()
        self.model.set_annotations(views)
        self._apply_scope()
        if keep:
            self.select(keep)

    def set_current_document(self, doc_id: str | None) -> None:
        self._current_doc = doc_id
        self._apply_scope()

    def select(self, annotation_id: str) -> None:
        row = self.model.row_of(annotation_id)
        if row >= 0:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if index.isValid():
                self.view.setCurrentIndex(index)

    def current_id(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(IdRole) if index.isValid() else None

    def _apply_scope(self) -> None:
        self.proxy.set_document(self._current_doc if self.this_doc.isChecked() else None)
        empty = self.proxy.rowCount() == 0
        if empty and self.model.rowCount() and self.this_doc.isChecked():
            self.empty.setText("No highlights in this document. “Whole case” lists the others.")
        else:
            self.empty.setText("No highlights yet. Select text in a document and press Ctrl+H to highlight it "
                               "with a note.")
        self.empty.setVisible(empty)
        self.view.setVisible(not empty)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.view.currentIndex().isValid()
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def _emit_for_current(self, signal) -> None:
        annotation_id = self.current_id()
        if annotation_id:
            signal.emit(annotation_id)

    def _activate(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        anchor = None if index.data(OrphanedRole) else index.data(AnchorRole)
        self.openRequested.emit(index.data(DocIdRole), index.data(PageRole), anchor)
        self._update_buttons()

    def annotation(self, annotation_id: str):
        row = self.model.row_of(annotation_id)
        return self.model.index(row, 0).data(ObjectRole) if row >= 0 else None


class HighlightDialog(QDialog):
    """The note and tag of a highlight, for adding or editing one."""

    def __init__(self, quote: str | None, note: str = "", tag: str = style.DEFAULT_TAG, *, editing: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit highlight" if editing else "Highlight")
        quote_label = QLabel(f"“{quote}”" if quote else "The whole page")
        quote_label.setWordWrap(True)
        quote_label.setTextFormat(Qt.PlainText)
        quote_label.setProperty("role", "muted")
        quote_label.setMaximumWidth(460)
        self.tag = QComboBox()
        self.tag.setAccessibleName("Tag")
        for name, hexcode in style.TAGS:
            self.tag.addItem(name)
            self.tag.setItemData(self.tag.count() - 1, QColor(hexcode), Qt.DecorationRole)
        if tag and self.tag.findText(tag) < 0:
            self.tag.addItem(tag)
        self.tag.setCurrentText(tag or style.DEFAULT_TAG)
        self.note = QPlainTextEdit(note)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Why this matters (optional)")
        self.note.setTabChangesFocus(True)
        self.note.setMinimumHeight(90)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.setSpacing(style.SPACING)
        form.addRow("Quote", quote_label)
        form.addRow("Tag", self.tag)
        form.addRow("Note", self.note)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.MARGIN, style.MARGIN, style.MARGIN, style.MARGIN)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.note.setFocus()
        self.resize(500, 280)

    def values(self) -> tuple[str, str]:
        return self.note.toPlainText().strip(), self.tag.currentText()
