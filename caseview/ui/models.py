"""Qt item models fed immutable snapshots: cases, bundle index, chronology, search hits, annotations.

Models never read the workspace; the window fetches a snapshot through the
runner and hands it over with ``set_…``, which resets the model. Every row has a
plain ``DisplayRole`` (what a screen reader says and what tests check) and an
``HtmlRole`` that the card delegate renders; ids, anchors and sort keys have
their own roles so views and tests never parse display text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Sequence

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from ..core.findings import resolve_quote
from ..core.manifest import Event, Section
from ..core.review import Anchor, Annotation
from ..core.search import Hit, SearchResult
from ..core.snapshot import CaseSummary, DocumentView
from ..core.store import Workspace

IdRole = Qt.UserRole + 1
SortRole = Qt.UserRole + 2
HtmlRole = Qt.UserRole + 3
KindRole = Qt.UserRole + 4
DocIdRole = Qt.UserRole + 5
PageRole = Qt.UserRole + 6
AnchorRole = Qt.UserRole + 7
OrphanedRole = Qt.UserRole + 8
DocIdsRole = Qt.UserRole + 9
ItemIdsRole = Qt.UserRole + 10
TagRole = Qt.UserRole + 11
ProblemRole = Qt.UserRole + 12
ObjectRole = Qt.UserRole + 13

_Index = QModelIndex | QPersistentModelIndex

# -- readable values -------------------------------------------------------------------

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def nice_date(iso: str | None) -> str:
    """``2026-01-12`` → ``12 Jan 2026``; partial or odd dates are shown as given."""
    if not iso:
        return ""
    try:
        d = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def nice_time(iso_utc: str | None, *, today: date | None = None) -> str:
    """A UTC timestamp as local time: ``Today, 14:05`` or ``3 Nov 2026``."""
    if not iso_utc:
        return ""
    try:
        t = datetime.strptime(iso_utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).astimezone()
    except ValueError:
        return iso_utc
    today = today or datetime.now().astimezone().date()
    if t.date() == today:
        return f"Today, {t:%H:%M}"
    return f"{t.day} {_MONTHS[t.month - 1]} {t.year}"


_EVENT_TYPES = {
    "referral": "Referral", "referral_decision": "Referral decision", "strategy_discussion": "Strategy discussion",
    "s47_enquiry_started": "Section 47 enquiry started", "s47_enquiry_completed": "Section 47 enquiry completed",
    "icpc": "Initial child protection conference", "rcpc": "Review child protection conference",
    "core_group": "Core group", "cp_plan_ended": "Child protection plan ended", "step_down": "Step-down",
    "assessment": "Assessment", "visit": "Visit", "cin_plan": "Child in need plan", "lac_review": "Looked-after review",
    "court": "Court", "other": "Other",
}


def event_type_label(kind: str | None) -> str:
    if not kind:
        return ""
    if kind in _EVENT_TYPES:
        return _EVENT_TYPES[kind]
    words = kind.replace("_", " ").replace("-", " ").strip()
    words = words.replace("s47", "section 47").replace("cp ", "child protection ")
    return words[:1].upper() + words[1:]


def framework_label(framework_id: str) -> str:
    words = framework_id.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def status_label(c: CaseSummary) -> str:
    if c.status == "signed":
        return "Signed"
    if c.done == 0 and not c.opened_at:
        return "New"
    if c.done >= c.total:
        return "Ready to sign"
    return "In review"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=False)


def _muted(text: str) -> str:
    return f'<span class="muted">{text}</span>'


def _snippet_html(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(_e(text[pos:start]))
        out.append(f"<b>{_e(text[start:end])}</b>")
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


# -- a flat model over a tuple of rows -------------------------------------------------------

class _RowsModel(QAbstractTableModel):
    columns: tuple[str, ...] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: tuple = ()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation == Qt.Horizontal and role == Qt.DisplayRole and 0 <= section < len(self.columns):
            return self.columns[section]
        return None

    def row(self, index: int):
        return self._rows[index]

    def rows(self) -> tuple:
        return self._rows

    def _reset(self, rows: Sequence) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        if role == ObjectRole:
            return r
        return self.value(r, index.column(), role)

    def value(self, r, column: int, role: int) -> Any:  # pragma: no cover - overridden
        return None


# -- start screen: cases ---------------------------------------------------------------------

class CasesModel(_RowsModel):
    columns = ("Reference", "Issuer", "Framework", "Status", "Progress", "Due", "Last opened")

    def set_cases(self, cases: Sequence[CaseSummary]) -> None:
        self._reset(cases)

    def value(self, c: CaseSummary, column: int, role: int) -> Any:
        if role == IdRole:
            return c.id
        if role in (Qt.DisplayRole, Qt.AccessibleTextRole):
            return self._display(c, column)
        if role == SortRole:
            return self._sort(c, column)
        if role == Qt.ToolTipRole:
            lines = [c.title or c.reference, c.issuer]
            if c.version > 1:
                lines.append(f"Version {c.version} of this case's bundle")
            return "\n".join(lines)
        return None

    @staticmethod
    def _display(c: CaseSummary, column: int) -> str:
        if column == 0:
            return c.reference if c.version <= 1 else f"{c.reference} (v{c.version})"
        if column == 1:
            return c.issuer
        if column == 2:
            return framework_label(c.framework)
        if column == 3:
            return status_label(c) if c.status != "signed" else f"Signed {nice_date(c.signed_at)}".strip()
        if column == 4:
            return c.progress_label
        if column == 5:
            return nice_date(c.due)
        if column == 6:
            return nice_time(c.opened_at) or "Never"
        return ""

    @staticmethod
    def _sort(c: CaseSummary, column: int) -> Any:
        if column == 0:
            return f"{c.reference}\x00{c.version:05d}"  # a string: the proxy cannot compare Python tuples
        if column == 4:
            return c.done / c.total if c.total else 0.0
        if column == 5:
            return c.due or "9999"
        if column == 6:
            return c.opened_at or ""
        return CasesModel._display(c, column).lower()


def cases_proxy(model: CasesModel, parent=None) -> QSortFilterProxyModel:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SortRole)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseInsensitive)
    return proxy


# -- bundle index: sections → documents ---------------------------------------------------

@dataclass(frozen=True)
class _SectionNode:
    section: Section
    documents: tuple[DocumentView, ...]

    @property
    def range_label(self) -> str:
        if not self.documents:
            return ""
        first, last = self.documents[0].row, self.documents[-1].row
        end = last.first_page + last.pages - 1
        return first.ref(1) if (first is last and last.pages <= 1) else f"{first.ref(1)}–{last.section}{end}"


class IndexModel(QAbstractItemModel):
    """Sections at the top level, their documents (bundle order) beneath."""

    columns = ("Document", "Pages", "Date", "Author")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._sections: tuple[_SectionNode, ...] = ()

    def set_index(self, sections: Sequence[Section], documents: Sequence[DocumentView]) -> None:
        self.beginResetModel()
        self._sections = tuple(_SectionNode(s, tuple(d for d in documents if d.row.section == s.id))
                               for s in sections)
        self.endResetModel()

    # structure: internalId 0 = a section row; n > 0 = a document row of section n - 1
    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        if parent.internalId() == 0:
            return self.createIndex(row, column, parent.row() + 1)
        return QModelIndex()

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._sections)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._sections[parent.row()].documents)
        return 0

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation == Qt.Horizontal and role == Qt.DisplayRole and 0 <= section < len(self.columns):
            return self.columns[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.NoItemFlags
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable

    def mark_problem(self, doc_id: str, problem: str) -> bool:
        """Mark a document unreadable after the fact (the PDF engine crashed or hung while showing it)."""
        from dataclasses import replace

        for si, node in enumerate(self._sections):
            for di, d in enumerate(node.documents):
                if d.id == doc_id and d.row.problem is None:
                    docs = list(node.documents)
                    docs[di] = DocumentView(replace(d.row, problem=problem), d.path)
                    nodes = list(self._sections)
                    nodes[si] = _SectionNode(node.section, tuple(docs))
                    self._sections = tuple(nodes)
                    parent = self.index(si, 0)
                    self.dataChanged.emit(self.index(di, 0, parent), self.index(di, self.columnCount() - 1, parent))
                    return True
        return False

    def document_index(self, doc_id: str) -> QModelIndex:
        for si, node in enumerate(self._sections):
            for di, d in enumerate(node.documents):
                if d.id == doc_id:
                    return self.index(di, 0, self.index(si, 0))
        return QModelIndex()

    def data(self, index: _Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._section_data(self._sections[index.row()], index.column(), role)
        d = self._sections[index.internalId() - 1].documents[index.row()]
        return self._document_data(d, index.column(), role)

    @staticmethod
    def _section_data(node: _SectionNode, column: int, role: int) -> Any:
        s = node.section
        if role == KindRole:
            return "section"
        if role == IdRole:
            return s.id
        if role in (Qt.DisplayRole, Qt.AccessibleTextRole):
            return (f"{s.id}  {s.title}", node.range_label, "", "")[column]
        if role == HtmlRole:
            n = len(node.documents)
            return (f"<b>{_e(s.id)}&nbsp;&nbsp;{_e(s.title)}</b><br>"
                    + _muted(f"{_e(node.range_label)} · {n} document{'s' if n != 1 else ''}"))
        return None

    @staticmethod
    def _document_data(d: DocumentView, column: int, role: int) -> Any:
        r = d.row
        if role == KindRole:
            return "document"
        if role in (IdRole, DocIdRole):
            return r.doc_id
        if role == PageRole:
            return 1
        if role == ProblemRole:
            return r.problem
        if role == ObjectRole:
            return d
        if role == Qt.DisplayRole:
            return (r.title, r.range_label, nice_date(r.date), r.author_role or "")[column]
        if role == Qt.AccessibleTextRole:
            parts = [r.title, f"pages {r.range_label}", nice_date(r.date), r.author_role or ""]
            if r.problem:
                parts.append(f"could not be read: {r.problem}")
            return ", ".join(p for p in parts if p)
        if role == Qt.ToolTipRole:
            tip = f"{r.title}\n{r.range_label} · {r.pages} page{'s' if r.pages != 1 else ''}"
            if r.problem:
                tip += f"\nCould not be read: {r.problem}"
            return tip
        if role == HtmlRole:
            meta = " · ".join(_e(p) for p in (r.range_label, nice_date(r.date), r.author_role) if p)
            text = f"{_e(r.title)}<br>{_muted(meta)}"
            if r.problem:
                text = f'<span class="warn">⚠</span> {text}<br><span class="warn">Could not be read</span>'
            return text
        return None


# -- chronology -----------------------------------------------------------------------------

@dataclass(frozen=True)
class EventRow:
    event: Event
    refs: tuple[tuple[str, str, str], ...]  # (doc_id, range label, title) of linked documents that exist


class ChronologyModel(_RowsModel):
    columns = ("Date", "Type", "Event", "Documents")

    def set_chronology(self, events: Sequence[Event], documents: Sequence[DocumentView]) -> None:
        docs = {d.id: d.row for d in documents}
        rows = [EventRow(e, tuple((i, docs[i].range_label, docs[i].title) for i in e.documents if i in docs))
                for e in sorted(events, key=lambda e: (e.date, e.id))]
        self._reset(rows)

    def value(self, r: EventRow, column: int, role: int) -> Any:
        e = r.event
        if role == IdRole:
            return e.id
        if role == DocIdsRole:
            return tuple(ref[0] for ref in r.refs)
        if role == ItemIdsRole:
            return e.items
        if role == DocIdRole:
            return r.refs[0][0] if r.refs else None
        if role == PageRole:
            return 1
        if role == SortRole:
            return f"{e.date}\x00{e.id}" if column == 0 else self.value(r, column, Qt.DisplayRole)
        if role == Qt.DisplayRole:
            return (nice_date(e.date), event_type_label(e.type), e.title, ", ".join(ref[1] for ref in r.refs))[column]
        if role == Qt.AccessibleTextRole:
            return f"{nice_date(e.date)}, {event_type_label(e.type)}: {e.title}"
        if role == Qt.ToolTipRole:
            lines = [e.title]
            if e.detail:
                lines.append(e.detail)
            lines += [f"{ref[1]}  {ref[2]}" for ref in r.refs]
            return "\n".join(lines)
        if role == HtmlRole:
            head = " · ".join(p for p in (_e(nice_date(e.date)), _e(event_type_label(e.type))) if p)
            links = [f'<span class="link">{_e(ref[1])}</span>' for ref in r.refs]
            if e.items:
                links.append(_muted("items " + _e(", ".join(e.items))))
            tail = f"<br>{' · '.join(links)}" if links else ""
            return f"{_muted(head)}<br>{_e(e.title)}{tail}"
        return None


# -- search hits ----------------------------------------------------------------------------

def hit_anchor(hit: Hit) -> Anchor:
    """An anchor on the hit's page for the first highlighted term, with the snippet around it as context."""
    if not hit.highlights:
        return Anchor(hit.doc_id, hit.page)
    start, end = hit.highlights[0]
    text = hit.snippet
    return Anchor(hit.doc_id, hit.page, text[start:end], text[max(0, start - 32):start].lstrip("…"),
                  text[end:end + 32].rstrip("…"))


