"""API schemas of merging: a merge request, a merge as it reads afterwards, and the comparison."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import Id, InSchema, QuerySchema

from .selectors import MAX_RECORDS

FieldName = Annotated[str, Field(max_length=80)]


class MergeIn(InSchema):
    """Merge `other_ids` into `survivor_id`; `fields` says, per field, which record's value the survivor keeps
    (`{"phone": 34}`; custom fields as `"custom.<key>"`). Fields left out keep the survivor's value unless it
    is blank."""

    entity: str = Field(max_length=40, examples=["customer"])
    survivor_id: Id
    other_ids: list[Id] = Field(min_length=1, max_length=MAX_RECORDS - 1)
    fields: dict[FieldName, Id] = Field(default_factory=dict, max_length=200)


class MergeQuery(QuerySchema):
    entity: str = Field("", max_length=40, description="Only merges of this kind, e.g. customer.")


class PreviewQuery(QuerySchema):
    entity: str = Field(max_length=40, examples=["customer"])
    ids: str = Field(max_length=200, description="The records, comma separated; the first is kept unless "
                                                 "`survivor_id` says otherwise.", examples=["12,34"])
    survivor_id: Id | None = None


class RecordRef(Schema):
    id: int
    name: str


class MovedOut(Schema):
    key: str = Field(description="The relation: app model and field, e.g. activities.followup.customer.")
    label: str
    count: int


class UndoReportOut(Schema):
    """What an undo left as it was because it changed after the merge."""

    fields: list[str] = Field(default_factory=list)
    rows: list[MovedOut] = Field(default_factory=list)


class MergeOut(Schema):
    id: int
    entity: str
    status: str
    survivor_id: int
    survivor_name: str
    merged: list[RecordRef]
    merged_by: str | None
    created_at: dt.datetime
    fields: dict[str, int] = Field(description="Which record each field's surviving value came from.")
    changed_fields: list[str]
    moved: list[MovedOut]
    undone_at: dt.datetime | None
    undone_by: str | None
    undo_report: UndoReportOut


class FieldValueOut(Schema):
    record_id: int
    value: str


class FieldRowOut(Schema):
    name: str
    label: str
    values: list[FieldValueOut]
    differs: bool
    default_record_id: int
    locked: bool


class RecordCountOut(Schema):
    record_id: int
    count: int


class RelationCountOut(Schema):
    key: str
    label: str
    per_record: list[RecordCountOut]
    moving: int


class PreviewOut(Schema):
    """The records side by side: each field's (masked) values, which record keeps it by default, and
    what would move to the survivor."""

    entity: str
    survivor_id: int
    records: list[RecordRef]
    fields: list[FieldRowOut]
    moves: list[RelationCountOut]

