"""API schemas of imports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import InSchema, QuerySchema

from .choices import DuplicateMode
from .mapping import targets
from .registry import importable

FieldKey = Annotated[str, Field(max_length=60)]


class FieldOut(Schema):
    """A field a column may be mapped to; custom fields are "custom.<key>"."""

    key: str
    label: str
    required: bool


class FailureOut(Schema):
    row: int
    reason: str


class ImportOut(Schema):
    id: int
    entity: str
    status: str
    file_name: str
    file_size: int
    file_format: str
    encoding: str
    sheet: str
    headers: list[str]
    mapping: list[str] = Field(description="One field key per column; \"\" leaves the column out.")
    fields: list[FieldOut]
    duplicate_mode: DuplicateMode
    total_rows: int
    rows_done: int
    created: int
    updated: int
    skipped: int
    failed: int
    skip_reasons: dict[str, int]
    failures: list[FailureOut] = Field(description="The first failed rows; the failed-rows file has them all.")
    job_id: int | None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_fields(obj) -> list[dict[str, Any]]:
        target = importable(obj.entity)
        return [{"key": t.key, "label": t.label, "required": t.required} for t in targets(target)] if target else []


class MatchOut(Schema):
    record_id: int | None = Field(description="Only for a record you can see.")
    visible: bool
    editable: bool
    summary: str


class PreviewRowOut(Schema):
    number: int = Field(description="The row number the spreadsheet shows.")
    cells: list[str]
    action: str = Field(description="create, update, skip or fail")
    reason: str
    errors: dict[str, list[str]]
    matches: list[MatchOut]


class PreviewOut(Schema):
    total_rows: int
    counts: dict[str, int]
    rows: list[PreviewRowOut]


class ImportCreatedOut(ImportOut):
    """A new import, with the preview of its first rows."""

    preview: PreviewOut


class ImportPatch(InSchema):
    """Change the mapping, the sheet of a workbook or what duplicates do, before the run."""

    sheet: Annotated[str, Field(max_length=100)] | None = None
    mapping: Annotated[list[FieldKey], Field(max_length=200)] | None = None
    template_name: Annotated[str, Field(max_length=80)] = ""
    duplicate_mode: DuplicateMode | None = None


class RunOut(Schema):
    import_id: int
    job_id: int
    status: str


class TemplateOut(Schema):
    id: int
    entity: str
    name: str
    columns: dict[str, str]


class TemplateQuery(QuerySchema):
    entity: Annotated[str, Field(max_length=40)] = ""


class PreviewQuery(QuerySchema):
    limit: int = Field(20, ge=1, le=200)


class FailedRowsQuery(QuerySchema):
    format: Annotated[str, Field(pattern="^(xlsx|csv)$")] = "xlsx"
