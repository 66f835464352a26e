"""API schemas of the collision check."""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import QuerySchema

from .choices import CollisionMode

Reason = Literal["name", "phone", "email", "other"]


class DuplicateQuery(QuerySchema):
    name: str = Field("", max_length=200, description="A company (or customer) name, in any of its usual forms.")
    phone: str = Field("", max_length=40, description="A phone number in any format.")
    email: str = Field("", max_length=254)


class CollisionOut(Schema):
    """A record that may be the same party. One outside your data scope shows only who follows it."""

    kind: str = Field(description='Where it was found: "customer", "contact", "lead".', examples=["customer"])
    kind_label: str = Field(examples=["Customer"])
    reasons: list[Reason] = Field(description="Which of the values you sent it shares.")
    reason: str = Field(examples=["same phone"])
    message: str = Field(description="One line for people.",
                         examples=["Customer: Already followed by 王芳 (销售二部) — same phone"])
    owner_name: str = Field(description="Empty when it sits in a pool.")
    department_name: str
    in_pool: bool
    visible: bool = Field(description="Whether you may open it; only then are id, label and url given.")
    id: int | None = None
    label: str = ""
    url: str = ""

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.kind_label)

    @staticmethod
    def resolve_message(obj) -> str:
        return obj.summary

    @staticmethod
    def resolve_id(obj) -> int | None:
        return obj.record_id


class DuplicateCheckOut(Schema):
    mode: CollisionMode = Field(description='"warn": saving anyway is possible with confirm_duplicate; '
                                            '"block": a match refuses the save.')
    matches: list[CollisionOut]
