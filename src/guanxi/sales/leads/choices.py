"""Statuses of leads (线索)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LeadStatus(models.TextChoices):
    """Where a lead stands. `converted` is final: set only by conversion, after which the lead is read-only.
    `disqualified` closes a lead but can be reopened by editing its status."""

    NEW = "new", pgettext_lazy("lead status", "New")
    CONTACTING = "contacting", _("Contacting")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


# Statuses a lead is still worked in: claimable from the pool, assignable, open to follow-ups.
OPEN_STATUSES = [LeadStatus.NEW, LeadStatus.CONTACTING, LeadStatus.QUALIFIED]
# What a user may set by editing; `converted` only comes from converting.
EDITABLE_STATUSES = [LeadStatus.NEW, LeadStatus.CONTACTING, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED]


class ConversionMode(models.TextChoices):
    """What converting a lead creates: a new customer, or only a contact / only the link on an existing one."""

    NEW_CUSTOMER = "new_customer", _("Create a new customer and contact")
    ATTACH_CONTACT = "attach_contact", _("Add the contact to an existing customer")
    ATTACH_LINK = "attach_link", _("Only link the lead to an existing customer")
