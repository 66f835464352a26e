"""REST API of leads (线索): the same selectors and services as the pages."""

from __future__ import annotations

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, as_page, paginate
from guanxi.core.api_schemas import Id, errors, pick, pick_many
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.permissions import require
from guanxi.customers import selectors as customer_selectors

from . import selectors, services
from .choices import ConversionMode
from .filters import LeadFilters
from .schemas import (
    ApplyRulesIn,
    AssignIn,
    BulkIds,
    ConversionCandidatesOut,
    ConversionOut,
    ConvertIn,
    CountOut,
    LeadFollowUpIn,
    LeadFollowUpOut,
    LeadFollowUpPatch,
    LeadIn,
    LeadOut,
    LeadPatch,
    LeadQuery,
    RuleIn,
    RuleOut,
    RulePatch,
)

router = Router()

FOLLOW_UP_ORDERING = ["-occurred_at", "-id"]


def _can_view(request) -> None:
    """Without the right to see leads at all, every lead operation answers 403, not 404."""
    require(request.auth, "leads.view")


def _owner(request, user_id: int | None, field: str = "owner_id"):
    return pick(selectors.lead_owner_choices(actor=request.auth), user_id, field)


# -- leads --


@router.get("/leads", response={200: PageOut[LeadOut], **errors(400, 403, 422)}, tags=["leads"],
            summary=_("List leads"))
def list_leads(request, filters: Query[LeadQuery], paging: Query[PageParams]):
    """The leads in your data scope and the lead pool, filtered and sorted like the lead list page."""
    _can_view(request)
    parsed = LeadFilters.from_query(request.GET)
    page = selectors.lead_page(actor=request.auth, filters=parsed, cursor=paging.cursor or None, limit=paging.limit)
    return as_page(page)


@router.get("/leads/{lead_id}", response={200: LeadOut, **errors(403, 404, 422)}, tags=["leads"],
            summary=_("Get a lead"))
def get_lead(request, lead_id: Id):
    _can_view(request)
    return selectors.lead_get(actor=request.auth, id=lead_id)


@router.post("/leads", response={201: LeadOut, **errors(400, 403, 409, 422)}, tags=["leads"],
             summary=_("Create a lead"))
def create_lead(request, payload: LeadIn):
    """Without `owner_id` the assignment rules give the lead to a seller, or it waits in the lead pool.
    A possible duplicate answers 409 `possible_duplicate` until sent again with `confirmed`."""
    require(request.auth, "leads.create")
    data = payload.model_dump()
    custom, confirmed = data.pop("custom"), data.pop("confirmed")
    owner_id = data.pop("owner_id")
    if owner_id is not None:
        if owner_id != request.auth.pk:
            # No right to hand leads to others at all answers 403 before the owner is looked at.
            require(request.auth, "leads.assign")
        data["owner"] = _owner(request, owner_id)
    lead = services.lead_create(actor=request.auth, data=data, custom=custom, confirmed=confirmed)
    if not selectors.lead_list(actor=request.auth).filter(pk=lead.pk).exists():
        # The rules gave it to a seller out of the creator's reach: the creator still learns what
        # was saved and who got it, though reading it again will answer 404.
        return Status(201, lead)
    return Status(201, selectors.lead_get(actor=request.auth, id=lead.pk))


@router.patch("/leads/{lead_id}", response={200: LeadOut, **errors(400, 403, 404, 409, 422)}, tags=["leads"],
              summary=_("Update a lead"))
