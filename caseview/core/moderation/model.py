"""What a moderator records, the moderation's context (the case, the report, its findings) and completeness."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import ReviewError
from ..frameworks import Framework, Question
from ..review import Anchor, CaseContext, check_anchor, check_value
# The same words as caseview.core.verify.record (a test holds them equal); not imported from there, because the
# verifier brings pyHanko and this module is on the app's start-up path.
VERDICTS = ("agree", "agree-with-changes", "disagree")
OVERALLS = ("endorsed", "endorsed-with-changes", "not-endorsed")
FORMAT = "caseview-moderation"

AGREE, AGREE_WITH_CHANGES, DISAGREE = VERDICTS
ENDORSED = OVERALLS[0]
#: The question whose answer an item is graded by: the judgement scale of a decision, the
#: threshold choice of an outcome (framework 1.1); the first of these the item's questions have.
GRADED_QUESTIONS = ("judgement", "threshold")
PAYMENT_QUESTION = "payment"
OPEN, FINISHED = "open", "finished"


@dataclass(frozen=True)
class Citation:
    """A passage the moderator cites for an item, anchored as the review's evidence is."""

    id: str
    item_id: str
    anchor: Anchor
    created: str = ""


@dataclass(frozen=True)
class ItemVerdict:
    """The moderator's verdict on one item. ``judgement`` is the moderated judgement when one was given."""

    item_id: str
    verdict: str | None
    judgement: Any = None
    comment: str = ""


@dataclass(frozen=True)
class PaymentChange:
    """A moderated payment recommendation for one outcome; absent means the reviewer's stands."""

    item_id: str
    moderated: str
    comment: str = ""


@dataclass(frozen=True)
class ModerationState:
    """Everything the moderator has entered: what export writes and import replaces."""

    items: dict[str, ItemVerdict] = field(default_factory=dict)
    evidence: tuple[Citation, ...] = ()
    overall: str | None = None
    comment: str = ""
    payments: dict[str, PaymentChange] = field(default_factory=dict)


@dataclass(frozen=True)
class ModerationContext:
    """A moderation's fixed facts: the case (with the report's framework), the report and its findings."""

    moderation_id: str
    case: CaseContext
    findings: dict[str, Any]
    report_sha256: str
    reviewer: dict[str, Any]  # signer, organisation, signer_certificate_sha256, signed_at, trusted
    status: str
    created: str
    started: str | None

    @property
    def framework(self) -> Framework:
        return self.case.framework

    def item_ids(self) -> list[str]:
        return [item.id for item in self.case.manifest.items]

    def check_item(self, item_id: str, where: str) -> None:
        try:
            self.case.manifest.item(item_id)
        except KeyError:
            raise ReviewError(f"{where} names item {item_id!r}, which is not in the case.") from None

    def graded_question(self, item_id: str) -> Question | None:
        kind = self.case.manifest.item(item_id).kind
        questions = {q.id: q for q in self.framework.questions_for(kind)}
        return next((questions[qid] for qid in GRADED_QUESTIONS if qid in questions), None)

    def reviewer_answers(self, item_id: str) -> dict[str, Any]:
        for it in self.findings.get("items") or []:
            if isinstance(it, dict) and it.get("item_id") == item_id:
                answers = it.get("answers")
                return answers if isinstance(answers, dict) else {}
        return {}

    def reviewer_judgement(self, item_id: str) -> Any:
        q = self.graded_question(item_id)
        return None if q is None else self.reviewer_answers(item_id).get(q.id)

    def payment_items(self) -> list[str]:
        """Outcomes with a payment recommendation of the reviewer's (framework 1.1), in bundle order."""
        out = []
        for item in self.case.manifest.items:
            if any(q.id == PAYMENT_QUESTION for q in self.framework.questions_for(item.kind)):
                if self.reviewer_answers(item.id).get(PAYMENT_QUESTION) is not None:
                    out.append(item.id)
        return out

    def payment_options(self, item_id: str) -> tuple[str, ...]:
        kind = self.case.manifest.item(item_id).kind
        return next((q.options for q in self.framework.questions_for(kind) if q.id == PAYMENT_QUESTION), ())

    def moderated_judgement(self, v: ItemVerdict | None) -> Any:
        """What the moderator's judgement is: the one given, else (agreeing) the reviewer's."""
        if v is None or v.verdict is None:
            return v.judgement if v is not None else None
        if v.judgement is not None:
            return v.judgement
        return None if v.verdict == DISAGREE else self.reviewer_judgement(v.item_id)


# -- validation ------------------------------------------------------------------

