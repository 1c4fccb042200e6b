"""The review report's content, part by part, as reportlab flowables."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    PageBreak,
    Spacer,
    Table,
)
from reportlab.platypus.flowables import HRFlowable

from .blocks import (
    headline_panel,
    NOT_ANSWERED,
    Context,
    Heading,
    Paragraph,
    answer_markup,
    case_headline,
    h1,
    heading_text,
    headline_questions,
    hex_of,
    item_key,
    item_questions,
    items_in_order,
    kv_table,
    quiet,
    quote_block,
    raised_flags,
    ruled_table,
    scale_description,
    table_style,
    text_block,
)
from .appendices import appendix_a, appendix_b, appendix_c
from .closing import OWN_PARTS, limitations, signatures
from ..payments import compute_payments
from .model import ReportInput
from .payments import money_headline, payment_table
from .terms import terms_of_reference
from .timescales import timeliness
from .style import (
    ACCENT,
    ALERT,
    ALERT_TINT,
    FAINT,
    MUTED,
    PANEL,
    RULE,
    SANS,
    Styles,
    esc,
    fmt_date,
    paragraphs_markup,
    smallcaps,
)


# --- the parts -------------------------------------------------------------


def cover(inp: ReportInput, ctx: Context, st: Styles, width: float) -> list[Flowable]:
    manifest = inp.manifest
    issuer = manifest.get("issuer") or {}
    case = manifest.get("case") or {}
    kicker = esc(issuer.get("organisation", "").upper())
    if issuer.get("department"):
        kicker += f'<br/><font name="{SANS}">{esc(issuer["department"])}</font>'
    title, subject = case.get("title"), case.get("subject")
    # The subject is left out when the title already names it ("Child A: child protection plan … · Child A").
    subtitle = " · ".join(esc(x) for x in (title, subject if subject and subject not in (title or "") else None) if x)
    if inp.draft:
        signed = f'<font color="{hex_of(ALERT)}"><b>Draft — not signed</b></font>'
    elif inp.signed_on is not None:
        signed = esc(fmt_date(inp.signed_on))
    else:
        signed = quiet("Not recorded")
    fw = esc(ctx.framework_title)
    if ctx.framework_version:
        fw += f", version {esc(ctx.framework_version)}"
    rows = [
        ("Case reference", f"<b>{esc(ctx.case_reference)}</b>"),
        ("Issued by", esc(issuer.get("organisation", ""))),
        ("Review framework", fw),
        ("Reviewer", esc(ctx.reviewer_name) or quiet("Not recorded")),
        ("Reviewer's organisation", esc(ctx.reviewer_organisation) or quiet("Not recorded")),
        ("Date signed", signed),
        ("Bundle id", esc(ctx.bundle_id)),
        (
            "Bundle fingerprint",
            f'<font name="{st.mono.fontName}" size="8.5">{esc(ctx.fingerprint)}</font><br/>'
            f'<font size="7.5" color="{hex_of(MUTED)}">SHA-256 of the bundle\'s manifest.json, '
            "which pins every document by its own hash</font>",
        ),
    ]
    story: list[Flowable] = [
        Spacer(1, 22 * mm),
        Paragraph(kicker, st.cover_kicker),
        Spacer(1, 16 * mm),
        Paragraph("Independent case review", st.cover_title),
        Paragraph(esc(ctx.case_reference), st.cover_ref),
    ]
    if subtitle:
        story += [Spacer(1, 2), Paragraph(subtitle, st.cover_sub)]
    story += [
        HRFlowable(width="100%", thickness=1.2, color=ACCENT, spaceBefore=14, spaceAfter=16),
        kv_table(rows, st, 118, width),
        Spacer(1, 18 * mm),
    ]
    about = (
        "This report records an independent reviewer's judgement of the decisions and "
        "claimed outcomes in one pseudonymised case bundle, against the framework named above. "
        "The bundle fingerprint identifies the exact evidence reviewed; Appendix A lists it "
        "document by document. The reviewer's digital signature on the last page covers the "
        "whole report and the machine-readable findings embedded in it."
    )
    statement = (manifest.get("anonymisation") or {}).get("statement")
    story.append(Paragraph(smallcaps("About this report"), st.label))
    story.append(Spacer(1, 3))
    story.append(Paragraph(esc(about), st.small_muted))
    if statement:
        story.append(Spacer(1, 6))
        story.append(Paragraph("<b>How the issuer prepared the bundle.</b> " + esc(statement), st.small_muted))
    story += [NextPageTemplate("body"), PageBreak()]
    return story


def _pays_per_outcome(framework: dict) -> bool:
    """A framework (outcome-verification 1.1) that recommends payment per outcome, not once for the case."""
    return any(q.get("id") == "payment" for q in item_questions(framework, "outcome"))


def summary(inp: ReportInput, ctx: Context, st: Styles, width: float) -> list[Flowable]:
    story = h1("Summary", "summary", st)
    items = items_in_order(inp)
    kinds = [it.get("kind") for it, _ in items]
    counts = ", ".join(
        f"{n} {k}{'s' if n != 1 else ''}" for k in ("decision", "outcome")
        if (n := kinds.count(k))
    )
    story.append(Paragraph(
        f"This review covers {len(items)} item{'s' if len(items) != 1 else ''}"
        f"{f' ({counts})' if counts else ''} in a bundle of {len(inp.documents)} "
        f"document{'s' if len(inp.documents) != 1 else ''} "
        f"issued by {esc(ctx.issuer)}.", st.body_muted))
    story.append(Spacer(1, 6))

    flags = raised_flags(inp)
    if flags:
        rows = [[Paragraph(f"Escalations and concerns ({len(flags)})", st.alert_head)]]
        rows += [[Paragraph("Raised by the reviewer for the commissioner's immediate attention.",
                            st.small_muted)]]
        for where, question, note in flags:
            cell = [Paragraph(f"<b>{esc(where)}</b>", st.cell),
                    Paragraph(f"<i>{esc(question)}</i>", st.small_muted)]
            cell += [Paragraph(p, st.cell) for p in paragraphs_markup(note)]
            rows.append([cell])
        box = Table(rows, colWidths=[width], hAlign="LEFT", splitInRow=1)
        box.setStyle(table_style([
            ("BOX", (0, 0), (-1, -1), 1.6, ALERT),
            ("BACKGROUND", (0, 0), (-1, -1), ALERT_TINT),
            ("LEFTPADDING", (0, 0), (-1, -1), 12),
            ("RIGHTPADDING", (0, 0), (-1, -1), 12),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, 0), 10),
            ("LINEBELOW", (0, 2), (-1, -2), 0.5, ALERT),
            ("BOTTOMPADDING", (0, 1), (-1, -1), 8),
            ("TOPPADDING", (0, 2), (-1, -1), 7),
        ]))
        story.append(box)
    else:
        story.append(Paragraph("No escalations or concerns were raised.", st.body))
    story.append(Spacer(1, 10))

    payments = compute_payments(inp.manifest, inp.findings)
    headline_q = case_headline(inp.framework)
    case_answers = ((inp.findings.get("case") or {}).get("answers")) or {}
    if payments is not None and _pays_per_outcome(inp.framework):
        story += money_headline(payments, st, width)
        story += payment_table(payments, st, width)
    elif headline_q is not None:
        label = str(headline_q.get("text", "")).rstrip(".")
        value = answer_markup(headline_q, case_answers, inp.framework)
        cell = [Paragraph(smallcaps(label), st.label), Spacer(1, 4), Paragraph(value, st.headline)]
        if headline_q.get("type") == "scale" and headline_q["id"] in case_answers:
            desc = scale_description(inp.framework, headline_q.get("scale"),
                                      case_answers[headline_q["id"]])
            if desc:
                cell += [Spacer(1, 3), Paragraph(esc(desc), st.body_muted)]
        story += headline_panel(cell, width)

    story.append(Paragraph("Items reviewed", st.h3))
    decisions_only = all(k == "decision" for k in kinds)
    head = ["ID", "Kind", "Item", "Date", "Judgement" if decisions_only else "Finding"]
    rows = [[Paragraph(h, st.cell_head) for h in head]]
    for item, found in items:
        answers = found.get("answers") or {}
        qs = item_questions(inp.framework, item.get("kind", ""))
        heads = headline_questions(qs)
        if len(heads) == 1:
            finding = _with_dependent_date(heads[0], qs, answers, inp.framework)
        else:
            finding = "<br/>".join(
                f'<font color="{hex_of(MUTED)}">{esc(q["id"].replace("_", " ").capitalize())}:</font> '
                f"{_with_dependent_date(q, qs, answers, inp.framework)}" for q in heads
            )
        if any(q.get("type") == "flag" and (answers.get(q["id"]) or {}).get("raised") for q in qs):
            finding += f'<br/><font color="{hex_of(ALERT)}"><b>Flag raised</b></font>'
        rows.append([
            Paragraph(f"<b>{esc(item.get('id'))}</b>", st.cell),
            Paragraph(esc(str(item.get("kind", "")).capitalize()), st.cell),
            Paragraph(esc(item.get("title", "")), st.cell),
            Paragraph(esc(fmt_date(item.get("date"))), st.cell),
            Paragraph(finding or NOT_ANSWERED, st.cell),
        ])
    widths = [34, 52, 0, 92, 128]
    widths[2] = width - sum(widths)
    story.append(ruled_table(rows, widths))
    story.append(PageBreak())
    return story


def _with_dependent_date(q: dict, qs: list[dict], answers: dict, framework: dict) -> str:
    """A headline answer with the date its answer made necessary: "Defer to 15 January 2027", not a bare "Defer"."""
    text = answer_markup(q, answers, framework)
    for dep in qs:
        cond = dep.get("required_when") or {}
        if dep.get("type") == "date" and cond.get("question") == q["id"] and answers.get(dep["id"]):
            text += " to " + esc(fmt_date(answers[dep["id"]]))
    return text


def _evidence(inp: ReportInput, found: dict, st: Styles, width: float) -> list[Flowable]:
    evidence = found.get("evidence") or []
    out: list[Flowable] = [Paragraph(f"Evidence cited ({len(evidence)})", st.h3)]
    if not evidence:
        out.append(Paragraph("No evidence was cited for this item.", st.body_muted))
        return out
    titles = {d.id: d.title for d in inp.documents}
    grey = hex_of(FAINT)
    rows = []
    for ev in evidence:
        doc_id = str(ev.get("document_id", ""))
        title = titles.get(doc_id, doc_id)
        where = esc(doc_id) + (f", page {esc(ev['page'])} of the document" if ev.get("page") else "")
        head = f"<b>{esc(title)}</b>  <font color='{grey}' size='7.5'>{where}</font>"
        cell: list[Flowable] = [Paragraph(head, st.cell)]
        if ev.get("exact"):
            cell += quote_block(str(ev["exact"]), st, str(ev.get("prefix") or ""), str(ev.get("suffix") or ""))
        else:
            cell.append(Paragraph(f'<font color="{grey}"><i>whole page</i></font>', st.quote))
        rows.append([Paragraph(f"<b>{esc(ev.get('page_ref', ''))}</b>", st.cell), cell])
    table = Table(rows, colWidths=[44, width - 44], hAlign="LEFT", splitInRow=1)
    table.setStyle(table_style([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LINEABOVE", (0, 0), (-1, 0), 0.4, RULE),
    ]))
    out.append(table)
    return out


def item_section(inp: ReportInput, item: dict, found: dict, st: Styles, width: float,
                 position: int) -> list[Flowable]:
    item_id = str(item.get("id", ""))
    title = str(item.get("title", ""))
    kind = str(item.get("kind", ""))
    answers = found.get("answers") or {}
    meta = [smallcaps(kind)] if kind else []
    if item.get("date"):
        meta.append(esc(fmt_date(item["date"])))
    for key, label in (("made_by_role", "Made by"), ("claimed_by", "Claimed by"),
                       ("measure", "Measure")):
        if item.get(key):
            meta.append(f"{label}: {esc(item[key])}")
    head: list[Flowable] = []
    if position > 0:
        # Space, not a rule: a rule would sit under the running header
        # whenever the item starts a page.
        head += [CondPageBreak(70 * mm), Spacer(1, 22)]
    heading = Heading(
        f'<font color="{hex_of(ACCENT)}">{esc(item_id)}</font>  {esc(title)}', st.h2,
        item_key(position), f"{item_id} — {title}", 1,
    )
    keep: list[Flowable] = [heading, Paragraph(" · ".join(meta), st.small_muted), Spacer(1, 8)]
    if item.get("detail"):
        cell = [Paragraph(smallcaps("As recorded"), st.label), Spacer(1, 2)]
        cell += text_block(str(item["detail"]), st.cell)
        box = Table([[cell]], colWidths=[width], hAlign="LEFT", splitInRow=1)
        box.setStyle(table_style([
            ("BACKGROUND", (0, 0), (-1, -1), PANEL),
            ("LINEBEFORE", (0, 0), (0, -1), 2, RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 7),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ]))
        keep += [box, Spacer(1, 10)]
    story = head + [KeepTogether(keep)]

    questions = item_questions(inp.framework, kind)
    tabled = [q for q in questions if q.get("type") != "text"]
    if tabled:
        rows = [[Paragraph("Question", st.cell_head), Paragraph("Answer", st.cell_head)]]
        extra = []
        for i, q in enumerate(tabled, 1):
            rows.append([Paragraph(esc(q.get("text", "")), st.cell),
                         Paragraph(answer_markup(q, answers, inp.framework), st.cell_bold
                                   if q.get("type") in ("scale", "choice") else st.cell)])
            v = answers.get(q["id"])
            if q.get("type") == "flag" and isinstance(v, dict) and v.get("raised"):
                extra += [("BACKGROUND", (0, i), (-1, i), ALERT_TINT),
                          ("LINEBEFORE", (0, i), (0, i), 2.5, ALERT)]
        story.append(ruled_table(rows, [width * 0.58, width * 0.42], extra))
    for q in questions:
        if q.get("type") != "text":
            continue
        story.append(Paragraph(heading_text(q), st.h3))
        if q["id"] in answers and str(answers[q["id"]]).strip():
            story += text_block(str(answers[q["id"]]), st.body)
        else:
            story.append(Paragraph(NOT_ANSWERED, st.body))
    story += _evidence(inp, found, st, width)
    return story


def items(inp: ReportInput, ctx: Context, st: Styles, width: float) -> list[Flowable]:
    story = h1("Findings by item", "items", st)
    for i, (item, found) in enumerate(items_in_order(inp)):
        story += item_section(inp, item, found, st, width, i)
    story.append(PageBreak())
    return story


def case_section(inp: ReportInput, ctx: Context, st: Styles, width: float) -> list[Flowable]:
    story = h1("Case-level findings", "case", st)
    answers = ((inp.findings.get("case") or {}).get("answers")) or {}
    for q in inp.framework.get("case_questions") or []:
        if q.get("id") in OWN_PARTS:
            continue  # limitations and the declaration have parts of their own
        block: list[Flowable] = [Paragraph(heading_text(q), st.h3)]
        kind = q.get("type")
        value = answers.get(q["id"])
        if q["id"] not in answers:
            block.append(Paragraph(NOT_ANSWERED, st.body))
        elif kind in ("list", "tags") and value:
            paras = [ListItem(Paragraph(esc(v), st.body), leftIndent=18) for v in value]
            block.append(ListFlowable(
                paras, bulletType="1" if kind == "list" else "bullet",
                start=None if kind == "list" else "•", bulletFormat="%s." if kind == "list" else None,
                bulletFontName=SANS, bulletFontSize=9.5, bulletColor=ACCENT, leftIndent=18,
            ))
        elif kind == "text":
            block += text_block(str(value), st.body) or [Paragraph(NOT_ANSWERED, st.body)]
        else:
            style = st.answer if kind in ("scale", "choice") else st.body
            block.append(Paragraph(answer_markup(q, answers, inp.framework), style))
            if kind == "scale":
                desc = scale_description(inp.framework, q.get("scale"), value)
                if desc:
                    block.append(Paragraph(esc(desc), st.body_muted))
        story.append(KeepTogether(block[:2]))
        story += block[2:]
        story.append(Spacer(1, 4))
    story.append(PageBreak())
    return story


def build_story(inp: ReportInput, ctx: Context, st: Styles, width: float,
                sink: dict) -> list[Flowable]:
    """The report's parts in the order report-and-signing.md gives (Report contents 1.1)."""
    return (
        cover(inp, ctx, st, width)
        + terms_of_reference(inp, ctx, st, width)
        + summary(inp, ctx, st, width)
        + timeliness(inp, st, width)
        + items(inp, ctx, st, width)
        + case_section(inp, ctx, st, width)
        + limitations(inp, ctx, st, width)
        + appendix_a(inp, ctx, st, width)
        + appendix_b(inp, ctx, st, width)
        + appendix_c(inp, ctx, st, width)
        + signatures(inp, ctx, st, width, sink)
    )
