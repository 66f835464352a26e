"""The kanban board (看板): columns by stage for a chosen pipeline, cards dragged between columns
(SortableJS posts the move with HTMX), "load more" per column, totals per currency.

A move that fails answers with an error status and the translated reason as plain text; the
page's script puts the card back and shows it. A lost stage without a reason answers with the
small form asking for one, swapped into the board's dialog.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.customers.views.common import guarded

from .. import board, errors, selectors, services
from ..choices import StageKind
from ..filters import OpportunityFilters
from ..forms import MoveForm
from ..models import Opportunity, Pipeline
from .common import filter_context, filter_query, read_filters


def _chosen_pipeline(request) -> tuple[Pipeline, list[Pipeline]]:
    pipelines = list(selectors.pipeline_list())
    if not pipelines:
        pipelines = [services.pipeline_default()]
    raw = request.GET.get("pipeline") or ""
    chosen = next((p for p in pipelines if str(p.pk) == raw), None)
    if raw and chosen is None:
        raise NotFound()
    return chosen or pipelines[0], pipelines


@guarded("opportunities.view")
def board_page(request):
    actor = request.user
    pipeline, pipelines = _chosen_pipeline(request)
    filters, error = read_filters(request.GET)
    stages = list(selectors.pipeline_stages(pipeline=pipeline))
    columns = []
    if filters is not None:
        columns = board.board_columns(actor=actor, pipeline=pipeline, filters=filters, stages=stages)
    query = filter_query(request.GET, drop=("pipeline", "stage", "status", "sort"))
    context = {
        **filter_context(request, error=error),
        "pipeline": pipeline,
        "pipelines": pipelines,
        "pipeline_keep": [("pipeline", pipeline.pk)],
        "columns": columns,
        "board_query": query,
        "can_drag": actor.has_action("opportunities.edit"),
        "can_create": actor.has_action("opportunities.create"),
        "closed_days": board.CLOSED_DAYS,
        "reasons": list(selectors.lost_reason_list()),
    }
    return render(request, "opportunities/board.html", context)


@guarded("opportunities.view")
def board_column(request, stage_id: int):
    """The next cards of one column (the "load more" button swaps itself for them)."""
    stage = selectors.stage_get(id=stage_id, active_only=True)
    filters, error = read_filters(request.GET)
    raw_before = request.GET.get("before") or ""
    if error is not None or not raw_before.isdigit() or int(raw_before) >= 2**63:
        return HttpResponse(_("This page link is no longer valid; start from the first page."), status=400,
                            content_type="text/plain; charset=utf-8")
    assert filters is not None
    cards, more_before = board.board_column_more(actor=request.user, pipeline=stage.pipeline, stage=stage,
                                                 filters=filters, before=int(raw_before))
    return render(request, "opportunities/board.html#column_more", {
        "stage": stage, "cards": cards, "more_before": more_before, "pipeline": stage.pipeline,
        "board_query": filter_query(request.GET, drop=("pipeline", "stage", "status", "sort", "before")),
        "can_drag": request.user.has_action("opportunities.edit"),
    })


def _plain(message: object, status: int) -> HttpResponse:
    return HttpResponse(str(message), status=status, content_type="text/plain; charset=utf-8")


def _wants_fragment(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _moved_response(request, opportunity: Opportunity) -> HttpResponse:
    """The moved card, and every column head of its pipeline with fresh totals (out of band)."""
    actor = request.user
    board_params = QueryDict(request.POST.get("board_query", "")[:2000])
    filters, _error = read_filters(board_params)
    filters = filters or OpportunityFilters()
    pipeline = opportunity.pipeline
    stages = list(selectors.pipeline_stages(pipeline=pipeline))
    totals = board.board_totals_of(actor=actor, pipeline=pipeline, filters=filters)
    heads = [(stage, totals.get(stage.pk, board.ColumnTotals())) for stage in stages]
    response = render(request, "opportunities/board.html#moved", {
        "o": opportunity, "heads": heads, "can_drag": True,
    })
    response["HX-Retarget"] = f"#opp-{opportunity.pk}"
    response["HX-Reswap"] = "outerHTML"
    return response


def _reason_dialog(request, opportunity: Opportunity, form: MoveForm, stage_id: int, status: int = 200):
    response = render(request, "opportunities/board.html#move_dialog", {
        "o": opportunity, "form": form, "stage_id": stage_id,
        "board_query": request.POST.get("board_query", "")[:2000],
    }, status=status)
    response["HX-Retarget"] = "#move-dialog-body"
    response["HX-Reswap"] = "innerHTML"
    return response


@require_POST
@guarded("opportunities.view")
def opportunity_move(request, pk: int):
    """Move to the posted stage. HTMX gets the card (or the reason dialog, or a plain-text error
    with its status); a plain form post gets a redirect to the opportunity with a message."""
    actor = request.user
    fragment = _wants_fragment(request)
    try:
        opportunity = selectors.opportunity_get(actor=actor, id=pk)
    except NotFound:
        if fragment:
            return _plain(_("This opportunity no longer exists, or you cannot see it."), 404)
        raise
    stages = selectors.pipeline_stages(pipeline=opportunity.pipeline).select_related("pipeline")
    form = MoveForm(request.POST, stages=list(stages), reasons=selectors.lost_reason_list())
    detail = reverse("opportunities:detail", args=[opportunity.pk])
    if not form.is_valid():
        message = _("Choose a stage of this pipeline.")
        if fragment:
            return _plain(message, 400)
        messages.error(request, message)
        return redirect(detail)
    stage = selectors.stage_get(id=form.cleaned_data["stage"], active_only=True)
    try:
        services.opportunity_move(actor=actor, opportunity=opportunity, stage=stage,
                                  lost_reason=form.cleaned_data.get("lost_reason"),
                                  lost_note=form.cleaned_data.get("lost_note") or "",
                                  expected_version=form.cleaned_data.get("version"))
    except DomainError as exc:
        if exc.code == errors.LOST_REASON_REQUIRED and stage.kind == StageKind.LOST and fragment:
            asked = "lost_reason" in request.POST
            if asked:
                form.add_domain_error(exc)
            return _reason_dialog(request, opportunity, form, stage.pk)
        message = _move_failure(exc)
        if fragment:
            return _plain(message, exc.status)
        messages.error(request, message)
        return redirect(detail)
    if fragment:
        return _moved_response(request, opportunity)
    messages.success(request, _("“%(name)s” moved to %(stage)s.") % {"name": opportunity.name, "stage": stage.name})
    return redirect(detail)


def _move_failure(exc: DomainError) -> str:
    if isinstance(exc, Conflict):
        return _("Someone else changed this opportunity meanwhile, so it was not moved. Reload the board to see "
                 "their change.")
    if isinstance(exc, NotFound):
        return _("This opportunity no longer exists, or you cannot see it.")
    if isinstance(exc, Forbidden):
        return _("You may not move this opportunity.")
    details = [str(m) for msgs in exc.errors.values() for m in msgs]
    return " ".join([str(exc.message), *details]) if details and str(exc.message) not in details else str(
        exc.message)
