"""The quote page (lines, totals, versions, history, status steps), the printable page, and the quote
sections of the customer and opportunity pages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.customers.views.common import guarded
from guanxi.org.models import Department

from .. import selectors, services, totals
from ..choices import QuoteStatus
from ..models import Quote
from ..services import REVISABLE


def quote_actions(actor, quote: Quote) -> dict[str, bool]:
    """Which buttons the page offers: the same rules the services apply."""
    edit = actor.has_action("quotes.edit") and quote.is_latest
    status = quote.status
    return {
        "edit": edit and status == QuoteStatus.DRAFT,
        "submit": edit and status == QuoteStatus.DRAFT,
        "send": edit and status == QuoteStatus.APPROVED,
        "accept": edit and status == QuoteStatus.SENT,
        "reject": edit and status == QuoteStatus.SENT,
        "revise": edit and status in REVISABLE and actor.has_action("quotes.create"),
        "delete": quote.is_editable and actor.has_action("quotes.delete"),
        "contract": status == QuoteStatus.ACCEPTED and actor.has_action("contracts.create"),
    }


def stored_amounts(quote: Quote) -> totals.QuoteAmounts:
    return totals.QuoteAmounts(subtotal=quote.subtotal, discount=quote.discount_total, tax=quote.tax_total,
                               total=quote.total, max_discount_percent=quote.max_discount_percent)


@guarded("quotes.view")
def quote_detail(request, pk: int):
    actor = request.user
    quote = selectors.quote_get(actor=actor, id=pk)
    context = {
        "quote": quote,
        "lines": list(quote.lines.all()),
        "amounts": stored_amounts(quote),
        "versions": selectors.quote_versions(actor=actor, quote=quote),
        "history": selectors.quote_history(quote=quote),
        "actions": quote_actions(actor, quote),
        # The approval panel appears once the quote has gone to approval; most quotes never do.
        "has_approvals": selectors.quote_went_to_approval(quote=quote),
    }
    return render(request, "quotes/quote_detail.html", context)


def company_name() -> str:
    """The seller's name on the printed quote: `GUANXI_COMPANY_NAME`, or the top of the department tree."""
    if settings.COMPANY_NAME:
        return settings.COMPANY_NAME
    root = Department.objects.filter(parent__isnull=True).order_by("path").values_list("name", flat=True).first()
    return root or ""


@guarded("quotes.view")
def quote_print(request, pk: int):
    """A clean A4 page to print or save as PDF, in the reader's language; internal notes are left out."""
    quote = selectors.quote_get(actor=request.user, id=pk)
    return render(request, "quotes/quote_print.html",
                  {"quote": quote, "lines": list(quote.lines.all()), "amounts": stored_amounts(quote),
                   "company": company_name()})


def _step(request, pk: int, run: Callable[[Quote], object], done: str):
    """Run one status step; a refusal is shown as a message on the quote page."""
    quote = selectors.quote_get(actor=request.user, id=pk)
    try:
        result = run(quote)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        # "Please correct the errors below" means nothing on this page: the reasons themselves are shown.
        reasons = [str(m) for field_errors in exc.errors.values() for m in field_errors] or [str(exc.message)]
        for reason in reasons:
            messages.error(request, reason)
        return redirect("quotes:detail", pk=quote.pk)
    target = result if isinstance(result, Quote) else quote
    messages.success(request, done % {"number": quote.number})
    return redirect("quotes:detail", pk=target.pk)


@require_POST
@guarded("quotes.view")
def quote_submit(request, pk: int):
    comment = str(request.POST.get("comment", ""))

    def run(quote: Quote) -> Quote:
        services.quote_submit(actor=request.user, quote=quote, comment=comment)
        if quote.status == QuoteStatus.APPROVED:
            messages.info(request, _("No approval was needed."))
        return quote

    return _step(request, pk, run, _("Quote %(number)s submitted."))


@require_POST
@guarded("quotes.view")
def quote_send(request, pk: int):
    return _step(request, pk, lambda q: services.quote_mark_sent(actor=request.user, quote=q),
                 _("Quote %(number)s marked as sent."))


@require_POST
@guarded("quotes.view")
def quote_accept(request, pk: int):
    return _step(request, pk, lambda q: services.quote_mark_accepted(actor=request.user, quote=q),
                 _("Quote %(number)s marked as accepted."))


@require_POST
@guarded("quotes.view")
def quote_reject(request, pk: int):
    reason = str(request.POST.get("reason", ""))
    return _step(request, pk, lambda q: services.quote_mark_rejected(actor=request.user, quote=q, reason=reason),
                 _("Quote %(number)s marked as rejected."))


@require_POST
@guarded("quotes.view")
def quote_revise(request, pk: int):
    return _step(request, pk, lambda q: services.quote_revise(actor=request.user, quote=q),
                 _("A new version of quote %(number)s was made; change it and submit it again."))


# -- sections of other pages --


def customer_section(request, customer) -> dict:
    """The latest versions of the customer's quotes the user may see, and a "new quote" link."""
    actor = request.user
    if not actor.has_action("quotes.view"):
        return {"visible": False}
    return {"visible": True, "customer": customer, "quotes": selectors.customer_quotes(actor=actor, customer=customer),
            "can_create": actor.has_action("quotes.create")}


def opportunity_section(request, opportunity) -> dict:
    actor = request.user
    if not actor.has_action("quotes.view"):
        return {"visible": False}
    return {"visible": True, "opportunity": opportunity,
            "quotes": selectors.opportunity_quotes(actor=actor, opportunity=opportunity),
            "can_create": actor.has_action("quotes.create")}
