"""REST API of targets (业绩目标) and their progress: the same selectors and services as the pages."""

from __future__ import annotations

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, paginate
from guanxi.core.api_schemas import CountOut, Id, errors, pick, pick_many
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.permissions import require

from . import selectors, services
from .periods import Period, current_periods
from .progress import TargetProgress, target_progress, target_ranking
from .schemas import (
    ProgressQuery,
    TargetBulkIn,
    TargetIn,
    TargetOut,
    TargetPatch,
    TargetProgressOut,
    TargetQuery,
    TeamProgressQuery,
)

router = Router(tags=["targets"])


def _progress_out(rows: list[TargetProgress]) -> list[dict]:
    return [{"target": p.target, "achieved": p.achieved, "percent": p.percent, "remaining": p.remaining,
             "reached": p.reached, "period": {"kind": p.period.kind, "year": p.period.year, "index": p.period.index,
                                              "start": p.period.start, "end": p.period.end,
                                              "label": p.period.label}} for p in rows]


def _periods(query: ProgressQuery) -> list[Period]:
    """The asked period, or this month, quarter and year when none is named."""
    if query.period_kind is None and query.year is None and query.period_index is None:
        return current_periods()
    return [Period.of(query.period_kind or "", query.year or 0, query.period_index)]


# Fixed paths come before /targets/{target_id} so "progress" is never read as an id.


@router.get("/targets/progress/me", response={200: list[TargetProgressOut], **errors(400, 403, 422)},
            summary=_("My progress"))
def my_progress(request, query: Query[ProgressQuery]):
    """Your own targets with what you achieved; by default this month, quarter and year."""
    rows = target_progress(actor=request.auth, periods=_periods(query), metric=query.metric, subject="user",
                           user_ids=[request.auth.pk])
    return _progress_out(rows)


@router.get("/targets/progress/team", response={200: list[TargetProgressOut], **errors(400, 403, 422)},
            summary=_("Team progress"))
def team_progress(request, query: Query[TeamProgressQuery]):
    """Every target your data scope reaches with its progress. With one period and one measure the
    people are ranked, best first; otherwise listed by period, measure and name."""
    periods = _periods(query)
    if len(periods) == 1 and query.metric and query.subject == "user":
        rows = target_ranking(actor=request.auth, period=periods[0], metric=query.metric)
    else:
        rows = target_progress(actor=request.auth, periods=periods, metric=query.metric, subject=query.subject)
    return _progress_out(rows[: query.limit])


@router.post("/targets/bulk", response={200: CountOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Set many targets"))
def bulk_set_targets(request, payload: TargetBulkIn):
    """The same amount for every listed person or department in every listed period; all or nothing."""
    actor = request.auth
    require(actor, "targets.manage")
    users = pick_many(selectors.target_user_choices(actor=actor), payload.user_ids, "user_ids")
    departments = pick_many(selectors.target_department_choices(actor=actor), payload.department_ids,
                            "department_ids")
    periods = [Period.of(payload.period_kind, payload.year, index) for index in payload.period_indexes]
    count = services.target_bulk_set(actor=actor, users=users, departments=departments, periods=periods,
                                     metric=payload.metric, amount=payload.amount, currency=payload.currency)
    return {"count": count}


@router.get("/targets", response={200: PageOut[TargetOut], **errors(400, 403, 422)}, summary=_("List targets"))
def list_targets(request, filters: Query[TargetQuery], paging: Query[PageParams]):
    """The targets your data scope reaches, oldest period first."""
    require(request.auth, "targets.view")
    qs = selectors.target_list(actor=request.auth, filters=selectors.TargetFilters(
        year=filters.year, period_kind=filters.period_kind, period_index=filters.period_index,
        metric=filters.metric, user_id=filters.user, department_id=filters.department))
    return paginate(qs, selectors.TARGET_ORDERING, paging)


@router.get("/targets/{target_id}", response={200: TargetOut, **errors(403, 404, 422)}, summary=_("Get a target"))
def get_target(request, target_id: Id):
    require(request.auth, "targets.view")
    return selectors.target_get(actor=request.auth, id=target_id)


@router.post("/targets", response={201: TargetOut, **errors(400, 403, 404, 409, 422)}, summary=_("Set a target"))
def create_target(request, payload: TargetIn):
    """For a person or a department your data scope reaches; one per subject, period and measure (409)."""
    actor = request.auth
    require(actor, "targets.manage")
    user = pick(selectors.target_user_choices(actor=actor), payload.user_id, "user_id")
    department = pick(selectors.target_department_choices(actor=actor), payload.department_id, "department_id")
    period = Period.of(payload.period_kind, payload.year, payload.period_index)
    target = services.target_create(actor=actor, user=user, department=department, period=period,
                                    metric=payload.metric, amount=payload.amount, currency=payload.currency)
    return Status(201, selectors.target_get(actor=actor, id=target.pk))


@router.patch("/targets/{target_id}", response={200: TargetOut, **errors(400, 403, 404, 409, 422)},
              summary=_("Change a target"))
def update_target(request, target_id: Id, payload: TargetPatch):
    """Only the amount and currency change; send the `version` you read to be told about others' edits."""
    require(request.auth, "targets.manage")
    target = selectors.target_get(actor=request.auth, id=target_id)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    services.target_update(actor=request.auth, target=target, data=data, expected_version=payload.version)
    return selectors.target_get(actor=request.auth, id=target.pk)


@router.delete("/targets/{target_id}", response={204: None, **errors(403, 404, 409, 422)},
               summary=_("Delete a target"))
def delete_target(request, target_id: Id):
    require(request.auth, "targets.manage")
    target = selectors.target_get(actor=request.auth, id=target_id)
    services.target_delete(actor=request.auth, target=target)
    return Status(204, None)
