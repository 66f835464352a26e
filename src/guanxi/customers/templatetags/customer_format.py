"""Showing audited changes on a timeline in words: translated field labels, choice labels
instead of codes, local times, and phones and emails masked for users who may not see them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import customfields
from guanxi.core.models import AuditEvent
from guanxi.core.text import mask_email, mask_phone

from .. import masking

register = template.Library()

ACTIONS = {
    "customer.created": gettext_lazy("created this customer"),
    "customer.updated": gettext_lazy("changed this customer"),
    "customer.deleted": gettext_lazy("moved this customer to the recycle bin"),
    "customer.restored": gettext_lazy("restored this customer from the recycle bin"),
    "customer.transferred": gettext_lazy("transferred this customer"),
    "customer.tagged": gettext_lazy("tagged this customer"),
    "customer.collaborator_set": gettext_lazy("changed the team"),
    "customer.collaborator_removed": gettext_lazy("changed the team"),
    "contact.created": gettext_lazy("added contact %(name)s"),
    "contact.updated": gettext_lazy("changed contact %(name)s"),
    "contact.deleted": gettext_lazy("deleted contact %(name)s"),
    "contact.restored": gettext_lazy("restored contact %(name)s"),
    "customer.merged": gettext_lazy("merged duplicates into this customer"),
    "customer.merged_into": gettext_lazy("merged this customer into another"),
    "customer.merge_undone": gettext_lazy("undid a merge into this customer"),
    "customer.unmerged": gettext_lazy("restored this customer from a merge"),
    "contact.merged": gettext_lazy("merged duplicates into contact %(name)s"),
    "contact.merged_into": gettext_lazy("merged contact %(name)s into another"),
    "contact.merge_undone": gettext_lazy("undid a merge into contact %(name)s"),
    "contact.unmerged": gettext_lazy("restored contact %(name)s from a merge"),
}
EXTRA_LABELS = {"collaborator": gettext_lazy("team member"), "custom": gettext_lazy("custom fields")}
PHONE_FIELDS = {"phone", "mobile"}


@register.filter
def audit_action(event: AuditEvent) -> str:
    label = ACTIONS.get(event.action)
    if label is None:
        return event.action
    return str(label) % {"name": event.object_repr} if "%(name)s" in str(label) else str(label)


def _definitions(context, entity: str) -> dict:
    cache = context.render_context.setdefault("customer_format_definitions", {})
    if entity not in cache:
        cache[entity] = {d.key: d for d in customfields.definitions(entity)}
    return cache[entity]


def _plain(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    return str(value)


def _show(model, name: str, value: Any, sensitive: bool) -> str:
    if value not in (None, "") and not sensitive:
        if name in PHONE_FIELDS:
            return mask_phone(str(value))
        if name == "email":
            return mask_email(str(value))
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        field = None
    if field is not None and getattr(field, "choices", None) and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    return _plain(value)


def _label(model, name: str) -> str:
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    try:
        return str(model._meta.get_field(name).verbose_name) if model else name
    except FieldDoesNotExist:
        return name


@register.simple_tag(takes_context=True)
def audit_changes(context, event: AuditEvent) -> list[dict[str, str]]:
    """Rows of (field label, before, after) for one audit event."""
    request = context.get("request")
    sensitive = bool(request and masking.can_see_sensitive(request.user))
    model = ContentType.objects.get_for_id(event.content_type_id).model_class() if event.content_type_id else None
    entity = model._meta.label_lower if model else ""
    rows = []
    for name, pair in (event.changes or {}).items():
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        if name == "custom" and isinstance(before or {}, dict) and isinstance(after or {}, dict):
            definitions = _definitions(context, entity)
            before, after = before or {}, after or {}
            for key in dict.fromkeys([*before, *after]):
                if before.get(key) != after.get(key):
                    definition = definitions.get(key)
                    rows.append({"label": definition.label if definition else key,
                                 "before": _plain(before.get(key)), "after": _plain(after.get(key))})
            continue
        shown_before, shown_after = _show(model, name, before, sensitive), _show(model, name, after, sensitive)
        if shown_before == shown_after:
            continue  # e.g. an empty field on a newly created record
        rows.append({"label": _label(model, name), "before": shown_before, "after": shown_after})
    return rows
