"""Every read of targets, bounded by the actor's data scope on the `targets` module."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from guanxi.core.errors import NotFound
from guanxi.org.models import Department

from . import scopes
from .models import Target
from .periods import Period

TARGET_ORDERING = ["year", "period_kind", "period_index", "id"]


@dataclass
class TargetFilters:
    """Narrowing of the target list shared by the grid and the API; None leaves a part open."""

    year: int | None = None
    period_kind: str | None = None
    period_index: int | None = None
    metric: str | None = None
    user_id: int | None = None
    department_id: int | None = None

    def apply(self, qs: QuerySet[Target]) -> QuerySet[Target]:
        for field in ("year", "period_kind", "period_index", "metric", "user_id", "department_id"):
            value = getattr(self, field)
            if value is not None:
                qs = qs.filter(**{field: value})
        return qs


def target_list(*, actor, filters: TargetFilters | None = None) -> QuerySet[Target]:
    qs = (filters or TargetFilters()).apply(Target.objects.visible_to(actor))
    return qs.select_related("user", "department")


def target_get(*, actor, id: int) -> Target:
    target = Target.objects.visible_to(actor).select_related("user", "department").filter(pk=id).first()
    if target is None:
        raise NotFound()
    return target


def targets_in_periods(*, actor, periods: Iterable[Period], metric: str | None = None,
                       subject: str | None = None, user_ids: Collection[int] | None = None,
                       department_ids: Collection[int] | None = None) -> QuerySet[Target]:
    """Visible targets of the given periods.

    `subject` ("user" / "department") keeps one kind of target; `user_ids` and `department_ids`,
    when given, keep only those people's and those departments' targets of their kind.
    """
    periods = list(dict.fromkeys(periods))
    if not periods:
        return Target.objects.none()
    in_periods = Q()
    for p in periods:
        in_periods |= Q(period_kind=p.kind, year=p.year, period_index=p.index)
    qs = target_list(actor=actor).filter(in_periods)
    if metric:
        qs = qs.filter(metric=metric)
    people = Q(user__isnull=False)
    if user_ids is not None:
        people &= Q(user_id__in=list(user_ids))
    departments = Q(department__isnull=False)
    if department_ids is not None:
        departments &= Q(department_id__in=list(department_ids))
    if subject == "user":
        return qs.filter(people)
    if subject == "department":
        return qs.filter(departments)
    return qs.filter(people | departments)


def target_user_choices(*, actor) -> QuerySet:
    """Active people whose targets the actor reaches: the rows of the grid, the API's allowed subjects."""
    users = get_user_model().objects.filter(is_active=True).select_related("department")
    reach = scopes.users_q(actor)
    return (users if reach is None else users.filter(reach)).order_by("display_name", "username", "id")


def target_department_choices(*, actor) -> QuerySet[Department]:
    """Departments whose targets the actor reaches, in tree order."""
    reach = scopes.departments_q(actor)
    departments = Department.objects.all()
    return (departments if reach is None else departments.filter(reach)).order_by("path")
