from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "guanxi.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module

        from . import signals  # noqa: F401  (audits sign-ins; Django's auth signals are the only hook)

        register_module(
            "org",
            _("Organisation"),
            [
                ("manage_users", _("Manage users")),
                ("manage_departments", _("Manage departments")),
                ("manage_roles", _("Manage roles")),
                ("view_audit", _("View the audit log")),
                ("manage_custom_fields", _("Manage custom fields")),
            ],
        )
