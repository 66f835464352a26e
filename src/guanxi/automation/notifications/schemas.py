"""API schemas of the notification centre."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.contrib.contenttypes.models import ContentType
from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import InSchema, QuerySchema, absent

from .choices import ChannelKind, DeliveryStatus
from .registry import kind_label

ChannelKey = Annotated[str, Field(max_length=40)]


class RecordOut(Schema):
    """The record a notification is about: its type ("customers.customer") and id."""

    type: str
    id: int


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    url: str = Field(description="Path of the record on this site; \"\" when there is none.")
    record: RecordOut | None
    actor: str | None = Field(description="Who did what the notification is about; null for the system.")
    created_at: dt.datetime
    read_at: dt.datetime | None
    is_read: bool

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return kind_label(obj.kind)

    @staticmethod
    def resolve_record(obj) -> dict | None:
        if obj.content_type_id is None or obj.object_id is None:
            return None
        content_type = ContentType.objects.get_for_id(obj.content_type_id)
        return {"type": f"{content_type.app_label}.{content_type.model}", "id": obj.object_id}

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class NotificationQuery(QuerySchema):
    unread: bool = Field(False, description="Only unread notifications.")


class UnreadCountOut(Schema):
    count: int


class ChannelChoiceOut(Schema):
    """A channel a kind can go to: "app", "email" or "channel:<id>" of one of my active channels."""

    key: str
    label: str


class KindPreferenceOut(Schema):
    kind: str
    label: str
    description: str
    channels: list[str]
    is_default: bool = Field(description="No choice made: the kind's default channels apply.")


class PreferencesOut(Schema):
    channels: list[ChannelChoiceOut]
    kinds: list[KindPreferenceOut]


class PreferenceIn(InSchema):
    kind: str = Field(max_length=64)
    channels: list[ChannelKey] = Field(max_length=50)


class PreferencesIn(InSchema):
    preferences: list[PreferenceIn] = Field(max_length=500)


class ChannelOut(Schema):
    id: int
    kind: ChannelKind
    name: str
    url: str
    has_secret: bool = Field(description="The secret itself is never shown.")
    is_active: bool
    key: str = Field(description="Its key in preferences: \"channel:<id>\".")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_has_secret(obj) -> bool:
        return bool(obj.secret)


class ChannelIn(InSchema):
    kind: ChannelKind
    name: str = Field(max_length=80)
    url: str = Field(max_length=500, description="The webhook address, http:// or https://.")
    secret: str = Field("", max_length=200, description="Optional; signs what is sent.")
    is_active: bool = True


class ChannelPatch(InSchema):
    """Fields left out keep their value; `secret` "" removes the secret."""

    kind: ChannelKind = absent()
    name: str = absent(max_length=80)
    url: str = absent(max_length=500)
    secret: str = absent(max_length=200)
    is_active: bool = absent()


class DeliveryOut(Schema):
    id: int
    channel: str = Field(description="\"email\" or \"channel:<id>\".")
    kind: str
    title: str
    status: DeliveryStatus
    attempts: int
    status_code: int | None = Field(description="HTTP status of the receiver, or the SMTP reply code.")
    detail: str = Field(description="The start of the answer, or the error, of the last attempt.")
    created_at: dt.datetime
    finished_at: dt.datetime | None
