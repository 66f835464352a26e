"""REST API of the product catalogue and price lists: the same selectors and services as the pages."""

from __future__ import annotations

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams, as_page
from guanxi.core.api_schemas import Id, errors, pick
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.permissions import require
from guanxi.customers import selectors as customer_selectors

from . import selectors, services
from .filters import ProductFilters
from .models import ProductCategory
from .pricing import product_price_for
from .schemas import (
    CategoryIn,
    CategoryOut,
    PriceIn,
    PriceListDetailOut,
    PriceListIn,
    PriceListItemOut,
    PriceListOut,
    PriceListPatch,
    PriceOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    ProductQuery,
)

router = Router(tags=["products"])


def _can_view(request) -> None:
    require(request.auth, "products.view")


def _category(id: int | None):
    return pick(ProductCategory.objects.all(), id, "category_id")


@router.get("/products", response={200: PageOut[ProductOut], **errors(400, 403, 422)}, summary=_("List products"))
def list_products(request, filters: Query[ProductQuery], paging: Query[PageParams]):
    """Search by name or code (for pickers); active products unless `status` says otherwise."""
    _can_view(request)
    parsed = ProductFilters(q=filters.q, category=filters.category, status=filters.status)
    return as_page(selectors.product_page(actor=request.auth, filters=parsed, cursor=paging.cursor or None,
                                          limit=paging.limit))


@router.get("/products/{product_id}", response={200: ProductOut, **errors(403, 404, 422)}, summary=_("Get a product"))
def get_product(request, product_id: Id):
    _can_view(request)
    return selectors.product_get(actor=request.auth, id=product_id)


@router.get("/products/{product_id}/price", response={200: PriceOut, **errors(403, 404, 422)},
            summary=_("Price of a product for a customer"))
def get_price(request, product_id: Id, customer_id: Id):
    """The price of the best-matching active price list for the customer's grade and region, else the list price."""
    _can_view(request)
    product = selectors.product_get(actor=request.auth, id=product_id)
    customer = customer_selectors.customer_get(actor=request.auth, id=customer_id)
    price, currency = product_price_for(product=product, customer=customer)
    return {"product_id": product.pk, "customer_id": customer.pk, "price": price, "currency": currency}


@router.post("/products", response={201: ProductOut, **errors(400, 403, 422)}, summary=_("Create a product"))
def create_product(request, payload: ProductIn):
    require(request.auth, "products.manage")
    data = payload.model_dump()
    data["category"] = _category(data.pop("category_id"))
    product = services.product_create(actor=request.auth, data=data)
    return Status(201, selectors.product_get(actor=request.auth, id=product.pk))


@router.patch("/products/{product_id}", response={200: ProductOut, **errors(400, 403, 404, 409, 422)},
              summary=_("Update a product"))
