"""Pages of the product catalogue (产品): the list with search and filters, a product's page, and
for `products.manage` the product form, categories and price lists."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.customers.views.common import PAGE_SIZE, guarded, render_listing

from . import selectors, services
from .filters import ProductFilters
from .forms import CategoryForm, PriceListForm, PriceListItemForm, ProductForm
from .models import PriceList, Product

MANAGE = "products.manage"


@guarded("products.view")
def product_list(request):
    actor = request.user
    error = None
    page = None
    try:
        filters = ProductFilters.from_query(request.GET)
        page = selectors.product_page(actor=actor, filters=filters, cursor=request.GET.get("cursor") or None,
                                      limit=PAGE_SIZE)
    except DomainError as exc:
        error = exc
    context = {
        "page": page,
        "error": error,
        "params": request.GET,
        "status": request.GET.get("status") or "active",
        "categories": list(selectors.category_list()),
        "can_manage": actor.has_action(MANAGE),
    }
    return render_listing(request, "products/product_list.html", context)


@guarded("products.view")
def product_detail(request, pk: int):
    product = selectors.product_get(actor=request.user, id=pk)
    return render(request, "products/product_detail.html", {
        "product": product,
        "price_items": list(selectors.product_price_lists(product=product)),
        "can_manage": request.user.has_action(MANAGE),
    })


def _product_form_page(request, form: ProductForm, product: Product | None, status: int = 200):
    return render(request, "products/product_form.html", {"form": form, "product": product}, status=status)


@guarded(MANAGE)
def product_create(request):
    form = ProductForm(request.POST or None)
    if request.method != "POST":
        return _product_form_page(request, form, None)
    if form.is_valid():
        try:
            product = services.product_create(actor=request.user, data=form.product_data())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Product “%(name)s” created.") % {"name": product.name})
            return redirect("products:detail", pk=product.pk)
    return _product_form_page(request, form, None, status=400)


@guarded(MANAGE)
def product_edit(request, pk: int):
    product = selectors.product_get(actor=request.user, id=pk)
    form = ProductForm(request.POST or None, product=product)
    if request.method != "POST":
        return _product_form_page(request, form, product)
    if form.is_valid():
        try:
            services.product_update(actor=request.user, product=product, data=form.product_data(),
                                    expected_version=form.cleaned_data.get("version"))
        except Conflict:
            form.add_error(None, _("Someone else changed this product while you were editing. Reload it to see "
                                   "their changes, then edit again."))
            return _product_form_page(request, form, product, status=409)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Product “%(name)s” saved.") % {"name": product.name})
            return redirect("products:detail", pk=product.pk)
    return _product_form_page(request, form, product, status=400)


@require_POST
@guarded(MANAGE)
def product_set_active(request, pk: int):
    product = selectors.product_get(actor=request.user, id=pk)
    active = request.POST.get("active") == "1"
    services.product_set_active(actor=request.user, product=product, active=active)
    if active:
        messages.success(request, _("Product “%(name)s” is offered again.") % {"name": product.name})
    else:
        messages.success(request, _("Product “%(name)s” deactivated: it stays on existing opportunities and "
                                    "quotes but is no longer offered.") % {"name": product.name})
    return redirect("products:detail", pk=product.pk)


# -- categories --


@guarded(MANAGE)
def category_list(request):
    form = CategoryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                category = services.category_create(actor=request.user, name=form.cleaned_data["name"],
                                                    position=form.cleaned_data.get("position") or 0)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Category “%(name)s” added.") % {"name": category.name})
                return redirect("products:categories")
    return render(request, "products/category_list.html",
                  {"categories": list(selectors.category_list()), "form": form}, status=status)


@require_POST
@guarded(MANAGE)
def category_edit(request, pk: int):
    category = selectors.category_get(id=pk)
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            services.category_update(actor=request.user, category=category, name=form.cleaned_data["name"],
                                     position=form.cleaned_data.get("position") or 0)
        except DomainError as exc:
            for message in [m for msgs in exc.errors.values() for m in msgs] or [str(exc.message)]:
                messages.error(request, message)
        else:
            messages.success(request, _("Category “%(name)s” saved.") % {"name": category.name})
    else:
        messages.error(request, _("Give the category a name of at most 80 characters."))
    return redirect("products:categories")


@require_POST
@guarded(MANAGE)
def category_delete(request, pk: int):
    category = selectors.category_get(id=pk)
    services.category_delete(actor=request.user, category=category)
    messages.success(request, _("Category “%(name)s” deleted; its products stay in the catalogue.")
                     % {"name": category.name})
    return redirect("products:categories")


# -- price lists --


@guarded("products.view")
def price_list_list(request):
    return render(request, "products/price_list_list.html", {
        "price_lists": list(selectors.price_list_list()),
        "can_manage": request.user.has_action(MANAGE),
    })


@guarded("products.view")
def price_list_detail(request, pk: int):
    price_list = selectors.price_list_get(id=pk)
    can_manage = request.user.has_action(MANAGE)
    form = None
    status = 200
    if can_manage:
        form = PriceListItemForm(request.POST or None, products=selectors.product_choices(actor=request.user))
    if request.method == "POST":
        if form is None:
            raise NotFound()
        status = 400
        if form.is_valid():
            try:
                services.price_list_set_item(actor=request.user, price_list=price_list,
                                             product=form.cleaned_data["product"], price=form.cleaned_data["price"])
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Price saved."))
                return redirect("products:price_list_detail", pk=price_list.pk)
    return render(request, "products/price_list_detail.html", {
        "price_list": price_list,
        "items": list(selectors.price_list_items(price_list=price_list)),
        "form": form,
        "can_manage": can_manage,
    }, status=status)


@require_POST
@guarded(MANAGE)
def price_list_remove_item(request, pk: int, product_id: int):
    price_list = selectors.price_list_get(id=pk)
    product = selectors.product_get(actor=request.user, id=product_id)
    services.price_list_remove_item(actor=request.user, price_list=price_list, product=product)
    messages.success(request, _("“%(name)s” removed from this price list.") % {"name": product.name})
    return redirect("products:price_list_detail", pk=price_list.pk)


def _price_list_form_page(request, form: PriceListForm, price_list: PriceList | None, status: int = 200):
    return render(request, "products/price_list_form.html", {"form": form, "price_list": price_list},
                  status=status)


@guarded(MANAGE)
def price_list_create(request):
    form = PriceListForm(request.POST or None)
    if request.method != "POST":
        return _price_list_form_page(request, form, None)
    if form.is_valid():
        try:
            price_list = services.price_list_create(actor=request.user, data=form.price_list_data())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Price list “%(name)s” created.") % {"name": price_list.name})
            return redirect("products:price_list_detail", pk=price_list.pk)
    return _price_list_form_page(request, form, None, status=400)


@guarded(MANAGE)
def price_list_edit(request, pk: int):
    price_list = selectors.price_list_get(id=pk)
    form = PriceListForm(request.POST or None, price_list=price_list)
    if request.method != "POST":
        return _price_list_form_page(request, form, price_list)
    if form.is_valid():
        try:
            services.price_list_update(actor=request.user, price_list=price_list, data=form.price_list_data(),
                                       expected_version=form.cleaned_data.get("version"))
        except Conflict:
            form.add_error(None, _("Someone else changed this price list while you were editing. Reload it to "
                                   "see their changes, then edit again."))
            return _price_list_form_page(request, form, price_list, status=409)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Price list “%(name)s” saved.") % {"name": price_list.name})
            return redirect("products:price_list_detail", pk=price_list.pk)
    return _price_list_form_page(request, form, price_list, status=400)


@require_POST
@guarded(MANAGE)
def price_list_delete(request, pk: int):
    price_list = selectors.price_list_get(id=pk)
    services.price_list_delete(actor=request.user, price_list=price_list)
    messages.success(request, _("Price list “%(name)s” deleted.") % {"name": price_list.name})
    return redirect("products:price_lists")
