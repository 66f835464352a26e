"""Every read of the customer pool, bounded by who belongs to which pool and by the data scope."""

from __future__ import annotations

from django.db.models import QuerySet

from guanxi.core.errors import NotFound
from guanxi.core.paging import Page, keyset_page
from guanxi.core.permissions import require
from guanxi.core.scopes import DataScope

from ..models import Customer, CustomerPool, OwnershipEvent
from ..selectors import customer_owner_choices
from .filters import ORDERING, PoolFilters
from .membership import member_filter, member_pool_ids
from .rules import RuleSet

MANAGE = "customers.manage_pools"


def visible_pool_ids(actor) -> list[int]:
    """The pools whose waiting customers the actor sees: theirs, or every pool for a scope of all customers."""
    if not actor.has_action("customers.view"):
        return []
    if actor.scope_for("customers") == DataScope.ALL:
        return list(CustomerPool.objects.order_by("pk").values_list("pk", flat=True))
    return member_pool_ids(actor)


def pool_list(*, actor) -> list[CustomerPool]:
    """The actor's pools, for the tabs of the pool page and the API."""
    ids = visible_pool_ids(actor)
    return list(CustomerPool.objects.filter(pk__in=ids).select_related("department")) if ids else []


def pool_get(*, actor, id: int) -> CustomerPool:
    pool = None
    if id in visible_pool_ids(actor):
        pool = CustomerPool.objects.select_related("department").filter(pk=id).first()
    if pool is None:
        raise NotFound()
    return pool


def pool_customer_list(*, actor, pool: CustomerPool, filters: PoolFilters | None = None) -> QuerySet[Customer]:
    """Customers waiting in `pool`, as the actor may see them (read-only until claimed)."""
    qs = Customer.objects.visible_to(actor).filter(owner__isnull=True, pool=pool)
    return (filters or PoolFilters()).apply(qs).prefetch_related("tags")


def pool_customer_page(*, actor, pool: CustomerPool, filters: PoolFilters, cursor: str | None,
                       limit: int = 50) -> Page:
    limit = max(1, min(limit, 200))
    return keyset_page(pool_customer_list(actor=actor, pool=pool, filters=filters), ORDERING, cursor, limit)


def pool_rules(*, pool: CustomerPool) -> RuleSet:
    """A pool's rules; every member may read them (they decide what a claim allows)."""
    return RuleSet.of(pool)


def pool_owned_count(*, actor, grade: str = "") -> int:
    """How many customers the actor owns (of `grade`), to show against the pool's limits."""
    owned = Customer.objects.alive().filter(owner_id=actor.pk)
    return owned.filter(grade=grade).count() if grade else owned.count()


def pool_assign_choices(*, actor, pool: CustomerPool) -> QuerySet:
    """Sellers a manager may give this pool's customers to: in the manager's reach and members of the pool."""
    return customer_owner_choices(actor=actor).filter(member_filter(pool))


def customer_ownership_history(*, actor, customer: Customer) -> QuerySet[OwnershipEvent]:
    """The customer's claims, returns and assignments, newest first; none unless the customer is visible
    (checked in the same query, so the customer page pays one round trip)."""
    visible = Customer.objects.visible_to(actor).filter(pk=customer.pk).values("pk")
    return (OwnershipEvent.objects.filter(customer_id=customer.pk, customer__in=visible)
            .select_related("previous_owner", "new_owner", "actor").order_by("-at", "-id"))


def pool_admin_list(*, actor) -> list[CustomerPool]:
    """Every pool with its rules, for the admin page."""
    require(actor, MANAGE)
    return list(CustomerPool.objects.select_related("department").prefetch_related("rules"))


def pool_admin_get(*, actor, id: int) -> CustomerPool:
    require(actor, MANAGE)
    pool = CustomerPool.objects.select_related("department").prefetch_related("rules").filter(pk=id).first()
    if pool is None:
        raise NotFound()
    return pool


def pool_waiting_counts(pools: list[CustomerPool], limit: int = 1000) -> dict[int, tuple[int, bool]]:
    """Bounded counts of the customers waiting in each pool (one indexed count per pool)."""
    from guanxi.core.paging import bounded_count

    return {p.pk: bounded_count(Customer.objects.alive().filter(owner__isnull=True, pool=p), limit) for p in pools}
