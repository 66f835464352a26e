"""Who belongs to which customer pool, and which pool a customer returns to.

Everyone belongs to a company-wide pool (one without a department); a department's pool belongs to
the users of that department and of the departments below it. A customer returns to the pool it
was claimed from; one that never was in a pool returns to the pool of its department or the
nearest department above it, else to the oldest company-wide pool.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

# Bumped whenever pools change, so a list cached on an actor object is read again in this process.
# Actors are loaded per request, so other processes never hold a list longer than one request.
_generation = 0


def pools_changed() -> None:
    global _generation
    _generation += 1


def _covers(pool_path: str | None, user_path: str | None) -> bool:
    if pool_path is None:
        return True  # company-wide
    return bool(pool_path) and user_path is not None and user_path.startswith(pool_path)


def member_pool_ids(actor) -> list[int]:
    """Ids of the pools `actor` belongs to, read once per actor object (the scope filter asks often)."""
    cached = getattr(actor, "_customer_pool_ids", None)
    if cached is not None and cached[0] == _generation:
        return cached[1]
    from django.db.models import F, Q, Subquery

    from guanxi.org.models import Department

    from ..models import CustomerPool

    pools = CustomerPool.objects.order_by("pk")
    company_wide = Q(department__isnull=True)
    department_id = getattr(actor, "department_id", None)
    if department_id is None:
        pools = pools.filter(company_wide)
    else:
        # The actor's department path read in the same query: a department pool covers every path it prefixes.
        own_path = Subquery(Department.objects.filter(pk=department_id).values("path")[:1])
        pools = pools.alias(member_path=own_path).filter(
            company_wide | Q(department__path__gt="", member_path__startswith=F("department__path")))
    ids = list(pools.values_list("pk", flat=True))
    # An actor that takes no attributes is simply asked again next time.
    with contextlib.suppress(AttributeError):
        actor._customer_pool_ids = (_generation, ids)
    return ids


def is_member(user, pool) -> bool:
    """Whether `user` belongs to `pool` (its department loaded with `select_related`)."""
    if pool.department_id is None:
        return True
    path = user.department.path if getattr(user, "department_id", None) else None
    return _covers(pool.department.path, path)


def member_filter(pool):
    """Users who belong to `pool`, as a filter on users."""
    from django.db.models import Q

    if pool.department_id is None:
        return Q()
    return Q(department__path__startswith=pool.department.path)


@dataclass(frozen=True)
class HomePools:
    """Where customers that were never in a pool return: by department, else the default pool."""

    by_department: dict[int, int]
    default: int | None

    def for_department(self, department_id: int | None) -> int | None:
        if department_id is not None and department_id in self.by_department:
            return self.by_department[department_id]
        return self.default

    def departments_of(self, pool_id: int) -> list[int]:
        return [d for d, p in self.by_department.items() if p == pool_id]


def home_pools() -> HomePools:
    """Each department's nearest pool up the tree (its own first); departments without one use the default."""
    from guanxi.org.models import Department

    from ..models import CustomerPool

    pools = list(CustomerPool.objects.order_by("pk").values_list("pk", "department__path"))
    default = next((pk for pk, path in pools if path is None), None)
    by_path = {path: pk for pk, path in pools if path}
    by_department: dict[int, int] = {}
    for department_id, path in Department.objects.values_list("pk", "path"):
        # The longest pool path that is a prefix of this department's path is its nearest pool.
        best = max((p for p in by_path if path.startswith(p)), key=len, default=None)
        if best is not None:
            by_department[department_id] = by_path[best]
    return HomePools(by_department, default)


def home_pool_id(customer, homes: HomePools | None = None) -> int | None:
    """The pool `customer` returns to."""
    if customer.pool_id is not None:
        return customer.pool_id
    return (homes or home_pools()).for_department(customer.department_id)
