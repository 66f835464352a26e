"""API schemas of quotes (报价单) and their lines. Amounts are decimal strings, never floats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import Day, Id, InSchema, QuerySchema, absent
from guanxi.core.money import Currency
from guanxi.customers.schemas import CustomerRef
from guanxi.org.schemas import DepartmentRef, UserRef

from .choices import QuoteStatus
from .services import MAX_LINES

Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2, allow_inf_nan=False)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2, allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)]


class ContactRef(Schema):
    id: int
    name: str


class OpportunityRef(Schema):
    id: int
    name: str


class ProductRef(Schema):
    id: int
    code: str
    name: str


class QuoteLineOut(Schema):
    id: int
    position: int
    product: ProductRef | None
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


class QuoteSummaryOut(Schema):
    """A quote in a list: everything but its lines."""

    id: int
    number: str
    revision: int
    first_version_id: int | None
    is_latest: bool = Field(description="False for an earlier version kept as read-only history.")
    title: str
    customer: CustomerRef
    opportunity: OpportunityRef | None
    status: QuoteStatus
    currency: Currency
    valid_until: dt.date | None
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    max_discount_percent: Decimal
    owner: UserRef | None
    department: DepartmentRef | None
    sent_at: dt.datetime | None
    decided_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Send it back with an update to refuse the edit if someone else saved first.")


class QuoteOut(QuoteSummaryOut):
    contact: ContactRef | None
    terms: str
    notes: str
    approval_note: str = Field(description="The approver's comment when the quote was sent back or refused.")
    rejection_reason: str = Field(description="Why the customer rejected the quote.")
    lines: list[QuoteLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class QuoteQuery(QuerySchema):
    """The quote list filters (quotes.filters.QuoteFilters)."""

    status: QuoteStatus | None = None
    customer: Id | None = Field(None, description="Customer id.")
    owner: Id | None = Field(None, description="Owner's user id.")
    opportunity: Id | None = Field(None, description="Opportunity id.")
    mine: bool = Field(False, description="Only quotes you own.")
    all_versions: bool = Field(False, description="Also earlier versions; by default only the latest of each number.")


class QuoteLineIn(InSchema):
    """A line; left out, the description, unit, unit price and tax rate come from the product."""

    product_id: Id | None = None
    description: str = Field("", max_length=200)
    unit: str = Field("", max_length=20)
    quantity: Quantity = Decimal(1)
    unit_price: Amount | None = Field(None, description="Defaults to the product's price for the customer.")
    discount_percent: Percent = Decimal(0)
    tax_rate: Percent | None = Field(None, description="Defaults to the product's tax rate, or 0.")


class QuoteIn(InSchema):
    title: str = Field(min_length=1, max_length=200)
    customer_id: Id
    contact_id: Id | None = None
    opportunity_id: Id | None = None
    currency: Currency = Currency.CNY
    valid_until: Day | None = None
    terms: str = Field("", max_length=10_000)
    notes: str = Field("", max_length=10_000)
    owner_id: Id | None = Field(None, description="Defaults to you.")
    lines: list[QuoteLineIn] = Field(default_factory=list, max_length=MAX_LINES)


class QuotePatch(InSchema):
    """Only the fields sent change; `lines`, when sent, replace every line. Only drafts change."""

    title: str = absent(min_length=1, max_length=200)
    customer_id: Id = absent()
    contact_id: Id | None = None
    opportunity_id: Id | None = None
    currency: Currency = absent()
    valid_until: Day | None = None
    terms: str = absent(max_length=10_000)
    notes: str = absent(max_length=10_000)
    owner_id: Id = absent()
    lines: list[QuoteLineIn] = absent(max_length=MAX_LINES)
    version: int = absent(ge=1, le=2**31, description="The version you read; 409 if someone saved since.")


class SubmitIn(InSchema):
    comment: str = Field("", max_length=1000, description="For the approver.")


class RejectIn(InSchema):
    reason: str = Field("", max_length=500, description="Why the customer turned the quote down.")