class SearchModel(_RowsModel):
    columns = ("Page", "Document", "Snippet")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.query = ""
        self.total = 0

    def set_result(self, result: SearchResult | None) -> None:
        self.query = result.query if result else ""
        self.total = result.total if result else 0
        self._reset(result.hits if result else ())

    def append_result(self, result: SearchResult) -> None:
        """Add the next hits of the same search (``result.offset`` must be where these end)."""
        if result.offset != len(self._rows) or not result.hits:
            return
        self.total = result.total
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(result.hits) - 1)
        self._rows = self._rows + result.hits
        self.endInsertRows()

    def value(self, h: Hit, column: int, role: int) -> Any:
        if role in (DocIdRole, IdRole):
            return h.doc_id
        if role == PageRole:
            return h.page
        if role == AnchorRole:
            return hit_anchor(h)
        if role == Qt.DisplayRole:
            return (h.ref, h.title, h.snippet)[column]
        if role == Qt.AccessibleTextRole:
            return f"{h.ref}, {h.title}: {h.snippet}"
        if role == Qt.ToolTipRole:
            return f"{h.ref} · {h.title}"
        if role == HtmlRole:
            return f"<b>{_e(h.ref)}</b> {_muted('· ' + _e(h.title))}<br>{_snippet_html(h.snippet, h.highlights)}"
        return None


