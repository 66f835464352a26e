from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from guanxi.core.permissions import register_module
        from guanxi.core.services import register_custom_field_entity

        from .search import ensure_installed

        # SQLite drops a table's triggers when a migration rebuilds it; put the search ones back.
        post_migrate.connect(ensure_installed, sender=self, dispatch_uid="customers.search.ensure_installed")

        register_custom_field_entity("customers.customer", _("Customer"))
        register_custom_field_entity("customers.contact", _("Contact"))

        # New customers, contacts and leads are checked against customers and contacts (防撞单).
        from .collisions import register as register_collision_sources

        register_collision_sources()
        # Customers and contacts can be imported from CSV and Excel files (dataquality.imports).
        from .bulk import register as register_imports

        register_imports()

        # The customer and contact lists can be exported as CSV and XLSX (dataquality.exports).
        from .exports import register as register_exports

        register_exports()

        register_module(
            "customers",
            _("Customers"),
            [
                ("view", _("View customers")),
                ("create", _("Create customers")),
                ("edit", _("Edit customers")),
                ("delete", _("Delete customers")),
                ("transfer", _("Transfer customers")),
                ("export", _("Export customers")),
                ("view_sensitive", _("See phones and emails unmasked")),
                ("purge", _("Purge the recycle bin")),
                ("manage_pools", _("Configure customer pools and their rules")),
            ],
        )

        from .views.detail import register_detail_section
        from .views.pool import customer_pool_section

        # Pool standing, claim / return / assign and the ownership history on the customer page.
        register_detail_section("pool", "customers/pool_section.html", customer_pool_section)

        # The duplicate scan reads customers and contacts through this app (dataquality.duplicates).
        from guanxi.dataquality.duplicates.records import register_record_source

        from . import duplicate_records

        register_record_source(duplicate_records)

        # Duplicates can be merged: what a merge moves here (dataquality.merging).
        from .merging import register as register_merging

        register_merging()

        # The pools' return sweep runs every night by itself (core.schedules).
        from .pool.sweep import register_schedule

        register_schedule()

        # Follow-ups due, customers not contacted, returns to the pool remind owners (automation.reminders).
        from .reminders import register as register_reminders

        register_reminders()

        # Its events go to webhook subscribers with the record as the API shows it (automation.webhooks).
        from .webhooks import register as register_webhooks

        register_webhooks()
