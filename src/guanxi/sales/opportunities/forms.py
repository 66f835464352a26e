"""HTML forms of opportunities and pipelines. They parse what was typed; the services decide what is
allowed, and their DomainError field errors are shown on the same form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import NotFound
from guanxi.core.models import CustomFieldDefinition
from guanxi.core.money import Currency
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.choices import CustomerSource
from guanxi.customers.forms import DateInput, DomainForm, custom_initial
from guanxi.customers.models import Contact, Customer

from .choices import StageKind
from .models import Opportunity, Stage

OPPORTUNITY_TEXT_FIELDS = ["name", "competitors", "notes", "source"]


def stage_choices(stages, *, kinds: tuple[str, ...] | None = None) -> list:
    """Stages grouped by pipeline for a <select>, optionally only some kinds."""
    groups: dict[str, list] = {}
    for stage in stages:
        if kinds is None or stage.kind in kinds:
            groups.setdefault(stage.pipeline.name, []).append((stage.pk, f"{stage.name} ({stage.probability}%)"))
    if len(groups) == 1:
        return next(iter(groups.values()))
    return list(groups.items())


class OpportunityForm(DomainForm):
    """Create or edit an opportunity. The customer comes from a search picker scoped to the customers
    the user can see; the contacts offered are that customer's."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    name = forms.CharField(label=_("name"), max_length=200)
    customer = forms.IntegerField(label=_("customer"), widget=forms.Select, min_value=1, max_value=2**63 - 1)
    contacts = forms.ModelMultipleChoiceField(label=_("contacts"), queryset=Contact.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    amount = forms.DecimalField(label=_("amount"), max_digits=18, decimal_places=2, min_value=0, required=False)
    currency = forms.ChoiceField(label=_("currency"), choices=Currency.choices, initial=Currency.CNY)
    expected_close_date = forms.DateField(label=_("expected close date"), required=False, widget=DateInput())
    stage = forms.TypedChoiceField(label=_("stage"), coerce=int, choices=[])
    probability = forms.IntegerField(label=_("win probability %"), min_value=0, max_value=100, required=False,
                                     help_text=_("Leave empty to use the stage's probability."))
    source = forms.ChoiceField(label=_("source"), choices=[("", "—"), *CustomerSource.choices], required=False)
    competitors = forms.CharField(label=_("competitors"), max_length=255, required=False)
    notes = forms.CharField(label=_("notes"), max_length=10000, required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, actor, owners, stages, opportunity: Opportunity | None = None,
                 definitions: list[CustomFieldDefinition], can_transfer: bool = True, has_lines: bool = False,
                 customer: Customer | None = None, **kwargs):
        self.actor = actor
        self.opportunity = opportunity
        if opportunity is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(opportunity, definitions)
        super().__init__(*args, **kwargs)
        if opportunity is None:
            self.fields["stage"].choices = stage_choices(  # type: ignore[attr-defined]
                stages, kinds=(StageKind.OPEN,))
            self.fields["stage"].help_text = _("The pipeline follows from the stage.")
        else:
            del self.fields["stage"]
        self.owner_locked = opportunity is not None and not can_transfer
        if not self.owner_locked:
            self.fields["owner"] = forms.ModelChoiceField(label=_("owner"), queryset=owners, required=True)
            if opportunity is None:
                self.fields["owner"].initial = actor.pk
        self.has_lines = has_lines
        if has_lines:
            self.fields["amount"].disabled = True
            self.fields["amount"].help_text = _("The sum of the product lines.")
        if opportunity is not None and opportunity.source and opportunity.source not in CustomerSource.values:
            # A source set elsewhere (an import, a converted lead) stays choosable as it is.
            source_field: Any = self.fields["source"]
            source_field.choices = [*source_field.choices, (opportunity.source, opportunity.source)]
        self._setup_customer(customer)
        self.add_custom_fields(definitions)

    @staticmethod
    def initial_for(opportunity: Opportunity, definitions: list[CustomFieldDefinition]) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(opportunity, name) for name in
                                   ["name", "amount", "currency", "expected_close_date", *OPPORTUNITY_TEXT_FIELDS]}
        initial.update(version=opportunity.version, customer=opportunity.customer_id, owner=opportunity.owner_id,
                       contacts=[c.pk for c in opportunity.contacts.all()],
                       probability=opportunity.probability if opportunity.probability_overridden else None)
        initial.update(custom_initial(definitions, opportunity.custom or {}))
        return initial

    def _chosen_customer_id(self) -> int | None:
        raw = self.data.get(self.add_prefix("customer")) if self.is_bound else self.initial.get("customer")
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def _setup_customer(self, customer: Customer | None) -> None:
        """Offer only the chosen customer in the <select> (the search fills in more) and its contacts."""
        if customer is not None and not self.is_bound:
            self.initial["customer"] = customer.pk
        chosen_id = self._chosen_customer_id()
        chosen = None
        if chosen_id is not None:
            try:
                chosen = customer_selectors.customer_get(actor=self.actor, id=chosen_id)
            except NotFound:
                chosen = None
        self.chosen_customer = chosen
        field = self.fields["customer"]
        field.widget.choices = [("", "—")] + ([(chosen.pk, chosen.name)] if chosen else [])
        contacts_field = self.fields["contacts"]
        contacts_field.queryset = (  # type: ignore[attr-defined]
            customer_selectors.customer_contacts(actor=self.actor, customer=chosen) if chosen
            else Contact.objects.none())

    def clean_customer(self) -> Customer:
        if self.chosen_customer is None:
            raise forms.ValidationError(_("Choose a customer you can see."))
        return self.chosen_customer

    def opportunity_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: self.cleaned_data.get(name) for name in
                                ["name", "customer", "currency", "expected_close_date"]}
        for name in OPPORTUNITY_TEXT_FIELDS:
            data[name] = self.cleaned_data.get(name) or ""
        if not self.has_lines:
            data["amount"] = self.cleaned_data.get("amount") or 0
        if "owner" in self.fields:
            data["owner"] = self.cleaned_data.get("owner")
        if self.opportunity is None:
            if self.cleaned_data.get("probability") is not None:
                data["probability"] = self.cleaned_data["probability"]
        else:
            data["probability"] = self.cleaned_data.get("probability")
        return data


