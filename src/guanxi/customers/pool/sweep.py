"""The daily return sweep (公海自动回收): owned customers past a pool rule go back to the pool, owners
whose customers come close get a notice, and notices that no longer hold are lifted.

Built for a million customers: each rule is one set of conditional UPDATEs over batches of ids, read
in clock order from the partial indexes `customer_owned_contact_clock` / `customer_owned_deal_clock`
(owned rows only, so a returned customer leaves the index and is never read again). Every returned
customer gets an ownership event and an audit event, written in bulk in the batch's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from guanxi.core import audit, events
from guanxi.core.permissions import require
from guanxi.core.system import SYSTEM

from ..models import Customer, CustomerPool, OwnershipEvent, PoolRule
from .choices import OwnershipEventKind, ReturnRule
from .membership import HomePools, home_pools
from .rules import RuleSet
from .services import MANAGE, NOTICE_CLEARED, clear_teams

BATCH_SIZE = 1000
# The customer column each rule's clock reads; a customer with none yet counts from its creation.
CLOCKS = {ReturnRule.NO_FOLLOW_UP: "last_contacted_at", ReturnRule.NO_DEAL: "last_deal_at"}


@dataclass
class SweepResult:
    """What one sweep did."""

    returned: int = 0
    newly_warned: int = 0  # owners told for the first time
    warned: int = 0  # customers on notice after the sweep
    lifted: int = 0  # notices that no longer hold
    returned_by_rule: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """One return rule of one pool: which owned customers it covers and after how many days."""

    pool: CustomerPool
    rule: ReturnRule
    days: int
    warn_days: int | None
    covers: Q

    def clock(self):
        # The same expression as the partial index, so the databases read the index in this order.
        return Coalesce(CLOCKS[self.rule], "created_at")

    def stale(self, cut: dt.datetime) -> QuerySet[Customer]:
        """Owned customers under this rule whose clock, and claim, are older than `cut`."""
        return (Customer.objects.filter(owner__isnull=False, deleted_at__isnull=True)
                .annotate(clock=self.clock()).filter(self.covers, clock__lt=cut)
                .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=cut)))

    def due(self):
        """When a customer under this rule returns: its clock (or claim, if later) plus the rule's days."""
        start = Greatest(self.clock(), Coalesce("claimed_at", "created_at"))
        return ExpressionWrapper(start + Value(dt.timedelta(days=self.days)), output_field=DateTimeField())


def _covers(pool_id: int, rule: PoolRule, rules: RuleSet, homes: HomePools) -> Q:
    """Owned customers whose home is this pool, of the grades this rule governs."""
    home = Q(pool_id=pool_id)
    departments = homes.departments_of(pool_id)
    if departments:
        home |= Q(pool__isnull=True, department_id__in=departments)
    if pool_id == homes.default:
        pooled = sorted(homes.by_department)
        elsewhere = Q(department__isnull=True) | ~Q(department_id__in=pooled) if pooled else Q()
        home |= Q(pool__isnull=True) & elsewhere
    if rule.grade:
        return home & Q(grade=rule.grade)
    own = rules.own_grades()
    return home & ~Q(grade__in=own) if own else home


def plans() -> list[Plan]:
    """Every return rule in force, as the sweep applies it."""
    homes = home_pools()
    pools = {p.pk: p for p in CustomerPool.objects.all()}
    grouped: dict[int, list[PoolRule]] = {}
    for rule in PoolRule.objects.order_by("pool_id", "grade"):
        grouped.setdefault(rule.pool_id, []).append(rule)
    out: list[Plan] = []
    for pool_id, pool_rules in grouped.items():
        rules = RuleSet({r.grade: r for r in pool_rules})
        for rule in pool_rules:
            covers = _covers(pool_id, rule, rules, homes)
            for kind, days in ((ReturnRule.NO_FOLLOW_UP, rule.no_follow_up_days),
                               (ReturnRule.NO_DEAL, rule.no_deal_days)):
                if days:
                    out.append(Plan(pools[pool_id], kind, days, rule.warn_days, covers))
    return out


def _batches(qs: QuerySet, batch_size: int) -> Iterator[list[int]]:
    """Ids of `qs` (annotated with `clock`) a batch at a time, in clock order.

    The caller changes each batch so its rows no longer match; the walk goes on from the last batch's
    clock, so rows that match no rule are passed over once, not once per batch.
    """
    last: dt.datetime | None = None
    previous: list[int] = []
    while True:
        page = qs if last is None else qs.filter(clock__gte=last)
        rows = list(page.order_by("clock").values_list("pk", "clock")[:batch_size])
        ids = [pk for pk, _clock in rows]
        if not ids or ids == previous:
            return
        yield ids
        previous, last = ids, rows[-1][1]


def _subject(stub: Customer, pk: int, name: str) -> Customer:
    stub.pk, stub.name = pk, name
    return stub


