"""Appendix A's table of documents: thousands of short rows, laid out once and drawn straight onto each page."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, PageBreak

from .style import ACCENT, ACCENT_TINT, RULE

# The geometry of ruled_table (blocks.py), which this table draws the same as: 5 points of padding left,
# right and below; 4 above a body row, 5 above the header; a 0.4-point rule under every row and a
# 0.8-point accent rule under the header, drawn over the cells with round caps.
PAD_X = 5.0
PAD_BOTTOM = 5.0
HEADER_TOP = 5.0
BODY_TOP = 4.0

#: A line of a cell: its text, font, size and colour.
Line = tuple[str, str, float, Color]


@dataclass(frozen=True)
class Lines:
    """A cell's text as drawn: a run a line, the first baseline ``first`` below the cell's top, ``leading`` apart.

    That is where reportlab's Table puts a plain-string cell (its font size below the padding) and where a
    Paragraph puts lines that need no breaking (the first line's font size below its top), so a cell set
    this way looks the same as either; it costs a few string widths instead of a markup parse and a
    line-breaking pass.
    """

    lines: tuple[Line, ...]
    first: float
    leading: float

    @property
    def height(self) -> float:
        return len(self.lines) * self.leading


def plain(text: str, font: str, size: float, colour: Color, leading: float) -> Lines:
    """A Table's plain-string cell: each ``\\n`` starts a line, nothing is wrapped."""
    return Lines(tuple((t, font, size, colour) for t in text.split("\n")), size, leading)


def unbroken(lines: list[Line], width: float, leading: float) -> Lines | None:
    """Lines as a Paragraph of this style would set them when each fits ``width`` as it is, else None.

    None sends the cell to a real Paragraph: a line that must wrap, is empty, or holds anything a
    Paragraph treats specially (runs of white space it would collapse, a non-breaking or other special
    space, a soft hyphen or another invisible character).
    """
    for text, font, size, _ in lines:
        if not text or not text.isprintable() or text != " ".join(text.split()):
            return None
        # Paragraph breaks a line only when it is wider than the column; a line within a hair of the
        # edge goes to Paragraph too, so rounding never decides differently here.
        if stringWidth(text, font, size) > width - 0.01:
            return None
    return Lines(tuple(lines), lines[0][2], leading)


@dataclass(frozen=True)
class Row:
    """A body row: a :class:`Lines` or a Flowable per column, or one Flowable spanning the whole row."""

    cells: tuple
    top: float = BODY_TOP
    background: Color | None = None
    keep_with_next: bool = False  # a section heading row: never the last row on a page

    @property
    def spans(self) -> bool:
        return len(self.cells) == 1


class DocumentTable(Flowable):
    """A table of many short rows under a tinted header row repeated on every page.

    reportlab's Table re-measures every remaining row at each page break and sets each cell through
    Paragraph markup; at 2,000 documents that was most of the report's time. Here each row is measured
    once, a page's rows are cut off by their heights, and each page draws its header, backgrounds, text
    and rules itself, the same way ``ruled_table`` would.
    """

    def __init__(self, header: list[Flowable], rows: list[Row], widths: list[float],
                 _measured: tuple[float, list[float]] | None = None):
        super().__init__()
        self._header, self._rows, self._widths = header, rows, list(widths)
        self._header_height, self._heights = _measured if _measured is not None else (0.0, None)

    @staticmethod
    def _cell_height(cell, width: float) -> float:
        if isinstance(cell, Lines):
            return cell.height
        return cell.wrap(width - 2 * PAD_X, 1e6)[1]

    def _measure(self) -> list[float]:
        if self._heights is None:
            self._header_height = HEADER_TOP + PAD_BOTTOM + max(
                self._cell_height(c, w) for c, w in zip(self._header, self._widths))
            full = sum(self._widths)
            self._heights = [
                r.top + PAD_BOTTOM + (self._cell_height(r.cells[0], full) if r.spans else
                                      max(self._cell_height(c, w) for c, w in zip(r.cells, self._widths)))
                for r in self._rows]
        return self._heights

    def wrap(self, avail_width, avail_height):
        heights = self._measure()
        self.width = sum(self._widths)
        self.height = self._header_height + sum(heights)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        heights = self._measure()
        used, n = self._header_height, 0
        while n < len(heights) and used + heights[n] <= avail_height:
            used += heights[n]
            n += 1
        while 0 < n < len(self._rows) and self._rows[n - 1].keep_with_next:
            n -= 1  # a heading row goes over with the first row it heads
        if n == 0:
            return []
        here = DocumentTable(self._header, self._rows[:n], self._widths, _measured=(self._header_height, heights[:n]))
        rest = DocumentTable(self._header, self._rows[n:], self._widths, _measured=(self._header_height, heights[n:]))
        # The rest starts a page of its own, under its own header: never a second header lower on this page.
        return [here, PageBreak(), rest]

    def draw(self):
        c = self.canv
        width = sum(self._widths)
        xs = [0.0]
        for w in self._widths:
            xs.append(xs[-1] + w)
        heights = self._measure()
        top = self.height
        tops = [top - self._header_height]  # the top of each body row, then the table's foot
        for h in heights:
            tops.append(tops[-1] - h)

        # As Table draws: every background first, then the cells, then the rules over them.
        c.saveState()
        c.setFillColor(ACCENT_TINT)
        c.rect(0, top, width, -self._header_height, stroke=0, fill=1)
        for row, y, h in zip(self._rows, tops, heights):
            if row.background is not None:
                c.setFillColor(row.background)
                c.rect(0, y, width, -h, stroke=0, fill=1)
        c.restoreState()

        for cell, x, w in zip(self._header, xs, self._widths):
            cell.drawOn(c, x + PAD_X, top - HEADER_TOP - self._cell_height(cell, w))
        self._draw_cells(c, xs, tops)

        c.saveState()
        c.setLineCap(1)
        c.setLineJoin(1)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.4)
        path = c.beginPath()
        for y in tops:
            path.moveTo(0, y)
            path.lineTo(width, y)
        c.drawPath(path, stroke=1, fill=0)
        c.setStrokeColor(ACCENT)
        c.setLineWidth(0.8)
        c.line(0, tops[0], width, tops[0])
        c.restoreState()

    def _draw_cells(self, c, xs: list[float], tops: list[float]) -> None:
        """Each row's cells left to right, rows top to bottom (the order a reader's copy and search meet them)."""
        text = c.beginText()
        font = colour = None
        full = sum(self._widths)
        for row, y in zip(self._rows, tops):
            for cell, x, w in zip(row.cells, xs, [full] if row.spans else self._widths):
                if isinstance(cell, Lines):
                    baseline = y - row.top - cell.first
                    for line, font_name, size, ink in cell.lines:
                        text.setTextOrigin(x + PAD_X, baseline)
                        if font != (font_name, size):
                            font = (font_name, size)
                            text.setFont(font_name, size)
                        if colour is not ink:
                            colour = ink
                            text.setFillColor(ink)
                        text.textOut(line)
                        baseline -= cell.leading
                else:
                    # A Paragraph draws its own text: what was gathered so far goes first, to keep the order.
                    c.drawText(text)
                    text, font, colour = c.beginText(), None, None
                    cell.drawOn(c, x + PAD_X, y - row.top - self._cell_height(cell, w))
        c.drawText(text)
