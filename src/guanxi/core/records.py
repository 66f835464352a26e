"""The write path shared by every service that saves a scoped record.

Validate, save with `update_fields` under an optimistic version check, audit in the same
transaction, then check the actor can still see what they saved.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .errors import Conflict, DomainError, NotFound


def validate(obj: models.Model, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        raise DomainError.from_validation(exc) from None


def still_visible(actor, obj: models.Model) -> None:
    """Refuse a save that would move the record out of the actor's own reach."""
    manager: Any = type(obj)._default_manager
    if not manager.visible_to(actor).filter(pk=obj.pk).exists():
        raise DomainError(
            "out_of_scope",
            _("After this change you could no longer see this record, so it was not saved."),
        )


def versioned_update(obj: models.Model, fields: list[str], expected_version: int | None) -> None:
    """Write `fields` only if nobody changed or deleted the row since `expected_version` was read."""
    model = type(obj)
    values: dict[str, Any] = {f: getattr(obj, f) for f in fields}
    if any(f.name == "updated_at" for f in model._meta.fields):
        values["updated_at"] = timezone.now()
    rows = model._default_manager.filter(pk=obj.pk)
    if hasattr(model, "deleted_at"):
        rows = rows.filter(deleted_at__isnull=True)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    updated = rows.update(**values, version=F("version") + 1)
    if not updated:
        alive = model._default_manager.filter(pk=obj.pk)
        if hasattr(model, "deleted_at") and not alive.filter(deleted_at__isnull=True).exists():
            raise NotFound(_("This record was deleted by someone else meanwhile."))
        raise Conflict(
            "conflict",
            _("Someone else changed this record meanwhile. Reload it to see their changes, then edit again."),
        )
    obj.version = (expected_version or obj.version) + 1  # type: ignore[attr-defined]


def changed_fields(obj: models.Model, data: dict[str, Any], editable: list[str]) -> tuple[dict, dict]:
    """Apply `data` to `obj`; return (before, after) snapshots of the fields that changed."""
    unknown = set(data) - set(editable)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = audit.snapshot(obj, list(data))
    for key, value in data.items():
        setattr(obj, key, value.strip() if isinstance(value, str) else value)
    after = audit.snapshot(obj, list(data))
    return before, after
