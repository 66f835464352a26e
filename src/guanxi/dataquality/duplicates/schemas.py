"""API shapes of the duplicate review."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import QuerySchema

from .choices import DuplicateEntity, GroupStatus


class GroupQuery(QuerySchema):
    entity: DuplicateEntity = Field(DuplicateEntity.CUSTOMER, description="`customer` or `contact`.")
    status: GroupStatus = Field(GroupStatus.OPEN, description="`open` (to review) or `dismissed`.")


class ReasonOut(Schema):
    """One piece of evidence: `positive` ones speak for a duplicate, the others against."""

    code: str
    positive: bool
    value: float | None
    text: str


class FieldOut(Schema):
    label: str
    value: str = Field(description="Phones and emails are masked unless you may see them.")


class MemberOut(Schema):
    id: int
    live: bool = Field(description="False once the record was merged or deleted.")
    name: str
    url: str
    fields: list[FieldOut] = Field(default_factory=list)


class GroupOut(Schema):
    """Records the last scan believes are one party."""

    id: int
    entity: str
    score: float
    size: int
    status: str
    resolved: bool = Field(description="Fewer than two members are left: nothing to review.")
    reasons: list[ReasonOut]
    reason_text: str
    members: list[MemberOut]
    merge_url: str = Field(description="The merge page for the live members, when you may merge.")


class ScanOut(Schema):
    """A duplicate scan; follow `job_id` (or `job_url` in a browser) while it runs."""

    id: int
    status: str = Field(description="`running`, `done` or `failed`.")
    job_id: int | None
    job_status: str | None
    job_url: str | None
    done: int | None
    total: int | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    customers: int
    contacts: int
    customer_groups: int
    contact_groups: int
