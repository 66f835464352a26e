"""Creating and editing a quote, with its line editor.

The line editor posts the whole form back to the same page with a `line_action`: `add`,
`remove-<n>` and `refresh` (buttons) answer with the editor fragment (HTMX) or the whole page
(without JavaScript); `recalc`, sent on any change, answers only out-of-band updates of the amounts
and totals, plus the line whose product was just picked, so nothing being typed is replaced. The
server fills a newly picked product's description, unit, price and tax rate and computes every
amount with `quotes.totals`. Saving is a plain POST without `line_action`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.money import Currency
from guanxi.customers.models import Customer
from guanxi.customers.views.common import guarded
from guanxi.sales.products.models import Product
from guanxi.sales.products.pricing import product_prices_for

from .. import selectors, services, totals
from ..forms import LINE_INPUTS, LINE_PREFIX, LineFormSet, QuoteForm, place_domain_error
from ..models import Quote
from ..services import MAX_LINES

EDITOR = "line-editor"
BLANK_LINE = {"quantity": "1", "discount_percent": "0"}


@dataclass
class EditorRow:
    """A line of the editor with what it comes to, or a note when it cannot be computed yet."""

    index: int
    form: Any
    amounts: totals.LineAmounts | None
    note: str = ""
    # Its product was just picked or cleared, so its inputs were filled in again by the server.
    refilled: bool = False

    @property
    def number(self) -> int:
        return self.index + 1


# -- reading what was typed --


def _posted_rows(data) -> list[dict[str, str]]:
    """The editor's lines as typed, bounded in number and length."""
    try:
        count = int(data.get(f"{LINE_PREFIX}-TOTAL_FORMS", "0"))
    except ValueError:
        count = 0
    count = max(0, min(count, MAX_LINES))
    return [{name: str(data.get(f"{LINE_PREFIX}-{i}-{name}", ""))[:200] for name in LINE_INPUTS} for i in range(count)]


def _decimal(raw: Any, *, blank: Decimal | None = None) -> Decimal | None:
    text = str(raw if raw is not None else "").strip()
    if not text:
        return blank
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _posted_customer(actor, data) -> Customer | None:
    raw = str(data.get("customer", ""))
    if not raw.isdigit() or len(raw) > 18:
        return None
    return selectors.quote_customer_queryset(actor=actor).filter(pk=int(raw)).first()


def _posted_currency(data, fallback: str) -> str:
    currency = str(data.get("currency", ""))
    return currency if currency in Currency.values else fallback


# -- the line editor --


def _product_choices(extra_ids: list[int] | None = None) -> tuple[list[tuple[Any, str]], dict[int, Product]]:
    """Active products, plus any inactive product a line already has, in one query."""
    qs = Product.objects.filter(Q(is_active=True) | Q(pk__in=extra_ids or [])).order_by("name", "id")
    products = {p.pk: p for p in qs}
    choices: list[tuple[Any, str]] = [("", "—")]
    choices += [(p.pk, f"{p.name} · {p.code} ({p.currency})") for p in products.values()]
    return choices, products


def _row_product(row: dict[str, str], products: dict[int, Product]) -> Product | None:
    raw = row.get("product", "")
    return products.get(int(raw)) if raw.isdigit() and len(raw) <= 18 else None


def _fill_from_products(rows: list[dict[str, str]], products: dict[int, Product], customer) -> set[int]:
    """A line whose product changed takes the product's description, unit, price for the customer and tax
    rate; the indexes of the lines filled in (or whose product was cleared) are returned."""
    changed = []
    refilled = set()
    for i, row in enumerate(rows):
        if not row.get("product"):
            if row.get("filled_product"):
                row["filled_product"] = ""
                refilled.add(i)
            continue
        product = _row_product(row, products)
        if product is not None and row["product"] != row.get("filled_product"):
            changed.append((i, row, product))
    if changed:
        prices = product_prices_for(products=[p for _i, _row, p in changed], customer=customer)
        for i, row, product in changed:
            row.update(description=product.name[:200], unit=product.unit, unit_price=str(prices[product.pk][0]),
                       tax_rate=str(product.tax_rate), filled_product=row["product"])
            refilled.add(i)
    return refilled


