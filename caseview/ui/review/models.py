"""The review panel's snapshots and item models: item status, evidence rows, progress, and the local state update.

Nothing here reads the workspace. The controller keeps a :class:`ReviewState`
in memory and updates it with :func:`apply_local` as commands go out (the
database write and its inverse come back through the runner); the models are
rebuilt from that state and tested without widgets.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from ...core.frameworks import CASE, Framework, Question
from ...core.manifest import Item
from ...core.review import (AddAnnotation, AddEvidence, CaseContext, Command, EditAnnotation, Evidence, Missing,
                           RemoveAnnotation, RemoveEvidence, ReplaceReview, ResolveFinding, ReviewState, SetAnswer,
                           missing)
from ...core.snapshot import DocumentView
from ..models import HtmlRole, IdRole, ObjectRole, nice_date

_Index = QModelIndex | QPersistentModelIndex

StatusRole = Qt.UserRole + 40

NOT_STARTED = "not started"
IN_PROGRESS = "in progress"
COMPLETE = "complete"
FLAGGED = "flagged"

KIND_LABELS = {"decision": "Decision", "outcome": "Outcome"}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


# -- the local state update ----------------------------------------------------------------

def apply_local(state: ReviewState, cmd: Command) -> ReviewState:
    """What ``cmd`` does to the in-memory state (the database does the same in ``review.apply``)."""
    if isinstance(cmd, SetAnswer):
        answers = dict(state.answers)
        if cmd.value is None:
            answers.pop((cmd.item_id, cmd.question_id), None)
        else:
            answers[(cmd.item_id, cmd.question_id)] = cmd.value
        return replace(state, answers=answers)
    if isinstance(cmd, AddEvidence):
        return replace(state, evidence=(*[e for e in state.evidence if e.id != cmd.evidence.id], cmd.evidence))
    if isinstance(cmd, RemoveEvidence):
        return replace(state, evidence=tuple(e for e in state.evidence if e.id != cmd.evidence_id))
    if isinstance(cmd, AddAnnotation):
        return replace(state, annotations=(*[a for a in state.annotations if a.id != cmd.annotation.id],
                                           cmd.annotation))
    if isinstance(cmd, RemoveAnnotation):
        return replace(state, annotations=tuple(a for a in state.annotations if a.id != cmd.annotation_id))
    if isinstance(cmd, EditAnnotation):
        return replace(state, annotations=tuple(replace(a, note=cmd.note, tag=cmd.tag)
                                                if a.id == cmd.annotation_id else a for a in state.annotations))
    if isinstance(cmd, ReplaceReview):
        return cmd.state
    if isinstance(cmd, ResolveFinding):  # kept with the personal-data check, not in the answers
        return state
    raise TypeError(f"not a review command: {cmd!r}")


def touches(cmd: Command) -> set[str]:
    """Which parts of the state a command changes: ``answers``, ``evidence``, ``annotations``."""
    if isinstance(cmd, SetAnswer):
        return {"answers"}
    if isinstance(cmd, (AddEvidence, RemoveEvidence)):
        return {"evidence"}
    if isinstance(cmd, (AddAnnotation, RemoveAnnotation, EditAnnotation)):
        return {"annotations"}
    if isinstance(cmd, ResolveFinding):
        return set()
    return {"answers", "evidence", "annotations"}


def question_title(q: Question) -> str:
    """A short name for a question (undo texts, the missing list): its id in words."""
    words = q.id.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def describe(cmd: Command, ctx: CaseContext | None = None, documents: Sequence[DocumentView] = ()) -> str:
    """The undo stack's text for a command: ``answer to “Timely” (K1)``."""
    if isinstance(cmd, SetAnswer):
        where = "the case" if cmd.item_id == CASE else cmd.item_id
        name = cmd.question_id
        if ctx is not None:
            try:
                name = question_title(ctx.question(cmd.item_id, cmd.question_id))
            except Exception:  # noqa: BLE001 - a name for a menu is never worth an error
                pass
        return f"answer to “{name}” ({where})"
    if isinstance(cmd, AddEvidence):
        return f"citing {_ref(cmd.evidence.anchor.doc_id, cmd.evidence.anchor.page, documents)}"
    if isinstance(cmd, RemoveEvidence):
        return "removing a citation"
    if isinstance(cmd, AddAnnotation):
        return "adding an annotation"
    if isinstance(cmd, RemoveAnnotation):
        return "removing an annotation"
    if isinstance(cmd, EditAnnotation):
        return "editing an annotation"
    if isinstance(cmd, ReplaceReview):
        return cmd.reason
    if isinstance(cmd, ResolveFinding):
        return {None: "reopening a personal-data finding", "not-personal-data": "marking a finding not personal data",
                "report-to-issuer": "reporting a finding to the issuer"}.get(cmd.resolution, "resolving a finding")
    return "change"


