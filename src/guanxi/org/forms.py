"""HTML forms of the organisation pages; they parse input, the services decide."""

from __future__ import annotations

import zoneinfo
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import CustomFieldKind
from guanxi.core.services import CUSTOM_FIELD_ENTITIES

from . import selectors
from .models import Department, User

ACTIVE_CHOICES = [("", _("Active and inactive")), ("yes", _("Active")), ("no", _("Deactivated"))]


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments indented by depth, so the tree shows in a plain select."""

    def label_from_instance(self, obj: Department) -> str:
        return "\u3000" * obj.depth + obj.name


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.username})" if obj.display_name else obj.username


# -- sign-in and profile --


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing over-long user names before they reach authentication
    (and the lockout records, whose columns are bounded)."""

    def clean(self):
        if len(self.cleaned_data.get("username") or "") > (User._meta.get_field("username").max_length or 150):
            raise self.get_invalid_login_error()
        return super().clean()


class TwoFactorCodeForm(forms.Form):
    token = forms.CharField(label=_("Code"), max_length=12, strip=True,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                          "autofocus": True, "pattern": "[0-9 ]*"}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), max_length=4096, strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label=_("New password"), max_length=4096, strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("New password again"), max_length=4096, strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("The two passwords differ."))
        return data


def _time_zone_choices() -> list[tuple[str, Any]]:
    return [("", _("Company default")), *((tz, tz) for tz in sorted(zoneinfo.available_timezones()))]


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _choice(self, "language").choices = [("", _("As the browser asks")), *settings.LANGUAGES]
        _choice(self, "time_zone").choices = _time_zone_choices()


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80,
                           help_text=_("What uses it, e.g. “ERP sync”."))
    expires_in_days = forms.IntegerField(label=_("Expires after (days)"), required=False, min_value=1,
                                         max_value=3650, initial=90,
                                         help_text=_("Leave empty for a token that never expires."))


class TwoFactorDisableForm(forms.Form):
    password = forms.CharField(label=_("Your password"), max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


# -- departments --


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    parent = DepartmentChoiceField(label=_("Parent department"), queryset=Department.objects.none(),
                                   required=False, empty_label=_("(top level)"))
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=1_000_000, initial=0, required=False)

    def __init__(self, *args, department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = selectors.department_choices()
        if department is not None:
            # A department cannot move under itself or its own sub-departments.
            parents = parents.exclude(path__startswith=department.path)
        _model_choice(self, "parent").queryset = parents


# -- users --


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, user name, phone")}))
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False,
                                       empty_label=_("All departments"))
    active = forms.ChoiceField(label=_("Status"), choices=ACTIVE_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choice(self, "department").queryset = selectors.department_choices()

    def filters(self) -> selectors.UserFilters:
        self.is_valid()  # invalid fields are left out of cleaned_data; the valid ones still filter
        data = self.cleaned_data
        active = {"yes": True, "no": False}.get(data.get("active") or "")
        return selectors.UserFilters(q=data.get("q") or "", department=data.get("department"), active=active)


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("Full name"), max_length=80, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False,
                                       empty_label=_("(none)"))
    manager = ManagerChoiceField(label=_("Manager"), queryset=User.objects.none(), required=False,
                                 empty_label=_("(none)"))
    roles = forms.ModelMultipleChoiceField(label=_("Roles"), queryset=selectors.role_choices(), required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choice(self, "department").queryset = selectors.department_choices()
        _model_choice(self, "manager").queryset = selectors.manager_choices(exclude=user)
        _model_choice(self, "roles").queryset = selectors.role_choices()


class UserCreateForm(UserEditForm):
    username = forms.CharField(label=_("User name"), max_length=150,
                               help_text=_("Letters, digits and @ . + - _ only."))
    password = forms.CharField(label=_("Initial password"), max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 8 characters; tell it to the person, who should change it."))

    field_order = ["username", "display_name", "email", "phone", "department", "manager", "roles", "password"]


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("New password"), max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


# -- roles --


class RoleForm(forms.Form):
    """Name and flags; the action/scope matrix is read from the posted checkboxes and selects."""

    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    require_2fa = forms.BooleanField(label=_("Require two-factor sign-in"), required=False,
                                     help_text=_("People with this role must use an authenticator app."))


# -- custom fields --


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CustomFieldEditForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=80)
    choices = forms.CharField(label=_("Options"), required=False, max_length=20_000, widget=forms.Textarea,
                              help_text=_("One option per line; only for choice fields."))
    required = forms.BooleanField(label=_("Required"), required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=1_000_000, initial=0, required=False)

    def choice_list(self) -> list[str]:
        return _lines(self.cleaned_data.get("choices") or "")


class CustomFieldCreateForm(CustomFieldEditForm):
    entity = forms.ChoiceField(label=_("Entity"))
    key = forms.SlugField(label=_("Key"), max_length=40,
                          help_text=_("Used in imports and the API; letters, digits, - and _; cannot change later."))
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomFieldKind.choices)

    field_order = ["entity", "key", "label", "kind", "choices", "required", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _choice(self, "entity").choices = [(k, v) for k, v in CUSTOM_FIELD_ENTITIES.items()]


# -- audit trail --


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("By (user name)"), max_length=150, required=False)
    action = forms.CharField(label=_("Action starts with"), max_length=64, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "user."}))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    record = forms.CharField(label=_("Record"), max_length=200, required=False)

    def filters(self) -> selectors.AuditFilters:
        self.is_valid()  # invalid fields are left out of cleaned_data; the valid ones still filter
        data = self.cleaned_data
        return selectors.AuditFilters(actor=data.get("actor") or "", action=data.get("action") or "",
                                      date_from=data.get("date_from"), date_to=data.get("date_to"),
                                      record=data.get("record") or "")
