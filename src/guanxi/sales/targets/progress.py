"""Progress against targets (目标完成情况): what each person and department achieved in a period.

Achievement is counted by the owner (负责人) of the contract:
- signed amount — contracts now active or expired whose signing date falls in the period; drafts,
  contracts pending approval and terminated contracts count for nobody;
- payments received (回款) — payments whose received date falls in the period, on contracts the
  person owns, whatever the contract's status (the money did arrive); reversed payments do not count.
A department achieves what the people now in it and in its sub-departments achieved. Only contracts
in the target's currency count; currencies are never added together.

The sums are SQL aggregates: one query per measure for any number of people, departments and
periods, grouped by owner and currency; a department's total is the sum of its members' groups.
They read every contract of the people the actor may see targets for, not only the contracts the
actor may open: a target's progress is a fact about its subject, and only totals are shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Q, Sum

from guanxi.core.money import ZERO, round_money
from guanxi.core.permissions import require
from guanxi.sales.contracts.choices import ContractStatus
from guanxi.sales.contracts.models import Contract, Payment

from . import selectors
from .choices import Metric
from .models import Target
from .periods import Period

# Contracts that were signed and still stand; a terminated contract no longer counts as won business.
SIGNED_STATUSES = [ContractStatus.ACTIVE, ContractStatus.EXPIRED]
ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class TargetProgress:
    """A target with what its subject achieved in its period, in the target's currency."""

    target: Target
    achieved: Decimal

    @property
    def period(self) -> Period:
        return self.target.period

    @property
    def percent(self) -> Decimal:
        """Share of the target reached, to one decimal; above 100 when exceeded."""
        return (self.achieved * HUNDRED / self.target.amount).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)

    @property
    def bar_percent(self) -> int:
        """Width of a progress bar, capped at a full bar."""
        return int(min(self.percent, HUNDRED))

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.target.amount - self.achieved)

    @property
    def reached(self) -> bool:
        return self.achieved >= self.target.amount


def _achieved_rows(metric: str, periods: list[Period], user_ids: set[int], paths: set[str]) -> list[dict]:
    """Per owner and currency, the amount in each period: one grouped query with a sum per period."""
    if metric == Metric.SIGNED:
        rows = Contract.objects.filter(status__in=SIGNED_STATUSES)
        prefix, day = "", "signed_on"
    else:
        rows = Payment.objects.filter(reversed_at__isnull=True)
        prefix, day = "contract__", "received_on"
    whose = Q(**{f"{prefix}owner_id__in": sorted(user_ids)}) if user_ids else Q(pk__in=[])
    for path in sorted(paths):
        whose |= Q(**{f"{prefix}owner__department__path__startswith": path})
    sums = {f"p{i}": Sum("amount", filter=Q(**{f"{day}__range": (p.start, p.end)}), default=ZERO)
            for i, p in enumerate(periods)}
    return list(
        rows.filter(whose, **{f"{day}__range": (min(p.start for p in periods), max(p.end for p in periods))})
        .values(owner_pk=F(f"{prefix}owner_id"), owner_path=F(f"{prefix}owner__department__path"),
                money=F(f"{prefix}currency"))
        .annotate(**sums)
        .order_by()
    )


def _path(target: Target) -> str:
    """The materialised path of a department target's department ("" for a person's target)."""
    return target.department.path if target.department is not None else ""


def _achievements(targets: list[Target]) -> dict[int, Decimal]:
    """Achieved amount per target id, with at most one query per measure among the targets."""
    achieved: dict[int, Decimal] = {}
    for metric in {t.metric for t in targets}:
        group = [t for t in targets if t.metric == metric]
        periods = sorted({t.period for t in group})
        user_ids = {t.user_id for t in group if t.user_id is not None}
        paths = {_path(t) for t in group if _path(t)}
        by_user: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
        by_path: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
        for row in _achieved_rows(metric, periods, user_ids, paths):
            for i, period in enumerate(periods):
                amount = row[f"p{i}"] or ZERO
                if not amount:
                    continue
                by_user[(row["owner_pk"], period, row["money"])] += amount
                for path in paths:
                    if row["owner_path"] and row["owner_path"].startswith(path):
                        by_path[(path, period, row["money"])] += amount
        for t in group:
            if t.user_id is not None:
                total = by_user[(t.user_id, t.period, t.currency)]
            else:
                total = by_path[(_path(t), t.period, t.currency)]
            achieved[t.pk] = round_money(total)
    return achieved


def progress_of(targets: Iterable[Target]) -> list[TargetProgress]:
    """Progress of targets already read through a selector (with their department loaded)."""
    targets = list(targets)
    achieved = _achievements(targets)
    return [TargetProgress(target=t, achieved=achieved[t.pk]) for t in targets]


def target_progress(*, actor, periods: Iterable[Period], metric: str | None = None, subject: str | None = None,
                    user_ids: Collection[int] | None = None,
                    department_ids: Collection[int] | None = None) -> list[TargetProgress]:
    """Progress of every target the actor may see in `periods`, in the order of `periods`, then
    measure, then departments before people, then by name.

    `metric` keeps one measure; `subject` ("user" or "department") one kind of target;
    `user_ids` / `department_ids` keep only those people's / departments' targets.
    """
    require(actor, "targets.view")
    periods = list(dict.fromkeys(periods))
    targets = list(selectors.targets_in_periods(actor=actor, periods=periods, metric=metric, subject=subject,
                                                user_ids=user_ids, department_ids=department_ids))
    order = {p: i for i, p in enumerate(periods)}
    metrics = list(Metric.values)
    targets.sort(key=lambda t: (order[t.period], metrics.index(t.metric), t.user_id is not None,
                                str(t.subject), t.pk))
    return progress_of(targets)


def target_ranking(*, actor, period: Period, metric: str) -> list[TargetProgress]:
    """People's targets of one period and measure the actor may see, best first (by share reached,
    then by amount achieved)."""
    return ranked(target_progress(actor=actor, periods=[period], metric=metric, subject="user"))


def ranked(rows: Iterable[TargetProgress]) -> list[TargetProgress]:
    """Best first: by share of the target reached, then by amount achieved, then by name."""
    return sorted(rows, key=lambda p: (-p.percent, -p.achieved, str(p.target.subject), p.target.pk))
