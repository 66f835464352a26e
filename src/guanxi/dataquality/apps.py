from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataQualityConfig(AppConfig):
    name = "guanxi.dataquality"
    label = "dataquality"
    verbose_name = _("Data quality")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module

        register_module(
            "dataquality",
            _("Data quality"),
            [
                ("manage", _("Configure duplicate checks")),
                ("scan", _("Scan for duplicates and review them")),
                ("merge", _("Merge and unmerge duplicates")),
                ("import", _("Import records from files")),
            ],
        )
