"""API schemas of opportunities, their board and summary, pipelines, stages and lost reasons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import CustomValues, Day, Id, InSchema, Position, QuerySchema, absent
from guanxi.core.money import Currency
from guanxi.org.schemas import DepartmentRef, UserRef

from .choices import OpportunityStatus, StageKind

Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Probability = Annotated[int, Field(ge=0, le=100)]
Month = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")]
# The sort keys of opportunities.filters.ORDERINGS (a test keeps them equal).
SortKey = Literal["-created", "created", "-amount", "amount", "-updated"]


class Ref(Schema):
    id: int
    name: str


class StageRef(Schema):
    id: int
    name: str
    kind: StageKind
    probability: int


class LineOut(Schema):
    id: int
    product: Ref | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal


class ContactRef(Schema):
    id: int
    name: str


class OpportunityOut(Schema):
    id: int
    name: str
    customer: Ref
    contacts: list[ContactRef]
    amount: Decimal
    currency: str
    expected_close_date: dt.date | None
    pipeline: Ref
    stage: StageRef
    status: OpportunityStatus
    probability: int
    probability_overridden: bool = Field(description="True when the probability was set by hand; it then stays "
                                                     "across stage changes.")
    source: str
    competitors: str
    lost_reason: Ref | None
    lost_note: str
    closed_at: dt.datetime | None
    notes: str
    owner: UserRef | None
    department: DepartmentRef | None
    lines: list[LineOut]
    custom: dict
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Send it back with an update or a move to refuse it if someone else saved first.")


class OpportunityListOut(Schema):
    """A row of the list: the opportunity without its lines and contacts."""

    id: int
    name: str
    customer: Ref
    amount: Decimal
    currency: str
    expected_close_date: dt.date | None
    pipeline: Ref
    stage: StageRef
    status: OpportunityStatus
    probability: int
    owner: UserRef | None
    updated_at: dt.datetime
    version: int


class OpportunityQuery(QuerySchema):
    """The opportunity filters (opportunities.filters.OpportunityFilters)."""

    q: str = Field("", max_length=100, description="Part of the opportunity's or the customer's name.")
    owner: Id | None = Field(None, description="Owner's user id.")
    who: Literal["", "mine", "team"] = Field("", description="`mine`: you own it; `team`: your department or "
                                                             "the people reporting to you.")
    close_month: Month | Literal[""] = Field("", description="Expected close month, YYYY-MM.")
    pipeline: Id | None = None
    stage: Id | None = None
    status: Literal["", "open", "won", "lost"] = ""
    customer: Id | None = None
    sort: SortKey = "-created"


class LineIn(InSchema):
    product_id: Id | None = None
    description: str = Field("", max_length=200)
    quantity: Quantity = Decimal(1)
    unit_price: Money | None = Field(None, description="Empty: the customer's price of the product "
                                                       "(price list, else list price).")


class OpportunityIn(InSchema):
    name: str = Field(min_length=1, max_length=200)
    customer_id: Id
    contact_ids: list[Id] = Field(default_factory=list, max_length=100)
    amount: Money = Decimal(0)
    currency: Currency = Currency.CNY
    expected_close_date: Day | None = None
    pipeline_id: Id | None = Field(None, description="Defaults to the default pipeline.")
    stage_id: Id | None = Field(None, description="Defaults to the pipeline's first open stage.")
    probability: Probability | None = Field(None, description="Defaults to the stage's probability.")
    owner_id: Id | None = Field(None, description="Defaults to you.")
    source: str = Field("", max_length=20)
    competitors: str = Field("", max_length=255)
    notes: str = Field("", max_length=10_000)
    lines: list[LineIn] = Field(default_factory=list, max_length=200,
                                description="With lines, the amount is their sum.")
    custom: CustomValues = Field(default_factory=dict)


class OpportunityPatch(InSchema):
    """Only the fields sent change. `probability: null` goes back to the stage's probability."""

    name: str = absent(min_length=1, max_length=200)
    customer_id: Id = absent()
    contact_ids: list[Id] = absent(max_length=100)
    amount: Money = absent()
    currency: Currency = absent()
    expected_close_date: Day | None = None
    probability: Probability | None = None
    owner_id: Id = absent(description="Changing the owner is a transfer and needs that right.")
    source: str = absent(max_length=20)
    competitors: str = absent(max_length=255)
    notes: str = absent(max_length=10_000)
    lost_reason_id: Id = absent()
    lost_note: str = absent(max_length=500)
    custom: CustomValues = absent()
    version: int = absent(ge=1, le=2**31, description="The version you read; 409 if someone saved since.")


