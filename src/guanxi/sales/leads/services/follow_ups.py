"""Follow-ups (跟进记录) with leads. Logging one moves the lead's last-contacted and next follow-up times,
and a new lead to "contacting"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import DomainError, NotFound
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, validate

from .. import errors
from ..choices import LeadStatus
from ..models import Lead, LeadFollowUp
from .leads import refuse_converted

FOLLOW_UP_FIELDS = ["kind", "content", "occurred_at", "next_follow_up_at"]


def _check(occurred: dt.datetime | None, follow: dt.datetime | None) -> None:
    if occurred is not None and occurred > timezone.now() + dt.timedelta(days=1):
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"occurred_at": [_("A follow-up cannot be in the future.")]})
    if follow is not None and occurred is not None and follow < occurred:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"next_follow_up_at": [_("The next follow-up must come after this one.")]})


def _touch_lead(actor, lead: Lead, follow_up: LeadFollowUp) -> None:
    """Conditional updates, so two follow-ups saved at once leave the latest values."""
    Lead.objects.filter(pk=lead.pk).filter(
        Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lte=follow_up.occurred_at)
    ).update(last_contacted_at=follow_up.occurred_at, next_follow_up_at=follow_up.next_follow_up_at)
    started = Lead.objects.filter(pk=lead.pk, status=LeadStatus.NEW).update(
        status=LeadStatus.CONTACTING, version=F("version") + 1, updated_at=timezone.now())
    if started:
        lead.status = LeadStatus.CONTACTING
        lead.version += 1
        audit.record(actor, "lead.updated", lead, {"status": [LeadStatus.NEW, LeadStatus.CONTACTING]})


def _lock_open(lead: Lead) -> None:
    """Hold the lead's row for this transaction and refuse if it was converted meanwhile, so no follow-up
    lands on a lead after its follow-ups were carried over to the customer."""
    status = Lead.objects.select_for_update().filter(pk=lead.pk).values_list("status", flat=True).first()
    if status == LeadStatus.CONVERTED:
        raise DomainError(errors.CONVERTED, _("This lead was converted and can no longer be changed."))


def lead_follow_up_create(*, actor, lead: Lead, data: dict[str, Any]) -> LeadFollowUp:
    """Log a call, visit or message with a lead the actor works (a pool lead is claimed first)."""
    require(actor, "activities.create")
    if not Lead.objects.visible_to(actor).filter(pk=lead.pk).exists():
        raise NotFound()
    if lead.owner_id is None:
        raise DomainError(errors.UNOWNED, _("Claim this lead from the pool before logging follow-ups."))
    require(actor, "activities.create", lead, edit=True)
    refuse_converted(lead)
    data = dict(data)
    data.setdefault("occurred_at", timezone.now())
    unknown = set(data) - set(FOLLOW_UP_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _check(data.get("occurred_at"), data.get("next_follow_up_at"))
    follow_up = LeadFollowUp(lead=lead, author=actor if getattr(actor, "pk", None) else None,
                             **{k: v.strip() if isinstance(v, str) else v for k, v in data.items()})
    validate(follow_up)
    with transaction.atomic():
        _lock_open(lead)
        follow_up.save()
        _touch_lead(actor, lead, follow_up)
        audit.record(actor, "lead_follow_up.created", follow_up, {"kind": [None, follow_up.kind]}, timeline=lead)
    events.emit("lead_follow_up.created", {"id": follow_up.pk, "lead": lead.pk})
    return follow_up


def _require_author_or(actor, follow_up: LeadFollowUp, action: str) -> None:
    """Authors change their own follow-ups; anyone else needs `action`. Never on a converted lead."""
    if not LeadFollowUp.objects.visible_to(actor).filter(pk=follow_up.pk).exists():
        raise NotFound()
    refuse_converted(follow_up.lead)
    if follow_up.author_id is not None and follow_up.author_id == getattr(actor, "pk", None):
        require(actor, "activities.create")
    else:
        require(actor, action, follow_up.lead, edit=True)


def lead_follow_up_update(*, actor, follow_up: LeadFollowUp, data: dict[str, Any]) -> LeadFollowUp:
    _require_author_or(actor, follow_up, "activities.edit")
    before, after = changed_fields(follow_up, data, FOLLOW_UP_FIELDS)
    _check(follow_up.occurred_at, follow_up.next_follow_up_at)
    validate(follow_up)
    with transaction.atomic():
        follow_up.save(update_fields=[*data, "updated_at"])
        _touch_lead(actor, follow_up.lead, follow_up)
        audit.record(actor, "lead_follow_up.updated", follow_up, audit.diff(before, after), timeline=follow_up.lead)
    events.emit("lead_follow_up.updated", {"id": follow_up.pk, "lead": follow_up.lead_id})
    return follow_up


def lead_follow_up_delete(*, actor, follow_up: LeadFollowUp) -> None:
    _require_author_or(actor, follow_up, "activities.delete")
    pk = follow_up.pk
    with transaction.atomic():
        audit.record(actor, "lead_follow_up.deleted", follow_up, {"content": [follow_up.content[:200], None]},
                     timeline=follow_up.lead)
        follow_up.delete()
    events.emit("lead_follow_up.deleted", {"id": pk, "lead": follow_up.lead_id})
