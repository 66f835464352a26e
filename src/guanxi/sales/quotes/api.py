"""REST API of quotes (报价单): the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, as_page
from guanxi.core.api_schemas import Id, errors, pick
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.errors import DomainError
from guanxi.core.permissions import require

from . import selectors, services
from .filters import QuoteFilters
from .models import Quote
from .schemas import QuoteIn, QuoteLineIn, QuoteOut, QuotePatch, QuoteQuery, QuoteSummaryOut, RejectIn, SubmitIn

router = Router(tags=["quotes"])


def _can_view(request) -> None:
    """Without the right to see quotes at all, every quote operation answers 403, not 404."""
    require(request.auth, "quotes.view")


def _quote(request, quote_id: int) -> Quote:
    _can_view(request)
    return selectors.quote_get(actor=request.auth, id=quote_id)


def _fresh(request, quote: Quote) -> Quote:
    return selectors.quote_get(actor=request.auth, id=quote.pk)


def _lines(lines: list[QuoteLineIn]) -> list[dict[str, Any]]:
    """Line rows for the service, products looked up in one query; an unknown product names its line."""
    wanted = [line.product_id for line in lines if line.product_id is not None]
    products = selectors.quote_products(wanted)
    rows = []
    for i, line in enumerate(lines):
        row = line.model_dump(exclude={"product_id"})
        if line.product_id is not None:
            product = products.get(line.product_id)
            if product is None:
                raise DomainError("invalid", _("Please correct the errors below."),
                                  {f"lines.{i}.product_id": [str(_("Choose one of the available options."))]})
            row["product"] = product
        rows.append(row)
    return rows


def _links(request, data: dict[str, Any]) -> None:
    """Ids in the body become records from the actor's own choices (anything else is a field error)."""
    actor = request.auth
    if "customer_id" in data:
        data["customer"] = pick(selectors.quote_customer_queryset(actor=actor), data.pop("customer_id"),
                                "customer_id")
    if "contact_id" in data:
        data["contact"] = pick(selectors.quote_contact_queryset(actor=actor), data.pop("contact_id"), "contact_id")
    if "opportunity_id" in data:
        data["opportunity"] = pick(selectors.quote_opportunity_queryset(actor=actor), data.pop("opportunity_id"),
                                   "opportunity_id")
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        if owner_id is not None:
            data["owner"] = pick(selectors.quote_owner_choices(actor=actor), owner_id, "owner_id")


@router.get("/quotes", response={200: PageOut[QuoteSummaryOut], **errors(400, 403, 422)},
            summary=_("List quotes"))
def list_quotes(request, filters: Query[QuoteQuery], paging: Query[PageParams]):
    """Quotes in your data scope, newest first; the latest version of each number unless `all_versions`."""
    _can_view(request)
    parsed = QuoteFilters.from_query(request.GET)
    page = selectors.quote_page(actor=request.auth, filters=parsed, cursor=paging.cursor or None, limit=paging.limit)
    return as_page(page)


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **errors(403, 404, 422)}, summary=_("Get a quote"))
def get_quote(request, quote_id: Id):
    return _quote(request, quote_id)


@router.get("/quotes/{quote_id}/versions", response={200: list[QuoteSummaryOut], **errors(403, 404, 422)},
            summary=_("List every version of a quote"))
def list_versions(request, quote_id: Id):
    """All revisions of the quote's number you may see, newest first."""
    quote = _quote(request, quote_id)
    return selectors.quote_versions(actor=request.auth, quote=quote)


@router.post("/quotes", response={201: QuoteOut, **errors(400, 403, 422)}, summary=_("Create a quote"))
def create_quote(request, payload: QuoteIn):
    """A draft numbered QT-<year>-<n>. Totals are computed by the server from the lines."""
    require(request.auth, "quotes.create")
    data = payload.model_dump(exclude={"lines"})
    _links(request, data)
    quote = services.quote_create(actor=request.auth, data=data, lines=_lines(payload.lines))
    return Status(201, _fresh(request, quote))


@router.patch("/quotes/{quote_id}", response={200: QuoteOut, **errors(400, 403, 404, 409, 422)},
              summary=_("Update a draft quote"))
def update_quote(request, quote_id: Id, payload: QuotePatch):
    """Only a draft (the latest version) changes. Send `version` to get 409 instead of overwriting."""
    quote = _quote(request, quote_id)
    data = payload.model_dump(exclude_unset=True, exclude={"lines"})
    version = data.pop("version", None)
    _links(request, data)
    lines = _lines(payload.lines) if "lines" in payload.model_fields_set else None
    services.quote_update(actor=request.auth, quote=quote, data=data, lines=lines, expected_version=version)
    return _fresh(request, quote)


@router.delete("/quotes/{quote_id}", response={204: None, **errors(400, 403, 404, 422)},
               summary=_("Delete a draft quote"))
def delete_quote(request, quote_id: Id):
    quote = _quote(request, quote_id)
    services.quote_delete(actor=request.auth, quote=quote)
    return Status(204, None)


@router.post("/quotes/{quote_id}/submit", response={200: QuoteOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Submit a quote for approval"))
def submit_quote(request, quote_id: Id, payload: SubmitIn):
    """Pending approval when an approval flow matches the quote, otherwise approved at once."""
    quote = _quote(request, quote_id)
    services.quote_submit(actor=request.auth, quote=quote, comment=payload.comment)
    return _fresh(request, quote)


@router.post("/quotes/{quote_id}/withdraw", response={200: QuoteOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Take a quote back from approval"))
def withdraw_quote(request, quote_id: Id):
    quote = _quote(request, quote_id)
    services.quote_withdraw(actor=request.auth, quote=quote)
    return _fresh(request, quote)


@router.post("/quotes/{quote_id}/send", response={200: QuoteOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Mark a quote as sent to the customer"))
def send_quote(request, quote_id: Id):
    quote = _quote(request, quote_id)
    services.quote_mark_sent(actor=request.auth, quote=quote)
    return _fresh(request, quote)


@router.post("/quotes/{quote_id}/accept", response={200: QuoteOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Mark a quote as accepted by the customer"))
def accept_quote(request, quote_id: Id):
    quote = _quote(request, quote_id)
    services.quote_mark_accepted(actor=request.auth, quote=quote)
    return _fresh(request, quote)


@router.post("/quotes/{quote_id}/reject", response={200: QuoteOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Mark a quote as rejected by the customer"))
def reject_quote(request, quote_id: Id, payload: RejectIn):
    quote = _quote(request, quote_id)
    services.quote_mark_rejected(actor=request.auth, quote=quote, reason=payload.reason)
    return _fresh(request, quote)


@router.post("/quotes/{quote_id}/revise", response={201: QuoteOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Revise a quote"))
def revise_quote(request, quote_id: Id):
    """A new draft version with the same number; the quote revised stays as read-only history."""
    quote = _quote(request, quote_id)
    revision = services.quote_revise(actor=request.auth, quote=quote)
    return Status(201, _fresh(request, revision))
