"""Writes of the kernel's own tables: custom field definitions."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from . import audit
from .errors import DomainError
from .models import CustomFieldDefinition, CustomFieldKind
from .records import validate

# Entities that accept custom fields; apps add theirs at start-up.
CUSTOM_FIELD_ENTITIES: dict[str, object] = {}


def register_custom_field_entity(entity: str, label: object) -> None:
    CUSTOM_FIELD_ENTITIES[entity] = label


def _clean_choices(kind: str, choices: list[str] | None) -> list[str]:
    cleaned = [str(c).strip()[:80] for c in (choices or []) if str(c).strip()]
    cleaned = list(dict.fromkeys(cleaned))
    if kind in (CustomFieldKind.CHOICE, CustomFieldKind.MULTI_CHOICE) and not cleaned:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"choices": [_("List at least one option.")]})
    if len(cleaned) > 200:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"choices": [_("At most 200 options.")]})
    return cleaned if kind in (CustomFieldKind.CHOICE, CustomFieldKind.MULTI_CHOICE) else []


def custom_field_create(*, actor, entity: str, key: str, label: str, kind: str, choices: list[str] | None = None,
                        required: bool = False, position: int = 0) -> CustomFieldDefinition:
    from .permissions import require

    require(actor, "org.manage_custom_fields")
    if entity not in CUSTOM_FIELD_ENTITIES:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"entity": [_("Custom fields cannot be added to this entity.")]})
    key = (key or "").strip().lower()
    if CustomFieldDefinition.objects.filter(entity=entity, key=key).exists():
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"key": [_("This key is already used on this entity.")]})
    definition = CustomFieldDefinition(entity=entity, key=key, label=(label or "").strip(), kind=kind,
                                       required=required, position=position)
    validate(definition)
    definition.choices = _clean_choices(kind, choices)
    with transaction.atomic():
        definition.save()
        audit.record(actor, "custom_field.created", definition,
                     audit.diff({}, audit.snapshot(definition, ["entity", "key", "label", "kind", "required"])))
    return definition


def custom_field_update(*, actor, definition: CustomFieldDefinition, label: str, choices: list[str] | None = None,
                        required: bool = False, position: int = 0, is_active: bool = True) -> CustomFieldDefinition:
    """Key, entity and kind are fixed once created: stored values depend on them."""
    from .permissions import require

    require(actor, "org.manage_custom_fields")
    fields = ["label", "choices", "required", "position", "is_active"]
    before = audit.snapshot(definition, fields)
    definition.label = (label or "").strip()
    definition.required, definition.position, definition.is_active = required, position, is_active
    validate(definition)
    definition.choices = _clean_choices(definition.kind, choices)
    with transaction.atomic():
        definition.save(update_fields=fields)
        audit.record(actor, "custom_field.updated", definition, audit.diff(before, audit.snapshot(definition, fields)))
    return definition


def custom_field_delete(*, actor, definition: CustomFieldDefinition) -> None:
    """Stops showing the field; stored values stay in records (nothing a user typed is lost)."""
    custom_field_update(actor=actor, definition=definition, label=definition.label, choices=definition.choices,
                        required=False, position=definition.position, is_active=False)
