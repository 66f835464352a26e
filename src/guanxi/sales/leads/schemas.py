"""API schemas of leads, their follow-ups, conversion and the assignment rules.

Phones and emails are masked (138****5678) for readers without `customers.view_sensitive`,
by the rule the customer pages use (customers.masking).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from guanxi.activities.choices import FollowUpKind
from guanxi.core.api_schemas import (
    BLANK_IN,
    BLANK_OUT,
    CustomValues,
    Day,
    Id,
    InSchema,
    Moment,
    Position,
    QuerySchema,
    absent,
    blank_choice,
)
from guanxi.core.money import Currency
from guanxi.customers.choices import CustomerSource, Industry
from guanxi.customers.masking import email_for, phone_for
from guanxi.customers.schemas import CustomerRef
from guanxi.org.schemas import DepartmentRef, UserRef

from .choices import LeadStatus

Blank = Literal[""]
SourceIn = Annotated[CustomerSource | None, BLANK_IN, BLANK_OUT]
StatusIn = Annotated[LeadStatus | None, BLANK_IN, BLANK_OUT]
EditableStatus = Literal["new", "contacting", "qualified", "disqualified"]
# The sort keys of leads.filters.ORDERINGS and the tabs of leads.filters.SCOPES (a test keeps them equal).
SortKey = Literal["-created", "created", "-updated", "name"]
ScopeKey = Literal["", "mine", "pool"]
Region = Annotated[str, Field(max_length=60)]


def _actor(context: Any):
    return context["request"].auth


class RecordRef(Schema):
    id: int
    name: str


class LeadOut(Schema):
    id: int
    name: str
    company: str
    title: str
    phone: str = Field(description="Masked unless the reader may see phones and emails.")
    email: str = Field(description="Masked unless the reader may see phones and emails.")
    source: CustomerSource | Blank
    region: str
    status: LeadStatus
    notes: str
    owner: UserRef | None = Field(description="Null while the lead waits in the lead pool.")
    department: DepartmentRef | None
    custom: dict[str, Any]
    assigned_at: dt.datetime | None
    last_contacted_at: dt.datetime | None
    next_follow_up_at: dt.datetime | None
    converted_at: dt.datetime | None
    converted_by: UserRef | None
    converted_customer_id: int | None
    converted_contact_id: int | None
    converted_opportunity_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Send it back with an update to refuse the edit if someone else saved first.")

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return phone_for(_actor(context), obj.phone)

    @staticmethod
    def resolve_email(obj, context) -> str:
        return email_for(_actor(context), obj.email)


class LeadQuery(QuerySchema):
    """The lead list filters (leads.filters.LeadFilters)."""

    q: str = Field("", max_length=100, description="Part of the name or company, a phone or an email.")
    status: StatusIn = blank_choice()
    source: SourceIn = blank_choice()
    owner: Id | None = Field(None, description="Owner's user id.")
    region: str = Field("", max_length=60, description="Region prefix, e.g. 广东.")
    scope: ScopeKey = Field("", description="`mine`: your own leads; `pool`: unowned open leads to claim.")
    sort: SortKey = "-created"


class _LeadFields(InSchema):
    company: str = Field("", max_length=200)
    title: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    source: SourceIn = blank_choice()
    region: str = Field("", max_length=60)
    notes: str = Field("", max_length=10_000)


class LeadIn(_LeadFields):
    name: str = Field(min_length=1, max_length=100)
    status: EditableStatus = "new"
    owner_id: Id | None = Field(None, description="Leave out to let the assignment rules (or the pool) decide. "
                                                  "Anyone but yourself needs the assign right.")
    custom: CustomValues = Field(default_factory=dict)
    confirmed: bool = Field(False, description="Save although the duplicate check found matches "
                                               "(where its policy only warns).")


class LeadPatch(InSchema):
    """Only the fields sent change. The owner changes by assigning or claiming."""

    name: str = absent(min_length=1, max_length=100)
    company: str = absent(max_length=200)
    title: str = absent(max_length=100)
    phone: str = absent(max_length=40)
    email: str = absent(max_length=254)
    source: SourceIn = absent()
    region: str = absent(max_length=60)
    status: EditableStatus = absent()
    notes: str = absent(max_length=10_000)
    custom: CustomValues = absent()
    version: int | None = Field(None, ge=1, le=2**31, description="The version you read; 409 if it changed since.")


class BulkIds(InSchema):
    ids: list[Id] = Field(min_length=1, max_length=1000)


class AssignIn(BulkIds):
    owner_id: Id


class ApplyRulesIn(InSchema):
    ids: list[Id] | None = Field(None, max_length=1000, description="Only these leads; leave out for the whole pool.")


class CountOut(Schema):
    count: int


# -- follow-ups --


class LeadFollowUpOut(Schema):
    id: int
    lead_id: int
    author: UserRef | None
    kind: FollowUpKind
    content: str
    occurred_at: dt.datetime
    next_follow_up_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadFollowUpIn(InSchema):
    kind: FollowUpKind = FollowUpKind.CALL
    content: str = Field(min_length=1, max_length=10_000)
    occurred_at: Moment | None = Field(None, description="Defaults to now.")
    next_follow_up_at: Moment | None = None


class LeadFollowUpPatch(InSchema):
    kind: FollowUpKind = absent()
    content: str = absent(min_length=1, max_length=10_000)
    occurred_at: Moment = absent()
    next_follow_up_at: Moment | None = None


# -- conversion --


class CustomerOverrides(InSchema):
    name: str = absent(min_length=1, max_length=200)
    industry: Annotated[Industry | None, BLANK_IN, BLANK_OUT] = absent()


class OpportunityIn(InSchema):
    name: str = absent(min_length=1, max_length=200)
    amount: Decimal = Field(Decimal("0"), ge=0, max_digits=18, decimal_places=2)
    currency: Currency = Currency.CNY
    expected_close_date: Day | None = None


class ConvertIn(InSchema):
    attach_to_customer: Id | None = Field(None, description="An existing customer you can see: the lead is "
                                                            "attached to it instead of creating a new one.")
    create_contact: bool = Field(True, description="With `attach_to_customer`: also add the person as a "
                                                   "contact (false: only record the link).")
    customer: CustomerOverrides | None = Field(None, description="For a new customer: its name and industry.")
    opportunity: OpportunityIn | None = Field(None, description="Also open an opportunity.")
    version: int | None = Field(None, ge=1, le=2**31)
    confirmed: bool = Field(False, description="Create the new customer although the duplicate check found "
                                               "matches (where its policy only warns).")


class ConversionOut(Schema):
    lead: LeadOut
    customer: CustomerRef
    contact: RecordRef | None
    opportunity: RecordRef | None
    follow_ups: int = Field(description="How many follow-ups were carried over to the customer.")


class HiddenMatchOut(Schema):
    """A matching customer the reader cannot see: only who follows it."""

    kind: str
    followed_by: str
    reason: str


class MatchedCustomerOut(Schema):
    id: int
    name: str
    owner: UserRef | None
    department: DepartmentRef | None


class ConversionCandidatesOut(Schema):
    customers: list[MatchedCustomerOut]
    hidden: list[HiddenMatchOut]


# -- assignment rules --


class RuleMemberOut(Schema):
    id: int
    username: str
    name: str
    is_active: bool

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class RuleOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    sources: list[str]
    regions: list[str]
    members: list[RuleMemberOut]
    turns: int = Field(description="Leads the rule has assigned so far.")
    version: int

    @staticmethod
    def resolve_members(obj) -> list:
        return [m.user for m in obj.team]


class RuleIn(InSchema):
    name: str = Field(min_length=1, max_length=80)
    position: Position = 0
    is_active: bool = True
    sources: list[CustomerSource] = Field(default_factory=list, max_length=20)
    regions: list[Region] = Field(default_factory=list, max_length=50)
    member_ids: list[Id] = Field(min_length=1, max_length=100, description="The team, in round-robin order.")


class RulePatch(InSchema):
    name: str = absent(min_length=1, max_length=80)
    position: Position = absent()
    is_active: bool = absent()
    sources: list[CustomerSource] = absent(max_length=20)
    regions: list[Region] = absent(max_length=50)
    member_ids: list[Id] = absent(min_length=1, max_length=100)
    version: int | None = Field(None, ge=1, le=2**31)

