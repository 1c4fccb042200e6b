"""The review panel: the items to judge with their status, and the selected item's form generated from the framework.

The panel reads nothing: it shows the :class:`ReviewController`'s snapshot and
state, and every change goes out through the controller (which sends it
through the runner and makes it an undo step). What needs the viewer is asked
for with signals: ``openDocument(doc_id, page)``, ``showEvidence(evidence)``,
``citeRequested(item_id)`` (the window answers with the viewer's selection and
``controller.cite(...)``).
"""

from __future__ import annotations

import json

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QScrollArea, QSplitter, QVBoxLayout, QWidget

from ...core.review import Anchor
from .. import style
from .completeness import CompletenessBar, MissingDialog
from ..cards import CardDelegate
from ..models import IdRole, nice_date
from .item import ItemForm, QuestionBlock
from .models import ItemsModel, item_rows
from .undo import ReviewController

ANCHOR_MIME = "application/x-caseview-anchor"
WIDE = 900  # wider than this, the items list sits beside the form


def anchor_from_mime(data: bytes) -> Anchor | None:
    """The anchor a drag from the viewer carries (JSON of an Anchor), or None when it is not one."""
    try:
        obj = json.loads(bytes(data).decode("utf-8"))
        page = obj["page"]
        if not isinstance(obj.get("doc_id"), str) or not isinstance(page, int) or isinstance(page, bool):
            return None
        exact = obj.get("exact")
        return Anchor(obj["doc_id"], page, exact if isinstance(exact, str) and exact else None,
                      str(obj.get("prefix") or "")[-32:], str(obj.get("suffix") or "")[:32])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def anchor_to_mime(anchor: Anchor) -> bytes:
    """What the viewer puts on a drag (for the viewer's author and tests)."""
    return json.dumps({"doc_id": anchor.doc_id, "page": anchor.page, "exact": anchor.exact,
                       "prefix": anchor.prefix, "suffix": anchor.suffix}).encode("utf-8")


def _stylesheet() -> str:
    s = style.current_scheme()
    flag_bg = "#3a2320" if s.dark else "#fdf1ec"
    # Dark: cards lighter than the fields in them, or radio buttons and text fields vanish into the card.
    card = s.button if s.dark else s.base
    return f"""
    QScrollArea#reviewForm, QWidget#reviewFormBody {{ background: {s.window}; }}
    QFrame#questionBlock {{ background: {card}; border: 1px solid {s.border}; border-radius: 8px; }}
    QFrame#questionBlock[flagged="true"] {{ border: 1px solid {s.warn}; background: {flag_bg}; }}
    QFrame#questionBlock QLabel, QFrame#itemHeader QLabel, QFrame#evidenceBox QLabel {{ background: transparent; }}
    QFrame#itemHeader, QFrame#evidenceBox {{ background: {card}; border: 1px solid {s.border}; border-radius: 8px; }}
    QFrame#detailBox {{ background: {s.alt_base}; border: none; border-left: 3px solid {s.border}; }}
    QFrame#detailBox QLabel {{ background: transparent; }}
    QLabel[role="title"] {{ font-weight: 600; }}
    QLabel[role="section"] {{ font-weight: 600; color: {s.muted}; }}
    QLabel[role="warning"] {{ color: {s.warn}; }}
    QLabel[role="muted"] {{ color: {s.muted}; }}
    QLabel[role="heading"] {{ font-weight: 600; }}
    QFrame#evidenceBox[dropping="true"] {{ border: 2px dashed {s.highlight}; }}
    """


class _ItemsList(QListView):
    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.doItemsLayout()


# -- the panel -------------------------------------------------------------------------------------