def check_verdict_values(ctx: ModerationContext, v: ItemVerdict, where: str) -> None:
    """The values' shapes: a known verdict, a judgement on the item's graded question, text for the comment."""
    ctx.check_item(v.item_id, where)
    if v.verdict is not None and v.verdict not in VERDICTS:
        raise ReviewError(f"{where} has the verdict {v.verdict!r}; it must be one of: {', '.join(VERDICTS)}.")
    if not isinstance(v.comment, str):
        raise ReviewError(f"{where} has a comment that is not text.")
    if v.judgement is not None:
        q = ctx.graded_question(v.item_id)
        if q is None:
            raise ReviewError(f"{where} gives a moderated judgement, but item {v.item_id} has no graded question "
                              "in this framework.")
        check_value(q, v.judgement, ctx.framework, f"{where}'s moderated judgement ({q.id})")


def check_payment_values(ctx: ModerationContext, p: PaymentChange, where: str) -> None:
    ctx.check_item(p.item_id, where)
    if p.item_id not in ctx.payment_items():
        raise ReviewError(f"{where} names {p.item_id}, which has no payment recommendation to moderate.")
    options = ctx.payment_options(p.item_id)
    if p.moderated not in options:
        raise ReviewError(f"{where} recommends {p.moderated!r}; it must be one of: {', '.join(options)}.")
    if not isinstance(p.comment, str):
        raise ReviewError(f"{where} has a comment that is not text.")


def check_overall_values(overall: str | None, comment: Any) -> None:
    if overall is not None and overall not in OVERALLS:
        raise ReviewError(f"The overall verdict {overall!r} must be one of: {', '.join(OVERALLS)}.")
    if not isinstance(comment, str):
        raise ReviewError("The overall comment must be text.")


def check_citation(ctx: ModerationContext, c: Citation, where: str) -> None:
    ctx.check_item(c.item_id, where)
    check_anchor(ctx.case, c.anchor, where)


def check_state(ctx: ModerationContext, state: ModerationState) -> None:
    for item_id, v in state.items.items():
        check_verdict_values(ctx, v, f"The verdict on item {item_id}")
    for p in state.payments.values():
        check_payment_values(ctx, p, f"The payment recommendation for {p.item_id}")
    check_overall_values(state.overall, state.comment)
    for c in state.evidence:
        check_citation(ctx, c, f"A citation for item {c.item_id}")


# -- completeness ------------------------------------------------------------------

@dataclass(frozen=True)
class Missing:
    where: str  # an item id, "case", or "payment O1"
    reason: str

    def sentence(self) -> str:
        return f"{self.where}: {self.reason}"


def _said(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def item_faults(ctx: ModerationContext, v: ItemVerdict) -> list[str]:
    """What the rules still need of one item's verdict (the spec's table), as clauses."""
    if v.verdict is None:
        return ["no verdict yet"]
    out = []
    reviewer = ctx.reviewer_judgement(v.item_id)
    graded = ctx.graded_question(v.item_id) is not None
    if v.verdict == DISAGREE and graded:
        if v.judgement is None:
            out.append("a disagreement needs the moderated judgement")
        elif v.judgement == reviewer:
            out.append(f"a disagreement needs a moderated judgement different from the reviewer's ({_said(reviewer)})")
    if v.verdict == AGREE and v.judgement is not None and v.judgement != reviewer:
        out.append(f"agreeing keeps the reviewer's judgement ({_said(reviewer)}); a different one is a disagreement")
    if v.verdict != AGREE and not v.comment.strip():
        out.append(f"a comment is needed with {v.verdict.replace('-', ' ')}")
    return out


def case_faults(overall: str | None, comment: str) -> list[str]:
    if overall is None:
        return ["no overall verdict yet"]
    if overall != ENDORSED and not comment.strip():
        return [f"a comment is needed with {overall.replace('-', ' ')}"]
    return []


def payment_faults(ctx: ModerationContext, p: PaymentChange) -> list[str]:
    reviewer = ctx.reviewer_answers(p.item_id).get(PAYMENT_QUESTION)
    if p.moderated != reviewer and not p.comment.strip():
        return [f"changing the reviewer's recommendation ({reviewer}) to {p.moderated} needs a reason"]
    return []


def missing(ctx: ModerationContext, state: ModerationState) -> list[Missing]:
    """What stops the moderation being finished, items in bundle order, then payments, then the case."""
    out = []
    for item_id in ctx.item_ids():
        v = state.items.get(item_id) or ItemVerdict(item_id, None)
        out += [Missing(item_id, r) for r in item_faults(ctx, v)]
    for item_id in ctx.payment_items():
        if item_id in state.payments:
            out += [Missing(f"payment {item_id}", r) for r in payment_faults(ctx, state.payments[item_id])]
    out += [Missing("case", r) for r in case_faults(state.overall, state.comment)]
    return out
