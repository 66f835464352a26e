"""Creating, editing and deleting one lead, and the recycle bin (回收站) of deleted leads."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import customfields
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.paging import keyset_page
from guanxi.customers.views.common import PAGE_SIZE, count_label, error_page, guarded, render_listing

from .. import selectors, services
from ..forms import LeadForm
from ..models import Lead
from .common import may_confirm, show_error

ENTITY = "leads.lead"


def _render_form(request, form: LeadForm, lead: Lead | None, *, status: int = 200, **extra):
    can_delete = lead is not None and request.user.has_action("leads.delete")
    return render(request, "leads/lead_form.html", {"form": form, "lead": lead, "can_delete": can_delete, **extra},
                  status=status)


@guarded("leads.create")
def lead_create(request):
    actor = request.user
    form = LeadForm(request.POST or None, actor=actor, owners=_owner_choices(actor),
                    definitions=customfields.definitions(ENTITY))
    if request.method != "POST":
        return _render_form(request, form, None)
    if form.is_valid():
        try:
            lead = services.lead_create(actor=actor, data=form.lead_data(), custom=form.custom_values(),
                                        confirmed=form.cleaned_data.get("confirmed", False))
        except DomainError as exc:
            show_error(form, exc)
            return _render_form(request, form, None, status=400, duplicate=may_confirm(exc))
        messages.success(request, _("Lead “%(name)s” created.") % {"name": lead})
        if selectors.lead_list(actor=actor).filter(pk=lead.pk).exists():
            return redirect("leads:detail", pk=lead.pk)
        # The assignment rules gave it to someone out of the creator's reach.
        messages.info(request, _("The assignment rules gave it to a seller outside your view."))
        return redirect("leads:list")
    return _render_form(request, form, None, status=400)


def _owner_choices(actor):
    """Sellers without the assign right may only take the lead themselves or leave it to the rules."""
    owners = selectors.lead_owner_choices(actor=actor)
    return owners if actor.has_action("leads.assign") else owners.filter(pk=actor.pk)


@guarded("leads.edit")
def lead_edit(request, pk: int):
    actor = request.user
    definitions = customfields.definitions(ENTITY)
    try:
        lead = selectors.lead_get(actor=actor, id=pk)
    except NotFound:
        if request.method == "POST":
            return _deleted_meanwhile(request, pk, definitions)
        raise
    if not selectors.lead_can_edit(actor=actor, lead=lead):
        return error_page(request, 403, _("This lead was converted and can no longer be changed.")
                          if lead.is_converted else None)
    form = LeadForm(request.POST or None, actor=actor, lead=lead, definitions=definitions)
    if request.method != "POST":
        return _render_form(request, form, lead)
    if not form.is_valid():
        return _render_form(request, form, lead, status=400)
    try:
        services.lead_update(actor=actor, lead=lead, data=form.lead_data(), custom=form.custom_values(),
                             expected_version=form.cleaned_data.get("version"))
    except Conflict:
        try:
            fresh = selectors.lead_get(actor=actor, id=pk)
        except NotFound:
            return _deleted_meanwhile(request, pk, definitions)
        form.add_error(None, _("Someone else changed this lead while you were editing. Your typing is kept below; "
                               "save again to replace their changes with yours."))
        data = request.POST.copy()
        data["version"] = str(fresh.version)
        form.data = data
        return _render_form(request, form, lead, status=409)
    except NotFound:
        return _deleted_meanwhile(request, pk, definitions)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _render_form(request, form, lead, status=400)
    messages.success(request, _("Lead “%(name)s” saved.") % {"name": lead})
    return redirect("leads:detail", pk=lead.pk)


def _deleted_meanwhile(request, pk: int, definitions):
    """A lead the user could edit was deleted while they typed: say so and keep the typing."""
    actor = request.user
    deleted = selectors.lead_deleted_get(actor=actor, id=pk)
    form = LeadForm(request.POST, actor=actor, lead=deleted, definitions=definitions)
    form.is_valid()
    form.add_error(None, _("This lead was deleted by someone else meanwhile, so your changes were not saved. "
                           "It can be restored from the recycle bin."))
    return _render_form(request, form, deleted, status=409, deleted=True)


@require_POST
@guarded("leads.delete")
def lead_delete(request, pk: int):
    lead = selectors.lead_get(actor=request.user, id=pk)
    try:
        services.lead_delete(actor=request.user, lead=lead)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("leads:detail", pk=lead.pk)
    messages.success(request, _("Lead “%(name)s” moved to the recycle bin.") % {"name": lead})
    return redirect("leads:list")


@guarded("leads.delete")
def recycle_bin(request):
    actor = request.user
    deleted = selectors.lead_recycle_bin(actor=actor)
    page, error = None, None
    try:
        page = keyset_page(deleted, ["-deleted_at", "-id"], request.GET.get("cursor") or None, PAGE_SIZE)
    except DomainError as exc:
        error = exc
    return render_listing(request, "leads/recycle_bin.html", {"page": page, "error": error, **count_label(deleted)})


@require_POST
@guarded("leads.delete")
def lead_restore(request, pk: int):
    lead = selectors.lead_deleted_get(actor=request.user, id=pk)
    services.lead_restore(actor=request.user, lead=lead)
    messages.success(request, _("Lead “%(name)s” restored.") % {"name": lead})
    return redirect("leads:recycle_bin")
