"""API schemas of follow-ups and the customer timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import Id, InSchema, Moment, QuerySchema, absent
from guanxi.customers.schemas import CustomerRef
from guanxi.org.schemas import UserRef

from .choices import FollowUpKind


class ContactRef(Schema):
    id: int
    name: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int


class FollowUpOut(Schema):
    id: int
    customer: CustomerRef
    contact: ContactRef | None
    author: UserRef | None
    kind: FollowUpKind
    content: str
    occurred_at: dt.datetime
    next_follow_up_at: dt.datetime | None
    attachments: list[AttachmentOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class FollowUpQuery(QuerySchema):
    customer: Id | None = Field(None, description="Only this customer's follow-ups.")
    kind: FollowUpKind | None = None
    author: Id | None = Field(None, description="Only follow-ups logged by this user.")


class FollowUpIn(InSchema):
    customer_id: Id
    contact_id: Id | None = None
    kind: FollowUpKind = FollowUpKind.CALL
    content: str = Field(min_length=1, max_length=10_000)
    occurred_at: Moment | None = Field(None, description="Defaults to now.")
    next_follow_up_at: Moment | None = None


class FollowUpPatch(InSchema):
    contact_id: Id | None = None
    kind: FollowUpKind = absent()
    content: str = absent(min_length=1, max_length=10_000)
    occurred_at: Moment = absent()
    next_follow_up_at: Moment | None = None


class ChangeOut(Schema):
    """An audited change on the timeline: who changed which fields from what to what."""

    action: str
    actor: UserRef | None
    record: str
    changes: dict[str, Any]


class TimelineEntryOut(Schema):
    at: dt.datetime
    kind: Literal["follow_up", "audit"]
    follow_up: FollowUpOut | None = None
    change: ChangeOut | None = None


class TimelineQuery(QuerySchema):
    limit: int = Field(100, ge=1, le=200)
