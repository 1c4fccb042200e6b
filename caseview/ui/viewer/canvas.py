"""The continuous page view: one painted viewport over all pages, so 500 pages cost what the visible ones cost."""

from __future__ import annotations

import bisect
from typing import Callable

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QMouseEvent, QPainter, QPalette, QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea

from .pages import PX_PER_PT, DocModel

ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0)
MARGIN = 18  # around the column of pages
GAP = 30  # between pages: room for the page reference
HIGHLIGHT = QColor(255, 213, 0, 110)
CURRENT_HIT = QColor(255, 140, 0, 170)
SELECTION = QColor(51, 136, 255, 90)

Decorations = Callable[[int], list[tuple[list[QRectF], QColor]]]


def background(palette: QPalette) -> QColor:
    """The desk the pages lie on: a little darker than the window in light mode, lighter in dark mode."""
    window = palette.color(QPalette.ColorRole.Window)
    return window.darker(112) if window.lightness() > 128 else window.lighter(125)


class PageCanvas(QAbstractScrollArea):
    """Pages in a column, scrolled and zoomed; text selection with the mouse; decorations painted over pages."""

    currentPageChanged = Signal(int)
    selectionChanged = Signal()
    zoomChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Document pages")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.viewport().setAutoFillBackground(False)
        self.setFrameShape(QAbstractScrollArea.Shape.NoFrame)
        self.model: DocModel | None = None
        self.zoom = 1.0
        self.mode = "fit-width"  # "fit-width" | "fit-page" | "custom"
        self.channel = f"canvas{id(self)}"
        self.decorations: Decorations = lambda page: []
        self.fit_cap = 8.0  # images are not enlarged past their natural size by fitting
        self._tops: list[int] = []
        self._rects: list[QRectF] = []
        self._content = QSize(0, 0)
        self._current = 1
        self._sel: tuple[int, int, int] | None = None  # page, anchor caret, moving caret
        self._sel_rects: list[QRectF] = []
        self._pressed = False
        # Asking for the pages in view: at the end of this turn of the event loop (so a document opened at a
        # page asks once, for that page), then at most every 40 ms while the view keeps moving.
        self._request = QTimer(self, singleShot=True, interval=0)
        self._request.timeout.connect(self._ask_now)
        self._throttle = QTimer(self, singleShot=True, interval=40)
        self._throttle.timeout.connect(self._throttle_over)
        self._ask_again = False
        # Character boxes wait until scrolling pauses: nobody selects text on a page flying past.
        self._text_request = QTimer(self, singleShot=True, interval=250)
        self._text_request.timeout.connect(self._ask_text)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.horizontalScrollBar().valueChanged.connect(lambda _v: self.viewport().update())
        self.verticalScrollBar().setSingleStep(40)
        self.horizontalScrollBar().setSingleStep(40)

    # -- model and geometry ----------------------------------------------------------------

    def set_model(self, model: DocModel | None) -> None:
        self.model = model
        self._sel = None
        self._sel_rects = []
        self._current = 1
        self.relayout(keep=False)
        self.verticalScrollBar().setValue(0)
        self.horizontalScrollBar().setValue(0)
        self._ask_soon()

    @property
    def px_per_pt(self) -> float:
        return self.zoom * PX_PER_PT

    def _fit_zoom(self) -> float:
        if self.model is None:
            return 1.0
        vw = self.viewport().width() - 2 * MARGIN
        vh = self.viewport().height() - GAP
        max_w = max(w for w, _ in self.model.sizes)
        zw = vw / (max_w * PX_PER_PT)
        if self.mode == "fit-page":
            page_h = max(h for _, h in self.model.sizes)
            return max(0.05, min(zw, vh / (page_h * PX_PER_PT), self.fit_cap))
        return max(0.05, min(zw, self.fit_cap))

    def relayout(self, keep: bool = True) -> None:
        """Recompute page rectangles for the current zoom, keeping the same place in view."""
        spot = self._spot() if keep else None
        if self.mode != "custom":
            self.zoom = self._fit_zoom()
        px = self.px_per_pt
        self._tops, self._rects = [], []
        y = MARGIN
        width = 0
        if self.model is not None:
            for w, h in self.model.sizes:
                width = max(width, round(w * px))
        content_w = width + 2 * MARGIN
        x_center = max(content_w, self.viewport().width()) / 2
        if self.model is not None:
            for w, h in self.model.sizes:
                rw, rh = round(w * px), round(h * px)
                self._tops.append(y)
                self._rects.append(QRectF(round(x_center - rw / 2), y, rw, rh))
                y += rh + GAP
        self._content = QSize(content_w, y - GAP + MARGIN if self._rects else 0)
        vs, hs = self.verticalScrollBar(), self.horizontalScrollBar()
        vs.setPageStep(self.viewport().height())
        hs.setPageStep(self.viewport().width())
        vs.setRange(0, max(0, self._content.height() - self.viewport().height()))
        hs.setRange(0, max(0, self._content.width() - self.viewport().width()))
        self._update_selection_rects()
        if spot is not None:
            self._restore(spot)
        self.viewport().update()
        self._ask_soon()

    def _spot(self) -> tuple[int, float, float]:
        """Where the view is: the page at the top of the viewport and how far into it (fractions)."""
        if not self._rects:
            return (1, 0.0, 0.5)
        y = self.verticalScrollBar().value()
        i = max(0, bisect.bisect_right(self._tops, y) - 1)
        r = self._rects[i]
        hs = self.horizontalScrollBar()
        xf = (hs.value() + self.viewport().width() / 2) / max(1, self._content.width())
        return (i + 1, (y - r.top()) / max(1.0, r.height()), xf)

    def _restore(self, spot: tuple[int, float, float]) -> None:
        page, frac, xf = spot
        if not self._rects:
            return
        r = self._rects[min(page, len(self._rects)) - 1]
        self.verticalScrollBar().setValue(round(r.top() + frac * r.height()))
        self.horizontalScrollBar().setValue(round(xf * self._content.width() - self.viewport().width() / 2))

    def page_rect(self, page: int) -> QRectF:
        """The page's rectangle in content pixels."""
        return QRectF(self._rects[page - 1])

    def to_view(self, page: int, r: QRectF) -> QRectF:
        """A rectangle in page points → viewport pixels."""
        pr = self._rects[page - 1]
        px = self.px_per_pt
        return QRectF(pr.left() + r.left() * px - self.horizontalScrollBar().value(),
                      pr.top() + r.top() * px - self.verticalScrollBar().value(), r.width() * px, r.height() * px)

    def page_at(self, pos: QPoint | QPointF) -> tuple[int, float, float] | None:
        """(page, x_pt, y_pt) under a viewport point, or None between pages."""
        x = pos.x() + self.horizontalScrollBar().value()
        y = pos.y() + self.verticalScrollBar().value()
        i = bisect.bisect_right(self._tops, y) - 1
        if i < 0 or not self._rects:
            return None
        r = self._rects[i]
        if not (r.top() <= y <= r.bottom() + GAP / 2):
            return None
        px = self.px_per_pt
        return i + 1, (x - r.left()) / px, min(r.height(), y - r.top()) / px

    def visible_pages(self) -> range:
        if not self._rects:
            return range(0)
        top = self.verticalScrollBar().value()
        bottom = top + self.viewport().height()
        first = max(0, bisect.bisect_right(self._tops, top) - 1)
        if self._rects[first].bottom() < top:
            first += 1
        last = max(first, bisect.bisect_right(self._tops, bottom) - 1)
        return range(first + 1, min(last + 1, len(self._rects)) + 1)

    def current_page(self) -> int:
        return self._current

    # -- navigation and zoom ---------------------------------------------------------------

    def scroll_to(self, page: int, rect_pt: QRectF | None = None) -> None:
        if not self._rects:
            return
        page = max(1, min(page, len(self._rects)))
        r = self._rects[page - 1]
        vs = self.verticalScrollBar()
        if rect_pt is None:
            vs.setValue(round(r.top() - MARGIN / 2))
        else:
            px = self.px_per_pt
            top = r.top() + rect_pt.top() * px
            bottom = r.top() + rect_pt.bottom() * px
            if top < vs.value() + 20 or bottom > vs.value() + self.viewport().height() - 20:
                vs.setValue(round(top - self.viewport().height() / 3))
            left = r.left() + rect_pt.left() * px
            hs = self.horizontalScrollBar()
            if left < hs.value() or left > hs.value() + self.viewport().width() - 40:
                hs.setValue(round(left - 40))
        self._scrolled()

    def set_mode(self, mode: str, zoom: float | None = None) -> None:
        self.mode = mode
        if zoom is not None:
            self.zoom = max(0.1, min(8.0, zoom))
        self.relayout()
        self.zoomChanged.emit()

    def zoom_by(self, steps: int, around: QPointF | None = None) -> None:
        z = self.zoom
        if steps > 0:
            nz = next((s for s in ZOOM_STEPS if s > z + 1e-3), ZOOM_STEPS[-1])
        else:
            nz = next((s for s in reversed(ZOOM_STEPS) if s < z - 1e-3), ZOOM_STEPS[0])
        self.set_zoom(nz, around)

    def set_zoom(self, zoom: float, around: QPointF | None = None) -> None:
        zoom = max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], zoom))
        if around is None:
            around = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        hit = self.page_at(around)
        self.mode = "custom"
        self.zoom = zoom
        self.relayout()
        if hit is not None:
            page, x_pt, y_pt = hit
            r = self._rects[page - 1]
            self.verticalScrollBar().setValue(round(r.top() + y_pt * self.px_per_pt - around.y()))
            self.horizontalScrollBar().setValue(round(r.left() + x_pt * self.px_per_pt - around.x()))
        self.zoomChanged.emit()

    # -- selection -------------------------------------------------------------------------

    def selection(self) -> tuple[int, int, int] | None:
        """(page, start, end) of the selected text, or None."""
        if self._sel is None:
            return None
        page, a, b = self._sel
        if a == b:
            return None
        return page, min(a, b), max(a, b)

    def set_selection(self, page: int, start: int, end: int) -> None:
        self._sel = (page, start, end)
        self._update_selection_rects()
        self.viewport().update()
        self.selectionChanged.emit()

    def clear_selection(self) -> None:
        if self._sel is not None:
            self._sel = None
            self._sel_rects = []
            self.viewport().update()
            self.selectionChanged.emit()

    def _update_selection_rects(self) -> None:
        sel = self.selection()
        self._sel_rects = []
        if sel is not None and self.model is not None:
            g = self.model.geometry(sel[0])
            if g is not None:
                self._sel_rects = g.rects(sel[1], sel[2])

    def mousePressEvent(self, e: QMouseEvent) -> None:
        if e.button() != Qt.MouseButton.LeftButton or self.model is None:
            return super().mousePressEvent(e)
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        hit = self.page_at(e.position())
        g = self.model.geometry(hit[0]) if hit else None
        if hit is None or g is None:
            self.clear_selection()
            return
        caret = g.caret_at(hit[1], hit[2])
        if caret is None:
            self.clear_selection()
            return
        self._pressed = True
        had = self._sel is not None
        self._sel = (hit[0], caret, caret)
        self._sel_rects = []
        self.viewport().update()
        if had:
            self.selectionChanged.emit()

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self.model is None:
            return
        if not self._pressed:
            hit = self.page_at(e.position())
            g = self.model.geometry(hit[0]) if hit else None
            over = g is not None and g.over_text(hit[1], hit[2])
            self.viewport().setCursor(Qt.CursorShape.IBeamCursor if over else Qt.CursorShape.ArrowCursor)
            return
        if self._sel is None:
            return
        page = self._sel[0]
        r = self._rects[page - 1]
        px = self.px_per_pt
        x = (e.position().x() + self.horizontalScrollBar().value() - r.left()) / px
        y = (e.position().y() + self.verticalScrollBar().value() - r.top()) / px
        g = self.model.geometry(page)
        if g is None:
            return
        if y < 0:
            caret = 0
        elif y > r.height() / px:
            caret = len(g.text)
        else:
            caret = g.caret_at(x, y)
        if caret is not None and caret != self._sel[2]:
            self._sel = (page, self._sel[1], caret)
            self._update_selection_rects()
            self.viewport().update()
        if e.position().y() < 0 or e.position().y() > self.viewport().height():  # drag past the edge scrolls
            self.verticalScrollBar().setValue(self.verticalScrollBar().value()
                                              + (-20 if e.position().y() < 0 else 20))

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        if e.button() == Qt.MouseButton.LeftButton and self._pressed:
            self._pressed = False
            if self.selection() is None:
                self._sel = None
            self.selectionChanged.emit()
            return
        super().mouseReleaseEvent(e)

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        hit = self.page_at(e.position())
        g = self.model.geometry(hit[0]) if (hit and self.model) else None
        word = g.word_at(hit[1], hit[2]) if g else None
        if word is not None:
            self.set_selection(hit[0], *word)

    def wheelEvent(self, e: QWheelEvent) -> None:
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = e.angleDelta().y()
            if delta:
                self.zoom_by(1 if delta > 0 else -1, e.position())
            e.accept()
            return
        super().wheelEvent(e)

    def keyPressEvent(self, e) -> None:
        vs = self.verticalScrollBar()
        if e.matches(QKeySequence.StandardKey.MoveToStartOfDocument) or (e.key() == Qt.Key.Key_Home):
            vs.setValue(0)
        elif e.matches(QKeySequence.StandardKey.MoveToEndOfDocument) or (e.key() == Qt.Key.Key_End):
            vs.setValue(vs.maximum())
        elif e.key() == Qt.Key.Key_Space:
            step = vs.pageStep() - 40
            vs.setValue(vs.value() + (-step if e.modifiers() & Qt.KeyboardModifier.ShiftModifier else step))
        else:
            super().keyPressEvent(e)

    # -- painting and requests -------------------------------------------------------------

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self.relayout()

    def _scrolled(self, *_args) -> None:
        vis = self.visible_pages()
        if vis:
            mid = self.verticalScrollBar().value() + self.viewport().height() / 3
            page = max(1, min(len(self._tops), bisect.bisect_right(self._tops, mid)))
            if page != self._current:
                self._current = page
                self.currentPageChanged.emit(page)
        self.viewport().update()
        self._ask_soon()

    def _ask_soon(self) -> None:
        if self._throttle.isActive():
            self._ask_again = True
        elif not self._request.isActive():
            self._request.start()

    def _ask_now(self) -> None:
        self._ask()
        self._throttle.start()

    def _throttle_over(self) -> None:
        if self._ask_again:
            self._ask_again = False
            self._ask_now()

    def _ask(self) -> None:
        if self.model is None or not self._rects:
            return
        vis = list(self.visible_pages())
        if not vis:
            return
        # What is on screen first (nearest the middle), then one page either side.
        mid = vis[len(vis) // 2]
        order = sorted(vis, key=lambda p: abs(p - mid))
        order += [p for p in (vis[-1] + 1, vis[0] - 1) if 1 <= p <= len(self._rects)]
        self.model.want(order, self.px_per_pt, self.devicePixelRatioF(), channel=self.channel)
        self._text_request.start()

    def _ask_text(self) -> None:
        if self.model is not None and self._rects:
            self.model.want_text(list(self.visible_pages()), channel=self.channel)

    def paintEvent(self, _e) -> None:
        p = QPainter(self.viewport())
        p.fillRect(self.viewport().rect(), background(self.palette()))
        if self.model is None:
            return
        dx, dy = self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        px = self.px_per_pt
        dpr = self.devicePixelRatioF()
        label_colour = self.palette().color(QPalette.ColorRole.WindowText)
        label_colour.setAlpha(150)
        small = self.font()
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        sel = self.selection()
        for page in self.visible_pages():
            r = self._rects[page - 1].translated(-dx, -dy)
            p.fillRect(r.adjusted(1, 2, 2, 3), QColor(0, 0, 0, 38))
            p.fillRect(r, Qt.GlobalColor.white)
            problem = self.model.page_problem(page)
            if problem:
                p.setPen(QColor(90, 90, 90))
                p.drawText(r.adjusted(24, 24, -24, -24), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                           problem)
            else:
                p.save()
                p.setClipRect(r)
                self.model.paint_page(p, page, r, px, dpr)
                p.restore()
            decorations = self.decorations(page)
            if decorations or (sel and sel[0] == page):
                p.save()
                p.setClipRect(r)
                p.translate(r.topLeft())
                p.scale(px, px)
                p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
                for rects, colour in decorations:
                    for rr in rects:
                        p.fillRect(rr, colour)
                if sel and sel[0] == page:
                    for rr in self._sel_rects:
                        p.fillRect(rr, SELECTION)
                p.restore()
            p.setPen(label_colour)
            p.setFont(small)
            p.drawText(QRectF(r.left(), r.bottom() + 4, r.width(), GAP - 8),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                       f"{self.model.ref(page)}  ·  page {page} of {self.model.page_count()}")
        p.end()

    def copy_selection(self) -> bool:
        sel = self.selection()
        if sel is None or self.model is None:
            return False
        text = self.model.page_text(sel[0])
        if text is None:
            return False
        QGuiApplication.clipboard().setText(text[sel[1]:sel[2]])
        return True