def _preview(forms, rows: list[dict[str, str]], products: dict[int, Product], currency: str,
             customer: Customer | None, refilled: set[int]) -> tuple[list[EditorRow], totals.QuoteAmounts]:
    """Each line's amounts and the quote's totals, from what was typed, by the same rule the save uses."""
    out: list[EditorRow] = []
    computed = []
    chosen = {p.pk: p for row in rows if (p := _row_product(row, products)) is not None}
    prices = product_prices_for(products=chosen.values(), customer=customer) if chosen else {}
    for i, (form, row) in enumerate(zip(forms, rows, strict=True)):
        product = _row_product(row, products)
        fresh = i in refilled
        if product is not None and prices[product.pk][1] != currency:
            note = _("This product is priced in %(product)s; the quote is in %(quote)s.") % {
                "product": prices[product.pk][1], "quote": currency}
            out.append(EditorRow(i, form, None, note, refilled=fresh))
            continue
        quantity = _decimal(row.get("quantity"))
        price = _decimal(row.get("unit_price"))
        if price is None and product is not None and not row.get("unit_price", "").strip():
            price = prices[product.pk][0]
        discount = _decimal(row.get("discount_percent"), blank=Decimal(0))
        tax = _decimal(row.get("tax_rate"), blank=Decimal(0))
        usable = (quantity is not None and price is not None and discount is not None and tax is not None
                  and quantity > 0 and price >= 0 and 0 <= discount <= 100 and 0 <= tax <= 100)
        if not usable:
            out.append(EditorRow(i, form, None, refilled=fresh))
            continue
        assert quantity is not None and price is not None and discount is not None and tax is not None
        amounts = totals.line_amounts(quantity=quantity, unit_price=price, discount_percent=discount, tax_rate=tax)
        if not totals.fits(amounts):
            out.append(EditorRow(i, form, None, refilled=fresh))
            continue
        computed.append((amounts, discount))
        out.append(EditorRow(i, form, amounts, refilled=fresh))
    return out, totals.quote_amounts(computed)


def _rows_of(quote: Quote) -> list[dict[str, str]]:
    rows = []
    for line in quote.lines.all():
        product = str(line.product_id) if line.product_id else ""
        rows.append({"product": product, "filled_product": product, "description": line.description,
                     "unit": line.unit, "quantity": str(line.quantity), "unit_price": str(line.unit_price),
                     "discount_percent": str(line.discount_percent), "tax_rate": str(line.tax_rate)})
    return rows


# -- the page --


def _head_form(request, data=None, *, initial: dict | None = None, customer: Customer | None = None,
               customer_q: str = "", quote: Quote | None = None) -> QuoteForm:
    """The head form; the customer picker offers the chosen customer and any search results."""
    actor = request.user
    options = selectors.quote_customer_choices(actor=actor, q=customer_q) if customer_q else []
    if customer is not None and customer.pk not in {c.pk for c in options}:
        options.insert(0, customer)
    owners = selectors.quote_owner_choices(actor=actor)
    if quote is not None and quote.owner_id:
        # The current owner stays a valid choice even when they are outside the picker (e.g. left the company).
        owners = owners.model.objects.filter(Q(pk__in=owners.values("pk")) | Q(pk=quote.owner_id))
    form = QuoteForm(data, initial=initial, customers=selectors.quote_customer_queryset(actor=actor),
                     customer_options=options,
                     contacts=selectors.quote_contact_choices(actor=actor, customer=customer),
                     opportunities=selectors.quote_opportunity_choices(actor=actor, customer=customer),
                     owners=owners)
    # With JavaScript, a customer change offers that customer's contacts and opportunities, and a
    # currency change re-checks the lines' products.
    form.fields["customer"].widget.attrs.update({
        "hx-get": reverse("quotes:customer_options"), "hx-trigger": "change", "hx-target": "#customer-links",
        "hx-swap": "outerHTML", "hx-include": "this"})
    form.fields["currency"].widget.attrs.update({
        "hx-post": request.get_full_path(), "hx-trigger": "change", "hx-target": f"#{EDITOR}",
        "hx-swap": "outerHTML", "hx-include": "#quote-form", "hx-vals": '{"line_action": "refresh"}'})
    return form


