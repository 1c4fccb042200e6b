"""Findings JSON: export a review, import one whole or not at all, and carry a review forward to a new version."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .atomic import write_atomically
from .errors import ReviewError
from .frameworks import CASE
from .jsonload import JsonFault, parse_json_bytes
from .review import (AddAnnotation, AddEvidence, Anchor, Annotation, CaseContext, Evidence, ReplaceReview,
                     ReviewState, SetAnswer, apply, load_context, new_id, read_state, validate_state)
from .store import Workspace
from .timeliness_view import case_timeliness

FORMAT = "caseview-findings"
VERSION = "1.0"
MAX_FINDINGS_BYTES = 32 << 20
CONTEXT_CHARS = 32


def export_findings(ws: Workspace, case_id: str, *, reviewer: dict | None = None,
                    ctx: CaseContext | None = None) -> dict[str, Any]:
    """The findings JSON of a case's review, in any state (items in bundle order)."""
    ctx = ctx or load_context(ws, case_id)
    case = ws.case(case_id)
    state = read_state(ws, case_id)
    row = ws.review_row(case_id)
    docs = {d.doc_id: d for d in ws.documents(case_id)}
    items = []
    for item in ctx.manifest.items:
        answers = {q.id: state.answers[(item.id, q.id)] for q in ctx.framework.questions_for(item.kind)
                   if (item.id, q.id) in state.answers}
        evidence = [anchor_json(e.anchor, docs) for e in state.evidence if e.item_id == item.id]
        items.append({"item_id": item.id, "answers": answers, "evidence": evidence})
    case_answers = {q.id: state.answers[(CASE, q.id)] for q in ctx.framework.case_questions
                    if (CASE, q.id) in state.answers}
    rev = reviewer or {"name": row["reviewer_name"], "organisation": row["reviewer_organisation"],
                       "certificate_sha256": row["reviewer_certificate"]}
    return {
        "format": FORMAT,
        "format_version": VERSION,
        "bundle": {"bundle_id": case.bundle_id, "fingerprint": case.fingerprint, "case_reference": case.reference},
        "framework": {"id": row["framework_id"], "version": row["framework_version"]},
        "reviewer": rev,
        "started": row["started"],
        "completed": row["completed"],
        "items": items,
        "case": {"answers": case_answers},
        "annotations": [{"id": a.id, **anchor_json(a.anchor, None), "note": a.note, "created": a.created,
                         **({"tag": a.tag} if a.tag else {})} for a in state.annotations],
        # Computed from the bundle each time (timeliness.md); an imported file's block is never read.
        "timeliness": case_timeliness(ctx.manifest).to_json(),
    }


def anchor_json(a: Anchor, docs: dict | None) -> dict[str, Any]:
    """An anchor as the findings and moderation JSON write it; ``page_ref`` when the document is in ``docs``."""
    out: dict[str, Any] = {"document_id": a.doc_id, "page": a.page}
    if docs is not None and a.doc_id in docs:
        out["page_ref"] = docs[a.doc_id].ref(a.page)
    if a.exact is not None:
        out["exact"] = a.exact
        out["prefix"] = a.prefix
        out["suffix"] = a.suffix
    return out


def findings_bytes(data: dict) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_findings(data: dict, path: Path) -> None:
    """Write atomically: a temporary file in the same folder, fsynced, renamed."""
    try:
        write_atomically(Path(path), findings_bytes(data), mode=0o600)
    except OSError as exc:
        raise ReviewError(f"The findings could not be written to {path} ({exc.strerror or exc}).") from None


# -- import ------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportedFindings:
    answers: int
    evidence: int
    annotations: int
    orphans: tuple[str, ...]


def read_findings_file(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FINDINGS_BYTES + 1)
    except OSError as exc:
        raise ReviewError(f"{path} cannot be read ({exc.strerror}).") from None
    if len(data) > MAX_FINDINGS_BYTES:
        raise ReviewError(f"{path} is larger than {MAX_FINDINGS_BYTES:,} bytes; it is not a findings file.")
    try:
        obj = parse_json_bytes(data)
    except JsonFault as fault:
        raise ReviewError(f"{path} {fault.message}.") from None
    return obj


