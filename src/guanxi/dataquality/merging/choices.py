"""States of a merge."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MergeStatus(models.TextChoices):
    MERGED = "merged", _("Merged")
    UNDONE = "undone", _("Undone")
