"""The selected item's form: its header (what was decided or claimed, linked documents and events), its evidence, its questions.

Built fresh for each item from the framework; ``refresh()`` shows the
controller's state without ever overwriting what the reviewer is typing.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout,
                               QWidget)

from ...core.frameworks import CASE, Framework, Question
from ...core.review import Evidence, answered
from ...core.snapshot import CaseSnapshot
from .. import style
from ..cards import CardDelegate
from ..models import ObjectRole, event_type_label, nice_date
from .form import make_editor
from .models import EvidenceModel, evidence_count, evidence_note, evidence_rows, is_raised, kind_label
from .widgets import FitList, wrap_label

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from .undo import ReviewController


class FormHost(Protocol):
    """What an item form needs of the panel that holds it (the review panel), and nothing more."""

    controller: ReviewController
    showEvidence: SignalInstance  # emits the Evidence to show in the viewer
    citeRequested: SignalInstance  # emits the item id the viewer's selection is to be cited to

    def open_link(self, href: str) -> None:
        """Follow a ``doc:`` or ``event:`` link from an item's header."""

MAX_FORM_WIDTH = 820


def _e(text: Any) -> str:
    return html.escape(str(text), quote=False)


class QuestionBlock(QFrame):
    """One question: its text (marked when required), its help, the editor, and what it still needs."""

    def __init__(self, number: int, q: Question, fw: Framework, parent: QWidget | None = None):
        super().__init__(parent)
        self.question = q
        self.setObjectName("questionBlock")
        self.setProperty("flagged", False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 12)
        lay.setSpacing(6)
        self.title = wrap_label(f"{number}. {q.text}")
        self.title.setProperty("role", "heading")
        self.title.setAccessibleName(q.text)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setAlignment(Qt.AlignRight | Qt.AlignTop)
        head = QHBoxLayout()
        head.setSpacing(12)
        head.addWidget(self.title, 1)
        head.addWidget(self.status, 0, Qt.AlignTop)
        lay.addLayout(head)
        self.help = wrap_label(q.help, "muted") if q.help else None
        if self.help:
            lay.addWidget(self.help)
        # Framework 1.1's required_when, in words under the question (the status beside it stays short).
        self.condition = wrap_label(f"Needed only {_condition(q)}.", "muted") if q.required_when else None
        if self.condition:
            lay.addWidget(self.condition)
        self.editor = make_editor(q, fw, self)
        lay.addSpacing(2)
        lay.addWidget(self.editor)
        self.evidence_note = wrap_label("", "muted") if q.min_evidence else None
        if self.evidence_note:
            lay.addWidget(self.evidence_note)
        self.title.setBuddy(self.editor)

    def set_status(self, answered: bool, flag_needs_note: bool, raised: bool = False,
                   required: bool | None = None) -> None:
        """``required`` is the question's requirement now (framework 1.1's required_when can switch it)."""
        q = self.question
        required = q.required if required is None else required
        when = _condition(q)
        if raised:
            text, role = "⚑ Raised", "warning"
        elif flag_needs_note:
            text, role = "", "muted"
        elif required and not answered:
            text, role = "Required", "warning"
        elif required:
            text, role = "✓ Answered", "muted"
        elif when:
            text, role = "Not needed now", "muted"
        else:
            text, role = "Optional", "muted"
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self._role(self.status, role)

    def set_evidence(self, note: str, met: bool) -> None:
        if self.evidence_note is None:
            return
        self.evidence_note.setText(note)
        self._role(self.evidence_note, "muted" if met else "warning")

    def set_flagged(self, on: bool) -> None:
        if self.property("flagged") != on:
            self.setProperty("flagged", on)
            self.style().unpolish(self)
            self.style().polish(self)

    @staticmethod
    def _role(label: QLabel, role: str) -> None:
        if label.property("role") != role:
            label.setProperty("role", role)
            label.style().unpolish(label)
            label.style().polish(label)


