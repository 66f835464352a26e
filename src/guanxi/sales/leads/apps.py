from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "guanxi.sales.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module

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
            ],
        )
