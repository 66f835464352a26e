from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotesConfig(AppConfig):
    name = "guanxi.sales.quotes"
    label = "quotes"
    verbose_name = _("Quotes")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module

        register_module(
            "quotes",
            _("Quotes"),
            [
                ("view", _("View quotes")),
                ("create", _("Create quotes")),
                ("edit", _("Edit quotes")),
                ("delete", _("Delete quotes")),
            ],
        )
