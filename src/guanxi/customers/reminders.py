"""What customers remind their owners of each day (automation.reminders): a follow-up planned for
today, a customer not contacted for as many days as its grade allows, a return to the pool in three
days or tomorrow. Each is read from an index over one day's range, in batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.automation.reminders.registry import Reminder, register_reminder_source

from .models import Customer

BATCH = 1000
# Days before a return to the pool on which the owner is reminded.
POOL_NOTICE_DAYS = (3, 1)


def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _owned() -> QuerySet:
    return Customer.objects.filter(deleted_at__isnull=True, owner_id__isnull=False)


def _in_batches(qs: QuerySet) -> Iterator[Customer]:
    """Only the columns a reminder needs, a batch of ids at a time (keyset on id)."""
    last = 0
    qs = qs.only("id", "name", "owner_id", "grade", "last_contacted_at", "pool_return_due_at").order_by("pk")
    while batch := list(qs.filter(pk__gt=last)[:BATCH]):
        yield from batch
        last = batch[-1].pk


def _owner(customer: Customer) -> int:
    return int(customer.owner_id or 0)  # read from owned customers only


def _url(customer: Customer) -> str:
    return reverse("customers:detail", args=[customer.pk])


def follow_ups_due(day: dt.date, limits: dict[str, Any]) -> Iterator[Reminder]:
    start, end = _day_range(day)
    for customer in _in_batches(_owned().filter(next_follow_up_at__gte=start, next_follow_up_at__lt=end)):
        yield Reminder(_owner(customer), customer, _("Follow up with %(customer)s today"),
                       {"customer": customer.name}, _url(customer))


def not_contacted(day: dt.date, limits: dict[str, Any]) -> Iterator[Reminder]:
    """Customers whose last contact (or creation, if never contacted) is exactly N days old today,
    N by grade: each is reminded once as it crosses its limit, not every day after."""
    for grade, days in sorted(limits["not_contacted_days"].items()):
        start, end = _day_range(day - dt.timedelta(days=int(days)))
        # The expression of the partial index customer_owned_contact_clock.
        qs = _owned().alias(clock=Coalesce("last_contacted_at", "created_at")).filter(
            clock__gte=start, clock__lt=end, grade=grade)
        for customer in _in_batches(qs):
            yield Reminder(_owner(customer), customer,
                           _("%(customer)s has not been contacted for %(days)s days; follow up today"),
                           {"customer": customer.name, "days": days}, _url(customer))


def pool_returns(day: dt.date, limits: dict[str, Any]) -> Iterator[Reminder]:
    for ahead in POOL_NOTICE_DAYS:
        start, end = _day_range(day + dt.timedelta(days=ahead))
        for customer in _in_batches(_owned().filter(pool_return_due_at__gte=start, pool_return_due_at__lt=end)):
            yield Reminder(_owner(customer), customer,
                           _("%(customer)s returns to the customer pool on %(date)s unless you follow up"),
                           {"customer": customer.name,
                            "date": timezone.localtime(customer.pool_return_due_at).date().isoformat()},
                           _url(customer))


def register() -> None:
    """Called from CustomersConfig.ready()."""
    register_reminder_source("customers.follow_up_due", label=_("Follow-up due"), find=follow_ups_due)
    register_reminder_source("customers.not_contacted", label=_("Customer not contacted"), find=not_contacted)
    register_reminder_source("customers.pool_return", label=_("Customer about to return to the pool"),
                             find=pool_returns)
