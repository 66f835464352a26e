"""The lead list with its tabs (all, mine, the pool), filters, keyset paging and bulk actions."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.customers import masking
from guanxi.customers.choices import CustomerSource
from guanxi.customers.views.common import PAGE_SIZE, back_to, count_label, guarded, render_listing

from .. import selectors, services
from ..choices import LeadStatus
from ..filters import LeadFilters
from ..forms import BulkActionForm
from ..models import Lead

SORT_LABELS = {
    "-created": gettext_lazy("Newest first"),
    "created": gettext_lazy("Oldest first"),
    "-updated": gettext_lazy("Recently updated"),
    "name": gettext_lazy("Name A → Z"),
}
FILTER_LABELS = {
    "q": gettext_lazy("Search"), "status": gettext_lazy("Status"), "source": gettext_lazy("Source"),
    "owner": gettext_lazy("Owner"), "region": gettext_lazy("Region"), "scope": gettext_lazy("Show"),
    "sort": gettext_lazy("Sort"),
}
TABS = [("", gettext_lazy("All leads")), ("mine", gettext_lazy("My leads")), ("pool", gettext_lazy("Lead pool"))]


@dataclass
class LeadRow:
    """One line of the list, with phone and email already masked for the viewer."""

    lead: Lead
    phone: str
    email: str
    claimable: bool


def _listing(request, *, pool: bool):
    actor = request.user
    error: DomainError | None = None
    filters: LeadFilters | None = None
    try:
        filters = LeadFilters.from_query(request.GET, **({"scope": "pool"} if pool else {}))
    except DomainError as exc:
        error = exc
    page, totals = None, {"count": 0, "count_more": False}
    if filters is not None:
        try:
            page = selectors.lead_page(actor=actor, filters=filters, cursor=request.GET.get("cursor") or None,
                                       limit=PAGE_SIZE)
            totals = count_label(selectors.lead_list(actor=actor, filters=filters))
        except DomainError as exc:
            error = exc
    sensitive = masking.can_see_sensitive(actor)
    rows = [LeadRow(lead, masking.phone_for(actor, lead.phone, sensitive=sensitive),
                    masking.email_for(actor, lead.email, sensitive=sensitive),
                    selectors.lead_can_claim(actor=actor, lead=lead))
            for lead in (page.items if page else [])]
    can = {name: actor.has_action(f"leads.{name}") for name in ("assign", "delete", "create")}
    bulk = can["assign"] or can["delete"]
    error_rows = [(str(FILTER_LABELS.get(name, name)), str(message))
                  for name, messages_ in (error.errors.items() if error else []) for message in messages_]
    context = {
        "rows": rows,
        "page": page,
        **totals,
        "pool": pool,
        "scope": filters.scope if filters else "",
        "tabs": TABS,
        "filters": filters,
        "filters_open": error is not None or (filters is not None and replace(filters, q="").is_active()),
        "error": error,
        "error_rows": error_rows,
        "params": request.GET,
        "owners": list(selectors.lead_owner_choices(actor=actor)),
        "statuses": LeadStatus.choices,
        "sources": CustomerSource.choices,
        "sorts": list(SORT_LABELS.items()),
        "can_assign": can["assign"],
        "can_delete": can["delete"],
        "can_create": can["create"],
        "bulk": bulk,
        "column_count": 9 + (1 if bulk else 0),
        "list_url": reverse("leads:pool" if pool else "leads:list"),
    }
    return render_listing(request, "leads/lead_list.html", context)


@guarded("leads.view")
def lead_list(request):
    return _listing(request, pool=False)


@guarded("leads.view")
def lead_pool(request):
    """Leads nobody owns yet, for sellers to claim (领取)."""
    return _listing(request, pool=True)


@require_POST
@guarded("leads.view")
def lead_bulk(request):
    actor = request.user
    form = BulkActionForm(request.POST, owners=selectors.lead_owner_choices(actor=actor))
    fallback = reverse("leads:list")
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return back_to(request, fallback)
    ids, action = form.cleaned_data["ids"], form.cleaned_data["action"]
    try:
        if action == "assign":
            owner = form.cleaned_data["owner"]
            n = services.lead_assign(actor=actor, ids=ids, owner=owner)
            text = ngettext("%(n)d lead assigned to %(owner)s.", "%(n)d leads assigned to %(owner)s.", n) % {
                "n": n, "owner": owner}
        elif action == "apply_rules":
            n = services.lead_apply_rules(actor=actor, ids=ids)
            text = ngettext("The rules assigned %(n)d lead.", "The rules assigned %(n)d leads.", n) % {"n": n}
        else:
            n = services.lead_bulk_delete(actor=actor, ids=ids)
            text = ngettext("%(n)d lead moved to the recycle bin.", "%(n)d leads moved to the recycle bin.", n) % {
                "n": n}
    except NotFound:
        messages.error(request, _("Some of the chosen leads are not available to you, so nothing was changed."))
    except Forbidden:
        messages.error(request, _("You do not have permission to do this."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        for field_errors in exc.errors.values():
            for message in field_errors:
                messages.error(request, message)
    else:
        messages.success(request, text)
    return back_to(request, fallback)
