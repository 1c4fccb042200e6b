"""The chronology dock and the Timeliness dock: events in date order, and the statutory timescales
computed from them (timeliness.md), each missed one marked on its events in the chronology.

Status is said in words as well as colour (never colour alone). A timescale row opens the
documents of both its events; its rule's title and source are on hover.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import QLabel, QMenu, QVBoxLayout, QWidget

from ...core.manifest import Event
from ...core.snapshot import DocumentView
from ...core.timeliness import (
    MISSED,
    NOT_APPLICABLE,
    NOT_EVIDENCED,
    NOT_YET_DUE,
    Result,
    Timeliness,
)
from ...core.timeliness_view import elapsed_words, why_none
from ...core.timescales import RuleSet
from ..models import (
    ChronologyModel,
    DocIdRole,
    DocIdsRole,
    HtmlRole,
    IdRole,
    ObjectRole,
    _e,
    _muted,
    _RowsModel,
    nice_date,
)
from .docks import _card_list, _hint

STATUS_WORDS = {"met": "Met", MISSED: "Missed", NOT_EVIDENCED: "Not evidenced in the bundle",
                NOT_YET_DUE: "Not yet due", NOT_APPLICABLE: "No longer applies"}


WORST_FIRST = (MISSED, NOT_EVIDENCED, "met", NOT_YET_DUE, NOT_APPLICABLE)


def _popup(parent: QWidget, view, pos: QPoint, entries: list[tuple[str, Callable[[], None]]]) -> None:
    """A context menu of (label, action) at ``pos`` in ``view``; nothing when there is nothing to offer."""
    if not entries:
        return
    menu = QMenu(parent)
    for label, action in entries:
        menu.addAction(label).triggered.connect(lambda _=False, a=action: a())
    menu.exec(view.viewport().mapToGlobal(pos))


def _status_html(status: str) -> str:
    words = _e(STATUS_WORDS.get(status, status))
    if status == MISSED:
        return f'<span class="warn"><b>{words}</b></span>'
    if status == NOT_EVIDENCED:
        return f"<b>{words}</b>"
    return words


# -- the chronology, with missed timescales marked ----------------------------------------------

class MarkedChronologyModel(ChronologyModel):
    """The chronology with a line under each event that is part of a missed timescale."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._marks: dict[str, tuple[str, ...]] = {}

    def set_marks(self, marks: dict[str, tuple[str, ...]]) -> None:
        self.beginResetModel()
        self._marks = dict(marks)
        self.endResetModel()

    def value(self, r, column: int, role: int) -> Any:
        base = super().value(r, column, role)
        marks = self._marks.get(r.event.id)
        if not marks or base is None:
            return base
        if role == HtmlRole:
            return base + "".join(f'<br><span class="warn"><b>Timescale missed</b></span> {_muted(_e(m))}'
                                  for m in marks)
        if role in (Qt.AccessibleTextRole, Qt.ToolTipRole):
            return base + "".join(f"\nTimescale missed: {m}" for m in marks)
        return base


def missed_marks(timeliness: Timeliness | None, rules: RuleSet | None) -> dict[str, tuple[str, ...]]:
    """For each event of a missed timescale, what was missed ("Initial conference within 15 …: 2 working
    days late"), on both the event that started the clock and the late one."""
    if timeliness is None:
        return {}
    titles = {r.id: r.title for r in rules.rules} if rules else {}
    marks: dict[str, list[str]] = {}
    for r in timeliness.results:
        if r.status != MISSED:
            continue
        text = f"{titles.get(r.rule, r.rule)}: {r.note}" if r.note else titles.get(r.rule, r.rule)
        for event_id in (r.from_event, r.to_event):
            if event_id and text not in marks.setdefault(event_id, []):
                marks[event_id].append(text)
    return {k: tuple(v) for k, v in marks.items()}