class MoveIn(InSchema):
    stage_id: Id
    lost_reason_id: Id | None = Field(None, description="Required when the stage is a lost stage.")
    lost_note: str = Field("", max_length=500)
    version: int | None = Field(None, ge=1, le=2**31)


class LinesIn(InSchema):
    lines: list[LineIn] = Field(max_length=200)
    version: int | None = Field(None, ge=1, le=2**31)


class StageChangeOut(Schema):
    from_stage: Ref | None
    to_stage: Ref
    changed_by: UserRef | None
    changed_at: dt.datetime
    seconds_in_previous: int


class BulkIds(InSchema):
    ids: list[Id] = Field(min_length=1, max_length=1000)


class BulkTransferIn(BulkIds):
    owner_id: Id


class CollaboratorOut(Schema):
    user: UserRef
    can_edit: bool
    added_at: dt.datetime


class CollaboratorIn(InSchema):
    can_edit: bool = False


# -- board and summary --


class AmountOut(Schema):
    currency: str
    amount: Decimal


class BoardCardOut(Schema):
    id: int
    name: str
    customer: Ref
    amount: Decimal
    currency: str
    probability: int
    expected_close_date: dt.date | None
    owner: UserRef | None
    version: int


class BoardColumnOut(Schema):
    stage: StageRef
    count: int
    amounts: list[AmountOut] = Field(description="Per currency; currencies are never added together.")
    cards: list[BoardCardOut]
    more_before: int | None = Field(description="Pass as `before` to /opportunities/board/columns/{stage_id} for "
                                                "the next cards; null when all are shown.")


class BoardOut(Schema):
    pipeline: Ref
    columns: list[BoardColumnOut]


class BoardQuery(QuerySchema):
    pipeline: Id | None = Field(None, description="Defaults to the default pipeline.")
    q: str = Field("", max_length=100)
    owner: Id | None = None
    who: Literal["", "mine", "team"] = ""
    close_month: Month | Literal[""] = ""
    per_column: int = Field(20, ge=1, le=200)


class SummaryRowOut(Schema):
    currency: str
    count: int
    amount: Decimal
    weighted: Decimal


class SummaryGroupOut(Schema):
    label: str | None
    rows: list[SummaryRowOut]


class SummaryOut(Schema):
    by_stage: list[SummaryGroupOut]
    by_month: list[SummaryGroupOut]
    totals: list[SummaryRowOut]


# -- pipelines --


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int
    kind: StageKind
    is_active: bool


class PipelineOut(Schema):
    id: int
    name: str
    is_default: bool
    is_active: bool
    position: int
    stages: list[StageOut]


class PipelineIn(InSchema):
    name: str = Field(min_length=1, max_length=80)
    is_default: bool = False


class PipelinePatch(InSchema):
    name: str = absent(min_length=1, max_length=80)
    is_default: bool = absent()
    is_active: bool = absent()
    position: Position = absent()


class StageIn(InSchema):
    name: str = Field(min_length=1, max_length=80)
    probability: Probability = 0
    kind: StageKind = StageKind.OPEN
    position: Position | None = None


class StagePatch(InSchema):
    name: str = absent(min_length=1, max_length=80)
    probability: Probability = absent()
    kind: StageKind = absent()
    is_active: bool = absent()


class StageOrderIn(InSchema):
    stage_ids: list[Id] = Field(min_length=1, max_length=100)


class LostReasonOut(Schema):
    id: int
    name: str
    is_active: bool
    position: int


class LostReasonIn(InSchema):
    name: str = Field(min_length=1, max_length=80)
    position: Position = 0


class LostReasonPatch(InSchema):
    name: str = absent(min_length=1, max_length=80)
    position: Position = absent()
    is_active: bool = absent()
