"""The recycle bin (回收站) of opportunities: deleted ones in the user's scope, restored or purged."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.paging import keyset_page
from guanxi.customers.views.common import PAGE_SIZE, count_label, guarded, render_listing

from .. import selectors, services


@guarded("opportunities.delete")
def recycle_bin(request):
    actor = request.user
    deleted = selectors.opportunity_recycle_bin(actor=actor)
    page, error = None, None
    try:
        page = keyset_page(deleted, ["-deleted_at", "-id"], request.GET.get("cursor") or None, PAGE_SIZE)
    except DomainError as exc:
        error = exc
    context = {"page": page, "error": error, "can_purge": actor.has_action("opportunities.purge"),
               **count_label(deleted)}
    return render_listing(request, "opportunities/recycle_bin.html", context)


@require_POST
@guarded("opportunities.delete")
def opportunity_restore(request, pk: int):
    opportunity = selectors.opportunity_deleted_get(actor=request.user, id=pk)
    try:
        services.opportunity_restore(actor=request.user, opportunity=opportunity)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("opportunities:recycle_bin")
    messages.success(request, _("Opportunity “%(name)s” restored.") % {"name": opportunity.name})
    return redirect("opportunities:detail", pk=opportunity.pk)


@guarded("opportunities.purge")
def opportunity_purge(request, pk: int):
    """GET asks for confirmation; POST deletes the opportunity for good."""
    opportunity = selectors.opportunity_deleted_get(actor=request.user, id=pk)
    if request.method != "POST":
        return render(request, "opportunities/purge_confirm.html", {"o": opportunity})
    name = opportunity.name
    try:
        services.opportunity_purge(actor=request.user, opportunity=opportunity)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("opportunities:recycle_bin")
    messages.success(request, _("Opportunity “%(name)s” was deleted for good.") % {"name": name})
    return redirect("opportunities:recycle_bin")