class ChronologyPanel(QWidget):
    openRequested = Signal(str, int, object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = MarkedChronologyModel(self)
        self.view = _card_list("Chronology")
        self.view.setModel(self.model)
        self.view.clicked.connect(self._activate)
        self.view.activated.connect(self._activate)
        self.view.setContextMenuPolicy(Qt.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self._titles: dict[str, str] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)

    def set_chronology(self, events, documents, marks: dict[str, tuple[str, ...]] | None = None) -> None:
        self._titles = {d.id: f"{d.row.range_label}  {d.row.title}" for d in documents}
        self.model.set_chronology(events, documents)
        self.model.set_marks(marks or {})

    def show_event(self, event_id: str) -> None:
        """Select and scroll to an event (the Timeliness dock asks for this)."""
        for row in range(self.model.rowCount()):
            index = self.model.index(row, 0)
            if index.data(IdRole) == event_id:
                self.view.setCurrentIndex(index)
                self.view.scrollTo(index)
                return

    def _activate(self, index: QModelIndex) -> None:
        doc_id = index.data(DocIdRole)
        if doc_id:
            self.openRequested.emit(doc_id, 1, None)

    def _menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if index.isValid():
            _popup(self, self.view, pos, [(f"Open {self._titles.get(d, d)}",
                                           lambda d=d: self.openRequested.emit(d, 1, None))
                                          for d in index.data(DocIdsRole) or ()])


# -- the Timeliness dock --------------------------------------------------------------------------

@dataclass(frozen=True)
class TimescaleRow:
    result: Result
    title: str
    source: str
    start: Event | None
    end: Event | None
    docs: tuple[tuple[str, str], ...]  # (doc_id, "B1  Initial conference minutes") of both events, from first


class TimelinessModel(_RowsModel):
    columns = ("Status", "Timescale", "From", "Due", "Actual")

    def set_timeliness(self, timeliness: Timeliness | None, rules: RuleSet | None, events: Sequence[Event],
                       documents: Sequence[DocumentView]) -> None:
        by_id = {e.id: e for e in events}
        titles = {d.id: f"{d.row.range_label}  {d.row.title}" for d in documents}
        rule_of = {r.id: r for r in rules.rules} if rules else {}
        rows = []
        for r in timeliness.results if timeliness else ():
            start, end = by_id.get(r.from_event), by_id.get(r.to_event) if r.to_event else None
            docs: list[tuple[str, str]] = []
            for e in (start, end):
                for d in e.documents if e else ():
                    if d in titles and all(d != x for x, _ in docs):
                        docs.append((d, titles[d]))
            rule = rule_of.get(r.rule)
            rows.append(TimescaleRow(r, rule.title if rule else r.rule, rule.source if rule else "", start, end,
                                     tuple(docs)))
        self._reset(rows)

    @staticmethod
    def _event_text(e: Event | None, event_id: str | None) -> str:
        if e is None:
            return event_id or ""
        return f"{nice_date(e.date)}, {e.title}"

    def value(self, row: TimescaleRow, column: int, role: int) -> Any:
        r = row.result
        if role == IdRole:
            return f"{r.rule}:{r.from_event}:{r.to_event or ''}"
        if role == DocIdRole:  # the later event's first record (where the date to check is), else the first's
            for e in (row.end, row.start):
                first = next((d for d in (e.documents if e else ()) if any(d == x for x, _ in row.docs)), None)
                if first:
                    return first
            return None
        if role == DocIdsRole:
            return tuple(d for d, _ in row.docs)
        if role == Qt.DisplayRole:
            actual = self._event_text(row.end, r.to_event) if r.to_event else "none in the bundle"
            return (STATUS_WORDS.get(r.status, r.status), row.title, self._event_text(row.start, r.from_event),
                    nice_date(r.due.isoformat()), actual)[column]
        if role == Qt.AccessibleTextRole:
            return f"{STATUS_WORDS.get(r.status, r.status)}: {row.title}. Due {nice_date(r.due.isoformat())}." + (
                f" {r.note}." if r.note else "")
        if role == Qt.ToolTipRole:
            return f"{row.title}\nSource: {row.source}" if row.source else row.title
        if role == HtmlRole:
            who = f" {_muted('· for ' + _e(r.subject))}" if r.subject else ""
            head = f"{_status_html(r.status)}{who}"
            if r.note:
                head += f" {_muted('· ' + _e(r.note))}"
            start = _e(self._event_text(row.start, r.from_event))
            if r.to_event:
                actual = f"{_e(self._event_text(row.end, r.to_event))} ({_e(elapsed_words(r))})"
            else:
                actual = _muted("none in the bundle")
            return (f"{head}<br>{_e(row.title)}<br>{_muted('From')} {start}<br>"
                    f"{_muted('Due')} {_e(nice_date(r.due.isoformat()))} · {_muted('Held')} {actual}")
        return None


class TimelinessPanel(QWidget):
    """One card per rule instance; Enter or a click opens the later event's record, the menu either
    event's documents or the event in the chronology."""

    openRequested = Signal(str, int, object)
    eventRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = TimelinessModel(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setContentsMargins(6, 4, 6, 2)
        self.summary.setAccessibleName("Timeliness summary")
        self.view = _card_list("Timeliness")
        self.view.setModel(self.model)
        self.view.clicked.connect(self._activate)
        self.view.activated.connect(self._activate)
        self.view.setContextMenuPolicy(Qt.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.note = _hint("")
        self.note.setContentsMargins(6, 2, 6, 4)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.summary)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.note)

    def set_timeliness(self, timeliness: Timeliness | None, rules: RuleSet | None, events: Sequence[Event],
                       documents: Sequence[DocumentView]) -> None:
        self.model.set_timeliness(timeliness, rules, events, documents)
        if timeliness is None or rules is None:
            self.summary.setText("No timescales: the chronology has events whose dates cannot be read.")
            self.note.setText("")
            return
        counts = timeliness.counts()
        parts = [f"{counts[s]} {STATUS_WORDS[s].lower()}" for s in WORST_FIRST if counts.get(s)]
        as_of = nice_date(timeliness.as_of.isoformat()) if timeliness.as_of else "the last event"
        self.summary.setText(f"{len(timeliness.results)} timescales as of {as_of}: {', '.join(parts) or 'none apply'}."
                             if timeliness.results else why_none(events, rules))
        self.note.setText(f"Computed from the chronology with {rules.id} {rules.version}; it informs your "
                          "judgement and is not one. Hover a timescale for its source.")

    def _activate(self, index: QModelIndex) -> None:
        doc_id = index.data(DocIdRole)
        if doc_id:
            self.openRequested.emit(doc_id, 1, None)

    def _menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        row: TimescaleRow = index.data(ObjectRole)
        entries = [(f"Open {title}", lambda d=doc_id: self.openRequested.emit(d, 1, None)) for doc_id, title in row.docs]
        entries += [(f"Show {e.id} in the chronology", lambda i=e.id: self.eventRequested.emit(i))
                    for e in (row.start, row.end) if e is not None]
        _popup(self, self.view, pos, entries)
