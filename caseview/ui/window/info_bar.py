"""The review window's stand-ins and notices: the placeholder viewer and the calm, dismissible info bar."""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle, QToolButton, QVBoxLayout, QWidget

from ...core.review import Anchor
from ...core.snapshot import DocumentView

__all__ = ["InfoBar", "PlaceholderViewer"]


class PlaceholderViewer(QWidget):
    """Stands in for the document viewer until it is available: same signals and methods, no rendering."""

    pageChanged = Signal(str, int)
    selectionChanged = Signal()
    openRequested = Signal(str, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel("Choose a document in the bundle index.")
        self.label.setAlignment(Qt.AlignCenter)
        self.label.setWordWrap(True)
        self.label.setProperty("role", "muted")
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        self.current: tuple[str, int] | None = None
        self.annotations: list = []
        self.highlight: Anchor | None = None

    def set_render_client(self, client) -> None:
        pass

    def set_ref_resolver(self, fn) -> None:
        self._resolver = fn

    def open_document(self, doc: DocumentView, page: int = 1, highlight: Anchor | None = None) -> None:
        self.current = (doc.id, page)
        self.highlight = highlight
        self.label.setText(f"{doc.row.title}\n{doc.row.ref(page)} · page {page} of {doc.row.pages}")
        self.pageChanged.emit(doc.id, page)

    def selection(self) -> Anchor | None:
        return None

    def show_highlight(self, anchor: Anchor) -> None:
        self.highlight = anchor

    def set_annotations(self, annotations) -> None:
        self.annotations = list(annotations)


class InfoBar(QFrame):
    """Calm notices about the case (new version, issuer not verified, unreadable documents): one bar, dismissible."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("infoBar")
        self.setAccessibleName("Notices about this case")
        self.icon = QLabel()
        self.icon.setPixmap(self.style().standardIcon(QStyle.SP_MessageBoxInformation).pixmap(18, 18))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.PlainText)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.more = QToolButton(text="Show all")
        self.more.setAccessibleName("Show all notices")
        self.more.setAutoRaise(True)
        self.more.clicked.connect(self._toggle)
        self.close_button = QToolButton(text="✕")
        self.close_button.setAccessibleName("Dismiss notices")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 8)
        lay.setSpacing(10)
        lay.addWidget(self.icon, 0, Qt.AlignTop)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.more, 0, Qt.AlignTop)
        lay.addWidget(self.close_button, 0, Qt.AlignTop)
        self.notices: tuple[str, ...] = ()
        self._expanded = False
        self.hide()

    def set_notices(self, notices: Sequence[str]) -> None:
        self.notices = tuple(dict.fromkeys(n for n in notices if n))
        self._expanded = False
        self._render()
        self.setVisible(bool(self.notices))

    def _toggle(self) -> None:
        self._expanded = not self._expanded
        self._render()

    def _render(self) -> None:
        n = len(self.notices)
        if n == 0:
            return
        if self._expanded or n == 1:
            self.text.setText("\n".join(self.notices))
        else:
            self.text.setText(f"{self.notices[0]}  (and {n - 1} more notice{'s' if n > 2 else ''})")
        self.more.setVisible(n > 1)
        self.more.setText("Show less" if self._expanded else "Show all")