def update_lead(request, lead_id: Id, payload: LeadPatch):
    """Send `version` from your last read to get 409 instead of overwriting someone else's edit."""
    _can_view(request)
    lead = selectors.lead_get(actor=request.auth, id=lead_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    custom = data.pop("custom", None)
    services.lead_update(actor=request.auth, lead=lead, data=data, custom=custom, expected_version=version)
    return selectors.lead_get(actor=request.auth, id=lead.pk)


@router.delete("/leads/{lead_id}", response={204: None, **errors(400, 403, 404, 422)}, tags=["leads"],
               summary=_("Delete a lead"))
def delete_lead(request, lead_id: Id):
    """Moves the lead to the recycle bin; POST …/restore brings it back. Converted leads are kept."""
    _can_view(request)
    lead = selectors.lead_get(actor=request.auth, id=lead_id)
    services.lead_delete(actor=request.auth, lead=lead)
    return Status(204, None)


@router.post("/leads/{lead_id}/restore", response={200: LeadOut, **errors(403, 404, 422)}, tags=["leads"],
             summary=_("Restore a deleted lead"))
def restore_lead(request, lead_id: Id):
    _can_view(request)
    lead = selectors.lead_deleted_get(actor=request.auth, id=lead_id)
    services.lead_restore(actor=request.auth, lead=lead)
    return selectors.lead_get(actor=request.auth, id=lead.pk)


@router.post("/leads/bulk/delete", response={200: CountOut, **errors(400, 403, 404, 422)}, tags=["leads"],
             summary=_("Delete leads"))
def bulk_delete(request, payload: BulkIds):
    return {"count": services.lead_bulk_delete(actor=request.auth, ids=payload.ids)}


# -- who works a lead --


@router.post("/leads/{lead_id}/claim", response={200: LeadOut, **errors(400, 403, 404, 409, 422)},
             tags=["leads"], summary=_("Claim a lead from the pool"))
def claim_lead(request, lead_id: Id):
    """The first to claim an unowned lead gets it; anyone later gets 409 `already_claimed`."""
    _can_view(request)
    lead = selectors.lead_get(actor=request.auth, id=lead_id)
    services.lead_claim(actor=request.auth, lead=lead)
    return selectors.lead_get(actor=request.auth, id=lead.pk)


@router.post("/leads/bulk/assign", response={200: CountOut, **errors(400, 403, 404, 422)}, tags=["leads"],
             summary=_("Assign leads to a seller"))
def assign_leads(request, payload: AssignIn):
    """Up to 1,000 ids; if any is missing or out of your reach, nothing changes (404)."""
    require(request.auth, "leads.assign")
    owner = _owner(request, payload.owner_id)
    return {"count": services.lead_assign(actor=request.auth, ids=payload.ids, owner=owner)}


@router.post("/leads/bulk/apply-rules", response={200: CountOut, **errors(400, 403, 422)}, tags=["leads"],
             summary=_("Run the assignment rules over the lead pool"))
def apply_rules(request, payload: ApplyRulesIn):
    return {"count": services.lead_apply_rules(actor=request.auth, ids=payload.ids)}


# -- conversion --


@router.get("/leads/{lead_id}/conversion-candidates", response={200: ConversionCandidatesOut,
                                                                 **errors(403, 404, 422)},
            tags=["leads"], summary=_("Customers that may already be this lead's"))
def conversion_candidates(request, lead_id: Id):
    """Customers you can see with the same phone, email or name (attach the lead to one with
    `attach_to_customer`), and who follows the matching customers you cannot see."""
    require(request.auth, "leads.convert")
    lead = selectors.lead_get(actor=request.auth, id=lead_id)
    found = selectors.lead_conversion_candidates(actor=request.auth, lead=lead)
    return {"customers": found.customers,
            "hidden": [{"kind": c.kind, "followed_by": c.followed_by, "reason": c.reason} for c in found.hidden]}


@router.post("/leads/{lead_id}/convert", response={200: ConversionOut, **errors(400, 403, 404, 409, 422)},
             tags=["leads"], summary=_("Convert a lead into a customer"))
def convert_lead(request, lead_id: Id, payload: ConvertIn):
    """A qualified lead becomes a new customer and contact, or is attached to `attach_to_customer`
    (adding the contact unless `create_contact` is false); `opportunity` also opens one. Its
    follow-ups are carried over to the customer. Everything or nothing is saved."""
    require(request.auth, "leads.convert")
    lead = selectors.lead_get(actor=request.auth, id=lead_id)
    customer, mode = None, ConversionMode.NEW_CUSTOMER
    if payload.attach_to_customer is not None:
        customer = pick(customer_selectors.customer_list(actor=request.auth), payload.attach_to_customer,
                        "attach_to_customer")
        mode = ConversionMode.ATTACH_CONTACT if payload.create_contact else ConversionMode.ATTACH_LINK
    result = services.lead_convert(
        actor=request.auth, lead=lead, mode=mode, customer=customer,
        customer_data=payload.customer.model_dump(exclude_unset=True) if payload.customer else None,
        opportunity=payload.opportunity.model_dump(exclude_unset=True) if payload.opportunity else None,
        expected_version=payload.version, confirmed=payload.confirmed)
    return {"lead": selectors.lead_get(actor=request.auth, id=lead.pk), "customer": result.customer,
            "contact": result.contact, "opportunity": result.opportunity, "follow_ups": result.follow_ups}


# -- follow-ups --


@router.get("/leads/{lead_id}/follow-ups", response={200: PageOut[LeadFollowUpOut], **errors(400, 403, 404, 422)},
            tags=["leads"], summary=_("List a lead's follow-ups"))
def list_follow_ups(request, lead_id: Id, paging: Query[PageParams]):
    _can_view(request)
    lead = selectors.lead_get(actor=request.auth, id=lead_id)
    return paginate(selectors.lead_follow_ups(actor=request.auth, lead=lead), FOLLOW_UP_ORDERING, paging)


@router.post("/leads/{lead_id}/follow-ups", response={201: LeadFollowUpOut, **errors(400, 403, 404, 422)},
             tags=["leads"], summary=_("Log a follow-up on a lead"))
def create_follow_up(request, lead_id: Id, payload: LeadFollowUpIn):
    """Also moves the lead's last-contacted time and next follow-up, and a new lead to contacting."""
    _can_view(request)
    lead = selectors.lead_get(actor=request.auth, id=lead_id)
    follow_up = services.lead_follow_up_create(actor=request.auth, lead=lead,
                                               data=payload.model_dump(exclude_none=True))
    return Status(201, selectors.lead_follow_up_get(actor=request.auth, id=follow_up.pk))


@router.patch("/lead-follow-ups/{follow_up_id}", response={200: LeadFollowUpOut, **errors(400, 403, 404, 422)},
              tags=["leads"], summary=_("Update a lead follow-up"))
def update_follow_up(request, follow_up_id: Id, payload: LeadFollowUpPatch):
    _can_view(request)
    follow_up = selectors.lead_follow_up_get(actor=request.auth, id=follow_up_id)
    services.lead_follow_up_update(actor=request.auth, follow_up=follow_up, data=payload.model_dump(exclude_unset=True))
    return selectors.lead_follow_up_get(actor=request.auth, id=follow_up.pk)


@router.delete("/lead-follow-ups/{follow_up_id}", response={204: None, **errors(400, 403, 404, 422)},
               tags=["leads"], summary=_("Delete a lead follow-up"))
def delete_follow_up(request, follow_up_id: Id):
    _can_view(request)
    follow_up = selectors.lead_follow_up_get(actor=request.auth, id=follow_up_id)
    services.lead_follow_up_delete(actor=request.auth, follow_up=follow_up)
    return Status(204, None)


# -- assignment rules --


def _members(request, ids: list[int]) -> list:
    return pick_many(selectors.lead_owner_choices(actor=request.auth), ids, "member_ids")


@router.get("/lead-rules", response={200: list[RuleOut], **errors(403)}, tags=["lead rules"],
            summary=_("List the lead assignment rules"))
def list_rules(request):
    return list(selectors.rule_list(actor=request.auth))


@router.get("/lead-rules/{rule_id}", response={200: RuleOut, **errors(403, 404, 422)}, tags=["lead rules"],
            summary=_("Get a lead assignment rule"))
def get_rule(request, rule_id: Id):
    return selectors.rule_get(actor=request.auth, id=rule_id)


@router.post("/lead-rules", response={201: RuleOut, **errors(400, 403, 422)}, tags=["lead rules"],
             summary=_("Create a lead assignment rule"))
def create_rule(request, payload: RuleIn):
    """Leads matching `sources` and `regions` (empty: any) go to `member_ids` in turn."""
    require(request.auth, "leads.assign")
    data = payload.model_dump()
    members = _members(request, data.pop("member_ids"))
    rule = services.rule_create(actor=request.auth, data=data, members=members)
    return Status(201, selectors.rule_get(actor=request.auth, id=rule.pk))


@router.patch("/lead-rules/{rule_id}", response={200: RuleOut, **errors(400, 403, 404, 409, 422)},
              tags=["lead rules"], summary=_("Update a lead assignment rule"))
def update_rule(request, rule_id: Id, payload: RulePatch):
    rule = selectors.rule_get(actor=request.auth, id=rule_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    member_ids = data.pop("member_ids", None)
    members = _members(request, member_ids) if member_ids is not None else None
    services.rule_update(actor=request.auth, rule=rule, data=data, members=members, expected_version=version)
    return selectors.rule_get(actor=request.auth, id=rule.pk)


@router.delete("/lead-rules/{rule_id}", response={204: None, **errors(403, 404, 422)}, tags=["lead rules"],
               summary=_("Delete a lead assignment rule"))
def delete_rule(request, rule_id: Id):
    rule = selectors.rule_get(actor=request.auth, id=rule_id)
    services.rule_delete(actor=request.auth, rule=rule)
    return Status(204, None)