def _render(request, *, form: QuoteForm, formset, rows: list[dict[str, str]], products: dict[int, Product],
            currency: str, quote: Quote | None, customer: Customer | None = None, status: int = 200,
            refilled: set[int] | None = None, **extra):
    forms = list(formset.forms)
    editor_rows, amounts = _preview(forms, rows, products, currency, customer, refilled or set())
    context = {"form": form, "formset": formset, "editor_rows": editor_rows, "amounts": amounts,
               "currency": currency, "quote": quote, "max_lines": MAX_LINES, "editor_url": request.get_full_path(),
               "can_delete": quote is not None and request.user.has_action("quotes.delete"), **extra}
    htmx = getattr(request, "htmx", None)
    template = "quotes/quote_form.html"
    if htmx and request.POST.get("line_action") == "recalc":
        template = "quotes/includes/line_recalc.html"
    elif htmx and htmx.target == EDITOR:
        template += "#line_editor"
    return render(request, template, context, status=status)


def _line_action(request, *, quote: Quote | None, extra_product_ids: list[int]):
    """Add or remove a line, or recompute: the typed values come back with amounts, nothing is saved."""
    actor = request.user
    action = str(request.POST.get("line_action", ""))
    rows = _posted_rows(request.POST)
    if action == "add" and len(rows) < MAX_LINES:
        rows.append({name: BLANK_LINE.get(name, "") for name in LINE_INPUTS})
    elif action.startswith("remove-") and action[7:].isdigit() and int(action[7:]) < len(rows):
        del rows[int(action[7:])]
    choices, products = _product_choices(extra_product_ids)
    customer = _posted_customer(actor, request.POST)
    currency = _posted_currency(request.POST, quote.currency if quote else Currency.CNY)
    refilled = _fill_from_products(rows, products, customer)
    formset = LineFormSet(initial=rows, product_choices=choices)
    initial = {k: v for k, v in request.POST.items() if not k.startswith(LINE_PREFIX) and k != "csrfmiddlewaretoken"}
    form = _head_form(request, initial=initial, customer=customer, quote=quote)
    return _render(request, form=form, formset=formset, rows=rows, products=products, currency=currency,
                   quote=quote, customer=customer, refilled=refilled)


def _save(request, *, quote: Quote | None, extra_product_ids: list[int]):
    actor = request.user
    choices, products = _product_choices(extra_product_ids)
    customer = _posted_customer(actor, request.POST)
    form = _head_form(request, request.POST, customer=customer, quote=quote)
    formset = LineFormSet(request.POST, product_choices=choices)
    rows = _posted_rows(request.POST)
    currency = _posted_currency(request.POST, quote.currency if quote else Currency.CNY)

    def again(status: int = 400, **extra):
        return _render(request, form=form, formset=formset, rows=rows, products=products, currency=currency,
                       quote=quote, customer=customer, status=status, **extra)

    if not (form.is_valid() and formset.is_valid()):
        return again()
    lines = [f.line_data(products) for f in formset.forms if f.has_changed()]
    try:
        with transaction.atomic():
            if quote is None:
                saved = services.quote_create(actor=actor, data=form.quote_data(), lines=lines)
            else:
                saved = services.quote_update(actor=actor, quote=quote, data=form.quote_data(), lines=lines,
                                              expected_version=form.cleaned_data.get("version"))
    except Conflict:
        form.add_error(None, _("Someone else changed this quote while you were editing. Your typing is kept "
                               "below; reload the quote to see their changes."))
        return again(409)
    except NotFound:
        if quote is None:
            raise
        form.add_error(None, _("This quote was deleted by someone else meanwhile, so your changes were not saved."))
        return again(409, deleted=True)
    except DomainError as exc:
        if exc.status == 403:
            raise
        place_domain_error(exc, form, formset)
        return again()
    messages.success(request, _("Quote %(number)s saved.") % {"number": saved.number})
    return redirect("quotes:detail", pk=saved.pk)


