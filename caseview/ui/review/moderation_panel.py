"""The Moderation panel: whose report is moderated, what is still missing, the items and the case, one page each.

The panel reads nothing itself: it shows the :class:`ModerationController`'s
context and state. The list on top names every item with the moderator's
verdict so far (and the case last); the page below is the selected one's form.
``countersignRequested`` asks the window to start the Countersign… flow.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...core.frameworks import CASE
from .. import style
from ..widgets import human_time, label
from .moderation_controller import ModerationController
from .moderation_form import (
    OVERALL_WORDS,
    VERDICT_WORDS,
    CaseModerationPage,
    ItemModerationPage,
)
from .panel import _stylesheet

ID_ROLE = Qt.UserRole + 1


class ModerationPanel(QWidget):
    """The moderator's side of the window while a case is under moderation."""

    openAnchor = Signal(object)  # Anchor
    citeRequested = Signal(str)  # item id
    countersignRequested = Signal()

    def __init__(self, controller: ModerationController, describe_anchor=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.describe_anchor = describe_anchor or (lambda a: f"{a.doc_id} page {a.page}")
        self.pages: dict[str, QWidget] = {}
        self.setObjectName("moderationPanel")
        self.setStyleSheet(_stylesheet() + "QFrame#reviewerBox, QFrame#moderatorBox { border-radius: 8px; }"
                           + self._boxes())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.SPACING, style.SPACING, style.SPACING, style.SPACING)
        lay.setSpacing(style.SPACING)
        self.who = label("", "muted")
        self.who.setAccessibleName("The report being moderated")
        lay.addWidget(self.who)
        row = QHBoxLayout()
        self.progress = label("")
        self.progress.setAccessibleName("Moderation completeness")
        row.addWidget(self.progress, 1)
        self.countersign_button = QPushButton("Countersign…")
        self.countersign_button.setToolTip("Sign the moderation record and countersign the report")
        self.countersign_button.clicked.connect(self.countersignRequested)
        row.addWidget(self.countersign_button, 0, Qt.AlignTop)
        lay.addLayout(row)

        self.list = QListWidget()
        self.list.setAccessibleName("Items to moderate")
        self.list.setAlternatingRowColors(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.ElideRight)
        self.list.currentItemChanged.connect(lambda cur, _prev: cur is not None and self.show_page(cur.data(ID_ROLE)))
        self.stack = QStackedWidget()
        self.scroll = QScrollArea(objectName="reviewForm")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QFrame.NoFrame)
        body = QWidget(objectName="reviewFormBody")
        bl = QVBoxLayout(body)
        bl.setContentsMargins(2, 4, 6, 4)
        bl.addWidget(self.stack)
        self.scroll.setWidget(body)
        split = QSplitter(Qt.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.list)
        split.addWidget(self.scroll)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([150, 500])
        self.splitter = split
        lay.addWidget(split, 1)
        controller.loaded.connect(self.rebuild)
        controller.stateChanged.connect(self.refresh)

    @staticmethod
    def _boxes() -> str:
        s = style.current_scheme()
        card = s.button if s.dark else s.base
        return (f"QFrame#reviewerBox {{ background: {s.alt_base}; border: 1px solid {s.border}; }}"
                f"QFrame#moderatorBox {{ background: {card}; border: 1px solid {s.border}; }}"
                "QFrame#reviewerBox QLabel, QFrame#moderatorBox QLabel { background: transparent; }")

    # -- building ------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """A moderation (or none) was loaded: one list entry and one page per item, and the case."""
        for page in self.pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()
        self.list.clear()
        ctx = self.controller.ctx
        if ctx is None:
            self.who.setText("")
            self.progress.setText("")
            self.countersign_button.setEnabled(False)
            return
        rev = ctx.reviewer
        trust = "" if rev.get("trusted") else " · not trusted here"
        self.who.setText(f"Report signed by {rev.get('signer') or 'an unknown signer'}, "
                         f"{human_time(rev.get('signed_at'))}{trust}")
        self.who.setToolTip(f"Report SHA-256 {ctx.report_sha256}")
        for item in ctx.case.manifest.items:
            entry = QListWidgetItem()
            entry.setData(ID_ROLE, item.id)
            self.list.addItem(entry)
        case = QListWidgetItem()
        case.setData(ID_ROLE, CASE)
        self.list.addItem(case)
        self.refresh()
        self.list.setCurrentRow(0)

    def page(self, key: str) -> QWidget:
        """The page for an item id (or CASE), made when first shown."""
        if key not in self.pages:
            if key == CASE:
                page = CaseModerationPage(self.controller)
            else:
                page = ItemModerationPage(self.controller, key, self.describe_anchor)
                page.openAnchor.connect(self.openAnchor)
                page.citeRequested.connect(self.citeRequested)
            self.pages[key] = page
            self.stack.addWidget(page)
        return self.pages[key]

    def show_page(self, key: str) -> None:
        page = self.page(key)
        self.stack.setCurrentWidget(page)
        self.scroll.verticalScrollBar().setValue(0)
        for i in range(self.list.count()):
            if self.list.item(i).data(ID_ROLE) == key and self.list.currentRow() != i:
                self.list.setCurrentRow(i)

    def current_key(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    # -- state ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        c = self.controller
        ctx = c.ctx
        if ctx is None:
            return
        gaps = c.gaps()
        for i in range(self.list.count()):
            entry = self.list.item(i)
            key = entry.data(ID_ROLE)
            if key == CASE:
                said = OVERALL_WORDS.get(c.state.overall or "", "no endorsement yet")
                bad = any(g.where == "case" or g.where.startswith("payment ") for g in gaps)
                entry.setText(f"{'•' if bad else '✓'}  The case — {said}")
            else:
                v = c.verdict(key)
                title = ctx.case.manifest.item(key).title
                said = VERDICT_WORDS.get(v.verdict or "", "not yet moderated")
                if v.verdict == "disagree" and v.judgement is not None:
                    said += f" ({ctx.reviewer_judgement(key)} → {v.judgement})"
                bad = any(g.where == key for g in gaps)
                entry.setText(f"{'•' if bad else '✓'}  {key} · {said}")
                entry.setToolTip(title)
        if c.read_only:
            self.progress.setText("Countersigned: this moderation is read-only.")
        elif gaps:
            self.progress.setText(f"{len(gaps)} thing{'s' if len(gaps) != 1 else ''} still missing before you can "
                                  "countersign.")
        else:
            self.progress.setText("Complete: ready to countersign.")
        self.countersign_button.setEnabled(not c.read_only)
        for page in self.pages.values():
            page.refresh()

    def focus_gap(self, where: str) -> None:
        """Show the page a missing entry is about ("K3", "case", "payment O1")."""
        key = CASE if where == "case" or where.startswith("payment ") else where
        self.show_page(key)


__all__ = ["ModerationPanel"]
