"""What the opportunity screens share: reading the filters, the filter choices, and the pickers
that fill the opportunity form (customers the user can see, that customer's contacts)."""

from __future__ import annotations

from django.http import QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from guanxi.core.errors import DomainError, NotFound
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.filters import CustomerFilters
from guanxi.customers.views.common import guarded

from .. import selectors
from ..filters import OpportunityFilters

FILTER_PARAMS = ["q", "owner", "who", "close_month", "pipeline", "stage", "status", "customer", "sort"]
FILTER_LABELS = {
    "q": gettext_lazy("Search"), "owner": gettext_lazy("Owner"), "who": gettext_lazy("Whose"),
    "close_month": gettext_lazy("Expected close month"), "pipeline": gettext_lazy("Pipeline"),
    "stage": gettext_lazy("Stage"), "status": gettext_lazy("Status"), "customer": gettext_lazy("Customer"),
    "sort": gettext_lazy("Sort"),
}
CUSTOMER_OPTIONS = 20


def read_filters(params) -> tuple[OpportunityFilters | None, DomainError | None]:
    try:
        return OpportunityFilters.from_query(params), None
    except DomainError as exc:
        return None, exc


def filter_query(params: QueryDict, *, drop: tuple[str, ...] = ()) -> str:
    """The filter part of a query string: known parameters only, re-encoded."""
    kept = QueryDict(mutable=True)
    for key in FILTER_PARAMS:
        if key in drop:
            continue
        value = (params.get(key) or "").strip()[:100]
        if value:
            kept[key] = value
    return kept.urlencode()


def error_rows(error: DomainError | None) -> list[tuple[str, str]]:
    if error is None:
        return []
    return [(str(FILTER_LABELS.get(name, name)), str(message)) for name, messages in error.errors.items()
            for message in messages]


def filter_context(request, *, error: DomainError | None) -> dict:
    """Choices and current values for the shared filter bar."""
    return {
        "params": request.GET,
        "error": error,
        "error_rows": error_rows(error),
        "owners": list(selectors.opportunity_owner_choices(actor=request.user)),
        "can_open_bin": request.user.has_action("opportunities.delete"),
    }


@guarded("opportunities.view")
def customer_options(request):
    """<option>s of the customers the user can see matching `customer_q`, for the opportunity form."""
    q = (request.GET.get("customer_q") or "").strip()[:100]
    customers = []
    if q:
        qs = customer_selectors.customer_list(actor=request.user, filters=CustomerFilters(q=q))
        customers = list(qs.order_by("name", "id")[:CUSTOMER_OPTIONS])
    return render(request, "opportunities/form.html#customer_options",
                  {"customers": customers, "searched": bool(q), "limit": CUSTOMER_OPTIONS})


@guarded("opportunities.view")
def contact_options(request):
    """The contacts checkboxes of the customer chosen on the opportunity form."""
    raw = (request.GET.get("customer") or "").strip()
    contacts = []
    if raw.isdigit() and int(raw) < 2**63:
        try:
            customer = customer_selectors.customer_get(actor=request.user, id=int(raw))
        except NotFound:
            customer = None
        if customer is not None:
            contacts = list(customer_selectors.customer_contacts(actor=request.user, customer=customer))
    return render(request, "opportunities/form.html#contact_options", {"contact_list": contacts})
