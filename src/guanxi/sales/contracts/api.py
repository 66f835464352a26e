"""REST API of contracts (合同) and receivables (回款): the same selectors and services as the pages."""

from __future__ import annotations

from django.utils import timezone
from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, as_page
from guanxi.core.api_schemas import Id, errors, pick
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.permissions import require
from guanxi.customers import selectors as customer_selectors

from . import selectors, services
from .filters import ContractFilters, OverdueFilters, PaymentFilters
from .schemas import (
    ContractDetailOut,
    ContractIn,
    ContractOut,
    ContractPatch,
    ContractQuery,
    ContractSubmitIn,
    ContractTerminateIn,
    InstalmentIn,
    InstalmentOut,
    InstalmentPatch,
    OverdueInstalmentOut,
    OverdueInstalmentQuery,
    PaymentIn,
    PaymentOut,
    PaymentQuery,
    PaymentReverseIn,
    ReceivableBalanceOut,
)

router = Router(tags=["contracts"])


def _can_view(request) -> None:
    """Without the right to see contracts at all, every operation answers 403, not 404."""
    require(request.auth, "contracts.view")


def _links(request, data: dict) -> dict:
    """Turn the `*_id` fields of a body into records the actor may pick, or field errors."""
    actor = request.auth
    if "customer_id" in data:
        data["customer"] = pick(selectors.customer_choices(actor=actor), data.pop("customer_id"), "customer_id")
    if "opportunity_id" in data:
        data["opportunity"] = pick(selectors.opportunity_choices(actor=actor), data.pop("opportunity_id"),
                                   "opportunity_id")
    if "quote_id" in data:
        data["quote"] = pick(selectors.quote_choices(actor=actor), data.pop("quote_id"), "quote_id")
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        if owner_id is not None:
            data["owner"] = pick(selectors.contract_owner_choices(actor=actor), owner_id, "owner_id")
    return data


# -- contracts --


@router.get("/contracts", response={200: PageOut[ContractOut], **errors(400, 403, 422)}, summary=_("List contracts"))
def list_contracts(request, filters: Query[ContractQuery], paging: Query[PageParams]):
    """The contracts in your data scope, filtered and sorted like the contract list page."""
    _can_view(request)
    parsed = ContractFilters.from_query(request.GET)
    page = selectors.contract_page(actor=request.auth, filters=parsed, cursor=paging.cursor or None,
                                   limit=paging.limit)
    return as_page(page)


@router.get("/contracts/{contract_id}", response={200: ContractDetailOut, **errors(403, 404, 422)},
            summary=_("Get a contract"))
def get_contract(request, contract_id: Id):
    _can_view(request)
    return selectors.contract_get(actor=request.auth, id=contract_id)


@router.post("/contracts", response={201: ContractDetailOut, **errors(400, 403, 422)},
             summary=_("Create a contract"))
def create_contract(request, payload: ContractIn):
    """A draft, numbered HT-<year>-<n>. Give `opportunity_id` (won) or `quote_id` (accepted) to link them."""
    require(request.auth, "contracts.create")
    data = payload.model_dump()
    custom = data.pop("custom")
    contract = services.contract_create(actor=request.auth, data=_links(request, data), custom=custom)
    return Status(201, selectors.contract_get(actor=request.auth, id=contract.pk))


@router.patch("/contracts/{contract_id}", response={200: ContractDetailOut, **errors(400, 403, 404, 409, 422)},
              summary=_("Update a contract"))
