"""Writing the audit trail. Services call `record` inside their transaction, so the event and
the change commit or roll back together; bulk operations call `record_many`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import context
from .models import AuditEvent


def timeline_key(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value, readable on the timeline."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time | Decimal):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """Field values before a change; foreign keys by their display text."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def build(
    actor,
    action: str,
    obj: models.Model | None = None,
    changes: dict | None = None,
    *,
    timeline: models.Model | None = None,
    extra: dict | None = None,
    object_repr: str = "",
) -> AuditEvent:
    ctx = context.current()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor_id=actor_id,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        timeline_key=timeline_key(subject) if (subject := timeline or obj) is not None else "",
        changes=_plain(changes or {}),
        extra=_plain(extra or {}),
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def record(actor, action: str, obj: models.Model | None = None, changes: dict | None = None, **kw) -> AuditEvent:
    event = build(actor, action, obj, changes, **kw)
    event.save()
    return event


def record_many(events: list[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(events, batch_size=1000)
