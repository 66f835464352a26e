"""REST API of follow-ups (跟进记录) and the customer timeline: the same selectors and services as the pages."""

from __future__ import annotations

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, paginate
from guanxi.core.api_schemas import Id, errors, pick
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.permissions import require
from guanxi.core.text import mask_email, mask_phone
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.masking import can_see_sensitive

from . import selectors, services
from .schemas import FollowUpIn, FollowUpOut, FollowUpPatch, FollowUpQuery, TimelineEntryOut, TimelineQuery

router = Router()

FOLLOW_UP_ORDERING = ["-occurred_at", "-id"]
# Audited changes of these fields carry phones and emails, masked like the record itself.
SENSITIVE_CHANGES = {"phone": mask_phone, "mobile": mask_phone, "email": mask_email}


def _contact(request, contact_id: int | None):
    if contact_id is None:
        return None
    return pick(customer_selectors.contact_list(actor=request.auth), contact_id, "contact_id")


@router.get("/follow-ups", response={200: PageOut[FollowUpOut], **errors(400, 403, 404, 422)}, tags=["follow-ups"],
            summary=_("List follow-ups"))
def list_follow_ups(request, filters: Query[FollowUpQuery], paging: Query[PageParams]):
    """Newest first, on the customers in your data scope."""
    require(request.auth, "activities.view")
    customer = (customer_selectors.customer_get(actor=request.auth, id=filters.customer)
                if filters.customer else None)
    qs = selectors.follow_up_list(actor=request.auth, customer=customer, kind=filters.kind or "",
                                  author_id=filters.author)
    return paginate(qs, FOLLOW_UP_ORDERING, paging)


@router.get("/follow-ups/{follow_up_id}", response={200: FollowUpOut, **errors(403, 404, 422)},
            tags=["follow-ups"], summary=_("Get a follow-up"))
def get_follow_up(request, follow_up_id: Id):
    require(request.auth, "activities.view")
    return selectors.follow_up_get(actor=request.auth, id=follow_up_id)


@router.post("/follow-ups", response={201: FollowUpOut, **errors(400, 403, 404, 422)}, tags=["follow-ups"],
             summary=_("Log a follow-up"))
def create_follow_up(request, payload: FollowUpIn):
    """Also moves the customer's last-contacted time and next follow-up."""
    require(request.auth, "activities.create")
    customer = customer_selectors.customer_get(actor=request.auth, id=payload.customer_id)
    data = payload.model_dump(exclude={"customer_id", "contact_id"}, exclude_none=True)
    if payload.contact_id is not None:
        data["contact"] = _contact(request, payload.contact_id)
    follow_up = services.follow_up_create(actor=request.auth, customer=customer, data=data)
    return Status(201, selectors.follow_up_get(actor=request.auth, id=follow_up.pk))


@router.patch("/follow-ups/{follow_up_id}", response={200: FollowUpOut, **errors(400, 403, 404, 422)},
              tags=["follow-ups"], summary=_("Update a follow-up"))
def update_follow_up(request, follow_up_id: Id, payload: FollowUpPatch):
    """Authors edit their own follow-ups; anyone else needs the right to edit follow-ups."""
    require(request.auth, "activities.view")
    follow_up = selectors.follow_up_get(actor=request.auth, id=follow_up_id)
    data = payload.model_dump(exclude_unset=True)
    if "contact_id" in data:
        data["contact"] = _contact(request, data.pop("contact_id"))
    services.follow_up_update(actor=request.auth, follow_up=follow_up, data=data)
    return selectors.follow_up_get(actor=request.auth, id=follow_up.pk)


@router.delete("/follow-ups/{follow_up_id}", response={204: None, **errors(403, 404, 422)}, tags=["follow-ups"],
               summary=_("Delete a follow-up"))
def delete_follow_up(request, follow_up_id: Id):
    require(request.auth, "activities.view")
    follow_up = selectors.follow_up_get(actor=request.auth, id=follow_up_id)
    services.follow_up_delete(actor=request.auth, follow_up=follow_up)
    return Status(204, None)


def _masked(changes: dict, sensitive: bool) -> dict:
    if sensitive:
        return changes
    out = dict(changes)
    for field, mask in SENSITIVE_CHANGES.items():
        pair = out.get(field)
        if isinstance(pair, list):
            out[field] = [mask(v) if isinstance(v, str) and v else v for v in pair]
    return out


@router.get("/customers/{customer_id}/timeline", response={200: list[TimelineEntryOut], **errors(403, 404, 422)},
            tags=["customers"], summary=_("A customer's timeline"))
def customer_timeline(request, customer_id: Id, query: Query[TimelineQuery]):
    """Follow-ups and audited changes of the customer and its contacts, newest first."""
    require(request.auth, "customers.view")
    customer = customer_selectors.customer_get(actor=request.auth, id=customer_id)
    sensitive = can_see_sensitive(request.auth)
    out = []
    for entry in selectors.customer_timeline(actor=request.auth, customer=customer, limit=query.limit):
        if entry.kind == "follow_up":
            out.append({"at": entry.at, "kind": "follow_up", "follow_up": entry.item})
        else:
            event = entry.item
            out.append({"at": entry.at, "kind": "audit", "change": {
                "action": event.action, "actor": event.actor, "record": event.object_repr,
                "changes": _masked(event.changes, sensitive),
            }})
    return out
