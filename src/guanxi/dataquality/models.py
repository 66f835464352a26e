"""Match keys of records and the admin's collision check policy."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import CollisionMode, MatchKind


class MatchKey(models.Model):
    """One normalised form (匹配键) of a record's name, phone or email, e.g. the company key 腾远电子科技
    of 深圳市腾远电子科技有限公司.

    Kept for values that have no indexed column of their own on the record (a customer's company
    key); a lookup is an equality on (kind, value).
    """

    entity = models.CharField(_("entity"), max_length=64)  # the record's model, e.g. "customers.customer"
    object_id = models.BigIntegerField()
    kind = models.CharField(_("kind"), max_length=8, choices=MatchKind.choices)
    value = models.CharField(_("value"), max_length=254)

    class Meta:
        verbose_name = _("match key")
        verbose_name_plural = _("match keys")
        constraints = [
            models.UniqueConstraint(fields=["entity", "object_id", "kind", "value"], name="match_key_unique"),
        ]
        indexes = [models.Index(fields=["kind", "value"], name="match_key_lookup")]

    def __str__(self) -> str:
        return f"{self.entity}:{self.object_id} {self.kind}={self.value}"


class CollisionPolicy(models.Model):
    """What the collision check (防撞单) does when a new or changed record matches another one:
    warn and let the user confirm, or refuse the save. One row; without it the check warns."""

    mode = models.CharField(_("when a possible duplicate is found"), max_length=10, choices=CollisionMode.choices,
                            default=CollisionMode.WARN)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("collision check policy")
        verbose_name_plural = _("collision check policies")

    def __str__(self) -> str:
        return str(self.get_mode_display())
