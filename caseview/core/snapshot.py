"""Immutable views of the workspace for the app: what a start screen or a review window shows, read in one go."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .frameworks import Framework
from .manifest import Event, Item, Manifest, Section
from .review import CaseContext, ReviewState, load_context, missing, read_state
from .store import CaseRow, DocumentRow, Workspace
from .timeliness import Timeliness
from .timeliness_view import case_timeliness, default_rules
from .timescales import RuleSet


@dataclass(frozen=True)
class CaseSummary:
    """One row of the start screen."""

    id: str
    reference: str
    title: str | None
    issuer: str
    framework: str
    version: int
    status: str  # "open" | "signed"
    done: int
    total: int
    due: str | None
    imported_at: str
    opened_at: str | None
    signed_at: str | None
    fingerprint: str
    bundle_id: str

    @property
    def progress_label(self) -> str:
        return f"{self.done} of {self.total}"


@dataclass(frozen=True)
class DocumentView:
    """A document as the reading workspace needs it: its row plus where its bytes are."""

    row: DocumentRow
    path: Path

    @property
    def id(self) -> str:
        return self.row.doc_id


@dataclass(frozen=True)
class CaseSnapshot:
    """Everything the review window shows about a case, except page text (fetched per page)."""

    case: CaseRow
    manifest: Manifest
    framework: Framework
    documents: tuple[DocumentView, ...]  # bundle order
    sections: tuple[Section, ...]
    chronology: tuple[Event, ...]  # date order
    items: tuple[Item, ...]
    state: ReviewState
    context: CaseContext
    timeliness: Timeliness | None = None  # the default rule set's results; None when nothing can be counted
    rules: RuleSet | None = None

    def document(self, doc_id: str) -> DocumentView:
        for d in self.documents:
            if d.id == doc_id:
                return d
        raise KeyError(doc_id)

    def locate_ref(self, ref: str) -> tuple[DocumentView, int] | None:
        """The document and page of a bundle reference such as ``C23``, or None."""
        from .pages import parse_ref

        parsed = parse_ref(ref, [s.id for s in self.sections])
        if parsed is None:
            return None
        section, number = parsed
        for d in self.documents:
            r = d.row
            if r.section == section and r.first_page <= number < r.first_page + r.pages:
                return d, number - r.first_page + 1
        return None


def case_summaries(ws: Workspace) -> list[CaseSummary]:
    out = []
    for c in ws.cases():
        ctx = load_context(ws, c.id)
        gaps = missing(ctx, read_state(ws, c.id))
        total = len(ctx.manifest.items) + 1
        done = total - len({m.item_id for m in gaps})
        out.append(CaseSummary(c.id, c.reference, c.title, c.issuer, c.framework_id, c.version, c.status, done,
                               total, c.due, c.imported_at, c.opened_at, c.signed_at, c.fingerprint,
                               c.bundle_id))
    return out


def case_snapshot(ws: Workspace, case_id: str) -> CaseSnapshot:
    ctx = load_context(ws, case_id)
    docs = tuple(DocumentView(r, ws.blob_path(r.sha256)) for r in ws.documents(case_id))
    chronology = tuple(sorted(ctx.manifest.chronology, key=lambda e: (e.date, e.id)))
    rules = default_rules()
    try:
        timeliness = case_timeliness(ctx.manifest, rules)
    except ValueError:  # an event whose date cannot be read: the chronology shows it as written
        timeliness = None
    return CaseSnapshot(case=ws.case(case_id), manifest=ctx.manifest, framework=ctx.framework, documents=docs,
                        sections=ctx.manifest.sections, chronology=chronology, items=ctx.manifest.items,
                        state=read_state(ws, case_id), context=ctx, timeliness=timeliness, rules=rules)
