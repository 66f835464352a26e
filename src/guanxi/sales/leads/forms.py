"""HTML forms for leads. They only parse what was typed; the services decide what is allowed and
their DomainError field errors are shown on the same form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.activities.choices import FollowUpKind
from guanxi.core.models import CustomFieldDefinition
from guanxi.core.money import MAX_DIGITS, Currency
from guanxi.customers.choices import CustomerSource, Industry
from guanxi.customers.forms import DateInput, DateTimeLocalInput, DomainForm, custom_initial
from guanxi.customers.masking import email_for, phone_for

from .choices import EDITABLE_STATUSES, ConversionMode, LeadStatus
from .models import Lead

LEAD_MODEL_FIELDS = ["name", "company", "title", "phone", "email", "source", "region", "status", "notes"]
_SEPARATORS = re.compile(r"[,，、;；\n]")


class UserChoiceField(forms.ModelChoiceField):
    """A user shown with their department, so two 王芳 can be told apart."""

    def label_from_instance(self, obj) -> str:
        return f"{obj}（{obj.department}）" if obj.department_id else str(obj)


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj}（{obj.department}）" if obj.department_id else str(obj)


class LeadForm(DomainForm):
    """Create or edit a lead and its custom fields. On create, the owner may be left empty so the
    assignment rules (or the pool) decide."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    confirmed = forms.BooleanField(label=_("Save anyway: I checked the possible duplicates listed above"),
                                   required=False)

    def __init__(self, *args, actor, owners=None, lead: Lead | None = None,
                 definitions: list[CustomFieldDefinition], **kwargs):
        self.actor = actor
        self.lead = lead
        if lead is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {name: getattr(lead, name) for name in LEAD_MODEL_FIELDS}
            initial["version"] = lead.version
            initial.update(custom_initial(definitions, lead.custom or {}))
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(
            Lead, fields=LEAD_MODEL_FIELDS,
            widgets={"notes": forms.Textarea(attrs={"rows": 4}),
                     "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})},
        ))
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (s.value, s.label) for s in LeadStatus if s in EDITABLE_STATUSES]
        if lead is None:
            self.fields["owner"] = UserChoiceField(label=_("owner"), queryset=owners, required=False,
                                                   empty_label=_("Nobody yet: assignment rules or the lead pool"))
            self.fields["owner"].initial = actor.pk
            self.fields["confirmed"] = self.fields.pop("confirmed")
        else:
            del self.fields["confirmed"]
        self.hidden_sensitive: set[str] = set()
        if lead is not None and not actor.has_action("customers.view_sensitive"):
            # A user who may not read the phone and email may replace them, never read them back.
            for name in ("phone", "email"):
                value = getattr(lead, name)
                if value:
                    self.hidden_sensitive.add(name)
                    self.initial[name] = ""
                    masked = phone_for(actor, value) if name == "phone" else email_for(actor, value)
                    self.fields[name].widget.attrs["placeholder"] = masked
                    self.fields[name].help_text = _("Hidden from you; leave empty to keep it, type to replace it.")
        self.add_custom_fields(definitions)

    def lead_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in LEAD_MODEL_FIELDS}
        for name in ("company", "title", "phone", "email", "source", "region", "notes"):
            data[name] = data[name] or ""
        for name in self.hidden_sensitive:
            if not data[name]:
                del data[name]
        if "owner" in self.fields:
            data["owner"] = self.cleaned_data.get("owner")
        return data


