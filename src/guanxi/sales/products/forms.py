"""HTML forms of the catalogue. They parse what was typed; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.customers.choices import CustomerGrade
from guanxi.customers.forms import DomainForm

from .models import PriceList, Product, ProductCategory

PRODUCT_FORM_FIELDS = ["code", "name", "unit", "list_price", "currency", "tax_rate", "description", "is_active"]
PRICE_LIST_FORM_FIELDS = ["name", "region", "currency", "is_active"]


class ProductForm(DomainForm):
    """Create or edit a product of the catalogue."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, product: Product | None = None, **kwargs):
        if product is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {name: getattr(product, name) for name in PRODUCT_FORM_FIELDS}
            initial.update(category=product.category_id, version=product.version)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.definitions = []
        self.fields.update(forms.fields_for_model(
            Product, fields=PRODUCT_FORM_FIELDS, widgets={"description": forms.Textarea(attrs={"rows": 3})}))
        self.fields["category"] = forms.ModelChoiceField(label=_("category"), required=False,
                                                         queryset=ProductCategory.objects.order_by("position", "name"))

    def product_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in [*PRODUCT_FORM_FIELDS, "category"]}
        for name in ("unit", "description"):
            data[name] = data[name] or ""
        return data


class CategoryForm(DomainForm):
    name = forms.CharField(label=_("name"), max_length=80)
    position = forms.IntegerField(label=_("position"), min_value=0, max_value=1_000_000, required=False, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []


class PriceListForm(DomainForm):
    """Name a price list and the customers it is for: a grade, a region prefix, or both."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    grade = forms.ChoiceField(label=_("customer grade"), required=False,
                              choices=[("", "—"), *CustomerGrade.choices])

    def __init__(self, *args, price_list: PriceList | None = None, **kwargs):
        if price_list is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {name: getattr(price_list, name) for name in PRICE_LIST_FORM_FIELDS}
            initial.update(grade=price_list.grade, version=price_list.version)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.definitions = []
        grade = self.fields.pop("grade")
        model_fields = forms.fields_for_model(PriceList, fields=PRICE_LIST_FORM_FIELDS)
        self.fields["name"] = model_fields["name"]
        self.fields["grade"] = grade
        self.fields.update({k: v for k, v in model_fields.items() if k != "name"})
        self.fields["region"].help_text = _("Customers whose region starts with this, e.g. 广东.")

    def price_list_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in [*PRICE_LIST_FORM_FIELDS, "grade"]}
        data["grade"] = data["grade"] or ""
        data["region"] = data["region"] or ""
        return data


class PriceListItemForm(DomainForm):
    """Set one product's price on a price list."""

    product: forms.ModelChoiceField = forms.ModelChoiceField(label=_("product"), queryset=None)
    price = forms.DecimalField(label=_("price"), max_digits=18, decimal_places=2, min_value=0)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []
        self.fields["product"].queryset = products  # type: ignore[attr-defined]
