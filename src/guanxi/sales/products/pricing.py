"""What a customer pays for a product (报价取价): the best-matching active price list, else the list price.

A price list matches a customer when its grade (if it names one) equals the customer's grade and
the customer's region starts with its region (if it names one), so "广东" matches "广东 深圳".
Among several matching lists the most specific wins: grade and region over grade alone, grade
alone over region alone, a longer region over a shorter one; a tie goes to the lower price (the
customer would point at it anyway), then to the older list.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q

from .models import PriceListItem, Product


def _matches(list_region: str, customer_region: str) -> bool:
    return not list_region or customer_region.startswith(list_region)


def _specificity(item: PriceListItem) -> tuple:
    price_list = item.price_list
    return (bool(price_list.grade), len(price_list.region), -item.price, -price_list.pk)


def _matching_items(product_ids: list[int], customer) -> list[PriceListItem]:
    grade = getattr(customer, "grade", "") or ""
    region = (getattr(customer, "region", "") or "").strip()
    items = (PriceListItem.objects.filter(product_id__in=product_ids, price_list__is_active=True)
             .filter(Q(price_list__grade="") | Q(price_list__grade=grade))
             .select_related("price_list"))
    return [item for item in items if _matches(item.price_list.region, region)]


def product_price_for(*, product: Product, customer) -> tuple[Decimal, str]:
    """(unit price, ISO currency) of `product` for `customer`; quotes and opportunity lines call it."""
    items = _matching_items([product.pk], customer)
    if items:
        best = max(items, key=_specificity)
        return best.price, best.price_list.currency
    return product.list_price, product.currency


def product_prices_for(*, products: Iterable[Product], customer) -> dict[int, tuple[Decimal, str]]:
    """`product_price_for` for many products in one query, keyed by product id."""
    products = list(products)
    best: dict[int, PriceListItem] = {}
    for item in _matching_items([p.pk for p in products], customer):
        current = best.get(item.product_id)
        if current is None or _specificity(item) > _specificity(current):
            best[item.product_id] = item
    prices: dict[int, tuple[Decimal, str]] = {}
    for product in products:
        chosen = best.get(product.pk)
        prices[product.pk] = ((chosen.price, chosen.price_list.currency) if chosen
                              else (product.list_price, product.currency))
    return prices