def _return(plan: Plan, actor, now: dt.datetime, batch_size: int) -> int:
    cut = now - dt.timedelta(days=plan.days)
    candidates = plan.stale(cut)
    pool = plan.pool
    total = 0
    # One stand-in customer for the audit events: building a full model per returned row costs more
    # than the rest of the batch's Python work, and the events read only its id and name.
    stub = Customer()
    for ids in _batches(candidates, batch_size):
        with transaction.atomic():
            # Lock in id order (PostgreSQL; SQLite's write lock covers the batch) and re-check the rule,
            # so a follow-up logged a moment ago keeps its customer.
            rows = list(candidates.filter(pk__in=sorted(ids)).select_for_update(of=("self",)).order_by("pk")
                        .values_list("pk", "name", "owner_id", "owner__display_name", "owner__username"))
            taken = [r[0] for r in rows]
            if not taken:
                continue
            Customer.objects.filter(pk__in=taken).update(
                owner=None, department=None, pool=pool, claimed_at=None, updated_at=now,
                version=F("version") + 1, **NOTICE_CLEARED)
            teams = clear_teams(taken)
            OwnershipEvent.objects.bulk_create([
                OwnershipEvent(customer_id=pk, kind=OwnershipEventKind.AUTO_RETURNED, pool=pool, pool_name=pool.name,
                               previous_owner_id=owner_id, rule=plan.rule, rule_days=plan.days, at=now)
                for pk, _name, owner_id, _display, _username in rows], batch_size=batch_size)
            audit.record_many([
                audit.build(actor, "customer.returned_to_pool", _subject(stub, pk, name),
                            {"owner": [display or username, None], "pool": [None, pool.name]},
                            extra={"rule": plan.rule, "days": plan.days, "team_removed": teams.get(pk, 0)})
                for pk, name, _owner_id, display, username in rows])
            for pk, _name, owner_id, _display, _username in rows:
                events.emit("customer.returned_to_pool", {"id": pk, "pool": pool.pk, "previous_owner": owner_id,
                                                          "rule": plan.rule})
        total += len(taken)
    return total


def _warn(plan: Plan, now: dt.datetime, batch_size: int) -> int:
    """Put (or keep) on notice the customers this rule returns within its warning days; how many are new.

    A customer under two rules keeps the earlier return time."""
    if not plan.warn_days:
        return 0
    cut = now - dt.timedelta(days=plan.days - plan.warn_days)
    due = plan.due()
    notice = {"pool_return_due_at": due, "pool_return_rule": plan.rule, "pool_warned_at": now}
    outdated = Q(pool_warned_at__isnull=True) | Q(pool_warned_at__lt=now) | Q(pool_return_due_at__gt=due)
    newly = 0
    for ids in _batches(plan.stale(cut).filter(outdated), batch_size):
        with transaction.atomic():
            batch = Customer.objects.filter(pk__in=ids, owner__isnull=False)
            newly += batch.filter(pool_warned_at__isnull=True).update(**notice)
            batch.filter(outdated).update(**notice)
    return newly


def _lift(now: dt.datetime, batch_size: int) -> int:
    """Clear the notices this sweep did not confirm: the owner acted, or the rule changed."""
    stale = Customer.objects.filter(pool_return_due_at__isnull=False).filter(
        Q(pool_warned_at__isnull=True) | Q(pool_warned_at__lt=now) | Q(owner__isnull=True))
    lifted = 0
    while ids := list(stale.values_list("pk", flat=True)[:batch_size]):
        lifted += Customer.objects.filter(pk__in=ids).update(**NOTICE_CLEARED)
    return lifted


def pool_sweep(*, actor=SYSTEM, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> SweepResult:
    """Run every pool's return rules at `now` (the current time unless given, e.g. by tests).

    Runs daily as `guanxi pool-sweep` with the system actor, whose audit events carry no person."""
    require(actor, MANAGE)
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    now = now or timezone.now()
    result = SweepResult()
    rules = plans()
    for plan in rules:
        returned = _return(plan, actor, now, batch_size)
        result.returned += returned
        result.returned_by_rule[plan.rule] = result.returned_by_rule.get(plan.rule, 0) + returned
    for plan in rules:
        if plan.warn_days:
            result.newly_warned += _warn(plan, now, batch_size)
    result.lifted = _lift(now, batch_size)
    result.warned = Customer.objects.filter(pool_return_due_at__isnull=False, pool_warned_at=now).count()
    return result


def scheduled_sweep(now: dt.datetime) -> dict:
    """The nightly run (core.schedules, POOL_SWEEP_AT): what it did, for the admins' jobs page."""
    result = pool_sweep(now=now)
    return {"returned": result.returned, "warned": result.warned, "newly_warned": result.newly_warned,
            "lifted": result.lifted}


def register_schedule() -> None:
    """Called from CustomersConfig.ready(): the sweep runs daily at settings.POOL_SWEEP_AT (local time)."""
    from django.conf import settings
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy as _

    from guanxi.core.schedules import register_schedule as register

    hour, minute = settings.POOL_SWEEP_AT
    register("customers.pool_sweep", title=_("Customer pool return sweep"),
             when=format_lazy(_("Daily at {time}"), time=f"{hour:02d}:{minute:02d}"), run=scheduled_sweep,
             hour=str(hour), minute=str(minute))
