"""Contracts and payments for progress tests, made through the contracts app's own services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from guanxi.core.system import SYSTEM
from guanxi.customers.services import customer_create
from guanxi.sales.contracts import services as contract_services
from guanxi.sales.contracts.choices import ContractStatus
from guanxi.sales.contracts.models import Contract, Payment

_numbers = count(1)


def make_contract(owner, amount, signed_on: dt.date, *, currency: str = "CNY",
                  status: str = ContractStatus.ACTIVE) -> Contract:
    """A contract `owner` signed on `signed_on`, brought to `status` the way users do it."""
    n = next(_numbers)
    customer = customer_create(actor=SYSTEM, data={"name": f"测试客户{n}号有限公司", "owner": owner})
    data = {"title": f"合同{n}", "customer": customer, "amount": Decimal(amount), "currency": currency,
            "signed_on": signed_on, "owner": owner}
    if status == ContractStatus.EXPIRED:
        data.update(starts_on=signed_on, ends_on=signed_on + dt.timedelta(days=30))
    contract = contract_services.contract_create(actor=SYSTEM, data=data)
    if status == ContractStatus.DRAFT:
        return contract
    contract_services.contract_submit(actor=SYSTEM, contract=contract)
    if status == ContractStatus.TERMINATED:
        contract_services.contract_terminate(actor=SYSTEM, contract=contract, reason="客户违约，提前解约")
    elif status == ContractStatus.EXPIRED:
        contract_services.contract_expire_due(today=signed_on + dt.timedelta(days=31))
    contract.refresh_from_db()
    assert contract.status == status
    return contract


def make_payment(contract: Contract, amount, received_on: dt.date, *, by, reversed_: bool = False) -> Payment:
    """A payment recorded (and maybe reversed) by `by`, a person allowed to record it."""
    payment = contract_services.payment_record(actor=by, contract=contract,
                                               data={"amount": Decimal(amount), "received_on": received_on})
    if reversed_:
        contract_services.payment_reverse(actor=by, payment=payment, reason="录入错误")
    return payment
