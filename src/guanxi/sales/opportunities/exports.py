"""The opportunity list (商机) as an export: the list's filters and selector (the user's data scope),
amounts as numbers with their currency."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.customers.choices import CustomerSource
from guanxi.dataquality.exports.registry import DATE, DATETIME, MONEY, NUMBER, Column, register_export

from . import selectors
from .filters import OpportunityFilters


def _rows(*, actor, filters: OpportunityFilters):
    # The list selector, plus the two relations only the export shows.
    return selectors.opportunity_list(actor=actor, filters=filters).select_related("department", "lost_reason")


def _source(value: str) -> str:
    # Sources set elsewhere (an import, a converted lead) are kept as they were typed.
    return str(dict(CustomerSource.choices).get(value, value))


def opportunity_columns(actor) -> list[Column]:
    return [
        Column(_("ID"), lambda o: o.pk, NUMBER),
        Column(_("Name"), lambda o: o.name),
        Column(_("Customer"), lambda o: o.customer.name),
        Column(_("Amount"), lambda o: o.amount, MONEY),
        Column(_("Currency"), lambda o: o.currency),
        Column(_("Expected close date"), lambda o: o.expected_close_date, DATE),
        Column(_("Pipeline"), lambda o: o.pipeline.name),
        Column(_("Stage"), lambda o: o.stage.name),
        Column(_("Status"), lambda o: o.get_status_display()),
        Column(_("Win probability %"), lambda o: o.probability, NUMBER),
        Column(_("Source"), lambda o: _source(o.source)),
        Column(_("Competitors"), lambda o: o.competitors),
        Column(_("Lost reason"), lambda o: o.lost_reason.name if o.lost_reason_id else ""),
        Column(_("Owner"), lambda o: str(o.owner or "")),
        Column(_("Department"), lambda o: str(o.department or "")),
        Column(_("Closed at"), lambda o: o.closed_at, DATETIME),
        Column(_("Created"), lambda o: o.created_at, DATETIME),
    ]


def register() -> None:
    from .views.common import FILTER_LABELS

    register_export(
        "opportunities", title=_("Opportunities"), action="opportunities.export",
        audit_action="opportunity.exported", filters_from_query=OpportunityFilters.from_query, rows=_rows,
        columns=opportunity_columns, custom_fields="opportunities.opportunity", filter_labels=FILTER_LABELS,
    )
