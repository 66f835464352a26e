"""The one place quote amounts are computed (报价金额), in Decimal, for the saved quote and the live editor alike.

Per line, each step is rounded half-up to the cent (`core.money.round_money`) before the next uses it:

    subtotal = round(quantity × unit price)
    discount = round(subtotal × discount % / 100)
    tax      = round((subtotal − discount) × tax rate % / 100)
    total    = subtotal − discount + tax

The quote's subtotal, discount, tax and total are the sums of its lines' rounded amounts, so the
printed lines always add up to the printed totals. A discount is at most 100 %, so no amount is
ever negative. All lines of a quote are in the quote's currency; nothing here converts currencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from guanxi.core.money import CENT, MAX_DIGITS, ZERO, round_money

HUNDRED = Decimal(100)
# The largest amount a money column holds (16 digits before the point).
MAX_AMOUNT = Decimal(10) ** (MAX_DIGITS - 2) - Decimal("0.01")


@dataclass(frozen=True)
class LineAmounts:
    """What one line comes to."""

    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class QuoteAmounts:
    """What a whole quote comes to, and its largest line discount (which approvals look at)."""

    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    max_discount_percent: Decimal


def line_amounts(*, quantity: Decimal, unit_price: Decimal, discount_percent: Decimal = ZERO,
                 tax_rate: Decimal = ZERO) -> LineAmounts:
    subtotal = round_money(Decimal(quantity) * Decimal(unit_price))
    discount = round_money(subtotal * Decimal(discount_percent) / HUNDRED)
    tax = round_money((subtotal - discount) * Decimal(tax_rate) / HUNDRED)
    return LineAmounts(subtotal=subtotal, discount=discount, tax=tax, total=subtotal - discount + tax)


def quote_amounts(lines: Iterable[tuple[LineAmounts, Decimal]]) -> QuoteAmounts:
    """Sum `(amounts, discount_percent)` pairs of the lines."""
    subtotal = discount = tax = total = ZERO
    max_discount = Decimal("0.00")
    for amounts, discount_percent in lines:
        subtotal += amounts.subtotal
        discount += amounts.discount
        tax += amounts.tax
        total += amounts.total
        max_discount = max(max_discount, Decimal(discount_percent))
    return QuoteAmounts(subtotal=subtotal, discount=discount, tax=tax, total=total,
                        max_discount_percent=max_discount.quantize(CENT))


def fits(amounts: LineAmounts | QuoteAmounts) -> bool:
    """Whether every amount fits the money columns; a bigger one is refused, not truncated."""
    return all(value <= MAX_AMOUNT for value in (amounts.subtotal, amounts.discount, amounts.tax, amounts.total))
