"""API schemas of targets (业绩目标) and their progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, model_validator

from guanxi.core.api_schemas import Id, InSchema, QuerySchema, absent
from guanxi.core.money import Currency
from guanxi.org.schemas import DepartmentRef, UserRef

from .choices import Metric, PeriodKind
from .periods import FIRST_YEAR, LAST_YEAR

# Years, months and amounts are only roughly bounded here: the services check them exactly and
# answer with a translated message on the field ("Choose a month from 1 to 12.").
Year = Annotated[int, Field(ge=0, le=9999, description=f"{FIRST_YEAR} to {LAST_YEAR}.")]
PeriodIndex = Annotated[int, Field(ge=0, le=999, description="The month (1–12) or quarter (1–4); 1 for a year.")]
Amount = Annotated[Decimal, Field(description="A positive amount with at most two decimals, e.g. \"50000.00\".")]


class PeriodOut(Schema):
    kind: PeriodKind
    year: int
    index: int
    start: dt.date
    end: dt.date
    label: str


class TargetOut(Schema):
    id: int
    user: UserRef | None
    department: DepartmentRef | None
    period_kind: PeriodKind
    year: int
    period_index: int
    metric: Metric
    amount: Decimal
    currency: Currency
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TargetQuery(QuerySchema):
    year: Year | None = None
    period_kind: PeriodKind | None = None
    period_index: PeriodIndex | None = None
    metric: Metric | None = None
    user: Id | None = Field(None, description="Only this person's targets.")
    department: Id | None = Field(None, description="Only this department's targets.")


class TargetIn(InSchema):
    """A new target: for one person (`user_id`) or one department (`department_id`), never both."""

    user_id: Id | None = None
    department_id: Id | None = None
    period_kind: PeriodKind
    year: Year
    period_index: PeriodIndex = 1
    metric: Metric
    amount: Amount
    currency: Currency = Currency.CNY

    @model_validator(mode="after")
    def _one_subject(self):
        if (self.user_id is None) == (self.department_id is None):
            raise ValueError(_("Choose either a person or a department."))
        return self


class TargetPatch(InSchema):
    amount: Amount = absent()
    currency: Currency = absent()
    version: int | None = Field(None, ge=1, description="The `version` you read; a stale one answers 409.")


class TargetBulkIn(InSchema):
    """The same target for many people or departments over many periods; existing ones are replaced."""

    user_ids: list[Id] = Field(default_factory=list, max_length=1000)
    department_ids: list[Id] = Field(default_factory=list, max_length=1000)
    period_kind: PeriodKind
    year: Year
    period_indexes: list[PeriodIndex] = Field(default_factory=lambda: [1], min_length=1, max_length=12,
                                              description="Months or quarters; [1] for the year.")
    metric: Metric
    amount: Amount
    currency: Currency = Currency.CNY


class TargetProgressOut(Schema):
    target: TargetOut
    period: PeriodOut
    achieved: Decimal
    percent: Decimal = Field(description="Share of the target reached, to one decimal; may exceed 100.")
    remaining: Decimal
    reached: bool


class ProgressQuery(QuerySchema):
    """One period; without one, the current month, quarter and year (in your time zone)."""

    period_kind: PeriodKind | None = None
    year: Year | None = None
    period_index: PeriodIndex | None = None
    metric: Metric | None = None


class TeamProgressQuery(ProgressQuery):
    subject: Literal["user", "department"] | None = Field(None, description="Only people's or departments' targets.")
    limit: int = Field(100, ge=1, le=500)
