"""API schemas of webhooks. Lengths and choices are checked by the services, whose messages are translated;
the bounds here only refuse absurd bodies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import InSchema, absent
from guanxi.org.schemas import UserRef

from .choices import DeliveryStatus

Text = Annotated[str, Field(max_length=2000)]
EventTypes = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=1000)]


class SubscriptionOut(Schema):
    id: int
    name: str
    target_url: str
    event_types: list[str] = Field(description='Event names, or ["*"] for every event.')
    is_active: bool
    created_by: UserRef | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionSecretOut(SubscriptionOut):
    """A subscription with its signing secret: answered when it is created and when the secret is renewed."""

    secret: str = Field(description="Signs every request: X-Guanxi-Signature is \"sha256=\" + hex HMAC-SHA256("
                                    "secret, X-Guanxi-Timestamp + \".\" + raw body).")


class SubscriptionIn(InSchema):
    name: Text
    target_url: Text = Field(description="http:// or https://; redirects are not followed.")
    event_types: EventTypes = Field(description='Names from GET /webhook-event-types, or ["*"] for all.')
    is_active: bool = True


class SubscriptionPatch(InSchema):
    """Only the fields sent change."""

    name: Text = absent()
    target_url: Text = absent()
    event_types: EventTypes = absent()
    is_active: bool = absent()


class DeliveryOut(Schema):
    id: int
    uuid: UUID = Field(description="Sent as X-Guanxi-Delivery.")
    subscription_id: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None = Field(description="When the next attempt is due, while pending.")
    last_status_code: int | None = Field(description="The receiver's answer to the last attempt; null: no answer.")
    response_excerpt: str = Field(description="The first 1,000 characters of that answer.")
    error: str = Field(description="Why the last attempt got no answer (connection refused, timeout…).")
    duration_ms: int | None
    request_body: str = Field(description="The JSON body sent; empty until the first attempt.")
    replay_of_id: int | None = Field(description="The delivery this one replays.")
    created_at: dt.datetime
    finished_at: dt.datetime | None


class EventTypeOut(Schema):
    event_type: str
    label: str
