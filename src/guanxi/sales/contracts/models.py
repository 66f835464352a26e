"""Contracts (合同), their attachments, instalment plans and payments received (回款)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OwnedModel, ScopedManager
from guanxi.core.money import currency_field, money_field

from .choices import ContractStatus, PaymentMethod


def paid_percent(received: Decimal, amount: Decimal) -> int:
    """How much of `amount` is received, in whole percent, for progress bars."""
    if not amount:
        return 0
    return max(0, min(100, int(received * 100 / amount)))


class Contract(OwnedModel):
    """A signed agreement with a customer, numbered HT-2026-000045, maybe from a deal or a quote."""

    scope_module = "contracts"
    has_collaborators = True

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    # "title" alone is a contact's job title (职务) elsewhere; a contract's is its name (标题).
    title = models.CharField(pgettext_lazy("contract", "title"), max_length=200)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="contracts")
    opportunity = models.ForeignKey("opportunities.Opportunity", verbose_name=_("opportunity"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="contracts")
    quote = models.ForeignKey("quotes.Quote", verbose_name=_("quote"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="contracts")
    amount = money_field(_("amount"))
    currency = currency_field()
    signed_on = models.DateField(_("signing date"), null=True, blank=True)
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ContractStatus.choices,
                              default=ContractStatus.DRAFT, editable=False)
    terminated_at = models.DateTimeField(_("terminated at"), null=True, blank=True, editable=False)
    termination_reason = models.CharField(_("termination reason"), max_length=500, blank=True, editable=False)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True, editable=False)
    # What the approver said when the contract was last sent back or rejected (shown on the draft).
    approval_comment = models.CharField(_("approval comment"), max_length=1000, blank=True, editable=False)
    notes = models.TextField(_("notes"), max_length=10000, blank=True, validators=[MaxLengthValidator(10000)])
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Kept equal to the sum of the contract's payments by the receivables services, in the same transaction.
    received_amount = money_field(_("received"), editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"], name="contract_owner"),
            models.Index(fields=["department", "-id"], name="contract_department"),
            models.Index(fields=["customer", "-id"], name="contract_customer"),
            models.Index(fields=["status", "ends_on"], name="contract_status_ends"),
            models.Index(fields=["status", "signed_on"], name="contract_status_signed"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received_amount

    @property
    def paid_percent(self) -> int:
        return paid_percent(self.received_amount, self.amount)

    def status_on(self, day: dt.date) -> str:
        """The status as of `day`: an active contract past its end date is expired even before the
        nightly `contracts-expire` run has written it."""
        if self.status == ContractStatus.ACTIVE and self.ends_on is not None and self.ends_on < day:
            return ContractStatus.EXPIRED
        return self.status

    @property
    def current_status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_current_status_display(self) -> str:
        return str(ContractStatus(self.current_status).label)

    def days_left(self, day: dt.date | None = None) -> int | None:
        """Days until the end date for a contract in force, else None."""
        day = day or timezone.localdate()
        if self.status_on(day) != ContractStatus.ACTIVE or self.ends_on is None:
            return None
        return (self.ends_on - day).days


def contract_attachment_path(instance: ContractAttachment, filename: str) -> str:
    return f"contracts/{instance.contract_id}/{filename}"


class ContractAttachment(models.Model):
    """A file of a contract: the signed scan, annexes."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=contract_attachment_path, max_length=255)
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Instalment(models.Model):
    """One planned payment of a contract (回款计划): an amount due by a date."""

    scope_module = "contracts"
    scope_via = "contract"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField(_("instalment"))
    due_on = models.DateField(_("due date"))
    amount = money_field(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    # Kept equal to the sum of its payments: raised only by a conditional UPDATE that refuses overpayment.
    received_amount = money_field(_("received"), editable=False)
    notes = models.CharField(_("notes"), max_length=255, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["contract", "sequence"]
        constraints = [models.UniqueConstraint(fields=["contract", "sequence"], name="instalment_sequence")]
        indexes = [models.Index(fields=["due_on"], name="instalment_due")]

    def __str__(self) -> str:
        return f"{self.contract_id} #{self.sequence}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received_amount

    @property
    def paid_percent(self) -> int:
        return paid_percent(self.received_amount, self.amount)


class Payment(models.Model):
    """Money received against a contract (回款), usually against one of its instalments."""

    scope_module = "contracts"
    scope_via = "contract"

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="payments")
    instalment = models.ForeignKey(Instalment, verbose_name=_("instalment"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="payments")
    amount = money_field(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    received_on = models.DateField(_("received on"), db_index=True)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices,
                              default=PaymentMethod.BANK_TRANSFER)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # A wrong payment is reversed, not deleted: it stays listed, no longer counts towards the balances.
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True, editable=False)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", editable=False)
    reversal_reason = models.CharField(_("reversal reason"), max_length=500, blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["contract", "-received_on"], name="payment_contract")]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.amount}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None
