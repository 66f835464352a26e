"""Keyset (cursor) paging: page 10,000 costs what page 1 costs, and counts are bounded."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from django.db.models import Q, QuerySet

from .errors import DomainError

# Lists say "1,000+" past this: counting further costs a scan of every match (a common
# two-letter search matches 5–15% of a million customers) and tells a user nothing more.
COUNT_LIMIT = 1_000


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    ordering: list[str] = field(default_factory=list)


def _encode(values: list[Any]) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, dt.datetime | dt.date):
            return {"t": v.isoformat()}
        if isinstance(v, Decimal):
            return {"d": str(v)}
        return v

    raw = orjson.dumps([plain(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[Any]:
    from django.utils.translation import gettext as _

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
        if not isinstance(values, list) or len(values) != count:
            raise ValueError
        out: list[Any] = []
        for v in values:
            if isinstance(v, dict) and "t" in v:
                parsed = dt.datetime.fromisoformat(v["t"])
                out.append(parsed)
            elif isinstance(v, dict) and "d" in v:
                out.append(Decimal(v["d"]))
            else:
                out.append(v)
        return out
    except (ValueError, TypeError, orjson.JSONDecodeError):
        message = _("This page link is no longer valid; start from the first page.")
        raise DomainError("invalid_cursor", message) from None


def _after(ordering: list[str], values: list[Any]) -> Q:
    """Rows strictly after `values` in `ordering`: (a > x) or (a = x and b > y) or ..."""
    condition = Q()
    for i, term in enumerate(ordering):
        name = term.lstrip("-")
        op = "lt" if term.startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": values[i]})
        for prev_term, prev_value in zip(ordering[:i], values[:i], strict=True):
            step &= Q(**{prev_term.lstrip("-"): prev_value})
        condition |= step
    return condition


def keyset_page(qs: QuerySet, ordering: list[str], cursor: str | None, limit: int) -> Page:
    """`ordering` must end with a unique column (the primary key) and name no nullable column."""
    if cursor:
        qs = qs.filter(_after(ordering, _decode(cursor, len(ordering))))
    rows = list(qs.order_by(*ordering)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = _encode([_attr(last, t.lstrip("-")) for t in ordering])
    return Page(items=rows, next_cursor=next_cursor, ordering=ordering)


def _attr(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def bounded_count(qs: QuerySet, limit: int = COUNT_LIMIT) -> tuple[int, bool]:
    """The count up to `limit`, and whether there are more; never a full count of a big table."""
    # Only ids: a sliced count wraps the query as a subquery, which would otherwise carry
    # every selected column and joined table into it.
    n = qs.order_by().values("pk")[: limit + 1].count()
    return min(n, limit), n > limit
