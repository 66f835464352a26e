"""Quote amounts: hand-computed examples of the rounding rule, and properties that hold for any line."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.sales.quotes.totals import LineAmounts, fits, line_amounts, quote_amounts

D = Decimal


@pytest.mark.parametrize("quantity,price,discount,tax,expected", [
    # 3 × 199.99 = 599.97; 10 % = 59.997 → 60.00; 13 % of 539.97 = 70.1961 → 70.20
    ("3", "199.99", "10", "13", ("599.97", "60.00", "70.20", "610.17")),
    # 0.5 × 0.05 = 0.025 → 0.03 (half-up, not to even); 6 % of 0.03 = 0.0018 → 0.00
    ("0.5", "0.05", "0", "6", ("0.03", "0.00", "0.00", "0.03")),
    # 1.5 × 33.33 = 49.995 → 50.00; 12.5 % = 6.25; 13 % of 43.75 = 5.6875 → 5.69
    ("1.5", "33.33", "12.5", "13", ("50.00", "6.25", "5.69", "49.44")),
    # a line given away: 100 % discount, no tax on nothing
    ("10", "100", "100", "13", ("1000.00", "1000.00", "0.00", "0.00")),
    # 0.01 × 0.01 = 0.0001 → 0.00
    ("0.01", "0.01", "0", "0", ("0.00", "0.00", "0.00", "0.00")),
])
def test_line_amounts_round_half_up_at_each_step(quantity, price, discount, tax, expected):
    amounts = line_amounts(quantity=D(quantity), unit_price=D(price), discount_percent=D(discount), tax_rate=D(tax))
    assert (amounts.subtotal, amounts.discount, amounts.tax, amounts.total) == tuple(D(v) for v in expected)
    assert all(value.as_tuple().exponent == -2 for value in (amounts.subtotal, amounts.discount, amounts.tax,
                                                               amounts.total))


def test_quote_totals_are_the_sums_of_the_rounded_lines():
    first = line_amounts(quantity=D("3"), unit_price=D("199.99"), discount_percent=D("10"), tax_rate=D("13"))
    second = line_amounts(quantity=D("1.5"), unit_price=D("33.33"), discount_percent=D("12.5"), tax_rate=D("13"))
    amounts = quote_amounts([(first, D("10")), (second, D("12.5"))])
    assert (amounts.subtotal, amounts.discount, amounts.tax, amounts.total) == (
        D("649.97"), D("66.25"), D("75.89"), D("659.61"))
    assert amounts.max_discount_percent == D("12.5")


def test_an_empty_quote_comes_to_zero():
    amounts = quote_amounts([])
    assert (amounts.subtotal, amounts.discount, amounts.tax, amounts.total, amounts.max_discount_percent) == (
        D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"))


def test_an_amount_beyond_the_money_column_does_not_fit():
    huge = line_amounts(quantity=D("9999999999.99"), unit_price=D("9999999999.99"))
    assert not fits(huge)
    assert fits(LineAmounts(D("9999999999999999.99"), D(0), D(0), D("9999999999999999.99")))


quantities = st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2, allow_nan=False,
                         allow_infinity=False)
prices = st.decimals(min_value=D("0.00"), max_value=D("9999999.99"), places=2, allow_nan=False, allow_infinity=False)
percents = st.decimals(min_value=D("0.00"), max_value=D("100.00"), places=2, allow_nan=False, allow_infinity=False)
lines = st.tuples(quantities, prices, percents, percents)


@settings(max_examples=300, deadline=None)
@given(lines)
def test_a_line_total_is_subtotal_minus_discount_plus_tax_and_never_negative(values):
    quantity, price, discount, tax = values
    amounts = line_amounts(quantity=quantity, unit_price=price, discount_percent=discount, tax_rate=tax)
    assert amounts.total == amounts.subtotal - amounts.discount + amounts.tax
    assert min(amounts.subtotal, amounts.discount, amounts.tax, amounts.total) >= 0
    assert amounts.discount <= amounts.subtotal
    # each amount is within half a cent of the exact figure
    assert abs(amounts.subtotal - quantity * price) <= D("0.005")


@settings(max_examples=200, deadline=None)
@given(st.lists(lines, max_size=20))
def test_quote_totals_add_up_and_are_never_negative(rows):
    computed = [(line_amounts(quantity=q, unit_price=p, discount_percent=d, tax_rate=t), d) for q, p, d, t in rows]
    amounts = quote_amounts(computed)
    assert amounts.total == amounts.subtotal - amounts.discount + amounts.tax
    assert amounts.total == sum((a.total for a, _d in computed), D("0.00"))
    assert amounts.total >= 0
    assert amounts.max_discount_percent == max((d for _q, _p, d, _t in rows), default=D("0.00"))
