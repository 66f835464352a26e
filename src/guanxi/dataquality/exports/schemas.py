"""API schemas of exports: the request (list, format, the list's filters) and the job it started."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import InSchema

FilterValue = Annotated[str, Field(max_length=200)] | bool | int | None


class ExportIn(InSchema):
    list: str = Field(max_length=40, description="The list: see GET /exports/lists.", examples=["customers"])
    format: str = Field("csv", max_length=10, description="`csv` or `xlsx`.")
    filters: dict[Annotated[str, Field(max_length=40)], FilterValue] = Field(
        default_factory=dict, max_length=40,
        description="The list page's query parameters, e.g. {\"status\": \"new\", \"owner\": 3}.")


class ExportListOut(Schema):
    """A list that can be exported, and whether the caller may."""

    name: str
    title: str
    allowed: bool


class ExportJobOut(Schema):
    """A background export: how far it has got, and where its file is once it is done."""

    id: int
    list: str
    format: str
    status: str = Field(description="`queued`, `running`, `done` or `failed`.")
    done: int
    total: int | None
    rows: int | None = Field(description="Rows in the file, once it is done.")
    error: str
    page_url: str = Field(description="The job's page in the browser.")
    download_url: str | None = Field(description="GET it with the same authentication, once the job is done.")
