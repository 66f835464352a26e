"""Quotes (报价单) and their lines. Totals are stored, computed only by `quotes.totals`."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OwnedModel, ScopedManager
from guanxi.core.money import currency_field, money_field

from .choices import QuoteStatus

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class Quote(OwnedModel):
    """An offer to a customer: numbered (QT-2026-000123); a revision is a new version of the same number."""

    scope_module = "quotes"
    has_collaborators = False

    number = models.CharField(_("number"), max_length=40, editable=False)
    revision = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # The quote this one revises; all versions of a number share the first one's id here.
    first_version = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", editable=False)
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="quotes")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    opportunity = models.ForeignKey("opportunities.Opportunity", verbose_name=_("opportunity"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="quotes")
    status = models.CharField(_("status"), max_length=20, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT,
                              editable=False)
    currency = currency_field()
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    terms = models.TextField(_("terms"), max_length=10000, blank=True, validators=[MaxLengthValidator(10000)])
    notes = models.TextField(_("notes"), max_length=10000, blank=True, validators=[MaxLengthValidator(10000)])
    subtotal = money_field(_("subtotal"), editable=False)
    discount_total = money_field(_("discount"), editable=False)
    tax_total = money_field(_("tax"), editable=False)
    total = money_field(_("total"), editable=False)
    # The largest line discount, which decides whether the quote needs approval.
    max_discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0), editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("accepted or rejected at"), null=True, blank=True, editable=False)
    # False once a newer revision of the same number exists: this one is then read-only history.
    is_latest = models.BooleanField(_("latest version"), default=True, editable=False)
    # What the approver wrote when sending the quote back or refusing it, shown to the seller.
    approval_note = models.CharField(_("approver's comment"), max_length=1000, blank=True, editable=False)
    # Why the customer turned the quote down (the customer's answer, not an approver's).
    rejection_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["number", "revision"], name="quote_number_revision")]
        indexes = [
            models.Index(fields=["owner", "-id"], name="quote_owner"),
            models.Index(fields=["department", "-id"], name="quote_department"),
            models.Index(fields=["customer", "-id"], name="quote_customer"),
            models.Index(fields=["status", "-id"], name="quote_status"),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.revision}"

    @property
    def is_editable(self) -> bool:
        """Only the latest version, while it is a draft (new, or sent back by an approver)."""
        return self.is_latest and self.status == QuoteStatus.DRAFT


class QuoteLine(models.Model):
    """A line of a quote: product, quantity, unit price, discount % and tax rate %, with computed amounts."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey("products.Product", verbose_name=_("product"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=Decimal(1),
                                   validators=[MinValueValidator(Decimal("0.01"))])
    unit_price = money_field(_("unit price"))
    discount_percent = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=Decimal(0),
                                           validators=PERCENT)
    tax_rate = models.DecimalField(_("tax rate %"), max_digits=5, decimal_places=2, default=Decimal(0),
                                   validators=PERCENT)
    subtotal = money_field(_("subtotal"), editable=False)
    discount = money_field(_("discount"), editable=False)
    tax = money_field(_("tax"), editable=False)
    total = money_field(_("total"), editable=False)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description
