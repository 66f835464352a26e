"""REST API of customers, contacts, tags and customer teams: the same selectors and services as the pages."""

from __future__ import annotations

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, as_page, paginate
from guanxi.core.api_schemas import CountOut, Id, errors, pick, pick_many
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.errors import NotFound
from guanxi.core.permissions import require
from guanxi.org.models import Department

from . import selectors, services
from .filters import CustomerFilters
from .models import Customer
from .pool import selectors as pool_selectors
from .pool import services as pool_services
from .pool.filters import PoolFilters
from .schemas import (
    AssignIn,
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
    OwnershipEventOut,
    PoolCustomerQuery,
    PoolDetailOut,
    PoolIn,
    PoolOut,
    PoolPatch,
    ReturnIn,
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


@router.post("/customers", response={201: CustomerOut, **errors(400, 403, 409, 422)}, tags=["customers"],
             summary=_("Create a customer"))
def create_customer(request, payload: CustomerIn):
    """409 `possible_duplicate` when the name, phone or email matches another record (see
    GET /duplicates/check); send `confirm_duplicate: true` to save anyway where the policy warns."""
    data = payload.model_dump()
    confirm = data.pop("confirm_duplicate")
    tags = pick_many(selectors.tag_list(), data.pop("tag_ids"), "tag_ids")
    custom = data.pop("custom")
    owner_id = data.pop("owner_id")
    if owner_id is not None:
        require(request.auth, "customers.create")
        data["owner"] = _owner(request, owner_id)
    customer = services.customer_create(actor=request.auth, data=data, tags=tags, custom=custom,
                                        check_duplicates=True, confirm_duplicate=confirm)
    return Status(201, selectors.customer_get(actor=request.auth, id=customer.pk))


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **errors(400, 403, 404, 409, 422)},
              tags=["customers"], summary=_("Update a customer"))
def update_customer(request, customer_id: Id, payload: CustomerPatch):
    """Send `version` from your last read to get 409 instead of overwriting someone else's edit. A changed
    name, phone or email is checked for duplicates like a new customer (409 `possible_duplicate`)."""
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=customer_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    confirm = bool(data.pop("confirm_duplicate", False))
    custom = data.pop("custom", None)
    tag_ids = data.pop("tag_ids", None)
    tags = pick_many(selectors.tag_list(), tag_ids, "tag_ids") if tag_ids is not None else None
    if "owner_id" in data:
        data["owner"] = _owner(request, data.pop("owner_id"))
    services.customer_update(actor=request.auth, customer=customer, data=data, custom=custom, tags=tags,
                             expected_version=version, check_duplicates=True, confirm_duplicate=confirm)
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


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **errors(400, 403, 404, 409, 422)},
             tags=["contacts"], summary=_("Add a contact to a customer"))
def create_contact(request, customer_id: Id, payload: ContactIn):
    """409 `possible_duplicate` when a phone or email belongs to another customer or its contacts."""
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=customer_id)
    data = payload.model_dump()
    custom = data.pop("custom")
    confirm = data.pop("confirm_duplicate")
    contact = services.contact_create(actor=request.auth, customer=customer, data=data, custom=custom,
                                      check_duplicates=True, confirm_duplicate=confirm)
    return Status(201, selectors.contact_get(actor=request.auth, id=contact.pk))


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **errors(400, 403, 404, 409, 422)},
              tags=["contacts"], summary=_("Update a contact"))
