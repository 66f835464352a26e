"""HTML form of a personal channel. It only parses what was typed; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import DomainError

from .choices import ChannelKind


class ChannelForm(forms.Form):
    """A group robot or URL: type, name, webhook address, optional secret, on or off."""

    kind = forms.ChoiceField(label=_("Type"), choices=ChannelKind.choices)
    name = forms.CharField(label=_("Name"), max_length=80,
                           help_text=_("For you to tell your channels apart, e.g. “Sales team group”."))
    url = forms.CharField(label=_("Webhook address"), max_length=500, widget=forms.URLInput,
                          help_text=_("The robot's webhook address, copied from the group's robot settings."))
    secret = forms.CharField(label=_("Secret"), required=False, max_length=200,
                             widget=forms.PasswordInput(render_value=False),
                             help_text=_("Optional. Signs the messages: DingTalk and Feishu “signature” security, "
                                         "or the X-Guanxi-Signature header for a URL."))
    remove_secret = forms.BooleanField(label=_("Remove the secret"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, has_secret: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing and has_secret:
            self.fields["secret"].help_text = _("A secret is set. Leave this empty to keep it.")
        else:
            del self.fields["remove_secret"]

    def service_data(self) -> dict[str, Any]:
        """The fields for channel_create / channel_update; on edit an empty secret keeps the stored one."""
        data = {name: self.cleaned_data[name] for name in ("kind", "name", "url", "is_active")}
        if self.cleaned_data.get("secret"):
            data["secret"] = self.cleaned_data["secret"]
        elif not self.editing or self.cleaned_data.get("remove_secret"):
            data["secret"] = ""
        return data

    def show_errors(self, exc: DomainError) -> None:
        placed = False
        for field, messages in exc.errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
                placed = True
        if not placed:
            self.add_error(None, str(exc.message))
