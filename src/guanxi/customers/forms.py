"""HTML forms for customers and contacts. They only parse what was typed; the services decide
what is allowed and their DomainError field errors are shown on the same form."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import DomainError
from guanxi.core.models import CustomFieldDefinition, CustomFieldKind
from guanxi.dataquality.collisions import PossibleDuplicate

from .masking import email_for, phone_for
from .models import Contact, Customer, Tag

CUSTOM_PREFIX = "cf_"
CUSTOMER_MODEL_FIELDS = ["name", "kind", "industry", "grade", "status", "source", "region", "address",
                         "phone", "email", "website", "notes", "next_follow_up_at"]
CONTACT_MODEL_FIELDS = ["name", "title", "phone", "mobile", "email", "wechat", "is_decision_maker", "birthday",
                        "notes"]
SENSITIVE_FIELDS = {"phone", "mobile", "email"}
_TAG_SEPARATORS = re.compile(r"[,，、;；]")


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date-and-time picker."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


YES_NO = [("", "—"), ("true", _("Yes")), ("false", _("No"))]


def custom_form_field(definition: CustomFieldDefinition) -> forms.Field:
    """The form field for one custom field definition, by its kind."""
    common: dict[str, Any] = {"label": definition.label, "required": definition.required}
    kind = definition.kind
    if kind == CustomFieldKind.NUMBER:
        return forms.DecimalField(max_digits=30, decimal_places=10, **common)
    if kind == CustomFieldKind.DATE:
        return forms.DateField(widget=DateInput(), **common)
    if kind == CustomFieldKind.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *[(c, c) for c in definition.choices]], **common)
    if kind == CustomFieldKind.MULTI_CHOICE:
        return forms.MultipleChoiceField(choices=[(c, c) for c in definition.choices],
                                         widget=forms.CheckboxSelectMultiple, **common)
    if kind == CustomFieldKind.BOOLEAN:
        return forms.ChoiceField(choices=YES_NO, **common)
    return forms.CharField(max_length=2000, **common)


def custom_initial(definitions: list[CustomFieldDefinition], values: dict[str, Any]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for d in definitions:
        value = values.get(d.key)
        if value is None:
            continue
        if d.kind == CustomFieldKind.BOOLEAN:
            value = "true" if value else "false"
        initial[CUSTOM_PREFIX + d.key] = value
    return initial


class DomainForm(forms.Form):
    """A form that also shows a service's DomainError: field errors on their fields
    (`custom.<key>` on the custom field), anything else at the top."""

    definitions: list[CustomFieldDefinition]

    def add_custom_fields(self, definitions: list[CustomFieldDefinition]) -> None:
        self.definitions = definitions
        for d in definitions:
            self.fields[CUSTOM_PREFIX + d.key] = custom_form_field(d)

    def custom_values(self) -> dict[str, Any]:
        """Every defined key, empty ones included so a cleared value is removed."""
        values: dict[str, Any] = {}
        for d in self.definitions:
            value = self.cleaned_data.get(CUSTOM_PREFIX + d.key)
            if isinstance(value, Decimal):
                value = str(value)
            values[d.key] = value if value not in (None, "") else None
        return values

    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[CUSTOM_PREFIX + d.key] for d in self.definitions]

    def add_domain_error(self, exc: DomainError) -> None:
        placed = False
        for field, messages in exc.errors.items():
            name = CUSTOM_PREFIX + field.split(".", 1)[1] if field.startswith("custom.") else field
            target = name if name in self.fields and not self.fields[name].disabled else None
            for message in messages:
                self.add_error(target, message)
                placed = True
        if not placed or not exc.errors:
            self.add_error(None, str(exc.message))


class DuplicateCheckForm(DomainForm):
    """A form whose save runs the collision check (防撞单). The matches are kept for the box above the
    form (dataquality/includes/collisions.html) rather than the error list, and its "Save anyway"
    checkbox posts `confirm_duplicate`; the field is hidden so no field loop shows it otherwise."""

    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)
    duplicates: PossibleDuplicate | None = None

    def add_domain_error(self, exc: DomainError) -> None:
        if isinstance(exc, PossibleDuplicate):
            self.duplicates = exc
            return
        super().add_domain_error(exc)

    def duplicate_options(self) -> dict[str, bool]:
        """The service arguments: check, and whether the user ticked "Save anyway"."""
        return {"check_duplicates": True, "confirm_duplicate": bool(self.cleaned_data.get("confirm_duplicate"))}


class CustomerForm(DuplicateCheckForm):
    """Create or edit a customer, its tags and its custom fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    new_tags = forms.CharField(label=_("New tags"), required=False, max_length=200,
                               help_text=_("Separate several with commas."))

    def __init__(self, *args, actor, owners, customer: Customer | None = None,
                 definitions: list[CustomFieldDefinition], can_transfer: bool = True, **kwargs):
        self.actor = actor
        self.customer = customer
        self.can_see_sensitive = actor.has_action("customers.view_sensitive")
        if customer is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(customer, definitions)
        super().__init__(*args, **kwargs)
        # The website field is built by hand: the model's default form field guesses the scheme.
        model_fields = forms.fields_for_model(
            Customer, fields=[f for f in CUSTOMER_MODEL_FIELDS if f != "website"],
            widgets={"notes": forms.Textarea(attrs={"rows": 4}), "next_follow_up_at": DateTimeLocalInput(),
                     "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})},
        )
        model_fields["website"] = forms.URLField(label=_("website"), max_length=255, required=False,
                                                 assume_scheme="https")
        self.fields.update(model_fields)
        self.owner_locked = customer is not None and not can_transfer
        if not self.owner_locked:
            self.fields["owner"] = forms.ModelChoiceField(label=_("owner"), queryset=owners, required=True)
            if customer is None:
                self.fields["owner"].initial = actor.pk
        self.fields["tags"] = forms.ModelMultipleChoiceField(
            label=_("tags"), queryset=Tag.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
        )
        self.fields["new_tags"] = self.fields.pop("new_tags")
        self.hidden_sensitive = set()
        if customer is not None and not self.can_see_sensitive:
            # A user who may not read the phone and email may replace them, never read them back.
            for name in ("phone", "email"):
                if getattr(customer, name):
                    self.hidden_sensitive.add(name)
                    self.initial[name] = ""
                    self.fields[name].widget.attrs["placeholder"] = (
                        phone_for(actor, customer.phone) if name == "phone" else email_for(actor, customer.email))
                    self.fields[name].help_text = _("Hidden from you; leave empty to keep it, type to replace it.")
        self.add_custom_fields(definitions)

    @staticmethod
    def initial_for(customer: Customer, definitions: list[CustomFieldDefinition]) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(customer, name) for name in CUSTOMER_MODEL_FIELDS}
        initial.update(owner=customer.owner_id, version=customer.version, tags=[t.pk for t in customer.tags.all()])
        initial.update(custom_initial(definitions, customer.custom or {}))
        return initial

    def clean_new_tags(self) -> list[str]:
        names = [n.strip() for n in _TAG_SEPARATORS.split(self.cleaned_data.get("new_tags") or "") if n.strip()]
        too_long = [n for n in names if len(n) > 40]
        if too_long:
            raise forms.ValidationError(_("A tag has at most 40 characters."))
        if len(names) > 10:
            raise forms.ValidationError(_("Add at most 10 new tags at a time."))
        return list(dict.fromkeys(names))

    def customer_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in CUSTOMER_MODEL_FIELDS}
        for name in ("industry", "grade", "source", "region", "address", "phone", "email", "website", "notes"):
            data[name] = data[name] or ""
        for name in self.hidden_sensitive:
            if not data[name]:
                del data[name]
        if "owner" in self.fields:
            data["owner"] = self.cleaned_data.get("owner")
        return data