class MoveForm(DomainForm):
    """Move an opportunity to another stage; a lost stage asks why."""

    stage = forms.TypedChoiceField(label=_("stage"), coerce=int, choices=[])
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    lost_reason: forms.ModelChoiceField = forms.ModelChoiceField(label=_("lost reason"), queryset=None,
                                                                 required=False)
    lost_note = forms.CharField(label=_("lost note"), max_length=500, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, stages, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []
        self.fields["stage"].choices = stage_choices(stages)  # type: ignore[attr-defined]
        self.fields["lost_reason"].queryset = reasons  # type: ignore[attr-defined]


class LineForm(DomainForm):
    """Add a product line; an empty unit price takes the customer's price of the product."""

    product: forms.ModelChoiceField = forms.ModelChoiceField(label=_("product"), queryset=None, required=False)
    description = forms.CharField(label=_("description"), max_length=200, required=False)
    quantity = forms.DecimalField(label=_("quantity"), max_digits=12, decimal_places=2, min_value=0, initial=1)
    unit_price = forms.DecimalField(label=_("unit price"), max_digits=18, decimal_places=2, min_value=0,
                                    required=False, help_text=_("Empty: the customer's price of the product."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []
        self.fields["product"].queryset = products  # type: ignore[attr-defined]

    def line_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in ("product", "description", "quantity", "unit_price")}


class BulkForm(forms.Form):
    """What to do with the opportunities ticked on the list."""

    ACTIONS = [("transfer", _("Transfer to")), ("delete", _("Delete"))]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    owner: forms.ModelChoiceField = forms.ModelChoiceField(label=_("New owner"), queryset=None, required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        try:
            cleaned["ids"] = [int(v) for v in raw]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("The selection is not valid.")) from None
        if not cleaned["ids"]:
            raise forms.ValidationError(_("Tick at least one opportunity first."))
        if cleaned.get("action") == "transfer" and not cleaned.get("owner"):
            self.add_error("owner", _("Choose who takes these opportunities over."))
        return cleaned


# -- pipelines --


class PipelineForm(DomainForm):
    name = forms.CharField(label=_("name"), max_length=80)
    is_default = forms.BooleanField(label=_("default"), required=False)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []


class StageForm(DomainForm):
    name = forms.CharField(label=_("name"), max_length=80)
    probability = forms.IntegerField(label=_("win probability %"), min_value=0, max_value=100, initial=0)
    kind = forms.ChoiceField(label=_("kind"), choices=StageKind.choices, initial=StageKind.OPEN)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []


class StageDeleteForm(forms.Form):
    move_to: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Move its opportunities to"), queryset=None,
                                                             required=False)

    def __init__(self, *args, stage: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_to"].queryset = (  # type: ignore[attr-defined]
            Stage.objects.filter(pipeline_id=stage.pipeline_id, kind=stage.kind, is_active=True)
            .exclude(pk=stage.pk).order_by("position"))


class LostReasonForm(DomainForm):
    name = forms.CharField(label=_("name"), max_length=80)
    position = forms.IntegerField(label=_("position"), min_value=0, max_value=1_000_000, required=False, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []
