"""Contracts (合同) and receivables (回款): permissions, custom fields and the blocks this app adds to
the customer and opportunity pages."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "guanxi.sales.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from django.urls import reverse

        from guanxi.automation.registry import register_approvable
        from guanxi.core.permissions import register_module
        from guanxi.core.services import register_custom_field_entity
        from guanxi.customers.views.detail import register_detail_section
        from guanxi.sales.opportunities.views.detail import register_opportunity_section

        from . import services
        from .views.sections import customer_section, opportunity_section

        register_module(
            "contracts",
            _("Contracts"),
            [
                ("view", _("View contracts and receivables")),
                ("create", _("Create contracts")),
                ("edit", _("Edit contracts")),
                ("delete", _("Delete contracts")),
                ("record_payment", _("Record payments (回款)")),
                ("export", _("Export contracts and receivables")),
            ],
        )
        # Contracts, overdue instalments and payments can be exported as CSV and XLSX (dataquality.exports).
        from .exports import register as register_exports

        register_exports()
        register_custom_field_entity("contracts.contract", _("Contract"))
        # The customer page shows the customer's contracts and balance without customers importing us.
        register_detail_section("contracts", "contracts/customer_section.html", customer_section, lazy=True,
                                title=_("Contracts & receivables"), action="contracts.view")
        register_opportunity_section("contracts", "contracts/opportunity_section.html", opportunity_section)
        # Submitting a contract goes through the approval flow that applies to its amount, e.g. one an
        # admin configured with "amount ≥ 500000"; with none, it comes into force at once (docs/contracts.md).
        register_approvable(
            "contracts.contract",
            verbose_name=_("Contract"),
            facts={"amount": lambda c: c.amount},
            fact_labels={"amount": _("Contract amount")},
            title=lambda c: f"{c.number} · {c.title}",
            url=lambda c: reverse("contracts:detail", args=[c.pk]),
            on_approved=services.contract_approval_approved,
            on_rejected=services.contract_approval_rejected,
            on_returned=services.contract_approval_returned,
            on_withdrawn=services.contract_approval_withdrawn,
        )

        # Duplicates can be merged: what a merge moves here (dataquality.merging).
        from .merging import register as register_merging

        register_merging()

        # Contracts ending and instalments due or overdue remind their owners (automation.reminders).
        from .reminders import register as register_reminders

        register_reminders()

        # Its events go to webhook subscribers with the record as the API shows it (automation.webhooks).
        from .webhooks import register as register_webhooks

        register_webhooks()
