"""Money as a commissioner reads it: exact decimals, shown "£1,500.00"; never a float."""

from __future__ import annotations

from decimal import Decimal

SYMBOLS = {"GBP": "£", "EUR": "€"}


def format_money(amount: Decimal | int | str, currency: str = "GBP") -> str:
    """``Decimal("1500")`` as "£1,500.00"; a currency without a symbol here is written before it ("USD 12.50")."""
    value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("money must be a finite amount")
    sign = "−" if value < 0 else ""
    text = f"{abs(value).quantize(Decimal('0.01')):,.2f}"
    symbol = SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{currency.upper()} {text}"


def pence(amount: Decimal) -> int:
    """Whole pence of an amount with at most two decimal places (a finer amount is an error, not rounded)."""
    scaled = amount * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than two decimal places")
    return int(scaled)
