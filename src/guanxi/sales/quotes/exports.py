"""The quote list (报价单) as an export: the list's filters (latest versions unless asked) and selector
(the user's data scope), amounts as numbers with their currency."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.dataquality.exports.registry import DATE, DATETIME, MONEY, NUMBER, Column, register_export

from . import selectors
from .filters import ORDERING, QuoteFilters


def _rows(*, actor, filters: QuoteFilters):
    return selectors.quote_list(actor=actor, filters=filters).select_related("contact")


def quote_columns(actor) -> list[Column]:
    return [
        Column(_("ID"), lambda q: q.pk, NUMBER),
        Column(pgettext_lazy("document number", "Number"), lambda q: q.number),
        Column(_("Version"), lambda q: q.revision, NUMBER),
        Column(pgettext_lazy("quote", "Title"), lambda q: q.title),
        Column(_("Customer"), lambda q: q.customer.name),
        Column(_("Contact"), lambda q: q.contact.name if q.contact_id else ""),
        Column(_("Opportunity"), lambda q: q.opportunity.name if q.opportunity_id else ""),
        Column(_("Status"), lambda q: q.get_status_display()),
        Column(_("Currency"), lambda q: q.currency),
        Column(_("Subtotal"), lambda q: q.subtotal, MONEY),
        Column(_("Discount"), lambda q: q.discount_total, MONEY),
        Column(_("Tax"), lambda q: q.tax_total, MONEY),
        Column(_("Total"), lambda q: q.total, MONEY),
        Column(_("Valid until"), lambda q: q.valid_until, DATE),
        Column(_("Sent at"), lambda q: q.sent_at, DATETIME),
        Column(_("Accepted or rejected at"), lambda q: q.decided_at, DATETIME),
        Column(_("Owner"), lambda q: str(q.owner or "")),
        Column(_("Department"), lambda q: str(q.department or "")),
        Column(_("Created"), lambda q: q.created_at, DATETIME),
    ]


def register() -> None:
    register_export(
        "quotes", title=_("Quotes"), action="quotes.export", audit_action="quote.exported",
        filters_from_query=QuoteFilters.from_query, rows=_rows, ordering=ORDERING, columns=quote_columns,
        filter_labels={"status": _("Status"), "customer": _("Customer"), "owner": _("Owner"),
                       "opportunity": _("Opportunity"), "mine": _("Only mine"), "all_versions": _("All versions")},
    )
