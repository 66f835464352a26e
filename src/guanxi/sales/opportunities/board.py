"""The kanban board (看板) of a pipeline: one column per active stage, a bounded number of cards per
column, and the count and amount per currency of every column from one aggregate query.

Won and lost columns show the deals closed in the last `CLOSED_DAYS` days, so the board stays a
picture of current work however many deals were ever closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from guanxi.core.money import round_money

from .choices import OpportunityStatus, StageKind
from .filters import OpportunityFilters
from .models import Opportunity, Pipeline, Stage
from .selectors import pipeline_stages

PER_COLUMN = 20  # cards shown per column before "load more": enough to work, little to render
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
    """Every card the board may show, as one queryset (for callers that filter it further)."""
    open_rows, closed_rows = board_querysets(actor=actor, pipeline=pipeline, filters=filters, now=now)
    return open_rows | closed_rows


def _board_base(*, actor, pipeline: Pipeline, filters: OpportunityFilters) -> QuerySet[Opportunity]:
    return _board_filters(filters).apply(Opportunity.objects.visible_to(actor), actor=actor).filter(pipeline=pipeline)


def board_querysets(*, actor, pipeline: Pipeline, filters: OpportunityFilters,
                    now: dt.datetime | None = None) -> tuple[QuerySet[Opportunity], QuerySet[Opportunity]]:
    """Open deals, and deals closed in the last `CLOSED_DAYS` days, as two querysets.

    Kept apart because each reads its own index (the partial one of open deals; status and
    closing time): their OR made both databases read every deal ever made (1.2 s at 200,000).
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=CLOSED_DAYS)
    qs = _board_base(actor=actor, pipeline=pipeline, filters=filters)
    closed = [OpportunityStatus.WON, OpportunityStatus.LOST]
    return qs.filter(status=OpportunityStatus.OPEN), qs.filter(status__in=closed, closed_at__gte=cutoff)


def board_stage_rows(*, actor, pipeline: Pipeline, stage: Stage, filters: OpportunityFilters,
                     now: dt.datetime | None = None) -> QuerySet[Opportunity]:
    """The cards of one column: open deals in an open stage, newest first; in a won or lost stage the
    deals closed lately, latest closed first (read along the closing-time index)."""
    open_rows, closed_rows = board_querysets(actor=actor, pipeline=pipeline, filters=filters, now=now)
    if stage.kind == StageKind.OPEN:
        # Every deal in an open stage is open (the status follows the stage), so the (stage, -id) index
        # answers alone; asking for the status too would send the planner to the totals' index and a sort.
        return _board_base(actor=actor, pipeline=pipeline, filters=filters).filter(stage=stage).order_by("-id")
    return closed_rows.filter(stage=stage, status=stage.kind).order_by("-closed_at", "-id")


def board_totals_of(*, actor, pipeline: Pipeline, filters: OpportunityFilters,
                    now: dt.datetime | None = None) -> dict[int, ColumnTotals]:
    """Count and amount per currency of every column: one aggregate over open deals, one over recent closed ones."""
    open_rows, closed_rows = board_querysets(actor=actor, pipeline=pipeline, filters=filters, now=now)
    return {**board_totals(open_rows), **board_totals(closed_rows)}


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
    """The columns with their first cards (newest first): one indexed query per column and two for the
    totals, whatever the number of cards."""
    per_column = per_column or PER_COLUMN
    stages = stages if stages is not None else list(pipeline_stages(pipeline=pipeline))
    now = timezone.now()
    totals = board_totals_of(actor=actor, pipeline=pipeline, filters=filters, now=now)
    columns = []
    for stage in stages:
        rows = board_stage_rows(actor=actor, pipeline=pipeline, stage=stage, filters=filters, now=now)
        cards = list(_cards(rows)[: per_column + 1])
        more = len(cards) > per_column
        cards = cards[:per_column]
        columns.append(Column(stage, cards, totals.get(stage.pk, ColumnTotals()),
                              cards[-1].pk if more and cards else None))
    return columns


def board_column_more(*, actor, pipeline: Pipeline, stage: Stage, filters: OpportunityFilters, before: int,
                      per_column: int | None = None) -> tuple[list[Opportunity], int | None]:
    """The next cards of one column after the card `before`, in the column's order (keyset)."""
    per_column = per_column or PER_COLUMN
    qs = board_stage_rows(actor=actor, pipeline=pipeline, stage=stage, filters=filters)
    if stage.kind == StageKind.OPEN:
        qs = qs.filter(pk__lt=before)
    else:
        last = Opportunity.objects.filter(pk=before).values_list("closed_at", flat=True).first()
        if last is None:
            return [], None
        qs = qs.filter(Q(closed_at__lt=last) | Q(closed_at=last, pk__lt=before))
    cards = list(_cards(qs)[: per_column + 1])
    more = len(cards) > per_column
    cards = cards[:per_column]
    return cards, (cards[-1].pk if more and cards else None)
