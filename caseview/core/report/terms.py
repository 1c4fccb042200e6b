"""The report's terms of reference: what the commissioner asked, by when, and which claims are under review."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from reportlab.platypus import Flowable, PageBreak, Spacer

from ..money import format_money
from .blocks import Context, Paragraph, h1, kv_table, quiet, ruled_table, text_block
from .model import ReportInput
from .style import Styles, esc, fmt_date


def claim_amount(claim: dict) -> str:
    """A claim's amount as money, or as written when it is not a decimal (the manifest check refuses that)."""
    try:
        return format_money(Decimal(str(claim.get("amount"))), str(claim.get("currency") or "GBP"))
    except (InvalidOperation, ValueError):
        return str(claim.get("amount") or "")


def claimed_outcomes(manifest: dict) -> list[tuple[dict, dict]]:
    """(item, claim) for each outcome item that carries a claim (format 1.1), in manifest order."""
    return [(it, it["claim"]) for it in manifest.get("items") or []
            if it.get("kind") == "outcome" and isinstance(it.get("claim"), dict)]


def terms_of_reference(inp: ReportInput, ctx: Context, st: Styles, width: float) -> list[Flowable]:
    manifest = inp.manifest
    review = manifest.get("review") or {}
    issuer = manifest.get("issuer") or {}
    story = h1("Terms of reference", "terms", st)
    asked = review.get("terms_of_reference") or review.get("instructions")
    if asked:
        story += text_block(str(asked), st.body)
    else:
        story.append(Paragraph(quiet("The bundle states no terms of reference."), st.body))
    story.append(Spacer(1, 6))
    commissioned = ", ".join(esc(x) for x in (issuer.get("organisation"), issuer.get("department")) if x)
    period = (manifest.get("case") or {}).get("period") or {}
    rows = [("Commissioned by", commissioned or quiet("Not stated"))]
    if period.get("start") or period.get("end"):
        rows.append(("Period the bundle covers",
                     f"{esc(fmt_date(period.get('start')))} to {esc(fmt_date(period.get('end')))}"))
    rows.append(("Review due", esc(fmt_date(review.get("due"))) or quiet("No date given")))
    story.append(kv_table(rows, st, 140, width))
    claims = claimed_outcomes(manifest)
    if claims:
        contracts = sorted({str(c.get("contract")) for _, c in claims if c.get("contract")})
        story.append(Paragraph("Claims under review", st.h3))
        if contracts:
            story.append(Paragraph(
                f"Under {'the contract' if len(contracts) == 1 else 'the contracts'} "
                f"{esc(', '.join(contracts))}. Each outcome is named below by its bundle id and title, "
                "which the rest of this report uses; the claim reference is the provider's own.", st.body_muted))
        rows = [[Paragraph(h, st.cell_head) for h in ("Claim", "Outcome (bundle id and title)", "Provider", "Window",
                                                      "")]]
        rows[0][-1] = Paragraph("Amount", st.cell_head_right)
        for item, claim in claims:
            window = claim.get("window") or {}
            rows.append([
                Paragraph(esc(claim.get("reference", "")), st.cell),
                Paragraph(f"<b>{esc(item.get('id'))}</b> {esc(item.get('title', ''))}", st.cell),
                Paragraph(esc(claim.get("provider", "")), st.cell),
                Paragraph(f"{esc(fmt_date(window.get('start')))} to {esc(fmt_date(window.get('end')))}", st.cell),
                Paragraph(esc(claim_amount(claim)), st.cell_right),
            ])
        widths = [84, 0, 84, 100, 62]
        widths[1] = width - sum(widths)
        story.append(ruled_table(rows, widths))
    story.append(PageBreak())
    return story
