"""Money arithmetic: integer minor units, tax per line rounded half-up, display by currency."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_support import create_tax, line, open_invoice
from services.billing import money
from services.billing.money import AppliedTax, line_amounts, line_tax, rate_ppm, totals

RATES = ["7.7", "19", "20", "8.875", "0"]


def exact_tax(amount: int, rate: str, inclusive: bool) -> Fraction:
    share = Fraction(rate) / 100
    return amount - amount / (1 + share) if inclusive else amount * share


def half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


@pytest.mark.parametrize(
    ("rate", "inclusive", "amount", "tax"),
    [
        ("7.7", False, 1000, 77),
        ("7.7", False, 1299, 100),  # 100.023
        ("7.7", False, 500, 39),  # 38.5
        ("7.7", False, 2500, 193),  # 192.5
        ("19", False, 999, 190),  # 189.81
        ("19", False, 150, 29),  # 28.5
        ("19", False, 350, 67),  # 66.5
        ("20", False, 999, 200),  # 199.8
        ("20", False, 2, 0),  # 0.4
        ("20", False, 3, 1),  # 0.6
        ("8.875", False, 3750, 333),  # 332.8125
        ("8.875", False, 100, 9),  # 8.875
        ("8.875", False, 1200, 107),  # 106.5
        ("0", False, 12345, 0),
        ("7.7", True, 1077, 77),  # 1077 - 1000
        ("7.7", True, 5000, 357),  # 357.47
        ("19", True, 1190, 190),
        ("19", True, 5000, 798),  # 798.32
        ("19", True, 100, 16),  # 15.97
        ("20", True, 1000, 167),  # 166.67
        ("20", True, 3, 1),  # 0.5
        ("20", True, 15, 3),  # 2.5
        ("8.875", True, 1000, 82),  # 81.52
        ("8.875", True, 108875, 8875),
        ("0", True, 999, 0),
    ],
)
def test_the_tax_of_a_line_is_rounded_half_up(rate, inclusive, amount, tax):
    assert line_tax(amount, rate_ppm(rate), inclusive=inclusive) == tax


@pytest.mark.parametrize(
    ("rate", "inclusive", "amount"),
    [("7.7", False, 500), ("19", False, 150), ("8.875", False, 1200), ("20", True, 15)],
)
def test_a_tax_exactly_halfway_rounds_up_where_bankers_rounding_would_go_down(
    rate, inclusive, amount
):
    exact = exact_tax(amount, rate, inclusive)

    assert exact - math.floor(exact) == Fraction(1, 2)
    assert round(exact) == math.floor(exact)
    assert line_tax(amount, rate_ppm(rate), inclusive=inclusive) == math.floor(exact) + 1


rates = st.sampled_from(RATES) | st.decimals(
    min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False
).map(str)
lines = st.lists(
    st.tuples(st.integers(1, 1000), st.integers(0, 9_999_999_999), rates),
    min_size=1,
    max_size=50,
)


def computed(entries, inclusive: bool):
    taxes = [AppliedTax("tax_x", "T", rate_ppm(rate), inclusive) for _, _, rate in entries]
    return [
        (line_amounts(quantity, unit, tax), tax)
        for (quantity, unit, _), tax in zip(entries, taxes, strict=True)
    ]


@settings(max_examples=300, deadline=None)
@given(lines)
def test_with_exclusive_taxes_the_total_is_the_subtotal_plus_the_tax(entries):
    result = totals(computed(entries, inclusive=False))

    assert result.subtotal == sum(quantity * unit for quantity, unit, _ in entries)
    assert result.total == result.subtotal + result.tax
    assert result.tax == sum(
        half_up(exact_tax(quantity * unit, rate, False)) for quantity, unit, rate in entries
    )


@settings(max_examples=300, deadline=None)
@given(lines)
def test_with_inclusive_taxes_the_total_is_the_sum_of_the_line_amounts(entries):
    priced = computed(entries, inclusive=True)
    result = totals(priced)

    assert result.total == result.subtotal == sum(amounts.amount for amounts, _ in priced)
    for (quantity, unit, rate), (amounts, _) in zip(entries, priced, strict=True):
        assert amounts.tax == half_up(exact_tax(quantity * unit, rate, True))
        assert 0 <= amounts.tax <= amounts.amount


def test_mixed_lines_add_only_the_exclusive_taxes_to_the_total():
    vat = AppliedTax("tax_1", "VAT", 190_000, True)
    sales = AppliedTax("tax_2", "Sales", 88_750, False)
    priced = [
        (line_amounts(1, 5000, vat), vat),
        (line_amounts(3, 1250, sales), sales),
        (line_amounts(2, 100, None), None),
    ]

    result = totals(priced)

    assert (result.subtotal, result.tax, result.total) == (5000 + 3750 + 200, 798 + 333, 9283)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (123456, "EUR", "1,234.56 EUR"),
        (5, "EUR", "0.05 EUR"),
        (0, "USD", "0.00 USD"),
        (1500, "JPY", "1,500 JPY"),
        (12345, "KWD", "12.345 KWD"),
        (1234567, "CLF", "123.4567 CLF"),
        (9_999_999_999, "BHD", "9,999,999.999 BHD"),
    ],
)
def test_amounts_are_shown_with_the_currencys_decimal_places(amount, currency, shown):
    assert money.format_amount(amount, currency) == shown


def test_the_currency_table_knows_the_usual_exponents():
    assert {code: money.exponent(code) for code in ("JPY", "EUR", "USD", "KWD", "TND")} == {
        "JPY": 0,
        "EUR": 2,
        "USD": 2,
        "KWD": 3,
        "TND": 3,
    }


def test_rates_are_shown_without_trailing_zeros():
    assert [money.format_percent(rate_ppm(rate)) for rate in RATES] == [
        "7.7%",
        "19%",
        "20%",
        "8.875%",
        "0%",
    ]


def test_an_invoice_through_the_api_rounds_each_line_then_adds_them_up(client, tenant):
    def tax(rate, inclusive):
        body = {"name": f"{rate} {inclusive}", "ratePercent": float(rate), "inclusive": inclusive}
        return create_tax(client, tenant.key, **body).json()["id"]

    exclusive = [
        line(unit_amount=a, tax_id=tax(r, False))
        for r, a in zip(RATES, [500, 150, 3, 1200, 7], strict=True)
    ]
    inclusive = [
        line(unit_amount=a, tax_id=tax(r, True))
        for r, a in zip(RATES, [5000, 100, 15, 1000, 7], strict=True)
    ]

    outside = open_invoice(client, tenant.key, lines=exclusive)
    inside = open_invoice(client, tenant.key, lines=inclusive)

    assert [entry["taxAmount"] for entry in outside["lines"]] == [39, 29, 1, 107, 0]
    assert (outside["subtotal"], outside["taxTotal"], outside["total"]) == (1860, 176, 2036)
    assert [entry["taxAmount"] for entry in inside["lines"]] == [357, 16, 3, 82, 0]
    assert (inside["subtotal"], inside["taxTotal"], inside["total"]) == (6122, 458, 6122)
