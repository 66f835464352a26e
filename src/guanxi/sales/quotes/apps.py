from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotesConfig(AppConfig):
    name = "guanxi.sales.quotes"
    label = "quotes"
    verbose_name = _("Quotes")

    def ready(self) -> None:
        from django.urls import reverse

        from guanxi.automation.registry import register_approvable
        from guanxi.core.permissions import register_module
        from guanxi.customers.views.detail import register_detail_section
        from guanxi.sales.opportunities.views.detail import register_opportunity_section

        from . import services
        from .views.detail import customer_section, opportunity_section

        register_module(
            "quotes",
            _("Quotes"),
            [
                ("view", _("View quotes")),
                ("create", _("Create quotes")),
                ("edit", _("Edit quotes")),
                ("delete", _("Delete quotes")),
                ("export", _("Export quotes")),
            ],
        )
        # The quote list can be exported as CSV and XLSX (dataquality.exports).
        from .exports import register as register_exports

        register_exports()
        # The customer and opportunity pages list their quotes without importing this app.
        register_detail_section("quotes", "quotes/customer_section.html", customer_section, lazy=True,
                                title=_("Quotes"), action="quotes.view")
        register_opportunity_section("quotes", "quotes/opportunity_section.html", opportunity_section)
        # Submitting a quote goes through the approval flow that applies to it, e.g. one an admin
        # configured with the condition "max_discount_percent > 15" (docs/quotes.md).
        register_approvable(
            "quotes.quote",
            verbose_name=_("Quote"),
            facts={"amount": lambda q: q.total, "max_discount_percent": lambda q: q.max_discount_percent},
            fact_labels={"amount": _("Total amount"), "max_discount_percent": _("Largest line discount %")},
            title=lambda q: f"{q.number} v{q.revision} · {q.title}",
            url=lambda q: reverse("quotes:detail", args=[q.pk]),
            on_approved=services.quote_approval_approved,
            on_rejected=services.quote_approval_rejected,
            on_returned=services.quote_approval_returned,
            on_withdrawn=services.quote_approval_withdrawn,
        )

        # Duplicates can be merged: what a merge moves here (dataquality.merging).
        from .merging import register as register_merging

        register_merging()

        # Its events go to webhook subscribers with the record as the API shows it (automation.webhooks).
        from .webhooks import register as register_webhooks

        register_webhooks()