def _need(obj: Any, key: str, kind, where: str, optional: bool = False) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        if optional:
            return None
        raise ReviewError(f"{where}.{key} is missing." if where else f"{key} is missing.")
    value = obj[key]
    if optional and value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ReviewError(f"{where + '.' if where else ''}{key} has the wrong type.")
    return value


def _parse_anchor(obj: Any, where: str) -> Anchor:
    if not isinstance(obj, dict):
        raise ReviewError(f"{where} must be an object.")
    exact = _need(obj, "exact", str, where, optional=True)
    return Anchor(doc_id=_need(obj, "document_id", str, where), page=_need(obj, "page", int, where),
                  exact=exact, prefix=_need(obj, "prefix", str, where, optional=True) or "",
                  suffix=_need(obj, "suffix", str, where, optional=True) or "")


def parse_findings(obj: Any, ctx: CaseContext, *, check_fingerprint: bool) -> tuple[ReviewState, dict]:
    """Validate a findings document against the case; the first fault names its JSON path."""
    if not isinstance(obj, dict):
        raise ReviewError("The findings file must hold a JSON object.")
    if obj.get("format") != FORMAT:
        raise ReviewError(f"format must be {FORMAT!r}; this is not a CaseView findings file.")
    version = _need(obj, "format_version", str, "")
    if not re.fullmatch(r"1\.\d+", version):
        raise ReviewError(f"format_version {version!r} is not one this CaseView reads (1.x).")
    bundle = _need(obj, "bundle", dict, "")
    fp = _need(bundle, "fingerprint", str, "bundle")
    case_fp = ctx.fingerprint
    if check_fingerprint and fp != case_fp:
        raise ReviewError(f"bundle.fingerprint {fp} is not the fingerprint of case {ctx.case_id}'s bundle "
                          f"({case_fp}); these findings belong to another bundle or version.")
    fw = _need(obj, "framework", dict, "")
    if _need(fw, "id", str, "framework") != ctx.framework.id:
        raise ReviewError(f"framework.id {fw['id']!r} is not the case's framework {ctx.framework.id!r}.")
    version = fw.get("version")
    if version is not None and version != ctx.framework.version:
        raise ReviewError(f"framework.version {version!r} is not the version the case's review uses "
                          f"({ctx.framework.version!r}); the questions differ between versions.")
    answers: dict[tuple[str, str], Any] = {}
    evidence: list[Evidence] = []
    items = _need(obj, "items", list, "")
    seen_items: set[str] = set()
    for i, it in enumerate(items):
        where = f"items[{i}]"
        item_id = _need(it, "item_id", str, where)
        if item_id in seen_items:
            raise ReviewError(f"{where}.item_id repeats item {item_id!r}.")
        seen_items.add(item_id)
        try:
            ctx.manifest.item(item_id)
        except KeyError:
            raise ReviewError(f"{where}.item_id names item {item_id!r}, which is not in the case.") from None
        for qid, value in (_need(it, "answers", dict, where)).items():
            ctx.question(item_id, qid)
            answers[(item_id, qid)] = value
        for j, ev in enumerate(_need(it, "evidence", list, where, optional=True) or []):
            evidence.append(Evidence(new_id("E"), item_id, _parse_anchor(ev, f"{where}.evidence[{j}]"), ""))
    case = _need(obj, "case", dict, "", optional=True) or {}
    for qid, value in (_need(case, "answers", dict, "case", optional=True) or {}).items():
        ctx.question(CASE, qid)
        answers[(CASE, qid)] = value
    annotations = []
    ids: set[str] = set()
    for k, an in enumerate(_need(obj, "annotations", list, "", optional=True) or []):
        where = f"annotations[{k}]"
        aid = _need(an, "id", str, where)
        if aid in ids or not aid:
            raise ReviewError(f"{where}.id {aid!r} is empty or repeated.")
        ids.add(aid)
        annotations.append(Annotation(aid, _parse_anchor(an, where), _need(an, "note", str, where, optional=True) or "",
                                      _need(an, "tag", str, where, optional=True) or "",
                                      _need(an, "created", str, where, optional=True) or ""))
    state = ReviewState(answers, tuple(evidence), tuple(annotations))
    times = {"started": _need(obj, "started", str, "", optional=True),
             "completed": _need(obj, "completed", str, "", optional=True)}
    return state, times


