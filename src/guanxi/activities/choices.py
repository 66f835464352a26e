"""Kinds of follow-up."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FollowUpKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", pgettext_lazy("follow-up kind", "Email")
    WECHAT = "wechat", _("WeChat")
    NOTE = "note", _("Note")
