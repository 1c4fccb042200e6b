"""Cards: list rows painted as small rich-text documents, measured once per width."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QPalette, QTextDocument
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QListView, QStyle, QStyledItemDelegate,
                               QStyleOptionViewItem)

from . import style
from .models import HtmlRole

PAD_X, PAD_Y = 10, 7


class CardDelegate(QStyledItemDelegate):
    """Paints an item's ``HtmlRole`` (a small rich-text card) with the palette's colours; plain text otherwise."""

    def __init__(self, view: QAbstractItemView, width_for: Callable[[QModelIndex], int] | None = None):
        super().__init__(view)
        self._view = view
        self._width_for = width_for
        # Measuring is most of the cost of showing a long list (a 2,000-document index, 200 search
        # hits): one document is reused for it, and each card's size is remembered per width.
        self._measure: QTextDocument | None = None
        self._sizes: dict[tuple[str, bool, int], QSize] = {}

    def _document(self, index: QModelIndex, width: int, selected: bool) -> QTextDocument:
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(self._view.font())
        c = style.html_colours()
        pal = self._view.palette()
        muted = pal.color(QPalette.HighlightedText).name() if selected else c["muted"]
        warn = pal.color(QPalette.HighlightedText).name() if selected else c["warn"]
        link = pal.color(QPalette.HighlightedText).name() if selected else c["link"]
        tags = "".join(f".tag-{name.lower()} {{ color: {hexcode}; }}" for name, hexcode in style.TAGS)
        doc.setDefaultStyleSheet(f".muted {{ color: {muted}; }} .warn {{ color: {warn}; }} "
                                 f".link {{ color: {link}; }} {tags}")
        html = index.data(HtmlRole)
        if html is None:
            doc.setPlainText(str(index.data(Qt.DisplayRole) or ""))
        else:
            doc.setHtml(html)
        doc.setTextWidth(max(40, width))
        return doc

    def _width(self, option: QStyleOptionViewItem, index: QModelIndex) -> int:
        if self._width_for is not None:
            return self._width_for(index) - 2 * PAD_X
        w = option.rect.width() if option.rect.width() > 0 else self._view.viewport().width()
        return w - 2 * PAD_X

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        st = widget.style() if widget else QApplication.style()
        st.drawControl(QStyle.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.State_Selected)
        doc = self._document(index, opt.rect.width() - 2 * PAD_X, selected)
        painter.save()
        painter.translate(opt.rect.left() + PAD_X, opt.rect.top() + PAD_Y)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        pal = QPalette(opt.palette)
        pal.setColor(QPalette.Text, pal.color(QPalette.HighlightedText if selected else QPalette.Text))
        ctx.palette = pal
        ctx.clip = QRectF(0, 0, opt.rect.width() - PAD_X, opt.rect.height())
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        width = max(40, self._width(option, index))
        html = index.data(HtmlRole)
        key = (str(index.data(Qt.DisplayRole) or "") if html is None else html, html is None, width)
        size = self._sizes.get(key)
        if size is None:
            doc = self._measure
            if doc is None or doc.defaultFont() != self._view.font():  # a new font: every size changes
                self._sizes.clear()
                doc = self._measure = QTextDocument()
                doc.setDocumentMargin(0)
                doc.setDefaultFont(self._view.font())
            elif len(self._sizes) > 20_000:
                self._sizes.clear()
            if html is None:
                doc.setPlainText(key[0])
            else:
                doc.setHtml(html)  # colours do not change a card's size; fonts and words do
            doc.setTextWidth(width)
            size = self._sizes[key] = QSize(int(doc.idealWidth()) + 2 * PAD_X, int(doc.size().height()) + 2 * PAD_Y)
        return size


def card_list(name: str) -> QListView:
    """A list of cards (HTML rows drawn by CardDelegate) that re-measures as its width changes."""
    view = QListView()
    view.setAccessibleName(name)
    view.setUniformItemSizes(False)
    view.setResizeMode(QListView.Adjust)
    view.setLayoutMode(QListView.Batched)  # measure 50 cards, paint, measure more: 200 hits never freeze the window
    view.setBatchSize(50)
    view.setWordWrap(True)
    view.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    view.setSelectionMode(QAbstractItemView.SingleSelection)
    view.setItemDelegate(CardDelegate(view))
    view.setSpacing(1)
    return view
