"""HTML forms of contracts and receivables. They only parse what was typed; the services decide what
is allowed, and their DomainError field errors are shown on the same form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.activities.forms import MultipleFileField
from guanxi.activities.services import MAX_ATTACHMENTS
from guanxi.core.models import CustomFieldDefinition
from guanxi.core.money import MAX_DIGITS
from guanxi.customers.forms import DateInput, DomainForm, custom_initial

from .choices import ContractStatus, PaymentMethod
from .formatting import money_text
from .models import Contract, Instalment

CONTRACT_MODEL_FIELDS = ["title", "amount", "currency", "signed_on", "starts_on", "ends_on", "notes"]
# Fields a signed contract still lets users change (the services say the same).
OPEN_FIELDS = {"notes"}
# How many customers the picker lists before the user searches.
CUSTOMER_PICKS = 30


def amount_field(label, *, minimum: str = "0.01", **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=MAX_DIGITS, decimal_places=2, min_value=Decimal(minimum),
                              widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}), **kwargs)


class ContractForm(DomainForm):
    """Create or edit a contract: its terms, owner and custom fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, actor, customers, owners, opportunities, quotes, contract: Contract | None = None,
                 definitions: list[CustomFieldDefinition], **kwargs):
        self.contract = contract
        if contract is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(contract, definitions)
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(
            Contract, fields=CONTRACT_MODEL_FIELDS,
            widgets={"notes": forms.Textarea(attrs={"rows": 4}), "signed_on": DateInput(),
                     "starts_on": DateInput(), "ends_on": DateInput()},
        )
        model_fields["amount"] = amount_field(_("amount"), minimum="0")
        self.fields.update(model_fields)
        # Only a few options are listed (the chosen customer and the latest); the search box beside the
        # picker loads matches. Listing every customer would not scale to a million.
        self.fields["customer"] = forms.ModelChoiceField(label=_("customer"), queryset=customers)
        self.fields["opportunity"] = forms.ModelChoiceField(queryset=opportunities, required=False,
                                                            widget=forms.HiddenInput)
        self.fields["quote"] = forms.ModelChoiceField(queryset=quotes, required=False, widget=forms.HiddenInput)
        self.fields["owner"] = forms.ModelChoiceField(label=_("owner"), queryset=owners)
        if contract is None:
            self.fields["owner"].initial = actor.pk
        self._limit_customer_options(customers)
        self.add_custom_fields(definitions)
        self.locked = contract is not None and contract.status != ContractStatus.DRAFT
        if self.locked:
            for name, field in self.fields.items():
                if name not in OPEN_FIELDS and name != "version" and not name.startswith("cf_"):
                    field.disabled = True

    def _limit_customer_options(self, customers) -> None:
        field = self.fields["customer"]
        chosen = self.data.get("customer") if self.is_bound else self.initial.get("customer")
        picks = list(customers[:CUSTOMER_PICKS])
        if chosen and str(chosen).isdigit() and int(chosen) not in {c.pk for c in picks}:
            extra = customers.filter(pk=int(chosen)).first()
            if extra is not None:
                picks.insert(0, extra)
        field.widget.choices = [("", "---------"), *[(c.pk, c.name) for c in picks]]

    @staticmethod
    def initial_for(contract: Contract, definitions: list[CustomFieldDefinition]) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(contract, name) for name in CONTRACT_MODEL_FIELDS}
        initial.update(customer=contract.customer_id, opportunity=contract.opportunity_id, quote=contract.quote_id,
                       owner=contract.owner_id, version=contract.version)
        initial.update(custom_initial(definitions, contract.custom or {}))
        return initial

    def contract_data(self) -> dict[str, Any]:
        names = [*CONTRACT_MODEL_FIELDS, "customer", "opportunity", "quote", "owner"]
        data = {name: self.cleaned_data.get(name) for name in names
                if not (self.locked and name not in OPEN_FIELDS)}
        if "notes" in data:
            data["notes"] = data["notes"] or ""
        return data


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class SubmitForm(forms.Form):
    comment = forms.CharField(label=_("Comment for the approver"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class InstalmentForm(DomainForm):
    """One planned payment (回款计划) of the contract."""

    sequence = forms.IntegerField(label=_("Instalment"), required=False, min_value=1, max_value=999,
                                  help_text=_("Empty: after the last one."))
    due_on = forms.DateField(label=_("Due date"), widget=DateInput())
    amount = amount_field(_("Amount"))
    notes = forms.CharField(label=_("Notes"), max_length=255, required=False)

    def __init__(self, *args, instalment: Instalment | None = None, **kwargs):
        if instalment is not None and "initial" not in kwargs:
            kwargs["initial"] = {"sequence": instalment.sequence, "due_on": instalment.due_on,
                                 "amount": instalment.amount, "notes": instalment.notes}
        super().__init__(*args, **kwargs)
        self.definitions = []
        if instalment is not None:
            self.fields["sequence"].required = True
            self.fields["sequence"].help_text = ""

    def instalment_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in ("sequence", "due_on", "amount", "notes")}
        data["notes"] = data["notes"] or ""
        if data["sequence"] is None:
            del data["sequence"]
        return data


class PaymentForm(DomainForm):
    """Money received (回款), against an instalment or the contract as a whole."""

    instalment: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Instalment"), queryset=None, required=False, empty_label=_("None: against the contract"))
    amount = amount_field(_("Amount"))
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False,
                                help_text=_("Bank slip or transaction number."))
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)

    def __init__(self, *args, instalments, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []
        field = self.fields["instalment"]
        field.queryset = instalments  # type: ignore[attr-defined]
        field.label_from_instance = lambda i: _("#%(n)d due %(day)s, %(due)s outstanding") % {  # type: ignore
            "n": i.sequence, "day": i.due_on.isoformat(), "due": money_text(i.outstanding, currency)}
        if not self.is_bound:
            self.fields["received_on"].initial = timezone.localdate()

    def payment_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name)
                for name in ("instalment", "amount", "received_on", "method", "reference", "notes")}
        data["reference"] = data["reference"] or ""
        data["notes"] = data["notes"] or ""
        return data


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why is it reversed?"), max_length=500)


class AttachmentForm(forms.Form):
    attachments = MultipleFileField(label=_("Files"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _("Up to %(n)d files of at most 20 MB each.") % {"n": MAX_ATTACHMENTS}


class EndingForm(forms.Form):
    days = forms.IntegerField(label=_("Ending within (days)"), min_value=0, max_value=3650, initial=30,
                              required=False)

