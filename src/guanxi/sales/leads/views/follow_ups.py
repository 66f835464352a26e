"""Logging, editing and deleting follow-ups (跟进记录) on the lead page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.customers.views.common import error_page, guarded

from .. import selectors, services
from ..forms import LeadFollowUpForm
from ..models import LeadFollowUp


def can_change(actor, follow_up: LeadFollowUp, action: str) -> bool:
    """The same rule the services apply: authors change their own, others need `action`."""
    if follow_up.author_id is not None and follow_up.author_id == actor.pk:
        return actor.has_action("activities.create")
    return actor.has_action(action)


def _timeline_url(lead_id: int) -> str:
    return reverse("leads:detail", args=[lead_id]) + "#timeline"


@require_POST
@guarded("activities.create")
def follow_up_create(request, pk: int):
    from .detail import detail_context

    actor = request.user
    lead = selectors.lead_get(actor=actor, id=pk)
    form = LeadFollowUpForm(request.POST, prefix="fu")
    if form.is_valid():
        try:
            services.lead_follow_up_create(actor=actor, lead=lead, data=form.follow_up_data())
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Follow-up logged."))
            return redirect(_timeline_url(lead.pk))
    lead = selectors.lead_get(actor=actor, id=pk)
    return render(request, "leads/lead_detail.html", detail_context(request, lead, follow_up_form=form), status=400)


@guarded("leads.view")
def follow_up_edit(request, pk: int):
    actor = request.user
    follow_up = selectors.lead_follow_up_get(actor=actor, id=pk)
    lead = follow_up.lead
    if lead.is_converted or not can_change(actor, follow_up, "activities.edit"):
        return error_page(request, 403)
    initial = {"kind": follow_up.kind, "content": follow_up.content, "occurred_at": follow_up.occurred_at,
               "next_follow_up_at": follow_up.next_follow_up_at}
    form = LeadFollowUpForm(request.POST or None, initial=initial, prefix="fu")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.lead_follow_up_update(actor=actor, follow_up=follow_up, data=form.follow_up_data())
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Follow-up saved."))
                return redirect(_timeline_url(lead.pk))
    return render(request, "leads/follow_up_form.html",
                  {"form": form, "lead": lead, "follow_up": follow_up,
                   "can_delete": can_change(actor, follow_up, "activities.delete")}, status=status)


@require_POST
@guarded("leads.view")
def follow_up_delete(request, pk: int):
    actor = request.user
    follow_up = selectors.lead_follow_up_get(actor=actor, id=pk)
    lead_id = follow_up.lead_id
    try:
        services.lead_follow_up_delete(actor=actor, follow_up=follow_up)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Follow-up deleted."))
    return redirect(_timeline_url(lead_id))
