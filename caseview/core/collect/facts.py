"""Rows of the evidence base from one verified file: its findings (or moderation.json), flattened, money in pence."""

from __future__ import annotations

import functools
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from ..bundle_context import KEY as CONTEXT_KEY
from ..money import pence
from ..payments import compute_payments

OUTCOME_FIELDS = ("threshold", "evidence_quality", "attributable", "sustained", "payment", "recheck")
QUOTE_CHARS = 2000


@functools.cache
def _registry():
    from ..frameworks import load_registry

    return load_registry()


def _framework(framework: dict):
    try:
        return _registry().get(str(framework.get("id")), framework.get("version"))
    except Exception:  # a framework this CaseView does not have: kinds and labels stay unknown
        return None


def _kind_from_answers(fw, answers: dict) -> str | None:
    if fw is None:
        return "decision" if "judgement" in answers else ("outcome" if "threshold" in answers else None)
    best, score = None, 0
    for kind, questions in fw.item_questions.items():
        hits = sum(1 for q in questions if q.id in answers)
        if hits > score:
            best, score = kind, hits
    return best


def _label(fw, value) -> str | None:
    if fw is None or not isinstance(value, int) or "judgement" not in fw.scales:
        return None
    return next((lv.label for lv in fw.scale("judgement") if lv.value == value), None)