def _initial_for_new(request) -> tuple[dict, list[dict[str, str]], Customer | None]:
    """`?customer=ID` or `?opportunity=ID` fill in the customer and, from an opportunity, its lines."""
    actor = request.user
    initial: dict[str, Any] = {"owner": actor.pk, "currency": Currency.CNY}
    rows: list[dict[str, str]] = []
    customer = None
    opportunity_id = str(request.GET.get("opportunity", ""))
    customer_id = str(request.GET.get("customer", ""))
    if opportunity_id.isdigit() and len(opportunity_id) <= 18:
        opportunity = selectors.quote_opportunity_get(actor=actor, id=int(opportunity_id))
        customer = _posted_customer(actor, {"customer": str(opportunity.customer_id)})
        initial.update(title=opportunity.name[:200], opportunity=opportunity.pk, currency=opportunity.currency)
        for line in opportunity.lines.all():
            product = line.product
            rows.append({
                "product": str(product.pk) if product else "", "filled_product": str(product.pk) if product else "",
                "description": line.description or (product.name[:200] if product else ""),
                "unit": product.unit if product else "", "quantity": str(line.quantity),
                "unit_price": str(line.unit_price), "discount_percent": "0",
                "tax_rate": str(product.tax_rate) if product else "0",
            })
    elif customer_id.isdigit() and len(customer_id) <= 18:
        customer = _posted_customer(actor, {"customer": customer_id})
        if customer is None:
            raise NotFound()
    if customer is not None:
        initial["customer"] = customer.pk
    if not rows:
        rows = [{name: BLANK_LINE.get(name, "") for name in LINE_INPUTS}]
    return initial, rows, customer


@guarded("quotes.create")
def quote_create(request):
    if request.method == "POST":
        if request.POST.get("line_action"):
            return _line_action(request, quote=None, extra_product_ids=[])
        return _save(request, quote=None, extra_product_ids=[])
    initial, rows, customer = _initial_for_new(request)
    customer_q = str(request.GET.get("customer_q", ""))[:100]
    choices, products = _product_choices()
    form = _head_form(request, initial=initial, customer=customer, customer_q=customer_q)
    formset = LineFormSet(initial=rows, product_choices=choices)
    return _render(request, form=form, formset=formset, rows=rows, products=products,
                   currency=initial["currency"], quote=None, customer=customer, customer_q=customer_q)


@guarded("quotes.edit")
def quote_edit(request, pk: int):
    actor = request.user
    quote = selectors.quote_get(actor=actor, id=pk)
    if not quote.is_editable:
        messages.error(request, _("Only a draft can be changed. This quote is %(status)s.")
                       % {"status": quote.get_status_display()} if quote.is_latest else
                       _("This is an earlier version of the quote; it is kept as history and cannot be changed."))
        return redirect("quotes:detail", pk=quote.pk)
    line_products = [line.product_id for line in quote.lines.all() if line.product_id]
    if request.method == "POST":
        if request.POST.get("line_action"):
            return _line_action(request, quote=quote, extra_product_ids=line_products)
        return _save(request, quote=quote, extra_product_ids=line_products)
    rows = _rows_of(quote) or [{name: BLANK_LINE.get(name, "") for name in LINE_INPUTS}]
    initial = {name: getattr(quote, name) for name in ("title", "currency", "valid_until", "terms", "notes")}
    initial.update(customer=quote.customer_id, contact=quote.contact_id, opportunity=quote.opportunity_id,
                   owner=quote.owner_id, version=quote.version)
    choices, products = _product_choices(line_products)
    customer_q = str(request.GET.get("customer_q", ""))[:100]
    form = _head_form(request, initial=initial, customer=quote.customer, customer_q=customer_q, quote=quote)
    formset = LineFormSet(initial=rows, product_choices=choices)
    return _render(request, form=form, formset=formset, rows=rows, products=products, currency=quote.currency,
                   quote=quote, customer=quote.customer, customer_q=customer_q)


@guarded("quotes.view")
def customer_options(request):
    """The customer picker's options for a search, and the contact and opportunity pickers of a customer."""
    actor = request.user
    customer = _posted_customer(actor, request.GET)
    if "customer_q" in request.GET:
        q = str(request.GET.get("customer_q", ""))[:100]
        return render(request, "quotes/includes/customer_options.html",
                      {"customers": selectors.quote_customer_choices(actor=actor, q=q), "q": q, "current": customer})
    form = _head_form(request, customer=customer)
    return render(request, "quotes/quote_form.html#customer_links", {"form": form})


@require_POST
@guarded("quotes.delete")
def quote_delete(request, pk: int):
    quote = selectors.quote_get(actor=request.user, id=pk)
    try:
        services.quote_delete(actor=request.user, quote=quote)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("quotes:detail", pk=quote.pk)
    messages.success(request, _("Quote %(number)s deleted.") % {"number": quote.number})
    previous = selectors.quote_latest_of(actor=request.user, number=quote.number)
    if previous is not None:
        return redirect("quotes:detail", pk=previous.pk)
    return redirect("quotes:list")

