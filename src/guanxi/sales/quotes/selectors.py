"""Every read of quotes (报价单) and of the records a quote picks from, bounded by the actor's data scopes."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

from guanxi.core.audit import timeline_key
from guanxi.core.errors import NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.paging import Page, keyset_page
from guanxi.core.scopes import owner_scope_q
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.filters import CustomerFilters
from guanxi.customers.models import Contact, Customer
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.products.models import Product

from .choices import QuoteStatus
from .filters import ORDERING, QuoteFilters
from .models import Quote, QuoteLine

CUSTOMER_OPTIONS = 20
# Steps of a quote that only an approval request can have led to.
APPROVAL_OUTCOMES = ["quote.approved", "quote.approval_rejected", "quote.returned", "quote.withdrawn"]


def quote_list(*, actor, filters: QuoteFilters | None = None) -> QuerySet[Quote]:
    filters = filters or QuoteFilters()
    qs = filters.apply(Quote.objects.visible_to(actor), actor=actor)
    return qs.select_related("customer", "owner", "department", "opportunity")


def quote_page(*, actor, filters: QuoteFilters, cursor: str | None, limit: int = 50) -> Page:
    limit = max(1, min(limit, 200))
    return keyset_page(quote_list(actor=actor, filters=filters), ORDERING, cursor, limit)


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=QuoteLine.objects.select_related("product").order_by("position", "id"))


def quote_get(*, actor, id: int) -> Quote:
    quote = (Quote.objects.visible_to(actor)
             .select_related("customer", "contact", "owner", "department", "opportunity", "created_by")
             .prefetch_related(_lines()).filter(pk=id).first())
    if quote is None:
        raise NotFound()
    return quote


def quote_versions(*, actor, quote: Quote) -> list[Quote]:
    """Every version of the quote's number the actor may see, newest first."""
    return list(Quote.objects.visible_to(actor).filter(number=quote.number).select_related("owner")
                .order_by("-revision"))


def quote_history(*, quote: Quote, limit: int = 50) -> list[AuditEvent]:
    """What happened to this version: created, edited, submitted, decided, sent… The approval engine's own
    events on the quote are left to its approval panel."""
    return list(AuditEvent.objects.filter(timeline_key=timeline_key(quote)).exclude(action__startswith="approval.")
                .select_related("actor")[:limit])


def quote_went_to_approval(*, quote: Quote) -> bool:
    """Whether the quote was ever submitted to an approval flow (pending, decided or withdrawn)."""
    if quote.status == QuoteStatus.PENDING_APPROVAL:
        return True
    return AuditEvent.objects.filter(timeline_key=timeline_key(quote), action__in=APPROVAL_OUTCOMES).exists()


def quote_can_edit(*, actor, quote: Quote) -> bool:
    return quote.is_editable and actor.has_action("quotes.edit")


def quote_customer_choices(*, actor, q: str = "", limit: int = CUSTOMER_OPTIONS) -> list[Customer]:
    """Customers a quote may be made out to, found by the customer list's own search."""
    if not q.strip():
        return []
    filters = CustomerFilters(q=q.strip()[:100], sort="name")
    return list(customer_selectors.customer_list(actor=actor, filters=filters).order_by("name", "id")[:limit])


def quote_customer_queryset(*, actor) -> QuerySet[Customer]:
    """What a submitted customer id is checked against (one row fetched, never the list)."""
    return Customer.objects.visible_to(actor)


def quote_contact_queryset(*, actor) -> QuerySet[Contact]:
    """What a submitted contact id is checked against; the service checks it is the customer's."""
    return Contact.objects.visible_to(actor)


def quote_opportunity_queryset(*, actor) -> QuerySet[Opportunity]:
    if not actor.has_action("opportunities.view"):
        return Opportunity.objects.none()
    return Opportunity.objects.visible_to(actor)


def quote_contact_choices(*, actor, customer: Customer | None) -> QuerySet[Contact]:
    if customer is None:
        return Contact.objects.none()
    return customer_selectors.customer_contacts(actor=actor, customer=customer)


def quote_opportunity_choices(*, actor, customer: Customer | None) -> QuerySet[Opportunity]:
    """The customer's opportunities the actor may see; none without the right to see opportunities."""
    if customer is None or not actor.has_action("opportunities.view"):
        return Opportunity.objects.none()
    return Opportunity.objects.visible_to(actor).filter(customer=customer).order_by("-id")


def quote_opportunity_get(*, actor, id: int) -> Opportunity:
    opportunity = (Opportunity.objects.visible_to(actor).select_related("customer")
                   .prefetch_related("lines__product").filter(pk=id).first())
    if opportunity is None or not actor.has_action("opportunities.view"):
        raise NotFound()
    return opportunity


def quote_product_choices() -> QuerySet[Product]:
    """Products that can go on a new line: the active catalogue (the catalogue is not scoped)."""
    return Product.objects.filter(is_active=True).order_by("name", "id")


def quote_products(ids: list[int]) -> dict[int, Product]:
    """Products by id in one query; lines may keep a product that has since been deactivated."""
    return {p.pk: p for p in Product.objects.filter(pk__in=ids)}


def quote_owner_choices(*, actor) -> QuerySet:
    """Active users whose quotes the actor can see: a pick can never move a quote out of the actor's reach."""
    users = get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
    reach = owner_scope_q(actor, "quotes", owner_field="pk")
    return users if reach is None else users.filter(reach)


def customer_quotes(*, actor, customer: Customer, limit: int = 20) -> list[Quote]:
    """The latest versions of a customer's quotes, for the customer page."""
    filters = QuoteFilters(customer=customer.pk)
    return list(quote_list(actor=actor, filters=filters).order_by("-id")[:limit])


def opportunity_quotes(*, actor, opportunity: Opportunity, limit: int = 20) -> list[Quote]:
    filters = QuoteFilters(opportunity=opportunity.pk)
    return list(quote_list(actor=actor, filters=filters).order_by("-id")[:limit])


def quote_latest_of(*, actor, number: str) -> Quote | None:
    """The current version of a number, if the actor may see it."""
    return Quote.objects.visible_to(actor).filter(number=number, is_latest=True).first()
