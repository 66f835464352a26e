"""Writes of webhooks: subscriptions (create, edit, delete, a new secret), a test event, and replaying a
delivery from the log. Each needs the right to configure webhooks and is audited (never with the secret)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit
from guanxi.core.errors import DomainError
from guanxi.core.permissions import require

from . import errors
from .delivery import dumps
from .dispatch import enqueue, forget_routes
from .models import MAX_URL, Delivery, Subscription
from .registry import ALL_EVENTS, TEST_EVENT, event_type_choices
from .signing import new_secret

MANAGE = "automation.manage_webhooks"
FIELDS = ["name", "target_url", "event_types", "is_active"]
MAX_NAME = 80
MAX_EVENT_TYPES = 200


def _invalid(problems: dict[str, list[str]]) -> DomainError:
    return DomainError(errors.INVALID, _("Please correct the errors below."), problems)


def _sendable(url: str) -> bool:
    if any(c.isspace() or ord(c) < 32 for c in url):
        return False
    try:
        parts = urlsplit(url)
        if parts.port is not None and not 0 < parts.port < 65536:
            return False
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def clean_target_url(value: Any, problems: dict[str, list[str]]) -> str:
    """An absolute http(s) URL with a host; what httpx could not send to is refused here, not at send time."""
    url = value.strip() if isinstance(value, str) else ""
    if not url:
        problems.setdefault("target_url", []).append(_("Enter the URL the events are sent to."))
    elif len(url) > MAX_URL:
        problems.setdefault("target_url", []).append(_("At most %(n)d characters.") % {"n": MAX_URL})
    elif not _sendable(url):
        problems.setdefault("target_url", []).append(
            _("Enter a full web address starting with http:// or https://, e.g. https://example.com/hooks."))
    return url


def clean_event_types(value: Any, problems: dict[str, list[str]], *, kept: list[str] | None = None) -> list[str]:
    """The chosen events, each once; "*" (all events) stands alone. Events a subscription already had stay
    allowed even if their app no longer offers them, so editing its name does not fail."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        problems.setdefault("event_types", []).append(_("Choose the events to send."))
        return []
    chosen = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if not chosen:
        problems.setdefault("event_types", []).append(_("Choose at least one event to send."))
        return []
    if len(chosen) > MAX_EVENT_TYPES:
        problems.setdefault("event_types", []).append(_("Choose at most %(n)d events.") % {"n": MAX_EVENT_TYPES})
        return []
    offered = {key for key, _label in event_type_choices()} | set(kept or ())
    unknown = [v for v in chosen if v not in offered]
    if unknown:
        problems.setdefault("event_types", []).append(
            _("These events cannot be subscribed to: %(events)s") % {"events": ", ".join(unknown[:10])[:300]})
        return []
    return [ALL_EVENTS] if ALL_EVENTS in chosen else chosen


def _clean(subscription: Subscription, problems: dict[str, list[str]], *, kept: list[str] | None = None) -> None:
    subscription.name = subscription.name.strip() if isinstance(subscription.name, str) else ""
    if not subscription.name:
        problems.setdefault("name", []).append(_("Give the webhook a name."))
    elif len(subscription.name) > MAX_NAME:
        problems.setdefault("name", []).append(_("At most %(n)d characters.") % {"n": MAX_NAME})
    subscription.target_url = clean_target_url(subscription.target_url, problems)
    subscription.event_types = clean_event_types(subscription.event_types, problems, kept=kept)
    if not isinstance(subscription.is_active, bool):
        problems.setdefault("is_active", []).append(_("Choose yes or no."))


def _summary(subscription: Subscription) -> dict[str, Any]:
    return {name: getattr(subscription, name) for name in FIELDS}


def _routes_changed() -> None:
    # Now for this process (and this transaction's own events), and again once the change is visible to all.
    forget_routes()
    transaction.on_commit(forget_routes)


