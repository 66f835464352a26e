"""Kinds of follow-up."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    NOTE = "note", _("Note")
