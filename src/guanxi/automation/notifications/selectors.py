"""Reads of the notification centre. Everything here belongs to one person: another person's
notification, channel or delivery answers as missing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFound

from .models import Channel, Delivery, Notification, Preference
from .registry import APP, EMAIL, NotificationKind, choosable_kinds

# The bell says "99+" past this; counting further costs a scan and says nothing more.
BELL_LIMIT = 99


def notification_list(*, actor, unread_only: bool = False) -> QuerySet[Notification]:
    """My notifications; page them by ["-id"]."""
    notifications = Notification.objects.filter(recipient_id=actor.pk).select_related("actor")
    return notifications.filter(read_at__isnull=True) if unread_only else notifications


def notification_get(*, actor, id: int) -> Notification:
    notification = Notification.objects.filter(pk=id, recipient_id=actor.pk).first()
    if notification is None:
        raise NotFound()
    return notification


def unread_count(*, actor, limit: int | None = None) -> int:
    """How many of my notifications are unread; with `limit`, counted no further than limit + 1."""
    unread = Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True)
    if limit is None:
        return unread.count()
    return unread.order_by().values("pk")[: limit + 1].count()


def bell_label(count: int) -> str:
    return f"{BELL_LIMIT}+" if count > BELL_LIMIT else str(count)


def channel_list(*, actor, active_only: bool = False) -> QuerySet[Channel]:
    channels = Channel.objects.filter(owner_id=actor.pk)
    return channels.filter(is_active=True) if active_only else channels


def channel_get(*, actor, id: int) -> Channel:
    channel = Channel.objects.filter(pk=id, owner_id=actor.pk).first()
    if channel is None:
        raise NotFound()
    return channel


def delivery_list(*, actor, channel: Channel | None = None) -> QuerySet[Delivery]:
    """Messages sent to me outside the app, newest first; page them by ["-id"]."""
    deliveries = Delivery.objects.filter(recipient_id=actor.pk).select_related("target")
    return deliveries.filter(target=channel) if channel is not None else deliveries


def channel_choices(*, actor) -> list[tuple[str, str]]:
    """The channels a person can choose per kind: in the app, email, and their active channels."""
    return [(APP, _("In the app")), (EMAIL, _("Email")),
            *((c.key, c.name) for c in channel_list(actor=actor, active_only=True))]


@dataclass(frozen=True)
class KindChoice:
    """One kind of notification and the channels a person has it go to."""

    kind: NotificationKind
    channels: list[str]
    is_default: bool


def preference_list(*, actor) -> list[KindChoice]:
    """Every kind a person may set, with their choice or, without one, the kind's default."""
    stored = dict(Preference.objects.filter(user_id=actor.pk).values_list("kind", "channels"))
    rows = []
    for kind in choosable_kinds():
        chosen = stored.get(kind.key)
        rows.append(KindChoice(kind=kind, channels=list(kind.default_channels if chosen is None else chosen),
                               is_default=chosen is None))
    return rows
