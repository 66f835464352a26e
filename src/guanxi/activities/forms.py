"""HTML forms for logging and editing follow-ups (跟进记录)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers.forms import DateTimeLocalInput, DomainForm

from .choices import FollowUpKind
from .services import MAX_ATTACHMENTS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one `<input type=file multiple>`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class FollowUpForm(DomainForm):
    """A call, visit, meeting or message with the customer, and when to follow up next."""

    kind = forms.ChoiceField(label=pgettext_lazy("follow-up", "Kind"), choices=FollowUpKind.choices,
                             initial=FollowUpKind.CALL)
    content = forms.CharField(label=_("What happened"), max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    occurred_at = forms.DateTimeField(label=_("Time"), required=False, widget=DateTimeLocalInput(),
                                      help_text=_("Empty means now."))
    next_follow_up_at = forms.DateTimeField(label=_("Next follow-up"), required=False, widget=DateTimeLocalInput())
    contact: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Contact"), queryset=None, required=False)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, contacts, with_files: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = []
        self.fields["contact"].queryset = contacts  # type: ignore[attr-defined]
        if with_files:
            # Formatted here, in the language of the request, not once at import.
            self.fields["attachments"].help_text = _("Up to %(n)d files of at most 20 MB each.") % {
                "n": MAX_ATTACHMENTS}
        else:
            del self.fields["attachments"]

    def clean_attachments(self) -> list:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS})
        return files

    def follow_up_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in ("kind", "content", "next_follow_up_at", "contact")}
        data["occurred_at"] = self.cleaned_data.get("occurred_at") or timezone.now()
        return data
