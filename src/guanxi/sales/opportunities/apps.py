from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "guanxi.sales.opportunities"
    label = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module
        from guanxi.core.services import register_custom_field_entity
        from guanxi.customers.views.detail import register_detail_section

        from .views.customer_section import customer_section

        # The customer page lists its opportunities without customers importing us.
        register_detail_section("opportunities", "opportunities/customer_section.html", customer_section, lazy=True,
                                title=_("Opportunities"), action="opportunities.view")
        register_custom_field_entity("opportunities.opportunity", _("Opportunity"))

        register_module(
            "opportunities",
            _("Opportunities"),
            [
                ("view", _("View opportunities")),
                ("create", _("Create opportunities")),
                ("edit", _("Edit opportunities")),
                ("delete", _("Delete opportunities")),
                ("transfer", _("Transfer opportunities")),
                ("manage_pipelines", _("Configure pipelines and stages")),
                ("purge", _("Purge deleted opportunities")),
                ("export", _("Export opportunities")),
            ],
        )
        # The opportunity list can be exported as CSV and XLSX (dataquality.exports).
        from .exports import register as register_exports

        register_exports()

        # Duplicates can be merged: what a merge moves here (dataquality.merging).
        from .merging import register as register_merging

        register_merging()

        # Its events go to webhook subscribers with the record as the API shows it (automation.webhooks).
        from .webhooks import register as register_webhooks

        register_webhooks()