class ReviewPanel(QWidget):
    """Items with their status, the selected item's form, progress and Finalise…."""

    openDocument = Signal(str, int)  # doc_id, page (1-based)
    openEvent = Signal(str)  # event_id: the window may select it in the chronology
    showEvidence = Signal(object)  # Evidence: take the viewer there
    citeRequested = Signal(str)  # item_id: cite the viewer's selection (or page) to it
    itemSelected = Signal(str)  # item_id (CASE for the case questions)
    readyToSign = Signal()  # Finalise… found nothing missing and the reviewer went on

    def __init__(self, controller: ReviewController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.form: ItemForm | None = None
        self.setAcceptDrops(True)
        self.setAccessibleName("Review")
        self.setStyleSheet(_stylesheet())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(style.MARGIN - 4, 10, style.MARGIN - 4, 10)
        tl.setSpacing(8)
        self.completeness = CompletenessBar()
        self.completeness.finaliseRequested.connect(self.finalise)
        tl.addWidget(self.completeness)
        lay.addWidget(top)

        self.items_model = ItemsModel(self)
        self.items_view = _ItemsList()
        self.items_view.setAccessibleName("Items to review")
        self.items_view.setModel(self.items_model)
        self.items_view.setItemDelegate(CardDelegate(self.items_view))
        self.items_view.setWordWrap(True)
        self.items_view.setUniformItemSizes(False)
        self.items_view.setResizeMode(QListView.Adjust)
        self.items_view.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.items_view.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.items_view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.items_view.setSpacing(1)
        self.items_view.selectionModel().currentChanged.connect(self._current_changed)

        self.scroll = QScrollArea()
        self.scroll.setObjectName("reviewForm")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setAccessibleName("Questions")
        self.scroll.setAlignment(Qt.AlignHCenter | Qt.AlignTop)

        self.splitter = QSplitter(Qt.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.items_view)
        self.splitter.addWidget(self.scroll)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([190, 600])
        lay.addWidget(self.splitter, 1)

        self.cite_action = QAction("Cite selection", self)
        self.cite_action.setShortcut(QKeySequence("Ctrl+E"))
        self.cite_action.setShortcutContext(Qt.WindowShortcut)
        self.cite_action.setToolTip("Cite the selected text, or the page shown, as evidence for the current item")
        self.cite_action.triggered.connect(self._cite)
        self.addAction(self.cite_action)

        controller.loaded.connect(self._loaded)
        controller.stateChanged.connect(self._state_changed)
        controller.flushRequested.connect(self.flush)
        controller.revisited.connect(self._revisited)
        if controller.snapshot is not None:
            self._loaded()

    # public ------------------------------------------------------------------------------------

    def current_item(self) -> str | None:
        idx = self.items_view.currentIndex()
        return idx.data(IdRole) if idx.isValid() else None

    def select_item(self, item_id: str) -> bool:
        row = self.items_model.row_of(item_id)
        if row < 0:
            return False
        idx = self.items_model.index(row)
        self.items_view.selectionModel().setCurrentIndex(idx, QItemSelectionModel.ClearAndSelect)
        self.items_view.scrollTo(idx)
        return True

    def block(self, question_id: str) -> QuestionBlock | None:
        return self.form.blocks.get(question_id) if self.form else None

    def focus_question(self, item_id: str, question_id: str) -> None:
        """Select the item and put the cursor in the question's field (scrolled into view)."""
        if not self.select_item(item_id) or self.form is None:
            return
        block = self.form.blocks.get(question_id)
        if block is None:
            return

        def go() -> None:
            if self.form is None or self.form.blocks.get(question_id) is not block:
                return
            self.scroll.ensureWidgetVisible(block, 0, 24)
            block.editor.focus_editor()

        block.editor.focus_editor()
        QTimer.singleShot(0, go)  # once the new form is laid out, its geometry is right

    def finalise(self) -> MissingDialog:
        """Finalise…: list what is missing (each entry goes there); with nothing missing, offer to sign."""
        self.flush()
        snap = self.controller.snapshot
        dialog = MissingDialog(self.controller.gaps(), snap.framework, snap.manifest, self)
        dialog.goTo.connect(self.focus_question)
        dialog.signRequested.connect(self.readyToSign)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def flush(self) -> None:
        if self.form is not None:
            self.form.flush()

    def cite_anchor(self, anchor: Anchor) -> None:
        """Cite ``anchor`` to the current item (a drop, or the window answering ``citeRequested``)."""
        item_id = self.current_item()
        if item_id is not None and not self.controller.read_only:
            self.controller.cite(item_id, anchor)

    # reactions ------------------------------------------------------------------------------------

    def _loaded(self) -> None:
        previous = self.current_item()
        snap = self.controller.snapshot
        self._set_form(None)
        self._refresh_rows()
        self.completeness.button.setEnabled(snap is not None and not self.controller.read_only)
        self.cite_action.setEnabled(not self.controller.read_only)
        if not (previous and self.select_item(previous)) and self.items_model.rowCount():
            self.select_item(self.items_model.row(0).item_id)

    def _refresh_rows(self) -> None:
        ctx = self.controller.context
        if ctx is None:
            self.items_model.set_rows(())
            self.completeness.set_progress(0, 0)
            return
        rows = item_rows(ctx, self.controller.state)
        self.items_model.set_rows(rows)
        self.completeness.set_rows(rows)
        snap = self.controller.snapshot
        signed = snap is not None and snap.case.status == "signed"
        # "ready to sign" would mislead once it is signed; the window's information bar says how to change it
        if signed:
            when = nice_date(snap.case.signed_at) or "an earlier date"
            self.completeness.label.setText(f"Signed on {when} — read-only")
        self.completeness.label.setToolTip("Review → Start a new version opens a signed review for changes and "
                                           "keeps the signed report." if signed else "")

    def _state_changed(self) -> None:
        self._refresh_rows()
        if self.form is not None:
            self.form.refresh()

    def _revisited(self, item_id: str) -> None:
        if item_id != self.current_item():
            self.select_item(item_id)  # show what the undo changed

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item_id = current.data(IdRole) if current.isValid() else None
        if self.form is not None and self.form.item_id == item_id:
            return
        if self.form is not None:
            self.form.flush()
        self._set_form(item_id)
        if item_id is not None:
            self.itemSelected.emit(item_id)

    def _set_form(self, item_id: str | None) -> None:
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.form = ItemForm(self, item_id) if item_id is not None and self.controller.snapshot else None
        if self.form is not None:
            self.scroll.setWidget(self.form)
            self.scroll.verticalScrollBar().setValue(0)

    def open_link(self, href: str) -> None:
        kind, _, key = href.partition(":")
        if kind == "doc":
            self.openDocument.emit(key, 1)
        elif kind == "event":
            self.openEvent.emit(key)
            snap = self.controller.snapshot
            event = next((e for e in snap.chronology if e.id == key), None) if snap else None
            if event is not None and event.documents:
                self.openDocument.emit(event.documents[0], 1)

    def _cite(self) -> None:
        item_id = self.current_item()
        if item_id is not None and not self.controller.read_only:
            self.citeRequested.emit(item_id)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        wide = event.size().width() > WIDE
        orientation = Qt.Horizontal if wide else Qt.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            self.splitter.setSizes([340, 800] if wide else [190, 600])

    # drag and drop from the viewer ---------------------------------------------------------------------

    def _drop_ok(self, event) -> bool:
        return (event.mimeData().hasFormat(ANCHOR_MIME) and not self.controller.read_only
                and self.current_item() is not None)

    def _dropping(self, on: bool) -> None:
        if self.form is not None:
            box = self.form.evidence_box
            box.setProperty("dropping", on)
            box.style().unpolish(box)
            box.style().polish(box)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self._drop_ok(event):
            event.acceptProposedAction()
            self._dropping(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if self._drop_ok(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802
        self._dropping(False)

    def dropEvent(self, event) -> None:  # noqa: N802
        self._dropping(False)
        if not self._drop_ok(event):
            event.ignore()
            return
        anchor = anchor_from_mime(event.mimeData().data(ANCHOR_MIME).data())
        if anchor is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.cite_anchor(anchor)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(480, 700)


__all__ = ["ANCHOR_MIME", "ItemForm", "ReviewController", "ReviewPanel", "anchor_from_mime", "anchor_to_mime"]