# -- annotations ----------------------------------------------------------------------------

@dataclass(frozen=True)
class AnnotationView:
    """An annotation with what the panel shows: its page reference, document title and whether its quote still resolves."""

    annotation: Annotation
    ref: str
    doc_title: str
    orphaned: bool

    @property
    def id(self) -> str:
        return self.annotation.id

    @property
    def anchor(self) -> Anchor:
        return self.annotation.anchor


def annotation_views(ws: Workspace, case_id: str, annotations: Sequence[Annotation],
                     documents: Sequence[DocumentView]) -> list[AnnotationView]:
    """Resolve each annotation's quote against its page (on the runner's thread). Never moves an anchor."""
    docs = {d.id: d.row for d in documents}
    out = []
    for a in annotations:
        row = docs.get(a.anchor.doc_id)
        if row is None:
            out.append(AnnotationView(a, a.anchor.doc_id, a.anchor.doc_id, True))
            continue
        orphaned = False
        if a.anchor.exact:
            text = ws.page_text(case_id, a.anchor.doc_id, a.anchor.page)
            orphaned = text is None or resolve_quote(text, a.anchor) is None
        out.append(AnnotationView(a, row.ref(a.anchor.page), row.title, orphaned))
    return out


def _ref_key(ref: str) -> str:
    """``B3`` sorts before ``B12``: section letters, then the page number padded."""
    head = ref.rstrip("0123456789")
    tail = ref[len(head):]
    return f"{head}{int(tail):06d}" if tail else ref


