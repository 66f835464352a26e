from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MergingConfig(AppConfig):
    name = "guanxi.dataquality.merging"
    label = "merging"
    verbose_name = _("Merging")
