"""REST API of customers, contacts, tags and customer teams: the same selectors and services as the pages."""

from __future__ import annotations

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, as_page, paginate
from guanxi.core.api_schemas import CountOut, Id, errors, pick, pick_many
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.errors import NotFound
from guanxi.core.permissions import require

from . import selectors, services
from .filters import CustomerFilters
from .schemas import (
    BulkIds,
    BulkTagIn,
    BulkTransferIn,
    CollaboratorIn,
    CollaboratorOut,
    ContactIn,
    ContactOut,
    ContactPatch,
    ContactQuery,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    CustomerQuery,
    TagIn,
    TagOut,
)

router = Router()

CONTACT_ORDERING = ["-id"]


def _owner(request, user_id: int | None, field: str = "owner_id"):
    """An owner the actor may give customers to: the same choices the owner picker offers."""
    return pick(selectors.customer_owner_choices(actor=request.auth), user_id, field)


def _can_view(request) -> None:
    """Without the right to see customers at all, every customer operation answers 403, not 404."""
    require(request.auth, "customers.view")


# -- customers --


@router.get("/customers", response={200: PageOut[CustomerOut], **errors(400, 403, 422)}, tags=["customers"],
            summary=_("List customers"))
def list_customers(request, filters: Query[CustomerQuery], paging: Query[PageParams]):
    """The customers in your data scope, filtered and sorted like the customer list page."""
    _can_view(request)
    # The schema documents and type-checks the parameters; CustomerFilters is the one place that
    # reads them (also the `cf_<key>` custom field filters the schema cannot list).
    parsed = CustomerFilters.from_query(request.GET)
    page = selectors.customer_page(actor=request.auth, filters=parsed, cursor=paging.cursor or None,
                                   limit=paging.limit)
    return as_page(page)


@router.get("/customers/{customer_id}", response={200: CustomerOut, **errors(403, 404, 422)}, tags=["customers"],
            summary=_("Get a customer"))
def get_customer(request, customer_id: Id):
    _can_view(request)
    return selectors.customer_get(actor=request.auth, id=customer_id)


@router.post("/customers", response={201: CustomerOut, **errors(400, 403, 422)}, tags=["customers"],
             summary=_("Create a customer"))
def create_customer(request, payload: CustomerIn):
    data = payload.model_dump()
    tags = pick_many(selectors.tag_list(), data.pop("tag_ids"), "tag_ids")
    custom = data.pop("custom")
    owner_id = data.pop("owner_id")
    if owner_id is not None:
        require(request.auth, "customers.create")
        data["owner"] = _owner(request, owner_id)
    customer = services.customer_create(actor=request.auth, data=data, tags=tags, custom=custom)
    return Status(201, selectors.customer_get(actor=request.auth, id=customer.pk))


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **errors(400, 403, 404, 409, 422)},
              tags=["customers"], summary=_("Update a customer"))
def update_customer(request, customer_id: Id, payload: CustomerPatch):
    """Send `version` from your last read to get 409 instead of overwriting someone else's edit."""
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=customer_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    custom = data.pop("custom", None)
    tag_ids = data.pop("tag_ids", None)
    tags = pick_many(selectors.tag_list(), tag_ids, "tag_ids") if tag_ids is not None else None
    if "owner_id" in data:
        data["owner"] = _owner(request, data.pop("owner_id"))
    services.customer_update(actor=request.auth, customer=customer, data=data, custom=custom, tags=tags,
                             expected_version=version)
    return selectors.customer_get(actor=request.auth, id=customer.pk)


@router.delete("/customers/{customer_id}", response={204: None, **errors(403, 404, 422)}, tags=["customers"],
               summary=_("Delete a customer"))
def delete_customer(request, customer_id: Id):
    """Moves the customer to the recycle bin; POST …/restore brings it back."""
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=customer_id)
    services.customer_delete(actor=request.auth, customer=customer)
    return Status(204, None)


@router.post("/customers/{customer_id}/restore", response={200: CustomerOut, **errors(403, 404, 422)},
             tags=["customers"], summary=_("Restore a deleted customer"))
def restore_customer(request, customer_id: Id):
    _can_view(request)
    customer = selectors.customer_deleted_get(actor=request.auth, id=customer_id)
    services.customer_restore(actor=request.auth, customer=customer)
    return selectors.customer_get(actor=request.auth, id=customer.pk)


@router.post("/customers/bulk/transfer", response={200: CountOut, **errors(400, 403, 404, 422)},
             tags=["customers"], summary=_("Transfer customers to another owner"))
def bulk_transfer(request, payload: BulkTransferIn):
    """Up to 1,000 ids; if any is missing or out of your reach, nothing changes (404)."""
    require(request.auth, "customers.transfer")  # no right at all answers 403 before the owner is looked at
    owner = _owner(request, payload.owner_id)
    return {"count": services.customer_bulk_transfer(actor=request.auth, ids=payload.ids, owner=owner)}


