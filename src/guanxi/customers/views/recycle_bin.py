"""The recycle bin (回收站): deleted customers in the user's scope, restored or purged for good."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.paging import keyset_page

from .. import selectors, services
from .common import PAGE_SIZE, count_label, guarded, render_listing


@guarded("customers.delete")
def recycle_bin(request):
    actor = request.user
    deleted = selectors.customer_recycle_bin(actor=actor)
    page, error = None, None
    try:
        page = keyset_page(deleted, ["-deleted_at", "-id"], request.GET.get("cursor") or None, PAGE_SIZE)
    except DomainError as exc:
        error = exc
    context = {"page": page, "error": error, "can_purge": actor.has_action("customers.purge"),
               **count_label(deleted)}
    return render_listing(request, "customers/recycle_bin.html", context)


@require_POST
@guarded("customers.delete")
def customer_restore(request, pk: int):
    customer = selectors.customer_deleted_get(actor=request.user, id=pk)
    services.customer_restore(actor=request.user, customer=customer)
    messages.success(request, _("Customer “%(name)s” restored.") % {"name": customer.name})
    return redirect("customers:recycle_bin")


@guarded("customers.purge")
def customer_purge(request, pk: int):
    """GET asks for confirmation; POST deletes the customer for good."""
    customer = selectors.customer_deleted_get(actor=request.user, id=pk)
    if request.method != "POST":
        return render(request, "customers/purge_confirm.html", {"customer": customer})
    name = customer.name
    services.customer_purge(actor=request.user, customer=customer)
    messages.success(request, _("Customer “%(name)s” was deleted for good.") % {"name": name})
    return redirect("customers:recycle_bin")