def import_findings(ws: Workspace, case_id: str, path: Path, *, from_previous_version: bool = False,
                    step_by_step: bool = False) -> ImportedFindings:
    return apply_findings(ws, case_id, read_findings_file(path), from_previous_version=from_previous_version,
                          origin=str(path), step_by_step=step_by_step)


def carry_forward_from_case(ws: Workspace, old_case_id: str, new_case_id: str) -> ImportedFindings:
    """The app's path for a corrected bundle: the earlier version's review, carried into the new case."""
    return apply_findings(ws, new_case_id, export_findings(ws, old_case_id), from_previous_version=True,
                          origin=f"case {old_case_id}")


def apply_findings(ws: Workspace, case_id: str, obj: Any, *, from_previous_version: bool,
                   origin: str, step_by_step: bool = False) -> ImportedFindings:
    ctx = load_context(ws, case_id)
    orphans: list[str] = []
    if from_previous_version:
        state, times, orphans = _carry_forward(ws, ctx, obj)
        reason = f"carried forward from an earlier version ({len(orphans)} orphaned)"
    else:
        state, times = parse_findings(obj, ctx, check_fingerprint=True)
        try:
            validate_state(ctx, state)
        except ReviewError as exc:
            raise ReviewError(f"{origin}: {exc}") from None
        reason = "findings imported"
    if step_by_step and not from_previous_version:
        _apply_in_steps(ws, case_id, ctx, state)
        return ImportedFindings(len(state.answers), len(state.evidence), len(state.annotations), ())
    apply(ws, case_id, ReplaceReview(state, reason, times["started"], times["completed"]), ctx=ctx)
    if orphans:
        ws.record_orphans(case_id, orphans)
    return ImportedFindings(len(state.answers), len(state.evidence), len(state.annotations), tuple(orphans))


def _apply_in_steps(ws: Workspace, case_id: str, ctx: CaseContext, state: ReviewState) -> None:
    """The same review, entered as a reviewer enters it: each note, citation and answer its own history entry.

    Reading comes first (annotations in page order), then each item in bundle order (its citations,
    then its answers in the framework's order), then the case. The review is cleared first, in one
    entry. Times are those of this entry, not the file's: the review is started now and completed by
    its last step, so the report's review record and its change history agree.
    """
    apply(ws, case_id, ReplaceReview(ReviewState({}, (), ()), "cleared for a step-by-step import"), ctx=ctx)
    evidence = [replace(e, created="") for e in state.evidence]
    steps: list = [AddAnnotation(replace(a, created="")) for a in state.annotations]
    for item in ctx.manifest.items:
        steps += [AddEvidence(e) for e in evidence if e.item_id == item.id]
        steps += [SetAnswer(item.id, q.id, state.answers[(item.id, q.id)])
                  for q in ctx.framework.questions_for(item.kind) if (item.id, q.id) in state.answers]
    steps += [AddEvidence(e) for e in evidence if e.item_id == CASE]
    steps += [SetAnswer(CASE, q.id, state.answers[(CASE, q.id)])
              for q in ctx.framework.case_questions if (CASE, q.id) in state.answers]
    for step in steps:
        apply(ws, case_id, step, ctx=ctx)


