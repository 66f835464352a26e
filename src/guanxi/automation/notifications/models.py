"""Notifications (通知) a person reads in the app, the channels they chose per kind, their own robots
and URLs, and the log of every message sent outside the app."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import ChannelKind, DeliveryStatus

MAX_TITLE = 200
MAX_BODY = 10_000
MAX_URL = 1000
MAX_DETAIL = 300


class Notification(models.Model):
    """One message in a person's notification centre, in their language, linking to the record it is about."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="+", db_index=False)
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(pgettext_lazy("notification", "title"), max_length=MAX_TITLE)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=MAX_URL, blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", db_index=False)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            # "mine, newest first", paged by id.
            models.Index(fields=["recipient", "-id"], name="notification_mine"),
            # "my unread, newest first" and the bell's unread count.
            models.Index(fields=["recipient", "read_at", "-id"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Preference(models.Model):
    """Where one kind of notification reaches one person; without a row, the kind's default channels."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+", db_index=False)
    kind = models.CharField(_("kind"), max_length=64)
    # Channel keys: "app", "email", "channel:<id>" of one of the user's own channels.
    channels = models.JSONField(_("channels"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {', '.join(self.channels)}"


class Channel(models.Model):
    """A person's own group robot (WeCom, DingTalk, Feishu) or URL that their notifications may go to."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE,
                              related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=80)
    url = models.CharField(_("webhook address"), max_length=500)
    # Signs what is sent (DingTalk and Feishu signing, X-Guanxi-Signature for a URL); never shown again.
    secret = models.CharField(_("secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        return channel_key(self.pk)


def channel_key(channel_id: int) -> str:
    return f"channel:{channel_id}"


class Delivery(models.Model):
    """One message sent to one person by email or one of their channels: what it said, and how it went."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="+", db_index=False)
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="deliveries")
    # "email" or "channel:<id>"; `target` is that channel.
    channel = models.CharField(_("channel"), max_length=40)
    target = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    # What is sent, already in the recipient's language: there may be no in-app notification to read it from.
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(pgettext_lazy("notification", "title"), max_length=MAX_TITLE)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=MAX_URL, blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", db_index=False)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The HTTP status of a robot or URL, or the SMTP reply code.
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    # The start of the answer, or the error, of the last attempt.
    detail = models.CharField(_("detail"), max_length=MAX_DETAIL, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "-id"], name="delivery_mine")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.title}"
