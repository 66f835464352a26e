"""Which reminders went out (so a day's run, run again, sends nothing twice) and each person's digest."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class SentReminder(models.Model):
    """A reminder sent to one person about one record on one day, with its text in their language
    (the daily digest lists them)."""

    source = models.CharField(max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "day", "content_type", "object_id", "recipient"],
                                               name="reminder_once_a_day")]
        indexes = [models.Index(fields=["recipient", "day"], name="reminder_recipient_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.source} → {self.recipient_id}: {self.text}"


class Digest(models.Model):
    """A person's daily digest (每日摘要): whether they want it, at what time, and the last day it went out."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(_("send me a daily digest"), default=True)
    at = models.TimeField(_("at"), default=dt.time(8, 30))
    last_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.at:%H:%M}" if self.enabled else f"{self.user_id} (off)"


class ReminderSettings(models.Model):
    """The company's limits for reminders (one row): days without contact by grade, and how far ahead
    contracts ending and instalments falling due are announced."""

    not_contacted_a = models.PositiveSmallIntegerField(_("grade A: days without contact"), default=7)
    not_contacted_b = models.PositiveSmallIntegerField(_("grade B: days without contact"), default=14)
    not_contacted_c = models.PositiveSmallIntegerField(_("grade C: days without contact"), default=30)
    not_contacted_d = models.PositiveSmallIntegerField(_("grade D: days without contact"), default=60)
    not_contacted_none = models.PositiveSmallIntegerField(_("no grade: days without contact"), default=30)
    contract_ending_days = models.PositiveSmallIntegerField(_("days before a contract ends"), default=30)
    instalment_due_days = models.PositiveSmallIntegerField(_("days before an instalment is due"), default=3)

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def limits(self) -> dict:
        """As the reminder sources read them."""
        return {
            "not_contacted_days": {"A": self.not_contacted_a, "B": self.not_contacted_b, "C": self.not_contacted_c,
                                   "D": self.not_contacted_d, "": self.not_contacted_none},
            "contract_ending_days": self.contract_ending_days,
            "instalment_due_days": self.instalment_due_days,
        }
