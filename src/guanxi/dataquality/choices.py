"""Kinds of match keys and the collision check's modes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchKind(models.TextChoices):
    NAME = "name", _("Name")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")


class CollisionMode(models.TextChoices):
    WARN = "warn", _("Warn, and let the user save anyway")
    BLOCK = "block", _("Block saving")
