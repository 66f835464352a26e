"""Reading a pool's rules (公海规则) and checking the claim limits they set.

A pool has at most one rule per customer grade and one (blank grade) for every other grade. The
return limits and the reclaim wait come from the customer's grade's rule, or the blank-grade one.
The owned-customers limit of the blank-grade rule caps all the customers a seller owns; a grade's
rule also caps those of its grade.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError

from ..models import Customer, CustomerPool, OwnershipEvent, PoolRule
from .choices import OwnershipEventKind

LIMIT_REACHED = "pool_limit_reached"
RECLAIM_WAIT = "pool_reclaim_wait"


@dataclass(frozen=True)
class RuleSet:
    """The rules of one pool, by grade ("" for every grade without its own rule)."""

    by_grade: dict[str, PoolRule]

    @classmethod
    def of(cls, pool: CustomerPool) -> RuleSet:
        return cls({r.grade: r for r in PoolRule.objects.filter(pool=pool)})

    @property
    def default(self) -> PoolRule | None:
        return self.by_grade.get("")

    def for_grade(self, grade: str) -> PoolRule | None:
        """The rule a customer of `grade` follows: its grade's own, else the blank-grade one."""
        return self.by_grade.get(grade) if grade and grade in self.by_grade else self.default

    def own_grades(self) -> list[str]:
        return sorted(g for g in self.by_grade if g)


def _day(moment: dt.datetime) -> str:
    return formats.date_format(moment, "SHORT_DATE_FORMAT")


def check_limits(*, seller, customers: list[Customer], rules: RuleSet, now: dt.datetime, claiming: bool) -> None:
    """Refuse if `seller` taking `customers` breaks an owned-customers limit or, when they claim it
    themselves, a reclaim wait. Called inside the transaction that hands the customers over."""
    owned = Customer.objects.alive().filter(owner_id=seller.pk)
    default = rules.default
    if default is not None and default.max_owned is not None:
        have = owned.count()
        if have + len(customers) > default.max_owned:
            _limit_error(seller, default.max_owned, have, claiming=claiming, grade="")
    by_grade: dict[str, int] = {}
    for customer in customers:
        if customer.grade and customer.grade in rules.by_grade:
            by_grade[customer.grade] = by_grade.get(customer.grade, 0) + 1
    for grade, adding in sorted(by_grade.items()):
        limit = rules.by_grade[grade].max_owned
        if limit is None:
            continue
        have = owned.filter(grade=grade).count()
        if have + adding > limit:
            _limit_error(seller, limit, have, claiming=claiming, grade=grade)
    if claiming:
        for customer in customers:
            _check_reclaim_wait(seller, customer, rules.for_grade(customer.grade), now)


def _limit_error(seller, limit: int, have: int, *, claiming: bool, grade: str) -> None:
    values = {"limit": limit, "have": have, "name": seller, "grade": grade}
    if claiming and grade:
        message = _("You may own at most %(limit)d grade %(grade)s customers under this pool's rules, and you own "
                    "%(have)d. Return one you no longer work on first.") % values
    elif claiming:
        message = _("You may own at most %(limit)d customers under this pool's rules, and you own %(have)d. "
                    "Return one you no longer work on first.") % values
    elif grade:
        message = _("%(name)s may own at most %(limit)d grade %(grade)s customers under this pool's rules, and "
                    "owns %(have)d.") % values
    else:
        message = _("%(name)s may own at most %(limit)d customers under this pool's rules, and owns "
                    "%(have)d.") % values
    raise DomainError(LIMIT_REACHED, message)


def _check_reclaim_wait(seller, customer: Customer, rule: PoolRule | None, now: dt.datetime) -> None:
    if rule is None or rule.reclaim_wait_days is None:
        return
    wait = dt.timedelta(days=rule.reclaim_wait_days)
    last = (OwnershipEvent.objects.filter(customer_id=customer.pk, previous_owner_id=seller.pk,
                                          kind__in=[OwnershipEventKind.RETURNED, OwnershipEventKind.AUTO_RETURNED],
                                          at__gt=now - wait)
            .order_by("-at").values_list("at", flat=True).first())
    if last is not None:
        raise DomainError(RECLAIM_WAIT, _(
            "This customer left you for the pool on %(returned)s. Under this pool's rules you may claim it again "
            "from %(from)s.") % {"returned": _day(last), "from": _day(last + wait)})


def validate_rule(rule: PoolRule) -> dict[str, list[str]]:
    """Field errors of one rule that its field validators cannot see."""
    errors: dict[str, list[str]] = {}
    limits = [d for d in (rule.no_follow_up_days, rule.no_deal_days) if d is not None]
    if rule.warn_days is not None:
        if not limits:
            errors["warn_days"] = [_("A warning needs a return rule: set the days without a follow-up or a deal.")]
        elif rule.warn_days >= min(limits):
            errors["warn_days"] = [_("Warn fewer days before the return than the return rule's own days.")]
    return errors
