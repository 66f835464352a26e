"""Customers and contacts in the collision check (防撞单): the finders the data-quality check calls, and
the match keys the customer services keep.

Phones and emails are looked up on the records' own indexed columns (`Customer.phone_e164`,
`Customer.email`, `Contact.mobile_e164` / `phone_e164` / `email`): an equality there costs what it
would on a key table, and the columns can never disagree with the record. Only the company key has
no column of its own, so it lives in the data-quality app's MatchKey table.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from guanxi.dataquality.choices import MatchKind
from guanxi.dataquality.collisions import IN_CUSTOMER_POOL, LIMIT, excluded_ids, register_collision_source
from guanxi.dataquality.match_keys import match_key_ids, match_keys_refresh, match_keys_remove_many

from .models import Contact, Customer


def customer_matches(*, name_key: str, phone_e164: str, email: str, exclude=None) -> list[Customer]:
    """Live customers with this company key, phone or email, whoever owns them: at most two queries."""
    condition = Q()
    ids = match_key_ids(Customer, MatchKind.NAME, name_key, limit=LIMIT)
    if ids:
        condition |= Q(pk__in=ids)
    if phone_e164:
        condition |= Q(phone_e164=phone_e164)
    if email:
        condition |= Q(email=email)
    if not condition:
        return []
    # The ids are a literal list, so each branch of the OR is one index probe on both databases.
    found = Customer.objects.alive().filter(condition)
    leave_out = excluded_ids(exclude, Customer)
    if leave_out:
        found = found.exclude(pk__in=leave_out)
    return list(found.select_related("owner", "department").order_by("-id")[:LIMIT])


def contact_matches(*, name_key: str, phone_e164: str, email: str, exclude=None) -> list[Contact]:
    """Live contacts of live customers with this mobile, desk phone or email. A person's name alone
    is not a collision: 张伟 works at thousands of companies."""
    condition = Q()
    if phone_e164:
        condition |= Q(mobile_e164=phone_e164) | Q(phone_e164=phone_e164)
    if email:
        condition |= Q(email=email)
    if not condition:
        return []
    found = Contact.objects.alive().filter(condition, customer__deleted_at__isnull=True)
    if leave_out := excluded_ids(exclude, Contact):
        found = found.exclude(pk__in=leave_out)
    # A customer's own contacts often share its switchboard number and domain.
    if customers := excluded_ids(exclude, Customer):
        found = found.exclude(customer_id__in=customers)
    return list(found.select_related("customer__owner", "customer__department").order_by("-id")[:LIMIT])


def contact_label(contact: Contact) -> str:
    return f"{contact.name}（{contact.customer.name}）"


def customer_keys_refresh(customer: Customer) -> None:
    """After a customer is created, renamed or restored: its company key."""
    match_keys_refresh(customer, name=customer.name)


def customer_keys_remove(ids: list[int]) -> None:
    """After customers went to the recycle bin or were purged: they no longer match anything."""
    match_keys_remove_many(Customer, ids)


def register() -> None:
    """Called from CustomersConfig.ready(); the kinds are named by the models' own verbose names."""
    actions = ("customers.create", "customers.edit")
    register_collision_source(
        "customer", customer_matches, pool_text=IN_CUSTOMER_POOL, actions=actions,
        url=lambda c: reverse("customers:detail", args=[c.pk]), label=lambda c: c.name,
    )
    register_collision_source(
        "contact", contact_matches, pool_text=IN_CUSTOMER_POOL, actions=actions,
        url=lambda c: reverse("customers:contact_edit", args=[c.pk]), label=contact_label,
    )
