from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "guanxi.sales.targets"
    label = "targets"
    verbose_name = _("Targets")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module

        register_module(
            "targets",
            _("Targets"),
            [
                ("view", _("View targets")),
                ("manage", _("Set targets")),
            ],
        )