class LeadFollowUpForm(DomainForm):
    """A call, visit, meeting or message with the lead, and when to follow up next."""

    kind = forms.ChoiceField(label=pgettext_lazy("follow-up", "Kind"), choices=FollowUpKind.choices,
                             initial=FollowUpKind.CALL)
    content = forms.CharField(label=_("What happened"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    occurred_at = forms.DateTimeField(label=_("Time"), required=False, widget=DateTimeLocalInput(),
                                      help_text=_("Empty means now."))
    next_follow_up_at = forms.DateTimeField(label=_("Next follow-up"), required=False, widget=DateTimeLocalInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []

    def follow_up_data(self) -> dict[str, Any]:
        from django.utils import timezone

        data = {name: self.cleaned_data.get(name) for name in ("kind", "content", "next_follow_up_at")}
        data["occurred_at"] = self.cleaned_data.get("occurred_at") or timezone.now()
        return data


def _ids(data) -> list[int]:
    raw = data.getlist("ids") if hasattr(data, "getlist") else data.get("ids", [])
    try:
        ids = [int(v) for v in raw]
    except (TypeError, ValueError):
        raise forms.ValidationError(_("The selection is not valid.")) from None
    if not ids or any(i < 1 or i > 2**63 - 1 for i in ids):
        raise forms.ValidationError(_("Tick at least one lead first."))
    return ids


class BulkActionForm(forms.Form):
    """What to do with the leads ticked on the list."""

    ACTIONS = [("assign", _("Assign to")), ("apply_rules", _("Apply the assignment rules")),
               ("delete", _("Delete"))]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    ids = forms.Field(required=False)
    owner: forms.ModelChoiceField = UserChoiceField(label=_("New owner"), queryset=None, required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]

    def clean_ids(self) -> list[int]:
        return _ids(self.data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "assign" and not cleaned.get("owner"):
            self.add_error("owner", _("Choose who takes these leads over."))
        return cleaned


class AssignForm(forms.Form):
    owner: forms.ModelChoiceField = UserChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class ConvertForm(DomainForm):
    """The conversion step: a new customer, or one of the matching customers the user can see."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    mode = forms.ChoiceField(label=_("Convert into"), choices=ConversionMode.choices, widget=forms.RadioSelect,
                             initial=ConversionMode.NEW_CUSTOMER)
    customer = forms.TypedChoiceField(label=_("Existing customer"), required=False, coerce=int, empty_value=None,
                                      widget=forms.RadioSelect)
    customer_name = forms.CharField(label=_("Customer name"), max_length=200, required=False,
                                    help_text=_("Empty: the lead's company, or the person when there is none."))
    industry = forms.ChoiceField(label=_("Industry"), choices=[("", "—"), *Industry.choices], required=False)
    confirmed = forms.BooleanField(label=_("Create it anyway: I checked the possible duplicates"), required=False)
    with_opportunity = forms.BooleanField(label=_("Also open an opportunity"), required=False)
    opportunity_name = forms.CharField(label=_("Opportunity name"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), required=False, min_value=0, max_digits=MAX_DIGITS,
                                decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.CNY, required=False)
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DateInput())

    def __init__(self, *args, matches, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []
        self.fields["customer"].choices = [(c.pk, c.name) for c in matches]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mode = cleaned.get("mode")
        if mode and mode != ConversionMode.NEW_CUSTOMER and not cleaned.get("customer"):
            self.add_error("customer", _("Choose the customer to attach this lead to."))
        return cleaned

    def opportunity(self) -> dict[str, Any] | None:
        if not self.cleaned_data.get("with_opportunity"):
            return None
        data: dict[str, Any] = {"currency": self.cleaned_data.get("currency") or Currency.CNY}
        for name in ("amount", "expected_close_date"):
            if self.cleaned_data.get(name) is not None:
                data[name] = self.cleaned_data[name]
        if self.cleaned_data.get("opportunity_name"):
            data["name"] = self.cleaned_data["opportunity_name"]
        return data

    def customer_data(self) -> dict[str, Any]:
        return {k: v for k, v in {"name": self.cleaned_data.get("customer_name"),
                                  "industry": self.cleaned_data.get("industry")}.items() if v}


class RuleForm(DomainForm):
    """An assignment rule: which leads (sources, regions) go round-robin to which team."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    name = forms.CharField(label=_("Name"), max_length=80)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1_000_000, initial=0,
                                  help_text=_("Rules are tried from the lowest number up; the first match assigns."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    sources = forms.MultipleChoiceField(label=_("Sources"), choices=CustomerSource.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple,
                                        help_text=_("None ticked: every source."))
    regions = forms.CharField(label=_("Regions"), max_length=2000, required=False,
                              help_text=_("Region prefixes separated by commas, e.g. 广东, 上海; empty: every region."))
    members = UserMultipleChoiceField(label=_("Team"), queryset=None, widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Leads go to them in turn."))

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []
        self.fields["members"].queryset = users  # type: ignore[attr-defined]

    def clean_regions(self) -> list[str]:
        return [r.strip() for r in _SEPARATORS.split(self.cleaned_data.get("regions") or "") if r.strip()]

    def rule_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("name", "position", "is_active", "sources", "regions")}
