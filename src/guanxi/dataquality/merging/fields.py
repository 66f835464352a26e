"""The fields a merge picks a surviving value for: which they are, their values, how they read, and
how a value is kept in a merge record and read back for an undo."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from guanxi.core import customfields
from guanxi.core.models import CustomFieldDefinition, CustomFieldKind
from guanxi.core.text import mask_email, mask_phone

from .registry import MergeEntity, MergeField

CUSTOM_PREFIX = "custom."


@dataclass(frozen=True)
class Pickable:
    """One field of the comparison: a model field (with the columns that travel with it) or a custom field."""

    name: str  # "phone", or "custom.<key>"
    label: str
    columns: tuple[str, ...] = ()  # attnames written when another record's value is taken
    spec: MergeField | None = None
    definition: CustomFieldDefinition | None = None

    @property
    def action(self) -> str:
        return self.spec.action if self.spec else ""

    @property
    def custom_key(self) -> str:
        return self.name.removeprefix(CUSTOM_PREFIX) if self.definition is not None else ""


def column(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).attname  # type: ignore[union-attr]


def pickable_fields(entity: MergeEntity) -> list[Pickable]:
    """The entity's registered fields, then its active custom fields (one query)."""
    model = entity.model
    found = []
    for spec in entity.fields:
        model_field: Any = model._meta.get_field(spec.name)
        found.append(Pickable(
            name=spec.name, label=capfirst(str(spec.label or model_field.verbose_name)),
            columns=(model_field.attname, *(column(model, c) for c in spec.companions)), spec=spec,
        ))
    if entity.custom_fields:
        for definition in customfields.definitions(entity.custom_fields):
            found.append(Pickable(name=f"{CUSTOM_PREFIX}{definition.key}", label=definition.label,
                                  definition=definition))
    return found


def value_of(field: Pickable, record: models.Model) -> Any:
    if field.definition is not None:
        return (getattr(record, "custom", None) or {}).get(field.custom_key)
    return getattr(record, field.columns[0])


def is_empty(value: Any) -> bool:
    """Blank for the default choice: a value nobody entered, or a flag nobody set."""
    return value is None or value is False or value == "" or value == [] or value == {}


def default_source(field: Pickable, records: list[models.Model], *, actor) -> int:
    """The survivor's (first record's) value unless it is blank, else the first other record's that is not.

    A field whose change needs a right the actor lacks keeps the survivor's value.
    """
    survivor = records[0]
    if field.action and not actor.has_action(field.action):
        return survivor.pk
    for record in records:
        if not is_empty(value_of(field, record)):
            return record.pk
    return survivor.pk


def _moment(value: dt.datetime) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "Y-m-d H:i")


def display(field: Pickable, record: models.Model, *, sensitive: bool) -> str:
    """The value as a person reads it; phones and emails masked unless `sensitive` may be seen."""
    value = value_of(field, record)
    if is_empty(value) and value is not False:
        return ""
    if field.definition is not None:
        if field.definition.kind == CustomFieldKind.BOOLEAN:
            return str(_("Yes") if value else _("No"))
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    model_field: Any = record._meta.get_field(field.name)
    if model_field.is_relation:
        text = str(getattr(record, field.name))
    elif model_field.choices:
        text = str(dict(model_field.flatchoices).get(value, value))
    elif isinstance(value, bool):
        text = str(_("Yes") if value else _("No"))
    elif isinstance(value, dt.datetime):
        text = _moment(value)
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    mask = field.spec.mask if field.spec else ""
    if not sensitive and mask == "phone":
        return mask_phone(text)
    if not sensitive and mask == "email":
        return mask_email(text)
    return text


def dump(value: Any) -> Any:
    """A column value in the JSON form a merge record keeps it in."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def load(model: type[models.Model], attname: str, raw: Any) -> Any:
    """A kept value back in the column's Python form."""
    field: Any = next(f for f in model._meta.concrete_fields if f.attname == attname)
    if raw is None:
        return None
    if field.is_relation:
        return field.target_field.to_python(raw)
    if isinstance(field, models.JSONField):
        return raw
    return field.to_python(raw)
