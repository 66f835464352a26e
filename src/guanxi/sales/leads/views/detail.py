"""The lead page: details, owner, the follow-up form and timeline, what the lead became; claiming
and assigning one lead; and the block on the customer page listing the leads it came from."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import customfields
from guanxi.core.errors import DomainError
from guanxi.customers import masking
from guanxi.customers.views.common import guarded
from guanxi.customers.views.listing import custom_display

from .. import selectors, services
from ..choices import LeadStatus
from ..forms import AssignForm, LeadFollowUpForm
from ..models import Lead
from .follow_ups import can_change


def _converted_links(actor, lead: Lead) -> dict:
    """What the lead became, named and linked only where the viewer may open it."""
    customer_url = opportunity_url = None
    visible = selectors.lead_outcome_visible(actor=actor, lead=lead)
    if visible["customer"]:
        customer_url = reverse("customers:detail", args=[lead.converted_customer_id])
    if visible["opportunity"]:
        try:
            opportunity_url = reverse("opportunities:detail", args=[lead.converted_opportunity_id])
        except NoReverseMatch:  # the opportunity pages are not installed in this build
            opportunity_url = ""
    return {"customer_url": customer_url, "opportunity_url": opportunity_url}


def detail_context(request, lead: Lead, *, follow_up_form: LeadFollowUpForm | None = None) -> dict:
    actor = request.user
    can_edit = selectors.lead_can_edit(actor=actor, lead=lead)
    sensitive = masking.can_see_sensitive(actor)
    definitions = customfields.definitions("leads.lead")
    timeline = selectors.lead_timeline(actor=actor, lead=lead)
    follow_ups = [e.item for e in timeline if e.kind == "follow_up"]
    can_log = can_edit and actor.has_action("activities.create")
    can_assign = actor.has_action("leads.assign") and not lead.is_converted and lead.status != LeadStatus.DISQUALIFIED
    return {
        "lead": lead,
        "phone": masking.phone_for(actor, lead.phone, sensitive=sensitive),
        "email": masking.email_for(actor, lead.email, sensitive=sensitive),
        "custom_fields": [(d.label, custom_display(d, (lead.custom or {}).get(d.key))) for d in definitions],
        "can_edit": can_edit,
        "can_delete": can_edit and actor.has_action("leads.delete"),
        "can_claim": selectors.lead_can_claim(actor=actor, lead=lead),
        "can_convert": (can_edit and actor.has_action("leads.convert") and lead.owner_id is not None
                        and lead.status == LeadStatus.QUALIFIED),
        "assign_form": AssignForm(owners=selectors.lead_owner_choices(actor=actor)) if can_assign else None,
        "timeline": timeline,
        "follow_up_form": follow_up_form or (LeadFollowUpForm(prefix="fu") if can_log else None),
        "editable": {f.pk for f in follow_ups if can_edit and can_change(actor, f, "activities.edit")},
        "deletable": {f.pk for f in follow_ups if can_edit and can_change(actor, f, "activities.delete")},
        **(_converted_links(actor, lead) if lead.is_converted else {}),
    }


@guarded("leads.view")
def lead_detail(request, pk: int):
    lead = selectors.lead_get(actor=request.user, id=pk)
    return render(request, "leads/lead_detail.html", detail_context(request, lead))


@require_POST
@guarded("leads.view")
def lead_claim(request, pk: int):
    actor = request.user
    lead = selectors.lead_get(actor=actor, id=pk)
    try:
        services.lead_claim(actor=actor, lead=lead)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("leads:pool")
    messages.success(request, _("Lead “%(name)s” is yours now.") % {"name": lead})
    return redirect("leads:detail", pk=lead.pk)


@require_POST
@guarded("leads.assign")
def lead_assign(request, pk: int):
    actor = request.user
    lead = selectors.lead_get(actor=actor, id=pk)
    form = AssignForm(request.POST, owners=selectors.lead_owner_choices(actor=actor))
    if not form.is_valid():
        messages.error(request, _("Choose who takes this lead over."))
        return redirect("leads:detail", pk=lead.pk)
    owner = form.cleaned_data["owner"]
    try:
        services.lead_assign(actor=actor, ids=[lead.pk], owner=owner)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        for field_errors in exc.errors.values():
            for message in field_errors:
                messages.error(request, message)
        return redirect("leads:detail", pk=lead.pk)
    messages.success(request, _("Lead “%(name)s” assigned to %(owner)s.") % {"name": lead, "owner": owner})
    if not Lead.objects.visible_to(actor).filter(pk=lead.pk).exists():
        return redirect("leads:list")
    return redirect(reverse("leads:detail", args=[lead.pk]))


def customer_section(request, customer) -> dict:
    """On the customer page: the leads this customer was converted from."""
    actor = request.user
    leads = list(selectors.lead_converted_from(actor=actor, customer=customer)[:20]) if actor.has_action(
        "leads.view") else []
    return {"leads": leads}
