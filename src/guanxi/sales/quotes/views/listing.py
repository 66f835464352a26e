"""The quote list: filters by status, customer, owner and "mine", keyset paging, a bounded count."""

from __future__ import annotations

from guanxi.core.errors import DomainError
from guanxi.customers.models import Customer
from guanxi.customers.views.common import PAGE_SIZE, count_label, guarded, render_listing

from .. import selectors
from ..choices import QuoteStatus
from ..filters import QuoteFilters


@guarded("quotes.view")
def quote_list(request):
    actor = request.user
    error: DomainError | None = None
    filters: QuoteFilters | None = None
    try:
        filters = QuoteFilters.from_query(request.GET)
    except DomainError as exc:
        error = exc
    page, totals = None, {"count": 0, "count_more": False}
    if filters is not None:
        try:
            page = selectors.quote_page(actor=actor, filters=filters, cursor=request.GET.get("cursor") or None,
                                        limit=PAGE_SIZE)
            totals = count_label(selectors.quote_list(actor=actor, filters=filters))
        except DomainError as exc:
            error = exc
    customer = None
    if filters is not None and filters.customer is not None:
        customer = Customer.objects.visible_to(actor).filter(pk=filters.customer).only("pk", "name").first()
    context = {
        "page": page,
        "quotes": page.items if page else [],
        **totals,
        "error": error,
        "params": request.GET,
        "filter_customer": customer,
        "statuses": QuoteStatus.choices,
        "owners": list(selectors.quote_owner_choices(actor=actor)),
        "can_create": actor.has_action("quotes.create"),
    }
    return render_listing(request, "quotes/quote_list.html", context)
