"""moderation.json: export a moderation in any state, import one whole or not at all (naming the first fault)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..atomic import write_atomically
from ..errors import ReviewError
from ..findings import anchor_json
from ..jsonload import JsonFault, parse_json_bytes
from ..review import Anchor, new_id
from ..store import Workspace
from .commands import ReplaceModeration, apply, load_context, moderation_row, read_state
from .model import (FORMAT, PAYMENT_QUESTION, Citation, ItemVerdict, ModerationContext, ModerationState,
                    PaymentChange, case_faults, check_citation, check_overall_values, check_state,
                    check_verdict_values, item_faults, payment_faults)

VERSION = "1.0"
MAX_BYTES = 8 << 20


def export_moderation(ws: Workspace, moderation_id: str, *, moderator: dict | None = None,
                      completed: str | None = None, ctx: ModerationContext | None = None) -> dict[str, Any]:
    """The moderation.json of a moderation (items in bundle order); the agreement block is always computed."""
    from ..verify.record import compute_agreement  # the verifier's own rule; imported when first used

    ctx = ctx or load_context(ws, moderation_id)
    state = read_state(ws, moderation_id)
    row = moderation_row(ws, moderation_id)
    docs = {d.doc_id: d for d in ws.documents(ctx.case.case_id)}
    items = []
    for item_id in ctx.item_ids():
        v = state.items.get(item_id) or ItemVerdict(item_id, None)
        items.append({
            "item_id": item_id, "reviewer_judgement": ctx.reviewer_judgement(item_id), "verdict": v.verdict,
            "moderated_judgement": ctx.moderated_judgement(v), "comment": v.comment,
            "evidence": [anchor_json(c.anchor, docs) for c in state.evidence if c.item_id == item_id],
        })
    payments = []
    for item_id in ctx.payment_items():
        reviewer = ctx.reviewer_answers(item_id).get(PAYMENT_QUESTION)
        change = state.payments.get(item_id)
        payments.append({"item_id": item_id, "reviewer": reviewer,
                         "moderated": change.moderated if change else reviewer,
                         "comment": change.comment if change else ""})
    bundle = ctx.findings.get("bundle") or {}
    framework = ctx.findings.get("framework") or {}
    rev = ctx.reviewer
    return {
        "format": FORMAT,
        "format_version": VERSION,
        "report": {"sha256": ctx.report_sha256, "signer": rev.get("signer"),
                   "signer_certificate_sha256": rev.get("signer_certificate_sha256"),
                   "signed_at": rev.get("signed_at")},
        "bundle": {"bundle_id": bundle.get("bundle_id"), "fingerprint": bundle.get("fingerprint"),
                   "case_reference": bundle.get("case_reference")},
        "framework": {"id": framework.get("id"), "version": framework.get("version")},
        "moderator": moderator or {"name": None, "organisation": None, "certificate_sha256": None},
        "started": row["started"],
        "completed": completed or row["completed"],
        "items": items,
        "case": {"overall": state.overall, "comment": state.comment, "payments": payments},
        # Computed from the items every time; an imported file's block is never read.
        "agreement": compute_agreement(items),
    }


def moderation_bytes(data: dict) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_moderation(data: dict, path: Path) -> None:
    try:
        write_atomically(Path(path), moderation_bytes(data), mode=0o600)
    except OSError as exc:
        raise ReviewError(f"The moderation could not be written to {path} ({exc.strerror or exc}).") from None


# -- import ---------------------------------------------------------------------

_ABSENT = object()


def _get(obj: dict, key: str, kind, where: str, *, default: Any = _ABSENT, nullable: bool = False) -> Any:
    path = f"{where}.{key}" if where else key
    if key not in obj:
        if default is _ABSENT:
            raise ReviewError(f"{path} is missing.")
        return default
    value = obj[key]
    if value is None and nullable:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ReviewError(f"{path} has the wrong type.")
    return value


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ReviewError(f"{where} must be an object.")
    return value


def _anchor(obj: Any, where: str) -> Anchor:
    obj = _object(obj, where)
    return Anchor(doc_id=_get(obj, "document_id", str, where), page=_get(obj, "page", int, where),
                  exact=_get(obj, "exact", str, where, default=None, nullable=True),
                  prefix=_get(obj, "prefix", str, where, default="", nullable=True) or "",
                  suffix=_get(obj, "suffix", str, where, default="", nullable=True) or "")


def parse_moderation(obj: Any, ctx: ModerationContext) -> ModerationState:
    """Check a moderation.json against the moderation; the first fault names its JSON path."""
    obj = _object(obj, "The moderation file")
    if obj.get("format") != FORMAT:
        raise ReviewError(f"format must be {FORMAT!r}; this is not a CaseView moderation file.")
    version = _get(obj, "format_version", str, "")
    if not re.fullmatch(r"1\.\d+", version):
        raise ReviewError(f"format_version {version!r} is not one this CaseView reads (1.x).")
    report = _object(_get(obj, "report", dict, ""), "report")
    sha = _get(report, "sha256", str, "report")
    if sha != ctx.report_sha256:
        raise ReviewError(f"report.sha256 {sha} is not the report this moderation is of ({ctx.report_sha256}).")
    bundle = _get(obj, "bundle", dict, "")
    fp = _get(bundle, "fingerprint", str, "bundle")
    if fp != ctx.case.fingerprint:
        raise ReviewError(f"bundle.fingerprint {fp} is not the fingerprint of the moderated case's bundle "
                          f"({ctx.case.fingerprint}).")
    framework = _get(obj, "framework", dict, "", default=None, nullable=True)
    if framework is not None and (framework.get("id"), framework.get("version")) != (ctx.framework.id,
                                                                                      ctx.framework.version):
        raise ReviewError(f"framework {framework.get('id')} {framework.get('version')} is not the report's "
                          f"({ctx.framework.id} {ctx.framework.version}).")
    items: dict[str, ItemVerdict] = {}
    evidence: list[Citation] = []
    for i, it in enumerate(_get(obj, "items", list, "")):
        where = f"items[{i}]"
        it = _object(it, where)
        item_id = _get(it, "item_id", str, where)
        ctx.check_item(item_id, f"{where}.item_id")
        if item_id in items:
            raise ReviewError(f"{where}.item_id repeats item {item_id!r}.")
        if "verdict" not in it:
            raise ReviewError(f"{where}.verdict is missing.")
        verdict = _get(it, "verdict", str, where, nullable=True)
        reviewer = ctx.reviewer_judgement(item_id)
        if "reviewer_judgement" in it and it["reviewer_judgement"] != reviewer:
            raise ReviewError(f"{where}.reviewer_judgement {json.dumps(it['reviewer_judgement'])} is not the "
                              f"report's ({json.dumps(reviewer)}).")
        v = ItemVerdict(item_id, verdict, it.get("moderated_judgement"),
                        _get(it, "comment", str, where, default="", nullable=True) or "")
        check_verdict_values(ctx, v, where)
        if verdict is not None:
            faults = item_faults(ctx, v)
            if faults:
                raise ReviewError(f"{where} ({item_id}): {faults[0]}.")
        items[item_id] = v
        for j, ev in enumerate(_get(it, "evidence", list, where, default=[], nullable=True) or []):
            citation = Citation(new_id("C"), item_id, _anchor(ev, f"{where}.evidence[{j}]"))
            check_citation(ctx, citation, f"{where}.evidence[{j}]")
            evidence.append(citation)
    case = _get(obj, "case", dict, "", default={}, nullable=True) or {}
    overall = _get(case, "overall", str, "case", default=None, nullable=True)
    comment = _get(case, "comment", str, "case", default="", nullable=True) or ""
    check_overall_values(overall, comment)
    if overall is not None:
        faults = case_faults(overall, comment)
        if faults:
            raise ReviewError(f"case: {faults[0]}.")
    payments: dict[str, PaymentChange] = {}
    for k, p in enumerate(_get(case, "payments", list, "case", default=[], nullable=True) or []):
        where = f"case.payments[{k}]"
        p = _object(p, where)
        item_id = _get(p, "item_id", str, where)
        if item_id not in ctx.payment_items():
            raise ReviewError(f"{where}.item_id names {item_id!r}, which has no payment recommendation to moderate.")
        if item_id in payments:
            raise ReviewError(f"{where}.item_id repeats {item_id!r}.")
        reviewer = ctx.reviewer_answers(item_id).get(PAYMENT_QUESTION)
        if "reviewer" in p and p["reviewer"] != reviewer:
            raise ReviewError(f"{where}.reviewer {p['reviewer']!r} is not the report's recommendation ({reviewer!r}).")
        change = PaymentChange(item_id, _get(p, "moderated", str, where, default=reviewer),
                               _get(p, "comment", str, where, default="", nullable=True) or "")
        faults = payment_faults(ctx, change)
        if faults:
            raise ReviewError(f"{where} ({item_id}): {faults[0]}.")
        if change.moderated != reviewer or change.comment:
            payments[item_id] = change
    state = ModerationState(items, tuple(evidence), overall, comment, payments)
    check_state(ctx, state)
    return state


def read_moderation_file(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ReviewError(f"{path} cannot be read ({exc.strerror}).") from None
    if len(data) > MAX_BYTES:
        raise ReviewError(f"{path} is larger than {MAX_BYTES:,} bytes; it is not a moderation file.")
    try:
        return parse_json_bytes(data)
    except JsonFault as fault:
        raise ReviewError(f"{path} {fault.message}.") from None


def import_moderation(ws: Workspace, moderation_id: str, path: Path) -> ModerationState:
    """Replace the moderation's verdicts with the file's, whole or not at all, in one history entry."""
    ctx = load_context(ws, moderation_id)
    try:
        state = parse_moderation(read_moderation_file(Path(path)), ctx)
    except ReviewError as exc:
        raise ReviewError(f"{Path(path).name}: {exc}") from None
    apply(ws, moderation_id, ReplaceModeration(state, "moderation imported"), ctx=ctx)
    return state
