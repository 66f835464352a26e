"""Every read of the organisation app, guarded by the admin action that may see it.

Departments, users, roles and the audit trail are organisation-wide (they carry no owner), so the
guard is the action itself; a user always reads their own tokens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from guanxi.core.errors import NotFound
from guanxi.core.models import AuditEvent, CustomFieldDefinition
from guanxi.core.paging import Page, keyset_page
from guanxi.core.permissions import require

from .models import ApiToken, Department, Role, User

AUDIT_ORDERING = ["-created_at", "-id"]
USER_ORDERING = ["username", "id"]


# -- departments --


def department_tree(*, actor) -> list[Department]:
    """All departments in tree order (by materialised path), with their member and child counts."""
    require(actor, "org.manage_departments")
    return list(Department.objects.annotate(member_count=Count("members", distinct=True),
                                            child_count=Count("children", distinct=True)).order_by("path"))


def department_get(*, actor, id: int) -> Department:
    require(actor, "org.manage_departments")
    department = Department.objects.select_related("parent").filter(pk=id).first()
    if department is None:
        raise NotFound()
    return department


def department_choices() -> QuerySet[Department]:
    """Departments offered in pickers, in tree order; any signed-in admin page may offer them."""
    return Department.objects.order_by("path")


# -- users --


@dataclass
class UserFilters:
    q: str = ""
    department: Department | None = None
    active: bool | None = None

    def apply(self, qs: QuerySet[User]) -> QuerySet[User]:
        text = self.q.strip()[:100]
        if text:
            qs = qs.filter(Q(username__icontains=text) | Q(display_name__icontains=text)
                           | Q(email__icontains=text) | Q(phone__icontains=text))
        if self.department is not None:
            # A department includes its sub-departments.
            qs = qs.filter(department__path__startswith=self.department.path)
        if self.active is not None:
            qs = qs.filter(is_active=self.active)
        return qs


def user_list(*, actor, filters: UserFilters | None = None) -> QuerySet[User]:
    require(actor, "org.manage_users")
    qs = (filters or UserFilters()).apply(User.objects.all())
    return qs.select_related("department", "manager").prefetch_related("roles")


def user_page(*, actor, filters: UserFilters, cursor: str | None, limit: int = 50) -> Page:
    limit = max(1, min(limit, 200))
    return keyset_page(user_list(actor=actor, filters=filters), USER_ORDERING, cursor, limit)


def user_get(*, actor, id: int) -> User:
    require(actor, "org.manage_users")
    user = User.objects.select_related("department", "manager").prefetch_related("roles").filter(pk=id).first()
    if user is None:
        raise NotFound()
    return user


def manager_choices(*, exclude: User | None = None) -> QuerySet[User]:
    """Active people who can be someone's manager."""
    qs = User.objects.filter(is_active=True).order_by("username")
    if exclude is not None and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    return qs


# -- roles --


def role_list(*, actor) -> QuerySet[Role]:
    require(actor, "org.manage_roles")
    return Role.objects.annotate(user_count=Count("users")).order_by("name")


def role_get(*, actor, id: int) -> Role:
    require(actor, "org.manage_roles")
    role = Role.objects.filter(pk=id).first()
    if role is None:
        raise NotFound()
    return role


def role_choices() -> QuerySet[Role]:
    return Role.objects.order_by("name")


# -- custom fields --


def custom_field_list(*, actor, entity: str | None = None) -> QuerySet[CustomFieldDefinition]:
    require(actor, "org.manage_custom_fields")
    qs = CustomFieldDefinition.objects.order_by("entity", "-is_active", "position", "id")
    if entity:
        qs = qs.filter(entity=entity)
    return qs


def custom_field_get(*, actor, id: int) -> CustomFieldDefinition:
    require(actor, "org.manage_custom_fields")
    definition = CustomFieldDefinition.objects.filter(pk=id).first()
    if definition is None:
        raise NotFound()
    return definition


# -- audit trail --


@dataclass
class AuditFilters:
    actor: str = ""  # user name
    action: str = ""  # prefix, e.g. "user." or "customer.transferred"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    record: str = ""  # "<app>.<model>:<id>" (a timeline key) or words of the record's name

    def apply(self, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.actor.strip():
            qs = qs.filter(actor__username__iexact=self.actor.strip()[:150])
        if self.action.strip():
            qs = qs.filter(action__startswith=self.action.strip()[:64])
        tz = timezone.get_current_timezone()
        if self.date_from:
            qs = qs.filter(created_at__gte=dt.datetime.combine(self.date_from, dt.time.min, tzinfo=tz))
        if self.date_to:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            qs = qs.filter(created_at__lt=end)
        record = self.record.strip()[:200]
        if record:
            if ":" in record and record.rsplit(":", 1)[1].isdigit():
                qs = qs.filter(Q(timeline_key=record) | Q(object_repr__icontains=record))
            else:
                qs = qs.filter(object_repr__icontains=record)
        return qs


def audit_page(*, actor, filters: AuditFilters, cursor: str | None, limit: int = 50) -> Page:
    require(actor, "org.view_audit")
    limit = max(1, min(limit, 200))
    qs = filters.apply(AuditEvent.objects.select_related("actor", "content_type"))
    return keyset_page(qs, AUDIT_ORDERING, cursor, limit)


# -- API tokens --


def token_list(*, actor, user: User) -> QuerySet[ApiToken]:
    """A user's tokens, newest first; their own, or anyone's for a user manager."""
    if getattr(actor, "pk", None) != user.pk:
        require(actor, "org.manage_users")
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def token_get(*, actor, id: int) -> ApiToken:
    """One token the actor may manage; someone else's token answers NotFound, like a missing one."""
    token = ApiToken.objects.select_related("user").filter(pk=id).first()
    if token is None:
        raise NotFound()
    if getattr(actor, "pk", None) != token.user_id and not actor.has_action("org.manage_users"):
        raise NotFound()
    return token
