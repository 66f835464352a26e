"""What a duplicate group is made of and where its review stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DuplicateEntity(models.TextChoices):
    CUSTOMER = "customer", _("Customers")
    CONTACT = "contact", _("Contacts")


class GroupStatus(models.TextChoices):
    OPEN = "open", _("To review")
    DISMISSED = "dismissed", _("Not duplicates")


class ScanStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
