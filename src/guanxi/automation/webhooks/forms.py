"""The subscription form: it only parses what was typed; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_URL


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    target_url = forms.CharField(label=_("Target URL"), max_length=MAX_URL,
                                 help_text=_("Events are POSTed here as JSON; redirects are not followed."))
    event_types = forms.MultipleChoiceField(label=_("Events"), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        event_types: forms.MultipleChoiceField = self.fields["event_types"]  # type: ignore[assignment]
        event_types.choices = choices

    def add_domain_error(self, exc) -> None:
        """A service's field errors on the fields they name; the rest, or the message, on top."""
        placed = False
        for field, messages in exc.errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
                placed = True
        if not placed:
            self.add_error(None, str(exc.message))