def _carry_forward(ws: Workspace, ctx: CaseContext, obj: Any) -> tuple[ReviewState, dict, list[str]]:
    """Answers carry over; citations carry only where the document is unchanged and the quote still resolves."""
    if not isinstance(obj, dict) or not isinstance(obj.get("bundle"), dict):
        raise ReviewError("The findings file has no bundle block.")
    old_fp = obj["bundle"].get("fingerprint")
    old_case = ws.case_by_fingerprint(old_fp) if isinstance(old_fp, str) else None
    if old_case is None:
        raise ReviewError("The earlier version these findings belong to is not in this workspace; import that "
                          "bundle first so that changed documents can be told apart.")
    if old_case.bundle_id != ctx.manifest.bundle_id:
        raise ReviewError(f"These findings are for bundle {old_case.bundle_id}, not {ctx.manifest.bundle_id}.")
    old_ctx = load_context(ws, old_case.id)
    old_state, times = parse_findings(obj, old_ctx, check_fingerprint=True)
    old_docs = {d.doc_id: d.sha256 for d in ws.documents(old_case.id)}
    new_docs = {d.doc_id: d.sha256 for d in ws.documents(ctx.case_id)}
    orphans: list[str] = []
    answers = {}
    for (item_id, qid), value in old_state.answers.items():
        try:
            ctx.question(item_id, qid)
        except ReviewError:
            orphans.append(f"answer {qid!r} of item {item_id}: the item or question is not in the new version")
            continue
        answers[(item_id, qid)] = value

    def keep(anchor: Anchor, label: str) -> bool:
        if new_docs.get(anchor.doc_id) is None or new_docs[anchor.doc_id] != old_docs.get(anchor.doc_id):
            orphans.append(f"{label} on {anchor.doc_id} page {anchor.page}: the document changed")
            return False
        if anchor.exact is not None and resolve_quote(ws.page_text(ctx.case_id, anchor.doc_id, anchor.page) or "",
                                                      anchor) is None:
            orphans.append(f"{label} on {anchor.doc_id} page {anchor.page}: the quote no longer resolves")
            return False
        return True

    evidence = tuple(e for e in old_state.evidence
                     if _item_exists(ctx, e.item_id, orphans, e) and keep(e.anchor, f"evidence for {e.item_id}"))
    annotations = tuple(a for a in old_state.annotations if keep(a.anchor, f"annotation {a.id}"))
    return ReviewState(answers, evidence, annotations), times, orphans


def _item_exists(ctx: CaseContext, item_id: str, orphans: list[str], e: Evidence) -> bool:
    try:
        ctx.manifest.item(item_id)
        return True
    except KeyError:
        orphans.append(f"evidence for {item_id} on {e.anchor.doc_id} page {e.anchor.page}: the item is gone")
        return False


# -- quotes ---------------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(text.split())


def resolve_quote(page_text: str, anchor: Anchor) -> int | None:
    """Where ``anchor.exact`` is on the page (in whitespace-normalised text), using prefix/suffix to choose; None if absent."""
    text = _norm(page_text)
    exact = _norm(anchor.exact or "")
    if not exact:
        return 0
    starts = [m.start() for m in re.finditer(re.escape(exact), text)]
    if not starts:
        return None
    prefix, suffix = _norm(anchor.prefix), _norm(anchor.suffix)

    def score(pos: int) -> int:
        before = text[max(0, pos - len(prefix) - 1):pos].strip()
        after = text[pos + len(exact):pos + len(exact) + len(suffix) + 1].strip()
        return (prefix.strip() != "" and before.endswith(prefix.strip())) + \
               (suffix.strip() != "" and after.startswith(suffix.strip()))

    return max(starts, key=score)


def quote_context(page_text: str, start: int, end: int) -> Anchor:
    """Build exact/prefix/suffix for a selection [start, end) of a page's text."""
    return Anchor("", 0, page_text[start:end], page_text[max(0, start - CONTEXT_CHARS):start],
                  page_text[end:end + CONTEXT_CHARS])
