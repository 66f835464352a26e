"""Amounts as people read them: thousands separated, two decimals, with the currency code."""

from __future__ import annotations

from decimal import Decimal


def money_text(amount: Decimal | None, currency: str = "") -> str:
    if amount is None:
        return "—"
    text = f"{Decimal(amount):,.2f}"
    return f"{currency} {text}" if currency else text
