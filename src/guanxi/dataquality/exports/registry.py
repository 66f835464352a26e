"""The lists that can be exported (导出) and their columns.

Each app that owns a list registers it from its `AppConfig.ready()` with `register_export`: the
action that allows the export, how the list page reads its filters from the query string, the
selector that reads the rows (so the export keeps the user's data scope), the keyset ordering, and
the columns (with masking decided by the owning app). This app never imports the apps it exports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.core import customfields
from guanxi.core.jobs import register_job_kind
from guanxi.core.models import CustomFieldKind

# What a column holds: decides how CSV spells it and which cell type and number format XLSX uses.
TEXT = "text"
NUMBER = "number"
MONEY = "money"
DATE = "date"
DATETIME = "datetime"
BOOLEAN = "boolean"
KINDS = (TEXT, NUMBER, MONEY, DATE, DATETIME, BOOLEAN)


@dataclass(frozen=True)
class Column:
    """One column: its header (lazily translated) and how to read its value from a row's record.

    `value` returns a plain Python value of the column's kind (str, int/Decimal, date, aware
    datetime, bool) or None; the file writers format it.
    """

    label: Any
    value: Callable[[Any], Any]
    kind: str = TEXT

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class ExportDefinition:
    """A registered list: see `register_export`."""

    name: str
    title: Any
    action: str
    filters_from_query: Callable[[Any], Any]
    rows: Callable[..., QuerySet]
    columns: Callable[[Any], list[Column]]
    ordering: Callable[[Any], list[str]]
    audit_action: str
    custom_fields: str = ""
    filter_labels: dict[str, Any] = field(default_factory=dict)

    @property
    def job_kind(self) -> str:
        return f"export.{self.name}"

    def all_columns(self, actor) -> list[Column]:
        """The list's own columns, then one per active custom field of the entity, as defined now."""
        columns = list(self.columns(actor))
        if self.custom_fields:
            columns += custom_field_columns(self.custom_fields)
        return columns


_EXPORTS: dict[str, ExportDefinition] = {}


def _ordering_of(filters) -> list[str]:
    return list(filters.ordering)


def _fixed_ordering(ordering: list[str], _filters) -> list[str]:
    return ordering


def register_export(
    name: str,
    *,
    title: Any,
    action: str,
    filters_from_query: Callable[[Any], Any],
    rows: Callable[..., QuerySet],
    columns: Callable[[Any], list[Column]],
    audit_action: str,
    ordering: list[str] | Callable[[Any], list[str]] | None = None,
    custom_fields: str = "",
    filter_labels: dict[str, Any] | None = None,
) -> None:
    """Offer a list for export as CSV and XLSX.

    - `filters_from_query(params)`: the list page's own filter parser; raises DomainError on bad input.
    - `rows(actor=, filters=)`: the list's selector, starting from `visible_to(actor)`, with the
      `select_related`/`prefetch_related` its columns need, so a chunk costs the same few queries.
    - `ordering`: the keyset ordering (ending in the primary key); by default `filters.ordering`.
    - `columns(actor)`: the columns for this user (masking is decided here, once per export).
    - `custom_fields`: the custom-field entity ("customers.customer") whose fields become columns.
    - `audit_action`: the audit event each export writes, e.g. "customer.exported".
    """
    order_of: Callable[[Any], list[str]]
    if ordering is None:
        order_of = _ordering_of
    elif callable(ordering):
        order_of = ordering
    else:
        order_of = partial(_fixed_ordering, list(ordering))

    definition = ExportDefinition(
        name=name, title=title, action=action, filters_from_query=filters_from_query, rows=rows, columns=columns,
        ordering=order_of, audit_action=audit_action, custom_fields=custom_fields,
        filter_labels=dict(filter_labels or {}),
    )
    _EXPORTS[name] = definition
    register_job_kind(definition.job_kind, title=format_lazy(_("Export: {title}"), title=title), run=_run_job)


def _run_job(job) -> None:
    from .services import export_run

    export_run(job)


def export_definition(name: str) -> ExportDefinition | None:
    return _EXPORTS.get(name)


def export_definitions() -> list[ExportDefinition]:
    return sorted(_EXPORTS.values(), key=lambda d: d.name)


def is_export_job(kind: str) -> bool:
    return kind.startswith("export.") and kind.removeprefix("export.") in _EXPORTS


# -- custom fields --


def _custom_number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _custom_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _custom_reader(key: str, kind: str) -> Callable[[Any], Any]:
    """Reads one stored custom value in its column's type; a value stored before the field changed
    kind is written as text rather than dropped."""

    def read(obj: Any) -> Any:
        value = (getattr(obj, "custom", None) or {}).get(key)
        if value in (None, "", []):
            return None
        if kind == CustomFieldKind.NUMBER:
            number = _custom_number(value)
            return number if number is not None else str(value)
        if kind == CustomFieldKind.DATE:
            return _custom_date(value) or str(value)
        if kind == CustomFieldKind.BOOLEAN:
            return bool(value)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    return read


_CUSTOM_KINDS: dict[str, str] = {CustomFieldKind.NUMBER: NUMBER, CustomFieldKind.DATE: DATE,
                                 CustomFieldKind.BOOLEAN: BOOLEAN}


def custom_field_columns(entity: str) -> list[Column]:
    """One column per active custom field of `entity`, in the admin's order."""
    columns = []
    for definition in customfields.definitions(entity):
        kind = _CUSTOM_KINDS.get(definition.kind, TEXT)
        columns.append(Column(definition.label, _custom_reader(definition.key, definition.kind), kind))
    return columns
