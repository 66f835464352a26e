"""Whose targets an actor reaches, from their data scope on the `targets` module.

A person's target is reached like a record that person owns (self, subordinates, their
department, its tree, everything). A department's target is reached only through the department
scopes: `department` reaches the actor's own department, `department_tree` also its
sub-departments, `all` every department; `self` and `self_and_subordinates` reach none.
"""

from __future__ import annotations

from django.db.models import Q

from guanxi.core.scopes import DataScope, owner_scope_q

MODULE = "targets"
NOTHING = Q(pk__in=[])


def users_q(actor, *, user_field: str = "pk", department_field: str = "department") -> Q | None:
    """People whose targets the actor reaches; None means everyone."""
    return owner_scope_q(actor, MODULE, owner_field=user_field, department_field=department_field)


def departments_q(actor, *, id_field: str = "pk", path_field: str = "path") -> Q | None:
    """Departments whose targets the actor reaches; None means every department."""
    scope = actor.scope_for(MODULE)
    if scope == DataScope.ALL:
        return None
    path = actor.department_path() if scope in (DataScope.DEPARTMENT, DataScope.DEPARTMENT_TREE) else None
    if path is None:
        return NOTHING
    if scope == DataScope.DEPARTMENT:
        return Q(**{id_field: actor.department_id})
    return Q(**{f"{path_field}__startswith": path})


def targets_q(actor) -> Q | None:
    """Targets (of either kind of subject) the actor reaches; None means all of them."""
    people = users_q(actor, user_field="user_id", department_field="user__department")
    departments = departments_q(actor, id_field="department_id", path_field="department__path")
    if people is None and departments is None:
        return None
    return (people if people is not None else Q(user__isnull=False)) | (
        departments if departments is not None else Q(department__isnull=False))


def reads_team(actor) -> bool:
    """Whether the actor's scope reaches anyone's targets but their own (a manager's view)."""
    return actor.scope_for(MODULE) not in (None, DataScope.SELF)
