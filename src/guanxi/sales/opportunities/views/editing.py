"""Creating, editing and deleting one opportunity."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import customfields
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.views.common import error_page, guarded

from .. import selectors, services
from ..forms import OpportunityForm
from ..models import Opportunity, Stage

ENTITY = "opportunities.opportunity"


def _open_stages() -> list[Stage]:
    services.pipeline_default()  # a first opportunity on a fresh install gets the usual pipeline
    return list(Stage.objects.filter(is_active=True, pipeline__is_active=True).select_related("pipeline")
                .order_by("-pipeline__is_default", "pipeline__position", "pipeline_id", "position", "id"))


def _render(request, form: OpportunityForm, opportunity: Opportunity | None, *, status: int = 200, **extra):
    can_delete = opportunity is not None and request.user.has_action("opportunities.delete")
    return render(request, "opportunities/form.html",
                  {"form": form, "o": opportunity, "can_delete": can_delete, **extra}, status=status)


def _prefilled_customer(request):
    raw = (request.GET.get("customer") or "").strip()
    if not raw.isdigit() or int(raw) >= 2**63:
        return None
    try:
        return customer_selectors.customer_get(actor=request.user, id=int(raw))
    except NotFound:
        return None


@guarded("opportunities.create")
def opportunity_create(request):
    actor = request.user
    stages = _open_stages()
    form = OpportunityForm(request.POST or None, actor=actor, owners=selectors.opportunity_owner_choices(actor=actor),
                           stages=stages, definitions=customfields.definitions(ENTITY),
                           customer=_prefilled_customer(request))
    if request.method != "POST":
        return _render(request, form, None)
    if form.is_valid():
        data = form.opportunity_data()
        stage = next((s for s in stages if s.pk == form.cleaned_data["stage"]), None)
        if stage is not None:
            data.update(stage=stage, pipeline=stage.pipeline)
        try:
            opportunity = services.opportunity_create(actor=actor, data=data,
                                                      contacts=list(form.cleaned_data.get("contacts") or []),
                                                      custom=form.custom_values())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Opportunity “%(name)s” created.") % {"name": opportunity.name})
            return redirect("opportunities:detail", pk=opportunity.pk)
    return _render(request, form, None, status=400)


@guarded("opportunities.edit")
def opportunity_edit(request, pk: int):
    actor = request.user
    try:
        opportunity = selectors.opportunity_get(actor=actor, id=pk)
    except NotFound:
        if request.method == "POST" and selectors.opportunity_recycle_bin(actor=actor).filter(pk=pk).exists():
            messages.error(request, _("This opportunity was deleted by someone else meanwhile, so your changes were "
                                      "not saved. It can be restored from the recycle bin."))
            return redirect("opportunities:recycle_bin")
        raise
    if not selectors.opportunity_can_edit(actor=actor, opportunity=opportunity):
        return error_page(request, 403)
    owners = selectors.opportunity_owner_choices(actor=actor)
    if opportunity.owner_id:
        owners = owners.model.objects.filter(Q(pk__in=owners.values("pk")) | Q(pk=opportunity.owner_id))
    form = OpportunityForm(request.POST or None, actor=actor, owners=owners, stages=[], opportunity=opportunity,
                           definitions=customfields.definitions(ENTITY),
                           can_transfer=actor.has_action("opportunities.transfer"),
                           has_lines=bool(opportunity.lines.all()))
    if request.method != "POST":
        return _render(request, form, opportunity)
    if not form.is_valid():
        return _render(request, form, opportunity, status=400)
    try:
        services.opportunity_update(actor=actor, opportunity=opportunity, data=form.opportunity_data(),
                                    contacts=list(form.cleaned_data.get("contacts") or []),
                                    custom=form.custom_values(), expected_version=form.cleaned_data.get("version"))
    except Conflict:
        fresh = selectors.opportunity_get(actor=actor, id=pk)
        form.add_error(None, _("Someone else changed this opportunity while you were editing. Your typing is kept "
                               "below; save again to replace their changes with yours."))
        data = request.POST.copy()
        data["version"] = str(fresh.version)
        form.data = data
        return _render(request, form, opportunity, status=409)
    except NotFound:
        messages.error(request, _("This opportunity was deleted by someone else meanwhile, so your changes were not "
                                  "saved. It can be restored from the recycle bin."))
        return redirect("opportunities:recycle_bin")
    except DomainError as exc:
        form.add_domain_error(exc)
        return _render(request, form, opportunity, status=400)
    messages.success(request, _("Opportunity “%(name)s” saved.") % {"name": opportunity.name})
    return redirect("opportunities:detail", pk=opportunity.pk)


@require_POST
@guarded("opportunities.delete")
def opportunity_delete(request, pk: int):
    opportunity = selectors.opportunity_get(actor=request.user, id=pk)
    services.opportunity_delete(actor=request.user, opportunity=opportunity)
    messages.success(request, _("Opportunity “%(name)s” moved to the recycle bin.") % {"name": opportunity.name})
    return redirect("opportunities:list")
