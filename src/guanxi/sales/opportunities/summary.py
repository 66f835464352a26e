"""The weighted pipeline (加权销售预测): open amounts × win probability, per stage and per expected
close month, each per currency. Two aggregate queries, whatever the number of opportunities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncMonth

from guanxi.core.money import round_money

from .choices import OpportunityStatus
from .filters import OpportunityFilters
from .models import Opportunity, Stage


def _sums() -> dict:
    # amount × probability keeps the amount's two decimals; dividing by 100 happens once, in Python.
    product = ExpressionWrapper(F("amount") * F("probability"),
                                output_field=DecimalField(max_digits=24, decimal_places=2))
    return {"n": Count("id"), "amount_sum": Sum("amount"), "weighted_sum": Sum(product)}


@dataclass
class SummaryRow:
    """One group (a stage or a month) in one currency."""

    currency: str
    count: int
    amount: Decimal
    weighted: Decimal


@dataclass
class SummaryGroup:
    label: object
    key: Any
    rows: list[SummaryRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(r.count for r in self.rows)


@dataclass
class WeightedPipeline:
    by_stage: list[SummaryGroup]
    by_month: list[SummaryGroup]
    totals: list[SummaryRow]  # per currency, never added across currencies


def _row(values: dict) -> SummaryRow:
    weighted = round_money((values["weighted_sum"] or Decimal(0)) / 100)
    return SummaryRow(values["currency"], values["n"], round_money(values["amount_sum"] or 0), weighted)


def _stage_order(stage: Stage) -> tuple:
    return (stage.pipeline.position, stage.pipeline_id, stage.position, stage.pk)


def weighted_pipeline(*, actor, filters: OpportunityFilters) -> WeightedPipeline:
    """Open opportunities the actor can see, matching `filters` (status and stage filters aside)."""
    base = OpportunityFilters(q=filters.q, owner=filters.owner, who=filters.who, close_month=filters.close_month,
                              pipeline=filters.pipeline, customer=filters.customer)
    qs = base.apply(Opportunity.objects.visible_to(actor), actor=actor).filter(status=OpportunityStatus.OPEN)
    stage_rows = list(qs.order_by().values("stage_id", "currency").annotate(**_sums()))
    stages = {s.pk: s for s in Stage.objects.filter(pk__in={r["stage_id"] for r in stage_rows})
              .select_related("pipeline")}
    by_stage: dict[int, SummaryGroup] = {}
    for values in stage_rows:
        stage = stages[values["stage_id"]]
        stage_label = stage.name if filters.pipeline else f"{stage.pipeline.name} · {stage.name}"
        by_stage.setdefault(stage.pk, SummaryGroup(stage_label, stage)).rows.append(_row(values))
    stage_groups = sorted(by_stage.values(), key=lambda g: _stage_order(stages[g.key.pk]))

    month_rows = qs.order_by().annotate(month=TruncMonth("expected_close_date")).values(
        "month", "currency").annotate(**_sums())
    by_month: dict[dt.date | None, SummaryGroup] = {}
    for values in month_rows:
        month = values["month"]
        month_label = month.strftime("%Y-%m") if month else None
        by_month.setdefault(month, SummaryGroup(month_label, month)).rows.append(_row(values))
    month_groups = sorted(by_month.values(), key=lambda g: (g.key is None, g.key or dt.date.min))

    totals: dict[str, SummaryRow] = {}
    for group in stage_groups:
        for row in group.rows:
            total = totals.setdefault(row.currency, SummaryRow(row.currency, 0, Decimal(0), Decimal(0)))
            total.count += row.count
            total.amount += row.amount
            total.weighted += row.weighted
    for group in [*stage_groups, *month_groups]:
        group.rows.sort(key=lambda r: r.currency)
    return WeightedPipeline(stage_groups, month_groups, sorted(totals.values(), key=lambda r: r.currency))
