"""Every write of follow-ups. Logging one moves its customer's last-contacted and next follow-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import DomainError, NotFound
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, validate
from guanxi.customers.models import Customer

from .models import FollowUp, FollowUpAttachment

FOLLOW_UP_FIELDS = ["kind", "content", "occurred_at", "next_follow_up_at", "contact"]
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10


def _touch_customer(customer_id: int, follow_up: FollowUp) -> None:
    """Conditional updates, so two follow-ups saved at once leave the latest values."""
    Customer.objects.filter(pk=customer_id).filter(
        Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lte=follow_up.occurred_at)
    ).update(last_contacted_at=follow_up.occurred_at, next_follow_up_at=follow_up.next_follow_up_at)


def _check(data: dict[str, Any], customer: Customer) -> None:
    contact = data.get("contact")
    if contact is not None and contact.customer_id != customer.pk:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"contact": [_("This contact belongs to another customer.")]})
    occurred = data.get("occurred_at")
    if occurred is not None and occurred > timezone.now() + dt.timedelta(days=1):
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"occurred_at": [_("A follow-up cannot be in the future.")]})
    follow = data.get("next_follow_up_at")
    if follow is not None and occurred is not None and follow < occurred:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"next_follow_up_at": [_("The next follow-up must come after this one.")]})


def _validate_files(files: list) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise DomainError("invalid", _("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS},
                          {"attachments": [_("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS}]})
    for f in files:
        if f.size > MAX_ATTACHMENT_BYTES:
            raise DomainError("invalid", _("Please correct the errors below."),
                              {"attachments": [_("%(name)s is larger than 20 MB.") % {"name": f.name}]})


def follow_up_create(*, actor, customer: Customer, data: dict[str, Any], files: list | None = None) -> FollowUp:
    require(actor, "activities.create")
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotFound()
    data = dict(data)
    data.setdefault("occurred_at", timezone.now())
    unknown = set(data) - set(FOLLOW_UP_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _check(data, customer)
    files = files or []
    _validate_files(files)
    follow_up = FollowUp(customer=customer, author=actor if getattr(actor, "pk", None) else None,
                         **{k: v.strip() if isinstance(v, str) else v for k, v in data.items()})
    validate(follow_up)
    with transaction.atomic():
        follow_up.save()
        for f in files:
            FollowUpAttachment.objects.create(follow_up=follow_up, file=f, name=f.name[:255], size=f.size)
        _touch_customer(customer.pk, follow_up)
        audit.record(actor, "follow_up.created", follow_up, {"kind": [None, follow_up.kind]}, timeline=customer)
    events.emit("follow_up.created", {"id": follow_up.pk, "customer": customer.pk})
    return follow_up


def follow_up_update(*, actor, follow_up: FollowUp, data: dict[str, Any]) -> FollowUp:
    """Authors edit their own follow-ups; anyone else needs the edit right on follow-ups."""
    _require_author_or(actor, follow_up, "activities.edit")
    before, after = changed_fields(follow_up, data, FOLLOW_UP_FIELDS)
    _check({"occurred_at": follow_up.occurred_at, "next_follow_up_at": follow_up.next_follow_up_at,
            "contact": follow_up.contact}, follow_up.customer)
    validate(follow_up)
    with transaction.atomic():
        follow_up.save(update_fields=[*data, "updated_at"])
        _touch_customer(follow_up.customer_id, follow_up)
        audit.record(actor, "follow_up.updated", follow_up, audit.diff(before, after), timeline=follow_up.customer)
    events.emit("follow_up.updated", {"id": follow_up.pk, "customer": follow_up.customer_id})
    return follow_up


def follow_up_delete(*, actor, follow_up: FollowUp) -> None:
    _require_author_or(actor, follow_up, "activities.delete")
    with transaction.atomic():
        audit.record(actor, "follow_up.deleted", follow_up, {"content": [follow_up.content[:200], None]},
                     timeline=follow_up.customer)
        follow_up.delete()


def _require_author_or(actor, follow_up: FollowUp, action: str) -> None:
    if not FollowUp.objects.visible_to(actor).filter(pk=follow_up.pk).exists():
        raise NotFound()
    if follow_up.author_id is not None and follow_up.author_id == getattr(actor, "pk", None):
        require(actor, "activities.create")
    else:
        require(actor, action)


CARRY_OVER_FIELDS = {*FOLLOW_UP_FIELDS, "author", "origin"}
MAX_CARRY_OVER = 10_000


def follow_up_carry_over(*, actor, customer: Customer, entries: list[dict]) -> int:
    """Follow-ups logged before the customer existed (on a lead being converted) become the customer's.

    Each entry keeps its original time and author (`kind`, `content`, `occurred_at`, `next_follow_up_at`,
    `author`, optionally `contact` and `origin` — e.g. "lead:12", kept in the audit trail). Called by the
    converting service inside its transaction, after its own permission check; returns how many were written.
    """
    require(actor, "customers.view", customer)
    if len(entries) > MAX_CARRY_OVER:
        raise DomainError("invalid", _("Too many follow-ups to carry over at once."))
    rows: list[FollowUp] = []
    origins: list[str] = []
    for entry in entries:
        unknown = set(entry) - CARRY_OVER_FIELDS
        if unknown:
            raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
        contact = entry.get("contact")
        if contact is not None and contact.customer_id != customer.pk:
            raise DomainError("invalid", _("Please correct the errors below."),
                              {"contact": [_("This contact belongs to another customer.")]})
        row = FollowUp(customer=customer, **{k: v for k, v in entry.items() if k != "origin"})
        validate(row)
        rows.append(row)
        origins.append(str(entry.get("origin") or ""))
    if not rows:
        return 0
    with transaction.atomic():
        FollowUp.objects.bulk_create(rows, batch_size=500)
        _touch_customer(customer.pk, max(rows, key=lambda f: f.occurred_at))
        audit.record_many([
            audit.build(actor, "follow_up.carried_over", row, {"kind": [None, row.kind]}, timeline=customer,
                        extra={"origin": origin, "author": str(row.author) if row.author else None})
            for row, origin in zip(rows, origins, strict=True)
        ])
    events.emit("follow_up.carried_over", {"customer": customer.pk, "ids": [row.pk for row in rows]})
    return len(rows)