def update_product(request, product_id: Id, payload: ProductPatch):
    require(request.auth, "products.manage")
    product = selectors.product_get(actor=request.auth, id=product_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    if "category_id" in data:
        data["category"] = _category(data.pop("category_id"))
    services.product_update(actor=request.auth, product=product, data=data, expected_version=version)
    return selectors.product_get(actor=request.auth, id=product.pk)


@router.delete("/products/{product_id}", response={200: ProductOut, **errors(403, 404, 422)},
               summary=_("Deactivate a product"))
def deactivate_product(request, product_id: Id):
    """Products are never deleted: existing lines keep them. A deactivated product leaves the pickers."""
    require(request.auth, "products.manage")
    product = selectors.product_get(actor=request.auth, id=product_id)
    services.product_set_active(actor=request.auth, product=product, active=False)
    return selectors.product_get(actor=request.auth, id=product.pk)


# -- categories --


@router.get("/product-categories", response={200: list[CategoryOut], **errors(403)}, summary=_("List categories"))
def list_categories(request):
    _can_view(request)
    return list(selectors.category_list())


@router.post("/product-categories", response={201: CategoryOut, **errors(400, 403, 422)},
             summary=_("Create a category"))
def create_category(request, payload: CategoryIn):
    return Status(201, services.category_create(actor=request.auth, name=payload.name, position=payload.position))


@router.put("/product-categories/{category_id}", response={200: CategoryOut, **errors(400, 403, 404, 422)},
            summary=_("Rename a category"))
def update_category(request, category_id: Id, payload: CategoryIn):
    require(request.auth, "products.manage")
    category = selectors.category_get(id=category_id)
    return services.category_update(actor=request.auth, category=category, name=payload.name,
                                    position=payload.position)


@router.delete("/product-categories/{category_id}", response={204: None, **errors(403, 404, 422)},
               summary=_("Delete a category"))
def delete_category(request, category_id: Id):
    require(request.auth, "products.manage")
    services.category_delete(actor=request.auth, category=selectors.category_get(id=category_id))
    return Status(204, None)


# -- price lists --


def _price_list_detail(price_list) -> dict:
    out = PriceListOut.from_orm(price_list).model_dump()
    out["items"] = list(selectors.price_list_items(price_list=price_list))
    return out


@router.get("/price-lists", response={200: list[PriceListOut], **errors(403)}, summary=_("List price lists"))
def list_price_lists(request):
    _can_view(request)
    return list(selectors.price_list_list())


@router.get("/price-lists/{price_list_id}", response={200: PriceListDetailOut, **errors(403, 404, 422)},
            summary=_("Get a price list with its prices"))
def get_price_list(request, price_list_id: Id):
    _can_view(request)
    return _price_list_detail(selectors.price_list_get(id=price_list_id))


@router.post("/price-lists", response={201: PriceListDetailOut, **errors(400, 403, 422)},
             summary=_("Create a price list"))
def create_price_list(request, payload: PriceListIn):
    price_list = services.price_list_create(actor=request.auth, data=payload.model_dump())
    return Status(201, _price_list_detail(price_list))


@router.patch("/price-lists/{price_list_id}", response={200: PriceListDetailOut, **errors(400, 403, 404, 409, 422)},
              summary=_("Update a price list"))
def update_price_list(request, price_list_id: Id, payload: PriceListPatch):
    require(request.auth, "products.manage")
    price_list = selectors.price_list_get(id=price_list_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    services.price_list_update(actor=request.auth, price_list=price_list, data=data, expected_version=version)
    return _price_list_detail(selectors.price_list_get(id=price_list.pk))


@router.delete("/price-lists/{price_list_id}", response={204: None, **errors(403, 404, 422)},
               summary=_("Delete a price list"))
def delete_price_list(request, price_list_id: Id):
    require(request.auth, "products.manage")
    services.price_list_delete(actor=request.auth, price_list=selectors.price_list_get(id=price_list_id))
    return Status(204, None)


@router.put("/price-lists/{price_list_id}/items/{product_id}", response={200: PriceListItemOut,
                                                                         **errors(400, 403, 404, 422)},
            summary=_("Set a product's price on a price list"))
def set_price(request, price_list_id: Id, product_id: Id, payload: PriceIn):
    require(request.auth, "products.manage")
    price_list = selectors.price_list_get(id=price_list_id)
    product = selectors.product_get(actor=request.auth, id=product_id)
    return services.price_list_set_item(actor=request.auth, price_list=price_list, product=product,
                                        price=payload.price)


@router.delete("/price-lists/{price_list_id}/items/{product_id}", response={204: None, **errors(403, 404, 422)},
               summary=_("Remove a product from a price list"))
def remove_price(request, price_list_id: Id, product_id: Id):
    require(request.auth, "products.manage")
    price_list = selectors.price_list_get(id=price_list_id)
    product = selectors.product_get(actor=request.auth, id=product_id)
    services.price_list_remove_item(actor=request.auth, price_list=price_list, product=product)
    return Status(204, None)
