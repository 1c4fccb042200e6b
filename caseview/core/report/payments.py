"""The report's payment recommendation: the money headline and one row per outcome, with totals."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer, Table

from ..dates import uk_date
from ..money import format_money
from ..payments import DEFER, Payments, PaymentRow
from .blocks import Paragraph, headline_panel, quiet, ruled_table, table_style
from .style import ACCENT, RULE, Styles, esc, smallcaps


def money_headline(payments: Payments, st: Styles, width: float) -> list[Flowable]:
    """The summary's headline panel: what to pay, of what was claimed; never a bare "Partial"."""
    cell = [Paragraph(smallcaps("Payment recommendation"), st.label), Spacer(1, 4),
            Paragraph(esc(payments.headline()), st.headline_sentence)]
    return headline_panel(cell, width)


def _recommendation(row: PaymentRow) -> str:
    if row.recommendation is None:
        return quiet("Not yet recommended")
    if row.recommendation == DEFER:
        return "<b>Defer</b> to " + esc(uk_date(row.recheck)) if row.recheck else "<b>Defer</b> " + quiet("(no date)")
    return f"<b>{esc(row.recommendation)}</b>"


def payment_table(payments: Payments, st: Styles, width: float) -> list[Flowable]:
    """One row per outcome (claim reference, measure, claimed, verdict, recommendation, amount), then totals."""
    story: list[Flowable] = [Paragraph("Payment by outcome", st.h3), Paragraph(
        "Pay releases the claimed amount; Withhold releases nothing on this claim; Defer holds the amount until "
        "the recheck date. Outcomes are named by their bundle id and title; the claim reference is the "
        "provider's own.", st.body_muted), Spacer(1, 4)]
    head = ["Outcome", "Claim", "Claimed", "Threshold", "Recommendation", "To pay now"]
    rows = [[Paragraph(h, st.cell_head) for h in head]]
    for r in payments.rows:
        outcome = f"<b>{esc(r.item_id)}</b> {esc(r.title)}"
        if r.measure:
            outcome += f'<br/><font size="7.5">{quiet(esc(r.measure))}</font>'
        claimed = esc(format_money(r.amount, r.currency)) if r.amount is not None else quiet("No money attached")
        to_pay = r.decided_amount
        rows.append([
            Paragraph(outcome, st.cell),
            Paragraph(esc(r.claim_reference or "—"), st.cell),
            Paragraph(claimed, st.cell_right),
            Paragraph(esc(r.threshold) if r.threshold else quiet("Not answered"), st.cell),
            Paragraph(_recommendation(r) if r.amount is not None or r.recommendation else quiet("—"), st.cell),
            Paragraph(esc(format_money(to_pay, r.currency)) if to_pay is not None and r.amount is not None
                      else quiet("—"), st.cell_right),
        ])
    widths = [0, 86, 60, 58, 86, 58]
    widths[0] = width - sum(widths)
    story.append(ruled_table(rows, widths))
    story.append(Spacer(1, 8))
    for t in payments.totals:
        money = lambda d: esc(format_money(d, t.currency))  # noqa: E731
        lines = [("Total claimed", money(t.claimed)), ("Recommended to pay", f"<b>{money(t.to_pay)}</b>"),
                 ("Withheld", money(t.withheld)), ("Deferred", money(t.deferred))]
        if t.undecided:
            lines.append(("Not yet recommended", money(t.undecided)))
        data = [[Paragraph(smallcaps(k), st.label), Paragraph(v, st.cell_right)] for k, v in lines]
        table = Table(data, colWidths=[150, 90], hAlign="RIGHT")
        table.setStyle(table_style([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
            ("LINEABOVE", (0, 1), (-1, 1), 0.8, ACCENT),
        ]))
        story += [table, Spacer(1, 10)]
    return story
