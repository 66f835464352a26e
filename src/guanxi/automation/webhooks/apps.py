"""Outgoing webhooks: every domain event a registered resource offers is sent, signed, to the subscriptions
that want it, after the save that caused it has committed."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "guanxi.automation.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from guanxi.core import events

        from .dispatch import on_event

        events.subscribe("*", on_event)
