"""REST API of webhooks: subscriptions, their signing secret, a test event, the delivery log and replays.
The same selectors and services as the pages; everything needs the right to configure webhooks (403)."""

from __future__ import annotations

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, as_page
from guanxi.core.api_schemas import Id, errors
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.permissions import require

from . import selectors, services
from .registry import event_type_choices
from .schemas import (
    DeliveryOut,
    EventTypeOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
    SubscriptionSecretOut,
)

router = Router(tags=["webhooks"])

MANAGE = selectors.MANAGE


@router.get("/webhook-event-types", response={200: list[EventTypeOut], **errors(403)},
            summary=_("List the events webhooks can send"))
def list_event_types(request):
    """"*" stands for every event, including those offered later."""
    require(request.auth, MANAGE)
    return [{"event_type": key, "label": label} for key, label in event_type_choices()]


@router.get("/webhooks", response={200: list[SubscriptionOut], **errors(403)}, summary=_("List webhooks"))
def list_webhooks(request):
    return list(selectors.subscription_list(actor=request.auth))


@router.post("/webhooks", response={201: SubscriptionSecretOut, **errors(400, 403, 422)},
             summary=_("Create a webhook"))
def create_webhook(request, payload: SubscriptionIn):
    """Answers with the signing secret; GET never shows it again (POST /webhooks/{id}/secret renews it)."""
    subscription = services.subscription_create(actor=request.auth, data=payload.model_dump())
    return Status(201, subscription)


@router.get("/webhooks/{webhook_id}", response={200: SubscriptionOut, **errors(403, 404, 422)},
            summary=_("Get a webhook"))
def get_webhook(request, webhook_id: Id):
    return selectors.subscription_get(actor=request.auth, id=webhook_id)


@router.patch("/webhooks/{webhook_id}", response={200: SubscriptionOut, **errors(400, 403, 404, 422)},
              summary=_("Update a webhook"))
def update_webhook(request, webhook_id: Id, payload: SubscriptionPatch):
    """Deliveries already queued are sent as they were; new events follow the change."""
    subscription = selectors.subscription_get(actor=request.auth, id=webhook_id)
    services.subscription_update(actor=request.auth, subscription=subscription,
                                 data=payload.model_dump(exclude_unset=True))
    return selectors.subscription_get(actor=request.auth, id=webhook_id)


@router.delete("/webhooks/{webhook_id}", response={204: None, **errors(403, 404, 422)},
               summary=_("Delete a webhook"))
def delete_webhook(request, webhook_id: Id):
    """Its delivery log goes with it."""
    services.subscription_delete(actor=request.auth,
                                 subscription=selectors.subscription_get(actor=request.auth, id=webhook_id))
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/secret", response={200: SubscriptionSecretOut, **errors(403, 404, 422)},
             summary=_("Renew the signing secret of a webhook"))
def regenerate_secret(request, webhook_id: Id):
    """The old secret stops working at once, for retries still to come as well."""
    subscription = selectors.subscription_get(actor=request.auth, id=webhook_id)
    return services.subscription_regenerate_secret(actor=request.auth, subscription=subscription)


@router.post("/webhooks/{webhook_id}/test", response={202: DeliveryOut, **errors(403, 404, 422)},
             summary=_("Send a test event"))
def send_test(request, webhook_id: Id):
    """Queues a "webhook.test" event describing the webhook; follow it in GET /webhooks/{id}/deliveries."""
    subscription = selectors.subscription_get(actor=request.auth, id=webhook_id)
    delivery = services.webhook_send_test(actor=request.auth, subscription=subscription)
    return Status(202, selectors.delivery_get(actor=request.auth, id=delivery.pk))


@router.get("/webhooks/{webhook_id}/deliveries", response={200: PageOut[DeliveryOut], **errors(400, 403, 404, 422)},
            summary=_("List the deliveries of a webhook"))
def list_deliveries(request, webhook_id: Id, paging: Query[PageParams]):
    """Newest first, with the receiver's answer to the last attempt of each."""
    subscription = selectors.subscription_get(actor=request.auth, id=webhook_id)
    return as_page(selectors.delivery_page(actor=request.auth, subscription=subscription,
                                           cursor=paging.cursor or None, limit=paging.limit))


@router.post("/webhook-deliveries/{delivery_id}/replay", response={202: DeliveryOut, **errors(400, 403, 404, 422)},
             summary=_("Replay a delivery"))
def replay_delivery(request, delivery_id: Id):
    """Sends the same body again as a new delivery (a new X-Guanxi-Delivery id, signed anew). 400 `not_sent`
    when the delivery has not been attempted yet."""
    delivery = selectors.delivery_get(actor=request.auth, id=delivery_id)
    replay = services.delivery_replay(actor=request.auth, delivery=delivery)
    return Status(202, selectors.delivery_get(actor=request.auth, id=replay.pk))
