"""What the viewer shows of one document: page sizes, page text with character boxes, and how to paint a page."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Callable

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QTextLayout, QTextOption

from ...core.extract import paginate_text
from ...core.snapshot import DocumentView
from .render_client import THUMBS, VIEW, RenderClient, scale_key

A4 = (595.276, 841.89)
PX_PER_PT = 96 / 72  # 100% zoom shows a page at its printed size on a 96 dpi screen
PDF = "application/pdf"
TEXT_TYPES = ("text/plain", "text/markdown")
IMAGE_TYPES = ("image/png", "image/jpeg")

Box = tuple[float, float, float, float]
PageTexts = Callable[[int], "str | None"]


class PageGeometry:
    """A page's text with its character boxes (points), grouped into lines for hit-testing and highlighting."""

    def __init__(self, text: str, boxes: list[Box]):
        self.text = text
        self.boxes = boxes
        self.lines: list[tuple[float, float, list[int]]] = []  # (top, bottom, char indices left to right)
        cur: list[int] = []
        top = bottom = 0.0
        last_x = -1.0
        for i, (x0, y0, x1, y1) in enumerate(boxes):
            if x1 <= x0 and y1 <= y0:
                continue
            mid = (y0 + y1) / 2
            if cur and top <= mid <= bottom and x0 >= last_x - 2:
                cur.append(i)
                top, bottom = min(top, y0), max(bottom, y1)
            else:
                if cur:
                    self.lines.append((top, bottom, cur))
                cur, top, bottom = [i], y0, y1
            last_x = x1
        if cur:
            self.lines.append((top, bottom, cur))

    def caret_at(self, x: float, y: float) -> int | None:
        """The text offset nearest to the point (a caret position between characters)."""
        if not self.lines:
            return None
        line = min(self.lines, key=lambda ln: 0 if ln[0] <= y <= ln[1] else min(abs(y - ln[0]), abs(y - ln[1])))
        idx = line[2]
        for i in idx:
            x0, _, x1, _ = self.boxes[i]
            if x < (x0 + x1) / 2:
                return i
        return idx[-1] + 1

    def over_text(self, x: float, y: float) -> bool:
        for top, bottom, idx in self.lines:
            if top - 2 <= y <= bottom + 2:
                return self.boxes[idx[0]][0] - 4 <= x <= self.boxes[idx[-1]][2] + 4
        return False

    def word_at(self, x: float, y: float) -> tuple[int, int] | None:
        c = self.caret_at(x, y)
        if c is None:
            return None
        c = min(c, len(self.text) - 1)
        for m in re.finditer(r"\w+|\S", self.text):
            if m.start() <= c < m.end() or m.start() == c + 1 and c >= 0:
                return m.start(), m.end()
        return None

    def rects(self, start: int, end: int) -> list[QRectF]:
        """One rectangle per line covering the characters in [start, end)."""
        out = []
        for top, bottom, idx in self.lines:
            if idx[-1] < start or idx[0] >= end:
                continue
            chosen = [i for i in idx if start <= i < end]
            if chosen:
                x0 = self.boxes[chosen[0]][0]
                x1 = self.boxes[chosen[-1]][2]
                out.append(QRectF(x0 - 0.5, top - 0.8, x1 - x0 + 1, bottom - top + 1.6))
        return out


def normalised(text: str) -> tuple[str, list[int]]:
    """``" ".join(text.split())`` with, for each of its characters, the offset it came from."""
    chars: list[str] = []
    where: list[int] = []
    for m in re.finditer(r"\S+", text):
        if chars:
            chars.append(" ")
            where.append(m.start() - 1)
        chars.extend(m.group())
        where.extend(range(m.start(), m.end()))
    return "".join(chars), where


def find_all(text: str, query: str) -> list[tuple[int, int]]:
    """Case-insensitive matches of ``query`` in ``text``, whitespace runs matching any whitespace."""
    words = query.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]


def locate(text: str, norm_start: int, norm_len: int) -> tuple[int, int]:
    """Map a span of the whitespace-normalised text back to offsets in ``text``."""
    _, where = normalised(text)
    if not where:
        return 0, 0
    s = where[min(norm_start, len(where) - 1)]
    e = where[min(norm_start + max(norm_len, 1), len(where)) - 1] + 1
    return s, e


