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
from .pool.choices import OwnershipEventKind, ReturnRule

Blank = Literal[""]
# Input forms of the choices a customer may leave blank.
IndustryIn = Annotated[Industry | None, BLANK_IN, BLANK_OUT]
GradeIn = Annotated[CustomerGrade | None, BLANK_IN, BLANK_OUT]
SourceIn = Annotated[CustomerSource | None, BLANK_IN, BLANK_OUT]
StatusIn = Annotated[CustomerStatus | None, BLANK_IN, BLANK_OUT]
# The sort keys of customers.filters.ORDERINGS (a test keeps them equal).
SortKey = Literal["-created", "created", "name", "-name", "-updated"]
# Creating or changing a name, phone or email runs the collision check (防撞单).
CONFIRM_DUPLICATE = ("Save although the collision check found possible duplicates (a 409 with code "
                     "possible_duplicate); no effect where the policy blocks them.")


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
    pool_id: int | None = Field(description="With no owner: the pool it waits in. With one: the pool it returns to.")
    pool_return_due_at: dt.datetime | None = Field(
        description="When the daily sweep will return it to the pool, if the owner is on notice.")

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return phone_for(_actor(context), obj.phone)

    @staticmethod
    def resolve_email(obj, context) -> str:
        return email_for(_actor(context), obj.email)

    @staticmethod
    def resolve_pool_return_due_at(obj) -> dt.datetime | None:
        return obj.pool_return_pending


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
    confirm_duplicate: bool = Field(False, description=CONFIRM_DUPLICATE)


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
    confirm_duplicate: bool = absent(description=CONFIRM_DUPLICATE)


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
    confirm_duplicate: bool = Field(False, description=CONFIRM_DUPLICATE)


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
    confirm_duplicate: bool = absent(description=CONFIRM_DUPLICATE)


# -- the customer pool (公海) --


class PoolOut(Schema):
    id: int
    name: str
    description: str
    department: DepartmentRef | None = Field(description="Null for a company-wide pool.")
    version: int


class _PoolRuleFields(Schema):
    no_follow_up_days: int | None = Field(None, ge=1, le=3650, description="Return after this many days "
                                          "without a follow-up.")
    no_deal_days: int | None = Field(None, ge=1, le=3650, description="Return after this many days without a won "
                                     "deal or signed contract.")
    warn_days: int | None = Field(None, ge=1, le=365, description="Put the owner on notice this many days before.")
    max_owned: int | None = Field(None, ge=1, le=1_000_000, description="Most customers a seller may own (of "
                                  "this grade, for a grade's rule).")
    reclaim_wait_days: int | None = Field(None, ge=1, le=3650, description="Days a previous owner waits before "
                                          "claiming the customer again.")


class PoolRuleOut(_PoolRuleFields):
    grade: CustomerGrade | Blank = Field(description="Empty: every grade without its own rule.")


class PoolRuleIn(_PoolRuleFields, InSchema):
    grade: GradeIn = blank_choice()


class PoolDetailOut(PoolOut):
    rules: list[PoolRuleOut]

    @staticmethod
    def resolve_rules(obj) -> list:
        return sorted(obj.rules.all(), key=lambda r: r.grade)


class PoolIn(InSchema):
    name: str = Field(min_length=1, max_length=80)
    department_id: Id | None = Field(None, description="Null for a company-wide pool.")
    description: str = Field("", max_length=255)
    rules: list[PoolRuleIn] = Field(default_factory=list, max_length=5)


class PoolPatch(InSchema):
    """Only the fields sent change; `rules`, when sent, replaces every rule of the pool."""

    name: str = absent(min_length=1, max_length=80)
    department_id: Id | None = Field(None, description="Null makes the pool company-wide.")
    description: str = absent(max_length=255)
    rules: list[PoolRuleIn] = absent(max_length=5)
    version: int = absent(ge=1, le=2**31, description="The version you read; 409 if someone saved since.")


class PoolCustomerQuery(QuerySchema):
    """The pool list filters (customers.pool.filters.PoolFilters)."""

    q: str = Field("", max_length=100, description="Name, part of it, pinyin or initials, phone or email.")
    grade: GradeIn = blank_choice()
    industry: IndustryIn = blank_choice()
    region: str = Field("", max_length=60, description="Region prefix, e.g. 广东.")


class ReturnIn(InSchema):
    reason: str = Field(min_length=1, max_length=500, description="Why the customer goes back to the pool.")


class AssignIn(InSchema):
    ids: list[Id] = Field(min_length=1, max_length=200, description="Customers waiting in one pool.")
    owner_id: Id


class OwnershipEventOut(Schema):
    """One claim, return or assignment of the customer."""

    id: int
    kind: OwnershipEventKind
    pool_id: int | None
    pool_name: str
    previous_owner: UserRef | None
    new_owner: UserRef | None
    actor: UserRef | None = Field(description="Who did it; null for the daily return sweep.")
    reason: str
    rule: ReturnRule | Blank
    rule_days: int | None
    at: dt.datetime
