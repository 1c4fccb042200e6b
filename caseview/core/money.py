"""Money as a commissioner reads it: exact decimals, shown "£1,500.00"; never a float."""

from __future__ import annotations

from decimal import Decimal

SYMBOLS = {"GBP": "£", "EUR": "€"}

# ISO 4217 active alphabetic codes (list one, amendment 179, 2025): a three-letter code that
# is not here is refused, so a typo ("GPB") never reaches a payment table.
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD
KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO
NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD
SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV
WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split())


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