class ContactForm(DuplicateCheckForm):
    """Create or edit a contact (联系人) of a customer."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, actor, contact: Contact | None = None, definitions: list[CustomFieldDefinition],
                 **kwargs):
        self.contact = contact
        if contact is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {name: getattr(contact, name) for name in CONTACT_MODEL_FIELDS}
            initial["version"] = contact.version
            initial.update(custom_initial(definitions, contact.custom or {}))
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(
            Contact, fields=CONTACT_MODEL_FIELDS,
            widgets={"notes": forms.Textarea(attrs={"rows": 3}), "birthday": DateInput(),
                     "phone": forms.TextInput(attrs={"type": "tel"}),
                     "mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})},
        ))
        self.hidden_sensitive = set()
        if contact is not None and not actor.has_action("customers.view_sensitive"):
            for name in ("phone", "mobile", "email"):
                value = getattr(contact, name)
                if value:
                    self.hidden_sensitive.add(name)
                    self.initial[name] = ""
                    masked = email_for(actor, value) if name == "email" else phone_for(actor, value)
                    self.fields[name].widget.attrs["placeholder"] = masked
                    self.fields[name].help_text = _("Hidden from you; leave empty to keep it, type to replace it.")
        self.add_custom_fields(definitions)

    def contact_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in CONTACT_MODEL_FIELDS}
        for name in ("title", "phone", "mobile", "email", "wechat", "notes"):
            data[name] = data[name] or ""
        for name in self.hidden_sensitive:
            if not data[name]:
                del data[name]
        return data


class BulkActionForm(forms.Form):
    """What to do with the customers ticked on the list."""

    ACTIONS = [("transfer", _("Transfer to")), ("tag", _("Add tag")), ("delete", _("Delete"))]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    ids = forms.Field(required=False)
    owner: forms.ModelChoiceField = forms.ModelChoiceField(label=_("New owner"), queryset=None, required=False)
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.all(), required=False)
    new_tag = forms.CharField(label=_("New tag"), max_length=40, required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]

    def clean_ids(self) -> list[int]:
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        try:
            ids = [int(v) for v in raw]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("The selection is not valid.")) from None
        if not ids:
            raise forms.ValidationError(_("Tick at least one customer first."))
        return ids

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action == "transfer" and not cleaned.get("owner"):
            self.add_error("owner", _("Choose who takes these customers over."))
        if action == "tag" and not cleaned.get("tag") and not (cleaned.get("new_tag") or "").strip():
            self.add_error("tag", _("Choose a tag or type a new one."))
        return cleaned


class CollaboratorForm(forms.Form):
    """Add someone to a customer's team, reading or also editing."""

    user: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Team member"), queryset=None)
    can_edit = forms.TypedChoiceField(label=_("Access"), coerce=lambda v: v == "1",
                                      choices=[("0", _("Read only")), ("1", _("Read and edit"))], initial="0")

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("View name"), max_length=80)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
