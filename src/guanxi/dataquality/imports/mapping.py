"""Which field each column goes to: found from the column names (Chinese or English, the field's own
labels and the usual other names), from a template the user saved, or chosen by hand on the mapping page.

A mapping is a list with one entry per column: a field key ("name", "phone"), "custom.<key>" for a
custom field, or "" for a column left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from guanxi.core.customfields import definitions
from guanxi.core.errors import DomainError
from guanxi.core.models import CustomFieldDefinition

from . import errors
from .models import MappingTemplate
from .reading import normalise_header
from .registry import Importable

CUSTOM = "custom."


@dataclass(frozen=True)
class Target:
    """A field a column can be mapped to, as the mapping page offers it."""

    key: str
    label: str
    required: bool = False


def custom_definitions(importable: Importable) -> dict[str, CustomFieldDefinition]:
    if not importable.custom_field_entity:
        return {}
    return {d.key: d for d in definitions(importable.custom_field_entity)}


def targets(importable: Importable, custom: dict[str, CustomFieldDefinition] | None = None) -> list[Target]:
    custom = custom_definitions(importable) if custom is None else custom
    out = [Target(f.key, capfirst(str(f.label)), f.required) for f in importable.fields]
    out += [Target(CUSTOM + d.key, d.label, d.required) for d in custom.values()]
    return out


def _names(importable: Importable, custom: dict[str, CustomFieldDefinition]) -> dict[str, str]:
    """Normalised column name → field key, from every language's labels and the aliases."""
    names: dict[str, str] = {}

    def add(text: Any, key: str) -> None:
        normal = normalise_header(str(text))
        if normal:
            names.setdefault(normal, key)

    for f in importable.fields:
        add(f.key, f.key)
        for alias in f.aliases:
            add(alias, f.key)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for f in importable.fields:
                add(f.label, f.key)
    for d in custom.values():
        add(d.label, CUSTOM + d.key)
        add(d.key, CUSTOM + d.key)
    return names


def _candidates(header: str) -> list[str]:
    """The whole name first, then its parts: 联系方式/电话 is also 电话."""
    normal = normalise_header(header)
    parts = [p for p in normal.split("/") if p]
    return [normal.replace("/", ""), *reversed(parts)]


def best_template(owner, entity: str, headers: list[str]) -> MappingTemplate | None:
    """The owner's template that knows the most of these column names (at least one)."""
    normal = [normalise_header(h) for h in headers]
    best, hits = None, 0
    for template in MappingTemplate.objects.filter(owner=owner, entity=entity):
        found = sum(1 for h in normal if h in template.columns)
        if found > hits:
            best, hits = template, found
    return best


def auto_map(importable: Importable, headers: list[str], template: MappingTemplate | None = None) -> list[str]:
    """A field for every column it can find one for; each field at most once, the leftmost column winning."""
    custom = custom_definitions(importable)
    valid = {t.key for t in targets(importable, custom)}
    names = _names(importable, custom)
    mapping: list[str] = []
    used: set[str] = set()
    for header in headers:
        normal = normalise_header(header)
        if template is not None and normal in template.columns:
            # The template also remembers the columns its owner left out.
            key = template.columns[normal]
        else:
            key = next((names[c] for c in _candidates(header) if c in names), "")
        if key not in valid or key in used:
            key = ""
        used.add(key)
        mapping.append(key)
    return mapping


def clean_mapping(importable: Importable, headers: list[str], mapping: list[str]) -> list[str]:
    """A mapping the user chose, checked: known fields, each once, the required ones present."""
    custom = custom_definitions(importable)
    known = {t.key: t for t in targets(importable, custom)}
    invalid = DomainError(errors.INVALID_MAPPING, _("Please correct the errors below."))
    if len(mapping) != len(headers):
        invalid.errors["mapping"] = [_("Choose a field (or none) for each of the %(n)d columns.")
                                     % {"n": len(headers)}]
        raise invalid
    cleaned = [str(key or "").strip() for key in mapping]
    seen: dict[str, int] = {}
    for index, key in enumerate(cleaned):
        if not key:
            continue
        if key not in known:
            invalid.errors[f"mapping.{index}"] = [_("Choose one of the available options.")]
        elif key in seen:
            invalid.errors[f"mapping.{index}"] = [_("%(field)s is already the field of column “%(column)s”.")
                                                  % {"field": known[key].label, "column": headers[seen[key]]}]
        else:
            seen[key] = index
    missing = [t.label for t in known.values() if t.required and not t.key.startswith(CUSTOM) and t.key not in seen]
    if missing:
        invalid.errors["mapping"] = [_("Choose a column for: %(fields)s") % {"fields": "、".join(missing)}]
    if invalid.errors:
        raise invalid
    return cleaned


def template_columns(headers: list[str], mapping: list[str]) -> dict[str, str]:
    """What a template keeps of a mapping: normalised column name → field key ("" for a column left out)."""
    return {normalise_header(h): key for h, key in zip(headers, mapping, strict=True) if normalise_header(h)}
