"""The approval engine's app: registers the right to configure approval flows."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "guanxi.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module

        register_module(
            "automation",
            _("Automation"),
            [
                ("manage_approvals", _("Configure approval flows")),
                ("manage_webhooks", _("Configure webhooks")),
                ("manage_reminders", _("Configure reminders")),
            ],
        )
