"""The moderation record PDF, in the report's house style: what was moderated, each verdict, agreement, declaration."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Spacer
from reportlab.platypus.flowables import HRFlowable

from ..dates import parse_when
from ..report.blocks import (Paragraph, SignatureBlock, h1, headline_panel, hex_of, kv_table, quiet, ruled_table,
                             scale_label, text_block)
from ..report.render import (MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, ReportCanvas, draw_footer, draw_marking_band,
                             draw_running_head, pdf_date)
from ..report.style import (ACCENT, ALERT, MUTED, Styles, ensure_fonts, esc,
                            fmt_datetime, make_styles)
from ..signing import SignatureBox
from ..verify.model import agreement_words
from ..verify.record import REPORT_INFO_KEY, overall_words

DECLARATION = ("I moderated this review against the same bundle, reading the reviewer's answers, rationale and "
               "evidence for every item. The verdicts, moderated judgements and comments above are my own, and "
               "I have no conflict of interest in this case or with the reviewer that I have not declared.")


@dataclass(frozen=True)
class RecordInput:
    """Everything the record shows: the moderation.json about to be embedded, and what it does not carry."""

    moderation: dict[str, Any]
    moderation_sha256: str  # of the exact moderation.json bytes embedded
    framework: dict[str, Any]  # the framework's JSON (scales and question types)
    graded: dict[str, dict | None]  # item id -> its graded question's JSON, None when it has none
    titles: dict[str, str]  # item id -> title
    issuer: str
    marking: str
    reviewer_trust: str  # "trusted (on the trust list)" or "not trusted here"
    moderator_registration: str = ""


@dataclass(frozen=True)
class RenderedRecord:
    pdf: bytes
    box: SignatureBox
    page_count: int


def _judgement(inp: RecordInput, item_id: str, value) -> str:
    if value is None:
        return quiet("—")
    q = inp.graded.get(item_id) or {}
    if q.get("type") == "scale":
        return esc(scale_label(inp.framework, q.get("scale"), value))
    return esc(value)


_VERDICT_WORDS = {"agree": "Agree", "agree-with-changes": "Agree with changes", "disagree": "Disagree"}


def _verdict(v: str | None) -> str:
    words = _VERDICT_WORDS.get(v or "", v or "—")
    return f'<font color="{hex_of(ALERT)}"><b>{esc(words)}</b></font>' if v == "disagree" else f"<b>{esc(words)}</b>"


def _cited(ev: list[dict]) -> str:
    refs = ", ".join(esc(e.get("page_ref") or f"{e.get('document_id')} p{e.get('page')}") for e in ev)
    return f'<br/><font color="{hex_of(MUTED)}" size="7.5">Cited: {refs}</font>' if refs else ""


def _mono(text: str, st: Styles) -> str:
    return f'<font name="{st.mono.fontName}" size="8">{esc(text)}</font>'


def _about(inp: RecordInput, st: Styles, width: float) -> list[Flowable]:
    m = inp.moderation
    bundle, report, moderator = m.get("bundle") or {}, m.get("report") or {}, m.get("moderator") or {}
    fw = m.get("framework") or {}
    rows = [
        ("Case reference", f"<b>{esc(bundle.get('case_reference'))}</b>"),
        ("Issued by", esc(inp.issuer)),
        ("Review framework", esc(f"{inp.framework.get('title') or fw.get('id')}, version {fw.get('version')}")),
        ("Bundle id", esc(bundle.get("bundle_id"))),
        ("Bundle fingerprint", _mono(bundle.get("fingerprint") or "", st)),
        ("Reviewer", esc(report.get("signer"))),
        ("Report signed", esc(fmt_datetime(report.get("signed_at"))) or quiet("Not stated")),
        ("Report SHA-256", _mono(report.get("sha256") or "", st)
         + f'<br/><font size="7.5" color="{hex_of(MUTED)}">of the report file exactly as the reviewer signed '
           "it, which is also the first revision of the countersigned report</font>"),
        ("Reviewer's signature", esc(inp.reviewer_trust)),
        ("Moderator", esc(", ".join(x for x in (moderator.get("name"), moderator.get("organisation")) if x))),
        ("Moderation started", esc(fmt_datetime(m.get("started"))) or quiet("Not recorded")),
        ("Moderation completed", esc(fmt_datetime(m.get("completed"))) or quiet("Not recorded")),
    ]
    return [kv_table(rows, st, 118, width), Spacer(1, 14)]


def _headline(inp: RecordInput, st: Styles, width: float) -> list[Flowable]:
    case = inp.moderation.get("case") or {}
    cell: list[Flowable] = [
        Paragraph("OVERALL", st.label),
        Paragraph(esc(overall_words(case.get("overall")).capitalize()), st.headline_sentence),
        Spacer(1, 4),
        Paragraph(esc(agreement_words(inp.moderation.get("agreement")).capitalize() + "."), st.body),
    ]
    cell += text_block(str(case.get("comment") or ""), st.body)
    return headline_panel(cell, width)


def _items(inp: RecordInput, st: Styles, width: float) -> list[Flowable]:
    head = [Paragraph(t, st.cell_head) for t in ("ITEM", "REVIEWER'S JUDGEMENT", "VERDICT", "MODERATED JUDGEMENT",
                                                 "COMMENT")]
    rows = [head]
    for it in inp.moderation.get("items") or []:
        item_id = it.get("item_id")
        comment = "<br/>".join(esc(line) for line in str(it.get("comment") or "").splitlines()) or quiet("None")
        rows.append([
            Paragraph(f"<b>{esc(item_id)}</b> {esc(inp.titles.get(item_id, ''))}", st.cell),
            Paragraph(_judgement(inp, item_id, it.get("reviewer_judgement")), st.cell),
            Paragraph(_verdict(it.get("verdict")), st.cell),
            Paragraph(_judgement(inp, item_id, it.get("moderated_judgement")), st.cell),
            Paragraph(comment + _cited(it.get("evidence") or []), st.cell),
        ])
    widths = [0.22 * width, 0.15 * width, 0.13 * width, 0.15 * width]
    widths.append(width - sum(widths))
    return h1("Items", "items", st) + [ruled_table(rows, widths), Spacer(1, 12)]


def _payments(inp: RecordInput, st: Styles, width: float) -> list[Flowable]:
    payments = (inp.moderation.get("case") or {}).get("payments") or []
    if not payments:
        return []
    rows = [[Paragraph(t, st.cell_head) for t in ("OUTCOME", "REVIEWER", "MODERATED", "REASON FOR A CHANGE")]]
    for p in payments:
        changed = p.get("moderated") != p.get("reviewer")
        moderated = f"<b>{esc(p.get('moderated'))}</b>" if changed else esc(p.get("moderated"))
        rows.append([Paragraph(f"<b>{esc(p.get('item_id'))}</b> {esc(inp.titles.get(p.get('item_id'), ''))}", st.cell),
                     Paragraph(esc(p.get("reviewer")), st.cell), Paragraph(moderated, st.cell),
                     Paragraph(esc(p.get("comment")) or quiet("Unchanged" if not changed else "None"), st.cell)])
    widths = [0.3 * width, 0.14 * width, 0.14 * width]
    widths.append(width - sum(widths))
    return [Paragraph("Payment recommendations", st.h3), ruled_table(rows, widths), Spacer(1, 12)]


def _agreement(inp: RecordInput, st: Styles, width: float) -> list[Flowable]:
    a = inp.moderation.get("agreement") or {}
    exact = a.get("exact")
    exact_words = "No graded items"
    if isinstance(exact, (int, float)):
        exact_words = (f"{exact * 100:.1f}% ({round(exact * a.get('graded', 0))} of {a.get('graded')} graded items "
                       "have the same judgement after moderation)")
    rows = [("Items moderated", esc(a.get("items"))), ("Agreed", esc(a.get("agree"))),
            ("Agreed with changes", esc(a.get("agree_with_changes"))), ("Disagreed", esc(a.get("disagree"))),
            ("Exact agreement", esc(exact_words))]
    return [KeepTogether(h1("Agreement", "agreement", st) + [kv_table(rows, st, 118, width)]), Spacer(1, 12)]


def _closing(inp: RecordInput, st: Styles, width: float, sink: dict) -> list[Flowable]:
    moderator = inp.moderation.get("moderator") or {}
    who = ", ".join(esc(x) for x in (moderator.get("name"), moderator.get("organisation")) if x)
    parts: list[Flowable] = [
        *h1("Declaration and signature", "signature", st),
        Paragraph(esc(DECLARATION), st.body),
    ]
    if inp.moderator_registration:
        parts.append(Paragraph(f"Professional registration: {esc(inp.moderator_registration)}", st.body))
    parts += [
        Paragraph("The moderator's digital signature certifies this record and the machine-readable moderation "
                  "(moderation.json) attached to it, and allows no later change. Its SHA-256, "
                  f"{_mono(inp.moderation_sha256, st)}, is named in the reason of the moderator's "
                  "countersignature on the report.", st.body_muted),
        Spacer(1, 8),
        SignatureBlock([("moderator", "Moderator", who or "The moderator")], st, sink),
    ]
    return [Spacer(1, 14), KeepTogether(parts)]


class _RecordDoc(BaseDocTemplate):
    def __init__(self, buf, inp: RecordInput, **kw):
        super().__init__(buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                         bottomMargin=MARGIN_BOTTOM, invariant=1, **kw)
        self._ref = str((inp.moderation.get("bundle") or {}).get("case_reference") or "")
        self._marking = inp.marking
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
        self.addPageTemplates([PageTemplate("body", [frame], onPage=self._decorate)])

    def _decorate(self, c, doc) -> None:
        draw_marking_band(c, self, self._marking)
        draw_running_head(c, self, "MODERATION RECORD", self._ref)
        c.defer_footer(self._footer)

    def _footer(self, c, number: int, total: int) -> None:
        draw_footer(c, self, self._marking, f"Moderation of case {self._ref}", number, total)


def _completed_date(value: str | None) -> str | None:
    when = parse_when(value)
    return pdf_date(when) if isinstance(when, datetime) else None


def render_record(inp: RecordInput) -> RenderedRecord:
    """Lay the record out (A4, fonts embedded, outline, "Page N of M") and say where the signature goes."""
    ensure_fonts()
    st = make_styles()
    m = inp.moderation
    bundle, moderator = m.get("bundle") or {}, m.get("moderator") or {}
    ref = str(bundle.get("case_reference") or "")
    buf = BytesIO()
    doc = _RecordDoc(buf, inp, title=f"Moderation record — {ref}", author=moderator.get("name") or "Moderator",
                     subject=f"Moderation of the report with SHA-256 {(m.get('report') or {}).get('sha256')}",
                     creator="CaseView", keywords=["moderation record", ref])
    sink: dict = {}
    story: list[Flowable] = [
        Paragraph(esc(inp.issuer.upper()), st.cover_kicker),
        Spacer(1, 6),
        Paragraph("Moderation record", st.cover_title),
        Paragraph(esc(ref), st.cover_ref),
        HRFlowable(width="100%", thickness=1.2, color=ACCENT, spaceBefore=10, spaceAfter=12),
        *_headline(inp, st, doc.width),
        *_about(inp, st, doc.width),
        *_items(inp, st, doc.width),
        *_payments(inp, st, doc.width),
        *_agreement(inp, st, doc.width),
        *_closing(inp, st, doc.width, sink),
    ]
    extra = (("CaseViewFingerprint", str(bundle.get("fingerprint") or "")),
             ("CaseViewCaseReference", ref),
             ("CaseViewBundleId", str(bundle.get("bundle_id") or "")),
             (REPORT_INFO_KEY[1:], str((m.get("report") or {}).get("sha256") or "")))
    canvasmaker = functools.partial(ReportCanvas, extra_info=extra, pdf_date=_completed_date(m.get("completed")))
    doc.build(story, canvasmaker=canvasmaker)
    page, x1, y1, x2, y2 = sink["moderator"]
    if page != doc.page:
        raise AssertionError(f"the moderator's signature box landed on page {page} of {doc.page}")
    return RenderedRecord(buf.getvalue(), SignatureBox(-1, round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2)),
                          doc.page)