class DocModel:
    """Base: a document as a list of pages."""

    kind = "none"

    def __init__(self, doc: DocumentView):
        self.doc = doc
        self.sizes: list[tuple[float, float]] = [A4] * max(1, doc.row.pages)
        self.page_texts: PageTexts | None = None

    @property
    def doc_id(self) -> str:
        return self.doc.id

    def page_count(self) -> int:
        return len(self.sizes)

    def ref(self, page: int) -> str:
        return self.doc.row.ref(page)

    def geometry(self, page: int) -> PageGeometry | None:
        return None

    def page_text(self, page: int) -> str | None:
        """The text offsets and anchors refer to (the stored page text)."""
        g = self.geometry(page)
        if g is not None:
            return g.text
        if self.page_texts is not None:
            try:
                return self.page_texts(page)
            except Exception:
                return None
        return None

    def page_problem(self, page: int) -> str | None:
        return None

    def want(self, pages: list[int], px_per_pt: float, dpr: float, *, thumbs: bool = False, channel: str = "") -> None:
        """Ask for what painting these pages at this size needs."""

    def want_text(self, pages: list[int], channel: str = "") -> None:
        """Ask for the character boxes of these pages (selection, find and highlights need them)."""

    def paint_page(self, p: QPainter, page: int, rect: QRectF, px_per_pt: float, dpr: float, *,
                   exact: bool = False) -> bool:
        """Paint the page's content into ``rect`` (already white); False when there is nothing yet."""
        return False


class PdfModel(DocModel):
    kind = "pdf"

    def __init__(self, doc: DocumentView, client: RenderClient, page_texts: PageTexts | None):
        super().__init__(doc)
        self.client = client
        self.page_texts = page_texts
        self._geometry: OrderedDict[int, PageGeometry] = OrderedDict()
        sizes = client.sizes(doc.id)
        if sizes:
            self.sizes = list(sizes)
        else:
            client.request_sizes(doc.id, doc.path)

    def geometry(self, page: int) -> PageGeometry | None:
        g = self._geometry.get(page)
        if g is None:
            layout = self.client.text(self.doc_id, page)
            if layout is None:
                return None
            g = PageGeometry(layout.text, layout.boxes)
            self._geometry[page] = g
            while len(self._geometry) > 32:
                self._geometry.popitem(last=False)
        return g

    def page_problem(self, page: int) -> str | None:
        return self.client.page_problem(self.doc_id, page)

    def render_scale(self, px_per_pt: float, dpr: float) -> float:
        return scale_key(px_per_pt * dpr)

    def want(self, pages: list[int], px_per_pt: float, dpr: float, *, thumbs: bool = False, channel: str = "") -> None:
        scale = self.render_scale(px_per_pt, dpr)
        self.client.request_pages(self.doc_id, self.doc.path, [(p, scale) for p in pages],
                                  channel=channel + (":thumbs" if thumbs else ":view"),
                                  priority=THUMBS if thumbs else VIEW)

    def want_text(self, pages: list[int], channel: str = "") -> None:
        self.client.request_text(self.doc_id, self.doc.path, pages, channel=channel + ":text")

    def paint_page(self, p: QPainter, page: int, rect: QRectF, px_per_pt: float, dpr: float, *,
                   exact: bool = False) -> bool:
        scale = self.render_scale(px_per_pt, dpr)
        if exact:
            img = self.client.image(self.doc_id, page, scale)
            if img is None:
                return False
            self._draw_natural(p, rect, img, dpr)
            return True
        found = self.client.best_image(self.doc_id, page, scale)
        if found is None:
            return False
        img, got = found
        if got != scale:
            p.save()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(rect, img)
            p.restore()
        else:
            self._draw_natural(p, rect, img, dpr)
        return True

    @staticmethod
    def _draw_natural(p: QPainter, rect: QRectF, img, dpr: float) -> None:
        # Pixel for pixel: stretching by the one pixel PDFium rounds up would drop a column of every glyph.
        if img.devicePixelRatio() != dpr:
            img.setDevicePixelRatio(dpr)
        p.drawImage(rect.topLeft(), img)


