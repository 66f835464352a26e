"""The lead list (线索) as an export: the list page's filters and tabs (mine, the pool), its selector
(the user's data scope and the lead pool), phones and emails masked as on screen."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.customers import masking
from guanxi.dataquality.exports.registry import DATETIME, NUMBER, Column, register_export

from . import selectors
from .filters import LeadFilters


def lead_columns(actor) -> list[Column]:
    sensitive = masking.can_see_sensitive(actor)
    return [
        Column(_("ID"), lambda lead: lead.pk, NUMBER),
        Column(_("Name"), lambda lead: lead.name),
        Column(_("Company"), lambda lead: lead.company),
        Column(_("Title"), lambda lead: lead.title),
        Column(_("Phone"), lambda lead: masking.phone_for(actor, lead.phone, sensitive=sensitive)),
        Column(_("Email"), lambda lead: masking.email_for(actor, lead.email, sensitive=sensitive)),
        Column(_("Source"), lambda lead: lead.get_source_display()),
        Column(_("Region"), lambda lead: lead.region),
        Column(_("Status"), lambda lead: lead.get_status_display()),
        Column(_("Owner"), lambda lead: str(lead.owner or "")),
        Column(_("Department"), lambda lead: str(lead.department or "")),
        Column(_("Last contacted"), lambda lead: lead.last_contacted_at, DATETIME),
        Column(_("Next follow-up"), lambda lead: lead.next_follow_up_at, DATETIME),
        Column(_("Converted at"), lambda lead: lead.converted_at, DATETIME),
        Column(_("Created"), lambda lead: lead.created_at, DATETIME),
    ]


def register() -> None:
    from .views.listing import FILTER_LABELS

    register_export(
        "leads", title=_("Leads"), action="leads.export", audit_action="lead.exported",
        filters_from_query=LeadFilters.from_query, rows=selectors.lead_list, columns=lead_columns,
        custom_fields="leads.lead", filter_labels=FILTER_LABELS,
    )
