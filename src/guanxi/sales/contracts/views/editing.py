"""Creating (also from a won opportunity or an accepted quote), editing and deleting one contract,
and the customer picker's search."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import customfields
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.customers.views.common import error_page, guarded

from .. import selectors, services
from ..forms import ContractForm
from ..models import Contract

ENTITY = "contracts.contract"


def _with_current(choices, current_id: int | None):
    """The picker's choices plus what the contract has now: a team member editing it may not see the
    customer, deal or owner themselves, and keeping them unchanged must stay possible."""
    if current_id is None:
        return choices
    return choices.model.objects.filter(Q(pk__in=choices.values("pk")) | Q(pk=current_id))


def _form(request, *, contract: Contract | None = None, data=None, initial=None) -> ContractForm:
    actor = request.user
    customers = selectors.customer_choices(actor=actor)
    owners = selectors.contract_owner_choices(actor=actor)
    opportunities = selectors.opportunity_choices(actor=actor)
    quotes = selectors.quote_choices(actor=actor)
    if contract is not None:
        owners = _with_current(owners, contract.owner_id)
        opportunities = _with_current(opportunities, contract.opportunity_id)
        quotes = _with_current(quotes, contract.quote_id)
        # Ordered like the picker, newest first, so the current customer is listed among the latest.
        customers = _with_current(customers, contract.customer_id).order_by("-id")
    kwargs = {"initial": initial} if initial is not None else {}
    return ContractForm(data, actor=actor, customers=customers, owners=owners, opportunities=opportunities,
                        quotes=quotes, contract=contract, definitions=customfields.definitions(ENTITY), **kwargs)


def _linked(form: ContractForm, name: str):
    """The opportunity or quote the form carries, to show what the contract comes from."""
    value = form[name].value()
    if value and str(value).isdigit():
        return form.fields[name].queryset.filter(pk=int(value)).first()  # type: ignore[attr-defined]
    return None


def _render(request, form: ContractForm, contract: Contract | None, *, status: int = 200, **extra):
    return render(request, "contracts/contract_form.html",
                  {"form": form, "contract": contract, "linked_opportunity": _linked(form, "opportunity"),
                   "linked_quote": _linked(form, "quote"), **extra}, status=status)


def _prefill(request) -> dict:
    """Initial values from `?opportunity=` (a won deal), `?quote=` (an accepted quote) or `?customer=`."""
    actor = request.user
    initial: dict = {}
    customer_id = request.GET.get("customer", "")
    if customer_id.isdigit():
        customer = selectors.customer_choices(actor=actor).filter(pk=int(customer_id)).first()
        if customer is not None:
            initial["customer"] = customer.pk
    opportunity_id = request.GET.get("opportunity", "")
    if opportunity_id.isdigit():
        opportunity = selectors.opportunity_choices(actor=actor).filter(pk=int(opportunity_id)).first()
        if opportunity is None:
            raise NotFound()
        initial.update(opportunity=opportunity.pk, customer=opportunity.customer_id, title=opportunity.name,
                       amount=opportunity.amount, currency=opportunity.currency)
    quote_id = request.GET.get("quote", "")
    if quote_id.isdigit():
        quote = selectors.quote_choices(actor=actor).filter(pk=int(quote_id)).first()
        if quote is None:
            raise NotFound()
        initial.update(quote=quote.pk, customer=quote.customer_id, title=quote.title, amount=quote.total,
                       currency=quote.currency)
        if quote.opportunity_id:
            initial["opportunity"] = quote.opportunity_id
    return initial


@guarded("contracts.create")
def contract_create(request):
    actor = request.user
    if request.method != "POST":
        form = _form(request, initial={"owner": actor.pk, **_prefill(request)})
        return _render(request, form, None)
    form = _form(request, data=request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                contract = services.contract_create(actor=actor, data=form.contract_data(),
                                                    custom=form.custom_values())
        except DomainError as exc:
            if exc.status == 403:
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Contract %(number)s created as a draft.") % {"number": contract.number})
            return redirect("contracts:detail", pk=contract.pk)
    return _render(request, form, None, status=400)


@guarded("contracts.edit")
def contract_edit(request, pk: int):
    actor = request.user
    try:
        contract = selectors.contract_get(actor=actor, id=pk)
    except NotFound:
        if request.method == "POST":
            return _gone(request)
        raise
    if not selectors.contract_can_edit(actor=actor, contract=contract):
        return error_page(request, 403)
    form = _form(request, contract=contract, data=request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _render(request, form, contract)
    if not form.is_valid():
        return _render(request, form, contract, status=400)
    try:
        with transaction.atomic():
            services.contract_update(actor=actor, contract=contract, data=form.contract_data(),
                                     custom=form.custom_values(), expected_version=form.cleaned_data.get("version"))
    except NotFound:
        return _gone(request)
    except Conflict:
        fresh = selectors.contract_get(actor=actor, id=pk)
        # A second save is a deliberate overwrite of the version the user has now been shown.
        data = request.POST.copy()
        data["version"] = str(fresh.version)
        form = _form(request, contract=fresh, data=data)
        form.is_valid()
        form.add_error(None, _("Someone else changed this contract while you were editing. Your typing is kept "
                               "below; check the contract, then save again to replace their changes."))
        return _render(request, form, fresh, status=409)
    except DomainError as exc:
        if exc.status == 403:
            raise
        form.add_domain_error(exc)
        return _render(request, form, contract, status=400)
    messages.success(request, _("Contract %(number)s saved.") % {"number": contract.number})
    return redirect("contracts:detail", pk=contract.pk)


def _gone(request):
    """Saving a contract that was deleted (or moved out of reach) meanwhile: say so, change nothing."""
    return error_page(request, 404, _("This contract no longer exists, or you can no longer see it, so your "
                                      "changes were not saved."))


@require_POST
@guarded("contracts.delete")
def contract_delete(request, pk: int):
    contract = selectors.contract_get(actor=request.user, id=pk)
    try:
        services.contract_delete(actor=request.user, contract=contract)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("contracts:detail", pk=contract.pk)
    messages.success(request, _("Contract %(number)s deleted.") % {"number": contract.number})
    return redirect("contracts:list")


@guarded("contracts.view")
def customer_options(request):
    """`<option>`s of the customers matching the picker's search box (HTMX swaps them into the select)."""
    q = (request.GET.get("q") or "").strip()[:100]
    customers = (selectors.customer_search(actor=request.user, q=q) if q
                 else list(selectors.customer_choices(actor=request.user)[:30]))
    return render(request, "contracts/includes/customer_options.html", {"customers": customers, "q": q})
