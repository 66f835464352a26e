"""The customer and contact lists as exports (CSV / XLSX): the list pages' filters and selectors, so
only records in the user's scope, with phones and emails masked as on screen."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.dataquality.exports.registry import DATE, DATETIME, NUMBER, Column, register_export

from . import masking, selectors
from .filters import CustomerFilters


def customer_columns(actor) -> list[Column]:
    sensitive = masking.can_see_sensitive(actor)
    return [
        Column(_("ID"), lambda c: c.pk, NUMBER),
        Column(_("Name"), lambda c: c.name),
        Column(_("Kind"), lambda c: c.get_kind_display()),
        Column(_("Industry"), lambda c: c.get_industry_display()),
        Column(_("Grade"), lambda c: c.grade),
        Column(_("Status"), lambda c: c.get_status_display()),
        Column(_("Source"), lambda c: c.get_source_display()),
        Column(_("Region"), lambda c: c.region),
        Column(_("Address"), lambda c: c.address),
        Column(_("Phone"), lambda c: masking.phone_for(actor, c.phone, sensitive=sensitive)),
        Column(_("Email"), lambda c: masking.email_for(actor, c.email, sensitive=sensitive)),
        Column(_("Website"), lambda c: c.website),
        Column(_("Owner"), lambda c: str(c.owner or "")),
        Column(_("Department"), lambda c: str(c.department or "")),
        # Tags come from the selector's prefetch: one query per chunk, not one per customer.
        Column(_("Tags"), lambda c: ", ".join(t.name for t in c.tags.all())),
        Column(_("Last contacted"), lambda c: c.last_contacted_at, DATETIME),
        Column(_("Next follow-up"), lambda c: c.next_follow_up_at, DATETIME),
        Column(_("Created"), lambda c: c.created_at, DATETIME),
    ]


class ContactFilters:
    """The contact list page's one filter: its search box."""

    ordering = ["-id"]

    def __init__(self, q: str = ""):
        self.q = q

    @classmethod
    def from_query(cls, params) -> ContactFilters:
        return cls(q=str(params.get("q") or "").strip()[:100])


def _contact_rows(*, actor, filters: ContactFilters):
    return selectors.contact_list(actor=actor, q=filters.q)


def contact_columns(actor) -> list[Column]:
    sensitive = masking.can_see_sensitive(actor)
    return [
        Column(_("ID"), lambda c: c.pk, NUMBER),
        Column(_("Name"), lambda c: c.name),
        Column(_("Title"), lambda c: c.title),
        Column(_("Customer"), lambda c: c.customer.name),
        Column(_("Mobile"), lambda c: masking.phone_for(actor, c.mobile, sensitive=sensitive)),
        Column(_("Phone"), lambda c: masking.phone_for(actor, c.phone, sensitive=sensitive)),
        Column(_("Email"), lambda c: masking.email_for(actor, c.email, sensitive=sensitive)),
        Column(_("WeChat"), lambda c: c.wechat),
        Column(_("Decision maker"), lambda c: c.is_decision_maker),
        Column(_("Birthday"), lambda c: c.birthday, DATE),
        Column(_("Created"), lambda c: c.created_at, DATETIME),
    ]


def register() -> None:
    from .views.listing import FILTER_LABELS

    register_export(
        "customers", title=_("Customers"), action="customers.export", audit_action="customer.exported",
        filters_from_query=CustomerFilters.from_query, rows=selectors.customer_list, columns=customer_columns,
        custom_fields="customers.customer", filter_labels=FILTER_LABELS,
    )
    register_export(
        "contacts", title=_("Contacts"), action="customers.export", audit_action="contact.exported",
        filters_from_query=ContactFilters.from_query, rows=_contact_rows, columns=contact_columns,
        custom_fields="customers.contact", filter_labels={"q": _("Search")},
    )
