"""Pieces of the viewer's chrome: toolbar buttons, zoom choices and the panel shown instead of pages."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from .icons import icon

ZOOM_CHOICES = (("Fit width", "fit-width"), ("Fit page", "fit-page"), ("50%", 0.5), ("75%", 0.75), ("100%", 1.0),
                ("125%", 1.25), ("150%", 1.5), ("200%", 2.0), ("300%", 3.0), ("400%", 4.0))


def tool_button(parent: QWidget, name: str, tip: str, accessible: str, slot: Callable | None = None, *,
            checkable: bool = False) -> QToolButton:
    b = QToolButton(parent)
    b.setIcon(icon(name, parent.palette()))
    b.setProperty("iconName", name)  # redrawn in the new colours when the palette changes
    b.setToolTip(tip)
    b.setAccessibleName(accessible)
    b.setAutoRaise(True)
    b.setCheckable(checkable)
    b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    if slot is not None:
        b.clicked.connect(slot)
    return b


class MessagePanel(QWidget):
    """What the viewer shows instead of pages: the document's title, references and why."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Document message")
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        box = QFrame(self)
        box.setMaximumWidth(560)
        lay = QVBoxLayout(box)
        lay.setSpacing(8)
        self.title = QLabel(box)
        self.title.setWordWrap(True)
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        self.title.setFont(f)
        self.refs = QLabel(box)
        self.body = QLabel(box)
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel(box)
        self.hint.setWordWrap(True)
        for w in (self.refs, self.hint):  # secondary text: quieter, but readable (not the disabled grey)
            pal = w.palette()
            pal.setColor(QPalette.ColorRole.WindowText, pal.color(QPalette.ColorRole.PlaceholderText))
            w.setPalette(pal)
        for w in (self.title, self.refs, self.body, self.hint):
            lay.addWidget(w)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)

    def show_message(self, title: str, refs: str, body: str, hint: str) -> None:
        self.title.setText(title)
        self.refs.setText(refs)
        self.body.setText(body)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.setAccessibleDescription(f"{title}. {body}")