class ItemForm(QWidget):
    """Header, evidence and one block per question for one item (or the case)."""

    def __init__(self, panel: FormHost, item_id: str):
        super().__init__()
        self.setObjectName("reviewFormBody")
        self.setMaximumWidth(MAX_FORM_WIDTH)  # lines of 80-odd characters, however wide the window
        self.panel = panel
        self.controller = panel.controller
        self.item_id = item_id
        snap = self.controller.snapshot
        assert snap is not None
        self.item = None if item_id == CASE else snap.manifest.item(item_id)
        fw = snap.framework
        self.questions: tuple[Question, ...] = fw.case_questions if self.item is None else fw.questions_for(
            self.item.kind)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.MARGIN, style.MARGIN, style.MARGIN, style.GAP)
        lay.setSpacing(14)
        lay.addWidget(self._header(snap))
        self.evidence_box = self._evidence_box()
        lay.addWidget(self.evidence_box)
        if self.questions:
            q_heading = wrap_label(f"Questions ({len(self.questions)})", "section")
            lay.addSpacing(4)
            lay.addWidget(q_heading)
        else:
            lay.addWidget(wrap_label(f"The framework {fw.title} asks nothing about items of this kind.", "muted"))
        self.blocks: dict[str, QuestionBlock] = {}
        for n, q in enumerate(self.questions, 1):
            block = QuestionBlock(n, q, fw, self)
            block.editor.edited.connect(lambda value, session, q=q: self._edited(q, value, session))
            self.blocks[q.id] = block
            lay.addWidget(block)
        lay.addStretch(1)
        self.refresh()

    # header ----------------------------------------------------------------------------------

    def _header(self, snap: CaseSnapshot) -> QFrame:
        box = QFrame()
        box.setObjectName("itemHeader")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(14, 12, 14, 14)
        lay.setSpacing(8)
        it = self.item
        if it is None:
            meta = f"Case {snap.case.reference} · {snap.framework.title}"
            title = "The case as a whole"
        else:
            bits = [f"{it.id}", kind_label(it.kind)]
            if it.date:
                bits.append(nice_date(it.date))
            meta = " · ".join(bits)
            title = it.title
        m = wrap_label(meta, "muted")
        lay.addWidget(m)
        t = wrap_label(title, "title")
        t.setFont(style.scaled_font(t, 1.2))
        t.setAccessibleName(f"Item: {title}")
        lay.addWidget(t)
        facts = []
        if it is not None:
            for label, value in (("Made by", it.made_by_role), ("Claimed by", it.claimed_by),
                                 ("Measure", it.measure)):
                if value:
                    facts.append((label, value))
        for label, value in facts:
            lab = wrap_label(f'<span style="color:{style.current_scheme().muted}">{_e(label)}:</span>&nbsp; '
                             f"{_e(value)}", rich=True)
            lay.addWidget(lab)
        detail = (it.detail if it is not None else snap.manifest.instructions) or ""
        if detail:
            d = QFrame()
            d.setObjectName("detailBox")
            dl = QVBoxLayout(d)
            dl.setContentsMargins(10, 6, 8, 6)
            dl.setSpacing(2)
            dl.addWidget(wrap_label("As recorded in the bundle" if it is not None else "The commissioner's instructions",
                                    "muted"))
            dl.addWidget(wrap_label(detail))
            lay.addWidget(d)
        links = self._links(snap)
        if links:
            lay.addSpacing(2)
            lay.addWidget(links)
        return box

    def _links(self, snap: CaseSnapshot) -> QLabel | None:
        it = self.item
        if it is None:
            return None
        parts = []
        docs = []
        for doc_id in it.documents:
            try:
                d = snap.document(doc_id)
            except KeyError:
                continue
            docs.append(f'<a href="doc:{_e(doc_id)}">{_e(d.row.range_label)}</a>&nbsp; {_e(d.row.title)}')
        if docs:
            parts.append(f'<p style="margin:0"><b>Documents</b><br>{"<br>".join(docs)}</p>')
        events = []
        by_id = {e.id: e for e in snap.chronology}
        for event_id in it.events:
            e = by_id.get(event_id)
            if e is None:
                continue
            kind = f" ({_e(event_type_label(e.type))})" if e.type and e.type != "other" else ""
            events.append(f'<a href="event:{_e(event_id)}">{_e(nice_date(e.date))}</a>&nbsp; {_e(e.title)}{kind}')
        if events:
            parts.append(f'<p style="margin-top:8px; margin-bottom:0"><b>Events</b><br>{"<br>".join(events)}</p>')
        if not parts:
            return None
        label = wrap_label("".join(parts), rich=True)
        label.setTextInteractionFlags(Qt.LinksAccessibleByMouse | Qt.LinksAccessibleByKeyboard)
        label.setAccessibleName("Linked documents and events")
        label.linkActivated.connect(self.panel.open_link)
        return label

    # evidence ----------------------------------------------------------------------------------

    def _evidence_box(self) -> QFrame:
        box = QFrame()
        box.setObjectName("evidenceBox")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(14, 10, 14, 12)
        lay.setSpacing(8)
        self.evidence_title = wrap_label("Evidence", "heading")
        lay.addWidget(self.evidence_title)
        self.evidence_empty = wrap_label("No citations yet. Select a passage in the document and press Ctrl+E, "
                                         "or drag it here; with nothing selected, the current page is cited.",
                                         "muted")
        lay.addWidget(self.evidence_empty)
        self.evidence_model = EvidenceModel(self)
        self.evidence_view = FitList()
        self.evidence_view.setAccessibleName("Evidence for this item")
        self.evidence_view.setModel(self.evidence_model)
        self.evidence_view.setItemDelegate(CardDelegate(self.evidence_view))
        self.evidence_view.setWordWrap(True)
        self.evidence_view.setResizeMode(QListView.Adjust)
        self.evidence_view.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.evidence_view.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.evidence_view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.evidence_view.parent_remove = self.remove_selected
        self.evidence_view.clicked.connect(self._evidence_clicked)
        self.evidence_view.activated.connect(self._evidence_clicked)
        lay.addWidget(self.evidence_view)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.cite_button = QPushButton("Cite selection  (Ctrl+E)")
        self.cite_button.setToolTip("Cite the text selected in the viewer, or the page shown (Ctrl+E)")
        self.cite_button.setAccessibleName("Cite selection")
        self.cite_button.clicked.connect(lambda: self.panel.citeRequested.emit(self.item_id))
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected citation (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.cite_button)
        row.addStretch(1)
        row.addWidget(self.remove_button)
        lay.addLayout(row)
        self.evidence_view.selectionModel().selectionChanged.connect(lambda *_: self._sync_remove())
        return box

    def _evidence_clicked(self, index: QModelIndex) -> None:
        row = index.data(ObjectRole)
        if row is not None:
            self.panel.showEvidence.emit(row.evidence)

    def selected_evidence(self) -> Evidence | None:
        idx = self.evidence_view.currentIndex()
        if not idx.isValid() or not self.evidence_view.selectionModel().isSelected(idx):
            return None
        return idx.data(ObjectRole).evidence

    def remove_selected(self) -> None:
        ev = self.selected_evidence()
        if ev is not None and not self.controller.read_only:
            self.controller.remove_evidence(ev.id)

    def _sync_remove(self) -> None:
        self.remove_button.setEnabled(not self.controller.read_only and self.selected_evidence() is not None)

    # state -----------------------------------------------------------------------------------------

    def _edited(self, q: Question, value: Any, session: int | None) -> None:
        key = (self.item_id, q.id, session) if session is not None else None
        self.controller.set_answer(self.item_id, q.id, value, merge_key=key)

    def refresh(self) -> None:
        """Show the controller's state: values (unless the reviewer is mid-edit), statuses, evidence."""
        c = self.controller
        state = c.state
        snap = c.snapshot
        read_only = c.read_only
        evidence = c.evidence_for(self.item_id)
        self.evidence_model.set_rows(evidence_rows(evidence, snap.documents if snap else ()))
        self.evidence_view.refit()
        self.evidence_empty.setVisible(not evidence)
        self.evidence_title.setText(f"Evidence ({len(evidence)})" if evidence else "Evidence")
        self.cite_button.setEnabled(not read_only)
        self._sync_remove()
        count = evidence_count(state, self.item_id)
        for q in self.questions:
            block = self.blocks[q.id]
            value = state.answers.get((self.item_id, q.id))
            if not block.editor.has_pending():
                block.editor.set_value(value)
            needs_note = q.type == "flag" and is_raised(value) and not str(value.get("note", "")).strip()
            block.set_status(answered(q, value), needs_note, q.type == "flag" and is_raised(value),
                             q.is_required(lambda qid: state.answers.get((self.item_id, qid))))
            if q.min_evidence:
                block.set_evidence(*evidence_note(q.min_evidence, count))
            block.set_flagged(q.type == "flag" and is_raised(value))
            block.editor.setEnabled(not read_only)

    def flush(self) -> None:
        for block in self.blocks.values():
            block.editor.flush()


def _condition(q: Question) -> str:
    """"when payment is Defer", from a 1.1 question's required_when."""
    if q.required_when is None:
        return ""
    other, values = q.required_when
    said = " or ".join(("raised" if v is True else "not raised" if v is False else f"“{v}”" if isinstance(v, str)
                         else str(v)) for v in values)
    return f"when {other.replace('_', ' ')} is {said}"
