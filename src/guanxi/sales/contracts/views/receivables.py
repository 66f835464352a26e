"""Receivables (回款): the overdue list, the instalment plan of a contract, payments and reversals."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.customers.views.common import PAGE_SIZE, error_page, guarded, render_listing

from .. import selectors, services
from ..filters import OverdueFilters
from ..formatting import money_text
from ..forms import InstalmentForm, PaymentForm, ReverseForm
from ..models import Contract
from .listing import error_rows


def _url(contract: Contract, anchor: str) -> str:
    return reverse("contracts:detail", args=[contract.pk]) + f"#{anchor}"


@guarded("contracts.view")
def receivable_overdue(request):
    """Instalments due and not fully paid, oldest first, with how many days they are late."""
    actor = request.user
    today = timezone.localdate()
    error: DomainError | None = None
    filters: OverdueFilters | None = None
    try:
        filters = OverdueFilters.from_query(request.GET)
    except DomainError as exc:
        error = exc
    page = None
    if filters is not None:
        try:
            page = selectors.receivable_overdue_page(actor=actor, filters=filters,
                                                     cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE,
                                                     today=today)
        except DomainError as exc:
            error = exc
    rows = [(i, (today - i.due_on).days) for i in (page.items if page else [])]
    customer = None
    if filters is not None and filters.customer:
        customer = selectors.customer_choices(actor=actor).filter(pk=filters.customer).first()
    context = {
        "page": page,
        "rows": rows,
        "today": today,
        "error": error,
        "error_rows": error_rows(error),
        "params": request.GET,
        "owners": list(selectors.contract_owner_choices(actor=actor)),
        "filter_customer": customer,
        "balances": selectors.receivable_balance(actor=actor, today=today, filters=filters) if filters else [],
    }
    return render_listing(request, "contracts/receivables.html", context)


# -- the instalment plan --


def _plan_form_page(request, contract: Contract, form: InstalmentForm, *, instalment=None, status: int = 200):
    return render(request, "contracts/instalment_form.html",
                  {"form": form, "contract": contract, "instalment": instalment}, status=status)


@guarded("contracts.edit")
def instalment_create(request, pk: int):
    actor = request.user
    contract = selectors.contract_get(actor=actor, id=pk)
    if not selectors.contract_can_edit(actor=actor, contract=contract):
        return error_page(request, 403)
    form = InstalmentForm(request.POST or None)
    if request.method != "POST":
        return _plan_form_page(request, contract, form)
    if form.is_valid():
        try:
            instalment = services.instalment_create(actor=actor, contract=contract, data=form.instalment_data())
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Instalment %(n)d added.") % {"n": instalment.sequence})
            return redirect(_url(contract, "instalments"))
    return _plan_form_page(request, contract, form, status=400)


@guarded("contracts.edit")
def instalment_edit(request, pk: int):
    actor = request.user
    instalment = selectors.instalment_get(actor=actor, id=pk)
    contract = instalment.contract
    if not selectors.contract_can_edit(actor=actor, contract=contract):
        return error_page(request, 403)
    form = InstalmentForm(request.POST or None, instalment=instalment)
    if request.method != "POST":
        return _plan_form_page(request, contract, form, instalment=instalment)
    if form.is_valid():
        try:
            services.instalment_update(actor=actor, instalment=instalment, data=form.instalment_data())
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Instalment %(n)d saved.") % {"n": instalment.sequence})
            return redirect(_url(contract, "instalments"))
    return _plan_form_page(request, contract, form, instalment=instalment, status=400)


@require_POST
@guarded("contracts.edit")
def instalment_delete(request, pk: int):
    actor = request.user
    instalment = selectors.instalment_get(actor=actor, id=pk)
    contract = instalment.contract
    try:
        services.instalment_delete(actor=actor, instalment=instalment)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Instalment %(n)d deleted.") % {"n": instalment.sequence})
    return redirect(_url(contract, "instalments"))


# -- payments (回款) --


@guarded("contracts.record_payment")
def payment_create(request, pk: int):
    actor = request.user
    contract = selectors.contract_get(actor=actor, id=pk)
    open_instalments = selectors.instalment_list(actor=actor, contract=contract)
    form = PaymentForm(request.POST or None, instalments=open_instalments, currency=contract.currency,
                       initial={"instalment": request.GET.get("instalment")} if request.method != "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                payment = services.payment_record(actor=actor, contract=contract, data=form.payment_data())
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Payment of %(amount)s recorded.")
                                 % {"amount": money_text(payment.amount, contract.currency)})
                return redirect(_url(contract, "payments"))
    return render(request, "contracts/payment_form.html", {"form": form, "contract": contract}, status=status)


@guarded("contracts.record_payment")
def payment_reverse(request, pk: int):
    actor = request.user
    payment = selectors.payment_get(actor=actor, id=pk)
    contract = payment.contract
    form = ReverseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.payment_reverse(actor=actor, payment=payment, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_error("reason" if "reason" in exc.errors else None,
                               (exc.errors.get("reason") or [str(exc.message)])[0])
            else:
                messages.success(request, _("Payment of %(amount)s reversed.")
                                 % {"amount": money_text(payment.amount, contract.currency)})
                return redirect(_url(contract, "payments"))
    return render(request, "contracts/payment_reverse.html",
                  {"form": form, "contract": contract, "payment": payment}, status=status)

