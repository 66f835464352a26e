"""Every read of customers, contacts and tags, bounded by the actor's data scope."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from guanxi.core.errors import NotFound
from guanxi.core.models import Collaborator
from guanxi.core.paging import Page, keyset_page
from guanxi.core.scopes import owner_scope_q
from guanxi.core.text import normalise_phone, query_phrase
from guanxi.org.models import SavedView

from .filters import CustomerFilters
from .models import Contact, Customer, Tag

SAVED_VIEW_ENTITY = "customers.customer"


def customer_list(*, actor, filters: CustomerFilters | None = None) -> QuerySet[Customer]:
    filters = filters or CustomerFilters()
    qs = filters.apply(Customer.objects.owned_visible_to(actor))
    return qs.select_related("owner", "department").prefetch_related("tags")


def customer_page(*, actor, filters: CustomerFilters, cursor: str | None, limit: int = 50) -> Page:
    limit = max(1, min(limit, 200))
    return keyset_page(customer_list(actor=actor, filters=filters), filters.ordering, cursor, limit)


def customer_get(*, actor, id: int) -> Customer:
    customer = (Customer.objects.visible_to(actor).select_related("owner", "department", "created_by")
                .prefetch_related("tags").filter(pk=id).first())
    if customer is None:
        raise NotFound()
    return customer


def customer_can_edit(*, actor, customer: Customer) -> bool:
    return actor.has_action("customers.edit") and Customer.objects.editable_by(actor).filter(pk=customer.pk).exists()


def customer_collaborators(*, customer: Customer) -> QuerySet[Collaborator]:
    ct = ContentType.objects.get_for_model(Customer)
    return Collaborator.objects.filter(content_type=ct, object_id=customer.pk).select_related("user")


def customer_recycle_bin(*, actor) -> QuerySet[Customer]:
    return (Customer.objects.deleted().within_scope(actor).select_related("owner", "deleted_by")
            .order_by("-deleted_at", "-id"))


def customer_deleted_get(*, actor, id: int) -> Customer:
    customer = Customer.objects.deleted().within_scope(actor).filter(pk=id).first()
    if customer is None:
        raise NotFound()
    return customer


def contact_list(*, actor, customer: Customer | None = None, q: str = "") -> QuerySet[Contact]:
    qs = Contact.objects.visible_to(actor).select_related("customer")
    if customer is not None:
        qs = qs.filter(customer=customer)
    if q:
        phone = normalise_phone(q.strip()[:40])
        if phone:
            qs = qs.filter(Q(mobile_e164=phone) | Q(phone_e164=phone))
        elif "@" in q:
            qs = qs.filter(email__iexact=q.strip()[:254])
        else:
            qs = qs.filter(search_document__contains=query_phrase(q.strip()[:100]))
    return qs


def contact_get(*, actor, id: int) -> Contact:
    contact = Contact.objects.visible_to(actor).select_related("customer").filter(pk=id).first()
    if contact is None:
        raise NotFound()
    return contact


def customer_contacts(*, actor, customer: Customer) -> QuerySet[Contact]:
    return contact_list(actor=actor, customer=customer).order_by("-is_decision_maker", "name")


def tag_list() -> QuerySet[Tag]:
    """Tags are shared labels, not records: every signed-in user sees the list."""
    return Tag.objects.all()


def customer_owner_choices(*, actor) -> QuerySet:
    """Active users whose customers the actor can see: the owner picker and owner filter offer
    only these, so a pick can never move a customer out of the actor's reach."""
    users = get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
    reach = owner_scope_q(actor, "customers", owner_field="pk")
    return users if reach is None else users.filter(reach)


def customer_collaborator_choices(*, customer: Customer) -> QuerySet:
    """Anyone active may be invited onto a customer's team (团队成员), across departments:
    sharing beyond the owner's reach is what collaborators are for."""
    users = get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
    return users.exclude(pk=customer.owner_id) if customer.owner_id is not None else users


def customer_saved_views(*, actor) -> QuerySet[SavedView]:
    """The actor's own saved customer list filters."""
    return SavedView.objects.filter(user_id=actor.pk, entity=SAVED_VIEW_ENTITY).order_by("name")
