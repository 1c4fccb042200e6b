"""The reviewer's personal-data check (personal-data-scan.md): the detectors over the page text kept at import,
findings stored masked, their resolutions as review data, and the guard that keeps a flagged identifier out
of a signed report.

Nothing here stores or prints an identifier in clear: a finding holds its kind, its place and its masked form;
the clear text is read back from the page only to compare spans, and never leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from .errors import ReviewError
from .pdscan import Finding, ScanResult, scan_pages
from .progress import CancelToken, Progress, reporter
from .review import Anchor, ReviewState
from .store import Workspace, now_utc

NOT_PERSONAL = "not-personal-data"
REPORTED = "report-to-issuer"
RESOLUTIONS = (NOT_PERSONAL, REPORTED)
KIND_LABELS = {"nhs-number": "NHS number", "ni-number": "National Insurance number", "upn": "Unique Pupil Number",
               "postcode": "postcode", "phone": "telephone number", "email": "email address",
               "date-of-birth": "date of birth", "titled-name": "name after a title", "address": "street address",
               "removed-identifier": "removed identifier"}


@dataclass(frozen=True)
class StoredFinding:
    id: str
    kind: str
    doc_id: str
    page: int
    page_ref: str
    start: int
    end: int
    masked: str
    confidence: str
    reason: str
    resolution: str | None
    note: str

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.replace("-", " "))

    @property
    def blocks_quotes(self) -> bool:
        """Unresolved, or reported to the issuer: a quote must not carry it."""
        return self.resolution != NOT_PERSONAL


@dataclass(frozen=True)
class CheckState:
    """What the check found for one case; ``finished`` is None when it has not run."""

    finished: str | None
    pages: int
    not_checked: tuple[str, ...]  # document ids with no text to check
    findings: tuple[StoredFinding, ...]

    @property
    def unresolved(self) -> int:
        return sum(f.resolution is None for f in self.findings)


def finding_id(f: Finding) -> str:
    return f"{f.document_id}:{f.page or 0}:{f.start}:{f.kind}"


def _pages(ws: Workspace, case_id: str) -> Iterator[tuple[str, int, str, str | None]]:
    for d in ws.documents(case_id):
        for page in range(1, d.pages + 1):
            yield d.doc_id, page, d.ref(page), ws.page_text(case_id, d.doc_id, page) if d.readable else None


def declared_identifiers(ws: Workspace, case_id: str) -> set[str]:
    """What the bundle itself declares (never a finding): its case reference, claim references, document ids."""
    from .review import load_context

    return declared_in(load_context(ws, case_id).manifest)


def declared_in(manifest) -> set[str]:
    """The case reference, claim references and document ids a manifest declares."""
    declared = {manifest.case.reference, *(d.id for d in manifest.documents)}
    declared |= {i.claim.reference for i in manifest.items if getattr(i, "claim", None) is not None}
    return {d for d in declared if d}


def run_check(ws: Workspace, case_id: str, *, progress: Progress | None = None,
              cancel: CancelToken | None = None) -> CheckState:
    """Scan every page's stored text and keep the findings; resolutions of findings still found are kept.

    A cancelled check stores nothing (the next one starts again).
    """
    docs = ws.documents(case_id)
    total = sum(d.pages for d in docs)
    report = reporter(progress, cancel)

    def tick(step) -> None:  # scan_pages' progress; a cancel raises Cancelled from here and nothing is stored
        report(step.done, total, f"Checking {step.label} for personal data")

    result = scan_pages(list(_pages(ws, case_id)), declared=declared_identifiers(ws, case_id), progress=tick)
    with ws.transaction() as c:
        store_check(c, case_id, result)
    return check_state(ws, case_id)


def store_check(c, case_id: str, result: ScanResult) -> None:
    """Keep one check's findings (inside the caller's transaction); resolutions of findings still found stay."""
    found = {finding_id(f): f for f in result.findings}
    kept = {r[0]: (r[1], r[2]) for r in c.execute(
        "SELECT id, resolution, note FROM pd_findings WHERE case_id = ?", (case_id,))}
    c.execute("DELETE FROM pd_findings WHERE case_id = ?", (case_id,))
    for fid, f in found.items():
        resolution, note = kept.get(fid, (None, ""))
        c.execute("INSERT INTO pd_findings (case_id, id, kind, doc_id, page, page_ref, start, end_, masked, "
                  "confidence, reason, resolution, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  (case_id, fid, f.kind, f.document_id, f.page or 0, f.page_ref, f.start, f.end, f.masked,
                   f.confidence, f.reason, resolution, note))
    c.execute("INSERT OR REPLACE INTO pd_scans (case_id, finished, pages, not_checked) VALUES (?,?,?,?)",
              (case_id, now_utc(), result.pages, ",".join(n["document_id"] for n in result.not_checked)))


def check_state(ws: Workspace, case_id: str) -> CheckState:
    row = ws.conn.execute("SELECT finished, pages, not_checked FROM pd_scans WHERE case_id = ?",
                          (case_id,)).fetchone()
    order = {d.doc_id: i for i, d in enumerate(ws.documents(case_id))}
    rows = ws.conn.execute("SELECT id, kind, doc_id, page, page_ref, start, end_, masked, confidence, reason, "
                           "resolution, note FROM pd_findings WHERE case_id = ?", (case_id,)).fetchall()
    findings = sorted((StoredFinding(*r) for r in rows), key=lambda f: (order.get(f.doc_id, 0), f.page, f.start))
    if row is None:
        return CheckState(None, 0, (), tuple(findings))
    return CheckState(row[0], row[1], tuple(x for x in row[2].split(",") if x), tuple(findings))


def ensure_checked(ws: Workspace, case_id: str, **kw) -> CheckState:
    """The check's state, running it first if it never finished (a case imported from the command line)."""
    state = check_state(ws, case_id)
    return state if state.finished else run_check(ws, case_id, **kw)