def subscription_create(*, actor, data: dict[str, Any]) -> Subscription:
    """`data`: name, target_url, event_types (event names or "*"), is_active. A signing secret is generated."""
    require(actor, MANAGE)
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise DomainError(errors.INVALID, _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    subscription = Subscription(name=data.get("name") or "", target_url=data.get("target_url") or "",
                                event_types=data.get("event_types"), is_active=data.get("is_active", True),
                                secret=new_secret(), created_by=actor if getattr(actor, "pk", None) else None)
    problems: dict[str, list[str]] = {}
    _clean(subscription, problems)
    if problems:
        raise _invalid(problems)
    with transaction.atomic():
        subscription.save()
        audit.record(actor, "webhook.created", subscription, audit.diff({}, _summary(subscription)))
    _routes_changed()
    return subscription


def subscription_update(*, actor, subscription: Subscription, data: dict[str, Any]) -> Subscription:
    """Change any of name, target_url, event_types, is_active; deliveries already queued are sent as they are."""
    require(actor, MANAGE)
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise DomainError(errors.INVALID,
                          _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = _summary(subscription)
    for name, value in data.items():
        setattr(subscription, name, value)
    problems: dict[str, list[str]] = {}
    _clean(subscription, problems, kept=before["event_types"])
    if problems:
        for name, value in before.items():
            setattr(subscription, name, value)
        raise _invalid(problems)
    changes = audit.diff(before, _summary(subscription))
    if not changes:
        return subscription
    with transaction.atomic():
        subscription.save(update_fields=[*changes, "updated_at"])
        audit.record(actor, "webhook.updated", subscription, changes)
    _routes_changed()
    return subscription


def subscription_delete(*, actor, subscription: Subscription) -> None:
    """The subscription and its delivery log go; deliveries still queued find nothing to send."""
    require(actor, MANAGE)
    with transaction.atomic():
        audit.record(actor, "webhook.deleted", subscription, {"name": [subscription.name, None]})
        subscription.delete()
    _routes_changed()


def subscription_regenerate_secret(*, actor, subscription: Subscription) -> Subscription:
    """A new signing secret; the old one stops working at once, including for retries still to come."""
    require(actor, MANAGE)
    subscription.secret = new_secret()
    with transaction.atomic():
        subscription.save(update_fields=["secret", "updated_at"])
        audit.record(actor, "webhook.secret_regenerated", subscription)
    return subscription


def webhook_send_test(*, actor, subscription: Subscription) -> Delivery:
    """Send a "webhook.test" event describing the subscription itself, to check the receiver and signature."""
    require(actor, MANAGE)
    now = timezone.now()
    delivery = Delivery(subscription=subscription, event_type=TEST_EVENT, next_attempt_at=now, created_at=now)
    data = {"id": subscription.pk, "name": subscription.name, "target_url": subscription.target_url,
            "event_types": subscription.event_types}
    delivery.event_payload = {"id": subscription.pk}
    delivery.request_body = dumps({"id": str(delivery.uuid), "event": TEST_EVENT, "occurred_at": now,
                                   "data": data}).decode()
    with transaction.atomic():
        delivery.save()
        audit.record(actor, "webhook.tested", subscription, extra={"delivery": str(delivery.uuid)})
        enqueue([delivery.pk])
    return delivery


def delivery_replay(*, actor, delivery: Delivery) -> Delivery:
    """Send the body of an earlier delivery again, as a new delivery (its own id, attempts and log line)."""
    require(actor, MANAGE)
    if not delivery.request_body:
        raise DomainError(errors.NOT_SENT, _("This delivery has not been sent yet, so there is nothing to replay."))
    now = timezone.now()
    replay = Delivery(subscription_id=delivery.subscription_id, event_type=delivery.event_type,
                      event_payload=delivery.event_payload, request_body=delivery.request_body, replay_of=delivery,
                      next_attempt_at=now, created_at=now)
    with transaction.atomic():
        replay.save()
        audit.record(actor, "webhook.replayed", delivery.subscription,
                     extra={"delivery": str(delivery.uuid), "replay": str(replay.uuid)})
        enqueue([replay.pk])
    return replay
