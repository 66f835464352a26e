"""HTML forms of the data-quality settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import CollisionMode


class CollisionPolicyForm(forms.Form):
    """Warn or block when a possible duplicate is found."""

    mode = forms.ChoiceField(label=_("When a possible duplicate is found"), choices=CollisionMode.choices,
                             widget=forms.RadioSelect)


class CollisionTryForm(forms.Form):
    """Values to run the check with on the settings page, to see what it finds and why."""

    name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
