"""Every write to the product catalogue, its categories and price lists (for `products.manage`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import DomainError
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, validate, versioned_update
from guanxi.customers.choices import CustomerGrade

from .models import PriceList, PriceListItem, Product, ProductCategory

PRODUCT_FIELDS = ["code", "name", "category", "unit", "list_price", "currency", "tax_rate", "description",
                  "is_active"]
PRICE_LIST_FIELDS = ["name", "grade", "region", "currency", "is_active"]
MANAGE = "products.manage"


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("invalid", _("Please correct the errors below."), {field: [message]})


def _clean(data: dict[str, Any], allowed: list[str]) -> dict[str, Any]:
    unknown = set(data) - set(allowed)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


def _unique_code(product: Product) -> None:
    if Product.objects.filter(code=product.code).exclude(pk=product.pk).exists():
        raise _invalid("code", _("Another product already has this code."))


# -- products --


def product_create(*, actor, data: dict[str, Any]) -> Product:
    require(actor, MANAGE)
    product = Product(**_clean(data, PRODUCT_FIELDS))
    validate(product)
    _unique_code(product)
    with transaction.atomic():
        product.save()
        audit.record(actor, "product.created", product, audit.diff({}, audit.snapshot(product, PRODUCT_FIELDS)))
    events.emit("product.created", {"id": product.pk})
    return product


def product_update(*, actor, product: Product, data: dict[str, Any], expected_version: int | None = None) -> Product:
    require(actor, MANAGE)
    before, after = changed_fields(product, _clean(data, PRODUCT_FIELDS), PRODUCT_FIELDS)
    validate(product)
    if "code" in data:
        _unique_code(product)
    changes = audit.diff(before, after)
    with transaction.atomic():
        versioned_update(product, list(data), expected_version)
        audit.record(actor, "product.updated", product, changes)
    events.emit("product.updated", {"id": product.pk, "changed": sorted(changes)})
    return product


def product_set_active(*, actor, product: Product, active: bool) -> Product:
    """Deactivating keeps the product on existing opportunities and quotes but out of pickers."""
    return product_update(actor=actor, product=product, data={"is_active": active})


# -- categories --


def category_create(*, actor, name: str, position: int = 0) -> ProductCategory:
    require(actor, MANAGE)
    category = ProductCategory(name=(name or "").strip(), position=position)
    validate(category)
    if ProductCategory.objects.filter(name=category.name).exists():
        raise _invalid("name", _("A category with this name already exists."))
    with transaction.atomic():
        category.save()
        audit.record(actor, "product_category.created", category)
    return category


def category_update(*, actor, category: ProductCategory, name: str, position: int = 0) -> ProductCategory:
    require(actor, MANAGE)
    before = audit.snapshot(category, ["name", "position"])
    category.name, category.position = (name or "").strip(), position
    validate(category)
    if ProductCategory.objects.filter(name=category.name).exclude(pk=category.pk).exists():
        raise _invalid("name", _("A category with this name already exists."))
    with transaction.atomic():
        category.save(update_fields=["name", "position"])
        audit.record(actor, "product_category.updated", category,
                     audit.diff(before, audit.snapshot(category, ["name", "position"])))
    return category


def category_delete(*, actor, category: ProductCategory) -> None:
    """Its products stay in the catalogue, without a category."""
    require(actor, MANAGE)
    with transaction.atomic():
        audit.record(actor, "product_category.deleted", category)
        category.delete()


# -- price lists --


def _check_price_list(price_list: PriceList) -> None:
    validate(price_list)
    if price_list.grade and price_list.grade not in CustomerGrade.values:
        raise _invalid("grade", _("Choose one of the customer grades."))
    if not price_list.grade and not price_list.region:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"__all__": [_("Name a customer grade, a region, or both, for the customers this "
                                         "price list is for.")]})
    if PriceList.objects.filter(name=price_list.name).exclude(pk=price_list.pk).exists():
        raise _invalid("name", _("A price list with this name already exists."))


def price_list_create(*, actor, data: dict[str, Any]) -> PriceList:
    require(actor, MANAGE)
    price_list = PriceList(**_clean(data, PRICE_LIST_FIELDS))
    _check_price_list(price_list)
    with transaction.atomic():
        price_list.save()
        audit.record(actor, "price_list.created", price_list,
                     audit.diff({}, audit.snapshot(price_list, PRICE_LIST_FIELDS)))
    events.emit("price_list.created", {"id": price_list.pk})
    return price_list


def price_list_update(*, actor, price_list: PriceList, data: dict[str, Any],
                      expected_version: int | None = None) -> PriceList:
    """Changing the currency re-reads every price on the list in the new currency: say so in the UI."""
    require(actor, MANAGE)
    before, after = changed_fields(price_list, _clean(data, PRICE_LIST_FIELDS), PRICE_LIST_FIELDS)
    _check_price_list(price_list)
    changes = audit.diff(before, after)
    with transaction.atomic():
        versioned_update(price_list, list(data), expected_version)
        audit.record(actor, "price_list.updated", price_list, changes)
    events.emit("price_list.updated", {"id": price_list.pk, "changed": sorted(changes)})
    return price_list


def price_list_delete(*, actor, price_list: PriceList) -> None:
    """Prices already on quotes were copied there; deleting the list changes only future prices."""
    require(actor, MANAGE)
    with transaction.atomic():
        audit.record(actor, "price_list.deleted", price_list, extra={"name": price_list.name})
        price_list.delete()
    events.emit("price_list.deleted", {"id": price_list.pk})


def price_list_set_item(*, actor, price_list: PriceList, product: Product, price: Decimal) -> PriceListItem:
    require(actor, MANAGE)
    item = PriceListItem.objects.filter(price_list=price_list, product=product).first()
    old = item.price if item else None
    item = item or PriceListItem(price_list=price_list, product=product)
    item.price = price
    validate(item)
    with transaction.atomic():
        item.save()
        audit.record(actor, "price_list.item_set", price_list, {str(product): [old, item.price]})
    return item


def price_list_remove_item(*, actor, price_list: PriceList, product: Product) -> None:
    require(actor, MANAGE)
    item = PriceListItem.objects.filter(price_list=price_list, product=product).first()
    if item is None:
        return
    with transaction.atomic():
        item.delete()
        audit.record(actor, "price_list.item_removed", price_list, {str(product): [item.price, None]})
