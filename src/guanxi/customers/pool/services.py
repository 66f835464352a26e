"""Every write of the customer pool (公海): claiming, returning by hand, assigning, and configuring pools.

Handing a customer over is a conditional `UPDATE … WHERE owner_id IS NULL AND pool_id = …` whose
row count says who won, so two sellers claiming at once on SQLite or PostgreSQL get exactly one
owner. Each hand-over writes an ownership event (the customer's pool history) and an audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.models import Collaborator
from guanxi.core.permissions import require
from guanxi.core.records import still_visible, validate

from ..models import Customer, CustomerPool, OwnershipEvent, PoolRule
from ..selectors import customer_owner_choices
from . import membership
from .choices import OwnershipEventKind
from .rules import RuleSet, check_limits, validate_rule
from .selectors import visible_pool_ids

MANAGE = "customers.manage_pools"
ASSIGN_LIMIT = 200
REASON_MAX = 500
POOL_FIELDS = ["name", "department", "description"]
RULE_FIELDS = ["grade", "no_follow_up_days", "no_deal_days", "warn_days", "max_owned", "reclaim_wait_days"]
NOT_IN_POOL = "not_in_pool"

# Columns cleared whenever a customer changes hands through the pool: the old owner's notice is void.
NOTICE_CLEARED = {"pool_return_due_at": None, "pool_return_rule": None, "pool_warned_at": None}


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("invalid", _("Please correct the errors below."), {field: [message]})


def _lock_owner(user) -> None:
    """Serialise hand-overs to one seller (PostgreSQL row lock; SQLite's write lock already does), so two
    claims at once cannot both pass the owned-customers limit."""
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def _take_over(*, customers: list[Customer], pool: CustomerPool, owner, now: dt.datetime) -> None:
    """Give pool customers to `owner` only while they still wait in `pool`; all or nothing."""
    taken = Customer.objects.filter(pk__in=[c.pk for c in customers], owner__isnull=True, pool_id=pool.pk,
                                    deleted_at__isnull=True).update(
        owner=owner, department_id=owner.department_id, claimed_at=now, updated_at=now,
        version=F("version") + 1, **NOTICE_CLEARED)
    if taken != len(customers):
        if len(customers) == 1:
            raise Conflict("already_claimed", _("Someone else took this customer from the pool first."))
        raise Conflict("already_claimed", _("Someone else took some of these customers from the pool meanwhile, "
                                            "so none was assigned. Reload the pool and try again."))
    for c in customers:
        c.owner, c.department_id, c.claimed_at, c.version = owner, owner.department_id, now, c.version + 1
        c.pool_return_due_at = c.pool_return_rule = c.pool_warned_at = None


def _pool_of(customers: list[Customer]) -> CustomerPool:
    if any(not c.in_pool for c in customers):
        raise Conflict(NOT_IN_POOL, _("This customer is not waiting in a pool: someone has taken it already."))
    pools = {c.pool_id for c in customers if c.pool_id is not None}
    if len(pools) != 1:
        raise DomainError("invalid", _("Assign customers of one pool at a time."))
    return CustomerPool.objects.select_related("department").get(pk=pools.pop())


# -- claiming, assigning, returning --


def customer_claim(*, actor, customer: Customer, now: dt.datetime | None = None) -> Customer:
    """The actor takes a customer waiting in one of their pools (领取), within the pool's rules.

    `customer` as the actor last saw it: if someone took it since, the answer is a conflict saying so.
    """
    require(actor, "customers.view")
    require(actor, "customers.create")
    if customer.owner_id is not None or customer.pool_id is None or customer.pool_id not in visible_pool_ids(actor):
        require(actor, "customers.view", customer)  # 404 unless the actor sees it some other way
    pool = _pool_of([customer])
    now = now or timezone.now()
    with transaction.atomic():
        _lock_owner(actor)
        check_limits(seller=actor, customers=[customer], rules=RuleSet.of(pool), now=now, claiming=True)
        _take_over(customers=[customer], pool=pool, owner=actor, now=now)
        OwnershipEvent.objects.create(customer=customer, kind=OwnershipEventKind.CLAIMED, pool=pool,
                                      pool_name=pool.name, new_owner=actor, actor=actor, at=now)
        audit.record(actor, "customer.claimed", customer, {"owner": [None, str(actor)]}, extra={"pool": pool.name})
        still_visible(actor, customer)
    events.emit("customer.claimed", {"id": customer.pk, "owner": actor.pk, "pool": pool.pk})
    return customer


def customer_assign_from_pool(*, actor, ids: list[int], owner, pool: CustomerPool | None = None,
                              now: dt.datetime | None = None) -> int:
    """A manager gives customers waiting in one pool (`pool`, when given, must be it) to a seller (分配), within
    the pool's owned-customers limits; the reclaim wait is the seller's own rule and does not bind a manager."""
    require(actor, "customers.transfer")
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise _invalid("ids", _("Choose at least one customer."))
    if len(ids) > ASSIGN_LIMIT:
        raise _invalid("ids", _("Choose at most %(n)d customers at a time.") % {"n": ASSIGN_LIMIT})
    customers = list(Customer.objects.visible_to(actor).filter(pk__in=ids).order_by("pk"))
    if len(customers) != len(ids) or (pool is not None and any(c.pool_id != pool.pk for c in customers)):
        raise NotFound()
    pool = _pool_of(customers)
    if owner is None or not owner.is_active or not customer_owner_choices(actor=actor).filter(pk=owner.pk).exists():
        raise _invalid("owner", _("Choose an active seller in your team."))
    if not membership.is_member(owner, pool):
        raise _invalid("owner", _("%(name)s does not belong to the pool “%(pool)s”.") % {"name": owner,
                                                                                      "pool": pool.name})
    now = now or timezone.now()
    with transaction.atomic():
        _lock_owner(owner)
        check_limits(seller=owner, customers=customers, rules=RuleSet.of(pool), now=now, claiming=False)
        _take_over(customers=customers, pool=pool, owner=owner, now=now)
        OwnershipEvent.objects.bulk_create([
            OwnershipEvent(customer=c, kind=OwnershipEventKind.ASSIGNED, pool=pool, pool_name=pool.name,
                           new_owner=owner, actor=actor, at=now) for c in customers])
        audit.record_many([audit.build(actor, "customer.assigned_from_pool", c, {"owner": [None, str(owner)]},
                                       extra={"pool": pool.name}) for c in customers])
        for c in customers:
            still_visible(actor, c)
    for c in customers:
        events.emit("customer.assigned_from_pool", {"id": c.pk, "owner": owner.pk, "pool": pool.pk})
    return len(customers)


def customer_return_to_pool(*, actor, customer: Customer, reason: str,
                            now: dt.datetime | None = None) -> OwnershipEvent:
    """The owner (or anyone who may edit the customer) gives it back to its pool (退回公海), saying why.

    The customer's team is cleared with it: a pool customer is nobody's. There is no check that the
    actor still sees the customer afterwards; letting it go is the point.
    """
    require(actor, "customers.edit", customer, edit=True)
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise _invalid("reason", _("Say why the customer goes back to the pool."))
    if len(reason) > REASON_MAX:
        raise _invalid("reason", _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX})
    if customer.owner_id is None:
        raise Conflict(NOT_IN_POOL, _("This customer has no owner, so there is nothing to return."))
    pool_id = membership.home_pool_id(customer)
    if pool_id is None:
        raise DomainError("no_pool", _("There is no pool this customer could return to. An administrator sets "
                                       "pools up under Admin → Customer pools."))
    pool = CustomerPool.objects.get(pk=pool_id)
    now = now or timezone.now()
    previous = customer.owner
    with transaction.atomic():
        moved = Customer.objects.filter(pk=customer.pk, owner_id=customer.owner_id, deleted_at__isnull=True).update(
            owner=None, department=None, pool=pool, claimed_at=None, updated_at=now, version=F("version") + 1,
            **NOTICE_CLEARED)
        if not moved:
            raise Conflict("conflict", _("Someone else changed this customer's owner meanwhile. Reload it and try "
                                         "again."))
        team = clear_teams([customer.pk])
        event = OwnershipEvent.objects.create(customer=customer, kind=OwnershipEventKind.RETURNED, pool=pool,
                                              pool_name=pool.name, previous_owner=previous, actor=actor,
                                              reason=reason, at=now)
        audit.record(actor, "customer.returned_to_pool", customer,
                     {"owner": [str(previous), None], "pool": [None, pool.name]},
                     extra={"reason": reason, "team_removed": team.get(customer.pk, 0)})
    customer.owner, customer.department, customer.pool, customer.claimed_at = None, None, pool, None
    events.emit("customer.returned_to_pool", {"id": customer.pk, "pool": pool.pk,
                                              "previous_owner": event.previous_owner_id})
    return event


def clear_teams(customer_ids: list[int]) -> dict[int, int]:
    """Remove the team members (团队成员) of customers going back to the pool; how many each had."""
    rows = Collaborator.objects.filter(content_type=ContentType.objects.get_for_model(Customer),
                                       object_id__in=customer_ids)
    counts: dict[int, int] = {}
    for object_id in rows.values_list("object_id", flat=True):
        counts[object_id] = counts.get(object_id, 0) + 1
    if counts:
        rows.delete()
    return counts


# -- configuring pools (admins) --


def _rules_from(data: list[dict[str, Any]]) -> list[PoolRule]:
    """Rule rows checked one by one; errors name the row (`rules.<n>.<field>`)."""
    rules: list[PoolRule] = []
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, row in enumerate(data):
        unknown = set(row) - set(RULE_FIELDS)
        if unknown:
            errors[f"rules.{i}"] = [_("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))}]
            continue
        rule = PoolRule(**{k: row.get(k) for k in RULE_FIELDS if k != "grade"}, grade=row.get("grade") or "")
        row_errors: dict[str, list[str]] = {}
        try:
            validate(rule, exclude=["pool"])
        except DomainError as exc:
            row_errors = exc.errors
        for field, messages in validate_rule(rule).items():
            row_errors.setdefault(field, []).extend(messages)
        if rule.grade in seen:
            row_errors.setdefault("grade", []).append(_("Each grade may have one rule only."))
        seen.add(rule.grade)
        for field, messages in row_errors.items():
            errors[f"rules.{i}.{field}"] = messages
        rules.append(rule)
    if errors:
        raise DomainError("invalid", _("Please correct the errors below."), errors)
    return rules


def _check_unique(pool: CustomerPool) -> None:
    others = CustomerPool.objects.exclude(pk=pool.pk)
    if others.filter(name=pool.name).exists():
        raise _invalid("name", _("A pool with this name already exists."))
    if pool.department_id is not None:
        taken = others.filter(department_id=pool.department_id).first()
        if taken is not None:
            raise _invalid("department", _("This department already has the pool “%(pool)s”.") % {"pool": taken.name})


def _rules_snapshot(rules: list[PoolRule]) -> list[dict[str, Any]]:
    return [{k: getattr(r, k) for k in RULE_FIELDS} for r in sorted(rules, key=lambda r: r.grade)]


def _save(pool: CustomerPool, rules: list[PoolRule] | None) -> None:
    try:
        with transaction.atomic():
            pool.save()
            if rules is not None:
                PoolRule.objects.filter(pool=pool).delete()
                for rule in rules:
                    rule.pool = pool
                PoolRule.objects.bulk_create(rules)
    except IntegrityError:
        # Another admin saved the same name or department a moment earlier.
        raise _invalid("name", _("A pool with this name or department was saved by someone else meanwhile.")) from None


def pool_create(*, actor, data: dict[str, Any], rules: list[dict[str, Any]] | None = None) -> CustomerPool:
    require(actor, MANAGE)
    unknown = set(data) - set(POOL_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    pool = CustomerPool(**{k: v.strip() if isinstance(v, str) else v for k, v in data.items()})
    validate(pool)
    _check_unique(pool)
    checked = _rules_from(rules or [])
    with transaction.atomic():
        _save(pool, checked)
        audit.record(actor, "customer_pool.created", pool,
                     {"name": [None, pool.name], "department": [None, str(pool.department or "")],
                      "rules": [None, _rules_snapshot(checked)]})
    membership.pools_changed()
    events.emit("customer_pool.created", {"id": pool.pk})
    return pool


def pool_update(*, actor, pool: CustomerPool, data: dict[str, Any], rules: list[dict[str, Any]] | None = None,
                expected_version: int | None = None) -> CustomerPool:
    """Change a pool's name, department or description and, when `rules` is given, replace its rules."""
    require(actor, MANAGE)
    unknown = set(data) - set(POOL_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = audit.snapshot(pool, list(data))
    old_rules = list(PoolRule.objects.filter(pool=pool)) if rules is not None else []
    for key, value in data.items():
        setattr(pool, key, value.strip() if isinstance(value, str) else value)
    validate(pool)
    _check_unique(pool)
    checked = _rules_from(rules) if rules is not None else None
    changes = audit.diff(before, audit.snapshot(pool, list(data)))
    if checked is not None and _rules_snapshot(old_rules) != _rules_snapshot(checked):
        changes["rules"] = [_rules_snapshot(old_rules), _rules_snapshot(checked)]
    with transaction.atomic():
        stale = CustomerPool.objects.filter(pk=pool.pk)
        if expected_version is not None:
            stale = stale.filter(version=expected_version)
        if not stale.update(version=F("version") + 1):
            if not CustomerPool.objects.filter(pk=pool.pk).exists():
                raise NotFound(_("This record was deleted by someone else meanwhile."))
            raise Conflict("conflict", _("Someone else changed this record meanwhile. Reload it to see their "
                                         "changes, then edit again."))
        pool.version = (expected_version or pool.version) + 1
        _save(pool, checked)
        audit.record(actor, "customer_pool.updated", pool, changes)
    membership.pools_changed()
    events.emit("customer_pool.updated", {"id": pool.pk, "changed": sorted(changes)})
    return pool


def pool_delete(*, actor, pool: CustomerPool) -> None:
    """Delete a pool no customer waits in; customers that would return to it return by department instead."""
    require(actor, MANAGE)
    with transaction.atomic():
        waiting = Customer.objects.filter(pool=pool, owner__isnull=True).count()
        if waiting:
            raise DomainError("pool_not_empty", _(
                "%(n)d customers still wait in this pool (counting the recycle bin). Assign them or let sellers "
                "claim them before deleting the pool.") % {"n": waiting})
        Customer.objects.filter(pool=pool).update(pool=None)
        audit.record(actor, "customer_pool.deleted", pool, {"name": [pool.name, None]})
        pool.delete()
    membership.pools_changed()
    events.emit("customer_pool.deleted", {"name": pool.name})
