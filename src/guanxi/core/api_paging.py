"""Cursor paging for every API list: `?cursor=…&limit=…` in, `{"items": [...], "next_cursor": ...}` out.

The cursor is opaque; page 1 and page 10,000 cost the same (keyset paging, core.paging).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

from .api_schemas import QuerySchema
from .paging import Page, keyset_page

T = TypeVar("T")

MAX_LIMIT = 200


class PageParams(QuerySchema):
    """Which page: the `next_cursor` of the previous page (none for the first) and its size."""

    cursor: str | None = Field(None, max_length=500, description="`next_cursor` of the previous page.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page, 1 to 200.")


class PageOut(Schema, Generic[T]):
    """One page of a list; `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None


def as_page(page: Page) -> dict:
    """The response body of a page a selector returned."""
    return {"items": page.items, "next_cursor": page.next_cursor}


def paginate(qs: QuerySet, ordering: list[str], params: PageParams) -> dict:
    """Page a selector's queryset; `ordering` must end with the primary key."""
    return as_page(keyset_page(qs, ordering, params.cursor or None, params.limit))
