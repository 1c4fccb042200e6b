"""Money formatting and pence: exact, UK style, never through a float."""

from decimal import Decimal

import pytest

from caseview.core.money import format_money, pence


def test_money_reads_the_uk_way():
    assert format_money(Decimal("1500")) == "£1,500.00"
    assert format_money("750.00") == "£750.00"
    assert format_money(Decimal("0.10") + Decimal("0.20")) == "£0.30"
    assert format_money(Decimal("1234567.5"), "EUR") == "€1,234,567.50"
    assert format_money(Decimal("12.5"), "usd") == "USD 12.50"
    assert format_money(Decimal("-3.00")) == "−£3.00"


def test_pence_are_exact():
    assert pence(Decimal("3250.00")) == 325000
    assert pence(Decimal("0.10") + Decimal("0.20")) == 30
    with pytest.raises(ValueError):
        pence(Decimal("0.005"))
