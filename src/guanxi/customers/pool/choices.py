"""Kinds of ownership events and the rules that return a customer to the pool."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OwnershipEventKind(models.TextChoices):
    CLAIMED = "claimed", _("Claimed from the pool")
    RETURNED = "returned", _("Returned to the pool")
    AUTO_RETURNED = "auto_returned", _("Returned to the pool automatically")
    ASSIGNED = "assigned", _("Assigned from the pool")


class ReturnRule(models.TextChoices):
    NO_FOLLOW_UP = "no_follow_up", _("No follow-up")
    NO_DEAL = "no_deal", _("No won deal or contract")
