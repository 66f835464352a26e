"""HTML forms of a quote (报价单) and its lines. They only parse what was typed; the services decide
what is allowed, and their `lines.<n>.<field>` errors are shown on the line they name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import DomainError
from guanxi.core.money import Currency
from guanxi.customers.forms import DateInput, DomainForm

from .services import MAX_LINES

LINE_PREFIX = "lines"
LINE_INPUTS = ["product", "filled_product", "description", "unit", "quantity", "unit_price", "discount_percent",
               "tax_rate"]


class QuoteForm(DomainForm):
    """The head of a quote: who it is for, in which currency, until when, and its terms."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    title = forms.CharField(label=_("Title"), max_length=200)
    customer: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    contact: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Contact"), queryset=None, required=False)
    opportunity: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Opportunity"), queryset=None,
                                                                 required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.CNY)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())
    owner: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    terms = forms.CharField(label=_("Terms"), max_length=10000, required=False,
                            widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("Printed on the quote: payment, delivery, warranty."))
    notes = forms.CharField(label=_("Internal notes"), max_length=10000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Not printed."))

    def __init__(self, *args, customers, customer_options: list, contacts, opportunities, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []
        self.fields["customer"].queryset = customers  # type: ignore[attr-defined]
        # Only the chosen customer and search results are offered: there may be a million customers.
        self.fields["customer"].widget.choices = [("", "—"), *[(c.pk, c.name) for c in customer_options]]
        self.fields["contact"].queryset = contacts  # type: ignore[attr-defined]
        self.fields["opportunity"].queryset = opportunities  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]

    def quote_data(self) -> dict[str, Any]:
        names = ["title", "customer", "contact", "opportunity", "currency", "valid_until", "terms", "notes", "owner"]
        data = {name: self.cleaned_data.get(name) for name in names}
        data["terms"] = data["terms"] or ""
        data["notes"] = data["notes"] or ""
        return data


class QuoteLineForm(forms.Form):
    """One line. Left blank, description, unit, price and tax rate come from the chosen product."""

    product = forms.TypedChoiceField(label=_("Product"), coerce=int, required=False, empty_value=None)
    # The product whose values the editor last filled in; a different product fills them again.
    filled_product = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                                  initial=Decimal(1), widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}))
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=18, decimal_places=2, min_value=Decimal(0),
                                    required=False, widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}))
    discount_percent = forms.DecimalField(label=_("Discount %"), max_digits=5, decimal_places=2,
                                          min_value=Decimal(0), max_value=Decimal(100), required=False,
                                          initial=Decimal(0),
                                          widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}))
    tax_rate = forms.DecimalField(label=_("Tax rate %"), max_digits=5, decimal_places=2, min_value=Decimal(0),
                                  max_value=Decimal(100), required=False,
                                  widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}))

    def __init__(self, *args, product_choices: list[tuple[Any, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = product_choices  # type: ignore[attr-defined]
        # A line left as the editor offered it (no product, text or price) is skipped, not refused.
        self.empty_permitted = True

    def line_data(self, products: dict) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in ("description", "unit", "quantity", "unit_price",
                                                               "discount_percent", "tax_rate")}
        data["description"] = data["description"] or ""
        data["unit"] = data["unit"] or ""
        if data["discount_percent"] is None:
            data["discount_percent"] = Decimal(0)
        product_id = self.cleaned_data.get("product")
        data["product"] = products.get(product_id) if product_id is not None else None
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, product_choices: list[tuple[Any, str]], **kwargs):
        kwargs.setdefault("prefix", LINE_PREFIX)
        kwargs["form_kwargs"] = {"product_choices": product_choices}
        super().__init__(*args, **kwargs)
        self.extra_errors: list[str] = []

    def product_ids(self) -> list[int]:
        return [f.cleaned_data["product"] for f in self.forms if f.cleaned_data.get("product") is not None]


LineFormSet = cast(type[BaseLineFormSet], forms.formset_factory(
    QuoteLineForm, formset=BaseLineFormSet, extra=0, max_num=MAX_LINES, validate_max=True, absolute_max=MAX_LINES))


def place_domain_error(exc: DomainError, form: QuoteForm, formset: BaseLineFormSet) -> None:
    """A service error on the field it names: the quote's own fields, a line's field, or the lines as a whole."""
    head_errors: dict[str, list[str]] = {}
    for field, messages in exc.errors.items():
        parts = field.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(formset.forms):
            line_form = formset.forms[int(parts[1])]
            name = parts[2] if parts[2] in line_form.fields else None
            for message in messages:
                line_form.add_error(name, message)
        elif field == "lines":
            formset.extra_errors.extend(str(m) for m in messages)
        else:
            head_errors[field] = messages
    # With no error on the head fields, the message still shows at the top of the form.
    form.add_domain_error(DomainError(exc.code, exc.message, head_errors))
