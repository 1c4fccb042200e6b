"""Small line icons for the viewer's toolbar, drawn in the palette's text colour so they suit light and dark themes."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap


def _draw(name: str, p: QPainter) -> None:
    # A 16×16 design grid.
    if name in ("zoom-in", "zoom-out", "find"):
        p.drawEllipse(QRectF(2, 2, 9, 9))
        p.drawLine(QPointF(10, 10), QPointF(14, 14))
        if name != "find":
            p.drawLine(QPointF(4.5, 6.5), QPointF(8.5, 6.5))
        if name == "zoom-in":
            p.drawLine(QPointF(6.5, 4.5), QPointF(6.5, 8.5))
    elif name == "fit-width":
        p.drawRect(QRectF(3.5, 2.5, 9, 11))
        p.drawLine(QPointF(1, 8), QPointF(15, 8))
        for s in (1, -1):
            x = 8 - 7 * s
            p.drawLine(QPointF(x, 8), QPointF(x + 2 * s, 6))
            p.drawLine(QPointF(x, 8), QPointF(x + 2 * s, 10))
    elif name == "fit-page":
        p.drawRect(QRectF(4.5, 1.5, 7, 13))
        p.drawLine(QPointF(6.5, 5), QPointF(9.5, 5))
        p.drawLine(QPointF(6.5, 8), QPointF(9.5, 8))
        p.drawLine(QPointF(6.5, 11), QPointF(8.5, 11))
    elif name == "sidebar":
        p.drawRoundedRect(QRectF(1.5, 2.5, 13, 11), 1.5, 1.5)
        p.drawLine(QPointF(6, 2.5), QPointF(6, 13.5))
        for y in (5, 7.5, 10):
            p.drawLine(QPointF(3, y), QPointF(4.5, y))
    elif name in ("up", "down"):
        path = QPainterPath()
        if name == "up":
            path.moveTo(3, 10.5)
            path.lineTo(8, 5.5)
            path.lineTo(13, 10.5)
        else:
            path.moveTo(3, 5.5)
            path.lineTo(8, 10.5)
            path.lineTo(13, 5.5)
        p.drawPath(path)
    elif name == "close":
        p.drawLine(QPointF(4, 4), QPointF(12, 12))
        p.drawLine(QPointF(12, 4), QPointF(4, 12))
    elif name == "notice":
        p.drawEllipse(QRectF(1.5, 1.5, 13, 13))
        p.drawLine(QPointF(8, 4.5), QPointF(8, 9))
        p.drawPoint(QPointF(8, 11.5))


def icon(name: str, palette: QPalette) -> QIcon:
    result = QIcon()
    for mode, role in ((QIcon.Mode.Normal, QPalette.ColorGroup.Active),
                       (QIcon.Mode.Disabled, QPalette.ColorGroup.Disabled)):
        colour = QColor(palette.color(role, QPalette.ColorRole.WindowText))
        if mode == QIcon.Mode.Disabled:
            colour.setAlpha(90)
        for size in (16, 32):
            pm = QPixmap(size, size)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.scale(size / 16, size / 16)
            pen = QPen(colour, 1.4)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            _draw(name, p)
            p.end()
            result.addPixmap(pm, mode)
    return result
