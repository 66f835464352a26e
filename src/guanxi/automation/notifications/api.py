"""REST API of the notification centre: my notifications (cursor paged), marking them read, the unread
count, where each kind reaches me, and my own robots and URLs with a test message. Everything is the
caller's own; another person's notification or channel answers 404."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, paginate
from guanxi.core.api_schemas import CountOut, Id, errors
from guanxi.core.api_schemas import lazy_text as _

from . import selectors, services
from .schemas import (
    ChannelIn,
    ChannelOut,
    ChannelPatch,
    DeliveryOut,
    NotificationOut,
    NotificationQuery,
    PreferencesIn,
    PreferencesOut,
    UnreadCountOut,
)

router = Router(tags=["notifications"])

ORDERING = ["-id"]
CHANNELS = ["notification channels"]


@router.get("/notifications", response={200: PageOut[NotificationOut], **errors(400, 422)},
            summary=_("List my notifications"))
def list_notifications(request, query: Query[NotificationQuery], paging: Query[PageParams]):
    """Newest first; `unread=true` for the unread ones only."""
    return paginate(selectors.notification_list(actor=request.auth, unread_only=query.unread), ORDERING, paging)


@router.get("/notifications/unread-count", response={200: UnreadCountOut, **errors()},
            summary=_("Count my unread notifications"))
def unread_count(request):
    return {"count": selectors.unread_count(actor=request.auth)}


@router.post("/notifications/read-all", response={200: CountOut, **errors(403)},
             summary=_("Mark all my notifications as read"))
def read_all(request):
    """Answers with how many were unread."""
    return {"count": services.notification_mark_all_read(actor=request.auth)}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **errors(403, 404, 422)},
             summary=_("Mark a notification as read"))
def read_one(request, notification_id: Id):
    notification = selectors.notification_get(actor=request.auth, id=notification_id)
    return services.notification_mark_read(actor=request.auth, notification=notification)


def _preferences_out(actor) -> dict[str, Any]:
    return {
        "channels": [{"key": key, "label": label} for key, label in selectors.channel_choices(actor=actor)],
        "kinds": [{"kind": row.kind.key, "label": str(row.kind.label), "description": str(row.kind.description),
                   "channels": row.channels, "is_default": row.is_default}
                  for row in selectors.preference_list(actor=actor)],
    }


@router.get("/notifications/preferences", response={200: PreferencesOut, **errors()},
            summary=_("Where each kind of notification reaches me"))
def get_preferences(request):
    """Every kind with the channels it goes to ("app", "email", "channel:<id>"), and the channels I can choose."""
    return _preferences_out(request.auth)


@router.put("/notifications/preferences", response={200: PreferencesOut, **errors(400, 403, 422)},
            summary=_("Choose where kinds of notification reach me"))
def put_preferences(request, payload: PreferencesIn):
    """Sets the channels of each kind given; kinds left out keep theirs. Choosing exactly a kind's default
    channels makes it follow the default again. Errors are listed under the kind's key."""
    choices = {item.kind: list(item.channels) for item in payload.preferences}
    services.preferences_save(actor=request.auth, choices=choices)
    return _preferences_out(request.auth)


@router.get("/notification-channels", response={200: list[ChannelOut], **errors()}, tags=CHANNELS,
            summary=_("List my notification channels"))
def list_channels(request):
    return list(selectors.channel_list(actor=request.auth))


@router.post("/notification-channels", response={201: ChannelOut, **errors(400, 403, 422)}, tags=CHANNELS,
             summary=_("Add a notification channel"))
def create_channel(request, payload: ChannelIn):
    """A WeCom, DingTalk or Feishu group robot, or any URL (`kind`: wecom, dingtalk, feishu, url). The secret
    signs what is sent: DingTalk and Feishu signing, or the X-Guanxi-Signature header of a URL."""
    return Status(201, services.channel_create(actor=request.auth, data=payload.model_dump()))


@router.get("/notification-channels/{channel_id}", response={200: ChannelOut, **errors(404, 422)}, tags=CHANNELS,
            summary=_("Get a notification channel"))
def get_channel(request, channel_id: Id):
    return selectors.channel_get(actor=request.auth, id=channel_id)


@router.patch("/notification-channels/{channel_id}", response={200: ChannelOut, **errors(400, 403, 404, 422)},
              tags=CHANNELS, summary=_("Change a notification channel"))
def update_channel(request, channel_id: Id, payload: ChannelPatch):
    channel = selectors.channel_get(actor=request.auth, id=channel_id)
    return services.channel_update(actor=request.auth, channel=channel, data=payload.model_dump(exclude_unset=True))


@router.delete("/notification-channels/{channel_id}", response={204: None, **errors(403, 404, 422)},
               tags=CHANNELS, summary=_("Delete a notification channel"))
def delete_channel(request, channel_id: Id):
    """Also removes it from my preferences, with its delivery log."""
    channel = selectors.channel_get(actor=request.auth, id=channel_id)
    services.channel_delete(actor=request.auth, channel=channel)
    return Status(204, None)


@router.post("/notification-channels/{channel_id}/test", response={202: DeliveryOut, **errors(403, 404, 422)},
             tags=CHANNELS, summary=_("Send a test message to a channel"))
def test_channel(request, channel_id: Id):
    """Queues a test message to this channel only; follow its delivery in GET /notification-deliveries."""
    channel = selectors.channel_get(actor=request.auth, id=channel_id)
    return Status(202, services.channel_send_test(actor=request.auth, channel=channel))


@router.get("/notification-deliveries", response={200: PageOut[DeliveryOut], **errors(400, 422)}, tags=CHANNELS,
            summary=_("List messages sent to me by email or my channels"))
def list_deliveries(request, paging: Query[PageParams]):
    """Newest first, with the status, attempts and the receiver's answer or error of each."""
    return paginate(selectors.delivery_list(actor=request.auth), ORDERING, paging)