def update_contact(request, contact_id: Id, payload: ContactPatch):
    _can_view(request)
    contact = selectors.contact_get(actor=request.auth, id=contact_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    custom = data.pop("custom", None)
    confirm = bool(data.pop("confirm_duplicate", False))
    services.contact_update(actor=request.auth, contact=contact, data=data, custom=custom, expected_version=version,
                            check_duplicates=True, confirm_duplicate=confirm)
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


# -- the customer pool (公海) --


def _pool_for_reading(request, pool_id: int):
    """Members read their pools; those who configure pools read any."""
    if request.auth.has_action(pool_selectors.MANAGE):
        return pool_selectors.pool_admin_get(actor=request.auth, id=pool_id)
    _can_view(request)
    return pool_selectors.pool_get(actor=request.auth, id=pool_id)


def _department(department_id: int | None):
    return pick(Department.objects.all(), department_id, "department_id")


@router.get("/customer-pools", response={200: list[PoolOut], **errors(403)}, tags=["customer pool"],
            summary=_("List your customer pools"))
def list_pools(request):
    """The pools whose waiting customers you see and may claim (every pool for a scope of all customers)."""
    _can_view(request)
    return pool_selectors.pool_list(actor=request.auth)


@router.get("/customer-pools/{pool_id}", response={200: PoolDetailOut, **errors(403, 404, 422)},
            tags=["customer pool"], summary=_("Get a customer pool and its rules"))
def get_pool(request, pool_id: Id):
    return _pool_for_reading(request, pool_id)


@router.get("/customer-pools/{pool_id}/customers", response={200: PageOut[CustomerOut], **errors(400, 403, 404, 422)},
            tags=["customer pool"], summary=_("List the customers waiting in a pool"))
def list_pool_customers(request, pool_id: Id, filters: Query[PoolCustomerQuery], paging: Query[PageParams]):
    """Newest in the pool first; read-only until claimed."""
    _can_view(request)
    pool = pool_selectors.pool_get(actor=request.auth, id=pool_id)
    parsed = PoolFilters.from_query(request.GET)
    return as_page(pool_selectors.pool_customer_page(actor=request.auth, pool=pool, filters=parsed,
                                                     cursor=paging.cursor or None, limit=paging.limit))


@router.post("/customers/{customer_id}/claim", response={200: CustomerOut, **errors(400, 403, 404, 409, 422)},
             tags=["customer pool"], summary=_("Claim a customer from the pool"))
def claim_customer(request, customer_id: Id):
    """You become the owner, within the pool's rules (400 with the reason otherwise). When someone else
    claimed it first the answer is 409."""
    _can_view(request)
    customer = Customer.objects.visible_to(request.auth).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound()
    pool_services.customer_claim(actor=request.auth, customer=customer)
    return selectors.customer_get(actor=request.auth, id=customer.pk)


@router.post("/customer-pools/{pool_id}/assign", response={200: CountOut, **errors(400, 403, 404, 409, 422)},
             tags=["customer pool"], summary=_("Assign pool customers to a seller"))
def assign_pool_customers(request, pool_id: Id, payload: AssignIn):
    """Needs the right to transfer customers. Up to 200 customers of this pool; if any is out of your reach
    or not in this pool nothing changes (404), if any was taken meanwhile nothing changes (409)."""
    require(request.auth, "customers.transfer")
    pool = pool_selectors.pool_get(actor=request.auth, id=pool_id)
    owner = pick(pool_selectors.customer_owner_choices(actor=request.auth), payload.owner_id, "owner_id")
    return {"count": pool_services.customer_assign_from_pool(actor=request.auth, ids=payload.ids, owner=owner,
                                                             pool=pool)}


@router.post("/customers/{customer_id}/return", response={200: OwnershipEventOut, **errors(400, 403, 404, 409, 422)},
             tags=["customer pool"], summary=_("Return a customer to the pool"))
def return_customer(request, customer_id: Id, payload: ReturnIn):
    """Gives the customer back to the pool it came from (or its department's pool) and removes its team."""
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=customer_id)
    return pool_services.customer_return_to_pool(actor=request.auth, customer=customer, reason=payload.reason)


@router.get("/customers/{customer_id}/ownership-history",
            response={200: PageOut[OwnershipEventOut], **errors(400, 403, 404, 422)}, tags=["customer pool"],
            summary=_("A customer's claims, returns and assignments"))
def ownership_history(request, customer_id: Id, paging: Query[PageParams]):
    _can_view(request)
    customer = selectors.customer_get(actor=request.auth, id=customer_id)
    history = pool_selectors.customer_ownership_history(actor=request.auth, customer=customer)
    return paginate(history, ["-id"], paging)


@router.post("/customer-pools", response={201: PoolDetailOut, **errors(400, 403, 422)}, tags=["customer pool"],
             summary=_("Create a customer pool"))
def create_pool(request, payload: PoolIn):
    """Needs the right to configure customer pools."""
    require(request.auth, pool_selectors.MANAGE)
    data = payload.model_dump()
    rules = data.pop("rules")
    data["department"] = _department(data.pop("department_id"))
    pool = pool_services.pool_create(actor=request.auth, data=data, rules=rules)
    return Status(201, pool_selectors.pool_admin_get(actor=request.auth, id=pool.pk))


@router.patch("/customer-pools/{pool_id}", response={200: PoolDetailOut, **errors(400, 403, 404, 409, 422)},
              tags=["customer pool"], summary=_("Update a customer pool and its rules"))
def update_pool(request, pool_id: Id, payload: PoolPatch):
    require(request.auth, pool_selectors.MANAGE)
    pool = pool_selectors.pool_admin_get(actor=request.auth, id=pool_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    rules = data.pop("rules", None)
    if "department_id" in data:
        data["department"] = _department(data.pop("department_id"))
    pool_services.pool_update(actor=request.auth, pool=pool, data=data, rules=rules, expected_version=version)
    return pool_selectors.pool_admin_get(actor=request.auth, id=pool.pk)


@router.delete("/customer-pools/{pool_id}", response={204: None, **errors(400, 403, 404, 422)},
               tags=["customer pool"], summary=_("Delete an empty customer pool"))
def delete_pool(request, pool_id: Id):
    require(request.auth, pool_selectors.MANAGE)
    pool = pool_selectors.pool_admin_get(actor=request.auth, id=pool_id)
    pool_services.pool_delete(actor=request.auth, pool=pool)
    return Status(204, None)
