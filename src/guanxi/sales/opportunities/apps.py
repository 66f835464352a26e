from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "guanxi.sales.opportunities"
    label = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module

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
            ],
        )