def _ref(doc_id: str, page: int, documents: Sequence[DocumentView]) -> str:
    for d in documents:
        if d.id == doc_id:
            return d.row.ref(page)
    return f"{doc_id} page {page}"


# -- item status ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemRow:
    """One entry of the items list: an item of the bundle, or the case (``item_id == CASE``)."""

    item_id: str
    kind: str  # "decision", "outcome", … or "case"
    title: str
    date: str | None
    status: str  # NOT_STARTED | IN_PROGRESS | COMPLETE | FLAGGED
    complete: bool
    flagged: bool
    answered: int
    questions: int
    gaps: tuple[Missing, ...]

    @property
    def is_case(self) -> bool:
        return self.item_id == CASE

    @property
    def status_label(self) -> str:
        if self.questions == 0:
            return "Nothing to answer"
        if self.flagged:
            return "Flagged · complete" if self.complete else "Flagged · in progress"
        return self.status.capitalize()


def is_raised(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("raised"))


def item_status(questions: Sequence[Question], answers: dict[str, Any], evidence: int,
                gaps: Sequence[Missing]) -> tuple[str, bool, bool]:
    """(status, complete, flagged) of one item from its answers, its evidence count and its gaps."""
    flagged = any(q.type == "flag" and is_raised(answers.get(q.id)) for q in questions)
    complete = not gaps
    started = bool(evidence) or any(answers.get(q.id) is not None for q in questions)
    if flagged:
        status = FLAGGED
    elif complete and questions:
        status = COMPLETE
    elif started:
        status = IN_PROGRESS
    else:
        status = NOT_STARTED if questions else COMPLETE
    return status, complete, flagged


def item_rows(ctx: CaseContext, state: ReviewState, gaps: Sequence[Missing] | None = None) -> list[ItemRow]:
    """The items in bundle order, then the case, each with its status."""
    gaps = missing(ctx, state) if gaps is None else gaps
    by_item: dict[str, list[Missing]] = {}
    for g in gaps:
        by_item.setdefault(g.item_id, []).append(g)
    evidence: dict[str, int] = {}
    for e in state.evidence:
        evidence[e.item_id] = evidence.get(e.item_id, 0) + 1
    targets: list[tuple[str, str, str, str | None, Sequence[Question]]] = [
        (i.id, i.kind, i.title, i.date, ctx.framework.questions_for(i.kind)) for i in ctx.manifest.items]
    targets.append((CASE, "case", "The case as a whole", None, ctx.framework.case_questions))
    rows = []
    for item_id, kind, title, when, questions in targets:
        answers = {q.id: state.answers.get((item_id, q.id)) for q in questions}
        item_gaps = tuple(by_item.get(item_id, ()))
        status, complete, flagged = item_status(questions, answers, evidence.get(item_id, 0), item_gaps)
        answered = sum(1 for v in answers.values() if v is not None)
        rows.append(ItemRow(item_id, kind, title, when, status, complete, flagged, answered, len(questions),
                            item_gaps))
    return rows


def progress(rows: Sequence[ItemRow]) -> tuple[int, int]:
    """(parts complete, parts): each item and the case questions are one part each."""
    return sum(1 for r in rows if r.complete), len(rows)


def evidence_count(state: ReviewState, item_id: str) -> int:
    return sum(1 for e in state.evidence if e.item_id == item_id)


def evidence_note(min_evidence: int, count: int) -> tuple[str, bool]:
    """The form's line under a question that needs citations, and whether it is met."""
    if count >= min_evidence:
        return f"✓ {count} citation{'s' if count != 1 else ''}", True
    need = f"Needs at least {min_evidence} citation{'s' if min_evidence != 1 else ''}"
    return (need if count == 0 else f"{need} ({count} so far)"), False


# -- evidence rows --------------------------------------------------------------------------------

QUOTE_CHARS = 140


