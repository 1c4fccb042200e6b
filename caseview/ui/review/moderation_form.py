"""The moderator's form for one item (the reviewer's answers read-only above the verdict) and for the case.

Pages read the :class:`ModerationController`'s context and state and send every
change through it; typed text is held back until typing pauses (one undo step
per burst). What needs the viewer is asked for with signals: ``openAnchor``
(a citation's passage) and ``citeRequested(item_id)``.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.frameworks import CASE, Framework, Question
from ...core.moderation.model import case_faults, item_faults, payment_faults
from ...core.review import Anchor
from .moderation_controller import ModerationController
from .widgets import ClickLabel, Debounce, GrowingTextEdit

VERDICT_WORDS = {"agree": "Agree", "agree-with-changes": "Agree with changes", "disagree": "Disagree"}
OVERALL_WORDS = {"endorsed": "Endorsed", "endorsed-with-changes": "Endorsed with changes",
                 "not-endorsed": "Not endorsed"}


def answer_words(q: Question | None, value: Any, fw: Framework) -> str:
    """A reviewer's answer as words: a scale level with its label, a flag as yes/no with its note, lists joined."""
    if value is None or value == "" or value == []:
        return "—"
    if q is not None and q.type == "scale":
        level = next((lv for lv in fw.scale(q.scale or "") if lv.value == value), None)
        return f"{value} · {level.label}" if level else str(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict) and "raised" in value:
        return ("Yes" if value.get("raised") else "No") + (f": {value['note']}" if value.get("note") else "")
    if isinstance(value, list):
        return "; ".join(answer_words(None, v, fw) if not isinstance(v, dict) else
                         ", ".join(f"{k}: {x}" for k, x in v.items() if x) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _label(text: str = "", role: str | None = None, selectable: bool = False) -> QLabel:
    w = QLabel(text)
    w.setTextFormat(Qt.PlainText)
    w.setWordWrap(True)
    if role:
        w.setProperty("role", role)
    if selectable:
        w.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return w


def _box(name: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(objectName=name)
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(12, 10, 12, 12)
    lay.setSpacing(6)
    return frame, lay


class _Comment(GrowingTextEdit):
    """A comment field: ``edited(text, session)`` once typing pauses or focus leaves."""

    edited = Signal(str, int)

    def __init__(self, placeholder: str, name: str):
        super().__init__(min_lines=2, max_lines=10)
        self.setPlaceholderText(placeholder)
        self.setAccessibleName(name)
        self._loading = False
        self.debounce = Debounce(self)
        self.debounce.fire.connect(lambda: self.edited.emit(self.toPlainText(), self.debounce.session))
        self.textChanged.connect(lambda: self._loading or self.debounce.poke())
        self.focusLost.connect(self.debounce.flush)
        self.focusGained.connect(self.debounce.new_session)

    def show_text(self, text: str) -> None:
        if self.toPlainText() != text and not self.debounce.pending():
            self._loading = True
            self.setPlainText(text)
            self._loading = False


class _Choice(QWidget):
    """Radio buttons for one of a few values; ``chosen(value)`` on a click."""

    chosen = Signal(str)

    def __init__(self, words: dict[str, str], name: str):
        super().__init__()
        self.setAccessibleName(name)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        lay = QVBoxLayout(self)  # one under another: the dock is narrow on a laptop screen
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        for value, text in words.items():
            b = QRadioButton(text)
            b.setAccessibleName(text)
            self.group.addButton(b)
            self.buttons[value] = b
            b.clicked.connect(lambda _=False, v=value: self.chosen.emit(v))
            lay.addWidget(b)

    def show_value(self, value: str | None) -> None:
        self.group.setExclusive(False)
        for v, b in self.buttons.items():
            b.setChecked(v == value)
        self.group.setExclusive(True)


class _Citations(QWidget):
    """The moderator's citations for an item: each opens its passage; ✕ removes it; Cite adds the selection."""

    def __init__(self, page: ItemModerationPage):
        super().__init__()
        self.page = page
        self.rows = QVBoxLayout()
        self.rows.setSpacing(2)
        self.cite = QPushButton("Cite selection (Ctrl+E)")
        self.cite.setToolTip("Cite the passage selected in the document, or the page shown")
        self.cite.clicked.connect(lambda: page.citeRequested.emit(page.item_id))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.rows)
        lay.addWidget(self.cite, 0, Qt.AlignLeft)

    def show(self, citations, describe, read_only: bool) -> None:
        while self.rows.count():
            w = self.rows.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        if not citations:
            self.rows.addWidget(_label("None yet (optional).", "muted"))
        for c in citations:
            row = QWidget()
            h = QHBoxLayout(row)
            h.setContentsMargins(0, 0, 0, 0)
            link = ClickLabel(describe(c.anchor))
            link.setWordWrap(True)
            link.setProperty("role", "link")
            link.setCursor(Qt.PointingHandCursor)
            link.clicked.connect(lambda a=c.anchor: self.page.openAnchor.emit(a))
            h.addWidget(link, 1)
            remove = QToolButton(text="✕")
            remove.setAutoRaise(True)
            remove.setToolTip("Remove this citation")
            remove.setAccessibleName("Remove citation")
            remove.setEnabled(not read_only)
            remove.clicked.connect(lambda _=False, cid=c.id: self.page.controller.remove_citation(cid))
            h.addWidget(remove)
            self.rows.addWidget(row)
        self.cite.setEnabled(not read_only)


class ItemModerationPage(QWidget):
    """One item: the reviewer's answers and evidence (read-only), then the moderator's verdict form."""

    openAnchor = Signal(object)  # Anchor
    citeRequested = Signal(str)

    def __init__(self, controller: ModerationController, item_id: str, describe_anchor):
        super().__init__()
        self.controller, self.item_id, self.describe_anchor = controller, item_id, describe_anchor
        ctx = controller.ctx
        fw = ctx.framework
        item = ctx.case.manifest.item(item_id)
        self.graded = ctx.graded_question(item_id)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        title = _label(f"{item_id} · {item.title}", "title")
        lay.addWidget(title)

        reviewer, rl = _box("reviewerBox")
        rl.addWidget(_label("The reviewer's answers (read-only)", "section"))
        answers = ctx.reviewer_answers(item_id)
        for q in fw.questions_for(item.kind):
            if q.id not in answers:
                continue
            rl.addWidget(_label(q.text, "muted"))
            a = _label(answer_words(q, answers[q.id], fw), "heading" if q is self.graded else None, selectable=True)
            a.setContentsMargins(8, 0, 0, 4)
            rl.addWidget(a)
        evidence = self._reviewer_evidence()
        if evidence:
            rl.addWidget(_label(f"The reviewer's evidence ({len(evidence)})", "muted"))
            for anchor, ref in evidence:
                text = f"{ref}: “{anchor.exact}”" if anchor.exact else f"{ref} (whole page)"
                link = ClickLabel(text)
                link.setWordWrap(True)
                link.setProperty("role", "link")
                link.setCursor(Qt.PointingHandCursor)
                link.setContentsMargins(8, 0, 0, 2)
                link.clicked.connect(lambda a=anchor: self.openAnchor.emit(a))
                rl.addWidget(link)
        lay.addWidget(reviewer)

        form, fl = _box("moderatorBox")
        fl.addWidget(_label("Your verdict", "section"))
        self.verdict = _Choice(VERDICT_WORDS, f"Verdict on {item_id}")
        self.verdict.chosen.connect(lambda v: controller.set_verdict(item_id, verdict=v))
        fl.addWidget(self.verdict)
        self.grade_label = _label("Moderated judgement (when you disagree)", "muted")
        self.grade = QComboBox()
        self.grade.setAccessibleName(f"Moderated judgement for {item_id}")
        self.grade.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.grade.setMinimumContentsLength(12)
        self.grade.addItem("Choose…", None)
        if self.graded is not None:
            values = ([(lv.value, f"{lv.value} · {lv.label}") for lv in fw.scale(self.graded.scale or "")]
                      if self.graded.type == "scale" else [(o, o) for o in self.graded.options])
            for value, text in values:
                self.grade.addItem(text, value)
        self.grade.activated.connect(self._grade_chosen)
        if self.graded is not None:
            fl.addWidget(self.grade_label)
            fl.addWidget(self.grade)
        fl.addWidget(_label("Comment (required unless you agree)", "muted"))
        self.comment = _Comment("Why you agree with changes or disagree; saved as you type.", f"Comment on {item_id}")
        self.comment.edited.connect(lambda text, s: controller.set_verdict(item_id, comment=text,
                                                                           merge_key=("comment", item_id, s)))
        controller.flushRequested.connect(self.comment.debounce.flush)
        fl.addWidget(self.comment)
        fl.addWidget(_label("Your citations", "muted"))
        self.citations = _Citations(self)
        fl.addWidget(self.citations)
        self.faults = _label("", "warning")
        fl.addWidget(self.faults)
        lay.addWidget(form)
        lay.addStretch(1)
        self.refresh()

    def _reviewer_evidence(self) -> list[tuple[Anchor, str]]:
        for it in self.controller.ctx.findings.get("items") or []:
            if isinstance(it, dict) and it.get("item_id") == self.item_id:
                out = []
                for e in it.get("evidence") or []:
                    if isinstance(e, dict) and isinstance(e.get("document_id"), str) and isinstance(e.get("page"), int):
                        out.append((Anchor(e["document_id"], e["page"], e.get("exact") or None,
                                           e.get("prefix") or "", e.get("suffix") or ""),
                                    str(e.get("page_ref") or f"{e['document_id']} p{e['page']}")))
                return out
        return []

    def _grade_chosen(self, index: int) -> None:
        self.controller.set_verdict(self.item_id, verdict="disagree", judgement=self.grade.itemData(index))

    def refresh(self) -> None:
        c = self.controller
        v = c.verdict(self.item_id)
        ro = c.read_only
        self.verdict.show_value(v.verdict)
        self.verdict.setEnabled(not ro)
        disagree = v.verdict == "disagree"
        index = self.grade.findData(v.judgement) if v.judgement is not None else 0
        self.grade.setCurrentIndex(max(0, index))
        self.grade.setEnabled(disagree and not ro)
        self.grade_label.setEnabled(disagree)
        self.comment.show_text(v.comment)
        self.comment.setReadOnly(ro)
        self.citations.show(c.citations(self.item_id), self.describe_anchor, ro)
        faults = item_faults(c.ctx, v) if v.verdict is not None else []
        self.faults.setText("Still needed: " + "; ".join(faults) + "." if faults else "")
        self.faults.setVisible(bool(faults))


class CaseModerationPage(QWidget):
    """The case: the overall endorsement and its comment, and each outcome's payment recommendation."""

    def __init__(self, controller: ModerationController):
        super().__init__()
        self.controller = controller
        ctx = controller.ctx
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        lay.addWidget(_label("The case: endorsement and payments", "title"))
        box, bl = _box("moderatorBox")
        bl.addWidget(_label("Do you endorse the review?", "section"))
        self.overall = _Choice(OVERALL_WORDS, "Overall endorsement")
        self.overall.chosen.connect(lambda v: controller.set_overall(v))
        bl.addWidget(self.overall)
        bl.addWidget(_label("Comment (required unless endorsed)", "muted"))
        self.comment = _Comment("What the reviewer should know; saved as you type.", "Overall comment")
        self.comment.edited.connect(lambda text, s: controller.set_overall(comment=text,
                                                                           merge_key=("overall", CASE, s)))
        controller.flushRequested.connect(self.comment.debounce.flush)
        bl.addWidget(self.comment)
        self.case_faults = _label("", "warning")
        bl.addWidget(self.case_faults)
        lay.addWidget(box)

        self.payments: dict[str, tuple[QComboBox, _Comment, QLabel]] = {}
        items = ctx.payment_items()
        if items:
            pay, pl = _box("moderatorBox")
            pl.addWidget(_label("Payment recommendations", "section"))
            pl.addWidget(_label("Each defaults to the reviewer's; a change needs a reason.", "muted"))
            for item_id in items:
                reviewer = ctx.reviewer_answers(item_id).get("payment")
                title = ctx.case.manifest.item(item_id).title
                pl.addWidget(_label(f"{item_id} · {title}", "heading"))
                pl.addWidget(_label(f"The reviewer recommends: {reviewer}", "muted"))
                combo = QComboBox()
                combo.setAccessibleName(f"Moderated payment for {item_id}")
                for o in ctx.payment_options(item_id):
                    combo.addItem(o, o)
                reason = _Comment("The reason for a change", f"Reason for the payment change on {item_id}")
                reason.setMinimumHeight(0)
                faults = _label("", "warning")
                combo.activated.connect(lambda _i, i=item_id: self._payment_edited(i))
                reason.edited.connect(lambda _t, s, i=item_id: self._payment_edited(i, ("payment", i, s)))
                controller.flushRequested.connect(reason.debounce.flush)
                pl.addWidget(combo)
                pl.addWidget(reason)
                pl.addWidget(faults)
                self.payments[item_id] = (combo, reason, faults)
            lay.addWidget(pay)
        lay.addStretch(1)
        self.refresh()

    def _payment_edited(self, item_id: str, merge_key=None) -> None:
        combo, reason, _f = self.payments[item_id]
        self.controller.set_payment(item_id, combo.currentData(), reason.toPlainText(), merge_key=merge_key)

    def refresh(self) -> None:
        c = self.controller
        ro = c.read_only
        self.overall.show_value(c.state.overall)
        self.overall.setEnabled(not ro)
        self.comment.show_text(c.state.comment)
        self.comment.setReadOnly(ro)
        faults = case_faults(c.state.overall, c.state.comment) if c.state.overall else []
        self.case_faults.setText("Still needed: " + "; ".join(faults) + "." if faults else "")
        self.case_faults.setVisible(bool(faults))
        for item_id, (combo, reason, label) in self.payments.items():
            p = c.state.payments.get(item_id)
            value = p.moderated if p else c.ctx.reviewer_answers(item_id).get("payment")
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.setEnabled(not ro)
            reason.show_text(p.comment if p else "")
            reason.setReadOnly(ro)
            f = payment_faults(c.ctx, p) if p else []
            label.setText("Still needed: " + "; ".join(f) + "." if f else "")
            label.setVisible(bool(f))


__all__ = ["OVERALL_WORDS", "VERDICT_WORDS", "CaseModerationPage", "ItemModerationPage", "answer_words"]