class AnnotationsModel(_RowsModel):
    columns = ("Page", "Tag", "Quote", "Note")

    def set_annotations(self, views: Sequence[AnnotationView]) -> None:
        self._reset(sorted(views, key=lambda v: (_ref_key(v.ref), v.annotation.created)))

    def row_of(self, annotation_id: str) -> int:
        for i, v in enumerate(self._rows):
            if v.id == annotation_id:
                return i
        return -1

    def value(self, v: AnnotationView, column: int, role: int) -> Any:
        a = v.annotation
        if role == IdRole:
            return a.id
        if role == DocIdRole:
            return a.anchor.doc_id
        if role == PageRole:
            return a.anchor.page
        if role == AnchorRole:
            return a.anchor
        if role == OrphanedRole:
            return v.orphaned
        if role == TagRole:
            return a.tag
        if role == SortRole:
            return f"{_ref_key(v.ref)}\x00{a.created}" if column == 0 else self.value(v, column, Qt.DisplayRole)
        quote = a.anchor.exact or "(whole page)"
        if role == Qt.DisplayRole:
            return (v.ref, a.tag, quote, a.note)[column]
        if role == Qt.AccessibleTextRole:
            state = ", orphaned: the quoted text is no longer on the page" if v.orphaned else ""
            return f"{a.tag or 'Highlight'} on {v.ref}{state}: {quote}. {a.note}"
        if role == Qt.ToolTipRole:
            tip = f"{v.ref} · {v.doc_title}"
            if v.orphaned:
                tip += "\nOrphaned: the quoted text is no longer on this page. It has not been moved."
            return tip
        if role == HtmlRole:
            short = quote if len(quote) <= 140 else quote[:137].rstrip() + "…"
            head = f'<span class="tag-{_e((a.tag or "note").lower())}">■</span> <b>{_e(v.ref)}</b> ' \
                   + _muted(_e(" · ".join(p for p in (a.tag, v.doc_title) if p)))
            body = f"<i>“{_e(short)}”</i>"
            if a.note:
                body += f"<br>{_e(a.note)}"
            if v.orphaned:
                body += '<br><span class="warn">⚠ Orphaned: the quoted text is no longer on this page</span>'
            return f"{head}<br>{body}"
        return None


class DocumentFilterProxy(QSortFilterProxyModel):
    """Annotations of one document (``set_document(doc_id)``) or of the whole case (``None``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._doc_id: str | None = None

    def set_document(self, doc_id: str | None) -> None:
        self.beginFilterChange()
        self._doc_id = doc_id
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @property
    def document(self) -> str | None:
        return self._doc_id

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if self._doc_id is None:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        return index.data(DocIdRole) == self._doc_id

