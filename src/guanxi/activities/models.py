"""Follow-ups and their attachments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import TimeStampedModel
from guanxi.customers.models import CustomerManager

from .choices import FollowUpKind


class FollowUp(TimeStampedModel):
    """A follow-up (跟进记录): a call, visit, meeting or message with a customer.

    Visible to whoever sees the customer; the author is kept as `author`.
    """

    scope_module = "customers"
    scope_via = "customer"

    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="follow_ups")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="follow_ups")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(pgettext_lazy("follow-up", "kind"), max_length=20,
                             choices=FollowUpKind.choices, default=FollowUpKind.CALL)
    content = models.TextField(_("content"), max_length=10000, validators=[MaxLengthValidator(10000)])
    occurred_at = models.DateTimeField(_("time"))
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)

    # Seen through the customer, so also by the members of the pool a customer waits in.
    objects = CustomerManager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="follow_up_customer"),
            models.Index(fields=["author", "-occurred_at"], name="follow_up_author"),
            models.Index(fields=["-occurred_at", "-id"], name="follow_up_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id}"


def attachment_path(instance: FollowUpAttachment, filename: str) -> str:
    return f"follow-ups/{instance.follow_up_id}/{filename}"


class FollowUpAttachment(models.Model):
    """A file attached to a follow-up: a photo of the visit, a signed note, a call recording."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