def _pence(amount) -> int | None:
    try:
        return pence(Decimal(str(amount)))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _text(value) -> str | None:
    return None if value is None else (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def report_rows(sha256: str, v, name: str) -> dict[str, Any]:
    """``{"report": row, "items": [...], "answers": [...], "evidence": [...], "timeliness": [...]}``."""
    f = v.findings if isinstance(v.findings, dict) else {}
    bundle = f.get("bundle") if isinstance(f.get("bundle"), dict) else {}
    framework = f.get("framework") if isinstance(f.get("framework"), dict) else {}
    reviewer = f.get("reviewer") if isinstance(f.get("reviewer"), dict) else {}
    context = f.get(CONTEXT_KEY) if isinstance(f.get(CONTEXT_KEY), dict) else {}
    ctx_items = {str(it.get("item_id")): it for it in context.get("items") or [] if isinstance(it, dict)}
    fw = _framework(framework)
    sig = v.signature("reviewer") or (v.signatures[0] if v.signatures else None)
    moderator = v.signature("moderator")
    report = {
        "sha256": sha256, "kind": "report", "case_reference": bundle.get("case_reference"),
        "bundle_id": bundle.get("bundle_id"), "fingerprint": bundle.get("fingerprint"),
        "issuer": context.get("issuer"), "framework_id": framework.get("id"),
        "framework_version": framework.get("version"), "reviewer": reviewer.get("name") or (sig and sig.signer_name),
        "reviewer_organisation": reviewer.get("organisation") or (sig and sig.signer_organisation),
        "signer_certificate_sha256": sig.fingerprint if sig else None,
        "signed_at": sig.signing_time.isoformat() if sig and sig.signing_time else None,
        "completed": f.get("completed"), "moderation_overall": None,
        "revision1_sha256": v.reviewer_revision_sha256, "signatures": len(v.signatures),
        "moderated_by": moderator.signer_name if moderator else None, "counted": 0,
    }
    items, answers, evidence = [], [], []
    pseudo_manifest_items = []
    for pos, it in enumerate(f.get("items") or []):
        if not isinstance(it, dict):
            continue
        item_id = str(it.get("item_id"))
        given = it.get("answers") if isinstance(it.get("answers"), dict) else {}
        ctx = ctx_items.get(item_id, {})
        kind = ctx.get("kind") or _kind_from_answers(fw, given)
        claim = ctx.get("claim") if isinstance(ctx.get("claim"), dict) else None
        judgement = given.get("judgement")
        judgement = judgement if isinstance(judgement, int) and not isinstance(judgement, bool) else None
        row = {"report": sha256, "item_id": item_id, "position": pos, "kind": kind, "title": ctx.get("title"),
               "date": ctx.get("date"), "judgement_value": judgement, "judgement_label": _label(fw, judgement),
               **{k: _text(given.get(k)) for k in OUTCOME_FIELDS},
               "claim_reference": claim.get("reference") if claim else None,
               "provider": claim.get("provider") if claim else None,
               "contract": claim.get("contract") if claim else None,
               "currency": (claim.get("currency") or "GBP") if claim else None,
               "claimed_pence": _pence(claim.get("amount")) if claim else None,
               "recommended_pence": None, "moderation_verdict": None, "moderated_value": None}
        if claim and row["claimed_pence"] is not None:
            row["recommended_pence"] = row["claimed_pence"] if given.get("payment") == "Pay" else 0
        items.append(row)
        pseudo_manifest_items.append({"id": item_id, "kind": kind, "title": ctx.get("title"),
                                      "measure": ctx.get("measure"), "claim": claim})
        answers += [{"report": sha256, "item_id": item_id, "question": q, "value": json.dumps(a, ensure_ascii=False)}
                    for q, a in given.items()]
        for ev in it.get("evidence") or []:
            if isinstance(ev, dict):
                quote = ev.get("exact")
                evidence.append({"report": sha256, "item_id": item_id, "document_id": ev.get("document_id"),
                                 "page": ev.get("page") if isinstance(ev.get("page"), int) else None,
                                 "page_ref": ev.get("page_ref"),
                                 "quote": quote[:QUOTE_CHARS] if isinstance(quote, str) else None})
    case = f.get("case") if isinstance(f.get("case"), dict) else {}
    for q, a in (case.get("answers") if isinstance(case.get("answers"), dict) else {}).items():
        answers.append({"report": sha256, "item_id": None, "question": q, "value": json.dumps(a, ensure_ascii=False)})
    report.update(_money(pseudo_manifest_items, f))
    timeliness = []
    block = f.get("timeliness") if isinstance(f.get("timeliness"), dict) else {}
    rule_set = block.get("rule_set") if isinstance(block.get("rule_set"), dict) else {}
    rs = f"{rule_set.get('id')} {rule_set.get('version')}" if rule_set else None
    for r in block.get("results") or []:
        if isinstance(r, dict) and r.get("rule") and r.get("status"):
            timeliness.append({"report": sha256, "rule_set": rs, "rule": r.get("rule"), "subject": r.get("subject"),
                               "from_event": r.get("from_event"), "to_event": r.get("to_event"),
                               "status": r.get("status"), "due": r.get("due"), "actual": r.get("actual"),
                               "elapsed": r.get("elapsed") if isinstance(r.get("elapsed"), int) else None})
    return {"report": report, "items": items, "answers": answers, "evidence": evidence, "timeliness": timeliness}


def _money(manifest_items: list[dict], findings: dict) -> dict[str, Any]:
    """The report's totals in integer pence, from the same payment rules the report itself prints."""
    empty = {"currency": None, "claimed_pence": None, "recommended_pence": None, "withheld_pence": None,
             "deferred_pence": None, "undecided_pence": None}
    try:
        payments = compute_payments({"items": manifest_items}, findings)
    except Exception:
        return empty
    if payments is None or len(payments.totals) != 1:
        # none, or claims in several currencies: a report's total in one currency would be untrue, so it is
        # left empty here; each outcome keeps its own currency and amounts in ``items``
        return empty
    t = payments.totals[0]
    return {"currency": t.currency, "claimed_pence": pence(t.claimed), "recommended_pence": pence(t.to_pay),
            "withheld_pence": pence(t.withheld), "deferred_pence": pence(t.deferred),
            "undecided_pence": pence(t.undecided)}


def record_rows(sha256: str, v, moderation: dict) -> dict[str, Any]:
    """A moderation record: its reports row, its moderations row and one moderation_items row per item."""
    bundle = moderation.get("bundle") if isinstance(moderation.get("bundle"), dict) else {}
    framework = moderation.get("framework") if isinstance(moderation.get("framework"), dict) else {}
    rep = moderation.get("report") if isinstance(moderation.get("report"), dict) else {}
    mod = moderation.get("moderator") if isinstance(moderation.get("moderator"), dict) else {}
    case = moderation.get("case") if isinstance(moderation.get("case"), dict) else {}
    sig = v.signatures[0] if v.signatures else None
    report = {
        "sha256": sha256, "kind": "moderation-record", "case_reference": bundle.get("case_reference"),
        "bundle_id": bundle.get("bundle_id"), "fingerprint": bundle.get("fingerprint"), "issuer": None,
        "framework_id": framework.get("id"), "framework_version": framework.get("version"),
        "reviewer": rep.get("signer"), "reviewer_organisation": None,
        "signer_certificate_sha256": sig.fingerprint if sig else None,
        "signed_at": sig.signing_time.isoformat() if sig and sig.signing_time else None,
        "completed": moderation.get("completed"), "moderation_overall": case.get("overall"),
        "revision1_sha256": None, "signatures": len(v.signatures), "moderated_by": mod.get("name"), "counted": 0,
        "currency": None, "claimed_pence": None, "recommended_pence": None, "withheld_pence": None,
        "deferred_pence": None, "undecided_pence": None,
    }
    row = {"record": sha256, "report": rep.get("sha256"), "moderator": mod.get("name"),
           "moderator_organisation": mod.get("organisation"), "overall": case.get("overall"),
           "framework_id": framework.get("id"), "framework_version": framework.get("version"),
           "case_reference": bundle.get("case_reference"), "paired_with": None, "counted": 0}
    items = []
    for it in moderation.get("items") or []:
        if not isinstance(it, dict) or not it.get("item_id"):
            continue
        rj, mj = it.get("reviewer_judgement"), it.get("moderated_judgement")
        if mj is None and it.get("verdict") in ("agree", "agree-with-changes"):
            mj = rj  # agreeing keeps the reviewer's grade
        question = "judgement" if isinstance(rj, int) and not isinstance(rj, bool) else (
            "threshold" if isinstance(rj, str) else None)
        items.append({"record": sha256, "item_id": str(it["item_id"]), "question": question,
                      "verdict": it.get("verdict"), "reviewer_judgement": _text(rj),
                      "moderated_judgement": _text(mj), "comment": it.get("comment")})
    return {"report": report, "moderation": row, "moderation_items": items}
