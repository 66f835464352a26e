"""Every read of the product catalogue and price lists.

Products are the company's catalogue, not records someone owns: whoever may view products
sees all of them, so there is no data scope here; the pages and the API check the right.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from guanxi.core.errors import NotFound
from guanxi.core.paging import Page, keyset_page

from .filters import ProductFilters
from .models import PriceList, PriceListItem, Product, ProductCategory


def product_list(*, actor, filters: ProductFilters | None = None) -> QuerySet[Product]:
    filters = filters or ProductFilters()
    return filters.apply(Product.objects.all()).select_related("category")


def product_page(*, actor, filters: ProductFilters, cursor: str | None, limit: int = 50) -> Page:
    limit = max(1, min(limit, 200))
    return keyset_page(product_list(actor=actor, filters=filters), filters.ordering, cursor, limit)


def product_get(*, actor, id: int) -> Product:
    product = Product.objects.select_related("category").filter(pk=id).first()
    if product is None:
        raise NotFound()
    return product


def product_choices(*, actor) -> QuerySet[Product]:
    """Active products offered on opportunity and quote lines."""
    return Product.objects.filter(is_active=True).order_by("name", "id")


def product_price_lists(*, product: Product) -> QuerySet[PriceListItem]:
    """The price lists that price `product`, for its page."""
    return (PriceListItem.objects.filter(product=product).select_related("price_list")
            .order_by("price_list__name"))


def category_list() -> QuerySet[ProductCategory]:
    return ProductCategory.objects.annotate(product_count=Count("products")).order_by("position", "name")


def category_get(*, id: int) -> ProductCategory:
    category = ProductCategory.objects.filter(pk=id).first()
    if category is None:
        raise NotFound()
    return category


def price_list_list() -> QuerySet[PriceList]:
    return PriceList.objects.annotate(item_count=Count("items")).order_by("name")


def price_list_get(*, id: int) -> PriceList:
    price_list = PriceList.objects.filter(pk=id).first()
    if price_list is None:
        raise NotFound()
    return price_list


def price_list_items(*, price_list: PriceList) -> QuerySet[PriceListItem]:
    return price_list.items.select_related("product").order_by("product__name", "product_id")
