"""The page strip beside the viewer: small pages with their bundle references; a click goes there."""

from __future__ import annotations

import bisect

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QAbstractScrollArea

from .canvas import background
from .pages import DocModel

THUMB_W = 92
LABEL_H = 20
PAD = 12


class PageStrip(QAbstractScrollArea):
    pageClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Page strip")
        self.setAccessibleDescription("Small pictures of the pages; click one to go to it.")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFrameShape(QAbstractScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.model: DocModel | None = None
        self.current = 1
        self.channel = f"strip{id(self)}"
        self._tops: list[int] = []
        self._rects: list[QRectF] = []
        self._request = QTimer(self, singleShot=True, interval=120)
        self._request.timeout.connect(self._ask)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.verticalScrollBar().setSingleStep(30)

    def sizeHint(self) -> QSize:
        return QSize(THUMB_W + 2 * PAD + self.verticalScrollBar().sizeHint().width(), 400)

    def set_model(self, model: DocModel | None) -> None:
        self.model = model
        self.current = 1
        self.relayout()
        self.verticalScrollBar().setValue(0)

    def relayout(self) -> None:
        self._tops, self._rects = [], []
        y = PAD
        if self.model is not None:
            px = self._px()
            for w, h in self.model.sizes:
                tw, th = max(8, round(w * px)), max(8, min(round(h * px), 4 * THUMB_W))
                x = (self.viewport().width() - tw) / 2
                self._tops.append(y)
                self._rects.append(QRectF(round(x), y, tw, th))
                y += self._rects[-1].height() + LABEL_H + PAD
        vs = self.verticalScrollBar()
        vs.setPageStep(self.viewport().height())
        vs.setRange(0, max(0, y - self.viewport().height()))
        self.viewport().update()
        self._ask_soon()

    def set_current(self, page: int) -> None:
        if page == self.current or not self._rects:
            return
        self.current = page
        r = self._rects[page - 1]
        vs = self.verticalScrollBar()
        if r.top() < vs.value() or r.bottom() + LABEL_H > vs.value() + self.viewport().height():
            vs.setValue(round(r.top() - self.viewport().height() / 3))
        self.viewport().update()

    def _visible(self) -> range:
        if not self._rects:
            return range(0)
        top = self.verticalScrollBar().value()
        first = max(0, bisect.bisect_right(self._tops, top) - 1)
        last = bisect.bisect_right(self._tops, top + self.viewport().height())
        return range(first + 1, min(last, len(self._rects)) + 1)

    def _scrolled(self, *_a) -> None:
        self.viewport().update()
        self._ask_soon()

    def _ask_soon(self) -> None:
        if not self._request.isActive():
            self._request.start()

    def _ask(self) -> None:
        if self.model is None or not self._rects:
            return
        pages = list(self._visible())
        if pages:
            self.model.want(pages, self._px(), self.devicePixelRatioF(), thumbs=True, channel=self.channel)

    def _px(self) -> float:
        """One scale for every page, so that a landscape page looks wider than a portrait one."""
        w = max(w for w, _ in self.model.sizes) if self.model else 1.0
        return THUMB_W / max(1.0, w)

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self.relayout()

    def mousePressEvent(self, e) -> None:
        y = e.position().y() + self.verticalScrollBar().value()
        i = bisect.bisect_right(self._tops, y) - 1
        if 0 <= i < len(self._rects):
            self.pageClicked.emit(i + 1)

    def paintEvent(self, _e) -> None:
        p = QPainter(self.viewport())
        p.fillRect(self.viewport().rect(), background(self.palette()))
        if self.model is None:
            return
        dy = self.verticalScrollBar().value()
        dpr = self.devicePixelRatioF()
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        highlight = pal.color(QPalette.ColorRole.Highlight)
        font = self.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        for page in self._visible():
            r = self._rects[page - 1].translated(0, -dy)
            if page == self.current:
                p.fillRect(r.adjusted(-5, -5, 5, LABEL_H), QColor(highlight.red(), highlight.green(),
                                                                   highlight.blue(), 60))
            p.fillRect(r.adjusted(1, 1, 2, 2), QColor(0, 0, 0, 40))
            p.fillRect(r, Qt.GlobalColor.white)
            p.save()
            p.setClipRect(r)
            self.model.paint_page(p, page, r, self._px(), dpr, exact=True)
            p.restore()
            if page == self.current:
                p.setPen(QPen(highlight, 2))
                p.drawRect(r.adjusted(-1, -1, 1, 1))
            p.setPen(highlight if page == self.current else text)
            p.drawText(QRectF(r.left() - PAD, r.bottom() + 2, r.width() + 2 * PAD, LABEL_H - 2),
                       Qt.AlignmentFlag.AlignCenter, self.model.ref(page))
        p.end()

