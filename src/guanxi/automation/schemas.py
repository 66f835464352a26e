"""API schemas of approval requests, decisions and flows."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import Id, InSchema, Position, QuerySchema, absent
from guanxi.org.schemas import UserRef

from .approvers import MAX_LEVELS
from .choices import Decision, InboxBox, Operator, RequestStatus, StepKind, TaskStatus
from .conditions import MAX_CONDITIONS
from .models import MAX_COMMENT
from .services.approval_flows import MAX_STEPS


class TaskOut(Schema):
    """One approver's part in a step, and their decision."""

    approver: UserRef | None
    status: TaskStatus
    comment: str
    decided_at: dt.datetime | None


class RequestStepOut(Schema):
    number: int
    title: str
    status: str = Field(description="done, current, waiting or stopped (the request ended before it).")
    tasks: list[TaskOut]


class ApprovalRequestOut(Schema):
    """A request: what was submitted (title and facts as they were), where it stands, who decided what."""

    id: int
    entity: str = Field(examples=["quotes.quote"])
    entity_name: str
    object_id: int
    title: str
    url: str | None = Field(description="The record's page, when its app is installed and the record exists.")
    flow_name: str
    status: RequestStatus
    current_step: int = Field(description="The step under way (numbered from 1); the last one decided once ended.")
    step_count: int
    facts: dict[str, str | None]
    submitter: UserRef | None
    comment: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    steps: list[RequestStepOut]
    waiting_for: list[UserRef]
    can_decide: bool = Field(description="It is your turn to decide the current step.")
    can_withdraw: bool = Field(description="You submitted it and it is still under way.")


class InboxQuery(QuerySchema):
    box: InboxBox = Field(InboxBox.WAITING, description="waiting (for my decision), submitted (by me), "
                                                        "decided (by me).")


class DecisionIn(InSchema):
    decision: Decision
    comment: str = Field("", max_length=MAX_COMMENT, description="Required to reject or send back.")


FactName = Annotated[str, Field(max_length=40)]


class ConditionIn(InSchema):
    fact: FactName = Field(description="One of the facts of the record type (GET /approvals/entities).")
    operator: Operator
    value: Annotated[str, Field(max_length=40)] | int | float = Field(description="A number.")


class ConditionOut(Schema):
    fact: str
    fact_label: str
    operator: str
    value: str


class StepIn(InSchema):
    kind: StepKind
    name: str = Field("", max_length=80, description="Optional, e.g. “Finance review”.")
    user_id: Id | None = Field(None, description="For kind `user`: the person who approves.")
    role_id: Id | None = Field(None, description="For kind `role`: whoever holds it may decide; the first settles.")
    levels: int = Field(1, ge=1, le=MAX_LEVELS, description="For kind `manager_chain`: how many levels up.")


class RoleRef(Schema):
    id: int
    name: str


class StepOut(Schema):
    number: int
    kind: StepKind
    name: str
    title: str
    user: UserRef | None
    role: RoleRef | None
    levels: int


class FlowIn(InSchema):
    entity: str = Field(max_length=64, examples=["quotes.quote"])
    name: str = Field(min_length=1, max_length=80)
    is_active: bool = True
    position: Position = Field(0, description="Priority: lower numbers are tried first.")
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=MAX_CONDITIONS)
    steps: list[StepIn] = Field(max_length=MAX_STEPS)


class FlowPatch(InSchema):
    name: str = absent(min_length=1, max_length=80)
    is_active: bool = absent()
    position: Position = absent()
    conditions: list[ConditionIn] = absent(max_length=MAX_CONDITIONS)
    steps: list[StepIn] = absent(max_length=MAX_STEPS)
    version: Annotated[int, Field(ge=1)] | None = Field(None, description="The version you read; a stale one is "
                                                                          "refused with 409.")


class FlowOut(Schema):
    id: int
    entity: str
    entity_name: str
    name: str
    is_active: bool
    position: int
    conditions: list[ConditionOut]
    steps: list[StepOut]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class FactOut(Schema):
    name: str
    label: str


class EntityOut(Schema):
    """A record type that can go through approval, and the facts its flows may test."""

    entity: str
    name: str
    facts: list[FactOut]
