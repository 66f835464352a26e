"""Customers and contacts in merging (dataquality.merging): which fields a merge picks, what it moves, and
how their derived data (match keys, search documents) follows. Registered from CustomersConfig.ready().

A customer's pool history (OwnershipEvent) stays with the merged customer: it tells who held that record
and when, which the pool's reclaim rule reads, and is not the survivor's history.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.dataquality.merging.registry import MergeField, register_merge_entity, register_merge_relation

from .collisions import customer_keys_refresh, customer_keys_remove
from .models import Contact, Customer
from .services import _refresh_search

CUSTOMER_FIELDS = [
    MergeField("name"), MergeField("kind"), MergeField("industry"), MergeField("grade"), MergeField("status"),
    MergeField("source"), MergeField("region"), MergeField("address"),
    MergeField("phone", companions=("phone_e164",), mask="phone"),
    MergeField("email", mask="email"), MergeField("website"), MergeField("notes"),
    # Taking another customer's owner is a transfer: it needs that right, and the department follows the owner.
    MergeField("owner", companions=("department",), action="customers.transfer"),
    MergeField("next_follow_up_at"),
]
CONTACT_FIELDS = [
    MergeField("name", companions=("search_document",)), MergeField("title"),
    MergeField("phone", companions=("phone_e164",), mask="phone"),
    MergeField("mobile", companions=("mobile_e164",), mask="phone"),
    MergeField("email", mask="email"), MergeField("wechat"), MergeField("is_decision_maker"),
    MergeField("birthday"), MergeField("notes"),
]


def _customer_merged(*, survivor: Customer, merged: list[Customer]) -> None:
    customer_keys_refresh(survivor)
    customer_keys_remove([c.pk for c in merged])
    _refresh_search(survivor)  # the survivor's document now names the contacts it took in


def _customer_unmerged(*, survivor: Customer, restored: list[Customer]) -> None:
    for customer in [survivor, *restored]:
        customer_keys_refresh(customer)
        _refresh_search(customer)


def _contact_merged(*, survivor: Contact, merged: list[Contact]) -> None:
    _refresh_search(survivor.customer)


def _contact_unmerged(*, survivor: Contact, restored: list[Contact]) -> None:
    _refresh_search(survivor.customer)


def _search_customers(actor, q: str):
    from .filters import CustomerFilters
    from .selectors import customer_list

    return customer_list(actor=actor, filters=CustomerFilters(q=q))


def register() -> None:
    """Called from CustomersConfig.ready()."""
    from guanxi.dataquality.merging.views import record_section

    from .views.detail import register_detail_section

    register_merge_entity(
        "customer", Customer, fields=CUSTOMER_FIELDS, edit_action="customers.edit", view_action="customers.view",
        custom_fields="customers.customer", m2m=("tags",), latest=("last_contacted_at", "last_deal_at"),
        sensitive_action="customers.view_sensitive", select_related=("owner", "department"),
        url=lambda pk: reverse("customers:detail", args=[pk]), search=_search_customers,
        after_merge=_customer_merged, after_undo=_customer_unmerged,
    )
    register_merge_entity(
        "contact", Contact, fields=CONTACT_FIELDS, edit_action="customers.edit", view_action="customers.view",
        custom_fields="customers.contact", same=("customer",), sensitive_action="customers.view_sensitive",
        select_related=("customer",), url=lambda pk: reverse("customers:contact_edit", args=[pk]),
        timeline=lambda contact: contact.customer, after_merge=_contact_merged, after_undo=_contact_unmerged,
    )
    # Contacts move with their customer, deleted ones (its recycle bin) included.
    register_merge_relation("customer", Contact, "customer", label=_("contacts"))

    # "Merged from …" and "Merge with…" on the customer page, for those who merge; loaded when scrolled to,
    # like every block an app adds (the timeline says what a customer absorbed to everyone else).
    register_detail_section("merging", "merging/record_section.html", record_section("customer"), lazy=True,
                            title=_("Duplicates and merges"), action="dataquality.merge")