def elide(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if text[limit - 1] != " " and " " in cut:  # the cut fell inside a word: drop that word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


@dataclass(frozen=True)
class EvidenceRow:
    evidence: Evidence
    ref: str  # "C23"
    document: str  # the document's title
    quote: str | None  # elided; None: the whole page

    @property
    def id(self) -> str:
        return self.evidence.id

    @property
    def text(self) -> str:
        what = f"“{self.quote}”" if self.quote else "Whole page"
        return f"{self.ref} · {self.document} — {what}"


def evidence_rows(evidence: Iterable[Evidence], documents: Sequence[DocumentView]) -> list[EvidenceRow]:
    docs = {d.id: d for d in documents}
    out = []
    for e in evidence:
        a = e.anchor
        d = docs.get(a.doc_id)
        ref = d.row.ref(a.page) if d else f"{a.doc_id} p{a.page}"
        title = d.row.title if d else a.doc_id
        out.append(EvidenceRow(e, ref, title, elide(a.exact) if a.exact else None))
    return out


# -- models ------------------------------------------------------------------------------------

def _e(text: Any) -> str:
    return html.escape(str(text), quote=False)


_STATUS_CLASS = {NOT_STARTED: "muted", IN_PROGRESS: "tag-question", COMPLETE: "tag-strength", FLAGGED: "tag-concern"}
_STATUS_MARK = {NOT_STARTED: "○", IN_PROGRESS: "◐", COMPLETE: "●", FLAGGED: "⚑"}


class _ListModel(QAbstractListModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: tuple = ()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def rows(self) -> tuple:
        return self._rows

    def row(self, i: int):
        return self._rows[i]

    def row_of(self, row_id: str) -> int:
        for i, r in enumerate(self._rows):
            if self._id(r) == row_id:
                return i
        return -1

    def _id(self, r) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _set(self, rows: Sequence) -> None:
        rows = tuple(rows)
        if [self._id(r) for r in rows] == [self._id(r) for r in self._rows]:
            # Same rows, new contents: keep the view's selection and scroll position.
            self._rows = rows
            if rows:
                self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        if role == IdRole:
            return self._id(r)
        if role == ObjectRole:
            return r
        return self.value(r, role)

    def value(self, r, role: int) -> Any:  # pragma: no cover - overridden
        return None


class ItemsModel(_ListModel):
    """The items to judge, then the case; each with kind, date, title and status."""

    def set_rows(self, rows: Sequence[ItemRow]) -> None:
        self._set(rows)

    def _id(self, r: ItemRow) -> str:
        return r.item_id

    def value(self, r: ItemRow, role: int) -> Any:
        if role in (Qt.DisplayRole, Qt.AccessibleTextRole):
            if r.is_case:
                return f"{r.title} — {r.status_label}"
            when = f", {nice_date(r.date)}" if r.date else ""
            return f"{r.item_id} {r.title} ({kind_label(r.kind)}{when}) — {r.status_label}"
        if role == StatusRole:
            return r.status
        if role == HtmlRole:
            status = (f'<span class="{_STATUS_CLASS[r.status]}">{_STATUS_MARK[r.status]}</span> '
                      f'<span class="muted">{_e(r.status_label)}</span>')
            if r.is_case:
                meta = f'<span class="muted">Case questions · </span>{status}'
                return f"<b>{_e(r.title)}</b><br>{meta}"
            when = f" · {_e(nice_date(r.date))}" if r.date else ""
            meta = f'<span class="muted">{_e(kind_label(r.kind))}{when} · </span>{status}'
            return f"<b>{_e(r.item_id)}</b>&nbsp; {_e(r.title)}<br>{meta}"
        if role == Qt.ToolTipRole:
            if not r.gaps:
                return r.status_label
            return "Still to do:\n" + "\n".join(f"• {g.question_id}: {g.reason}" for g in r.gaps)
        return None


class EvidenceModel(_ListModel):
    """An item's citations: page reference, document and the quoted passage."""

    def set_rows(self, rows: Sequence[EvidenceRow]) -> None:
        self._set(rows)

    def _id(self, r: EvidenceRow) -> str:
        return r.id

    def value(self, r: EvidenceRow, role: int) -> Any:
        if role in (Qt.DisplayRole, Qt.AccessibleTextRole):
            return r.text
        if role == HtmlRole:
            quote = f"“{_e(r.quote)}”" if r.quote else '<span class="muted">Whole page</span>'
            return f'<b>{_e(r.ref)}</b> <span class="muted">· {_e(r.document)}</span><br>{quote}'
        if role == Qt.ToolTipRole:
            return r.evidence.anchor.exact or f"The whole of page {r.ref}"
        return None


def questions_for_item(fw: Framework, item: Item | None) -> tuple[Question, ...]:
    return fw.case_questions if item is None else fw.questions_for(item.kind)