def update_contract(request, contract_id: Id, payload: ContractPatch):
    """Send `version` from your last read to get 409 instead of overwriting someone else's edit."""
    _can_view(request)
    contract = selectors.contract_get(actor=request.auth, id=contract_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    custom = data.pop("custom", None)
    services.contract_update(actor=request.auth, contract=contract, data=_links(request, data), custom=custom,
                             expected_version=version)
    return selectors.contract_get(actor=request.auth, id=contract.pk)


@router.delete("/contracts/{contract_id}", response={204: None, **errors(400, 403, 404, 422)},
               summary=_("Delete a draft contract"))
def delete_contract(request, contract_id: Id):
    _can_view(request)
    contract = selectors.contract_get(actor=request.auth, id=contract_id)
    services.contract_delete(actor=request.auth, contract=contract)
    return Status(204, None)


@router.post("/contracts/{contract_id}/submit", response={200: ContractDetailOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Submit a contract for approval"))
def submit_contract(request, contract_id: Id, payload: ContractSubmitIn):
    """The contract waits for approval, or comes into force at once when no approval flow applies to it."""
    _can_view(request)
    contract = selectors.contract_get(actor=request.auth, id=contract_id)
    services.contract_submit(actor=request.auth, contract=contract, comment=payload.comment)
    return selectors.contract_get(actor=request.auth, id=contract.pk)


@router.post("/contracts/{contract_id}/terminate",
             response={200: ContractDetailOut, **errors(400, 403, 404, 422)}, summary=_("Terminate a contract"))
def terminate_contract(request, contract_id: Id, payload: ContractTerminateIn):
    _can_view(request)
    contract = selectors.contract_get(actor=request.auth, id=contract_id)
    services.contract_terminate(actor=request.auth, contract=contract, reason=payload.reason)
    return selectors.contract_get(actor=request.auth, id=contract.pk)


# -- the instalment plan (回款计划) --


@router.get("/contracts/{contract_id}/instalments", response={200: list[InstalmentOut], **errors(403, 404, 422)},
            summary=_("List a contract's instalments"))
def list_instalments(request, contract_id: Id):
    _can_view(request)
    contract = selectors.contract_get(actor=request.auth, id=contract_id)
    return list(selectors.instalment_list(actor=request.auth, contract=contract))


@router.post("/contracts/{contract_id}/instalments", response={201: InstalmentOut, **errors(400, 403, 404, 422)},
             summary=_("Add an instalment"))
def create_instalment(request, contract_id: Id, payload: InstalmentIn):
    """Refused with `plan_exceeds_amount` when the instalments would add up to more than the contract amount."""
    _can_view(request)
    contract = selectors.contract_get(actor=request.auth, id=contract_id)
    instalment = services.instalment_create(actor=request.auth, contract=contract, data=payload.model_dump())
    return Status(201, selectors.instalment_get(actor=request.auth, id=instalment.pk))


@router.patch("/instalments/{instalment_id}", response={200: InstalmentOut, **errors(400, 403, 404, 422)},
              summary=_("Update an instalment"))
def update_instalment(request, instalment_id: Id, payload: InstalmentPatch):
    _can_view(request)
    instalment = selectors.instalment_get(actor=request.auth, id=instalment_id)
    services.instalment_update(actor=request.auth, instalment=instalment, data=payload.model_dump(exclude_unset=True))
    return selectors.instalment_get(actor=request.auth, id=instalment.pk)


@router.delete("/instalments/{instalment_id}", response={204: None, **errors(400, 403, 404, 422)},
               summary=_("Delete an instalment"))
def delete_instalment(request, instalment_id: Id):
    _can_view(request)
    instalment = selectors.instalment_get(actor=request.auth, id=instalment_id)
    services.instalment_delete(actor=request.auth, instalment=instalment)
    return Status(204, None)


# -- payments (回款) --


@router.get("/payments", response={200: PageOut[PaymentOut], **errors(400, 403, 422)}, summary=_("List payments"))
def list_payments(request, filters: Query[PaymentQuery], paging: Query[PageParams]):
    """Payments on the contracts in your data scope, newest first; reversed ones are listed unless excluded."""
    _can_view(request)
    parsed = PaymentFilters.from_query(request.GET)
    return as_page(selectors.payment_page(actor=request.auth, filters=parsed, cursor=paging.cursor or None,
                                          limit=paging.limit))


@router.post("/contracts/{contract_id}/payments", response={201: PaymentOut, **errors(400, 403, 404, 422)},
             summary=_("Record a payment"))
def create_payment(request, contract_id: Id, payload: PaymentIn):
    """Refused with `overpayment` when it is more than is still due on the instalment or the contract."""
    _can_view(request)
    contract = selectors.contract_get(actor=request.auth, id=contract_id)
    data = payload.model_dump()
    instalment_id = data.pop("instalment_id")
    if instalment_id is not None:
        data["instalment"] = pick(selectors.instalment_list(actor=request.auth, contract=contract), instalment_id,
                                  "instalment_id")
    payment = services.payment_record(actor=request.auth, contract=contract, data=data)
    return Status(201, selectors.payment_get(actor=request.auth, id=payment.pk))


@router.post("/payments/{payment_id}/reverse", response={200: PaymentOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Reverse a payment"))
def reverse_payment(request, payment_id: Id, payload: PaymentReverseIn):
    """The payment stays listed as reversed and no longer counts towards the balances."""
    _can_view(request)
    payment = selectors.payment_get(actor=request.auth, id=payment_id)
    services.payment_reverse(actor=request.auth, payment=payment, reason=payload.reason)
    return selectors.payment_get(actor=request.auth, id=payment.pk)


# -- receivables --


@router.get("/receivables/overdue", response={200: PageOut[OverdueInstalmentOut], **errors(400, 403, 422)},
            summary=_("List overdue instalments"))
def list_overdue(request, filters: Query[OverdueInstalmentQuery], paging: Query[PageParams]):
    """Instalments of signed contracts due before today and not fully paid, oldest due first."""
    _can_view(request)
    parsed = OverdueFilters.from_query(request.GET)
    today = timezone.localdate()
    page = selectors.receivable_overdue_page(actor=request.auth, filters=parsed, cursor=paging.cursor or None,
                                             limit=paging.limit, today=today)
    for instalment in page.items:
        instalment.days_overdue = (today - instalment.due_on).days
    return as_page(page)


@router.get("/customers/{customer_id}/receivables", response={200: list[ReceivableBalanceOut], **errors(403, 404, 422)},
            summary=_("A customer's receivable balance"))
def customer_balance(request, customer_id: Id):
    """Per currency: the customer's signed contracts you see, what was received, what is owed and overdue."""
    _can_view(request)
    customer = customer_selectors.customer_get(actor=request.auth, id=customer_id)
    return [{"currency": b.currency, "contracts": b.contracts, "contracted": b.contracted, "received": b.received,
             "outstanding": b.outstanding, "overdue": b.overdue}
            for b in selectors.receivable_balance(actor=request.auth, customer=customer)]
