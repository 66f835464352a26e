"""API schemas of contracts (合同), instalments, payments (回款) and receivable balances.

Amounts are decimal strings with two places ("12500.00"), never floats; an amount always travels
with its currency, and amounts in different currencies are never added up.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import BLANK_IN, BLANK_OUT, CustomValues, Day, Id, InSchema, QuerySchema, absent
from guanxi.core.money import Currency
from guanxi.customers.schemas import CustomerRef
from guanxi.org.schemas import DepartmentRef, UserRef

from .choices import ContractStatus, PaymentMethod
from .filters import MAX_DAYS

# Sixteen digits before the point, two after: what the columns hold.
MAX_AMOUNT = Decimal("9999999999999999.99")
Amount = Annotated[Decimal, Field(ge=Decimal("0.01"), le=MAX_AMOUNT, max_digits=18, decimal_places=2)]
ContractAmount = Annotated[Decimal, Field(ge=Decimal("0"), le=MAX_AMOUNT, max_digits=18, decimal_places=2)]
StatusIn = Annotated[ContractStatus | None, BLANK_IN, BLANK_OUT]
# The sort keys of contracts.filters.ORDERINGS (a test keeps them equal).
SortKey = Literal["-created", "created", "-amount", "amount"]


class ContractOpportunityRef(Schema):
    id: int
    name: str


class ContractQuoteRef(Schema):
    id: int
    number: str
    revision: int
    title: str


class ContractAttachmentOut(Schema):
    id: int
    name: str
    size: int
    uploaded_at: dt.datetime


class ContractOut(Schema):
    id: int
    number: str
    title: str
    customer: CustomerRef
    opportunity: ContractOpportunityRef | None
    quote: ContractQuoteRef | None
    amount: Decimal
    currency: Currency
    received_amount: Decimal = Field(description="Sum of the payments not reversed.")
    outstanding: Decimal
    signed_on: dt.date | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    status: ContractStatus = Field(description="As stored; see `current_status`.")
    current_status: ContractStatus = Field(
        description="As of today: an active contract past its end date reads as expired even before the nightly "
                    "run marks it.")
    days_left: int | None = Field(description="Days until the end date of a contract in force.")
    activated_at: dt.datetime | None
    terminated_at: dt.datetime | None
    termination_reason: str
    approval_comment: str = Field(description="What the approver said when sending it back or rejecting it.")
    notes: str
    custom: dict[str, Any]
    owner: UserRef | None
    department: DepartmentRef | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Send it back with an update to refuse the edit if someone else saved first.")

    @staticmethod
    def resolve_days_left(obj) -> int | None:
        return obj.days_left()


class ContractDetailOut(ContractOut):
    attachments: list[ContractAttachmentOut]

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.order_by("-uploaded_at", "-id"))


class ContractQuery(QuerySchema):
    """The contract list filters (contracts.filters.ContractFilters)."""

    q: str = Field("", max_length=100, description="Start of the number, or part of the title.")
    status: StatusIn = Field("", validate_default=True,
                             description="`active` means in force today; `expired` includes active contracts "
                                         "past their end date.")
    customer: Id | None = None
    owner: Id | None = None
    mine: bool = False
    ending_within: int | None = Field(None, ge=0, le=MAX_DAYS, description="In force and ending within N days.")
    sort: SortKey = "-created"


class ContractIn(InSchema):
    title: str = Field(min_length=1, max_length=200)
    customer_id: Id
    opportunity_id: Id | None = Field(None, description="A won opportunity of the same customer.")
    quote_id: Id | None = Field(None, description="An accepted quote of the same customer.")
    amount: ContractAmount
    currency: Currency = Currency.CNY
    signed_on: Day | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    notes: str = Field("", max_length=10_000)
    owner_id: Id | None = Field(None, description="Defaults to you. Another owner needs them in your data scope.")
    custom: CustomValues = Field(default_factory=dict)


class ContractPatch(InSchema):
    """Only the fields sent change. Once a contract has left the draft only `notes` and `custom` may."""

    title: str = absent(min_length=1, max_length=200)
    customer_id: Id = absent()
    opportunity_id: Id | None = None
    quote_id: Id | None = None
    amount: ContractAmount = absent()
    currency: Currency = absent()
    signed_on: Day | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    notes: str = absent(max_length=10_000)
    owner_id: Id = absent()
    custom: CustomValues = absent()
    version: int = absent(ge=1, le=2**31, description="The version you read; 409 if someone saved since.")


class ContractSubmitIn(InSchema):
    comment: str = Field("", max_length=1000)


class ContractTerminateIn(InSchema):
    reason: str = Field(min_length=1, max_length=500)


class InstalmentOut(Schema):
    id: int
    contract_id: int
    sequence: int
    due_on: dt.date
    amount: Decimal
    received_amount: Decimal
    outstanding: Decimal
    notes: str


class InstalmentIn(InSchema):
    sequence: int | None = Field(None, ge=1, le=999, description="Defaults to after the last one.")
    due_on: Day
    amount: Amount
    notes: str = Field("", max_length=255)


class InstalmentPatch(InSchema):
    sequence: int = absent(ge=1, le=999)
    due_on: Day = absent()
    amount: Amount = absent()
    notes: str = absent(max_length=255)


class ContractBrief(Schema):
    id: int
    number: str
    title: str
    currency: Currency


class PaymentOut(Schema):
    id: int
    contract: ContractBrief
    instalment_id: int | None
    amount: Decimal
    received_on: dt.date
    method: PaymentMethod
    reference: str
    notes: str
    recorded_by: UserRef | None
    created_at: dt.datetime
    reversed_at: dt.datetime | None
    reversed_by: UserRef | None
    reversal_reason: str


class PaymentIn(InSchema):
    instalment_id: Id | None = Field(None, description="Pay against this instalment of the contract; none for the "
                                                       "contract as a whole.")
    amount: Amount
    received_on: Day
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    reference: str = Field("", max_length=100)
    notes: str = Field("", max_length=500)


class PaymentQuery(QuerySchema):
    contract: Id | None = None
    customer: Id | None = None
    received_from: Day | None = None
    received_to: Day | None = None
    include_reversed: bool = True


class PaymentReverseIn(InSchema):
    reason: str = Field(min_length=1, max_length=500)


class OverdueInstalmentOut(Schema):
    """An instalment due and not fully paid."""

    id: int
    contract: ContractBrief
    customer: CustomerRef
    owner: UserRef | None
    sequence: int
    due_on: dt.date
    days_overdue: int = Field(description="Days since the due date.")
    amount: Decimal
    received_amount: Decimal
    outstanding: Decimal

    @staticmethod
    def resolve_customer(obj):
        return obj.contract.customer

    @staticmethod
    def resolve_owner(obj):
        return obj.contract.owner


class OverdueInstalmentQuery(QuerySchema):
    owner: Id | None = None
    customer: Id | None = None
    mine: bool = False


class ReceivableBalanceOut(Schema):
    """What signed contracts in one currency are worth, what came in, what is still owed and overdue."""

    currency: Currency
    contracts: int
    contracted: Decimal
    received: Decimal
    outstanding: Decimal
    overdue: Decimal
