"""The report's closing parts: limitations, and the declaration beside the signature boxes."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, ListFlowable, ListItem, PageBreak, Spacer

from .blocks import Context, Paragraph, SignatureBlock, h1, quiet, text_block
from .model import ReportInput
from .style import ACCENT, SANS, Styles, esc

# Case questions shown in their own parts of the report rather than among the case-level findings.
LIMITATIONS_Q = "limitations"
DECLARATION_Q = "declaration"
DECLARATION_NOTE_Q = "declaration_note"
OWN_PARTS = frozenset({LIMITATIONS_Q, DECLARATION_Q, DECLARATION_NOTE_Q})


def _case_answers(inp: ReportInput) -> dict:
    return ((inp.findings.get("case") or {}).get("answers")) or {}


def _asks(inp: ReportInput, qid: str) -> bool:
    return any(q.get("id") == qid for q in inp.framework.get("case_questions") or [])


def known_limitations(inp: ReportInput) -> list[str]:
    """What CaseView itself knows the reviewer could not see or check, as sentences."""
    out = []
    for doc in inp.documents:
        if not doc.readable:
            why = f" ({doc.problem})" if doc.problem else ""
            out.append(f"{doc.id} “{doc.title}” ({doc.ref(1)}) could not be opened{why}; its pages are counted "
                       "as the issuer stated and none of it could be read or searched.")
    return out + list(inp.known_limitations)


def limitations(inp: ReportInput, ctx: Context, st: Styles, width: float) -> list[Flowable]:
    story = h1("Limitations", "limitations", st)
    answers = _case_answers(inp)
    story.append(Paragraph("What the reviewer could not see or check", st.h3))
    if _asks(inp, LIMITATIONS_Q) and str(answers.get(LIMITATIONS_Q) or "").strip():
        story += text_block(str(answers[LIMITATIONS_Q]), st.body)
    elif _asks(inp, LIMITATIONS_Q):
        story.append(Paragraph(quiet("Not answered"), st.body))
    else:
        story.append(Paragraph(quiet("The review framework does not ask for limitations."), st.body))
    story.append(Paragraph("What CaseView recorded", st.h3))
    known = known_limitations(inp)
    if known:
        story.append(ListFlowable([ListItem(Paragraph(esc(k), st.body), leftIndent=14) for k in known],
                                  bulletType="bullet", start="•", bulletFontName=SANS, bulletColor=ACCENT,
                                  leftIndent=14))
    else:
        story.append(Paragraph("Every document in the bundle could be opened and read.", st.body))
    story.append(PageBreak())
    return story


def declaration(inp: ReportInput, st: Styles) -> list[Flowable]:
    """The reviewer's declaration of independence and any conflict of interest, as the framework asks it."""
    registration = ([Paragraph(f"Professional registration: {esc(inp.reviewer_registration)}", st.body)]
                    if inp.reviewer_registration else [])
    if not _asks(inp, DECLARATION_Q):
        return registration
    answers = _case_answers(inp)
    out: list[Flowable] = [Paragraph("Declaration", st.h3)]
    chosen = answers.get(DECLARATION_Q)
    out.append(Paragraph(esc(chosen) if chosen else quiet("Not answered"), st.body))
    note = str(answers.get(DECLARATION_NOTE_Q) or "").strip()
    if note:
        out += text_block(note, st.body)
    return out + registration


def signatures(inp: ReportInput, ctx: Context, st: Styles, width: float,
               sink: dict) -> list[Flowable]:
    if inp.draft:
        text = ("This is a draft. It has not been signed and must not be relied on as the "
                "reviewer's findings.")
    else:
        text = ("The reviewer's digital signature in the first box certifies this report and "
                "the findings embedded in it; any later change to the file invalidates it. "
                "The second box is kept for a moderator's countersignature.")
    who = ", ".join(esc(x) for x in (ctx.reviewer_name, ctx.reviewer_organisation) if x)
    boxes = [
        ("reviewer", "Reviewer", who or "The reviewer"),
        ("moderator", "Moderator (countersignature)",
         "A moderator signs here only after reviewing the findings."),
    ]
    return [
        Spacer(1, 26),
        KeepTogether([
            *h1("Signatures", "signatures", st),
            Paragraph(esc(text), st.body_muted),
            *declaration(inp, st),
            Spacer(1, 10),
            SignatureBlock(boxes, st, sink),
        ]),
    ]
