"""Small widgets the review form is built from: a wrapping flow layout, a growing text field, debouncing.

Text widgets here hand Ctrl+Z to the window, so that undo is the review's
(one step per save, across answers, evidence and annotations), never the
field's own letter-by-letter undo.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, QMargins, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QLayout, QListView, QPlainTextEdit, QSizePolicy, QWidget

DEBOUNCE_MS = 600
_sessions = itertools.count(1)


# -- layout --------------------------------------------------------------------------------

class FlowLayout(QLayout):
    """Lays children left to right and wraps them, so chips and short options never need a horizontal scroll."""

    def __init__(self, parent: QWidget | None = None, h_spacing: int = 8, v_spacing: int = 8):
        super().__init__(parent)
        self._items = []
        self._h, self._v = h_spacing, v_spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:  # noqa: N802 - Qt's name
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, i: int):  # noqa: N802
        return self._items[i] if 0 <= i < len(self._items) else None

    def takeAt(self, i: int):  # noqa: N802
        return self._items.pop(i) if 0 <= i < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._layout(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._layout(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _layout(self, rect: QRect, *, apply: bool) -> int:
        m = self.contentsMargins()
        r = rect.marginsRemoved(QMargins(m.left(), m.top(), m.right(), m.bottom()))
        x, y, line = r.x(), r.y(), 0
        for item in self._items:
            if item.widget() is not None and item.widget().isHidden():
                continue
            hint = item.sizeHint()
            if x > r.x() and x + hint.width() > r.right() + 1:
                x, y, line = r.x(), y + line + self._v, 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._h
            line = max(line, hint.height())
        return y + line - rect.y() + m.bottom()


def wrap_label(text: str = "", role: str | None = None, rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.RichText if rich else Qt.PlainText)
    label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
    label.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
    if role:
        label.setProperty("role", role)
    return label


# -- undo keys go to the window ------------------------------------------------------------------

class _WindowUndo(QObject):
    """Text widgets keep Ctrl+Z for themselves; the review's undo stack should have it (one step per save)."""

    KEYS = (QKeySequence.Undo, QKeySequence.Redo)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.ShortcutOverride:
            if any(event.matches(k) for k in self.KEYS) or \
                    QKeySequence(event.keyCombination()) == QKeySequence("Ctrl+Shift+Z"):
                event.ignore()
                return True
        return False


_window_undo = _WindowUndo()


def route_undo(w: QWidget) -> None:
    w.installEventFilter(_window_undo)
    if isinstance(w, QPlainTextEdit):
        w.setUndoRedoEnabled(False)


class Debounce(QObject):
    """Holds typed text back until the typing pauses, or the field loses focus."""

    fire = Signal()

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.fire)
        self.session = next(_sessions)

    def poke(self) -> None:
        self.timer.start()

    def pending(self) -> bool:
        return self.timer.isActive()

    def flush(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.fire.emit()

    def new_session(self) -> None:
        self.session = next(_sessions)


class GrowingTextEdit(QPlainTextEdit):
    """A plain-text field that grows with its text (up to ``max_lines``, then scrolls)."""

    focusLost = Signal()
    focusGained = Signal()

    def __init__(self, min_lines: int = 3, max_lines: int = 18, parent: QWidget | None = None):
        super().__init__(parent)
        self._min, self._max = min_lines, max_lines
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.WidgetWidth)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(lambda *_: self._fit())
        self.textChanged.connect(self._fit)
        route_undo(self)
        self._fit()

    def _content_height(self) -> int:
        """The text's height in lines at the current width."""
        height = 0.0
        block = self.document().firstBlock()
        while block.isValid():
            height += self.blockBoundingRect(block).height()
            block = block.next()
        return max(1, round(height / max(1, self.fontMetrics().lineSpacing())))

    def _fit(self) -> None:
        lines = min(self._max, max(self._min, self._content_height()))
        fm = self.fontMetrics()
        frame = 2 * self.frameWidth() + int(2 * self.document().documentMargin()) + 6
        h = lines * fm.lineSpacing() + frame
        if self.height() != h or self.minimumHeight() != h:
            self.setFixedHeight(h)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAsNeeded if self._content_height() > self._max
                                        else Qt.ScrollBarAlwaysOff)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            QTimer.singleShot(0, self._fit)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.focusLost.emit()

    def focusInEvent(self, event) -> None:  # noqa: N802
        super().focusInEvent(event)
        self.focusGained.emit()


class ClickLabel(QLabel):
    clicked = Signal()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.LeftButton and self.isEnabled():
            self.clicked.emit()
        super().mousePressEvent(event)


class FitList(QListView):
    """A list as tall as its rows (up to ``max_rows``), for lists inside the scrolling form."""

    def __init__(self, max_rows: int = 6):
        super().__init__()
        self._max = max_rows
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def refit(self) -> None:
        m = self.model()
        n = m.rowCount() if m else 0
        h = sum(self.sizeHintForRow(i) + 2 * self.spacing() for i in range(min(n, self._max)))
        self.setFixedHeight(h + 2 * self.frameWidth() + 2 if n else 0)
        self.setVisible(n > 0)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.doItemsLayout()
            QTimer.singleShot(0, self.refit)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.matches(QKeySequence.Delete) or event.key() == Qt.Key_Backspace:
            self.parent_remove()
            return
        super().keyPressEvent(event)

    def parent_remove(self) -> None:  # replaced by the evidence box
        pass
