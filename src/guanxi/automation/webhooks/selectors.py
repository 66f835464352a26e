"""Reads of webhooks, for those who configure them: subscriptions are company-wide, so the right to manage
webhooks is the whole of the check; anyone else is refused before anything is read."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from guanxi.core.errors import NotFound
from guanxi.core.paging import Page, keyset_page
from guanxi.core.permissions import require

from .choices import DeliveryStatus
from .models import Delivery, Subscription

MANAGE = "automation.manage_webhooks"
LOG_ORDERING = ["-id"]
# A retry this late was lost (its worker stopped before scheduling it); the sweep sends it again.
OVERDUE = dt.timedelta(minutes=10)
SWEEP_BATCH = 1000


def subscription_list(*, actor) -> QuerySet[Subscription]:
    require(actor, MANAGE)
    return Subscription.objects.select_related("created_by")


def subscription_get(*, actor, id: int) -> Subscription:
    subscription = subscription_list(actor=actor).filter(pk=id).first()
    if subscription is None:
        raise NotFound()
    return subscription


def delivery_page(*, actor, subscription: Subscription, cursor: str | None, limit: int) -> Page:
    """The delivery log of a subscription, newest first, a page at a time."""
    require(actor, MANAGE)
    return keyset_page(Delivery.objects.filter(subscription_id=subscription.pk), LOG_ORDERING, cursor, limit)


def delivery_get(*, actor, id: int) -> Delivery:
    require(actor, MANAGE)
    delivery = Delivery.objects.select_related("subscription").filter(pk=id).first()
    if delivery is None:
        raise NotFound()
    return delivery


def with_last_delivery(qs: QuerySet[Subscription]) -> QuerySet[Subscription]:
    """Each subscription with the status and time of its latest delivery (one index probe each)."""
    latest = Delivery.objects.filter(subscription_id=OuterRef("pk")).order_by("-id")
    return qs.annotate(last_status=Subquery(latest.values("status")[:1]),
                       last_delivery_at=Subquery(latest.values("created_at")[:1]))


def delivery_overdue_ids(now: dt.datetime | None = None) -> list[int]:
    """Deliveries due long ago, or claimed by a worker that never finished: for the sweep to send again."""
    now = now or timezone.now()
    late = Q(status=DeliveryStatus.PENDING, next_attempt_at__lt=now - OVERDUE)
    abandoned = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - OVERDUE)
    return list(Delivery.objects.filter(late | abandoned).order_by("id").values_list("id", flat=True)[:SWEEP_BATCH])