# -- quotes against findings ---------------------------------------------------------------------

def _normalised_map(text: str) -> tuple[str, list[int]]:
    """The page text with white-space runs as one space (as quotes are matched), and each character's raw index."""
    out, where, gap = [], [], False
    for i, ch in enumerate(text):
        if ch.isspace():
            gap = bool(out)
            continue
        if gap:
            out.append(" ")
            where.append(i - 1)
            gap = False
        out.append(ch)
        where.append(i)
    return "".join(out), where


def quote_span(page_text: str, anchor: Anchor) -> tuple[int, int] | None:
    """The raw character span of an anchor's quote on its page, or None when it does not resolve."""
    from .findings import resolve_quote

    if not anchor.exact:
        return None
    at = resolve_quote(page_text, anchor)
    if at is None:
        return None
    norm, where = _normalised_map(page_text)
    length = len(" ".join(anchor.exact.split()))
    if at + length > len(where) or length == 0:
        return None
    return where[at], where[at + length - 1] + 1


def review_anchors(state: ReviewState) -> list[tuple[str, str, Anchor]]:
    """(item id or "", label, anchor) of every quote the report would print: citations and annotations."""
    out = [(e.item_id, f"The evidence for {e.item_id or 'the case'}", e.anchor) for e in state.evidence]
    out += [("", "An annotation", a.anchor) for a in state.annotations]
    return [x for x in out if x[2].exact]


def quote_conflicts(ws: Workspace, case_id: str, anchors: Iterable[tuple[str, str, Anchor]],
                    state: CheckState | None = None) -> list[tuple[str, str]]:
    """(item id, sentence) for each quote that overlaps a finding not resolved as "not personal data"."""
    state = state or check_state(ws, case_id)
    by_page: dict[tuple[str, int], list[StoredFinding]] = {}
    for f in state.findings:
        if f.blocks_quotes:
            by_page.setdefault((f.doc_id, f.page), []).append(f)
    out = []
    for key, label, anchor in anchors:
        flagged = by_page.get((anchor.doc_id, anchor.page))
        if not flagged:
            continue
        span = quote_span(ws.page_text(case_id, anchor.doc_id, anchor.page) or "", anchor)
        if span is None:
            continue
        for f in flagged:
            if f.start < span[1] and span[0] < f.end:
                why = "reported to the issuer" if f.resolution == REPORTED else "not yet resolved"
                out.append((key, f"{label} on {f.page_ref} quotes a possible {f.label} ({f.masked}, {why}); "
                                  "shorten the quote so it leaves it out"))
                break
    return out


def trimmed_context(page_text: str, anchor: Anchor, flagged: list[StoredFinding]) -> Anchor:
    """The anchor without the prefix or suffix that would show a flagged finding beside the quote.

    Context is at most 32 characters a side; anything flagged within 64 characters drops that side whole.
    """
    span = quote_span(page_text, anchor)
    if span is None or not flagged:
        return anchor
    prefix, suffix = anchor.prefix, anchor.suffix
    if any(span[0] - 64 < f.end <= span[0] for f in flagged):
        prefix = None
    if any(span[1] <= f.start < span[1] + 64 for f in flagged):
        suffix = None
    return Anchor(anchor.doc_id, anchor.page, anchor.exact, prefix, suffix)


# -- for the report ----------------------------------------------------------------------------------

def limitation_sentences(state: CheckState, ref_of: dict[str, str]) -> list[str]:
    """What the report's Limitations say of the check: masked, never the text."""
    out = []
    if state.finished is None:
        out.append("The bundle was not checked for personal data.")
        return out
    if state.not_checked:
        refs = ", ".join(ref_of.get(d, d) for d in state.not_checked)
        out.append(f"{len(state.not_checked)} document{'s' if len(state.not_checked) != 1 else ''} could not be "
                   f"checked for personal data because {'they have' if len(state.not_checked) != 1 else 'it has'} "
                   f"no text layer ({refs}).")
    reported = [f for f in state.findings if f.resolution == REPORTED]
    if reported:
        kinds: dict[str, list[str]] = {}
        for f in reported:
            kinds.setdefault(f.label, []).append(f"{f.page_ref} {f.masked}")
        parts = "; ".join(f"{k}: {', '.join(v)}" for k, v in kinds.items())
        out.append(f"{len(reported)} possible identifier{'s' if len(reported) != 1 else ''} left in the bundle "
                   f"{'were' if len(reported) != 1 else 'was'} reported to the issuer ({parts}); none is quoted "
                   "in this report.")
    return out


def require_resolution(resolution: str | None) -> None:
    if resolution is not None and resolution not in RESOLUTIONS:
        raise ReviewError(f"A personal-data finding is resolved as {' or '.join(RESOLUTIONS)}, not {resolution!r}.")
