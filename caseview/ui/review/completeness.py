"""How complete the review is: a progress bar for the case, and "Finalise…", which lists what is missing and goes there.

A part is one item of the bundle, or the case questions; a part is complete
when its required questions are answered and its citations are in (the core's
``missing``). Both widgets are fed snapshots (rows and gaps) and read nothing.
"""

from __future__ import annotations

import html
from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ...core.frameworks import CASE, Framework, Question
from ...core.manifest import Manifest
from ...core.review import Missing
from ..cards import CardDelegate
from ..models import HtmlRole
from .models import ItemRow, progress

_e = html.escape

ItemRole = Qt.UserRole + 60
QuestionRole = Qt.UserRole + 61


class CompletenessBar(QWidget):
    """"5 of 9 parts complete", a bar, and the Finalise… button."""

    finaliseRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setAccessibleName("Review progress")
        self.label = QLabel()
        self.label.setAccessibleName("Review progress")
        self.button = QPushButton("Finalise…")
        self.button.setToolTip("See what is still missing, then sign the report")
        self.button.clicked.connect(self.finaliseRequested)
        col = QVBoxLayout()
        col.setSpacing(4)
        col.addWidget(self.label)
        col.addWidget(self.bar)
        lay.addLayout(col, 1)
        lay.addWidget(self.button, 0, Qt.AlignVCenter)
        self.done, self.total = 0, 0
        self.set_progress(0, 0)

    def set_rows(self, rows: Sequence[ItemRow]) -> None:
        self.set_progress(*progress(rows))

    def set_progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(done)
        if total and done >= total:
            text = f"All {total} parts complete — ready to sign"
        else:
            text = f"{done} of {total} parts complete"
        self.label.setText(text)
        self.bar.setAccessibleDescription(text)


def _question(fw: Framework, manifest: Manifest, item_id: str, qid: str) -> Question | None:
    if item_id == CASE:
        questions = fw.case_questions
    else:
        try:
            questions = fw.questions_for(manifest.item(item_id).kind)
        except KeyError:
            return None
    return next((q for q in questions if q.id == qid), None)


def missing_entries(gaps: Sequence[Missing], fw: Framework, manifest: Manifest) -> list[tuple[str, str, list[tuple[Missing, str]]]]:
    """Gaps grouped by part, in the core's order: [(item_id, heading, [(gap, line)])]."""
    groups: dict[str, list[tuple[Missing, str]]] = {}
    for g in gaps:
        q = _question(fw, manifest, g.item_id, g.question_id)
        text = q.text if q else g.question_id
        groups.setdefault(g.item_id, []).append((g, f"{text} — {g.reason}"))
    out = []
    for item_id, entries in groups.items():
        if item_id == CASE:
            heading = "The case as a whole"
        else:
            try:
                heading = f"{item_id} · {manifest.item(item_id).title}"
            except KeyError:
                heading = item_id
        out.append((item_id, heading, entries))
    return out


class MissingDialog(QDialog):
    """What stops the review being signed, grouped by item; activating an entry goes to that field."""

    goTo = Signal(str, str)  # item_id, question_id
    signRequested = Signal()  # nothing is missing and the reviewer chose to go on

    def __init__(self, gaps: Sequence[Missing], fw: Framework, manifest: Manifest, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Finalise the review")
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        lay.setSpacing(12)
        lay.setContentsMargins(20, 18, 20, 16)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.tree.setIndentation(18)
        self.tree.setItemDelegate(CardDelegate(self.tree, self._row_width))
        self.tree.setAccessibleName("What is missing")
        self.tree.itemActivated.connect(self._activated)
        groups = missing_entries(gaps, fw, manifest)
        count = sum(len(entries) for _, _, entries in groups)
        if groups:
            self.summary = QLabel(f"{count} thing{'s' if count != 1 else ''} to do before the report can be signed. "
                                  "Double-click one (or press Enter) to go there.")
        else:
            self.summary = QLabel("Every required question is answered and every judgement has its citations. "
                                  "The review is ready to sign.")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        for item_id, heading, entries in groups:
            top = QTreeWidgetItem([heading])
            top.setData(0, HtmlRole, f"<b>{_e(heading)}</b>")
            top.setData(0, ItemRole, item_id)
            top.setData(0, QuestionRole, entries[0][0].question_id)
            for gap, line in entries:
                child = QTreeWidgetItem([line])
                text, _, reason = line.rpartition(" — ")
                child.setData(0, HtmlRole, f'{_e(text)}<br><span class="warn">{_e(reason.capitalize())}</span>')
                child.setData(0, ItemRole, gap.item_id)
                child.setData(0, QuestionRole, gap.question_id)
                child.setToolTip(0, gap.sentence())
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        if groups:
            lay.addWidget(self.tree, 1)
            self.resize(680, 520)
        else:
            self.tree.hide()
        buttons = QDialogButtonBox()
        self.go_button = buttons.addButton("Go to field", QDialogButtonBox.ActionRole)
        self.go_button.clicked.connect(lambda: self._activated(self.tree.currentItem()))
        self.go_button.setVisible(bool(groups))
        self.sign_button = buttons.addButton("Sign…", QDialogButtonBox.AcceptRole)
        self.sign_button.setEnabled(not groups)
        self.sign_button.clicked.connect(self._sign)
        buttons.addButton(QDialogButtonBox.Close).clicked.connect(self.reject)
        lay.addWidget(buttons)
        if groups:
            first = self.tree.topLevelItem(0).child(0)
            self.tree.setCurrentItem(first)
            self.tree.setFocus()

    def _row_width(self, index) -> int:
        depth = 0
        while index.parent().isValid():
            index = index.parent()
            depth += 1
        return self.tree.viewport().width() - self.tree.indentation() * (depth + 1)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.tree.doItemsLayout()  # card heights depend on the width

    def entries(self) -> list[tuple[str, str, str]]:
        """(item_id, question_id, line) of every listed gap, in order (for tests and screen readers)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                c = top.child(j)
                out.append((c.data(0, ItemRole), c.data(0, QuestionRole), c.text(0)))
        return out

    def _activated(self, item: QTreeWidgetItem | None, _column: int = 0) -> None:
        if item is None:
            return
        self.goTo.emit(item.data(0, ItemRole), item.data(0, QuestionRole))
        self.accept()

    def _sign(self) -> None:
        self.signRequested.emit()
        self.accept()
