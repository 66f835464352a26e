"""Reads of follow-ups and the customer timeline, bounded by the actor's data scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from guanxi.core.audit import timeline_key
from guanxi.core.errors import NotFound
from guanxi.core.models import AuditEvent
from guanxi.customers.models import Customer

from .models import FollowUp, FollowUpAttachment


def follow_up_list(*, actor, customer: Customer | None = None, kind: str = "",
                   author_id: int | None = None) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.visible_to(actor).select_related("customer", "contact", "author")
    if customer is not None:
        qs = qs.filter(customer=customer)
    if kind:
        qs = qs.filter(kind=kind)
    if author_id is not None:
        qs = qs.filter(author_id=author_id)
    return qs.prefetch_related("attachments")


def follow_up_get(*, actor, id: int) -> FollowUp:
    follow_up = follow_up_list(actor=actor).filter(pk=id).first()
    if follow_up is None:
        raise NotFound()
    return follow_up


@dataclass
class TimelineEntry:
    at: dt.datetime
    kind: str  # "follow_up" or "audit"
    item: Any


def customer_timeline(*, actor, customer: Customer, limit: int = 100) -> list[TimelineEntry]:
    """Follow-ups and audited changes of a customer (and its contacts), newest first."""
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotFound()
    follow_ups = list(follow_up_list(actor=actor, customer=customer)[:limit])
    changes = list(AuditEvent.objects.filter(timeline_key=timeline_key(customer))
                   .exclude(action__startswith="follow_up.").select_related("actor")[:limit])
    entries = [TimelineEntry(f.occurred_at, "follow_up", f) for f in follow_ups]
    entries += [TimelineEntry(e.created_at, "audit", e) for e in changes]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def attachment_get(*, actor, id: int) -> FollowUpAttachment:
    """A follow-up's file, only for those who see the follow-up's customer."""
    visible = FollowUp.objects.visible_to(actor).values("pk")
    attachment = FollowUpAttachment.objects.filter(pk=id, follow_up__in=visible).select_related("follow_up").first()
    if attachment is None:
        raise NotFound()
    return attachment
