"""Kinds of target period, what a target measures, and whose targets a grid shows."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Metric(models.TextChoices):
    """What counts toward a target: contracts signed in the period, or money received in it (回款)."""

    SIGNED = "signed", _("Signed contract amount")
    RECEIVED = "received", _("Payments received")


class SubjectKind(models.TextChoices):
    """Whose target: one person's, or a whole department's (with its sub-departments)."""

    USER = "user", pgettext_lazy("target subject", "Person")
    DEPARTMENT = "department", pgettext_lazy("target subject", "Department")
