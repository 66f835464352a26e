from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "guanxi.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module
        from guanxi.customers.views.detail import register_detail_section

        from .views import customer_section

        # The customer page shows the follow-up form and timeline without customers importing us.
        register_detail_section("activities", "activities/customer_section.html", customer_section)

        register_module(
            "activities",
            _("Follow-ups"),
            [
                ("view", _("View follow-ups")),
                ("create", _("Log follow-ups")),
                ("edit", _("Edit follow-ups")),
                ("delete", _("Delete follow-ups")),
                ("export", _("Export follow-ups")),
            ],
        )

        # The follow-up list can be exported as CSV and XLSX (dataquality.exports).
        from .exports import register as register_exports

        register_exports()

        # Duplicates can be merged: what a merge moves here (dataquality.merging).
        from .merging import register as register_merging

        register_merging()

        # Its events go to webhook subscribers with the record as the API shows it (automation.webhooks).
        from .webhooks import register as register_webhooks

        register_webhooks()
