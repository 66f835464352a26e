"""Every read of opportunities, pipelines, stages and lost reasons, bounded by the actor's data scope.

Pipelines, stages and lost reasons are shared settings, not owned records: whoever may view
opportunities reads all of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from guanxi.core.errors import NotFound
from guanxi.core.models import Collaborator
from guanxi.core.paging import Page, keyset_page
from guanxi.core.scopes import owner_scope_q
from guanxi.customers.models import Contact

from .filters import OpportunityFilters
from .models import LostReason, Opportunity, OpportunityLine, Pipeline, Stage, StageChange


def opportunity_list(*, actor, filters: OpportunityFilters | None = None) -> QuerySet[Opportunity]:
    filters = filters or OpportunityFilters()
    qs = filters.apply(Opportunity.objects.visible_to(actor), actor=actor)
    return qs.select_related("customer", "owner", "stage", "pipeline")


def opportunity_page(*, actor, filters: OpportunityFilters, cursor: str | None, limit: int = 50) -> Page:
    limit = max(1, min(limit, 200))
    return keyset_page(opportunity_list(actor=actor, filters=filters), filters.ordering, cursor, limit)


def opportunity_get(*, actor, id: int) -> Opportunity:
    opportunity = (
        Opportunity.objects.visible_to(actor)
        .select_related("customer", "owner", "department", "created_by", "stage", "pipeline", "lost_reason")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.filter(deleted_at__isnull=True).order_by("name")),
            Prefetch("lines", queryset=OpportunityLine.objects.select_related("product")),
        )
        .filter(pk=id).first()
    )
    if opportunity is None:
        raise NotFound()
    return opportunity


def opportunity_can_edit(*, actor, opportunity: Opportunity) -> bool:
    return (actor.has_action("opportunities.edit")
            and Opportunity.objects.editable_by(actor).filter(pk=opportunity.pk).exists())


def opportunity_collaborators(*, opportunity: Opportunity) -> QuerySet[Collaborator]:
    ct = ContentType.objects.get_for_model(Opportunity)
    return Collaborator.objects.filter(content_type=ct, object_id=opportunity.pk).select_related("user")


def opportunity_collaborator_choices(*, opportunity: Opportunity) -> QuerySet:
    """Anyone active may join an opportunity's team, across departments, as on customers."""
    users = get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
    return users.exclude(pk=opportunity.owner_id) if opportunity.owner_id is not None else users


def opportunity_owner_choices(*, actor) -> QuerySet:
    """Active users whose opportunities the actor can see: owner pickers and the owner filter."""
    users = get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
    reach = owner_scope_q(actor, "opportunities", owner_field="pk")
    return users if reach is None else users.filter(reach)


def opportunity_recycle_bin(*, actor) -> QuerySet[Opportunity]:
    return (Opportunity.objects.deleted().within_scope(actor).select_related("customer", "owner", "deleted_by")
            .order_by("-deleted_at", "-id"))


def opportunity_deleted_get(*, actor, id: int) -> Opportunity:
    opportunity = Opportunity.objects.deleted().within_scope(actor).select_related("customer").filter(pk=id).first()
    if opportunity is None:
        raise NotFound()
    return opportunity


def customer_opportunities(*, actor, customer, limit: int = 20) -> list[Opportunity]:
    """The customer's opportunities the actor can see, newest first, for the customer page."""
    return list(Opportunity.objects.visible_to(actor).filter(customer=customer)
                .select_related("stage", "owner").order_by("-id")[:limit])


# -- stage history --


@dataclass
class StageStay:
    """One stay of an opportunity in a stage: when it entered, when it left (None: still there)."""

    stage: Stage
    entered_at: dt.datetime
    left_at: dt.datetime | None
    seconds: int
    changed_by: object


def opportunity_stage_history(*, opportunity: Opportunity, now: dt.datetime | None = None) -> list[StageStay]:
    """Each stay in a stage, oldest first; the time of a finished stay is what the move recorded."""
    changes = list(StageChange.objects.filter(opportunity=opportunity).select_related("to_stage", "changed_by")
                   .order_by("changed_at", "id"))
    now = now or timezone.now()
    stays: list[StageStay] = []
    for i, change in enumerate(changes):
        following = changes[i + 1] if i + 1 < len(changes) else None
        left: dt.datetime | None
        if following is not None:
            seconds, left = following.seconds_in_previous, following.changed_at
        else:
            left = opportunity.closed_at if opportunity.status != "open" else None
            seconds = max(0, int(((left or now) - change.changed_at).total_seconds()))
        stays.append(StageStay(change.to_stage, change.changed_at, left, seconds, change.changed_by))
    return stays


def stage_totals(stays: list[StageStay]) -> list[tuple[Stage, int]]:
    """Total time per stage over all stays, in the order the stages were first entered."""
    totals: dict[int, list] = {}
    for stay in stays:
        totals.setdefault(stay.stage.pk, [stay.stage, 0])[1] += stay.seconds
    return [(stage, seconds) for stage, seconds in totals.values()]


# -- pipelines, stages, lost reasons --


def pipeline_list(*, include_inactive: bool = False) -> QuerySet[Pipeline]:
    qs = Pipeline.objects.all() if include_inactive else Pipeline.objects.filter(is_active=True)
    return qs.order_by("-is_default", "position", "id")


def pipeline_get(*, id: int, active_only: bool = False) -> Pipeline:
    qs = Pipeline.objects.filter(is_active=True) if active_only else Pipeline.objects.all()
    pipeline = qs.filter(pk=id).first()
    if pipeline is None:
        raise NotFound()
    return pipeline


def pipeline_stages(*, pipeline: Pipeline, include_inactive: bool = False) -> QuerySet[Stage]:
    qs = Stage.objects.filter(pipeline=pipeline)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("position", "id")


def pipelines_with_stages(*, include_inactive: bool = False) -> list[Pipeline]:
    stages = Stage.objects.order_by("position", "id")
    if not include_inactive:
        stages = stages.filter(is_active=True)
    return list(pipeline_list(include_inactive=include_inactive).prefetch_related(
        Prefetch("stages", queryset=stages, to_attr="stage_list")))


def stage_get(*, id: int, active_only: bool = False) -> Stage:
    qs = Stage.objects.select_related("pipeline")
    if active_only:
        qs = qs.filter(is_active=True, pipeline__is_active=True)
    stage = qs.filter(pk=id).first()
    if stage is None:
        raise NotFound()
    return stage


def stage_opportunity_count(*, stage: Stage) -> int:
    """Every opportunity in the stage, those in the recycle bin included: all must move before it goes."""
    return Opportunity.objects.filter(stage=stage).count()


def lost_reason_list(*, include_inactive: bool = False) -> QuerySet[LostReason]:
    qs = LostReason.objects.all() if include_inactive else LostReason.objects.filter(is_active=True)
    return qs.order_by("position", "name")


def lost_reason_get(*, id: int, active_only: bool = False) -> LostReason:
    reason = lost_reason_list(include_inactive=not active_only).filter(pk=id).first()
    if reason is None:
        raise NotFound()
    return reason
