"""Money: Decimal amounts with an ISO currency, rounded in one place. Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DIGITS = 18
DECIMAL_PLACES = 2


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    JPY = "JPY", _("Japanese yen (JPY)")
    GBP = "GBP", _("Pound sterling (GBP)")


DEFAULT_CURRENCY = Currency.CNY


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """An amount column: 16 digits before the point, 2 after, never negative unless asked."""
    validators = kwargs.pop("validators", [MinValueValidator(ZERO)])
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES,
                               validators=validators, **kwargs)


def currency_field(verbose_name=None, **kwargs) -> models.CharField:
    kwargs.setdefault("default", DEFAULT_CURRENCY)
    return models.CharField(verbose_name or _("currency"), max_length=3, choices=Currency.choices, **kwargs)


def round_money(value: Decimal | int | str) -> Decimal:
    """Half-up to the cent, as invoices and contracts round in China."""
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
