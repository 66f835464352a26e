"""The contract list (filters, keyset paging) and the contracts ending soon."""

from __future__ import annotations

from dataclasses import replace

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import DomainError
from guanxi.customers.views.common import PAGE_SIZE, count_label, guarded, render_listing

from .. import selectors
from ..choices import ContractStatus
from ..filters import DEFAULT_ENDING_DAYS, MAX_DAYS, ContractFilters

SORT_LABELS = {
    "-created": gettext_lazy("Newest first"),
    "created": gettext_lazy("Oldest first"),
    "-amount": gettext_lazy("Largest amount first"),
    "amount": gettext_lazy("Smallest amount first"),
}
FILTER_LABELS = {
    "q": gettext_lazy("Search"), "status": gettext_lazy("Status"), "customer": gettext_lazy("Customer"),
    "owner": gettext_lazy("Owner"), "mine": gettext_lazy("Only mine"),
    "ending_within": gettext_lazy("Ending within (days)"), "sort": gettext_lazy("Sort"),
    "days": gettext_lazy("Ending within (days)"), "cursor": gettext_lazy("Page"),
}


def error_rows(error: DomainError | None) -> list[tuple[str, str]]:
    """Each refused filter by its label, so the user sees which one to correct."""
    if error is None:
        return []
    return [(str(FILTER_LABELS.get(name, name)), str(message)) for name, messages in error.errors.items()
            for message in messages]


def _owners(actor) -> list:
    return list(selectors.contract_owner_choices(actor=actor))


@guarded("contracts.view")
def contract_list(request):
    actor = request.user
    today = timezone.localdate()
    error: DomainError | None = None
    filters: ContractFilters | None = None
    try:
        filters = ContractFilters.from_query(request.GET)
    except DomainError as exc:
        error = exc
    page, totals = None, {"count": 0, "count_more": False}
    if filters is not None:
        try:
            page = selectors.contract_page(actor=actor, filters=filters, cursor=request.GET.get("cursor") or None,
                                           limit=PAGE_SIZE, today=today)
            totals = count_label(selectors.contract_list(actor=actor, filters=filters, today=today))
        except DomainError as exc:
            error = exc
    customer = None
    if filters is not None and filters.customer:
        customer = selectors.customer_choices(actor=actor).filter(pk=filters.customer).first()
    context = {
        "page": page,
        "contracts": page.items if page else [],
        **totals,
        "today": today,
        "soon_days": DEFAULT_ENDING_DAYS,
        "filters": filters,
        "filters_open": error is not None or (filters is not None and replace(filters, q="").is_active()),
        "filter_customer": customer,
        "error": error,
        "error_rows": error_rows(error),
        "params": request.GET,
        "owners": _owners(actor),
        "statuses": ContractStatus.choices,
        "sorts": list(SORT_LABELS.items()),
        "can_create": actor.has_action("contracts.create"),
    }
    return render_listing(request, "contracts/contract_list.html", context)


def _days(request) -> tuple[int, DomainError | None]:
    raw = (request.GET.get("days") or "").strip()
    if not raw:
        return DEFAULT_ENDING_DAYS, None
    try:
        days = int(raw[:10])
        if not 0 <= days <= MAX_DAYS:
            raise ValueError
    except ValueError:
        return DEFAULT_ENDING_DAYS, DomainError("invalid_filter", _("Some filters are not valid."), {
            "days": [_("Enter a whole number of days from 0 to %(n)d.") % {"n": MAX_DAYS}]})
    return days, None


@guarded("contracts.view")
def contract_ending(request):
    """Contracts in force ending within N days (chosen on the page, 30 by default), soonest first."""
    actor = request.user
    today = timezone.localdate()
    days, error = _days(request)
    filters = ContractFilters(mine=request.GET.get("mine") in {"1", "true", "on"})
    page = None
    try:
        page = selectors.contract_ending_page(actor=actor, days=days, cursor=request.GET.get("cursor") or None,
                                              limit=PAGE_SIZE, today=today, filters=filters)
    except DomainError as exc:
        error = exc
    context = {
        "page": page,
        "contracts": page.items if page else [],
        "days": days,
        "today": today,
        "error": error,
        "error_rows": error_rows(error),
        "params": request.GET,
    }
    return render_listing(request, "contracts/contract_ending.html", context)
