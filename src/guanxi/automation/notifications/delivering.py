"""Sending one logged delivery, as the background worker does: claim it, send it in the recipient's
language, record how it went, and ask for another try while a later attempt could still succeed.

A delivery is claimed with a conditional UPDATE on its status and attempt count, so a task delivered
twice never sends past the limit, and a sent or failed delivery is never sent again.
"""

from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import channels, mail
from .channels import Message, Outcome
from .choices import DeliveryStatus
from .models import Delivery
from .registry import EMAIL, TEST_KIND
from .rendering import absolute_link, language_of

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class DeliveryFailed(Exception):
    """The attempt failed and another one may succeed: the task queue tries again later."""


def _claim(delivery_id: int) -> Delivery | None:
    claimed = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING,
                                      attempts__lt=MAX_ATTEMPTS).update(attempts=F("attempts") + 1)
    if not claimed:
        return None
    return Delivery.objects.select_related("recipient", "target", "content_type").get(pk=delivery_id)


def message_of(delivery: Delivery, language: str) -> Message:
    record = None
    if delivery.content_type is not None and delivery.object_id is not None:
        record = {"type": f"{delivery.content_type.app_label}.{delivery.content_type.model}", "id": delivery.object_id}
    return Message(kind=delivery.kind, title=delivery.title, body=delivery.body, link=absolute_link(delivery.url),
                   language=language, created_at=delivery.created_at, record=record)


def _send(delivery: Delivery, message: Message) -> Outcome:
    # What changed since the notification was queued is honoured: a deactivated account, a channel turned off.
    if not delivery.recipient.is_active:
        return Outcome(False, None, _("The account is deactivated."), retry=False, skipped=True)
    if delivery.channel == EMAIL:
        return mail.send_email(delivery.recipient, message)
    if delivery.target is None:
        return Outcome(False, None, _("The channel no longer exists."), retry=False)
    if not delivery.target.is_active and delivery.kind != TEST_KIND:
        return Outcome(False, None, _("The channel is turned off."), retry=False, skipped=True)
    return channels.send(delivery.target, message)


def delivery_attempt(delivery_id: int) -> None:
    """One attempt; raises DeliveryFailed when it failed and attempts remain."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return
    language = language_of(delivery.recipient)
    with translation.override(language):
        try:
            outcome = _send(delivery, message_of(delivery, language))
        except Exception as exc:
            # A bug in a sender is logged and retried like a failure of the receiver, never lost silently.
            log.exception("delivery %s failed", delivery.pk)
            outcome = Outcome(False, None, channels.excerpt(f"{exc.__class__.__name__}: {exc}"))
    delivery.status_code = outcome.status_code
    delivery.detail = outcome.detail
    fields = ["status_code", "detail"]
    if outcome.ok:
        delivery.status = DeliveryStatus.SENT
    elif outcome.skipped:
        delivery.status = DeliveryStatus.SKIPPED
    elif outcome.retry and delivery.attempts < MAX_ATTEMPTS:
        delivery.save(update_fields=fields)
        raise DeliveryFailed(f"delivery {delivery.pk} attempt {delivery.attempts}: {outcome.detail}")
    else:
        delivery.status = DeliveryStatus.FAILED
    delivery.finished_at = timezone.now()
    delivery.save(update_fields=[*fields, "status", "finished_at"])
