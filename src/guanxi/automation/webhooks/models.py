"""Outgoing webhooks: subscriptions (Webhook 订阅) that receive events, and the log of every delivery."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import DeliveryStatus

MAX_URL = 500
MAX_EXCERPT = 1000


class Subscription(models.Model):
    """A receiver of webhooks: the URL events are POSTed to, the events it wants, and the secret that signs
    them. Company-wide: whoever configures webhooks sees and edits every subscription."""

    name = models.CharField(_("name"), max_length=80)
    target_url = models.CharField(_("target URL"), max_length=MAX_URL)
    secret = models.CharField(_("signing secret"), max_length=100)
    event_types = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One event sent (or to be sent) to one subscription: the body, each attempt's outcome, and when the
    next attempt is due. The body is fixed by the first attempt, so retries and replays send the same bytes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(_("event"), max_length=80)
    event_payload = models.JSONField(_("event as emitted"), default=dict, encoder=DjangoJSONEncoder)
    request_body = models.TextField(_("request body"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_excerpt = models.TextField(_("response"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # The delivery log of a subscription, newest first (keyset paging on the id).
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_log"),
            # The sweep that re-queues deliveries whose worker or scheduled retry was lost.
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)
