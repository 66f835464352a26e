"""REST API of opportunities, their board and weighted pipeline, pipelines, stages and lost reasons:
the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, as_page
from guanxi.core.api_schemas import CountOut, Id, errors, pick, pick_many
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.errors import NotFound
from guanxi.core.permissions import require
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Contact
from guanxi.sales.products.models import Product

from . import board, selectors, services, summary
from .filters import OpportunityFilters
from .models import Opportunity, Stage, StageChange
from .schemas import (
    BoardColumnOut,
    BoardOut,
    BoardQuery,
    BulkIds,
    BulkTransferIn,
    CollaboratorIn,
    CollaboratorOut,
    LinesIn,
    LostReasonIn,
    LostReasonOut,
    LostReasonPatch,
    MoveIn,
    OpportunityIn,
    OpportunityListOut,
    OpportunityOut,
    OpportunityPatch,
    OpportunityQuery,
    PipelineIn,
    PipelineOut,
    PipelinePatch,
    StageChangeOut,
    StageIn,
    StageOrderIn,
    StageOut,
    StagePatch,
    SummaryOut,
)

router = Router(tags=["opportunities"])
MANAGE = "opportunities.manage_pipelines"


def _can_view(request) -> None:
    """Without the right to see opportunities at all, every operation answers 403, not 404."""
    require(request.auth, "opportunities.view")


def _owner(request, user_id: int | None, field: str = "owner_id"):
    return pick(selectors.opportunity_owner_choices(actor=request.auth), user_id, field)


def _customer(request, customer_id: int):
    """A customer the actor can see, else a field error (the same choices the form's picker offers)."""
    return pick(customer_selectors.customer_list(actor=request.auth), customer_id, "customer_id")


def _contacts(ids: list[int], customer) -> list:
    return pick_many(Contact.objects.filter(customer=customer, deleted_at__isnull=True), ids, "contact_ids")


def _lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    products = {p.pk: p for p in Product.objects.filter(pk__in=[ln["product_id"] for ln in lines if ln["product_id"]])}
    out = []
    for i, line in enumerate(lines):
        product_id = line.pop("product_id")
        if product_id is not None and product_id not in products:
            pick(Product.objects.none(), product_id, f"lines.{i}.product_id")
        out.append({**line, "product": products.get(product_id) if product_id else None})
    return out


def _detail(request, opportunity_id: int) -> Opportunity:
    return selectors.opportunity_get(actor=request.auth, id=opportunity_id)


# -- opportunities --


@router.get("/opportunities", response={200: PageOut[OpportunityListOut], **errors(400, 403, 422)},
            summary=_("List opportunities"))
def list_opportunities(request, filters: Query[OpportunityQuery], paging: Query[PageParams]):
    """The opportunities in your data scope, filtered and sorted like the opportunity list page."""
    _can_view(request)
    parsed = OpportunityFilters.from_query(request.GET)
    return as_page(selectors.opportunity_page(actor=request.auth, filters=parsed, cursor=paging.cursor or None,
                                              limit=paging.limit))


@router.get("/opportunities/board", response={200: BoardOut, **errors(400, 403, 404, 422)},
            summary=_("Board of a pipeline"))
def get_board(request, params: Query[BoardQuery]):
    """Columns by stage with their count, amounts per currency and first cards (newest first)."""
    _can_view(request)
    pipeline = (selectors.pipeline_get(id=params.pipeline, active_only=True) if params.pipeline
                else services.pipeline_default())
    filters = OpportunityFilters.from_query(request.GET)
    columns = board.board_columns(actor=request.auth, pipeline=pipeline, filters=filters,
                                  per_column=params.per_column)
    return {"pipeline": pipeline, "columns": [_column(c.stage, c.totals, c.cards, c.more_before) for c in columns]}


def _column(stage, totals, cards, more_before) -> dict:
    return {"stage": stage, "count": totals.count,
            "amounts": [{"currency": c, "amount": a} for c, a in totals.by_currency],
            "cards": cards, "more_before": more_before}


@router.get("/opportunities/board/columns/{stage_id}", response={200: BoardColumnOut, **errors(400, 403, 404, 422)},
            summary=_("More cards of a board column"))
def get_board_column(request, stage_id: Id, before: Id, per_column: int = board.PER_COLUMN):
    """The cards of one column older than the card `before`, with the column's totals."""
    _can_view(request)
    stage = selectors.stage_get(id=stage_id, active_only=True)
    filters = OpportunityFilters.from_query(request.GET)
    per_column = max(1, min(per_column, 200))
    cards, more_before = board.board_column_more(actor=request.auth, pipeline=stage.pipeline, stage=stage,
                                                 filters=filters, before=before, per_column=per_column)
    qs = board.board_stage_rows(actor=request.auth, pipeline=stage.pipeline, stage=stage, filters=filters)
    totals = board.board_totals(qs).get(stage.pk, board.ColumnTotals())
    return _column(stage, totals, cards, more_before)


@router.get("/opportunities/summary", response={200: SummaryOut, **errors(400, 403, 422)},
            summary=_("Weighted pipeline"))
def get_summary(request, filters: Query[OpportunityQuery]):
    """Open amounts and amount × probability per stage and per expected close month, per currency."""
    _can_view(request)
    result = summary.weighted_pipeline(actor=request.auth, filters=OpportunityFilters.from_query(request.GET))
    return {
        "by_stage": [{"label": str(g.label), "rows": g.rows} for g in result.by_stage],
        "by_month": [{"label": g.label, "rows": g.rows} for g in result.by_month],
        "totals": result.totals,
    }


@router.get("/opportunities/{opportunity_id}", response={200: OpportunityOut, **errors(403, 404, 422)},
            summary=_("Get an opportunity"))
def get_opportunity(request, opportunity_id: Id):
    _can_view(request)
    return _detail(request, opportunity_id)


@router.post("/opportunities", response={201: OpportunityOut, **errors(400, 403, 404, 422)},
             summary=_("Create an opportunity"))
def create_opportunity(request, payload: OpportunityIn):
    require(request.auth, "opportunities.create")
    data = payload.model_dump()
    customer = _customer(request, data.pop("customer_id"))
    contacts = _contacts(data.pop("contact_ids"), customer)
    lines = _lines(data.pop("lines"))
    custom = data.pop("custom")
    pipeline_id, stage_id, owner_id = data.pop("pipeline_id"), data.pop("stage_id"), data.pop("owner_id")
    data["customer"] = customer
    if pipeline_id is not None:
        data["pipeline"] = pick(selectors.pipeline_list(), pipeline_id, "pipeline_id")
    if stage_id is not None:
        stage = pick(_active_stages(), stage_id, "stage_id")
        data["stage"] = stage
        data["pipeline"] = data.get("pipeline") or stage.pipeline
    if owner_id is not None:
        data["owner"] = _owner(request, owner_id)
    if data["probability"] is None:
        data.pop("probability")
    opportunity = services.opportunity_create(actor=request.auth, data=data, contacts=contacts, lines=lines,
                                              custom=custom)
    return Status(201, _detail(request, opportunity.pk))


def _active_stages():
    return Stage.objects.filter(is_active=True, pipeline__is_active=True).select_related("pipeline")


@router.patch("/opportunities/{opportunity_id}", response={200: OpportunityOut, **errors(400, 403, 404, 409, 422)},
              summary=_("Update an opportunity"))
def update_opportunity(request, opportunity_id: Id, payload: OpportunityPatch):
    """Send `version` from your last read to get 409 instead of overwriting someone else's edit.
    The stage changes with POST …/move."""
    _can_view(request)
    opportunity = _detail(request, opportunity_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    custom = data.pop("custom", None)
    if "customer_id" in data:
        data["customer"] = _customer(request, data.pop("customer_id"))
    contacts = None
    if "contact_ids" in data:
        contacts = _contacts(data.pop("contact_ids"), data.get("customer", opportunity.customer))
    if "owner_id" in data:
        data["owner"] = _owner(request, data.pop("owner_id"))
    if "lost_reason_id" in data:
        data["lost_reason"] = pick(selectors.lost_reason_list(), data.pop("lost_reason_id"), "lost_reason_id")
    services.opportunity_update(actor=request.auth, opportunity=opportunity, data=data, contacts=contacts,
                                custom=custom, expected_version=version)
    return _detail(request, opportunity.pk)


@router.post("/opportunities/{opportunity_id}/move", response={200: OpportunityOut,
                                                               **errors(400, 403, 404, 409, 422)},
             summary=_("Move an opportunity to another stage"))
def move_opportunity(request, opportunity_id: Id, payload: MoveIn):
    """A lost stage needs `lost_reason_id` (400 `lost_reason_required` without it); a won stage closes the deal."""
    _can_view(request)
    opportunity = _detail(request, opportunity_id)
    stage = pick(_active_stages(), payload.stage_id, "stage_id")
    reason = pick(selectors.lost_reason_list(), payload.lost_reason_id, "lost_reason_id")
    services.opportunity_move(actor=request.auth, opportunity=opportunity, stage=stage, lost_reason=reason,
                              lost_note=payload.lost_note, expected_version=payload.version)
    return _detail(request, opportunity.pk)


@router.put("/opportunities/{opportunity_id}/lines", response={200: OpportunityOut,
                                                               **errors(400, 403, 404, 409, 422)},
            summary=_("Replace an opportunity's product lines"))
def set_lines(request, opportunity_id: Id, payload: LinesIn):
    """The amount becomes the sum of the lines (an empty list keeps the amount as it is)."""
    _can_view(request)
    opportunity = _detail(request, opportunity_id)
    lines = _lines([line.model_dump() for line in payload.lines])
    services.opportunity_set_lines(actor=request.auth, opportunity=opportunity, lines=lines,
                                   expected_version=payload.version)
    return _detail(request, opportunity.pk)


@router.get("/opportunities/{opportunity_id}/stage-history", response={200: list[StageChangeOut],
                                                                       **errors(403, 404, 422)},
            summary=_("Stage history of an opportunity"))
def stage_history(request, opportunity_id: Id):
    """Each move, oldest first, with the seconds spent in the stage it left."""
    _can_view(request)
    opportunity = _detail(request, opportunity_id)
    return list(StageChange.objects.filter(opportunity=opportunity)
                .select_related("from_stage", "to_stage", "changed_by").order_by("changed_at", "id"))


@router.delete("/opportunities/{opportunity_id}", response={204: None, **errors(403, 404, 422)},
               summary=_("Delete an opportunity"))
def delete_opportunity(request, opportunity_id: Id):
    """Moves it to the recycle bin; POST …/restore brings it back."""
    _can_view(request)
    services.opportunity_delete(actor=request.auth, opportunity=_detail(request, opportunity_id))
    return Status(204, None)


@router.post("/opportunities/{opportunity_id}/restore", response={200: OpportunityOut, **errors(400, 403, 404, 422)},
             summary=_("Restore a deleted opportunity"))
def restore_opportunity(request, opportunity_id: Id):
    _can_view(request)
    opportunity = selectors.opportunity_deleted_get(actor=request.auth, id=opportunity_id)
    services.opportunity_restore(actor=request.auth, opportunity=opportunity)
    return _detail(request, opportunity.pk)


@router.post("/opportunities/bulk/transfer", response={200: CountOut, **errors(400, 403, 404, 422)},
             summary=_("Transfer opportunities to another owner"))
def bulk_transfer(request, payload: BulkTransferIn):
    """Up to 1,000 ids; if any is missing or out of your reach, nothing changes (404)."""
    require(request.auth, "opportunities.transfer")
    owner = _owner(request, payload.owner_id)
    return {"count": services.opportunity_bulk_transfer(actor=request.auth, ids=payload.ids, owner=owner)}


@router.post("/opportunities/bulk/delete", response={200: CountOut, **errors(400, 403, 404, 422)},
             summary=_("Delete opportunities"))
def bulk_delete(request, payload: BulkIds):
    return {"count": services.opportunity_bulk_delete(actor=request.auth, ids=payload.ids)}


# -- the team (团队成员) --


@router.get("/opportunities/{opportunity_id}/collaborators",
            response={200: list[CollaboratorOut], **errors(403, 404, 422)}, summary=_("List an opportunity's team"))
def list_collaborators(request, opportunity_id: Id):
    _can_view(request)
    opportunity = _detail(request, opportunity_id)
    return list(selectors.opportunity_collaborators(opportunity=opportunity).order_by("added_at", "id"))


@router.put("/opportunities/{opportunity_id}/collaborators/{user_id}",
            response={200: CollaboratorOut, **errors(400, 403, 404, 422)},
            summary=_("Add a team member or change their access"))
def set_collaborator(request, opportunity_id: Id, user_id: Id, payload: CollaboratorIn):
    _can_view(request)
    opportunity = _detail(request, opportunity_id)
    user = pick(selectors.opportunity_collaborator_choices(opportunity=opportunity), user_id, "user_id")
    return services.opportunity_set_collaborator(actor=request.auth, opportunity=opportunity, user=user,
                                                 can_edit=payload.can_edit)


@router.delete("/opportunities/{opportunity_id}/collaborators/{user_id}", response={204: None, **errors(403, 404, 422)},
               summary=_("Remove a team member"))
def remove_collaborator(request, opportunity_id: Id, user_id: Id):
    _can_view(request)
    opportunity = _detail(request, opportunity_id)
    member = selectors.opportunity_collaborators(opportunity=opportunity).filter(user_id=user_id).first()
    if member is None:
        raise NotFound()
    services.opportunity_remove_collaborator(actor=request.auth, opportunity=opportunity, user=member.user)
    return Status(204, None)


# -- pipelines, stages, lost reasons --


def _pipeline_out(pipeline) -> dict:
    stages = list(selectors.pipeline_stages(pipeline=pipeline, include_inactive=True))
    return {"id": pipeline.pk, "name": pipeline.name, "is_default": pipeline.is_default,
            "is_active": pipeline.is_active, "position": pipeline.position, "stages": stages}


@router.get("/pipelines", response={200: list[PipelineOut], **errors(403)}, tags=["pipelines"],
            summary=_("List pipelines with their stages"))
def list_pipelines(request):
    _can_view(request)
    pipelines = selectors.pipelines_with_stages(include_inactive=True)
    return [{"id": p.pk, "name": p.name, "is_default": p.is_default, "is_active": p.is_active,
             "position": p.position, "stages": p.stage_list} for p in pipelines]  # type: ignore[attr-defined]


@router.get("/pipelines/{pipeline_id}", response={200: PipelineOut, **errors(403, 404, 422)}, tags=["pipelines"],
            summary=_("Get a pipeline"))
def get_pipeline(request, pipeline_id: Id):
    _can_view(request)
    return _pipeline_out(selectors.pipeline_get(id=pipeline_id))


@router.post("/pipelines", response={201: PipelineOut, **errors(400, 403, 422)}, tags=["pipelines"],
             summary=_("Create a pipeline"))
def create_pipeline(request, payload: PipelineIn):
    """It starts with the usual stages; change them afterwards."""
    pipeline = services.pipeline_create(actor=request.auth, name=payload.name, is_default=payload.is_default)
    return Status(201, _pipeline_out(pipeline))


@router.patch("/pipelines/{pipeline_id}", response={200: PipelineOut, **errors(400, 403, 404, 422)},
              tags=["pipelines"], summary=_("Update a pipeline"))
def update_pipeline(request, pipeline_id: Id, payload: PipelinePatch):
    require(request.auth, MANAGE)
    pipeline = selectors.pipeline_get(id=pipeline_id)
    services.pipeline_update(actor=request.auth, pipeline=pipeline, data=payload.model_dump(exclude_unset=True))
    return _pipeline_out(pipeline)


@router.delete("/pipelines/{pipeline_id}", response={204: None, **errors(400, 403, 404, 422)}, tags=["pipelines"],
               summary=_("Delete an unused pipeline"))
def delete_pipeline(request, pipeline_id: Id):
    require(request.auth, MANAGE)
    services.pipeline_delete(actor=request.auth, pipeline=selectors.pipeline_get(id=pipeline_id))
    return Status(204, None)


@router.post("/pipelines/{pipeline_id}/stages", response={201: StageOut, **errors(400, 403, 404, 422)},
             tags=["pipelines"], summary=_("Add a stage"))
def create_stage(request, pipeline_id: Id, payload: StageIn):
    require(request.auth, MANAGE)
    pipeline = selectors.pipeline_get(id=pipeline_id)
    return Status(201, services.stage_create(actor=request.auth, pipeline=pipeline, **payload.model_dump()))


@router.put("/pipelines/{pipeline_id}/stages/order", response={200: list[StageOut], **errors(400, 403, 404, 422)},
            tags=["pipelines"], summary=_("Reorder stages"))
def reorder_stages(request, pipeline_id: Id, payload: StageOrderIn):
    """`stage_ids` must list every stage of the pipeline (inactive ones too) once."""
    require(request.auth, MANAGE)
    pipeline = selectors.pipeline_get(id=pipeline_id)
    return services.stage_reorder(actor=request.auth, pipeline=pipeline, stage_ids=payload.stage_ids)


@router.patch("/stages/{stage_id}", response={200: StageOut, **errors(400, 403, 404, 422)}, tags=["pipelines"],
              summary=_("Update a stage"))
def update_stage(request, stage_id: Id, payload: StagePatch):
    require(request.auth, MANAGE)
    stage = selectors.stage_get(id=stage_id)
    return services.stage_update(actor=request.auth, stage=stage, data=payload.model_dump(exclude_unset=True))


@router.delete("/stages/{stage_id}", response={200: CountOut, **errors(400, 403, 404, 422)}, tags=["pipelines"],
               summary=_("Delete a stage"))
def delete_stage(request, stage_id: Id, move_to: Id | None = None):
    """A stage holding opportunities needs `move_to`, a stage of the same pipeline and kind; `count` is how
    many opportunities were moved."""
    require(request.auth, MANAGE)
    stage = selectors.stage_get(id=stage_id)
    target = pick(selectors.pipeline_stages(pipeline=stage.pipeline), move_to, "move_to")
    return {"count": services.stage_delete(actor=request.auth, stage=stage, move_to=target)}


@router.get("/lost-reasons", response={200: list[LostReasonOut], **errors(403)}, tags=["pipelines"],
            summary=_("List lost reasons"))
def list_lost_reasons(request, include_inactive: bool = False):
    _can_view(request)
    return list(selectors.lost_reason_list(include_inactive=include_inactive))


@router.post("/lost-reasons", response={201: LostReasonOut, **errors(400, 403, 422)}, tags=["pipelines"],
             summary=_("Add a lost reason"))
def create_lost_reason(request, payload: LostReasonIn):
    return Status(201, services.lost_reason_create(actor=request.auth, name=payload.name, position=payload.position))


@router.patch("/lost-reasons/{reason_id}", response={200: LostReasonOut, **errors(400, 403, 404, 422)},
              tags=["pipelines"], summary=_("Update a lost reason"))
def update_lost_reason(request, reason_id: Id, payload: LostReasonPatch):
    require(request.auth, MANAGE)
    reason = selectors.lost_reason_get(id=reason_id)
    return services.lost_reason_update(actor=request.auth, reason=reason, data=payload.model_dump(exclude_unset=True))


@router.delete("/lost-reasons/{reason_id}", response={204: None, **errors(403, 404, 422)}, tags=["pipelines"],
               summary=_("Delete a lost reason"))
def delete_lost_reason(request, reason_id: Id):
    """A reason some lost opportunity gives is deactivated instead of deleted."""
    require(request.auth, MANAGE)
    services.lost_reason_delete(actor=request.auth, reason=selectors.lost_reason_get(id=reason_id))
    return Status(204, None)
