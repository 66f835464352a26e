"""From a domain event to deliveries: find the active subscriptions that want it, record one delivery for
each in a single insert, and queue them. Runs after the user's save has committed and swallows its own
errors, so a webhook can neither undo nor break a save."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Delivery, Subscription
from .registry import ALL_EVENTS, resource_for_event

log = logging.getLogger(__name__)

# Which subscriptions want which events is read at most this often per process (a busy import emits an event
# per row); the services forget it at once when a subscription changes here, other processes within seconds.
ROUTES_SECONDS = 5.0

_routes: tuple[float, list[tuple[int, frozenset[str]]]] | None = None


def forget_routes() -> None:
    global _routes
    _routes = None


def _active_routes() -> list[tuple[int, frozenset[str]]]:
    global _routes
    cached = _routes
    if cached is not None and time.monotonic() - cached[0] < ROUTES_SECONDS:
        return cached[1]
    rows = [(pk, frozenset(types or ())) for pk, types in
            Subscription.objects.filter(is_active=True).values_list("pk", "event_types")]
    _routes = (time.monotonic(), rows)
    return rows


def subscribers_of(event_type: str) -> list[int]:
    """Ids of the active subscriptions that want `event_type` (by name or through "*")."""
    return [pk for pk, types in _active_routes() if event_type in types or ALL_EVENTS in types]


def create_deliveries(event_type: str, payload: dict, subscription_ids: Iterable[int]) -> list[Delivery]:
    now = timezone.now()
    rows = [Delivery(subscription_id=pk, event_type=event_type, event_payload=payload, next_attempt_at=now,
                     created_at=now) for pk in subscription_ids]
    return Delivery.objects.bulk_create(rows)


def enqueue(delivery_ids: list[int]) -> None:
    """Hand the deliveries to the workers once the transaction that recorded them commits."""
    from .tasks import send_delivery

    def send() -> None:
        for pk in delivery_ids:
            send_delivery(pk)

    transaction.on_commit(send)


def on_event(event_type: str, payload: dict) -> None:
    """Subscribed to every domain event (WebhooksConfig.ready()); events no resource offers are ignored."""
    try:
        if resource_for_event(event_type) is None:
            return
        targets = subscribers_of(event_type)
        if not targets:
            return
        try:
            deliveries = create_deliveries(event_type, payload, targets)
        except IntegrityError:
            # A subscription deleted in another process within the last seconds: read the routes again.
            forget_routes()
            deliveries = create_deliveries(event_type, payload, subscribers_of(event_type))
        enqueue([d.pk for d in deliveries])
    except Exception:
        log.exception("webhooks: could not queue deliveries of %s", event_type)
