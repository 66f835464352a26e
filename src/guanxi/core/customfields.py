"""Validating custom field values against the definitions an admin made for an entity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from .errors import DomainError
from .models import CustomFieldDefinition, CustomFieldKind

MAX_TEXT = 2000


def definitions(entity: str) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(entity=entity, is_active=True))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def clean_value(definition: CustomFieldDefinition, value: Any) -> Any:
    """The stored (JSON) form of one value, or ValueError with a message for the user."""
    kind = definition.kind
    if kind == CustomFieldKind.TEXT:
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise ValueError(_("At most %(n)d characters.") % {"n": MAX_TEXT})
        return text
    if kind == CustomFieldKind.NUMBER:
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise ValueError(_("Enter a number."))
        return str(number)
    if kind == CustomFieldKind.DATE:
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if kind == CustomFieldKind.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on", "是"}:
            return True
        if text in {"0", "false", "no", "off", "否"}:
            return False
        raise ValueError(_("Choose yes or no."))
    if kind == CustomFieldKind.CHOICE:
        if str(value) not in definition.choices:
            raise ValueError(_("Choose one of the offered options."))
        return str(value)
    if kind == CustomFieldKind.MULTI_CHOICE:
        values = value if isinstance(value, list | tuple) else [value]
        values = [str(v) for v in values]
        if any(v not in definition.choices for v in values):
            raise ValueError(_("Choose only offered options."))
        return values
    raise ValueError(_("Unknown field kind."))


def validate(entity: str, values: dict[str, Any] | None, *, current: dict | None = None) -> dict[str, Any]:
    """Merge `values` into `current` and check every definition; unknown keys are refused."""
    values = dict(values or {})
    merged = dict(current or {})
    errors: dict[str, list[str]] = {}
    defs = {d.key: d for d in definitions(entity)}
    for key in values:
        if key not in defs:
            errors[f"custom.{key}"] = [_("There is no such field.")]
    for key, definition in defs.items():
        if key in values:
            raw = values[key]
            if _empty(raw):
                merged.pop(key, None)
            else:
                try:
                    merged[key] = clean_value(definition, raw)
                except ValueError as exc:
                    errors[f"custom.{key}"] = [str(exc)]
                    continue
        if definition.required and _empty(merged.get(key)):
            errors[f"custom.{key}"] = [_("This field is required.")]
    if errors:
        raise DomainError("invalid", _("Please correct the errors below."), errors)
    return merged
