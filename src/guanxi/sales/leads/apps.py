from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "guanxi.sales.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module
        from guanxi.core.services import register_custom_field_entity
        from guanxi.customers.views.detail import register_detail_section
        from guanxi.dataquality.collisions import register_collision_source

        from .collisions import find_leads, lead_url
        from .views.detail import customer_section

        register_module(
            "leads",
            _("Leads"),
            [
                ("view", _("View leads")),
                ("create", _("Create leads")),
                ("edit", _("Edit leads")),
                ("delete", _("Delete leads")),
                ("assign", _("Assign leads and set assignment rules")),
                ("convert", _("Convert leads into customers")),
                ("export", _("Export leads")),
            ],
        )
        # The lead list can be exported as CSV and XLSX (dataquality.exports).
        from .exports import register as register_exports

        register_exports()
        register_custom_field_entity("leads.lead", _("Lead"))
        # Leads can be imported from CSV and Excel files (dataquality.imports).
        from .bulk import register as register_imports

        register_imports()
        # New customers and leads are checked against the leads others already work (防撞单).
        register_collision_source("lead", find_leads, verbose_name=_("Lead"), pool_text=_("In the lead pool"),
                                  url=lead_url, actions=("leads.create", "leads.edit"))
        # The customer page lists the leads it was converted from, without customers importing us.
        register_detail_section("leads", "leads/customer_section.html", customer_section, lazy=True,
                                title=_("Converted from leads"), action="leads.view")

        # Duplicates can be merged: what a merge moves here (dataquality.merging).
        from .merging import register as register_merging

        register_merging()

        # Its events go to webhook subscribers with the record as the API shows it (automation.webhooks).
        from .webhooks import register as register_webhooks

        register_webhooks()
