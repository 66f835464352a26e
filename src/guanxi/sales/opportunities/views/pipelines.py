"""Pipeline settings for `opportunities.manage_pipelines`: pipelines, their ordered stages (name,
probability, kind), and the lost-reason list. Deleting a stage that holds opportunities first
asks where to move them."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.forms import form_errors
from guanxi.customers.views.common import guarded

from .. import selectors, services
from ..choices import StageKind
from ..forms import LostReasonForm, PipelineForm, StageDeleteForm, StageForm

MANAGE = "opportunities.manage_pipelines"


def _error_messages(request, exc: DomainError) -> None:
    details = [str(m) for msgs in exc.errors.values() for m in msgs]
    for message in details or [str(exc.message)]:
        messages.error(request, message)


@guarded(MANAGE)
def pipeline_list(request):
    if not selectors.pipeline_list(include_inactive=True).exists():
        services.pipeline_default()
    return render(request, "opportunities/pipeline_list.html", {
        "pipelines": selectors.pipelines_with_stages(include_inactive=True),
        "reasons": list(selectors.lost_reason_list(include_inactive=True)),
        "pipeline_form": PipelineForm(prefix="new-pipeline"),
        "stage_form": StageForm(prefix="new-stage"),
        "reason_form": LostReasonForm(prefix="new-reason"),
        "kinds": StageKind.choices,
    })


@require_POST
@guarded(MANAGE)
def pipeline_create(request):
    form = PipelineForm(request.POST, prefix="new-pipeline")
    if form.is_valid():
        try:
            pipeline = services.pipeline_create(actor=request.user, name=form.cleaned_data["name"],
                                                is_default=form.cleaned_data["is_default"])
        except DomainError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, _("Pipeline “%(name)s” created with the usual stages.") % {"name": pipeline.name})
    else:
        messages.error(request, _("Give the pipeline a name of at most 80 characters."))
    return redirect("opportunities:pipeline_list")


@require_POST
@guarded(MANAGE)
def pipeline_edit(request, pk: int):
    pipeline = selectors.pipeline_get(id=pk)
    form = PipelineForm(request.POST)
    if form.is_valid():
        try:
            services.pipeline_update(actor=request.user, pipeline=pipeline, data=form.cleaned_data)
        except DomainError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, _("Pipeline “%(name)s” saved.") % {"name": pipeline.name})
    else:
        messages.error(request, _("Give the pipeline a name of at most 80 characters."))
    return redirect("opportunities:pipeline_list")


@require_POST
@guarded(MANAGE)
def pipeline_delete(request, pk: int):
    pipeline = selectors.pipeline_get(id=pk)
    try:
        services.pipeline_delete(actor=request.user, pipeline=pipeline)
    except DomainError as exc:
        _error_messages(request, exc)
    else:
        messages.success(request, _("Pipeline “%(name)s” deleted.") % {"name": pipeline.name})
    return redirect("opportunities:pipeline_list")


@require_POST
@guarded(MANAGE)
def stage_create(request, pk: int):
    pipeline = selectors.pipeline_get(id=pk)
    form = StageForm(request.POST, prefix="new-stage")
    if form.is_valid():
        try:
            stage = services.stage_create(actor=request.user, pipeline=pipeline, **form.cleaned_data)
        except DomainError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, _("Stage “%(name)s” added.") % {"name": stage.name})
    else:
        messages.error(request, _("Give the stage a name and a probability from 0 to 100."))
    return redirect("opportunities:pipeline_list")


@require_POST
@guarded(MANAGE)
def stage_edit(request, pk: int):
    stage = selectors.stage_get(id=pk)
    form = StageForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["is_active"] = request.POST.get("is_active") == "1"
        try:
            services.stage_update(actor=request.user, stage=stage, data=data)
        except DomainError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, _("Stage “%(name)s” saved.") % {"name": stage.name})
    else:
        messages.error(request, _("Give the stage a name and a probability from 0 to 100."))
    return redirect("opportunities:pipeline_list")


@require_POST
@guarded(MANAGE)
def stage_shift(request, pk: int):
    """Move a stage one place up or down (the buttons beside each stage)."""
    stage = selectors.stage_get(id=pk)
    ids = list(selectors.pipeline_stages(pipeline=stage.pipeline, include_inactive=True).values_list("pk", flat=True))
    i = ids.index(stage.pk)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        services.stage_reorder(actor=request.user, pipeline=stage.pipeline, stage_ids=ids)
    return redirect("opportunities:pipeline_list")


@guarded(MANAGE)
def stage_delete(request, pk: int):
    """GET shows how many opportunities are in the stage and where they can go; POST deletes."""
    stage = selectors.stage_get(id=pk)
    count = selectors.stage_opportunity_count(stage=stage)
    form = StageDeleteForm(request.POST if request.method == "POST" else None, stage=stage)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                moved = services.stage_delete(actor=request.user, stage=stage, move_to=form.cleaned_data["move_to"])
            except DomainError as exc:
                form_errors(form, exc)
            else:
                text = _("Stage “%(name)s” deleted.") % {"name": stage.name}
                if moved:
                    text += " " + ngettext("%(n)d opportunity moved.", "%(n)d opportunities moved.", moved) % {
                        "n": moved}
                messages.success(request, text)
                return redirect("opportunities:pipeline_list")
    return render(request, "opportunities/stage_delete.html", {"stage": stage, "count": count, "form": form},
                  status=status)


@require_POST
@guarded(MANAGE)
def lost_reason_create(request):
    form = LostReasonForm(request.POST, prefix="new-reason")
    if form.is_valid():
        try:
            reason = services.lost_reason_create(actor=request.user, name=form.cleaned_data["name"],
                                                 position=form.cleaned_data.get("position") or 0)
        except DomainError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, _("Lost reason “%(name)s” added.") % {"name": reason.name})
    else:
        messages.error(request, _("Give the reason a name of at most 80 characters."))
    return redirect("opportunities:pipeline_list")


@require_POST
@guarded(MANAGE)
def lost_reason_edit(request, pk: int):
    reason = selectors.lost_reason_get(id=pk)
    form = LostReasonForm(request.POST)
    if form.is_valid():
        data = {"name": form.cleaned_data["name"], "position": form.cleaned_data.get("position") or 0,
                "is_active": request.POST.get("is_active") == "1"}
        try:
            services.lost_reason_update(actor=request.user, reason=reason, data=data)
        except DomainError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, _("Lost reason “%(name)s” saved.") % {"name": reason.name})
    else:
        messages.error(request, _("Give the reason a name of at most 80 characters."))
    return redirect("opportunities:pipeline_list")


@require_POST
@guarded(MANAGE)
def lost_reason_delete(request, pk: int):
    reason = selectors.lost_reason_get(id=pk)
    if services.lost_reason_delete(actor=request.user, reason=reason):
        messages.success(request, _("Lost reason “%(name)s” deleted.") % {"name": reason.name})
    else:
        messages.success(request, _("Lost opportunities give “%(name)s”, so it was deactivated instead.")
                         % {"name": reason.name})
    return redirect("opportunities:pipeline_list")
