"""Reads of the data-quality settings."""

from __future__ import annotations

from .choices import CollisionMode
from .models import CollisionPolicy

POLICY_ID = 1


def collision_policy() -> CollisionPolicy:
    """The policy row, or an unsaved default (warn) before an admin first chose one."""
    return CollisionPolicy.objects.select_related("updated_by").filter(pk=POLICY_ID).first() or CollisionPolicy(
        pk=POLICY_ID, mode=CollisionMode.WARN)


def collision_mode() -> str:
    """"warn" or "block"; one small read, made only when a check found something."""
    mode = CollisionPolicy.objects.filter(pk=POLICY_ID).values_list("mode", flat=True).first()
    return mode or CollisionMode.WARN
