"""The notification centre (通知中心): in-app notifications, email, group robots and URLs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "guanxi.automation.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from .registry import TEST_KIND, register_notification_kind

        register_notification_kind(
            TEST_KIND, label=_("Test message"),
            description=_("Sent by the “Send a test message” button of a channel."),
        )
