"""Data scopes: which records of a module a user may see, from their roles.

A role grants a scope per module; a user's effective scope is the widest of their roles.
Records carry an owner (负责人) and a department; collaborators (团队成员) see them too.
"""

from __future__ import annotations

from typing import Protocol

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DataScope(models.TextChoices):
    SELF = "self", _("Own records")
    SELF_AND_SUBORDINATES = "self_and_subordinates", _("Own and subordinates' records")
    DEPARTMENT = "department", _("Own department")
    DEPARTMENT_TREE = "department_tree", _("Own department and its sub-departments")
    ALL = "all", _("All records")


_WIDTH = {scope: i for i, scope in enumerate(DataScope.values)}


def widest(scopes) -> DataScope | None:
    present = [s for s in scopes if s in _WIDTH]
    if not present:
        return None
    return DataScope(max(present, key=_WIDTH.__getitem__))


class Actor(Protocol):
    """What the kernel needs to know about a user; `org.User` provides it."""

    pk: int
    is_active: bool
    is_authenticated: bool
    department_id: int | None

    def scope_for(self, module: str) -> DataScope | None: ...

    def has_action(self, action: str) -> bool: ...

    def subordinate_ids(self) -> set[int]: ...

    def department_path(self) -> str | None: ...


def owner_scope_q(actor: Actor, module: str, prefix: str = "", *, owner_field: str = "owner_id",
                  department_field: str = "department") -> Q | None:
    """Rows the actor reaches through ownership and department; None means every row.

    With `owner_field="pk"` the same rule selects users: those whose records the actor reaches.
    """
    scope = actor.scope_for(module)
    if scope == DataScope.ALL:
        return None
    if scope is None:
        return Q(pk__in=[])
    owner = f"{prefix}{owner_field}"
    department = f"{prefix}{department_field}"
    if scope == DataScope.SELF:
        return Q(**{owner: actor.pk})
    if scope == DataScope.SELF_AND_SUBORDINATES:
        return Q(**{f"{owner}__in": {actor.pk, *actor.subordinate_ids()}})
    path = actor.department_path()
    own = Q(**{owner: actor.pk})
    if path is None:
        return own
    if scope == DataScope.DEPARTMENT:
        return own | Q(**{f"{department}_id": actor.department_id})
    return own | Q(**{f"{department}__path__startswith": path})


def collaborator_exists(model: type[models.Model], actor: Actor, prefix: str = "", *, can_edit: bool = False) -> Q:
    """Records the actor is a collaborator on.

    An `IN (the actor's collaborations)` list rather than a correlated EXISTS: combined with the
    owner condition, SQLite then reads the owner index and the list instead of every row.
    """
    from .models import Collaborator

    rows = Collaborator.objects.filter(content_type=ContentType.objects.get_for_model(model), user_id=actor.pk)
    if can_edit:
        rows = rows.filter(can_edit=True)
    return Q(**{f"{prefix}pk__in": rows.values("object_id")})
