"""The product catalogue as an export: the catalogue page's filters (active by default), prices as
numbers with their currency. Products have no owner, so whoever may export them gets all that match."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.dataquality.exports.registry import MONEY, NUMBER, Column, register_export

from . import selectors
from .filters import ProductFilters


def product_columns(actor) -> list[Column]:
    return [
        Column(_("ID"), lambda p: p.pk, NUMBER),
        Column(_("Code"), lambda p: p.code),
        Column(_("Name"), lambda p: p.name),
        Column(_("Category"), lambda p: p.category.name if p.category_id else ""),
        Column(_("Unit"), lambda p: p.unit),
        Column(_("Currency"), lambda p: p.currency),
        Column(_("List price"), lambda p: p.list_price, MONEY),
        Column(_("Tax rate %"), lambda p: p.tax_rate, NUMBER),
        Column(_("Active"), lambda p: p.is_active),
        Column(_("Description"), lambda p: p.description),
    ]


def register() -> None:
    register_export(
        "products", title=_("Products"), action="products.export", audit_action="product.exported",
        filters_from_query=ProductFilters.from_query, rows=selectors.product_list, columns=product_columns,
        filter_labels={"q": _("Search"), "category": _("Category"), "status": _("Status")},
    )
