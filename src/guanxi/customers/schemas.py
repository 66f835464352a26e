"""API schemas of customers, contacts, tags and collaborators.

Phones and emails are masked (138****5678) for readers without `customers.view_sensitive`,
by the same rule the pages use (customers.masking).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import (
    BLANK_IN,
    BLANK_OUT,
    CustomValues,
    Day,
    Id,
    InSchema,
    Moment,
    QuerySchema,
    absent,
    blank_choice,
)
from guanxi.org.schemas import DepartmentRef, UserRef

from .choices import CustomerGrade, CustomerKind, CustomerSource, CustomerStatus, Industry
from .masking import email_for, phone_for

Blank = Literal[""]
# Input forms of the choices a customer may leave blank.
IndustryIn = Annotated[Industry | None, BLANK_IN, BLANK_OUT]
GradeIn = Annotated[CustomerGrade | None, BLANK_IN, BLANK_OUT]
SourceIn = Annotated[CustomerSource | None, BLANK_IN, BLANK_OUT]
StatusIn = Annotated[CustomerStatus | None, BLANK_IN, BLANK_OUT]
# The sort keys of customers.filters.ORDERINGS (a test keeps them equal).
SortKey = Literal["-created", "created", "name", "-name", "-updated"]


def _actor(context: Any):
    return context["request"].auth


class TagOut(Schema):
    id: int
    name: str
    color: str


class TagIn(InSchema):
    name: str = Field(min_length=1, max_length=40)
    color: str = Field("#3b82f6", pattern=r"^#[0-9a-fA-F]{6}$")


class CustomerRef(Schema):
    id: int
    name: str


# -- customers --


class CustomerOut(Schema):
    id: int
    name: str
    kind: CustomerKind
    industry: Industry | Blank
    grade: CustomerGrade | Blank
    status: CustomerStatus
    source: CustomerSource | Blank
    region: str
    address: str
    phone: str = Field(description="Masked unless the reader may see phones and emails.")
    email: str = Field(description="Masked unless the reader may see phones and emails.")
    website: str
    notes: str
    owner: UserRef | None
    department: DepartmentRef | None
    tags: list[TagOut]
    custom: dict[str, Any]
    last_contacted_at: dt.datetime | None
    next_follow_up_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Send it back with an update to refuse the edit if someone else saved first.")

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return phone_for(_actor(context), obj.phone)

    @staticmethod
    def resolve_email(obj, context) -> str:
        return email_for(_actor(context), obj.email)


class CustomerQuery(QuerySchema):
    """The customer list filters (customers.filters.CustomerFilters); `cf_<key>` filters by a custom field."""

    q: str = Field("", max_length=100, description="Name, part of it, pinyin or initials, phone or email.")
    owner: Id | None = Field(None, description="Owner's user id.")
    status: StatusIn = blank_choice()
    grade: GradeIn = blank_choice()
    industry: IndustryIn = blank_choice()
    source: SourceIn = blank_choice()
    tag: Id | None = Field(None, description="Tag id.")
    region: str = Field("", max_length=60, description="Region prefix, e.g. 广东.")
    created_from: Day | None = None
    created_to: Day | None = None
    not_contacted_days: int | None = Field(None, ge=0, le=100_000)
    follow_up_due: bool = False
    sort: SortKey = "-created"


class _CustomerFields(InSchema):
    kind: CustomerKind = CustomerKind.COMPANY
    industry: IndustryIn = blank_choice()
    grade: GradeIn = blank_choice()
    status: CustomerStatus = CustomerStatus.POTENTIAL
    source: SourceIn = blank_choice()
    region: str = Field("", max_length=60)
    address: str = Field("", max_length=255)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    website: str = Field("", max_length=255)
    notes: str = Field("", max_length=10_000)
    owner_id: Id | None = Field(None, description="Defaults to you. Another owner needs them in your data scope.")
    next_follow_up_at: Moment | None = None


class CustomerIn(_CustomerFields):
    name: str = Field(min_length=1, max_length=200)
    tag_ids: list[Id] = Field(default_factory=list, max_length=100)
    custom: CustomValues = Field(default_factory=dict)


class CustomerPatch(InSchema):
    """Only the fields sent change. `custom` keys sent replace those values; a null value clears one."""

    name: str = absent(min_length=1, max_length=200)
    kind: CustomerKind = absent()
    industry: IndustryIn = absent()
    grade: GradeIn = absent()
    status: CustomerStatus = absent()
    source: SourceIn = absent()
    region: str = absent(max_length=60)
    address: str = absent(max_length=255)
    phone: str = absent(max_length=40)
    email: str = absent(max_length=254)
    website: str = absent(max_length=255)
    notes: str = absent(max_length=10_000)
    owner_id: Id = absent(description="Changing the owner is a transfer and needs that right.")
    next_follow_up_at: Moment | None = None
    tag_ids: list[Id] = absent(max_length=100)
    custom: CustomValues = absent()
    version: int = absent(ge=1, le=2**31, description="The version you read; 409 if someone saved since.")


class BulkIds(InSchema):
    ids: list[Id] = Field(min_length=1, max_length=1000)


class BulkTransferIn(BulkIds):
    owner_id: Id


class BulkTagIn(BulkIds):
    tag_id: Id


class CollaboratorOut(Schema):
    user: UserRef
    can_edit: bool
    added_at: dt.datetime


class CollaboratorIn(InSchema):
    can_edit: bool = False


# -- contacts --


class ContactOut(Schema):
    id: int
    customer: CustomerRef
    name: str
    title: str
    phone: str
    mobile: str
    email: str
    wechat: str
    is_decision_maker: bool
    birthday: dt.date | None
    notes: str
    custom: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return phone_for(_actor(context), obj.phone)

    @staticmethod
    def resolve_mobile(obj, context) -> str:
        return phone_for(_actor(context), obj.mobile)

    @staticmethod
    def resolve_email(obj, context) -> str:
        return email_for(_actor(context), obj.email)


class ContactQuery(QuerySchema):
    customer: Id | None = Field(None, description="Only this customer's contacts.")
    q: str = Field("", max_length=100, description="Name, pinyin, phone or email.")


class ContactIn(InSchema):
    name: str = Field(min_length=1, max_length=100)
    title: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)
    mobile: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    wechat: str = Field("", max_length=60)
    is_decision_maker: bool = False
    birthday: Day | None = None
    notes: str = Field("", max_length=10_000)
    custom: CustomValues = Field(default_factory=dict)


class ContactPatch(InSchema):
    name: str = absent(min_length=1, max_length=100)
    title: str = absent(max_length=100)
    phone: str = absent(max_length=40)
    mobile: str = absent(max_length=40)
    email: str = absent(max_length=254)
    wechat: str = absent(max_length=60)
    is_decision_maker: bool = absent()
    birthday: Day | None = None
    notes: str = absent(max_length=10_000)
    custom: CustomValues = absent()
    version: int = absent(ge=1, le=2**31)
