from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "guanxi.sales.products"
    label = "products"
    verbose_name = _("Products")

    def ready(self) -> None:
        from guanxi.core.permissions import register_module

        register_module(
            "products",
            _("Products"),
            [
                ("view", _("View products")),
                ("manage", _("Manage the product catalogue and price lists")),
                ("export", _("Export products")),
            ],
        )
        # The product catalogue can be exported as CSV and XLSX (dataquality.exports).
        from .exports import register as register_exports

        register_exports()
