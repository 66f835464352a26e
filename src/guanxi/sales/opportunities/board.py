"""The kanban board (看板) of a pipeline: one column per active stage, a bounded number of cards per
column, and the count and amount per currency of every column from one aggregate query.

Won and lost columns show the deals closed in the last `CLOSED_DAYS` days, so the board stays a
picture of current work however many deals were ever closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from guanxi.core.money import round_money

from .choices import OpportunityStatus
from .filters import OpportunityFilters
from .models import Opportunity, Pipeline, Stage
from .selectors import pipeline_stages

PER_COLUMN = 50
CLOSED_DAYS = 30


@dataclass
class ColumnTotals:
    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)

    @property
    def by_currency(self) -> list[tuple[str, Decimal]]:
        """Amounts per currency, never added across currencies."""
        return sorted(self.amounts.items())


@dataclass
class Column:
    stage: Stage
    cards: list[Opportunity]
    totals: ColumnTotals
    more_before: int | None  # id to load the next cards before; None when every card is shown


def _board_filters(filters: OpportunityFilters) -> OpportunityFilters:
    """The board picks its own pipeline and shows every stage and status."""
    return OpportunityFilters(q=filters.q, owner=filters.owner, who=filters.who, close_month=filters.close_month,
                              customer=filters.customer)


def board_queryset(*, actor, pipeline: Pipeline, filters: OpportunityFilters,
                   now: dt.datetime | None = None) -> QuerySet[Opportunity]:
    cutoff = (now or timezone.now()) - dt.timedelta(days=CLOSED_DAYS)
    qs = _board_filters(filters).apply(Opportunity.objects.visible_to(actor), actor=actor)
    return qs.filter(pipeline=pipeline).filter(Q(status=OpportunityStatus.OPEN) | Q(closed_at__gte=cutoff))


def board_totals(qs: QuerySet[Opportunity]) -> dict[int, ColumnTotals]:
    """Count and amount per currency of each stage: one GROUP BY stage, currency query."""
    totals: dict[int, ColumnTotals] = {}
    rows = qs.order_by().values("stage_id", "currency").annotate(n=Count("id"), total=Sum("amount"))
    for row in rows:
        column = totals.setdefault(row["stage_id"], ColumnTotals())
        column.count += row["n"]
        # SQLite hands sums back without their scale; every amount reads with cents.
        column.amounts[row["currency"]] = round_money(row["total"] or 0)
    return totals


def _cards(qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return qs.select_related("customer", "owner")


def board_columns(*, actor, pipeline: Pipeline, filters: OpportunityFilters, per_column: int | None = None,
                  stages: list[Stage] | None = None) -> list[Column]:
    """The columns with their first cards (newest first), in three queries whatever the number of cards."""
    per_column = per_column or PER_COLUMN
    stages = stages if stages is not None else list(pipeline_stages(pipeline=pipeline))
    qs = board_queryset(actor=actor, pipeline=pipeline, filters=filters)
    ranked = _cards(qs).annotate(
        rank=Window(RowNumber(), partition_by=[F("stage_id")], order_by=F("id").desc())
    ).filter(rank__lte=per_column + 1).order_by("stage_id", "-id")
    by_stage: dict[int, list[Opportunity]] = {}
    for card in ranked:
        by_stage.setdefault(card.stage_id, []).append(card)
    totals = board_totals(qs)
    columns = []
    for stage in stages:
        cards = by_stage.get(stage.pk, [])
        more = len(cards) > per_column
        cards = cards[:per_column]
        columns.append(Column(stage, cards, totals.get(stage.pk, ColumnTotals()),
                              cards[-1].pk if more and cards else None))
    return columns


def board_column_more(*, actor, pipeline: Pipeline, stage: Stage, filters: OpportunityFilters, before: int,
                      per_column: int | None = None) -> tuple[list[Opportunity], int | None]:
    """The next cards of one column, older than the card `before` (keyset on the id)."""
    per_column = per_column or PER_COLUMN
    qs = board_queryset(actor=actor, pipeline=pipeline, filters=filters).filter(stage=stage, pk__lt=before)
    cards = list(_cards(qs).order_by("-id")[: per_column + 1])
    more = len(cards) > per_column
    cards = cards[:per_column]
    return cards, (cards[-1].pk if more and cards else None)