class TextModel(DocModel):
    """A text note as the spec's 60-line pages, set in a proportional font on paper-like pages."""

    kind = "text"
    MARGIN = 56.0
    WIDTH = A4[0]

    def __init__(self, doc: DocumentView, text: str):
        super().__init__(doc)
        self.pages = paginate_text(text)
        self.font = QFont("DejaVu Sans")
        self.font.setStyleHint(QFont.StyleHint.SansSerif)
        self.font.setPixelSize(11)  # page units are points: 11 pt type
        self.font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        fm = QFontMetricsF(self.font)
        self.leading = max(fm.lineSpacing(), 13.5)
        self._layouts: list[list[tuple[QTextLayout, float, int]]] = []
        self._geometry: dict[int, PageGeometry] = {}
        self.sizes = []
        width = self.WIDTH - 2 * self.MARGIN
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        for text in self.pages:
            y = 0.0
            offset = 0
            items = []
            for line in text.split("\n"):
                layout = QTextLayout(line, self.font)
                layout.setTextOption(option)
                layout.setCacheEnabled(True)
                layout.beginLayout()
                while True:
                    tl = layout.createLine()
                    if not tl.isValid():
                        break
                    tl.setLineWidth(width)
                    tl.setPosition(QPointF(0, y))
                    y += self.leading
                layout.endLayout()
                items.append((layout, 0.0, offset))
                offset += len(line) + 1
            self._layouts.append(items)
            self.sizes.append((self.WIDTH, max(A4[1], y + 2 * self.MARGIN)))

    def geometry(self, page: int) -> PageGeometry | None:
        g = self._geometry.get(page)
        if g is None and 1 <= page <= len(self.pages):
            text = self.pages[page - 1]
            boxes: list[Box] = [(0.0, 0.0, 0.0, 0.0)] * len(text)
            m = self.MARGIN
            for layout, _, offset in self._layouts[page - 1]:
                for k in range(layout.lineCount()):
                    tl = layout.lineAt(k)
                    top = m + tl.y()
                    bottom = top + tl.height()
                    for i in range(tl.textStart(), tl.textStart() + tl.textLength()):
                        x0 = tl.cursorToX(i)[0]
                        x1 = tl.cursorToX(i + 1)[0]
                        boxes[offset + i] = (m + min(x0, x1), top, m + max(x0, x1), bottom)
            g = self._geometry[page] = PageGeometry(text, boxes)
        return g

    def paint_page(self, p: QPainter, page: int, rect: QRectF, px_per_pt: float, dpr: float, *,
                   exact: bool = False) -> bool:
        p.save()
        p.translate(rect.topLeft())
        p.scale(px_per_pt, px_per_pt)
        p.setPen(QColor(20, 20, 20))
        origin = QPointF(self.MARGIN, self.MARGIN)
        clip = p.clipBoundingRect()
        for layout, _, _ in self._layouts[page - 1]:
            if layout.lineCount() and not clip.isEmpty():
                top = self.MARGIN + layout.lineAt(0).y()
                if top > clip.bottom() or top + layout.lineCount() * self.leading < clip.top():
                    continue
            layout.draw(p, origin)
        p.restore()
        return True


class ImageModel(DocModel):
    """An image as one page; 100% shows its pixels at their natural size."""

    kind = "image"

    def __init__(self, doc: DocumentView, client: RenderClient):
        super().__init__(doc)
        self.client = client
        self.sizes = [A4]
        self.loaded = self._adopt()
        if not self.loaded:
            client.request_image_file(doc.id, doc.path)

    def _adopt(self) -> bool:
        found = self.client.best_image(self.doc_id, 1, 0.0)
        if found is None:
            return False
        img = found[0]
        self.sizes = [(max(1, img.width()) / PX_PER_PT, max(1, img.height()) / PX_PER_PT)]
        return True

    def image_arrived(self) -> bool:
        self.loaded = self._adopt()
        return self.loaded

    def paint_page(self, p: QPainter, page: int, rect: QRectF, px_per_pt: float, dpr: float, *,
                   exact: bool = False) -> bool:
        found = self.client.best_image(self.doc_id, 1, 0.0)
        if found is None:
            return False
        p.save()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(rect, found[0])
        p.restore()
        return True


def model_for(doc: DocumentView, client: RenderClient | None, page_texts: PageTexts | None) -> DocModel | str:
    """The model for a document, or the sentence saying why it cannot be shown."""
    row = doc.row
    if not row.readable:
        return f"CaseView could not read this document: {row.problem.rstrip('.')}."
    if row.media_type == PDF:
        if client is None:
            return "This document cannot be shown: the viewer has no PDF engine."
        return PdfModel(doc, client, page_texts)
    if row.media_type in TEXT_TYPES:
        try:
            data = doc.path.read_bytes()
        except OSError as exc:
            return f"This document could not be read from the workspace ({exc.strerror or exc})."
        return TextModel(doc, data.decode("utf-8", errors="replace"))
    if row.media_type in IMAGE_TYPES:
        if client is None:
            return "This image cannot be shown: the viewer has no image loader."
        return ImageModel(doc, client)
    return f"There is no preview for this type of document ({row.media_type})."