@router.post("/customers/bulk/tag", response={200: CountOut, **errors(400, 403, 404, 422)}, tags=["customers"],
             summary=_("Tag customers"))
def bulk_tag(request, payload: BulkTagIn):
    """Adds one tag to up to 1,000 customers; `count` is how many did not have it yet."""
    tag = pick(selectors.tag_list(), payload.tag_id, "tag_id")
    return {"count": services.customer_bulk_add_tag(actor=request.auth, ids=payload.ids, tag=tag)}


@router.post("/customers/bulk/delete", response={200: CountOut, **errors(400, 403, 404, 422)},
             tags=["customers"], summary=_("Delete customers"))
def bulk_delete(request, payload: BulkIds):
    return {"count": services.customer_bulk_delete(actor=request.auth, ids=payload.ids)}


# -- the customer's team (团队成员) --


@router.get("/customers/{customer_id}/collaborators", response={200: list[CollaboratorOut], **errors(403, 404, 422)},
            tags=["customers"], summary=_("List a customer's team members"))
def list_collaborators(request, customer_id: Id):
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=customer_id)
    return list(selectors.customer_collaborators(customer=customer).order_by("added_at", "id"))


@router.put("/customers/{customer_id}/collaborators/{user_id}",
            response={200: CollaboratorOut, **errors(400, 403, 404, 422)}, tags=["customers"],
            summary=_("Add a team member or change their access"))
def set_collaborator(request, customer_id: Id, user_id: Id, payload: CollaboratorIn):
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=customer_id)
    user = pick(selectors.customer_collaborator_choices(customer=customer), user_id, "user_id")
    return services.customer_set_collaborator(actor=request.auth, customer=customer, user=user,
                                              can_edit=payload.can_edit)


@router.delete("/customers/{customer_id}/collaborators/{user_id}", response={204: None, **errors(403, 404, 422)},
               tags=["customers"], summary=_("Remove a team member"))
def remove_collaborator(request, customer_id: Id, user_id: Id):
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=customer_id)
    member = selectors.customer_collaborators(customer=customer).filter(user_id=user_id).first()
    if member is None:
        raise NotFound()
    services.customer_remove_collaborator(actor=request.auth, customer=customer, user=member.user)
    return Status(204, None)


# -- contacts --


@router.get("/contacts", response={200: PageOut[ContactOut], **errors(400, 403, 404, 422)}, tags=["contacts"],
            summary=_("List contacts"))
def list_contacts(request, filters: Query[ContactQuery], paging: Query[PageParams]):
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=filters.customer) if filters.customer else None
    qs = selectors.contact_list(actor=request.auth, customer=customer, q=filters.q)
    return paginate(qs, CONTACT_ORDERING, paging)


@router.get("/contacts/{contact_id}", response={200: ContactOut, **errors(403, 404, 422)}, tags=["contacts"],
            summary=_("Get a contact"))
def get_contact(request, contact_id: Id):
    _can_view(request)
    return selectors.contact_get(actor=request.auth, id=contact_id)


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **errors(400, 403, 404, 422)},
             tags=["contacts"], summary=_("Add a contact to a customer"))
def create_contact(request, customer_id: Id, payload: ContactIn):
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=customer_id)
    data = payload.model_dump()
    custom = data.pop("custom")
    contact = services.contact_create(actor=request.auth, customer=customer, data=data, custom=custom)
    return Status(201, selectors.contact_get(actor=request.auth, id=contact.pk))


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **errors(400, 403, 404, 409, 422)},
              tags=["contacts"], summary=_("Update a contact"))
def update_contact(request, contact_id: Id, payload: ContactPatch):
    _can_view(request)
    contact = selectors.contact_get(actor=request.auth, id=contact_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    custom = data.pop("custom", None)
    services.contact_update(actor=request.auth, contact=contact, data=data, custom=custom, expected_version=version)
    return selectors.contact_get(actor=request.auth, id=contact.pk)


@router.delete("/contacts/{contact_id}", response={204: None, **errors(403, 404, 422)}, tags=["contacts"],
               summary=_("Delete a contact"))
def delete_contact(request, contact_id: Id):
    _can_view(request)
    contact = selectors.contact_get(actor=request.auth, id=contact_id)
    services.contact_delete(actor=request.auth, contact=contact)
    return Status(204, None)


# -- tags --


@router.get("/tags", response={200: list[TagOut], **errors()}, tags=["tags"], summary=_("List tags"))
def list_tags(request):
    """Tags are shared labels: every signed-in user sees all of them."""
    return list(selectors.tag_list())


@router.post("/tags", response={201: TagOut, **errors(400, 403, 422)}, tags=["tags"],
             summary=_("Create a tag"))
def create_tag(request, payload: TagIn):
    """A tag with this name already existing is returned as it is."""
    return Status(201, services.tag_create(actor=request.auth, name=payload.name, color=payload.color))
