"""Finalise a review: check it is complete, render the report, sign it (or write a draft), and record it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .atomic import write_atomically
from .bundle_context import KEY as CONTEXT_KEY, bundle_context
from .errors import ReviewError
from .findings import export_findings, findings_bytes
from .identity import LoadedIdentity
from .progress import CancelToken, Progress, reporter
from .report import HistoryLine, ReportDocument, ReportInput, render_report
from .pdcheck import CheckState, check_state, ensure_checked, limitation_sentences, quote_conflicts, review_anchors, trimmed_context
from .review import Anchor, CaseContext, load_context, missing, read_state, record_signed
from .store import Workspace
from .timeliness_view import case_timeliness, default_rules, report_section

HISTORY_TAIL = 12


@dataclass(frozen=True)
class ReportOutcome:
    path: Path
    signed: bool
    sha256: str | None
    signer: str | None
    fingerprint: str | None  # the signer's certificate, SHA-256 hex
    notices: tuple[str, ...]


def missing_sentences(ws: Workspace, case_id: str, ctx: CaseContext | None = None) -> list[str]:
    ctx = ctx or load_context(ws, case_id)
    return [m.sentence() for m in missing(ctx, read_state(ws, case_id))]


def report_input(ws: Workspace, case_id: str, findings: dict, *, signed_on: datetime | None,
                 ctx: CaseContext | None = None, registration: str = "") -> ReportInput:
    """Everything the renderer needs, read from the workspace."""
    manifest = (ctx or load_context(ws, case_id)).manifest
    rules = default_rules()
    titles = {s.id: s.title for s in manifest.sections}
    docs = tuple(ReportDocument(id=d.doc_id, title=d.title, section_id=d.section, section_title=titles[d.section],
                                first_ref=d.ref(1), last_ref=d.ref(d.pages), pages=d.pages, sha256=d.sha256,
                                date=d.date, author_role=d.author_role, readable=d.readable,
                                first_number=d.first_page, problem=d.problem)
                 for d in ws.documents(case_id))
    tail = ws.history_rows(case_id, limit=HISTORY_TAIL)
    head = ws.history_head(case_id)
    count = head[0] if head else 0
    return ReportInput(
        findings=findings,
        framework=json.loads(ws.review_row(case_id)["framework_source"]),
        manifest=manifest.raw,
        documents=docs,
        history_tail=tuple(HistoryLine(r["seq"], r["at"], r["summary"], r["hash"]) for r in tail),
        history_head=head[1] if head else "0" * 64,
        history_count=count,
        annotation_count=len(ws.annotation_rows(case_id)),
        signed_on=signed_on,
        draft=signed_on is None,
        reviewer_registration=registration,
        known_limitations=tuple(limitation_sentences(check_state(ws, case_id),
                                                     {d.doc_id: d.range_label for d in ws.documents(case_id)})),
        timeliness=report_section(manifest, case_timeliness(manifest, rules), rules),
    )


def produce_report(ws: Workspace, case_id: str, out: Path, *, identity: LoadedIdentity | None,
                   now: datetime | None = None, progress: Progress | None = None,
                   cancel: CancelToken | None = None) -> ReportOutcome:
    """Signed when ``identity`` is given (the review must be complete), else an unsigned draft."""
    from .signing import embed_findings, sign_report

    out = Path(out)
    report = reporter(progress, cancel)
    case = ws.case(case_id)
    if case.status == "signed":
        raise ReviewError(f"Case {case.reference} was signed on {case.signed_at}; start a new version to sign again.")
    ctx = load_context(ws, case_id)  # parsed once: the manifest check is a real cost on big cases
    gaps = missing_sentences(ws, case_id, ctx)
    notices: list[str] = []
    if identity is not None and gaps:
        shown = "; ".join(gaps[:5]) + (f"; and {len(gaps) - 5} more" if len(gaps) > 5 else "")
        raise ReviewError(f"The review is not complete, so it cannot be signed ({len(gaps)} missing: {shown}).")
    if gaps:
        notices.append(f"The review is not complete ({len(gaps)} missing); the draft shows it as it stands.")
    check = ensure_checked(ws, case_id)  # a case imported from the command line has not been checked yet
    leaks = [s for _, s in quote_conflicts(ws, case_id, review_anchors(read_state(ws, case_id)), check)]
    if leaks:  # a draft travels too: neither carries a flagged identifier
        shown = "; ".join(leaks[:3]) + (f"; and {len(leaks) - 3} more" if len(leaks) > 3 else "")
        raise ReviewError(f"The report cannot be written while a quote carries a possible identifier ({shown}).")
    when = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    report(0, 4, "Collecting the findings")
    if identity is not None:
        info = identity.info
        reviewer = {"name": info.name, "organisation": info.organisation, "certificate_sha256": info.fingerprint}
    else:
        reviewer = None
    findings = export_findings(ws, case_id, reviewer=reviewer, ctx=ctx)
    if identity is not None and not findings.get("completed"):
        # Completed is when the reviewer finished the work (the last change to the review), not when they sign.
        last = ws.history_rows(case_id, limit=1)
        findings["completed"] = last[-1]["at"] if last else when.strftime("%Y-%m-%dT%H:%M:%SZ")
    # Issuer, items and claims travel with the signed findings, so collect can total the money (collect.md).
    findings[CONTEXT_KEY] = bundle_context(ctx.manifest.raw)
    _trim_context(ws, case_id, findings, check)
    data = findings_bytes(findings)
    report(1, 4, "Rendering the report")
    rendered = render_report(report_input(ws, case_id, findings, signed_on=when if identity else None, ctx=ctx,
                                           registration=identity.info.registration if identity else ""))
    report(2, 4, "Signing" if identity else "Writing the draft")
    if identity is None:
        _write_atomically(out, embed_findings(rendered.pdf, data))
        return ReportOutcome(out, False, None, None, None, tuple(notices))
    signed = sign_report(rendered.pdf, out, identity=identity, findings=data, reviewer_box=rendered.reviewer_box,
                         moderator_box=rendered.moderator_box, now=when, cancel=cancel)
    record_signed(ws, case_id, reviewer=reviewer, completed=findings["completed"], report_sha256=signed.sha256)
    report(4, 4, "")
    return ReportOutcome(out, True, signed.sha256, signed.signer_name, signed.fingerprint, tuple(notices))


def _trim_context(ws: Workspace, case_id: str, findings: dict, check: CheckState) -> None:
    """Drop a quote's prefix or suffix where it would show a finding not resolved as "not personal data"."""
    flagged: dict[tuple[str, int], list] = {}
    for f in check.findings:
        if f.blocks_quotes:
            flagged.setdefault((f.doc_id, f.page), []).append(f)
    if not flagged:
        return
    quotes = [e for item in findings.get("items", []) for e in item.get("evidence", [])]
    quotes += findings.get("annotations", [])
    for q in quotes:
        near = flagged.get((q.get("document_id"), q.get("page")))
        if not near or not q.get("exact"):
            continue
        anchor = Anchor(q["document_id"], q["page"], q["exact"], q.get("prefix"), q.get("suffix"))
        kept = trimmed_context(ws.page_text(case_id, anchor.doc_id, anchor.page) or "", anchor, near)
        for key, value in (("prefix", kept.prefix), ("suffix", kept.suffix)):
            if not value:
                q.pop(key, None)


def _write_atomically(out: Path, data: bytes) -> None:
    try:
        write_atomically(out, data, mode=0o644)
    except OSError as exc:
        raise ReviewError(f"The draft could not be written to {out} ({exc.strerror or exc}).") from None
