"""Changing the data-quality settings."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import DomainError
from guanxi.core.permissions import require

from .choices import CollisionMode
from .models import CollisionPolicy
from .selectors import POLICY_ID, collision_policy


def collision_policy_set(*, actor, mode: str) -> CollisionPolicy:
    """Choose whether a possible duplicate warns (the user may save anyway) or blocks the save."""
    require(actor, "dataquality.manage")
    if mode not in CollisionMode.values:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"mode": [_("Choose one of the available options.")]})
    before = collision_policy().mode
    with transaction.atomic():
        policy, _created = CollisionPolicy.objects.update_or_create(
            pk=POLICY_ID, defaults={"mode": mode, "updated_by": actor if getattr(actor, "pk", None) else None})
        audit.record(actor, "dataquality.policy_changed", policy, audit.diff({"mode": before}, {"mode": mode}))
    events.emit("dataquality.policy_changed", {"mode": mode})
    return policy
