from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "guanxi.sales.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module

        register_module(
            "contracts",
            _("Contracts"),
            [
                ("view", _("View contracts and receivables")),
                ("create", _("Create contracts")),
                ("edit", _("Edit contracts")),
                ("delete", _("Delete contracts")),
                ("record_payment", _("Record payments (回款)")),
            ],
        )
