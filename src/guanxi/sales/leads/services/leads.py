"""Creating, editing, deleting and restoring leads (线索)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, customfields, events
from guanxi.core.errors import DomainError, NotFound
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, still_visible, validate, versioned_update
from guanxi.core.text import normalise_phone
from guanxi.dataquality.collisions import collision_guard, confirmed_audit

from .. import errors
from ..choices import EDITABLE_STATUSES, LeadStatus
from ..collisions import lead_name_key
from ..models import Lead
from .assignment import assign_by_rules, check_assignee

ENTITY = "leads.lead"
LEAD_FIELDS = ["name", "company", "title", "phone", "email", "source", "region", "status", "notes"]
BULK_LIMIT = 1000


def invalid(field: str, message: str) -> DomainError:
    return DomainError("invalid", _("Please correct the errors below."), {field: [message]})


def phone_e164(value: str, field: str = "phone") -> str:
    if not value:
        return ""
    normalised = normalise_phone(value)
    if normalised is None:
        raise DomainError(errors.INVALID_PHONE, _("Please correct the errors below."),
                          {field: [_("Enter a valid phone number, e.g. 13812345678 or +86 10 8888 6666.")]})
    return normalised


def refuse_converted(lead: Lead) -> None:
    if lead.is_converted:
        raise DomainError(errors.CONVERTED, _("This lead was converted and can no longer be changed."))


def _check_status(status: Any) -> None:
    if status not in EDITABLE_STATUSES:
        raise invalid("status", _("Choose new, contacting, qualified or disqualified; a lead becomes converted "
                                  "only by converting it."))


def _clean(data: dict[str, Any], allowed: list[str]) -> dict[str, Any]:
    unknown = set(data) - set(allowed)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    data = dict(data)
    if isinstance(data.get("email"), str):
        data["email"] = data["email"].strip().lower()
    return data


def lead_create(*, actor, data: dict[str, Any], custom: dict[str, Any] | None = None,
                confirmed: bool = False) -> Lead:
    """A new lead. With `owner` it is theirs (someone else needs the assign right); without one the
    assignment rules pick a seller, and when none matches the lead waits in the pool.

    `confirmed` lets a possible duplicate through where the duplicate-check policy only warns.
    """
    require(actor, "leads.create")
    data = _clean(data, [*LEAD_FIELDS, "owner"])
    owner = data.pop("owner", None)
    if owner is not None:
        if owner.pk != getattr(actor, "pk", None):
            require(actor, "leads.assign")
        check_assignee(actor, owner)
    data.setdefault("status", LeadStatus.NEW)
    _check_status(data["status"])
    lead = Lead(**{k: v.strip() if isinstance(v, str) else v for k, v in data.items()})
    lead.owner = owner
    lead.department_id = owner.department_id if owner else None
    lead.assigned_at = timezone.now() if owner else None
    lead.created_by = actor if getattr(actor, "pk", None) else None
    validate(lead)
    lead.phone_e164 = phone_e164(lead.phone)
    lead.custom = customfields.validate(ENTITY, custom or {})
    lead.name_key = lead_name_key(lead)
    duplicates = collision_guard(actor=actor, name=lead.company, phone=lead.phone, email=lead.email,
                                 confirmed=confirmed)
    with transaction.atomic():
        lead.save()
        after = audit.snapshot(lead, [*LEAD_FIELDS, "owner"])
        if lead.custom:
            after["custom"] = lead.custom
        audit.record(actor, "lead.created", lead, audit.diff({}, after),
                     extra=confirmed_audit(duplicates) if duplicates else None)
        if owner is None:
            assign_by_rules(actor, lead)
        else:
            # Chosen by hand: the creator may not hand a lead to someone out of their own reach.
            still_visible(actor, lead)
    events.emit("lead.created", {"id": lead.pk, "owner": lead.owner_id})
    return lead


def lead_update(*, actor, lead: Lead, data: dict[str, Any], custom: dict[str, Any] | None = None,
                expected_version: int | None = None) -> Lead:
    """Change a lead's fields. The owner changes only by assigning or claiming; a converted lead is read-only."""
    require(actor, "leads.edit", lead, edit=True)
    refuse_converted(lead)
    data = _clean(data, LEAD_FIELDS)
    if "status" in data:
        _check_status(data["status"])
    # Without a version from the client, the version this request read: a conversion or edit that
    # lands in between is a conflict rather than silently overwritten.
    expected = expected_version if expected_version is not None else lead.version
    before, after = changed_fields(lead, data, LEAD_FIELDS)
    validate(lead)
    fields = list(data)
    if "phone" in data:
        lead.phone_e164 = phone_e164(lead.phone)
        fields.append("phone_e164")
    if "name" in data or "company" in data:
        lead.name_key = lead_name_key(lead)
        fields.append("name_key")
    if custom is not None:
        old_custom = dict(lead.custom)
        lead.custom = customfields.validate(ENTITY, custom, current=lead.custom)
        if lead.custom != old_custom:
            before["custom"], after["custom"] = old_custom, lead.custom
        fields.append("custom")
    changes = audit.diff(before, after)
    with transaction.atomic():
        versioned_update(lead, fields, expected)
        audit.record(actor, "lead.updated", lead, changes)
        still_visible(actor, lead)
    events.emit("lead.updated", {"id": lead.pk, "changed": sorted(changes)})
    return lead


def _bulk_ids(ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    if len(ids) > BULK_LIMIT:
        raise DomainError(errors.TOO_MANY, _("Choose at most %(n)d records at a time.") % {"n": BULK_LIMIT})
    return ids


def lead_bulk_delete(*, actor, ids: list[int]) -> int:
    """Soft delete: the leads move to the recycle bin. Any id out of reach answers 404 for the whole batch."""
    require(actor, "leads.delete")
    ids = _bulk_ids(ids)
    leads = list(Lead.objects.editable_by(actor).filter(pk__in=ids))
    if len(leads) != len(ids):
        raise NotFound()
    converted = [lead for lead in leads if lead.is_converted]
    if converted:
        raise DomainError(errors.CONVERTED, _("Converted leads are kept as a record of the conversion and cannot "
                                              "be deleted: %(names)s") % {"names": "、".join(map(str, converted[:5]))})
    now = timezone.now()
    with transaction.atomic():
        Lead.objects.filter(pk__in=ids).update(deleted_at=now, deleted_by_id=getattr(actor, "pk", None))
        audit.record_many([audit.build(actor, "lead.deleted", lead) for lead in leads])
    for lead in leads:
        events.emit("lead.deleted", {"id": lead.pk})
    return len(leads)


def lead_delete(*, actor, lead: Lead) -> None:
    lead_bulk_delete(actor=actor, ids=[lead.pk])


def lead_restore(*, actor, lead: Lead) -> Lead:
    require(actor, "leads.delete")
    with transaction.atomic():
        restored = Lead.objects.deleted().within_scope(actor).filter(pk=lead.pk).update(deleted_at=None,
                                                                                         deleted_by=None)
        if not restored:
            raise NotFound()
        lead.deleted_at = None
        audit.record(actor, "lead.restored", lead)
    events.emit("lead.restored", {"id": lead.pk})
    return lead
