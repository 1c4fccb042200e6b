"""What a commissioner can pay from: per-outcome Pay / Withhold / Defer with exact amounts and totals.

Worked out from the bundle's claims (format 1.1 ``items[].claim``) and the reviewer's
``payment`` and ``recheck`` answers (``outcome-verification`` 1.1): Pay is the claimed
amount, Withhold is nothing, Defer holds the amount until the recheck date. Money is
``Decimal`` throughout, never a float; totals are per currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Mapping

from .dates import uk_date
from .money import format_money

PAY, WITHHOLD, DEFER = "Pay", "Withhold", "Defer"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PaymentRow:
    item_id: str
    title: str
    claim_reference: str | None  # None: an outcome with no money attached
    measure: str | None
    amount: Decimal | None
    currency: str
    threshold: str | None  # the reviewer's verdict on the contract measure, when answered
    recommendation: str | None  # Pay, Withhold, Defer, or None when not yet answered
    recheck: date | None

    @property
    def to_pay(self) -> Decimal:
        return self.amount if self.amount is not None and self.recommendation == PAY else ZERO

    @property
    def withheld(self) -> Decimal:
        return self.amount if self.amount is not None and self.recommendation == WITHHOLD else ZERO

    @property
    def deferred(self) -> Decimal:
        return self.amount if self.amount is not None and self.recommendation == DEFER else ZERO

    @property
    def undecided(self) -> Decimal:
        return self.amount if self.amount is not None and self.recommendation is None else ZERO

    @property
    def decided_amount(self) -> Decimal | None:
        """The amount this row's recommendation releases now (Pay: the claim; otherwise nothing)."""
        if self.amount is None or self.recommendation is None:
            return None
        return self.to_pay


@dataclass(frozen=True)
class Totals:
    currency: str
    claimed: Decimal
    to_pay: Decimal
    withheld: Decimal
    deferred: Decimal
    undecided: Decimal


@dataclass(frozen=True)
class Payments:
    rows: tuple[PaymentRow, ...]
    totals: tuple[Totals, ...]  # one per currency, in the order the claims first use them

    def headline(self) -> str:
        """"Recommend paying £1,000.00 of £3,250.00 claimed; £1,500.00 deferred to 2 April 2027"."""
        return "; ".join(self._headline(t) for t in self.totals) + "."

    def _headline(self, t: Totals) -> str:
        money = lambda d: format_money(d, t.currency)  # noqa: E731
        parts = [f"Recommend paying {money(t.to_pay)} of {money(t.claimed)} claimed"]
        if t.withheld:
            parts.append(f"{money(t.withheld)} withheld")
        if t.deferred:
            dates = sorted({r.recheck for r in self.rows if r.currency == t.currency and r.deferred and r.recheck})
            when = " and ".join(uk_date(d) for d in dates)
            parts.append(f"{money(t.deferred)} deferred" + (f" to {when}" if when else " (no recheck date yet)"))
        if t.undecided:
            parts.append(f"{money(t.undecided)} not yet recommended")
        return "; ".join(parts)


def _decimal(value) -> Decimal | None:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def compute_payments(manifest: Mapping, findings: Mapping) -> Payments | None:
    """Rows for every outcome item, in bundle order; None when no outcome carries a claim.

    ``manifest`` is the bundle's manifest as parsed JSON (checked at import: amounts are
    two-place decimal strings); ``findings`` the findings JSON of the review.
    """
    answers = {it.get("item_id"): it.get("answers") or {} for it in findings.get("items") or []}
    rows = []
    for item in manifest.get("items") or []:
        if item.get("kind") != "outcome":
            continue
        claim = item.get("claim") if isinstance(item.get("claim"), dict) else None
        given = answers.get(item.get("id"), {})
        recommendation = given.get("payment")
        rows.append(PaymentRow(
            item_id=str(item.get("id")), title=str(item.get("title") or ""),
            claim_reference=str(claim.get("reference")) if claim else None,
            measure=item.get("measure"),
            amount=_decimal(claim.get("amount")) if claim else None,
            currency=str(claim.get("currency") or "GBP") if claim else "GBP",
            threshold=given.get("threshold"),
            recommendation=recommendation if recommendation in (PAY, WITHHOLD, DEFER) else None,
            recheck=_date(given.get("recheck")) if recommendation == DEFER else None,
        ))
    if not any(r.amount is not None for r in rows):
        return None
    currencies: list[str] = []
    for r in rows:
        if r.amount is not None and r.currency not in currencies:
            currencies.append(r.currency)
    totals = []
    for cur in currencies:
        mine = [r for r in rows if r.amount is not None and r.currency == cur]
        totals.append(Totals(cur, claimed=sum((r.amount for r in mine), ZERO),
                             to_pay=sum((r.to_pay for r in mine), ZERO),
                             withheld=sum((r.withheld for r in mine), ZERO),
                             deferred=sum((r.deferred for r in mine), ZERO),
                             undecided=sum((r.undecided for r in mine), ZERO)))
    return Payments(tuple(rows), tuple(totals))
